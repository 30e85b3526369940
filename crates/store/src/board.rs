//! The manager's board (R6.1–R6.3): open deadlines a page at a time in due order, counted
//! by state and by person; the deadlines due in a month; the causes of breaches.
//!
//! Which stored instants make a state, and whose work a deadline is, are the domain's
//! rules ([`windows`], [`owner_sources`]); this file only turns them into conditions on the
//! stored columns. The pages read the partial index of unmet deadlines in due order
//! (migration 0010), so a page costs the same at a thousand open deadlines as at a million.

use crate::sql::{Arg, WORKING_LANES, bind_all};
use crate::{Db, Tx, at, corrupt, internal, ms, on_tx, parse, read};
use chrono::{DateTime, Utc};
use sanbao_domain::deadline::Times;
use sanbao_domain::deadline::board::{
    BoardCursor, BoardFilter, BoardLine, BoardTimes, BreachCategory, BreachCause, Load, MonthLine,
    OPEN_STATES, PersonColumn, StateCounts, Window, owner_sources, windows,
};
use sanbao_domain::ticket::{DeadlineKind, TicketKind, TicketStatus};
use sanbao_domain::{Error, Region, TicketId, UserId};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use tracing::instrument;

/// The owner of deadline `d` of ticket `t`, as SQL: per deadline kind, the first of the
/// domain's columns that is set.
static OWNER: LazyLock<String> = LazyLock::new(|| {
    let col = |c: &PersonColumn| match c {
        PersonColumn::Assignee => "t.assignee_id",
        PersonColumn::Technician => "t.technician_id",
    };
    let mut sql = String::from("(CASE d.kind");
    for kind in DeadlineKind::ALL {
        let cols: Vec<&str> = owner_sources(*kind).iter().map(col).collect();
        let expr = if cols.len() == 1 {
            cols[0].to_string()
        } else {
            format!("COALESCE({})", cols.join(", "))
        };
        sql.push_str(&format!(" WHEN '{}' THEN {expr}", kind.as_str()));
    }
    sql.push_str(" ELSE t.assignee_id END)");
    sql
});

/// `warn_at` as the store reads it: a deadline written before warnings existed warns at
/// its due time.
const WARN_AT: &str = "COALESCE(d.warn_at, d.due_at)";

/// Conditions and their arguments, numbered as they are pushed.
#[derive(Default)]
struct Where {
    cond: Vec<String>,
    args: Vec<Arg>,
}

impl Where {
    fn arg(&mut self, a: Arg) -> String {
        self.args.push(a);
        format!("${}", self.args.len())
    }

    fn push(&mut self, sql: String) {
        self.cond.push(sql);
    }

    fn sql(&self) -> String {
        self.cond.join(" AND ")
    }

    /// One window of a state as SQL.
    fn window(&mut self, w: &Window) -> String {
        let mut parts = vec![if w.paused {
            "d.paused_since IS NOT NULL".to_string()
        } else {
            "d.paused_since IS NULL".to_string()
        }];
        for (col, op, bound) in [
            ("d.due_at", ">=", w.due_min),
            ("d.due_at", "<=", w.due_max),
            (WARN_AT, ">=", w.warn_min),
            (WARN_AT, "<=", w.warn_max),
        ] {
            if let Some(b) = bound {
                let n = self.arg(Arg::I(ms(b)));
                parts.push(format!("{col} {op} {n}"));
            }
        }
        match w.paused_past_due {
            Some(true) => parts.push("d.paused_since > d.due_at".into()),
            Some(false) => parts.push("d.paused_since <= d.due_at".into()),
            None => {}
        }
        format!("({})", parts.join(" AND "))
    }

    /// Any window of `state`.
    fn state(
        &mut self,
        state: sanbao_domain::deadline::DeadlineState,
        now: DateTime<Utc>,
    ) -> String {
        let ws = windows(state, now);
        if ws.is_empty() {
            return "1 = 0".into();
        }
        let parts: Vec<String> = ws.iter().map(|w| self.window(w)).collect();
        format!("({})", parts.join(" OR "))
    }

