//! The case timeline: an append-only list of what happened, newest first when read.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::{case::types::Event, timestamp::Ts};

/// Who did something, as recorded in the timeline (`user:<id>`).
#[must_use]
pub fn actor(user: Uuid) -> String {
    format!("user:{user}")
}

/// Appends a timeline event. `detail` holds identifiers, statuses and field names, never
/// client details.
#[tracing::instrument(skip_all, fields(case.id = %case_id, kind))]
pub async fn add_event(
    conn: &mut PgConnection,
    case_id: Uuid,
    kind: &str,
    actor: &str,
    detail: serde_json::Value,
    now: Ts,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO case_events (id, case_id, occurred_at, kind, actor, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        Uuid::now_v7(),
        case_id,
        now,
        kind,
        actor,
        detail
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Events of a case, newest first, before the `before` id of the previous page.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn list(
    conn: &mut PgConnection,
    case_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query_as!(
        Event,
        r#"SELECT id, case_id, occurred_at, kind, actor, detail FROM case_events
           WHERE case_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"#,
        case_id,
        before,
        limit
    )
    .fetch_all(conn)
    .await
}
