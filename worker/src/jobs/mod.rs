//! One module per job kind.
//!
//! Wiring a job kind is three steps (as `takedown_follow_up` and `order_compliance` show):
//!
//! 1. a module here whose handler is
//!    `async fn handle(job: TakedownFollowUp, env: Data<JobEnv>, id: TaskId, attempt: Attempt)`
//!    returning `runner::run(job, &env, &id, &attempt, |job| async move { ... }).await`
//!    — the runner already waits for `job.due_at` on the worker's clock and retries
//!    failures with backoff;
//! 2. inside, one transaction: re-check the business state (still submitted/acknowledged?
//!    still not complied?), then `task::store::create` with a `TaskSpec::system(..)` (its
//!    reminder is enqueued with it), `notification::notify_supervisors` for escalations
//!    (dedupe key per escalation), and the next job with the `jobs::enqueue_*` helper —
//!    all committed together;
//! 3. a `.register(..)` for its queue in `crate::run`, like the reminder's.

pub mod housekeeping;
pub mod order_compliance;
pub mod reminder;
pub mod takedown_follow_up;
