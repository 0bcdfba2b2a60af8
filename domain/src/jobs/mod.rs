//! Background job payloads, and the one way to enqueue them: [`enqueue`], inside the
//! caller's transaction, so a job exists exactly when the state change it follows from was
//! committed. Handlers live in `casework-worker`; a job re-checks business state when it
//! starts, so running one twice (or after its subject was cancelled) is harmless.
//!
//! Time: a job that must not run before an instant of *service* time carries that instant
//! (`not_before`). It is pushed to run at once, and the worker defers it by the remaining
//! service-time difference measured on its own clock. apalis's `run_at` is wall-clock time
//! taken from the database; translating service time into it at enqueue time would tie the
//! job to the enqueuing process's clock (demo and test clocks differ between processes).

use jiff::Timestamp;
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sqlx::PgConnection;
use uuid::Uuid;

use apalis::prelude::{TaskBuilder, TaskId};

pub mod admin;

/// Queue of the housekeeping job.
pub const HOUSEKEEPING_QUEUE: &str = "casework::housekeeping";
/// Queue of task reminders.
pub const REMINDER_QUEUE: &str = "reminder";
/// Queue of takedown follow-ups (contract §8; handler wired with takedowns).
pub const TAKEDOWN_FOLLOW_UP_QUEUE: &str = "takedown_follow_up";
/// Queue of order compliance checks (contract §8).
pub const ORDER_COMPLIANCE_QUEUE: &str = "order_compliance";
/// Queue of penalty escalations of non-compliant bindings (contract §8).
pub const PENALTY_ESCALATION_QUEUE: &str = "penalty_escalation";

/// Every queue the worker knows, for the jobs list filter.
pub const QUEUES: &[&str] = &[
    HOUSEKEEPING_QUEUE,
    REMINDER_QUEUE,
    TAKEDOWN_FOLLOW_UP_QUEUE,
    ORDER_COMPLIANCE_QUEUE,
    PENALTY_ESCALATION_QUEUE,
];

/// Attempts before a failing job stays `Failed` (visible in `GET /v1/jobs`).
pub const MAX_ATTEMPTS: usize = 5;

/// A job payload and the queue it goes to.
pub trait Job: Serialize + DeserializeOwned + Send + Sync + Unpin + 'static {
    /// The apalis queue (`job_type`), always named explicitly.
    const QUEUE: &'static str;

    /// The service-time instant before which the job must not do its work.
    fn not_before(&self) -> Option<Timestamp> {
        None
    }
}

/// Periodic clean-up: expired idempotency records, finished jobs past their retention.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Housekeeping {
    /// Why it was enqueued (`sweep`, `manual`), for the job list.
    pub reason: String,
}

impl Job for Housekeeping {
    const QUEUE: &'static str = HOUSEKEEPING_QUEUE;
}

/// Deliver one reminder (row in `reminders`) as a notification, inside office hours.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct DeliverReminder {
    pub reminder_id: Uuid,
}

impl Job for DeliverReminder {
    const QUEUE: &'static str = REMINDER_QUEUE;
}

/// A takedown request's follow-up falls due (`follow_up_due_at`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TakedownFollowUp {
    pub takedown_id: Uuid,
    pub due_at: Timestamp,
}

impl Job for TakedownFollowUp {
    const QUEUE: &'static str = TAKEDOWN_FOLLOW_UP_QUEUE;
    fn not_before(&self) -> Option<Timestamp> {
        Some(self.due_at)
    }
}

/// An order binding's `comply_by` arrives.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ComplianceCheck {
    pub order_id: Uuid,
    pub binding_id: Uuid,
    pub comply_by: Timestamp,
}

impl Job for ComplianceCheck {
    const QUEUE: &'static str = ORDER_COMPLIANCE_QUEUE;
    fn not_before(&self) -> Option<Timestamp> {
        Some(self.comply_by)
    }
}

