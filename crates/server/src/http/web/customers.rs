//! The customer archive (R5.2): the list with search, the form to add or edit a customer
//! (its contacts and, for those allowed, a region correction), and a customer's page with
//! the region's reason and the customer's tickets.

use super::extract::Pairs;
use super::view::{
    Choice, ErrorSummary, FormField, HistoryLine, Messages, RegionBadge, TicketLine, TicketTable,
    full_time,
};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_partial,
    render_with, see_other, url_with,
};
use crate::app;
use crate::app::AppState;
use crate::app::customers::CorrectionInput;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::customer::CustomerFilter;
use sanbao_domain::customer::{CONTACTS_MAX, ContactInput, Customer, CustomerInput};
use sanbao_domain::ticket::TicketFilter;
use sanbao_domain::user::User;
use sanbao_domain::{CustomerId, Error, FieldErrors, Permission, Problem, Region, Role, UserId};

/// `/customers…`: the archive's list, detail and forms.
pub fn router() -> axum::Router<AppState> {
    use axum::routing::get;
    axum::Router::new()
        .route("/customers", get(list).post(create))
        .route("/customers/new", get(new_form))
        .route("/customers/{id}", get(detail).post(update))
        .route("/customers/{id}/edit", get(edit_form))
}

/// Customers per page.
const PAGE: i64 = 25;
/// Contact rows read from a form: the most a customer may have, and a few blank ones.
const MAX_ROWS: usize = CONTACTS_MAX + 5;

/// `/customers/{id}` with anything but a number is a page that does not exist.
pub fn customer_id(s: &str) -> WebResult<CustomerId> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(CustomerId)
        .ok_or_else(|| WebError::not_found("customer"))
}

fn region_choices(
    lang: crate::i18n::Lang,
    current: &str,
    first_label: &str,
    with_unknown: bool,
) -> Vec<Choice> {
    let mut v = vec![Choice::new("", first_label, current)];
    for r in Region::ALL {
        if with_unknown || r != Region::Unknown {
            v.push(Choice::new(
                r.as_str(),
                lang.t(&format!("region.{}", r.as_str())),
                current,
            ));
        }
    }
    v
}

// ---------------------------------------------------------------------------------------
// The list.

struct CustomerLine {
    href: String,
    name: String,
    address: String,
    badge: RegionBadge,
    contact_name: String,
    contact_phone: String,
    /// The phone as a `tel:` link dials it: digits and a leading `+`.
    contact_tel: String,
    salesperson: String,
    open_tickets: i64,
}

#[derive(Template)]
#[template(path = "customers_list.html")]
struct ListPage {
    l: Layout,
    q: String,
    regions: Vec<Choice>,
    rows: Vec<CustomerLine>,
    next_href: Option<String>,
    first_href: Option<String>,
    may_edit: bool,
    /// Downloads of everything the filters match: customers as CSV and XLSX, their sites.
    export_csv_href: String,
    export_xlsx_href: String,
    export_sites_href: String,
}

