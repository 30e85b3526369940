//! Sending what the outbox holds. Use cases enqueue messages in their own transaction
//! ([`inbox_message`] builds one); the jobs runner calls [`send_due`], which claims due
//! messages with a lease, delivers each, and retries failures with backoff.
//!
//! Delivery to the in-app inbox is written in the same transaction that marks the message
//! sent, and only while this runner still holds its lease: each message reaches the inbox
//! exactly once, however many instances run.
//!
//! Deliveries that leave the database (`email` through SMTP, `webhook` to a chat robot)
//! cannot be part of a transaction. The runner first renews its lease on the message
//! (so no other runner takes it over while it is being sent; a send takes seconds, the
//! lease a minute), sends, and then marks it sent, again only while it holds the lease. A
//! failed send is retried with [`retry_at`]'s backoff. A runner killed between sending and
//! marking leaves the message to be sent again when the lease runs out: e-mails carry a
//! Message-ID made from the outbox id, so a receiver recognises the resend.

use super::state::AppState;
use chrono::{DateTime, Duration, Utc};
use sanbao_domain::notify::{InboxEntry, OutboxStats};
use sanbao_domain::{Error, UserId};
use sanbao_store::{NewOutboxMessage, OutboxMessage};
use serde::{Deserialize, Serialize};

/// The outbox kind of a message to a person's in-app inbox.
pub const INBOX: &str = "inbox";
// ---- Where notifications go ----
/// The outbox kind of an e-mail (SMTP).
pub const EMAIL: &str = "email";
/// The outbox kind of a message to a chat tool's group robot.
pub const WEBHOOK: &str = "webhook";

/// An e-mail to one address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailMessage {
    pub to: String,
    /// The person it is for (none for a test message to a typed address).
    pub user_id: Option<UserId>,
    pub subject: String,
    pub body: Option<String>,
    /// A page of this site (`/tickets/42`), made absolute with the site's address.
    pub link: Option<String>,
}

/// A message for one robot. Its address and secret are read when it is sent, never kept
/// in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookMessage {
    pub robot_id: i64,
    pub subject: String,
    pub body: Option<String>,
    pub link: Option<String>,
}

/// An outbox entry for an e-mail.
pub fn email_message(
    m: &EmailMessage,
    dedupe_key: Option<String>,
    not_before: DateTime<Utc>,
) -> NewOutboxMessage {
    NewOutboxMessage {
        kind: EMAIL.into(),
        payload: serde_json::to_value(m).unwrap_or_default(),
        dedupe_key,
        not_before,
    }
}

/// An outbox entry for a robot's message.
pub fn webhook_message(
    m: &WebhookMessage,
    dedupe_key: Option<String>,
    not_before: DateTime<Utc>,
) -> NewOutboxMessage {
    NewOutboxMessage {
        kind: WEBHOOK.into(),
        payload: serde_json::to_value(m).unwrap_or_default(),
        dedupe_key,
        not_before,
    }
}

/// Send a message that leaves the database: hold the lease while sending, then mark it
/// sent if it is still ours.
async fn deliver_outside<F>(
    state: &AppState,
    holder: &str,
    m: &OutboxMessage,
    now: DateTime<Utc>,
    send: F,
) -> Result<(), Error>
where
    F: std::future::Future<Output = Result<(), Error>>,
{
    if !state
        .db
        .renew_outbox_lease(m.id, holder, state.now() + LEASE)
        .await?
    {
        return Err(Error::Internal("lease lost".into()));
    }
    send.await?;
    let mut tx = state.db.begin().await?;
    if !tx.outbox_sent(m.id, holder, now).await? {
        tracing::warn!(
            outbox_id = m.id,
            "sent, but the lease was lost meanwhile: it may be sent again"
        );
        return Err(Error::Internal("lease lost".into()));
    }
    tx.commit().await
}
// ---- end where notifications go ----

/// How long a claimed message is this runner's before another may take it over.
pub const LEASE: Duration = Duration::seconds(60);

/// After this many attempts a message is given up (and kept, with its last error).
pub const MAX_ATTEMPTS: i64 = 8;

/// A message for one person's in-app inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxMessage {
    pub user_id: UserId,
    pub subject: String,
    pub body: Option<String>,
    /// A page of this site the message is about (`/tickets/42`).
    pub link: Option<String>,
}

