//! What every request handler receives.

use crate::app::tickets::DeskCache;
use crate::config::Config;
use crate::http::session::SessionCache;
use crate::metrics::Metrics;
use sanbao_store::Db;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    /// The whole department's service desk, shared for a moment between requests.
    pub desk: Arc<DeskCache>,
    pub sessions: Arc<SessionCache>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        AppState {
            db,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
            desk: Arc::new(DeskCache::default()),
            sessions: Arc::new(SessionCache::default()),
        }
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}
