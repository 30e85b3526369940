//! The tools register (R1.5): tools updated only on the version read, check-outs of which a
//! tool has at most one open (the partial unique index decides between two clerks lending
//! the same tool at once), calibrations recorded, and the sweep's claims of what it must
//! warn of — each occasion claimed once, in the transaction that sends its notice.

use crate::{Db, Tx, at, changed_one, db_err, internal, ms, on_tx, parse, read};
use chrono::{DateTime, NaiveDate, Utc};
use sanbao_domain::tools::{
    Calibration, CalibrationView, Checkout, CheckoutView, Condition, Holder, NewCheckout, NewTool,
    Tool, ToolFilter, ToolStatus, ToolView,
};
use sanbao_domain::{CheckoutId, Error, JobId, Problem, Role, ToolId, UserId};
use tracing::instrument;

/// At most this many check-outs and calibrations in a tool's history.
const HISTORY_MAX: i64 = 200;

/// A check-out past its expected return that nobody has been told of yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueTool {
    pub checkout_id: CheckoutId,
    pub tool_id: ToolId,
    pub asset_code: String,
    pub name: String,
    pub holder_id: UserId,
    pub holder_name: String,
    pub expected_return_on: NaiveDate,
}

/// A tool whose calibration falls due within the window, not yet warned of for this date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalibrationDue {
    pub tool_id: ToolId,
    pub asset_code: String,
    pub name: String,
    pub due_on: NaiveDate,
}

fn date(what: &str, s: &str) -> Result<NaiveDate, Error> {
    parse(what, s, |v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok())
}

fn text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Constraint violations of this slice as the domain's errors; the rest as everywhere.
fn tools_err(e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        let name = d.constraint().unwrap_or_default().to_string();
        let msg = d.message().to_string();
        let mentions = |s: &str| name.contains(s) || msg.contains(s);
        if mentions("tool_checkouts") {
            return Error::Conflict("the tool is already checked out".into());
        }
        if mentions("asset_code") {
            return Error::field(
                "asset_code",
                Problem::new("taken", "another tool has this identifier"),
            );
        }
    }
    db_err(e)
}

#[derive(sqlx::FromRow)]
struct ToolRow {
    id: i64,
    asset_code: String,
    name: String,
    category: Option<String>,
    serial_no: Option<String>,
    location: Option<String>,
    calibration_interval_months: Option<i64>,
    calibration_due_on: Option<String>,
    status: String,
    retired_reason: Option<String>,
    retired_at: Option<i64>,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
    version: i64,
    c_id: Option<i64>,
    c_holder_id: Option<i64>,
    c_job_id: Option<i64>,
    c_purpose: Option<String>,
    c_out_on: Option<String>,
    c_expected: Option<String>,
    c_out_by: Option<i64>,
    c_out_at: Option<i64>,
    holder_name: Option<String>,
}

const SELECT: &str = "SELECT t.id, t.asset_code, t.name, t.category, t.serial_no, t.location,
       t.calibration_interval_months, t.calibration_due_on, t.status, t.retired_reason,
       t.retired_at, t.created_by, t.created_at, t.updated_at, t.version,
       c.id AS c_id, c.holder_id AS c_holder_id, c.job_id AS c_job_id, c.purpose AS c_purpose,
       c.out_on AS c_out_on, c.expected_return_on AS c_expected, c.out_by AS c_out_by,
       c.out_at AS c_out_at, h.display_name AS holder_name
     FROM tools t
       LEFT JOIN tool_checkouts c ON c.tool_id = t.id AND c.returned_at IS NULL
       LEFT JOIN users h ON h.id = c.holder_id";