/// `GET /customers?q=&region=&cursor=`
pub async fn list(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let q = p.text("q");
    let region = p.filled("region").and_then(Region::parse);
    let cursor = p.filled("cursor").and_then(|c| c.parse::<i64>().ok());
    let filter = CustomerFilter {
        q: Some(q.clone()).filter(|s| !s.trim().is_empty()),
        region,
        ..CustomerFilter::default()
    };
    let mut rows = app::customers::customers(&state, &u.user, &filter, PAGE + 1, cursor).await?;
    let more = rows.len() > PAGE as usize;
    rows.truncate(PAGE as usize);
    let region_code = region.map_or("", Region::as_str);
    let next_href = more
        .then(|| rows.last().map(|r| r.id.to_string()))
        .flatten()
        .map(|c| {
            url_with(
                "/customers",
                &[("q", &q), ("region", region_code), ("cursor", &c)],
            )
        });
    let first_href = cursor.map(|_| url_with("/customers", &[("q", &q), ("region", region_code)]));
    let none = u.t("common.none").to_string();
    let rows = rows
        .into_iter()
        .map(|c| CustomerLine {
            href: format!("/customers/{}", c.id),
            badge: RegionBadge::new(u.lang, c.region, c.region_corrected),
            name: c.name,
            address: c.address,
            contact_name: c.contact_name.unwrap_or_else(|| none.clone()),
            contact_tel: c
                .contact_phone
                .as_deref()
                .unwrap_or_default()
                .chars()
                .filter(|ch| ch.is_ascii_digit() || *ch == '+')
                .collect(),
            contact_phone: c.contact_phone.unwrap_or_default(),
            salesperson: c.salesperson_name.unwrap_or_else(|| none.clone()),
            open_tickets: c.open_tickets,
        })
        .collect();
    let export = |path: &str, format: &str| {
        url_with(
            path,
            &[("format", format), ("q", &q), ("region", region_code)],
        )
    };
    let export_csv_href = export("/customers/export", "csv");
    let export_xlsx_href = export("/customers/export", "xlsx");
    let export_sites_href = export("/customers/sites/export", "xlsx");
    render(&ListPage {
        l: u.layout("customers", u.t("customers.title")),
        export_csv_href,
        export_xlsx_href,
        export_sites_href,
        regions: region_choices(u.lang, region_code, u.t("customers.region_any"), true),
        q,
        rows,
        next_href,
        first_href,
        may_edit: u.may(Permission::EditCustomers),
    })
}

// ---------------------------------------------------------------------------------------
// The form.

/// A contact row of the form, as typed.
#[derive(Default, Clone)]
struct ContactRow {
    i: usize,
    name: String,
    phone: String,
    email: String,
    position: String,
}

impl ContactRow {
    fn is_blank(&self) -> bool {
        [&self.name, &self.phone, &self.email, &self.position]
            .iter()
            .all(|s| s.trim().is_empty())
    }
}

/// The customer form as typed (or as loaded for editing).
#[derive(Default)]
struct CustomerForm {
    name: String,
    address: String,
    salesperson_id: String,
    notes: String,
    contacts: Vec<ContactRow>,
    region: String,
    region_reason: String,
    version: String,
}

impl CustomerForm {
    fn read(p: &Pairs) -> Self {
        let mut contacts = Vec::new();
        for i in 0..MAX_ROWS {
            let key = |f: &str| format!("contacts[{i}].{f}");
            if ["name", "phone", "email", "position"]
                .iter()
                .all(|f| p.get(&key(f)).is_none())
            {
                continue;
            }
            contacts.push(ContactRow {
                i,
                name: p.text(&key("name")),
                phone: p.text(&key("phone")),
                email: p.text(&key("email")),
                position: p.text(&key("position")),
            });
        }
        CustomerForm {
            name: p.text("name"),
            address: p.text("address"),
            salesperson_id: p.text("salesperson_id"),
            notes: p.text("notes"),
            contacts,
            region: p.text("region"),
            region_reason: p.text("region_reason"),
            version: p.text("version"),
        }
    }

    fn from_customer(c: &Customer) -> Self {
        CustomerForm {
            name: c.fields.name.clone(),
            address: c.fields.address.clone(),
            salesperson_id: c
                .fields
                .salesperson_id
                .map(|u| u.0.to_string())
                .unwrap_or_default(),
            notes: c.fields.notes.clone().unwrap_or_default(),
            contacts: c
                .fields
                .contacts
                .iter()
                .enumerate()
                .map(|(i, k)| ContactRow {
                    i,
                    name: k.name.clone(),
                    phone: k.phone.clone().unwrap_or_default(),
                    email: k.email.clone().unwrap_or_default(),
                    position: k.position.clone().unwrap_or_default(),
                })
                .collect(),
            region: c
                .region_correction
                .as_ref()
                .map(|r| r.region.as_str().to_string())
                .unwrap_or_default(),
            region_reason: c
                .region_correction
                .as_ref()
                .map(|r| r.reason.clone())
                .unwrap_or_default(),
            version: c.version.to_string(),
        }
    }

