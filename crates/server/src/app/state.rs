//! What every use case, handler and job receives: the database, the clock, the settings
//! and the shared caches.

use super::board::BoardCache;
use super::clock::{Clock, SystemClock};
use super::desk::DeskCache;
use super::hashing::HashPool;
use super::session_cache::SessionCache;
use super::signin_turns::KeyLocks;
use crate::config::Config;
use chrono::{DateTime, Utc};
use sanbao_store::Db;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub(crate) db: Db,
    clock: Arc<dyn Clock>,
    pub config: Arc<Config>,
    /// The whole department's service desk, shared for a moment between requests.
    pub(crate) desk: Arc<DeskCache>,
    pub(crate) sessions: Arc<SessionCache>,
    /// The manager's board's counts and loads, shared for a moment between requests.
    pub(crate) board: Arc<BoardCache>,
    /// Password checks, on a few threads with a bounded queue.
    pub(crate) hashing: Arc<HashPool>,
    /// Sign-ins for one name from one address, one at a time on this instance.
    pub(crate) signin_turns: Arc<KeyLocks>,
}

impl AppState {
    /// The state on the system clock.
    pub fn new(db: Db, config: Config) -> Self {
        Self::with_clock(db, config, Arc::new(SystemClock))
    }

    pub fn with_clock(db: Db, config: Config, clock: Arc<dyn Clock>) -> Self {
        AppState {
            db,
            clock,
            config: Arc::new(config),
            desk: Arc::new(DeskCache::default()),
            sessions: Arc::new(SessionCache::default()),
            board: Arc::new(BoardCache::default()),
            hashing: Arc::new(HashPool::for_this_machine()),
            signin_turns: Arc::new(KeyLocks::default()),
        }
    }

    /// The sessions this instance has checked lately.
    pub fn session_cache(&self) -> &SessionCache {
        &self.sessions
    }

    /// Now, on the state's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        self.db.backend()
    }

    /// Close the database, letting running queries finish (graceful shutdown).
    pub async fn close(&self) {
        self.db.close().await;
    }
}
