//! Field service (R4.1–R4.6): jobs, their trips and each trip's crew, written together.

use crate::sql::{ID_CHUNK, id_list};
use crate::{Db, Tx, at, db_err, internal, ms, on_tx, parse, read};
use sanbao_domain::field::{
    CrewMember, Job, JobFilter, JobStatus, JobType, NewJob, Position, Trip,
};
use sanbao_domain::{CustomerId, Error, JobId, SiteId, TicketId, TripId, UnitId, UserId};
use std::collections::HashMap;
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    ticket_id: i64,
    job_type: String,
    status: String,
    customer_id: i64,
    site_id: Option<i64>,
    unit_id: Option<i64>,
    model_code: Option<String>,
    contact_name: String,
    contact_phone: String,
    problem: String,
    created_by: i64,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct TripRow {
    id: i64,
    job_id: i64,
    ordinal: i64,
    reason: Option<String>,
    dispatched_at: Option<i64>,
    dispatched_by: Option<i64>,
    expected_at: Option<i64>,
    departed_at: Option<i64>,
    arrived_at: Option<i64>,
    arrived_by: Option<i64>,
    lat: Option<f64>,
    lon: Option<f64>,
    accuracy_m: Option<f64>,
    created_at: i64,
}

#[derive(sqlx::FromRow)]
struct CrewRow {
    trip_id: i64,
    user_id: i64,
    name: String,
    lead: i64,
}

const SELECT_JOB: &str = "SELECT id, ticket_id, job_type, status, customer_id, site_id, unit_id, \
     model_code, contact_name, contact_phone, problem, created_by, created_at, updated_at, version \
     FROM jobs";
const SELECT_TRIP: &str = "SELECT id, job_id, ordinal, reason, dispatched_at, dispatched_by, \
     expected_at, departed_at, arrived_at, arrived_by, lat, lon, accuracy_m, created_at FROM trips";

impl TryFrom<JobRow> for Job {
    type Error = Error;
    fn try_from(r: JobRow) -> Result<Job, Error> {
        Ok(Job {
            id: JobId(r.id),
            ticket_id: TicketId(r.ticket_id),
            job_type: parse("job type", &r.job_type, JobType::parse)?,
            status: parse("job status", &r.status, JobStatus::parse)?,
            customer_id: CustomerId(r.customer_id),
            site_id: r.site_id.map(SiteId),
            unit_id: r.unit_id.map(UnitId),
            model_code: r.model_code,
            contact_name: r.contact_name,
            contact_phone: r.contact_phone,
            problem: r.problem,
            trips: Vec::new(),
            created_by: UserId(r.created_by),
            created_at: at(r.created_at),
            updated_at: at(r.updated_at),
            version: r.version,
        })
    }
}

fn trip_of(r: TripRow) -> Trip {
    Trip {
        id: TripId(r.id),
        ordinal: r.ordinal,
        reason: r.reason,
        crew: Vec::new(),
        dispatched_at: r.dispatched_at.map(at),
        dispatched_by: r.dispatched_by.map(UserId),
        expected_at: r.expected_at.map(at),
        departed_at: r.departed_at.map(at),
        arrived_at: r.arrived_at.map(at),
        arrived_by: r.arrived_by.map(UserId),
        position: match (r.lat, r.lon) {
            (Some(lat), Some(lon)) => Some(Position {
                lat,
                lon,
                accuracy_m: r.accuracy_m,
            }),
            _ => None,
        },
        created_at: at(r.created_at),
    }
}

/// `(id, id, …)` for an `IN` list of ids (numbers only, never text).
/// Put each job's trips and each trip's crew in place.
fn assemble(jobs: Vec<JobRow>, trips: Vec<TripRow>, crew: Vec<CrewRow>) -> Result<Vec<Job>, Error> {
    let mut by_trip: HashMap<i64, Vec<CrewMember>> = HashMap::new();
    for c in crew {
        by_trip.entry(c.trip_id).or_default().push(CrewMember {
            user_id: UserId(c.user_id),
            name: c.name,
            lead: c.lead != 0,
        });
    }
    let mut by_job: HashMap<i64, Vec<Trip>> = HashMap::new();
    for r in trips {
        let job = r.job_id;
        let mut t = trip_of(r);
        if let Some(mut c) = by_trip.remove(&t.id.0) {
            c.sort_by_key(|m| (!m.lead, m.user_id.0));
            t.crew = c;
        }
        by_job.entry(job).or_default().push(t);
    }
    jobs.into_iter()
        .map(|r| {
            let id = r.id;
            let mut j = Job::try_from(r)?;
            let mut trips = by_job.remove(&id).unwrap_or_default();
            trips.sort_by_key(|t| t.ordinal);
            j.trips = trips;
            Ok(j)
        })
        .collect()
}

