//! The settlement pages (R1.5): a job's settlement basis with its quotations
//! (`/field/jobs/{id}/settlement`, printable), the month's settlement for finance with its
//! downloads and warranty cost per model (`/settlements`), and the price list's rates
//! (`/settings/rates`).

use super::export::download_sheet;
use super::view::{ErrorSummary, FormField, Messages, full_time};
use super::{
    Layout, QueryParams, WebError, WebForm, WebResult, WebUser, render, render_with, see_other,
    url_with,
};
use crate::app;
use crate::app::AppState;
use crate::app::export::Format;
use crate::app::settlement::{JobSettlement, kind_label, line_reason, qty};
use crate::i18n::Lang;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::field::JobStatus;
use sanbao_domain::settlement::{
    AnswerInput, AnswerMethod, LineKind, Quote, QuoteInput, QuotePartInput, QuoteStatus, Rates,
    RatesInput, parse_yuan, yuan,
};
use sanbao_domain::time::Month;
use sanbao_domain::{Error, FieldErrors, JobId, Permission, Problem, QuoteId};

pub fn router() -> axum::Router<AppState> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route("/field/jobs/{id}/settlement", get(job_page))
        .route("/field/jobs/{id}/quotes", post(create_quote))
        .route("/field/quotes/{id}/answer", post(answer_quote))
        .route("/settlements", get(month_page))
        .route("/settlements/export", get(month_export))
        .route("/settings/rates", get(rates_page).post(save_rates))
}

fn id_of(s: &str, what: &'static str) -> WebResult<i64> {
    s.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| WebError::not_found(what))
}

fn guard(u: &WebUser, p: Permission) -> WebResult<()> {
    if u.may(p) {
        Ok(())
    } else {
        Err(Error::Forbidden.into())
    }
}

fn unit_of(lang: Lang, kind: LineKind, unit: &str) -> String {
    if unit.is_empty() {
        lang.t(&format!("settlement.unit.{}", kind.as_str()))
            .to_string()
    } else {
        unit.to_string()
    }
}

// ---------------------------------------------------------------------------------------
// A job's settlement
// ---------------------------------------------------------------------------------------

pub struct LineView {
    pub kind: String,
    pub description: String,
    pub qty: String,
    pub cost: String,
    pub list: String,
    pub charged: String,
    pub free: bool,
    pub reason: String,
}

pub struct QuoteLineView {
    pub kind: String,
    pub description: String,
    pub qty: String,
    pub unit_price: String,
    pub amount: String,
}

pub struct QuoteView {
    pub id: i64,
    pub status: &'static str,
    pub status_label: String,
    pub given_at: String,
    pub lines: Vec<QuoteLineView>,
    pub total: String,
    pub note: Option<String>,
    /// "王工 accepted by signature on …".
    pub answer: Option<String>,
    pub answer_note: Option<String>,
    /// The answer form is shown (given, and the reader may record answers).
    pub may_answer: bool,
    /// What was typed into this quotation's answer form, sent back with its problems.
    pub by_name: String,
    pub method: String,
    pub answer_text: String,
    pub errors: Messages,
}

/// The quotation form as typed.
pub struct QuoteTyped {
    /// (description, quantity, unit price in yuan), three rows at least.
    pub parts: Vec<(String, String, String)>,
    pub labour_hours: String,
    pub travel_km: String,
    pub note: String,
}

impl Default for QuoteTyped {
    fn default() -> Self {
        QuoteTyped {
            parts: vec![(String::new(), String::new(), String::new()); 3],
            labour_hours: String::new(),
            travel_km: String::new(),
            note: String::new(),
        }
    }
}

/// One row of the quotation's parts as the form shows it, with its problems.
pub struct PartRow {
    pub i: usize,
    pub n: usize,
    pub description: String,
    pub quantity: String,
    pub price: String,
    pub description_class: &'static str,
    pub quantity_class: &'static str,
    pub price_class: &'static str,
    pub description_error: Option<String>,
    pub quantity_error: Option<String>,
    pub price_error: Option<String>,
}

/// An answer form as typed: (quote, by name, method, note, problems).
type AnswerTyped = (i64, String, String, String, FieldErrors);

