//! Tickets: the list with filters, the intake form that records an incoming contact (with
//! the two fragments its script fetches: the customers matching what is typed, and the
//! region of a new customer's address), and a ticket's page with its deadlines, the steps
//! the person may take next and its timeline.

use super::customers::customer_id;
use super::extract::Pairs;
use super::view::{
    Choice, DeadlineView, ErrorSummary, FormField, Messages, RegionBadge, TicketLine, TicketTable,
    datetime_local, full_time, parse_datetime_local, short_time,
};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_partial,
    render_with, see_other, url_with,
};
use crate::app;
use crate::app::AppState;
use crate::app::deadlines::ArrivalPromises;
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use sanbao_domain::audit::AuditEntry;
use sanbao_domain::customer::CustomerFilter;
use sanbao_domain::customer::{ADDRESS_MAX, ContactInput, CustomerInput};
use sanbao_domain::deadline::DeadlinePolicy;
use sanbao_domain::replies::{OpinionResponse, ReplyMedium};
use sanbao_domain::text::Phone;
use sanbao_domain::ticket::TicketFilter;
use sanbao_domain::ticket::{
    Channel, EventInput, EventType, NewTicket, Ticket, TicketEvent, TicketInput, TicketKind,
    TicketStatus,
};
use sanbao_domain::unit::{TicketPlace, UnitFilter, UnitSummary};
use sanbao_domain::user::User;
use sanbao_domain::{
    CustomerId, Error, FieldErrors, Permission, Problem, Region, TicketId, UnitId, UserId,
};
use serde_json::Value;
use std::collections::HashMap;

/// `/tickets…`: the list, recording a contact (with its helpers), a ticket and its steps.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/tickets", get(list).post(create))
        .route("/tickets/new", get(new_form))
        .route("/tickets/new/customers", get(customer_matches))
        .route("/tickets/new/region", get(address_region))
        .route("/tickets/{id}", get(detail))
        .route("/tickets/{id}/events", post(record_event))
}

/// Tickets per page.
const PAGE: i64 = 25;

fn ticket_id(s: &str) -> WebResult<TicketId> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(TicketId)
        .ok_or_else(|| WebError::not_found("ticket"))
}

fn kind_choices(lang: Lang, current: &str, first: &str) -> Vec<Choice> {
    let mut v = vec![Choice::new("", first, current)];
    v.extend(
        TicketKind::ALL
            .iter()
            .map(|k| Choice::new(k.as_str(), lang.t(&format!("kind.{k}")), current)),
    );
    v
}

// ---------------------------------------------------------------------------------------
// The list.

#[derive(Template)]
#[template(path = "tickets_list.html")]
struct ListPage {
    l: Layout,
    q: String,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
    regions: Vec<Choice>,
    overdue: bool,
    quality_review: bool,
    table: String,
    next_href: Option<String>,
    first_href: Option<String>,
}

/// `GET /tickets?q=&kind=&status=&region=&overdue=1&cursor=`: newest first.
pub async fn list(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let now = state.now();
    let q = p.text("q");
    let kind = p.filled("kind").and_then(TicketKind::parse);
    let status_param = p.filled("status").unwrap_or_default().to_string();
    let status = TicketStatus::parse(&status_param);
    let open = status_param == "open";
    let region = p.filled("region").and_then(Region::parse);
    let overdue = p.filled("overdue").is_some_and(|v| v != "0");
    let quality_review = p.filled("quality_review").is_some_and(|v| v != "0");
    let cursor = p.filled("cursor").and_then(|c| c.parse::<i64>().ok());
    let filter = TicketFilter {
        q: Some(q.clone()).filter(|s| !s.trim().is_empty()),
        kind,
        status: if open { None } else { status },
        open,
        overdue_at: overdue.then_some(now),
        region,
        quality_review,
        ..TicketFilter::default()
    };
    let mut rows = app::tickets::tickets(&state, &u.user, &filter, PAGE + 1, cursor).await?;
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let kind_code = kind.map_or("", TicketKind::as_str);
    let status_code = if open {
        "open"
    } else {
        status.map_or("", TicketStatus::as_str)
    };
    let region_code = region.map_or("", Region::as_str);
    let overdue_code = if overdue { "1" } else { "" };
    let base = [
        ("q", q.as_str()),
        ("kind", kind_code),
        ("status", status_code),
        ("region", region_code),
        ("overdue", overdue_code),
        ("quality_review", if quality_review { "1" } else { "" }),
    ];
    let next_href = more
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten()
        .map(|c| {
            let mut pairs = base.to_vec();
            pairs.push(("cursor", &c));
            url_with("/tickets", &pairs)
        });
    let first_href = cursor.map(|_| url_with("/tickets", &base));
    let lines: Vec<TicketLine> = rows
        .into_iter()
        .map(|r| TicketLine::new(u.lang, r, now))
        .collect();
    let l = u.layout("tickets", u.t("tickets.title"));
    let table = render_partial(&TicketTable {
        l: &l,
        rows: &lines,
        by_deadline: false,
        deadline_column: true,
        customer_column: true,
        empty: u.t("tickets.none").to_string(),
    })?;
    let mut statuses = vec![
        Choice::new("", u.t("tickets.status_any"), status_code),
        Choice::new("open", u.t("status.all_open"), status_code),
    ];
    statuses.extend(
        TicketStatus::ALL
            .iter()
            .map(|s| Choice::new(s.as_str(), u.t(&format!("status.{s}")), status_code)),
    );
    let mut regions = vec![Choice::new("", u.t("tickets.region_any"), region_code)];
    regions.extend(Region::ALL.iter().map(|r| {
        Choice::new(
            r.as_str(),
            u.t(&format!("region.{}", r.as_str())),
            region_code,
        )
    }));
    render(&ListPage {
        kinds: kind_choices(u.lang, kind_code, u.t("tickets.kind_any")),
        statuses,
        regions,
        l,
        q,
        overdue,
        quality_review,
        table,
        next_href,
        first_href,
    })
}

// ---------------------------------------------------------------------------------------
// Recording a contact: one form finds the customer as the clerk types (or adds a new one)
// and takes the contact; nothing typed is lost on the way.

/// The longest customer search text read; the rest is ignored.
const SEARCH_MAX: usize = 64;
/// Customers offered for a search.
const MATCHES: i64 = 8;

/// Search text as the store is asked for it: no control characters (a NUL byte cannot go
/// to PostgreSQL), trimmed, at most [`SEARCH_MAX`] characters.
fn search_text(q: &str) -> String {
    q.chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .chars()
        .take(SEARCH_MAX)
        .collect::<String>()
        .trim()
        .to_string()
}

/// A new customer's fields on the intake form, named as the use case names their problems
/// (`customer.name`, `customer.contacts[0].phone`).
#[derive(Default)]
struct NewCustomerForm {
    name: String,
    address: String,
    contact: String,
    phone: String,
}

/// The intake form as typed.
#[derive(Default)]
struct TicketForm {
    customer_id: String,
    /// The customer search as typed.
    cq: String,
    /// The new-customer part is open: the customer is added with the ticket.
    new_customer: bool,
    nc: NewCustomerForm,
    kind: String,
    channel: String,
    received_at: String,
    unit_text: String,
    /// The customer's unit the contact is about (a choice of its units), if named.
    unit_id: String,
    summary: String,
    /// The owner the desk chose; empty: the one proposed by load (issue 7).
    assignee_id: String,
}

