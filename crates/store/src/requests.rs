//! Service requests (R4.1–R4.3): written beside their ticket in the transaction that opens
//! it, updated only on the version read, listed new first.

use crate::{Db, Tx, at, changed_one, db_err, internal, ms, on_tx, parse, read};
use sanbao_domain::field::JobStatus;
use sanbao_domain::request::{
    NewRequest, RemoteAnswer, RemoteMethod, RequestFilter, RequestKind, RequestStatus, RequestView,
    ServiceRequest,
};
use sanbao_domain::ticket::TicketStatus;
use sanbao_domain::{CustomerId, Error, JobId, RequestId, SiteId, TicketId, UnitId, UserId};
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    ticket_id: i64,
    customer_id: i64,
    site_id: Option<i64>,
    unit_id: Option<i64>,
    model_code: Option<String>,
    contact_name: String,
    contact_phone: String,
    kind: String,
    problem: String,
    status: String,
    job_id: Option<i64>,
    remote_method: Option<String>,
    remote_answer: Option<String>,
    remote_by: Option<i64>,
    remote_at: Option<i64>,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
    version: i64,
    customer_name: String,
    salesperson_id: Option<i64>,
    site_name: Option<String>,
    site_address: Option<String>,
    unit_serial: Option<String>,
    created_by_name: String,
    remote_by_name: Option<String>,
    ticket_status: String,
    job_status: Option<String>,
}

const SELECT: &str = "SELECT r.id, r.ticket_id, r.customer_id, r.site_id, r.unit_id, r.model_code,
       r.contact_name, r.contact_phone, r.kind, r.problem, r.status, r.job_id, r.remote_method,
       r.remote_answer, r.remote_by, r.remote_at, r.created_by, r.created_at, r.updated_at,
       r.version, c.name AS customer_name, c.salesperson_id, s.name AS site_name,
       s.address AS site_address, u.serial_no AS unit_serial,
       cb.display_name AS created_by_name, rb.display_name AS remote_by_name,
       t.status AS ticket_status, j.status AS job_status
     FROM service_requests r JOIN customers c ON c.id = r.customer_id
       JOIN tickets t ON t.id = r.ticket_id
       JOIN users cb ON cb.id = r.created_by
       LEFT JOIN users rb ON rb.id = r.remote_by
       LEFT JOIN sites s ON s.id = r.site_id
       LEFT JOIN units u ON u.id = r.unit_id
       LEFT JOIN jobs j ON j.id = r.job_id";

impl TryFrom<Row> for RequestView {
    type Error = Error;
    fn try_from(r: Row) -> Result<RequestView, Error> {
        let remote = match (r.remote_method, r.remote_answer, r.remote_by, r.remote_at) {
            (Some(m), Some(answer), Some(by), Some(t)) => Some(RemoteAnswer {
                method: parse("remote method", &m, RemoteMethod::parse)?,
                answer,
                by: UserId(by),
                at: at(t),
            }),
            _ => None,
        };
        Ok(RequestView {
            request: ServiceRequest {
                id: RequestId(r.id),
                ticket_id: TicketId(r.ticket_id),
                customer_id: CustomerId(r.customer_id),
                site_id: r.site_id.map(SiteId),
                unit_id: r.unit_id.map(UnitId),
                model_code: r.model_code,
                contact_name: r.contact_name,
                contact_phone: r.contact_phone,
                kind: parse("request kind", &r.kind, RequestKind::parse)?,
                problem: r.problem,
                status: parse("request status", &r.status, RequestStatus::parse)?,
                job_id: r.job_id.map(JobId),
                remote,
                created_by: UserId(r.created_by),
                created_at: at(r.created_at),
                updated_at: at(r.updated_at),
                version: r.version,
            },
            customer_name: r.customer_name,
            salesperson_id: r.salesperson_id.map(UserId),
            site_name: r.site_name,
            site_address: r.site_address,
            unit_serial: r.unit_serial,
            created_by_name: r.created_by_name,
            remote_by_name: r.remote_by_name,
            ticket_status: parse("ticket status", &r.ticket_status, TicketStatus::parse)?,
            job_status: r
                .job_status
                .map(|s| parse("job status", &s, JobStatus::parse))
                .transpose()?,
        })
    }
}