const CREW_SQL: &str = "SELECT c.trip_id, c.user_id, u.display_name AS name, c.lead \
     FROM trip_crew c JOIN users u ON u.id = c.user_id WHERE c.trip_id IN ";

impl Tx {
    /// Write a job and its first trip; returns the job as written.
    #[instrument(skip_all)]
    pub async fn insert_job(&mut self, j: &NewJob) -> Result<Job, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO jobs (ticket_id, job_type, status, customer_id, site_id, unit_id,
               model_code, contact_name, contact_phone, problem, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id")
            .bind(j.ticket_id.0)
            .bind(j.job_type.as_str())
            .bind(JobStatus::Open.as_str())
            .bind(j.customer_id.0)
            .bind(j.site_id.map(|s| s.0))
            .bind(j.unit_id.map(|u| u.0))
            .bind(&j.model_code)
            .bind(&j.contact_name)
            .bind(&j.contact_phone)
            .bind(&j.problem)
            .bind(j.created_by.0)
            .bind(ms(j.created_at))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        let job = j.clone().into_job(JobId(id), TripId(0));
        let trip = self.insert_trip(job.id, &job.trips[0]).await?;
        let mut job = job;
        job.trips[0].id = trip;
        Ok(job)
    }

    async fn insert_trip(&mut self, job: JobId, t: &Trip) -> Result<TripId, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO trips (job_id, ordinal, reason, created_at) VALUES ($1, $2, $3, $4)
             RETURNING id")
            .bind(job.0)
            .bind(t.ordinal)
            .bind(&t.reason)
            .bind(ms(t.created_at))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        Ok(TripId(id))
    }

    /// A job with its trips and crews, as this transaction sees it.
    pub async fn job(&mut self, id: JobId) -> Result<Option<Job>, Error> {
        let rows: Vec<JobRow> = on_tx!(self, c => sqlx::query_as(&format!("{SELECT_JOB} WHERE id = $1"))
            .bind(id.0)
            .fetch_all(c)
            .await
            .map_err(internal))?;
        if rows.is_empty() {
            return Ok(None);
        }
        let trips: Vec<TripRow> = on_tx!(self, c => sqlx::query_as(&format!("{SELECT_TRIP} WHERE job_id = $1"))
            .bind(id.0)
            .fetch_all(c)
            .await
            .map_err(internal))?;
        let ids: Vec<i64> = trips.iter().map(|t| t.id).collect();
        let crew: Vec<CrewRow> = on_tx!(self, c => sqlx::query_as(&format!("{CREW_SQL}{}", id_list(&ids)))
            .fetch_all(c)
            .await
            .map_err(internal))?;
        Ok(assemble(rows, trips, crew)?.pop())
    }

    /// Write `after` over `before` (the job as read, whose version must still be current):
    /// the job's row, its new trips and the trips that changed, with their crews.
    #[instrument(skip_all, fields(job_id = %before.id))]
    pub async fn update_job(&mut self, before: &Job, after: &Job) -> Result<Job, Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE jobs SET status = $1, job_type = $2, site_id = $3, unit_id = $4, model_code = $5,
               contact_name = $6, contact_phone = $7, problem = $8, updated_at = $9, version = $10
             WHERE id = $11 AND version = $12")
            .bind(after.status.as_str())
            .bind(after.job_type.as_str())
            .bind(after.site_id.map(|s| s.0))
            .bind(after.unit_id.map(|u| u.0))
            .bind(&after.model_code)
            .bind(&after.contact_name)
            .bind(&after.contact_phone)
            .bind(&after.problem)
            .bind(ms(after.updated_at))
            .bind(after.version)
            .bind(before.id.0)
            .bind(before.version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        crate::changed_one(n, &format!("job {}", before.id), before.version)?;
        let mut written = after.clone();
        for t in &mut written.trips {
            let was = before.trips.iter().find(|b| b.id == t.id && t.id.0 != 0);
            if was == Some(t) {
                continue;
            }
            if was.is_none() {
                t.id = self.insert_trip(before.id, t).await?;
            }
            let pos = t.position;
            on_tx!(self, c => sqlx::query(
                "UPDATE trips SET reason = $1, dispatched_at = $2, dispatched_by = $3,
                   expected_at = $4, departed_at = $5, arrived_at = $6, arrived_by = $7,
                   lat = $8, lon = $9, accuracy_m = $10 WHERE id = $11")
                .bind(&t.reason)
                .bind(t.dispatched_at.map(ms))
                .bind(t.dispatched_by.map(|u| u.0))
                .bind(t.expected_at.map(ms))
                .bind(t.departed_at.map(ms))
                .bind(t.arrived_at.map(ms))
                .bind(t.arrived_by.map(|u| u.0))
                .bind(pos.map(|p| p.lat))
                .bind(pos.map(|p| p.lon))
                .bind(pos.and_then(|p| p.accuracy_m))
                .bind(t.id.0)
                .execute(c)
                .await
                .map(|_| ())
                .map_err(db_err))?;
            if was.map(|w| &w.crew) != Some(&t.crew) {
                on_tx!(self, c => sqlx::query("DELETE FROM trip_crew WHERE trip_id = $1")
                    .bind(t.id.0)
                    .execute(c)
                    .await
                    .map(|_| ())
                    .map_err(db_err))?;
                for m in &t.crew {
                    on_tx!(self, c => sqlx::query(
                        "INSERT INTO trip_crew (trip_id, user_id, lead) VALUES ($1, $2, $3)")
                        .bind(t.id.0)
                        .bind(m.user_id.0)
                        .bind(i64::from(m.lead))
                        .execute(c)
                        .await
                        .map(|_| ())
                        .map_err(db_err))?;
                }
            }
        }
        Ok(written)
    }
}

