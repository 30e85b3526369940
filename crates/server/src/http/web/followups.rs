//! The salesperson's monthly follow-ups on a phone (`/follow-ups`: this month's customers
//! due, done and overdue, one tap to record; `/follow-ups/new?customer=`: a minute's form;
//! `/follow-ups/{id}`: one follow-up, its remark made a ticket in one step) and the
//! department's month-end collation (`/collation?month=`: coverage per salesperson, who is
//! overdue, remarks by class, requests still open, close the month, print, CSV/XLSX).

use super::Layout;
use super::export::download_sheet;
use super::view::{Choice, ErrorSummary, FormField, Messages, full_time};
use super::{
    QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other, url_with,
};
use crate::app;
use crate::app::AppState;
use crate::app::export::Format;
use crate::app::followups::{OwedView, class_label, method_label, state_label};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::followup::{DueState, FollowUpInput, FollowUpView, Method, RemarkClass};
use sanbao_domain::ids::FollowUpId;
use sanbao_domain::ticket::ticket_number;
use sanbao_domain::time::Month;
use sanbao_domain::{CustomerId, Error, FieldErrors, Permission};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/follow-ups", get(mine).post(create))
        .route("/follow-ups/new", get(new_form))
        .route("/follow-ups/{id}", get(detail))
        .route("/follow-ups/{id}/ticket", post(make_ticket))
        .route("/collation", get(collation))
        .route("/collation/close", post(close))
        .route("/collation/export", get(export))
}

fn month_param(state: &AppState, p: &super::extract::Pairs) -> WebResult<Month> {
    match p.filled("month") {
        None => Ok(Month::of(state.now())),
        Some(s) => Ok(Month::parse(s).map_err(|e| Error::field("month", e))?),
    }
}

// ---------------------------------------------------------------------------------------
// The salesperson's month.

struct OwedRow {
    name: String,
    state: &'static str,
    state_label: String,
    salesperson: String,
    done: usize,
    record_href: String,
}

fn owed_row(u: &WebUser, o: &OwedView) -> OwedRow {
    OwedRow {
        name: o.owed.customer_name.clone(),
        state: o.owed.state.as_str(),
        state_label: state_label(u.lang, o.owed.state),
        salesperson: o
            .salesperson_name
            .clone()
            .unwrap_or_else(|| u.t("followup.nobody").to_string()),
        done: o.owed.done,
        record_href: url_with(
            "/follow-ups/new",
            &[("customer", &o.owed.customer_id.0.to_string())],
        ),
    }
}

struct FollowUpRow {
    href: String,
    date: String,
    customer: String,
    salesperson: String,
    method: String,
    remarks: String,
    class: String,
    requests: String,
    ticket: Option<String>,
    late: bool,
}

fn follow_up_row(u: &WebUser, v: &FollowUpView) -> FollowUpRow {
    let f = &v.follow_up;
    FollowUpRow {
        href: format!("/follow-ups/{}", f.id),
        date: f.date.to_string(),
        customer: v.customer_name.clone(),
        salesperson: v.salesperson_name.clone(),
        method: method_label(u.lang, f.method),
        remarks: f.remarks.clone().unwrap_or_default(),
        class: f
            .remark_class
            .map(|c| class_label(u.lang, c))
            .unwrap_or_default(),
        requests: f.requests.clone().unwrap_or_default(),
        ticket: f.ticket_id.map(ticket_number),
        late: f.late,
    }
}

#[derive(Template)]
#[template(path = "followups_mine.html")]
struct MinePage {
    l: Layout,
    intro: String,
    /// Last month's customers still without a follow-up.
    overdue: Vec<OwedRow>,
    due: Vec<OwedRow>,
    done: Vec<OwedRow>,
    recent: Vec<FollowUpRow>,
    saved: bool,
}

/// `GET /follow-ups`: this month's customers due and done, last month's overdue.
pub async fn mine(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    if !u.may(Permission::RecordFollowUps) {
        return Err(Error::Forbidden.into());
    }
    let now = state.now();
    let month = Month::of(now);
    let this = app::followups::due(&state, &u.user, month, now).await?;
    let last = app::followups::due(&state, &u.user, month.previous(), now).await?;
    let pick = |rows: &[OwedView], s: DueState| -> Vec<OwedRow> {
        rows.iter()
            .filter(|o| o.owed.state == s)
            .map(|o| owed_row(&u, o))
            .collect()
    };
    let recent = app::followups::follow_ups(&state, &u.user, &month_filter(Some(month)), 20)
        .await?
        .iter()
        .map(|v| follow_up_row(&u, v))
        .collect();
    render(&MinePage {
        l: u.layout("follow_ups", u.t("followup.mine_title")),
        intro: u.lang.f("followup.mine_intro", &[("month", &month)]),
        overdue: pick(&last, DueState::Overdue),
        due: pick(&this, DueState::Due),
        done: pick(&this, DueState::Done),
        recent,
        saved: p.filled("saved").is_some(),
    })
}

