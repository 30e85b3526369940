//! `/api/v1/tickets`: contacts, their deadlines and their workflow; the service desk.

use super::customers::{AuditOut, parse_region_filter};
use super::error::request_lang;
use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser, IdemKey, replayable};
use super::units::CoverageOut;
use super::{Page, cursor, ts};
use crate::app::AppState;
use crate::app::{self, clamp_limit};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, FixedOffset, Utc};
use sanbao_domain::ticket::{
    Channel, EventInput, EventType, Ticket, TicketInput, TicketKind, TicketStatus,
};
use sanbao_domain::ticket::{Dashboard, TicketFilter, TicketSummary};
use sanbao_domain::{CustomerId, Error, Problem, SiteId, TicketId, UnitId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// `/api/v1/tickets` and the service desk, `/api/v1/dashboard`.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(get))
        .routes(routes!(events, record_event))
        .routes(routes!(dashboard))
}

/// Serialised again only for an idempotency key's fingerprint.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketIn {
    /// consultation, correspondence, complaint_quality, complaint_other, emergency, repair,
    /// installation, technical_guidance, training, return_request
    #[schema(value_type = String, example = "emergency")]
    pub kind: TicketKind,
    /// phone, email, letter, visit, portal, salesperson
    #[schema(value_type = String, example = "phone")]
    pub channel: Channel,
    pub customer_id: i64,
    /// The installed unit the contact is about: the ticket's site (and so an emergency's
    /// arrival deadline) is the unit's, and its coverage on the received date is recorded.
    pub unit_id: Option<i64>,
    /// The site, when no unit is named; the customer's first site otherwise.
    pub site_id: Option<i64>,
    /// The unit as the customer describes it: model, serial number, cabinet.
    pub unit_text: Option<String>,
    /// When the contact was received, RFC 3339 with offset; now if omitted.
    #[schema(value_type = Option<String>, example = "2026-11-27T09:30:00+08:00")]
    pub received_at: Option<DateTime<FixedOffset>>,
    pub summary: String,
    /// The owner (R3.10). When omitted, a complaint goes to the service manager and a
    /// consultation or a letter to the senior engineer with the fewest open ones.
    pub assignee_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineOut {
    /// handling_opinion, arrival, reply
    pub kind: String,
    pub due_at: String,
    pub met_at: Option<String>,
    pub breached: bool,
    /// pending, warning, due_soon, breached, paused, met, met_late, void
    pub state: String,
    /// When the owner is (or was) warned.
    pub warn_at: String,
    /// The clock stopped then, while the ticket waits for the customer.
    pub paused_since: Option<String>,
    /// What the due time was computed from: the policy version, the target's duration in
    /// minutes and its clock (`null`: the wall clock; else the business calendar's name),
    /// the region it was chosen by, and minutes paused so far.
    pub policy_version: i64,
    pub minutes: i64,
    pub calendar: Option<String>,
    pub region: Option<String>,
    pub paused_minutes: i64,
    /// What the watcher has done: warned, escalated, escalated again (when).
    pub warned_at: Option<String>,
    pub escalated_at: Option<String>,
    pub escalated_again_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TicketOut {
    pub id: i64,
    /// The number people quote: SB00000042.
    pub number: String,
    pub kind: String,
    pub channel: String,
    pub customer_id: i64,
    pub unit_text: Option<String>,
    pub summary: String,
    /// open, in_progress, dispatched, on_site, waiting, resolved, closed, cancelled
    pub status: String,
    pub received_at: String,
    /// The site's region when the contact came in.
    pub site_region: String,
    /// Where the work is: the unit's site, the site named, or the customer's first site.
    pub site_id: Option<i64>,
    pub unit_id: Option<i64>,
    /// The unit's coverage on the received date, recorded when the unit was named.
    pub coverage: Option<CoverageOut>,
    pub assignee_id: Option<i64>,
    pub technician_id: Option<i64>,
    pub opinion: Option<String>,
    pub reply: Option<String>,
    pub resolution: Option<String>,
    pub deadlines: Vec<DeadlineOut>,
    pub created_by: i64,
    pub created_at: String,
    pub updated_at: String,
    pub version: i64,
    /// The opinion's response, the quality-review flag, the reply's medium and review.
    pub answers: AnswersOut,
}

// --- replies (issue 7, parts 4-5) ---

#[derive(Serialize, ToSchema)]
pub struct OpinionResponseOut {
    /// accepted, disputed
    pub response: String,
    pub text: String,
    pub by: i64,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct QualityFlagOut {
    /// Why the owner marked it; none for a complaint about quality from intake.
    pub reason: Option<String>,
    pub by: i64,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReplyReviewOut {
    pub correct: bool,
    pub comment: String,
    pub by: i64,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct AnswersOut {
    /// The customer's response to the current handling opinion.
    pub opinion_response: Option<OpinionResponseOut>,
    /// Flagged for the quality review.
    pub quality_review: Option<QualityFlagOut>,
    /// phone, email, letter, wechat, in_person, fax
    pub reply_sent_via: Option<String>,
    pub reply_by: Option<i64>,
    pub reply_review: Option<ReplyReviewOut>,
}

impl AnswersOut {
    pub fn new(a: sanbao_domain::replies::Answers) -> Self {
        AnswersOut {
            opinion_response: a.opinion_response.map(|r| OpinionResponseOut {
                response: r.response.as_str().into(),
                text: r.text,
                by: r.by.0,
                at: ts(r.at),
            }),
            quality_review: a.quality_review.map(|f| QualityFlagOut {
                reason: f.reason,
                by: f.by.0,
                at: ts(f.at),
            }),
            reply_sent_via: a.reply_sent_via.map(|m| m.as_str().into()),
            reply_by: a.reply_by.map(|u| u.0),
            reply_review: a.reply_review.map(|r| ReplyReviewOut {
                correct: r.correct,
                comment: r.comment,
                by: r.by.0,
                at: ts(r.at),
            }),
        }
    }
}
// --- end replies ---

impl TicketOut {
    pub fn new(t: Ticket, now: DateTime<Utc>) -> Self {
        TicketOut {
            number: t.number(),
            deadlines: t
                .deadlines
                .iter()
                .map(|d| DeadlineOut {
                    kind: d.kind.as_str().into(),
                    due_at: ts(d.due_at),
                    met_at: d.met_at.map(ts),
                    breached: d.breached(now) && t.status != TicketStatus::Cancelled,
                    state: d.state(now, t.status).as_str().into(),
                    warn_at: ts(d.warn_at),
                    paused_since: d.paused_since.map(ts),
                    policy_version: d.basis.policy_version,
                    minutes: d.basis.minutes,
                    calendar: d.basis.calendar.clone(),
                    region: d.basis.region.map(|r| r.as_str().into()),
                    paused_minutes: d.basis.paused_minutes,
                    warned_at: d.alarms.warned_at.map(ts),
                    escalated_at: d.alarms.escalated_at.map(ts),
                    escalated_again_at: d.alarms.escalated_again_at.map(ts),
                })
                .collect(),
            id: t.id.0,
            kind: t.kind.as_str().into(),
            channel: t.channel.as_str().into(),
            customer_id: t.customer_id.0,
            unit_text: t.unit_text,
            summary: t.summary,
            status: t.status.as_str().into(),
            received_at: ts(t.received_at),
            site_region: t.site_region.as_str().into(),
            site_id: t.site_id.map(|s| s.0),
            unit_id: t.unit_id.map(|u| u.0),
            coverage: t
                .coverage
                .as_ref()
                .map(|c| CoverageOut::new(c, request_lang())),
            assignee_id: t.assignee_id.map(|u| u.0),
            technician_id: t.technician_id.map(|u| u.0),
            opinion: t.opinion,
            reply: t.reply,
            resolution: t.resolution,
            created_by: t.created_by.0,
            created_at: ts(t.created_at),
            updated_at: ts(t.updated_at),
            version: t.version,
            answers: AnswersOut::new(t.answers),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TicketListItem {
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub channel: String,
    pub status: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub summary: String,
    pub site_region: String,
    pub received_at: String,
    /// The nearest unmet deadline while work goes on.
    pub next_due_at: Option<String>,
    pub next_due_kind: Option<String>,
    /// The nearest deadline has passed unmet.
    pub overdue: bool,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub technician_name: Option<String>,
}

impl TicketListItem {
    pub fn new(r: TicketSummary, now: DateTime<Utc>) -> Self {
        TicketListItem {
            number: r.number(),
            overdue: r.overdue(now),
            next_due_at: r.next_due_at.map(ts),
            id: r.id.0,
            kind: r.kind.as_str().into(),
            channel: r.channel.as_str().into(),
            status: r.status.as_str().into(),
            customer_id: r.customer_id.0,
            customer_name: r.customer_name,
            summary: r.summary,
            site_region: r.site_region.as_str().into(),
            received_at: ts(r.received_at),
            next_due_kind: r.next_due_kind.map(|k| k.as_str().into()),
            assignee_id: r.assignee_id.map(|u| u.0),
            assignee_name: r.assignee_name,
            technician_name: r.technician_name,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TicketQuery {
    /// Number (SB00000042), summary, unit or customer name.
    pub q: Option<String>,
    pub kind: Option<String>,
    /// A status, or `open` for everything still being worked on.
    pub status: Option<String>,
    pub region: Option<String>,
    pub customer_id: Option<i64>,
    /// Assigned to or sent to site: one person's work.
    pub person_id: Option<i64>,
    /// Only tickets whose nearest deadline has passed unmet.
    pub overdue: Option<bool>,
    /// Only complaints flagged for the quality review.
    pub quality_review: Option<bool>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

impl TicketQuery {
    pub fn filter(&self, now: DateTime<Utc>) -> Result<TicketFilter, Error> {
        let kind = match self.kind.as_deref().filter(|s| !s.is_empty()) {
            None => None,
            Some(k) => Some(
                TicketKind::parse(k)
                    .ok_or_else(|| Error::field("kind", Problem::invalid("not a ticket kind")))?,
            ),
        };
        let (status, open) = match self.status.as_deref().filter(|s| !s.is_empty()) {
            None => (None, false),
            Some("open") => (None, true),
            Some(s) => (
                Some(TicketStatus::parse(s).ok_or_else(|| {
                    Error::field("status", Problem::invalid("not a ticket status"))
                })?),
                false,
            ),
        };
        Ok(TicketFilter {
            q: self.q.clone(),
            kind,
            status,
            open,
            overdue_at: self.overdue.unwrap_or(false).then_some(now),
            region: parse_region_filter(self.region.as_deref())?,
            customer_id: self.customer_id.map(CustomerId),
            person_id: self.person_id.map(UserId),
            quality_review: self.quality_review.unwrap_or(false),
        })
    }
}

/// Tickets, newest first, with filters.
#[utoipa::path(get, path = "/api/v1/tickets", params(TicketQuery), tag = "tickets", security(("bearer" = [])),
    responses((status = 200, body = Page<TicketListItem>), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<TicketQuery>,
) -> ApiResult<Json<Page<TicketListItem>>> {
    let now = state.now();
    let limit = clamp_limit(q.limit);
    let rows = app::tickets::tickets(
        &state,
        &actor,
        &q.filter(now)?,
        limit + 1,
        cursor(q.cursor.as_deref())?,
    )
    .await?;
    let items = rows
        .into_iter()
        .map(|r| TicketListItem::new(r, now))
        .collect();
    Ok(Json(Page::from_rows(items, limit, |t| t.id)))
}

/// Record an incoming contact; its deadlines are computed from its kind and the site's region.
///
/// With an `Idempotency-Key`, sending the same request again opens nothing: it answers
/// 201 with the ticket the first one opened, as it is now, and `Idempotent-Replay: true`.
#[utoipa::path(post, path = "/api/v1/tickets", request_body = TicketIn, tag = "tickets", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY_DOC)),
    responses((status = 201, body = TicketOut, headers(("Idempotent-Replay" = String, description = "`true` when this is the answer of an earlier request with the same `Idempotency-Key`"))),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    ApiJson(b): ApiJson<TicketIn>,
) -> ApiResult<Response> {
    let once = key.once("POST /api/v1/tickets", &b)?;
    let now = state.now();
    let input = TicketInput {
        kind: b.kind,
        channel: b.channel,
        customer_id: CustomerId(b.customer_id),
        unit_id: b.unit_id.map(UnitId),
        site_id: b.site_id.map(SiteId),
        unit_text: b.unit_text,
        summary: b.summary,
        received_at: b.received_at.map_or(now, |r| r.with_timezone(&Utc)),
    };
    let a = app::tickets::open_ticket_once(
        &state,
        &actor,
        input,
        b.assignee_id.map(UserId),
        once.as_ref(),
        now,
    )
    .await?;
    Ok(replayable(
        a.replayed,
        (StatusCode::CREATED, Json(TicketOut::new(a.value, now))),
    ))
}

// ---- Idempotency keys ----
/// The `Idempotency-Key` header as the OpenAPI document describes it.
pub const IDEMPOTENCY_KEY_DOC: &str = "1 to 200 visible ASCII characters, unique per request \
    the client means (a UUID): the same request sent again with it is done once and answered \
    the same; the key with another request is a 422 naming `Idempotency-Key`. Kept 7 days, per user.";
// ---- end idempotency keys ----

/// One ticket with its deadlines.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", params(("id" = i64, Path)), tag = "tickets", security(("bearer" = [])),
    responses((status = 200, body = TicketOut), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<TicketOut>> {
    let t = app::tickets::ticket(&state, &actor, TicketId(id)).await?;
    Ok(Json(TicketOut::new(t, state.now())))
}

/// A ticket's timeline: every step, who, when, before and after (R1.4).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/events", params(("id" = i64, Path)), tag = "tickets", security(("bearer" = [])),
    responses((status = 200, body = [AuditOut]), (status = 404, body = ErrorBody)))]
pub async fn events(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(id): Path<i64>,
) -> ApiResult<Json<Vec<AuditOut>>> {
    app::tickets::ticket(&state, &actor, TicketId(id)).await?;
    let trail = app::tickets::timeline(&state, &actor, TicketId(id)).await?;
    Ok(Json(trail.into_iter().map(AuditOut::from).collect()))
}

/// Serialised again only for an idempotency key's fingerprint.
#[derive(Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventIn {
    /// assign, give_opinion, reply, dispatch, check_in, note, resolve, close, reopen, cancel,
    /// link_unit, pause, resume, reclassify, respond_to_opinion, flag_quality, review_reply
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "give_opinion")]
    pub event_type: EventType,
    /// The ticket version you read: a stale one is refused with 409.
    pub version: i64,
    /// `assign`: the owner (R3.10).
    pub assignee_id: Option<i64>,
    /// `dispatch`: who goes on site.
    pub technician_id: Option<i64>,
    /// `link_unit`: the unit the ticket is about, once known.
    pub unit_id: Option<i64>,
    /// `reclassify`: what the contact turned out to be about.
    #[schema(value_type = Option<String>, example = "complaint_quality")]
    pub kind: Option<TicketKind>,
    /// `give_opinion`: the handling opinion (R3.3).
    pub opinion: Option<String>,
    /// `reply`: the answer sent (R3.5, R3.7).
    pub reply: Option<String>,
    /// `note`; `respond_to_opinion`: the customer's words.
    pub text: Option<String>,
    /// `resolve`.
    pub resolution: Option<String>,
    /// `reopen`, `cancel`, `pause` (what the ticket waits for), `reclassify`;
    /// `flag_quality`: why it goes to the quality review.
    pub reason: Option<String>,
    /// `check_in`: when the technician arrived, if reported later; now if omitted.
    #[schema(value_type = Option<String>)]
    pub at: Option<DateTime<FixedOffset>>,
    /// `reply`: how it was sent — phone, email, letter, wechat, in_person, fax; the way
    /// the contact came in when omitted.
    pub sent_via: Option<String>,
    /// `respond_to_opinion`: accepted or disputed (with `text`, the customer's words).
    pub response: Option<String>,
    /// `review_reply`: whether the reply was correct (with `comment`).
    pub correct: Option<bool>,
    /// `review_reply`: the reviewer's comment.
    pub comment: Option<String>,
}

/// One step of the workflow, recorded and audited.
///
/// With an `Idempotency-Key`, sending the same step again changes nothing (and is no 409):
/// it answers the ticket as it is now, with `Idempotent-Replay: true`.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/events", request_body = EventIn, tag = "tickets", security(("bearer" = [])),
    params(("id" = i64, Path), ("Idempotency-Key" = Option<String>, Header, description = IDEMPOTENCY_KEY_DOC)),
    responses((status = 200, body = TicketOut, headers(("Idempotent-Replay" = String, description = "`true` when this is the answer of an earlier request with the same `Idempotency-Key`"))),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_event(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    key: IdemKey,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<EventIn>,
) -> ApiResult<Response> {
    let once = key.once(&format!("POST /api/v1/tickets/{id}/events"), &b)?;
    let input = EventInput {
        event_type: Some(b.event_type),
        assignee_id: b.assignee_id.map(UserId),
        technician_id: b.technician_id.map(UserId),
        unit_id: b.unit_id.map(UnitId),
        kind: b.kind,
        opinion: b.opinion,
        reply: b.reply,
        text: b.text,
        resolution: b.resolution,
        reason: b.reason,
        at: b.at.map(|a| a.with_timezone(&Utc)),
        sent_via: b.sent_via,
        response: b.response,
        correct: b.correct,
        comment: b.comment,
    };
    let now = state.now();
    let a = app::tickets::record_event_once(
        &state,
        &actor,
        TicketId(id),
        b.version,
        &input,
        once.as_ref(),
        now,
    )
    .await?;
    Ok(replayable(a.replayed, Json(TicketOut::new(a.value, now))))
}

#[derive(Serialize, ToSchema)]
pub struct DashboardOut {
    pub now: String,
    /// Tickets still being worked on.
    pub open: i64,
    /// Open tickets whose nearest deadline has passed unmet.
    pub breached: i64,
    /// Due within the hour.
    pub due_soon: i64,
    /// Open work by nearest deadline (at most 50).
    pub by_deadline: Vec<TicketListItem>,
    /// Open work with no deadline, newest first (at most 50).
    pub without_deadline: Vec<TicketListItem>,
}

impl DashboardOut {
    pub fn new(d: Dashboard, now: DateTime<Utc>) -> Self {
        DashboardOut {
            now: ts(now),
            open: d.open,
            breached: d.breached,
            due_soon: d.due_soon,
            by_deadline: d
                .by_deadline
                .into_iter()
                .map(|r| TicketListItem::new(r, now))
                .collect(),
            without_deadline: d
                .without_deadline
                .into_iter()
                .map(|r| TicketListItem::new(r, now))
                .collect(),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DashboardQuery {
    /// One person's work (assigned or sent to site).
    pub person_id: Option<i64>,
}

/// The service desk: breached, due within the hour, open work by nearest deadline (R6.1).
#[utoipa::path(get, path = "/api/v1/dashboard", params(DashboardQuery), tag = "tickets", security(("bearer" = [])),
    responses((status = 200, body = DashboardOut)))]
pub async fn dashboard(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<DashboardQuery>,
) -> ApiResult<Json<DashboardOut>> {
    let now = state.now();
    let d = app::tickets::dashboard(&state, &actor, q.person_id.map(UserId), now).await?;
    Ok(Json(DashboardOut::new(d, now)))
}
