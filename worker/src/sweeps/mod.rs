//! The daily sweeps (digest, case review), checked every `sweep_tick` by every worker
//! process; each runs once per office day across all of them (`sweep_runs`).

use casework_domain::{calendar, sweeps};

use crate::JobEnv;

/// Checks the sweeps every `sweep_tick` until aborted.
pub async fn run(env: JobEnv) {
    let mut tick = tokio::time::interval(env.config.sweep_tick);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = once(&env).await {
            tracing::warn!(error = %e, "sweep failed; will try again at the next tick");
        }
    }
}

/// One check: if the office is open today and a sweep has not run for today, run it, the
/// claim and the work in one transaction.
///
/// # Errors
/// Database errors.
pub async fn once(env: &JobEnv) -> anyhow::Result<()> {
    let now = env.clock.ts();
    let cal = {
        let mut conn = env.db.acquire().await?;
        calendar::store::load(&mut conn).await?
    };
    let Some(day) = sweeps::due_office_day(&cal, now) else {
        return Ok(());
    };
    let mut tx = env.db.begin().await?;
    if sweeps::claim(&mut tx, sweeps::DIGEST, day, &env.instance, now).await? {
        let n = sweeps::digest(&mut tx, day, now).await?;
        tracing::info!(office_date = %day, notifications = n, "digest sent");
    }
    tx.commit().await?;
    let mut tx = env.db.begin().await?;
    if sweeps::claim(&mut tx, sweeps::CASE_REVIEW, day, &env.instance, now).await? {
        let n = sweeps::case_reviews(&mut tx, &cal, now).await?;
        tracing::info!(office_date = %day, tasks = n, "case reviews created");
    }
    tx.commit().await?;
    Ok(())
}
