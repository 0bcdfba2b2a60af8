//! Takedown follow-ups (contract §8): at a request's `follow_up_due_at`, if the platform
//! has still not answered, a follow-up task for the caseworker, the next follow-up one
//! interval later, and from the third on an escalation to supervisors (see
//! `casework_domain::takedown::follow_up`).

use apalis::prelude::*;
use casework_domain::{Ts, calendar, jobs::TakedownFollowUp, takedown::follow_up};

use crate::{JobEnv, runner};

/// The job handler.
///
/// # Errors
/// Database errors; the job is retried with backoff.
pub async fn handle(job: TakedownFollowUp, env: Data<JobEnv>, id: TaskId, attempt: Attempt) -> Result<(), BoxDynError> {
    let env: &JobEnv = &env;
    runner::run(job, env, &id, &attempt, |job| async move {
        let mut tx = env.db.begin().await?;
        let cal = calendar::store::load(&mut tx).await?;
        let outcome = follow_up::run(&mut tx, job.takedown_id, Ts::new(job.due_at), &cal, env.clock.ts()).await?;
        tx.commit().await?;
        tracing::info!(takedown.id = %job.takedown_id, ?outcome, "takedown follow-up");
        Ok(runner::Outcome::Done)
    })
    .await
}
