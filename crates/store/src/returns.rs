//! Return requests (R2.2, R2.5): written with the eligibility the domain decided, updated
//! only on the version read.

use crate::{Db, Tx, at, changed_one, db_err, internal, ms, on_tx, parse, read};
use chrono::NaiveDate;
use sanbao_domain::returns::{
    Bearer, Eligibility, Ground, Losses, NewReturn, ReturnFilter, ReturnRequest, ReturnStatus,
};
use sanbao_domain::{CustomerId, Error, ReturnId, TicketId, UnitId, UserId};
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    unit_id: i64,
    serial_no: String,
    model_code: String,
    customer_id: i64,
    customer_name: String,
    ticket_id: Option<i64>,
    ground: String,
    description: String,
    confirmation: Option<String>,
    requested_on: String,
    requested_by: i64,
    requested_by_name: String,
    status: String,
    eligibility: String,
    decided_by: Option<i64>,
    decided_by_name: Option<String>,
    decided_at: Option<i64>,
    decision_reason: Option<String>,
    losses_fen: Option<i64>,
    losses_note: Option<String>,
    losses_borne_by: Option<String>,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

const SELECT: &str = "SELECT r.id, r.unit_id, u.serial_no, m.code AS model_code, u.customer_id,
       c.name AS customer_name, r.ticket_id, r.ground, r.description, r.confirmation,
       r.requested_on, r.requested_by, rb.display_name AS requested_by_name, r.status,
       r.eligibility, r.decided_by, db.display_name AS decided_by_name, r.decided_at,
       r.decision_reason, r.losses_fen, r.losses_note, r.losses_borne_by, r.created_at,
       r.updated_at, r.version
     FROM returns r JOIN units u ON u.id = r.unit_id
       JOIN product_models m ON m.id = u.model_id JOIN customers c ON c.id = u.customer_id
       JOIN users rb ON rb.id = r.requested_by LEFT JOIN users db ON db.id = r.decided_by";

impl TryFrom<Row> for ReturnRequest {
    type Error = Error;
    fn try_from(r: Row) -> Result<ReturnRequest, Error> {
        let eligibility: Eligibility = serde_json::from_str(&r.eligibility)
            .map_err(|e| internal(format!("return {} eligibility: {e}", r.id)))?;
        let losses = match (r.losses_fen, r.losses_note, r.losses_borne_by) {
            (Some(amount_fen), Some(note), Some(b)) => Some(Losses {
                amount_fen,
                note,
                borne_by: parse("bearer", &b, Bearer::parse)?,
            }),
            _ => None,
        };
        Ok(ReturnRequest {
            id: ReturnId(r.id),
            unit_id: UnitId(r.unit_id),
            serial_no: r.serial_no,
            model_code: r.model_code,
            customer_id: CustomerId(r.customer_id),
            customer_name: r.customer_name,
            ticket_id: r.ticket_id.map(TicketId),
            ground: parse("ground", &r.ground, Ground::parse)?,
            description: r.description,
            confirmation: r.confirmation,
            requested_on: parse("requested_on", &r.requested_on, |s| {
                NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
            })?,
            requested_by: UserId(r.requested_by),
            requested_by_name: r.requested_by_name,
            status: parse("return status", &r.status, ReturnStatus::parse)?,
            eligibility,
            decided_by: r.decided_by.map(UserId),
            decided_by_name: r.decided_by_name,
            decided_at: r.decided_at.map(at),
            decision_reason: r.decision_reason,
            losses,
            created_at: at(r.created_at),
            updated_at: at(r.updated_at),
            version: r.version,
        })
    }
}

fn eligibility_json(e: &Eligibility) -> Result<String, Error> {
    serde_json::to_string(e).map_err(internal)
}

impl Tx {
    #[instrument(skip_all)]
    pub async fn insert_return(&mut self, n: &NewReturn) -> Result<ReturnId, Error> {
        let json = eligibility_json(&n.eligibility)?;
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO returns (unit_id, ticket_id, ground, description, confirmation,
                   requested_on, requested_by, status, rule, eligibility, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id")
            .bind(n.unit_id.0)
            .bind(n.fields.ticket_id.map(|t| t.0))
            .bind(n.fields.ground.as_str())
            .bind(&n.fields.description)
            .bind(&n.fields.confirmation)
            .bind(n.fields.requested_on.to_string())
            .bind(n.requested_by.0)
            .bind(ReturnStatus::Requested.as_str())
            .bind(n.eligibility.rule.as_str())
            .bind(&json)
            .bind(ms(n.created_at))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        Ok(ReturnId(id))
    }

    pub async fn return_request(&mut self, id: ReturnId) -> Result<Option<ReturnRequest>, Error> {
        let sql = format!("{SELECT} WHERE r.id = $1");
        let row: Option<Row> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        row.map(ReturnRequest::try_from).transpose()
    }

    /// Write `after` over `before` if nobody changed the request since it was read. The
    /// eligibility is never rewritten: it was decided on the request date.
    #[instrument(skip_all, fields(id = %before.id))]
    pub async fn update_return(
        &mut self,
        before: &ReturnRequest,
        after: &ReturnRequest,
    ) -> Result<(), Error> {
        let losses = after.losses.as_ref();
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE returns SET status = $1, decided_by = $2, decided_at = $3,
               decision_reason = $4, losses_fen = $5, losses_note = $6, losses_borne_by = $7,
               updated_at = $8, version = $9
             WHERE id = $10 AND version = $11")
            .bind(after.status.as_str())
            .bind(after.decided_by.map(|u| u.0))
            .bind(after.decided_at.map(ms))
            .bind(&after.decision_reason)
            .bind(losses.map(|l| l.amount_fen))
            .bind(losses.map(|l| l.note.as_str()))
            .bind(losses.map(|l| l.borne_by.as_str()))
            .bind(ms(after.updated_at))
            .bind(after.version)
            .bind(before.id.0)
            .bind(before.version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))?;
        changed_one(n, &format!("return {}", before.id), before.version)
    }
}

impl Db {
    #[instrument(skip_all, fields(%id))]
    pub async fn return_request(&self, id: ReturnId) -> Result<Option<ReturnRequest>, Error> {
        let sql = format!("{SELECT} WHERE r.id = $1");
        let row: Option<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(p).await.map_err(internal))?;
        row.map(ReturnRequest::try_from).transpose()
    }

    /// Oldest first when only those awaiting a decision are asked for (the manager works
    /// through them in order), newest first otherwise; `before`/`after` is the cursor.
    #[instrument(skip_all)]
    pub async fn returns(
        &self,
        f: &ReturnFilter,
        limit: i64,
        cursor: Option<i64>,
    ) -> Result<Vec<ReturnRequest>, Error> {
        let oldest_first = f.status == Some(ReturnStatus::Requested);
        let (cmp, order) = if oldest_first {
            ("r.id > $3", "ASC")
        } else {
            ("r.id < $3", "DESC")
        };
        let sql = format!(
            "{SELECT} WHERE ($1 = '' OR r.status = $1) AND ($2 = 0 OR r.unit_id = $2)
               AND ($3 = 0 OR {cmp}) ORDER BY r.id {order} LIMIT $4"
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(f.status.map_or("", ReturnStatus::as_str))
            .bind(f.unit_id.map_or(0, |u| u.0))
            .bind(cursor.unwrap_or(0))
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// Every return request of a unit, oldest first (its timeline).
    pub async fn returns_of_unit(&self, unit: UnitId) -> Result<Vec<ReturnRequest>, Error> {
        let sql = format!("{SELECT} WHERE r.unit_id = $1 ORDER BY r.id");
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(unit.0).fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