#[derive(Template)]
#[template(path = "settlement_job.html")]
struct JobPage {
    l: Layout,
    notice: Option<&'static str>,
    job_id: i64,
    job_href: String,
    ticket_href: String,
    number: String,
    customer: String,
    model: String,
    serial: String,
    on: String,
    coverage: String,
    coverage_reason: String,
    responsibility: String,
    rule: String,
    provisional: Vec<String>,
    lines: Vec<LineView>,
    cost: String,
    list: String,
    charged: String,
    borne: String,
    rates: String,
    quotes: Vec<QuoteView>,
    may_quote: bool,
    typed: QuoteTyped,
    part_rows: Vec<PartRow>,
    errors: Messages,
    form_errors: ErrorSummary,
    methods: Vec<(&'static str, String)>,
}

fn status_label(lang: Lang, s: QuoteStatus) -> String {
    lang.t(&format!("settlement.quote_status.{}", s.as_str()))
        .to_string()
}

fn quote_view(lang: Lang, q: &Quote, may_answer: bool, typed: Option<&AnswerTyped>) -> QuoteView {
    let answer = q.answer.as_ref().map(|a| {
        lang.f(
            if a.accepted {
                "settlement.answer_accepted"
            } else {
                "settlement.answer_refused"
            },
            &[
                ("name", &a.by_name),
                (
                    "method",
                    &lang.t(&format!("settlement.method.{}", a.method.as_str())),
                ),
                ("at", &full_time(a.at)),
            ],
        )
    });
    let mine = typed.filter(|t| t.0 == q.id.0);
    QuoteView {
        id: q.id.0,
        status: q.status.as_str(),
        status_label: status_label(lang, q.status),
        given_at: full_time(q.given_at),
        lines: q
            .lines
            .iter()
            .map(|l| QuoteLineView {
                kind: kind_label(lang, l.kind),
                description: l.description.clone(),
                qty: format!("{} {}", qty(l.qty_centi), unit_of(lang, l.kind, "")),
                unit_price: yuan(l.unit_fen),
                amount: yuan(l.amount_fen),
            })
            .collect(),
        total: yuan(q.total_fen),
        note: q.note.clone(),
        answer,
        answer_note: q.answer.as_ref().and_then(|a| a.note.clone()),
        may_answer: may_answer && q.status == QuoteStatus::Given,
        by_name: mine.map(|t| t.1.clone()).unwrap_or_default(),
        method: mine.map(|t| t.2.clone()).unwrap_or_default(),
        answer_text: mine.map(|t| t.3.clone()).unwrap_or_default(),
        errors: mine.map_or_else(Messages::default, |t| Messages::new(lang, &t.4)),
    }
}

fn job_view(
    u: &WebUser,
    js: &JobSettlement,
    typed: QuoteTyped,
    quote_errors: &FieldErrors,
    answer: Option<&AnswerTyped>,
    notice: Option<&'static str>,
) -> JobPage {
    let lang = u.lang;
    let s = &js.settlement;
    let may_quote = u.may(Permission::QuoteCharges);
    let errors = Messages::new(lang, quote_errors);
    let fields = [
        FormField::new("job", "", lang.t("settlement.job")),
        FormField::new("parts", "part-0-description", lang.t("settlement.parts")),
        FormField::new(
            "labour_hours",
            "labour_hours",
            lang.t("settlement.labour_hours"),
        ),
        FormField::new("travel_km", "travel_km", lang.t("settlement.travel_km")),
        FormField::new("note", "note", lang.t("settlement.note")),
    ];
    let mut fields = fields.into_iter().collect::<Vec<_>>();
    for i in 0..typed.parts.len() {
        for (n, key) in [
            ("description", "settlement.part_description"),
            ("quantity", "settlement.part_quantity"),
            ("unit_price_fen", "settlement.part_price"),
        ] {
            fields.push(FormField::new(
                format!("parts[{i}].{n}"),
                format!("part-{i}-{n}"),
                lang.f(
                    "settlement.part_field",
                    &[("n", &(i + 1)), ("field", &lang.t(key))],
                ),
            ));
        }
    }
    let form_errors = ErrorSummary::new(lang, &errors, &fields, Some("#quote-form"));
    let rates = &js.rates;
    let part_rows = typed
        .parts
        .iter()
        .enumerate()
        .map(|(i, (d, q, p))| {
            let f = |n: &str| format!("parts[{i}].{n}");
            PartRow {
                i,
                n: i + 1,
                description: d.clone(),
                quantity: q.clone(),
                price: p.clone(),
                description_class: errors.class(&f("description")),
                quantity_class: errors.class(&f("quantity")),
                price_class: errors.class(&f("unit_price_fen")),
                description_error: errors.get(&f("description")).map(str::to_string),
                quantity_error: errors.get(&f("quantity")).map(str::to_string),
                price_error: errors.get(&f("unit_price_fen")).map(str::to_string),
            }
        })
        .collect();
    JobPage {
        l: u.layout("settlements", lang.t("settlement.job_title")),
        notice,
        job_id: js.job.id.0,
        job_href: format!("/field/jobs/{}", js.job.id.0),
        ticket_href: format!("/tickets/{}", js.job.ticket_id.0),
        number: js.ticket_number.clone(),
        customer: js.customer_name.clone(),
        model: js.model_code.clone().unwrap_or_default(),
        serial: js.serial_no.clone().unwrap_or_default(),
        on: js.on.to_string(),
        coverage: s.coverage.map_or_else(
            || lang.t("settlement.no_coverage").to_string(),
            |c| {
                lang.t(&format!("settlement.coverage.{}", c.as_str()))
                    .to_string()
            },
        ),
        coverage_reason: js
            .coverage
            .as_ref()
            .map(|c| lang.coverage_reason(c))
            .unwrap_or_default(),
        responsibility: s.responsibility.map_or_else(
            || lang.t("settlement.no_responsibility").to_string(),
            |r| {
                lang.t(&format!("form.responsibility.{}", r.as_str()))
                    .to_string()
            },
        ),
        rule: lang.t(s.rule.reason).to_string(),
        provisional: s
            .provisional
            .iter()
            .map(|k| lang.t(k).to_string())
            .collect(),
        lines: s
            .lines
            .iter()
            .map(|l| LineView {
                kind: kind_label(lang, l.kind),
                description: l.description.clone(),
                qty: format!("{} {}", qty(l.qty_centi), unit_of(lang, l.kind, &l.unit)),
                cost: yuan(l.cost_fen),
                list: yuan(l.list_fen),
                charged: yuan(l.charged_fen),
                free: l.charged_fen == 0,
                reason: line_reason(lang, l.reason_key, &l.reason_args),
            })
            .collect(),
        cost: yuan(s.cost_fen),
        list: yuan(s.list_fen),
        charged: yuan(s.charged_fen),
        borne: yuan(s.borne_fen),
        rates: lang.f(
            "settlement.rates_line",
            &[
                ("labour", &yuan(rates.labour_fen_per_hour)),
                ("travel", &yuan(rates.travel_fen_per_km)),
                ("call_out", &yuan(rates.call_out_fen)),
            ],
        ),
        quotes: js
            .quotes
            .iter()
            .map(|q| quote_view(lang, q, may_quote, answer))
            .collect(),
        may_quote: may_quote && !matches!(js.job.status, JobStatus::Done | JobStatus::Cancelled),
        typed,
        part_rows,
        errors,
        form_errors,
        methods: AnswerMethod::ALL
            .iter()
            .map(|m| {
                (
                    m.as_str(),
                    lang.t(&format!("settlement.method.{}", m.as_str()))
                        .to_string(),
                )
            })
            .collect(),
    }
}

/// `GET /field/jobs/{id}/settlement`
pub async fn job_page(
    State(state): State<AppState>,
    u: WebUser,
    Path(id): Path<String>,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let id = id_of(&id, "job")?;
    let js = app::settlement::settlement(&state, &u.user, JobId(id)).await?;
    let notice = match p.filled("done") {
        Some("quote") => Some("settlement.done.quote"),
        Some("answer") => Some("settlement.done.answer"),
        _ => None,
    };
    render(&job_view(
        &u,
        &js,
        QuoteTyped::default(),
        &FieldErrors::new(),
        None,
        notice,
    ))
}

/// The quotation form read: text as typed, and the input the domain checks; what cannot
/// even be read as a number is named here.
fn read_quote(form: &super::extract::Pairs) -> (QuoteTyped, QuoteInput, FieldErrors) {
    let mut errs = FieldErrors::new();
    let mut typed = QuoteTyped {
        parts: Vec::new(),
        labour_hours: form.text("labour_hours"),
        travel_km: form.text("travel_km"),
        note: form.text("note"),
    };
    let mut parts = Vec::new();
    let mut i = 0;
    while let Some(d) = form.get(&format!("parts[{i}].description")) {
        let q = form.text(&format!("parts[{i}].quantity"));
        let pr = form.text(&format!("parts[{i}].unit_price"));
        let d = d.to_string();
        if !(d.trim().is_empty() && q.trim().is_empty() && pr.trim().is_empty()) {
            let n = parts.len();
            let quantity = match q.trim().parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) if q.trim().is_empty() => None,
                Err(_) => {
                    errs.add(
                        format!("parts[{n}].quantity"),
                        Problem::invalid("a whole number"),
                    );
                    None
                }
            };
            let unit_price_fen = match parse_yuan(&pr) {
                Ok(v) => v,
                Err(p) => {
                    errs.add(format!("parts[{n}].unit_price_fen"), p);
                    None
                }
            };
            parts.push(QuotePartInput {
                description: Some(d.clone()),
                quantity,
                unit_price_fen,
            });
            typed.parts.push((d, q, pr));
        }
        i += 1;
        if i > 50 {
            break;
        }
    }
    while typed.parts.len() < 3 {
        typed
            .parts
            .push((String::new(), String::new(), String::new()));
    }
    let mut number = |field: &str, s: &str| -> Option<f64> {
        let t = s.trim();
        if t.is_empty() {
            return None;
        }
        match t.parse::<f64>() {
            Ok(v) => Some(v),
            Err(_) => {
                errs.add(field, Problem::invalid("a number"));
                None
            }
        }
    };
    let labour_hours = number("labour_hours", &typed.labour_hours);
    let travel_km = number("travel_km", &typed.travel_km);
    let input = QuoteInput {
        parts,
        labour_hours,
        travel_km,
        trips: None,
        note: Some(typed.note.clone()),
    };
    (typed, input, errs)
}