impl TryFrom<ToolRow> for ToolView {
    type Error = Error;
    fn try_from(r: ToolRow) -> Result<ToolView, Error> {
        let open = match (
            r.c_id,
            r.c_holder_id,
            r.c_out_on,
            r.c_expected,
            r.c_out_by,
            r.c_out_at,
        ) {
            (Some(id), Some(holder), Some(out_on), Some(expected), Some(out_by), Some(out_at)) => {
                Some(Checkout {
                    id: CheckoutId(id),
                    tool_id: ToolId(r.id),
                    holder_id: UserId(holder),
                    job_id: r.c_job_id.map(JobId),
                    purpose: r.c_purpose,
                    out_on: date("check-out date", &out_on)?,
                    expected_return_on: date("expected return", &expected)?,
                    out_by: UserId(out_by),
                    out_at: at(out_at),
                    returned_at: None,
                    returned_by: None,
                    condition: None,
                    remark: None,
                })
            }
            _ => None,
        };
        Ok(ToolView {
            tool: Tool {
                id: ToolId(r.id),
                asset_code: r.asset_code,
                name: r.name,
                category: r.category,
                serial_no: r.serial_no,
                location: r.location,
                calibration_interval_months: r
                    .calibration_interval_months
                    .and_then(|m| u32::try_from(m).ok()),
                calibration_due_on: r
                    .calibration_due_on
                    .map(|d| date("calibration due date", &d))
                    .transpose()?,
                status: parse("tool status", &r.status, ToolStatus::parse)?,
                retired_reason: r.retired_reason,
                retired_at: r.retired_at.map(at),
                created_by: UserId(r.created_by),
                created_at: at(r.created_at),
                updated_at: at(r.updated_at),
                version: r.version,
            },
            open,
            holder_name: r.holder_name,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CheckoutRow {
    id: i64,
    tool_id: i64,
    holder_id: i64,
    job_id: Option<i64>,
    purpose: Option<String>,
    out_on: String,
    expected_return_on: String,
    out_by: i64,
    out_at: i64,
    returned_at: Option<i64>,
    returned_by: Option<i64>,
    condition: Option<String>,
    remark: Option<String>,
    holder_name: String,
    out_by_name: String,
    returned_by_name: Option<String>,
}

impl TryFrom<CheckoutRow> for CheckoutView {
    type Error = Error;
    fn try_from(r: CheckoutRow) -> Result<CheckoutView, Error> {
        Ok(CheckoutView {
            checkout: Checkout {
                id: CheckoutId(r.id),
                tool_id: ToolId(r.tool_id),
                holder_id: UserId(r.holder_id),
                job_id: r.job_id.map(JobId),
                purpose: r.purpose,
                out_on: date("check-out date", &r.out_on)?,
                expected_return_on: date("expected return", &r.expected_return_on)?,
                out_by: UserId(r.out_by),
                out_at: at(r.out_at),
                returned_at: r.returned_at.map(at),
                returned_by: r.returned_by.map(UserId),
                condition: r
                    .condition
                    .map(|c| parse("condition", &c, Condition::parse))
                    .transpose()?,
                remark: r.remark,
            },
            holder_name: r.holder_name,
            out_by_name: r.out_by_name,
            returned_by_name: r.returned_by_name,
        })
    }
}

#[derive(sqlx::FromRow)]
struct CalibrationRow {
    tool_id: i64,
    calibrated_on: String,
    next_due_on: String,
    note: Option<String>,
    recorded_by: i64,
    recorded_at: i64,
    recorded_by_name: String,
}

impl TryFrom<CalibrationRow> for CalibrationView {
    type Error = Error;
    fn try_from(r: CalibrationRow) -> Result<CalibrationView, Error> {
        Ok(CalibrationView {
            calibration: Calibration {
                tool_id: ToolId(r.tool_id),
                calibrated_on: date("calibration date", &r.calibrated_on)?,
                next_due_on: date("next due date", &r.next_due_on)?,
                note: r.note,
                recorded_by: UserId(r.recorded_by),
                recorded_at: at(r.recorded_at),
            },
            recorded_by_name: r.recorded_by_name,
        })
    }
}

#[derive(sqlx::FromRow)]
struct OverdueRow {
    id: i64,
    tool_id: i64,
    asset_code: String,
    name: String,
    holder_id: i64,
    holder_name: String,
    expected_return_on: String,
}

#[derive(sqlx::FromRow)]
struct DueRow {
    id: i64,
    asset_code: String,
    name: String,
    calibration_due_on: String,
}

impl Tx {
    /// Write a checked new tool; an identifier already used is named (`asset_code`).
    #[instrument(skip_all)]
    pub async fn insert_tool(&mut self, n: &NewTool) -> Result<Tool, Error> {
        let f = &n.fields;
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO tools (asset_code, name, category, serial_no, location,
                   calibration_interval_months, calibration_due_on, status, created_by,
                   created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id")
            .bind(&f.asset_code)
            .bind(&f.name)
            .bind(&f.category)
            .bind(&f.serial_no)
            .bind(&f.location)
            .bind(f.calibration_interval_months.map(i64::from))
            .bind(f.calibration_due_on.map(text))
            .bind(ToolStatus::Available.as_str())
            .bind(n.created_by.0)
            .bind(ms(n.created_at))
            .fetch_one(c)
            .await
            .map_err(tools_err))?;
        Ok(n.clone().into_tool(ToolId(id)))
    }

    /// A tool with its open check-out, as this transaction sees it.
    pub async fn tool(&mut self, id: ToolId) -> Result<Option<ToolView>, Error> {
        let sql = format!("{SELECT} WHERE t.id = $1");
        let row: Option<ToolRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        row.map(ToolView::try_from).transpose()
    }

    /// Write `after` over `before` if nobody changed the tool since it was read.
    #[instrument(skip_all, fields(id = %before.id))]
    pub async fn update_tool(&mut self, before: &Tool, after: &Tool) -> Result<(), Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE tools SET asset_code = $1, name = $2, category = $3, serial_no = $4,
               location = $5, calibration_interval_months = $6, calibration_due_on = $7,
               status = $8, retired_reason = $9, retired_at = $10, updated_at = $11,
               version = $12
             WHERE id = $13 AND version = $14")
            .bind(&after.asset_code)
            .bind(&after.name)
            .bind(&after.category)
            .bind(&after.serial_no)
            .bind(&after.location)
            .bind(after.calibration_interval_months.map(i64::from))
            .bind(after.calibration_due_on.map(text))
            .bind(after.status.as_str())
            .bind(&after.retired_reason)
            .bind(after.retired_at.map(ms))
            .bind(ms(after.updated_at))
            .bind(after.version)
            .bind(before.id.0)
            .bind(before.version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(tools_err))?;
        changed_one(n, &format!("tool {}", before.asset_code), before.version)
    }

    /// Write a check-out. A tool with one open already is refused (409), whichever
    /// transaction wrote it first.
    #[instrument(skip_all, fields(tool_id = %n.tool_id))]
    pub async fn insert_checkout(&mut self, n: &NewCheckout) -> Result<Checkout, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO tool_checkouts (tool_id, holder_id, job_id, purpose, out_on,
                   expected_return_on, out_by, out_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
            .bind(n.tool_id.0)
            .bind(n.holder_id.0)
            .bind(n.job_id.map(|j| j.0))
            .bind(&n.purpose)
            .bind(text(n.out_on))
            .bind(text(n.expected_return_on))
            .bind(n.out_by.0)
            .bind(ms(n.out_at))
            .fetch_one(c)
            .await
            .map_err(tools_err))?;
        Ok(n.clone().into_checkout(CheckoutId(id)))
    }

    /// Record a check-out's return, once.
    #[instrument(skip_all, fields(id = %after.id))]
    pub async fn close_checkout(&mut self, after: &Checkout) -> Result<(), Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE tool_checkouts SET returned_at = $1, returned_by = $2, condition = $3,
               remark = $4
             WHERE id = $5 AND returned_at IS NULL")
            .bind(after.returned_at.map(ms))
            .bind(after.returned_by.map(|u| u.0))
            .bind(after.condition.map(Condition::as_str))
            .bind(&after.remark)
            .bind(after.id.0)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(tools_err))?;
        if n == 0 {
            return Err(Error::Conflict("the tool was checked in already".into()));
        }
        Ok(())
    }

