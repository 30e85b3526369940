//! The settlement basis (R1.5): a job's settlement, quotations and the customer's answer,
//! the month's settlement for finance and its warranty cost per product model. Money is
//! integer fen; quantities are in hundredths (`qty_centi`: 2.5 hours = 250).

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser};
use super::ts;
use crate::app;
use crate::app::AppState;
use crate::app::settlement::JobSettlement;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sanbao_domain::settlement::{
    AnswerInput, Line, Quote, QuoteInput, QuotePartInput, WarrantyCost,
};
use sanbao_domain::time::Month;
use sanbao_domain::{Error, JobId, QuoteId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(job_settlement))
        .routes(routes!(create_quote))
        .routes(routes!(accept))
        .routes(routes!(refuse))
        .routes(routes!(month))
        .routes(routes!(warranty_cost))
}

#[derive(Serialize, ToSchema)]
#[schema(as = SettlementLineOut)]
pub struct LineOut {
    /// `part`, `labour`, `travel` or `call_out`.
    pub kind: String,
    pub description: String,
    pub unit: String,
    /// Hundredths: parts ×100, person-hours ×100, km ×100, trips ×100.
    pub qty_centi: i64,
    pub cost_fen: i64,
    pub list_fen: i64,
    pub charged_fen: i64,
    /// Catalogue key of the reason, and its arguments.
    pub reason: String,
    pub reason_args: std::collections::BTreeMap<String, String>,
}