/// `POST /field/jobs/{id}/quotes`: `parts[i].description|quantity|unit_price` (yuan),
/// `labour_hours`, `travel_km`, `note`.
pub async fn create_quote(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id, "job")?;
    guard(&u, Permission::QuoteCharges)?;
    let back = format!("/field/jobs/{id}/settlement");
    let (typed, input, read_errs) = read_quote(&form);
    let result = if read_errs.is_empty() {
        app::settlement::create_quote(&state, &u.user, JobId(id), &input, state.now())
            .await
            .map(|_| ())
    } else {
        Err(Error::Validation(read_errs))
    };
    match result {
        Ok(()) => Ok(see_other(&format!("{back}?done=quote#quotes"))),
        Err(Error::Validation(errs)) => {
            let mut u = u;
            u.unread = app::inbox::unread(&state, u.user.id).await?;
            let js = app::settlement::settlement(&state, &u.user, JobId(id)).await?;
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &job_view(&u, &js, typed, &errs, None, None),
            )
        }
        Err(e) => Err(WebError::from(e).back(back)),
    }
}

/// `POST /field/quotes/{id}/answer`: `decision` (`accept` or `refuse`), `by_name`,
/// `method`, `note`.
pub async fn answer_quote(
    State(state): State<AppState>,
    Path(id): Path<String>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    let id = id_of(&id, "quote")?;
    guard(&u, Permission::QuoteCharges)?;
    let q = app::settlement::quote(&state, &u.user, QuoteId(id)).await?;
    let back = format!("/field/jobs/{}/settlement", q.job_id.0);
    let accepted = match form.filled("decision") {
        Some("accept") => true,
        Some("refuse") => false,
        _ => {
            return Err(WebError::from(Error::field(
                "decision",
                Problem::invalid("accept or refuse"),
            ))
            .back(back));
        }
    };
    let input = AnswerInput {
        by_name: Some(form.text("by_name")),
        method: Some(form.text("method")),
        note: Some(form.text("note")),
    };
    match app::settlement::answer_quote(&state, &u.user, QuoteId(id), accepted, &input, state.now())
        .await
    {
        Ok(_) => Ok(see_other(&format!("{back}?done=answer#quote-{id}"))),
        Err(Error::Validation(errs)) => {
            let mut u = u;
            u.unread = app::inbox::unread(&state, u.user.id).await?;
            let js = app::settlement::settlement(&state, &u.user, q.job_id).await?;
            let typed: AnswerTyped = (
                id,
                form.text("by_name"),
                form.text("method"),
                form.text("note"),
                errs,
            );
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &job_view(
                    &u,
                    &js,
                    QuoteTyped::default(),
                    &FieldErrors::new(),
                    Some(&typed),
                    None,
                ),
            )
        }
        Err(e) => Err(WebError::from(e).back(back)),
    }
}

