//! The settlement basis (issue 9, R1.5): the price list's rates (one row, version-checked),
//! quotations with their lines and the customer's answer, and which jobs a month settles.

use crate::{Db, Tx, at, changed_one, db_err, internal, ms, on_tx, parse, read};
use chrono::{DateTime, Utc};
use sanbao_domain::settlement::{
    Answer, AnswerMethod, LineKind, NewQuote, Quote, QuoteLine, QuoteStatus, Rates,
};
use sanbao_domain::{Error, JobId, QuoteId, UserId};
use tracing::instrument;

/// The stored rates with who wrote them last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRates {
    pub rates: Rates,
    pub updated_by: UserId,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(sqlx::FromRow)]
struct RatesRow {
    labour_fen_per_hour: i64,
    travel_fen_per_km: i64,
    call_out_fen: i64,
    updated_by: i64,
    updated_at: i64,
    version: i64,
}

impl From<RatesRow> for StoredRates {
    fn from(r: RatesRow) -> Self {
        StoredRates {
            rates: Rates {
                labour_fen_per_hour: r.labour_fen_per_hour,
                travel_fen_per_km: r.travel_fen_per_km,
                call_out_fen: r.call_out_fen,
            },
            updated_by: UserId(r.updated_by),
            updated_at: at(r.updated_at),
            version: r.version,
        }
    }
}

const RATES_SQL: &str = "SELECT labour_fen_per_hour, travel_fen_per_km, call_out_fen, \
     updated_by, updated_at, version FROM settlement_settings WHERE id = 1";

#[derive(sqlx::FromRow)]
struct QuoteRow {
    id: i64,
    job_id: i64,
    status: String,
    total_fen: i64,
    note: Option<String>,
    given_by: i64,
    given_at: i64,
    answered_by_name: Option<String>,
    answer_method: Option<String>,
    answer_note: Option<String>,
    answer_recorded_by: Option<i64>,
    answered_at: Option<i64>,
    version: i64,
}

#[derive(sqlx::FromRow)]
struct LineRow {
    quote_id: i64,
    kind: String,
    description: String,
    qty_centi: i64,
    unit_fen: i64,
    amount_fen: i64,
}

const SELECT_QUOTE: &str = "SELECT id, job_id, status, total_fen, note, given_by, given_at, \
     answered_by_name, answer_method, answer_note, answer_recorded_by, answered_at, version \
     FROM quotes";

