//! Deadlines beside their tickets, the pauses of a ticket, the versions of the deadline
//! policy, and what the watcher claims and records.
//!
//! Each deadline row keeps what the domain computed of it — due and warning instants, the
//! pause it is stopped by, the basis it was computed from — and `next_alarm_at`, when the
//! watcher should next look at it. The watcher claims due rows with `FOR UPDATE SKIP
//! LOCKED` on PostgreSQL (the single writer on SQLite) and records each step in the same
//! transaction as its audit entry and its messages, so each step happens once however
//! many instances run, and a step whose instance dies before committing is taken again.

use crate::{Db, Tx, at, corrupt, internal, ms, on_tx, parse, read};
use chrono::{DateTime, Utc};
use sanbao_domain::deadline::{Alarms, Basis, Deadline, DeadlinePolicy, Pause};
use sanbao_domain::ticket::{DeadlineKind, Ticket, TicketKind, TicketStatus};
use sanbao_domain::{Error, Region, TicketId, UserId};
use tracing::instrument;

/// The deadline columns of `ticket_deadlines d` as the ticket queries select them.
pub(crate) const DEADLINE_COLUMNS: &str = "d.kind AS d_kind, d.due_at AS d_due_at, \
     d.met_at AS d_met_at, d.warn_at AS d_warn_at, d.paused_since AS d_paused_since, \
     d.basis AS d_basis, d.warned_at AS d_warned_at, d.escalated_at AS d_escalated_at, \
     d.escalated_again_at AS d_escalated_again_at";

/// One deadline as read (all `None` on the row of a ticket without deadlines).
#[derive(sqlx::FromRow, Default)]
pub(crate) struct DeadlineCols {
    d_kind: Option<String>,
    d_due_at: Option<i64>,
    d_met_at: Option<i64>,
    d_warn_at: Option<i64>,
    d_paused_since: Option<i64>,
    d_basis: Option<String>,
    d_warned_at: Option<i64>,
    d_escalated_at: Option<i64>,
    d_escalated_again_at: Option<i64>,
}

impl DeadlineCols {
    /// The deadline, if the row has one, of a ticket of `kind` in `region` received at
    /// `received_at` (what a deadline written before policies were versioned rests on).
    pub(crate) fn into_deadline(
        self,
        kind: TicketKind,
        region: Region,
        received_at: DateTime<Utc>,
    ) -> Result<Option<Deadline>, Error> {
        let (Some(k), Some(due)) = (self.d_kind, self.d_due_at) else {
            return Ok(None);
        };
        let due_at = at(due);
        let basis = match self.d_basis {
            Some(b) => {
                serde_json::from_str(&b).map_err(|e| corrupt("deadline basis", &e.to_string()))?
            }
            None => Basis::built_in(kind, region, received_at, due_at),
        };
        Ok(Some(Deadline {
            kind: parse("deadline kind", &k, DeadlineKind::parse)?,
            due_at,
            met_at: self.d_met_at.map(at),
            warn_at: self.d_warn_at.map_or(due_at, at),
            paused_since: self.d_paused_since.map(at),
            basis,
            alarms: Alarms {
                warned_at: self.d_warned_at.map(at),
                escalated_at: self.d_escalated_at.map(at),
                escalated_again_at: self.d_escalated_again_at.map(at),
            },
        }))
    }
}

fn basis_json(d: &Deadline) -> String {
    serde_json::to_string(&d.basis).unwrap_or_default()
}

/// When the watcher next looks at `d` of a ticket in `status`.
fn next_alarm_at(d: &Deadline, status: TicketStatus) -> Option<i64> {
    d.next_alarm(status).map(|(_, at)| ms(at))
}

