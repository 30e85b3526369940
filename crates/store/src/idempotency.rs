//! Idempotency keys: a request sent again with the key of one already done answers what
//! the first one did, instead of doing it twice.
//!
//! A use case claims the key at the start of its transaction ([`Tx::claim_key`]), does its
//! work, writes the result ([`Tx::complete_key`]) and commits: the key, the work and the
//! result are stored together or not at all. A retry after a crash finds nothing and runs
//! again; a retry after the commit finds the result. On PostgreSQL a request claiming a
//! key that a running transaction holds waits for it (the primary key's row lock) and then
//! sees its result, or, if it rolled back, claims the key itself. On SQLite the
//! transaction holds the one writer, so requests with a key run one after another.

use crate::{Db, Tx, db_err, internal, ms, on_tx, write};
use chrono::{DateTime, Utc};
use sanbao_domain::{Error, Problem, UserId};

/// What a claimed key says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First seen now: do the work, then [`Tx::complete_key`] before committing.
    New,
    /// Done before, by the same request: its result, to answer with again.
    Done(String),
}

/// The answer when a key comes back with another request than the one it was first sent
/// with (another body, another record, another operation).
fn reused() -> Error {
    Error::field(
        "Idempotency-Key",
        Problem::new("reused", "was already used for a different request"),
    )
}

impl Tx {
    /// Claim `key` for `actor`'s request `scope` whose content hashes to `fingerprint`:
    /// [`Claim::New`] if nobody has, [`Claim::Done`] with the stored result if this same
    /// request was done with it, a 422 naming `Idempotency-Key` if it was used for another.
    pub async fn claim_key(
        &mut self,
        actor: UserId,
        key: &str,
        scope: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<Claim, Error> {
        // DO NOTHING rather than a unique violation: on PostgreSQL the violation would
        // abort the whole transaction; this waits for a holder of the key to finish.
        let inserted: Option<String> = on_tx!(self, c => sqlx::query_scalar(
            "INSERT INTO idempotency_keys (actor_id, key, scope, fingerprint, created_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (actor_id, key) DO NOTHING
             RETURNING key")
            .bind(actor.0)
            .bind(key)
            .bind(scope)
            .bind(fingerprint)
            .bind(ms(now))
            .fetch_optional(c)
            .await
            .map_err(db_err))?;
        if inserted.is_some() {
            return Ok(Claim::New);
        }
        let found: Option<(String, String, Option<String>)> = on_tx!(self, c => sqlx::query_as(
            "SELECT scope, fingerprint, result FROM idempotency_keys
             WHERE actor_id = $1 AND key = $2")
            .bind(actor.0)
            .bind(key)
            .fetch_optional(c)
            .await
            .map_err(internal))?;
        match found {
            Some((s, f, _)) if s != scope || f != fingerprint => Err(reused()),
            Some((_, _, Some(result))) => Ok(Claim::Done(result)),
            // Committed without a result: a use case that claimed and forgot to complete.
            Some((_, _, None)) => Err(internal(format!(
                "idempotency key of user {} was stored without a result",
                actor.0
            ))),
            // Purged between the two statements: rare enough to ask for a retry.
            None => Err(Error::Conflict(
                "the request with this Idempotency-Key changed meanwhile: send it again".into(),
            )),
        }
    }

    /// Record what the request claimed with `key` produced (typically the new record's
    /// id), in the transaction that did the work.
    pub async fn complete_key(
        &mut self,
        actor: UserId,
        key: &str,
        result: &str,
    ) -> Result<(), Error> {
        let n = on_tx!(self, c => sqlx::query(
            "UPDATE idempotency_keys SET result = $3 WHERE actor_id = $1 AND key = $2")
            .bind(actor.0)
            .bind(key)
            .bind(result)
            .execute(c)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))?;
        if n == 0 {
            return Err(internal(format!(
                "idempotency key of user {} completed without being claimed",
                actor.0
            )));
        }
        Ok(())
    }
}

impl Db {
    /// Forget the keys claimed before `before`; answers how many.
    pub async fn purge_keys(&self, before: DateTime<Utc>) -> Result<u64, Error> {
        write!(self, p => sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
            .bind(ms(before))
            .execute(p)
            .await
            .map(|r| r.rows_affected())
            .map_err(internal))
    }
}
