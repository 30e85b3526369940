//! Field reliability (R5.1): the installed base aggregated in SQL for the domain's
//! analysis ([`sanbao_domain::reliability::analyse`]).
//!
//! The fleet is never read unit by unit: units come back counted per model and
//! commissioning month, per model and return month, and (those that never failed) per
//! model, commissioning date and return date — at most a few thousand rows per model
//! however many units there are. Failure tickets come back one row each: they are the
//! events, far fewer than the units, and their months in service need the company's
//! calendar date of an instant.

use crate::{Db, internal, read};
use chrono::NaiveDate;
use sanbao_domain::reliability::{
    ComponentFailure, FAILURE_TICKET_KINDS, FailureRecord, FleetFacts, ModelRef, OUTSIDE_PRODUCT,
    RunningGroup, UnitBehind,
};
use sanbao_domain::time::{Month, local_date};
use sanbao_domain::{CustomerId, Error, ProductModelId, TicketId, UnitId};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use tracing::instrument;

fn quoted(values: impl Iterator<Item = &'static str>) -> String {
    let v: Vec<String> = values.map(|s| format!("'{s}'")).collect();
    format!("({})", v.join(", "))
}

/// Whether ticket `t` reports a failure of its unit: the domain's kinds, not cancelled,
/// and no signed or accepted form of its job putting the fault outside the product.
static FAILURE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "t.kind IN {kinds} AND t.status <> 'cancelled'
         AND NOT EXISTS (SELECT 1 FROM jobs j JOIN feedback_forms f ON f.job_id = j.id
                         WHERE j.ticket_id = t.id AND f.status IN ('signed', 'accepted')
                           AND f.responsibility IN {outside})",
        kinds = quoted(FAILURE_TICKET_KINDS.iter().map(|k| k.as_str())),
        outside = quoted(OUTSIDE_PRODUCT.iter().map(|r| r.as_str())),
    )
});

/// Each unit's return (the first approved or closed one), as `x(unit_id, left_on)`.
const RETURNED: &str = "(SELECT r.unit_id, MIN(r.requested_on) AS left_on FROM returns r
                         WHERE r.status IN ('approved', 'closed') GROUP BY r.unit_id)";

fn day(s: &str) -> Result<NaiveDate, Error> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| internal(format!("stored date {s:?}: {e}")))
}

