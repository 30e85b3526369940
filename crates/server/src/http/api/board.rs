//! `/api/v1/board`: the manager's board (R6.1–R6.3) — open deadlines by state with counts,
//! each person's load, a month's on-time figures and breaches; and
//! `PUT /api/v1/tickets/{id}/deadlines/{kind}/breach-cause`, the cause of a breach.

use super::customers::parse_region_filter;
use super::error::{ApiResult, ErrorBody};
use super::extract::Path;
use super::extract::{ApiJson, ApiQuery, ApiUser};
use super::ts;
use crate::app;
use crate::app::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use sanbao_domain::deadline::DeadlineState;
use sanbao_domain::deadline::board::{
    BoardCursor, BoardFilter, BoardLine, BreachCause, Load, Month, MonthFilter, MonthLine, Outcome,
    StateCounts, Tally, parse_open_state,
};
use sanbao_domain::ticket::{DeadlineKind, TicketKind};
use sanbao_domain::{Error, Problem, TicketId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(deadlines))
        .routes(routes!(load))
        .routes(routes!(month))
        .routes(routes!(month_deadlines))
        .routes(routes!(breach_cause))
}

fn invalid(field: &'static str, why: &str) -> Error {
    Error::field(field, Problem::invalid(why.to_string()))
}

fn filled(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|s| !s.is_empty())
}

/// A deadline kind named in `field`.
pub fn parse_deadline_kind(
    field: &'static str,
    v: Option<&str>,
) -> Result<Option<DeadlineKind>, Error> {
    filled(v)
        .map(|s| DeadlineKind::parse(s).ok_or_else(|| invalid(field, "not a deadline kind")))
        .transpose()
}

/// The board's filters from their names in a query (the page and the API read the same
/// names); a value that is not known is a 422 naming its field.
pub fn parse_filter(
    deadline_kind: Option<&str>,
    ticket_kind: Option<&str>,
    region: Option<&str>,
    owner_id: Option<&str>,
    state: Option<&str>,
) -> Result<BoardFilter, Error> {
    Ok(BoardFilter {
        deadline_kind: parse_deadline_kind("deadline_kind", deadline_kind)?,
        ticket_kind: filled(ticket_kind)
            .map(|s| {
                TicketKind::parse(s).ok_or_else(|| invalid("ticket_kind", "not a ticket kind"))
            })
            .transpose()?,
        region: parse_region_filter(region)?,
        owner: filled(owner_id)
            .map(|s| {
                s.parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map(UserId)
                    .ok_or_else(|| invalid("owner_id", "not a person's id"))
            })
            .transpose()?,
        state: filled(state)
            .map(|s| {
                parse_open_state(s).ok_or_else(|| {
                    invalid("state", "breached, due_soon, warning, pending or paused")
                })
            })
            .transpose()?,
    })
}

/// `?cursor=` of the board: a 422 naming `cursor` when it is not one the board handed out.
pub fn parse_cursor(c: Option<&str>) -> Result<Option<BoardCursor>, Error> {
    filled(c)
        .map(|s| {
            BoardCursor::decode(s)
                .ok_or_else(|| invalid("cursor", "not a cursor from a previous page"))
        })
        .transpose()
}

