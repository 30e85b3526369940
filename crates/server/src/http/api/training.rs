//! Training records (R1.6, R1.7): `/api/v1/training-sessions` lists and records sessions,
//! `/api/v1/training-sessions/{id}` reads one with its attendees and materials,
//! `/api/v1/users/{id}/training` a person's history, `/api/v1/training/missing` who is
//! missing a required topic or has it expired, `/api/v1/training-requirements` the settings
//! that decide it.

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiUser};
use super::ts;
use crate::app;
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use sanbao_domain::training::{Session, SessionInput, SessionView, Standing};
use sanbao_domain::{TrainingId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, record))
        .routes(routes!(get))
        .routes(routes!(history))
        .routes(routes!(missing))
        // ---- training 2 ----
        .routes(routes!(requirements, save_requirements))
    // ---- end training 2 ----
}

#[derive(Serialize, ToSchema)]
pub struct SessionOut {
    pub id: i64,
    /// staff, customer
    pub audience: String,
    /// service_awareness, quality_awareness, technical_specification, management_methods,
    /// product_performance, product_use, routine_maintenance
    pub topic: String,
    pub held_on: String,
    pub trainer: String,
    pub place: String,
    pub duration_minutes: i64,
    pub customer_id: Option<i64>,
    pub customer_name: Option<String>,
    pub note: Option<String>,
    pub recorded_by: i64,
    pub recorded_at: String,
    /// On the list: how many attended.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendee_count: Option<i64>,
    /// On one session: who attended (a staff member's `user_id`, or a customer's person).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attendees: Option<Vec<AttendeeOut>>,
    /// On one session: the documents used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub materials: Option<Vec<MaterialOut>>,
}

#[derive(Serialize, ToSchema)]
pub struct AttendeeOut {
    pub user_id: Option<i64>,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct MaterialOut {
    pub document_id: i64,
    pub code: String,
    pub title: String,
}

fn session_out(s: Session) -> SessionOut {
    SessionOut {
        id: s.id.0,
        audience: s.audience.as_str().into(),
        topic: s.topic.as_str().into(),
        held_on: s.held_on.to_string(),
        trainer: s.trainer,
        place: s.place,
        duration_minutes: s.duration_minutes,
        customer_id: s.customer_id.map(|c| c.0),
        customer_name: s.customer_name,
        note: s.note,
        recorded_by: s.recorded_by.0,
        recorded_at: ts(s.recorded_at),
        attendee_count: None,
        attendees: None,
        materials: None,
    }
}

fn view_out(v: SessionView) -> SessionOut {
    let mut out = session_out(v.session);
    out.attendees = Some(
        v.attendees
            .into_iter()
            .map(|a| AttendeeOut {
                user_id: a.user_id.map(|u| u.0),
                name: a.name,
            })
            .collect(),
    );
    out.materials = Some(
        v.materials
            .into_iter()
            .map(|(id, code, title)| MaterialOut {
                document_id: id.0,
                code,
                title,
            })
            .collect(),
    );
    out
}

#[derive(Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionOut>,
}

