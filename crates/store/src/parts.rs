//! Parts, materials and their ledger (R1.5). A movement is one `part_moves` row written
//! with the two stock buckets it changes, in the caller's transaction: the bucket it takes
//! from is decremented only where it holds enough (`on_hand >= quantity` in the UPDATE's
//! own condition, which PostgreSQL re-checks on the row it locked), so two people drawing
//! the last piece at once cannot both have it, on either backend. Rows are never updated
//! or deleted (triggers refuse it); a reversal is a new row.

use crate::{Db, Tx, at, changed_one, db_err, internal, ms, on_tx, parse, read};
use chrono::{DateTime, Utc};
use sanbao_domain::parts::{
    Bucket, Held, LedgerFilter, LineView, Location, LocationKind, Move, MoveKind, MoveView,
    NewMove, NewRequisition, Part, PartFields, PartFilter, Requisition, RequisitionFilter,
    RequisitionLine, RequisitionStatus, RequisitionView, StockLine, UsedPart,
};
use sanbao_domain::{
    Error, JobId, LocationId, MoveId, PartId, Problem, RequisitionId, UnitId, UserId,
};
use std::collections::HashMap;
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct PartRow {
    id: i64,
    code: String,
    name: String,
    unit: String,
    unit_cost_fen: i64,
    list_price_fen: i64,
    serialised: bool,
    reorder_level: i64,
    active: bool,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

const SELECT_PART: &str = "SELECT id, code, name, unit, unit_cost_fen, list_price_fen, serialised, \
     reorder_level, active, created_at, updated_at, version FROM parts";

fn part_of(r: PartRow, models: Vec<String>) -> Part {
    Part {
        id: PartId(r.id),
        code: r.code,
        name: r.name,
        unit: r.unit,
        unit_cost_fen: r.unit_cost_fen,
        list_price_fen: r.list_price_fen,
        serialised: r.serialised,
        models,
        reorder_level: r.reorder_level,
        active: r.active,
        created_at: at(r.created_at),
        updated_at: at(r.updated_at),
        version: r.version,
    }
}

#[derive(sqlx::FromRow)]
struct MoveRow {
    id: i64,
    kind: String,
    part_id: i64,
    quantity: i64,
    from_location: Option<i64>,
    from_job: Option<i64>,
    to_location: Option<i64>,
    to_job: Option<i64>,
    job_id: Option<i64>,
    requisition_id: Option<i64>,
    unit_id: Option<i64>,
    serial: Option<String>,
    faulty_serial: Option<String>,
    reason: Option<String>,
    reverses: Option<i64>,
    by_id: i64,
    at: i64,
}

const MOVE_COLS: &str = "m.id, m.kind, m.part_id, m.quantity, m.from_location, m.from_job, \
     m.to_location, m.to_job, m.job_id, m.requisition_id, m.unit_id, m.serial, m.faulty_serial, \
     m.reason, m.reverses, m.by_id, m.at";

fn bucket(location: Option<i64>, job: Option<i64>) -> Option<Bucket> {
    location.map(|l| Bucket {
        location: LocationId(l),
        job: job.filter(|j| *j != 0).map(JobId),
    })
}

fn job_key(b: &Bucket) -> i64 {
    b.job.map_or(0, |j| j.0)
}

impl TryFrom<MoveRow> for Move {
    type Error = Error;
    fn try_from(r: MoveRow) -> Result<Move, Error> {
        Ok(Move {
            id: MoveId(r.id),
            m: NewMove {
                kind: parse("move kind", &r.kind, MoveKind::parse)?,
                part_id: PartId(r.part_id),
                quantity: r.quantity,
                from: bucket(r.from_location, r.from_job),
                to: bucket(r.to_location, r.to_job),
                job_id: r.job_id.map(JobId),
                requisition_id: r.requisition_id.map(RequisitionId),
                unit_id: r.unit_id.map(UnitId),
                serial: r.serial,
                faulty_serial: r.faulty_serial,
                reason: r.reason,
                reverses: r.reverses.map(MoveId),
                by: UserId(r.by_id),
                at: at(r.at),
            },
        })
    }
}

#[derive(sqlx::FromRow)]
struct MoveViewRow {
    #[sqlx(flatten)]
    m: MoveRow,
    part_code: String,
    part_name: String,
    unit: String,
    from_name: Option<String>,
    to_name: Option<String>,
    by_name: String,
    reversed_by: Option<i64>,
}

const SELECT_MOVE_VIEW: &str = "SELECT m.id, m.kind, m.part_id, m.quantity, m.from_location, \
     m.from_job, m.to_location, m.to_job, m.job_id, m.requisition_id, m.unit_id, m.serial, \
     m.faulty_serial, m.reason, m.reverses, m.by_id, m.at, p.code AS part_code, \
     p.name AS part_name, p.unit, fl.name AS from_name, tl.name AS to_name, \
     u.display_name AS by_name, r.id AS reversed_by
     FROM part_moves m JOIN parts p ON p.id = m.part_id
       JOIN users u ON u.id = m.by_id
       LEFT JOIN stock_locations fl ON fl.id = m.from_location
       LEFT JOIN stock_locations tl ON tl.id = m.to_location
       LEFT JOIN part_moves r ON r.reverses = m.id";

impl TryFrom<MoveViewRow> for MoveView {
    type Error = Error;
    fn try_from(r: MoveViewRow) -> Result<MoveView, Error> {
        Ok(MoveView {
            mv: Move::try_from(r.m)?,
            part_code: r.part_code,
            part_name: r.part_name,
            unit: r.unit,
            from_name: r.from_name,
            to_name: r.to_name,
            by_name: r.by_name,
            reversed_by: r.reversed_by.map(MoveId),
        })
    }
}

#[derive(sqlx::FromRow)]
struct LocationRow {
    id: i64,
    kind: String,
    name: String,
    holder_id: Option<i64>,
}

impl TryFrom<LocationRow> for Location {
    type Error = Error;
    fn try_from(r: LocationRow) -> Result<Location, Error> {
        Ok(Location {
            id: LocationId(r.id),
            kind: parse("location kind", &r.kind, LocationKind::parse)?,
            name: r.name,
            holder: r.holder_id.map(UserId),
        })
    }
}

#[derive(sqlx::FromRow)]
struct StockRow {
    part_id: i64,
    code: String,
    name: String,
    unit: String,
    location_id: i64,
    location: String,
    job_id: i64,
    on_hand: i64,
    reorder_level: i64,
}

impl From<StockRow> for StockLine {
    fn from(r: StockRow) -> StockLine {
        StockLine {
            part_id: PartId(r.part_id),
            code: r.code,
            name: r.name,
            unit: r.unit,
            location_id: LocationId(r.location_id),
            location: r.location,
            job_id: (r.job_id != 0).then_some(JobId(r.job_id)),
            on_hand: r.on_hand,
            reorder_level: r.reorder_level,
        }
    }
}

const SELECT_STOCK: &str = "SELECT s.part_id, p.code, p.name, p.unit, s.location_id, \
     l.name AS location, s.job_id, s.on_hand, p.reorder_level
     FROM stock s JOIN parts p ON p.id = s.part_id JOIN stock_locations l ON l.id = s.location_id";

#[derive(sqlx::FromRow)]
struct RequisitionRow {
    id: i64,
    job_id: Option<i64>,
    holder_id: i64,
    requested_by: i64,
    note: Option<String>,
    status: String,
    decided_by: Option<i64>,
    decided_at: Option<i64>,
    decision_note: Option<String>,
    issued_by: Option<i64>,
    issued_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    version: i64,
    holder_name: String,
    requested_by_name: String,
    decided_by_name: Option<String>,
}

const SELECT_REQUISITION: &str = "SELECT r.id, r.job_id, r.holder_id, r.requested_by, r.note, \
     r.status, r.decided_by, r.decided_at, r.decision_note, r.issued_by, r.issued_at, \
     r.created_at, r.updated_at, r.version, h.display_name AS holder_name, \
     q.display_name AS requested_by_name, d.display_name AS decided_by_name
     FROM requisitions r JOIN users h ON h.id = r.holder_id
       JOIN users q ON q.id = r.requested_by
       LEFT JOIN users d ON d.id = r.decided_by";

#[derive(sqlx::FromRow)]
struct LineRow {
    requisition_id: i64,
    part_id: i64,
    quantity: i64,
    code: String,
    name: String,
    unit: String,
    in_store: i64,
}

const SELECT_LINES: &str = "SELECT l.requisition_id, l.part_id, l.quantity, p.code, p.name, \
     p.unit, CAST(COALESCE((SELECT SUM(s.on_hand) FROM stock s JOIN stock_locations sl
        ON sl.id = s.location_id AND sl.kind = 'store' WHERE s.part_id = l.part_id), 0) AS BIGINT)
        AS in_store
     FROM requisition_lines l JOIN parts p ON p.id = l.part_id";

