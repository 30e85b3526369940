//! Tickets, their deadlines, and the service desk's view of them (R3.3–R3.7, R6.1).
//!
//! Beside each ticket the store keeps what the domain computed of it — `next_due_at`,
//! `next_due_kind` and `desk_lane` — so lists and the desk filter by stored columns and
//! never re-derive a rule in SQL.

use crate::deadlines::{DEADLINE_COLUMNS, DeadlineCols};
use crate::replies::ANSWER_COLUMNS;
use crate::sql::{Arg, WORKING_LANES, bind_all, like_pattern};
use crate::{Db, Tx, at, corrupt, db_err, internal, ms, on_tx, parse, read};
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::deadline::DeadlinePolicy;
use sanbao_domain::ticket::{
    Channel, Dashboard, DeadlineKind, DeskBounds, DeskLane, NewTicket, Ticket, TicketFilter,
    TicketKind, TicketStatus, TicketSummary,
};
use sanbao_domain::unit::{TicketPlace, UnitTicket};
use sanbao_domain::{CustomerId, Error, Region, SiteId, TicketId, UnitId, UserId};
use std::collections::HashMap;
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct TicketDbRow {
    id: i64,
    kind: String,
    channel: String,
    customer_id: i64,
    unit_text: Option<String>,
    summary: String,
    status: String,
    received_at: i64,
    site_region: String,
    assignee_id: Option<i64>,
    technician_id: Option<i64>,
    opinion: Option<String>,
    reply: Option<String>,
    resolution: Option<String>,
    site_id: Option<i64>,
    unit_id: Option<i64>,
    coverage: Option<String>,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
    version: i64,
    pause_count: i64,
}

/// A ticket joined with one of its deadlines (none for kinds without deadlines).
#[derive(sqlx::FromRow)]
struct TicketWithDeadline {
    #[sqlx(flatten)]
    ticket: TicketDbRow,
    #[sqlx(flatten)]
    d: DeadlineCols,
    #[sqlx(flatten)]
    a: crate::replies::AnswersRow,
}

static SELECT_TICKET_WITH_DEADLINES: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "SELECT t.id, t.kind, t.channel, t.customer_id, \
     t.unit_text, t.summary, t.status, t.received_at, t.site_region, t.assignee_id, t.technician_id, \
     t.opinion, t.reply, t.resolution, t.site_id, t.unit_id, t.coverage, t.created_by, \
     t.created_at, t.updated_at, t.version, t.pause_count, {DEADLINE_COLUMNS}, {ANSWER_COLUMNS} \
     FROM tickets t LEFT JOIN ticket_deadlines d ON d.ticket_id = t.id \
     LEFT JOIN ticket_answers a ON a.ticket_id = t.id \
     WHERE t.id = $1 ORDER BY d.due_at"
    )
});

/// The rows of [`SELECT_TICKET_WITH_DEADLINES`] as one ticket, and whether it has pauses
/// to read.
fn to_ticket(rows: Vec<TicketWithDeadline>) -> Result<Option<(Ticket, bool)>, Error> {
    let mut deadlines = Vec::with_capacity(rows.len());
    let mut ticket: Option<TicketDbRow> = None;
    let mut cols = Vec::with_capacity(rows.len());
    let mut answers: Option<crate::replies::AnswersRow> = None;
    for r in rows {
        cols.push(r.d);
        ticket.get_or_insert(r.ticket);
        answers.get_or_insert(r.a);
    }
    let Some(r) = ticket else { return Ok(None) };
    let kind = parse("ticket kind", &r.kind, TicketKind::parse)?;
    let region = parse("region", &r.site_region, Region::parse)?;
    for c in cols {
        if let Some(d) = c.into_deadline(kind, region, at(r.received_at))? {
            deadlines.push(d);
        }
    }
    let has_pauses = r.pause_count > 0;
    Ok(Some((
        Ticket {
            id: TicketId(r.id),
            kind,
            channel: parse("channel", &r.channel, Channel::parse)?,
            customer_id: CustomerId(r.customer_id),
            unit_text: r.unit_text,
            summary: r.summary,
            status: parse("ticket status", &r.status, TicketStatus::parse)?,
            received_at: at(r.received_at),
            site_region: region,
            assignee_id: r.assignee_id.map(UserId),
            technician_id: r.technician_id.map(UserId),
            opinion: r.opinion,
            reply: r.reply,
            resolution: r.resolution,
            site_id: r.site_id.map(SiteId),
            unit_id: r.unit_id.map(UnitId),
            coverage: r
                .coverage
                .map(|c| serde_json::from_str(&c).map_err(|e| corrupt("coverage", &e.to_string())))
                .transpose()?,
            deadlines,
            pauses: Vec::new(),
            created_by: UserId(r.created_by),
            created_at: at(r.created_at),
            updated_at: at(r.updated_at),
            version: r.version,
            // Read apart: see `replies`.
            answers: answers.unwrap_or_default().try_into()?,
        },
        has_pauses,
    )))
}