impl Tx {
    /// Write the deadlines of new tickets.
    pub(crate) async fn insert_deadlines(&mut self, tickets: &[Ticket]) -> Result<(), Error> {
        let rows: Vec<(TicketId, TicketStatus, &Deadline)> = tickets
            .iter()
            .flat_map(|t| t.deadlines.iter().map(move |d| (t.id, t.status, d)))
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        on_tx!(self, c, B => {
            let mut q = sqlx::QueryBuilder::<B>::new(
                "INSERT INTO ticket_deadlines (ticket_id, kind, due_at, met_at, warn_at, \
                 paused_since, basis, policy_version, warned_at, escalated_at, \
                 escalated_again_at, next_alarm_at) ",
            );
            q.push_values(rows, |mut b, (id, status, d)| {
                b.push_bind(id.0)
                    .push_bind(d.kind.as_str())
                    .push_bind(ms(d.due_at))
                    .push_bind(d.met_at.map(ms))
                    .push_bind(ms(d.warn_at))
                    .push_bind(d.paused_since.map(ms))
                    .push_bind(basis_json(d))
                    .push_bind(d.basis.policy_version)
                    .push_bind(d.alarms.warned_at.map(ms))
                    .push_bind(d.alarms.escalated_at.map(ms))
                    .push_bind(d.alarms.escalated_again_at.map(ms))
                    .push_bind(next_alarm_at(d, status));
            });
            q.build().execute(&mut *c).await.map_err(internal)?;
        });
        Ok(())
    }

