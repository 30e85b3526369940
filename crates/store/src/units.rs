//! Product models, warranty policy versions and installed units (R2, R3.8), and where a
//! new ticket's work is ([`Tx::ticket_place`]).

use crate::customers::region_of;
use crate::sql::like_pattern;
use crate::{Db, Tx, at, changed_one, internal, ms, on_tx, parse, read};
use chrono::{DateTime, NaiveDate, Utc};
use sanbao_domain::coverage::UnitDates;
use sanbao_domain::product::{AfterFreeRepair, ModelFields, ProductModel, WarrantyPolicy};
use sanbao_domain::unit::{TicketPlace, Unit, UnitFacts, UnitFilter, UnitSummary};
use sanbao_domain::{
    CustomerId, DeliveryId, Error, PolicyId, Problem, ProductModelId, SiteId, UnitId, UserId,
};
use tracing::instrument;

pub(crate) fn date_of(what: &str, s: Option<String>) -> Result<Option<NaiveDate>, Error> {
    s.map(|s| parse(what, &s, |v| NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()))
        .transpose()
}

fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// A unique key broken: which field, in the API's words. PostgreSQL names the constraint
/// (`key`); SQLite names its columns (`columns`, as `table.column, table.column`).
fn taken(e: sqlx::Error, key: (&str, &str), field: &str, message: &str) -> Error {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
        && (d.constraint().unwrap_or_default().contains(key.0) || d.message().contains(key.1))
    {
        return Error::field(field, Problem::new("taken", message));
    }
    crate::db_err(e)
}

#[derive(sqlx::FromRow)]
struct ModelRow {
    id: i64,
    code: String,
    name: String,
    product_line: String,
    created_at: i64,
    version: i64,
}

impl From<ModelRow> for ProductModel {
    fn from(r: ModelRow) -> Self {
        ProductModel {
            id: ProductModelId(r.id),
            fields: ModelFields {
                code: r.code,
                name: r.name,
                product_line: r.product_line,
            },
            created_at: at(r.created_at),
            version: r.version,
        }
    }
}

const MODEL_COLS: &str = "id, code, name, product_line, created_at, version";

#[derive(sqlx::FromRow)]
struct PolicyRow {
    id: i64,
    product_line: String,
    effective_from: String,
    warranty_months: i64,
    free_repair_months: i64,
    after_free_repair: String,
}

impl TryFrom<PolicyRow> for WarrantyPolicy {
    type Error = Error;
    fn try_from(r: PolicyRow) -> Result<Self, Error> {
        Ok(WarrantyPolicy {
            id: Some(PolicyId(r.id)),
            product_line: r.product_line,
            effective_from: date_of("effective_from", Some(r.effective_from))?.unwrap_or_default(),
            warranty_months: u32::try_from(r.warranty_months).map_err(internal)?,
            free_repair_months: u32::try_from(r.free_repair_months).map_err(internal)?,
            after_free_repair: parse(
                "after_free_repair",
                &r.after_free_repair,
                AfterFreeRepair::parse,
            )?,
        })
    }
}

const POLICY_COLS: &str = "id, product_line, effective_from, warranty_months, \
     free_repair_months, after_free_repair";

