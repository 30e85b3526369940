//! The sources of a unit's or a customer's life story (R3.8, R5.2): one small query per
//! kind of record, each narrowed to the scope and the filter's dates and capped at the
//! newest [`PER_SOURCE`] rows. The domain orders, counts and cuts what they return.

use crate::{Db, at, internal, ms, read};
use chrono::NaiveDate;
use sanbao_domain::campaign::Response;
use sanbao_domain::life::{LifeEntry, LifeEvent, LifeFilter, LifeKind, Scope, UnitRef};
use sanbao_domain::{
    CampaignId, DeliveryId, Error, FormId, JobId, TicketId, TrainingId, UnitId, ids::FollowUpId,
};
use tracing::instrument;

/// The most rows read from one source for one story.
const PER_SOURCE: i64 = 1000;

/// The story's bounds as the queries bind them: moments in milliseconds (end exclusive)
/// and company dates as text (both included).
struct Bounds {
    from_ms: i64,
    to_ms: i64,
    from_day: String,
    to_day: String,
}

impl Bounds {
    fn of(filter: &LifeFilter) -> Bounds {
        let (from, to) = filter.window();
        Bounds {
            from_ms: from.map_or(i64::MIN, ms),
            to_ms: to.map_or(i64::MAX, ms),
            from_day: filter.from.map_or("0000-01-01".into(), |d| d.to_string()),
            to_day: filter.to.map_or("9999-12-31".into(), |d| d.to_string()),
        }
    }
}

/// The condition naming the scope's records, on a unit column or a customer column.
fn scoped(scope: Scope, unit_col: &str, customer_col: &str) -> (String, i64) {
    match scope {
        Scope::Unit(u) => (format!("{unit_col} = $1"), u.0),
        Scope::Customer(c) => (format!("{customer_col} = $1"), c.0),
    }
}

/// The unit columns every source names its unit by (`un`, `pm` joined on `$col`).
fn unit_join(col: &str) -> String {
    format!(
        "LEFT JOIN units un ON un.id = {col} LEFT JOIN product_models pm ON pm.id = un.model_id"
    )
}

const UNIT_COLS: &str = "un.id AS unit_id, pm.code AS model_code, un.serial_no";

fn unit_ref(id: Option<i64>, model: Option<String>, serial: Option<String>) -> Option<UnitRef> {
    Some(UnitRef {
        id: UnitId(id?),
        model_code: model.unwrap_or_default(),
        serial_no: serial.unwrap_or_default(),
    })
}

fn day(s: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| internal(format!("stored date {s:?}: {e}")))
}

impl Db {
    /// Every entry of the scope's story of the `kinds` given (those the reader may read)
    /// within the filter's dates, in no particular order (the domain's `life::story`
    /// orders them, counts them by kind and applies the filter's own kinds).
    #[instrument(skip_all)]
    pub async fn life_entries(
        &self,
        scope: Scope,
        kinds: &[LifeKind],
        filter: &LifeFilter,
    ) -> Result<Vec<LifeEntry>, Error> {
        let b = Bounds::of(filter);
        let mut out = Vec::new();
        for &kind in kinds {
            match kind {
                LifeKind::Delivery => {
                    out.extend(self.life_deliveries(scope, &b).await?);
                }
                LifeKind::Commissioning => out.extend(self.life_units(scope, &b).await?),
                LifeKind::Ticket => out.extend(self.life_tickets(scope, &b).await?),
                LifeKind::Visit => out.extend(self.life_visits(scope, &b).await?),
                LifeKind::Form => out.extend(self.life_forms(scope, &b).await?),
                LifeKind::Part => out.extend(self.life_parts(scope, &b).await?),
                LifeKind::Return => out.extend(self.life_returns(scope, &b).await?),
                LifeKind::FollowUp => out.extend(self.life_follow_ups(scope, &b).await?),
                LifeKind::Campaign => out.extend(self.life_campaigns(scope, &b).await?),
                LifeKind::Training => out.extend(self.life_training(scope, &b).await?),
                LifeKind::Change => out.extend(self.life_changes(scope, &b).await?),
            }
        }
        Ok(out)
    }

