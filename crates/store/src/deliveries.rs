//! Deliveries and their packing lists (R3.2).

use crate::units::{SELECT_UNIT, UnitRow, date_of};
use crate::{Db, Tx, at, changed_one, db_err, internal, ms, on_tx, parse, read};
use chrono::{DateTime, NaiveDate, Utc};
use sanbao_domain::delivery::{
    Delivery, DeliveryFields, DeliveryFilter, DeliveryLine, DeliveryStatus,
};
use sanbao_domain::unit::Unit;
use sanbao_domain::{CustomerId, DeliveryId, Error, SiteId, UserId};
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: i64,
    customer_id: i64,
    customer_name: String,
    salesperson_id: Option<i64>,
    salesperson_name: Option<String>,
    site_id: i64,
    site_name: Option<String>,
    site_address: String,
    reference: String,
    status: String,
    shipped_on: String,
    arrived_at: Option<i64>,
    counted_at: Option<i64>,
    accepted_at: Option<i64>,
    accepted_by: Option<String>,
    accepted_on: Option<String>,
    notes: Option<String>,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

/// The customer's salesperson now is the one who tracks the delivery.
const SELECT_DELIVERY: &str = "SELECT d.id, d.customer_id, c.name AS customer_name,
       c.salesperson_id, p.display_name AS salesperson_name, d.site_id, s.name AS site_name,
       s.address AS site_address, d.reference, d.status, d.shipped_on, d.arrived_at,
       d.counted_at, d.accepted_at, d.accepted_by, d.accepted_on, d.notes, d.created_by,
       d.created_at, d.updated_at, d.version
     FROM deliveries d JOIN customers c ON c.id = d.customer_id
       JOIN sites s ON s.id = d.site_id LEFT JOIN users p ON p.id = c.salesperson_id";

/// The board's conditions: `$1` a salesperson (0 for all), `$2` 1 for open ones only.
const BOARD_WHERE: &str = "WHERE ($1 = 0 OR c.salesperson_id = $1)
       AND ($2 = 0 OR d.status <> 'accepted')";

#[derive(sqlx::FromRow)]
struct LineRow {
    delivery_id: i64,
    ordinal: i64,
    model_code: Option<String>,
    description: Option<String>,
    expected: i64,
    received: Option<i64>,
    damaged: Option<i64>,
    note: Option<String>,
}

const LINE_COLS: &str = "l.delivery_id, l.ordinal, l.model_code, l.description, l.expected, \
     l.received, l.damaged, l.note";

impl From<LineRow> for DeliveryLine {
    fn from(r: LineRow) -> Self {
        DeliveryLine {
            ordinal: r.ordinal,
            model_code: r.model_code,
            description: r.description,
            expected: r.expected,
            received: r.received,
            damaged: r.damaged,
            note: r.note,
        }
    }
}

fn to_delivery(r: DeliveryRow, lines: Vec<DeliveryLine>) -> Result<Delivery, Error> {
    Ok(Delivery {
        id: DeliveryId(r.id),
        customer_id: CustomerId(r.customer_id),
        customer_name: r.customer_name,
        salesperson_id: r.salesperson_id.map(UserId),
        salesperson_name: r.salesperson_name,
        site_id: SiteId(r.site_id),
        site_name: r.site_name,
        site_address: r.site_address,
        reference: r.reference,
        status: parse("delivery status", &r.status, DeliveryStatus::parse)?,
        shipped_on: date_of("shipped_on", Some(r.shipped_on))?.unwrap_or_default(),
        arrived_at: r.arrived_at.map(at),
        counted_at: r.counted_at.map(at),
        accepted_at: r.accepted_at.map(at),
        accepted_by: r.accepted_by,
        accepted_on: date_of("accepted_on", r.accepted_on)?,
        notes: r.notes,
        lines,
        created_by: UserId(r.created_by),
        created_at: at(r.created_at),
        updated_at: at(r.updated_at),
        version: r.version,
    })
}

