//! Send the outbox: claim due messages in batches until none is left.

use crate::app::{self, AppState};
use sanbao_domain::Error;

/// Messages claimed at a time.
const BATCH: i64 = 50;

pub(super) async fn run(state: &AppState, holder: &str) -> Result<(), Error> {
    drain(state, holder).await.map(|_| ())
}

/// Send everything due now; returns how many were sent.
pub async fn drain(state: &AppState, holder: &str) -> Result<usize, Error> {
    let (mut sent, mut touched) = (0, 0);
    loop {
        let round = app::outbox::send_due(state, holder, state.now(), BATCH).await?;
        sent += round.sent;
        let n = round.sent + round.retried + round.given_up;
        touched += n;
        if n == 0 {
            break;
        }
    }
    // The gauges change only when messages were handled: an idle round reads nothing more.
    if touched > 0
        && let Ok(stats) = app::outbox::stats(state).await
    {
        #[allow(clippy::cast_precision_loss)]
        {
            crate::metrics::set_gauge("sanbao_outbox_pending", stats.pending as f64);
            crate::metrics::set_gauge("sanbao_outbox_failed", stats.failed as f64);
        }
    }
    Ok(sent)
}
