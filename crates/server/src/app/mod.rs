//! Use cases: one function per thing a person does. Each checks the permission, loads what
//! it needs, applies the domain rule and writes the change with its audit record.

pub mod customers;
pub mod intake;
pub mod people;
pub mod tickets;
pub mod users;

use sanbao_domain::user::User;
use sanbao_domain::{Error, Permission};

/// Refuse unless the actor's role holds the permission.
pub fn require(actor: &User, permission: Permission) -> Result<(), Error> {
    if actor.role.may(permission) {
        Ok(())
    } else {
        tracing::info!(user_id = actor.id.0, ?permission, "refused");
        Err(Error::Forbidden)
    }
}

/// Page sizes: what a list returns when asked for nothing, and at most.
pub const DEFAULT_LIMIT: i64 = 25;
pub const MAX_LIMIT: i64 = 200;

pub fn clamp_limit(limit: Option<i64>) -> i64 {
    limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
}
