//! The salesperson's monthly follow-ups (R3.1) and the month-end collation:
//! `POST/GET /api/v1/follow-ups`, `GET /api/v1/follow-ups/due?month=`,
//! `POST /api/v1/follow-ups/{id}/ticket`, `GET /api/v1/collations/{month}`,
//! `POST /api/v1/collations/{month}/close`.

use super::error::{ApiResult, ErrorBody, request_lang};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser, IdemKey, replayable};
use super::tickets::IDEMPOTENCY_KEY_DOC;
use super::ts;
use crate::app;
use crate::app::AppState;
use crate::app::followups::{CoverageView, OwedView};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::followup::FollowUpFilter;
use sanbao_domain::followup::{Closing, FollowUpInput, FollowUpView};
use sanbao_domain::ids::FollowUpId;
use sanbao_domain::ticket::ticket_number;
use sanbao_domain::time::Month;
use sanbao_domain::{CustomerId, Error};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(record, list))
        .routes(routes!(due))
        .routes(routes!(to_ticket))
        .routes(routes!(collation))
        .routes(routes!(close))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FollowUpIn {
    /// The customer (a salesperson's own only).
    pub customer_id: Option<i64>,
    /// `YYYY-MM-DD` on the company calendar (+08:00); empty: today.
    pub date: Option<String>,
    /// visit, phone, wechat, meeting
    pub method: Option<String>,
    /// Who was met.
    pub met: Option<String>,
    /// How the products are used and run.
    pub usage: Option<String>,
    /// Quality remarks.
    pub remarks: Option<String>,
    /// quality, delivery, service, commercial, other (required with a remark)
    pub remark_class: Option<String>,
    /// The customer's requests.
    pub requests: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpOut {
    pub id: i64,
    pub customer_id: i64,
    pub customer_name: String,
    pub salesperson_id: i64,
    pub salesperson_name: String,
    pub date: String,
    /// visit, phone, wechat, meeting
    pub method: String,
    pub met: Option<String>,
    pub usage: Option<String>,
    pub remarks: Option<String>,
    /// quality, delivery, service, commercial, other
    pub remark_class: Option<String>,
    pub requests: Option<String>,
    pub ticket_id: Option<i64>,
    pub ticket_number: Option<String>,
    /// Recorded after the month's collation was closed.
    pub late: bool,
    pub created_at: String,
}

impl From<FollowUpView> for FollowUpOut {
    fn from(v: FollowUpView) -> Self {
        let f = v.follow_up;
        FollowUpOut {
            id: f.id.0,
            customer_id: f.customer_id.0,
            customer_name: v.customer_name,
            salesperson_id: f.salesperson_id.0,
            salesperson_name: v.salesperson_name,
            date: f.date.to_string(),
            method: f.method.as_str().into(),
            met: f.met,
            usage: f.usage,
            remarks: f.remarks,
            remark_class: f.remark_class.map(|c| c.as_str().into()),
            requests: f.requests,
            ticket_id: f.ticket_id.map(|t| t.0),
            ticket_number: f.ticket_id.map(ticket_number),
            late: f.late,
            created_at: ts(f.created_at),
        }
    }
}

/// Record a follow-up (R3.1). A salesperson records only for their own customers (403
/// otherwise); every bad field is named (422) and nothing is written. A phone sends an
/// `Idempotency-Key`: sent again, the first follow-up is answered and nothing is recorded
/// twice. Recorded after the month's collation was closed, it is marked `late`.
#[utoipa::path(post, path = "/api/v1/follow-ups", request_body = FollowUpIn, tag = "follow-ups", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY_DOC)),
    responses((status = 201, body = FollowUpOut, headers(("Idempotent-Replay" = String, description = "`true` when this is the answer of an earlier request with the same `Idempotency-Key`"))),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    ApiJson(b): ApiJson<FollowUpIn>,
) -> ApiResult<Response> {
    let once = key.once("POST /api/v1/follow-ups", &b)?;
    let input = FollowUpInput {
        customer_id: b.customer_id.map(CustomerId),
        date: b.date,
        method: b.method,
        met: b.met,
        usage: b.usage,
        remarks: b.remarks,
        remark_class: b.remark_class,
        requests: b.requests,
    };
    let a = app::followups::record(&state, &actor, &input, once.as_ref(), state.now()).await?;
    let v = app::followups::follow_up(&state, &actor, a.value.id).await?;
    Ok(replayable(
        a.replayed,
        (StatusCode::CREATED, Json(FollowUpOut::from(v))),
    ))
}

fn month_of(s: Option<&str>, state: &AppState) -> Result<Month, Error> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Month::of(state.now())),
        Some(s) => Month::parse(s).map_err(|p| Error::field("month", p)),
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `YYYY-MM`; every month when left out.
    pub month: Option<String>,
    pub customer_id: Option<i64>,
    /// At most this many (500).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct FollowUpList {
    pub items: Vec<FollowUpOut>,
}