    /// Open deadlines the filter keeps, its state aside.
    fn open(f: &BoardFilter) -> Where {
        let mut w = Where::default();
        w.push("d.met_at IS NULL".into());
        w.push(format!("t.desk_lane IN {}", *WORKING_LANES));
        if let Some(k) = f.deadline_kind {
            let n = w.arg(Arg::S(k.as_str().into()));
            w.push(format!("d.kind = {n}"));
        }
        if let Some(k) = f.ticket_kind {
            let n = w.arg(Arg::S(k.as_str().into()));
            w.push(format!("t.kind = {n}"));
        }
        if let Some(r) = f.region {
            let n = w.arg(Arg::S(r.as_str().into()));
            w.push(format!("t.site_region = {n}"));
        }
        if let Some(u) = f.owner {
            let n = w.arg(Arg::I(u.0));
            // The first two let the ticket indexes find one person's few tickets; the
            // last is the rule.
            w.push(format!(
                "(t.assignee_id = {n} OR t.technician_id = {n}) AND {} = {n}",
                *OWNER
            ));
        }
        w
    }
}

#[derive(sqlx::FromRow)]
struct LineRow {
    ticket_id: i64,
    kind: String,
    due_at: i64,
    warn_at: i64,
    paused_since: Option<i64>,
    ticket_kind: String,
    status: String,
    summary: String,
    site_region: String,
    customer_name: String,
    owner_id: Option<i64>,
    owner_name: Option<String>,
}

impl TryFrom<LineRow> for BoardLine {
    type Error = Error;
    fn try_from(r: LineRow) -> Result<BoardLine, Error> {
        Ok(BoardLine {
            ticket_id: TicketId(r.ticket_id),
            ticket_kind: parse("ticket kind", &r.ticket_kind, TicketKind::parse)?,
            status: parse("ticket status", &r.status, TicketStatus::parse)?,
            customer_name: r.customer_name,
            summary: r.summary,
            region: parse("region", &r.site_region, Region::parse)?,
            kind: parse("deadline kind", &r.kind, DeadlineKind::parse)?,
            times: BoardTimes {
                due_at: at(r.due_at),
                warn_at: at(r.warn_at),
                paused_since: r.paused_since.map(at),
            },
            owner_id: r.owner_id.map(UserId),
            owner_name: r.owner_name,
        })
    }
}

#[derive(sqlx::FromRow)]
struct MonthRow {
    ticket_id: i64,
    kind: String,
    due_at: i64,
    met_at: Option<i64>,
    warn_at: i64,
    paused_since: Option<i64>,
    ticket_kind: String,
    status: String,
    site_region: String,
    customer_name: String,
    owner_name: Option<String>,
    category: Option<String>,
    note: Option<String>,
}

/// What the load reads: each owner's deadlines, each assignee's open tickets, the names.
type LoadRead = (Vec<LoadRow>, Vec<(Option<i64>, i64)>, Vec<(i64, String)>);

/// A deadline's due, met, warning and pause instants and its ticket's status.
type TimesRow = (i64, Option<i64>, i64, Option<i64>, String);

#[derive(sqlx::FromRow)]
struct LoadRow {
    owner_id: Option<i64>,
    running: i64,
    warnings: i64,
    breaches: i64,
}

fn cause_of(category: Option<String>, note: Option<String>) -> Result<Option<BreachCause>, Error> {
    category
        .map(|c| {
            Ok(BreachCause {
                category: BreachCategory::parse(&c).ok_or_else(|| corrupt("breach cause", &c))?,
                note,
            })
        })
        .transpose()
}