/// Every session, newest first (those who record sessions, the managers and quality).
#[utoipa::path(get, path = "/api/v1/training-sessions", tag = "training", security(("bearer" = [])),
    responses((status = 200, body = SessionList), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<SessionList>> {
    let rows = app::training::sessions(&state, &actor).await?;
    Ok(Json(SessionList {
        items: rows
            .into_iter()
            .map(|(s, n)| {
                let mut o = session_out(s);
                o.attendee_count = Some(n);
                o
            })
            .collect(),
    }))
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SessionIn {
    /// staff, customer
    pub audience: String,
    /// A topic of the audience (see `SessionOut.topic`).
    pub topic: String,
    /// `YYYY-MM-DD`, today or before.
    pub held_on: String,
    pub trainer: String,
    pub place: String,
    /// 1 to 7200.
    pub duration_minutes: Option<i64>,
    /// A customer training: the customer.
    pub customer_id: Option<i64>,
    /// A staff training: the staff members who attended.
    pub attendee_ids: Vec<i64>,
    /// A customer training: the names of the customer's people who attended.
    pub attendee_names: Vec<String>,
    /// The documents used as materials.
    pub document_ids: Vec<i64>,
    pub note: Option<String>,
}

/// Record a session (admin, service manager, clerk, senior engineer). Every bad field is
/// named (422).
#[utoipa::path(post, path = "/api/v1/training-sessions", request_body = SessionIn, tag = "training",
    security(("bearer" = [])),
    responses((status = 201, body = SessionOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<SessionIn>,
) -> ApiResult<(StatusCode, Json<SessionOut>)> {
    let input = SessionInput {
        audience: b.audience,
        topic: b.topic,
        held_on: b.held_on,
        trainer: b.trainer,
        place: b.place,
        duration_minutes: b
            .duration_minutes
            .map(|m| m.to_string())
            .unwrap_or_default(),
        customer_id: b.customer_id,
        attendee_ids: b.attendee_ids,
        attendee_names: b.attendee_names,
        document_ids: b.document_ids,
        note: b.note,
    };
    let v = app::training::record(&state, &actor, &input, state.now()).await?;
    Ok((StatusCode::CREATED, Json(view_out(v))))
}

/// One session with its attendees and materials.
#[utoipa::path(get, path = "/api/v1/training-sessions/{id}", params(("id" = i64, Path)), tag = "training",
    security(("bearer" = [])),
    responses((status = 200, body = SessionOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<SessionOut>> {
    let v = app::training::session(&state, &actor, TrainingId(id)).await?;
    Ok(Json(view_out(v)))
}

#[derive(Serialize, ToSchema)]
pub struct HistoryOut {
    pub user_id: i64,
    pub name: String,
    pub role: String,
    /// The sessions attended, newest first.
    pub items: Vec<SessionOut>,
}

/// A staff member's training history: one's own, or anyone's for those who keep the
/// records (403 otherwise).
#[utoipa::path(get, path = "/api/v1/users/{id}/training", params(("id" = i64, Path)), tag = "training",
    security(("bearer" = [])),
    responses((status = 200, body = HistoryOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn history(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<HistoryOut>> {
    let (person, rows) = app::training::history(&state, &actor, UserId(id)).await?;
    Ok(Json(HistoryOut {
        user_id: person.id.0,
        name: person.display_name,
        role: person.role.as_str().into(),
        items: rows.into_iter().map(session_out).collect(),
    }))
}

#[derive(Serialize, ToSchema)]
pub struct GapOut {
    pub user_id: i64,
    pub name: String,
    pub role: String,
    pub topic: String,
    pub period_months: u32,
    /// missing (never trained), expired, new_hire (never trained, joined recently)
    pub standing: String,
    /// The last session on the topic, when there was one.
    pub last_on: Option<String>,
    /// When it was or is due.
    pub due_on: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct GapList {
    pub items: Vec<GapOut>,
}

/// Who is missing a required topic, has it expired, or (a new hire) has it due, as the
/// requirement settings say today.
#[utoipa::path(get, path = "/api/v1/training/missing", tag = "training", security(("bearer" = [])),
    responses((status = 200, body = GapList), (status = 403, body = ErrorBody)))]
pub async fn missing(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<GapList>> {
    let gaps = app::training::missing(&state, &actor, state.now()).await?;
    Ok(Json(GapList {
        items: gaps
            .into_iter()
            .map(|g| {
                let (last, due) = match g.standing {
                    Standing::Current { last, due_on } | Standing::Expired { last, due_on } => {
                        (Some(last), Some(due_on))
                    }
                    Standing::NewHire { due_on } => (None, Some(due_on)),
                    Standing::Missing => (None, None),
                };
                GapOut {
                    user_id: g.user_id.0,
                    name: g.name,
                    role: g.role.as_str().into(),
                    topic: g.topic.as_str().into(),
                    period_months: g.period_months,
                    standing: g.standing.as_str().into(),
                    last_on: last.map(|d| d.to_string()),
                    due_on: due.map(|d| d.to_string()),
                }
            })
            .collect(),
    }))
}

// ---- training 2 ----

#[derive(Serialize, ToSchema)]
pub struct RequirementOut {
    /// technician, senior_engineer, service_clerk, service_manager
    pub role: String,
    /// service_awareness, quality_awareness, technical_specification, management_methods
    pub topic: String,
    /// 1 to 120: a session on the topic counts this many months.
    pub period_months: u32,
}

#[derive(Serialize, ToSchema)]
pub struct RequirementSet {
    pub requirements: Vec<RequirementOut>,
}

fn set_out(set: Vec<sanbao_domain::training::Requirement>) -> RequirementSet {
    RequirementSet {
        requirements: set
            .into_iter()
            .map(|r| RequirementOut {
                role: r.role.as_str().into(),
                topic: r.topic.as_str().into(),
                period_months: r.period_months,
            })
            .collect(),
    }
}

/// The requirement settings: which topics each staff role must have had, and within how
/// many months (any staff member).
#[utoipa::path(get, path = "/api/v1/training-requirements", tag = "training", security(("bearer" = [])),
    responses((status = 200, body = RequirementSet), (status = 403, body = ErrorBody)))]
pub async fn requirements(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<RequirementSet>> {
    Ok(Json(set_out(
        app::training::requirements(&state, &actor).await?,
    )))
}

#[derive(Serialize, Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RequirementItemIn {
    pub role: String,
    pub topic: String,
    pub period_months: Option<i64>,
}

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields, default)]
pub struct RequirementSetIn {
    /// The whole set: what is not in it is no longer required.
    pub requirements: Vec<RequirementItemIn>,
}

/// Replace the requirement settings as a whole, in one transaction (admin, service
/// manager). Every bad item is named by its place (`requirements[1].period_months`, 422)
/// and nothing is written.
#[utoipa::path(put, path = "/api/v1/training-requirements", request_body = RequirementSetIn, tag = "training",
    security(("bearer" = [])),
    responses((status = 200, body = RequirementSet), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_requirements(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<RequirementSetIn>,
) -> ApiResult<Json<RequirementSet>> {
    let rows: Vec<sanbao_domain::training::RequirementInput> = b
        .requirements
        .into_iter()
        .map(|r| sanbao_domain::training::RequirementInput {
            role: r.role,
            topic: r.topic,
            period_months: r.period_months.map(|m| m.to_string()).unwrap_or_default(),
        })
        .collect();
    let set = app::training::save_requirements(&state, &actor, &rows, state.now()).await?;
    Ok(Json(set_out(set)))
}
// ---- end training 2 ----
