//! `/api/v1/daily-reports`: each technician's and senior engineer's daily work report
//! (R4.6) — their own, prefilled from the day's trips; and for the department, everyone's
//! reports of a day and who has not submitted.

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser, IdemKey, replayable};
use super::tickets::IDEMPOTENCY_KEY_DOC;
use super::ts;
use crate::app;
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::response::Response;
use chrono::NaiveDate;
use sanbao_domain::Error;
use sanbao_domain::field::report::{DailyReport, ReportInput, ReportLine, parse_day};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(missing))
        .routes(routes!(get_mine, put_mine))
}

fn day(s: &str) -> Result<NaiveDate, Error> {
    parse_day(s).map_err(|p| Error::field("day", p))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct LineDto {
    /// The job of a trip line; none for other work.
    pub job_id: Option<i64>,
    pub ticket: Option<String>,
    pub job_type: Option<String>,
    pub customer: Option<String>,
    #[serde(default)]
    pub place: String,
    pub problem: Option<String>,
    /// `HH:MM`, company time.
    pub departed: Option<String>,
    pub arrived: Option<String>,
    pub travel_minutes: Option<i64>,
    /// Estimated from the places' seats, not measured.
    pub est_km: Option<f64>,
    /// What was done.
    #[serde(default)]
    pub work: String,
}

impl From<ReportLine> for LineDto {
    fn from(l: ReportLine) -> Self {
        LineDto {
            job_id: l.job_id,
            ticket: l.ticket,
            job_type: l.job_type,
            customer: l.customer,
            place: l.place,
            problem: l.problem,
            departed: l.departed,
            arrived: l.arrived,
            travel_minutes: l.travel_minutes,
            est_km: l.est_km,
            work: l.work,
        }
    }
}

impl From<LineDto> for ReportLine {
    fn from(l: LineDto) -> Self {
        ReportLine {
            job_id: l.job_id,
            ticket: l.ticket,
            job_type: l.job_type,
            customer: l.customer,
            place: l.place,
            problem: l.problem,
            departed: l.departed,
            arrived: l.arrived,
            travel_minutes: l.travel_minutes,
            est_km: l.est_km,
            work: l.work,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReportOut {
    pub user_id: i64,
    pub user_name: String,
    /// `YYYY-MM-DD`
    pub day: String,
    pub submitted: bool,
    /// Submitted: the lines as submitted; not yet: the lines prefilled from the day's trips.
    pub lines: Vec<LineDto>,
    pub travel_km: Option<f64>,
    pub notes: Option<String>,
    pub late_reason: Option<String>,
    pub submitted_at: Option<String>,
    pub version: i64,
}

impl From<DailyReport> for ReportOut {
    fn from(r: DailyReport) -> Self {
        ReportOut {
            user_id: r.user_id.0,
            user_name: r.user_name,
            day: r.day.to_string(),
            submitted: r.submitted_at.is_some(),
            lines: r.lines.into_iter().map(LineDto::from).collect(),
            travel_km: r.travel_km,
            notes: r.notes,
            late_reason: r.late_reason,
            submitted_at: r.submitted_at.map(ts),
            version: r.version,
        }
    }
}

/// My report of a day: as submitted, or prefilled from the day's trips (times, places,
/// jobs, travel time, estimated distance).
#[utoipa::path(get, path = "/api/v1/daily-reports/{day}", params(("day" = String, Path, description = "YYYY-MM-DD")),
    tag = "daily-reports", security(("bearer" = [])),
    responses((status = 200, body = ReportOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_mine(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(d): Path<String>,
) -> ApiResult<Json<ReportOut>> {
    let d = day(&d)?;
    let draft = app::daily_reports::mine(&state, &actor, Some(d), state.now()).await?;
    Ok(Json(match draft.submitted {
        Some(r) => r.into(),
        None => ReportOut {
            user_id: actor.id.0,
            user_name: actor.display_name.clone(),
            day: d.to_string(),
            submitted: false,
            lines: draft.prefilled.into_iter().map(LineDto::from).collect(),
            travel_km: None,
            notes: None,
            late_reason: None,
            submitted_at: None,
            version: 0,
        },
    }))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportIn {
    pub lines: Vec<LineDto>,
    pub travel_km: Option<f64>,
    pub notes: Option<String>,
    /// Required for a past day.
    pub late_reason: Option<String>,
}

/// Submit my report of a day, or amend it on the day it was submitted. Audited. With an
/// `Idempotency-Key`, sent again it answers the first answer.
#[utoipa::path(put, path = "/api/v1/daily-reports/{day}",
    params(("day" = String, Path, description = "YYYY-MM-DD"), ("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY_DOC)),
    request_body = ReportIn, tag = "daily-reports", security(("bearer" = [])),
    responses((status = 200, body = ReportOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put_mine(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    Path(d): Path<String>,
    ApiJson(b): ApiJson<ReportIn>,
) -> ApiResult<Response> {
    let once = key.once(&format!("PUT /api/v1/daily-reports/{d}"), &b)?;
    let d = day(&d)?;
    let input = ReportInput {
        lines: b.lines.into_iter().map(ReportLine::from).collect(),
        travel_km: b.travel_km,
        notes: b.notes,
        late_reason: b.late_reason,
    };
    let a = app::daily_reports::save_once(&state, &actor, d, &input, once.as_ref(), state.now())
        .await?;
    Ok(replayable(a.replayed, Json(ReportOut::from(a.value))))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DayQuery {
    /// `YYYY-MM-DD`
    pub day: String,
}

/// Everyone's reports of a day (the department).
#[utoipa::path(get, path = "/api/v1/daily-reports", params(DayQuery), tag = "daily-reports", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReportOut>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> ApiResult<Json<Vec<ReportOut>>> {
    let d = day(&q.day)?;
    let rows = app::daily_reports::of_day(&state, &actor, d).await?;
    Ok(Json(rows.into_iter().map(ReportOut::from).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct PersonOut {
    pub user_id: i64,
    pub name: String,
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct MissingOut {
    pub day: String,
    /// Active technicians and senior engineers without a report of the day.
    pub missing: Vec<PersonOut>,
    /// Those who submitted, with when.
    pub submitted: Vec<SubmittedOut>,
}

#[derive(Serialize, ToSchema)]
pub struct SubmittedOut {
    pub user_id: i64,
    pub name: String,
    pub submitted_at: Option<String>,
    pub late_reason: Option<String>,
}

/// Who has not submitted the report of a day (the department).
#[utoipa::path(get, path = "/api/v1/daily-reports/missing", params(DayQuery), tag = "daily-reports",
    security(("bearer" = [])),
    responses((status = 200, body = MissingOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn missing(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<DayQuery>,
) -> ApiResult<Json<MissingOut>> {
    let d = day(&q.day)?;
    let roll = app::daily_reports::roll(&state, &actor, d).await?;
    Ok(Json(MissingOut {
        day: d.to_string(),
        missing: roll
            .missing
            .into_iter()
            .map(|u| PersonOut {
                user_id: u.id.0,
                name: u.display_name,
                role: u.role.as_str().into(),
            })
            .collect(),
        submitted: roll
            .submitted
            .into_iter()
            .map(|(u, r)| SubmittedOut {
                user_id: u.id.0,
                name: u.display_name,
                submitted_at: r.submitted_at.map(ts),
                late_reason: r.late_reason,
            })
            .collect(),
    }))
}
