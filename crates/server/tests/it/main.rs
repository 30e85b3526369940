//! All of the server's integration tests, in one binary (link time matters on 2 cores).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod archive;
mod concurrency;
mod contract;
mod demo;
mod jobs;
mod support;
mod units;
mod web;
