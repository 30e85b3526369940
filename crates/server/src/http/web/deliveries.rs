//! Deliveries (R3.2), phone first for the salesperson on site: the board of deliveries not
//! yet accepted with how long each has waited, the form to record a shipment, and a
//! delivery's page with the form of its next step.

use super::extract::Pairs;
use super::view::{Choice, ErrorSummary, FormField, Messages, full_time};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other,
};
use crate::app;
use crate::app::AppState;
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use sanbao_domain::customer::CustomerFilter;
use sanbao_domain::delivery::{
    CountInput, Delivery, DeliveryInput, LineInput, ShippedUnitInput, StepInput, StepKind,
};
use sanbao_domain::time::local_date;
use sanbao_domain::{
    CustomerId, DeliveryId, Error, FieldErrors, Permission, Problem, Role, UserId,
};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/deliveries", get(board).post(create))
        .route("/deliveries/new", get(new_form))
        .route("/deliveries/{id}", get(detail))
        .route("/deliveries/{id}/events", post(record_step))
        .route("/deliveries/{id}/labels", get(labels))
}

/// Packing-list and unit rows the new-delivery form offers.
const LINE_ROWS: usize = 6;
const UNIT_ROWS: usize = 4;

fn delivery_id(s: &str) -> WebResult<DeliveryId> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(DeliveryId)
        .ok_or_else(|| WebError::not_found("delivery"))
}

fn status_label(lang: Lang, d: &Delivery) -> String {
    lang.t(&format!("delivery.status.{}", d.status.as_str()))
        .to_string()
}

// ---------------------------------------------------------------------------------------
// The board.

struct BoardLine {
    href: String,
    reference: String,
    customer: String,
    site: String,
    status: &'static str,
    status_label: String,
    salesperson: String,
    shipped_on: String,
    waited: String,
    at_step: String,
    discrepancies: usize,
}

#[derive(Template)]
#[template(path = "deliveries_board.html")]
struct BoardPage {
    l: Layout,
    rows: Vec<BoardLine>,
    salespeople: Vec<Choice>,
    show_filter: bool,
}

fn board_line(lang: Lang, d: Delivery, now: DateTime<Utc>) -> BoardLine {
    let w = d.waited(now);
    BoardLine {
        href: format!("/deliveries/{}", d.id),
        status_label: status_label(lang, &d),
        status: d.status.as_str(),
        discrepancies: d.lines.iter().filter(|l| l.has_discrepancy()).count(),
        reference: d.reference,
        customer: d.customer_name,
        site: d.site_name.unwrap_or(d.site_address),
        salesperson: d
            .salesperson_name
            .unwrap_or_else(|| lang.t("common.none").to_string()),
        shipped_on: d.shipped_on.to_string(),
        waited: lang.f(
            "delivery.waited",
            &[("d", &lang.duration(w.since_shipment))],
        ),
        at_step: lang.f(
            "delivery.at_step",
            &[("d", &lang.duration(w.since_last_step))],
        ),
    }
}

/// `GET /deliveries?salesperson_id=`
pub async fn board(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let chosen = p.text("salesperson_id");
    let filter = chosen.trim().parse::<i64>().ok().map(UserId);
    let list = app::deliveries::deliveries(&state, &u.user, filter, true).await?;
    let now = state.now();
    let show_filter = !u.user.role.bound_to_own_customers();
    let mut salespeople = Vec::new();
    if show_filter {
        salespeople.push(Choice::new("", u.t("delivery.everyone"), &chosen));
        for s in app::users::users(&state, &u.user, Some(Role::Salesperson)).await? {
            salespeople.push(Choice::new(s.id.0.to_string(), s.display_name, &chosen));
        }
    }
    render(&BoardPage {
        l: u.layout("deliveries", u.t("delivery.board_title")),
        rows: list
            .into_iter()
            .map(|d| board_line(u.lang, d, now))
            .collect(),
        salespeople,
        show_filter,
    })
}

// ---------------------------------------------------------------------------------------
// The new-delivery form.

#[derive(Default, Clone)]
struct LineRow {
    i: usize,
    model_code: String,
    description: String,
    quantity: String,
}

#[derive(Default, Clone)]
struct UnitRow {
    i: usize,
    model_code: String,
    serial_no: String,
}