// ---------------------------------------------------------------------------------------
// The month
// ---------------------------------------------------------------------------------------

pub struct MonthRow {
    pub href: String,
    pub number: String,
    pub on: String,
    pub customer: String,
    pub model: String,
    pub coverage: String,
    pub responsibility: String,
    pub cost: String,
    pub list: String,
    pub charged: String,
    pub borne: String,
    pub provisional: bool,
}

pub struct CostRow {
    pub model: String,
    pub jobs: i64,
    pub parts: String,
    pub labour: String,
    pub travel: String,
    pub total: String,
}

#[derive(Template)]
#[template(path = "settlement_month.html")]
struct MonthPage {
    l: Layout,
    month: String,
    previous_href: String,
    next_href: String,
    csv_href: String,
    xlsx_href: String,
    rows: Vec<MonthRow>,
    costs: Vec<CostRow>,
    charged: String,
    borne: String,
    cost_total: String,
    may_edit_rates: bool,
}

fn month_param(state: &AppState, p: &super::extract::Pairs) -> WebResult<Month> {
    match p.filled("month") {
        None => Ok(Month::of(state.now())),
        Some(s) => Ok(Month::parse(s).map_err(|e| Error::field("month", e))?),
    }
}

/// `GET /settlements?month=YYYY-MM`
pub async fn month_page(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let m = month_param(&state, &p)?;
    let ms = app::settlement::month(&state, &u.user, m).await?;
    let lang = u.lang;
    let ml = m.to_string();
    let rows = ms
        .jobs
        .iter()
        .map(|j| {
            let s = &j.settlement;
            MonthRow {
                href: format!("/field/jobs/{}/settlement", j.job.id.0),
                number: j.ticket_number.clone(),
                on: j.on.to_string(),
                customer: j.customer_name.clone(),
                model: j.model_code.clone().unwrap_or_default(),
                coverage: s
                    .coverage
                    .map(|c| {
                        lang.t(&format!("settlement.coverage.{}", c.as_str()))
                            .to_string()
                    })
                    .unwrap_or_else(|| lang.t("settlement.no_coverage").to_string()),
                responsibility: s
                    .responsibility
                    .map(|r| {
                        lang.t(&format!("form.responsibility.{}", r.as_str()))
                            .to_string()
                    })
                    .unwrap_or_else(|| lang.t("settlement.no_responsibility").to_string()),
                cost: yuan(s.cost_fen),
                list: yuan(s.list_fen),
                charged: yuan(s.charged_fen),
                borne: yuan(s.borne_fen),
                provisional: s.is_provisional(),
            }
        })
        .collect();
    let costs: Vec<CostRow> = ms
        .warranty_cost
        .iter()
        .map(|w| CostRow {
            model: if w.model_code.is_empty() {
                lang.t("settlement.no_model").to_string()
            } else {
                w.model_code.clone()
            },
            jobs: w.jobs,
            parts: yuan(w.parts_fen),
            labour: yuan(w.labour_fen),
            travel: yuan(w.travel_fen),
            total: yuan(w.total_fen),
        })
        .collect();
    let page = MonthPage {
        l: u.layout(
            "settlements",
            lang.f("settlement.month_title", &[("month", &ml)]),
        ),
        previous_href: url_with("/settlements", &[("month", &m.previous().to_string())]),
        next_href: url_with("/settlements", &[("month", &m.next().to_string())]),
        csv_href: url_with("/settlements/export", &[("month", &ml), ("format", "csv")]),
        xlsx_href: url_with("/settlements/export", &[("month", &ml), ("format", "xlsx")]),
        rows,
        cost_total: yuan(ms.warranty_cost.iter().map(|w| w.total_fen).sum()),
        costs,
        charged: yuan(ms.charged_fen()),
        borne: yuan(ms.borne_fen()),
        may_edit_rates: u.may(Permission::ManageProducts),
        month: ml,
    };
    render(&page)
}

