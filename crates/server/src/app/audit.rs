//! The audit trail's own checks (R1.4): an operator verifies that no entry was changed,
//! removed or slipped in behind the server's back (`sanbao audit verify`).

use super::state::AppState;
use sanbao_domain::Error;
use sanbao_domain::audit::chain::{ChainBreak, ChainSummary};

/// Walk the whole chain: what it held, or the first entry that breaks it.
pub async fn verify(state: &AppState) -> Result<Result<ChainSummary, ChainBreak>, Error> {
    state.db.verify_audit_chain().await
}