    pub async fn insert_calibration(&mut self, cal: &Calibration) -> Result<(), Error> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO tool_calibrations (tool_id, calibrated_on, next_due_on, note,
                   recorded_by, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(cal.tool_id.0)
            .bind(text(cal.calibrated_on))
            .bind(text(cal.next_due_on))
            .bind(&cal.note)
            .bind(cal.recorded_by.0)
            .bind(ms(cal.recorded_at))
            .execute(c)
            .await
            .map(|_| ())
            .map_err(tools_err))
    }

    /// The person a check-out names, if they exist: their role and whether active.
    pub async fn holder(&mut self, id: UserId) -> Result<Option<Holder>, Error> {
        let row: Option<(String, bool)> = on_tx!(self, c => sqlx::query_as(
            "SELECT role, active FROM users WHERE id = $1")
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        row.map(|(role, active)| {
            Ok(Holder {
                id,
                role: parse("role", &role, Role::parse)?,
                active,
            })
        })
        .transpose()
    }

    pub async fn job_exists(&mut self, id: JobId) -> Result<bool, Error> {
        let n: Option<i64> = on_tx!(self, c => sqlx::query_scalar(
            "SELECT id FROM jobs WHERE id = $1")
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        Ok(n.is_some())
    }

    /// Claim the open check-outs expected back before `today` whose holder has not been
    /// told yet (on PostgreSQL, rows another sweep holds are skipped).
    pub async fn claim_overdue_tools(
        &mut self,
        today: NaiveDate,
        limit: i64,
    ) -> Result<Vec<OverdueTool>, Error> {
        let sql = "SELECT c.id, c.tool_id, t.asset_code, t.name, c.holder_id,
                  h.display_name AS holder_name, c.expected_return_on
                FROM tool_checkouts c JOIN tools t ON t.id = c.tool_id
                  JOIN users h ON h.id = c.holder_id
                WHERE c.returned_at IS NULL AND c.overdue_notified_at IS NULL
                  AND c.expected_return_on < $1
                ORDER BY c.expected_return_on, c.id LIMIT $2";
        let rows: Vec<OverdueRow> = match self {
            Tx::Sqlite(c) => sqlx::query_as(sql)
                .bind(text(today))
                .bind(limit)
                .fetch_all(&mut **c)
                .await
                .map_err(internal)?,
            Tx::Postgres(c) => sqlx::query_as(&format!("{sql} FOR UPDATE OF c SKIP LOCKED"))
                .bind(text(today))
                .bind(limit)
                .fetch_all(&mut **c)
                .await
                .map_err(internal)?,
        };
        rows.into_iter()
            .map(|r| {
                Ok(OverdueTool {
                    checkout_id: CheckoutId(r.id),
                    tool_id: ToolId(r.tool_id),
                    asset_code: r.asset_code,
                    name: r.name,
                    holder_id: UserId(r.holder_id),
                    holder_name: r.holder_name,
                    expected_return_on: date("expected return", &r.expected_return_on)?,
                })
            })
            .collect()
    }

    /// The holder was told: true when this transaction is the one that recorded it.
    pub async fn mark_overdue_notified(
        &mut self,
        id: CheckoutId,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE tool_checkouts SET overdue_notified_at = $1
             WHERE id = $2 AND overdue_notified_at IS NULL")
            .bind(ms(now))
            .bind(id.0)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))?;
        Ok(n == 1)
    }

    /// Claim the tools in service whose calibration falls due on or before `window_end`
    /// and whose keepers were not yet warned of that date (a tool already sent for
    /// calibration needs no warning; retired ones none at all).
    pub async fn claim_calibrations_due(
        &mut self,
        window_end: NaiveDate,
        limit: i64,
    ) -> Result<Vec<CalibrationDue>, Error> {
        let sql = "SELECT t.id, t.asset_code, t.name, t.calibration_due_on
                FROM tools t
                WHERE t.status NOT IN ('retired', 'in_calibration')
                  AND t.calibration_due_on IS NOT NULL
                  AND t.calibration_due_on <= $1
                  AND (t.calibration_warned_for IS NULL
                       OR t.calibration_warned_for <> t.calibration_due_on)
                ORDER BY t.calibration_due_on, t.id LIMIT $2";
        let rows: Vec<DueRow> = match self {
            Tx::Sqlite(c) => sqlx::query_as(sql)
                .bind(text(window_end))
                .bind(limit)
                .fetch_all(&mut **c)
                .await
                .map_err(internal)?,
            Tx::Postgres(c) => sqlx::query_as(&format!("{sql} FOR UPDATE OF t SKIP LOCKED"))
                .bind(text(window_end))
                .bind(limit)
                .fetch_all(&mut **c)
                .await
                .map_err(internal)?,
        };
        rows.into_iter()
            .map(|r| {
                Ok(CalibrationDue {
                    tool_id: ToolId(r.id),
                    asset_code: r.asset_code,
                    name: r.name,
                    due_on: date("calibration due date", &r.calibration_due_on)?,
                })
            })
            .collect()
    }

    /// The keepers were warned of the calibration due on `due_on` (not a change of the
    /// tool's record: its version stays).
    pub async fn mark_calibration_warned(
        &mut self,
        id: ToolId,
        due_on: NaiveDate,
    ) -> Result<bool, Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE tools SET calibration_warned_for = $1
             WHERE id = $2 AND calibration_due_on = $1
               AND (calibration_warned_for IS NULL OR calibration_warned_for <> $1)")
            .bind(text(due_on))
            .bind(id.0)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))?;
        Ok(n == 1)
    }
}

