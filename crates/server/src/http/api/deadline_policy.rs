//! The deadline policy as data (R3.3–R3.7, issue 7): `/api/v1/deadline-policy` — the
//! policy in force, its versions, saving the next version (which recomputes open tickets),
//! and trying a draft on one contact without saving it.
//!
//! A policy reads and writes in the same shape: GET it, change it, PUT it back with the
//! version read as `base_version`.

use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiUser};
use super::ts;
use crate::app;
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, FixedOffset, Utc};
use sanbao_domain::UserId;
use sanbao_domain::deadline::{CalendarInput, Deadline, DeadlinePolicy, PolicyInput, TargetInput};
use sanbao_domain::region::Region;
use sanbao_domain::terms::{DeadlineKind, TicketKind};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(current, save))
        .routes(routes!(versions))
        .routes(routes!(version))
        .routes(routes!(preview))
}

/// One promise of the policy.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetIo {
    /// consultation, correspondence, complaint_quality, complaint_other, emergency, …
    #[schema(value_type = String, example = "consultation")]
    pub ticket_kind: TicketKind,
    /// hangzhou_urban, zhejiang, out_of_province, unknown; absent or `null`: every region
    /// without a target of its own.
    #[schema(value_type = Option<String>, example = "zhejiang")]
    #[serde(default)]
    pub region: Option<Region>,
    /// handling_opinion, arrival, reply
    #[schema(value_type = String, example = "reply")]
    pub deadline: DeadlineKind,
    /// The time allowed, in minutes of its clock.
    pub minutes: Option<i64>,
    /// The name of one of the policy's calendars; absent or `null`: the wall clock.
    #[serde(default)]
    pub calendar: Option<String>,
    /// The clock stops while the ticket waits for the customer.
    #[serde(default)]
    pub pauses: bool,
}

/// A business calendar: weekly working hours, public holidays and make-up working days.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarIo {
    pub name: String,
    /// Minutes east of UTC; 480 (China, UTC+8) when absent.
    pub utc_offset_minutes: Option<i32>,
    /// Monday to Sunday, each like `08:30-12:00, 13:00-17:30`, or empty for a day off.
    #[schema(example = json!(["08:30-12:00, 13:00-17:30", "08:30-12:00, 13:00-17:30", "08:30-12:00, 13:00-17:30", "08:30-12:00, 13:00-17:30", "08:30-12:00, 13:00-17:30", "", ""]))]
    pub week: Vec<String>,
    /// Public holidays: dates or ranges, e.g. `2027-02-10..2027-02-16`.
    #[serde(default)]
    pub holidays: Vec<String>,
    /// Make-up working days (调休) worked with the hours of a Monday… of their weekday.
    #[serde(default)]
    pub workdays: Vec<String>,
}

/// The policy in force (or one version of it).
#[derive(Serialize, ToSchema)]
pub struct PolicyOut {
    /// 0: the company's built-in policy; saved versions count up from 1.
    pub version: i64,
    pub targets: Vec<TargetIo>,
    pub calendars: Vec<CalendarIo>,
    /// The owner is warned when this share of the time has run.
    pub warn_pct: i64,
    /// The department head is told this long after a breach.
    pub escalate_again_minutes: i64,
    /// Warnings wait during these hours, e.g. `22:00-08:00`; `null`: none.
    pub quiet_hours: Option<String>,
    /// The department head; `null`: the service managers are told again.
    pub head_id: Option<i64>,
}

