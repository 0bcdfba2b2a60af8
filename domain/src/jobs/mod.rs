//! Background job payloads, and the one way to enqueue them: [`enqueue`], inside the
//! caller's transaction, so a job exists exactly when the state change it follows from was
//! committed. Handlers live in `casework-worker`; a job re-checks business state when it
//! starts, so running one twice (or after its subject was cancelled) is harmless.
//!
//! Time: a job due at an instant of *service* time (`Job::not_before`) is pushed with
//! apalis' own `run_at`, the database-time instant `due − offset`, where the offset
//! (service time − database time) is the one the running worker recorded in
//! `service_clock` ([`anchor_service_clock`]); apalis fetches it once it falls due, not
//! before. A job that must exist once carries apalis' idempotency key
//! (`Job::idempotency_key`); pushing it again is a no-op ([`enqueue`] returns `None`).
//! See `docs/worker.md`.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use sqlx::{Connection, PgConnection};
use uuid::Uuid;

use apalis::prelude::{TaskBuilder, TaskId};

use crate::timestamp::Ts;

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

    /// The service-time instant the job falls due; `None`: at once.
    fn not_before(&self) -> Option<Timestamp> {
        None
    }

    /// apalis' idempotency key, for a job that must exist once in its queue: a second push
    /// with the same key adds nothing.
    fn idempotency_key(&self) -> Option<String> {
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
    /// When the reminder falls due (service time); absent in payloads from before it was
    /// carried, which the handler defers itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<Timestamp>,
}

impl Job for DeliverReminder {
    const QUEUE: &'static str = REMINDER_QUEUE;
    fn not_before(&self) -> Option<Timestamp> {
        self.due_at
    }
    fn idempotency_key(&self) -> Option<String> {
        Some(self.reminder_id.to_string())
    }
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
    fn idempotency_key(&self) -> Option<String> {
        Some(format!("{}@{}", self.takedown_id, self.due_at))
    }
}

/// The compliance check of an order binding, at the instant its breach would begin: the
/// later of `comply_by` and service (or `comply_by` while unserved).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ComplianceCheck {
    pub order_id: Uuid,
    pub binding_id: Uuid,
    #[serde(alias = "comply_by")]
    pub due_at: Timestamp,
}

impl Job for ComplianceCheck {
    const QUEUE: &'static str = ORDER_COMPLIANCE_QUEUE;
    fn not_before(&self) -> Option<Timestamp> {
        Some(self.due_at)
    }
    /// One check per binding and instant: recording service before the deadline adds none.
    fn idempotency_key(&self) -> Option<String> {
        Some(format!("{}@{}", self.binding_id, self.due_at))
    }
}

