//! Requests sent with an `Idempotency-Key`: done once, answered the same every time.
//!
//! A use case that accepts a key does, in its one transaction:
//!
//! ```text
//! if let Some(id) = idempotency::replayed(&mut tx, actor.id, once, "units.create", now).await? {
//!     return /* the record `id` as it is now, marked replayed */;
//! }
//! … the work …
//! idempotency::complete(&mut tx, actor.id, once, &new_id.to_string()).await?;
//! tx.commit().await?;
//! ```
//!
//! The claim, the work and the result commit together: a retry after a failure runs
//! again, a retry after success gets the first answer, and the same key with another
//! request is a 422 naming `Idempotency-Key` that writes nothing.

use super::state::AppState;
use chrono::{DateTime, Duration, Utc};
use sanbao_domain::idempotency::{IdempotencyKey, fingerprint};
use sanbao_domain::{Error, UserId};
use sanbao_store::{Claim, Tx};

/// How long a key is remembered: retries come within minutes, a phone that was offline
/// all day within a day; a week leaves room.
pub const KEEP: Duration = Duration::days(7);

/// A request the client may send again: its key and the fingerprint of what it asks
/// (method, path, body), so that the key sent with another request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Once {
    pub key: IdempotencyKey,
    pub fingerprint: String,
}

impl Once {
    /// `parts`: the request's canonical form, e.g. `["POST /api/v1/tickets", body_json]`.
    pub fn new(key: IdempotencyKey, parts: &[&str]) -> Once {
        Once {
            key,
            fingerprint: fingerprint(parts),
        }
    }
}

/// What a use case that takes an [`Once`] answers: its record, and whether it was done
/// by an earlier request with the same key (the API then says `Idempotent-Replay: true`).
#[derive(Debug, Clone)]
pub struct Answer<T> {
    pub value: T,
    pub replayed: bool,
}

impl<T> Answer<T> {
    pub fn new(value: T) -> Self {
        Answer {
            value,
            replayed: false,
        }
    }
    pub fn replay(value: T) -> Self {
        Answer {
            value,
            replayed: true,
        }
    }
}

/// Claim `once`'s key for `actor`'s request `scope` at the start of the transaction: the
/// earlier request's result (a record id) when it was done already, `None` when this one
/// must do the work (and then [`complete`] it before committing).
pub async fn replayed(
    tx: &mut Tx,
    actor: UserId,
    once: &Once,
    scope: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, Error> {
    match tx
        .claim_key(actor, once.key.as_str(), scope, &once.fingerprint, now)
        .await?
    {
        Claim::New => Ok(None),
        Claim::Done(result) => {
            tracing::info!(
                user_id = actor.0,
                scope,
                "request replayed by its idempotency key"
            );
            Ok(Some(result))
        }
    }
}

/// Record what the request claimed by [`replayed`] produced, in the same transaction.
pub async fn complete(tx: &mut Tx, actor: UserId, once: &Once, result: &str) -> Result<(), Error> {
    tx.complete_key(actor, once.key.as_str(), result).await
}

/// The stored result as a record id.
pub fn result_id(result: &str) -> Result<i64, Error> {
    result
        .parse()
        .map_err(|_| Error::Internal(format!("idempotency result {result:?} is not an id")))
}

/// Forget keys older than [`KEEP`] (a background job, about hourly).
pub async fn purge_old_keys(state: &AppState, now: DateTime<Utc>) -> Result<u64, Error> {
    state.db.purge_keys(now - KEEP).await
}