#[derive(sqlx::FromRow)]
pub(crate) struct UnitRow {
    id: i64,
    customer_id: i64,
    customer_name: String,
    model_id: i64,
    model_code: String,
    model_name: String,
    product_line: String,
    serial_no: String,
    site_id: i64,
    site_name: Option<String>,
    site_address: String,
    site_region: String,
    site_contact_name: Option<String>,
    site_contact_phone: Option<String>,
    shipped_on: Option<String>,
    accepted_on: Option<String>,
    commissioned_on: Option<String>,
    delivery_id: Option<i64>,
    notes: Option<String>,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

pub(crate) const SELECT_UNIT: &str =
    "SELECT u.id, u.customer_id, c.name AS customer_name, u.model_id,
       m.code AS model_code, m.name AS model_name, m.product_line, u.serial_no, u.site_id,
       s.name AS site_name, s.address AS site_address, s.region AS site_region,
       s.contact_name AS site_contact_name, s.contact_phone AS site_contact_phone,
       u.shipped_on, u.accepted_on, u.commissioned_on, u.delivery_id, u.notes,
       u.created_at, u.updated_at, u.version
     FROM units u JOIN customers c ON c.id = u.customer_id
       JOIN product_models m ON m.id = u.model_id JOIN sites s ON s.id = u.site_id";

fn dates(
    shipped: Option<String>,
    accepted: Option<String>,
    commissioned: Option<String>,
) -> Result<UnitDates, Error> {
    Ok(UnitDates {
        shipped_on: date_of("shipped_on", shipped)?,
        accepted_on: date_of("accepted_on", accepted)?,
        commissioned_on: date_of("commissioned_on", commissioned)?,
    })
}

impl TryFrom<UnitRow> for Unit {
    type Error = Error;
    fn try_from(r: UnitRow) -> Result<Unit, Error> {
        Ok(Unit {
            id: UnitId(r.id),
            customer_id: CustomerId(r.customer_id),
            customer_name: r.customer_name,
            model_id: ProductModelId(r.model_id),
            model_code: r.model_code,
            model_name: r.model_name,
            product_line: r.product_line,
            serial_no: r.serial_no,
            site_id: SiteId(r.site_id),
            site_name: r.site_name,
            site_address: r.site_address,
            site_region: region_of(&r.site_region)?,
            site_contact_name: r.site_contact_name,
            site_contact_phone: r.site_contact_phone,
            dates: dates(r.shipped_on, r.accepted_on, r.commissioned_on)?,
            delivery_id: r.delivery_id.map(DeliveryId),
            notes: r.notes,
            created_at: at(r.created_at),
            updated_at: at(r.updated_at),
            version: r.version,
        })
    }
}

/// A unit summary's columns and joins (`units u`, `customers c`, `product_models m`,
/// `sites s`).
pub(crate) const UNIT_SUMMARY_FROM: &str =
    "SELECT u.id, u.customer_id, c.name AS customer_name, m.code AS model_code,
                    m.product_line, u.serial_no, u.site_id, s.address AS site_address,
                    s.region AS site_region, u.shipped_on, u.accepted_on, u.commissioned_on
             FROM units u JOIN customers c ON c.id = u.customer_id
               JOIN product_models m ON m.id = u.model_id JOIN sites s ON s.id = u.site_id";

/// The unit list's filters: `$1` the LIKE pattern of the search text (or empty), `$2` the
/// customer's id (or 0), `$3` the site's id (or 0). The list and the export share it.
pub(crate) const UNIT_MATCHES: &str =
    "($1 = '' OR LOWER(u.serial_no) LIKE $1 ESCAPE '\\' OR LOWER(m.code) LIKE $1 ESCAPE '\\'
                    OR LOWER(c.name) LIKE $1 ESCAPE '\\' OR LOWER(s.address) LIKE $1 ESCAPE '\\')
               AND ($2 = 0 OR u.customer_id = $2)
               AND ($3 = 0 OR u.site_id = $3)";

#[derive(sqlx::FromRow)]
pub(crate) struct UnitSummaryRow {
    id: i64,
    customer_id: i64,
    customer_name: String,
    model_code: String,
    product_line: String,
    serial_no: String,
    site_id: i64,
    site_address: String,
    site_region: String,
    shipped_on: Option<String>,
    accepted_on: Option<String>,
    commissioned_on: Option<String>,
}

impl TryFrom<UnitSummaryRow> for UnitSummary {
    type Error = Error;
    fn try_from(r: UnitSummaryRow) -> Result<UnitSummary, Error> {
        Ok(UnitSummary {
            id: UnitId(r.id),
            customer_id: CustomerId(r.customer_id),
            customer_name: r.customer_name,
            model_code: r.model_code,
            product_line: r.product_line,
            serial_no: r.serial_no,
            site_id: SiteId(r.site_id),
            site_address: r.site_address,
            site_region: region_of(&r.site_region)?,
            dates: dates(r.shipped_on, r.accepted_on, r.commissioned_on)?,
        })
    }
}

/// A unit to write: its checked fields with the model and site resolved.
#[derive(Debug, Clone)]
pub struct NewUnit<'a> {
    pub customer_id: CustomerId,
    pub model_id: ProductModelId,
    pub serial_no: &'a str,
    pub site_id: SiteId,
    pub delivery_id: Option<DeliveryId>,
    pub dates: UnitDates,
    pub notes: Option<&'a str>,
}

