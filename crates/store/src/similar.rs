//! The index of similar past cases (issue 11, part 5): the case's words as the domain cut
//! them, matched by SQLite FTS5 (bm25) or a PostgreSQL tsvector (ts_rank). The store only
//! fetches candidates; `sanbao_domain::similar::rank` orders them.

use crate::{Db, Tx, at, internal, ms, on_tx, parse, read};
use sanbao_domain::similar::{Candidate, Case};
use sanbao_domain::terms::TicketKind;
use sanbao_domain::{Error, TicketId};
use tracing::instrument;

const CASE_COLS: &str = "c.ticket_id, c.kind, c.model_code, c.component, c.summary, \
     c.fault_cause, c.cause_analysis, c.handling, c.finished_at";

#[derive(sqlx::FromRow)]
struct CaseRow {
    ticket_id: i64,
    kind: String,
    model_code: Option<String>,
    component: Option<String>,
    summary: String,
    fault_cause: String,
    cause_analysis: String,
    handling: String,
    finished_at: i64,
    score: f64,
}

impl CaseRow {
    fn candidate(self) -> Result<Candidate, Error> {
        Ok(Candidate {
            case: Case {
                ticket_id: TicketId(self.ticket_id),
                kind: parse("ticket kind", &self.kind, TicketKind::parse)?,
                model_code: self.model_code,
                component: self.component,
                summary: self.summary,
                fault_cause: self.fault_cause,
                cause_analysis: self.cause_analysis,
                handling: self.handling,
                finished_at: at(self.finished_at),
            },
            score: self.score,
        })
    }
}

/// The FTS5 query: any of the terms, each quoted (terms hold no quotes or spaces).
fn fts5_query(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{}\"", t.replace('"', "")))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// The tsquery: any of the terms, each a quoted lexeme taken as it is.
fn tsquery(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("'{}'", t.replace(['\'', '\\'], "")))
        .collect::<Vec<_>>()
        .join(" | ")
}

impl Db {
    /// Up to `limit` cases matching any of `terms`, best text score first, and up to
    /// `limit` newest cases of `model` (score 0 unless also found by text).
    #[instrument(skip_all)]
    pub async fn similar_candidates(
        &self,
        terms: &[String],
        model: Option<&str>,
        limit: i64,
    ) -> Result<Vec<Candidate>, Error> {
        let mut rows: Vec<CaseRow> = Vec::new();
        if !terms.is_empty() {
            let found: Vec<CaseRow> = match self {
                Db::Sqlite(s) => {
                    let mut conn = s.read.acquire().await?;
                    sqlx::query_as(&format!(
                        "SELECT {CASE_COLS}, -bm25(similar_cases_fts) AS score
                         FROM similar_cases_fts
                         JOIN similar_cases c ON c.ticket_id = similar_cases_fts.rowid
                         WHERE similar_cases_fts MATCH $1
                         ORDER BY bm25(similar_cases_fts), c.ticket_id DESC LIMIT $2"
                    ))
                    .bind(fts5_query(terms))
                    .bind(limit)
                    .fetch_all(&mut *conn)
                    .await
                    .map_err(internal)?
                }
                Db::Postgres(p) => sqlx::query_as(&format!(
                    "SELECT {CASE_COLS}, ts_rank(c.terms_tsv, q)::float8 AS score
                     FROM similar_cases c, CAST($1 AS tsquery) q
                     WHERE c.terms_tsv @@ q
                     ORDER BY score DESC, c.ticket_id DESC LIMIT $2"
                ))
                .bind(tsquery(terms))
                .bind(limit)
                .fetch_all(p)
                .await
                .map_err(internal)?,
            };
            rows.extend(found);
        }
        if let Some(model) = model.map(str::trim).filter(|m| !m.is_empty()) {
            let same: Vec<CaseRow> = read!(self, p => sqlx::query_as(&format!(
                "SELECT {CASE_COLS}, CAST(0 AS DOUBLE PRECISION) AS score
                 FROM similar_cases c WHERE lower(c.model_code) = lower($1)
                 ORDER BY c.finished_at DESC, c.ticket_id DESC LIMIT $2"
            ))
            .bind(model)
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(internal))?;
            rows.extend(same);
        }
        rows.into_iter().map(CaseRow::candidate).collect()
    }

