//! A job's satisfaction survey (R5.3) and each person's daily work report (R4.6).

use crate::{Db, Tx, at, changed_one, db_err, internal, ms, on_tx, parse, read};
use chrono::{DateTime, NaiveDate, Utc};
use sanbao_domain::field::JobType;
use sanbao_domain::field::report::{DailyReport, DayTrip, ReportLine};
use sanbao_domain::field::survey::{AnsweredVia, Answers, Survey};
use sanbao_domain::{Error, JobId, TicketId, UserId};
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct SurveyRow {
    id: i64,
    job_id: i64,
    answers: Option<String>,
    comment: Option<String>,
    answered_at: Option<i64>,
    answered_via: Option<String>,
    token_hash: Option<String>,
    token_expires_at: Option<i64>,
    token_used_at: Option<i64>,
    issued_by: Option<i64>,
    issued_at: Option<i64>,
    created_at: i64,
    version: i64,
}

const SELECT_SURVEY: &str = "SELECT id, job_id, answers, comment, answered_at, answered_via, \
     token_hash, token_expires_at, token_used_at, issued_by, issued_at, created_at, version \
     FROM surveys";

impl TryFrom<SurveyRow> for Survey {
    type Error = Error;
    fn try_from(r: SurveyRow) -> Result<Survey, Error> {
        let answers = match r.answers {
            Some(a) => Some(Answers {
                scores: Answers::scores_from_json(&a)?,
                comment: r.comment,
            }),
            None => None,
        };
        Ok(Survey {
            id: r.id,
            job_id: JobId(r.job_id),
            answers,
            answered_at: r.answered_at.map(at),
            answered_via: match r.answered_via {
                Some(v) => Some(parse("survey answered via", &v, AnsweredVia::parse)?),
                None => None,
            },
            token_hash: r.token_hash,
            token_expires_at: r.token_expires_at.map(at),
            token_used_at: r.token_used_at.map(at),
            issued_by: r.issued_by.map(UserId),
            issued_at: r.issued_at.map(at),
            created_at: at(r.created_at),
            version: r.version,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: i64,
    user_id: i64,
    user_name: String,
    day: String,
    lines: String,
    travel_km: Option<f64>,
    notes: Option<String>,
    late_reason: Option<String>,
    submitted_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

const SELECT_REPORT: &str = "SELECT r.id, r.user_id, u.display_name AS user_name, r.day, r.lines, \
     r.travel_km, r.notes, r.late_reason, r.submitted_at, r.created_at, r.updated_at, r.version \
     FROM daily_reports r JOIN users u ON u.id = r.user_id";

impl TryFrom<ReportRow> for DailyReport {
    type Error = Error;
    fn try_from(r: ReportRow) -> Result<DailyReport, Error> {
        let lines: Vec<ReportLine> = serde_json::from_str(&r.lines)
            .map_err(|e| internal(format!("daily report lines: {e}")))?;
        Ok(DailyReport {
            id: r.id,
            user_id: UserId(r.user_id),
            user_name: r.user_name,
            day: NaiveDate::parse_from_str(&r.day, "%Y-%m-%d")
                .map_err(|_| crate::corrupt("report day", &r.day))?,
            lines,
            travel_km: r.travel_km,
            notes: r.notes,
            late_reason: r.late_reason,
            submitted_at: r.submitted_at.map(at),
            created_at: at(r.created_at),
            updated_at: at(r.updated_at),
            version: r.version,
        })
    }
}

#[derive(sqlx::FromRow)]
struct DayTripRow {
    job_id: i64,
    ticket_id: i64,
    job_type: String,
    problem: String,
    customer: String,
    place: String,
    departed_at: Option<i64>,
    arrived_at: Option<i64>,
}

fn lines_json(lines: &[ReportLine]) -> Result<String, Error> {
    serde_json::to_string(lines).map_err(|e| Error::Internal(format!("report lines: {e}")))
}

impl Tx {
    /// A job's survey as this transaction sees it.
    pub async fn survey_of_job(&mut self, job: JobId) -> Result<Option<Survey>, Error> {
        let sql = format!("{SELECT_SURVEY} WHERE job_id = $1");
        let row: Option<SurveyRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(job.0)
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        row.map(Survey::try_from).transpose()
    }

    /// The survey a link's token (by its hash) opens.
    pub async fn survey_by_token(&mut self, token_hash: &str) -> Result<Option<Survey>, Error> {
        let sql = format!("{SELECT_SURVEY} WHERE token_hash = $1");
        let row: Option<SurveyRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(token_hash)
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        row.map(Survey::try_from).transpose()
    }

    /// Write `after`: a new survey when `before` was never written (id 0), else over
    /// `before`, whose version must still be current.
    #[instrument(skip_all, fields(job_id = %after.job_id))]
    pub async fn save_survey(&mut self, before: &Survey, after: &Survey) -> Result<Survey, Error> {
        let (scores, comment) = match &after.answers {
            Some(a) => (Some(a.scores_json()), a.comment.clone()),
            None => (None, None),
        };
        let mut written = after.clone();
        if before.id == 0 {
            let id: i64 = on_tx!(self, c => sqlx::query_scalar(
                "INSERT INTO surveys (job_id, answers, comment, answered_at, answered_via,
                   token_hash, token_expires_at, token_used_at, issued_by, issued_at, created_at,
                   version)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1) RETURNING id")
                .bind(after.job_id.0)
                .bind(&scores)
                .bind(&comment)
                .bind(after.answered_at.map(ms))
                .bind(after.answered_via.map(AnsweredVia::as_str))
                .bind(&after.token_hash)
                .bind(after.token_expires_at.map(ms))
                .bind(after.token_used_at.map(ms))
                .bind(after.issued_by.map(|u| u.0))
                .bind(after.issued_at.map(ms))
                .bind(ms(after.created_at))
                .fetch_one(c)
                .await
                .map_err(survey_err))?;
            written.id = id;
            written.version = 1;
            return Ok(written);
        }
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE surveys SET answers = $1, comment = $2, answered_at = $3, answered_via = $4,
               token_hash = $5, token_expires_at = $6, token_used_at = $7, issued_by = $8,
               issued_at = $9, version = version + 1
             WHERE id = $10 AND version = $11")
            .bind(&scores)
            .bind(&comment)
            .bind(after.answered_at.map(ms))
            .bind(after.answered_via.map(AnsweredVia::as_str))
            .bind(&after.token_hash)
            .bind(after.token_expires_at.map(ms))
            .bind(after.token_used_at.map(ms))
            .bind(after.issued_by.map(|u| u.0))
            .bind(after.issued_at.map(ms))
            .bind(before.id)
            .bind(before.version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(survey_err))?;
        changed_one(
            n,
            &format!("the survey of job {}", before.job_id),
            before.version,
        )?;
        written.version = before.version + 1;
        Ok(written)
    }

    /// A person's report of a day, as this transaction sees it.
    pub async fn daily_report(
        &mut self,
        user: UserId,
        day: NaiveDate,
    ) -> Result<Option<DailyReport>, Error> {
        let sql = format!("{SELECT_REPORT} WHERE r.user_id = $1 AND r.day = $2");
        let row: Option<ReportRow> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(user.0)
            .bind(day.to_string())
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        row.map(DailyReport::try_from).transpose()
    }

    /// Write a report: new (`before` none) or over `before`, whose version must be current.
    #[instrument(skip_all, fields(user_id = %r.user_id, day = %r.day))]
    pub async fn save_daily_report(
        &mut self,
        before: Option<&DailyReport>,
        r: &DailyReport,
    ) -> Result<DailyReport, Error> {
        let lines = lines_json(&r.lines)?;
        let mut written = r.clone();
        match before {
            None => {
                let id: i64 = on_tx!(self, c => sqlx::query_scalar(
                    "INSERT INTO daily_reports (user_id, day, lines, travel_km, notes, late_reason,
                       submitted_at, created_at, updated_at, version)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1) RETURNING id")
                    .bind(r.user_id.0)
                    .bind(r.day.to_string())
                    .bind(&lines)
                    .bind(r.travel_km)
                    .bind(&r.notes)
                    .bind(&r.late_reason)
                    .bind(r.submitted_at.map(ms))
                    .bind(ms(r.updated_at))
                    .fetch_one(c)
                    .await
                    .map_err(report_err))?;
                written.id = id;
                written.version = 1;
            }
            Some(b) => {
                let n = on_tx!(self, c => sqlx::query(
                    "UPDATE daily_reports SET lines = $1, travel_km = $2, notes = $3,
                       late_reason = $4, submitted_at = $5, updated_at = $6, version = version + 1
                     WHERE id = $7 AND version = $8")
                    .bind(&lines)
                    .bind(r.travel_km)
                    .bind(&r.notes)
                    .bind(&r.late_reason)
                    .bind(r.submitted_at.map(ms))
                    .bind(ms(r.updated_at))
                    .bind(b.id)
                    .bind(b.version)
                    .execute(c)
                    .await
                    .map(|r| r.rows_affected())
                    .map_err(db_err))?;
                changed_one(n, &format!("the report of {}", b.day), b.version)?;
                written.id = b.id;
                written.version = b.version + 1;
            }
        }
        Ok(written)
    }
}

/// Two links or two surveys for one job at once: the second writer lost the race.
fn survey_err(e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        return Error::Conflict("the survey was changed at the same time; reload".into());
    }
    db_err(e)
}

fn report_err(e: sqlx::Error) -> Error {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        return Error::Conflict("the report was submitted at the same time; reload".into());
    }
    db_err(e)
}

impl Db {
    /// A job's survey.
    pub async fn survey_of_job(&self, job: JobId) -> Result<Option<Survey>, Error> {
        let sql = format!("{SELECT_SURVEY} WHERE job_id = $1");
        let row: Option<SurveyRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(job.0)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        row.map(Survey::try_from).transpose()
    }

