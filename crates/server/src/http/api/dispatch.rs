//! Dispatch (issue 8): `/api/v1/dispatch` (the jobs waiting for a crew, each with the
//! technicians proposed, and the crews on their way), `/api/v1/technicians` (bases and
//! product lines) and `/api/v1/field-settings` (how road time is estimated).

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiUser};
use super::ts;
use crate::app::AppState;
use crate::app::{self, dispatch::Proposed};
use axum::Json;
use axum::extract::State;
use sanbao_domain::dispatch::TechnicianProfile;
use sanbao_domain::travel::{self, TravelSettings};
use sanbao_domain::{Error, UserId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(board))
        .routes(routes!(technicians))
        .routes(routes!(save_technician))
        .routes(routes!(field_settings, save_field_settings))
}

#[derive(Serialize, ToSchema)]
pub struct ProposalOut {
    pub technician_id: i64,
    pub name: String,
    /// base, job (the site of the job they are on) or unknown.
    pub origin: String,
    /// The place they set off from ("桐庐县").
    pub from: Option<String>,
    pub travel_minutes: Option<u32>,
    pub eta: Option<String>,
    /// in_time, late, no_deadline, unknown.
    pub reach: String,
    /// Deadline − eta, minutes (negative when late).
    pub slack_minutes: Option<i64>,
    pub open_jobs: u32,
    /// Skilled for the unit's product line (true when the line is unknown).
    pub knows_line: bool,
}

fn proposal_out(p: Proposed) -> ProposalOut {
    let q = p.proposal;
    ProposalOut {
        technician_id: q.technician.0,
        name: p.name,
        origin: q.origin.as_str().into(),
        from: q.from.map(str::to_string),
        travel_minutes: q.travel_minutes,
        eta: q.eta.map(ts),
        reach: q.reach.as_str().into(),
        slack_minutes: q.slack_minutes,
        open_jobs: q.open_jobs,
        knows_line: q.knows_line,
    }
}

#[derive(Serialize, ToSchema)]
pub struct WaitingOut {
    pub job_id: i64,
    /// Send it back with the dispatch.
    pub version: i64,
    pub ticket_id: i64,
    pub ticket_number: String,
    pub ticket_kind: String,
    pub job_type: String,
    pub customer_id: i64,
    pub customer_name: String,
    /// The site's address, else the customer's.
    pub address: Option<String>,
    /// The place found there, whose seat the travel time is counted to.
    pub place: Option<String>,
    pub serial_no: Option<String>,
    pub model_code: Option<String>,
    pub product_line: Option<String>,
    pub problem: String,
    /// The ticket's arrival deadline, if it has one not yet met.
    pub deadline: Option<String>,
    /// Every technician, best first.
    pub proposals: Vec<ProposalOut>,
}

#[derive(Serialize, ToSchema)]
pub struct OnTheWayOut {
    pub job_id: i64,
    pub ticket_id: i64,
    pub ticket_number: String,
    pub customer_name: String,
    pub address: Option<String>,
    /// dispatched or underway.
    pub status: String,
    /// Names, the lead first.
    pub crew: Vec<String>,
    pub expected_at: Option<String>,
    pub deadline: Option<String>,
}

#[derive(Serialize, ToSchema)]
#[schema(as = DispatchBoardOut)]
pub struct BoardOut {
    /// Most urgent arrival deadline first; jobs without one after, oldest first.
    pub waiting: Vec<WaitingOut>,
    /// Crews sent and not yet on site, expected first.
    pub on_the_way: Vec<OnTheWayOut>,
}

/// The jobs waiting for a crew, each with every technician ranked by whether they can be
/// on site before the arrival deadline; and the crews on their way. Send a crew with
/// `POST /api/v1/jobs/{id}/dispatch`.
#[utoipa::path(get, path = "/api/v1/dispatch", tag = "dispatch", security(("bearer" = [])),
    responses((status = 200, body = BoardOut), (status = 403, body = ErrorBody)))]