fn lines(s: &str) -> Vec<String> {
    s.split(['\n', ','])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

impl From<&DeadlinePolicy> for PolicyOut {
    fn from(p: &DeadlinePolicy) -> Self {
        let i = p.to_input();
        PolicyOut {
            version: p.version,
            targets: i
                .targets
                .into_iter()
                .zip(&p.targets)
                .map(|(t, real)| TargetIo {
                    ticket_kind: real.ticket_kind,
                    region: t.region,
                    deadline: real.deadline,
                    minutes: t.minutes,
                    calendar: t.calendar,
                    pauses: t.pauses,
                })
                .collect(),
            calendars: i
                .calendars
                .into_iter()
                .map(|c| CalendarIo {
                    name: c.name,
                    utc_offset_minutes: c.utc_offset_minutes,
                    week: c.week,
                    holidays: lines(&c.holidays),
                    workdays: lines(&c.workdays),
                })
                .collect(),
            warn_pct: i.warn_pct.unwrap_or_default(),
            escalate_again_minutes: i.escalate_again_minutes.unwrap_or_default(),
            quiet_hours: i.quiet_hours,
            head_id: i.head_id.map(|h| h.0),
        }
    }
}

/// A policy as sent: what the editor changes.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftIn {
    pub targets: Vec<TargetIo>,
    #[serde(default)]
    pub calendars: Vec<CalendarIo>,
    pub warn_pct: Option<i64>,
    pub escalate_again_minutes: Option<i64>,
    #[serde(default)]
    pub quiet_hours: Option<String>,
    #[serde(default)]
    pub head_id: Option<i64>,
}

impl DraftIn {
    fn input(self) -> PolicyInput {
        PolicyInput {
            targets: self
                .targets
                .into_iter()
                .map(|t| TargetInput {
                    ticket_kind: Some(t.ticket_kind),
                    region: t.region,
                    deadline: Some(t.deadline),
                    minutes: t.minutes,
                    calendar: t.calendar,
                    pauses: t.pauses,
                })
                .collect(),
            calendars: self
                .calendars
                .into_iter()
                .map(|c| CalendarInput {
                    name: c.name,
                    utc_offset_minutes: c.utc_offset_minutes,
                    week: c.week,
                    holidays: c.holidays.join("\n"),
                    workdays: c.workdays.join("\n"),
                })
                .collect(),
            warn_pct: self.warn_pct,
            escalate_again_minutes: self.escalate_again_minutes,
            quiet_hours: self.quiet_hours,
            head_id: self.head_id.map(UserId),
        }
    }
}

/// The next version: the policy as edited, over the version it was read at.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SaveIn {
    /// The version the editor read; a stale one is refused with 409.
    pub base_version: i64,
    /// Why it changed (kept with the version).
    #[serde(default)]
    pub note: Option<String>,
    pub targets: Vec<TargetIo>,
    #[serde(default)]
    pub calendars: Vec<CalendarIo>,
    pub warn_pct: Option<i64>,
    pub escalate_again_minutes: Option<i64>,
    #[serde(default)]
    pub quiet_hours: Option<String>,
    #[serde(default)]
    pub head_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct SavedOut {
    pub policy: PolicyOut,
    /// Open tickets whose running deadlines were recomputed under it.
    pub recomputed: usize,
}

/// Who saved a version, when, and why.
#[derive(Serialize, ToSchema)]
pub struct VersionOut {
    pub version: i64,
    pub note: Option<String>,
    /// The display name of who saved it; `null` for the built-in version 0.
    pub created_by: Option<String>,
    pub created_at: String,
}

/// The policy in force.
#[utoipa::path(get, path = "/api/v1/deadline-policy", tag = "deadline policy", security(("bearer" = [])),
    responses((status = 200, body = PolicyOut), (status = 403, body = ErrorBody)))]
pub async fn current(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<PolicyOut>> {
    let p = app::deadlines::policy(&state, &actor).await?;
    Ok(Json(PolicyOut::from(&p)))
}

/// Save the next version of the policy and recompute the running deadlines of every open
/// ticket under it (closed tickets and deadlines already met never change).
#[utoipa::path(put, path = "/api/v1/deadline-policy", request_body = SaveIn, tag = "deadline policy", security(("bearer" = [])),
    responses((status = 200, body = SavedOut), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<SaveIn>,
) -> ApiResult<Json<SavedOut>> {
    let (base, note) = (b.base_version, b.note);
    let input = DraftIn {
        targets: b.targets,
        calendars: b.calendars,
        warn_pct: b.warn_pct,
        escalate_again_minutes: b.escalate_again_minutes,
        quiet_hours: b.quiet_hours,
        head_id: b.head_id,
    }
    .input();
    let saved =
        app::deadlines::save_policy(&state, &actor, &input, base, note.as_deref(), state.now())
            .await?;
    Ok(Json(SavedOut {
        policy: PolicyOut::from(&saved.policy),
        recomputed: saved.recomputed,
    }))
}

/// Every version, newest first.
#[utoipa::path(get, path = "/api/v1/deadline-policy/versions", tag = "deadline policy", security(("bearer" = [])),
    responses((status = 200, body = Vec<VersionOut>), (status = 403, body = ErrorBody)))]
