//! What every job goes through, on top of apalis-postgres's at-least-once delivery and its
//! scheduling (a job is fetched once its `run_at` has passed; timed jobs are pushed with
//! their due instant, see `casework_domain::jobs`):
//!
//! * **Not early.** A job fetched before its service-time instant (`Job::not_before`;
//!   possible only when the service clock changed since it was pushed) goes back to
//!   `Pending` with `run_at` at that instant (apalis treats a `DeferredError` so). A
//!   handler may also answer [`Outcome::NotBefore`]: the reminders do when they fall due
//!   while the office is closed, deferred to the opening but re-checked at least every
//!   `max_defer` (a closure may be removed meanwhile). apalis counts a deferred run as an
//!   attempt, so a deferral also raises the job's `max_attempts` by one: only failures use
//!   up the budget of [`MAX_ATTEMPTS`].
//! * **Backoff.** apalis-postgres refetches a failed job at once. A failed attempt that is
//!   not the last moves `run_at` to now + `backoff_base × 2^(attempt-1)` (capped at
//!   `backoff_max`) before apalis records it `Failed`; the fetch query only takes failed
//!   jobs whose `run_at` has passed. After the last attempt the job stays `Failed` with its
//!   error, visible in `GET /v1/jobs`.

use std::future::Future;

use apalis::prelude::{Attempt, BoxDynError, DeferredError, TaskId};
use casework_domain::{
    Ts,
    jobs::{self, Job, MAX_ATTEMPTS},
};

use crate::JobEnv;

/// What a handler did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Done,
    /// Come back at this instant (service time).
    NotBefore(Ts),
}

/// Runs `work` for `job` with deferral and backoff (see the module documentation).
///
/// # Errors
/// The handler's error (after the job was rescheduled), or a `DeferredError`.
pub async fn run<J, F, Fut>(job: J, env: &JobEnv, id: &TaskId, attempt: &Attempt, work: F) -> Result<(), BoxDynError>
where
    J: Job,
    F: FnOnce(J) -> Fut,
    Fut: Future<Output = Result<Outcome, BoxDynError>>,
{
    let job_id = id.to_string();
    if let Some(t) = job.not_before()
        && Ts::new(t) > env.clock.ts()
    {
        return defer(env, &job_id, Ts::new(t), None).await;
    }
    match work(job).await {
        Ok(Outcome::Done) => Ok(()),
        Ok(Outcome::NotBefore(t)) => defer(env, &job_id, t, Some(env.config.max_defer)).await,
        Err(e) => {
            let mut conn = env.db.acquire().await?;
            let n = attempt.current();
            // Deferrals raised max_attempts by one each; what is left over is failures.
            let max = jobs::max_attempts(&mut conn, &job_id)
                .await?
                .and_then(|m| usize::try_from(m).ok())
                .unwrap_or(MAX_ATTEMPTS);
            let failures = n.saturating_sub(max.saturating_sub(MAX_ATTEMPTS));
            if n < max {
                let delay = jobs::backoff(failures, env.config.backoff_base, env.config.backoff_max);
                tracing::warn!(job.id = %job_id, queue = J::QUEUE, failures, error = %e, retry_in_ms = delay.as_millis(), "job failed; will retry");
                jobs::reschedule(&mut conn, &job_id, delay).await?;
            } else {
                tracing::error!(job.id = %job_id, queue = J::QUEUE, failures, error = %e, "job failed for the last time");
            }
            Err(e)
        }
    }
}

async fn defer(env: &JobEnv, job_id: &str, until: Ts, at_most: Option<std::time::Duration>) -> Result<(), BoxDynError> {
    let mut conn = env.db.acquire().await?;
    jobs::defer(&mut conn, job_id, until.get(), at_most).await?;
    tracing::debug!(job.id = %job_id, until = %until, "job deferred");
    Err(DeferredError::new(format!("waiting until {until}")).into())
}