impl Tx {
    #[instrument(skip_all)]
    pub async fn insert_model(
        &mut self,
        fields: &ModelFields,
        now: DateTime<Utc>,
    ) -> Result<ProductModel, Error> {
        let now = sanbao_domain::time::to_store_precision(now);
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
        "INSERT INTO product_models (code, name, product_line, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4) RETURNING id")
        .bind(&fields.code)
        .bind(&fields.name)
        .bind(&fields.product_line)
        .bind(ms(now))
        .fetch_one(c)
        .await
        .map_err(|e| taken(
            e,
            ("product_models_code", "product_models.code"),
            "code",
            "a model with this code exists",
        )))?;
        Ok(ProductModel {
            id: ProductModelId(id),
            fields: fields.clone(),
            created_at: now,
            version: 1,
        })
    }

    pub async fn model_by_code(&mut self, code: &str) -> Result<Option<ProductModel>, Error> {
        let sql = format!("SELECT {MODEL_COLS} FROM product_models WHERE code = $1");
        let row: Option<ModelRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(code).fetch_optional(c).await.map_err(internal))?;
        Ok(row.map(Into::into))
    }

    #[instrument(skip_all)]
    pub async fn insert_policy(
        &mut self,
        policy: &WarrantyPolicy,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<WarrantyPolicy, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
        "INSERT INTO warranty_policies (product_line, effective_from, warranty_months,
               free_repair_months, after_free_repair, created_by, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(&policy.product_line)
        .bind(policy.effective_from.to_string())
        .bind(i64::from(policy.warranty_months))
        .bind(i64::from(policy.free_repair_months))
        .bind(policy.after_free_repair.as_str())
        .bind(by.0)
        .bind(ms(now))
        .fetch_one(c)
        .await
        .map_err(|e| taken(
            e,
            (
                "warranty_policies_line_from",
                "warranty_policies.product_line, warranty_policies.effective_from",
            ),
            "effective_from",
            "this product line already has a version from this date",
        )))?;
        Ok(WarrantyPolicy {
            id: Some(PolicyId(id)),
            ..policy.clone()
        })
    }

    /// The recorded versions of a product line's policy.
    pub async fn policies_of(&mut self, line: &str) -> Result<Vec<WarrantyPolicy>, Error> {
        let sql = format!(
            "SELECT {POLICY_COLS} FROM warranty_policies WHERE product_line = $1 ORDER BY effective_from"
        );
        let rows: Vec<PolicyRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(line).fetch_all(c).await.map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    #[instrument(skip_all)]
    pub async fn insert_unit(
        &mut self,
        u: &NewUnit<'_>,
        now: DateTime<Utc>,
    ) -> Result<UnitId, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
        "INSERT INTO units (model_id, serial_no, customer_id, site_id, delivery_id,
               shipped_on, accepted_on, commissioned_on, notes, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id")
        .bind(u.model_id.0)
        .bind(u.serial_no)
        .bind(u.customer_id.0)
        .bind(u.site_id.0)
        .bind(u.delivery_id.map(|d| d.0))
        .bind(date_text(u.dates.shipped_on))
        .bind(date_text(u.dates.accepted_on))
        .bind(date_text(u.dates.commissioned_on))
        .bind(u.notes)
        .bind(ms(now))
        .fetch_one(c)
        .await
        .map_err(|e| taken(
            e,
            ("units_model_serial", "units.model_id, units.serial_no"),
            "serial_no",
            "a unit of this model with this serial number is already recorded",
        )))?;
        Ok(UnitId(id))
    }

    pub async fn unit(&mut self, id: UnitId) -> Result<Option<Unit>, Error> {
        let sql = format!("{SELECT_UNIT} WHERE u.id = $1");
        let row: Option<UnitRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        row.map(Unit::try_from).transpose()
    }

    /// The unit of this model with this serial number.
    pub async fn unit_by_serial(
        &mut self,
        model: ProductModelId,
        serial: &str,
    ) -> Result<Option<Unit>, Error> {
        let sql = format!("{SELECT_UNIT} WHERE u.model_id = $1 AND u.serial_no = $2");
        let row: Option<UnitRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(model.0).bind(serial).fetch_optional(c).await.map_err(internal))?;
        row.map(Unit::try_from).transpose()
    }

    /// Write `after` over `before` if nobody changed the unit since it was read.
    #[instrument(skip_all, fields(id = %before.id))]
    pub async fn update_unit(&mut self, before: &Unit, after: &Unit) -> Result<(), Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE units SET site_id = $1, delivery_id = $2, shipped_on = $3, accepted_on = $4,
               commissioned_on = $5, notes = $6, updated_at = $7, version = $8
             WHERE id = $9 AND version = $10")
            .bind(after.site_id.0)
            .bind(after.delivery_id.map(|d| d.0))
            .bind(date_text(after.dates.shipped_on))
            .bind(date_text(after.dates.accepted_on))
            .bind(date_text(after.dates.commissioned_on))
            .bind(&after.notes)
            .bind(ms(after.updated_at))
            .bind(after.version)
            .bind(before.id.0)
            .bind(before.version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))?;
        changed_one(n, &format!("unit {}", before.id), before.version)
    }

    /// Where a new ticket's work is, as this transaction sees it: the named unit's site,
    /// else the named site, else the customer's first site. A unit or site of another
    /// customer is refused by name.
    pub async fn ticket_place(
        &mut self,
        customer: CustomerId,
        unit: Option<UnitId>,
        site: Option<SiteId>,
    ) -> Result<TicketPlace, Error> {
        let not_theirs = |field: &str, what: &str| {
            Error::field(
                field,
                Problem::new(
                    "other_customer",
                    format!("this {what} belongs to another customer"),
                ),
            )
        };
        if let Some(unit_id) = unit {
            let u = self.unit(unit_id).await?.ok_or_else(|| {
                Error::field("unit_id", Problem::new("not_found", "no such unit"))
            })?;
            if u.customer_id != customer {
                return Err(not_theirs("unit_id", "unit"));
            }
            let policies = self.policies_of(&u.product_line).await?;
            return Ok(TicketPlace {
                site_id: Some(u.site_id),
                region: u.site_region,
                unit: Some(UnitFacts {
                    id: u.id,
                    dates: u.dates,
                    product_line: u.product_line,
                    policies,
                }),
            });
        }
        let s = match site {
            Some(id) => {
                let s = self.site(id).await?.ok_or_else(|| {
                    Error::field("site_id", Problem::new("not_found", "no such site"))
                })?;
                if s.customer_id != customer {
                    return Err(not_theirs("site_id", "site"));
                }
                s
            }
            None => self
                .first_site(customer)
                .await?
                .ok_or_else(crate::tickets::no_such_customer)?,
        };
        Ok(TicketPlace {
            site_id: Some(s.id),
            region: s.region,
            unit: None,
        })
    }
}