pub async fn board(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<BoardOut>> {
    let b = app::dispatch::board(&state, &actor, state.now()).await?;
    let waiting = b
        .waiting
        .into_iter()
        .map(|w| WaitingOut {
            job_id: w.job.id.0,
            version: w.job.version,
            ticket_id: w.ticket.id.0,
            ticket_number: w.ticket.number(),
            ticket_kind: w.ticket.kind.as_str().into(),
            job_type: w.job.job_type.as_str().into(),
            customer_id: w.job.customer_id.0,
            customer_name: w.customer_name,
            address: w.address,
            place: w.place.map(|p| p.name.to_string()),
            serial_no: w.unit.as_ref().map(|u| u.0.clone()),
            model_code: w.unit.map(|u| u.1).or(w.job.model_code),
            product_line: w.line,
            problem: w.job.problem,
            deadline: w.deadline.map(ts),
            proposals: w.proposals.into_iter().map(proposal_out).collect(),
        })
        .collect();
    let on_the_way = b
        .on_the_way
        .into_iter()
        .map(|o| {
            let trip = o.job.current_trip();
            OnTheWayOut {
                job_id: o.job.id.0,
                ticket_id: o.ticket.id.0,
                ticket_number: o.ticket.number(),
                customer_name: o.customer_name,
                address: o.address,
                status: o.job.status.as_str().into(),
                crew: trip
                    .map(|t| t.crew.iter().map(|c| c.name.clone()).collect())
                    .unwrap_or_default(),
                expected_at: trip.and_then(|t| t.expected_at).map(ts),
                deadline: o.deadline.map(ts),
            }
        })
        .collect();
    Ok(Json(BoardOut {
        waiting,
        on_the_way,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct TechnicianOut {
    pub user_id: i64,
    pub name: String,
    pub role: String,
    pub base_address: Option<String>,
    /// The place found in the base address (None: not recognised).
    pub base_place: Option<String>,
    pub product_lines: Vec<String>,
    /// 0 while the profile was never saved.
    pub version: i64,
}

fn technician_out(name: String, role: &str, p: TechnicianProfile) -> TechnicianOut {
    TechnicianOut {
        user_id: p.user_id.0,
        name,
        role: role.into(),
        base_place: p
            .base_address
            .as_deref()
            .and_then(travel::locate)
            .map(|l| l.name.to_string()),
        base_address: p.base_address,
        product_lines: p.product_lines,
        version: p.version,
    }
}

/// Everyone who may be sent to site, with their base and product lines.
#[utoipa::path(get, path = "/api/v1/technicians", tag = "dispatch", security(("bearer" = [])),
    responses((status = 200, body = Vec<TechnicianOut>), (status = 403, body = ErrorBody)))]
pub async fn technicians(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<Vec<TechnicianOut>>> {
    let lines = app::dispatch::technicians(&state, &actor).await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| technician_out(l.user.display_name, l.user.role.as_str(), l.profile))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TechnicianIn {
    /// The profile's version as last read (0 for one never saved); not checked when absent.
    pub version: Option<i64>,
    /// Office or home, at most 200 characters; empty or absent for none.
    pub base_address: Option<String>,
    /// Product-line codes as the product models name them.
    #[serde(default)]
    pub product_lines: Vec<String>,
}

/// Write a technician's base and product lines.
#[utoipa::path(put, path = "/api/v1/technicians/{id}", params(("id" = i64, Path)), request_body = TechnicianIn,
    tag = "dispatch", security(("bearer" = [])),
    responses((status = 200, body = TechnicianOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_technician(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<TechnicianIn>,
) -> ApiResult<Json<TechnicianOut>> {
    let l = app::dispatch::save_technician(
        &state,
        &actor,
        UserId(id),
        b.version,
        b.base_address.as_deref(),
        &b.product_lines,
        state.now(),
    )
    .await?;
    Ok(Json(technician_out(
        l.user.display_name,
        l.user.role.as_str(),
        l.profile,
    )))
}

#[derive(Serialize, ToSchema)]
pub struct FieldSettingsOut {
    /// Average road speed, km/h.
    pub road_kmh: u32,
    /// Road distance as a percentage of the straight line.
    pub road_factor_pct: u32,
    /// Minutes from being told to setting off.
    pub setup_minutes: u32,
    /// 0 while the defaults apply.
    pub version: i64,
}

fn settings_out((s, version): (TravelSettings, i64)) -> FieldSettingsOut {
    FieldSettingsOut {
        road_kmh: s.road_kmh,
        road_factor_pct: s.road_factor_pct,
        setup_minutes: s.setup_minutes,
        version,
    }
}

/// How road time is estimated (the defaults until saved).
#[utoipa::path(get, path = "/api/v1/field-settings", tag = "dispatch", security(("bearer" = [])),
    responses((status = 200, body = FieldSettingsOut), (status = 403, body = ErrorBody)))]
pub async fn field_settings(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<FieldSettingsOut>> {
    Ok(Json(settings_out(
        app::dispatch::field_settings(&state, &actor).await?,
    )))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldSettingsIn {
    /// The settings' version as last read (0 while the defaults apply); not checked when
    /// absent.
    pub version: Option<i64>,
    /// 10 to 150.
    #[schema(value_type = u32)]
    pub road_kmh: serde_json::Value,
    /// 100 to 300.
    #[schema(value_type = u32)]
    pub road_factor_pct: serde_json::Value,
    /// 0 to 240.
    #[schema(value_type = u32)]
    pub setup_minutes: serde_json::Value,
}

fn typed(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Change how road time is estimated.
#[utoipa::path(put, path = "/api/v1/field-settings", request_body = FieldSettingsIn,
    tag = "dispatch", security(("bearer" = [])),
    responses((status = 200, body = FieldSettingsOut), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_field_settings(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<FieldSettingsIn>,
) -> ApiResult<Json<FieldSettingsOut>> {
    // The role is checked before the input, so a refused caller learns nothing of it.
    if !actor.role.may(sanbao_domain::Permission::ManageTechnicians) {
        return Err(Error::Forbidden.into());
    }
    let s = TravelSettings::parse(
        &typed(&b.road_kmh),
        &typed(&b.road_factor_pct),
        &typed(&b.setup_minutes),
    )?;
    let version =
        app::dispatch::save_field_settings(&state, &actor, b.version, &s, state.now()).await?;
    Ok(Json(settings_out((s, version))))
}