fn requisition_view(r: RequisitionRow, lines: Vec<LineRow>) -> Result<RequisitionView, Error> {
    let lines: Vec<LineView> = lines
        .into_iter()
        .map(|l| LineView {
            part_id: PartId(l.part_id),
            code: l.code,
            name: l.name,
            unit: l.unit,
            quantity: l.quantity,
            in_store: l.in_store,
        })
        .collect();
    Ok(RequisitionView {
        requisition: Requisition {
            id: RequisitionId(r.id),
            job_id: r.job_id.map(JobId),
            holder: UserId(r.holder_id),
            requested_by: UserId(r.requested_by),
            note: r.note,
            status: parse("requisition status", &r.status, RequisitionStatus::parse)?,
            lines: lines
                .iter()
                .map(|l| RequisitionLine {
                    part_id: l.part_id,
                    quantity: l.quantity,
                })
                .collect(),
            decided_by: r.decided_by.map(UserId),
            decided_at: r.decided_at.map(at),
            decision_note: r.decision_note,
            issued_by: r.issued_by.map(UserId),
            issued_at: r.issued_at.map(at),
            created_at: at(r.created_at),
            updated_at: at(r.updated_at),
            version: r.version,
        },
        holder_name: r.holder_name,
        requested_by_name: r.requested_by_name,
        decided_by_name: r.decided_by_name,
        lines,
    })
}

