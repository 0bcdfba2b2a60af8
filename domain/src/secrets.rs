//! Process secrets generated once and shared by every replica through the database,
//! sealed under the key ring (`case::protect`) so that a copy of the database cannot
//! forge a cursor or an idempotency fingerprint.

use sqlx::PgConnection;

use crate::{case::protect, crypto, timestamp::Ts};

/// Returns the named secret, creating it (32 random bytes) on first use. Concurrent
/// first uses agree on one value.
///
/// # Errors
/// Database errors, or a stored secret that does not open with the key ring.
pub async fn get_or_create(conn: &mut PgConnection, name: &str, now: Ts) -> Result<Vec<u8>, sqlx::Error> {
    let at = protect::APP_SECRET.at(name);
    let fresh = protect::seal_bytes(&crypto::random_bytes::<32>(), &at);
    sqlx::query!(
        "INSERT INTO app_secrets (name, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING",
        name,
        fresh,
        now
    )
    .execute(&mut *conn)
    .await?;
    let stored = sqlx::query_scalar!("SELECT secret FROM app_secrets WHERE name = $1", name)
        .fetch_one(conn)
        .await?;
    protect::open_bytes(&stored, &at)
}
