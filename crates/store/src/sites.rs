//! Customers' sites (R5.2). Ordinal 1 is the customer's own address, written with the
//! customer and kept in step with it.

use crate::customers::region_of;
use crate::{Db, Tx, at, changed_one, db_err, internal, ms, on_tx, read};
use chrono::{DateTime, Utc};
use sanbao_domain::customer::{Customer, RegionCorrection};
use sanbao_domain::site::{Site, SiteFields};
use sanbao_domain::{CustomerId, Error, SiteId};
use tracing::instrument;

#[derive(sqlx::FromRow)]
pub(crate) struct SiteRow {
    id: i64,
    customer_id: i64,
    ordinal: i64,
    name: Option<String>,
    address: String,
    region: String,
    region_reason: Option<String>,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

pub(crate) const SITE_COLS: &str = "id, customer_id, ordinal, name, address, region, \
     region_reason, contact_name, contact_phone, created_at, updated_at, version";

impl TryFrom<SiteRow> for Site {
    type Error = Error;
    fn try_from(r: SiteRow) -> Result<Site, Error> {
        let region = region_of(&r.region)?;
        Ok(Site {
            id: SiteId(r.id),
            customer_id: CustomerId(r.customer_id),
            ordinal: r.ordinal,
            fields: SiteFields {
                name: r.name,
                address: r.address,
                contact_name: r.contact_name,
                contact_phone: r.contact_phone,
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
}

impl Tx {
    /// Hold the customer still until this transaction ends: sites are numbered and looked
    /// up by address per customer, so two writers adding a site for the same customer
    /// take turns (PostgreSQL; SQLite's one writer already does).
    pub async fn lock_customer(&mut self, id: CustomerId) -> Result<bool, Error> {
        let sql = match self {
            Tx::Sqlite(_) => "SELECT id FROM customers WHERE id = $1",
            Tx::Postgres(_) => "SELECT id FROM customers WHERE id = $1 FOR UPDATE",
        };
        let found: Option<i64> = on_tx!(self, c => sqlx::query_scalar(sql)
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        Ok(found.is_some())
    }

    /// Add a site; the first one of a customer is its own address.
    #[instrument(skip_all, fields(%customer))]
    pub async fn insert_site(
        &mut self,
        customer: CustomerId,
        fields: &SiteFields,
        correction: Option<&RegionCorrection>,
        now: DateTime<Utc>,
    ) -> Result<Site, Error> {
        let now = sanbao_domain::time::to_store_precision(now);
        if !self.lock_customer(customer).await? {
            return Err(crate::tickets::no_such_customer());
        }
        let region = fields.region(correction);
        let (id, ordinal): (i64, i64) = on_tx!(self, c => sqlx::query_as(
            "INSERT INTO sites (customer_id, ordinal, name, address, region, region_reason,
                                contact_name, contact_phone, created_at, updated_at)
             VALUES ($1, (SELECT COALESCE(MAX(ordinal), 0) + 1 FROM sites WHERE customer_id = $1),
                     $2, $3, $4, $5, $6, $7, $8, $8)
             RETURNING id, ordinal")
            .bind(customer.0)
            .bind(&fields.name)
            .bind(&fields.address)
            .bind(region.as_str())
            .bind(correction.map(|c| c.reason.as_str()))
            .bind(&fields.contact_name)
            .bind(&fields.contact_phone)
            .bind(ms(now))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        Ok(Site {
            id: SiteId(id),
            customer_id: customer,
            ordinal,
            fields: fields.clone(),
            region,
            region_correction: correction.cloned(),
            created_at: now,
            updated_at: now,
            version: 1,
        })
    }

    /// Keep the customer's first site in step with its address, region and first contact.
    pub(crate) async fn sync_first_site(&mut self, customer: &Customer) -> Result<(), Error> {
        let f = SiteFields::first_of(&customer.fields);
        on_tx!(self, c => sqlx::query(
            "UPDATE sites SET address = $1, region = $2, region_reason = $3, contact_name = $4,
               contact_phone = $5, updated_at = $6, version = version + 1
             WHERE customer_id = $7 AND ordinal = 1")
            .bind(&f.address)
            .bind(customer.region.as_str())
            .bind(customer.region_correction.as_ref().map(|c| c.reason.as_str()))
            .bind(&f.contact_name)
            .bind(&f.contact_phone)
            .bind(ms(customer.updated_at))
            .bind(customer.id.0)
            .execute(c)
            .await
            .map(|_| ())
            .map_err(internal))
    }

    pub async fn site(&mut self, id: SiteId) -> Result<Option<Site>, Error> {
        let sql = format!("SELECT {SITE_COLS} FROM sites WHERE id = $1");
        let row: Option<SiteRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        row.map(Site::try_from).transpose()
    }

    /// The customer's site at this address (the earliest, if typed twice before sites
    /// were compared this way).
    pub async fn site_at(
        &mut self,
        customer: CustomerId,
        address: &str,
    ) -> Result<Option<Site>, Error> {
        let sql = format!(
            "SELECT {SITE_COLS} FROM sites WHERE customer_id = $1 AND address = $2
             ORDER BY ordinal LIMIT 1"
        );
        let row: Option<SiteRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(customer.0).bind(address).fetch_optional(c).await.map_err(internal))?;
        row.map(Site::try_from).transpose()
    }

    /// The customer's first site.
    pub async fn first_site(&mut self, customer: CustomerId) -> Result<Option<Site>, Error> {
        let sql = format!("SELECT {SITE_COLS} FROM sites WHERE customer_id = $1 AND ordinal = 1");
        let row: Option<SiteRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(customer.0).fetch_optional(c).await.map_err(internal))?;
        row.map(Site::try_from).transpose()
    }

    /// Write `after` over `before` if nobody changed the site since it was read.
    #[instrument(skip_all, fields(id = %before.id))]
    pub async fn update_site(&mut self, before: &Site, after: &Site) -> Result<(), Error> {
        let f = &after.fields;
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE sites SET name = $1, address = $2, region = $3, region_reason = $4,
               contact_name = $5, contact_phone = $6, updated_at = $7, version = $8
             WHERE id = $9 AND version = $10")
            .bind(&f.name)
            .bind(&f.address)
            .bind(after.region.as_str())
            .bind(after.region_correction.as_ref().map(|c| c.reason.as_str()))
            .bind(&f.contact_name)
            .bind(&f.contact_phone)
            .bind(ms(after.updated_at))
            .bind(after.version)
            .bind(before.id.0)
            .bind(before.version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        changed_one(n, &format!("site {}", before.id), before.version)
    }
}

impl Db {
    pub async fn site(&self, id: SiteId) -> Result<Option<Site>, Error> {
        let sql = format!("SELECT {SITE_COLS} FROM sites WHERE id = $1");
        let row: Option<SiteRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(p).await.map_err(internal))?;
        row.map(Site::try_from).transpose()
    }

    /// A customer's sites, first site first.
    pub async fn sites_of(&self, customer: CustomerId) -> Result<Vec<Site>, Error> {
        let sql = format!("SELECT {SITE_COLS} FROM sites WHERE customer_id = $1 ORDER BY ordinal");
        let rows: Vec<SiteRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(customer.0).fetch_all(p).await.map_err(internal))?;
        rows.into_iter().map(Site::try_from).collect()
    }
}
