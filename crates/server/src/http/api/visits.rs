//! `/api/v1/visits`: the register of visitors and customer trainees (R3.6).

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser};
use super::{Page, cursor, ts};
use crate::app::AppState;
use crate::app::{self, clamp_limit};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, FixedOffset, Utc};
use sanbao_domain::replies::Month;
use sanbao_domain::visit::{QuestionAnswer, Visit, VisitFilter, VisitInput};
use sanbao_domain::{CustomerId, Error, UserId, VisitId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QaIn {
    pub question: String,
    pub answer: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitIn {
    /// The visitors' names.
    pub visitors: String,
    /// Where they came from, when not (only) a customer in the archive.
    pub organisation: Option<String>,
    pub customer_id: Option<i64>,
    #[schema(value_type = String, example = "2026-11-27T09:30:00+08:00")]
    pub arrived_at: Option<DateTime<FixedOffset>>,
    #[schema(value_type = Option<String>)]
    pub left_at: Option<DateTime<FixedOffset>>,
    /// The senior engineer who received them.
    pub host_id: Option<i64>,
    /// visit, training
    pub purpose: Option<String>,
    /// The questions asked and the answers given, in order.
    #[serde(default)]
    pub qas: Vec<QaIn>,
}

#[derive(Serialize, ToSchema)]
pub struct VisitOut {
    pub id: i64,
    pub visitors: String,
    pub organisation: Option<String>,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub arrived_at: String,
    pub left_at: Option<String>,
    pub host_id: i64,
    pub host_name: String,
    /// visit, training
    pub purpose: String,
    /// In a list: empty (see `questions`); on one visit: every question and answer.
    pub qas: Vec<QaIn>,
    pub questions: i64,
    pub created_by: i64,
    pub created_at: String,
    pub version: i64,
}

impl From<Visit> for VisitOut {
    fn from(v: Visit) -> Self {
        VisitOut {
            id: v.id.0,
            visitors: v.visitors,
            organisation: v.organisation,
            customer_id: v.customer_id.map(|c| c.0),
            customer_name: v.customer_name,
            arrived_at: ts(v.arrived_at),
            left_at: v.left_at.map(ts),
            host_id: v.host_id.0,
            host_name: v.host_name,
            purpose: v.purpose.as_str().into(),
            qas: v
                .qas
                .into_iter()
                .map(|q| QaIn {
                    question: q.question,
                    answer: q.answer,
                })
                .collect(),
            questions: v.questions,
            created_by: v.created_by.0,
            created_at: ts(v.created_at),
            version: v.version,
        }
    }
}

/// Register a visit or a customer training, with its questions and answers. Audited.
#[utoipa::path(post, path = "/api/v1/visits", request_body = VisitIn, tag = "visits", security(("bearer" = [])),
    responses((status = 201, body = VisitOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<VisitIn>,
) -> ApiResult<(StatusCode, Json<VisitOut>)> {
    let input = VisitInput {
        visitors: b.visitors,
        organisation: b.organisation,
        customer_id: b.customer_id.map(CustomerId),
        arrived_at: b.arrived_at.map(|a| a.with_timezone(&Utc)),
        left_at: b.left_at.map(|a| a.with_timezone(&Utc)),
        host_id: b.host_id.map(UserId),
        purpose: b.purpose,
        qas: b
            .qas
            .into_iter()
            .map(|q| QuestionAnswer {
                question: q.question,
                answer: q.answer,
            })
            .collect(),
    };
    let v = app::visits::record(&state, &actor, &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(v.into())))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VisitQuery {
    /// `YYYY-MM`: visits that arrived in this month (company time).
    pub month: Option<String>,
    /// Visits this senior engineer received.
    pub host_id: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Visits, newest arrival first.
#[utoipa::path(get, path = "/api/v1/visits", params(VisitQuery), tag = "visits", security(("bearer" = [])),
    responses((status = 200, body = Page<VisitOut>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<VisitQuery>,
) -> ApiResult<Json<Page<VisitOut>>> {
    let month = match q.month.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(m) => Some(Month::parse(m).map_err(|p| Error::field("month", p))?),
    };
    let filter = VisitFilter {
        month,
        host_id: q.host_id.map(UserId),
    };
    let limit = clamp_limit(q.limit);
    let rows = app::visits::visits(
        &state,
        &actor,
        &filter,
        limit + 1,
        cursor(q.cursor.as_deref())?,
    )
    .await?;
    let items = rows.into_iter().map(VisitOut::from).collect();
    Ok(Json(Page::from_rows(items, limit, |v| v.id)))
}

/// One visit with its questions and answers.
#[utoipa::path(get, path = "/api/v1/visits/{id}", params(("id" = i64, Path)), tag = "visits", security(("bearer" = [])),
    responses((status = 200, body = VisitOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<VisitOut>> {
    Ok(Json(
        app::visits::visit(&state, &actor, VisitId(id))
            .await?
            .into(),
    ))
}