impl Db {
    pub async fn models(&self) -> Result<Vec<ProductModel>, Error> {
        let sql = format!("SELECT {MODEL_COLS} FROM product_models ORDER BY code");
        let rows: Vec<ModelRow> = read!(self, p => sqlx::query_as(&sql)
            .fetch_all(p).await.map_err(internal))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Every recorded policy version, by product line and date.
    pub async fn policies(&self) -> Result<Vec<WarrantyPolicy>, Error> {
        let sql = format!(
            "SELECT {POLICY_COLS} FROM warranty_policies ORDER BY product_line, effective_from"
        );
        let rows: Vec<PolicyRow> = read!(self, p => sqlx::query_as(&sql)
            .fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    pub async fn policies_of(&self, line: &str) -> Result<Vec<WarrantyPolicy>, Error> {
        let sql = format!(
            "SELECT {POLICY_COLS} FROM warranty_policies WHERE product_line = $1 ORDER BY effective_from"
        );
        let rows: Vec<PolicyRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(line).fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }

    /// The units of `ids`, in no particular order (a few queries for many units).
    pub async fn units_by_ids(&self, ids: &[UnitId]) -> Result<Vec<Unit>, Error> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(crate::sql::ID_CHUNK) {
            let list: Vec<i64> = chunk.iter().map(|u| u.0).collect();
            let sql = format!("{SELECT_UNIT} WHERE u.id IN {}", crate::sql::id_list(&list));
            let rows: Vec<UnitRow> = read!(self, p => sqlx::query_as(&sql)
                .fetch_all(p).await.map_err(internal))?;
            for r in rows {
                out.push(Unit::try_from(r)?);
            }
        }
        Ok(out)
    }

    #[instrument(skip_all, fields(%id))]
    pub async fn unit(&self, id: UnitId) -> Result<Option<Unit>, Error> {
        let sql = format!("{SELECT_UNIT} WHERE u.id = $1");
        let row: Option<UnitRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(p).await.map_err(internal))?;
        row.map(Unit::try_from).transpose()
    }

    /// Newest first; `before` is the cursor (the last id of the previous page).
    #[instrument(skip_all)]
    pub async fn units(
        &self,
        f: &UnitFilter,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<UnitSummary>, Error> {
        let q = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let pattern = q.map(like_pattern).unwrap_or_default();
        let sql = format!(
            "{UNIT_SUMMARY_FROM}
             WHERE {UNIT_MATCHES}
               AND ($4 = 0 OR u.id < $4)
             ORDER BY u.id DESC LIMIT $5"
        );
        let rows: Vec<UnitSummaryRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(&pattern)
            .bind(f.customer_id.map_or(0, |c| c.0))
            .bind(f.site_id.map_or(0, |s| s.0))
            .bind(before.unwrap_or(0))
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