/// The drill-down's filters: `kind`, `region`, `outcome`.
pub fn parse_month_filter(
    kind: Option<&str>,
    region: Option<&str>,
    outcome: Option<&str>,
) -> Result<MonthFilter, Error> {
    Ok(MonthFilter {
        kind: parse_deadline_kind("kind", kind)?,
        region: parse_region_filter(region)?,
        outcome: filled(outcome)
            .map(|s| {
                Outcome::parse(s)
                    .ok_or_else(|| invalid("outcome", "on_time, late, running or void"))
            })
            .transpose()?,
    })
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BoardQuery {
    /// handling_opinion, arrival, reply
    pub deadline_kind: Option<String>,
    pub ticket_kind: Option<String>,
    /// The ticket's site region.
    pub region: Option<String>,
    /// Whose work: the ticket's owner (for an arrival, the technician sent, if any).
    pub owner_id: Option<String>,
    /// breached, due_soon, warning, pending, paused
    pub state: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CountsOut {
    pub breached: i64,
    pub due_soon: i64,
    pub warning: i64,
    pub pending: i64,
    pub paused: i64,
    pub total: i64,
}

impl From<StateCounts> for CountsOut {
    fn from(c: StateCounts) -> Self {
        CountsOut {
            breached: c.breached,
            due_soon: c.due_soon,
            warning: c.warning,
            pending: c.pending,
            paused: c.paused,
            total: c.total(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BoardLineOut {
    pub ticket_id: i64,
    pub number: String,
    pub ticket_kind: String,
    pub status: String,
    pub customer_name: String,
    pub summary: String,
    pub region: String,
    /// handling_opinion, arrival, reply
    pub kind: String,
    pub due_at: String,
    pub warn_at: String,
    pub paused_since: Option<String>,
    /// breached, due_soon, warning, pending, paused
    pub state: String,
    /// Minutes to the due time; negative when overdue.
    pub minutes_left: i64,
    pub owner_id: Option<i64>,
    pub owner_name: Option<String>,
}

impl BoardLineOut {
    pub fn new(l: BoardLine, now: DateTime<Utc>) -> Self {
        BoardLineOut {
            number: l.number(),
            state: l.state(now).as_str().into(),
            minutes_left: l.minutes_left(now),
            ticket_id: l.ticket_id.0,
            ticket_kind: l.ticket_kind.as_str().into(),
            status: l.status.as_str().into(),
            customer_name: l.customer_name,
            summary: l.summary,
            region: l.region.as_str().into(),
            kind: l.kind.as_str().into(),
            due_at: ts(l.times.due_at),
            warn_at: ts(l.times.warn_at),
            paused_since: l.times.paused_since.map(ts),
            owner_id: l.owner_id.map(|u| u.0),
            owner_name: l.owner_name,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct BoardOut {
    pub now: String,
    /// Open deadlines the filters keep, per state (the `state` filter aside).
    pub counts: CountsOut,
    pub items: Vec<BoardLineOut>,
    pub next_cursor: Option<String>,
}

/// The department's open deadlines, most urgent first, with counts per state (R6.1).
#[utoipa::path(get, path = "/api/v1/board/deadlines", params(BoardQuery), tag = "board", security(("bearer" = [])),
    responses((status = 200, body = BoardOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn deadlines(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    ApiQuery(q): ApiQuery<BoardQuery>,
) -> ApiResult<Json<BoardOut>> {
    let now = state.now();
    let filter = parse_filter(
        q.deadline_kind.as_deref(),
        q.ticket_kind.as_deref(),
        q.region.as_deref(),
        q.owner_id.as_deref(),
        q.state.as_deref(),
    )?;
    let cursor = parse_cursor(q.cursor.as_deref())?;
    let limit = app::clamp_limit(q.limit);
    let mut lines =
        app::board::lines(&state, &actor, &filter, cursor.as_ref(), Some(limit), now).await?;
    let counts = app::board::counts(&state, &actor, &filter, now).await?;
    let more = lines.len() > usize::try_from(limit).unwrap_or(0);
    lines.truncate(usize::try_from(limit).unwrap_or(0));
    let next_cursor = if more {
        lines.last().map(|l| l.cursor().encode())
    } else {
        None
    };
    Ok(Json(BoardOut {
        now: ts(now),
        counts: counts.into(),
        items: lines
            .into_iter()
            .map(|l| BoardLineOut::new(l, now))
            .collect(),
        next_cursor,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct LoadOut {
    /// `null`: work nobody owns yet.
    pub user_id: Option<i64>,
    pub name: Option<String>,
    /// Open tickets they own.
    pub open_tickets: i64,
    /// Open deadlines that are their work.
    pub running: i64,
    pub warnings: i64,
    pub breaches: i64,
}

impl From<Load> for LoadOut {
    fn from(l: Load) -> Self {
        LoadOut {
            user_id: l.user_id.map(|u| u.0),
            name: l.name,
            open_tickets: l.open_tickets,
            running: l.running,
            warnings: l.warnings,
            breaches: l.breaches,
        }
    }
}

/// Each person's load: open tickets, running deadlines, warnings and breaches (R6.1).
#[utoipa::path(get, path = "/api/v1/board/load", tag = "board", security(("bearer" = [])),
    responses((status = 200, body = [LoadOut]), (status = 403, body = ErrorBody)))]
pub async fn load(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
) -> ApiResult<Json<Vec<LoadOut>>> {
    let rows = app::board::load(&state, &actor, state.now()).await?;
    Ok(Json(rows.into_iter().map(LoadOut::from).collect()))
}

#[derive(Serialize, ToSchema)]
pub struct TallyOut {
    /// The deadline kind or region counted; `null` for all.
    pub key: Option<String>,
    pub on_time: i64,
    pub late: i64,
    /// Decided: on time plus late.
    pub due: i64,
    /// Not decided yet (not yet due, or paused before due).
    pub running: i64,
    /// On time per decided deadline, 0–1; `null` when none was decided.
    pub on_time_rate: Option<f64>,
}

impl TallyOut {
    fn new(key: Option<&str>, t: Tally) -> Self {
        TallyOut {
            key: key.map(str::to_string),
            on_time: t.on_time,
            late: t.late,
            due: t.due(),
            running: t.running,
            #[allow(clippy::cast_precision_loss)]
            on_time_rate: t.rate_permille().map(|p| p as f64 / 1000.0),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MonthLineOut {
    pub ticket_id: i64,
    pub number: String,
    pub ticket_kind: String,
    pub customer_name: String,
    pub region: String,
    pub kind: String,
    pub due_at: String,
    pub met_at: Option<String>,
    /// met, met_late, breached, … as the deadline stands now.
    pub state: String,
    /// on_time, late, running, void
    pub outcome: String,
    pub owner_name: Option<String>,
    /// The recorded cause of a breach: no_technician_free, travel, customer_unreachable,
    /// waiting_for_parts, wrong_region, recorded_late, other.
    pub cause: Option<String>,
    pub cause_note: Option<String>,
}

impl MonthLineOut {
    pub fn new(l: MonthLine, now: DateTime<Utc>) -> Self {
        let state: DeadlineState = l.state(now);
        MonthLineOut {
            number: l.number(),
            state: state.as_str().into(),
            outcome: Outcome::of(state).as_str().into(),
            ticket_id: l.ticket_id.0,
            ticket_kind: l.ticket_kind.as_str().into(),
            customer_name: l.customer_name,
            region: l.region.as_str().into(),
            kind: l.kind.as_str().into(),
            due_at: ts(l.due_at),
            met_at: l.met_at.map(ts),
            owner_name: l.owner_name,
            cause: l.cause.as_ref().map(|c| c.category.as_str().to_string()),
            cause_note: l.cause.and_then(|c| c.note),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MonthOut {
    /// YYYY-MM, company time (Asia/Shanghai).
    pub month: String,
    /// How the rate is counted.
    pub definition: String,
    pub total: TallyOut,
    pub by_kind: Vec<TallyOut>,
    pub by_region: Vec<TallyOut>,
    /// Every late deadline of the month, with its recorded cause.
    pub breaches: Vec<MonthLineOut>,
}

/// The definition the month's figures state, in the API's words.
pub const RATE_DEFINITION: &str = "Deadlines due in the month (company time): on-time rate = met by the due time / (met by the due time + late); late = met after the due time or still unmet past it; deadlines not yet due or paused before their due time are not counted yet; deadlines of cancelled tickets are not counted.";

/// A month's figures: on-time rate per deadline kind and per region, and its breaches
/// with their causes (R6.2).
#[utoipa::path(get, path = "/api/v1/board/months/{month}", params(("month" = String, Path, description = "YYYY-MM")), tag = "board", security(("bearer" = [])),
    responses((status = 200, body = MonthOut), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn month(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(month): Path<String>,
) -> ApiResult<Json<MonthOut>> {
    let now = state.now();
    let m = Month::parse(&month).map_err(|p| Error::field("month", p))?;
    let (f, lines) = app::board::month(&state, &actor, m, now).await?;
    Ok(Json(MonthOut {
        month: f.month.clone(),
        definition: RATE_DEFINITION.into(),
        total: TallyOut::new(None, f.total),
        by_kind: f
            .by_kind
            .iter()
            .map(|(k, t)| TallyOut::new(Some(k.as_str()), *t))
            .collect(),
        by_region: f
            .by_region
            .iter()
            .map(|(r, t)| TallyOut::new(Some(r.as_str()), *t))
            .collect(),
        breaches: lines
            .into_iter()
            .filter(|l| l.outcome(now) == Outcome::Late)
            .map(|l| MonthLineOut::new(l, now))
            .collect(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MonthQuery {
    /// A deadline kind.
    pub kind: Option<String>,
    pub region: Option<String>,
    /// on_time, late, running, void
    pub outcome: Option<String>,
}

/// The deadlines behind a figure of the month (R6.3).
#[utoipa::path(get, path = "/api/v1/board/months/{month}/deadlines", params(("month" = String, Path, description = "YYYY-MM"), MonthQuery), tag = "board", security(("bearer" = [])),
    responses((status = 200, body = [MonthLineOut]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn month_deadlines(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path(month): Path<String>,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<Json<Vec<MonthLineOut>>> {
    let now = state.now();
    let m = Month::parse(&month).map_err(|p| Error::field("month", p))?;
    let filter = parse_month_filter(q.kind.as_deref(), q.region.as_deref(), q.outcome.as_deref())?;
    let lines = app::board::behind(&state, &actor, m, &filter, now).await?;
    Ok(Json(
        lines
            .into_iter()
            .map(|l| MonthLineOut::new(l, now))
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreachCauseIn {
    /// no_technician_free, travel, customer_unreachable, waiting_for_parts, wrong_region,
    /// recorded_late, other
    pub category: String,
    /// Required for `other`; at most 500 characters.
    pub note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct BreachCauseOut {
    pub ticket_id: i64,
    pub kind: String,
    pub category: String,
    pub note: Option<String>,
    pub version: i64,
}

/// Record why a breached deadline was breached (replaces an earlier cause; audited).
#[utoipa::path(put, path = "/api/v1/tickets/{id}/deadlines/{kind}/breach-cause",
    params(("id" = i64, Path), ("kind" = String, Path, description = "handling_opinion, arrival, reply")),
    request_body = BreachCauseIn, tag = "board", security(("bearer" = [])),
    responses((status = 200, body = BreachCauseOut), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn breach_cause(
    State(state): State<AppState>,
    ApiUser(actor): ApiUser,
    Path((id, kind)): Path<(i64, String)>,
    ApiJson(b): ApiJson<BreachCauseIn>,
) -> ApiResult<Json<BreachCauseOut>> {
    let kind = DeadlineKind::parse(&kind).ok_or(Error::NotFound("deadline"))?;
    let cause = BreachCause::parse(&b.category, b.note.as_deref().unwrap_or_default())?;
    let version =
        app::board::record_cause(&state, &actor, TicketId(id), kind, &cause, state.now()).await?;
    Ok(Json(BreachCauseOut {
        ticket_id: id,
        kind: kind.as_str().into(),
        category: cause.category.as_str().into(),
        note: cause.note,
        version,
    }))
}