impl TicketForm {
    fn read(p: &Pairs) -> Self {
        TicketForm {
            customer_id: p.text("customer_id"),
            cq: p.text("cq"),
            new_customer: p.get("customer_mode") == Some("new"),
            nc: NewCustomerForm {
                name: p.text("customer.name"),
                address: p.text("customer.address"),
                contact: p.text("customer.contacts[0].name"),
                phone: p.text("customer.contacts[0].phone"),
            },
            kind: p.text("kind"),
            channel: p.text("channel"),
            received_at: p.text("received_at"),
            unit_text: p.text("unit_text"),
            unit_id: p.text("unit_id"),
            summary: p.text("summary"),
            assignee_id: p.text("assignee_id"),
        }
    }

    /// Open the new-customer part with what was searched for: a phone number goes to the
    /// phone, anything else to the name.
    fn start_new_customer(&mut self) {
        self.new_customer = true;
        self.customer_id.clear();
        let typed = search_text(&self.cq);
        if typed.is_empty() {
            return;
        }
        if Phone::parse(&typed).is_ok() {
            if self.nc.phone.trim().is_empty() {
                self.nc.phone = typed;
            }
        } else if self.nc.name.trim().is_empty() {
            self.nc.name = typed;
        }
    }

    /// The new customer as the use case takes it. A phone without a contact name is the
    /// customer's own: the contact is named after the customer.
    fn customer_input(&self) -> CustomerInput {
        let nc = &self.nc;
        let (contact, phone) = (nc.contact.trim(), nc.phone.trim());
        let contacts = match (contact, phone) {
            ("", "") => Vec::new(),
            (name, phone) => vec![ContactInput {
                name: if name.is_empty() {
                    nc.name.clone()
                } else {
                    name.to_string()
                },
                phone: Some(phone.to_string()).filter(|p| !p.is_empty()),
                email: None,
                position: None,
            }],
        };
        CustomerInput {
            name: nc.name.clone(),
            address: nc.address.clone(),
            salesperson_id: None,
            notes: None,
            contacts,
        }
    }

    /// The contact as the use case takes it (with `customer` as its customer), or every
    /// problem of the ticket's own fields.
    fn ticket_input(
        &self,
        customer: Option<CustomerId>,
        now: DateTime<Utc>,
    ) -> Result<TicketInput, FieldErrors> {
        let mut errs = FieldErrors::new();
        let kind = match self.kind.trim() {
            "" => {
                errs.add("kind", Problem::required());
                None
            }
            k => TicketKind::parse(k).or_else(|| {
                errs.add("kind", Problem::invalid("not a ticket kind"));
                None
            }),
        };
        let channel = Channel::parse(self.channel.trim()).or_else(|| {
            errs.add("channel", Problem::invalid("not a channel"));
            None
        });
        let received_at = match self.received_at.trim() {
            "" => {
                errs.add("received_at", Problem::required());
                None
            }
            s => parse_datetime_local(s).or_else(|| {
                errs.add("received_at", Problem::invalid("not a date and time"));
                None
            }),
        };
        let unit_id = match self.unit_id.trim() {
            "" => None,
            s => s
                .parse::<i64>()
                .ok()
                .map(sanbao_domain::UnitId)
                .or_else(|| {
                    errs.add("unit_id", Problem::invalid("not a unit number"));
                    None
                }),
        };
        let input = TicketInput {
            kind: kind.unwrap_or(TicketKind::Consultation),
            channel: channel.unwrap_or(Channel::Phone),
            customer_id: customer.unwrap_or(CustomerId(0)),
            unit_id,
            site_id: None,
            unit_text: Some(self.unit_text.clone()).filter(|s| !s.trim().is_empty()),
            summary: self.summary.clone(),
            received_at: received_at.unwrap_or(now),
        };
        if errs.is_empty() {
            return Ok(input);
        }
        // Name the text fields' problems too, in the same answer: the domain's check of a
        // contact, given stand-ins for what could not be read.
        if let Err(Error::Validation(more)) = NewTicket::parse(
            input,
            &TicketPlace::region_only(Region::Unknown),
            &sanbao_domain::deadline::DeadlinePolicy::company(),
            UserId(0),
            now,
        ) {
            for (k, p) in more.0 {
                if errs.get(&k).is_none() {
                    errs.add(k, p);
                }
            }
        }
        Err(errs)
    }
}

/// The chosen customer, or a match of the search: what the clerk needs to tell customers
/// apart and to promise an arrival time.
struct CustomerCard {
    id: i64,
    name: String,
    address: String,
    badge: RegionBadge,
    contact: String,
    arrival_promise: String,
}

impl CustomerCard {
    #[allow(clippy::too_many_arguments)]
    fn new(
        lang: Lang,
        promises: &ArrivalPromises,
        id: i64,
        name: String,
        address: String,
        region: Region,
        corrected: bool,
        contact: [Option<&str>; 2],
    ) -> Self {
        CustomerCard {
            id,
            name,
            address,
            badge: RegionBadge::new(lang, region, corrected),
            contact: contact
                .into_iter()
                .flatten()
                .filter(|s| !s.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" · "),
            arrival_promise: lang.f(
                "customer.arrival_promise",
                &[("d", &lang.duration(promises.minutes(region)))],
            ),
        }
    }
}

/// The customers found for a search: a list of buttons in the form, or (for the script) a
/// listbox whose options carry what the chosen customer's card shows.
#[derive(Template)]
#[template(path = "ticket_new_customers_partial.html")]
struct CustomerMatches<'a> {
    l: &'a Layout,
    rows: &'a [CustomerCard],
    listbox: bool,
}

/// The region an address gives and the arrival it promises, shown as the address is typed.
#[derive(Template)]
#[template(path = "ticket_new_region_partial.html")]
struct RegionHint {
    badge: RegionBadge,
    derived_from: String,
    arrival_promise: String,
}

fn region_hint(l: &Layout, promises: &ArrivalPromises, address: &str) -> WebResult<String> {
    if address.trim().is_empty() {
        return Ok(String::new());
    }
    let (region, place) = Region::explain_address(address);
    render_partial(&RegionHint {
        badge: RegionBadge::new(l.lang, region, false),
        derived_from: place.map_or_else(
            || l.t("customer.derived_none").to_string(),
            |p| l.lang.f("customer.derived_from", &[("place", &p)]),
        ),
        arrival_promise: l.lang.f(
            "customer.arrival_promise",
            &[("d", &l.lang.duration(promises.minutes(region)))],
        ),
    })
}

async fn find_customers(state: &AppState, u: &WebUser, q: &str) -> WebResult<Vec<CustomerCard>> {
    let filter = CustomerFilter {
        q: Some(q.to_string()),
        ..CustomerFilter::default()
    };
    let found = app::customers::customers(state, &u.user, &filter, MATCHES, None).await?;
    let promises = app::deadlines::arrival_promises(state).await?;
    Ok(found
        .into_iter()
        .map(|c| {
            CustomerCard::new(
                u.lang,
                &promises,
                c.id.0,
                c.name,
                c.address,
                c.region,
                c.region_corrected,
                [c.contact_name.as_deref(), c.contact_phone.as_deref()],
            )
        })
        .collect())
}