impl Tx {
    /// Write a checked request beside the ticket just opened for it.
    #[instrument(skip_all, fields(ticket_id = %ticket))]
    pub async fn insert_request(
        &mut self,
        n: &NewRequest,
        ticket: TicketId,
    ) -> Result<ServiceRequest, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO service_requests (ticket_id, customer_id, site_id, unit_id, model_code,
                   contact_name, contact_phone, kind, problem, status, created_by, created_at,
                   updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id")
            .bind(ticket.0)
            .bind(n.customer_id.0)
            .bind(n.site_id.map(|s| s.0))
            .bind(n.unit_id.map(|u| u.0))
            .bind(&n.model_code)
            .bind(&n.contact_name)
            .bind(&n.contact_phone)
            .bind(n.kind.as_str())
            .bind(&n.problem)
            .bind(RequestStatus::New.as_str())
            .bind(n.created_by.0)
            .bind(ms(n.created_at))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        Ok(n.clone().into_request(RequestId(id), ticket))
    }

    /// A request as this transaction sees it.
    pub async fn request(&mut self, id: RequestId) -> Result<Option<RequestView>, Error> {
        let sql = format!("{SELECT} WHERE r.id = $1");
        let row: Option<Row> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(c).await.map_err(internal))?;
        row.map(RequestView::try_from).transpose()
    }

    /// Write `after` over `before` if nobody changed the request since it was read.
    #[instrument(skip_all, fields(id = %before.id))]
    pub async fn update_request(
        &mut self,
        before: &ServiceRequest,
        after: &ServiceRequest,
    ) -> Result<(), Error> {
        let remote = after.remote.as_ref();
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE service_requests SET status = $1, job_id = $2, remote_method = $3,
               remote_answer = $4, remote_by = $5, remote_at = $6, updated_at = $7, version = $8
             WHERE id = $9 AND version = $10")
            .bind(after.status.as_str())
            .bind(after.job_id.map(|j| j.0))
            .bind(remote.map(|r| r.method.as_str()))
            .bind(remote.map(|r| r.answer.as_str()))
            .bind(remote.map(|r| r.by.0))
            .bind(remote.map(|r| ms(r.at)))
            .bind(ms(after.updated_at))
            .bind(after.version)
            .bind(before.id.0)
            .bind(before.version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        changed_one(n, &format!("service request {}", before.id), before.version)
    }
}

impl Db {
    #[instrument(skip_all, fields(%id))]
    pub async fn request(&self, id: RequestId) -> Result<Option<RequestView>, Error> {
        let sql = format!("{SELECT} WHERE r.id = $1");
        let row: Option<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(id.0).fetch_optional(p).await.map_err(internal))?;
        row.map(RequestView::try_from).transpose()
    }

    /// The new requests first (oldest of them first: the department works through them in
    /// order), then the rest newest first; `limit` rows at most.
    #[instrument(skip_all)]
    pub async fn requests(&self, f: &RequestFilter, limit: i64) -> Result<Vec<RequestView>, Error> {
        let sql = format!(
            "{SELECT} WHERE ($1 = '' OR r.status = $1) AND ($2 = 0 OR c.salesperson_id = $2)
               ORDER BY CASE WHEN r.status = 'new' THEN 0 ELSE 1 END,
                 CASE WHEN r.status = 'new' THEN r.id ELSE -r.id END
               LIMIT $3"
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(f.status.map_or("", RequestStatus::as_str))
            .bind(f.salesperson.map_or(0, |u| u.0))
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(TryInto::try_into).collect()
    }
}
