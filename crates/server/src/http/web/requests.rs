//! Service requests (R4.1–R4.3): the salesperson's form on a phone (pick one of their own
//! customers, then the site, unit, contact, kind and problem), the list (new first), and a
//! request's page where the department sends someone or records a remote answer.

use super::view::{Choice, ErrorSummary, FormField, Messages, full_time};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other,
    url_with,
};
use crate::app;
use crate::app::AppState;
use crate::app::requests::{kind_label, method_label, status_label};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::field::JobStatus;
use sanbao_domain::request::{
    RemoteMethod, RequestFilter, RequestInput, RequestKind, RequestStatus, RequestView,
};
use sanbao_domain::ticket::ticket_number;
use sanbao_domain::{CustomerId, Error, FieldErrors, Permission, RequestId, SiteId, UnitId};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/requests", get(list).post(create))
        .route("/requests/new", get(new_form))
        .route("/requests/{id}", get(detail))
        .route("/requests/{id}/job", post(send_on_site))
        .route("/requests/{id}/remote-answer", post(remote_answer))
}

fn id_of(s: &str) -> WebResult<RequestId> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(RequestId)
        .ok_or_else(|| WebError::not_found("service request"))
}

// ---------------------------------------------------------------------------------------
// The form.

/// What was typed, kept when the form comes back with problems.
#[derive(Default)]
struct Typed {
    site_id: String,
    unit_id: String,
    model_code: String,
    contact_name: String,
    contact_phone: String,
    kind: String,
    problem: String,
}

struct CustomerChoice {
    href: String,
    name: String,
    address: String,
}

/// The chosen customer and what the form offers for them.
struct Chosen {
    id: i64,
    name: String,
    address: String,
    sites: Vec<Choice>,
    units: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "requests_new.html")]
struct NewPage {
    l: Layout,
    q: String,
    customers: Vec<CustomerChoice>,
    searched: bool,
    chosen: Option<Chosen>,
    f: Typed,
    kinds: Vec<Choice>,
    errors: Messages,
    form_errors: ErrorSummary,
}

fn form_fields(u: &WebUser) -> Vec<FormField> {
    vec![
        FormField::new("customer_id", "q", u.t("request.customer")),
        FormField::new("site_id", "site_id", u.t("request.site")),
        FormField::new("unit_id", "unit_id", u.t("request.unit")),
        FormField::new("model_code", "model_code", u.t("request.model_code")),
        FormField::new("contact_name", "contact_name", u.t("request.contact_name")),
        FormField::new(
            "contact_phone",
            "contact_phone",
            u.t("request.contact_phone"),
        ),
        FormField::new("kind", "kind-repair", u.t("request.kind")),
        FormField::new("problem", "problem", u.t("request.problem")),
    ]
}

async fn new_page(
    state: &AppState,
    u: &WebUser,
    q: &str,
    customer: Option<CustomerId>,
    mut f: Typed,
    errs: &FieldErrors,
) -> WebResult<NewPage> {
    if !u.may(Permission::FileServiceRequests) {
        return Err(Error::Forbidden.into());
    }
    let chosen = match customer {
        Some(id) => {
            let (c, sites, units) = app::requests::places_of(state, &u.user, id).await?;
            // The contact is prefilled from the customer's first contact.
            if f.contact_name.is_empty()
                && f.contact_phone.is_empty()
                && let Some(first) = c.fields.contacts.first()
            {
                f.contact_name = first.name.clone();
                f.contact_phone = first.phone.clone().unwrap_or_default();
            }
            let mut site_choices = vec![Choice::new("", u.t("request.site_any"), &f.site_id)];
            site_choices.extend(sites.iter().map(|s| {
                let label = match &s.fields.name {
                    Some(n) => format!("{n} · {}", s.fields.address),
                    None => s.fields.address.clone(),
                };
                Choice::new(s.id.to_string(), label, &f.site_id)
            }));
            let mut unit_choices = vec![Choice::new("", u.t("request.unit_unknown"), &f.unit_id)];
            unit_choices.extend(units.iter().map(|x| {
                Choice::new(
                    x.id.to_string(),
                    format!("{} · {} · {}", x.model_code, x.serial_no, x.site_address),
                    &f.unit_id,
                )
            }));
            Some(Chosen {
                id: c.id.0,
                name: c.fields.name.clone(),
                address: c.fields.address.clone(),
                sites: site_choices,
                units: unit_choices,
            })
        }
        None => None,
    };
    let searched = chosen.is_none();
    let customers = if chosen.is_none() {
        let q = q.trim();
        app::requests::customers_for(state, &u.user, (!q.is_empty()).then_some(q), 30)
            .await?
            .into_iter()
            .map(|c| CustomerChoice {
                href: url_with("/requests/new", &[("customer_id", &c.id.to_string())]),
                name: c.name,
                address: c.address,
            })
            .collect()
    } else {
        Vec::new()
    };
    let kinds = RequestKind::ALL
        .iter()
        .map(|k| Choice::new(k.as_str(), kind_label(u.lang, *k), &f.kind))
        .collect();
    let errors = Messages::new(u.lang, errs);
    let form_errors = ErrorSummary::new(u.lang, &errors, &form_fields(u), None);
    Ok(NewPage {
        l: u.layout("requests", u.t("request.new_title")),
        q: q.to_string(),
        customers,
        searched,
        chosen,
        f,
        kinds,
        errors,
        form_errors,
    })
}

