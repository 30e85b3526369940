//! Tickets, their deadlines, and the service desk's view of them (R3.3–R3.7, R6.1).

use crate::audit::{insert_audit, json_text};
use crate::customers::like_pattern;
use crate::{Db, at, db_err, internal, ms, read, write};
use chrono::{DateTime, Utc};
use sanbao_domain::ticket::{
    Channel, Deadline, DeadlineKind, EventType, NewTicket, Ticket, TicketKind, TicketStatus,
    changed_fields,
};
use sanbao_domain::{CustomerId, Error, Region, TicketId, UserId};
use serde::Serialize;
use std::sync::LazyLock;
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
    created_by: i64,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct DeadlineRow {
    kind: String,
    due_at: i64,
    met_at: Option<i64>,
}

const SELECT_TICKET_WITH_DEADLINES: &str = "SELECT t.id, t.kind, t.channel, t.customer_id, \
     t.unit_text, t.summary, t.status, t.received_at, t.site_region, t.assignee_id, t.technician_id, \
     t.opinion, t.reply, t.resolution, t.created_by, t.created_at, t.updated_at, t.version, \
     d.kind AS d_kind, d.due_at AS d_due_at, d.met_at AS d_met_at \
     FROM tickets t LEFT JOIN ticket_deadlines d ON d.ticket_id = t.id \
     WHERE t.id = $1 ORDER BY d.due_at";

fn parse<T>(what: &str, s: &str, f: impl Fn(&str) -> Option<T>) -> Result<T, Error> {
    f(s).ok_or_else(|| crate::corrupt(what, s))
}

fn to_ticket(r: TicketDbRow, deadlines: Vec<DeadlineRow>) -> Result<Ticket, Error> {
    Ok(Ticket {
        id: TicketId(r.id),
        kind: parse("ticket kind", &r.kind, TicketKind::parse)?,
        channel: parse("channel", &r.channel, Channel::parse)?,
        customer_id: CustomerId(r.customer_id),
        unit_text: r.unit_text,
        summary: r.summary,
        status: parse("ticket status", &r.status, TicketStatus::parse)?,
        received_at: at(r.received_at),
        site_region: parse("region", &r.site_region, Region::parse)?,
        assignee_id: r.assignee_id.map(UserId),
        technician_id: r.technician_id.map(UserId),
        opinion: r.opinion,
        reply: r.reply,
        resolution: r.resolution,
        deadlines: deadlines
            .into_iter()
            .map(|d| {
                Ok(Deadline {
                    kind: parse("deadline kind", &d.kind, DeadlineKind::parse)?,
                    due_at: at(d.due_at),
                    met_at: d.met_at.map(at),
                })
            })
            .collect::<Result<_, Error>>()?,
        created_by: UserId(r.created_by),
        created_at: at(r.created_at),
        updated_at: at(r.updated_at),
        version: r.version,
    })
}

/// A line of a ticket list or of the service desk.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct TicketRow {
    pub id: i64,
    pub kind: String,
    pub channel: String,
    pub status: String,
    pub customer_id: i64,
    pub customer_name: String,
    pub summary: String,
    pub site_region: String,
    pub received_at: i64,
    /// The nearest unmet deadline while work goes on (epoch ms).
    pub next_due_at: Option<i64>,
    pub next_due_kind: Option<String>,
    pub assignee_id: Option<i64>,
    pub assignee_name: Option<String>,
    pub technician_name: Option<String>,
}

const ROW_COLS: &str = "t.id, t.kind, t.channel, t.status, t.customer_id, c.name AS customer_name, \
     t.summary, t.site_region, t.received_at, t.next_due_at, \
     (SELECT d.kind FROM ticket_deadlines d WHERE d.ticket_id = t.id AND d.met_at IS NULL \
        ORDER BY d.due_at LIMIT 1) AS next_due_kind, \
     t.assignee_id, a.display_name AS assignee_name, te.display_name AS technician_name \
     FROM tickets t JOIN customers c ON c.id = t.customer_id \
     LEFT JOIN users a ON a.id = t.assignee_id LEFT JOIN users te ON te.id = t.technician_id";