#[derive(Default)]
struct NewForm {
    customer_id: String,
    site_address: String,
    reference: String,
    shipped_on: String,
    notes: String,
    lines: Vec<LineRow>,
    units: Vec<UnitRow>,
}

impl NewForm {
    fn blank(today: &str) -> Self {
        NewForm {
            shipped_on: today.to_string(),
            lines: (0..LINE_ROWS)
                .map(|i| LineRow {
                    i,
                    ..LineRow::default()
                })
                .collect(),
            units: (0..UNIT_ROWS)
                .map(|i| UnitRow {
                    i,
                    ..UnitRow::default()
                })
                .collect(),
            ..NewForm::default()
        }
    }

    fn read(p: &Pairs) -> Self {
        NewForm {
            customer_id: p.text("customer_id"),
            site_address: p.text("site_address"),
            reference: p.text("reference"),
            shipped_on: p.text("shipped_on"),
            notes: p.text("notes"),
            lines: (0..LINE_ROWS)
                .map(|i| LineRow {
                    i,
                    model_code: p.text(&format!("lines[{i}].model_code")),
                    description: p.text(&format!("lines[{i}].description")),
                    quantity: p.text(&format!("lines[{i}].quantity")),
                })
                .collect(),
            units: (0..UNIT_ROWS)
                .map(|i| UnitRow {
                    i,
                    model_code: p.text(&format!("units[{i}].model_code")),
                    serial_no: p.text(&format!("units[{i}].serial_no")),
                })
                .collect(),
        }
    }

    /// The use case's input, the web's own problems, and for each line and unit given the
    /// form row it came from.
    fn input(&self) -> (DeliveryInput, FieldErrors, Vec<usize>, Vec<usize>) {
        let mut errs = FieldErrors::new();
        let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        let customer_id = match self.customer_id.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) => Some(CustomerId(n)),
                Err(_) => {
                    errs.add("customer_id", Problem::invalid("not a customer"));
                    None
                }
            },
        };
        let mut lines = Vec::new();
        let mut line_rows = Vec::new();
        for r in &self.lines {
            if [&r.model_code, &r.description, &r.quantity]
                .iter()
                .all(|s| s.trim().is_empty())
            {
                continue;
            }
            let quantity = match r.quantity.trim() {
                "" => None,
                q => match q.parse::<i64>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        errs.add(
                            format!("lines[{}].quantity", r.i),
                            Problem::invalid("a whole number"),
                        );
                        Some(1)
                    }
                },
            };
            lines.push(LineInput {
                model_code: opt(&r.model_code),
                description: opt(&r.description),
                quantity,
            });
            line_rows.push(r.i);
        }
        let mut units = Vec::new();
        let mut unit_rows = Vec::new();
        for r in &self.units {
            if r.model_code.trim().is_empty() && r.serial_no.trim().is_empty() {
                continue;
            }
            units.push(ShippedUnitInput {
                model_code: r.model_code.clone(),
                serial_no: r.serial_no.clone(),
            });
            unit_rows.push(r.i);
        }
        let input = DeliveryInput {
            customer_id,
            site_id: None,
            site_address: opt(&self.site_address),
            reference: self.reference.clone(),
            shipped_on: self.shipped_on.clone(),
            notes: opt(&self.notes),
            lines,
            units,
        };
        (input, errs, line_rows, unit_rows)
    }
}

/// The use case's field names (`lines[1].quantity`, counting only filled rows) as the
/// form's (`lines[3].quantity`, counting every row).
fn to_form_fields(errors: FieldErrors, lines: &[usize], units: &[usize]) -> FieldErrors {
    let mut out = FieldErrors::new();
    for (field, problem) in errors.0 {
        let renamed = ["lines", "units"]
            .iter()
            .find_map(|list| {
                let rest = field.strip_prefix(&format!("{list}["))?;
                let (n, tail) = rest.split_once(']')?;
                let j: usize = n.parse().ok()?;
                let rows = if *list == "lines" { lines } else { units };
                rows.get(j).map(|i| format!("{list}[{i}]{tail}"))
            })
            .unwrap_or(field);
        out.add(renamed, problem);
    }
    out
}

struct LineRowView {
    row: LineRow,
    err_model_code: Option<String>,
    err_description: Option<String>,
    err_quantity: Option<String>,
}

struct UnitRowView {
    row: UnitRow,
    err_model_code: Option<String>,
    err_serial_no: Option<String>,
}

