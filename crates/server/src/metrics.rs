//! Prometheus counters, kept in atomics.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    requests: [AtomicU64; 5],
    latency_micros_total: AtomicU64,
}

impl Metrics {
    pub fn record(&self, status: u16, micros: u64) {
        let class = usize::from((status / 100).clamp(1, 5)) - 1;
        self.requests[class].fetch_add(1, Ordering::Relaxed);
        self.latency_micros_total
            .fetch_add(micros, Ordering::Relaxed);
    }

    pub fn render(&self) -> String {
        let mut out = String::from(
            "# HELP sanbao_http_requests_total HTTP requests answered, by status class.\n\
             # TYPE sanbao_http_requests_total counter\n",
        );
        for (i, c) in self.requests.iter().enumerate() {
            let _ = writeln!(
                out,
                "sanbao_http_requests_total{{status=\"{}xx\"}} {}",
                i + 1,
                c.load(Ordering::Relaxed)
            );
        }
        let _ = write!(
            out,
            "# HELP sanbao_http_request_seconds_total Time spent answering requests.\n\
             # TYPE sanbao_http_request_seconds_total counter\n\
             sanbao_http_request_seconds_total {:.6}\n",
            self.latency_micros_total.load(Ordering::Relaxed) as f64 / 1e6
        );
        out
    }
}