/// A line of a list as read; [`TicketSummary`] once checked.
#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    kind: String,
    channel: String,
    status: String,
    customer_id: i64,
    customer_name: String,
    summary: String,
    site_region: String,
    received_at: i64,
    next_due_at: Option<i64>,
    next_due_kind: Option<String>,
    desk_lane: String,
    assignee_id: Option<i64>,
    assignee_name: Option<String>,
    technician_name: Option<String>,
}

impl TryFrom<SummaryRow> for TicketSummary {
    type Error = Error;
    fn try_from(r: SummaryRow) -> Result<TicketSummary, Error> {
        Ok(TicketSummary {
            id: TicketId(r.id),
            kind: parse("ticket kind", &r.kind, TicketKind::parse)?,
            channel: parse("channel", &r.channel, Channel::parse)?,
            status: parse("ticket status", &r.status, TicketStatus::parse)?,
            customer_id: CustomerId(r.customer_id),
            customer_name: r.customer_name,
            summary: r.summary,
            site_region: parse("region", &r.site_region, Region::parse)?,
            received_at: at(r.received_at),
            next_due_at: r.next_due_at.map(at),
            next_due_kind: r
                .next_due_kind
                .map(|k| parse("deadline kind", &k, DeadlineKind::parse))
                .transpose()?,
            desk_lane: parse("desk lane", &r.desk_lane, DeskLane::parse)?,
            assignee_id: r.assignee_id.map(UserId),
            assignee_name: r.assignee_name,
            technician_name: r.technician_name,
        })
    }
}

fn summaries(rows: Vec<SummaryRow>) -> Result<Vec<TicketSummary>, Error> {
    rows.into_iter().map(TryInto::try_into).collect()
}

const SUMMARY_COLS: &str = "t.id, t.kind, t.channel, t.status, t.customer_id, \
     c.name AS customer_name, t.summary, t.site_region, t.received_at, t.next_due_at, \
     t.next_due_kind, t.desk_lane, t.assignee_id, a.display_name AS assignee_name, \
     te.display_name AS technician_name \
     FROM tickets t JOIN customers c ON c.id = t.customer_id \
     LEFT JOIN users a ON a.id = t.assignee_id LEFT JOIN users te ON te.id = t.technician_id";

const INSERT_TICKETS: &str = "INSERT INTO tickets (id, kind, channel, customer_id, unit_text, \
     summary, status, received_at, site_region, next_due_at, next_due_kind, desk_lane, \
     site_id, unit_id, coverage_kind, coverage, created_by, created_at, updated_at, assignee_id) ";

/// The recorded coverage as stored: its kind (for filters) and the whole decision.
fn coverage_cols(t: &Ticket) -> (Option<&'static str>, Option<String>) {
    match &t.coverage {
        Some(c) => (Some(c.coverage.as_str()), serde_json::to_string(c).ok()),
        None => (None, None),
    }
}

