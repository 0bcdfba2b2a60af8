//! `casework-worker`: runs the background jobs until SIGTERM/Ctrl-C.

use std::{path::PathBuf, time::Duration};

use casework_domain::{
    db,
    keyring::{KeyRingSource, KeyRingText},
    runtime,
};
use casework_worker::WorkerFlags;
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
    /// The worker's knobs, shared with `casework-api --with-worker`.
    #[command(flatten)]
    worker: WorkerFlags,
    /// The key ring sealing client data at rest, the same as the API's (`id:base64key`,
    /// comma-separated, primary first). Wins over `CASEWORK_KEYRING_FILE`.
    #[arg(long, env = "CASEWORK_KEYRING", hide_env_values = true)]
    keyring: Option<KeyRingText>,
    /// A file holding the key ring; without either, the development ring in
    /// `.casework/dev-keyring` (generated when missing).
    #[arg(long, env = "CASEWORK_KEYRING_FILE")]
    keyring_file: Option<PathBuf>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    runtime::init_tracing(cli.log_format);
    let clock = runtime::clock(cli.clock_start);
    let config = cli.worker.config();
    KeyRingSource {
        inline: cli.keyring.clone(),
        file: cli.keyring_file.clone(),
    }
    .load_and_install()?;
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
