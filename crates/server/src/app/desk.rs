//! The whole department's service desk, computed at most once a second and shared by
//! everyone looking at it meanwhile. A ticket or customer written through this instance
//! outdates it at once; other instances' writes show within the second.

use moka::future::Cache;
use sanbao_domain::Error;
use sanbao_domain::ticket::Dashboard;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long one computation of the department's desk is shared.
const MAX_AGE: Duration = Duration::from_secs(1);

pub struct DeskCache {
    /// Counts writes: a desk computed before the last write is never served after it.
    generation: AtomicU64,
    desks: Cache<u64, Dashboard>,
}

impl Default for DeskCache {
    fn default() -> Self {
        DeskCache {
            generation: AtomicU64::new(0),
            desks: Cache::builder()
                .max_capacity(4)
                .time_to_live(MAX_AGE)
                .build(),
        }
    }
}

impl DeskCache {
    /// A ticket or customer changed: the next look at the desk computes it afresh.
    pub fn changed(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// How many writes this instance has seen: figures shared between lookers key on it.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The desk, computed by `compute` unless a fresh one is at hand; lookers arriving
    /// while it is computed wait for that computation instead of starting their own.
    pub async fn get_or_compute<F>(&self, compute: F) -> Result<Dashboard, Error>
    where
        F: Future<Output = Result<Dashboard, Error>>,
    {
        let generation = self.generation.load(Ordering::Acquire);
        self.desks
            .try_get_with(generation, compute)
            .await
            .map_err(|e| (*e).clone())
    }
}