// ---- training 2 ----
/// The customer search made on another form (a customer training's customer): the same
/// results the intake form shows without script, each a `pick=ID` button; empty when
/// nothing was searched for.
pub(super) async fn customer_matches_html(
    state: &AppState,
    u: &WebUser,
    l: &Layout,
    q: &str,
) -> WebResult<String> {
    let q = search_text(q);
    if q.is_empty() {
        return Ok(String::new());
    }
    let rows = find_customers(state, u, &q).await?;
    render_partial(&CustomerMatches {
        l,
        rows: &rows,
        listbox: false,
    })
}
// ---- end training 2 ----

#[derive(Template)]
#[template(path = "ticket_new.html")]
struct NewPage {
    l: Layout,
    customer: Option<CustomerCard>,
    /// The results of the search made (none shown when no search was made).
    matches: String,
    nc_region: String,
    f: TicketForm,
    kinds: Vec<Choice>,
    channels: Vec<Choice>,
    errors: Messages,
    form_errors: ErrorSummary,
    may_add_customer: bool,
    /// The picked customer's units to name one of (empty: no choice shown).
    units: Vec<Choice>,
    /// Who may own it: the service managers (complaints) and the senior engineers
    /// (consultations, letters), each with their open load.
    owners: OwnerChoice,
}

/// The intake form's owner choice (R3.10, R3.5, R3.7): the people, grouped, and the one
/// the load proposes for each group, which the form's script selects as the kind changes.
struct OwnerChoice {
    /// (group label, its people)
    groups: Vec<(String, Vec<Choice>)>,
    propose_complaint: String,
    propose_reply: String,
    auto: Choice,
}

async fn owner_choice(state: &AppState, u: &WebUser, f: &TicketForm) -> WebResult<OwnerChoice> {
    let kind = TicketKind::parse(f.kind.trim());
    let managers =
        app::replies::intake_candidates(state, &u.user, TicketKind::ComplaintOther).await?;
    let engineers =
        app::replies::intake_candidates(state, &u.user, TicketKind::Consultation).await?;
    let pick = |c: &[sanbao_domain::replies::Candidate]| {
        sanbao_domain::replies::pick_by_load(c).map_or(String::new(), |id| id.0.to_string())
    };
    let (propose_complaint, propose_reply) = (pick(&managers), pick(&engineers));
    // Shown selected: what was chosen, else (the kind being known) the proposal.
    let current = match (f.assignee_id.trim(), kind) {
        ("", Some(k)) if k.is_complaint() => propose_complaint.clone(),
        ("", Some(k)) if k.is_answered_by_reply() => propose_reply.clone(),
        (chosen, _) => chosen.to_string(),
    };
    let group = |key: &str, people: &[sanbao_domain::replies::Candidate]| {
        (
            u.t(key).to_string(),
            people
                .iter()
                .map(|c| {
                    let label = u
                        .lang
                        .f("replies.owner_load", &[("name", &c.name), ("n", &c.load)]);
                    Choice::new(c.id.0.to_string(), label, &current)
                })
                .collect::<Vec<_>>(),
        )
    };
    Ok(OwnerChoice {
        groups: vec![
            group("role.service_manager", &managers),
            group("role.senior_engineer", &engineers),
        ],
        propose_complaint,
        propose_reply,
        auto: Choice::new("", u.t("replies.owner_auto"), &current),
    })
}

async fn new_page(
    state: &AppState,
    u: &WebUser,
    f: TicketForm,
    errors: &FieldErrors,
) -> WebResult<NewPage> {
    let mut errors = errors.clone();
    let customer = match f.customer_id.trim() {
        _ if f.new_customer => None,
        "" => None,
        s => match customer_id(s) {
            Ok(id) => match app::customers::customer(state, &u.user, id).await {
                Ok(c) => Some(c),
                Err(Error::NotFound(_)) => {
                    errors.add("customer_id", Problem::new("not_found", "no such customer"));
                    None
                }
                Err(e) => return Err(e.into()),
            },
            Err(_) => {
                errors.add("customer_id", Problem::new("not_found", "no such customer"));
                None
            }
        },
    };
    let units = match &customer {
        Some(c) => {
            let filter = UnitFilter {
                customer_id: Some(c.id),
                ..UnitFilter::default()
            };
            let list = app::units::units(state, &u.user, &filter, app::MAX_LIMIT, None).await?;
            let mut v = Vec::new();
            if !list.is_empty() {
                v.push(Choice::new("", u.t("ticket.new.unit_none"), &f.unit_id));
                v.extend(list.into_iter().map(|unit| {
                    let label = format!(
                        "{} · {} · {}",
                        unit.serial_no, unit.model_code, unit.site_address
                    );
                    Choice::new(unit.id.0.to_string(), label, f.unit_id.trim())
                }));
            }
            v
        }
        None => Vec::new(),
    };
    let promises = app::deadlines::arrival_promises(state).await?;
    let picked = customer.map(|c| {
        let first = c.fields.contacts.first();
        CustomerCard::new(
            u.lang,
            &promises,
            c.id.0,
            c.fields.name,
            c.fields.address,
            c.region,
            c.region_correction.is_some(),
            [
                first.map(|k| k.name.as_str()),
                first.and_then(|k| k.phone.as_deref()),
            ],
        )
    });
    let l = u.layout("new_ticket", u.t("ticket.new_title"));
    let q = search_text(&f.cq);
    let searched = picked.is_none() && !f.new_customer && !q.is_empty();
    let matches = if searched {
        let rows = find_customers(state, u, &q).await?;
        render_partial(&CustomerMatches {
            l: &l,
            rows: &rows,
            listbox: false,
        })?
    } else {
        String::new()
    };
    let nc_region = if f.new_customer {
        region_hint(&l, &promises, &f.nc.address)?
    } else {
        String::new()
    };
    let channels = Channel::ALL
        .iter()
        .map(|c| Choice::new(c.as_str(), u.t(&format!("channel.{c}")), &f.channel))
        .collect();
    let errors = Messages::new(u.lang, &errors);
    let fields = [
        FormField::new("customer_id", "cq", u.t("ticket.customer")),
        FormField::new("customer.name", "nc-name", u.t("ticket.new.customer_name")),
        FormField::new(
            "customer.address",
            "nc-address",
            u.t("ticket.new.customer_address"),
        ),
        FormField::new(
            "customer.contacts[0].name",
            "nc-contact",
            u.t("ticket.new.contact_name"),
        ),
        FormField::new(
            "customer.contacts[0].phone",
            "nc-phone",
            u.t("ticket.new.contact_phone"),
        ),
        FormField::new("kind", "kind", u.t("ticket.kind")),
        FormField::new("channel", "channel", u.t("ticket.channel")),
        FormField::new("received_at", "received_at", u.t("ticket.received_at")),
        FormField::new("unit_id", "unit_id", u.t("ticket.unit")),
        FormField::new("unit_text", "unit_text", u.t("ticket.unit_text")),
        FormField::new("summary", "summary", u.t("ticket.summary")),
        FormField::new("assignee_id", "assignee_id", u.t("ticket.assignee")),
    ];
    let owners = owner_choice(state, u, &f).await?;
    Ok(NewPage {
        owners,
        form_errors: ErrorSummary::new(u.lang, &errors, &fields, None),
        l,
        customer: picked,
        matches,
        nc_region,
        kinds: kind_choices(u.lang, &f.kind, u.t("common.choose")),
        channels,
        f,
        errors,
        may_add_customer: u.may(Permission::EditCustomers),
        units,
    })
}

