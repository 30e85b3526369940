//! Accounts: created, changed and deactivated by administrators, every change audited.

use super::require;
use super::sessions::hash_password;
use super::state::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::audit::{NewAuditEntry, record_view};
use sanbao_domain::user::{NewUser, User, UserChange};
use sanbao_domain::{Error, Permission, Role, UserId};

/// An administrator creates an account.
pub async fn create_user(
    state: &AppState,
    actor: &User,
    user: &NewUser,
    password: &str,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    require(actor, Permission::ManageUsers)?;
    insert(state, Some(actor), user, password, now).await
}

/// Create an account without an actor (command line, first start, demo data).
pub async fn add_user(
    state: &AppState,
    user: &NewUser,
    password: &str,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    insert(state, None, user, password, now).await
}

async fn insert(
    state: &AppState,
    actor: Option<&User>,
    user: &NewUser,
    password: &str,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    let hash = hash_password(state, password).await?;
    let mut tx = state.db.begin().await?;
    let created = tx.insert_user(user, &hash, now).await?;
    tx.audit(&NewAuditEntry {
        actor_id: actor.map(|a| a.id),
        ..NewAuditEntry::created("user", created.id.0, created.id, now, record_view(&created))
    })
    .await?;
    tx.commit().await?;
    tracing::info!(
        user_id = created.id.0,
        role = created.role.as_str(),
        "user created"
    );
    Ok(created)
}

/// An administrator changes an account (name, role, deactivation, a new password) at the
/// version they read. Deactivating it, changing its role or resetting its password ends
/// its sessions on every instance at once.
pub async fn change_user(
    state: &AppState,
    actor: &User,
    id: UserId,
    version: i64,
    change: impl FnOnce(&User) -> Result<UserChange, Error>,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    require(actor, Permission::ManageUsers)?;
    let current = state.db.user(id).await?.ok_or(Error::NotFound("user"))?;
    let change = change(&current)?;
    let hash = match &change.password {
        Some(p) => Some(hash_password(state, p).await?),
        None => None,
    };
    let mut tx = state.db.begin().await?;
    let (before, _) = tx.lock_user(id).await?.ok_or(Error::NotFound("user"))?;
    if before.version != version {
        return Err(Error::Conflict(
            "the account changed since it was read".into(),
        ));
    }
    change.check(actor, &before, tx.count_active_admins().await?)?;
    // Nothing that would change (the same name, role and state sent back): no new
    // version, no audit entry.
    if !change.changes(&before) {
        return Ok(before);
    }
    let after = tx
        .update_user(&before, &change.apply(&before), hash.as_deref(), now)
        .await?;
    let ends = change.ends_sessions(&before);
    let ended = if ends {
        tx.announce_sessions_ended(id).await?;
        tx.delete_sessions_of(id, None).await?
    } else {
        Vec::new()
    };
    let action = match (before.active, after.active) {
        (true, false) => "deactivate",
        (false, true) => "reactivate",
        _ => "update",
    };
    // Notes in the history's own terms (`password_reset`, `sessions_ended=N`), told in
    // words where the history is shown.
    let mut notes = Vec::new();
    if change.password.is_some() {
        notes.push("password_reset".to_string());
    }
    if ends {
        notes.push(format!("sessions_ended={}", ended.len()));
    }
    let note = (!notes.is_empty()).then(|| notes.join(";"));
    if let Some(entry) = NewAuditEntry::changed(
        "user",
        id.0,
        action,
        actor.id,
        now,
        note,
        &record_view(&before),
        &record_view(&after),
    ) {
        tx.audit(&entry).await?;
    }
    tx.commit().await?;
    if ends {
        state.sessions.forget_user(id);
    }
    tracing::info!(user_id = id.0, action, "user changed");
    Ok(after)
}

/// One account, for its administrator.
pub async fn user(state: &AppState, actor: &User, id: UserId) -> Result<User, Error> {
    require(actor, Permission::ManageUsers)?;
    state.db.user(id).await?.ok_or(Error::NotFound("user"))
}

/// Every recorded change of an account, oldest first, for its administrator.
pub async fn history(
    state: &AppState,
    actor: &User,
    id: UserId,
) -> Result<Vec<sanbao_domain::audit::AuditEntry>, Error> {
    require(actor, Permission::ManageUsers)?;
    state.db.audit_trail("user", id.0).await
}

/// Every account, for their administrator.
pub async fn all_users(state: &AppState, actor: &User) -> Result<Vec<User>, Error> {
    require(actor, Permission::ManageUsers)?;
    state.db.users(None).await
}

/// The people who can be picked for a role (salesperson of a customer, technician to send).
pub async fn users(state: &AppState, actor: &User, role: Option<Role>) -> Result<Vec<User>, Error> {
    require(actor, Permission::ViewServiceDesk)?;
    state.db.users(role).await
}

/// Whether any account exists (the first start creates the administrator).
pub async fn any_user(state: &AppState) -> Result<bool, Error> {
    Ok(state.db.count_users().await? > 0)
}