/// Escalates a binding still `non_compliant` at `due_at` (service time): round 1 two office
/// days after `comply_by`, then weekly while it lasts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PenaltyEscalation {
    pub order_id: Uuid,
    pub binding_id: Uuid,
    pub due_at: Timestamp,
    pub round: u32,
}

impl Job for PenaltyEscalation {
    const QUEUE: &'static str = PENALTY_ESCALATION_QUEUE;
    fn not_before(&self) -> Option<Timestamp> {
        Some(self.due_at)
    }
}

/// Why a job could not be enqueued.
#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error("could not encode the job payload: {0}")]
    Encode(#[from] serde_json::Error),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("job queue: {0}")]
    Queue(String),
}

impl From<EnqueueError> for sqlx::Error {
    fn from(e: EnqueueError) -> Self {
        match e {
            EnqueueError::Db(e) => e,
            other => sqlx::Error::Protocol(other.to_string()),
        }
    }
}

impl From<EnqueueError> for crate::DomainError {
    fn from(e: EnqueueError) -> Self {
        crate::DomainError::Db(e.into())
    }
}

/// Pushes `job` onto its queue in the caller's transaction (`conn`): a rollback leaves no
/// job, a commit leaves exactly one. Returns the job id (a ULID, `apalis.jobs.id`).
///
/// # Errors
/// When the payload cannot be encoded or the insert fails.
pub async fn enqueue<J: Job>(conn: &mut PgConnection, job: &J) -> Result<String, EnqueueError> {
    let id = ulid::Ulid::generate();
    let task = TaskBuilder::new(serde_json::to_vec(job)?)
        .task_id(TaskId::from_ulid(id))
        .max_attempts(MAX_ATTEMPTS)
        .build();
    apalis_postgres::queries::push_tasks(conn, J::QUEUE, vec![task])
        .await
        .map_err(|e| match e {
            apalis_postgres::Error::Database(e) => EnqueueError::Db(e),
            other => EnqueueError::Queue(other.to_string()),
        })?;
    Ok(id.to_string())
}

/// Schedules a takedown request's follow-up at `due_at` (service time), in the caller's
/// transaction. The handler re-checks that the request is still `submitted` or
/// `acknowledged` when it runs.
///
/// # Errors
/// See [`enqueue`].
pub async fn enqueue_takedown_follow_up(
    conn: &mut PgConnection,
    takedown_id: Uuid,
    due_at: impl Into<Timestamp>,
) -> Result<String, EnqueueError> {
    let due_at = due_at.into();
    enqueue(conn, &TakedownFollowUp { takedown_id, due_at }).await
}

/// Schedules the compliance check of an order binding at `comply_by` (service time), in
/// the caller's transaction. The handler re-checks the binding's status when it runs.
///
/// # Errors
/// See [`enqueue`].
pub async fn enqueue_compliance_check(
    conn: &mut PgConnection,
    order_id: Uuid,
    binding_id: Uuid,
    comply_by: impl Into<Timestamp>,
) -> Result<String, EnqueueError> {
    let comply_by = comply_by.into();
    enqueue(
        conn,
        &ComplianceCheck {
            order_id,
            binding_id,
            comply_by,
        },
    )
    .await
}

/// Marks pending jobs as cancelled (`Killed`) so they never run: used when the business
/// object they follow from is completed or cancelled. Handlers re-check state anyway; this
/// keeps `GET /v1/jobs` truthful. Running jobs are left alone (they re-check).
///
/// # Errors
/// Database errors only.
pub async fn neutralise(conn: &mut PgConnection, job_ids: &[String]) -> Result<u64, sqlx::Error> {
    if job_ids.is_empty() {
        return Ok(0);
    }
    let n = sqlx::query!(
        r#"UPDATE apalis.jobs SET status = 'Killed', done_at = now(), last_result = '{"Err": "cancelled"}'
           WHERE id = ANY($1) AND status IN ('Pending', 'Failed')"#,
        job_ids
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n)
}

