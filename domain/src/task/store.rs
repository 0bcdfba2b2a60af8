//! SQL for tasks and their reminders. Every read goes through the one task visibility
//! rule, the SQL function `task_visible`: a task about a case is seen by whoever sees the
//! case (`case_visible`; being its assignee is not enough), a task about no case by its
//! assignee, every task by supervisors, anyone else none. Creating a task enqueues its reminder in the same
//! transaction; closing it (or its case) cancels the pending reminder and its job.

use sqlx::PgConnection;
use uuid::Uuid;

use super::types::{Subject, Task, TaskFilter, TaskKind, TaskSpec, TaskStatus};
use crate::{
    calendar::OfficeCalendar,
    case::{Actor, Visibility, store::add_event},
    error::DomainError,
    jobs,
    store::{self, SqlVisibility, Visible},
    timestamp::Ts,
};

struct TaskRow {
    id: Uuid,
    kind: TaskKind,
    title: String,
    case_id: Option<Uuid>,
    assignee: Uuid,
    status: TaskStatus,
    due_at: Ts,
    subject_kind: Option<String>,
    subject_id: Option<Uuid>,
    data: serde_json::Value,
    created_by: String,
    created_at: Ts,
    updated_at: Ts,
    closed_at: Option<Ts>,
    version: i64,
}

/// A task row: the subject is two columns, set or unset together.
impl From<TaskRow> for Task {
    fn from(r: TaskRow) -> Self {
        Task {
            id: r.id,
            kind: r.kind,
            title: r.title,
            case_id: r.case_id,
            assignee: r.assignee,
            status: r.status,
            due_at: r.due_at,
            subject: match (r.subject_kind, r.subject_id) {
                (Some(kind), Some(id)) => Some(Subject { kind, id }),
                _ => None,
            },
            data: r.data,
            created_by: r.created_by,
            created_at: r.created_at,
            updated_at: r.updated_at,
            closed_at: r.closed_at,
            version: r.version,
        }
    }
}

/// Who acts on the timeline (`user:<id>` or `system:worker`).
fn event_detail(t: &Task) -> serde_json::Value {
    serde_json::json!({"task_id": t.id, "kind": t.kind})
}

/// Creates a task, its reminder (at `due_at`, delivered at the next office-open instant)
/// and the reminder's job, all in the caller's transaction; records `task.created` on the
/// case. `by` is `user:<id>` or `system:<what>`.
///
/// # Errors
/// Database errors; a second open case review of one case violates
/// `tasks_one_open_case_review`.
#[tracing::instrument(skip_all, fields(kind = %spec.kind))]
pub async fn create(conn: &mut PgConnection, spec: &TaskSpec, by: &str, now: Ts) -> Result<Task, DomainError> {
    let id = Uuid::now_v7();
    let row = sqlx::query_as!(
        TaskRow,
        r#"INSERT INTO tasks (id, kind, title, case_id, assignee, status, due_at, subject_kind, subject_id, data,
                              created_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $10, $11, $11)
           RETURNING id, kind AS "kind: TaskKind", title, case_id, assignee, status AS "status: TaskStatus", due_at,
                     subject_kind, subject_id, data, created_by, created_at, updated_at,
                     closed_at, version"#,
        id,
        spec.kind.as_str(),
        spec.title,
        spec.case_id,
        spec.assignee,
        spec.due_at,
        spec.subject.as_ref().map(|s| s.kind.as_str()),
        spec.subject.as_ref().map(|s| s.id),
        spec.data,
        by,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    let task = Task::from(row);
    add_reminder(conn, &task, task.due_at, now).await?;
    if let Some(case_id) = task.case_id {
        add_event(conn, case_id, "task.created", by, event_detail(&task), now).await?;
    }
    Ok(task)
}