impl Tx {
    /// Write new tickets, their deadlines and their audit records: the one INSERT of
    /// tickets, used for a ticket alone and for a group commit alike. Ids are taken here,
    /// in order, before the rows are written.
    pub async fn insert_tickets(&mut self, new: &[&NewTicket]) -> Result<Vec<Ticket>, Error> {
        let count = i64::try_from(new.len()).unwrap_or(i64::MAX);
        let ids: Vec<i64> = match self {
            // One writer: the ids after the largest are ours until COMMIT.
            Tx::Sqlite(c) => {
                let last: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM tickets")
                    .fetch_one(&mut **c)
                    .await
                    .map_err(internal)?;
                (last + 1..).take(new.len()).collect()
            }
            Tx::Postgres(c) => sqlx::query_scalar(
                "SELECT nextval(pg_get_serial_sequence('tickets', 'id')) FROM generate_series(1, $1)",
            )
            .bind(count)
            .fetch_all(&mut **c)
            .await
            .map_err(internal)?,
        };
        let tickets: Vec<Ticket> = ids
            .iter()
            .zip(new)
            .map(|(id, t)| (*t).clone().into_ticket(TicketId(*id)))
            .collect();
        on_tx!(self, c, B => {
            let mut q = sqlx::QueryBuilder::<B>::new(INSERT_TICKETS);
            q.push_values(&tickets, |mut b, t| {
                b.push_bind(t.id.0)
                    .push_bind(t.kind.as_str())
                    .push_bind(t.channel.as_str())
                    .push_bind(t.customer_id.0)
                    .push_bind(t.unit_text.clone())
                    .push_bind(t.summary.clone())
                    .push_bind(t.status.as_str())
                    .push_bind(ms(t.received_at))
                    .push_bind(t.site_region.as_str())
                    .push_bind(t.next_due_at().map(ms))
                    .push_bind(t.next_due().map(|d| d.kind.as_str()))
                    .push_bind(t.desk_lane().as_str())
                    .push_bind(t.site_id.map(|s| s.0))
                    .push_bind(t.unit_id.map(|u| u.0))
                    .push_bind(coverage_cols(t).0)
                    .push_bind(coverage_cols(t).1)
                    .push_bind(t.created_by.0)
                    .push_bind(ms(t.created_at))
                    .push_bind(ms(t.updated_at))
                    .push_bind(t.assignee_id.map(|u| u.0));
            });
            q.build().execute(&mut *c).await.map_err(db_err)?;
        });
        self.insert_deadlines(&tickets).await?;
        let entries: Vec<NewAuditEntry> = tickets
            .iter()
            .map(|t| {
                NewAuditEntry::created("ticket", t.id.0, t.created_by, t.created_at, t.audit_view())
            })
            .collect();
        self.audit_many(&entries).await?;
        // --- replies (issue 7): a quality complaint starts flagged ---
        for t in tickets.iter().filter(|t| !t.answers.is_empty()) {
            self.write_answers(t.id, &t.answers).await?;
        }
        // --- end replies ---
        Ok(tickets)
    }

    /// A ticket with its deadlines as this transaction sees it.
    pub async fn ticket(&mut self, id: TicketId) -> Result<Option<Ticket>, Error> {
        let rows: Vec<TicketWithDeadline> = on_tx!(self, c => sqlx::query_as(SELECT_TICKET_WITH_DEADLINES.as_str())
            .bind(id.0)
            .fetch_all(c)
            .await
            .map_err(internal))?;
        let Some((mut t, has_pauses)) = to_ticket(rows)? else {
            return Ok(None);
        };
        if has_pauses {
            t.pauses = self.pauses(id).await?;
        }
        Ok(Some(t))
    }

    /// Write `after` over `before` — the ticket as it was read, whose version must still
    /// be current (otherwise a conflict, and nothing is written) — with the deadlines met
    /// and what the domain says of it for the desk.
    #[instrument(skip_all, fields(ticket_id = %before.id))]
    pub async fn update_ticket(&mut self, before: &Ticket, after: &Ticket) -> Result<(), Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE tickets SET status = $1, assignee_id = $2, technician_id = $3, opinion = $4,
               reply = $5, resolution = $6, next_due_at = $7, next_due_kind = $8, desk_lane = $9,
               updated_at = $10, version = $11, site_id = $14, unit_id = $15, site_region = $16,
               coverage_kind = $17, coverage = $18, kind = $19, pause_count = $20
             WHERE id = $12 AND version = $13")
            .bind(after.status.as_str())
            .bind(after.assignee_id.map(|u| u.0))
            .bind(after.technician_id.map(|u| u.0))
            .bind(&after.opinion)
            .bind(&after.reply)
            .bind(&after.resolution)
            .bind(after.next_due_at().map(ms))
            .bind(after.next_due().map(|d| d.kind.as_str()))
            .bind(after.desk_lane().as_str())
            .bind(ms(after.updated_at))
            .bind(after.version)
            .bind(before.id.0)
            .bind(before.version)
            .bind(after.site_id.map(|s| s.0))
            .bind(after.unit_id.map(|u| u.0))
            .bind(after.site_region.as_str())
            .bind(coverage_cols(after).0)
            .bind(coverage_cols(after).1)
            .bind(after.kind.as_str())
            .bind(i64::try_from(after.pauses.len()).unwrap_or(i64::MAX))
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        crate::changed_one(n, &format!("ticket {}", before.number()), before.version)?;
        // --- replies (issue 7) ---
        if before.answers != after.answers {
            self.write_answers(before.id, &after.answers).await?;
        }
        // --- end replies ---
        self.update_deadlines(before, after).await
    }
}

