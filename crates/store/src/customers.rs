//! The customer archive (R5.2).

use crate::audit::{insert_audit, json_text};
use crate::{Db, at, db_err, internal, ms, read, write};
use chrono::{DateTime, Utc};
use sanbao_domain::customer::{Contact, Customer, CustomerFields, RegionCorrection};
use sanbao_domain::ticket::changed_fields;
use sanbao_domain::{CustomerId, Error, Region, UserId};
use serde::Serialize;
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct CustomerRow {
    id: i64,
    name: String,
    address: String,
    region: String,
    region_reason: Option<String>,
    salesperson_id: Option<i64>,
    notes: Option<String>,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct ContactRow {
    name: String,
    phone: Option<String>,
    phone_digits: Option<String>,
    email: Option<String>,
    position: Option<String>,
}

const SELECT_CUSTOMER: &str = "SELECT id, name, address, region, region_reason, salesperson_id, \
     notes, created_at, updated_at, version FROM customers WHERE id = $1";
const SELECT_CONTACTS: &str = "SELECT name, phone, phone_digits, email, position \
     FROM customer_contacts WHERE customer_id = $1 ORDER BY ordinal";
const INSERT_CONTACT: &str = "INSERT INTO customer_contacts \
     (customer_id, ordinal, name, phone, phone_digits, email, position) \
     VALUES ($1, $2, $3, $4, $5, $6, $7)";

fn region_of(s: &str) -> Result<Region, Error> {
    Region::parse(s).ok_or_else(|| crate::corrupt("region", s))
}

fn to_customer(r: CustomerRow, contacts: Vec<ContactRow>) -> Result<Customer, Error> {
    let region = region_of(&r.region)?;
    Ok(Customer {
        id: CustomerId(r.id),
        fields: CustomerFields {
            name: r.name,
            address: r.address,
            salesperson_id: r.salesperson_id.map(UserId),
            notes: r.notes,
            contacts: contacts
                .into_iter()
                .map(|c| Contact {
                    name: c.name,
                    phone: c.phone,
                    phone_digits: c.phone_digits,
                    email: c.email,
                    position: c.position,
                })
                .collect(),
        },
        region,
        region_correction: r
            .region_reason
            .map(|reason| RegionCorrection { region, reason }),
        created_at: at(r.created_at),
        updated_at: at(r.updated_at),
        version: r.version,
    })
}

fn audit_view(c: &Customer) -> serde_json::Value {
    serde_json::to_value(c)
        .map(|mut v| {
            if let Some(o) = v.as_object_mut() {
                for k in ["id", "created_at", "updated_at", "version"] {
                    o.remove(k);
                }
            }
            v
        })
        .unwrap_or_default()
}

/// A line of the customer list.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct CustomerSummary {
    pub id: i64,
    pub name: String,
    pub address: String,
    pub region: String,
    pub region_corrected: bool,
    pub salesperson_id: Option<i64>,
    pub salesperson_name: Option<String>,
    pub contact_name: Option<String>,
    pub contact_phone: Option<String>,
    pub open_tickets: i64,
}

/// Customer list filters: text (name, address, contact name or phone), region, salesperson.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    pub q: Option<String>,
    pub region: Option<Region>,
    pub salesperson_id: Option<UserId>,
}

