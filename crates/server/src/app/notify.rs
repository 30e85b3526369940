//! Telling people: one call puts a notice on every channel a person has. The messages are
//! enqueued in the caller's transaction, so they go out only if its change commits, and a
//! notice enqueued twice under the same key goes out once per person and channel.
//!
//! Where a notice goes:
//! - the in-app **inbox** of every recipient, always (`{key}:inbox:{user}`);
//! - **e-mail** to every recipient with an address, when the mail server is configured
//!   and enabled (`{key}:email:{user}`);
//! - each recipient's own enabled **robots** (`{key}:webhook:{robot}`);
//! - the **department's robots** (the group chats, not tied to a person), for urgent
//!   notices only (emergencies, escalations) and once per key, however many people the
//!   notice is for (`{key}:webhook:{robot}`): the group sees an escalation once, not once
//!   per manager it was addressed to, and is not flooded with routine warnings.
//!
//! Each message is delivered by the outbox runner ([`super::outbox`]), which retries a
//! channel that is down without holding up the others.

use chrono::{DateTime, Utc};
use sanbao_domain::{Error, UserId};
use sanbao_store::Tx;

use super::outbox::{
    EmailMessage, InboxMessage, WebhookMessage, email_message, inbox_message, webhook_message,
};

/// What a person is told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub body: Option<String>,
    /// A page of this site the notice is about (`/tickets/42`).
    pub link: Option<String>,
    /// Sent at once whatever the hour (an emergency, an escalation); also posted to the
    /// department's group robots.
    pub urgent: bool,
}

/// Enqueue `notice` for each of `to`, in `tx`, on every channel (see the module's doc).
/// `key` names the occasion (`deadline:17:escalate`): the same key enqueued again adds
/// nothing. Returns how many messages were enqueued, all channels together.
pub async fn notify(
    tx: &mut Tx,
    to: &[UserId],
    notice: &Notice,
    key: &str,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let mut to = to.to_vec();
    to.sort_by_key(|u| u.0);
    to.dedup();
    let mut messages = Vec::new();
    for user in &to {
        let m = InboxMessage {
            user_id: *user,
            subject: notice.subject.clone(),
            body: notice.body.clone(),
            link: notice.link.clone(),
        };
        messages.push(inbox_message(
            &m,
            Some(format!("{key}:inbox:{}", user.0)),
            now,
        ));
    }
    if tx.mail_enabled().await? {
        for (user, address) in tx.emails_of(&to).await? {
            let m = EmailMessage {
                to: address,
                user_id: Some(user),
                subject: notice.subject.clone(),
                body: notice.body.clone(),
                link: notice.link.clone(),
            };
            messages.push(email_message(
                &m,
                Some(format!("{key}:email:{}", user.0)),
                now,
            ));
        }
    }
    for robot in tx.robots_of(&to).await? {
        if robot.user_id.is_none() && !notice.urgent {
            continue;
        }
        let m = WebhookMessage {
            robot_id: robot.id,
            subject: notice.subject.clone(),
            body: notice.body.clone(),
            link: notice.link.clone(),
        };
        messages.push(webhook_message(
            &m,
            Some(format!("{key}:webhook:{}", robot.id)),
            now,
        ));
    }
    let mut n = 0;
    for m in &messages {
        if tx.enqueue(m, now).await?.is_some() {
            n += 1;
        }
    }
    Ok(n)
}
