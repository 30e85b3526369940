//! Use cases: one function per thing a person does. Each checks the permission, loads what
//! it needs, applies the domain rule and writes the change with its audit record — and any
//! message it causes — in one transaction. Pages, the API, the jobs and the command line
//! all come in here; nothing outside `app` touches the store.

pub mod archive;
pub mod audit;
pub mod backup;
pub mod board;
pub mod campaigns;
pub mod clock;
pub mod customers;
pub mod daily_reports;
pub mod deadlines;
pub mod deliveries;
pub mod desk;
pub mod dispatch;
pub mod documents;
pub mod export;
pub mod field;
pub mod field_phone;
pub mod followups;
pub mod forms;
pub mod hashing;
pub mod health;
pub mod idempotency;
pub mod imports;
pub mod inbox;
pub mod intake;
pub mod jobs;
pub mod life;
pub mod mail;
pub mod notify;
pub mod notify_settings;
pub mod outbox;
pub mod parts;
pub mod people;
pub mod quality;
pub mod reliability;
pub mod replies;
pub mod report;
pub mod requests;
pub mod returns;
pub mod robots;
pub mod session_cache;
pub mod sessions;
pub mod signin_turns;
// ---- similar cases ----
pub mod similar;
// ---- end similar cases ----
pub mod settlement;
pub mod state;
pub mod surveys;
pub mod tickets;
pub mod tools;
pub mod training;
pub mod units;
pub mod users;
pub mod visits;
pub mod watcher;
// ---- end where notifications go ----

pub use clock::{Clock, ManualClock, SystemClock};
pub use state::AppState;

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
