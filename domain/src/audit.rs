//! The administrative audit trail: who changed users, clients, keys and the calendar.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::timestamp::Ts;

/// Appends one entry. `actor` is `user:<id>` or `client:<id>`; `detail` never carries a
/// secret or a client's personal details.
///
/// # Errors
/// Database errors only.
pub async fn record(
    conn: &mut PgConnection,
    actor: &str,
    action: &str,
    subject: &str,
    detail: serde_json::Value,
    now: Ts,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO audit_log (id, occurred_at, actor, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)",
        Uuid::now_v7(),
        now,
        actor,
        action,
        subject,
        detail
    )
    .execute(conn)
    .await?;
    Ok(())
}