/// `GET /settlements/export?month=YYYY-MM&format=csv|xlsx`: one row per job and line.
pub async fn month_export(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    let format = Format::parse(p.get("format"))?;
    let m = month_param(&state, &p)?;
    let sheet = app::settlement::month_sheet(&state, &u.user, m).await?;
    download_sheet(&state, &u, sheet, format).await
}

// ---------------------------------------------------------------------------------------
// The rates
// ---------------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "settlement_rates.html")]
struct RatesPage {
    l: Layout,
    done: bool,
    version: i64,
    labour: String,
    travel: String,
    call_out: String,
    defaults: String,
    errors: Messages,
    form_errors: ErrorSummary,
}

fn rates_view(
    u: &WebUser,
    typed: (String, String, String),
    version: i64,
    errs: &FieldErrors,
    done: bool,
) -> RatesPage {
    let lang = u.lang;
    let errors = Messages::new(lang, errs);
    let fields = [
        FormField::new(
            "labour_per_hour",
            "labour_per_hour",
            lang.t("settlement.labour_rate"),
        ),
        FormField::new(
            "travel_per_km",
            "travel_per_km",
            lang.t("settlement.travel_rate"),
        ),
        FormField::new("call_out", "call_out", lang.t("settlement.call_out_fee")),
    ];
    let d = Rates::default();
    RatesPage {
        l: u.layout("settlements", lang.t("settlement.rates_title")),
        done,
        version,
        labour: typed.0,
        travel: typed.1,
        call_out: typed.2,
        defaults: lang.f(
            "settlement.rates_defaults",
            &[
                ("labour", &yuan(d.labour_fen_per_hour)),
                ("travel", &yuan(d.travel_fen_per_km)),
                ("call_out", &yuan(d.call_out_fen)),
            ],
        ),
        form_errors: ErrorSummary::new(lang, &errors, &fields, None),
        errors,
    }
}