/// `('open', 'in_progress', …)`: the statuses still being worked on, as the domain says
/// (`TicketStatus::is_finished`), for SQL.
pub(crate) static WORKING: LazyLock<String> = LazyLock::new(|| {
    let list: Vec<String> = TicketStatus::ALL
        .iter()
        .filter(|s| !s.is_finished())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    format!("({})", list.join(", "))
});

/// Ticket list filters. `open` keeps tickets still being worked on; `overdue` those whose
/// nearest deadline has passed unmet.
#[derive(Debug, Clone, Default)]
pub struct TicketFilter {
    pub q: Option<String>,
    pub kind: Option<TicketKind>,
    pub status: Option<TicketStatus>,
    pub open: bool,
    pub overdue_at: Option<DateTime<Utc>>,
    pub region: Option<Region>,
    pub customer_id: Option<CustomerId>,
    /// Assigned to, or sent to site: one person's work (R6.1).
    pub person_id: Option<UserId>,
}

/// The service desk (R6.1): what breached, what is due within the hour, the open work by
/// nearest deadline, and open work with no deadline.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub open: i64,
    pub breached: i64,
    pub due_soon: i64,
    pub by_deadline: Vec<TicketRow>,
    pub without_deadline: Vec<TicketRow>,
}

enum Arg {
    I(i64),
    S(String),
}

/// Bind a list of dynamic arguments in order.
macro_rules! bind_all {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                Arg::I(v) => q.bind(*v),
                Arg::S(s) => q.bind(s.clone()),
            };
        }
        q
    }};
}

impl Db {
    /// Write a new ticket, its deadlines and its audit record in one transaction (on
    /// SQLite, batched with the tickets written at the same moment: see [`crate::batch`]).
    /// Returns once the transaction is committed.
    #[instrument(skip_all, fields(kind = %t.kind, customer_id = %t.customer_id))]
    pub async fn create_ticket(&self, t: &NewTicket) -> Result<Ticket, Error> {
        let id = match self {
            Db::Sqlite(s) => s.tickets.create(t.clone()).await?,
            Db::Postgres(_) => self.create_ticket_alone(t).await?,
        };
        tracing::info!(ticket_id = id, "ticket opened");
        Ok(t.clone().into_ticket(TicketId(id)))
    }

