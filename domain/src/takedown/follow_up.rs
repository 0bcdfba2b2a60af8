//! Chasing a platform that does not answer (contract §8): at `follow_up_due_at`, a request
//! still `submitted` or `acknowledged` gets a `takedown_follow_up` task (and its reminder)
//! for the case's caseworker and the next follow-up one interval later; from the third
//! unanswered follow-up on, supervisors are notified (once per request).
//!
//! Runs in the caller's transaction and is idempotent: a job that runs twice, or a job
//! whose request was answered, withdrawn or already followed up (its due time moved on),
//! finds nothing to do.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    DomainError,
    calendar::OfficeCalendar,
    case::store::add_event,
    jobs,
    notification::{self, NotificationKind},
    task::{self, Subject, TaskKind, TaskSpec},
    timestamp::Ts,
};

/// After this many unanswered follow-ups, supervisors are told.
pub const ESCALATE_AFTER: i32 = 3;

/// Who the timeline and tasks name as the actor.
const ACTOR: &str = "system:worker";

/// What a follow-up run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// The request was answered, withdrawn, or this due time was already handled.
    Nothing,
    /// A follow-up task was created; `escalated` when supervisors were notified.
    Done {
        count: i32,
        next_due_at: Ts,
        escalated: bool,
    },
}

/// Follows up the request `takedown_id` due at `due_at`.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all, fields(takedown.id = %takedown_id))]
pub async fn run(
    conn: &mut PgConnection,
    takedown_id: Uuid,
    due_at: Ts,
    cal: &OfficeCalendar,
    now: Ts,
) -> Result<FollowUp, DomainError> {
    let Some(row) = sqlx::query!(
        r#"SELECT t.case_id, t.platform_id, t.follow_up_count, p.follow_up_business_days, c.assigned_to
           FROM takedown_requests t
           JOIN platforms p ON p.id = t.platform_id
           JOIN cases c ON c.id = t.case_id
           WHERE t.id = $1 AND t.status IN ('submitted', 'acknowledged') AND t.follow_up_due_at = $2
           FOR UPDATE OF t"#,
        takedown_id,
        due_at
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(FollowUp::Nothing);
    };
    let count = row.follow_up_count + 1;
    let days = u32::try_from(row.follow_up_business_days).unwrap_or(5);
    let next_due_at = Ts::new(cal.add_business_days(due_at.get(), days));
    let data = serde_json::json!({
        "takedown_id": takedown_id, "platform_id": row.platform_id, "follow_up": count, "due_at": due_at,
    });
    let spec = TaskSpec::system(
        TaskKind::TakedownFollowUp,
        format!("Follow up takedown request (follow-up {count}): no answer from the platform yet"),
        Some(row.case_id),
        row.assigned_to,
        due_at,
        Some(Subject {
            kind: "takedown_request".into(),
            id: takedown_id,
        }),
        data.clone(),
    );
    let t = task::store::create(conn, &spec, ACTOR, now).await?;
    let escalated = if count >= ESCALATE_AFTER {
        let n = notification::notify_supervisors(
            conn,
            NotificationKind::Escalation,
            Some(t.id),
            Some(row.case_id),
            &data,
            &format!("takedown-escalation:{takedown_id}"),
            now,
        )
        .await?;
        n > 0
    } else {
        false
    };
    sqlx::query!(
        "UPDATE takedown_requests SET follow_up_count = $2, follow_up_due_at = $3, updated_at = $4, version = version + 1 WHERE id = $1",
        takedown_id,
        count,
        next_due_at,
        now
    )
    .execute(&mut *conn)
    .await?;
    jobs::enqueue_takedown_follow_up(conn, takedown_id, next_due_at).await?;
    let detail = serde_json::json!({
        "takedown_id": takedown_id, "follow_up": count, "task_id": t.id, "next_due_at": next_due_at, "escalated": escalated,
    });
    add_event(conn, row.case_id, "takedown.follow_up_due", ACTOR, detail, now).await?;
    Ok(FollowUp::Done {
        count,
        next_due_at,
        escalated,
    })
}