/// `%text%` for LIKE, with LIKE's own wildcards taken literally.
pub(crate) fn like_pattern(s: &str) -> String {
    let escaped = s
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Db {
    #[instrument(skip_all)]
    pub async fn create_customer(
        &self,
        fields: &CustomerFields,
        correction: Option<&RegionCorrection>,
        actor: UserId,
        now: DateTime<Utc>,
    ) -> Result<Customer, Error> {
        // Answer with what a later read will return: the store keeps milliseconds.
        let now = sanbao_domain::time::to_store_precision(now);
        let region = fields.region(correction);
        let created = write!(self, p => {
            let mut tx = p.begin().await.map_err(internal)?;
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO customers (name, address, region, region_reason, salesperson_id, notes, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id")
                .bind(&fields.name)
                .bind(&fields.address)
                .bind(region.as_str())
                .bind(correction.map(|c| c.reason.as_str()))
                .bind(fields.salesperson_id.map(|u| u.0))
                .bind(&fields.notes)
                .bind(ms(now))
                .fetch_one(&mut *tx)
                .await
                .map_err(db_err)?;
            for (i, c) in fields.contacts.iter().enumerate() {
                sqlx::query(INSERT_CONTACT)
                    .bind(id)
                    .bind(i64::try_from(i).unwrap_or_default())
                    .bind(&c.name)
                    .bind(&c.phone)
                    .bind(&c.phone_digits)
                    .bind(&c.email)
                    .bind(&c.position)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            let created = Customer {
                id: CustomerId(id),
                fields: fields.clone(),
                region,
                region_correction: correction.cloned(),
                created_at: now,
                updated_at: now,
                version: 1,
            };
            insert_audit!(tx, "customer", id, "create", actor.0, ms(now), None::<String>,
                None::<String>, json_text(&audit_view(&created)))?;
            tx.commit().await.map_err(internal)?;
            created
        });
        tracing::info!(
            customer_id = created.id.0,
            region = region.as_str(),
            "customer created"
        );
        Ok(created)
    }

    /// Replace a customer's fields and contacts, if nobody changed it since `version`.
    #[instrument(skip_all, fields(%id))]
    pub async fn update_customer(
        &self,
        id: CustomerId,
        version: i64,
        fields: &CustomerFields,
        correction: Option<&RegionCorrection>,
        actor: UserId,
        now: DateTime<Utc>,
    ) -> Result<Customer, Error> {
        // Answer with what a later read will return: the store keeps milliseconds.
        let now = sanbao_domain::time::to_store_precision(now);
        let region = fields.region(correction);
        write!(self, p => {
            let mut tx = p.begin().await.map_err(internal)?;
            let row: Option<CustomerRow> = sqlx::query_as(SELECT_CUSTOMER)
                .bind(id.0).fetch_optional(&mut *tx).await.map_err(internal)?;
            let Some(row) = row else { return Err(Error::NotFound("customer")) };
            if row.version != version {
                return Err(Error::Conflict(format!(
                    "customer {id} was changed by someone else (version {} now, {version} given)", row.version)));
            }
            let contacts: Vec<ContactRow> = sqlx::query_as(SELECT_CONTACTS)
                .bind(id.0).fetch_all(&mut *tx).await.map_err(internal)?;
            let before = to_customer(row, contacts)?;
            let after = Customer {
                fields: fields.clone(),
                region,
                region_correction: correction.cloned(),
                updated_at: now,
                version: version + 1,
                ..before.clone()
            };
            let (b, a) = changed_fields(&audit_view(&before), &audit_view(&after));
            if a.as_object().is_none_or(serde_json::Map::is_empty) {
                return Ok(before);
            }
            sqlx::query(
                "UPDATE customers SET name = $1, address = $2, region = $3, region_reason = $4,
                   salesperson_id = $5, notes = $6, updated_at = $7, version = version + 1
                 WHERE id = $8 AND version = $9")
                .bind(&fields.name)
                .bind(&fields.address)
                .bind(region.as_str())
                .bind(correction.map(|c| c.reason.as_str()))
                .bind(fields.salesperson_id.map(|u| u.0))
                .bind(&fields.notes)
                .bind(ms(now))
                .bind(id.0)
                .bind(version)
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            sqlx::query("DELETE FROM customer_contacts WHERE customer_id = $1")
                .bind(id.0).execute(&mut *tx).await.map_err(internal)?;
            for (i, c) in fields.contacts.iter().enumerate() {
                sqlx::query(INSERT_CONTACT)
                    .bind(id.0)
                    .bind(i64::try_from(i).unwrap_or_default())
                    .bind(&c.name)
                    .bind(&c.phone)
                    .bind(&c.phone_digits)
                    .bind(&c.email)
                    .bind(&c.position)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
            let action = if before.region != after.region || before.region_correction != after.region_correction {
                "update_region"
            } else {
                "update"
            };
            insert_audit!(tx, "customer", id.0, action, actor.0, ms(now),
                correction.map(|c| c.reason.clone()), json_text(&b), json_text(&a))?;
            tx.commit().await.map_err(internal)?;
            tracing::info!(customer_id = id.0, action, "customer updated");
            Ok(after)
        })
    }

    #[instrument(skip_all, fields(%id))]
    pub async fn customer(&self, id: CustomerId) -> Result<Option<Customer>, Error> {
        read!(self, p => {
            let row: Option<CustomerRow> = sqlx::query_as(SELECT_CUSTOMER)
                .bind(id.0).fetch_optional(p).await.map_err(internal)?;
            let Some(row) = row else { return Ok(None) };
            let contacts: Vec<ContactRow> = sqlx::query_as(SELECT_CONTACTS)
                .bind(id.0).fetch_all(p).await.map_err(internal)?;
            to_customer(row, contacts).map(Some)
        })
    }

    /// The region a new ticket's deadlines use.
    pub async fn customer_region(&self, id: CustomerId) -> Result<Option<Region>, Error> {
        let r: Option<String> = read!(self, p => sqlx::query_scalar("SELECT region FROM customers WHERE id = $1")
            .bind(id.0).fetch_optional(p).await.map_err(internal))?;
        r.map(|s| region_of(&s)).transpose()
    }

    /// Newest first; `before` is the cursor (the last id of the previous page).
    #[instrument(skip_all)]
    pub async fn customers(
        &self,
        filter: &CustomerFilter,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<CustomerSummary>, Error> {
        let q = filter.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let pattern = q.map(like_pattern).unwrap_or_default();
        let digits: String = q
            .map(|s| s.chars().filter(char::is_ascii_digit).collect())
            .unwrap_or_default();
        let digits_pattern = if digits.len() >= 3 {
            format!("%{digits}%")
        } else {
            String::new()
        };
        let sql = format!(
            "SELECT c.id, c.name, c.address, c.region,
                    (c.region_reason IS NOT NULL) AS region_corrected,
                    c.salesperson_id, u.display_name AS salesperson_name,
                    (SELECT k.name FROM customer_contacts k WHERE k.customer_id = c.id ORDER BY k.ordinal LIMIT 1) AS contact_name,
                    (SELECT k.phone FROM customer_contacts k WHERE k.customer_id = c.id ORDER BY k.ordinal LIMIT 1) AS contact_phone,
                    (SELECT COUNT(*) FROM tickets t WHERE t.customer_id = c.id
                       AND t.status IN {working}) AS open_tickets
             FROM customers c LEFT JOIN users u ON u.id = c.salesperson_id
             WHERE ($1 = '' OR LOWER(c.name) LIKE $1 ESCAPE '\\' OR LOWER(c.address) LIKE $1 ESCAPE '\\'
                    OR EXISTS (SELECT 1 FROM customer_contacts k WHERE k.customer_id = c.id
                               AND (LOWER(k.name) LIKE $1 ESCAPE '\\' OR ($2 <> '' AND k.phone_digits LIKE $2))))
               AND ($3 = '' OR c.region = $3)
               AND ($4 = 0 OR c.salesperson_id = $4)
               AND ($5 = 0 OR c.id < $5)
             ORDER BY c.id DESC LIMIT $6",
            working = crate::tickets::WORKING.as_str()
        );
        read!(self, p => sqlx::query_as(&sql)
            .bind(&pattern)
            .bind(&digits_pattern)
            .bind(filter.region.map_or("", Region::as_str))
            .bind(filter.salesperson_id.map_or(0, |u| u.0))
            .bind(before.unwrap_or(0))
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(internal))
    }
}
