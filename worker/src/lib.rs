//! Casework's background worker: apalis workers on PostgreSQL (schema `apalis`), one
//! module per job kind (`jobs/`), plus the periodic sweeps (`sweeps/`).
//!
//! apalis-postgres gives polling, at-least-once delivery, scheduling (`run_at`), unique
//! jobs (idempotency keys) and the re-enqueueing of a dead worker's jobs after the
//! heartbeat timeout. This crate adds what the service promises on top (see [`runner`]):
//! the service clock anchored at start so jobs run at their service-time instants,
//! failed attempts back with exponential backoff until the last one, reminders deferred to
//! office hours, and finished jobs pruned. See `docs/worker.md`.

pub mod config;
pub mod jobs;
pub mod runner;
pub mod sweeps;

use std::{future::Future, time::Duration};

use apalis::prelude::*;
use apalis_postgres::{Config, PostgresStorage};
use casework_domain::{
    Clock,
    jobs::{ComplianceCheck, DeliverReminder, Housekeeping, Job, PenaltyEscalation, TakedownFollowUp},
};
use sqlx::PgPool;

pub use config::WorkerFlags;

/// The operating knobs of the worker (flags and environment of `casework-worker`).
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// How often each queue is polled for jobs that have become due (apalis-postgres only
    /// finds future-dated jobs by polling). Lateness is about this long.
    pub poll_interval: Duration,
    /// How often a worker tells the database it is alive.
    pub heartbeat_interval: Duration,
    /// Missed heartbeats after which a worker counts as dead and its jobs are re-enqueued.
    pub missed_heartbeats: usize,
    /// First retry delay of a failed job; doubles each attempt.
    pub backoff_base: Duration,
    /// Longest retry delay.
    pub backoff_max: Duration,
    /// How long finished jobs are kept before housekeeping deletes them.
    pub job_retention: Duration,
    /// Longest a reminder deferred to the office's opening waits before re-checking the
    /// calendar (a closure may be removed meanwhile). Timed jobs are not re-checked: apalis
    /// runs them at their `run_at`.
    pub max_defer: Duration,
    /// How often the daily sweeps check whether today's run is still to do.
    pub sweep_tick: Duration,
    /// How often housekeeping is enqueued.
    pub housekeeping_interval: Duration,
    /// How long running jobs may take to finish after SIGTERM.
    pub shutdown_timeout: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(1),
            heartbeat_interval: Duration::from_secs(30),
            missed_heartbeats: 4,
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(3600),
            job_retention: Duration::from_secs(7 * 24 * 3600),
            max_defer: Duration::from_secs(3600),
            sweep_tick: Duration::from_secs(15),
            housekeeping_interval: Duration::from_secs(3600),
            shutdown_timeout: Duration::from_secs(20),
        }
    }
}

/// What every job handler may use.
#[derive(Clone, Debug)]
pub struct JobEnv {
    pub db: PgPool,
    pub clock: Clock,
    pub config: WorkerConfig,
    /// This process's name among workers (`casework-<ulid>`), unique per start.
    pub instance: String,
}

/// Creates (or upgrades) the apalis tables in their own `apalis` schema.
///
/// # Errors
/// When the database cannot be reached or the migration fails.
pub async fn setup(pool: &PgPool) -> anyhow::Result<()> {
    PostgresStorage::setup(pool).await?;
    Ok(())
}

/// The apalis configuration of `J`'s queue: its name set explicitly, heartbeats as
/// configured.
#[must_use]
pub fn queue_config<J: Job>(config: &WorkerConfig) -> Config {
    Config::default()
        .queue(J::QUEUE)
        .heartbeat_interval(config.heartbeat_interval)
        .missed_heartbeats(config.missed_heartbeats)
}

/// The storage of `J`'s queue (for pushing outside a transaction, e.g. housekeeping).
#[must_use]
pub fn storage<J: Job>(pool: &PgPool, config: &WorkerConfig) -> PostgresStorage<J> {
    PostgresStorage::new(pool).with_config(queue_config::<J>(config))
}

/// Registers the worker of `J`'s queue: polled every `poll_interval`, its jobs handled by
/// [`jobs::handle`]. A restarted worker takes a fresh name ([`run_name`]).
fn register<J: jobs::Perform>(monitor: Monitor, env: &JobEnv) -> Monitor {
    let backend = storage::<J>(&env.db, &env.config).poll_with_interval(env.config.poll_interval);
    let name = format!("{}-{}", env.instance, J::QUEUE);
    let env = env.clone();
    monitor.register(move |restarts| {
        WorkerBuilder::new(run_name(&name, restarts))
            .backend(backend.clone())
            .data(env.clone())
            .build(jobs::handle::<J>)
    })
}

/// The name of a queue's worker after `restarts` restarts: a fresh name for each run, since
/// apalis registers a name only once its previous holder's session has ended (a worker
/// whose session outlived its failure would otherwise block its own restart). Jobs the
/// previous run held are taken over as a dead worker's are.
fn run_name(base: &str, restarts: usize) -> String {
    if restarts == 0 {
        base.to_owned()
    } else {
        format!("{base}-restart-{restarts}")
    }
}

/// Runs the workers and sweeps until `shutdown` resolves, then stops fetching, lets
/// running jobs finish (up to `shutdown_timeout`) and returns.
///
/// # Errors
/// When set-up fails or a worker cannot run.
pub async fn run(
    pool: PgPool,
    clock: Clock,
    config: WorkerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    setup(&pool).await?;
    // This worker's clock is the service clock from now on: waiting jobs keep their
    // service-time instants (see `casework_domain::jobs`).
    let offset = {
        let mut conn = pool.acquire().await?;
        casework_domain::jobs::anchor_service_clock(&mut conn, clock.ts()).await?
    };
    let instance = format!("casework-{}", ulid::Ulid::generate());
    tracing::info!(offset_ms = offset.as_millis(), "service clock anchored");
    let env = JobEnv {
        db: pool.clone(),
        clock,
        config: config.clone(),
        instance: instance.clone(),
    };
    let background = [
        tokio::spawn(jobs::housekeeping::sweep(pool.clone(), config.housekeeping_interval)),
        tokio::spawn(sweeps::run(env.clone())),
    ];
    let monitor = Monitor::new()
        // apalis ends a worker whose poll of the database fails (the database restarting,
        // or away for longer than the pool's acquire timeout), and without this the
        // process would stay up with no worker left. Each failed poll has already waited
        // that timeout, so this does not spin while the database is away.
        .should_restart(|worker, error| {
            let restart = matches!(error, WorkerError::BackendError(_));
            tracing::warn!(worker = worker.name(), %error, restart, "worker ended with an error");
            restart
        });
    let monitor = register::<Housekeeping>(monitor, &env);
    let monitor = register::<DeliverReminder>(monitor, &env);
    let monitor = register::<TakedownFollowUp>(monitor, &env);
    let monitor = register::<ComplianceCheck>(monitor, &env);
    let monitor = register::<PenaltyEscalation>(monitor, &env).shutdown_timeout(config.shutdown_timeout);
    tracing::info!(worker = %instance, "worker started");
    let result = monitor
        .run_with_signal(async move {
            shutdown.await;
            Ok(())
        })
        .await;
    for task in background {
        task.abort();
    }
    tracing::info!(worker = %instance, "worker stopped");
    result.map_err(|e| anyhow::anyhow!("worker monitor failed: {e}"))
}