/// A unique key broken: which field, in the API's words.
fn taken(e: sqlx::Error, key: (&str, &str), field: &str, message: &str) -> Error {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
        && (d.constraint().unwrap_or_default().contains(key.0) || d.message().contains(key.1))
    {
        return Error::field(field, Problem::new("taken", message));
    }
    db_err(e)
}

fn in_list(n: usize, from: usize) -> String {
    (0..n)
        .map(|i| format!("${}", i + from))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Tx {
    /// Add a part to the catalogue (its code is unique).
    #[instrument(skip_all)]
    pub async fn insert_part(&mut self, f: &PartFields, now: DateTime<Utc>) -> Result<Part, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO parts (code, name, unit, unit_cost_fen, list_price_fen, serialised,
                   reorder_level, active, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id")
            .bind(&f.code)
            .bind(&f.name)
            .bind(&f.unit)
            .bind(f.unit_cost_fen)
            .bind(f.list_price_fen)
            .bind(f.serialised)
            .bind(f.reorder_level)
            .bind(f.active)
            .bind(ms(now))
            .fetch_one(c)
            .await
            .map_err(|e| taken(e, ("parts_code", "parts.code"), "code", "another part has this code")))?;
        self.write_models(PartId(id), &f.models).await?;
        self.part(PartId(id))
            .await?
            .ok_or_else(|| internal("part vanished"))
    }

    async fn write_models(&mut self, part: PartId, models: &[String]) -> Result<(), Error> {
        on_tx!(self, c => sqlx::query("DELETE FROM part_models WHERE part_id = $1")
            .bind(part.0).execute(c).await.map(|_| ()).map_err(db_err))?;
        for m in models {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO part_models (part_id, model_code) VALUES ($1, $2)")
                .bind(part.0).bind(m).execute(c).await.map(|_| ()).map_err(db_err))?;
        }
        Ok(())
    }

    /// A part as this transaction sees it.
    pub async fn part(&mut self, id: PartId) -> Result<Option<Part>, Error> {
        Ok(self.parts_by_id(&[id]).await?.pop())
    }

    /// The parts of `ids` that exist.
    pub async fn parts_by_id(&mut self, ids: &[PartId]) -> Result<Vec<Part>, Error> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "{SELECT_PART} WHERE id IN ({}) ORDER BY id",
            in_list(ids.len(), 1)
        );
        let rows: Vec<PartRow> = on_tx!(self, c => {
            let mut q = sqlx::query_as(&sql);
            for id in ids {
                q = q.bind(id.0);
            }
            q.fetch_all(c).await.map_err(internal)
        })?;
        let msql = format!(
            "SELECT part_id, model_code FROM part_models WHERE part_id IN ({}) ORDER BY model_code",
            in_list(ids.len(), 1)
        );
        let models: Vec<(i64, String)> = on_tx!(self, c => {
            let mut q = sqlx::query_as(&msql);
            for id in ids {
                q = q.bind(id.0);
            }
            q.fetch_all(c).await.map_err(internal)
        })?;
        Ok(with_models(rows, models))
    }

    /// Write a part's new fields over `before` if nobody changed it since.
    #[instrument(skip_all, fields(id = %before.id))]
    pub async fn update_part(
        &mut self,
        before: &Part,
        f: &PartFields,
        now: DateTime<Utc>,
    ) -> Result<Part, Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE parts SET code = $1, name = $2, unit = $3, unit_cost_fen = $4,
               list_price_fen = $5, serialised = $6, reorder_level = $7, active = $8,
               updated_at = $9, version = version + 1
             WHERE id = $10 AND version = $11")
            .bind(&f.code)
            .bind(&f.name)
            .bind(&f.unit)
            .bind(f.unit_cost_fen)
            .bind(f.list_price_fen)
            .bind(f.serialised)
            .bind(f.reorder_level)
            .bind(f.active)
            .bind(ms(now))
            .bind(before.id.0)
            .bind(before.version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| taken(e, ("parts_code", "parts.code"), "code", "another part has this code")))?;
        changed_one(n, &format!("part {}", before.id), before.version)?;
        self.write_models(before.id, &f.models).await?;
        self.part(before.id)
            .await?
            .ok_or_else(|| internal("part vanished"))
    }

    /// The central store or inspection.
    pub async fn location_of_kind(&mut self, kind: LocationKind) -> Result<LocationId, Error> {
        let id: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT id FROM stock_locations WHERE kind = $1 ORDER BY id LIMIT 1")
            .bind(kind.as_str()).fetch_optional(c).await.map_err(internal))?;
        id.map(LocationId)
            .ok_or_else(|| internal(format!("no {kind} location")))
    }

    /// The van of `holder`, made the first time it is needed.
    pub async fn van_of(
        &mut self,
        holder: UserId,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<LocationId, Error> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO stock_locations (kind, name, holder_id, created_at)
             VALUES ('van', $1, $2, $3)
             ON CONFLICT (holder_id) WHERE holder_id IS NOT NULL DO NOTHING")
            .bind(name).bind(holder.0).bind(ms(now)).execute(c).await.map(|_| ()).map_err(db_err))?;
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "SELECT id FROM stock_locations WHERE holder_id = $1")
            .bind(holder.0).fetch_one(c).await.map_err(internal))?;
        Ok(LocationId(id))
    }

    /// What a van holds of a part for a job, and as van stock.
    pub async fn held(&mut self, part: PartId, van: LocationId, job: JobId) -> Result<Held, Error> {
        let rows: Vec<(i64, i64)> = on_tx!(self, c => sqlx::query_as(
            "SELECT job_id, on_hand FROM stock
             WHERE part_id = $1 AND location_id = $2 AND job_id IN (0, $3)")
            .bind(part.0).bind(van.0).bind(job.0).fetch_all(c).await.map_err(internal))?;
        let mut h = Held::default();
        for (j, n) in rows {
            if j == 0 {
                h.van_stock = n;
            } else {
                h.for_job = n;
            }
        }
        Ok(h)
    }

    async fn on_hand(&mut self, part: PartId, b: &Bucket) -> Result<i64, Error> {
        let n: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT on_hand FROM stock WHERE part_id = $1 AND location_id = $2 AND job_id = $3")
            .bind(part.0).bind(b.location.0).bind(job_key(b))
            .fetch_optional(c).await.map_err(internal))?;
        Ok(n.unwrap_or(0))
    }

    /// Write one ledger row and change the buckets it moves between. Refused, naming
    /// `quantity`, when the bucket it takes from holds too few (stock never goes below
    /// zero); refused, naming `serial`, when the serial number fitted is already fitted.
    #[instrument(skip_all, fields(kind = %m.kind, part = %m.part_id))]
    pub async fn apply_move(&mut self, m: &NewMove) -> Result<Move, Error> {
        if let Some(from) = &m.from {
            let n = on_tx!(self, c => sqlx::query(
                "UPDATE stock SET on_hand = on_hand - $1
                 WHERE part_id = $2 AND location_id = $3 AND job_id = $4 AND on_hand >= $1")
                .bind(m.quantity).bind(m.part_id.0).bind(from.location.0).bind(job_key(from))
                .execute(c).await.map(|r| r.rows_affected()).map_err(db_err))?;
            if n == 0 {
                let have = self.on_hand(m.part_id, from).await?;
                return Err(Error::field(
                    "quantity",
                    Problem::new(
                        "not_enough",
                        format!("only {have} on hand where it is taken from"),
                    ),
                ));
            }
        }
        if let Some(to) = &m.to {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO stock (part_id, location_id, job_id, on_hand) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (part_id, location_id, job_id)
                 DO UPDATE SET on_hand = stock.on_hand + excluded.on_hand")
                .bind(m.part_id.0).bind(to.location.0).bind(job_key(to)).bind(m.quantity)
                .execute(c).await.map(|_| ()).map_err(db_err))?;
        }
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO part_moves (kind, part_id, quantity, from_location, from_job, to_location,
                   to_job, job_id, requisition_id, unit_id, serial, faulty_serial, reason,
                   reverses, by_id, at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
                 RETURNING id")
            .bind(m.kind.as_str())
            .bind(m.part_id.0)
            .bind(m.quantity)
            .bind(m.from.map(|b| b.location.0))
            .bind(m.from.map(|b| job_key(&b)))
            .bind(m.to.map(|b| b.location.0))
            .bind(m.to.map(|b| job_key(&b)))
            .bind(m.job_id.map(|j| j.0))
            .bind(m.requisition_id.map(|r| r.0))
            .bind(m.unit_id.map(|u| u.0))
            .bind(&m.serial)
            .bind(&m.faulty_serial)
            .bind(&m.reason)
            .bind(m.reverses.map(|r| r.0))
            .bind(m.by.0)
            .bind(ms(m.at))
            .fetch_one(c)
            .await
            .map_err(|e| if let sqlx::Error::Database(d) = &e && d.is_unique_violation() {
                Error::Conflict("the ledger row is already reversed".into())
            } else { db_err(e) }))?;
        match (m.kind, &m.serial, m.reverses) {
            (MoveKind::Use, Some(serial), _) => {
                on_tx!(self, c => sqlx::query(
                    "INSERT INTO part_serials (part_id, serial, move_id) VALUES ($1, $2, $3)")
                    .bind(m.part_id.0).bind(serial).bind(id).execute(c).await.map(|_| ())
                    .map_err(|e| taken(e, ("part_serials", "part_serials."), "serial",
                        "this serial number is already fitted")))?;
            }
            (MoveKind::Reversal, Some(_), Some(orig)) => {
                on_tx!(self, c => sqlx::query("DELETE FROM part_serials WHERE move_id = $1")
                    .bind(orig.0).execute(c).await.map(|_| ()).map_err(db_err))?;
            }
            _ => {}
        }
        Ok(Move {
            id: MoveId(id),
            m: m.clone(),
        })
    }

    /// A ledger row and whether it has been reversed.
    pub async fn ledger_row(&mut self, id: MoveId) -> Result<Option<(Move, bool)>, Error> {
        let sql = format!(
            "SELECT {MOVE_COLS}, (SELECT COUNT(*) FROM part_moves r WHERE r.reverses = m.id) AS n
             FROM part_moves m WHERE m.id = $1"
        );
        #[derive(sqlx::FromRow)]
        struct Reversed {
            #[sqlx(flatten)]
            m: MoveRow,
            n: i64,
        }
        let row: Option<Reversed> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        row.map(|r| Ok((Move::try_from(r.m)?, r.n > 0))).transpose()
    }

    /// Every ledger row of a job, reversals included, oldest first.
    pub async fn job_moves(&mut self, job: JobId) -> Result<Vec<Move>, Error> {
        let sql = format!("SELECT {MOVE_COLS} FROM part_moves m WHERE m.job_id = $1 ORDER BY m.id");
        let rows: Vec<MoveRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(job.0).fetch_all(c).await.map_err(internal))?;
        rows.into_iter().map(Move::try_from).collect()
    }

    /// Write a checked requisition.
    #[instrument(skip_all)]
    pub async fn insert_requisition(&mut self, n: &NewRequisition) -> Result<Requisition, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO requisitions (job_id, holder_id, requested_by, note, status, created_at,
                   updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id")
            .bind(n.job_id.map(|j| j.0))
            .bind(n.holder.0)
            .bind(n.requested_by.0)
            .bind(&n.note)
            .bind(RequisitionStatus::Requested.as_str())
            .bind(ms(n.created_at))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        for (i, l) in n.lines.iter().enumerate() {
            let line_no = i64::try_from(i).map_err(internal)?;
            on_tx!(self, c => sqlx::query(
                "INSERT INTO requisition_lines (requisition_id, line_no, part_id, quantity)
                 VALUES ($1, $2, $3, $4)")
                .bind(id).bind(line_no).bind(l.part_id.0).bind(l.quantity)
                .execute(c).await.map(|_| ()).map_err(db_err))?;
        }
        Ok(n.clone().into_requisition(RequisitionId(id)))
    }

    /// A requisition as this transaction sees it.
    pub async fn requisition(&mut self, id: RequisitionId) -> Result<Option<Requisition>, Error> {
        let sql = format!("{SELECT_REQUISITION} WHERE r.id = $1");
        let row: Option<RequisitionRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        let Some(row) = row else { return Ok(None) };
        let lsql = format!("{SELECT_LINES} WHERE l.requisition_id = $1 ORDER BY l.line_no");
        let lines: Vec<LineRow> = on_tx!(self, c => sqlx::query_as(&lsql)
            .bind(id.0).fetch_all(c).await.map_err(internal))?;
        Ok(Some(requisition_view(row, lines)?.requisition))
    }

    /// Write `after` over `before` if nobody changed the requisition since it was read.
    #[instrument(skip_all, fields(id = %before.id))]
    pub async fn update_requisition(
        &mut self,
        before: &Requisition,
        after: &Requisition,
    ) -> Result<(), Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE requisitions SET status = $1, decided_by = $2, decided_at = $3,
               decision_note = $4, issued_by = $5, issued_at = $6, updated_at = $7, version = $8
             WHERE id = $9 AND version = $10")
            .bind(after.status.as_str())
            .bind(after.decided_by.map(|u| u.0))
            .bind(after.decided_at.map(ms))
            .bind(&after.decision_note)
            .bind(after.issued_by.map(|u| u.0))
            .bind(after.issued_at.map(ms))
            .bind(ms(after.updated_at))
            .bind(after.version)
            .bind(before.id.0)
            .bind(before.version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        changed_one(n, &format!("requisition {}", before.id), before.version)
    }
}