/// Rows and their lines (ordered by delivery, then ordinal) as deliveries.
fn assemble(rows: Vec<DeliveryRow>, lines: Vec<LineRow>) -> Result<Vec<Delivery>, Error> {
    let mut by_delivery: std::collections::HashMap<i64, Vec<DeliveryLine>> =
        std::collections::HashMap::new();
    for l in lines {
        by_delivery.entry(l.delivery_id).or_default().push(l.into());
    }
    rows.into_iter()
        .map(|r| {
            let lines = by_delivery.remove(&r.id).unwrap_or_default();
            to_delivery(r, lines)
        })
        .collect()
}

fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// A delivery to write: its checked fields with the site resolved.
#[derive(Debug, Clone)]
pub struct NewDelivery<'a> {
    pub fields: &'a DeliveryFields,
    pub site_id: SiteId,
    pub salesperson_id: Option<UserId>,
    pub created_by: UserId,
}

impl Tx {
    /// Write a shipped delivery and its packing list.
    #[instrument(skip_all)]
    pub async fn insert_delivery(
        &mut self,
        d: &NewDelivery<'_>,
        now: DateTime<Utc>,
    ) -> Result<DeliveryId, Error> {
        let f = d.fields;
        let id: i64 = on_tx!(self, c => {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO deliveries (customer_id, site_id, salesperson_id, reference, status,
                       shipped_on, notes, created_by, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id")
                .bind(f.customer_id.0)
                .bind(d.site_id.0)
                .bind(d.salesperson_id.map(|u| u.0))
                .bind(&f.reference)
                .bind(DeliveryStatus::Shipped.as_str())
                .bind(f.shipped_on.to_string())
                .bind(&f.notes)
                .bind(d.created_by.0)
                .bind(ms(now))
                .fetch_one(&mut *c)
                .await
                .map_err(db_err)?;
            for (i, l) in f.lines.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO delivery_lines (delivery_id, ordinal, model_code, description, expected)
                     VALUES ($1, $2, $3, $4, $5)")
                    .bind(id)
                    .bind(i64::try_from(i).unwrap_or(i64::MAX) + 1)
                    .bind(&l.model_code)
                    .bind(&l.description)
                    .bind(l.expected)
                    .execute(&mut *c)
                    .await
                    .map_err(db_err)?;
            }
            Ok::<i64, Error>(id)
        })?;
        Ok(DeliveryId(id))
    }

    pub async fn delivery(&mut self, id: DeliveryId) -> Result<Option<Delivery>, Error> {
        let sql = format!("{SELECT_DELIVERY} WHERE d.id = $1");
        let lines_sql = format!(
            "SELECT {LINE_COLS} FROM delivery_lines l WHERE l.delivery_id = $1 ORDER BY l.ordinal"
        );
        let (row, lines): (Option<DeliveryRow>, Vec<LineRow>) = on_tx!(self, c => {
            let row = sqlx::query_as(&sql).bind(id.0).fetch_optional(&mut *c).await.map_err(internal)?;
            let lines = sqlx::query_as(&lines_sql).bind(id.0).fetch_all(&mut *c).await.map_err(internal)?;
            Ok::<_, Error>((row, lines))
        })?;
        row.map(|r| to_delivery(r, lines.into_iter().map(Into::into).collect()))
            .transpose()
    }

