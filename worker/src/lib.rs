//! Casework's background worker: apalis workers on PostgreSQL (schema `apalis`), one
//! module per job kind (`jobs/`), plus the periodic sweeps (`sweeps/`).
//!
//! apalis-postgres gives at-least-once delivery and nothing more, so this crate adds what
//! the service promises on top (see [`runner`]): jobs wait for their service-time instant,
//! failed attempts come back with exponential backoff until the last one, finished jobs are
//! pruned, and orphaned jobs of a dead worker are taken over after the heartbeat timeout.

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
    /// Longest a deferred job waits before re-checking (a closure removed, a clock
    /// corrected): a job due in three days is looked at again at least this often.
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
    let instance = format!("casework-{}", ulid::Ulid::generate());
    let env = JobEnv {
        db: pool.clone(),
        clock,
        config: config.clone(),
        instance: instance.clone(),
    };
    let housekeeping = storage::<Housekeeping>(&pool, &config);
    let reminders = storage::<DeliverReminder>(&pool, &config);
    let follow_ups = storage::<TakedownFollowUp>(&pool, &config);
    let checks = storage::<ComplianceCheck>(&pool, &config);
    let escalations = storage::<PenaltyEscalation>(&pool, &config);
    let background = [
        tokio::spawn(jobs::housekeeping::sweep(pool.clone(), config.housekeeping_interval)),
        tokio::spawn(sweeps::run(env.clone())),
    ];
    let poll = config.poll_interval;
    let (env_h, env_r, env_f, env_c, env_e) = (env.clone(), env.clone(), env.clone(), env.clone(), env.clone());
    let (name_h, name_r, name_f, name_c, name_e) = (
        format!("{instance}-housekeeping"),
        format!("{instance}-reminder"),
        format!("{instance}-takedown-follow-up"),
        format!("{instance}-order-compliance"),
        format!("{instance}-penalty-escalation"),
    );
    let monitor = Monitor::new()
        // apalis ends a worker whose poll of the database fails (the database restarting,
        // or away for longer than the pool's acquire timeout), and without this the
        // process would stay up with no worker left. Each failed poll has already waited
        // that timeout, so this does not spin while the database is away.
        .should_restart(|worker, error| {
            let restart = matches!(error, WorkerError::BackendError(_));
            tracing::warn!(worker = worker.name(), %error, restart, "worker ended with an error");
            restart
        })
        .register(move |restarts| {
            WorkerBuilder::new(run_name(&name_h, restarts))
                .backend(housekeeping.clone().poll_with_interval(poll))
                .data(env_h.clone())
                .build(jobs::housekeeping::handle)
        })
        .register(move |restarts| {
            WorkerBuilder::new(run_name(&name_r, restarts))
                .backend(reminders.clone().poll_with_interval(poll))
                .data(env_r.clone())
                .build(jobs::reminder::handle)
        })
        .register(move |restarts| {
            WorkerBuilder::new(run_name(&name_f, restarts))
                .backend(follow_ups.clone().poll_with_interval(poll))
                .data(env_f.clone())
                .build(jobs::takedown_follow_up::handle)
        })
        .register(move |restarts| {
            WorkerBuilder::new(run_name(&name_c, restarts))
                .backend(checks.clone().poll_with_interval(poll))
                .data(env_c.clone())
                .build(jobs::order_compliance::handle_check)
        })
        .register(move |restarts| {
            WorkerBuilder::new(run_name(&name_e, restarts))
                .backend(escalations.clone().poll_with_interval(poll))
                .data(env_e.clone())
                .build(jobs::order_compliance::handle_escalation)
        })
        .shutdown_timeout(config.shutdown_timeout);
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
