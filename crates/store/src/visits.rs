//! The visit register (R3.6): a visit and its questions and answers, written together.

use crate::{Db, Tx, at, db_err, internal, ms, on_tx, parse, read};
use sanbao_domain::replies::Month;
use sanbao_domain::visit::{NewVisit, QuestionAnswer, Visit, VisitFilter, VisitPurpose};
use sanbao_domain::{CustomerId, Error, UserId, VisitId};
use tracing::instrument;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    visitors: String,
    organisation: Option<String>,
    customer_id: Option<i64>,
    customer_name: Option<String>,
    arrived_at: i64,
    left_at: Option<i64>,
    host_id: i64,
    host_name: String,
    purpose: String,
    created_by: i64,
    created_at: i64,
    version: i64,
    questions: i64,
}

const SELECT: &str = "SELECT v.id, v.visitors, v.organisation, v.customer_id, \
     c.name AS customer_name, v.arrived_at, v.left_at, v.host_id, h.display_name AS host_name, \
     v.purpose, v.created_by, v.created_at, v.version, \
     (SELECT COUNT(*) FROM visit_questions q WHERE q.visit_id = v.id) AS questions \
     FROM visits v JOIN users h ON h.id = v.host_id LEFT JOIN customers c ON c.id = v.customer_id";

impl TryFrom<Row> for Visit {
    type Error = Error;
    fn try_from(r: Row) -> Result<Visit, Error> {
        Ok(Visit {
            id: VisitId(r.id),
            visitors: r.visitors,
            organisation: r.organisation,
            customer_id: r.customer_id.map(CustomerId),
            customer_name: r.customer_name,
            arrived_at: at(r.arrived_at),
            left_at: r.left_at.map(at),
            host_id: UserId(r.host_id),
            host_name: r.host_name,
            purpose: parse("visit purpose", &r.purpose, VisitPurpose::parse)?,
            qas: Vec::new(),
            questions: r.questions,
            created_by: UserId(r.created_by),
            created_at: at(r.created_at),
            version: r.version,
        })
    }
}

impl Tx {
    /// Write a visit and its questions; returns its id.
    #[instrument(skip_all)]
    pub async fn insert_visit(&mut self, v: &NewVisit) -> Result<VisitId, Error> {
        let id: i64 = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO visits (visitors, organisation, customer_id, arrived_at, left_at, host_id,
               purpose, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id")
            .bind(&v.visitors)
            .bind(&v.organisation)
            .bind(v.customer_id.map(|c| c.0))
            .bind(ms(v.arrived_at))
            .bind(v.left_at.map(ms))
            .bind(v.host_id.0)
            .bind(v.purpose.as_str())
            .bind(v.created_by.0)
            .bind(ms(v.created_at))
            .fetch_one(c)
            .await
            .map_err(db_err))?;
        if !v.qas.is_empty() {
            on_tx!(self, c, B => {
                let mut q = sqlx::QueryBuilder::<B>::new(
                    "INSERT INTO visit_questions (visit_id, ordinal, question, answer) ",
                );
                q.push_values(v.qas.iter().enumerate(), |mut b, (i, qa)| {
                    b.push_bind(id)
                        .push_bind(i64::try_from(i).unwrap_or(i64::MAX))
                        .push_bind(qa.question.clone())
                        .push_bind(qa.answer.clone());
                });
                q.build().execute(&mut *c).await.map_err(db_err)?;
            });
        }
        Ok(VisitId(id))
    }

    /// A visit with its questions as this transaction sees it.
    pub async fn visit(&mut self, id: VisitId) -> Result<Option<Visit>, Error> {
        let sql = format!("{SELECT} WHERE v.id = $1");
        let row: Option<Row> = on_tx!(self, c => sqlx::query_as(&sql)
            .bind(id.0)
            .fetch_optional(&mut *c)
            .await
            .map_err(internal))?;
        let Some(row) = row else { return Ok(None) };
        let qas: Vec<(String, String)> = on_tx!(self, c => sqlx::query_as(
            "SELECT question, answer FROM visit_questions WHERE visit_id = $1 ORDER BY ordinal")
            .bind(id.0)
            .fetch_all(c)
            .await
            .map_err(internal))?;
        let mut v = Visit::try_from(row)?;
        v.qas = qas
            .into_iter()
            .map(|(question, answer)| QuestionAnswer { question, answer })
            .collect();
        Ok(Some(v))
    }
}

impl Db {
    /// A visit with its questions and answers, in their order.
    #[instrument(skip_all, fields(%id))]
    pub async fn visit(&self, id: VisitId) -> Result<Option<Visit>, Error> {
        let sql = format!("{SELECT} WHERE v.id = $1");
        read!(self, p => {
            let row: Option<Row> = sqlx::query_as(&sql)
                .bind(id.0)
                .fetch_optional(&mut *p)
                .await
                .map_err(internal)?;
            let Some(row) = row else { return Ok(None) };
            let qas: Vec<(String, String)> = sqlx::query_as(
                "SELECT question, answer FROM visit_questions WHERE visit_id = $1 ORDER BY ordinal")
                .bind(id.0)
                .fetch_all(&mut *p)
                .await
                .map_err(internal)?;
            let mut v = Visit::try_from(row)?;
            v.qas = qas
                .into_iter()
                .map(|(question, answer)| QuestionAnswer { question, answer })
                .collect();
            Ok(Some(v))
        })
    }

    /// Visits newest first (by arrival, then number), without their questions (`questions`
    /// counts them); `before` is the cursor: the last id of the previous page.
    #[instrument(skip_all)]
    pub async fn visits(
        &self,
        f: &VisitFilter,
        limit: i64,
        before: Option<i64>,
    ) -> Result<Vec<Visit>, Error> {
        let (from, to) = f.month.map_or((i64::MIN, i64::MAX), |m: Month| {
            let (s, e) = m.bounds();
            (ms(s), ms(e))
        });
        let sql = format!(
            "{SELECT} WHERE v.arrived_at >= $1 AND v.arrived_at < $2
               AND ($3 = 0 OR v.host_id = $3)
               AND ($4 = 0 OR (v.arrived_at, v.id) < (SELECT b.arrived_at, b.id FROM visits b WHERE b.id = $4))
             ORDER BY v.arrived_at DESC, v.id DESC LIMIT $5"
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(&sql)
            .bind(from)
            .bind(to)
            .bind(f.host_id.map_or(0, |u| u.0))
            .bind(before.unwrap_or(0))
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        rows.into_iter().map(Visit::try_from).collect()
    }
}
