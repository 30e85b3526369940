//! What people are told: the in-app inbox as read back, and what the outbox holds.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A message in a person's in-app inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InboxEntry {
    /// The outbox message it was delivered from.
    pub outbox_id: Option<i64>,
    pub subject: String,
    pub body: Option<String>,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What the outbox holds, for `/metrics` and the operators.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxStats {
    pub pending: i64,
    pub failed: i64,
    pub sent: i64,
}
