//! Casework's background worker: apalis workers on PostgreSQL (schema `apalis`), one
//! module per job kind, plus the sweeps that enqueue periodic work.

pub mod housekeeping;

use std::{future::Future, time::Duration};

use apalis::prelude::*;
use apalis_postgres::{Config, PostgresStorage};
use casework_domain::{
    Clock,
    jobs::{HOUSEKEEPING_QUEUE, Housekeeping},
};
use sqlx::PgPool;

/// What every job handler may use.
#[derive(Clone, Debug)]
pub struct JobEnv {
    pub db: PgPool,
    pub clock: Clock,
}

/// How often periodic work is enqueued.
pub const SWEEP_INTERVAL: Duration = Duration::from_secs(3600);

/// Creates (or upgrades) the apalis tables in their own `apalis` schema.
///
/// # Errors
/// When the database cannot be reached or the migration fails.
pub async fn setup(pool: &PgPool) -> anyhow::Result<()> {
    PostgresStorage::setup(pool).await?;
    Ok(())
}

/// The housekeeping queue.
#[must_use]
pub fn housekeeping_storage(pool: &PgPool) -> PostgresStorage<Housekeeping> {
    PostgresStorage::new(pool).with_config(Config::default().queue(HOUSEKEEPING_QUEUE))
}

/// Runs the workers and sweeps until `shutdown` resolves, then lets running jobs finish
/// (up to 20 seconds) and returns.
///
/// # Errors
/// When set-up fails or a worker cannot run.
pub async fn run(
    pool: PgPool,
    clock: Clock,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    setup(&pool).await?;
    let ctx = JobEnv {
        db: pool.clone(),
        clock,
    };
    let storage = housekeeping_storage(&pool);
    let sweeper = tokio::spawn(housekeeping::sweep(storage.clone()));
    let monitor = Monitor::new()
        .register(move |i| {
            WorkerBuilder::new(format!("casework-housekeeping-{i}"))
                .backend(storage.clone())
                .data(ctx.clone())
                .build(housekeeping::handle)
        })
        .shutdown_timeout(Duration::from_secs(20));
    tracing::info!("worker started");
    let result = monitor
        .run_with_signal(async move {
            shutdown.await;
            Ok(())
        })
        .await;
    sweeper.abort();
    tracing::info!("worker stopped");
    result.map_err(|e| anyhow::anyhow!("worker monitor failed: {e}"))
}
