//! `/api/v1/jobs/{id}/survey` and `/api/v1/surveys`: the customer's satisfaction survey of
//! a job (R5.3) — answered on the technician's phone or through a link handed out by the
//! crew or the department — and the month's results.

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser, IdemKey, replayable};
use super::tickets::IDEMPOTENCY_KEY_DOC;
use super::ts;
use crate::app;
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use sanbao_domain::field::survey::{Survey, SurveyInput};
use sanbao_domain::time::Month;
use sanbao_domain::{Error, JobId};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get, answer))
        .routes(routes!(issue_link))
        .routes(routes!(month))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SurveyIn {
    /// A score from 1 to 5 for each question: on_time, attitude, competence, solved,
    /// overall.
    pub scores: BTreeMap<String, i64>,
    /// At most 1000 characters.
    pub comment: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SurveyOut {
    pub job_id: i64,
    /// The job's page.
    pub job_href: String,
    pub answered: bool,
    /// Question → score, once answered.
    pub scores: BTreeMap<String, u8>,
    pub comment: Option<String>,
    pub answered_at: Option<String>,
    /// phone, link
    pub answered_via: Option<String>,
    /// Until when the last link handed out works.
    pub link_expires_at: Option<String>,
    pub link_used_at: Option<String>,
    pub version: i64,
}

impl From<Survey> for SurveyOut {
    fn from(s: Survey) -> Self {
        SurveyOut {
            job_id: s.job_id.0,
            job_href: format!("/field/jobs/{}", s.job_id.0),
            answered: s.is_answered(),
            scores: s
                .answers
                .as_ref()
                .map(|a| {
                    a.scores
                        .iter()
                        .map(|(q, v)| (q.as_str().to_string(), *v))
                        .collect()
                })
                .unwrap_or_default(),
            comment: s.answers.as_ref().and_then(|a| a.comment.clone()),
            answered_at: s.answered_at.map(ts),
            answered_via: s.answered_via.map(|v| v.as_str().to_string()),
            link_expires_at: s.token_expires_at.map(ts),
            link_used_at: s.token_used_at.map(ts),
            version: s.version,
        }
    }
}

/// A job's survey. 404 when the job is not visible or nothing was begun.
#[utoipa::path(get, path = "/api/v1/jobs/{id}/survey", params(("id" = i64, Path)), tag = "surveys",
    security(("bearer" = [])),
    responses((status = 200, body = SurveyOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<SurveyOut>> {
    let (_, survey) = app::surveys::of_job(&state, &actor, JobId(id)).await?;
    Ok(Json(survey.ok_or(Error::NotFound("survey"))?.into()))
}

/// The customer's answers, given on the crew's phone once the feedback form is signed
/// (job submitted, returned or done). Only the job's crew; answered once. Audited.
/// With an `Idempotency-Key`, sent again it answers the first answer.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/survey", request_body = SurveyIn,
    tag = "surveys", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY_DOC)),
    responses((status = 201, body = SurveyOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<SurveyIn>,
) -> ApiResult<Response> {
    let once = key.once(&format!("POST /api/v1/jobs/{id}/survey"), &b)?;
    let input = SurveyInput {
        scores: b.scores,
        comment: b.comment,
    };
    let a = app::surveys::answer_on_phone_once(
        &state,
        &actor,
        JobId(id),
        &input,
        once.as_ref(),
        state.now(),
    )
    .await?;
    Ok(replayable(
        a.replayed,
        (StatusCode::CREATED, Json(SurveyOut::from(a.value))),
    ))
}

#[derive(Serialize, ToSchema)]
#[schema(as = SurveyLinkOut)]
pub struct LinkOut {
    /// The address to give the customer: `/survey/{token}` (shown once; only its hash is
    /// kept).
    pub path: String,
    pub token: String,
    pub expires_at: String,
}

/// Hand out a survey link (the crew or the department): it needs no sign-in, works once,
/// expires after 14 days and replaces any earlier link. Audited.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/survey/link", params(("id" = i64, Path)), tag = "surveys",
    security(("bearer" = [])),
    responses((status = 201, body = LinkOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn issue_link(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<(StatusCode, Json<LinkOut>)> {
    let l = app::surveys::issue_link(&state, &actor, JobId(id), state.now()).await?;
    Ok((
        StatusCode::CREATED,
        Json(LinkOut {
            path: format!("/survey/{}", l.token),
            token: l.token,
            expires_at: ts(l.expires_at),
        }),
    ))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    /// `YYYY-MM`: surveys answered in this month (company time).
    pub month: String,
}

#[derive(Serialize, ToSchema)]
#[schema(as = SurveyQuestionOut)]
pub struct QuestionOut {
    pub question: String,
    pub answered: usize,
    /// The mean score, two decimals; none when nobody answered.
    pub average: Option<f64>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = SurveyMonthOut)]
pub struct MonthOut {
    pub month: String,
    pub questions: Vec<QuestionOut>,
    pub surveys: Vec<SurveyOut>,
}

/// The month's answered surveys and each question's mean score (the department).
#[utoipa::path(get, path = "/api/v1/surveys", params(MonthQuery), tag = "surveys", security(("bearer" = [])),
    responses((status = 200, body = MonthOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn month(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<Json<MonthOut>> {
    let m = Month::parse(&q.month).map_err(|p| Error::field("month", p))?;
    let (rows, summary) = app::surveys::month(&state, &actor, m).await?;
    Ok(Json(MonthOut {
        month: q.month.trim().to_string(),
        questions: summary
            .into_iter()
            .map(|s| QuestionOut {
                question: s.question.as_str().into(),
                answered: s.answered,
                average: s.average,
            })
            .collect(),
        surveys: rows.into_iter().map(|(s, _)| s.into()).collect(),
    }))
}
