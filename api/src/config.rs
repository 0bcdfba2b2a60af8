//! Configuration from flags and environment (every flag has an env variable), with
//! defaults that work on a developer machine.

use std::fmt;

use casework_domain::runtime::LogFormat;
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

    /// Also run the background worker in this process.
    #[arg(long, env = "CASEWORK_WITH_WORKER", default_value_t = false)]
    pub with_worker: bool,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Create an admin account (reads the password from the first line of standard input).
    CreateAdmin {
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "Administrator")]
        display_name: String,
    },
    /// Print the OpenAPI document and exit.
    Openapi,
    /// Create the database if missing, apply every migration, and exit.
    Migrate,
}

#[derive(Debug, Clone, clap::Args)]
pub struct Settings {
    /// PostgreSQL URL; the database is created when missing.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/casework"
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

    /// Token-endpoint requests allowed per client IP per minute.
    #[arg(long, env = "CASEWORK_TOKEN_RATE_LIMIT", default_value_t = 30)]
    pub token_rate_limit: u32,

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
}

impl Settings {
    /// Defaults with the given database URL (tests).
    #[must_use]
    pub fn for_database(url: &str) -> Self {
        let mut s = Cli::parse_from(["casework-api"]).settings;
        s.database_url = url.to_owned();
        s
    }

    pub fn cors_origins(&self) -> impl Iterator<Item = &str> {
        self.cors_origins.iter().map(|s| s.trim()).filter(|s| !s.is_empty())
    }
}