fn month_filter(month: Option<Month>) -> sanbao_domain::followup::FollowUpFilter {
    sanbao_domain::followup::FollowUpFilter {
        month,
        ..Default::default()
    }
}

// ---------------------------------------------------------------------------------------
// The form.

#[derive(Default)]
struct Typed {
    date: String,
    method: String,
    met: String,
    usage: String,
    remarks: String,
    remark_class: String,
    requests: String,
}

#[derive(Template)]
#[template(path = "followups_new.html")]
struct NewPage {
    l: Layout,
    customer_id: i64,
    customer_name: String,
    f: Typed,
    methods: Vec<Choice>,
    classes: Vec<Choice>,
    today: String,
    errors: Messages,
    form_errors: ErrorSummary,
}

fn form_fields(u: &WebUser) -> Vec<FormField> {
    vec![
        FormField::new("customer_id", "date", u.t("followup.customer")),
        FormField::new("date", "date", u.t("followup.date")),
        FormField::new("method", "method-visit", u.t("followup.method")),
        FormField::new("met", "met", u.t("followup.met")),
        FormField::new("usage", "usage", u.t("followup.usage")),
        FormField::new("remarks", "remarks", u.t("followup.remarks")),
        FormField::new("remark_class", "remark_class", u.t("followup.remark_class")),
        FormField::new("requests", "requests", u.t("followup.requests")),
    ]
}

async fn new_page(
    state: &AppState,
    u: &WebUser,
    customer: CustomerId,
    f: Typed,
    errs: &FieldErrors,
) -> WebResult<NewPage> {
    if !u.may(Permission::RecordFollowUps) {
        return Err(Error::Forbidden.into());
    }
    let c = state
        .db
        .customer(customer)
        .await?
        .ok_or(Error::NotFound("customer"))?;
    if !sanbao_domain::role::may_for_customer(
        u.user.role,
        Permission::RecordFollowUps,
        u.user.id,
        c.fields.salesperson_id,
    ) {
        return Err(Error::Forbidden.into());
    }
    let method = if f.method.is_empty() {
        "visit"
    } else {
        f.method.as_str()
    };
    let methods = Method::ALL
        .iter()
        .map(|m| Choice::new(m.as_str(), method_label(u.lang, *m), method))
        .collect();
    let mut classes = vec![Choice::new("", u.t("followup.class_none"), &f.remark_class)];
    classes.extend(
        RemarkClass::ALL
            .iter()
            .map(|k| Choice::new(k.as_str(), class_label(u.lang, *k), &f.remark_class)),
    );
    let errors = Messages::new(u.lang, errs);
    let form_errors = ErrorSummary::new(u.lang, &errors, &form_fields(u), None);
    Ok(NewPage {
        l: u.layout("follow_ups", u.t("followup.new_title")),
        customer_id: c.id.0,
        customer_name: c.fields.name.clone(),
        f,
        methods,
        classes,
        today: sanbao_domain::time::local_date(state.now()).to_string(),
        errors,
        form_errors,
    })
}

fn customer_param(p: &super::extract::Pairs) -> WebResult<CustomerId> {
    p.filled("customer")
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|n| *n > 0)
        .map(CustomerId)
        .ok_or_else(|| WebError::not_found("customer"))
}

/// `GET /follow-ups/new?customer=`: the phone form for one customer.
pub async fn new_form(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let c = customer_param(&p)?;
    render(&new_page(&state, &u, c, Typed::default(), &FieldErrors::new()).await?)
}

/// `POST /follow-ups`: record it; problems come back on the form with what was typed.
pub async fn create(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let customer = form
        .text("customer_id")
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(CustomerId)
        .ok_or_else(|| WebError::not_found("customer"))?;
    let f = Typed {
        date: form.text("date"),
        method: form.text("method"),
        met: form.text("met"),
        usage: form.text("usage"),
        remarks: form.text("remarks"),
        remark_class: form.text("remark_class"),
        requests: form.text("requests"),
    };
    let input = FollowUpInput {
        customer_id: Some(customer),
        date: Some(f.date.clone()),
        method: Some(f.method.clone()),
        met: Some(f.met.clone()),
        usage: Some(f.usage.clone()),
        remarks: Some(f.remarks.clone()),
        remark_class: Some(f.remark_class.clone()),
        requests: Some(f.requests.clone()),
    };
    match app::followups::record(&state, &u.user, &input, None, state.now()).await {
        Ok(a) => Ok(see_other(&format!("/follow-ups/{}?saved=1", a.value.id))),
        Err(Error::Validation(errs)) => {
            let page = new_page(&state, &u, customer, f, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// One follow-up.

#[derive(Template)]
#[template(path = "followups_detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    r: FollowUpRow,
    met: String,
    usage: String,
    recorded: String,
    ticket_href: Option<String>,
    may_make_ticket: bool,
    saved: bool,
    made: bool,
    // ---- quality ----
    /// A quality remark can be made a quality item in one step (the quality engineer).
    may_make_quality: bool,
    // ---- end quality ----
}

fn id_of(s: &str) -> WebResult<FollowUpId> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(FollowUpId)
        .ok_or_else(|| WebError::not_found("follow-up"))
}

/// `GET /follow-ups/{id}`.
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let v = app::followups::follow_up(&state, &u.user, id_of(&id)?).await?;
    let f = &v.follow_up;
    render(&DetailPage {
        l: u.layout("follow_ups", u.t("followup.detail_title")),
        id: f.id.0,
        met: f.met.clone().unwrap_or_default(),
        usage: f.usage.clone().unwrap_or_default(),
        recorded: full_time(f.created_at),
        ticket_href: f.ticket_id.map(|t| format!("/tickets/{t}")),
        may_make_ticket: f.ticket_id.is_none()
            && f.remarks.is_some()
            && u.may(Permission::RecordFollowUps)
            && u.may(Permission::OpenTickets),
        saved: p.filled("saved").is_some(),
        made: p.filled("made").is_some(),
        may_make_quality: f.remark_class == Some(RemarkClass::Quality)
            && super::quality::may_make(&u),
        r: follow_up_row(&u, &v),
    })
}

/// `POST /follow-ups/{id}/ticket`: the remark made a ticket, in one step.
pub async fn make_ticket(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form: _ }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id)?;
    app::followups::to_ticket(&state, &u.user, id, state.now()).await?;
    Ok(see_other(&format!("/follow-ups/{id}?made=1")))
}