/// An outbox entry for `m`; the same `dedupe_key` enqueued twice is sent once.
pub fn inbox_message(
    m: &InboxMessage,
    dedupe_key: Option<String>,
    not_before: DateTime<Utc>,
) -> NewOutboxMessage {
    NewOutboxMessage {
        kind: INBOX.into(),
        payload: serde_json::to_value(m).unwrap_or_default(),
        dedupe_key,
        not_before,
    }
}

/// When to try again after `attempts` failed: 30 s, doubling, at most an hour; `None`
/// once [`MAX_ATTEMPTS`] are spent.
pub fn retry_at(attempts: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let exp = u32::try_from(attempts.clamp(1, 8) - 1).unwrap_or(0);
    let secs = (30_i64 << exp).min(3600);
    Some(now + Duration::seconds(secs))
}

/// What one round of sending did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sent {
    pub sent: usize,
    pub retried: usize,
    pub given_up: usize,
}

/// Claim up to `limit` due messages for `holder` and deliver them.
pub async fn send_due(
    state: &AppState,
    holder: &str,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Sent, Error> {
    let claimed = state
        .db
        .claim_outbox(holder, now, now + LEASE, limit)
        .await?;
    let mut out = Sent::default();
    for m in claimed {
        match deliver(state, holder, &m, now).await {
            Ok(()) => out.sent += 1,
            Err(e) => {
                let retry = retry_at(m.attempts, now);
                let why = match &e {
                    Error::Internal(cause) => cause.clone(),
                    other => format!("{other:?}"),
                };
                tracing::warn!(outbox_id = m.id, kind = %m.kind, attempts = m.attempts, error = %why, "delivery failed");
                state
                    .db
                    .outbox_failed(m.id, holder, &why, retry, now)
                    .await?;
                if retry.is_some() {
                    out.retried += 1;
                } else {
                    out.given_up += 1;
                }
            }
        }
    }
    Ok(out)
}

async fn deliver(
    state: &AppState,
    holder: &str,
    m: &OutboxMessage,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    match m.kind.as_str() {
        INBOX => {
            let msg: InboxMessage = serde_json::from_value(m.payload.clone())
                .map_err(|e| Error::Internal(format!("inbox payload: {e}")))?;
            let mut tx = state.db.begin().await?;
            tx.deliver_to_inbox(
                m.id,
                msg.user_id,
                &msg.subject,
                msg.body.as_deref(),
                msg.link.as_deref(),
                now,
            )
            .await?;
            if !tx.outbox_sent(m.id, holder, now).await? {
                // Another runner took it over after our lease ran out: theirs to send.
                return Err(Error::Internal("lease lost".into()));
            }
            tx.commit().await
        }
        // ---- Where notifications go ----
        EMAIL => {
            let msg: EmailMessage = serde_json::from_value(m.payload.clone())
                .map_err(|e| Error::Internal(format!("email payload: {e}")))?;
            deliver_outside(state, holder, m, now, super::mail::send(state, m.id, &msg)).await
        }
        WEBHOOK => {
            let msg: WebhookMessage = serde_json::from_value(m.payload.clone())
                .map_err(|e| Error::Internal(format!("webhook payload: {e}")))?;
            deliver_outside(state, holder, m, now, super::robots::send(state, &msg)).await
        }
        // ---- end where notifications go ----
        other => Err(Error::Internal(format!("no delivery for kind {other:?}"))),
    }
}

/// Enqueue one message on its own (for use cases that have nothing else to write, and
/// for tests); use cases that change records enqueue in their own transaction.
pub async fn enqueue(
    state: &AppState,
    m: &NewOutboxMessage,
    now: DateTime<Utc>,
) -> Result<Option<i64>, Error> {
    let mut tx = state.db.begin().await?;
    let id = tx.enqueue(m, now).await?;
    tx.commit().await?;
    Ok(id)
}

pub async fn stats(state: &AppState) -> Result<OutboxStats, Error> {
    state.db.outbox_stats().await
}

/// A person's in-app messages, newest first.
pub async fn inbox(state: &AppState, user: UserId, limit: i64) -> Result<Vec<InboxEntry>, Error> {
    state.db.inbox(user, limit).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_doubling_to_an_hour_then_give_up() {
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let waits: Vec<Option<i64>> = (1..=MAX_ATTEMPTS)
            .map(|a| retry_at(a, now).map(|t| (t - now).num_seconds()))
            .collect();
        assert_eq!(
            waits,
            [
                Some(30),
                Some(60),
                Some(120),
                Some(240),
                Some(480),
                Some(960),
                Some(1920),
                None
            ]
        );
    }
}
