//! The manager's board (R6.1–R6.3): the department's open deadlines by state, each
//! person's load, the month's on-time figures with the tickets behind each, and the cause
//! a manager records for a breach. Everything here needs `WatchDeadlines` (admin, service
//! manager, quality engineer).
//!
//! A page of the board reads one index page; the counts per state and the load read every
//! open deadline, so they are shared between lookers: computed afresh after a write
//! through this instance, and otherwise served up to a few seconds old and then recomputed
//! in the background while the last figures are still served.

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
use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How long counts and loads are served as they are; older ones are still served while
/// one of the lookers' requests has them computed again in the background, so no page view
/// waits for a count over every open deadline but the first after a write.
const MAX_AGE: Duration = Duration::from_secs(5);

/// How long a figure may be kept at all.
const KEEP: Duration = Duration::from_secs(300);

/// A figure and when it was computed.
#[derive(Clone)]
struct Figure<T> {
    at: Instant,
    value: T,
}

/// Figures shared between lookers, each computed again in the background once stale.
struct Shared<T: Clone + Send + Sync + 'static> {
    figures: Cache<String, Figure<T>>,
    refreshing: Mutex<HashSet<String>>,
}

impl<T: Clone + Send + Sync + 'static> Shared<T> {
    fn new(capacity: u64) -> Self {
        Shared {
            figures: Cache::builder()
                .max_capacity(capacity)
                .time_to_live(KEEP)
                .build(),
            refreshing: Mutex::new(HashSet::new()),
        }
    }

    /// The figure under `key`: fresh, or stale while `compute` runs in the background,
    /// or — the first time — computed now (lookers arriving meanwhile wait for it).
    async fn get<F, Fut>(self: &Arc<Self>, key: String, compute: F) -> Result<T, Error>
    where
        F: Fn() -> Fut + Send + 'static,
        Fut: Future<Output = Result<T, Error>> + Send + 'static,
    {
        if let Some(f) = self.figures.get(&key).await {
            if f.at.elapsed() > MAX_AGE && self.start_refresh(&key) {
                let me = Arc::clone(self);
                tokio::spawn(async move {
                    match compute().await {
                        Ok(value) => {
                            me.figures
                                .insert(
                                    key.clone(),
                                    Figure {
                                        at: Instant::now(),
                                        value,
                                    },
                                )
                                .await;
                        }
                        Err(e) => tracing::warn!(error = %e, "board figures not refreshed"),
                    }
                    me.end_refresh(&key);
                });
            }
            return Ok(f.value);
        }
        self.figures
            .try_get_with(key, async move {
                compute().await.map(|value| Figure {
                    at: Instant::now(),
                    value,
                })
            })
            .await
            .map(|f| f.value)
            .map_err(|e| (*e).clone())
    }

    fn start_refresh(&self, key: &str) -> bool {
        self.refreshing
            .lock()
            .map(|mut r| r.insert(key.to_string()))
            .unwrap_or(false)
    }

    fn end_refresh(&self, key: &str) {
        if let Ok(mut r) = self.refreshing.lock() {
            r.remove(key);
        }
    }
}

/// Counts and loads, shared between lookers.
pub struct BoardCache {
    counts: Arc<Shared<StateCounts>>,
    loads: Arc<Shared<Vec<Load>>>,
}

impl Default for BoardCache {
    fn default() -> Self {
        BoardCache {
            counts: Arc::new(Shared::new(256)),
            loads: Arc::new(Shared::new(4)),
        }
    }
}

/// What a shared figure is keyed by: the writes this instance has seen (a write through
/// it has the figures computed afresh at once).
fn generation(state: &AppState) -> u64 {
    state.desk.generation()
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
    let key = format!("{}|{unstated:?}", generation(state));
    let db = state.db.clone();
    let clock = state.clone();
    state
        .board
        .counts
        .get(key, move || {
            let (db, unstated, now) = (db.clone(), unstated.clone(), clock.now().max(now));
            async move { db.board_counts(&unstated, now).await }
        })
        .await
}

/// Each person's load, the most breaches first.
pub async fn load(state: &AppState, actor: &User, now: DateTime<Utc>) -> Result<Vec<Load>, Error> {
    require(actor, Permission::WatchDeadlines)?;
    let db = state.db.clone();
    let clock = state.clone();
    state
        .board
        .loads
        .get(generation(state).to_string(), move || {
            let (db, now) = (db.clone(), clock.now().max(now));
            async move { db.board_load(now).await }
        })
        .await
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