    /// The survey a link's token (by its hash) opens.
    pub async fn survey_by_token(&self, token_hash: &str) -> Result<Option<Survey>, Error> {
        let sql = format!("{SELECT_SURVEY} WHERE token_hash = $1");
        let row: Option<SurveyRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(token_hash)
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        row.map(Survey::try_from).transpose()
    }

    /// The surveys answered in `[from, to)`, oldest first.
    pub async fn surveys_answered(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Survey>, Error> {
        let sql = format!(
            "{SELECT_SURVEY} WHERE answered_at >= $1 AND answered_at < $2 ORDER BY answered_at, id"
        );
        let rows: Vec<SurveyRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(ms(from))
            .bind(ms(to))
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(Survey::try_from).collect()
    }

    /// A person's report of a day.
    pub async fn daily_report(
        &self,
        user: UserId,
        day: NaiveDate,
    ) -> Result<Option<DailyReport>, Error> {
        let sql = format!("{SELECT_REPORT} WHERE r.user_id = $1 AND r.day = $2");
        let row: Option<ReportRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(user.0)
            .bind(day.to_string())
            .fetch_optional(p)
            .await
            .map_err(internal))?;
        row.map(DailyReport::try_from).transpose()
    }

    /// Everyone's reports of the days `first` to `last`, both included, by day.
    pub async fn daily_reports_between(
        &self,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<DailyReport>, Error> {
        let sql =
            format!("{SELECT_REPORT} WHERE r.day >= $1 AND r.day <= $2 ORDER BY r.day, r.user_id");
        let rows: Vec<ReportRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(first.to_string())
            .bind(last.to_string())
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(DailyReport::try_from).collect()
    }

    /// Everyone's reports of a day, by name.
    pub async fn daily_reports(&self, day: NaiveDate) -> Result<Vec<DailyReport>, Error> {
        let sql = format!("{SELECT_REPORT} WHERE r.day = $1 ORDER BY u.display_name, r.user_id");
        let rows: Vec<ReportRow> = read!(self, p => sqlx::query_as(&sql)
            .bind(day.to_string())
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(DailyReport::try_from).collect()
    }

    /// The trips `user` was on that set off or arrived in `[from, to)`, with their job's
    /// ticket, customer and place (the site's address, else the customer's).
    pub async fn day_trips(
        &self,
        user: UserId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<DayTrip>, Error> {
        let rows: Vec<DayTripRow> = read!(self, p => sqlx::query_as(
            "SELECT j.id AS job_id, j.ticket_id, j.job_type, j.problem, cu.name AS customer,
               COALESCE(s.address, cu.address) AS place, t.departed_at, t.arrived_at
             FROM trips t
             JOIN trip_crew c ON c.trip_id = t.id
             JOIN jobs j ON j.id = t.job_id
             JOIN customers cu ON cu.id = j.customer_id
             LEFT JOIN sites s ON s.id = j.site_id
             WHERE c.user_id = $1
               AND ((t.departed_at >= $2 AND t.departed_at < $3)
                 OR (t.arrived_at >= $2 AND t.arrived_at < $3))
             ORDER BY t.id")
            .bind(user.0)
            .bind(ms(from))
            .bind(ms(to))
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter()
            .map(|r| {
                Ok(DayTrip {
                    job_id: JobId(r.job_id),
                    ticket_id: TicketId(r.ticket_id),
                    job_type: parse("job type", &r.job_type, JobType::parse)?,
                    problem: r.problem,
                    customer: r.customer,
                    place: r.place,
                    departed_at: r.departed_at.map(at),
                    arrived_at: r.arrived_at.map(at),
                })
            })
            .collect()
    }
}
