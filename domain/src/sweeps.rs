//! Periodic work that runs once per office day however many workers run: the 08:30 digest
//! of due and overdue tasks, and a review task for active cases left untouched for 30 days.
//! Each sweep claims its day with a row in `sweep_runs` (primary key `(name, office_date)`)
//! inside the transaction that does the work: the first worker to commit did it, the
//! others find the claim taken; a worker that fails rolls its claim back with its work.

use jiff::{SignedDuration, civil::Date};
use sqlx::PgConnection;

use crate::{
    calendar::{self, OfficeCalendar},
    task::{TaskKind, TaskSpec, store as tasks},
    timestamp::{DbDate, Ts},
};

/// Name of the digest sweep in `sweep_runs`.
pub const DIGEST: &str = "digest";
/// Name of the case-review sweep in `sweep_runs`.
pub const CASE_REVIEW: &str = "case_review";
/// Days without a timeline event after which an active case gets a review task.
pub const CASE_REVIEW_IDLE_DAYS: i64 = 30;

/// Claims `name` for `office_date`; `false` when another worker already has.
///
/// # Errors
/// Database errors only.
pub async fn claim(
    conn: &mut PgConnection,
    name: &str,
    office_date: Date,
    worker: &str,
    now: Ts,
) -> Result<bool, sqlx::Error> {
    let claimed = sqlx::query_scalar!(
        r#"INSERT INTO sweep_runs (name, office_date, ran_at, worker) VALUES ($1, $2, $3, $4)
           ON CONFLICT (name, office_date) DO NOTHING RETURNING name"#,
        name,
        DbDate::from_civil(office_date),
        now,
        worker
    )
    .fetch_optional(conn)
    .await?;
    Ok(claimed.is_some())
}

/// The office day a sweep may run for at `now`: today's local date once the office has
/// opened on an office day (08:30 local), else none.
#[must_use]
pub fn due_office_day(calendar: &OfficeCalendar, now: Ts) -> Option<Date> {
    calendar.is_open(now.get()).then(|| calendar::local_date(now.get()))
}

/// One digest notification per member of staff with open tasks due by the end of
/// `office_date` (16:30 local), counting due-today and overdue ones. Returns how many.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all)]
pub async fn digest(conn: &mut PgConnection, office_date: Date, now: Ts) -> Result<u64, sqlx::Error> {
    let end_of_day = calendar::local_instant(office_date, calendar::CLOSES_AT).map_or(now, Ts::new);
    let n = sqlx::query!(
        r#"INSERT INTO notifications (id, recipient, kind, dedupe_key, data, created_at)
           SELECT gen_random_uuid(), t.assignee, 'digest', 'digest:' || $1::text || ':' || t.assignee::text,
                  jsonb_build_object('office_date', $1::text,
                                     'due', count(*) FILTER (WHERE t.due_at >= $2),
                                     'overdue', count(*) FILTER (WHERE t.due_at < $2)),
                  $2
           FROM tasks t JOIN users u ON u.id = t.assignee
           WHERE t.status = 'open' AND t.due_at <= $3 AND u.active
           GROUP BY t.assignee
           ON CONFLICT (dedupe_key) DO NOTHING"#,
        office_date.to_string(),
        now,
        end_of_day
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n)
}

/// A `case_review` task (due at the close of the next office day) for every active case
/// with no timeline event in the last 30 days and no open review. Returns how many.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all)]
pub async fn case_reviews(
    conn: &mut PgConnection,
    calendar: &OfficeCalendar,
    now: Ts,
) -> Result<u64, crate::DomainError> {
    let idle_since = now.plus(SignedDuration::from_hours(-24 * CASE_REVIEW_IDLE_DAYS));
    let stale = sqlx::query!(
        r#"SELECT c.id, c.assigned_to FROM cases c
           WHERE c.status = 'active'
             AND NOT EXISTS (SELECT 1 FROM case_events e WHERE e.case_id = c.id AND e.occurred_at > $1)
             AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.case_id = c.id AND t.kind = 'case_review' AND t.status = 'open')
           ORDER BY c.id"#,
        idle_since
    )
    .fetch_all(&mut *conn)
    .await?;
    let due = Ts::new(calendar.add_business_days(now.get(), 1));
    for c in &stale {
        let spec = TaskSpec::system(
            TaskKind::CaseReview,
            "Review this case: no activity for 30 days",
            Some(c.id),
            c.assigned_to,
            due,
            None,
            serde_json::json!({"idle_days": CASE_REVIEW_IDLE_DAYS}),
        );
        tasks::create(conn, &spec, "system:case_review", now).await?;
    }
    Ok(stale.len() as u64)
}
