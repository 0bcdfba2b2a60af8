//! The worker's knobs as command-line flags (each with its environment variable), one
//! definition flattened into both `casework-worker` and `casework-api --with-worker`.

use std::time::Duration;

use crate::WorkerConfig;

/// The worker's flags; [`WorkerFlags::config`] turns them into a [`WorkerConfig`].
#[derive(Debug, Clone, clap::Args)]
pub struct WorkerFlags {
    /// Milliseconds between polls of each queue for jobs that fell due.
    #[arg(long, env = "CASEWORK_POLL_INTERVAL_MS", default_value_t = 1000)]
    pub poll_interval_ms: u64,
    /// Seconds between worker heartbeats.
    #[arg(long, env = "CASEWORK_HEARTBEAT_SECS", default_value_t = 30)]
    pub heartbeat_secs: u64,
    /// Missed heartbeats after which a worker is dead and its jobs are re-enqueued.
    #[arg(long, env = "CASEWORK_MISSED_HEARTBEATS", default_value_t = 4)]
    pub missed_heartbeats: usize,
    /// First retry delay of a failed job in milliseconds (doubles per attempt).
    #[arg(long, env = "CASEWORK_JOB_BACKOFF_BASE_MS", default_value_t = 10_000)]
    pub job_backoff_base_ms: u64,
    /// Longest retry delay of a failed job, in seconds.
    #[arg(long, env = "CASEWORK_JOB_BACKOFF_MAX_SECS", default_value_t = 3600)]
    pub job_backoff_max_secs: u64,
    /// Days finished jobs are kept before housekeeping deletes them.
    #[arg(long, env = "CASEWORK_JOB_RETENTION_DAYS", default_value_t = 7)]
    pub job_retention_days: u64,
    /// Longest a reminder deferred to the office's opening waits before re-checking the
    /// calendar, in seconds (timed jobs run at their own `run_at`).
    #[arg(long, env = "CASEWORK_MAX_DEFER_SECS", default_value_t = 3600)]
    pub max_defer_secs: u64,
    /// Seconds between checks of the daily sweeps (digest, case review).
    #[arg(long, env = "CASEWORK_SWEEP_TICK_SECS", default_value_t = 15)]
    pub sweep_tick_secs: u64,
    /// Seconds between housekeeping runs.
    #[arg(long, env = "CASEWORK_HOUSEKEEPING_INTERVAL_SECS", default_value_t = 3600)]
    pub housekeeping_interval_secs: u64,
    /// Seconds running jobs may take to finish after SIGTERM.
    #[arg(long, env = "CASEWORK_SHUTDOWN_TIMEOUT_SECS", default_value_t = 20)]
    pub shutdown_timeout_secs: u64,
}

impl WorkerFlags {
    /// The configuration these flags give (each floored at a sane minimum).
    #[must_use]
    pub fn config(&self) -> WorkerConfig {
        WorkerConfig {
            poll_interval: Duration::from_millis(self.poll_interval_ms.max(10)),
            heartbeat_interval: Duration::from_secs(self.heartbeat_secs.max(1)),
            missed_heartbeats: self.missed_heartbeats.max(1),
            backoff_base: Duration::from_millis(self.job_backoff_base_ms),
            backoff_max: Duration::from_secs(self.job_backoff_max_secs),
            job_retention: Duration::from_secs(self.job_retention_days * 24 * 3600),
            max_defer: Duration::from_secs(self.max_defer_secs.max(1)),
            sweep_tick: Duration::from_secs(self.sweep_tick_secs.max(1)),
            housekeeping_interval: Duration::from_secs(self.housekeeping_interval_secs.max(1)),
            shutdown_timeout: Duration::from_secs(self.shutdown_timeout_secs),
        }
    }
}