/// `GET /requests/new?q=&customer_id=`: first the customer (a search among one's own),
/// then the rest of the form for that customer.
pub async fn new_form(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let customer = p
        .filled("customer_id")
        .and_then(|s| s.parse::<i64>().ok())
        .map(CustomerId);
    let q = p.text("q");
    render(
        &new_page(
            &state,
            &u,
            &q,
            customer,
            Typed::default(),
            &FieldErrors::new(),
        )
        .await?,
    )
}

fn opt_id(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok().filter(|n| *n > 0)
}

/// `POST /requests`: file it; problems come back on the form with what was typed (422).
pub async fn create(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let customer = opt_id(&form.text("customer_id")).map(CustomerId);
    let f = Typed {
        site_id: form.text("site_id"),
        unit_id: form.text("unit_id"),
        model_code: form.text("model_code"),
        contact_name: form.text("contact_name"),
        contact_phone: form.text("contact_phone"),
        kind: form.text("kind"),
        problem: form.text("problem"),
    };
    let input = RequestInput {
        customer_id: customer,
        site_id: opt_id(&f.site_id).map(SiteId),
        unit_id: opt_id(&f.unit_id).map(UnitId),
        model_code: Some(f.model_code.clone()),
        contact_name: f.contact_name.clone(),
        contact_phone: f.contact_phone.clone(),
        kind: Some(f.kind.clone()),
        problem: f.problem.clone(),
    };
    match app::requests::file_request(&state, &u.user, &input, None, state.now()).await {
        Ok(a) => Ok(see_other(&format!("/requests/{}?saved=filed", a.value.id))),
        Err(Error::Validation(errs)) => {
            let page = new_page(&state, &u, "", customer, f, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// The list and a request's page.

/// A request as the list and its page show it.
struct Row {
    href: String,
    number: String,
    ticket_href: String,
    customer: String,
    place: String,
    kind: &'static str,
    emergency: bool,
    status: &'static str,
    status_label: &'static str,
    problem: String,
    contact: String,
    contact_phone: String,
    filed: String,
    filed_by: String,
    /// The job's status, once someone is sent.
    job: Option<String>,
    job_href: Option<String>,
    /// Who is sent, once dispatched.
    crew: String,
}

impl Row {
    fn new(u: &WebUser, v: &RequestView) -> Self {
        let r = &v.request;
        let unit = match (&v.unit_serial, &r.model_code) {
            (Some(s), Some(m)) => format!("{m} · {s}"),
            (None, Some(m)) => format!("{m} ({})", u.t("request.serial_unknown")),
            (Some(s), None) => s.clone(),
            (None, None) => String::new(),
        };
        let site = v
            .site_name
            .clone()
            .or_else(|| v.site_address.clone())
            .unwrap_or_default();
        let place = [site, unit]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · ");
        Row {
            href: format!("/requests/{}", r.id),
            number: ticket_number(r.ticket_id),
            ticket_href: format!("/tickets/{}", r.ticket_id),
            customer: v.customer_name.clone(),
            place,
            kind: kind_label(u.lang, r.kind),
            emergency: r.kind == RequestKind::Emergency,
            status: r.status.as_str(),
            status_label: status_label(u.lang, r.status),
            problem: r.problem.clone(),
            contact: r.contact_name.clone(),
            contact_phone: r.contact_phone.clone(),
            filed: full_time(r.created_at),
            filed_by: v.created_by_name.clone(),
            job: v.job_status.map(|s| job_label(u, s).to_string()),
            job_href: r.job_id.map(|j| format!("/field/jobs/{j}")),
            crew: String::new(),
        }
    }
}

/// Where the job stands, in the salesperson's words.
fn job_label(u: &WebUser, s: JobStatus) -> &'static str {
    match s {
        JobStatus::Open => u.lang.t("request.job.open"),
        JobStatus::Dispatched => u.lang.t("request.job.dispatched"),
        JobStatus::Underway => u.lang.t("request.job.underway"),
        JobStatus::OnSite => u.lang.t("request.job.on_site"),
        JobStatus::Submitted => u.lang.t("request.job.submitted"),
        JobStatus::Returned => u.lang.t("request.job.returned"),
        JobStatus::Done => u.lang.t("request.job.done"),
        JobStatus::Cancelled => u.lang.t("request.job.cancelled"),
    }
}

/// The crew of a request's job, named, once it is dispatched.
async fn crew_of(state: &AppState, u: &WebUser, v: &RequestView) -> String {
    let Some(job_id) = v.request.job_id else {
        return String::new();
    };
    match app::field::job(state, &u.user, job_id).await {
        Ok(job) => job
            .current_trip()
            .map(|t| {
                t.crew
                    .iter()
                    .map(|c| c.name.clone())
                    .collect::<Vec<_>>()
                    .join("、")
            })
            .unwrap_or_default(),
        Err(_) => String::new(),
    }
}

struct Tab {
    href: String,
    label: &'static str,
    on: bool,
}

#[derive(Template)]
#[template(path = "requests_list.html")]
struct ListPage {
    l: Layout,
    tabs: Vec<Tab>,
    rows: Vec<Row>,
    may_file: bool,
    mine_only: bool,
}

/// `GET /requests?status=`: new first, then the rest; a salesperson sees their own.
pub async fn list(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let status = p.filled("status").and_then(RequestStatus::parse);
    let views = app::requests::requests(
        &state,
        &u.user,
        &RequestFilter {
            status,
            salesperson: None,
        },
        app::requests::LIST_MAX,
    )
    .await?;
    let mut rows = Vec::with_capacity(views.len());
    for v in &views {
        let mut row = Row::new(&u, v);
        row.crew = crew_of(&state, &u, v).await;
        rows.push(row);
    }
    let mut tabs = vec![Tab {
        href: "/requests".into(),
        label: u.t("request.tab.all"),
        on: status.is_none(),
    }];
    for s in RequestStatus::ALL {
        tabs.push(Tab {
            href: format!("/requests?status={s}"),
            label: status_label(u.lang, *s),
            on: status == Some(*s),
        });
    }
    render(&ListPage {
        l: u.layout("requests", u.t("request.list_title")),
        tabs,
        rows,
        may_file: u.may(Permission::FileServiceRequests),
        mine_only: u.user.role.bound_to_own_customers(),
    })
}

#[derive(Template)]
#[template(path = "requests_detail.html")]
struct DetailPage {
    l: Layout,
    r: Row,
    id: i64,
    saved: Option<&'static str>,
    /// Why the ticket stays open after a remote answer, if it does.
    still_open: Option<String>,
    remote: Option<(String, String, String)>,
    coverage: Option<String>,
    unit_href: Option<String>,
    history: Vec<super::life::LifeLine>,
    may_act: bool,
    may_dispatch: bool,
    methods: Vec<Choice>,
    answer: String,
    errors: Messages,
    form_errors: ErrorSummary,
}

async fn detail_page(
    state: &AppState,
    u: &WebUser,
    id: RequestId,
    saved: Option<&'static str>,
    (method, answer, errs): (String, String, FieldErrors),
) -> WebResult<DetailPage> {
    let v = app::requests::request(state, &u.user, id).await?;
    let mut r = Row::new(u, &v);
    r.crew = crew_of(state, u, &v).await;
    let (coverage, history, unit_href) = match v.request.unit_id {
        Some(unit) => {
            let (_, cov) = app::units::coverage(state, &u.user, unit, None, state.now()).await?;
            // Briefly: the latest few, newest first.
            let h = super::units::recent_story(state, u, unit, 6).await?;
            (
                Some(u.lang.coverage_reason(&cov)),
                h,
                Some(format!("/units/{unit}/story")),
            )
        }
        None => (None, Vec::new(), None),
    };
    let still_open =
        if v.request.status == RequestStatus::AnsweredRemotely && !v.ticket_status.is_finished() {
            let ticket = app::tickets::ticket(state, &u.user, v.request.ticket_id).await?;
            let unmet: Vec<String> = ticket
                .deadlines
                .iter()
                .filter(|d| d.met_at.is_none())
                .map(|d| u.lang.t(&format!("deadline.{}", d.kind)).to_string())
                .collect();
            Some(if unmet.is_empty() {
                u.t("request.still_open").to_string()
            } else {
                u.lang.f(
                    "request.still_open_deadline",
                    &[("deadlines", &unmet.join("、"))],
                )
            })
        } else {
            None
        };
    let remote = v.request.remote.as_ref().map(|a| {
        (
            method_label(u.lang, a.method).to_string(),
            a.answer.clone(),
            format!(
                "{} · {}",
                v.remote_by_name.clone().unwrap_or_default(),
                full_time(a.at)
            ),
        )
    });
    let methods = RemoteMethod::ALL
        .iter()
        .map(|m| Choice::new(m.as_str(), method_label(u.lang, *m), &method))
        .collect();
    let errors = Messages::new(u.lang, &errs);
    let fields = [
        FormField::new("method", "method", u.t("request.method")),
        FormField::new("answer", "answer", u.t("request.answer")),
    ];
    let form_errors = ErrorSummary::new(u.lang, &errors, &fields, None);
    Ok(DetailPage {
        l: u.layout(
            "requests",
            u.lang.f("request.detail_title", &[("number", &r.number)]),
        ),
        id: id.0,
        r,
        saved,
        still_open,
        remote,
        coverage,
        unit_href,
        history,
        may_act: u.may(Permission::DispatchTechnicians) && v.request.status == RequestStatus::New,
        may_dispatch: u.may(Permission::DispatchTechnicians),
        methods,
        answer,
        errors,
        form_errors,
    })
}

/// `GET /requests/{id}`
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    let saved = match p.filled("saved") {
        Some("filed") => Some(u.t("request.saved.filed")),
        Some("answered") => Some(u.t("request.saved.answered")),
        Some("sent") => Some(u.t("request.saved.sent")),
        _ => None,
    };
    let page = detail_page(
        &state,
        &u,
        id,
        saved,
        (String::new(), String::new(), FieldErrors::new()),
    )
    .await?;
    render(&page)
}

/// `POST /requests/{id}/job`: send someone; back on the request, which links to dispatch.
pub async fn send_on_site(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, .. }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    app::requests::send_on_site(&state, &u.user, id, state.now()).await?;
    Ok(see_other(&format!("/requests/{id}?saved=sent")))
}

/// `POST /requests/{id}/remote-answer`: how it was answered and what was said.
pub async fn remote_answer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    let method = form.text("method");
    let answer = form.text("answer");
    match app::requests::answer_remotely(
        &state,
        &u.user,
        id,
        Some(method.as_str()),
        &answer,
        u.lang,
        state.now(),
    )
    .await
    {
        Ok(_) => Ok(see_other(&format!("/requests/{id}?saved=answered"))),
        Err(Error::Validation(errs)) => {
            let page = detail_page(&state, &u, id, None, (method, answer, errs)).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