/// What makes a new ticket once the place of its work is known (the site and its region,
/// the unit and what its coverage rests on): the domain's rule, handed in by the use case,
/// so that the place is read in the same transaction that writes.
pub type DecideTicket =
    Box<dyn FnOnce(&TicketPlace, &DeadlinePolicy) -> Result<NewTicket, Error> + Send>;

/// Where a new ticket says its work is: the customer, and the unit or site if named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlaceOf {
    pub customer: CustomerId,
    pub unit: Option<UnitId>,
    pub site: Option<SiteId>,
}

/// The answer when a ticket names a customer the archive does not hold.
pub(crate) fn no_such_customer() -> Error {
    Error::field(
        "customer_id",
        sanbao_domain::Problem::new("not_found", "no such customer"),
    )
}

impl Tx {
    /// The first sites of these customers as this transaction sees them (absent: no such
    /// customer), in one query.
    pub(crate) async fn first_sites(
        &mut self,
        ids: &[CustomerId],
    ) -> Result<HashMap<CustomerId, TicketPlace>, Error> {
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        let rows: Vec<(i64, i64, String)> = on_tx!(self, c, B => {
            let mut q = sqlx::QueryBuilder::<B>::new(
                "SELECT customer_id, id, region FROM sites WHERE ordinal = 1 AND customer_id IN (");
            let mut list = q.separated(", ");
            for id in ids {
                list.push_bind(id.0);
            }
            q.push(")");
            q.build_query_as().fetch_all(c).await.map_err(internal)?
        });
        rows.into_iter()
            .map(|(customer, site, r)| {
                Ok((
                    CustomerId(customer),
                    TicketPlace {
                        site_id: Some(SiteId(site)),
                        region: parse("region", &r, Region::parse)?,
                        unit: None,
                    },
                ))
            })
            .collect()
    }

    /// Where each new ticket's work is: the customers' first sites in one query, a named
    /// unit or site one by one.
    pub(crate) async fn places(
        &mut self,
        of: &[PlaceOf],
    ) -> Result<Vec<Result<TicketPlace, Error>>, Error> {
        let plain: Vec<CustomerId> = of
            .iter()
            .filter(|p| p.unit.is_none() && p.site.is_none())
            .map(|p| p.customer)
            .collect();
        let firsts = self.first_sites(&plain).await?;
        let mut out = Vec::with_capacity(of.len());
        for p in of {
            out.push(if p.unit.is_none() && p.site.is_none() {
                firsts
                    .get(&p.customer)
                    .cloned()
                    .ok_or_else(no_such_customer)
            } else {
                self.ticket_place(p.customer, p.unit, p.site).await
            });
        }
        Ok(out)
    }
}

impl Tx {
    /// Write a new ticket in this transaction, as [`Db::create_ticket`] does in one of its
    /// own: for a use case that writes more with it (an idempotency key's result). Not
    /// batched on SQLite.
    pub async fn create_ticket(
        &mut self,
        place: PlaceOf,
        decide: DecideTicket,
    ) -> Result<Ticket, Error> {
        let found = self
            .places(&[place])
            .await?
            .pop()
            .ok_or_else(no_such_customer)??;
        let policy = self.current_policy().await?;
        let new = decide(&found, &policy)?;
        self.insert_tickets(&[&new])
            .await?
            .pop()
            .ok_or_else(|| Error::Internal("no ticket written".into()))
    }
}