impl Db {
    /// A page of the open deadlines the filter keeps, most urgent (earliest due) first,
    /// after `cursor`.
    #[instrument(skip_all)]
    pub async fn board_lines(
        &self,
        f: &BoardFilter,
        now: DateTime<Utc>,
        cursor: Option<&BoardCursor>,
        limit: i64,
    ) -> Result<Vec<BoardLine>, Error> {
        let mut w = Where::open(f);
        if let Some(s) = f.state {
            let cond = w.state(s, now);
            w.push(cond);
        }
        if let Some(c) = cursor {
            let (a, b, k) = (
                w.arg(Arg::I(ms(c.due_at))),
                w.arg(Arg::I(c.ticket_id)),
                w.arg(Arg::S(c.kind.as_str().into())),
            );
            w.push(format!("(d.due_at, d.ticket_id, d.kind) > ({a}, {b}, {k})"));
        }
        let lim = w.arg(Arg::I(limit));
        let owner = OWNER.as_str();
        let sql = format!(
            "SELECT d.ticket_id, d.kind, d.due_at, {WARN_AT} AS warn_at, d.paused_since,
                    t.kind AS ticket_kind, t.status, t.summary, t.site_region,
                    c.name AS customer_name, {owner} AS owner_id, u.display_name AS owner_name
             FROM ticket_deadlines d JOIN tickets t ON t.id = d.ticket_id
             JOIN customers c ON c.id = t.customer_id
             LEFT JOIN users u ON u.id = {owner}
             WHERE {} ORDER BY d.due_at, d.ticket_id, d.kind LIMIT {lim}",
            w.sql()
        );
        let rows: Vec<LineRow> = read!(self, p => bind_all!(sqlx::query_as(&sql), &w.args)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// How many open deadlines the filter keeps are in each state (the filter's own state
    /// aside), in one pass.
    #[instrument(skip_all)]
    pub async fn board_counts(
        &self,
        f: &BoardFilter,
        now: DateTime<Utc>,
    ) -> Result<StateCounts, Error> {
        let mut w = Where::open(f);
        let sums: Vec<String> = OPEN_STATES
            .iter()
            .map(|s| {
                format!(
                    "COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0)",
                    w.state(*s, now)
                )
            })
            .collect();
        let sql = format!(
            "SELECT {} FROM ticket_deadlines d JOIN tickets t ON t.id = d.ticket_id WHERE {}",
            sums.join(", "),
            w.sql()
        );
        let row: (i64, i64, i64, i64, i64) = read!(self, p => bind_all!(sqlx::query_as(&sql), &w.args)
            .fetch_one(p)
            .await
            .map_err(internal))?;
        let mut counts = StateCounts::default();
        for (s, n) in OPEN_STATES.iter().zip([row.0, row.1, row.2, row.3, row.4]) {
            counts.set(*s, n);
        }
        Ok(counts)
    }

    /// Each person's load: open tickets they own, and their open deadlines — running,
    /// warned and breached. Work nobody owns comes last, as `user_id: None`.
    #[instrument(skip_all)]
    pub async fn board_load(&self, now: DateTime<Utc>) -> Result<Vec<Load>, Error> {
        let mut w = Where::open(&BoardFilter::default());
        let warning = w.state(sanbao_domain::deadline::DeadlineState::Warning, now);
        let breached = w.state(sanbao_domain::deadline::DeadlineState::Breached, now);
        let owner = OWNER.as_str();
        let sql = format!(
            "SELECT {owner} AS owner_id, COUNT(*) AS running,
                    COALESCE(SUM(CASE WHEN {warning} THEN 1 ELSE 0 END), 0) AS warnings,
                    COALESCE(SUM(CASE WHEN {breached} THEN 1 ELSE 0 END), 0) AS breaches
             FROM ticket_deadlines d JOIN tickets t ON t.id = d.ticket_id
             WHERE {} GROUP BY {owner}",
            w.sql()
        );
        let tickets_sql = format!(
            "SELECT t.assignee_id, COUNT(*) FROM tickets t
             WHERE t.desk_lane IN {} GROUP BY t.assignee_id",
            *WORKING_LANES
        );
        let (rows, tickets, names): LoadRead = read!(self, p => {
            let rows = bind_all!(sqlx::query_as(&sql), &w.args)
                .fetch_all(&mut *p).await.map_err(internal)?;
            let tickets = sqlx::query_as(&tickets_sql)
                .fetch_all(&mut *p).await.map_err(internal)?;
            let names = sqlx::query_as("SELECT id, display_name FROM users")
                .fetch_all(&mut *p).await.map_err(internal)?;
            (rows, tickets, names)
        });
        let names: BTreeMap<i64, String> = names.into_iter().collect();
        let mut by: BTreeMap<Option<i64>, Load> = BTreeMap::new();
        fn entry<'a>(
            by: &'a mut BTreeMap<Option<i64>, Load>,
            names: &BTreeMap<i64, String>,
            id: Option<i64>,
        ) -> &'a mut Load {
            by.entry(id).or_insert_with(|| Load {
                user_id: id.map(UserId),
                name: id.and_then(|i| names.get(&i).cloned()),
                open_tickets: 0,
                running: 0,
                warnings: 0,
                breaches: 0,
            })
        }
        for (id, n) in tickets {
            entry(&mut by, &names, id).open_tickets = n;
        }
        for r in rows {
            let l = entry(&mut by, &names, r.owner_id);
            l.running = r.running;
            l.warnings = r.warnings;
            l.breaches = r.breaches;
        }
        let mut out: Vec<Load> = by.into_values().collect();
        out.sort_by(|a, b| {
            (
                a.user_id.is_none(),
                -a.breaches,
                -a.warnings,
                -a.running,
                &a.name,
            )
                .cmp(&(
                    b.user_id.is_none(),
                    -b.breaches,
                    -b.warnings,
                    -b.running,
                    &b.name,
                ))
        });
        Ok(out)
    }

