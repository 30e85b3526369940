//! All of the server's integration tests, in one binary (link time matters on 2 cores).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod api;
mod archive;
mod backup;
// ---- audit chain ----
mod audit;
// ---- end audit chain ----
mod board;
mod concurrency;
mod contract;
mod deadline_policy;
// ---- survey and daily report (issue 8) ----
mod daily_reports;
mod surveys;
// ---- end survey and daily report ----
mod deliveries;
mod demo;
// ---- dispatch (issue 8) ----
mod dispatch;
// ---- end dispatch ----
mod export;
// ---- The technician's phone and the field-service core's API (issue 8) ----
mod field;
mod field_phone;
// ---- end ----
// ---- Idempotency keys ----
mod idempotency;
// ---- end idempotency keys ----
mod imports_web;
mod jobs;
mod life;
// ---- similar cases ----
mod signin;
mod similar;
// ---- end similar cases ----
// ---- Where notifications go ----
mod loopback;
mod notify;
mod on_site;
mod ownership;
mod processes;
// ---- end where notifications go ----
mod reliability;
mod replies;
mod report;
// --- service requests (issue 8, part 1) ---
mod requests;
// --- end service requests ---
// ---- parts desk ----
mod parts;
mod parts_web;
// ---- end parts desk ----
// ---- parts field ----
mod parts_field;
// ---- end parts field ----
mod returns;
// ---- settlement (issue 9, part 5) ----
mod settlement;
// ---- end settlement ----
mod support;
// ---- field form ----
mod forms;
// ---- end field form ----
// ---- follow-ups ----
mod followups;
mod quality;
// ---- end follow-ups ----
// ---- campaigns ----
mod campaigns;
// ---- end campaigns ----
// ---- tools ----
mod tools;
// ---- end tools ----
// ---- training ----
mod training;
// ---- end training ----
mod units;
mod units_web;
mod visits;
mod watcher;
mod web;
