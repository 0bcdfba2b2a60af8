//! Process secrets generated once and shared by every replica through the database.

use sqlx::PgConnection;

use crate::{crypto, timestamp::Ts};

/// Returns the named secret, creating it (32 random bytes) on first use. Concurrent
/// first uses agree on one value.
///
/// # Errors
/// Database errors only.
pub async fn get_or_create(conn: &mut PgConnection, name: &str, now: Ts) -> Result<Vec<u8>, sqlx::Error> {
    let fresh = crypto::random_bytes::<32>();
    sqlx::query!(
        "INSERT INTO app_secrets (name, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        name,
        fresh.as_slice(),
        now
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar!("SELECT secret FROM app_secrets WHERE name = $1", name)
        .fetch_one(conn)
        .await
}
