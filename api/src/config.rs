//! Configuration from flags and environment (every flag has an env variable), with
//! defaults that work on a developer machine.

use std::{fmt, path::PathBuf};

use casework_domain::{
    keyring::{KeyRingSource, KeyRingText},
    runtime::LogFormat,
};
use clap::{Parser, Subcommand};

/// A value that never prints (passwords).
#[derive(Clone, Default)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
}

#[derive(Debug, Clone, Parser)]
#[command(name = "casework-api", version, about = "Casework case-management API")]
pub struct Cli {
    #[command(flatten)]
    pub settings: Settings,

    /// Also run the background worker in this process (with the worker flags below).
    #[arg(long, env = "CASEWORK_WITH_WORKER", default_value_t = false)]
    pub with_worker: bool,

    /// The worker's knobs, as `casework-worker` takes them; used with `--with-worker`.
    #[command(flatten)]
    pub worker: casework_worker::WorkerFlags,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Create an admin account (reads the password from the first line of standard input);
    /// the same as `create-user --role admin`.
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        display_name: String,
    },
    /// Create a staff account with its role in effect at once (reads the password from the
    /// first line of standard input). The only way to make an installation's first
    /// supervisor: through the API, granting `supervisor` needs another supervisor's
    /// approval.
    CreateUser {
        #[arg(long)]
        email: String,
        /// caseworker, supervisor or admin.
        #[arg(long, value_parser = parse_role)]
        role: casework_domain::identity::Role,
        #[arg(long)]
        display_name: Option<String>,
    },
    /// Print the OpenAPI document and exit.
    Openapi,
    /// Create the database if missing, apply every migration, and exit.
    Migrate,
    /// Print a new key ring entry (`id:base64key`, a random AES-256 key) and exit. Put it
    /// first in `CASEWORK_KEYRING` to make it the primary key.
    Keygen {
        /// The key id (default: random).
        #[arg(long)]
        id: Option<String>,
    },
    /// Re-encrypt every sealed value under the primary key of the key ring (run after
    /// putting a new key first; the old key may be removed once this has finished).
    Rekey {
        /// Only check that every sealed value opens with this key ring (run with the new
        /// key alone before removing the old one); change nothing.
        #[arg(long)]
        check: bool,
    },
}

fn parse_role(s: &str) -> Result<casework_domain::identity::Role, String> {
    s.parse()
        .map_err(|()| "expected caseworker, supervisor or admin".to_owned())
}

#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// PostgreSQL URL; the database is created when missing.
    /// Its value is never shown by `--help`: it may carry a password.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/casework",
        hide_env_values = true
    )]
    pub database_url: String,

    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "CASEWORK_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// `iss` of issued access tokens, and the only issuer accepted.
    #[arg(long, env = "CASEWORK_ISSUER", default_value = "http://127.0.0.1:8080")]
    pub issuer: String,

    /// `aud` of issued access tokens, and the only audience accepted.
    #[arg(long, env = "CASEWORK_AUDIENCE", default_value = "casework-api")]
    pub audience: String,

    /// The service's name as it signs takedown letters.
    #[arg(
        long,
        env = "CASEWORK_SERVICE_NAME",
        default_value = "Intimate Images Protection Service"
    )]
    pub service_name: String,

    /// The service's postal address for letters (lines separated by `;`). Letters are
    /// refused (409) until it is set.
    #[arg(long, env = "CASEWORK_SERVICE_ADDRESS", default_value = "")]
    pub service_address: String,

    /// The service's email address for letters. Letters are refused (409) until it is set.
    #[arg(long, env = "CASEWORK_SERVICE_EMAIL", default_value = "")]
    pub service_email: String,

    /// The service's phone number for letters (optional).
    #[arg(long, env = "CASEWORK_SERVICE_PHONE")]
    pub service_phone: Option<String>,

    /// Access-token lifetime in seconds (60–900).
    #[arg(long, env = "CASEWORK_ACCESS_TOKEN_TTL_SECS", default_value_t = 900, value_parser = clap::value_parser!(i64).range(60..=900))]
    pub access_token_ttl_secs: i64,

    /// Browser origins allowed by CORS, comma-separated (none by default).
    #[arg(long, env = "CASEWORK_CORS_ORIGINS", value_delimiter = ',', default_value = "")]
    pub cors_origins: Vec<String>,

    /// Token-endpoint requests allowed per client IP per minute (also the revocation
    /// endpoint's limit, and the per-account limit of password changes).
    #[arg(long, env = "CASEWORK_TOKEN_RATE_LIMIT", default_value_t = 30)]
    pub token_rate_limit: u32,

    /// How many passwords may be hashed or checked at once (each Argon2id holds 19 MiB);
    /// default: one per core. Requests beyond wait up to 2 s, then get 503.
    #[arg(long = "argon2-threads", env = "CASEWORK_ARGON2_THREADS", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub password_hash_threads: Option<u16>,

    /// Reverse proxies whose `X-Forwarded-For` is believed, comma-separated IPs or CIDRs
    /// (none by default: the TCP peer is the client).
    #[arg(long, env = "CASEWORK_TRUSTED_PROXIES", value_delimiter = ',', default_value = "")]
    pub trusted_proxies: Vec<String>,

    /// The service is reached over HTTPS (at a TLS-terminating proxy): send
    /// `Strict-Transport-Security`.
    #[arg(long, env = "CASEWORK_PUBLIC_HTTPS", default_value_t = false)]
    pub public_https: bool,

    /// First admin, created at start when no user has this email.
    #[arg(long, env = "BOOTSTRAP_ADMIN_EMAIL")]
    pub bootstrap_admin_email: Option<String>,

    /// Password of the first admin (at least 12 characters).
    #[arg(long, env = "BOOTSTRAP_ADMIN_PASSWORD", hide_env_values = true)]
    pub bootstrap_admin_password: Option<Secret>,

    /// Log format: json or pretty.
    #[arg(long, env = "CASEWORK_LOG_FORMAT", default_value = "json")]
    pub log_format: LogFormat,

    /// Start the service clock at this RFC 3339 instant (demos and end-to-end tests).
    #[arg(long, env = "CASEWORK_CLOCK_START")]
    pub clock_start: Option<jiff::Timestamp>,

    /// Maximum database connections in the pool.
    #[arg(long, env = "CASEWORK_DB_MAX_CONNECTIONS", default_value_t = 10)]
    pub db_max_connections: u32,

    /// Seconds to wait for a database connection before answering 503.
    #[arg(long, env = "CASEWORK_DB_ACQUIRE_TIMEOUT_SECS", default_value_t = 3)]
    pub db_acquire_timeout_secs: u64,

    /// Seconds to keep retrying at start while PostgreSQL is not reachable yet.
    #[arg(long, env = "CASEWORK_DB_STARTUP_TIMEOUT_SECS", default_value_t = 60)]
    pub db_startup_timeout_secs: u64,

    /// The key ring sealing client data at rest: `id:base64key` entries, comma-separated,
    /// primary first (see `casework-api keygen`). Wins over `CASEWORK_KEYRING_FILE`.
    #[arg(long, env = "CASEWORK_KEYRING", hide_env_values = true)]
    pub keyring: Option<KeyRingText>,

    /// A file holding the key ring (entries one a line). When neither this nor
    /// `CASEWORK_KEYRING` is set, a development ring is generated in `.casework/dev-keyring`.
    #[arg(long, env = "CASEWORK_KEYRING_FILE", hide_env_values = true)]
    pub keyring_file: Option<PathBuf>,
}

