//! Use cases: one function per thing a person does. Each checks the permission, loads what
//! it needs, applies the domain rule and writes the change with its audit record — and any
//! message it causes — in one transaction. Pages, the API, the jobs and the command line
//! all come in here; nothing outside `app` touches the store.

pub mod archive;
pub mod board;
// ---- campaigns ----
pub mod campaigns;
// ---- end campaigns ----
pub mod clock;
pub mod customers;
pub mod deadlines;
pub mod deliveries;
pub mod desk;
// ---- training ----
pub mod documents;
pub mod training;
// ---- end training ----
// ---- dispatch (issue 8) ----
pub mod dispatch;
// ---- end dispatch ----
pub mod export;
pub mod field;
// ---- follow-ups ----
pub mod followups;
// ---- end follow-ups ----
// ---- The technician's phone (issue 8) ----
pub mod field_phone;
// ---- end the technician's phone ----
// ---- field form ----
pub mod forms;
// ---- end field form ----
pub mod health;
// ---- Idempotency keys ----
pub mod idempotency;
// ---- end idempotency keys ----
pub mod imports;
pub mod intake;
pub mod jobs;
pub mod notify;
pub mod outbox;
// ---- parts, materials and tools (issue 9) ----
pub mod parts;
// ---- end parts ----
pub mod people;
pub mod replies;
// --- service requests (issue 8, part 1) ---
pub mod requests;
// --- end service requests ---
pub mod returns;
// ---- settlement (issue 9, part 5) ----
pub mod settlement;
// ---- end settlement ----
pub mod session_cache;
pub mod sessions;
pub mod state;
pub mod tickets;
// ---- tools ----
pub mod tools;
// ---- end tools ----
pub mod units;
pub mod users;
pub mod visits;
pub mod watcher;
// ---- survey and daily report (issue 8) ----
pub mod daily_reports;
pub mod surveys;
// ---- end survey and daily report ----
// ---- Where notifications go ----
pub mod inbox;
pub mod mail;
pub mod notify_settings;
pub mod robots;
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
