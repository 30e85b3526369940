//! The manager's board (R6.1–R6.3): the department's open deadlines by state, each
//! person's load, the month's on-time figures with the tickets behind each, and the cause
//! a manager records for a breach. Everything here needs `WatchDeadlines` (admin, service
//! manager, quality engineer).
//!
//! A page of the board reads one index page; the counts per state and the load read every
//! open deadline, so they are computed at most once per few seconds for everyone looking
//! (and afresh after a write through this instance), like the service desk.

use super::state::AppState;
use super::{clamp_limit, require};
use chrono::{DateTime, Utc};
use moka::future::Cache;
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::deadline::board::{
    BoardCursor, BoardFilter, BoardLine, BreachCause, Load, Month, MonthFigures, MonthFilter,
    MonthLine, StateCounts, figures, may_have_cause,
};
use sanbao_domain::ticket::DeadlineKind;
use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission, TicketId};
use std::time::Duration;

/// How long counts and loads are shared between lookers.
const MAX_AGE: Duration = Duration::from_secs(5);

/// Counts and loads, shared for a moment.
pub struct BoardCache {
    counts: Cache<String, StateCounts>,
    loads: Cache<String, Vec<Load>>,
}

impl Default for BoardCache {
    fn default() -> Self {
        BoardCache {
            counts: Cache::builder()
                .max_capacity(256)
                .time_to_live(MAX_AGE)
                .build(),
            loads: Cache::builder()
                .max_capacity(4)
                .time_to_live(MAX_AGE)
                .build(),
        }
    }
}

/// What a shared figure is keyed by: the writes seen so far (a write through this
/// instance makes it stale) and the moment, to the few seconds it is shared.
fn moment(state: &AppState, now: DateTime<Utc>) -> String {
    let bucket = now.timestamp_millis() / i64::try_from(MAX_AGE.as_millis()).unwrap_or(5_000);
    format!("{}|{bucket}", state.desk.generation())
}

/// A page of the open deadlines the filter keeps, most urgent first: `limit + 1` lines at
/// most (the extra one only says there is more).
pub async fn lines(
    state: &AppState,
    actor: &User,
    filter: &BoardFilter,
    cursor: Option<&BoardCursor>,
    limit: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Vec<BoardLine>, Error> {
    require(actor, Permission::WatchDeadlines)?;
    state
        .db
        .board_lines(filter, now, cursor, clamp_limit(limit) + 1)
        .await
}

/// Every open deadline the filter keeps (its state aside), counted per state.
pub async fn counts(
    state: &AppState,
    actor: &User,
    filter: &BoardFilter,
    now: DateTime<Utc>,
) -> Result<StateCounts, Error> {
    require(actor, Permission::WatchDeadlines)?;
    let unstated = BoardFilter {
        state: None,
        ..filter.clone()
    };
    let key = format!("{}|{unstated:?}", moment(state, now));
    state
        .board
        .counts
        .try_get_with(key, state.db.board_counts(&unstated, now))
        .await
        .map_err(|e| (*e).clone())
}

/// Each person's load, the most breaches first.
pub async fn load(state: &AppState, actor: &User, now: DateTime<Utc>) -> Result<Vec<Load>, Error> {
    require(actor, Permission::WatchDeadlines)?;
    state
        .board
        .loads
        .try_get_with(moment(state, now), state.db.board_load(now))
        .await
        .map_err(|e| (*e).clone())
}

/// The deadlines due in `month` (company time), each with its recorded cause.
pub async fn month_lines(
    state: &AppState,
    actor: &User,
    month: Month,
) -> Result<Vec<MonthLine>, Error> {
    require(actor, Permission::WatchDeadlines)?;
    state
        .db
        .deadlines_due_between(month.start(), month.end())
        .await
}

/// The month's figures at `now`, and the deadlines behind them.
pub async fn month(
    state: &AppState,
    actor: &User,
    month: Month,
    now: DateTime<Utc>,
) -> Result<(MonthFigures, Vec<MonthLine>), Error> {
    let lines = month_lines(state, actor, month).await?;
    Ok((figures(month, &lines, now), lines))
}

/// The month's deadlines one figure stands for.
pub async fn behind(
    state: &AppState,
    actor: &User,
    month: Month,
    filter: &MonthFilter,
    now: DateTime<Utc>,
) -> Result<Vec<MonthLine>, Error> {
    let lines = month_lines(state, actor, month).await?;
    Ok(lines
        .into_iter()
        .filter(|l| filter.matches(l, now))
        .collect())
}

/// Record why a breached deadline was breached (replacing a cause recorded before),
/// audited. A deadline not breached takes no cause (422 naming `deadline`).
pub async fn record_cause(
    state: &AppState,
    actor: &User,
    ticket: TicketId,
    kind: DeadlineKind,
    cause: &BreachCause,
    now: DateTime<Utc>,
) -> Result<i64, Error> {
    require(actor, Permission::WatchDeadlines)?;
    let mut tx = state.db.begin().await?;
    let (times, status) = tx
        .deadline_times(ticket, kind)
        .await?
        .ok_or(Error::NotFound("deadline"))?;
    may_have_cause(times.state(now, status))?;
    let before = tx.breach_cause(ticket, kind).await?;
    let version = tx
        .put_breach_cause(ticket, kind, cause, actor.id, now)
        .await?;
    let view = |c: &BreachCause| serde_json::json!({"deadline": kind.as_str(), "category": c.category.as_str(), "note": c.note});
    tx.audit(&NewAuditEntry {
        entity: "breach_cause",
        entity_id: ticket.0,
        action: if before.is_some() { "update" } else { "create" }.to_string(),
        actor_id: Some(actor.id),
        at: now,
        note: None,
        before: before
            .as_ref()
            .map_or(serde_json::Value::Null, |(c, _)| view(c)),
        after: view(cause),
    })
    .await?;
    tx.commit().await?;
    state.desk.changed();
    tracing::info!(
        ticket_id = ticket.0,
        kind = kind.as_str(),
        category = cause.category.as_str(),
        "breach cause recorded"
    );
    Ok(version)
}