    /// Write the deadlines and pauses of `after` over those of `before`: new ones added,
    /// dropped ones deleted, changed ones rewritten. What the watcher did (its alarm
    /// columns) is the watcher's to write and is left alone.
    pub(crate) async fn update_deadlines(
        &mut self,
        before: &Ticket,
        after: &Ticket,
    ) -> Result<(), Error> {
        let id = before.id.0;
        for d in &before.deadlines {
            if after.deadline(d.kind).is_none() {
                on_tx!(self, c => sqlx::query(
                    "DELETE FROM ticket_deadlines WHERE ticket_id = $1 AND kind = $2")
                    .bind(id)
                    .bind(d.kind.as_str())
                    .execute(c)
                    .await
                    .map(|_| ())
                    .map_err(internal))?;
            }
        }
        let mut added = Vec::new();
        for d in &after.deadlines {
            let Some(was) = before.deadline(d.kind) else {
                added.push(d.clone());
                continue;
            };
            let (next, next_was) = (
                next_alarm_at(d, after.status),
                next_alarm_at(was, before.status),
            );
            if d == was && next == next_was {
                continue;
            }
            on_tx!(self, c => sqlx::query(
                "UPDATE ticket_deadlines SET due_at = $1, met_at = $2, warn_at = $3,
                   paused_since = $4, basis = $5, policy_version = $6, next_alarm_at = $7
                 WHERE ticket_id = $8 AND kind = $9")
                .bind(ms(d.due_at))
                .bind(d.met_at.map(ms))
                .bind(ms(d.warn_at))
                .bind(d.paused_since.map(ms))
                .bind(basis_json(d))
                .bind(d.basis.policy_version)
                .bind(next)
                .bind(id)
                .bind(d.kind.as_str())
                .execute(c)
                .await
                .map(|_| ())
                .map_err(internal))?;
        }
        if !added.is_empty() {
            let mut t = after.clone();
            t.deadlines = added;
            self.insert_deadlines(std::slice::from_ref(&t)).await?;
        }
        for (i, p) in after.pauses.iter().enumerate() {
            match before.pauses.get(i) {
                Some(was) if was == p => {}
                Some(_) => {
                    on_tx!(self, c => sqlx::query(
                        "UPDATE ticket_pauses SET to_at = $1 WHERE ticket_id = $2 AND from_at = $3")
                        .bind(p.to.map(ms))
                        .bind(id)
                        .bind(ms(p.from))
                        .execute(c)
                        .await
                        .map(|_| ())
                        .map_err(internal))?;
                }
                None => {
                    on_tx!(self, c => sqlx::query(
                        "INSERT INTO ticket_pauses (ticket_id, from_at, to_at, reason, resume_to)
                         VALUES ($1, $2, $3, $4, $5)")
                        .bind(id)
                        .bind(ms(p.from))
                        .bind(p.to.map(ms))
                        .bind(&p.reason)
                        .bind(p.resume_to.as_str())
                        .execute(c)
                        .await
                        .map(|_| ())
                        .map_err(crate::db_err))?;
                }
            }
        }
        Ok(())
    }

    /// A ticket's pauses, oldest first.
    pub(crate) async fn pauses(&mut self, ticket: TicketId) -> Result<Vec<Pause>, Error> {
        let rows: Vec<PauseRow> = on_tx!(self, c => sqlx::query_as(PAUSES)
            .bind(ticket.0)
            .fetch_all(c)
            .await
            .map_err(internal))?;
        rows.into_iter().map(PauseRow::into_pause).collect()
    }
}

const PAUSES: &str = "SELECT from_at, to_at, reason, resume_to FROM ticket_pauses \
     WHERE ticket_id = $1 ORDER BY from_at";

#[derive(sqlx::FromRow)]
struct PauseRow {
    from_at: i64,
    to_at: Option<i64>,
    reason: String,
    resume_to: String,
}

impl PauseRow {
    fn into_pause(self) -> Result<Pause, Error> {
        Ok(Pause {
            from: at(self.from_at),
            to: self.to_at.map(at),
            reason: self.reason,
            resume_to: parse("ticket status", &self.resume_to, TicketStatus::parse)?,
        })
    }
}

impl Db {
    pub(crate) async fn pauses(&self, ticket: TicketId) -> Result<Vec<Pause>, Error> {
        let rows: Vec<PauseRow> = read!(self, p => sqlx::query_as(PAUSES)
            .bind(ticket.0)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(PauseRow::into_pause).collect()
    }
}

// ---- Policy versions ----

/// A saved version of the deadline policy, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    pub version: i64,
    pub note: Option<String>,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn policy_of(version: i64, body: Option<String>) -> Result<DeadlinePolicy, Error> {
    let mut p = match body {
        None => DeadlinePolicy::company(),
        Some(b) => {
            serde_json::from_str(&b).map_err(|e| corrupt("deadline policy", &e.to_string()))?
        }
    };
    p.version = version;
    Ok(p)
}

const CURRENT_POLICY: &str =
    "SELECT version, body FROM deadline_policies ORDER BY version DESC LIMIT 1";

impl Tx {
    /// The policy in force, as this transaction sees it. On PostgreSQL the version row is
    /// held shared until commit, so a new version cannot be saved — and open tickets
    /// recomputed — between this read and the write that uses it.
    pub async fn current_policy(&mut self) -> Result<DeadlinePolicy, Error> {
        let (v, body): (i64, Option<String>) = match self {
            Tx::Sqlite(c) => sqlx::query_as(CURRENT_POLICY)
                .fetch_one(&mut **c)
                .await
                .map_err(internal)?,
            Tx::Postgres(c) => sqlx::query_as(&format!("{CURRENT_POLICY} FOR SHARE"))
                .fetch_one(&mut **c)
                .await
                .map_err(internal)?,
        };
        policy_of(v, body)
    }

    /// The policy in force, held exclusively until commit: the next version is saved
    /// under this lock.
    pub async fn lock_policy(&mut self) -> Result<DeadlinePolicy, Error> {
        let (v, body): (i64, Option<String>) = match self {
            Tx::Sqlite(c) => sqlx::query_as(CURRENT_POLICY)
                .fetch_one(&mut **c)
                .await
                .map_err(internal)?,
            Tx::Postgres(c) => sqlx::query_as(&format!("{CURRENT_POLICY} FOR UPDATE"))
                .fetch_one(&mut **c)
                .await
                .map_err(internal)?,
        };
        policy_of(v, body)
    }

    /// Save `policy` as its version.
    pub async fn insert_deadline_policy(
        &mut self,
        policy: &DeadlinePolicy,
        note: Option<&str>,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let body = serde_json::to_string(policy).map_err(internal)?;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO deadline_policies (version, body, note, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5)")
            .bind(policy.version)
            .bind(&body)
            .bind(note)
            .bind(by.0)
            .bind(ms(now))
            .execute(c)
            .await
            .map(|_| ())
            .map_err(crate::db_err))
    }

    /// Unfinished tickets after `after` (by id), `limit` at a time: what a new policy
    /// recomputes.
    pub async fn unfinished_ticket_ids(
        &mut self,
        after: TicketId,
        limit: i64,
    ) -> Result<Vec<TicketId>, Error> {
        let ids: Vec<i64> = on_tx!(self, c => sqlx::query_scalar(
            &format!("SELECT id FROM tickets WHERE desk_lane IN {}
               AND id > $1 ORDER BY id LIMIT $2", crate::sql::WORKING_LANES.as_str()))
            .bind(after.0)
            .bind(limit)
            .fetch_all(c)
            .await
            .map_err(internal))?;
        Ok(ids.into_iter().map(TicketId).collect())
    }

    /// Unfinished tickets naming `unit`: they follow it when it moves.
    pub async fn unfinished_tickets_of_unit(
        &mut self,
        unit: sanbao_domain::UnitId,
    ) -> Result<Vec<TicketId>, Error> {
        let ids: Vec<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT id FROM tickets WHERE unit_id = $1
               AND status NOT IN ('resolved', 'closed', 'cancelled') ORDER BY id")
            .bind(unit.0)
            .fetch_all(c)
            .await
            .map_err(internal))?;
        Ok(ids.into_iter().map(TicketId).collect())
    }

    /// Unfinished tickets whose work is at `site`: what a corrected region recomputes.
    pub async fn unfinished_tickets_at_site(
        &mut self,
        site: sanbao_domain::SiteId,
    ) -> Result<Vec<TicketId>, Error> {
        let ids: Vec<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT id FROM tickets WHERE site_id = $1
               AND status NOT IN ('resolved', 'closed', 'cancelled') ORDER BY id")
            .bind(site.0)
            .fetch_all(c)
            .await
            .map_err(internal))?;
        Ok(ids.into_iter().map(TicketId).collect())
    }
}

impl Db {
    /// The policy in force.
    pub async fn current_policy(&self) -> Result<DeadlinePolicy, Error> {
        let (v, body): (i64, Option<String>) = read!(self, p => sqlx::query_as(CURRENT_POLICY)
            .fetch_one(p)
            .await
            .map_err(internal))?;
        policy_of(v, body)
    }

    /// One version of the policy.
    pub async fn policy_version(&self, version: i64) -> Result<Option<DeadlinePolicy>, Error> {
        let row: Option<(i64, Option<String>)> = read!(self, p => sqlx::query_as(
            "SELECT version, body FROM deadline_policies WHERE version = $1")
            .bind(version)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        row.map(|(v, b)| policy_of(v, b)).transpose()
    }

    /// Every version, newest first.
    pub async fn policy_versions(&self) -> Result<Vec<PolicyVersion>, Error> {
        let rows: Vec<(i64, Option<String>, Option<String>, i64)> = read!(self, p => sqlx::query_as(
            "SELECT p.version, p.note, u.display_name, p.created_at FROM deadline_policies p
             LEFT JOIN users u ON u.id = p.created_by ORDER BY p.version DESC")
            .fetch_all(p)
            .await
            .map_err(internal))?;
        Ok(rows
            .into_iter()
            .map(|(version, note, created_by, created)| PolicyVersion {
                version,
                note,
                created_by,
                created_at: at(created),
            })
            .collect())
    }
}

// ---- The watcher ----

/// A deadline whose next step is due, with what the watcher needs of its ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct Watched {
    pub ticket_id: TicketId,
    pub ticket_kind: TicketKind,
    pub status: TicketStatus,
    pub assignee_id: Option<UserId>,
    pub technician_id: Option<UserId>,
    pub summary: String,
    pub customer_name: String,
    pub deadline: Deadline,
}

#[derive(sqlx::FromRow)]
struct WatchedRow {
    id: i64,
    kind: String,
    status: String,
    site_region: String,
    received_at: i64,
    assignee_id: Option<i64>,
    technician_id: Option<i64>,
    summary: String,
    customer_name: String,
    #[sqlx(flatten)]
    d: DeadlineCols,
}

impl Tx {
    /// Claim up to `limit` deadlines whose next step is due at `now`, in due order. On
    /// PostgreSQL the rows stay locked until this transaction ends and rows another
    /// instance holds are skipped.
    #[instrument(skip_all)]
    pub async fn claim_alarms(
        &mut self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<Watched>, Error> {
        let sql = format!(
            "SELECT t.id, t.kind, t.status, t.site_region, t.received_at, t.assignee_id,
               t.technician_id, t.summary, c.name AS customer_name, {DEADLINE_COLUMNS}
             FROM ticket_deadlines d JOIN tickets t ON t.id = d.ticket_id
             JOIN customers c ON c.id = t.customer_id
             WHERE d.next_alarm_at <= $1 ORDER BY d.next_alarm_at, d.ticket_id LIMIT $2"
        );
        let rows: Vec<WatchedRow> = match self {
            Tx::Sqlite(c) => sqlx::query_as(&sql)
                .bind(ms(now))
                .bind(limit)
                .fetch_all(&mut **c)
                .await
                .map_err(internal)?,
            Tx::Postgres(c) => sqlx::query_as(&format!("{sql} FOR UPDATE OF d SKIP LOCKED"))
                .bind(ms(now))
                .bind(limit)
                .fetch_all(&mut **c)
                .await
                .map_err(internal)?,
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let kind = parse("ticket kind", &r.kind, TicketKind::parse)?;
            let region = parse("region", &r.site_region, Region::parse)?;
            let Some(deadline) = r.d.into_deadline(kind, region, at(r.received_at))? else {
                continue;
            };
            out.push(Watched {
                ticket_id: TicketId(r.id),
                ticket_kind: kind,
                status: parse("ticket status", &r.status, TicketStatus::parse)?,
                assignee_id: r.assignee_id.map(UserId),
                technician_id: r.technician_id.map(UserId),
                summary: r.summary,
                customer_name: r.customer_name,
                deadline,
            });
        }
        Ok(out)
    }

    /// Record what the watcher did about a deadline and when it looks again.
    pub async fn record_alarms(
        &mut self,
        ticket: TicketId,
        kind: DeadlineKind,
        alarms: &Alarms,
        next_at: Option<DateTime<Utc>>,
    ) -> Result<(), Error> {
        on_tx!(self, c => sqlx::query(
            "UPDATE ticket_deadlines SET warned_at = $1, escalated_at = $2,
               escalated_again_at = $3, next_alarm_at = $4
             WHERE ticket_id = $5 AND kind = $6")
            .bind(alarms.warned_at.map(ms))
            .bind(alarms.escalated_at.map(ms))
            .bind(alarms.escalated_again_at.map(ms))
            .bind(next_at.map(ms))
            .bind(ticket.0)
            .bind(kind.as_str())
            .execute(c)
            .await
            .map(|_| ())
            .map_err(internal))
    }

    /// Active users of `role`, by name: whom an escalation reaches.
    pub async fn active_users_with_role(
        &mut self,
        role: sanbao_domain::Role,
    ) -> Result<Vec<UserId>, Error> {
        let ids: Vec<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT id FROM users WHERE role = $1 AND active ORDER BY display_name, id")
            .bind(role.as_str())
            .fetch_all(c)
            .await
            .map_err(internal))?;
        Ok(ids.into_iter().map(UserId).collect())
    }
}
