//! Referrals to other organisations and their status moves.

use sqlx::PgConnection;
use uuid::Uuid;

use super::events::{actor, add_event};
use crate::{
    case::types::{Referral, ReferralEntry, ReferralStatus, ReferralTo},
    error::DomainError,
    timestamp::Ts,
};

/// Records a referral.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn add(
    conn: &mut PgConnection,
    case_id: Uuid,
    r: &ReferralEntry,
    by: Uuid,
    now: Ts,
) -> Result<Referral, sqlx::Error> {
    let referral = sqlx::query_as!(
        Referral,
        r#"INSERT INTO case_referrals (id, case_id, referred_to, other_name, status, created_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
           RETURNING id, case_id, referred_to AS "to: ReferralTo", other_name, status AS "status: ReferralStatus",
                     created_by, created_at, updated_at, version"#,
        Uuid::now_v7(),
        case_id,
        r.to.as_str(),
        r.other_name.as_deref(),
        r.status.as_str(),
        by,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    let detail = serde_json::json!({"referral_id": referral.id, "to": r.to, "status": r.status});
    add_event(conn, case_id, "referral.added", &actor(by), detail, now).await?;
    Ok(referral)
}

/// Referrals of a case, oldest first, after `after`.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn list(
    conn: &mut PgConnection,
    case_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Referral>, sqlx::Error> {
    sqlx::query_as!(
        Referral,
        r#"SELECT id, case_id, referred_to AS "to: ReferralTo", other_name, status AS "status: ReferralStatus",
                  created_by, created_at, updated_at, version
           FROM case_referrals WHERE case_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"#,
        case_id,
        after,
        limit
    )
    .fetch_all(conn)
    .await
}

/// One referral of a case, locked for update.
///
/// # Errors
/// `NotFound` when the case has no such referral.
#[tracing::instrument(skip_all, fields(case.id = %case_id, referral.id = %id))]
pub async fn for_update(conn: &mut PgConnection, case_id: Uuid, id: Uuid) -> Result<Referral, DomainError> {
    sqlx::query_as!(
        Referral,
        r#"SELECT id, case_id, referred_to AS "to: ReferralTo", other_name, status AS "status: ReferralStatus",
                  created_by, created_at, updated_at, version
           FROM case_referrals WHERE case_id = $1 AND id = $2 FOR UPDATE"#,
        case_id,
        id
    )
    .fetch_optional(conn)
    .await?
    .ok_or(DomainError::NotFound)
}

/// Moves a referral on (the caller checked the move against the referral table).
///
/// # Errors
/// `Stale` when the version moved on; `Db` otherwise.
#[tracing::instrument(skip_all, fields(case.id = %r.case_id, referral.id = %r.id))]
pub async fn set_status(
    conn: &mut PgConnection,
    r: &Referral,
    to: ReferralStatus,
    by: Uuid,
    now: Ts,
) -> Result<Referral, DomainError> {
    let referral = sqlx::query_as!(
        Referral,
        r#"UPDATE case_referrals SET status = $3, updated_at = $4, version = version + 1
           WHERE case_id = $1 AND id = $2 AND version = $5
           RETURNING id, case_id, referred_to AS "to: ReferralTo", other_name, status AS "status: ReferralStatus",
                     created_by, created_at, updated_at, version"#,
        r.case_id,
        r.id,
        to.as_str(),
        now,
        r.version
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(DomainError::Stale)?;
    let detail = serde_json::json!({"referral_id": r.id, "from": r.status, "to": to});
    add_event(conn, r.case_id, "referral.status_changed", &actor(by), detail, now).await?;
    Ok(referral)
}

/// Whether a referral to C3P has been made (status made or accepted).
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn c3p_referral_made(conn: &mut PgConnection, case_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM case_referrals
                          WHERE case_id = $1 AND referred_to = 'c3p' AND status IN ('made', 'accepted')) AS "e!""#,
        case_id
    )
    .fetch_one(conn)
    .await
}
