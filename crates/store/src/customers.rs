//! The customer archive (R5.2).

use crate::sql::{WORKING_LANES, like_pattern};
use crate::{Db, Tx, at, db_err, internal, ms, on_tx, parse, read};
use chrono::{DateTime, Utc};
use sanbao_domain::customer::{
    Contact, Customer, CustomerFields, CustomerFilter, CustomerSummary, RegionCorrection,
};
use sanbao_domain::{CustomerId, Error, Region, UserId};
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

pub(crate) fn region_of(s: &str) -> Result<Region, Error> {
    parse("region", s, Region::parse)
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

#[derive(sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    name: String,
    address: String,
    region: String,
    region_corrected: bool,
    salesperson_id: Option<i64>,
    salesperson_name: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    open_tickets: i64,
}

impl TryFrom<SummaryRow> for CustomerSummary {
    type Error = Error;
    fn try_from(r: SummaryRow) -> Result<CustomerSummary, Error> {
        Ok(CustomerSummary {
            id: CustomerId(r.id),
            name: r.name,
            address: r.address,
            region: region_of(&r.region)?,
            region_corrected: r.region_corrected,
            salesperson_id: r.salesperson_id.map(UserId),
            salesperson_name: r.salesperson_name,
            contact_name: r.contact_name,
            contact_phone: r.contact_phone,
            open_tickets: r.open_tickets,
        })
    }
}

impl Tx {
    /// Write a new customer with its contacts; answers with the record as a later read
    /// returns it (instants at the store's millisecond precision).
    #[instrument(skip_all)]
    pub async fn insert_customer(
        &mut self,
        fields: &CustomerFields,
        correction: Option<&RegionCorrection>,
        now: DateTime<Utc>,
    ) -> Result<Customer, Error> {
        let now = sanbao_domain::time::to_store_precision(now);
        let region = fields.region(correction);
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO customers (name, address, region, region_reason, salesperson_id, notes, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id")
            .bind(&fields.name)
            .bind(&fields.address)
            .bind(region.as_str())
            .bind(correction.map(|c| c.reason.as_str()))
            .bind(fields.salesperson_id.map(|u| u.0))
            .bind(&fields.notes)
            .bind(ms(now))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        self.insert_contacts(id, fields).await?;
        // The customer's own address is its first site.
        self.insert_site(
            CustomerId(id),
            &sanbao_domain::site::SiteFields::first_of(fields),
            correction,
            now,
        )
        .await?;
        tracing::info!(
            customer_id = id,
            region = region.as_str(),
            "customer created"
        );
        Ok(Customer {
            id: CustomerId(id),
            fields: fields.clone(),
            region,
            region_correction: correction.cloned(),
            created_at: now,
            updated_at: now,
            version: 1,
        })
    }

    async fn insert_contacts(&mut self, id: i64, fields: &CustomerFields) -> Result<(), Error> {
        for (i, k) in fields.contacts.iter().enumerate() {
            on_tx!(self, c => sqlx::query(INSERT_CONTACT)
                .bind(id)
                .bind(i64::try_from(i).unwrap_or_default())
                .bind(&k.name)
                .bind(&k.phone)
                .bind(&k.phone_digits)
                .bind(&k.email)
                .bind(&k.position)
                .execute(c)
                .await
                .map(|_| ())
                .map_err(db_err))?;
        }
        Ok(())
    }

    /// A customer as this transaction sees it.
    pub async fn customer(&mut self, id: CustomerId) -> Result<Option<Customer>, Error> {
        on_tx!(self, c => {
            let row: Option<CustomerRow> = sqlx::query_as(SELECT_CUSTOMER)
                .bind(id.0).fetch_optional(&mut *c).await.map_err(internal)?;
            let Some(row) = row else { return Ok(None) };
            let contacts: Vec<ContactRow> = sqlx::query_as(SELECT_CONTACTS)
                .bind(id.0).fetch_all(&mut *c).await.map_err(internal)?;
            to_customer(row, contacts).map(Some)
        })
    }

    /// Write `after` over `before`, if nobody changed the record since `before` was read
    /// (its `version`): otherwise a conflict, and nothing is written.
    #[instrument(skip_all, fields(id = %before.id))]
    pub async fn update_customer(
        &mut self,
        before: &Customer,
        after: &Customer,
    ) -> Result<(), Error> {
        let f = &after.fields;
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE customers SET name = $1, address = $2, region = $3, region_reason = $4,
               salesperson_id = $5, notes = $6, updated_at = $7, version = $8
             WHERE id = $9 AND version = $10")
            .bind(&f.name)
            .bind(&f.address)
            .bind(after.region.as_str())
            .bind(after.region_correction.as_ref().map(|c| c.reason.as_str()))
            .bind(f.salesperson_id.map(|u| u.0))
            .bind(&f.notes)
            .bind(ms(after.updated_at))
            .bind(after.version)
            .bind(before.id.0)
            .bind(before.version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        crate::changed_one(n, &format!("customer {}", before.id), before.version)?;
        if before.fields.contacts != after.fields.contacts {
            on_tx!(self, c => sqlx::query("DELETE FROM customer_contacts WHERE customer_id = $1")
                .bind(before.id.0).execute(c).await.map(|_| ()).map_err(internal))?;
            self.insert_contacts(before.id.0, f).await?;
        }
        if before.fields.address != f.address
            || before.region_changes(after)
            || before.fields.contacts.first() != f.contacts.first()
        {
            self.sync_first_site(after).await?;
        }
        tracing::info!(
            customer_id = before.id.0,
            version = after.version,
            "customer updated"
        );
        Ok(())
    }
}

/// The customer list's filters on `customers c`: `$1` the LIKE pattern of the search text
/// (or empty), `$2` its phone digits pattern (or empty), `$3` the region (or empty), `$4`
/// the salesperson's id (or 0). The list and the export share it, so they match the same.
pub(crate) const CUSTOMER_MATCHES: &str = "($1 = '' OR LOWER(c.name) LIKE $1 ESCAPE '\\' OR LOWER(c.address) LIKE $1 ESCAPE '\\'
                    OR EXISTS (SELECT 1 FROM customer_contacts k WHERE k.customer_id = c.id
                               AND (LOWER(k.name) LIKE $1 ESCAPE '\\' OR ($2 <> '' AND k.phone_digits LIKE $2))))
               AND ($3 = '' OR c.region = $3)
               AND ($4 = 0 OR c.salesperson_id = $4)";

/// The binds of [`CUSTOMER_MATCHES`], in order.
pub(crate) struct CustomerMatch {
    pub pattern: String,
    pub digits_pattern: String,
    pub region: &'static str,
    pub salesperson_id: i64,
}

impl CustomerMatch {
    pub fn of(filter: &CustomerFilter) -> CustomerMatch {
        let q = filter.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        CustomerMatch {
            pattern: q.map(like_pattern).unwrap_or_default(),
            digits_pattern: filter
                .phone_digits()
                .map(|d| format!("%{d}%"))
                .unwrap_or_default(),
            region: filter.region.map_or("", Region::as_str),
            salesperson_id: filter.salesperson_id.map_or(0, |u| u.0),
        }
    }
}

impl Db {
    /// The names of the customers of `ids` (a few queries for many customers).
    pub async fn customer_names_of(
        &self,
        ids: &[CustomerId],
    ) -> Result<std::collections::HashMap<CustomerId, String>, Error> {
        let mut out = std::collections::HashMap::new();
        for chunk in ids.chunks(crate::sql::ID_CHUNK) {
            let list: Vec<i64> = chunk.iter().map(|c| c.0).collect();
            let sql = format!(
                "SELECT id, name FROM customers WHERE id IN {}",
                crate::sql::id_list(&list)
            );
            let rows: Vec<(i64, String)> = read!(self, p => sqlx::query_as(&sql)
                .fetch_all(p).await.map_err(internal))?;
            out.extend(rows.into_iter().map(|(id, name)| (CustomerId(id), name)));
        }
        Ok(out)
    }

