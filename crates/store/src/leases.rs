//! Leases on periodic jobs: one instance at a time runs a job; a lease that runs out (its
//! holder died) can be taken by another.

use crate::{Db, internal, ms, write};
use chrono::{DateTime, Utc};
use sanbao_domain::Error;

impl Db {
    /// Take the lease on `job` for `holder` until `until`, if it is free (never taken, run
    /// out, or already `holder`'s). True when taken: the holder runs the job.
    pub async fn try_lease(
        &self,
        job: &str,
        holder: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let taken: Option<String> = write!(self, p => sqlx::query_scalar(
            "INSERT INTO job_leases (name, holder, lease_until, last_run_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (name) DO UPDATE SET holder = $2, lease_until = $3, last_run_at = $4
             WHERE job_leases.lease_until <= $4 OR job_leases.holder = $2
             RETURNING name")
            .bind(job)
            .bind(holder)
            .bind(ms(until))
            .bind(ms(now))
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        Ok(taken.is_some())
    }
}
