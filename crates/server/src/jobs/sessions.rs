//! Remove expired sessions, and forget week-old idempotency keys, each once per interval
//! across all instances.

use crate::app::{self, AppState};
use chrono::Duration;
use sanbao_domain::Error;

pub(super) async fn run(state: &AppState, holder: &str, every: Duration) -> Result<(), Error> {
    let now = state.now();
    if !app::jobs::take_lease(state, "sessions", holder, now, now + every).await? {
        return Ok(());
    }
    let removed = app::sessions::remove_expired(state, now).await?;
    if removed > 0 {
        tracing::info!(removed, "expired sessions removed");
    }
    Ok(())
}

/// Forget the idempotency keys older than a week (one indexed DELETE).
pub(super) async fn purge_keys(
    state: &AppState,
    holder: &str,
    every: Duration,
) -> Result<(), Error> {
    let now = state.now();
    if !app::jobs::take_lease(state, "idempotency_keys", holder, now, now + every).await? {
        return Ok(());
    }
    let removed = app::idempotency::purge_old_keys(state, now).await?;
    if removed > 0 {
        tracing::info!(removed, "old idempotency keys forgotten");
    }
    Ok(())
}
