//! Leases on periodic jobs, so that one instance runs each job per interval.

use super::state::AppState;
use chrono::{DateTime, Utc};
use sanbao_domain::Error;

/// Take `job`'s lease for `holder` until `until`; true when this instance runs it now.
pub async fn take_lease(
    state: &AppState,
    job: &str,
    holder: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<bool, Error> {
    state.db.try_lease(job, holder, now, until).await
}