/// Adds a reminder of `task` at `at` and enqueues its delivery job (same transaction).
async fn add_reminder(conn: &mut PgConnection, task: &Task, at: Ts, now: Ts) -> Result<Uuid, DomainError> {
    let reminder_id = Uuid::now_v7();
    let job_id = jobs::enqueue_reminder(conn, reminder_id, at.get()).await?;
    sqlx::query!(
        r#"INSERT INTO reminders (id, task_id, recipient, remind_at, status, job_id, created_at)
           VALUES ($1, $2, $3, $4, 'pending', $5, $6)"#,
        reminder_id,
        task.id,
        task.assignee,
        at,
        job_id,
        now
    )
    .execute(conn)
    .await?;
    Ok(reminder_id)
}

/// Seen by the `task_visible` rule (see the module documentation).
impl Visible for Task {
    type Seen = Task;

    fn seen(self, _by: Actor) -> Task {
        self
    }

    async fn fetch(conn: &mut PgConnection, v: SqlVisibility, ids: &[Uuid]) -> Result<Vec<Task>, sqlx::Error> {
        let rows = sqlx::query_as!(
            TaskRow,
            r#"SELECT id, kind AS "kind: TaskKind", title, case_id, assignee, status AS "status: TaskStatus", due_at,
                      subject_kind, subject_id, data, created_by, created_at, updated_at,
                      closed_at, version
               FROM tasks t
               WHERE t.id = ANY($1)
                 AND task_visible(t.case_id, t.assignee, $2, $3)
               ORDER BY t.id DESC"#,
            ids,
            v.see_all,
            v.viewer
        )
        .fetch_all(conn)
        .await?;
        Ok(rows.into_iter().map(Task::from).collect())
    }

    /// Locks the task whoever sees it: the read after the lock applies the rule.
    async fn lock(conn: &mut PgConnection, _v: SqlVisibility, id: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
        sqlx::query_scalar!("SELECT id FROM tasks WHERE id = $1 FOR UPDATE", id)
            .fetch_optional(conn)
            .await
    }
}

/// The task, if `vis` sees it.
///
/// # Errors
/// `NotFound` when unknown or not visible (indistinguishable).
#[tracing::instrument(skip_all, fields(task.id = %id))]
pub async fn visible(conn: &mut PgConnection, vis: Visibility, id: Uuid) -> Result<Task, DomainError> {
    store::visible::<Task>(conn, vis, id).await
}

/// Like [`visible`], with the row locked until the transaction ends.
///
/// # Errors
/// `NotFound` when unknown or not visible (indistinguishable).
#[tracing::instrument(skip_all, fields(task.id = %id))]
pub async fn visible_for_update(conn: &mut PgConnection, vis: Visibility, id: Uuid) -> Result<Task, DomainError> {
    store::visible_for_update::<Task>(conn, vis, id).await
}

/// Visible tasks matching `f`, oldest first by id (UUID v7), after `after`.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut PgConnection,
    vis: Visibility,
    f: &TaskFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Task>, sqlx::Error> {
    let Some(v) = store::sql_params(vis) else {
        return Ok(Vec::new());
    };
    let rows = sqlx::query_as!(
        TaskRow,
        r#"SELECT id, kind AS "kind: TaskKind", title, case_id, assignee, status AS "status: TaskStatus", due_at,
                  subject_kind, subject_id, data, created_by, created_at, updated_at,
                  closed_at, version
           FROM tasks t
           WHERE task_visible(t.case_id, t.assignee, $1, $2)
             AND ($3::uuid IS NULL OR t.assignee = $3)
             AND ($4::text IS NULL OR t.status = $4)
             AND ($5::uuid IS NULL OR t.case_id = $5)
             AND ($6::timestamptz IS NULL OR t.due_at < $6)
             AND ($7::uuid IS NULL OR t.id > $7)
           ORDER BY t.id
           LIMIT $8"#,
        v.see_all,
        v.viewer,
        f.assignee,
        f.status.map(TaskStatus::as_str),
        f.case_id,
        f.due_before,
        after,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(Task::from).collect())
}

