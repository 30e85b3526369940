//! Accounts.

use super::require;
use super::sessions::hash_password;
use super::state::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::user::{NewUser, User};
use sanbao_domain::{Error, Permission, Role};

/// An administrator creates an account.
pub async fn create_user(
    state: &AppState,
    actor: &User,
    user: &NewUser,
    password: &str,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    require(actor, Permission::ManageUsers)?;
    add_user(state, user, password, now).await
}

/// Create an account without an actor (command line, first start).
pub async fn add_user(
    state: &AppState,
    user: &NewUser,
    password: &str,
    now: DateTime<Utc>,
) -> Result<User, Error> {
    let hash = hash_password(password).await?;
    let created = state.db.create_user(user, &hash, now).await?;
    tracing::info!(
        user_id = created.id.0,
        role = created.role.as_str(),
        "user created"
    );
    Ok(created)
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