fn assemble(rows: Vec<QuoteRow>, lines: Vec<LineRow>) -> Result<Vec<Quote>, Error> {
    rows.into_iter()
        .map(|r| {
            let status = parse("quote status", &r.status, QuoteStatus::parse)?;
            let answer = match (
                r.answered_by_name,
                r.answer_method,
                r.answer_recorded_by,
                r.answered_at,
            ) {
                (Some(by_name), Some(m), Some(by), Some(when)) => Some(Answer {
                    accepted: status == QuoteStatus::Accepted,
                    by_name,
                    method: parse("answer method", &m, AnswerMethod::parse)?,
                    note: r.answer_note,
                    recorded_by: UserId(by),
                    at: at(when),
                }),
                _ => None,
            };
            let lines = lines
                .iter()
                .filter(|l| l.quote_id == r.id)
                .map(|l| {
                    Ok(QuoteLine {
                        kind: parse("quote line kind", &l.kind, LineKind::parse)?,
                        description: l.description.clone(),
                        qty_centi: l.qty_centi,
                        unit_fen: l.unit_fen,
                        amount_fen: l.amount_fen,
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            Ok(Quote {
                id: QuoteId(r.id),
                job_id: JobId(r.job_id),
                status,
                lines,
                total_fen: r.total_fen,
                note: r.note,
                given_by: UserId(r.given_by),
                given_at: at(r.given_at),
                answer,
                version: r.version,
            })
        })
        .collect()
}

fn ids_sql(ids: &[i64]) -> String {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!(
        "SELECT quote_id, kind, description, qty_centi, unit_fen, amount_fen FROM quote_lines \
         WHERE quote_id IN ({}) ORDER BY quote_id, ordinal",
        if list.is_empty() {
            "0".to_string()
        } else {
            list.join(", ")
        }
    )
}

impl Tx {
    /// The stored rates, as this transaction sees them.
    pub async fn rates(&mut self) -> Result<Option<StoredRates>, Error> {
        let row: Option<RatesRow> = on_tx!(self, c => sqlx::query_as(RATES_SQL)
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        Ok(row.map(StoredRates::from))
    }

    /// Write the rates over version `before` (0: none stored yet); answers the new version.
    #[instrument(skip_all)]
    pub async fn save_rates(
        &mut self,
        before: i64,
        r: &Rates,
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<i64, Error> {
        let version = before + 1;
        let n = if before == 0 {
            on_tx!(self, c => sqlx::query(
                "INSERT INTO settlement_settings (id, labour_fen_per_hour, travel_fen_per_km,
                   call_out_fen, updated_by, updated_at, version) VALUES (1, $1, $2, $3, $4, $5, $6)
                 ON CONFLICT (id) DO NOTHING")
                .bind(r.labour_fen_per_hour)
                .bind(r.travel_fen_per_km)
                .bind(r.call_out_fen)
                .bind(by.0)
                .bind(ms(now))
                .bind(version)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
                .map_err(db_err))?
        } else {
            on_tx!(self, c => sqlx::query(
                "UPDATE settlement_settings SET labour_fen_per_hour = $1, travel_fen_per_km = $2,
                   call_out_fen = $3, updated_by = $4, updated_at = $5, version = $6
                 WHERE id = 1 AND version = $7")
                .bind(r.labour_fen_per_hour)
                .bind(r.travel_fen_per_km)
                .bind(r.call_out_fen)
                .bind(by.0)
                .bind(ms(now))
                .bind(version)
                .bind(before)
                .execute(c)
                .await
                .map(|r| r.rows_affected())
                .map_err(db_err))?
        };
        changed_one(n, "the rates", before)?;
        Ok(version)
    }

    /// Write a new quotation (status given) with its lines.
    #[instrument(skip_all, fields(job_id = %q.job_id))]
    pub async fn insert_quote(&mut self, q: &NewQuote) -> Result<Quote, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO quotes (job_id, status, total_fen, note, given_by, given_at, version)
             VALUES ($1, 'given', $2, $3, $4, $5, 1) RETURNING id")
            .bind(q.job_id.0)
            .bind(q.total_fen)
            .bind(&q.note)
            .bind(q.given_by.0)
            .bind(ms(q.given_at))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        for (i, l) in q.lines.iter().enumerate() {
            let ordinal = i64::try_from(i).map_err(internal)?;
            on_tx!(self, c => sqlx::query(
                "INSERT INTO quote_lines (quote_id, ordinal, kind, description, qty_centi,
                   unit_fen, amount_fen) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(ordinal)
                .bind(l.kind.as_str())
                .bind(&l.description)
                .bind(l.qty_centi)
                .bind(l.unit_fen)
                .bind(l.amount_fen)
                .execute(c)
                .await
                .map(|_| ())
                .map_err(db_err))?;
        }
        Ok(Quote {
            id: QuoteId(id),
            job_id: q.job_id,
            status: QuoteStatus::Given,
            lines: q.lines.clone(),
            total_fen: q.total_fen,
            note: q.note.clone(),
            given_by: q.given_by,
            given_at: sanbao_domain::time::to_store_precision(q.given_at),
            answer: None,
            version: 1,
        })
    }

    /// A quotation, as this transaction sees it.
    pub async fn quote(&mut self, id: QuoteId) -> Result<Option<Quote>, Error> {
        let rows: Vec<QuoteRow> = on_tx!(self, c => sqlx::query_as(
            &format!("{SELECT_QUOTE} WHERE id = $1"))
            .bind(id.0)
            .fetch_all(c)
            .await
            .map_err(internal))?;
        let lines: Vec<LineRow> = on_tx!(self, c => sqlx::query_as(&ids_sql(&[id.0]))
            .fetch_all(c)
            .await
            .map_err(internal))?;
        Ok(assemble(rows, lines)?.pop())
    }

    /// Record the answer of `after` over `before`, whose version must be current.
    #[instrument(skip_all, fields(quote_id = %before.id))]
    pub async fn answer_quote(&mut self, before: &Quote, after: &Quote) -> Result<Quote, Error> {
        let a = after
            .answer
            .as_ref()
            .ok_or_else(|| Error::Internal("an answer to record".into()))?;
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE quotes SET status = $1, answered_by_name = $2, answer_method = $3,
               answer_note = $4, answer_recorded_by = $5, answered_at = $6, version = version + 1
             WHERE id = $7 AND version = $8 AND status = 'given'")
            .bind(after.status.as_str())
            .bind(&a.by_name)
            .bind(a.method.as_str())
            .bind(&a.note)
            .bind(a.recorded_by.0)
            .bind(ms(a.at))
            .bind(before.id.0)
            .bind(before.version)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(db_err))?;
        changed_one(n, &format!("quotation {}", before.id.0), before.version)?;
        let mut written = after.clone();
        written.version = before.version + 1;
        Ok(written)
    }
}

/// The jobs whose work began in `[$1, $2)` (their first arrival on site falls in it) with
/// that instant: `job_id`, `began_at`. The arrivals of the range by `trips_arrived`, each
/// job's earlier ones by `trips_ordinal_key`.
pub(crate) const JOBS_BEGUN: &str = "SELECT t.job_id, MIN(t.arrived_at) AS began_at FROM trips t
     WHERE t.arrived_at >= $1 AND t.arrived_at < $2
       AND NOT EXISTS (SELECT 1 FROM trips e WHERE e.job_id = t.job_id AND e.arrived_at < $1)
     GROUP BY t.job_id";

impl Db {
    /// The stored rates.
    pub async fn rates(&self) -> Result<Option<StoredRates>, Error> {
        let row: Option<RatesRow> = read!(self, c => sqlx::query_as(RATES_SQL)
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        Ok(row.map(StoredRates::from))
    }

    /// A quotation with its lines.
    pub async fn quote(&self, id: QuoteId) -> Result<Option<Quote>, Error> {
        Ok(self
            .quotes_where(&format!("{SELECT_QUOTE} WHERE id = $1"), id.0)
            .await?
            .pop())
    }

    /// A job's quotations, newest first.
    pub async fn quotes_of_job(&self, job: JobId) -> Result<Vec<Quote>, Error> {
        self.quotes_where(
            &format!("{SELECT_QUOTE} WHERE job_id = $1 ORDER BY id DESC"),
            job.0,
        )
        .await
    }

    /// The quotations of the jobs of `ids`, newest first (a few queries for many jobs).
    pub async fn quotes_of_jobs(&self, ids: &[JobId]) -> Result<Vec<Quote>, Error> {
        let mut out = Vec::new();
        for chunk in ids.chunks(crate::sql::ID_CHUNK) {
            let list: Vec<i64> = chunk.iter().map(|j| j.0).collect();
            let rows: Vec<QuoteRow> = read!(self, c => sqlx::query_as(&format!(
                "{SELECT_QUOTE} WHERE job_id IN {} ORDER BY id DESC",
                crate::sql::id_list(&list)
            ))
            .fetch_all(c)
            .await
            .map_err(internal))?;
            out.extend(self.with_lines(rows).await?);
        }
        Ok(out)
    }

    async fn quotes_where(&self, sql: &str, id: i64) -> Result<Vec<Quote>, Error> {
        let rows: Vec<QuoteRow> = read!(self, c => sqlx::query_as(sql)
            .bind(id)
            .fetch_all(c)
            .await
            .map_err(internal))?;
        self.with_lines(rows).await
    }

    async fn with_lines(&self, rows: Vec<QuoteRow>) -> Result<Vec<Quote>, Error> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let lines: Vec<LineRow> = read!(self, c => sqlx::query_as(&ids_sql(&ids))
            .fetch_all(c)
            .await
            .map_err(internal))?;
        assemble(rows, lines)
    }

    /// The jobs whose work began in `[from, to)`: their first arrival on site falls in it.
    /// Oldest first.
    pub async fn jobs_begun_between(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<JobId>, Error> {
        let sql =
            format!("SELECT job_id, began_at FROM ({JOBS_BEGUN}) f ORDER BY began_at, job_id");
        let ids: Vec<(i64, i64)> = read!(self, c => sqlx::query_as(&sql)
            .bind(ms(from))
            .bind(ms(to))
            .fetch_all(c)
            .await
            .map_err(internal))?;
        Ok(ids.into_iter().map(|(id, _)| JobId(id)).collect())
    }
}