// ---------------------------------------------------------------------------------------
// The collation.

struct CoverageRow {
    salesperson: String,
    owed: usize,
    done: usize,
    due: usize,
    overdue: usize,
    percent: u32,
}

struct ClassGroup {
    label: String,
    class: &'static str,
    rows: Vec<FollowUpRow>,
}

#[derive(Template)]
#[template(path = "followups_collation.html")]
struct CollationPage {
    l: Layout,
    month: String,
    previous: String,
    next: String,
    coverage: Vec<CoverageRow>,
    missing: Vec<OwedRow>,
    classes: Vec<ClassGroup>,
    open_requests: Vec<FollowUpRow>,
    follow_ups: Vec<FollowUpRow>,
    closed: Option<String>,
    may_close: bool,
    csv_href: String,
    xlsx_href: String,
    just_closed: bool,
}

/// `GET /collation?month=YYYY-MM`.
pub async fn collation(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let m = month_param(&state, &p)?;
    let c = app::followups::collation(&state, &u.user, m, state.now()).await?;
    let ml = m.to_string();
    let nobody = u.t("followup.nobody").to_string();
    render(&CollationPage {
        l: u.layout("collation", u.t("collation.title")),
        previous: url_with("/collation", &[("month", &m.previous().to_string())]),
        next: url_with("/collation", &[("month", &m.next().to_string())]),
        coverage: c
            .coverage
            .iter()
            .map(|k| CoverageRow {
                salesperson: k.salesperson_name.clone().unwrap_or_else(|| nobody.clone()),
                owed: k.coverage.owed,
                done: k.coverage.done,
                due: k.coverage.due,
                overdue: k.coverage.overdue,
                percent: k.coverage.percent(),
            })
            .collect(),
        missing: c.missing.iter().map(|o| owed_row(&u, o)).collect(),
        classes: c
            .remarks
            .iter()
            .map(|(k, rows)| ClassGroup {
                label: class_label(u.lang, *k),
                class: k.as_str(),
                rows: rows.iter().map(|v| follow_up_row(&u, v)).collect(),
            })
            .collect(),
        open_requests: c
            .open_requests
            .iter()
            .map(|v| follow_up_row(&u, v))
            .collect(),
        follow_ups: c.follow_ups.iter().map(|v| follow_up_row(&u, v)).collect(),
        closed: c.closing.as_ref().map(|(k, by)| {
            u.lang.f(
                "collation.closed_by",
                &[("by", by), ("at", &full_time(k.closed_at))],
            )
        }),
        may_close: c.may_close,
        csv_href: url_with("/collation/export", &[("month", &ml), ("format", "csv")]),
        xlsx_href: url_with("/collation/export", &[("month", &ml), ("format", "xlsx")]),
        just_closed: p.filled("closed").is_some(),
        month: ml,
    })
}

/// `POST /collation/close` (`month`): close the month once.
pub async fn close(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let m = Month::parse(&form.text("month")).map_err(|e| Error::field("month", e))?;
    app::followups::close(&state, &u.user, m, state.now()).await?;
    Ok(see_other(&url_with(
        "/collation",
        &[("month", &m.to_string()), ("closed", "1")],
    )))
}

/// `GET /collation/export?month=&format=csv|xlsx`: the month's follow-up report.
pub async fn export(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let format = Format::parse(p.get("format"))?;
    let m = month_param(&state, &p)?;
    let sheet = app::followups::report_sheet(&state, &u.user, m, u.lang).await?;
    download_sheet(&state, &u, sheet, format).await
}