    /// Every deadline due from `start` (inclusive) to `end` (exclusive), with its ticket,
    /// owner and recorded breach cause, in due order.
    #[instrument(skip_all)]
    pub async fn deadlines_due_between(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Vec<MonthLine>, Error> {
        let owner = OWNER.as_str();
        let sql = format!(
            "SELECT d.ticket_id, d.kind, d.due_at, d.met_at, {WARN_AT} AS warn_at, d.paused_since,
                    t.kind AS ticket_kind, t.status, t.site_region, c.name AS customer_name,
                    u.display_name AS owner_name, b.category, b.note
             FROM ticket_deadlines d JOIN tickets t ON t.id = d.ticket_id
             JOIN customers c ON c.id = t.customer_id
             LEFT JOIN users u ON u.id = {owner}
             LEFT JOIN deadline_breach_causes b ON b.ticket_id = d.ticket_id AND b.kind = d.kind
             WHERE d.due_at >= $1 AND d.due_at < $2
             ORDER BY d.due_at, d.ticket_id, d.kind"
        );
        let rows: Vec<MonthRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(ms(start))
            .bind(ms(end))
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter()
            .map(|r| {
                Ok(MonthLine {
                    ticket_id: TicketId(r.ticket_id),
                    ticket_kind: parse("ticket kind", &r.ticket_kind, TicketKind::parse)?,
                    status: parse("ticket status", &r.status, TicketStatus::parse)?,
                    customer_name: r.customer_name,
                    region: parse("region", &r.site_region, Region::parse)?,
                    kind: parse("deadline kind", &r.kind, DeadlineKind::parse)?,
                    due_at: at(r.due_at),
                    met_at: r.met_at.map(at),
                    warn_at: at(r.warn_at),
                    paused_since: r.paused_since.map(at),
                    owner_name: r.owner_name,
                    cause: cause_of(r.category, r.note)?,
                })
            })
            .collect()
    }
}

impl Tx {
    /// The stored instants of one deadline and its ticket's status, read for an update.
    pub async fn deadline_times(
        &mut self,
        ticket: TicketId,
        kind: DeadlineKind,
    ) -> Result<Option<(Times, TicketStatus)>, Error> {
        let row: Option<TimesRow> = on_tx!(self, c => sqlx::query_as(
            &format!("SELECT d.due_at, d.met_at, {WARN_AT}, d.paused_since, t.status
             FROM ticket_deadlines d JOIN tickets t ON t.id = d.ticket_id
             WHERE d.ticket_id = $1 AND d.kind = $2"))
            .bind(ticket.0)
            .bind(kind.as_str())
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        row.map(|(due, met, warn, paused, status)| {
            Ok((
                Times {
                    due_at: at(due),
                    met_at: met.map(at),
                    warn_at: at(warn),
                    paused_since: paused.map(at),
                },
                parse("ticket status", &status, TicketStatus::parse)?,
            ))
        })
        .transpose()
    }

    /// The cause recorded for a deadline, and its version.
    pub async fn breach_cause(
        &mut self,
        ticket: TicketId,
        kind: DeadlineKind,
    ) -> Result<Option<(BreachCause, i64)>, Error> {
        let row: Option<(String, Option<String>, i64)> = on_tx!(self, c => sqlx::query_as(
            "SELECT category, note, version FROM deadline_breach_causes
             WHERE ticket_id = $1 AND kind = $2")
            .bind(ticket.0)
            .bind(kind.as_str())
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        match row {
            None => Ok(None),
            Some((cat, note, v)) => Ok(cause_of(Some(cat), note)?.map(|c| (c, v))),
        }
    }

    /// Record (or replace) the cause of a breached deadline; answers the new version.
    pub async fn put_breach_cause(
        &mut self,
        ticket: TicketId,
        kind: DeadlineKind,
        cause: &BreachCause,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<i64, Error> {
        on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO deadline_breach_causes
               (ticket_id, kind, category, note, recorded_by, recorded_at, version)
             VALUES ($1, $2, $3, $4, $5, $6, 1)
             ON CONFLICT (ticket_id, kind) DO UPDATE SET category = excluded.category,
               note = excluded.note, recorded_by = excluded.recorded_by,
               recorded_at = excluded.recorded_at,
               version = deadline_breach_causes.version + 1
             RETURNING version")
            .bind(ticket.0)
            .bind(kind.as_str())
            .bind(cause.category.as_str())
            .bind(cause.note.as_deref())
            .bind(by.0)
            .bind(ms(now))
            .fetch_one(c)
            .await
            .map_err(internal))
    }
}
