//! The jobs admin view (contract §8): reads and nudges the apalis table directly, since
//! apalis-postgres has no listing that shows `last_error` by queue and status.

use sqlx::PgConnection;

use crate::{error::DomainError, string_enum, timestamp::Ts};

string_enum! {
    /// A job's state, as apalis records it (lower-cased on the wire).
    pub enum JobStatus {
        Pending = "pending",
        Queued = "queued",
        Running = "running",
        Done = "done",
        Failed = "failed",
        /// Cancelled (by an admin, or because its subject was closed).
        Killed = "killed",
    }
}

impl JobStatus {
    /// The value in `apalis.jobs.status`.
    #[must_use]
    pub fn apalis(self) -> &'static str {
        match self {
            JobStatus::Pending => "Pending",
            JobStatus::Queued => "Queued",
            JobStatus::Running => "Running",
            JobStatus::Done => "Done",
            JobStatus::Failed => "Failed",
            JobStatus::Killed => "Killed",
        }
    }
}

/// A job as the admin view shows it (never its payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRecord {
    pub id: String,
    pub queue: String,
    pub status: JobStatus,
    pub run_at: Ts,
    pub attempts: i32,
    pub max_attempts: i32,
    pub last_error: Option<String>,
    pub done_at: Option<Ts>,
}

/// Jobs, newest first (ids are ULIDs, ordered by creation), before `before`.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut PgConnection,
    queue: Option<&str>,
    status: Option<JobStatus>,
    before: Option<&str>,
    limit: i64,
) -> Result<Vec<JobRecord>, sqlx::Error> {
    sqlx::query_as!(
        JobRecord,
        r#"SELECT id, job_type AS queue, lower(status) AS "status!: JobStatus", run_at AS "run_at!", attempts,
                  max_attempts, last_result ->> 'Err' AS last_error, done_at
           FROM apalis.jobs
           WHERE ($1::text IS NULL OR job_type = $1)
             AND ($2::text IS NULL OR status = $2)
             AND ($3::text IS NULL OR id < $3)
           ORDER BY id DESC LIMIT $4"#,
        queue,
        status.map(JobStatus::apalis),
        before,
        limit
    )
    .fetch_all(conn)
    .await
}

async fn one(conn: &mut PgConnection, id: &str) -> Result<JobRecord, DomainError> {
    sqlx::query_as!(
        JobRecord,
        r#"SELECT id, job_type AS queue, lower(status) AS "status!: JobStatus", run_at AS "run_at!", attempts,
                  max_attempts, last_result ->> 'Err' AS last_error, done_at
           FROM apalis.jobs WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?
    .ok_or(DomainError::NotFound)
}

/// Runs a failed or cancelled job again now, with a fresh set of attempts.
///
/// # Errors
/// `NotFound`; `Conflict` when the job is not failed or cancelled.
#[tracing::instrument(skip_all, fields(job.id = %id))]
pub async fn retry(conn: &mut PgConnection, id: &str) -> Result<JobRecord, DomainError> {
    let n = sqlx::query!(
        r#"UPDATE apalis.jobs SET status = 'Pending', attempts = 0, run_at = now(), lock_by = NULL, lock_at = NULL,
                                  done_at = NULL
           WHERE id = $1 AND status IN ('Failed', 'Killed')"#,
        id
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    after_action(conn, id, n, "only failed or cancelled jobs can be retried").await
}

/// Cancels a job that has not run to completion (pending, or failed and waiting to retry).
///
/// # Errors
/// `NotFound`; `Conflict` when it is running, done or already cancelled.
#[tracing::instrument(skip_all, fields(job.id = %id))]
pub async fn cancel(conn: &mut PgConnection, id: &str) -> Result<JobRecord, DomainError> {
    let n = super::neutralise(conn, &[id.to_owned()]).await?;
    after_action(conn, id, n, "only pending or failed jobs can be cancelled").await
}

/// The job after an admin's action that changed `n` rows: `NotFound` when there is no
/// such job; when nothing changed, a conflict saying `rule` and the state the job is in.
async fn after_action(conn: &mut PgConnection, id: &str, n: u64, rule: &str) -> Result<JobRecord, DomainError> {
    let job = one(conn, id).await?;
    if n == 0 {
        return Err(DomainError::Conflict(format!("{rule}; this one is {}", job.status)));
    }
    Ok(job)
}