    /// One ticket in a transaction of its own.
    async fn create_ticket_alone(&self, t: &NewTicket) -> Result<i64, Error> {
        let next_due = t.deadlines.iter().map(|d| ms(d.due_at)).min();
        let id: i64 = write!(self, p => {
            let mut tx = p.begin().await.map_err(internal)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO tickets (kind, channel, customer_id, unit_text, summary, status, received_at,
                   site_region, next_due_at, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id")
                .bind(t.kind.as_str())
                .bind(t.channel.as_str())
                .bind(t.customer_id.0)
                .bind(&t.unit_text)
                .bind(&t.summary)
                .bind(TicketStatus::Open.as_str())
                .bind(ms(t.received_at))
                .bind(t.site_region.as_str())
                .bind(next_due)
                .bind(t.created_by.0)
                .bind(ms(t.created_at))
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            for d in &t.deadlines {
                sqlx::query("INSERT INTO ticket_deadlines (ticket_id, kind, due_at) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(d.kind.as_str())
                    .bind(ms(d.due_at))
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            let view = t.clone().into_ticket(TicketId(id)).audit_view();
            insert_audit!(tx, "ticket", id, "create", t.created_by.0, ms(t.created_at),
                None::<String>, None::<String>, json_text(&view))?;
            tx.commit().await.map_err(internal)?;
            id
        });
        Ok(id)
    }

    /// One ticket with its deadlines, in one query.
    #[instrument(skip_all, fields(%id))]
    pub async fn ticket(&self, id: TicketId) -> Result<Option<Ticket>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            ticket: TicketDbRow,
            d_kind: Option<String>,
            d_due_at: Option<i64>,
            d_met_at: Option<i64>,
        }
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(SELECT_TICKET_WITH_DEADLINES)
            .bind(id.0)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        let mut deadlines = Vec::with_capacity(rows.len());
        let mut ticket = None;
        for r in rows {
            if let (Some(kind), Some(due_at)) = (r.d_kind, r.d_due_at) {
                deadlines.push(DeadlineRow {
                    kind,
                    due_at,
                    met_at: r.d_met_at,
                });
            }
            ticket.get_or_insert(r.ticket);
        }
        ticket.map(|t| to_ticket(t, deadlines)).transpose()
    }

    /// Write one workflow step: the ticket as it was read (`before`, whose version must
    /// still be current) becomes `after`; deadlines met are stamped; the audit record keeps
    /// what changed.
    #[instrument(skip_all, fields(ticket_id = %before.id, event = %event))]
    pub async fn save_ticket_event(
        &self,
        before: &Ticket,
        after: &Ticket,
        event: EventType,
        note: Option<&str>,
        actor: UserId,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let (b, a) = changed_fields(&before.audit_view(), &after.audit_view());
        write!(self, p => {
            let mut tx = p.begin().await.map_err(internal)?;
            let n = sqlx::query(
                "UPDATE tickets SET status = $1, assignee_id = $2, technician_id = $3, opinion = $4,
                   reply = $5, resolution = $6, next_due_at = $7, updated_at = $8, version = $9
                 WHERE id = $10 AND version = $11")
                .bind(after.status.as_str())
                .bind(after.assignee_id.map(|u| u.0))
                .bind(after.technician_id.map(|u| u.0))
                .bind(&after.opinion)
                .bind(&after.reply)
                .bind(&after.resolution)
                .bind(after.next_due_at().map(ms))
                .bind(ms(after.updated_at))
                .bind(after.version)
                .bind(before.id.0)
                .bind(before.version)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?
                .rows_affected();
            if n == 0 {
                return Err(Error::Conflict(format!(
                    "ticket {} was changed by someone else since version {}", before.id, before.version)));
            }
            for d in &after.deadlines {
                let was = before.deadline(d.kind).and_then(|x| x.met_at);
                if d.met_at != was {
                    sqlx::query("UPDATE ticket_deadlines SET met_at = $1 WHERE ticket_id = $2 AND kind = $3")
                        .bind(d.met_at.map(ms))
                        .bind(before.id.0)
                        .bind(d.kind.as_str())
                        .execute(&mut *tx)
                        .await
                        .map_err(internal)?;
                }
            }
            insert_audit!(tx, "ticket", before.id.0, event.as_str(), actor.0, ms(now),
                note.map(str::to_string), json_text(&b), json_text(&a))?;
            tx.commit().await.map_err(internal)?;
        });
        tracing::info!(
            ticket_id = before.id.0,
            event = event.as_str(),
            "ticket event recorded"
        );
        Ok(())
    }

    /// Newest first (by id); `before` is the cursor: the last id of the previous page.
    #[instrument(skip_all)]
    pub async fn tickets(
        &self,
        f: &TicketFilter,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<TicketRow>, Error> {
        let mut cond: Vec<String> = Vec::new();
        let mut args: Vec<Arg> = Vec::new();
        let mut push = |sql: &str, arg: Arg, args_len: &mut usize| {
            *args_len += 1;
            cond.push(sql.replace("$?", &format!("${args_len}")));
            args.push(arg);
        };
        let mut n = 0usize;
        if let Some(q) = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            match sanbao_domain::ticket::parse_ticket_number(q) {
                Some(id) if q.len() >= 3 || q.starts_with(['S', 's']) => {
                    push("t.id = $?", Arg::I(id.0), &mut n);
                }
                _ => push(
                    "(LOWER(t.summary) LIKE $? ESCAPE '\\' OR LOWER(c.name) LIKE $? ESCAPE '\\' OR LOWER(COALESCE(t.unit_text, '')) LIKE $? ESCAPE '\\')",
                    Arg::S(like_pattern(q)),
                    &mut n,
                ),
            }
        }
        if let Some(k) = f.kind {
            push("t.kind = $?", Arg::S(k.as_str().into()), &mut n);
        }
        if let Some(s) = f.status {
            push("t.status = $?", Arg::S(s.as_str().into()), &mut n);
        }
        if let Some(r) = f.region {
            push("t.site_region = $?", Arg::S(r.as_str().into()), &mut n);
        }
        if let Some(c) = f.customer_id {
            push("t.customer_id = $?", Arg::I(c.0), &mut n);
        }
        if let Some(u) = f.person_id {
            push(
                "(t.assignee_id = $? OR t.technician_id = $?)",
                Arg::I(u.0),
                &mut n,
            );
        }
        if let Some(now) = f.overdue_at {
            push("t.next_due_at < $?", Arg::I(ms(now)), &mut n);
        }
        if let Some(b) = before {
            push("t.id < $?", Arg::I(b), &mut n);
        }
        if f.open {
            cond.push(format!("t.status IN {}", *WORKING));
        }
        n += 1;
        args.push(Arg::I(limit));
        let where_ = if cond.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", cond.join(" AND "))
        };
        let sql = format!("SELECT {ROW_COLS} {where_} ORDER BY t.id DESC LIMIT ${n}");
        read!(self, p => bind_all!(sqlx::query_as(&sql), &args)
            .fetch_all(p)
            .await
            .map_err(internal))
    }

    /// The service desk at `now`; `person` narrows it to one person's work.
    #[instrument(skip_all)]
    pub async fn dashboard(
        &self,
        now: DateTime<Utc>,
        due_soon: chrono::Duration,
        person: Option<UserId>,
        limit: i64,
    ) -> Result<Dashboard, Error> {
        // Only one person's work when asked: an always-present `OR` would make every
        // count read the table instead of the index.
        let (mine, who) = match person {
            Some(u) => ("AND (t.assignee_id = $1 OR t.technician_id = $1)", u.0),
            None => ("AND $1 = 0", 0),
        };
        let working = WORKING.as_str();
        let counts_sql = format!(
            "SELECT COALESCE(SUM(CASE WHEN t.next_due_at < $2 THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN t.next_due_at >= $2 AND t.next_due_at <= $3 THEN 1 ELSE 0 END), 0)
             FROM tickets t WHERE t.next_due_at IS NOT NULL {mine}");
        let open_sql = format!("SELECT COUNT(*) FROM tickets t WHERE t.status IN {working} {mine}");
        let by_deadline_sql = format!(
            "SELECT {ROW_COLS} WHERE t.next_due_at IS NOT NULL {mine} ORDER BY t.next_due_at, t.id LIMIT $2"
        );
        // Pick the ids first: otherwise the joins and the subquery run for every open
        // ticket before the sort and the limit.
        let without_sql = format!(
            "SELECT {ROW_COLS} WHERE t.id IN (SELECT t.id FROM tickets t
               WHERE t.status IN {working} AND t.next_due_at IS NULL {mine}
               ORDER BY t.id DESC LIMIT $2)
             ORDER BY t.id DESC"
        );
        read!(self, p => {
            let (breached, due): (i64, i64) = sqlx::query_as(&counts_sql)
                .bind(who).bind(ms(now)).bind(ms(now + due_soon))
                .fetch_one(p).await.map_err(internal)?;
            let open: i64 = sqlx::query_scalar(&open_sql)
                .bind(who).fetch_one(p).await.map_err(internal)?;
            let by_deadline: Vec<TicketRow> = sqlx::query_as(&by_deadline_sql)
                .bind(who).bind(limit).fetch_all(p).await.map_err(internal)?;
            let without_deadline: Vec<TicketRow> = sqlx::query_as(&without_sql)
                .bind(who).bind(limit).fetch_all(p).await.map_err(internal)?;
            Ok(Dashboard { open, breached, due_soon: due, by_deadline, without_deadline })
        })
    }
}