/// Completes or cancels a task read with [`visible_for_update`] (the caller checked the
/// move), cancels its pending reminders and their jobs, and records it on the case.
///
/// # Errors
/// `Stale` when the version moved on; `Db` otherwise.
#[tracing::instrument(skip_all, fields(task.id = %task.id, to = %to))]
pub async fn close(
    conn: &mut PgConnection,
    task: &Task,
    to: TaskStatus,
    by: &str,
    now: Ts,
) -> Result<Task, DomainError> {
    let row = sqlx::query_as!(
        TaskRow,
        r#"UPDATE tasks SET status = $2, closed_at = $3, updated_at = $3, version = version + 1
           WHERE id = $1 AND version = $4
           RETURNING id, kind AS "kind: TaskKind", title, case_id, assignee, status AS "status: TaskStatus", due_at,
                     subject_kind, subject_id, data, created_by, created_at, updated_at,
                     closed_at, version"#,
        task.id,
        to.as_str(),
        now,
        task.version
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(DomainError::Stale)?;
    let closed = Task::from(row);
    cancel_reminders(conn, &[closed.id]).await?;
    if let Some(case_id) = closed.case_id {
        let kind = if to == TaskStatus::Done {
            "task.completed"
        } else {
            "task.cancelled"
        };
        add_event(conn, case_id, kind, by, event_detail(&closed), now).await?;
    }
    Ok(closed)
}

/// Cancels the pending reminders of `tasks` and marks their jobs cancelled.
async fn cancel_reminders(conn: &mut PgConnection, tasks: &[Uuid]) -> Result<u64, sqlx::Error> {
    let job_ids = sqlx::query_scalar!(
        "UPDATE reminders SET status = 'cancelled' WHERE task_id = ANY($1) AND status = 'pending' RETURNING job_id",
        tasks
    )
    .fetch_all(&mut *conn)
    .await?;
    jobs::neutralise(conn, &job_ids).await?;
    Ok(job_ids.len() as u64)
}

/// Closing a case (contract §3): cancels its open tasks and their pending reminders (and
/// the reminders' jobs) in the closing transaction. Returns how many tasks were cancelled.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn cancel_for_case(conn: &mut PgConnection, case_id: Uuid, by: Uuid, now: Ts) -> Result<u64, sqlx::Error> {
    let rows = sqlx::query!(
        r#"UPDATE tasks SET status = 'cancelled', closed_at = $2, updated_at = $2, version = version + 1
           WHERE case_id = $1 AND status = 'open'
           RETURNING id, kind"#,
        case_id,
        now
    )
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    cancel_reminders(conn, &ids).await?;
    let actor = crate::case::store::actor(by);
    for r in &rows {
        let detail = serde_json::json!({"task_id": r.id, "kind": r.kind, "reason": "case_closed"});
        add_event(conn, case_id, "task.cancelled", &actor, detail, now).await?;
    }
    Ok(ids.len() as u64)
}

/// After a case's assignment changed: the open tasks of the case held by someone who no
/// longer sees it move to the primary caseworker `to` (with their pending reminders), each
/// recorded on the case's timeline as `task.reassigned`. Returns how many moved.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn reassign_unseen(
    conn: &mut PgConnection,
    case_id: Uuid,
    to: Uuid,
    by: Uuid,
    now: Ts,
) -> Result<u64, sqlx::Error> {
    let rows = sqlx::query!(
        r#"UPDATE tasks t SET assignee = $2, updated_at = $3, version = t.version + 1
           FROM tasks old JOIN users u ON u.id = old.assignee
           WHERE old.id = t.id AND t.case_id = $1 AND t.status = 'open'
             AND NOT task_visible(t.case_id, t.assignee, u.role = 'supervisor', t.assignee)
           RETURNING t.id, t.kind, old.assignee AS "from""#,
        case_id,
        to,
        now
    )
    .fetch_all(&mut *conn)
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    sqlx::query!(
        "UPDATE reminders SET recipient = $2 WHERE task_id = ANY($1) AND status = 'pending'",
        &ids,
        to
    )
    .execute(&mut *conn)
    .await?;
    let actor = crate::case::store::actor(by);
    for r in &rows {
        let detail = serde_json::json!({
            "task_id": r.id, "kind": r.kind, "from": r.from, "to": to, "reason": "assignee_lost_case",
        });
        add_event(conn, case_id, "task.reassigned", &actor, detail, now).await?;
    }
    Ok(ids.len() as u64)
}

