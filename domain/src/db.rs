//! Connecting to PostgreSQL, creating the database when missing, and running migrations
//! so that two replicas starting together never race.

use std::{str::FromStr, time::Duration};

use sqlx::{
    Connection, Executor, PgPool,
    migrate::Migrator,
    postgres::{PgConnectOptions, PgConnection, PgPoolOptions},
};

/// Our one migration sequence (`migrations/` at the workspace root).
pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Key of the session advisory lock held while migrating ("casework" in ASCII).
const MIGRATION_LOCK_KEY: i64 = 0x6361_7365_776f_726b;

#[derive(Debug, thiserror::Error)]
pub enum DbSetupError {
    #[error("invalid database URL: {0}")]
    Url(#[source] sqlx::Error),
    #[error("cannot create database: {0}")]
    Create(#[source] sqlx::Error),
    #[error("cannot connect: {0}")]
    Connect(#[source] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[source] sqlx::migrate::MigrateError),
}

impl DbSetupError {
    /// Whether the server could not be reached (worth waiting for at start).
    #[must_use]
    pub fn is_unreachable(&self) -> bool {
        matches!(self, DbSetupError::Connect(_))
    }
}

/// Runs `attempt` until it succeeds, fails for a reason `unreachable` does not accept, or
/// `timeout` has passed; retries every two seconds. A process often starts before its
/// database does.
///
/// # Errors
/// The first error that is not about reachability, or the last one at the deadline.
pub async fn retry_while_unreachable<T, E, F, Fut>(
    timeout: Duration,
    unreachable: impl Fn(&E) -> bool,
    mut attempt: F,
) -> Result<T, E>
where
    E: std::fmt::Display,
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, E>>,
{
    let deadline = std::time::Instant::now() + timeout;
    loop {
        match attempt().await {
            Err(e) if unreachable(&e) && std::time::Instant::now() < deadline => {
                tracing::warn!(error = %e, "database not reachable yet; retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            other => return other,
        }
    }
}

/// Parses a URL into connect options.
///
/// # Errors
/// When the URL is not a PostgreSQL URL.
pub fn options(url: &str) -> Result<PgConnectOptions, DbSetupError> {
    PgConnectOptions::from_str(url).map_err(DbSetupError::Url)
}

/// Creates the target database when it does not exist yet, by connecting to the
/// `postgres` maintenance database on the same server. Safe when several processes do it
/// at once (a concurrent creation is treated as success).
///
/// # Errors
/// When the server cannot be reached or refuses the creation.
pub async fn ensure_database(opts: &PgConnectOptions) -> Result<(), DbSetupError> {
    let Some(name) = opts.get_database().map(str::to_owned) else {
        return Ok(());
    };
    // Probe the target first: most starts find it there.
    if PgConnection::connect_with(opts).await.is_ok() {
        return Ok(());
    }
    let mut admin = PgConnection::connect_with(&opts.clone().database("postgres"))
        .await
        .map_err(DbSetupError::Connect)?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&name)
        .fetch_one(&mut admin)
        .await
        .map_err(DbSetupError::Create)?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        // The name comes from our own configuration, quoted as an identifier.
        match admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {quoted}")))
            .await
        {
            Ok(_) => tracing::info!(database = %name, "created database"),
            // 42P04 duplicate_database: another replica won the race, which is fine.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => return Err(DbSetupError::Create(e)),
        }
    }
    let _ = admin.close().await;
    Ok(())
}

/// Builds the connection pool. The pool connects lazily, so the process starts (and
/// answers 503) while the database is away and recovers without a restart when it returns.
#[must_use]
pub fn pool(opts: PgConnectOptions, max_connections: u32, acquire_timeout: Duration) -> PgPool {
    PgPoolOptions::new()
        .max_connections(max_connections)
        .min_connections(0)
        .acquire_timeout(acquire_timeout)
        .test_before_acquire(true)
        .connect_lazy_with(opts)
}

/// Runs our migrations under a session advisory lock taken on one dedicated connection,
/// so concurrent starters apply them once, in order, and the later ones find nothing to do.
///
/// # Errors
/// When the lock cannot be taken or a migration fails.
pub async fn migrate(opts: &PgConnectOptions) -> Result<(), DbSetupError> {
    let mut conn = PgConnection::connect_with(opts).await.map_err(DbSetupError::Connect)?;
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(MIGRATION_LOCK_KEY)
        .execute(&mut conn)
        .await
        .map_err(DbSetupError::Connect)?;
    // `run_direct` on the connection itself (not through `Acquire`) keeps this future
    // `Send` for every caller, and keeps the migrations on the connection holding our lock.
    let result = MIGRATOR.run_direct(None, &mut conn, false).await;
    let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(MIGRATION_LOCK_KEY)
        .execute(&mut conn)
        .await;
    let _ = conn.close().await;
    result.map_err(DbSetupError::Migrate)
}

/// Whether every migration we know has been applied (used by `/readyz`).
///
/// # Errors
/// When the database cannot be queried.
pub async fn migrations_applied(pool: &PgPool) -> Result<bool, sqlx::Error> {
    let applied: Vec<i64> = sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
        .fetch_all(pool)
        .await?;
    Ok(MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .all(|m| applied.contains(&m.version)))
}