/// Escalates a binding still `non_compliant` at `due_at` (service time): round 1 two office
/// days after the breach began, then weekly while it lasts.
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
    /// A binding breaches once (`non_compliant → complied` is final), so each round exists
    /// once, whoever recorded the breach (the worker or a caseworker).
    fn idempotency_key(&self) -> Option<String> {
        Some(format!("{}#{}", self.binding_id, self.round))
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

/// The queue's own failures are internal errors (500), never "database unavailable";
/// database errors stay database errors.
impl From<EnqueueError> for crate::DomainError {
    fn from(e: EnqueueError) -> Self {
        match e {
            EnqueueError::Db(e) => crate::DomainError::Db(e),
            other => crate::DomainError::Internal(other.to_string()),
        }
    }
}

/// apalis' unique index on `(job_type, idempotency_key)`.
const IDEMPOTENCY_INDEX: &str = "idx_jobs_idempotency_key";

/// Pushes `job` onto its queue in the caller's transaction (`conn`): a rollback leaves no
/// job, a commit leaves exactly one. A timed job gets apalis' `run_at` from its due instant
/// ([`run_at_for`]); a job with an idempotency key whose twin exists already is not pushed
/// again (`None`). Returns the job id (a ULID, `apalis.jobs.id`).
///
/// # Errors
/// When the payload cannot be encoded or the insert fails.
pub async fn enqueue<J: Job>(conn: &mut PgConnection, job: &J) -> Result<Option<String>, EnqueueError> {
    let id = ulid::Ulid::generate();
    let mut task = TaskBuilder::new(serde_json::to_vec(job)?)
        .task_id(TaskId::from_ulid(id))
        .max_attempts(MAX_ATTEMPTS);
    if let Some(due) = job.not_before() {
        task = task.run_at_timestamp(run_at_for(conn, due).await?);
    }
    let Some(key) = job.idempotency_key() else {
        return match apalis_postgres::queries::push_tasks(conn, J::QUEUE, vec![task.build()]).await {
            Ok(()) => Ok(Some(id.to_string())),
            Err(apalis_postgres::Error::Database(e)) => Err(EnqueueError::Db(e)),
            Err(other) => Err(EnqueueError::Queue(other.to_string())),
        };
    };
    task = task.idempotency_key(&key);
    // A savepoint, so that a duplicate key undoes only this push, not the caller's work.
    let mut sp = conn.begin().await?;
    let pushed = apalis_postgres::queries::push_tasks(&mut *sp, J::QUEUE, vec![task.build()]).await;
    match pushed {
        Ok(()) => {
            sp.commit().await?;
            Ok(Some(id.to_string()))
        }
        Err(apalis_postgres::Error::Database(e)) if crate::error::is_constraint(&e, IDEMPOTENCY_INDEX) => {
            sp.rollback().await?;
            Ok(None)
        }
        Err(apalis_postgres::Error::Database(e)) => Err(EnqueueError::Db(e)),
        Err(other) => Err(EnqueueError::Queue(other.to_string())),
    }
}

/// The offset of service time over database time the running worker recorded (zero when
/// none has: the real clock). Read `FOR SHARE`, so a worker re-anchoring the clock waits
/// for this transaction, and then moves the job it pushed too.
///
/// # Errors
/// Database errors only.
pub async fn service_offset(conn: &mut PgConnection) -> Result<SignedDuration, sqlx::Error> {
    let us = sqlx::query_scalar!("SELECT offset_us FROM service_clock FOR SHARE")
        .fetch_optional(conn)
        .await?
        .unwrap_or(0);
    Ok(SignedDuration::from_micros(us))
}

/// apalis' `run_at` (whole seconds of database time, rounded up so that a job never falls
/// due before its instant) for a job due at the service-time instant `due`.
///
/// # Errors
/// Database errors only.
pub async fn run_at_for(conn: &mut PgConnection, due: Timestamp) -> Result<u64, sqlx::Error> {
    let offset = service_offset(conn).await?;
    Ok(db_seconds(due, offset))
}

fn db_seconds(due: Timestamp, offset: SignedDuration) -> u64 {
    let db = due.checked_sub(offset).unwrap_or(due);
    let up = db.as_second() + i64::from(db.subsec_nanosecond() > 0);
    u64::try_from(up).unwrap_or(0)
}

/// Records this worker's clock as the service clock (`now`, read from it) and moves every
/// waiting job's `run_at` by the change of offset, in one transaction: a job due at a
/// service-time instant stays due at that instant, whatever clock the previous worker had.
/// Returns the new offset.
///
/// # Errors
/// Database errors only.
pub async fn anchor_service_clock(conn: &mut PgConnection, now: Ts) -> Result<SignedDuration, sqlx::Error> {
    let mut tx = conn.begin().await?;
    let old = sqlx::query_scalar!("SELECT offset_us FROM service_clock FOR UPDATE")
        .fetch_optional(&mut *tx)
        .await?
        .unwrap_or(0);
    let new = sqlx::query_scalar!(
        r#"INSERT INTO service_clock (id, offset_us, anchored_at)
           VALUES (true, ((extract(epoch FROM $1::timestamptz) - extract(epoch FROM now())) * 1000000)::bigint, now())
           ON CONFLICT (id) DO UPDATE SET offset_us = EXCLUDED.offset_us, anchored_at = EXCLUDED.anchored_at
           RETURNING offset_us"#,
        now
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        r#"UPDATE apalis.jobs SET run_at = run_at + make_interval(secs => $1)
           WHERE status IN ('Pending', 'Failed') AND job_type = ANY($2)"#,
        (old - new) as f64 / 1e6,
        &QUEUES.iter().map(|q| (*q).to_owned()).collect::<Vec<_>>()
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(SignedDuration::from_micros(new))
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
) -> Result<Option<String>, EnqueueError> {
    let due_at = due_at.into();
    enqueue(conn, &TakedownFollowUp { takedown_id, due_at }).await
}

/// Schedules the delivery of a reminder at `due_at` (service time), in the caller's
/// transaction. Returns the job id.
///
/// # Errors
/// See [`enqueue`].
pub async fn enqueue_reminder(
    conn: &mut PgConnection,
    reminder_id: Uuid,
    due_at: impl Into<Timestamp>,
) -> Result<Option<String>, EnqueueError> {
    let due_at = Some(due_at.into());
    enqueue(conn, &DeliverReminder { reminder_id, due_at }).await
}

/// Schedules the compliance check of an order binding at `due_at` (service time), in the
/// caller's transaction, once per binding and instant. The handler re-checks the binding's
/// status when it runs.
///
/// # Errors
/// See [`enqueue`].
pub async fn enqueue_compliance_check(
    conn: &mut PgConnection,
    order_id: Uuid,
    binding_id: Uuid,
    due_at: impl Into<Timestamp>,
) -> Result<Option<String>, EnqueueError> {
    let due_at = due_at.into();
    enqueue(
        conn,
        &ComplianceCheck {
            order_id,
            binding_id,
            due_at,
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

/// Moves a job's next run `after` from now (database time, which apalis' `run_at` is in).
/// Called by the worker on the job it holds after a failed attempt, before apalis records
/// it `Failed`; apalis fetches it only once `run_at` has passed.
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

/// Defers the job the worker holds to the service-time instant `until` (its `run_at`
/// mapped like [`enqueue`]'s), or sooner when `at_most` (from now) is shorter, and allows
/// one more attempt, since apalis counts every run (a deferral too) against
/// `max_attempts`; only failures should use the budget up. Deferrals are rare: a reminder
/// falling due while the office is closed, or a job fetched early because the clock changed.
///
/// # Errors
/// Database errors only.
pub async fn defer(
    conn: &mut PgConnection,
    job_id: &str,
    until: Timestamp,
    at_most: Option<std::time::Duration>,
) -> Result<(), sqlx::Error> {
    let run_at = i64::try_from(run_at_for(conn, until).await?).unwrap_or(i64::MAX);
    sqlx::query!(
        r#"UPDATE apalis.jobs
           SET run_at = LEAST(to_timestamp($2), COALESCE(now() + make_interval(secs => $3), 'infinity')),
               max_attempts = max_attempts + 1
           WHERE id = $1"#,
        job_id,
        run_at as f64,
        at_most.map(|d| d.as_secs_f64())
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

/// Schedules round `round` of the escalation of a binding's breach at `due_at`, in the
/// caller's transaction, once per binding and round.
///
/// # Errors
/// Database errors or an unencodable payload.
pub async fn enqueue_penalty_escalation(
    conn: &mut PgConnection,
    order_id: Uuid,
    binding_id: Uuid,
    due_at: impl Into<Timestamp>,
    round: u32,
) -> Result<Option<String>, EnqueueError> {
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
                reminder_id: Uuid::nil(),
                due_at: None,
            }
            .not_before(),
            None
        );
    }

    #[test]
    fn due_instants_map_to_database_seconds_rounded_up() {
        let due: Timestamp = "2026-11-24T23:30:00Z".parse().expect("instant");
        // The service clock a day ahead of the database: due a day earlier in its time.
        let ahead = SignedDuration::from_hours(24);
        assert_eq!(
            db_seconds(due, ahead),
            u64::try_from(due.as_second() - 86_400).expect("positive")
        );
        let later = due + SignedDuration::from_millis(1);
        assert_eq!(
            db_seconds(later, SignedDuration::ZERO),
            u64::try_from(due.as_second() + 1).expect("positive")
        );
    }

    #[test]
    fn a_queue_failure_is_internal_not_the_database() {
        let e: crate::DomainError = EnqueueError::Queue("codec".into()).into();
        assert!(matches!(e, crate::DomainError::Internal(_)), "{e:?}");
    }

    #[test]
    fn old_compliance_payloads_still_read() {
        let j: ComplianceCheck = serde_json::from_str(
            r#"{"order_id":"00000000-0000-0000-0000-000000000000","binding_id":"00000000-0000-0000-0000-000000000000","comply_by":"2026-11-25T06:59:00Z"}"#,
        )
        .expect("payload");
        assert_eq!(j.due_at.to_string(), "2026-11-25T06:59:00Z");
    }
}