/// Exponential backoff of a failed attempt: `base × 2^(attempt-1)`, capped.
#[must_use]
pub fn backoff(attempt: usize, base: std::time::Duration, cap: std::time::Duration) -> std::time::Duration {
    let exp = u32::try_from(attempt.saturating_sub(1).min(30)).unwrap_or(30);
    base.saturating_mul(2u32.saturating_pow(exp)).min(cap)
}

/// Moves a job's next run `after` from now (database wall-clock time, which apalis's
/// `run_at` is in). Called by the worker on the job it holds, before reporting the
/// attempt: a deferred job comes back `Pending`, a failed one `Failed` — either way
/// apalis fetches it only once `run_at` has passed.
///
/// # Errors
/// Database errors only.
pub async fn reschedule(conn: &mut PgConnection, job_id: &str, after: std::time::Duration) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE apalis.jobs SET run_at = now() + make_interval(secs => $2) WHERE id = $1",
        job_id,
        after.as_secs_f64()
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Defers a job: its next run `after` from now, and one more attempt allowed, since
/// apalis counts every run (a deferral too) against `max_attempts`; only failures should
/// use the budget up.
///
/// # Errors
/// Database errors only.
pub async fn defer(conn: &mut PgConnection, job_id: &str, after: std::time::Duration) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE apalis.jobs SET run_at = now() + make_interval(secs => $2), max_attempts = max_attempts + 1
           WHERE id = $1"#,
        job_id,
        after.as_secs_f64()
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A job's current `max_attempts` (grown by its deferrals).
///
/// # Errors
/// Database errors only.
pub async fn max_attempts(conn: &mut PgConnection, job_id: &str) -> Result<Option<i32>, sqlx::Error> {
    sqlx::query_scalar!("SELECT max_attempts FROM apalis.jobs WHERE id = $1", job_id)
        .fetch_optional(conn)
        .await
}

/// Deletes finished jobs (done, or cancelled) older than `retention`, and workers long
/// gone that hold no job: apalis-postgres never prunes. Failed jobs stay until an admin
/// retries or cancels them. Returns the number of jobs deleted.
///
/// # Errors
/// Database errors only.
pub async fn prune_finished(conn: &mut PgConnection, retention: std::time::Duration) -> Result<u64, sqlx::Error> {
    let secs = retention.as_secs_f64();
    let n = sqlx::query!(
        r#"DELETE FROM apalis.jobs
           WHERE status IN ('Done', 'Killed') AND done_at < now() - make_interval(secs => $1)"#,
        secs
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query!(
        r#"DELETE FROM apalis.workers w
           WHERE w.last_seen < now() - make_interval(secs => $1)
             AND NOT EXISTS (SELECT 1 FROM apalis.jobs j WHERE j.lock_by = w.id)"#,
        secs
    )
    .execute(conn)
    .await?;
    Ok(n)
}

/// Schedules round `round` of the penalty escalation of a binding at `due_at`, in the
/// caller's transaction.
///
/// # Errors
/// Database errors or an unencodable payload.
pub async fn enqueue_penalty_escalation(
    conn: &mut PgConnection,
    order_id: Uuid,
    binding_id: Uuid,
    due_at: impl Into<Timestamp>,
    round: u32,
) -> Result<String, EnqueueError> {
    let due_at = due_at.into();
    enqueue(
        conn,
        &PenaltyEscalation {
            order_id,
            binding_id,
            due_at,
            round,
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn backoff_doubles_and_caps() {
        let base = Duration::from_secs(10);
        let cap = Duration::from_secs(3600);
        let got: Vec<u64> = (1..=10).map(|a| backoff(a, base, cap).as_secs()).collect();
        assert_eq!(got, [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600]);
    }

    #[test]
    fn timed_jobs_carry_their_instant() {
        let t: Timestamp = "2026-11-27T18:00:00-07:00".parse().expect("instant");
        let j = TakedownFollowUp {
            takedown_id: Uuid::nil(),
            due_at: t,
        };
        assert_eq!(j.not_before(), Some(t));
        assert_eq!(
            DeliverReminder {
                reminder_id: Uuid::nil()
            }
            .not_before(),
            None
        );
    }
}
