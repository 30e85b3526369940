//! What the monthly report reads that no other page does: the jobs begun in a month with
//! their type and customer.

use crate::settlement::JOBS_BEGUN;
use crate::{Db, at, internal, ms, parse, read};
use chrono::{DateTime, Utc};
use sanbao_domain::field::{JobStatus, JobType};
use sanbao_domain::report::JobFact;
use sanbao_domain::{CustomerId, Error, JobId, TicketId};
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct JobFactRow {
    id: i64,
    ticket_id: i64,
    job_type: String,
    status: String,
    customer_id: i64,
    customer_name: String,
    model_code: Option<String>,
    began_at: i64,
}

impl Db {
    /// The jobs whose work began in `[from, to)` — their first arrival on site falls in it,
    /// as the settlement counts them — oldest first.
    #[instrument(skip_all)]
    pub async fn job_facts_begun_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<JobFact>, Error> {
        let sql = format!(
            "SELECT j.id, j.ticket_id, j.job_type, j.status, j.customer_id,
                    c.name AS customer_name, COALESCE(m.code, j.model_code) AS model_code,
                    f.began_at
             FROM ({JOBS_BEGUN}) f
               JOIN jobs j ON j.id = f.job_id
               JOIN customers c ON c.id = j.customer_id
               LEFT JOIN units u ON u.id = j.unit_id
               LEFT JOIN product_models m ON m.id = u.model_id
             ORDER BY f.began_at, j.id"
        );
        let rows: Vec<JobFactRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(ms(from))
            .bind(ms(to))
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter()
            .map(|r| {
                Ok(JobFact {
                    job_id: JobId(r.id),
                    ticket_id: TicketId(r.ticket_id),
                    job_type: parse("job type", &r.job_type, JobType::parse)?,
                    status: parse("job status", &r.status, JobStatus::parse)?,
                    customer_id: CustomerId(r.customer_id),
                    customer_name: r.customer_name,
                    model_code: r.model_code,
                    began_at: at(r.began_at),
                })
            })
            .collect()
    }
}
