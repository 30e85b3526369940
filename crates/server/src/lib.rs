//! Sanbao's server: HTTP (JSON API and web pages), the use cases, configuration and the
//! command line. Domain rules live in `sanbao-domain`; storage in `sanbao-store`.

pub mod app;
pub mod archive;
pub mod cli;
pub mod config;
pub mod demo;
pub mod http;
pub mod i18n;
pub mod jobs;
pub mod metrics;

pub use app::AppState;
pub use http::app;
