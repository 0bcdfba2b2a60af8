//! Order compliance (contract §8): the check at a binding's `comply_by`, and the penalty
//! escalations that follow while it stays non-compliant (see
//! `casework_domain::order::compliance`).

use apalis::prelude::*;
use casework_domain::{
    calendar,
    jobs::{ComplianceCheck, PenaltyEscalation},
    order::compliance,
};

use crate::{JobEnv, runner};

/// The check at `comply_by`.
///
/// # Errors
/// Database errors; the job is retried with backoff.
pub async fn handle_check(
    job: ComplianceCheck,
    env: Data<JobEnv>,
    id: TaskId,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    let env: &JobEnv = &env;
    runner::run(job, env, &id, &attempt, |job| async move {
        let mut tx = env.db.begin().await?;
        let cal = calendar::store::load(&mut tx).await?;
        let outcome = compliance::check(&mut tx, job.order_id, job.binding_id, &cal, env.clock.ts()).await?;
        tx.commit().await?;
        tracing::info!(binding.id = %job.binding_id, ?outcome, "order compliance check");
        Ok(runner::Outcome::Done)
    })
    .await
}

/// One round of the escalation of a non-compliant binding.
///
/// # Errors
/// Database errors; the job is retried with backoff.
pub async fn handle_escalation(
    job: PenaltyEscalation,
    env: Data<JobEnv>,
    id: TaskId,
    attempt: Attempt,
) -> Result<(), BoxDynError> {
    let env: &JobEnv = &env;
    runner::run(job, env, &id, &attempt, |job| async move {
        let mut tx = env.db.begin().await?;
        let escalated = compliance::escalate(&mut tx, job.order_id, job.binding_id, job.round, env.clock.ts()).await?;
        tx.commit().await?;
        tracing::info!(binding.id = %job.binding_id, round = job.round, escalated, "penalty escalation");
        Ok(runner::Outcome::Done)
    })
    .await
}