    /// The model a ticket is about: its unit's model, else the model its latest job names.
    #[instrument(skip_all)]
    pub async fn ticket_model_code(&self, id: TicketId) -> Result<Option<String>, Error> {
        let row: Option<(Option<String>,)> = read!(self, p => sqlx::query_as(
            "SELECT COALESCE(pm.code, (SELECT j.model_code FROM jobs j
                                       WHERE j.ticket_id = t.id AND j.model_code IS NOT NULL
                                       ORDER BY j.id DESC LIMIT 1))
             FROM tickets t
             LEFT JOIN units u ON u.id = t.unit_id
             LEFT JOIN product_models pm ON pm.id = u.model_id
             WHERE t.id = $1")
        .bind(id.0)
        .fetch_optional(p)
        .await
        .map_err(internal))?;
        Ok(row.and_then(|(m,)| m))
    }

    /// Every ticket that may be a case: a repair, emergency or complaint resolved or
    /// closed, or with a feedback form accepted (for `sanbao reindex-cases`).
    #[instrument(skip_all)]
    pub async fn finished_case_tickets(&self) -> Result<Vec<TicketId>, Error> {
        let ids: Vec<(i64,)> = read!(self, p => sqlx::query_as(
            "SELECT t.id FROM tickets t
             WHERE t.kind IN ('repair', 'emergency', 'complaint_quality', 'complaint_other')
               AND (t.status IN ('resolved', 'closed')
                    OR EXISTS (SELECT 1 FROM feedback_forms f JOIN jobs j ON j.id = f.job_id
                               WHERE j.ticket_id = t.id AND f.review_accepted = 1))
             ORDER BY t.id")
        .fetch_all(p)
        .await
        .map_err(internal))?;
        Ok(ids.into_iter().map(|(id,)| TicketId(id)).collect())
    }
}

#[derive(sqlx::FromRow)]
struct SourceRow {
    kind: String,
    summary: String,
    resolution: Option<String>,
    model_code: Option<String>,
    updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct FormRow {
    fault_cause: String,
    cause_analysis: String,
    handling: String,
    parts: String,
    reviewed_at: Option<i64>,
}

impl Tx {
    /// The case a ticket makes as it stands in this transaction: its summary, its model,
    /// the latest accepted feedback form's texts and first part (the ticket's resolution
    /// when no form says how it was handled). Finished when the form was accepted, else
    /// when the ticket last changed (its resolution). `None` when there is no such ticket.
    pub async fn case_source(&mut self, id: TicketId) -> Result<Option<Case>, Error> {
        let row: Option<SourceRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT t.kind, t.summary, t.resolution, t.updated_at,
                    COALESCE(pm.code, (SELECT j.model_code FROM jobs j
                                       WHERE j.ticket_id = t.id AND j.model_code IS NOT NULL
                                       ORDER BY j.id DESC LIMIT 1)) AS model_code
             FROM tickets t
             LEFT JOIN units u ON u.id = t.unit_id
             LEFT JOIN product_models pm ON pm.id = u.model_id
             WHERE t.id = $1")
        .bind(id.0)
        .fetch_optional(c)
        .await
        .map_err(internal))?;
        let Some(row) = row else { return Ok(None) };
        let form: Option<FormRow> = on_tx!(self, c => sqlx::query_as(
            "SELECT f.fault_cause, f.cause_analysis, f.handling, f.parts, f.reviewed_at
             FROM feedback_forms f JOIN jobs j ON j.id = f.job_id
             WHERE j.ticket_id = $1 AND f.review_accepted = 1
             ORDER BY f.reviewed_at DESC, f.id DESC LIMIT 1")
        .bind(id.0)
        .fetch_optional(c)
        .await
        .map_err(internal))?;
        let resolution = row.resolution.unwrap_or_default();
        let (fault_cause, cause_analysis, handling, component, finished) = match form {
            Some(f) => {
                let component = serde_json::from_str::<Vec<serde_json::Value>>(&f.parts)
                    .ok()
                    .and_then(|parts| {
                        parts
                            .first()
                            .and_then(|p| p.get("name"))
                            .and_then(|n| n.as_str())
                            .map(str::trim)
                            .filter(|n| !n.is_empty())
                            .map(str::to_string)
                    });
                let handling = if f.handling.trim().is_empty() {
                    resolution
                } else {
                    f.handling
                };
                (
                    f.fault_cause,
                    f.cause_analysis,
                    handling,
                    component,
                    f.reviewed_at,
                )
            }
            None => (String::new(), String::new(), resolution, None, None),
        };
        let finished_at = at(finished.unwrap_or(row.updated_at));
        Ok(Some(Case {
            ticket_id: id,
            kind: parse("ticket kind", &row.kind, TicketKind::parse)?,
            model_code: row.model_code,
            component,
            summary: row.summary,
            fault_cause,
            cause_analysis,
            handling,
            finished_at,
        }))
    }

    /// Write (or rewrite) a case and its words.
    pub async fn put_case(&mut self, case: &Case, terms: &str) -> Result<(), Error> {
        on_tx!(self, c => sqlx::query("DELETE FROM similar_cases WHERE ticket_id = $1")
            .bind(case.ticket_id.0)
            .execute(&mut *c)
            .await
            .map(|_| ())
            .map_err(internal))?;
        on_tx!(self, c => sqlx::query(
            "INSERT INTO similar_cases (ticket_id, kind, model_code, component, summary,
                fault_cause, cause_analysis, handling, finished_at, terms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
        .bind(case.ticket_id.0)
        .bind(case.kind.as_str())
        .bind(case.model_code.as_deref())
        .bind(case.component.as_deref())
        .bind(&case.summary)
        .bind(&case.fault_cause)
        .bind(&case.cause_analysis)
        .bind(&case.handling)
        .bind(ms(case.finished_at))
        .bind(terms)
        .execute(c)
        .await
        .map(|_| ())
        .map_err(internal))?;
        Ok(())
    }
}