impl Db {
    /// A job with its trips and crews.
    pub async fn job(&self, id: JobId) -> Result<Option<Job>, Error> {
        let filter = JobFilter::default();
        Ok(self.jobs_where(&filter, Some(id), 1, None).await?.pop())
    }

    /// Jobs newest first, narrowed by `filter`; `cursor` is the last id seen.
    pub async fn jobs(
        &self,
        filter: &JobFilter,
        limit: i64,
        cursor: Option<i64>,
    ) -> Result<Vec<Job>, Error> {
        self.jobs_where(filter, None, limit, cursor).await
    }

    async fn jobs_where(
        &self,
        filter: &JobFilter,
        id: Option<JobId>,
        limit: i64,
        cursor: Option<i64>,
    ) -> Result<Vec<Job>, Error> {
        let mut sql = format!("{SELECT_JOB} WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        let p_id = id.map(|_| next());
        let p_status = filter.status.map(|_| next());
        let p_crew = filter.crew.map(|_| next());
        let p_ticket = filter.ticket.map(|_| next());
        let p_cursor = cursor.map(|_| next());
        let p_limit = next();
        if let Some(p) = &p_id {
            sql.push_str(&format!(" AND id = {p}"));
        }
        if let Some(p) = &p_status {
            sql.push_str(&format!(" AND status = {p}"));
        }
        if filter.open_only {
            sql.push_str(" AND status NOT IN ('done', 'cancelled')");
        }
        if let Some(p) = &p_crew {
            sql.push_str(&format!(
                " AND id IN (SELECT t.job_id FROM trips t JOIN trip_crew c ON c.trip_id = t.id \
                 WHERE c.user_id = {p})"
            ));
        }
        if let Some(p) = &p_ticket {
            sql.push_str(&format!(" AND ticket_id = {p}"));
        }
        if let Some(p) = &p_cursor {
            sql.push_str(&format!(" AND id < {p}"));
        }
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {p_limit}"));
        let rows: Vec<JobRow> = read!(self, c => {
            let mut q = sqlx::query_as(&sql);
            if let Some(i) = id {
                q = q.bind(i.0);
            }
            if let Some(s) = filter.status {
                q = q.bind(s.as_str());
            }
            if let Some(u) = filter.crew {
                q = q.bind(u.0);
            }
            if let Some(t) = filter.ticket {
                q = q.bind(t.0);
            }
            if let Some(cur) = cursor {
                q = q.bind(cur);
            }
            q.bind(limit).fetch_all(c).await.map_err(internal)?
        });
        self.with_trips(rows).await
    }

    /// The jobs of `ids` with their trips and crews, a few queries for many jobs; in no
    /// particular order, those that do not exist left out.
    pub async fn jobs_by_ids(&self, ids: &[JobId]) -> Result<Vec<Job>, Error> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(ID_CHUNK) {
            let list: Vec<i64> = chunk.iter().map(|j| j.0).collect();
            let rows: Vec<JobRow> = read!(self, c => sqlx::query_as(
                &format!("{SELECT_JOB} WHERE id IN {}", id_list(&list)))
                .fetch_all(c)
                .await
                .map_err(internal)?);
            out.extend(self.with_trips(rows).await?);
        }
        Ok(out)
    }

    async fn with_trips(&self, rows: Vec<JobRow>) -> Result<Vec<Job>, Error> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let trips: Vec<TripRow> = read!(self, c => sqlx::query_as(
            &format!("{SELECT_TRIP} WHERE job_id IN {}", id_list(&ids)))
            .fetch_all(c)
            .await
            .map_err(internal)?);
        let trip_ids: Vec<i64> = trips.iter().map(|t| t.id).collect();
        let crew: Vec<CrewRow> = if trip_ids.is_empty() {
            Vec::new()
        } else {
            read!(self, c => sqlx::query_as(&format!("{CREW_SQL}{}", id_list(&trip_ids)))
                .fetch_all(c)
                .await
                .map_err(internal)?)
        };
        assemble(rows, trips, crew)
    }
}
