//! Watch deadlines: warn, escalate, escalate again — each step once.

use crate::app::{self, AppState};
use sanbao_domain::Error;

pub(super) async fn run(state: &AppState) -> Result<(), Error> {
    let pass = app::watcher::pass(state, state.now(), app::watcher::BATCH).await?;
    if pass.looked_at > 0 {
        let n = |v: usize| u64::try_from(v).unwrap_or(u64::MAX);
        crate::metrics::add_counter("sanbao_deadline_warnings_total", n(pass.warned));
        crate::metrics::add_counter("sanbao_deadline_escalations_total", n(pass.escalated));
        crate::metrics::add_counter(
            "sanbao_deadline_second_escalations_total",
            n(pass.escalated_again),
        );
    }
    Ok(())
}
