//! `casework-worker`: runs the background jobs until SIGTERM/Ctrl-C.

use std::{path::PathBuf, time::Duration};

use anyhow::Context;
use casework_domain::{
    db,
    keyring::{self, KeyRingSource, KeyRingText},
    runtime,
};
use casework_worker::WorkerConfig;
use clap::Parser;

#[derive(Debug, Parser)]
#[command(name = "casework-worker", version, about = "Casework background worker")]
struct Cli {
    /// PostgreSQL URL; the database is created and migrated when needed.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/casework",
        hide_env_values = true
    )]
    database_url: String,
    /// Log format: json or pretty.
    #[arg(long, env = "CASEWORK_LOG_FORMAT", default_value = "json")]
    log_format: runtime::LogFormat,
    /// Start the service clock at this RFC 3339 instant (demos and end-to-end tests).
    #[arg(long, env = "CASEWORK_CLOCK_START")]
    clock_start: Option<jiff::Timestamp>,
    /// Maximum database connections.
    #[arg(long, env = "CASEWORK_DB_MAX_CONNECTIONS", default_value_t = 5)]
    db_max_connections: u32,
    /// Seconds to keep retrying at start while PostgreSQL is not reachable yet.
    #[arg(long, env = "CASEWORK_DB_STARTUP_TIMEOUT_SECS", default_value_t = 60)]
    db_startup_timeout_secs: u64,
    /// Milliseconds between polls of each queue for jobs that fell due.
    #[arg(long, env = "CASEWORK_POLL_INTERVAL_MS", default_value_t = 1000)]
    poll_interval_ms: u64,
    /// Seconds between worker heartbeats.
    #[arg(long, env = "CASEWORK_HEARTBEAT_SECS", default_value_t = 30)]
    heartbeat_secs: u64,
    /// Missed heartbeats after which a worker is dead and its jobs are re-enqueued.
    #[arg(long, env = "CASEWORK_MISSED_HEARTBEATS", default_value_t = 4)]
    missed_heartbeats: usize,
    /// First retry delay of a failed job in milliseconds (doubles per attempt).
    #[arg(long, env = "CASEWORK_JOB_BACKOFF_BASE_MS", default_value_t = 10_000)]
    job_backoff_base_ms: u64,
    /// Longest retry delay of a failed job, in seconds.
    #[arg(long, env = "CASEWORK_JOB_BACKOFF_MAX_SECS", default_value_t = 3600)]
    job_backoff_max_secs: u64,
    /// Days finished jobs are kept before housekeeping deletes them.
    #[arg(long, env = "CASEWORK_JOB_RETENTION_DAYS", default_value_t = 7)]
    job_retention_days: u64,
    /// Longest a deferred job waits before checking again, in seconds.
    #[arg(long, env = "CASEWORK_MAX_DEFER_SECS", default_value_t = 3600)]
    max_defer_secs: u64,
    /// Seconds between checks of the daily sweeps (digest, case review).
    #[arg(long, env = "CASEWORK_SWEEP_TICK_SECS", default_value_t = 15)]
    sweep_tick_secs: u64,
    /// Seconds between housekeeping runs.
    #[arg(long, env = "CASEWORK_HOUSEKEEPING_INTERVAL_SECS", default_value_t = 3600)]
    housekeeping_interval_secs: u64,
    /// Seconds running jobs may take to finish after SIGTERM.
    #[arg(long, env = "CASEWORK_SHUTDOWN_TIMEOUT_SECS", default_value_t = 20)]
    shutdown_timeout_secs: u64,
    /// The key ring sealing client data at rest, the same as the API's (`id:base64key`,
    /// comma-separated, primary first). Wins over `CASEWORK_KEYRING_FILE`.
    #[arg(long, env = "CASEWORK_KEYRING", hide_env_values = true)]
    keyring: Option<KeyRingText>,
    /// A file holding the key ring; without either, the development ring in
    /// `.casework/dev-keyring` (generated when missing).
    #[arg(long, env = "CASEWORK_KEYRING_FILE")]
    keyring_file: Option<PathBuf>,
}

impl Cli {
    fn worker_config(&self) -> WorkerConfig {
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

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    runtime::init_tracing(cli.log_format);
    let clock = runtime::clock(cli.clock_start);
    let config = cli.worker_config();
    let source = KeyRingSource {
        inline: cli.keyring.clone(),
        file: cli.keyring_file.clone(),
    };
    let origin = if source.inline.is_some() {
        "CASEWORK_KEYRING"
    } else {
        "CASEWORK_KEYRING_FILE"
    };
    let ring = source
        .load()
        .map_err(|e| anyhow::anyhow!("{origin}: {e}"))
        .context("loading the key ring")?;
    keyring::install(ring)?;
    let opts = db::options(&cli.database_url)?;
    let timeout = Duration::from_secs(cli.db_startup_timeout_secs);
    db::retry_while_unreachable(timeout, db::DbSetupError::is_unreachable, || async {
        db::ensure_database(&opts).await?;
        db::migrate(&opts).await
    })
    .await?;
    let pool = db::pool(opts, cli.db_max_connections, Duration::from_secs(5));
    casework_worker::run(pool, clock, config, runtime::shutdown_signal()).await
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// `--help` must not print the database URL (and its password) from the environment.
    #[test]
    fn help_never_shows_the_database_url() {
        let cmd = Cli::command();
        let arg = cmd
            .get_arguments()
            .find(|a| a.get_env().is_some_and(|e| e == "DATABASE_URL"))
            .expect("DATABASE_URL is an argument");
        assert!(arg.is_hide_env_values_set());
    }
}
