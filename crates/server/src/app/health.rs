//! What operations ask: is the database reachable, may this scraper read the metrics.

use super::sessions::same_token;
use super::state::AppState;
use sanbao_domain::Error;

/// `/readyz`: the database answers.
pub async fn ready(state: &AppState) -> Result<(), Error> {
    state.db.ping().await
}

/// `/metrics`: the bearer token sent is the configured metrics token (compared in
/// constant time). With no token configured nobody may: `/metrics` is not served then.
pub fn may_read_metrics(state: &AppState, sent: Option<&str>) -> bool {
    match (&state.config.metrics_token, sent) {
        (Some(expected), Some(sent)) => same_token(sent, expected.expose()),
        _ => false,
    }
}
