//! `/api/v1/jobs`: on-site jobs (R4.1–R4.6) — open one on a ticket, send a crew, set off,
//! arrive, take an arrival back, ask for a follow-up trip, cancel.

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser, IdemKey, replayable};
use super::tickets::IDEMPOTENCY_KEY_DOC;
use super::{Page, cursor, ts};
use crate::app::AppState;
use crate::app::{self, clamp_limit};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, FixedOffset, Utc};
use sanbao_domain::field::{DispatchInput, Job, JobFilter, JobInput, JobStatus, Position, Trip};
use sanbao_domain::{Error, JobId, Problem, TicketId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(open))
        .routes(routes!(list))
        .routes(routes!(get))
        .routes(routes!(dispatch))
        .routes(routes!(depart))
        .routes(routes!(arrive))
        .routes(routes!(undo_arrival))
        .routes(routes!(follow_up))
        .routes(routes!(cancel))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobIn {
    /// installation, repair, technical_guidance, training, inspection; from the ticket's
    /// kind when not given.
    pub job_type: Option<String>,
    /// Whom the crew meets on site.
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    /// What is wrong; the ticket's summary when not given.
    pub problem: Option<String>,
    /// The model, when the unit's serial number is not known.
    pub model_code: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CrewOut {
    pub user_id: i64,
    pub name: String,
    pub lead: bool,
}

#[derive(Serialize, ToSchema)]
pub struct PositionOut {
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: Option<f64>,
}

#[derive(Serialize, ToSchema)]
pub struct TripOut {
    pub id: i64,
    /// 1 for the first trip; follow-ups count on.
    pub ordinal: i64,
    pub reason: Option<String>,
    pub crew: Vec<CrewOut>,
    pub dispatched_at: Option<String>,
    pub dispatched_by: Option<i64>,
    pub expected_at: Option<String>,
    pub departed_at: Option<String>,
    /// Stamped by the server when the crew said it was there.
    pub arrived_at: Option<String>,
    pub arrived_by: Option<i64>,
    pub position: Option<PositionOut>,
}

#[derive(Serialize, ToSchema)]
pub struct JobOut {
    pub id: i64,
    pub ticket_id: i64,
    pub job_type: String,
    /// open, dispatched, underway, on_site, submitted, returned, done, cancelled
    pub status: String,
    pub customer_id: i64,
    pub site_id: Option<i64>,
    pub unit_id: Option<i64>,
    pub model_code: Option<String>,
    pub contact_name: String,
    pub contact_phone: String,
    pub problem: String,
    /// Oldest first; the last is the current trip.
    pub trips: Vec<TripOut>,
    pub created_by: i64,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
}

fn trip_out(t: Trip) -> TripOut {
    TripOut {
        id: t.id.0,
        ordinal: t.ordinal,
        reason: t.reason,
        crew: t
            .crew
            .into_iter()
            .map(|c| CrewOut {
                user_id: c.user_id.0,
                name: c.name,
                lead: c.lead,
            })
            .collect(),
        dispatched_at: t.dispatched_at.map(ts),
        dispatched_by: t.dispatched_by.map(|u| u.0),
        expected_at: t.expected_at.map(ts),
        departed_at: t.departed_at.map(ts),
        arrived_at: t.arrived_at.map(ts),
        arrived_by: t.arrived_by.map(|u| u.0),
        position: t.position.map(|p| PositionOut {
            lat: p.lat,
            lon: p.lon,
            accuracy_m: p.accuracy_m,
        }),
    }
}

impl From<Job> for JobOut {
    fn from(j: Job) -> Self {
        JobOut {
            id: j.id.0,
            ticket_id: j.ticket_id.0,
            job_type: j.job_type.as_str().into(),
            status: j.status.as_str().into(),
            customer_id: j.customer_id.0,
            site_id: j.site_id.map(|s| s.0),
            unit_id: j.unit_id.map(|u| u.0),
            model_code: j.model_code,
            contact_name: j.contact_name,
            contact_phone: j.contact_phone,
            problem: j.problem,
            trips: j.trips.into_iter().map(trip_out).collect(),
            created_by: j.created_by.0,
            created_at: ts(j.created_at),
            updated_at: ts(j.updated_at),
            version: j.version,
        }
    }
}

/// Open the on-site job of a ticket (R4.3), waiting for a crew. A ticket has one job at a
/// time.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/jobs", params(("id" = i64, Path)), request_body = JobIn,
    tag = "jobs", security(("bearer" = [])),
    responses((status = 201, body = JobOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn open(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<JobIn>,
) -> ApiResult<(StatusCode, Json<JobOut>)> {
    let input = JobInput {
        job_type: b.job_type,
        contact_name: b.contact_name,
        contact_phone: b.contact_phone,
        problem: b.problem,
        model_code: b.model_code,
    };
    let job = app::field::open_job(&state, &actor, TicketId(id), &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(job.into())))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct JobQuery {
    /// open, dispatched, underway, on_site, submitted, returned, done, cancelled
    pub status: Option<String>,
    /// Jobs not yet done or cancelled.
    pub open_only: Option<bool>,
    /// Jobs whose crew includes this person (a technician always sees only their own).
    pub technician_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Jobs, newest first. A technician sees only the jobs they are sent on.
#[utoipa::path(get, path = "/api/v1/jobs", params(JobQuery), tag = "jobs", security(("bearer" = [])),
    responses((status = 200, body = Page<JobOut>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<JobQuery>,
) -> ApiResult<Json<Page<JobOut>>> {
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            JobStatus::parse(s)
                .ok_or_else(|| Error::field("status", Problem::invalid("not a job status")))?,
        ),
    };
    let filter = JobFilter {
        status,
        crew: q.technician_id.map(UserId),
        ticket: q.ticket_id.map(TicketId),
        open_only: q.open_only.unwrap_or(false),
    };
    let limit = clamp_limit(q.limit);
    let rows = app::field::jobs(
        &state,
        &actor,
        &filter,
        limit + 1,
        cursor(q.cursor.as_deref())?,
    )
    .await?;
    let items = rows.into_iter().map(JobOut::from).collect();
    Ok(Json(Page::from_rows(items, limit, |j| j.id)))
}

/// One job with its trips. A job the caller may not see answers 404.
#[utoipa::path(get, path = "/api/v1/jobs/{id}", params(("id" = i64, Path)), tag = "jobs", security(("bearer" = [])),
    responses((status = 200, body = JobOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<JobOut>> {
    Ok(Json(
        app::field::job(&state, &actor, JobId(id)).await?.into(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchIn {
    /// The job's version as last read.
    pub version: i64,
    /// Everyone sent on the current trip.
    pub technician_ids: Vec<i64>,
    /// Who leads on site; the first named when not given.
    pub lead_id: Option<i64>,
    /// When the crew is expected on site (from the proposal).
    #[schema(value_type = Option<String>)]
    pub expected_at: Option<DateTime<FixedOffset>>,
}

/// Send a crew on the job's current trip, or change it before it sets off. The crew is
/// told through the inbox and the outbox.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/dispatch", params(("id" = i64, Path)), request_body = DispatchIn,
    tag = "jobs", security(("bearer" = [])),
    responses((status = 200, body = JobOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dispatch(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<DispatchIn>,
) -> ApiResult<Json<JobOut>> {
    let input = DispatchInput {
        technician_ids: b.technician_ids.into_iter().map(UserId).collect(),
        lead_id: b.lead_id.map(UserId),
        expected_at: b.expected_at.map(|a| a.with_timezone(&Utc)),
    };
    let job =
        app::field::dispatch(&state, &actor, JobId(id), b.version, &input, state.now()).await?;
    Ok(Json(job.into()))
}

/// The crew sets off (only someone on the current trip's crew).
#[utoipa::path(post, path = "/api/v1/jobs/{id}/depart", tag = "jobs", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY_DOC)),
    responses((status = 200, body = JobOut, headers(("Idempotent-Replay" = String, description = "`true` when this is the answer of an earlier request with the same `Idempotency-Key`"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn depart(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let once = key.once(&format!("POST /api/v1/jobs/{id}/depart"), &())?;
    let a = app::field::depart_once(&state, &actor, JobId(id), once.as_ref(), state.now()).await?;
    Ok(replayable(a.replayed, Json(JobOut::from(a.value))))
}

#[derive(Deserialize, Serialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct ArriveIn {
    /// The phone's position, when it gives one.
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
}

impl ArriveIn {
    pub fn position(&self) -> Result<Option<Position>, Error> {
        match (self.lat, self.lon) {
            (None, None) => Ok(None),
            (Some(lat), Some(lon)) => Position::parse(lat, lon, self.accuracy_m).map(Some),
            (None, Some(_)) => Err(Error::field("lat", Problem::required())),
            (Some(_), None) => Err(Error::field("lon", Problem::required())),
        }
    }
}

/// The crew is on site: stamped with the server's time; the first trip's arrival meets
/// the ticket's arrival deadline.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/arrive", request_body = ArriveIn, tag = "jobs", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY_DOC)),
    responses((status = 200, body = JobOut, headers(("Idempotent-Replay" = String, description = "`true` when this is the answer of an earlier request with the same `Idempotency-Key`"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn arrive(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ArriveIn>,
) -> ApiResult<Response> {
    let once = key.once(&format!("POST /api/v1/jobs/{id}/arrive"), &b)?;
    let position = b.position()?;
    let a = app::field::arrive_once(
        &state,
        &actor,
        JobId(id),
        position,
        once.as_ref(),
        state.now(),
    )
    .await?;
    Ok(replayable(a.replayed, Json(JobOut::from(a.value))))
}

/// Take back an arrival recorded by mistake: only whoever recorded it, within ten
/// minutes. Audited; the arrival deadline runs again.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/undo-arrival", tag = "jobs", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY_DOC)),
    responses((status = 200, body = JobOut, headers(("Idempotent-Replay" = String, description = "`true` when this is the answer of an earlier request with the same `Idempotency-Key`"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn undo_arrival(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    Path(id): Path<i64>,
) -> ApiResult<Response> {
    let once = key.once(&format!("POST /api/v1/jobs/{id}/undo-arrival"), &())?;
    let a = app::field::undo_arrival_once(&state, &actor, JobId(id), once.as_ref(), state.now())
        .await?;
    Ok(replayable(a.replayed, Json(JobOut::from(a.value))))
}

#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonIn {
    pub reason: String,
    /// The job's version as last read (cancel only).
    pub version: Option<i64>,
}

/// Another trip is needed (parts to order, the fault came back); it waits for dispatch.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/follow-up", request_body = ReasonIn, tag = "jobs", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY_DOC)),
    responses((status = 200, body = JobOut, headers(("Idempotent-Replay" = String, description = "`true` when this is the answer of an earlier request with the same `Idempotency-Key`"))),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn follow_up(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ReasonIn>,
) -> ApiResult<Response> {
    let once = key.once(&format!("POST /api/v1/jobs/{id}/follow-up"), &b)?;
    let a = app::field::follow_up_once(
        &state,
        &actor,
        JobId(id),
        &b.reason,
        once.as_ref(),
        state.now(),
    )
    .await?;
    Ok(replayable(a.replayed, Json(JobOut::from(a.value))))
}

/// Nothing will be done on site after all.
#[utoipa::path(post, path = "/api/v1/jobs/{id}/cancel", params(("id" = i64, Path)), request_body = ReasonIn,
    tag = "jobs", security(("bearer" = [])),
    responses((status = 200, body = JobOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cancel(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ReasonIn>,
) -> ApiResult<Json<JobOut>> {
    let Some(version) = b.version else {
        return Err(Error::field("version", Problem::required()).into());
    };
    Ok(Json(
        app::field::cancel(&state, &actor, JobId(id), version, &b.reason, state.now())
            .await?
            .into(),
    ))
}
