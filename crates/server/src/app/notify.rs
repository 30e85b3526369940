//! Telling people: one call puts a notice on every channel a person has. The messages are
//! enqueued in the caller's transaction, so they go out only if its change commits, and a
//! notice enqueued twice under the same key goes out once per person and channel.

use chrono::{DateTime, Utc};
use sanbao_domain::{Error, UserId};
use sanbao_store::Tx;

use super::outbox::{InboxMessage, inbox_message};

/// What a person is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: Option<String>,
    /// A page of this site the notice is about (`/tickets/42`).
    pub link: Option<String>,
    /// Sent at once whatever the hour (an emergency, an escalation).
    pub urgent: bool,
}

/// Enqueue `notice` for each of `to`, in `tx`. `key` names the occasion
/// (`deadline:17:escalate`): the same key enqueued again adds nothing. Returns how many
/// messages were enqueued.
pub async fn notify(
    tx: &mut Tx,
    to: &[UserId],
    notice: &Notice,
    key: &str,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let mut n = 0;
    for user in to {
        let m = InboxMessage {
            user_id: *user,
            subject: notice.subject.clone(),
            body: notice.body.clone(),
            link: notice.link.clone(),
        };
        let dedupe = format!("{key}:inbox:{}", user.0);
        if tx
            .enqueue(&inbox_message(&m, Some(dedupe), now), now)
            .await?
            .is_some()
        {
            n += 1;
        }
    }
    Ok(n)
}
