//! What every request handler receives.

use crate::config::Config;
use crate::metrics::Metrics;
use sanbao_store::Db;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(db: Db, config: Config) -> Self {
        AppState {
            db,
            config: Arc::new(config),
            metrics: Arc::new(Metrics::default()),
        }
    }
}
