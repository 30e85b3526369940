//! All of the server's integration tests, in one binary (link time matters on 2 cores).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod archive;
mod board;
mod concurrency;
mod contract;
mod deliveries;
mod demo;
mod export;
mod imports_web;
mod jobs;
mod returns;
mod support;
mod units;
mod units_web;
mod web;