    /// Blank rows at the end, so that a contact can be added without script: at least
    /// two more than filled, and at least three in all.
    fn with_blank_rows(mut self) -> Self {
        let filled = self.contacts.iter().filter(|c| !c.is_blank()).count();
        let want = (filled + 2).clamp(3, MAX_ROWS);
        let mut next = self.contacts.iter().map(|c| c.i + 1).max().unwrap_or(0);
        while self.contacts.len() < want {
            self.contacts.push(ContactRow {
                i: next,
                ..ContactRow::default()
            });
            next += 1;
        }
        self
    }

    /// The use case's input; the web's own problems (a salesperson that is no number);
    /// and, for each contact given to the use case, the form row it came from.
    fn input(&self) -> (CustomerInput, CorrectionInput, FieldErrors, Vec<usize>) {
        let mut errs = FieldErrors::new();
        let salesperson_id = match self.salesperson_id.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) => Some(UserId(n)),
                Err(_) => {
                    errs.add("salesperson_id", Problem::invalid("not a user id"));
                    None
                }
            },
        };
        let given: Vec<&ContactRow> = self.contacts.iter().filter(|c| !c.is_blank()).collect();
        let opt = |s: &str| Some(s.to_string()).filter(|s| !s.trim().is_empty());
        let input = CustomerInput {
            name: self.name.clone(),
            address: self.address.clone(),
            salesperson_id,
            notes: opt(&self.notes),
            contacts: given
                .iter()
                .map(|c| ContactInput {
                    name: c.name.clone(),
                    phone: opt(&c.phone),
                    email: opt(&c.email),
                    position: opt(&c.position),
                })
                .collect(),
        };
        // "Derived from the address" means no correction, whatever the reason box holds.
        let correction = match self.region.trim() {
            "" => CorrectionInput::default(),
            r => CorrectionInput {
                region: Some(r.to_string()),
                reason: Some(self.region_reason.clone()),
            },
        };
        (input, correction, errs, given.iter().map(|c| c.i).collect())
    }
}

/// The use case's field names (`contacts[1].phone`, counting only filled rows) as the
/// form's (`contacts[3].phone`, counting every row).
fn to_form_fields(errors: FieldErrors, rows: &[usize]) -> FieldErrors {
    let mut out = FieldErrors::new();
    for (field, problem) in errors.0 {
        let renamed = field
            .strip_prefix("contacts[")
            .and_then(|rest| rest.split_once(']'))
            .and_then(|(n, tail)| {
                let j: usize = n.parse().ok()?;
                rows.get(j).map(|i| format!("contacts[{i}]{tail}"))
            })
            .unwrap_or(field);
        out.add(renamed, problem);
    }
    out
}

struct ContactRowView {
    row: ContactRow,
    n: usize,
    err_name: Option<String>,
    err_phone: Option<String>,
    err_email: Option<String>,
    err_position: Option<String>,
}

#[derive(Template)]
#[template(path = "customer_form.html")]
struct FormPage {
    l: Layout,
    heading: String,
    action: String,
    cancel_href: String,
    f: CustomerForm,
    contacts: Vec<ContactRowView>,
    salespeople: Vec<Choice>,
    regions: Vec<Choice>,
    may_correct: bool,
    errors: Messages,
    form_errors: ErrorSummary,
    conflict: bool,
    reload_href: String,
    is_new: bool,
}

/// The form's fields in the order it shows them, as its error summary names them.
fn form_fields(u: &WebUser, contacts: &[ContactRowView], may_correct: bool) -> Vec<FormField> {
    let mut fields = vec![
        FormField::new("name", "name", u.t("customer.name")),
        FormField::new("address", "address", u.t("customer.address")),
        FormField::new(
            "salesperson_id",
            "salesperson_id",
            u.t("customer.salesperson"),
        ),
        FormField::new("notes", "notes", u.t("customer.notes")),
        FormField::new("contacts", "contacts", u.t("customer.contacts")),
    ];
    for c in contacts {
        let row = u.lang.f("contact.row", &[("n", &c.n)]);
        for (part, key) in [
            ("name", "contact.name"),
            ("phone", "contact.phone"),
            ("email", "contact.email"),
            ("position", "contact.position"),
        ] {
            fields.push(FormField::new(
                format!("contacts[{}].{part}", c.row.i),
                format!("c{}-{part}", c.row.i),
                format!("{row} · {}", u.t(key)),
            ));
        }
    }
    if may_correct {
        fields.push(FormField::new(
            "region",
            "region",
            u.t("customer.region_choice"),
        ));
        fields.push(FormField::new(
            "region_reason",
            "region_reason",
            u.t("customer.region_reason"),
        ));
    }
    fields
}

