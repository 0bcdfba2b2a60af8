//! SQL for refresh-token families: opaque, stored hashed, rotated on every use; a spent
//! token presented again ends its whole family.

use sqlx::PgConnection;
use uuid::Uuid;

use super::users::get_user;
use crate::{crypto, identity::types::User, timestamp::Ts};

/// A refresh-token family lives at most this long from its sign-in: one working day.
pub const REFRESH_FAMILY_HOURS: i64 = 10;

/// Starts a new family at sign-in and returns its first token.
///
/// # Errors
/// Database errors only.
pub async fn start_refresh_family(conn: &mut PgConnection, user_id: Uuid, now: Ts) -> Result<String, sqlx::Error> {
    let expires = now.plus(jiff::SignedDuration::from_hours(REFRESH_FAMILY_HOURS));
    issue_refresh(conn, Uuid::now_v7(), user_id, now, expires).await
}

async fn issue_refresh(
    conn: &mut PgConnection,
    family: Uuid,
    user_id: Uuid,
    now: Ts,
    expires: Ts,
) -> Result<String, sqlx::Error> {
    let token = crypto::opaque_token("cwr_");
    sqlx::query!(
        r#"INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6)"#,
        Uuid::now_v7(),
        family,
        user_id,
        crypto::sha256(token.as_bytes()),
        now,
        expires
    )
    .execute(conn)
    .await?;
    Ok(token)
}

/// The outcome of presenting a refresh token (`Debug` never prints the new token).
pub enum Rotation {
    /// A fresh token in the same family, for this active user.
    Rotated {
        user: User,
        /// The account's token generation, for the access token that goes with it.
        generation: i64,
        refresh_token: String,
    },
    /// Unknown, expired, revoked, or the user is inactive.
    Invalid,
    /// A spent token came back: the whole family has been revoked.
    Reused,
}

/// Spends a refresh token and issues its successor. Run inside a transaction and commit
/// even for `Reused`, so the family revocation sticks.
///
/// # Errors
/// Database errors only.
pub async fn rotate_refresh(conn: &mut PgConnection, token: &str, now: Ts) -> Result<Rotation, sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT id, family_id, user_id, expires_at, used_at, revoked_at
           FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE"#,
        crypto::sha256(token.as_bytes())
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(Rotation::Invalid) };
    if r.used_at.is_some() {
        revoke_family(conn, r.family_id, now).await?;
        return Ok(Rotation::Reused);
    }
    if r.revoked_at.is_some() || r.expires_at <= now {
        return Ok(Rotation::Invalid);
    }
    let Some(user) = get_user(conn, r.user_id)
        .await?
        .filter(|u| u.active && !u.enrollment_pending)
    else {
        return Ok(Rotation::Invalid);
    };
    sqlx::query!("UPDATE refresh_tokens SET used_at = $2 WHERE id = $1", r.id, now)
        .execute(&mut *conn)
        .await?;
    let generation = sqlx::query_scalar!("SELECT token_generation FROM users WHERE id = $1", r.user_id)
        .fetch_one(&mut *conn)
        .await?;
    let refresh_token = issue_refresh(conn, r.family_id, r.user_id, now, r.expires_at).await?;
    Ok(Rotation::Rotated {
        user,
        generation,
        refresh_token,
    })
}

impl std::fmt::Debug for Rotation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Rotation::Rotated { user, .. } => f
                .debug_struct("Rotated")
                .field("user", &user.id)
                .field("refresh_token", &"<redacted>")
                .finish(),
            Rotation::Invalid => f.write_str("Invalid"),
            Rotation::Reused => f.write_str("Reused"),
        }
    }
}

async fn revoke_family(conn: &mut PgConnection, family: Uuid, now: Ts) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
        family,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// RFC 7009 revocation: ends the family of the presented token. Unknown tokens are
/// silently accepted, as the RFC asks.
///
/// # Errors
/// Database errors only.
pub async fn revoke_refresh(conn: &mut PgConnection, token: &str, now: Ts) -> Result<(), sqlx::Error> {
    let family = sqlx::query_scalar!(
        "SELECT family_id FROM refresh_tokens WHERE token_hash = $1",
        crypto::sha256(token.as_bytes())
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(f) = family {
        revoke_family(conn, f, now).await?;
    }
    Ok(())
}

/// Ends every refresh-token family of a user (password change, deactivation).
///
/// # Errors
/// Database errors only.
pub async fn revoke_user_refresh_tokens(conn: &mut PgConnection, user_id: Uuid, now: Ts) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        user_id,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}