/// Which of `users` see the case `case_id` by the case visibility rule (supervisors see
/// every case; caseworkers those they are primary on or collaborate on).
///
/// # Errors
/// Database errors only.
pub async fn who_sees_case(
    conn: &mut PgConnection,
    case_id: Uuid,
    users: &[Uuid],
) -> Result<std::collections::HashSet<Uuid>, sqlx::Error> {
    let ids = sqlx::query_scalar!(
        r#"SELECT u.id FROM users u
           WHERE u.id = ANY($2) AND case_visible($1, u.role = 'supervisor', u.id)"#,
        case_id,
        users
    )
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().collect())
}

/// What delivering a reminder came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// The notification exists now (created by this call, or found already there).
    Delivered,
    /// Delivered before, cancelled, or unknown: nothing to do.
    Nothing,
    /// Not yet: try again at this instant (service time).
    NotBefore(Ts),
}

/// Delivers a reminder: only when it has fallen due *and* the office is open, else says
/// when to come back. The notification insert (`reminder_id` UNIQUE, `ON CONFLICT DO
/// NOTHING`) and marking the reminder delivered commit together in the caller's
/// transaction, so however many workers try and whatever crashes, one notification.
///
/// # Errors
/// Database errors (the job is retried).
#[tracing::instrument(skip_all, fields(reminder.id = %reminder_id))]
pub async fn deliver_reminder(
    conn: &mut PgConnection,
    reminder_id: Uuid,
    calendar: &OfficeCalendar,
    now: Ts,
) -> Result<Delivery, sqlx::Error> {
    let Some(r) = sqlx::query!(
        r#"SELECT r.id, r.task_id, r.recipient, r.remind_at, r.status, t.status AS task_status, t.case_id, t.kind
           FROM reminders r JOIN tasks t ON t.id = r.task_id
           WHERE r.id = $1 FOR UPDATE OF r"#,
        reminder_id
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Delivery::Nothing);
    };
    if r.status != "pending" {
        return Ok(Delivery::Nothing);
    }
    if r.task_status != "open" {
        sqlx::query!("UPDATE reminders SET status = 'cancelled' WHERE id = $1", r.id)
            .execute(&mut *conn)
            .await?;
        return Ok(Delivery::Nothing);
    }
    if now < r.remind_at {
        return Ok(Delivery::NotBefore(Ts::new(calendar.next_open(r.remind_at.get()))));
    }
    if !calendar.is_open(now.get()) {
        return Ok(Delivery::NotBefore(Ts::new(calendar.next_open(now.get()))));
    }
    let data = serde_json::json!({"task_kind": r.kind, "remind_at": r.remind_at});
    sqlx::query!(
        r#"INSERT INTO notifications (id, recipient, kind, task_id, case_id, reminder_id, data, created_at)
           VALUES ($1, $2, 'reminder', $3, $4, $5, $6, $7)
           ON CONFLICT (reminder_id) DO NOTHING"#,
        Uuid::now_v7(),
        r.recipient,
        r.task_id,
        r.case_id,
        r.id,
        data,
        now
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "UPDATE reminders SET status = 'delivered', delivered_at = $2 WHERE id = $1",
        r.id,
        now
    )
    .execute(&mut *conn)
    .await?;
    if let Some(case_id) = r.case_id {
        let detail = serde_json::json!({"reminder_id": r.id, "task_id": r.task_id});
        add_event(conn, case_id, "reminder.delivered", "system:worker", detail, now).await?;
    }
    Ok(Delivery::Delivered)
}