fn with_models(rows: Vec<PartRow>, models: Vec<(i64, String)>) -> Vec<Part> {
    let mut by_part: HashMap<i64, Vec<String>> = HashMap::new();
    for (p, m) in models {
        by_part.entry(p).or_default().push(m);
    }
    rows.into_iter()
        .map(|r| {
            let m = by_part.remove(&r.id).unwrap_or_default();
            part_of(r, m)
        })
        .collect()
}

impl Db {
    /// The catalogue: by code, narrowed by text (code or name, in any case on both backends)
    /// and model; `limit` at most.
    #[instrument(skip_all)]
    pub async fn parts(&self, f: &PartFilter, limit: i64) -> Result<Vec<Part>, Error> {
        let q = f.q.as_deref().map(str::trim).unwrap_or("");
        let like = format!("%{}%", q.replace(['%', '_', '\\'], ""));
        let sql = format!(
            "{SELECT_PART} WHERE ($1 = '' OR LOWER(code) LIKE LOWER($2) OR LOWER(name) LIKE LOWER($2))
               AND ($3 = '' OR id IN (SELECT part_id FROM part_models WHERE model_code = $3))
               AND ($4 OR active)
             ORDER BY code LIMIT $5"
        );
        let model = f.model.as_deref().map(str::trim).unwrap_or("");
        let rows: Vec<PartRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(q).bind(&like).bind(model).bind(f.include_inactive).bind(limit)
            .fetch_all(p).await.map_err(internal))?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let msql = format!(
            "SELECT part_id, model_code FROM part_models WHERE part_id IN ({}) ORDER BY model_code",
            in_list(ids.len(), 1)
        );
        let models: Vec<(i64, String)> = read!(self, p => {
            let mut q = sqlx::query_as(&msql);
            for id in &ids {
                q = q.bind(*id);
            }
            q.fetch_all(p).await.map_err(internal)
        })?;
        Ok(with_models(rows, models))
    }

    pub async fn part(&self, id: PartId) -> Result<Option<Part>, Error> {
        let sql = format!("{SELECT_PART} WHERE id = $1");
        let row: Option<PartRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(p).await.map_err(internal))?;
        let Some(row) = row else { return Ok(None) };
        let models: Vec<(i64, String)> = read!(self, p => sqlx::query_as(
            "SELECT part_id, model_code FROM part_models WHERE part_id = $1 ORDER BY model_code")
            .bind(id.0).fetch_all(p).await.map_err(internal))?;
        Ok(with_models(vec![row], models).pop())
    }

    /// Every place that holds stock: the store, inspection, then the vans by name.
    pub async fn locations(&self) -> Result<Vec<Location>, Error> {
        let rows: Vec<LocationRow> = read!(self, p => sqlx::query_as(
            "SELECT id, kind, name, holder_id FROM stock_locations
             ORDER BY CASE kind WHEN 'store' THEN 0 WHEN 'inspection' THEN 1 ELSE 2 END, name, id")
            .fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(Location::try_from).collect()
    }

    /// What a location holds (every bucket with something in it), by part code.
    pub async fn stock_at(&self, location: LocationId) -> Result<Vec<StockLine>, Error> {
        let sql = format!(
            "{SELECT_STOCK} WHERE s.location_id = $1 AND s.on_hand > 0 ORDER BY p.code, s.job_id"
        );
        let rows: Vec<StockRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(location.0).fetch_all(p).await.map_err(internal))?;
        Ok(rows.into_iter().map(StockLine::from).collect())
    }

    /// What `holder` holds in their van, for which job, by part code.
    pub async fn holdings(&self, holder: UserId) -> Result<Vec<StockLine>, Error> {
        let sql = format!(
            "{SELECT_STOCK} WHERE l.holder_id = $1 AND s.on_hand > 0 ORDER BY s.job_id, p.code"
        );
        let rows: Vec<StockLine> = read!(self, p => sqlx::query_as::<_, StockRow>(&sql)
            .bind(holder.0).fetch_all(p).await.map_err(internal))?
        .into_iter()
        .map(StockLine::from)
        .collect();
        Ok(rows)
    }

    /// Parts still held for `job`, in whoever's van.
    pub async fn held_for_job(&self, job: JobId) -> Result<Vec<StockLine>, Error> {
        let sql = format!("{SELECT_STOCK} WHERE s.job_id = $1 AND s.on_hand > 0 ORDER BY p.code");
        let rows: Vec<StockRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(job.0).fetch_all(p).await.map_err(internal))?;
        Ok(rows.into_iter().map(StockLine::from).collect())
    }

    /// Active parts whose central-store stock is below their reorder level, the emptiest
    /// first (as a share of the level).
    pub async fn below_reorder(&self, limit: i64) -> Result<Vec<StockLine>, Error> {
        let rows: Vec<StockRow> = read!(self, p => sqlx::query_as(
            "SELECT * FROM (
               SELECT p.id AS part_id, p.code, p.name, p.unit, l.id AS location_id,
                    l.name AS location, CAST(0 AS BIGINT) AS job_id,
                    CAST(COALESCE((SELECT SUM(s.on_hand) FROM stock s
                      WHERE s.part_id = p.id AND s.location_id = l.id), 0) AS BIGINT) AS on_hand,
                    p.reorder_level
               FROM parts p CROSS JOIN stock_locations l
               WHERE l.kind = 'store' AND p.active AND p.reorder_level > 0) x
             WHERE x.on_hand < x.reorder_level
             ORDER BY x.on_hand * 1.0 / x.reorder_level, x.code LIMIT $1")
            .bind(limit).fetch_all(p).await.map_err(internal))?;
        Ok(rows.into_iter().map(StockLine::from).collect())
    }

    /// Every ledger row of a job with names, oldest first.
    pub async fn job_ledger(&self, job: JobId) -> Result<Vec<MoveView>, Error> {
        self.ledger(
            &LedgerFilter {
                job: Some(job),
                ..LedgerFilter::default()
            },
            1000,
            None,
        )
        .await
        .map(|mut v| {
            v.reverse();
            v
        })
    }

    /// Every ledger row of a job, reversals included, oldest first.
    pub async fn job_moves(&self, job: JobId) -> Result<Vec<Move>, Error> {
        let sql = format!("SELECT {MOVE_COLS} FROM part_moves m WHERE m.job_id = $1 ORDER BY m.id");
        let rows: Vec<MoveRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(job.0).fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(Move::try_from).collect()
    }

    /// The ledger, newest first, narrowed by part, location (either side) and job;
    /// `before` pages on.
    #[instrument(skip_all)]
    pub async fn ledger(
        &self,
        f: &LedgerFilter,
        limit: i64,
        before: Option<MoveId>,
    ) -> Result<Vec<MoveView>, Error> {
        let sql = format!(
            "{SELECT_MOVE_VIEW}
             WHERE ($1 = 0 OR m.part_id = $1)
               AND ($2 = 0 OR m.from_location = $2 OR m.to_location = $2)
               AND ($3 = 0 OR m.job_id = $3)
               AND ($4 = 0 OR m.id < $4)
             ORDER BY m.id DESC LIMIT $5"
        );
        let rows: Vec<MoveViewRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(f.part.map_or(0, |x| x.0))
            .bind(f.location.map_or(0, |x| x.0))
            .bind(f.job.map_or(0, |x| x.0))
            .bind(before.map_or(0, |x| x.0))
            .bind(limit)
            .fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(MoveView::try_from).collect()
    }

    /// One ledger row with its names.
    pub async fn ledger_view(&self, id: MoveId) -> Result<Option<MoveView>, Error> {
        let sql = format!("{SELECT_MOVE_VIEW} WHERE m.id = $1");
        let row: Option<MoveViewRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(p).await.map_err(internal))?;
        row.map(MoveView::try_from).transpose()
    }

    /// Parts fitted on a unit (its history), newest first.
    pub async fn unit_parts(&self, unit: UnitId, limit: i64) -> Result<Vec<MoveView>, Error> {
        let sql = format!(
            "{SELECT_MOVE_VIEW} WHERE m.unit_id = $1 AND m.kind IN ('use', 'faulty_return')
             ORDER BY m.id DESC LIMIT $2"
        );
        let rows: Vec<MoveViewRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(unit.0).bind(limit).fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(MoveView::try_from).collect()
    }

    /// Parts fitted on a job, each part once (net of reversed fittings), with its prices.
    /// What the jobs of `ids` used, as [`Db::parts_used_on_job`] reads it for one: by job.
    pub async fn parts_used_on_jobs(
        &self,
        ids: &[JobId],
    ) -> Result<HashMap<JobId, Vec<UsedPart>>, Error> {
        #[derive(sqlx::FromRow)]
        struct Used {
            job_id: i64,
            part_id: i64,
            code: String,
            name: String,
            unit: String,
            quantity: i64,
            unit_cost_fen: i64,
            list_price_fen: i64,
        }
        let mut out: HashMap<JobId, Vec<UsedPart>> = HashMap::new();
        for chunk in ids.chunks(crate::sql::ID_CHUNK) {
            let list: Vec<i64> = chunk.iter().map(|j| j.0).collect();
            let sql = format!(
                "SELECT m.job_id, p.id AS part_id, p.code, p.name, p.unit,
                        CAST(SUM(m.quantity) AS BIGINT) AS quantity, p.unit_cost_fen, p.list_price_fen
                 FROM part_moves m JOIN parts p ON p.id = m.part_id
                 WHERE m.job_id IN {} AND m.kind = 'use'
                   AND NOT EXISTS (SELECT 1 FROM part_moves r WHERE r.reverses = m.id)
                 GROUP BY m.job_id, p.id, p.code, p.name, p.unit, p.unit_cost_fen, p.list_price_fen
                 ORDER BY m.job_id, p.code",
                crate::sql::id_list(&list)
            );
            let rows: Vec<Used> = read!(self, p => sqlx::query_as(&sql)
                .fetch_all(p).await.map_err(internal))?;
            for r in rows {
                out.entry(JobId(r.job_id)).or_default().push(UsedPart {
                    part_id: PartId(r.part_id),
                    code: r.code,
                    name: r.name,
                    unit: r.unit,
                    quantity: r.quantity,
                    unit_cost_fen: r.unit_cost_fen,
                    list_price_fen: r.list_price_fen,
                });
            }
        }
        Ok(out)
    }

    pub async fn parts_used_on_job(&self, job: JobId) -> Result<Vec<UsedPart>, Error> {
        #[derive(sqlx::FromRow)]
        struct Used {
            part_id: i64,
            code: String,
            name: String,
            unit: String,
            quantity: i64,
            unit_cost_fen: i64,
            list_price_fen: i64,
        }
        let rows: Vec<Used> = read!(self, p => sqlx::query_as(
            "SELECT p.id AS part_id, p.code, p.name, p.unit,
                    CAST(SUM(m.quantity) AS BIGINT) AS quantity, p.unit_cost_fen, p.list_price_fen
             FROM part_moves m JOIN parts p ON p.id = m.part_id
             WHERE m.job_id = $1 AND m.kind = 'use'
               AND NOT EXISTS (SELECT 1 FROM part_moves r WHERE r.reverses = m.id)
             GROUP BY p.id, p.code, p.name, p.unit, p.unit_cost_fen, p.list_price_fen
             ORDER BY p.code")
            .bind(job.0).fetch_all(p).await.map_err(internal))?;
        Ok(rows
            .into_iter()
            .map(|r| UsedPart {
                part_id: PartId(r.part_id),
                code: r.code,
                name: r.name,
                unit: r.unit,
                quantity: r.quantity,
                unit_cost_fen: r.unit_cost_fen,
                list_price_fen: r.list_price_fen,
            })
            .collect())
    }

    pub async fn requisition(&self, id: RequisitionId) -> Result<Option<RequisitionView>, Error> {
        let mut v = self
            .requisitions_where("r.id = $1", id.0, &RequisitionFilter::default(), 1)
            .await?;
        Ok(v.pop())
    }

    /// Requisitions: those waiting for a decision first (oldest of them first), then the
    /// approved waiting for the store, then the rest newest first.
    #[instrument(skip_all)]
    pub async fn requisitions(
        &self,
        f: &RequisitionFilter,
        limit: i64,
    ) -> Result<Vec<RequisitionView>, Error> {
        self.requisitions_where("$1 = 0", 0, f, limit).await
    }

    async fn requisitions_where(
        &self,
        cond: &str,
        arg: i64,
        f: &RequisitionFilter,
        limit: i64,
    ) -> Result<Vec<RequisitionView>, Error> {
        let sql = format!(
            "{SELECT_REQUISITION} WHERE {cond}
               AND ($2 = '' OR r.status = $2) AND ($3 = 0 OR r.holder_id = $3)
               AND ($4 = 0 OR r.job_id = $4)
             ORDER BY CASE r.status WHEN 'requested' THEN 0 WHEN 'approved' THEN 1 ELSE 2 END,
               CASE WHEN r.status IN ('requested', 'approved') THEN r.id ELSE -r.id END
             LIMIT $5"
        );
        let rows: Vec<RequisitionRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(arg)
            .bind(f.status.map_or("", RequisitionStatus::as_str))
            .bind(f.holder.map_or(0, |u| u.0))
            .bind(f.job.map_or(0, |j| j.0))
            .bind(limit)
            .fetch_all(p).await.map_err(internal))?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let lsql = format!(
            "{SELECT_LINES} WHERE l.requisition_id IN ({}) ORDER BY l.requisition_id, l.line_no",
            in_list(ids.len(), 1)
        );
        let lines: Vec<LineRow> = read!(self, p => {
            let mut q = sqlx::query_as(&lsql);
            for id in &ids {
                q = q.bind(*id);
            }
            q.fetch_all(p).await.map_err(internal)
        })?;
        let mut by_req: HashMap<i64, Vec<LineRow>> = HashMap::new();
        for l in lines {
            by_req.entry(l.requisition_id).or_default().push(l);
        }
        rows.into_iter()
            .map(|r| {
                let l = by_req.remove(&r.id).unwrap_or_default();
                requisition_view(r, l)
            })
            .collect()
    }
}