pub async fn versions(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<Vec<VersionOut>>> {
    let all = app::deadlines::versions(&state, &actor).await?;
    Ok(Json(
        all.into_iter()
            .map(|v| VersionOut {
                version: v.version,
                note: v.note,
                created_by: v.created_by,
                created_at: ts(v.created_at),
            })
            .collect(),
    ))
}

/// One version, as it was saved.
#[utoipa::path(get, path = "/api/v1/deadline-policy/versions/{version}", params(("version" = i64, Path)), tag = "deadline policy", security(("bearer" = [])),
    responses((status = 200, body = PolicyOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn version(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(version): Path<i64>,
) -> ApiResult<Json<PolicyOut>> {
    let p = app::deadlines::policy_version(&state, &actor, version).await?;
    Ok(Json(PolicyOut::from(&p)))
}

/// A draft policy and one contact to try it on.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewIn {
    pub policy: DraftIn,
    #[schema(value_type = String, example = "consultation")]
    pub ticket_kind: TicketKind,
    /// The site's region; `unknown` when absent.
    #[schema(value_type = Option<String>, example = "hangzhou_urban")]
    #[serde(default)]
    pub region: Option<Region>,
    /// RFC 3339 with offset.
    #[schema(value_type = String, example = "2027-02-12T10:00:00+08:00")]
    pub received_at: DateTime<FixedOffset>,
}

/// A due time under the draft, with what it was computed from.
#[derive(Serialize, ToSchema)]
pub struct PreviewDeadline {
    /// handling_opinion, arrival, reply
    pub kind: String,
    pub due_at: String,
    /// When the owner would be warned.
    pub warn_at: String,
    pub minutes: i64,
    /// The calendar counted on; `null`: the wall clock.
    pub calendar: Option<String>,
    /// The version the draft would be saved as.
    pub policy_version: i64,
    /// The one sentence the ticket page would give, in the request's language.
    pub explanation: String,
}

#[derive(Serialize, ToSchema)]
pub struct PreviewOut {
    /// Empty when the policy gives such a ticket no deadline.
    pub deadlines: Vec<PreviewDeadline>,
}

fn preview_deadline(d: &Deadline) -> PreviewDeadline {
    let lang = super::error::request_lang();
    PreviewDeadline {
        kind: d.kind.as_str().into(),
        due_at: ts(d.due_at),
        warn_at: ts(d.warn_at),
        minutes: d.basis.minutes,
        calendar: d.basis.calendar.clone(),
        policy_version: d.basis.policy_version,
        explanation: crate::http::web::deadlines::explain(lang, &d.explain()),
    }
}

/// The due times a contact would get under a draft policy, without saving anything. A
/// problem of the draft is named under `policy` (`policy.targets[2].minutes`).
#[utoipa::path(post, path = "/api/v1/deadline-policy/preview", request_body = PreviewIn, tag = "deadline policy", security(("bearer" = [])),
    responses((status = 200, body = PreviewOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn preview(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiJson(b): ApiJson<PreviewIn>,
) -> ApiResult<Json<PreviewOut>> {
    let deadlines = app::deadlines::preview(
        &state,
        &actor,
        &b.policy.input(),
        b.ticket_kind,
        b.region.unwrap_or(Region::Unknown),
        b.received_at.with_timezone(&Utc),
    )
    .await
    .map_err(|e| match e {
        // The draft's fields are named where the body has them.
        sanbao_domain::Error::Validation(errs) => {
            let mut named = sanbao_domain::FieldErrors::new();
            for (f, p) in errs.0 {
                named.add(format!("policy.{f}"), p);
            }
            sanbao_domain::Error::Validation(named)
        }
        other => other,
    })?;
    Ok(Json(PreviewOut {
        deadlines: deadlines.iter().map(preview_deadline).collect(),
    }))
}