impl Db {
    /// Write a new ticket for `customer`: its region is read, `decide` makes the ticket
    /// from it (deadlines included), and the ticket, its deadlines and its audit record
    /// are written — all in one transaction (on SQLite, batched with the tickets written
    /// at the same moment: see [`crate::batch`]). Returns once committed.
    #[instrument(skip_all, fields(customer = %place.customer))]
    pub async fn create_ticket(
        &self,
        place: PlaceOf,
        decide: DecideTicket,
    ) -> Result<Ticket, Error> {
        let ticket = match self {
            Db::Sqlite(s) => s.tickets.create(place, decide).await?,
            Db::Postgres(_) => {
                let mut tx = self.begin().await?;
                let ticket = tx.create_ticket(place, decide).await?;
                tx.commit().await?;
                ticket
            }
        };
        tracing::info!(ticket_id = ticket.id.0, "ticket opened");
        Ok(ticket)
    }

    /// One ticket with its deadlines, in one query.
    #[instrument(skip_all, fields(%id))]
    pub async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, Error> {
        let rows: Vec<TicketWithDeadline> = read!(self, p => sqlx::query_as(SELECT_TICKET_WITH_DEADLINES.as_str())
            .bind(id.0)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        let Some((mut t, has_pauses)) = to_ticket(rows)? else {
            return Ok(None);
        };
        if has_pauses {
            t.pauses = self.pauses(id).await?;
        }
        Ok(Some(t))
    }

    /// Newest first (by id); `before` is the cursor: the last id of the previous page.
    #[instrument(skip_all)]
    pub async fn tickets(
        &self,
        f: &TicketFilter,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<TicketSummary>, Error> {
        let mut cond: Vec<String> = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        let mut push = |sql: &str, arg: Arg| {
            args.push(arg);
            cond.push(sql.replace("$?", &format!("${}", args.len())));
        };
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            match sanbao_domain::ticket::parse_ticket_number(q) {
                Some(id) if q.len() >= 3 || q.starts_with(['S', 's']) => {
                    push("t.id = $?", Arg::I(id.0));
                }
                _ => push(
                    "(LOWER(t.summary) LIKE $? ESCAPE '\\' OR LOWER(c.name) LIKE $? ESCAPE '\\' OR LOWER(COALESCE(t.unit_text, '')) LIKE $? ESCAPE '\\')",
                    Arg::S(like_pattern(q)),
                ),
            }
        }
        if let Some(k) = f.kind {
            push("t.kind = $?", Arg::S(k.as_str().into()));
        }
        if let Some(s) = f.status {
            push("t.status = $?", Arg::S(s.as_str().into()));
        }
        if let Some(r) = f.region {
            push("t.site_region = $?", Arg::S(r.as_str().into()));
        }
        if let Some(c) = f.customer_id {
            push("t.customer_id = $?", Arg::I(c.0));
        }
        if let Some(u) = f.person_id {
            push("(t.assignee_id = $? OR t.technician_id = $?)", Arg::I(u.0));
        }
        if let Some(now) = f.overdue_at {
            push(
                "t.next_due_at < $?",
                Arg::I(ms(DeskBounds::at(now).breached_before)),
            );
        }
        if let Some(b) = before {
            push("t.id < $?", Arg::I(b));
        }
        if f.quality_review {
            cond.push(
                "EXISTS (SELECT 1 FROM ticket_answers qa WHERE qa.ticket_id = t.id \
                 AND qa.quality_flagged_at IS NOT NULL)"
                    .into(),
            );
        }
        if f.open {
            cond.push(format!("t.desk_lane IN {}", *WORKING_LANES));
        }
        args.push(Arg::I(limit));
        let where_ = if cond.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", cond.join(" AND "))
        };
        let sql = format!(
            "SELECT {SUMMARY_COLS} {where_} ORDER BY t.id DESC LIMIT ${}",
            args.len()
        );
        let rows: Vec<SummaryRow> = read!(self, p => bind_all!(sqlx::query_as(&sql), &args)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        summaries(rows)
    }

    /// The service desk at `now`; `person` narrows it to one person's work.
    #[instrument(skip_all)]
    pub async fn dashboard(
        &self,
        now: DateTime<Utc>,
        person: Option<UserId>,
        limit: i64,
    ) -> Result<Dashboard, Error> {
        // Only one person's work when asked: an always-present `OR` would make every
        // count read the table instead of the index.
        let (mine, who) = match person {
            Some(u) => ("AND (t.assignee_id = $1 OR t.technician_id = $1)", u.0),
            None => ("AND $1 = 0", 0),
        };
        let bounds = DeskBounds::at(now);
        let working = WORKING_LANES.as_str();
        let counts_sql = format!(
            "SELECT COALESCE(SUM(CASE WHEN t.next_due_at < $2 THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN t.next_due_at >= $2 AND t.next_due_at <= $3 THEN 1 ELSE 0 END), 0)
             FROM tickets t WHERE t.next_due_at IS NOT NULL {mine}"
        );
        let open_sql =
            format!("SELECT COUNT(*) FROM tickets t WHERE t.desk_lane IN {working} {mine}");
        // `next_due_at` is set exactly while a deadline runs (the domain writes it with the
        // lane), so the partial index on it gives the order without a sort; naming the lane
        // too would make SQLite sort every running ticket instead.
        let by_deadline_sql = format!(
            "SELECT {SUMMARY_COLS} WHERE t.next_due_at IS NOT NULL {mine}
             ORDER BY t.next_due_at, t.id LIMIT $2"
        );
        // Pick the ids first: otherwise the joins run for every ticket of the lane before
        // the sort and the limit.
        let lane_sql = format!(
            "SELECT {SUMMARY_COLS} WHERE t.id IN (SELECT t.id FROM tickets t
               WHERE t.desk_lane = $3 {mine} ORDER BY t.id DESC LIMIT $2)
             ORDER BY t.id DESC"
        );
        read!(self, p => {
            let (breached, due_soon): (i64, i64) = sqlx::query_as(&counts_sql)
                .bind(who)
                .bind(ms(bounds.breached_before))
                .bind(ms(bounds.due_soon_until))
                .fetch_one(&mut *p).await.map_err(internal)?;
            let open: i64 = sqlx::query_scalar(&open_sql)
                .bind(who).fetch_one(&mut *p).await.map_err(internal)?;
            let by_deadline: Vec<SummaryRow> = sqlx::query_as(&by_deadline_sql)
                .bind(who).bind(limit).fetch_all(&mut *p).await.map_err(internal)?;
            let without: Vec<SummaryRow> = sqlx::query_as(&lane_sql)
                .bind(who).bind(limit).bind(DeskLane::NoDeadline.as_str())
                .fetch_all(&mut *p).await.map_err(internal)?;
            let met: Vec<SummaryRow> = sqlx::query_as(&lane_sql)
                .bind(who).bind(limit).bind(DeskLane::DeadlinesMet.as_str())
                .fetch_all(&mut *p).await.map_err(internal)?;
            let waiting: Vec<SummaryRow> = sqlx::query_as(&lane_sql)
                .bind(who).bind(limit).bind(DeskLane::Waiting.as_str())
                .fetch_all(&mut *p).await.map_err(internal)?;
            Ok(Dashboard {
                open,
                breached,
                due_soon,
                by_deadline: summaries(by_deadline)?,
                without_deadline: summaries(without)?,
                deadlines_met: summaries(met)?,
                waiting: summaries(waiting)?,
            })
        })
    }
}