#[derive(Template)]
#[template(path = "deliveries_new.html")]
struct NewPage {
    l: Layout,
    f: NewForm,
    customers: Vec<Choice>,
    lines: Vec<LineRowView>,
    units: Vec<UnitRowView>,
    errors: Messages,
    form_errors: ErrorSummary,
}

async fn new_page(
    state: &AppState,
    u: &WebUser,
    f: NewForm,
    errors: &FieldErrors,
) -> WebResult<NewPage> {
    let filter = CustomerFilter {
        salesperson_id: u.user.role.bound_to_own_customers().then_some(u.user.id),
        ..CustomerFilter::default()
    };
    let mut customers = vec![Choice::new("", u.t("common.choose"), &f.customer_id)];
    for c in app::customers::customers(state, &u.user, &filter, 200, None).await? {
        customers.push(Choice::new(c.id.0.to_string(), c.name, &f.customer_id));
    }
    let messages = Messages::new(u.lang, errors);
    let e = |name: String| messages.get(&name).map(str::to_string);
    let lines: Vec<LineRowView> = f
        .lines
        .iter()
        .map(|r| LineRowView {
            err_model_code: e(format!("lines[{}].model_code", r.i)),
            err_description: e(format!("lines[{}].description", r.i)),
            err_quantity: e(format!("lines[{}].quantity", r.i)),
            row: r.clone(),
        })
        .collect();
    let units: Vec<UnitRowView> = f
        .units
        .iter()
        .map(|r| UnitRowView {
            err_model_code: e(format!("units[{}].model_code", r.i)),
            err_serial_no: e(format!("units[{}].serial_no", r.i)),
            row: r.clone(),
        })
        .collect();
    let mut fields = vec![
        FormField::new("customer_id", "customer_id", u.t("delivery.customer")),
        FormField::new("site_address", "site_address", u.t("delivery.site_address")),
        FormField::new("reference", "reference", u.t("delivery.reference")),
        FormField::new("shipped_on", "shipped_on", u.t("delivery.shipped_on")),
        FormField::new("notes", "notes", u.t("delivery.notes")),
        FormField::new("lines", "lines", u.t("delivery.lines")),
    ];
    for r in &f.lines {
        let row = u.lang.f("delivery.line_n", &[("n", &(r.i + 1))]);
        for (part, key) in [
            ("model_code", "delivery.model_code"),
            ("description", "delivery.description"),
            ("quantity", "delivery.quantity"),
        ] {
            fields.push(FormField::new(
                format!("lines[{}].{part}", r.i),
                format!("l{}-{part}", r.i),
                format!("{row} · {}", u.t(key)),
            ));
        }
    }
    for r in &f.units {
        let row = u.lang.f("delivery.unit_n", &[("n", &(r.i + 1))]);
        for (part, key) in [
            ("model_code", "delivery.model_code"),
            ("serial_no", "delivery.serial_no"),
        ] {
            fields.push(FormField::new(
                format!("units[{}].{part}", r.i),
                format!("u{}-{part}", r.i),
                format!("{row} · {}", u.t(key)),
            ));
        }
    }
    let form_errors = ErrorSummary::new(u.lang, &messages, &fields, None);
    Ok(NewPage {
        l: u.layout("deliveries", u.t("delivery.new_title")),
        f,
        customers,
        lines,
        units,
        errors: messages,
        form_errors,
    })
}

/// `GET /deliveries/new`
pub async fn new_form(State(state): State<AppState>, u: WebUser) -> WebResult<Response> {
    app::require(&u.user, Permission::TrackDeliveries)?;
    let today = local_date(state.now()).to_string();
    let page = new_page(&state, &u, NewForm::blank(&today), &FieldErrors::new()).await?;
    render(&page)
}

