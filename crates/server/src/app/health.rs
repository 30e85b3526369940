//! What operations ask: is the database reachable.

use super::state::AppState;
use sanbao_domain::Error;

/// `/readyz`: the database answers.
pub async fn ready(state: &AppState) -> Result<(), Error> {
    state.db.ping().await
}