async fn form_page(
    state: &AppState,
    u: &WebUser,
    existing: Option<CustomerId>,
    f: CustomerForm,
    errors: &FieldErrors,
    conflict: bool,
) -> WebResult<FormPage> {
    let salespeople: Vec<User> = app::users::users(state, &u.user, Some(Role::Salesperson))
        .await?
        .into_iter()
        .filter(|s| s.active || s.id.0.to_string() == f.salesperson_id)
        .collect();
    let mut choices = vec![Choice::new(
        "",
        u.t("customer.salesperson_none"),
        &f.salesperson_id,
    )];
    choices.extend(salespeople.iter().map(|s| {
        Choice::new(
            s.id.0.to_string(),
            s.display_name.clone(),
            &f.salesperson_id,
        )
    }));
    let messages = Messages::new(u.lang, errors);
    let contacts: Vec<ContactRowView> = f
        .contacts
        .iter()
        .enumerate()
        .map(|(n, c)| {
            let e = |field: &str| {
                messages
                    .get(&format!("contacts[{}].{field}", c.i))
                    .map(str::to_string)
            };
            ContactRowView {
                n: n + 1,
                err_name: e("name"),
                err_phone: e("phone"),
                err_email: e("email"),
                err_position: e("position"),
                row: c.clone(),
            }
        })
        .collect();
    let (heading, action, cancel_href) = match existing {
        Some(id) => (
            u.t("customer.edit_title"),
            format!("/customers/{id}"),
            format!("/customers/{id}"),
        ),
        None => (
            u.t("customer.new_title"),
            "/customers".to_string(),
            "/customers".to_string(),
        ),
    };
    let may_correct = u.may(Permission::CorrectRegion);
    let form_errors = ErrorSummary::new(
        u.lang,
        &messages,
        &form_fields(u, &contacts, may_correct),
        None,
    );
    Ok(FormPage {
        l: u.layout("customers", heading),
        heading: heading.to_string(),
        action,
        reload_href: existing
            .map(|id| format!("/customers/{id}/edit"))
            .unwrap_or_default(),
        cancel_href,
        regions: region_choices(
            u.lang,
            &f.region,
            u.t("customer.region_derived_default"),
            false,
        ),
        f,
        contacts,
        salespeople: choices,
        may_correct,
        errors: messages,
        form_errors,
        conflict,
        is_new: existing.is_none(),
    })
}

/// `GET /customers/new`
pub async fn new_form(State(state): State<AppState>, u: WebUser) -> WebResult<Response> {
    app::require(&u.user, Permission::EditCustomers)?;
    let f = CustomerForm::default().with_blank_rows();
    render(&form_page(&state, &u, None, f, &FieldErrors::new(), false).await?)
}

