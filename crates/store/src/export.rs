//! Exports (R5.2): every customer, site or unit the list's filters match, in one read
//! each (the first contact, the salesperson, the model and the site joined, never one
//! query per row), oldest first, at most [`EXPORT_MAX_ROWS`] rows.

use crate::customers::{CUSTOMER_MATCHES, CustomerMatch, region_of};
use crate::sql::like_pattern;
use crate::units::{UNIT_MATCHES, UNIT_SUMMARY_FROM, UnitSummaryRow};
use crate::{Db, internal, read};
use sanbao_domain::Error;
use sanbao_domain::customer::CustomerFilter;
use sanbao_domain::export::{CustomerRecord, EXPORT_MAX_ROWS, SiteRecord, within_bound};
use sanbao_domain::unit::{UnitFilter, UnitSummary};
use tracing::instrument;

/// One more row than an export may hold: reading it says the bound is passed.
fn read_limit() -> i64 {
    i64::try_from(EXPORT_MAX_ROWS + 1).unwrap_or(i64::MAX)
}

#[derive(sqlx::FromRow)]
struct CustomerRecordRow {
    name: String,
    address: String,
    contact_name: Option<String>,
    contact_phone: Option<String>,
    contact_email: Option<String>,
    salesperson: Option<String>,
    notes: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SiteRecordRow {
    customer_name: String,
    ordinal: i64,
    name: Option<String>,
    address: String,
    region: String,
    contact_name: Option<String>,
    contact_phone: Option<String>,
}

impl Db {
    /// Every customer the customer list's filter matches, in the order they were recorded.
    #[instrument(skip_all)]
    pub async fn export_customers(
        &self,
        filter: &CustomerFilter,
    ) -> Result<Vec<CustomerRecord>, Error> {
        let m = CustomerMatch::of(filter);
        let sql = format!(
            "SELECT c.name, c.address, k.name AS contact_name, k.phone AS contact_phone,
                    k.email AS contact_email,
                    CASE WHEN u.id IS NULL THEN NULL
                         WHEN EXISTS (SELECT 1 FROM users o WHERE o.display_name = u.display_name
                                      AND o.id <> u.id) THEN u.username
                         ELSE u.display_name END AS salesperson,
                    c.notes
             FROM customers c
               LEFT JOIN users u ON u.id = c.salesperson_id
               LEFT JOIN customer_contacts k ON k.customer_id = c.id
                 AND k.ordinal = (SELECT MIN(f.ordinal) FROM customer_contacts f
                                  WHERE f.customer_id = c.id)
             WHERE {CUSTOMER_MATCHES}
             ORDER BY c.id LIMIT $5"
        );
        let rows: Vec<CustomerRecordRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(&m.pattern)
            .bind(&m.digits_pattern)
            .bind(m.region)
            .bind(m.salesperson_id)
            .bind(read_limit())
            .fetch_all(p)
            .await
            .map_err(internal))?;
        within_bound(rows.len())?;
        Ok(rows
            .into_iter()
            .map(|r| CustomerRecord {
                name: r.name,
                address: r.address,
                contact_name: r.contact_name,
                contact_phone: r.contact_phone,
                contact_email: r.contact_email,
                salesperson: r.salesperson,
                notes: r.notes,
            })
            .collect())
    }

    /// Every site of the customers the customer list's filter matches: customer by
    /// customer as they were recorded, each customer's sites in their order.
    #[instrument(skip_all)]
    pub async fn export_sites(&self, filter: &CustomerFilter) -> Result<Vec<SiteRecord>, Error> {
        let m = CustomerMatch::of(filter);
        let sql = format!(
            "SELECT c.name AS customer_name, s.ordinal, s.name, s.address, s.region,
                    s.contact_name, s.contact_phone
             FROM sites s JOIN customers c ON c.id = s.customer_id
             WHERE {CUSTOMER_MATCHES}
             ORDER BY c.id, s.ordinal LIMIT $5"
        );
        let rows: Vec<SiteRecordRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(&m.pattern)
            .bind(&m.digits_pattern)
            .bind(m.region)
            .bind(m.salesperson_id)
            .bind(read_limit())
            .fetch_all(p)
            .await
            .map_err(internal))?;
        within_bound(rows.len())?;
        rows.into_iter()
            .map(|r| {
                Ok(SiteRecord {
                    region: region_of(&r.region)?,
                    customer_name: r.customer_name,
                    ordinal: r.ordinal,
                    name: r.name,
                    address: r.address,
                    contact_name: r.contact_name,
                    contact_phone: r.contact_phone,
                })
            })
            .collect()
    }

    /// Every unit the unit list's filter matches, in the order they were recorded.
    #[instrument(skip_all)]
    pub async fn export_units(&self, f: &UnitFilter) -> Result<Vec<UnitSummary>, Error> {
        let q = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let pattern = q.map(like_pattern).unwrap_or_default();
        let sql = format!("{UNIT_SUMMARY_FROM} WHERE {UNIT_MATCHES} ORDER BY u.id LIMIT $4");
        let rows: Vec<UnitSummaryRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(&pattern)
            .bind(f.customer_id.map_or(0, |c| c.0))
            .bind(f.site_id.map_or(0, |s| s.0))
            .bind(read_limit())
            .fetch_all(p)
            .await
            .map_err(internal))?;
        within_bound(rows.len())?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