impl Db {
    #[instrument(skip_all, fields(%id))]
    pub async fn tool(&self, id: ToolId) -> Result<Option<ToolView>, Error> {
        let sql = format!("{SELECT} WHERE t.id = $1");
        let row: Option<ToolRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(p).await.map_err(internal))?;
        row.map(ToolView::try_from).transpose()
    }

    /// The tools the filter names, by identifier; "overdue" and "calibration due" as they
    /// stand on `today` (calibration due: on or before `window_end`).
    #[instrument(skip_all)]
    pub async fn tools(
        &self,
        f: &ToolFilter,
        today: NaiveDate,
        window_end: NaiveDate,
        limit: i64,
    ) -> Result<Vec<ToolView>, Error> {
        let sql = format!(
            "{SELECT} WHERE ($1 = 1 OR t.status <> 'retired')
               AND ($2 = 0 OR c.holder_id = $2)
               AND ($3 = 0 OR c.expected_return_on < $4)
               AND ($5 = 0 OR (t.status <> 'retired' AND t.calibration_due_on <= $6))
               AND ($7 = 0 OR c.id IS NOT NULL)
             ORDER BY t.asset_code LIMIT $8"
        );
        let rows: Vec<ToolRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(i64::from(f.retired))
            .bind(f.holder.map_or(0, |u| u.0))
            .bind(i64::from(f.overdue))
            .bind(text(today))
            .bind(i64::from(f.calibration_due))
            .bind(text(window_end))
            .bind(i64::from(f.checked_out))
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// A tool's check-outs and calibrations, newest first.
    #[instrument(skip_all, fields(%id))]
    pub async fn tool_history(
        &self,
        id: ToolId,
    ) -> Result<(Vec<CheckoutView>, Vec<CalibrationView>), Error> {
        let outs: Vec<CheckoutRow> = read!(self, p => sqlx::query_as(
            "SELECT c.id, c.tool_id, c.holder_id, c.job_id, c.purpose, c.out_on,
                    c.expected_return_on, c.out_by, c.out_at, c.returned_at, c.returned_by,
                    c.condition, c.remark, h.display_name AS holder_name,
                    ob.display_name AS out_by_name, rb.display_name AS returned_by_name
               FROM tool_checkouts c JOIN users h ON h.id = c.holder_id
                 JOIN users ob ON ob.id = c.out_by
                 LEFT JOIN users rb ON rb.id = c.returned_by
               WHERE c.tool_id = $1 ORDER BY c.id DESC LIMIT $2")
            .bind(id.0)
            .bind(HISTORY_MAX)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        let cals: Vec<CalibrationRow> = read!(self, p => sqlx::query_as(
            "SELECT k.tool_id, k.calibrated_on, k.next_due_on, k.note, k.recorded_by,
                    k.recorded_at, u.display_name AS recorded_by_name
               FROM tool_calibrations k JOIN users u ON u.id = k.recorded_by
               WHERE k.tool_id = $1 ORDER BY k.id DESC LIMIT $2")
            .bind(id.0)
            .bind(HISTORY_MAX)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        Ok((
            outs.into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_, _>>()?,
            cals.into_iter()
                .map(TryInto::try_into)
                .collect::<Result<_, _>>()?,
        ))
    }
}