// ---------------------------------------------------------------------------------------
// A unit's tickets (its timeline, R3.8).

#[derive(sqlx::FromRow)]
struct UnitTicketRow {
    id: i64,
    kind: String,
    status: String,
    summary: String,
    received_at: i64,
    coverage: Option<String>,
}

impl Db {
    /// Every ticket naming `unit`, oldest first (by received time), with the coverage
    /// recorded on each.
    #[instrument(skip_all, fields(%unit))]
    pub async fn tickets_of_unit(&self, unit: UnitId) -> Result<Vec<UnitTicket>, Error> {
        let rows: Vec<UnitTicketRow> = read!(self, p => sqlx::query_as(
            "SELECT id, kind, status, summary, received_at, coverage FROM tickets
             WHERE unit_id = $1 ORDER BY received_at, id")
            .bind(unit.0)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter()
            .map(|r| {
                Ok(UnitTicket {
                    id: TicketId(r.id),
                    kind: parse("ticket kind", &r.kind, TicketKind::parse)?,
                    status: parse("ticket status", &r.status, TicketStatus::parse)?,
                    summary: r.summary,
                    received_at: at(r.received_at),
                    coverage: r
                        .coverage
                        .map(|c| {
                            serde_json::from_str(&c)
                                .map_err(|e| corrupt("coverage", &e.to_string()))
                        })
                        .transpose()?,
                })
            })
            .collect()
    }
}
