//! Process set-up shared by both binaries: logging and the clock.

use jiff::Timestamp;
use tracing_subscriber::{EnvFilter, fmt, prelude::*};

use crate::Clock;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One JSON object per line (production).
    #[default]
    Json,
    /// Human-readable (development).
    Pretty,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "json" => Ok(LogFormat::Json),
            "pretty" | "text" => Ok(LogFormat::Pretty),
            other => Err(format!("unknown log format `{other}` (expected json or pretty)")),
        }
    }
}

/// Installs the global subscriber; `RUST_LOG` filters (default `info`). Safe to call
/// twice (the second call does nothing), which tests rely on.
pub fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match format {
        LogFormat::Json => registry
            .with(fmt::layer().json().flatten_event(true).with_current_span(true))
            .try_init(),
        LogFormat::Pretty => registry.with(fmt::layer()).try_init(),
    };
}

/// The process clock: real time, or (`CASEWORK_CLOCK_START`) a clock that starts at the
/// given instant and runs on from there, for demos and end-to-end tests.
#[must_use]
pub fn clock(start: Option<Timestamp>) -> Clock {
    match start {
        Some(t) => {
            tracing::warn!(start = %t, "CASEWORK_CLOCK_START is set: the clock is NOT real time");
            Clock::starting_at(t)
        }
        None => Clock::system(),
    }
}

/// Resolves on Ctrl-C or SIGTERM, whichever comes first.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_start_gives_a_running_clock_from_that_instant() {
        let start: Timestamp = "2026-11-27T23:29:00Z".parse().unwrap();
        let c = clock(Some(start));
        assert!(!c.is_real());
        let now = c.now();
        assert!(
            now >= start && now < start + jiff::SignedDuration::from_secs(5),
            "{now}"
        );
        assert!(clock(None).is_real());
    }

    #[test]
    fn log_formats_parse() {
        assert_eq!("JSON".parse::<LogFormat>(), Ok(LogFormat::Json));
        assert_eq!("pretty".parse::<LogFormat>(), Ok(LogFormat::Pretty));
        assert!("xml".parse::<LogFormat>().is_err());
    }
}
