//! Service requests (R4.1–R4.3): `POST /api/v1/service-requests` files one with its ticket;
//! the department sends someone (`…/{id}/job`) or answers remotely (`…/{id}/remote-answer`).

use super::error::{ApiResult, ErrorBody, request_lang};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser, IdemKey, replayable};
use super::field::JobOut;
use super::tickets::IDEMPOTENCY_KEY_DOC;
use super::ts;
use crate::app;
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::request::{RequestFilter, RequestInput, RequestStatus, RequestView};
use sanbao_domain::ticket::ticket_number;
use sanbao_domain::{CustomerId, Error, Problem, RequestId, SiteId, UnitId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(file, list))
        .routes(routes!(get))
        .routes(routes!(send_on_site))
        .routes(routes!(remote_answer))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RequestIn {
    /// The customer (a salesperson's own only).
    pub customer_id: Option<i64>,
    /// The site where the work is (the customer's); the unit's site when a unit is named.
    pub site_id: Option<i64>,
    /// The unit (the customer's); or `model_code` when the serial is not known.
    pub unit_id: Option<i64>,
    pub model_code: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    /// emergency, repair, installation, technical_guidance, training
    pub kind: Option<String>,
    pub problem: String,
}

#[derive(Serialize, ToSchema)]
pub struct RemoteAnswerOut {
    /// phone, document, video, email, wechat
    pub method: String,
    pub answer: String,
    pub by: i64,
    pub by_name: Option<String>,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct RequestOut {
    pub id: i64,
    pub ticket_id: i64,
    pub ticket_number: String,
    /// open, in_progress, dispatched, on_site, waiting, resolved, closed, cancelled
    pub ticket_status: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub site_id: Option<i64>,
    pub site_address: Option<String>,
    pub unit_id: Option<i64>,
    pub unit_serial: Option<String>,
    pub model_code: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    /// emergency, repair, installation, technical_guidance, training
    pub kind: String,
    pub problem: String,
    /// new, on_site, answered_remotely, withdrawn
    pub status: String,
    pub job_id: Option<i64>,
    /// The job's status once someone is sent.
    pub job_status: Option<String>,
    pub remote: Option<RemoteAnswerOut>,
    pub created_by: i64,
    pub created_by_name: String,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

impl From<RequestView> for RequestOut {
    fn from(v: RequestView) -> Self {
        let r = v.request;
        RequestOut {
            id: r.id.0,
            ticket_id: r.ticket_id.0,
            ticket_number: ticket_number(r.ticket_id),
            ticket_status: v.ticket_status.as_str().into(),
            customer_id: r.customer_id.0,
            customer_name: v.customer_name,
            site_id: r.site_id.map(|s| s.0),
            site_address: v.site_address,
            unit_id: r.unit_id.map(|u| u.0),
            unit_serial: v.unit_serial,
            model_code: r.model_code,
            contact_name: r.contact_name,
            contact_phone: r.contact_phone,
            kind: r.kind.as_str().into(),
            problem: r.problem,
            status: r.status.as_str().into(),
            job_id: r.job_id.map(|j| j.0),
            job_status: v.job_status.map(|s| s.as_str().into()),
            remote: r.remote.map(|a| RemoteAnswerOut {
                method: a.method.as_str().into(),
                answer: a.answer,
                by: a.by.0,
                by_name: v.remote_by_name,
                at: ts(a.at),
            }),
            created_by: r.created_by.0,
            created_by_name: v.created_by_name,
            created_at: ts(r.created_at),
            updated_at: ts(r.updated_at),
            version: r.version,
        }
    }
}

/// File a service request (R4.2): its ticket is opened with it (channel `salesperson`,
/// deadlines from now). A salesperson files only for their own customers (403 otherwise);
/// every bad field is named (422) and nothing is written. A phone sends an
/// `Idempotency-Key`: sent again, the first request is answered and nothing is filed twice.
#[utoipa::path(post, path = "/api/v1/service-requests", request_body = RequestIn, tag = "service-requests", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY_DOC)),
    responses((status = 201, body = RequestOut, headers(("Idempotent-Replay" = String, description = "`true` when this is the answer of an earlier request with the same `Idempotency-Key`"))),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    ApiJson(b): ApiJson<RequestIn>,
) -> ApiResult<Response> {
    let once = key.once("POST /api/v1/service-requests", &b)?;
    let input = RequestInput {
        customer_id: b.customer_id.map(CustomerId),
        site_id: b.site_id.map(SiteId),
        unit_id: b.unit_id.map(UnitId),
        model_code: b.model_code,
        contact_name: b.contact_name,
        contact_phone: b.contact_phone,
        kind: b.kind,
        problem: b.problem,
    };
    let a = app::requests::file_request(&state, &actor, &input, once.as_ref(), state.now()).await?;
    let v = app::requests::request(&state, &actor, a.value.id).await?;
    Ok(replayable(
        a.replayed,
        (StatusCode::CREATED, Json(RequestOut::from(v))),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestQuery {
    /// new, on_site, answered_remotely, withdrawn
    pub status: Option<String>,
    /// At most this many (200).
    pub limit: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RequestList {
    pub items: Vec<RequestOut>,
}

/// Service requests, the new ones first; a salesperson's narrowed to their own customers.
#[utoipa::path(get, path = "/api/v1/service-requests", params(RequestQuery), tag = "service-requests", security(("bearer" = [])),
    responses((status = 200, body = RequestList), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<RequestQuery>,
) -> ApiResult<Json<RequestList>> {
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(RequestStatus::parse(s).ok_or_else(|| {
            Error::field(
                "status",
                Problem::invalid("new, on_site, answered_remotely or withdrawn"),
            )
        })?),
    };
    let filter = RequestFilter {
        status,
        salesperson: None,
    };
    let rows = app::requests::requests(
        &state,
        &actor,
        &filter,
        q.limit.unwrap_or(app::requests::LIST_MAX),
    )
    .await?;
    Ok(Json(RequestList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

/// One service request (404 when it is another salesperson's customer's).
#[utoipa::path(get, path = "/api/v1/service-requests/{id}", params(("id" = i64, Path)), tag = "service-requests", security(("bearer" = [])),
    responses((status = 200, body = RequestOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<RequestOut>> {
    let v = app::requests::request(&state, &actor, RequestId(id)).await?;
    Ok(Json(v.into()))
}

#[derive(Serialize, ToSchema)]
pub struct SentOut {
    pub request: RequestOut,
    /// The ticket's on-site job, with the request's contact, phone, problem and model:
    /// dispatch it next.
    pub job: JobOut,
}

/// Send someone (R4.3): the ticket's on-site job is opened from the request.
#[utoipa::path(post, path = "/api/v1/service-requests/{id}/job", params(("id" = i64, Path)), tag = "service-requests", security(("bearer" = [])),
    responses((status = 201, body = SentOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn send_on_site(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<SentOut>)> {
    let (r, job) = app::requests::send_on_site(&state, &actor, RequestId(id), state.now()).await?;
    let v = app::requests::request(&state, &actor, r.id).await?;
    Ok((
        StatusCode::CREATED,
        Json(SentOut {
            request: v.into(),
            job: job.into(),
        }),
    ))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RemoteAnswerIn {
    /// phone, document, video, email, wechat
    pub method: Option<String>,
    /// What the customer was told.
    pub answer: String,
}

#[derive(Serialize, ToSchema)]
pub struct AnsweredOut {
    pub request: RequestOut,
    /// The ticket was resolved with the answer; otherwise it stays open.
    pub ticket_resolved: bool,
    /// open, in_progress, … as the ticket stands now.
    pub ticket_status: String,
    /// The deadlines the ticket still has to meet (an emergency's `arrival`).
    pub unmet_deadlines: Vec<String>,
}

/// Answered remotely (R4.1): recorded on the request and on the ticket's timeline; the
/// ticket is resolved with the answer where its workflow allows.
#[utoipa::path(post, path = "/api/v1/service-requests/{id}/remote-answer", params(("id" = i64, Path)), request_body = RemoteAnswerIn, tag = "service-requests", security(("bearer" = [])),
    responses((status = 200, body = AnsweredOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn remote_answer(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<RemoteAnswerIn>,
) -> ApiResult<Json<AnsweredOut>> {
    let out = app::requests::answer_remotely(
        &state,
        &actor,
        RequestId(id),
        b.method.as_deref(),
        &b.answer,
        request_lang(),
        state.now(),
    )
    .await?;
    let v = app::requests::request(&state, &actor, out.request.id).await?;
    Ok(Json(AnsweredOut {
        request: v.into(),
        ticket_resolved: out.resolved,
        ticket_status: out.ticket.status.as_str().into(),
        unmet_deadlines: out
            .ticket
            .deadlines
            .iter()
            .filter(|d| d.met_at.is_none())
            .map(|d| d.kind.as_str().to_string())
            .collect(),
    }))
}
