//! Notifications (contract §8): what a member of staff is told — task reminders, the daily
//! digest, escalations. Each person reads only their own.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::{error::DomainError, string_enum, timestamp::Ts};

string_enum! {
    /// Why a notification was sent.
    pub enum NotificationKind { Reminder = "reminder", Digest = "digest", Escalation = "escalation" }
}

/// A notification as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub id: Uuid,
    pub recipient: Uuid,
    pub kind: NotificationKind,
    pub task_id: Option<Uuid>,
    pub case_id: Option<Uuid>,
    pub reminder_id: Option<Uuid>,
    /// Ids, kinds, counts and times only.
    pub data: serde_json::Value,
    pub created_at: Ts,
    pub read_at: Option<Ts>,
}

/// The recipient's notifications, newest first, before `before`; `unread` filters on
/// whether they were read.
#[tracing::instrument(skip_all, fields(user.id = %recipient))]
pub async fn list(
    conn: &mut PgConnection,
    recipient: Uuid,
    unread: Option<bool>,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Notification>, sqlx::Error> {
    sqlx::query_as!(
        Notification,
        r#"SELECT id, recipient, kind AS "kind: NotificationKind", task_id, case_id, reminder_id, data, created_at,
                  read_at
           FROM notifications
           WHERE recipient = $1
             AND ($2::boolean IS NULL OR (read_at IS NULL) = $2)
             AND ($3::uuid IS NULL OR id < $3)
           ORDER BY id DESC LIMIT $4"#,
        recipient,
        unread,
        before,
        limit
    )
    .fetch_all(conn)
    .await
}

/// Marks one of the recipient's notifications read (once; reading again changes nothing).
///
/// # Errors
/// `NotFound` when it is not theirs or unknown.
#[tracing::instrument(skip_all, fields(user.id = %recipient, notification.id = %id))]
pub async fn mark_read(
    conn: &mut PgConnection,
    recipient: Uuid,
    id: Uuid,
    now: Ts,
) -> Result<Notification, DomainError> {
    let notification = sqlx::query_as!(
        Notification,
        r#"UPDATE notifications SET read_at = COALESCE(read_at, $3)
           WHERE id = $1 AND recipient = $2
           RETURNING id, recipient, kind AS "kind: NotificationKind", task_id, case_id, reminder_id, data, created_at,
                     read_at"#,
        id,
        recipient,
        now
    )
    .fetch_optional(conn)
    .await?;
    notification.ok_or(DomainError::NotFound)
}

/// Notifies every active supervisor (an escalation), once per `dedupe_key` and supervisor
/// however often it is called: `data` holds ids, figures and times only. Returns how many
/// notifications were created.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all, fields(kind = %kind))]
pub async fn notify_supervisors(
    conn: &mut PgConnection,
    kind: NotificationKind,
    task_id: Option<Uuid>,
    case_id: Option<Uuid>,
    data: &serde_json::Value,
    dedupe_key: &str,
    now: Ts,
) -> Result<u64, sqlx::Error> {
    let n = sqlx::query!(
        r#"INSERT INTO notifications (id, recipient, kind, task_id, case_id, dedupe_key, data, created_at)
           SELECT gen_random_uuid(), u.id, $1, $2, $3, $4 || ':' || u.id::text, $5, $6
           FROM users u WHERE u.role = 'supervisor' AND u.active
           ON CONFLICT (dedupe_key) DO NOTHING"#,
        kind.as_str(),
        task_id,
        case_id,
        dedupe_key,
        data,
        now
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n)
}
