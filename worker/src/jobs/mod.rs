//! One module per job kind, each implementing [`Perform`] for its payload: the work of one
//! run, in one transaction (re-check the business state, act, enqueue what follows). The
//! one apalis handler [`handle`] runs it through [`crate::runner`] (not before its instant,
//! backoff on failure), and `crate::run` registers every kind with one helper.
//!
//! Wiring a job kind is three steps (as `takedown_follow_up` and `order_compliance` show):
//!
//! 1. a payload implementing `casework_domain::jobs::Job` (its queue, due instant and
//!    idempotency key), pushed with `casework_domain::jobs::enqueue` in the transaction
//!    of the change it follows from;
//! 2. a module here implementing [`Perform`] for it: one transaction that re-checks the
//!    business state, then `task::store::create` with a `TaskSpec::system(..)` (its
//!    reminder is enqueued with it), `notification::notify_supervisors` for escalations
//!    (dedupe key per escalation), and the next job — all committed together;
//! 3. one line in `crate::run`: `register::<ThePayload>(monitor, &env)`.

pub mod housekeeping;
pub mod order_compliance;
pub mod reminder;
pub mod takedown_follow_up;

use std::future::Future;

use apalis::prelude::{Attempt, BoxDynError, Data, TaskId};
use casework_domain::jobs::Job;

use crate::{JobEnv, runner};

/// The work of one run of a job.
pub trait Perform: Job {
    /// Does the work (the runner has checked the job is due).
    fn perform(self, env: &JobEnv) -> impl Future<Output = Result<runner::Outcome, BoxDynError>> + Send;
}

/// The apalis handler of every queue: `J`'s work through the runner.
///
/// # Errors
/// The work's error (the job is retried with backoff), or a deferral.
pub async fn handle<J: Perform>(job: J, env: Data<JobEnv>, id: TaskId, attempt: Attempt) -> Result<(), BoxDynError> {
    let env: &JobEnv = &env;
    runner::run(job, env, &id, &attempt, |job| job.perform(env)).await
}
