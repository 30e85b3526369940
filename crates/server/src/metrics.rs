//! Prometheus metrics through the `metrics` facade: a latency histogram and a counter per
//! route and status, rendered at `/metrics`.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

const REQUEST_SECONDS: &str = "sanbao_http_request_duration_seconds";
const REQUESTS: &str = "sanbao_http_requests_total";

/// Latency buckets, in seconds: fine below 10 ms where the service lives, coarse above.
const BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The process's recorder, installed on first use (once per process: tests build many
/// apps in one process and share it).
fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(REQUEST_SECONDS.into()), BUCKETS)
                .ok()?
                .build_recorder();
            let handle = recorder.handle();
            match metrics::set_global_recorder(recorder) {
                Ok(()) => {
                    metrics::describe_histogram!(
                        REQUEST_SECONDS,
                        metrics::Unit::Seconds,
                        "Time to answer a request, by route and status."
                    );
                    metrics::describe_counter!(REQUESTS, "Requests answered, by route and status.");
                    Some(handle)
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics recorder not installed");
                    None
                }
            }
        })
        .as_ref()
}

/// Make sure the recorder is installed before the first request.
pub fn install() {
    let _ = handle();
}

/// Count and time one request. `route` is the matched route (`/api/v1/tickets/{id}`), never
/// the raw path, so the label set stays small.
pub fn record_request(method: &str, route: &str, status: u16, took: Duration) {
    let labels = [
        ("method", method.to_string()),
        ("route", route.to_string()),
        ("status", status.to_string()),
    ];
    metrics::histogram!(REQUEST_SECONDS, &labels).record(took.as_secs_f64());
    metrics::counter!(REQUESTS, &labels).increment(1);
}

/// A gauge set from outside (e.g. the outbox's pending messages).
pub fn set_gauge(name: &'static str, value: f64) {
    metrics::gauge!(name).set(value);
}

/// A counter counted from outside (e.g. the deadline watcher's warnings).
pub fn add_counter(name: &'static str, by: u64) {
    metrics::counter!(name).increment(by);
}

/// The text exposition.
pub fn render() -> String {
    handle().map(PrometheusHandle::render).unwrap_or_default()
}