/// `GET /tickets/new?customer_id=` or `?cq=` (a search made before the form was open).
pub async fn new_form(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    app::require(&u.user, Permission::OpenTickets)?;
    let f = TicketForm {
        customer_id: p.text("customer_id"),
        unit_id: p.text("unit_id"),
        cq: p.text("cq"),
        channel: Channel::Phone.as_str().into(),
        received_at: datetime_local(state.now()),
        ..TicketForm::default()
    };
    render(&new_page(&state, &u, f, &FieldErrors::new()).await?)
}

/// `GET /tickets/new/customers?q=`: the customers matching what is typed, as the listbox
/// the intake form's script places under the search box.
pub async fn customer_matches(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    app::require(&u.user, Permission::OpenTickets)?;
    let q = search_text(&p.text("q"));
    let l = u.layout("new_ticket", u.t("ticket.new_title"));
    let rows = if q.is_empty() {
        Vec::new()
    } else {
        find_customers(&state, &u, &q).await?
    };
    let html = if q.is_empty() {
        String::new()
    } else {
        render_partial(&CustomerMatches {
            l: &l,
            rows: &rows,
            listbox: true,
        })?
    };
    Ok(fragment(html))
}

/// `GET /tickets/new/region?address=`: the region of a new customer's address and the
/// arrival it promises, as the clerk types it.
pub async fn address_region(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let l = u.layout("new_ticket", u.t("ticket.new_title"));
    let address: String = p.text("address").chars().take(ADDRESS_MAX).collect();
    let promises = app::deadlines::arrival_promises(&state).await?;
    Ok(fragment(region_hint(&l, &promises, &address)?))
}

/// A piece of a page for a script to place: never cached.
fn fragment(html: String) -> Response {
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        axum::response::Html(html),
    )
        .into_response()
}

