//! All of the server's integration tests, in one binary (link time matters on 2 cores).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod demo;
mod support;
mod web;
