//! Prometheus text exposition of request counts and latencies, by method, route pattern
//! and status. Kept in-process (per replica), as Prometheus expects to scrape each one.

use std::{collections::BTreeMap, fmt::Write, sync::Mutex, time::Duration};

#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<BTreeMap<(String, String, u16), Series>>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Series {
    count: u64,
    seconds: f64,
    buckets: [u64; BUCKETS.len()],
}

const BUCKETS: [f64; 8] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 5.0];

impl Metrics {
    pub fn observe(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        let mut map = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let s = map.entry((method.to_owned(), route.to_owned(), status)).or_default();
        s.count += 1;
        s.seconds += secs;
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    /// Renders the Prometheus text format (version 0.0.4).
    #[must_use]
    pub fn render(&self, db_pool_size: u32, db_pool_idle: usize) -> String {
        let map = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let mut out = String::new();
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let _ = writeln!(out, "# HELP casework_http_requests_total HTTP requests handled.");
        let _ = writeln!(out, "# TYPE casework_http_requests_total counter");
        for ((m, r, st), s) in &map {
            let _ = writeln!(
                out,
                "casework_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{st}\"}} {}",
                esc(r),
                s.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP casework_http_request_duration_seconds Time to handle a request."
        );
        let _ = writeln!(out, "# TYPE casework_http_request_duration_seconds histogram");
        for ((m, r, st), s) in &map {
            let labels = format!("method=\"{m}\",route=\"{}\",status=\"{st}\"", esc(r));
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "casework_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "casework_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "casework_http_request_duration_seconds_sum{{{labels}}} {}",
                s.seconds
            );
            let _ = writeln!(
                out,
                "casework_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        let _ = writeln!(out, "# HELP casework_db_pool_connections Open database connections.");
        let _ = writeln!(out, "# TYPE casework_db_pool_connections gauge");
        let _ = writeln!(out, "casework_db_pool_connections{{state=\"open\"}} {db_pool_size}");
        let _ = writeln!(out, "casework_db_pool_connections{{state=\"idle\"}} {db_pool_idle}");
        out
    }
}