/// `POST /tickets`: record the contact and go on to its page; or come back with what was
/// typed and every problem named. The form's other buttons come here too, to work without
/// script: `intent=search`, `pick=ID`, `intent=change_customer`, `intent=new_customer`,
/// `intent=existing_customer` each show the form again, everything typed kept.
pub async fn create(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let mut f = TicketForm::read(&form);
    let now = state.now();
    if let Some(id) = form.filled("pick") {
        f.customer_id = id.to_string();
        f.cq.clear();
        f.new_customer = false;
        return render(&new_page(&state, &u, f, &FieldErrors::new()).await?);
    }
    let intent = form.filled("intent").unwrap_or("save");
    match intent {
        "search" => {
            f.customer_id.clear();
            f.new_customer = false;
        }
        "change_customer" => f.customer_id.clear(),
        "new_customer" => f.start_new_customer(),
        "existing_customer" => f.new_customer = false,
        _ => {}
    }
    // Enter in the search box sends the form: without a customer, that is a search.
    let searching = !f.new_customer && f.customer_id.trim().is_empty() && !f.cq.trim().is_empty();
    if intent != "save" || searching {
        return render(&new_page(&state, &u, f, &FieldErrors::new()).await?);
    }
    let owner = match f.assignee_id.trim() {
        "" => Ok(None),
        s => s
            .parse::<i64>()
            .map(|n| Some(UserId(n)))
            .map_err(|_| Problem::invalid("not a person")),
    };
    let owner_problem = owner.as_ref().err().cloned();
    let with_owner = |r: Result<TicketInput, FieldErrors>| match (&owner_problem, r) {
        (None, r) => r,
        (Some(p), Ok(_)) => Err(FieldErrors::single("assignee_id", p.clone())),
        (Some(p), Err(mut e)) => {
            e.add("assignee_id", p.clone());
            Err(e)
        }
    };
    let owner = owner.unwrap_or(None);
    let result = if f.new_customer {
        let customer = f.customer_input();
        match with_owner(f.ticket_input(None, now)) {
            Ok(input) => app::intake::open_ticket_for_new_customer(
                &state, &u.user, &customer, input, owner, now,
            )
            .await
            .map(|(_, t)| t),
            Err(mut errs) => {
                errs.0.extend(app::intake::customer_problems(&customer).0);
                Err(Error::Validation(errs))
            }
        }
    } else {
        let customer = match f.customer_id.trim() {
            "" => Err(Problem::required()),
            s => s
                .parse::<i64>()
                .map(CustomerId)
                .map_err(|_| Problem::new("not_found", "no such customer")),
        };
        match (customer, with_owner(f.ticket_input(None, now))) {
            (Ok(id), Ok(input)) => {
                let input = TicketInput {
                    customer_id: id,
                    ..input
                };
                app::tickets::open_owned_ticket(&state, &u.user, input, owner, now).await
            }
            (customer, input) => {
                let mut errs = input.err().unwrap_or_default();
                if let Err(p) = customer {
                    errs.add("customer_id", p);
                }
                Err(Error::Validation(errs))
            }
        }
    };
    match result {
        Ok(t) => Ok(see_other(&format!("/tickets/{}?created=1", t.id))),
        Err(Error::Validation(errs)) => {
            let page = new_page(&state, &u, f, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// A ticket's page.

/// A step the person may take now, as a small form.
struct ActionForm {
    ty: &'static str,
    title: String,
    submit: String,
    /// `textarea`, `select`, `datetime` or `none`.
    input: &'static str,
    name: &'static str,
    label: String,
    options: Vec<Choice>,
    value: String,
    error: Option<String>,
    hint: Option<String>,
    /// `primary` for the step that meets a deadline, `danger` for cancelling.
    style: &'static str,
    /// A reason asked beside the main field (changing the kind): label, value, error.
    reason: Option<(String, String, Option<String>)>,
    /// A second input some steps take: how a reply was sent, the customer's response,
    /// the reviewer's verdict (issue 7).
    extra: Option<ExtraInput>,
}

/// A choice beside a step's text: `radio` buttons or a `select`.
struct ExtraInput {
    input: &'static str,
    name: &'static str,
    label: String,
    options: Vec<Choice>,
    error: Option<String>,
}

struct Change {
    label: String,
    before: String,
    after: String,
}

struct TimelineEntry {
    at: String,
    actor: String,
    action: String,
    action_class: String,
    changes: Vec<Change>,
    note: Option<String>,
}

#[derive(Template)]
#[template(path = "ticket_detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    number: String,
    kind: &'static str,
    kind_label: String,
    status: &'static str,
    status_label: String,
    channel_label: String,
    received: String,
    customer_name: String,
    customer_href: String,
    customer_contact: String,
    customer_tel: String,
    region: RegionBadge,
    deadlines: Vec<DeadlineView>,
    /// Waiting for the customer since, and why.
    waiting: Option<(String, String)>,
    /// Earlier waits, one line each.
    pauses: Vec<String>,
    summary: String,
    unit_text: Option<String>,
    opinion: Option<String>,
    reply: Option<String>,
    resolution: Option<String>,
    assignee: String,
    technician: String,
    created_by: String,
    version: i64,
    actions: Vec<ActionForm>,
    timeline: Vec<TimelineEntry>,
    notice: Option<String>,
    form_errors: ErrorSummary,
    /// Where to go (the ticket's site, else the customer's first), its unit and coverage.
    place: Option<super::units::SiteLine>,
    unit_link: Option<(String, String)>,
    coverage: Option<super::units::CoverageView>,
    answers: AnswersView,
    // ---- dispatch (issue 8) ----
    /// The on-site job section (tickets that may have one).
    job: Option<super::dispatch::JobSection>,
    // ---- end dispatch ----
    // ---- similar cases ----
    similar: Option<super::similar::SimilarPanel>,
    // ---- end similar cases ----
}

/// What followed the first answer, as the ticket's facts show it (issue 7).
#[derive(Default)]
struct AnswersView {
    /// (response code, its words, the customer's words, who and when)
    opinion_response: Option<(&'static str, String, String, String)>,
    /// Why it goes to the quality review (the words for "from intake" when no reason).
    quality_review: Option<String>,
    reply_sent_via: Option<String>,
    /// (correct, verdict's words, comment, who and when)
    reply_review: Option<(bool, String, String, String)>,
}

impl AnswersView {
    fn new(lang: Lang, a: &sanbao_domain::replies::Answers, names: &HashMap<i64, String>) -> Self {
        let who = |id: UserId, at: DateTime<Utc>| {
            format!(
                "{} · {}",
                names
                    .get(&id.0)
                    .cloned()
                    .unwrap_or_else(|| id.0.to_string()),
                full_time(at)
            )
        };
        AnswersView {
            opinion_response: a.opinion_response.as_ref().map(|r| {
                (
                    r.response.as_str(),
                    lang.t(&format!("opinion_response.{}", r.response.as_str()))
                        .to_string(),
                    r.text.clone(),
                    who(r.by, r.at),
                )
            }),
            quality_review: a.quality_review.as_ref().map(|f| {
                f.reason
                    .clone()
                    .unwrap_or_else(|| lang.t("replies.flagged_at_intake").to_string())
            }),
            reply_sent_via: a
                .reply_sent_via
                .map(|m| lang.t(&format!("medium.{m}")).to_string()),
            reply_review: a.reply_review.as_ref().map(|r| {
                (
                    r.correct,
                    lang.t(if r.correct {
                        "replies.correct"
                    } else {
                        "replies.incorrect"
                    })
                    .to_string(),
                    r.comment.clone(),
                    who(r.by, r.at),
                )
            }),
        }
    }
}

/// A submitted step that was refused for its input: the form shows it again.
struct Refused {
    ty: Option<EventType>,
    form: Pairs,
    errors: FieldErrors,
}

/// Whom the assign and dispatch forms offer: only people who can take that work.
struct Candidates {
    owners: Vec<User>,
    technicians: Vec<User>,
    /// The customer's units, for naming the one the ticket is about.
    units: Vec<UnitSummary>,
}

/// The steps shown, in the order a desk works through them.
const STEPS: [EventType; 17] = [
    EventType::GiveOpinion,
    EventType::RespondToOpinion,
    EventType::Reply,
    EventType::ReviewReply,
    EventType::FlagQuality,
    EventType::Dispatch,
    EventType::CheckIn,
    EventType::Resume,
    EventType::Resolve,
    EventType::Assign,
    EventType::Pause,
    EventType::Reclassify,
    EventType::Note,
    EventType::Close,
    EventType::Reopen,
    EventType::Cancel,
    EventType::LinkUnit,
];

/// Whether the domain would accept this step from this person now: the workflow's own
/// rule, asked with a stand-in event, so the page never offers what would be refused.
fn step_fits(t: &Ticket, ty: EventType, actor: &User, now: DateTime<Utc>) -> bool {
    let text = "-".to_string();
    let probe = match ty {
        EventType::Assign => TicketEvent::Assign { assignee: actor.id },
        EventType::GiveOpinion => TicketEvent::GiveOpinion { opinion: text },
        EventType::Reply => TicketEvent::Reply {
            reply: text,
            sent_via: None,
        },
        EventType::RespondToOpinion => TicketEvent::RespondToOpinion {
            response: OpinionResponse::Accepted,
            text,
        },
        EventType::FlagQuality => TicketEvent::FlagQuality { reason: text },
        EventType::ReviewReply => TicketEvent::ReviewReply {
            correct: true,
            comment: text,
        },
        EventType::Dispatch => TicketEvent::Dispatch {
            technician: actor.id,
        },
        EventType::CheckIn => TicketEvent::CheckIn {
            at: now,
            reason: None,
        },
        EventType::Note => TicketEvent::Note { text },
        EventType::Resolve => TicketEvent::Resolve { resolution: text },
        EventType::Close => TicketEvent::Close,
        EventType::Reopen => TicketEvent::Reopen { reason: text },
        EventType::Cancel => TicketEvent::Cancel { reason: text },
        EventType::Pause => TicketEvent::Pause { reason: text },
        EventType::Resume => TicketEvent::Resume,
        // Naming the unit and changing the kind have forms of their own.
        EventType::LinkUnit | EventType::Reclassify => {
            return actor.role.may(ty.permission()) && !t.status.is_finished();
        }
    };
    // Whether the step fits does not depend on the durations: any policy answers it.
    let policy = DeadlinePolicy::company();
    actor.role.may(ty.permission())
        && if probe.needs_actor() {
            t.answer(&probe, actor.id, actor.role, now, &policy).is_ok()
        } else {
            t.apply(&probe, actor.role, now, &policy).is_ok()
        }
}

/// The second input of the steps that take one, with what was typed kept.
fn extra_input(
    lang: Lang,
    ty: EventType,
    t: &Ticket,
    refused: Option<&Refused>,
    messages: &Messages,
) -> Option<ExtraInput> {
    let (input, name, label, options): (&'static str, &'static str, &str, Vec<(String, String)>) =
        match ty {
            EventType::Reply => (
                "select",
                "sent_via",
                lang.t("replies.sent_via"),
                ReplyMedium::ALL
                    .iter()
                    .map(|m| {
                        (
                            m.as_str().to_string(),
                            lang.t(&format!("medium.{m}")).to_string(),
                        )
                    })
                    .collect(),
            ),
            EventType::RespondToOpinion => (
                "radio",
                "response",
                lang.t("replies.response"),
                OpinionResponse::ALL
                    .iter()
                    .map(|r| {
                        (
                            r.as_str().to_string(),
                            lang.t(&format!("opinion_response.{}", r.as_str()))
                                .to_string(),
                        )
                    })
                    .collect(),
            ),
            EventType::ReviewReply => (
                "radio",
                "correct",
                lang.t("replies.verdict"),
                vec![
                    ("true".into(), lang.t("replies.correct").to_string()),
                    ("false".into(), lang.t("replies.incorrect").to_string()),
                ],
            ),
            _ => return None,
        };
    let typed = refused
        .filter(|r| r.ty == Some(ty))
        .map(|r| r.form.text(name));
    let current = typed.unwrap_or_else(|| {
        if ty == EventType::Reply {
            ReplyMedium::answering(t.channel).as_str().to_string()
        } else {
            String::new()
        }
    });
    Some(ExtraInput {
        input,
        name,
        label: label.to_string(),
        options: options
            .into_iter()
            .map(|(v, l)| Choice::new(v, l, &current))
            .collect(),
        error: refused
            .filter(|r| r.ty == Some(ty))
            .and_then(|_| messages.get(name).map(str::to_string)),
    })
}

fn action_form(
    lang: Lang,
    ty: EventType,
    t: &Ticket,
    candidates: &Candidates,
    refused: Option<&Refused>,
    messages: &Messages,
) -> ActionForm {
    let (input, name): (&'static str, &'static str) = match ty {
        EventType::Assign => ("select", "assignee_id"),
        EventType::GiveOpinion => ("textarea", "opinion"),
        EventType::Reply => ("textarea", "reply"),
        EventType::Dispatch => ("select", "technician_id"),
        EventType::CheckIn => ("datetime", "at"),
        EventType::Note => ("textarea", "text"),
        EventType::Resolve => ("textarea", "resolution"),
        EventType::Close => ("none", ""),
        EventType::Reopen | EventType::Cancel | EventType::Pause => ("textarea", "reason"),
        EventType::LinkUnit => ("select", "unit_id"),
        EventType::Resume => ("none", ""),
        EventType::Reclassify => ("select", "kind"),
        EventType::RespondToOpinion => ("textarea", "text"),
        EventType::FlagQuality => ("textarea", "reason"),
        EventType::ReviewReply => ("textarea", "comment"),
    };
    let mine = refused.filter(|r| r.ty == Some(ty));
    let current = match (mine, ty) {
        (Some(r), _) => r.form.text(name),
        (None, EventType::Assign) => t.assignee_id.map(|u| u.0.to_string()).unwrap_or_default(),
        (None, EventType::Dispatch) => t.technician_id.map(|u| u.0.to_string()).unwrap_or_default(),
        _ => String::new(),
    };
    let options = match ty {
        EventType::Assign | EventType::Dispatch => {
            let people = if ty == EventType::Assign {
                &candidates.owners
            } else {
                &candidates.technicians
            };
            let mut v = vec![Choice::new("", lang.t("action.pick_person"), &current)];
            v.extend(people.iter().map(|p| {
                let label = format!(
                    "{} · {}",
                    p.display_name,
                    lang.t(&format!("role.{}", p.role.as_str()))
                );
                Choice::new(p.id.0.to_string(), label, &current)
            }));
            v
        }
        EventType::LinkUnit => {
            let mut v = vec![Choice::new("", lang.t("action.pick_unit"), &current)];
            v.extend(
                candidates
                    .units
                    .iter()
                    .filter(|unit| Some(unit.id) != t.unit_id)
                    .map(|unit| {
                        let label = format!(
                            "{} · {} · {}",
                            unit.model_code, unit.serial_no, unit.site_address
                        );
                        Choice::new(unit.id.0.to_string(), label, &current)
                    }),
            );
            v
        }
        EventType::Reclassify => {
            let mut v = vec![Choice::new("", lang.t("action.pick_kind"), &current)];
            v.extend(
                TicketKind::ALL
                    .iter()
                    .filter(|k| **k != t.kind)
                    .map(|k| Choice::new(k.as_str(), lang.t(&format!("kind.{k}")), &current)),
            );
            v
        }
        _ => Vec::new(),
    };
    let extra = extra_input(lang, ty, t, refused, messages);
    let error = mine.and_then(|_| {
        let own = messages.get(name).map(str::to_string);
        let extra_has_it = extra
            .as_ref()
            .is_some_and(|x| x.error.is_some() && messages.0.len() == 1);
        own.or_else(|| {
            (!extra_has_it)
                .then(|| messages.0.values().next().cloned())
                .flatten()
        })
    });
    let label = match ty {
        EventType::Assign => lang.t("ticket.assignee"),
        EventType::Dispatch => lang.t("ticket.technician"),
        EventType::CheckIn => lang.t("action.check_in.at"),
        EventType::Reopen | EventType::Cancel => lang.t("action.reason"),
        EventType::Pause => lang.t("action.pause.reason"),
        EventType::Reclassify => lang.t("ticket.kind"),
        EventType::GiveOpinion => lang.t("ticket.opinion"),
        EventType::Reply => lang.t("ticket.reply"),
        EventType::Resolve => lang.t("ticket.resolution"),
        EventType::LinkUnit => lang.t("ticket.unit"),
        EventType::RespondToOpinion => lang.t("replies.response_text"),
        EventType::FlagQuality => lang.t("replies.flag_reason"),
        EventType::ReviewReply => lang.t("replies.comment"),
        _ => lang.t("action.text"),
    };
    let meets_deadline = matches!(
        ty,
        EventType::GiveOpinion | EventType::Reply | EventType::CheckIn
    ) || (ty == EventType::Dispatch && t.technician_id.is_none());
    ActionForm {
        ty: ty.as_str(),
        title: lang.t(&format!("action.{ty}")).to_string(),
        submit: lang.t(&format!("action.{ty}.submit")).to_string(),
        input,
        name,
        label: label.to_string(),
        options,
        value: current,
        error,
        hint: match ty {
            EventType::Cancel => Some(lang.t("action.cancel.hint").to_string()),
            EventType::Pause => Some(lang.t("action.pause.hint").to_string()),
            EventType::Reclassify => Some(lang.t("action.reclassify.hint").to_string()),
            EventType::RespondToOpinion => Some(lang.t("replies.response_hint").to_string()),
            EventType::ReviewReply => Some(lang.t("replies.review_hint").to_string()),
            _ => None,
        },
        extra,
        reason: matches!(ty, EventType::Reclassify | EventType::CheckIn).then(|| {
            (
                lang.t(if ty == EventType::CheckIn {
                    "action.check_in.reason"
                } else {
                    "action.reason"
                })
                .to_string(),
                mine.map(|r| r.form.text("reason")).unwrap_or_default(),
                messages.get("reason").map(str::to_string),
            )
        }),
        style: if ty == EventType::Cancel {
            "danger"
        } else if meets_deadline {
            "primary"
        } else {
            ""
        },
    }
}

/// The fields of problems whose form is not on the page, by the timeline's words for them.
fn field_words(lang: Lang, messages: &Messages) -> Vec<FormField> {
    messages
        .0
        .keys()
        .map(|name| {
            let key = format!("field.{name}");
            let label = if Lang::has(&key) {
                lang.t(&key).to_string()
            } else {
                name.clone()
            };
            FormField {
                name: name.clone(),
                id: String::new(),
                label,
            }
        })
        .collect()
}

/// A value of the audit record in words.
fn audit_value(lang: Lang, key: &str, v: &Value, names: &HashMap<i64, String>) -> String {
    let none = || lang.t("common.none").to_string();
    match (key, v) {
        (_, Value::Null) => none(),
        ("status", Value::String(s)) => lang.t(&format!("status.{s}")).to_string(),
        ("kind", Value::String(s)) => lang.t(&format!("kind.{s}")).to_string(),
        ("channel", Value::String(s)) => lang.t(&format!("channel.{s}")).to_string(),
        ("site_region", Value::String(s)) => lang.t(&format!("region.{s}")).to_string(),
        ("assignee_id" | "technician_id", Value::Number(n)) => n
            .as_i64()
            .and_then(|id| names.get(&id).cloned())
            .unwrap_or_else(|| n.to_string()),
        ("received_at", Value::String(s)) => instant(s).map_or_else(|| s.clone(), full_time),
        // --- replies (issue 7) ---
        ("opinion_response", Value::String(s)) => {
            lang.t(&format!("opinion_response.{s}")).to_string()
        }
        ("reply_sent_via", Value::String(s)) => lang.t(&format!("medium.{s}")).to_string(),
        ("quality_review", Value::Bool(b)) => lang
            .t(if *b { "replies.flagged" } else { "common.none" })
            .to_string(),
        ("reply_review", Value::Bool(b)) => lang
            .t(if *b {
                "replies.correct"
            } else {
                "replies.incorrect"
            })
            .to_string(),
        (_, Value::String(s)) => s.clone(),
        (_, other) => other.to_string(),
    }
}

fn instant(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// A deadline as an audit record keeps it: kind, due, met.
type AuditDeadline = (String, Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// The deadlines part of an audit record: what was promised, or what was met.
fn deadline_changes(lang: Lang, before: &Value, after: &Value) -> Vec<Change> {
    let list = |v: &Value| -> Vec<AuditDeadline> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|d| {
                        let s = |k: &str| {
                            d.get(k)
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                                .to_string()
                        };
                        (s("kind"), instant(&s("due_at")), instant(&s("met_at")))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let was = list(before);
    list(after)
        .into_iter()
        .filter_map(|(kind, due, met)| {
            let label = lang.t(&format!("deadline.{kind}")).to_string();
            let prior = was.iter().find(|(k, ..)| *k == kind);
            match (prior, met) {
                (None, _) => due.map(|d| Change {
                    label,
                    before: String::new(),
                    after: lang.f("deadline.due_at", &[("t", &short_time(d))]),
                }),
                (Some((_, _, old)), Some(m)) if *old != Some(m) => Some(Change {
                    label,
                    before: String::new(),
                    after: lang.f("deadline.met_at", &[("t", &short_time(m))]),
                }),
                _ => None,
            }
        })
        .collect()
}

const SHOWN_ON_CREATE: [&str; 4] = ["kind", "channel", "received_at", "site_region"];
const TEXT_FIELDS: [&str; 5] = ["opinion", "reply", "resolution", "summary", "unit_text"];

fn timeline(
    lang: Lang,
    entries: Vec<AuditEntry>,
    names: &HashMap<i64, String>,
) -> Vec<TimelineEntry> {
    entries
        .into_iter()
        .map(|e| {
            let mut changes = Vec::new();
            let empty = serde_json::Map::new();
            let after = e.after.as_object().unwrap_or(&empty);
            let before = e.before.as_object().unwrap_or(&empty);
            let note = if e.action == "create" {
                for key in SHOWN_ON_CREATE {
                    if let Some(v) = after.get(key) {
                        changes.push(Change {
                            label: lang.t(&format!("field.{key}")).to_string(),
                            before: String::new(),
                            after: audit_value(lang, key, v, names),
                        });
                    }
                }
                after
                    .get("summary")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            } else {
                // The watcher's steps say what they did in their note.
                let listed = if e.action.starts_with("alarm_") {
                    &empty
                } else {
                    after
                };
                for (key, v) in listed {
                    if key == "deadlines"
                        || (TEXT_FIELDS.contains(&key.as_str()) && e.note.is_some())
                    {
                        continue;
                    }
                    changes.push(Change {
                        label: lang.t(&format!("field.{key}")).to_string(),
                        before: audit_value(
                            lang,
                            key,
                            before.get(key).unwrap_or(&Value::Null),
                            names,
                        ),
                        after: audit_value(lang, key, v, names),
                    });
                }
                e.note.clone()
            };
            changes.extend(deadline_changes(
                lang,
                before.get("deadlines").unwrap_or(&Value::Null),
                after.get("deadlines").unwrap_or(&Value::Null),
            ));
            TimelineEntry {
                at: full_time(e.at),
                actor: e
                    .actor_name
                    .unwrap_or_else(|| lang.t("common.none").to_string()),
                action: lang.t(&format!("event.{}", e.action)).to_string(),
                action_class: e.action,
                changes,
                note,
            }
        })
        .collect()
}

async fn detail_page(
    state: &AppState,
    u: &WebUser,
    id: TicketId,
    notice: Option<String>,
    refused: Option<&Refused>,
    job_typed: Option<(super::dispatch::JobTyped, Messages)>,
) -> WebResult<DetailPage> {
    let t = app::tickets::ticket(state, &u.user, id).await?;
    let c = app::customers::customer(state, &u.user, t.customer_id).await?;
    let people = app::users::users(state, &u.user, None).await?;
    let trail = app::tickets::timeline(state, &u.user, id).await?;
    let candidates = Candidates {
        owners: app::people::owners_for(state, &u.user, t.kind).await?,
        technicians: app::people::technicians(state, &u.user).await?,
        units: app::units::units(
            state,
            &u.user,
            &UnitFilter {
                customer_id: Some(t.customer_id),
                ..UnitFilter::default()
            },
            app::MAX_LIMIT,
            None,
        )
        .await?,
    };
    let now = state.now();
    let names: HashMap<i64, String> = people
        .iter()
        .map(|p| (p.id.0, p.display_name.clone()))
        .collect();
    let name_of = |who: Option<UserId>| {
        who.and_then(|w| names.get(&w.0).cloned())
            .unwrap_or_else(|| u.t("common.none").to_string())
    };
    let messages = refused
        .map(|r| Messages::new(u.lang, &r.errors))
        .unwrap_or_default();
    let actions: Vec<ActionForm> = STEPS
        .iter()
        .copied()
        .filter(|ty| step_fits(&t, *ty, &u.user, now))
        .filter(|ty| {
            *ty != EventType::LinkUnit
                || candidates
                    .units
                    .iter()
                    .any(|unit| Some(unit.id) != t.unit_id)
        })
        .map(|ty| action_form(u.lang, ty, &t, &candidates, refused, &messages))
        .collect();
    // The refused step's problems, linked to its field (or to its form) when the form is
    // on the page; named by the field's words otherwise.
    let form_errors = match refused.and_then(|r| r.ty) {
        Some(ty) => match actions.iter().find(|a| a.ty == ty.as_str()) {
            Some(a) => {
                let fields = [FormField::new(
                    a.name,
                    format!("f-{}", a.ty),
                    a.label.clone(),
                )];
                let form = format!("#action-{}", a.ty);
                ErrorSummary::new(u.lang, &messages, &fields, Some(&form))
            }
            None => ErrorSummary::new(u.lang, &messages, &field_words(u.lang, &messages), None),
        },
        None => ErrorSummary::new(u.lang, &messages, &field_words(u.lang, &messages), None),
    };
    let first = c.fields.contacts.first();
    let (place, unit_link, coverage) = super::units::ticket_place(state, u, &t).await?;
    // ---- dispatch (issue 8) ----
    let job_form_errors = job_typed.as_ref().map(|(_, m)| {
        let fields = [
            FormField::new("job_type", "job-type", u.t("dispatch.job_type")),
            FormField::new(
                "contact_name",
                "job-contact-name",
                u.t("dispatch.contact_name"),
            ),
            FormField::new(
                "contact_phone",
                "job-contact-phone",
                u.t("dispatch.contact_phone"),
            ),
            FormField::new("problem", "job-problem", u.t("dispatch.problem")),
            FormField::new("model_code", "job-model-code", u.t("dispatch.model_code")),
        ];
        ErrorSummary::new(u.lang, m, &fields, Some("#job"))
    });
    let form_errors = job_form_errors.unwrap_or(form_errors);
    let job = super::dispatch::job_section(
        state,
        u,
        &t,
        (
            first.map(|k| k.name.clone()).unwrap_or_default(),
            first.and_then(|k| k.phone.clone()).unwrap_or_default(),
        ),
        job_typed,
    )
    .await?;
    // A ticket with an on-site job is dispatched and checked in through the job (its crew,
    // its arrival stamped on the phone): the ticket's own steps for that are not offered.
    let mut actions = actions;
    if job.as_ref().is_some_and(|j| j.job.is_some()) {
        actions.retain(|a| {
            a.ty != EventType::Dispatch.as_str() && a.ty != EventType::CheckIn.as_str()
        });
    }
    // ---- end dispatch ----
    let similar = super::similar::for_ticket(state, u, &t).await?;
    Ok(DetailPage {
        similar,
        job,
        answers: AnswersView::new(u.lang, &t.answers, &names),
        place,
        unit_link,
        coverage,
        l: u.layout("tickets", t.number()),
        id: t.id.0,
        number: t.number(),
        kind: t.kind.as_str(),
        kind_label: u.t(&format!("kind.{}", t.kind)).to_string(),
        status: t.status.as_str(),
        status_label: u.t(&format!("status.{}", t.status)).to_string(),
        channel_label: u.t(&format!("channel.{}", t.channel)).to_string(),
        received: full_time(t.received_at),
        customer_href: format!("/customers/{}", c.id.0),
        customer_contact: first
            .map(|k| {
                [Some(k.name.as_str()), k.phone.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" · ")
            })
            .unwrap_or_default(),
        customer_tel: first
            .and_then(|k| k.phone_digits.clone())
            .unwrap_or_default(),
        customer_name: c.fields.name.clone(),
        region: RegionBadge::new(u.lang, t.site_region, false),
        deadlines: t
            .deadlines
            .iter()
            .map(|d| {
                let mut v = DeadlineView::new(u.lang, d, t.status, now);
                v.explain = Some(super::deadlines::explain(u.lang, &d.explain()));
                v
            })
            .collect(),
        waiting: t.pauses.iter().rev().find(|p| p.to.is_none()).map(|p| {
            (
                u.lang
                    .f("ticket.waiting_since", &[("t", &full_time(p.from))]),
                p.reason.clone(),
            )
        }),
        pauses: t
            .pauses
            .iter()
            .filter_map(|p| {
                p.to.map(|to| {
                    u.lang.f(
                        "ticket.paused_line",
                        &[
                            ("from", &full_time(p.from)),
                            ("to", &full_time(to)),
                            ("reason", &p.reason),
                        ],
                    )
                })
            })
            .collect(),
        summary: t.summary.clone(),
        unit_text: t.unit_text.clone(),
        opinion: t.opinion.clone(),
        reply: t.reply.clone(),
        resolution: t.resolution.clone(),
        assignee: name_of(t.assignee_id),
        technician: name_of(t.technician_id),
        created_by: name_of(Some(t.created_by)),
        version: t.version,
        timeline: timeline(u.lang, trail, &names),
        actions,
        notice,
        form_errors,
    })
}

/// `GET /tickets/{id}`
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = ticket_id(&id)?;
    let notice = if p.get("created").is_some() {
        Some(u.lang.f(
            "ticket.created",
            &[("number", &sanbao_domain::ticket::ticket_number(id))],
        ))
    } else {
        p.filled("done").and_then(EventType::parse).map(|ty| {
            u.lang
                .f("ticket.done", &[("event", &u.t(&format!("event.{ty}")))])
        })
    };
    // ---- dispatch (issue 8) ----
    let notice = if p.filled("job") == Some("opened") {
        Some(u.t("dispatch.job_opened").to_string())
    } else {
        notice
    };
    // ---- end dispatch ----
    render(&detail_page(&state, &u, id, notice, None, None).await?)
}

/// `POST /tickets/{id}/events`: one step of the workflow, with hidden `type` and `version`.
pub async fn record_event(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = ticket_id(&id)?;
    let back = format!("/tickets/{}", id.0);
    let Some(version) = form.filled("version").and_then(|v| v.parse::<i64>().ok()) else {
        return Err(WebError::bad_request().back(back));
    };
    let ty = form.filled("type").and_then(EventType::parse);
    let mut errs = FieldErrors::new();
    let text = |name: &str| form.get(name).map(str::to_string);
    let person = |name: &str, errs: &mut FieldErrors| match form.filled(name) {
        None => None,
        Some(s) => s.parse::<i64>().ok().map(UserId).or_else(|| {
            errs.add(name, Problem::invalid("not a person"));
            None
        }),
    };
    let at = match form.filled("at") {
        None => None,
        Some(s) => parse_datetime_local(s).or_else(|| {
            errs.add("at", Problem::invalid("not a date and time"));
            None
        }),
    };
    let kind = match form.filled("kind") {
        None => None,
        Some(s) => TicketKind::parse(s).or_else(|| {
            errs.add("kind", Problem::invalid("not a kind of contact"));
            None
        }),
    };
    let unit_id = match form.filled("unit_id") {
        None => None,
        Some(s) => s.trim().parse::<i64>().ok().map(UnitId).or_else(|| {
            errs.add("unit_id", Problem::invalid("not a unit number"));
            None
        }),
    };
    let correct = match form.filled("correct") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            errs.add("correct", Problem::invalid("correct or not"));
            None
        }
    };
    let input = EventInput {
        event_type: ty,
        assignee_id: person("assignee_id", &mut errs),
        technician_id: person("technician_id", &mut errs),
        unit_id,
        kind,
        opinion: text("opinion"),
        reply: text("reply"),
        text: text("text"),
        resolution: text("resolution"),
        reason: text("reason"),
        at,
        sent_via: form.filled("sent_via").map(str::to_string),
        response: form.filled("response").map(str::to_string),
        correct,
        comment: text("comment"),
    };
    let result = if errs.is_empty() {
        app::tickets::record_event(&state, &u.user, id, version, &input, state.now()).await
    } else {
        Err(Error::Validation(errs))
    };
    match result {
        Ok(_) => {
            let ty = ty.map_or("", EventType::as_str);
            Ok(see_other(&url_with(&back, &[("done", ty)])))
        }
        Err(Error::Validation(errors)) => {
            let refused = Refused { ty, form, errors };
            let page = detail_page(&state, &u, id, None, Some(&refused), None).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(WebError::from(e).back(back)),
    }
}

// ---- dispatch (issue 8) ----
/// The ticket's page again with the job form as typed and its problems (422).
pub async fn job_sent_back(
    state: &AppState,
    u: &WebUser,
    id: TicketId,
    typed: (super::dispatch::JobTyped, Messages),
) -> WebResult<Response> {
    let page = detail_page(state, u, id, None, None, Some(typed)).await?;
    render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
}
// ---- end dispatch ----

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deadline_changes_say_what_was_promised_and_what_was_met() {
        let due = "2026-11-27T07:30:00Z";
        let before = json!([{"kind": "arrival", "due_at": due, "met_at": null}]);
        let after = json!([{"kind": "arrival", "due_at": due, "met_at": "2026-11-27T07:10:00Z"}]);
        let c = deadline_changes(Lang::Zh, &before, &after);
        assert_eq!(c.len(), 1);
        assert_eq!(
            (c[0].label.as_str(), c[0].after.as_str()),
            ("到场时限", "11-27 15:10 完成")
        );
        let c = deadline_changes(Lang::En, &Value::Null, &before);
        assert_eq!(c[0].after, "due 11-27 15:30");
    }

    #[test]
    fn audit_values_in_words() {
        let names = HashMap::from([(7, "王工".to_string())]);
        assert_eq!(
            audit_value(Lang::Zh, "status", &json!("on_site"), &names),
            "已到场"
        );
        assert_eq!(
            audit_value(Lang::Zh, "technician_id", &json!(7), &names),
            "王工"
        );
        assert_eq!(
            audit_value(Lang::En, "assignee_id", &Value::Null, &names),
            "—"
        );
    }
}