/// `POST /customers`: add; back to the form with every problem named, or on to the new
/// customer's page.
pub async fn create(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let f = CustomerForm::read(&form);
    let (input, correction, web_errs, rows) = f.input();
    let result = if web_errs.is_empty() {
        app::customers::create_customer(&state, &u.user, &input, &correction, state.now()).await
    } else {
        Err(Error::Validation(web_errs))
    };
    match result {
        Ok(c) => Ok(see_other(&format!("/customers/{}?saved=1", c.id))),
        Err(Error::Validation(errs)) => {
            let errs = to_form_fields(errs, &rows);
            let page = form_page(&state, &u, None, f.with_blank_rows(), &errs, false).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /customers/{id}/edit`
pub async fn edit_form(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = customer_id(&id)?;
    app::require(&u.user, Permission::EditCustomers)?;
    let c = app::customers::customer(&state, &u.user, id).await?;
    let f = CustomerForm::from_customer(&c).with_blank_rows();
    render(&form_page(&state, &u, Some(id), f, &FieldErrors::new(), false).await?)
}

/// `POST /customers/{id}`: save an edit made on the version the form was loaded with; if
/// someone else saved in between, the form comes back (409) with what was typed.
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = customer_id(&id)?;
    let f = CustomerForm::read(&form);
    let Ok(version) = f.version.trim().parse::<i64>() else {
        return Err(WebError::bad_request());
    };
    let (input, correction, web_errs, rows) = f.input();
    let result = if web_errs.is_empty() {
        app::customers::update_customer(
            &state,
            &u.user,
            id,
            version,
            &input,
            &correction,
            state.now(),
        )
        .await
    } else {
        Err(Error::Validation(web_errs))
    };
    match result {
        Ok(c) => Ok(see_other(&format!("/customers/{}?saved=1", c.id))),
        Err(Error::Validation(errs)) => {
            let errs = to_form_fields(errs, &rows);
            let page = form_page(&state, &u, Some(id), f.with_blank_rows(), &errs, false).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(Error::Conflict(why)) => {
            tracing::info!(customer_id = id.0, %why, "edit refused: stale version");
            let page = form_page(
                &state,
                &u,
                Some(id),
                f.with_blank_rows(),
                &FieldErrors::new(),
                true,
            )
            .await?;
            render_with(StatusCode::CONFLICT, &page)
        }
        Err(e) => Err(WebError::from(e).back(format!("/customers/{}", id.0))),
    }
}

// ---------------------------------------------------------------------------------------
// A customer's page.

struct ContactView {
    name: String,
    position: String,
    phone: String,
    tel: String,
    email: String,
}

#[derive(Template)]
#[template(path = "customer_detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    name: String,
    address: String,
    badge: RegionBadge,
    derived_text: String,
    correction_text: Option<String>,
    derived_would_be: Option<String>,
    arrival_promise: String,
    salesperson: String,
    notes: Option<String>,
    contacts: Vec<ContactView>,
    tickets: String,
    history: Vec<HistoryLine>,
    updated: String,
    saved: bool,
    may_edit: bool,
    may_open: bool,
    /// May register a visit from this customer (R3.6).
    may_record_visit: bool,
    // The installed base: sites (with the form to add one) and units.
    customer_id: i64,
    sites: Vec<super::units::SiteLine>,
    units: Vec<super::units::CustomerUnitLine>,
    may_add_site: bool,
    may_add_unit: bool,
    may_correct: bool,
    site_added: bool,
    f: super::units::SiteForm,
    regions: Vec<Choice>,
    errors: Messages,
}

/// The customer's audit trail, newest first, with each changed field named and its
/// before → after shown (regions in words; contacts only as "changed").
fn history_lines(
    lang: crate::i18n::Lang,
    trail: Vec<sanbao_domain::audit::AuditEntry>,
) -> Vec<HistoryLine> {
    let value = |field: &str, v: &serde_json::Value| -> String {
        match (field, v) {
            (_, serde_json::Value::Null) => lang.t("common.none").to_string(),
            ("region", serde_json::Value::String(r)) => lang.t(&format!("region.{r}")).to_string(),
            (_, serde_json::Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        }
    };
    super::view::history_lines(
        trail,
        "",
        |action| {
            lang.t(&format!("customer.history_action.{action}"))
                .to_string()
        },
        str::to_string,
        |field, b, a| {
            let label = lang
                .t(&format!("customer.history_field.{field}"))
                .to_string();
            if field == "contacts" || field == "region_correction" {
                format!("{label}: {}", lang.t("customer.history_changed"))
            } else {
                format!("{label}: {} → {}", value(field, b), value(field, a))
            }
        },
    )
}

/// `GET /customers/{id}`
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = customer_id(&id)?;
    let c = app::customers::customer(&state, &u.user, id).await?;
    let now = state.now();
    let filter = TicketFilter {
        customer_id: Some(id),
        ..TicketFilter::default()
    };
    let rows = app::tickets::tickets(&state, &u.user, &filter, 50, None).await?;
    let lines: Vec<TicketLine> = rows
        .into_iter()
        .map(|r| TicketLine::new(u.lang, r, now))
        .collect();
    let l = u.layout("customers", c.fields.name.clone());
    let tickets = render_partial(&TicketTable {
        l: &l,
        rows: &lines,
        by_deadline: false,
        deadline_column: true,
        customer_column: false,
        empty: u.t("customer.no_tickets").to_string(),
    })?;
    let salesperson = match c.fields.salesperson_id {
        Some(sid) => app::users::users(&state, &u.user, Some(Role::Salesperson))
            .await?
            .into_iter()
            .find(|s| s.id == sid)
            .map_or_else(|| u.t("common.none").to_string(), |s| s.display_name),
        None => u.t("common.none").to_string(),
    };
    let history = history_lines(u.lang, app::customers::history(&state, &u.user, id).await?);
    let (derived, place) = Region::explain_address(&c.fields.address);
    let derived_text = match place {
        Some(place) => u.lang.f("customer.derived_from", &[("place", &place)]),
        None => u.t("customer.derived_none").to_string(),
    };
    let derived_label = u.t(&format!("region.{}", derived.as_str())).to_string();
    let (sites, units) = super::units::customer_base(&state, &u, id).await?;
    let promises = app::deadlines::arrival_promises(&state).await?;
    render(&DetailPage {
        customer_id: id.0,
        sites,
        units,
        may_add_site: u.may(Permission::EditInstalledBase),
        may_add_unit: u.may(Permission::EditInstalledBase),
        may_correct: u.may(Permission::CorrectRegion),
        site_added: p.get("site_added").is_some(),
        f: super::units::SiteForm::default(),
        regions: super::units::site_regions(u.lang, ""),
        errors: Messages::default(),
        l,
        id: c.id.0,
        badge: RegionBadge::new(u.lang, c.region, c.region_correction.is_some()),
        derived_text,
        correction_text: c.region_correction.as_ref().map(|r| {
            u.lang
                .f("customer.correction_reason", &[("reason", &r.reason)])
        }),
        derived_would_be: c.region_correction.as_ref().map(|_| {
            u.lang
                .f("customer.derived_would_be", &[("region", &derived_label)])
        }),
        arrival_promise: u.lang.f(
            "customer.arrival_promise",
            &[("d", &u.lang.duration(promises.minutes(c.region)))],
        ),
        salesperson,
        notes: c.fields.notes.clone(),
        contacts: c
            .fields
            .contacts
            .iter()
            .map(|k| ContactView {
                name: k.name.clone(),
                position: k.position.clone().unwrap_or_default(),
                phone: k.phone.clone().unwrap_or_default(),
                tel: k.phone_digits.clone().unwrap_or_default(),
                email: k.email.clone().unwrap_or_default(),
            })
            .collect(),
        tickets,
        history,
        updated: u
            .lang
            .f("customer.updated_at", &[("t", &full_time(c.updated_at))]),
        saved: p.get("saved").is_some(),
        may_edit: u.may(Permission::EditCustomers),
        may_open: u.may(Permission::OpenTickets),
        may_record_visit: u.may(Permission::RecordVisits),
        name: c.fields.name,
        address: c.fields.address,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_problems_point_at_the_row_typed_in() {
        let mut e = FieldErrors::new();
        e.add("contacts[1].phone", Problem::invalid("x"));
        e.add("name", Problem::required());
        let out = to_form_fields(e, &[0, 3]);
        assert!(out.get("contacts[3].phone").is_some());
        assert!(out.get("name").is_some());
    }

    #[test]
    fn blank_rows_are_skipped_and_added() {
        let p = Pairs::parse(
            "name=A&contacts%5B0%5D.name=&contacts%5B1%5D.name=%E7%8E%8B&contacts%5B1%5D.phone=0571-1234567".as_bytes(),
        );
        let f = CustomerForm::read(&p);
        assert_eq!(f.contacts.len(), 2);
        let (input, corr, errs, rows) = f.input();
        assert!(errs.is_empty() && corr.region.is_none());
        assert_eq!((input.contacts.len(), rows), (1, vec![1]));
        let f = f.with_blank_rows();
        assert_eq!(f.contacts.len(), 3);
        assert_eq!(f.contacts.last().map(|c| c.i), Some(2));
    }
}