/// Follow-ups, the latest date first; a salesperson's narrowed to their own customers.
#[utoipa::path(get, path = "/api/v1/follow-ups", params(ListQuery), tag = "follow-ups", security(("bearer" = [])),
    responses((status = 200, body = FollowUpList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<FollowUpList>> {
    let month = match q.month.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(Month::parse(s).map_err(|p| Error::field("month", p))?),
    };
    let filter = FollowUpFilter {
        month,
        salesperson: None,
        customer: q.customer_id.map(CustomerId),
    };
    let rows = app::followups::follow_ups(
        &state,
        &actor,
        &filter,
        q.limit.unwrap_or(app::followups::LIST_MAX),
    )
    .await?;
    Ok(Json(FollowUpList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    /// `YYYY-MM`; this month when left out.
    pub month: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct OwedOut {
    pub customer_id: i64,
    pub customer_name: String,
    /// Who owes it: the salesperson holding the customer at the month's end (or now).
    pub salesperson_id: Option<i64>,
    pub salesperson_name: Option<String>,
    /// done, due, overdue
    pub state: String,
    /// The month's follow-ups of the customer.
    pub follow_ups: usize,
}

impl From<OwedView> for OwedOut {
    fn from(o: OwedView) -> Self {
        OwedOut {
            customer_id: o.owed.customer_id.0,
            customer_name: o.owed.customer_name,
            salesperson_id: o.owed.salesperson_id.map(|u| u.0),
            salesperson_name: o.salesperson_name,
            state: o.owed.state.as_str().into(),
            follow_ups: o.owed.done,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DueList {
    pub month: String,
    pub items: Vec<OwedOut>,
}

/// The month's customers owed a follow-up and where each stands (overdue first); a
/// salesperson's own only. A customer is owed from the month after it was added.
#[utoipa::path(get, path = "/api/v1/follow-ups/due", params(DueQuery), tag = "follow-ups", security(("bearer" = [])),
    responses((status = 200, body = DueList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn due(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> ApiResult<Json<DueList>> {
    let month = month_of(q.month.as_deref(), &state)?;
    let rows = app::followups::due(&state, &actor, month, state.now()).await?;
    Ok(Json(DueList {
        month: month.to_string(),
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct TicketMadeOut {
    pub follow_up: FollowUpOut,
    pub ticket_id: i64,
    pub ticket_number: String,
}

/// Turn the follow-up's remark into a ticket in one step: a complaint (about quality for a
/// quality remark) for the customer, with the remark as its summary, linked to the
/// follow-up. A second time, or a follow-up without a remark, is refused.
#[utoipa::path(post, path = "/api/v1/follow-ups/{id}/ticket", params(("id" = i64, Path)), tag = "follow-ups", security(("bearer" = [])),
    responses((status = 201, body = TicketMadeOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn to_ticket(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<TicketMadeOut>)> {
    let (f, ticket) =
        app::followups::to_ticket(&state, &actor, FollowUpId(id), state.now()).await?;
    let v = app::followups::follow_up(&state, &actor, f.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(TicketMadeOut {
            follow_up: v.into(),
            ticket_id: ticket.0,
            ticket_number: ticket_number(ticket),
        }),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct CoverageOut {
    pub salesperson_id: Option<i64>,
    pub salesperson_name: Option<String>,
    pub owed: usize,
    pub done: usize,
    pub due: usize,
    pub overdue: usize,
    /// Done of owed, in whole percent.
    pub percent: u32,
}

impl From<CoverageView> for CoverageOut {
    fn from(c: CoverageView) -> Self {
        CoverageOut {
            salesperson_id: c.coverage.salesperson_id.map(|u| u.0),
            salesperson_name: c.salesperson_name,
            owed: c.coverage.owed,
            done: c.coverage.done,
            due: c.coverage.due,
            overdue: c.coverage.overdue,
            percent: c.coverage.percent(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct RemarksOut {
    /// quality, delivery, service, commercial, other
    pub class: String,
    pub label: String,
    pub items: Vec<FollowUpOut>,
}

#[derive(Serialize, ToSchema)]
pub struct ClosingOut {
    pub closed_by: i64,
    pub closed_by_name: String,
    pub closed_at: String,
    pub owed: i64,
    pub done: i64,
}

fn closing_out(k: Closing, name: String) -> ClosingOut {
    ClosingOut {
        closed_by: k.closed_by.0,
        closed_by_name: name,
        closed_at: ts(k.closed_at),
        owed: k.owed,
        done: k.done,
    }
}

#[derive(Serialize, ToSchema)]
pub struct CollationOut {
    pub month: String,
    pub coverage: Vec<CoverageOut>,
    /// Customers whose follow-up is overdue (or still due before month end).
    pub missing: Vec<OwedOut>,
    pub remarks: Vec<RemarksOut>,
    /// Follow-ups whose requests are still open (no ticket, or its ticket not done).
    pub open_requests: Vec<FollowUpOut>,
    pub follow_ups: Vec<FollowUpOut>,
    pub closed: Option<ClosingOut>,
}

/// The month's collation (the service department): coverage per salesperson, who is
/// overdue, remarks by class, requests still open, and whether it is closed.
#[utoipa::path(get, path = "/api/v1/collations/{month}", params(("month" = String, Path, description = "YYYY-MM")), tag = "follow-ups", security(("bearer" = [])),
    responses((status = 200, body = CollationOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn collation(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(month): Path<String>,
) -> ApiResult<Json<CollationOut>> {
    let m = sanbao_domain::time::month_field(&month)?;
    let lang = request_lang();
    let c = app::followups::collation(&state, &actor, m, state.now()).await?;
    Ok(Json(CollationOut {
        month: m.to_string(),
        coverage: c.coverage.into_iter().map(Into::into).collect(),
        missing: c.missing.into_iter().map(Into::into).collect(),
        remarks: c
            .remarks
            .into_iter()
            .map(|(k, items)| RemarksOut {
                class: k.as_str().into(),
                label: app::followups::class_label(lang, k),
                items: items.into_iter().map(Into::into).collect(),
            })
            .collect(),
        open_requests: c.open_requests.into_iter().map(Into::into).collect(),
        follow_ups: c.follow_ups.into_iter().map(Into::into).collect(),
        closed: c.closing.map(|(k, n)| closing_out(k, n)),
    }))
}

/// Close the month's collation: a recorded act, once, after the month has ended (409 the
/// second time, 422 before month end). Follow-ups recorded for it afterwards are late.
#[utoipa::path(post, path = "/api/v1/collations/{month}/close", params(("month" = String, Path, description = "YYYY-MM")), tag = "follow-ups", security(("bearer" = [])),
    responses((status = 201, body = ClosingOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(month): Path<String>,
) -> ApiResult<(StatusCode, Json<ClosingOut>)> {
    let m = sanbao_domain::time::month_field(&month)?;
    let k = app::followups::close(&state, &actor, m, state.now()).await?;
    let by = actor.display_name.clone();
    Ok((StatusCode::CREATED, Json(closing_out(k, by))))
}