    /// Each unit's recording, and its shipped, accepted and commissioned dates (shipped
    /// and accepted only for a unit without a delivery note: the note stands for them).
    async fn life_units(&self, scope: Scope, b: &Bounds) -> Result<Vec<LifeEntry>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            unit_id: Option<i64>,
            model_code: Option<String>,
            serial_no: Option<String>,
            created_at: i64,
            delivery_id: Option<i64>,
            shipped_on: Option<String>,
            accepted_on: Option<String>,
            commissioned_on: Option<String>,
        }
        let (cond, id) = scoped(scope, "un.id", "un.customer_id");
        let sql = format!(
            "SELECT {UNIT_COLS}, un.created_at, un.delivery_id, un.shipped_on, un.accepted_on,
                    un.commissioned_on
             FROM units un JOIN product_models pm ON pm.id = un.model_id
             WHERE {cond} ORDER BY un.id DESC LIMIT $2"
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(id).bind(PER_SOURCE).fetch_all(p).await.map_err(internal))?;
        let mut out = Vec::new();
        for r in rows {
            let unit = unit_ref(r.unit_id, r.model_code, r.serial_no);
            if (b.from_ms..b.to_ms).contains(&r.created_at) {
                out.push(LifeEntry::at(
                    at(r.created_at),
                    unit.clone(),
                    LifeEvent::Recorded,
                ));
            }
            let undelivered = r.delivery_id.is_none();
            let dated = [
                (r.shipped_on.filter(|_| undelivered), LifeEvent::Shipped),
                (r.accepted_on.filter(|_| undelivered), LifeEvent::Accepted),
                (r.commissioned_on, LifeEvent::Commissioned),
            ];
            for (on, event) in dated {
                if let Some(on) = on.filter(|d| *d >= b.from_day && *d <= b.to_day) {
                    out.push(LifeEntry::on(day(&on)?, unit.clone(), event));
                }
            }
        }
        Ok(out)
    }

    /// The delivery notes: the unit's own, or every one of the customer's.
    async fn life_deliveries(&self, scope: Scope, b: &Bounds) -> Result<Vec<LifeEntry>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            reference: String,
            status: String,
            shipped_on: String,
        }
        let cond = match scope {
            Scope::Unit(_) => "d.id = (SELECT delivery_id FROM units WHERE id = $1)",
            Scope::Customer(_) => "d.customer_id = $1",
        };
        let id = match scope {
            Scope::Unit(u) => u.0,
            Scope::Customer(c) => c.0,
        };
        let sql = format!(
            "SELECT d.id, d.reference, d.status, d.shipped_on FROM deliveries d
             WHERE {cond} AND d.shipped_on >= $2 AND d.shipped_on <= $3
             ORDER BY d.shipped_on DESC, d.id DESC LIMIT $4"
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(id).bind(&b.from_day).bind(&b.to_day).bind(PER_SOURCE)
            .fetch_all(p).await.map_err(internal))?;
        rows.into_iter()
            .map(|r| {
                Ok(LifeEntry::on(
                    day(&r.shipped_on)?,
                    None,
                    LifeEvent::Delivery {
                        delivery_id: DeliveryId(r.id),
                        reference: r.reference,
                        status: r.status,
                    },
                ))
            })
            .collect()
    }

    /// Every ticket, at its received time, with the coverage it recorded.
    async fn life_tickets(&self, scope: Scope, b: &Bounds) -> Result<Vec<LifeEntry>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            kind: String,
            status: String,
            summary: String,
            received_at: i64,
            coverage: Option<String>,
            unit_id: Option<i64>,
            model_code: Option<String>,
            serial_no: Option<String>,
        }
        let (cond, id) = scoped(scope, "t.unit_id", "t.customer_id");
        let sql = format!(
            "SELECT t.id, t.kind, t.status, t.summary, t.received_at, t.coverage, {UNIT_COLS}
             FROM tickets t {}
             WHERE {cond} AND t.received_at >= $2 AND t.received_at < $3
             ORDER BY t.received_at DESC, t.id DESC LIMIT $4",
            unit_join("t.unit_id")
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(id).bind(b.from_ms).bind(b.to_ms).bind(PER_SOURCE)
            .fetch_all(p).await.map_err(internal))?;
        Ok(rows
            .into_iter()
            .rev()
            .map(|r| {
                // Only the coverage's kind is shown; a record unreadable here shows none.
                let coverage = r.coverage.and_then(|c| {
                    serde_json::from_str::<serde_json::Value>(&c)
                        .ok()
                        .and_then(|v| v.get("coverage")?.as_str().map(str::to_string))
                });
                LifeEntry::at(
                    at(r.received_at),
                    unit_ref(r.unit_id, r.model_code, r.serial_no),
                    LifeEvent::Ticket {
                        ticket_id: TicketId(r.id),
                        kind: r.kind,
                        status: r.status,
                        summary: r.summary,
                        coverage,
                    },
                )
            })
            .collect())
    }

    /// Technicians on site: the jobs' trips that arrived, and the tickets' check-ins
    /// recorded before jobs existed.
    async fn life_visits(&self, scope: Scope, b: &Bounds) -> Result<Vec<LifeEntry>, Error> {
        #[derive(sqlx::FromRow)]
        struct Trip {
            job_id: i64,
            ticket_id: i64,
            job_type: String,
            problem: String,
            ordinal: i64,
            arrived_at: i64,
            unit_id: Option<i64>,
            model_code: Option<String>,
            serial_no: Option<String>,
        }
        #[derive(sqlx::FromRow)]
        struct CheckIn {
            ticket_id: i64,
            at: i64,
            technician: Option<String>,
            unit_id: Option<i64>,
            model_code: Option<String>,
            serial_no: Option<String>,
        }
        let (cond, id) = scoped(scope, "j.unit_id", "j.customer_id");
        let sql = format!(
            "SELECT j.id AS job_id, j.ticket_id, j.job_type, j.problem, tr.ordinal,
                    tr.arrived_at, {UNIT_COLS}
             FROM trips tr JOIN jobs j ON j.id = tr.job_id {}
             WHERE {cond} AND tr.arrived_at >= $2 AND tr.arrived_at < $3
             ORDER BY tr.arrived_at DESC LIMIT $4",
            unit_join("j.unit_id")
        );
        let trips: Vec<Trip> = read!(self, p => sqlx::query_as(&sql)
            .bind(id).bind(b.from_ms).bind(b.to_ms).bind(PER_SOURCE)
            .fetch_all(p).await.map_err(internal))?;
        let (cond, id) = scoped(scope, "t.unit_id", "t.customer_id");
        let sql = format!(
            "SELECT t.id AS ticket_id, a.at, us.display_name AS technician, {UNIT_COLS}
             FROM audit_log a JOIN tickets t ON t.id = a.entity_id
               LEFT JOIN users us ON us.id = a.actor_id {}
             WHERE a.entity = 'ticket' AND a.action = 'check_in' AND {cond}
               AND a.at >= $2 AND a.at < $3
             ORDER BY a.at DESC LIMIT $4",
            unit_join("t.unit_id")
        );
        let check_ins: Vec<CheckIn> = read!(self, p => sqlx::query_as(&sql)
            .bind(id).bind(b.from_ms).bind(b.to_ms).bind(PER_SOURCE)
            .fetch_all(p).await.map_err(internal))?;
        let mut out: Vec<LifeEntry> = check_ins
            .into_iter()
            .rev()
            .map(|c| {
                LifeEntry::at(
                    at(c.at),
                    unit_ref(c.unit_id, c.model_code, c.serial_no),
                    LifeEvent::CheckIn {
                        ticket_id: TicketId(c.ticket_id),
                        technician: c.technician,
                    },
                )
            })
            .collect();
        out.extend(trips.into_iter().rev().map(|t| {
            LifeEntry::at(
                at(t.arrived_at),
                unit_ref(t.unit_id, t.model_code, t.serial_no),
                LifeEvent::Arrived {
                    job_id: JobId(t.job_id),
                    ticket_id: TicketId(t.ticket_id),
                    job_type: t.job_type,
                    trip: t.ordinal,
                    problem: t.problem,
                },
            )
        }));
        Ok(out)
    }

    /// Feedback forms past their draft, at their signing (or, absent that, their writing).
    async fn life_forms(&self, scope: Scope, b: &Bounds) -> Result<Vec<LifeEntry>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            job_id: i64,
            status: String,
            signer_name: Option<String>,
            fault_cause: String,
            handling: String,
            responsibility: Option<String>,
            at: i64,
            unit_id: Option<i64>,
            model_code: Option<String>,
            serial_no: Option<String>,
        }
        let (cond, id) = scoped(scope, "j.unit_id", "j.customer_id");
        let sql = format!(
            "SELECT f.id, f.job_id, f.status, f.signer_name, f.fault_cause, f.handling,
                    f.responsibility, COALESCE(f.signed_at, f.created_at) AS at, {UNIT_COLS}
             FROM feedback_forms f JOIN jobs j ON j.id = f.job_id {}
             WHERE {cond} AND f.status <> 'draft'
               AND COALESCE(f.signed_at, f.created_at) >= $2
               AND COALESCE(f.signed_at, f.created_at) < $3
             ORDER BY at DESC LIMIT $4",
            unit_join("j.unit_id")
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(id).bind(b.from_ms).bind(b.to_ms).bind(PER_SOURCE)
            .fetch_all(p).await.map_err(internal))?;
        Ok(rows
            .into_iter()
            .rev()
            .map(|r| {
                LifeEntry::at(
                    at(r.at),
                    unit_ref(r.unit_id, r.model_code, r.serial_no),
                    LifeEvent::Form {
                        form_id: FormId(r.id),
                        job_id: JobId(r.job_id),
                        status: r.status,
                        signer: r.signer_name,
                        fault_cause: r.fault_cause,
                        handling: r.handling,
                        responsibility: r.responsibility,
                    },
                )
            })
            .collect())
    }

    /// Parts fitted and faulty parts removed, not reversed.
    async fn life_parts(&self, scope: Scope, b: &Bounds) -> Result<Vec<LifeEntry>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            kind: String,
            job_id: Option<i64>,
            code: String,
            name: String,
            quantity: i64,
            serial: Option<String>,
            faulty_serial: Option<String>,
            at: i64,
            unit_id: Option<i64>,
            model_code: Option<String>,
            serial_no: Option<String>,
        }
        let (cond, id) = match scope {
            Scope::Unit(u) => ("m.unit_id = $1".to_string(), u.0),
            // Fitted on one of the customer's units, or on a job of theirs naming none.
            Scope::Customer(c) => (
                "(un.customer_id = $1
                  OR m.job_id IN (SELECT j.id FROM jobs j WHERE j.customer_id = $1))"
                    .to_string(),
                c.0,
            ),
        };
        let sql = format!(
            "SELECT m.kind, m.job_id, p.code, p.name, m.quantity, m.serial, m.faulty_serial,
                    m.at, {UNIT_COLS}
             FROM part_moves m JOIN parts p ON p.id = m.part_id {}
             WHERE {cond} AND m.kind IN ('use', 'faulty_return')
               AND NOT EXISTS (SELECT 1 FROM part_moves r WHERE r.reverses = m.id)
               AND m.at >= $2 AND m.at < $3
             ORDER BY m.id DESC LIMIT $4",
            unit_join("m.unit_id")
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(id).bind(b.from_ms).bind(b.to_ms).bind(PER_SOURCE)
            .fetch_all(p).await.map_err(internal))?;
        Ok(rows
            .into_iter()
            .rev()
            .map(|r| {
                LifeEntry::at(
                    at(r.at),
                    unit_ref(r.unit_id, r.model_code, r.serial_no),
                    LifeEvent::Part {
                        job_id: r.job_id.map(JobId),
                        move_kind: r.kind,
                        code: r.code,
                        name: r.name,
                        quantity: r.quantity,
                        serial: r.serial,
                        serial_removed: r.faulty_serial,
                    },
                )
            })
            .collect())
    }

    /// Returns asked for, and their decisions with the reason.
    async fn life_returns(&self, scope: Scope, b: &Bounds) -> Result<Vec<LifeEntry>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            status: String,
            description: String,
            created_at: i64,
            decided_at: Option<i64>,
            decision_reason: Option<String>,
            unit_id: Option<i64>,
            model_code: Option<String>,
            serial_no: Option<String>,
        }
        let (cond, id) = scoped(scope, "r.unit_id", "un.customer_id");
        let sql = format!(
            "SELECT r.id, r.status, r.description, r.created_at, r.decided_at,
                    r.decision_reason, {UNIT_COLS}
             FROM returns r {}
             WHERE {cond}
               AND ((r.created_at >= $2 AND r.created_at < $3)
                    OR (r.decided_at >= $2 AND r.decided_at < $3))
             ORDER BY r.id DESC LIMIT $4",
            unit_join("r.unit_id")
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(id).bind(b.from_ms).bind(b.to_ms).bind(PER_SOURCE)
            .fetch_all(p).await.map_err(internal))?;
        let mut out = Vec::new();
        for r in rows.into_iter().rev() {
            let unit = unit_ref(r.unit_id, r.model_code, r.serial_no);
            if (b.from_ms..b.to_ms).contains(&r.created_at) {
                out.push(LifeEntry::at(
                    at(r.created_at),
                    unit.clone(),
                    LifeEvent::Return {
                        return_id: r.id,
                        status: "requested".into(),
                        reason: Some(r.description),
                    },
                ));
            }
            if let Some(d) = r.decided_at.filter(|d| (b.from_ms..b.to_ms).contains(d)) {
                out.push(LifeEntry::at(
                    at(d),
                    unit,
                    LifeEvent::Return {
                        return_id: r.id,
                        status: r.status,
                        reason: r.decision_reason,
                    },
                ));
            }
        }
        Ok(out)
    }

    /// The customer's follow-ups, on their visit dates.
    async fn life_follow_ups(&self, scope: Scope, b: &Bounds) -> Result<Vec<LifeEntry>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            visited_on: String,
            method: String,
            salesperson: String,
            met: Option<String>,
            usage: Option<String>,
            remarks: Option<String>,
            remark_class: Option<String>,
            requests: Option<String>,
            ticket_id: Option<i64>,
        }
        let Scope::Customer(c) = scope else {
            return Ok(Vec::new());
        };
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(
            "SELECT f.id, f.visited_on, f.method, us.display_name AS salesperson, f.met, f.usage,
                    f.remarks, f.remark_class, f.requests, f.ticket_id
             FROM follow_ups f JOIN users us ON us.id = f.salesperson_id
             WHERE f.customer_id = $1 AND f.visited_on >= $2 AND f.visited_on <= $3
             ORDER BY f.visited_on DESC, f.id DESC LIMIT $4")
            .bind(c.0).bind(&b.from_day).bind(&b.to_day).bind(PER_SOURCE)
            .fetch_all(p).await.map_err(internal))?;
        rows.into_iter()
            .rev()
            .map(|r| {
                Ok(LifeEntry::on(
                    day(&r.visited_on)?,
                    None,
                    LifeEvent::FollowUp {
                        follow_up_id: FollowUpId(r.id),
                        method: r.method,
                        salesperson: r.salesperson,
                        met: r.met,
                        usage: r.usage,
                        remarks: r.remarks,
                        remark_class: r.remark_class,
                        requests: r.requests,
                        ticket_id: r.ticket_id.map(TicketId),
                    },
                ))
            })
            .collect()
    }

    /// The customer's campaign answers, at the moment each was given.
    async fn life_campaigns(&self, scope: Scope, b: &Bounds) -> Result<Vec<LifeEntry>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            campaign_id: i64,
            year: i64,
            name: String,
            response: String,
            responded_at: i64,
        }
        let Scope::Customer(c) = scope else {
            return Ok(Vec::new());
        };
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(
            "SELECT c.id AS campaign_id, CAST(c.year AS BIGINT) AS year, c.name, t.response,
                    t.responded_at
             FROM campaign_targets t JOIN campaigns c ON c.id = t.campaign_id
             WHERE t.customer_id = $1 AND t.response IS NOT NULL
               AND t.responded_at >= $2 AND t.responded_at < $3
             ORDER BY t.responded_at DESC LIMIT $4")
            .bind(c.0).bind(b.from_ms).bind(b.to_ms).bind(PER_SOURCE)
            .fetch_all(p).await.map_err(internal))?;
        rows.into_iter()
            .rev()
            .map(|r| {
                let response: Response = serde_json::from_str(&r.response)
                    .map_err(|e| internal(format!("campaign response: {e}")))?;
                Ok(LifeEntry::at(
                    at(r.responded_at),
                    None,
                    LifeEvent::Campaign {
                        campaign_id: CampaignId(r.campaign_id),
                        year: i32::try_from(r.year).unwrap_or_default(),
                        name: r.name,
                        channel: Some(response.channel.as_str().to_string()),
                        suggestions: response.suggestions,
                    },
                ))
            })
            .collect()
    }

    /// Training sessions held for the customer, on their dates.
    async fn life_training(&self, scope: Scope, b: &Bounds) -> Result<Vec<LifeEntry>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            id: i64,
            topic: String,
            trainer: String,
            held_on: String,
            attendees: i64,
        }
        let Scope::Customer(c) = scope else {
            return Ok(Vec::new());
        };
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(
            "SELECT s.id, s.topic, s.trainer, s.held_on,
                    (SELECT COUNT(*) FROM training_attendees a WHERE a.session_id = s.id)
                      AS attendees
             FROM training_sessions s
             WHERE s.customer_id = $1 AND s.held_on >= $2 AND s.held_on <= $3
             ORDER BY s.held_on DESC, s.id DESC LIMIT $4")
            .bind(c.0).bind(&b.from_day).bind(&b.to_day).bind(PER_SOURCE)
            .fetch_all(p).await.map_err(internal))?;
        rows.into_iter()
            .rev()
            .map(|r| {
                Ok(LifeEntry::on(
                    day(&r.held_on)?,
                    None,
                    LifeEvent::Training {
                        session_id: TrainingId(r.id),
                        topic: r.topic,
                        trainer: r.trainer,
                        attendees: r.attendees,
                    },
                ))
            })
            .collect()
    }

    /// Changes of the unit's record (or of the customer's and their units'), after each
    /// was first recorded, with the fields changed.
    async fn life_changes(&self, scope: Scope, b: &Bounds) -> Result<Vec<LifeEntry>, Error> {
        #[derive(sqlx::FromRow)]
        struct Row {
            at: i64,
            after: Option<String>,
            unit_id: Option<i64>,
            model_code: Option<String>,
            serial_no: Option<String>,
        }
        let (cond, id) = match scope {
            Scope::Unit(u) => ("a.entity = 'unit' AND a.entity_id = $1", u.0),
            Scope::Customer(c) => (
                "((a.entity = 'customer' AND a.entity_id = $1)
                  OR (a.entity = 'unit'
                      AND a.entity_id IN (SELECT id FROM units WHERE customer_id = $1)))",
                c.0,
            ),
        };
        let sql = format!(
            "SELECT a.at, a.after, {UNIT_COLS}
             FROM audit_log a
               LEFT JOIN units un ON a.entity = 'unit' AND un.id = a.entity_id
               LEFT JOIN product_models pm ON pm.id = un.model_id
             WHERE {cond} AND a.action <> 'create' AND a.at >= $2 AND a.at < $3
             ORDER BY a.at DESC, a.id DESC LIMIT $4"
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(id).bind(b.from_ms).bind(b.to_ms).bind(PER_SOURCE)
            .fetch_all(p).await.map_err(internal))?;
        Ok(rows
            .into_iter()
            .rev()
            .map(|r| {
                let fields = r
                    .after
                    .and_then(|a| serde_json::from_str::<serde_json::Value>(&a).ok())
                    .and_then(|v| v.as_object().map(|o| o.keys().cloned().collect()))
                    .unwrap_or_default();
                LifeEntry::at(
                    at(r.at),
                    unit_ref(r.unit_id, r.model_code, r.serial_no),
                    LifeEvent::Changed { fields },
                )
            })
            .collect())
    }
}
