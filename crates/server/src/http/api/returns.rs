//! Returns (R2.2, R2.5): `POST /api/v1/units/{id}/returns`, `/api/v1/returns`, the
//! service manager's decision and the losses borne.

use super::error::{ApiResult, ErrorBody, request_lang};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser};
use super::units::CoverageOut;
use super::{Page, cursor, ts};
use crate::app::AppState;
use crate::app::{self, clamp_limit};
use crate::i18n::Lang;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sanbao_domain::returns::{LossesInput, ReturnFilter, ReturnInput, ReturnRequest, ReturnStatus};
use sanbao_domain::ticket::ticket_number;
use sanbao_domain::{Error, Problem, ReturnId, TicketId, UnitId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(request_return))
        .routes(routes!(list))
        .routes(routes!(get))
        .routes(routes!(decide))
        .routes(routes!(losses))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnIn {
    /// `quality_problem` (R2.5, must be confirmed) or `not_meeting_requirements` (R2.2).
    pub ground: String,
    /// What is wrong, in the customer's words.
    pub description: String,
    /// For a quality problem: who confirmed it, on what evidence (inspection note, report).
    pub confirmation: Option<String>,
    /// The ticket the request came in on, if any (the unit's customer's).
    pub ticket_id: Option<i64>,
    /// The day the customer asked, `YYYY-MM-DD`; today (Asia/Shanghai) if omitted.
    /// Eligibility is decided from the unit's coverage on this date.
    pub requested_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LossesOut {
    /// In fen (1 yuan = 100 fen).
    pub amount_fen: i64,
    pub note: String,
    /// company, customer
    pub borne_by: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReturnOut {
    pub id: i64,
    pub unit_id: i64,
    pub serial_no: String,
    pub model_code: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub ticket_id: Option<i64>,
    pub ticket_number: Option<String>,
    /// quality_problem, not_meeting_requirements
    pub ground: String,
    pub description: String,
    pub confirmation: Option<String>,
    pub requested_on: String,
    pub requested_by: i64,
    pub requested_by_name: String,
    /// requested, approved, refused, closed
    pub status: String,
    /// Whether the rules allow the return: decided from the coverage on `requested_on`.
    pub eligible: bool,
    /// r2_5_confirmed_quality_problem, r2_2_within_warranty, r2_2_outside_warranty
    pub rule: String,
    /// The rule's decision in a sentence, in the request's language.
    pub rule_text: String,
    /// The unit's coverage on the request date, as recorded then.
    pub coverage: CoverageOut,
    pub decided_by: Option<i64>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<String>,
    pub decision_reason: Option<String>,
    pub losses: Option<LossesOut>,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl ReturnOut {
    pub fn new(r: ReturnRequest, lang: Lang) -> Self {
        ReturnOut {
            id: r.id.0,
            unit_id: r.unit_id.0,
            serial_no: r.serial_no,
            model_code: r.model_code,
            customer_id: r.customer_id.0,
            customer_name: r.customer_name,
            ticket_id: r.ticket_id.map(|t| t.0),
            ticket_number: r.ticket_id.map(ticket_number),
            ground: r.ground.as_str().into(),
            description: r.description,
            confirmation: r.confirmation,
            requested_on: r.requested_on.to_string(),
            requested_by: r.requested_by.0,
            requested_by_name: r.requested_by_name,
            status: r.status.as_str().into(),
            eligible: r.eligibility.eligible,
            rule: r.eligibility.rule.as_str().into(),
            rule_text: lang.return_rule(&r.eligibility),
            coverage: CoverageOut::new(&r.eligibility.coverage, lang),
            decided_by: r.decided_by.map(|u| u.0),
            decided_by_name: r.decided_by_name,
            decided_at: r.decided_at.map(ts),
            decision_reason: r.decision_reason,
            losses: r.losses.map(|l| LossesOut {
                amount_fen: l.amount_fen,
                note: l.note,
                borne_by: l.borne_by.as_str().into(),
            }),
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
            version: r.version,
        }
    }
}

/// Record a customer's request to return a unit; the answer says whether the rules allow
/// it, and which rule decided.
#[utoipa::path(post, path = "/api/v1/units/{id}/returns", params(("id" = i64, Path)), request_body = ReturnIn, tag = "returns", security(("bearer" = [])),
    responses((status = 201, body = ReturnOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_return(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ReturnIn>,
) -> ApiResult<(StatusCode, Json<ReturnOut>)> {
    let input = ReturnInput {
        ground: b.ground,
        description: b.description,
        confirmation: b.confirmation,
        ticket_id: b.ticket_id.map(TicketId),
        requested_on: b.requested_on,
    };
    let r = app::returns::request_return(&state, &actor, UnitId(id), &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(ReturnOut::new(r, request_lang()))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReturnQuery {
    /// requested (those awaiting a decision, oldest first), approved, refused, closed
    pub status: Option<String>,
    pub unit_id: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Return requests: newest first, or oldest first for those awaiting a decision.
#[utoipa::path(get, path = "/api/v1/returns", params(ReturnQuery), tag = "returns", security(("bearer" = [])),
    responses((status = 200, body = Page<ReturnOut>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ReturnQuery>,
) -> ApiResult<Json<Page<ReturnOut>>> {
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(ReturnStatus::parse(s).ok_or_else(|| {
            Error::field(
                "status",
                Problem::invalid("requested, approved, refused or closed"),
            )
        })?),
    };
    let filter = ReturnFilter {
        status,
        unit_id: q.unit_id.map(UnitId),
    };
    let limit = clamp_limit(q.limit);
    let rows = app::returns::returns(
        &state,
        &actor,
        &filter,
        limit + 1,
        cursor(q.cursor.as_deref())?,
    )
    .await?;
    let lang = request_lang();
    let items = rows.into_iter().map(|r| ReturnOut::new(r, lang)).collect();
    Ok(Json(Page::from_rows(items, limit, |r| r.id)))
}

/// One return request.
#[utoipa::path(get, path = "/api/v1/returns/{id}", params(("id" = i64, Path)), tag = "returns", security(("bearer" = [])),
    responses((status = 200, body = ReturnOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<ReturnOut>> {
    let r = app::returns::return_request(&state, &actor, ReturnId(id)).await?;
    Ok(Json(ReturnOut::new(r, request_lang())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionIn {
    /// The version read: a request changed since answers 409.
    pub version: i64,
    /// Approve (only an eligible request) or refuse.
    pub approve: bool,
    pub reason: String,
}

/// The service manager approves or refuses a request, with a reason. Approving one the
/// rules do not allow is a 422 on `approve` whose code names the rule.
#[utoipa::path(post, path = "/api/v1/returns/{id}/decision", params(("id" = i64, Path)), request_body = DecisionIn, tag = "returns", security(("bearer" = [])),
    responses((status = 200, body = ReturnOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<DecisionIn>,
) -> ApiResult<Json<ReturnOut>> {
    let r = app::returns::decide_return(
        &state,
        &actor,
        ReturnId(id),
        b.version,
        b.approve,
        &b.reason,
        state.now(),
    )
    .await?;
    Ok(Json(ReturnOut::new(r, request_lang())))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LossesIn {
    pub version: i64,
    /// Freight, replacement, refund…: the total, in fen.
    pub amount_fen: Option<i64>,
    /// What the amount is made of.
    pub note: String,
    /// `company` (default; always for a confirmed quality problem, R2.5) or `customer`.
    pub borne_by: Option<String>,
}

/// Record the losses an approved return cost and who bears them; the return is closed.
#[utoipa::path(post, path = "/api/v1/returns/{id}/losses", params(("id" = i64, Path)), request_body = LossesIn, tag = "returns", security(("bearer" = [])),
    responses((status = 200, body = ReturnOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn losses(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<LossesIn>,
) -> ApiResult<Json<ReturnOut>> {
    let input = LossesInput {
        amount_fen: b.amount_fen,
        note: b.note,
        borne_by: b.borne_by,
    };
    let r =
        app::returns::record_losses(&state, &actor, ReturnId(id), b.version, &input, state.now())
            .await?;
    Ok(Json(ReturnOut::new(r, request_lang())))
}