impl Settings {
    /// Defaults with the given database URL (tests).
    #[must_use]
    pub fn for_database(url: &str) -> Self {
        let mut s = Cli::parse_from(["casework-api"]).settings;
        s.database_url = url.to_owned();
        s
    }

    /// Where the key ring comes from.
    #[must_use]
    pub fn key_ring_source(&self) -> KeyRingSource {
        KeyRingSource {
            inline: self.keyring.clone(),
            file: self.keyring_file.clone(),
        }
    }

    pub fn cors_origins(&self) -> impl Iterator<Item = &str> {
        self.cors_origins.iter().map(|s| s.trim()).filter(|s| !s.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    /// `--with-worker` runs the worker with the same flags `casework-worker` takes.
    #[test]
    fn the_worker_flags_reach_the_in_process_worker() {
        let cli = Cli::try_parse_from([
            "casework-api",
            "--with-worker",
            "--poll-interval-ms",
            "250",
            "--max-defer-secs",
            "60",
        ])
        .expect("flags parse");
        let config = cli.worker.config();
        assert!(cli.with_worker);
        assert_eq!(config.poll_interval, std::time::Duration::from_millis(250));
        assert_eq!(config.max_defer, std::time::Duration::from_secs(60));
        assert_eq!(config.heartbeat_interval, std::time::Duration::from_secs(30), "default");
    }

    /// `--help` prints `[env: NAME=value]` for every argument read from the environment
    /// unless told not to; a database URL or a password must never appear there.
    #[test]
    fn help_never_shows_secret_environment_values() {
        let cmd = Cli::command();
        let mut secret_bearing = 0;
        for arg in cmd.get_arguments() {
            let Some(env) = arg.get_env() else { continue };
            let name = env.to_string_lossy().to_ascii_uppercase();
            if ["URL", "PASSWORD", "SECRET", "KEY"].iter().any(|w| name.contains(w)) {
                secret_bearing += 1;
                assert!(arg.is_hide_env_values_set(), "{name} shows its value in --help");
            }
        }
        assert!(secret_bearing >= 2);
    }

    #[test]
    fn trusted_proxies_and_https_default_off() {
        let s = Cli::parse_from(["casework-api"]).settings;
        assert!(s.trusted_proxies.iter().all(|p| p.trim().is_empty()));
        assert!(!s.public_https);
        let s = Cli::parse_from(["casework-api", "--trusted-proxies", "10.0.0.0/8,192.0.2.1"]).settings;
        assert_eq!(s.trusted_proxies, ["10.0.0.0/8", "192.0.2.1"]);
    }
}
