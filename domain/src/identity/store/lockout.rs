//! Lockout: failed sign-ins (and wrong current passwords) counted inside a sliding window,
//! so that failures older than the window are forgotten.
//!
//! * [`LOCKOUT_THRESHOLD`] failures from one address inside the window lock that address
//!   out of the account (so one address cannot lock every account in turn);
//! * [`ACCOUNT_LOCKOUT_THRESHOLD`] failures inside the window, from at least
//!   [`ACCOUNT_LOCKOUT_ADDRESSES`] different addresses, lock the account for everyone (a
//!   guesser spread over many addresses). One address alone never reaches it: it is locked
//!   out itself long before.
//!
//! A lock lasts until enough of the failures behind it have left the window.

use sqlx::PgConnection;
use uuid::Uuid;

use super::users::{User, get_user};
use crate::timestamp::Ts;

/// Failures from one address inside the window that lock it out of the account.
pub const LOCKOUT_THRESHOLD: i64 = 5;
/// Failures from any addresses inside the window that lock the account for everyone…
pub const ACCOUNT_LOCKOUT_THRESHOLD: i64 = 20;
/// …provided they came from at least this many addresses.
pub const ACCOUNT_LOCKOUT_ADDRESSES: i64 = 3;
/// The sliding window, and so the longest a lock lasts.
pub const LOCKOUT_MINUTES: i64 = 15;

fn window() -> jiff::SignedDuration {
    jiff::SignedDuration::from_mins(LOCKOUT_MINUTES)
}

/// What the password grant needs to know about an account.
pub struct LoginRecord {
    pub user: User,
    pub password_hash: String,
    pub token_generation: i64,
}

impl std::fmt::Debug for LoginRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRecord")
            .field("user", &self.user)
            .field("password_hash", &"<redacted>")
            .finish_non_exhaustive()
    }
}

/// Finds a user by email (case-insensitively). Nothing is locked: the password is checked
/// outside any transaction, and concurrent attempts are counted by [`begin_attempt`].
///
/// # Errors
/// Database errors only.
pub async fn login_record(conn: &mut PgConnection, email: &str) -> Result<Option<LoginRecord>, sqlx::Error> {
    let r = sqlx::query!(
        "SELECT id, password_hash, token_generation FROM users WHERE lower(email) = lower($1)",
        email.trim()
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(None) };
    Ok(get_user(conn, r.id).await?.map(|user| LoginRecord {
        user,
        password_hash: r.password_hash,
        token_generation: r.token_generation,
    }))
}

/// Until when `address` may not sign in to the account, if it is locked out now: by its
/// own failures, or because the account is locked for everyone.
///
/// # Errors
/// Database errors only.
pub async fn locked_until(
    conn: &mut PgConnection,
    id: Uuid,
    address: &str,
    now: Ts,
) -> Result<Option<Ts>, sqlx::Error> {
    let since = now.plus(-window());
    // The n-th most recent failure inside the window: the lock ends when it leaves it.
    let by_address = sqlx::query_scalar!(
        r#"SELECT at FROM sign_in_failures
           WHERE user_id = $1 AND address = $2 AND at > $3
           ORDER BY at DESC OFFSET $4::bigint - 1 LIMIT 1"#,
        id,
        address,
        since,
        LOCKOUT_THRESHOLD
    )
    .fetch_optional(&mut *conn)
    .await?;
    let account = sqlx::query!(
        r#"SELECT (SELECT count(DISTINCT address) FROM sign_in_failures
                    WHERE user_id = $1 AND at > $2) AS "addresses!",
                  (SELECT at FROM sign_in_failures WHERE user_id = $1 AND at > $2
                    ORDER BY at DESC OFFSET $3::bigint - 1 LIMIT 1) AS nth"#,
        id,
        since,
        ACCOUNT_LOCKOUT_THRESHOLD
    )
    .fetch_one(conn)
    .await?;
    let account = account.nth.filter(|_| account.addresses >= ACCOUNT_LOCKOUT_ADDRESSES);
    Ok([by_address, account]
        .into_iter()
        .flatten()
        .max()
        .map(|at| at.plus(window())))
}

/// Admits a sign-in attempt from `address` unless it is locked out, counting it as a
/// failure before the password is even checked (so that many attempts at once cannot all
/// slip in under the threshold); a success then forgets it ([`record_login_success`]),
/// and one that could not be checked is taken back ([`forget_attempt`]). Checking and
/// counting hold a lock on the account and address, so concurrent attempts queue for it
/// (briefly: the password is checked afterwards, with no lock held).
///
/// # Errors
/// `Err(until)` when locked out; database errors inside.
pub async fn begin_attempt(
    conn: &mut PgConnection,
    id: Uuid,
    address: &str,
    now: Ts,
) -> Result<Result<i64, Ts>, sqlx::Error> {
    sqlx::query!(
        "SELECT pg_advisory_xact_lock(hashtextextended($1::uuid::text || ' ' || $2, 17))",
        id,
        address
    )
    .execute(&mut *conn)
    .await?;
    if let Some(until) = locked_until(conn, id, address, now).await? {
        return Ok(Err(until));
    }
    let attempt = sqlx::query_scalar!(
        "INSERT INTO sign_in_failures (user_id, address, at) VALUES ($1, $2, $3) RETURNING id",
        id,
        address,
        now
    )
    .fetch_one(conn)
    .await?;
    Ok(Ok(attempt))
}

/// Takes back an attempt admitted by [`begin_attempt`] whose password could not be
/// checked (the service was too busy): it was no guess.
///
/// # Errors
/// Database errors only.
pub async fn forget_attempt(conn: &mut PgConnection, attempt: i64) -> Result<(), sqlx::Error> {
    sqlx::query!("DELETE FROM sign_in_failures WHERE id = $1", attempt)
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts a failed sign-in (or password-change attempt) from `address`.
///
/// # Errors
/// Database errors only.
pub async fn record_login_failure(
    conn: &mut PgConnection,
    id: Uuid,
    address: &str,
    now: Ts,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO sign_in_failures (user_id, address, at) VALUES ($1, $2, $3)",
        id,
        address,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets the failures of `address` after it signed in successfully (the account-wide
/// count keeps those of other addresses).
///
/// # Errors
/// Database errors only.
pub async fn record_login_success(conn: &mut PgConnection, id: Uuid, address: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "DELETE FROM sign_in_failures WHERE user_id = $1 AND address = $2",
        id,
        address
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets failures older than a day (long out of the window), so the table does not grow
/// with every address that ever mistyped.
///
/// # Errors
/// Database errors only.
pub async fn purge_stale_login_failures(conn: &mut PgConnection, now: Ts) -> Result<u64, sqlx::Error> {
    let cutoff = now.plus(-jiff::SignedDuration::from_hours(24));
    Ok(sqlx::query!("DELETE FROM sign_in_failures WHERE at < $1", cutoff)
        .execute(conn)
        .await?
        .rows_affected())
}
