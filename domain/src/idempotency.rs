//! The Idempotency-Key store (contract §1): the first response to a (caller, key) pair is
//! kept for 24 hours and replayed; the same key with another body is refused; a duplicate
//! arriving while the first is still running is told so. The record is written in the
//! transaction of the effect, so there is never an effect without its record or a record
//! without its effect. Stored bodies hold client details, so they are sealed like any
//! other client data (`case::protect`).

use sqlx::PgConnection;

use crate::{case::protect, timestamp::Ts};

/// How long a stored response is replayed.
pub const RETENTION_HOURS: i64 = 24;

/// A stored response.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: serde_json::Value,
}

#[derive(Debug)]
pub enum Begin {
    /// First use: perform the effect, then call [`complete`] in the same transaction.
    Proceed,
    /// Seen before with the same request: answer with this.
    Replay(StoredResponse),
    /// Seen before with a different request body.
    Mismatch,
    /// Another request with this key is in flight.
    InProgress,
}

/// Claims the key for this transaction. Call first inside the effect's transaction.
///
/// # Errors
/// Database errors only.
pub async fn begin(
    conn: &mut PgConnection,
    caller: &str,
    key: &str,
    request_hash: &[u8],
    now: Ts,
) -> Result<Begin, sqlx::Error> {
    // A transaction-scoped advisory lock on the pair: held until our commit or rollback,
    // so a concurrent duplicate finds it taken instead of waiting or double-applying.
    let got = sqlx::query_scalar!(
        r#"SELECT pg_try_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 0)) AS "got!""#,
        caller,
        key
    )
    .fetch_one(&mut *conn)
    .await?;
    if !got {
        return Ok(Begin::InProgress);
    }
    let cutoff = now.plus(-jiff::SignedDuration::from_hours(RETENTION_HOURS));
    let row = sqlx::query!(
        r#"SELECT request_hash, response_status, response_body, response_headers, created_at
           FROM idempotency_keys WHERE caller = $1 AND key = $2"#,
        caller,
        key
    )
    .fetch_optional(&mut *conn)
    .await?;
    match row {
        Some(r) if r.created_at > cutoff => {
            if r.request_hash == request_hash {
                Ok(Begin::Replay(StoredResponse {
                    status: u16::try_from(r.response_status).unwrap_or(500),
                    body: protect::open_bytes(
                        &r.response_body,
                        &protect::IDEMPOTENT_RESPONSE.at(protect::idempotency_row(caller, key)),
                    )?,
                    headers: r.response_headers,
                }))
            } else {
                Ok(Begin::Mismatch)
            }
        }
        Some(_) => {
            sqlx::query!(
                "DELETE FROM idempotency_keys WHERE caller = $1 AND key = $2",
                caller,
                key
            )
            .execute(&mut *conn)
            .await?;
            Ok(Begin::Proceed)
        }
        None => Ok(Begin::Proceed),
    }
}

/// Stores the response of a first use, in the effect's transaction.
///
/// # Errors
/// Database errors only.
pub async fn complete(
    conn: &mut PgConnection,
    caller: &str,
    key: &str,
    request_hash: &[u8],
    response: &StoredResponse,
    now: Ts,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO idempotency_keys (caller, key, request_hash, response_status, response_body, response_headers, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)"#,
        caller,
        key,
        request_hash,
        i16::try_from(response.status).unwrap_or(500),
        protect::seal_bytes(
            &response.body,
            &protect::IDEMPOTENT_RESPONSE.at(protect::idempotency_row(caller, key))
        ),
        response.headers,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes records past retention; returns how many.
///
/// # Errors
/// Database errors only.
pub async fn purge_expired(conn: &mut PgConnection, now: Ts) -> Result<u64, sqlx::Error> {
    let cutoff = now.plus(-jiff::SignedDuration::from_hours(RETENTION_HOURS));
    Ok(
        sqlx::query!("DELETE FROM idempotency_keys WHERE created_at <= $1", cutoff)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}
