//! A person's in-app inbox: read, mark read, the unread count of the page header, and the
//! person's own e-mail address. Everyone sees and marks only their own messages.

use super::state::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::NewAuditEntry;
use sanbao_domain::notify::InboxEntry;
use sanbao_domain::user::User;
use sanbao_domain::{Error, UserId};

/// A page of the actor's messages, newest first, older than `before` (a message id).
pub async fn messages(
    state: &AppState,
    actor: &User,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<InboxEntry>, Error> {
    state.db.inbox_page(actor.id, before, limit).await
}

/// How many of the actor's messages are unread.
pub async fn unread(state: &AppState, actor: UserId) -> Result<i64, Error> {
    state.db.inbox_unread(actor).await
}

/// Mark one of the actor's messages read and return it; another's is "not found".
pub async fn mark_read(
    state: &AppState,
    actor: &User,
    id: i64,
    now: DateTime<Utc>,
) -> Result<InboxEntry, Error> {
    if !state.db.inbox_mark_read(actor.id, id, now).await? {
        return Err(Error::NotFound("message"));
    }
    state
        .db
        .inbox_message(actor.id, id)
        .await?
        .ok_or(Error::NotFound("message"))
}

/// Mark all of the actor's messages read; returns how many were unread.
pub async fn mark_all_read(
    state: &AppState,
    actor: &User,
    now: DateTime<Utc>,
) -> Result<u64, Error> {
    state.db.inbox_mark_all_read(actor.id, now).await
}

/// The actor's e-mail address.
pub async fn own_email(state: &AppState, actor: &User) -> Result<Option<String>, Error> {
    state.db.user_email(actor.id).await
}

/// Set (or, empty, remove) the e-mail address of `user`: the person themselves, or an
/// administrator for anyone. Audited.
pub async fn set_email(
    state: &AppState,
    actor: &User,
    user: UserId,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if user != actor.id {
        super::require(actor, sanbao_domain::Permission::ManageNotifications)?;
    }
    let email = match email.trim() {
        "" => None,
        e => Some(sanbao_domain::text::email(e).map_err(|p| Error::field("email", p))?),
    };
    let mut tx = state.db.begin().await?;
    let before = tx.set_user_email(user, email.as_deref(), now).await?;
    if before != email {
        tx.audit(&NewAuditEntry {
            entity: "user",
            entity_id: user.0,
            action: "set_email".into(),
            actor_id: Some(actor.id),
            at: now,
            note: None,
            before: serde_json::json!({ "email": before }),
            after: serde_json::json!({ "email": email }),
        })
        .await?;
    }
    tx.commit().await
}