    #[instrument(skip_all, fields(%id))]
    pub async fn customer(&self, id: CustomerId) -> Result<Option<Customer>, Error> {
        read!(self, p => {
            let row: Option<CustomerRow> = sqlx::query_as(SELECT_CUSTOMER)
                .bind(id.0).fetch_optional(&mut *p).await.map_err(internal)?;
            let Some(row) = row else { return Ok(None) };
            let contacts: Vec<ContactRow> = sqlx::query_as(SELECT_CONTACTS)
                .bind(id.0).fetch_all(&mut *p).await.map_err(internal)?;
            to_customer(row, contacts).map(Some)
        })
    }

    /// Newest first; `before` is the cursor (the last id of the previous page).
    #[instrument(skip_all)]
    pub async fn customers(
        &self,
        filter: &CustomerFilter,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<CustomerSummary>, Error> {
        let m = CustomerMatch::of(filter);
        let sql = format!(
            "SELECT c.id, c.name, c.address, c.region,
                    (c.region_reason IS NOT NULL) AS region_corrected,
                    c.salesperson_id, u.display_name AS salesperson_name,
                    (SELECT k.name FROM customer_contacts k WHERE k.customer_id = c.id ORDER BY k.ordinal LIMIT 1) AS contact_name,
                    (SELECT k.phone FROM customer_contacts k WHERE k.customer_id = c.id ORDER BY k.ordinal LIMIT 1) AS contact_phone,
                    (SELECT COUNT(*) FROM tickets t WHERE t.customer_id = c.id
                       AND t.desk_lane IN {working}) AS open_tickets
             FROM customers c LEFT JOIN users u ON u.id = c.salesperson_id
             WHERE {matches}
               AND ($5 = 0 OR c.id < $5)
             ORDER BY c.id DESC LIMIT $6",
            working = WORKING_LANES.as_str(),
            matches = CUSTOMER_MATCHES,
        );
        let rows: Vec<SummaryRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(&m.pattern)
            .bind(&m.digits_pattern)
            .bind(m.region)
            .bind(m.salesperson_id)
            .bind(before.unwrap_or(0))
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}

// --- Archive import ----------------------------------------------------------------------

impl Tx {
    /// Every customer's id, name and address, in the order they were recorded: what an
    /// archive import matches its rows against by name (one read instead of one per row;
    /// names are not indexed).
    #[instrument(skip_all)]
    pub async fn customer_names(&mut self) -> Result<Vec<(CustomerId, String, String)>, Error> {
        let rows: Vec<(i64, String, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT id, name, address FROM customers ORDER BY id")
            .fetch_all(c)
            .await
            .map_err(internal))?;
        Ok(rows
            .into_iter()
            .map(|(id, name, address)| (CustomerId(id), name, address))
            .collect())
    }
}
