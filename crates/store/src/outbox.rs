//! The outbox: messages written in the same transaction as the change that causes them,
//! claimed by the jobs runner with a lease and sent with retries. Several instances on one
//! PostgreSQL claim different messages (`FOR UPDATE SKIP LOCKED` and a lease); a message
//! whose sender died is claimed again when its lease runs out.

use crate::{Db, Tx, at, db_err, internal, ms, on_tx, read, write};
use chrono::{DateTime, Utc};
use sanbao_domain::notify::{InboxEntry, OutboxStats};
use sanbao_domain::{Error, UserId};
use serde_json::Value;
use tracing::instrument;

/// A message to send.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutboxMessage {
    /// How it is sent: `inbox`, …
    pub kind: String,
    pub payload: Value,
    /// Enqueuing the same key twice enqueues once (e.g. `escalate:ticket:42:arrival`).
    pub dedupe_key: Option<String>,
    /// Not before this instant.
    pub not_before: DateTime<Utc>,
}

/// A claimed message.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxMessage {
    pub id: i64,
    pub kind: String,
    pub payload: Value,
    /// Attempts so far, this one included.
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    payload: String,
    attempts: i64,
    created_at: i64,
}

impl Tx {
    /// Enqueue a message in this transaction: it is sent only if the transaction commits.
    /// Returns its id, or `None` when a message with the same `dedupe_key` exists.
    pub async fn enqueue(
        &mut self,
        m: &NewOutboxMessage,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>, Error> {
        on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO outbox (kind, payload, dedupe_key, next_attempt_at, created_at)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id")
            .bind(&m.kind)
            .bind(m.payload.to_string())
            .bind(&m.dedupe_key)
            .bind(ms(m.not_before))
            .bind(ms(now))
            .fetch_optional(c)
            .await
            .map_err(db_err))
    }

    /// Mark a claimed message sent, if `holder` still holds it. False when the lease was
    /// lost (another runner took it over): the caller rolls back.
    pub async fn outbox_sent(
        &mut self,
        id: i64,
        holder: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE outbox SET sent_at = $1, locked_by = NULL, locked_until = NULL, last_error = NULL
             WHERE id = $2 AND locked_by = $3 AND sent_at IS NULL")
            .bind(ms(now))
            .bind(id)
            .bind(holder)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))?;
        Ok(n == 1)
    }

    /// Put a message in a person's in-app inbox (the `inbox` delivery), at most once per
    /// outbox message.
    pub async fn deliver_to_inbox(
        &mut self,
        outbox_id: i64,
        user: UserId,
        subject: &str,
        body: Option<&str>,
        link: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        on_tx!(self, c => sqlx::query(
            "INSERT INTO inbox_messages (user_id, outbox_id, subject, body, link, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(user.0)
            .bind(outbox_id)
            .bind(subject)
            .bind(body)
            .bind(link)
            .bind(ms(now))
            .execute(c)
            .await
            .map(|_| ())
            .map_err(db_err))
    }
}

impl Db {
    /// Claim up to `limit` messages due at `now` for `holder` until `lease_until`; each
    /// claim counts as an attempt.
    #[instrument(skip_all, fields(holder))]
    pub async fn claim_outbox(
        &self,
        holder: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<OutboxMessage>, Error> {
        let pick = "SELECT id FROM outbox
             WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= $3
               AND (locked_until IS NULL OR locked_until < $3)
             ORDER BY id LIMIT $4";
        let rows: Vec<Row> = match self {
            Db::Sqlite(s) => sqlx::query_as(&format!(
                "UPDATE outbox SET locked_by = $1, locked_until = $2, attempts = attempts + 1
                 WHERE id IN ({pick}) RETURNING id, kind, payload, attempts, created_at"
            ))
            .bind(holder)
            .bind(ms(lease_until))
            .bind(ms(now))
            .bind(limit)
            .fetch_all(&mut *s.write.acquire().await?)
            .await
            .map_err(internal)?,
            Db::Postgres(p) => sqlx::query_as(&format!(
                "UPDATE outbox SET locked_by = $1, locked_until = $2, attempts = attempts + 1
                 WHERE id IN ({pick} FOR UPDATE SKIP LOCKED)
                 RETURNING id, kind, payload, attempts, created_at"
            ))
            .bind(holder)
            .bind(ms(lease_until))
            .bind(ms(now))
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(internal)?,
        };
        let mut out: Vec<OutboxMessage> = rows
            .into_iter()
            .map(|r| OutboxMessage {
                id: r.id,
                kind: r.kind,
                payload: serde_json::from_str(&r.payload).unwrap_or(Value::Null),
                attempts: r.attempts,
                created_at: at(r.created_at),
            })
            .collect();
        out.sort_by_key(|m| m.id);
        Ok(out)
    }

    /// A claimed message could not be sent: try again at `retry_at`, or never (`None`:
    /// given up), keeping the error for the operators.
    pub async fn outbox_failed(
        &self,
        id: i64,
        holder: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), Error> {
        let error: String = error.chars().take(2000).collect();
        write!(self, p => sqlx::query(
            "UPDATE outbox SET last_error = $1, next_attempt_at = COALESCE($2, next_attempt_at),
               failed_at = CASE WHEN $2 IS NULL THEN $3 ELSE NULL END,
               locked_by = NULL, locked_until = NULL
             WHERE id = $4 AND locked_by = $5 AND sent_at IS NULL")
            .bind(error)
            .bind(retry_at.map(ms))
            .bind(ms(now))
            .bind(id)
            .bind(holder)
            .execute(p)
            .await
            .map(|_| ())
            .map_err(internal))
    }

    pub async fn outbox_stats(&self) -> Result<OutboxStats, Error> {
        let (pending, failed, sent): (i64, i64, i64) = read!(self, p => sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN sent_at IS NULL AND failed_at IS NULL THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN failed_at IS NOT NULL THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN sent_at IS NOT NULL THEN 1 ELSE 0 END), 0)
             FROM outbox")
            .fetch_one(p)
            .await
            .map_err(internal))?;
        Ok(OutboxStats {
            pending,
            failed,
            sent,
        })
    }

    /// A person's in-app messages, newest first.
    pub async fn inbox(&self, user: UserId, limit: i64) -> Result<Vec<InboxEntry>, Error> {
        type Row = (
            i64,
            Option<i64>,
            String,
            Option<String>,
            Option<String>,
            i64,
            Option<i64>,
        );
        let rows: Vec<Row> = read!(self, p => sqlx::query_as(
            "SELECT id, outbox_id, subject, body, link, created_at, read_at FROM inbox_messages
             WHERE user_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(user.0)
            .bind(limit)
            .fetch_all(p)
            .await
            .map_err(internal))?;
        Ok(rows
            .into_iter()
            .map(
                |(id, outbox_id, subject, body, link, created, read_at)| InboxEntry {
                    id,
                    outbox_id,
                    subject,
                    body,
                    link,
                    created_at: at(created),
                    read_at: read_at.map(at),
                },
            )
            .collect())
    }
}