/// `GET /settings/rates`
pub async fn rates_page(
    State(state): State<AppState>,
    u: WebUser,
    QueryParams(p): QueryParams,
) -> WebResult<Response> {
    guard(&u, Permission::ManageProducts)?;
    let (r, version) = app::settlement::rates(&state, &u.user).await?;
    let typed = (
        yuan(r.labour_fen_per_hour),
        yuan(r.travel_fen_per_km),
        yuan(r.call_out_fen),
    );
    render(&rates_view(
        &u,
        typed,
        version,
        &FieldErrors::new(),
        p.filled("done").is_some(),
    ))
}

/// `POST /settings/rates`: `labour_per_hour`, `travel_per_km`, `call_out` (yuan), `version`.
pub async fn save_rates(
    State(state): State<AppState>,
    WebForm { user: u, form }: WebForm,
) -> WebResult<Response> {
    guard(&u, Permission::ManageProducts)?;
    let typed = (
        form.text("labour_per_hour"),
        form.text("travel_per_km"),
        form.text("call_out"),
    );
    let version = form.filled("version").and_then(|v| v.parse::<i64>().ok());
    let input = RatesInput {
        labour_per_hour: Some(typed.0.clone()),
        travel_per_km: Some(typed.1.clone()),
        call_out: Some(typed.2.clone()),
    };
    match app::settlement::save_rates(&state, &u.user, version, &input, state.now()).await {
        Ok(_) => Ok(see_other("/settings/rates?done=1")),
        Err(Error::Validation(errs)) => {
            let mut u = u;
            u.unread = app::inbox::unread(&state, u.user.id).await?;
            render_with(
                StatusCode::UNPROCESSABLE_ENTITY,
                &rates_view(&u, typed, version.unwrap_or(0), &errs, false),
            )
        }
        Err(e) => Err(WebError::from(e).back("/settings/rates")),
    }
}