impl From<&Line> for LineOut {
    fn from(l: &Line) -> Self {
        LineOut {
            kind: l.kind.as_str().into(),
            description: l.description.clone(),
            unit: l.unit.clone(),
            qty_centi: l.qty_centi,
            cost_fen: l.cost_fen,
            list_fen: l.list_fen,
            charged_fen: l.charged_fen,
            reason: l.reason_key.into(),
            reason_args: l
                .reason_args
                .iter()
                .map(|(k, v)| ((*k).to_string(), v.clone()))
                .collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct QuoteLineOut {
    pub kind: String,
    pub description: String,
    pub qty_centi: i64,
    pub unit_fen: i64,
    pub amount_fen: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AnswerOut {
    pub accepted: bool,
    /// Who answered for the customer.
    pub by_name: String,
    /// `signature`, `phone` or `written`.
    pub method: String,
    pub note: Option<String>,
    /// Who recorded it.
    pub recorded_by: i64,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct QuoteOut {
    pub id: i64,
    pub job_id: i64,
    /// `given`, `accepted` or `refused`.
    pub status: String,
    pub lines: Vec<QuoteLineOut>,
    pub total_fen: i64,
    pub note: Option<String>,
    pub given_by: i64,
    pub given_at: String,
    pub answer: Option<AnswerOut>,
    pub version: i64,
}

impl From<&Quote> for QuoteOut {
    fn from(q: &Quote) -> Self {
        QuoteOut {
            id: q.id.0,
            job_id: q.job_id.0,
            status: q.status.as_str().into(),
            lines: q
                .lines
                .iter()
                .map(|l| QuoteLineOut {
                    kind: l.kind.as_str().into(),
                    description: l.description.clone(),
                    qty_centi: l.qty_centi,
                    unit_fen: l.unit_fen,
                    amount_fen: l.amount_fen,
                })
                .collect(),
            total_fen: q.total_fen,
            note: q.note.clone(),
            given_by: q.given_by.0,
            given_at: ts(q.given_at),
            answer: q.answer.as_ref().map(|a| AnswerOut {
                accepted: a.accepted,
                by_name: a.by_name.clone(),
                method: a.method.as_str().into(),
                note: a.note.clone(),
                recorded_by: a.recorded_by.0,
                at: ts(a.at),
            }),
            version: q.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct SettlementOut {
    pub job_id: i64,
    pub ticket_number: String,
    pub customer_name: String,
    pub model_code: Option<String>,
    pub serial_no: Option<String>,
    /// The job's date (its first arrival on site), `YYYY-MM-DD`.
    pub on: String,
    /// `warranty`, `free_repair`, `paid`; none when the job names no unit.
    pub coverage: Option<String>,
    /// From the feedback form; none when there is none yet.
    pub responsibility: Option<String>,
    /// The charge rule applied (catalogue key).
    pub rule: String,
    pub lines: Vec<LineOut>,
    pub cost_fen: i64,
    pub list_fen: i64,
    pub charged_fen: i64,
    /// What the company bears: the cost of what is not charged.
    pub borne_fen: i64,
    /// Why the figures may still change (catalogue keys); empty when final.
    pub provisional: Vec<String>,
    /// Newest first.
    pub quotes: Vec<QuoteOut>,
}

impl From<&JobSettlement> for SettlementOut {
    fn from(j: &JobSettlement) -> Self {
        let s = &j.settlement;
        SettlementOut {
            job_id: j.job.id.0,
            ticket_number: j.ticket_number.clone(),
            customer_name: j.customer_name.clone(),
            model_code: j.model_code.clone(),
            serial_no: j.serial_no.clone(),
            on: j.on.to_string(),
            coverage: s.coverage.map(|c| c.as_str().into()),
            responsibility: s.responsibility.map(|r| r.as_str().into()),
            rule: s.rule.reason.into(),
            lines: s.lines.iter().map(LineOut::from).collect(),
            cost_fen: s.cost_fen,
            list_fen: s.list_fen,
            charged_fen: s.charged_fen,
            borne_fen: s.borne_fen,
            provisional: s.provisional.iter().map(|k| (*k).to_string()).collect(),
            quotes: j.quotes.iter().map(QuoteOut::from).collect(),
        }
    }
}

/// A job's settlement basis: each line with its cost, list price, charge and reason.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/settlement", params(("id" = i64, Path)),
    tag = "settlement", security(("bearer" = [])),
    responses((status = 200, body = SettlementOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn job_settlement(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<SettlementOut>> {
    let s = app::settlement::settlement(&state, &actor, JobId(id)).await?;
    Ok(Json(SettlementOut::from(&s)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotePartIn {
    pub description: Option<String>,
    pub quantity: Option<i64>,
    /// List price of one, in fen.
    pub unit_price_fen: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteIn {
    #[serde(default)]
    pub parts: Vec<QuotePartIn>,
    /// Estimated person-hours (at the labour rate).
    pub labour_hours: Option<f64>,
    /// Estimated km (at the travel rate).
    pub travel_km: Option<f64>,
    /// Trips to site (call-out fees, when the price list has one); 1 when not given.
    pub trips: Option<i64>,
    pub note: Option<String>,
}

/// Give the customer a quotation for a job before paid work: parts at list price, labour
/// and travel at the rates in force. Not on a finished job. Audited.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/quotes", params(("id" = i64, Path)),
    request_body = QuoteIn, tag = "settlement", security(("bearer" = [])),
    responses((status = 201, body = QuoteOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_quote(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<QuoteIn>,
) -> ApiResult<(StatusCode, Json<QuoteOut>)> {
    let input = QuoteInput {
        parts: b
            .parts
            .into_iter()
            .map(|p| QuotePartInput {
                description: p.description,
                quantity: p.quantity,
                unit_price_fen: p.unit_price_fen,
            })
            .collect(),
        labour_hours: b.labour_hours,
        travel_km: b.travel_km,
        trips: b.trips,
        note: b.note,
    };
    let q = app::settlement::create_quote(&state, &actor, JobId(id), &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(QuoteOut::from(&q))))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerIn {
    /// Who answered for the customer.
    pub by_name: Option<String>,
    /// `signature`, `phone` or `written`.
    pub method: Option<String>,
    pub note: Option<String>,
}

fn answer_input(b: AnswerIn) -> AnswerInput {
    AnswerInput {
        by_name: b.by_name,
        method: b.method,
        note: b.note,
    }
}

/// Record the customer's acceptance: who, how, and when (now). Once. Audited.
#[utoipa::path(post, path = "/api/v1/quotes/{id}/accept", params(("id" = i64, Path)),
    request_body = AnswerIn, tag = "settlement", security(("bearer" = [])),
    responses((status = 200, body = QuoteOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AnswerIn>,
) -> ApiResult<Json<QuoteOut>> {
    let q = app::settlement::answer_quote(
        &state,
        &actor,
        QuoteId(id),
        true,
        &answer_input(b),
        state.now(),
    )
    .await?;
    Ok(Json(QuoteOut::from(&q)))
}

/// Record the customer's refusal: who, how, and when (now). Once. Audited.
#[utoipa::path(post, path = "/api/v1/quotes/{id}/refuse", params(("id" = i64, Path)),
    request_body = AnswerIn, tag = "settlement", security(("bearer" = [])),
    responses((status = 200, body = QuoteOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn refuse(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AnswerIn>,
) -> ApiResult<Json<QuoteOut>> {
    let q = app::settlement::answer_quote(
        &state,
        &actor,
        QuoteId(id),
        false,
        &answer_input(b),
        state.now(),
    )
    .await?;
    Ok(Json(QuoteOut::from(&q)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    /// `YYYY-MM`, company calendar.
    pub month: Option<String>,
}

fn month_of(q: &MonthQuery) -> Result<Month, Error> {
    Month::parse(q.month.as_deref().unwrap_or("")).map_err(|p| Error::field("month", p))
}

#[derive(Serialize, ToSchema)]
#[schema(as = SettlementMonthOut)]
pub struct MonthOut {
    pub month: String,
    /// Every job whose work began in the month (first arrival on site), oldest first.
    pub jobs: Vec<SettlementOut>,
    pub charged_fen: i64,
    pub borne_fen: i64,
}

/// The month's settlement for finance: every job whose work began in the month.
#[utoipa::path(get, path = "/api/v1/settlements", params(MonthQuery), tag = "settlement",
    security(("bearer" = [])),
    responses((status = 200, body = MonthOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn month(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<Json<MonthOut>> {
    let m = month_of(&q)?;
    let ms = app::settlement::month(&state, &actor, m).await?;
    Ok(Json(MonthOut {
        month: m.to_string(),
        charged_fen: ms.charged_fen(),
        borne_fen: ms.borne_fen(),
        jobs: ms.jobs.iter().map(SettlementOut::from).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct WarrantyCostOut {
    pub model_code: String,
    pub jobs: i64,
    /// Parts not charged, at cost.
    pub parts_fen: i64,
    /// Labour not charged, at the labour rate.
    pub labour_fen: i64,
    /// Travel and call-out fees not charged.
    pub travel_fen: i64,
    pub total_fen: i64,
}

impl From<&WarrantyCost> for WarrantyCostOut {
    fn from(w: &WarrantyCost) -> Self {
        WarrantyCostOut {
            model_code: w.model_code.clone(),
            jobs: w.jobs,
            parts_fen: w.parts_fen,
            labour_fen: w.labour_fen,
            travel_fen: w.travel_fen,
            total_fen: w.total_fen,
        }
    }
}

/// The month's warranty cost per product model: what the company bore on warranty and
/// free-repair jobs (parts at cost, labour and travel not charged).
#[utoipa::path(get, path = "/api/v1/settlements/warranty-cost", params(MonthQuery), tag = "settlement",
    security(("bearer" = [])),
    responses((status = 200, body = Vec<WarrantyCostOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn warranty_cost(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<Json<Vec<WarrantyCostOut>>> {
    let m = month_of(&q)?;
    let ms = app::settlement::month(&state, &actor, m).await?;
    Ok(Json(
        ms.warranty_cost.iter().map(WarrantyCostOut::from).collect(),
    ))
}