fn month(s: &str) -> Result<Month, Error> {
    Month::parse(s).map_err(|_| internal(format!("stored month {s:?}")))
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Db {
    /// Every product model, by code.
    #[instrument(skip_all)]
    pub async fn reliability_models(&self) -> Result<Vec<ModelRef>, Error> {
        let rows: Vec<(i64, String, String)> = read!(self, p => sqlx::query_as(
            "SELECT id, code, name FROM product_models ORDER BY code, id")
            .fetch_all(p).await.map_err(internal))?;
        Ok(rows
            .into_iter()
            .map(|(id, code, name)| ModelRef {
                id: ProductModelId(id),
                code,
                name,
            })
            .collect())
    }

    /// The aggregated facts of every model's fleet (only models with a commissioned unit).
    #[instrument(skip_all)]
    pub async fn reliability_facts(&self) -> Result<BTreeMap<ProductModelId, FleetFacts>, Error> {
        let mut out: BTreeMap<ProductModelId, FleetFacts> = BTreeMap::new();
        let entries: Vec<(i64, String, i64)> = read!(self, p => sqlx::query_as(
            "SELECT u.model_id, SUBSTR(u.commissioned_on, 1, 7) AS m, COUNT(*) AS n
             FROM units u WHERE u.commissioned_on IS NOT NULL
             GROUP BY u.model_id, SUBSTR(u.commissioned_on, 1, 7)")
            .fetch_all(p).await.map_err(internal))?;
        for (model, m, n) in entries {
            let f = out.entry(ProductModelId(model)).or_default();
            f.entries.push((month(&m)?, count(n)));
        }
        let exits_sql = format!(
            "SELECT u.model_id, SUBSTR(x.left_on, 1, 7) AS m, COUNT(*) AS n
             FROM units u JOIN {RETURNED} x ON x.unit_id = u.id
             WHERE u.commissioned_on IS NOT NULL
             GROUP BY u.model_id, SUBSTR(x.left_on, 1, 7)"
        );
        let exits: Vec<(i64, String, i64)> = read!(self, p => sqlx::query_as(&exits_sql)
            .fetch_all(p).await.map_err(internal))?;
        for (model, m, n) in exits {
            let f = out.entry(ProductModelId(model)).or_default();
            f.exits.push((month(&m)?, count(n)));
        }
        let failures_sql = format!(
            "SELECT u.model_id, u.id, u.commissioned_on, t.received_at
             FROM tickets t JOIN units u ON u.id = t.unit_id
             WHERE u.commissioned_on IS NOT NULL AND {failure}",
            failure = *FAILURE
        );
        let failures: Vec<(i64, i64, String, i64)> = read!(self, p => sqlx::query_as(&failures_sql)
            .fetch_all(p).await.map_err(internal))?;
        for (model, unit, commissioned_on, received_at) in failures {
            let f = out.entry(ProductModelId(model)).or_default();
            f.failures.push(FailureRecord {
                unit: UnitId(unit),
                commissioned_on: day(&commissioned_on)?,
                on: local_date(crate::at(received_at)),
            });
        }
        let running_sql = format!(
            "SELECT u.model_id, u.commissioned_on, x.left_on, COUNT(*) AS n
             FROM units u LEFT JOIN {RETURNED} x ON x.unit_id = u.id
             WHERE u.commissioned_on IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM tickets t WHERE t.unit_id = u.id AND {failure})
             GROUP BY u.model_id, u.commissioned_on, x.left_on",
            failure = *FAILURE
        );
        let running: Vec<(i64, String, Option<String>, i64)> = read!(self, p => sqlx::query_as(&running_sql)
            .fetch_all(p).await.map_err(internal))?;
        for (model, commissioned_on, left_on, n) in running {
            let f = out.entry(ProductModelId(model)).or_default();
            f.running.push(RunningGroup {
                commissioned_on: day(&commissioned_on)?,
                left_on: left_on.as_deref().map(day).transpose()?,
                count: count(n),
            });
        }
        // Faulty parts removed from commissioned units and brought back, not undone.
        let components: Vec<(i64, String, String, String, i64)> = read!(self, p => sqlx::query_as(
            "SELECT u.model_id, p.code, p.name, u.commissioned_on, pm.at
             FROM part_moves pm JOIN units u ON u.id = pm.unit_id JOIN parts p ON p.id = pm.part_id
             WHERE pm.kind = 'faulty_return' AND u.commissioned_on IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM part_moves r WHERE r.reverses = pm.id)")
            .fetch_all(p).await.map_err(internal))?;
        for (model, code, name, commissioned_on, at) in components {
            let f = out.entry(ProductModelId(model)).or_default();
            f.components.push(ComponentFailure {
                part_code: code,
                part_name: name,
                commissioned_on: day(&commissioned_on)?,
                on: local_date(crate::at(at)),
            });
        }
        Ok(out)
    }

    /// The units of a model behind its figures: those in service on `on` (commissioned by
    /// then, not returned before its month), or — `failed` — every failure ticket on a
    /// unit of the model, newest first; at most `limit`.
    #[instrument(skip_all)]
    pub async fn reliability_units(
        &self,
        model: ProductModelId,
        failed: bool,
        on: NaiveDate,
        limit: i64,
    ) -> Result<Vec<UnitBehind>, Error> {
        type Row = (i64, String, i64, String, String, Option<i64>, Option<i64>);
        let sql = if failed {
            format!(
                "SELECT u.id, u.serial_no, c.id, c.name, u.commissioned_on, t.id, t.received_at
                 FROM tickets t JOIN units u ON u.id = t.unit_id
                 JOIN customers c ON c.id = u.customer_id
                 WHERE u.model_id = $1 AND u.commissioned_on IS NOT NULL AND {failure}
                   AND $2 <> ''
                 ORDER BY t.received_at DESC, t.id DESC LIMIT $3",
                failure = *FAILURE
            )
        } else {
            format!(
                "SELECT u.id, u.serial_no, c.id, c.name, u.commissioned_on,
                        CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)
                 FROM units u JOIN customers c ON c.id = u.customer_id
                 LEFT JOIN {RETURNED} x ON x.unit_id = u.id
                 WHERE u.model_id = $1 AND u.commissioned_on IS NOT NULL
                   AND u.commissioned_on <= $2
                   AND (x.left_on IS NULL OR SUBSTR(x.left_on, 1, 7) >= SUBSTR($2, 1, 7))
                 ORDER BY u.commissioned_on DESC, u.id DESC LIMIT $3"
            )
        };
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(model.0).bind(on.to_string()).bind(limit)
            .fetch_all(p).await.map_err(internal))?;
        rows.into_iter()
            .map(
                |(unit, serial_no, customer, name, commissioned_on, ticket, at)| {
                    Ok(UnitBehind {
                        unit: UnitId(unit),
                        serial_no,
                        customer_id: CustomerId(customer),
                        customer_name: name,
                        commissioned_on: day(&commissioned_on)?,
                        ticket: ticket.map(TicketId),
                        failed_on: at.map(|ms| local_date(crate::at(ms))),
                    })
                },
            )
            .collect()
    }
}