    /// Write `after` over `before` — its step and the counted lines — if nobody changed the
    /// delivery since it was read.
    #[instrument(skip_all, fields(id = %before.id))]
    pub async fn update_delivery(
        &mut self,
        before: &Delivery,
        after: &Delivery,
    ) -> Result<(), Error> {
        let n = on_tx!(self, c => {
            let n = sqlx::query(
                "UPDATE deliveries SET status = $1, arrived_at = $2, counted_at = $3,
                   accepted_at = $4, accepted_by = $5, accepted_on = $6, notes = $7,
                   updated_at = $8, version = $9
                 WHERE id = $10 AND version = $11")
                .bind(after.status.as_str())
                .bind(after.arrived_at.map(ms))
                .bind(after.counted_at.map(ms))
                .bind(after.accepted_at.map(ms))
                .bind(&after.accepted_by)
                .bind(date_text(after.accepted_on))
                .bind(&after.notes)
                .bind(ms(after.updated_at))
                .bind(after.version)
                .bind(before.id.0)
                .bind(before.version)
                .execute(&mut *c)
                .await
                .map(|r| r.rows_affected())
                .map_err(internal)?;
            if n == 1 {
                for (b, a) in before.lines.iter().zip(&after.lines) {
                    if b == a {
                        continue;
                    }
                    sqlx::query(
                        "UPDATE delivery_lines SET received = $1, damaged = $2, note = $3
                         WHERE delivery_id = $4 AND ordinal = $5")
                        .bind(a.received)
                        .bind(a.damaged)
                        .bind(&a.note)
                        .bind(before.id.0)
                        .bind(a.ordinal)
                        .execute(&mut *c)
                        .await
                        .map_err(internal)?;
                }
            }
            Ok::<u64, Error>(n)
        })?;
        changed_one(n, &format!("delivery {}", before.id), before.version)
    }

    /// The units shipped with a delivery.
    pub async fn units_of_delivery(&mut self, id: DeliveryId) -> Result<Vec<Unit>, Error> {
        let sql = format!("{SELECT_UNIT} WHERE u.delivery_id = $1 ORDER BY u.id");
        let rows: Vec<UnitRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.0).fetch_all(c).await.map_err(internal))?;
        rows.into_iter().map(Unit::try_from).collect()
    }
}

impl Db {
    #[instrument(skip_all, fields(%id))]
    pub async fn delivery(&self, id: DeliveryId) -> Result<Option<Delivery>, Error> {
        let sql = format!("{SELECT_DELIVERY} WHERE d.id = $1");
        let lines_sql = format!(
            "SELECT {LINE_COLS} FROM delivery_lines l WHERE l.delivery_id = $1 ORDER BY l.ordinal"
        );
        let (row, lines): (Option<DeliveryRow>, Vec<LineRow>) = read!(self, p => {
            let row = sqlx::query_as(&sql).bind(id.0).fetch_optional(&mut *p).await.map_err(internal)?;
            let lines = sqlx::query_as(&lines_sql).bind(id.0).fetch_all(&mut *p).await.map_err(internal)?;
            (row, lines)
        });
        row.map(|r| to_delivery(r, lines.into_iter().map(Into::into).collect()))
            .transpose()
    }

    /// The board: deliveries of the customers of one salesperson (or of all), the oldest
    /// shipment first, with their packing lists; at most `limit`.
    #[instrument(skip_all)]
    pub async fn deliveries(&self, f: &DeliveryFilter, limit: i64) -> Result<Vec<Delivery>, Error> {
        let sql = format!("{SELECT_DELIVERY} {BOARD_WHERE} ORDER BY d.shipped_on, d.id LIMIT $3");
        let lines_sql = format!(
            "SELECT {LINE_COLS} FROM delivery_lines l WHERE l.delivery_id IN (
               SELECT d.id FROM deliveries d JOIN customers c ON c.id = d.customer_id
               {BOARD_WHERE} ORDER BY d.shipped_on, d.id LIMIT $3)
             ORDER BY l.delivery_id, l.ordinal"
        );
        let sp = f.salesperson_id.map_or(0, |u| u.0);
        let open = i64::from(f.open_only);
        let (rows, lines): (Vec<DeliveryRow>, Vec<LineRow>) = read!(self, p => {
            let rows = sqlx::query_as(&sql).bind(sp).bind(open).bind(limit)
                .fetch_all(&mut *p).await.map_err(internal)?;
            let lines = sqlx::query_as(&lines_sql).bind(sp).bind(open).bind(limit)
                .fetch_all(&mut *p).await.map_err(internal)?;
            (rows, lines)
        });
        assemble(rows, lines)
    }

    /// The units shipped with a delivery.
    pub async fn units_of_delivery(&self, id: DeliveryId) -> Result<Vec<Unit>, Error> {
        let sql = format!("{SELECT_UNIT} WHERE u.delivery_id = $1 ORDER BY u.id");
        let rows: Vec<UnitRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0).fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(Unit::try_from).collect()
    }
}
