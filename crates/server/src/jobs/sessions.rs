//! Remove expired sessions, once per interval across all instances.

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