/// `POST /deliveries`: record; back to the form with every problem named, or on to the
/// delivery's page.
pub async fn create(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let f = NewForm::read(&form);
    let (input, web_errs, line_rows, unit_rows) = f.input();
    let result = if web_errs.is_empty() {
        app::deliveries::create_delivery(&state, &u.user, &input, state.now()).await
    } else {
        Err(Error::Validation(web_errs))
    };
    match result {
        Ok(d) => Ok(see_other(&format!("/deliveries/{}", d.id))),
        Err(Error::Validation(errs)) => {
            let errs = to_form_fields(errs, &line_rows, &unit_rows);
            let page = new_page(&state, &u, f, &errs).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------------------
// A delivery's page.

/// A packing-list line with what was typed into the count form.
struct LineView {
    i: usize,
    ordinal: i64,
    label: String,
    expected: i64,
    received: String,
    damaged: String,
    note: String,
    shortage: i64,
    discrepancy: bool,
    counted: bool,
    err_received: Option<String>,
    err_damaged: Option<String>,
    err_note: Option<String>,
}

struct StepView {
    label: String,
    at: Option<String>,
    done: bool,
    current: bool,
}

struct UnitView {
    id: i64,
    model_code: String,
    serial_no: String,
    accepted_on: String,
}

#[derive(Template)]
#[template(path = "deliveries_detail.html")]
struct DetailPage {
    l: Layout,
    id: i64,
    version: i64,
    reference: String,
    customer: String,
    customer_href: String,
    site: String,
    salesperson: String,
    status: &'static str,
    status_label: String,
    shipped_on: String,
    waited: String,
    accepted_by: Option<String>,
    accepted_on: Option<String>,
    notes: Option<String>,
    steps: Vec<StepView>,
    lines: Vec<LineView>,
    units: Vec<UnitView>,
    /// `arrive`, `count`, `accept`, or empty once accepted.
    next: &'static str,
    confirmed_by: String,
    errors: Messages,
    form_errors: ErrorSummary,
    conflict: bool,
}

async fn detail_page(
    state: &AppState,
    u: &WebUser,
    id: DeliveryId,
    typed: Option<&Pairs>,
    errors: &FieldErrors,
    conflict: bool,
) -> WebResult<DetailPage> {
    let d = app::deliveries::delivery(state, &u.user, id).await?;
    let units = app::deliveries::delivery_units(state, &u.user, id).await?;
    let now = state.now();
    let lang = u.lang;
    let messages = Messages::new(lang, errors);
    let next = d.status.next_step();
    let typed_text = |name: &str| typed.map(|p| p.text(name));
    let lines: Vec<LineView> = d
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let key = |f: &str| format!("lines[{i}].{f}");
            let e = |f: &str| messages.get(&key(f)).map(str::to_string);
            LineView {
                i,
                ordinal: l.ordinal,
                label: l.label(),
                expected: l.expected,
                received: typed_text(&key("received"))
                    .unwrap_or_else(|| l.received.unwrap_or(l.expected).to_string()),
                damaged: typed_text(&key("damaged"))
                    .unwrap_or_else(|| l.damaged.unwrap_or(0).to_string()),
                note: typed_text(&key("note"))
                    .unwrap_or_else(|| l.note.clone().unwrap_or_default()),
                shortage: l.shortage(),
                discrepancy: l.has_discrepancy(),
                counted: l.received.is_some(),
                err_received: e("received"),
                err_damaged: e("damaged"),
                err_note: e("note"),
            }
        })
        .collect();
    let step_at = |at: Option<DateTime<Utc>>| at.map(full_time);
    let steps = vec![
        StepView {
            label: lang.t("delivery.status.shipped").to_string(),
            at: Some(d.shipped_on.to_string()),
            done: true,
            current: false,
        },
        StepView {
            label: lang.t("delivery.status.arrived").to_string(),
            at: step_at(d.arrived_at),
            done: d.arrived_at.is_some(),
            current: next == Some(StepKind::Arrive),
        },
        StepView {
            label: lang.t("delivery.status.counted").to_string(),
            at: step_at(d.counted_at),
            done: d.counted_at.is_some(),
            current: next == Some(StepKind::Count),
        },
        StepView {
            label: lang.t("delivery.status.accepted").to_string(),
            at: step_at(d.accepted_at),
            done: d.accepted_at.is_some(),
            current: next == Some(StepKind::Accept),
        },
    ];
    let mut fields = vec![
        FormField::new("confirmed_by", "confirmed_by", u.t("delivery.confirmed_by")),
        FormField::new("lines", "", u.t("delivery.lines")),
    ];
    for l in &lines {
        let row = lang.f("delivery.line_n", &[("n", &l.ordinal)]);
        for (part, key) in [
            ("received", "delivery.received"),
            ("damaged", "delivery.damaged"),
            ("note", "delivery.line_note"),
        ] {
            fields.push(FormField::new(
                format!("lines[{}].{part}", l.i),
                format!("c{}-{part}", l.i),
                format!("{row} · {}", u.t(key)),
            ));
        }
    }
    let form_errors = ErrorSummary::new(lang, &messages, &fields, None);
    let w = d.waited(now);
    Ok(DetailPage {
        l: u.layout(
            "deliveries",
            format!("{} · {}", d.reference, d.customer_name),
        ),
        id: d.id.0,
        version: d.version,
        status: d.status.as_str(),
        status_label: status_label(lang, &d),
        customer_href: format!("/customers/{}", d.customer_id),
        site: match &d.site_name {
            Some(n) => format!("{n} · {}", d.site_address),
            None => d.site_address.clone(),
        },
        salesperson: d
            .salesperson_name
            .clone()
            .unwrap_or_else(|| lang.t("common.none").to_string()),
        shipped_on: d.shipped_on.to_string(),
        waited: if d.is_open() {
            lang.f(
                "delivery.waited",
                &[("d", &lang.duration(w.since_shipment))],
            )
        } else {
            String::new()
        },
        accepted_by: d.accepted_by.clone(),
        accepted_on: d.accepted_on.map(|x| x.to_string()),
        notes: d.notes.clone(),
        steps,
        lines,
        units: units
            .into_iter()
            .map(|x| UnitView {
                id: x.id.0,
                model_code: x.model_code,
                serial_no: x.serial_no,
                accepted_on: x
                    .dates
                    .accepted_on
                    .map_or_else(|| lang.t("common.none").to_string(), |a| a.to_string()),
            })
            .collect(),
        next: next.map_or("", StepKind::as_str),
        confirmed_by: typed_text("confirmed_by").unwrap_or_default(),
        errors: messages,
        form_errors,
        conflict,
        reference: d.reference,
        customer: d.customer_name,
    })
}

/// `GET /deliveries/{id}`
pub async fn detail(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = delivery_id(&id)?;
    render(&detail_page(&state, &u, id, None, &FieldErrors::new(), false).await?)
}

/// `GET /deliveries/{id}/labels`: the labels of the delivery's units on A4, to stick on
/// them before they leave.
pub async fn labels(
    State(state): State<AppState>,
    u: WebUser,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
) -> WebResult<Response> {
    let id = delivery_id(&id)?;
    let units = app::deliveries::delivery_units(&state, &u.user, id).await?;
    super::units::labels_page(
        &u,
        &super::units::base_url(&state, &headers),
        &units,
        format!("/deliveries/{id}"),
    )
}

/// `POST /deliveries/{id}/events`: the next step; back to the page with the problems
/// named and what was typed kept, or 409 when someone stepped it meanwhile.
pub async fn record_step(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = delivery_id(&id)?;
    let Ok(version) = form.text("version").trim().parse::<i64>() else {
        return Err(WebError::bad_request());
    };
    let mut errs = FieldErrors::new();
    let mut lines = Vec::new();
    let mut i = 0;
    while form.get(&format!("lines[{i}].received")).is_some() {
        let mut number = |name: String| match form.text(&name).trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errs.add(name, Problem::invalid("a whole number"));
                    Some(0)
                }
            },
        };
        let received = number(format!("lines[{i}].received"));
        let damaged = number(format!("lines[{i}].damaged"));
        lines.push(CountInput {
            received,
            damaged,
            note: Some(form.text(&format!("lines[{i}].note"))),
        });
        i += 1;
    }
    let input = StepInput {
        kind: form.text("type"),
        lines,
        confirmed_by: Some(form.text("confirmed_by")),
    };
    let result = if errs.is_empty() {
        app::deliveries::record_step(&state, &u.user, id, version, &input, state.now()).await
    } else {
        Err(Error::Validation(errs))
    };
    match result {
        Ok(d) => Ok(see_other(&format!("/deliveries/{}", d.id))),
        Err(Error::Validation(errs)) => {
            let page = detail_page(&state, &u, id, Some(&form), &errs, false).await?;
            render_with(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(Error::Conflict(why)) => {
            tracing::info!(delivery_id = id.0, %why, "step refused");
            let page = detail_page(&state, &u, id, None, &FieldErrors::new(), true).await?;
            render_with(StatusCode::CONFLICT, &page)
        }
        Err(e) => Err(WebError::from(e).back(format!("/deliveries/{}", id.0))),
    }
}
