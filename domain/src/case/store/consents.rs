//! The consent ledger: what the client allows to be shared with whom, and revocations.

use sqlx::PgConnection;
use uuid::Uuid;

use super::events::{actor, add_event};
use crate::{
    case::types::{Consent, ConsentEntry, ConsentScope},
    error::DomainError,
    timestamp::Ts,
};

/// Records a consent the client gave. Its `party_id`, when given, names a platform of the
/// directory or a respondent of one of the case's claims: a consent to share with nobody
/// in particular would match nothing, and one naming a party that does not exist is a
/// mistake the caseworker must see.
///
/// # Errors
/// `Validation` (`party_id`, `unknown_party`); `Db`.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn add(
    conn: &mut PgConnection,
    case_id: Uuid,
    c: &ConsentEntry,
    by: Uuid,
    now: Ts,
) -> Result<Consent, DomainError> {
    if let Some(party) = c.party_id {
        let known = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM platforms WHERE id = $1)
                   OR EXISTS (SELECT 1 FROM claim_respondents r JOIN claims cl ON cl.id = r.claim_id
                              WHERE r.id = $1 AND cl.case_id = $2) AS "known!""#,
            party,
            case_id
        )
        .fetch_one(&mut *conn)
        .await?;
        if !known {
            return Err(crate::error::FieldError::new(
                "party_id",
                "unknown_party",
                "must name a platform of the directory (or a respondent of one of this case's claims)",
            )
            .into());
        }
    }
    let consent = sqlx::query_as!(
        Consent,
        r#"INSERT INTO case_consents (id, case_id, scope, party_id, given_at, recorded_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           RETURNING id, case_id, scope AS "scope: ConsentScope", party_id, given_at, revoked_at, recorded_by,
                     created_at"#,
        Uuid::now_v7(),
        case_id,
        c.scope.as_str(),
        c.party_id,
        c.given_at,
        by,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    let detail = serde_json::json!({"consent_id": consent.id, "scope": c.scope, "party_id": c.party_id});
    add_event(conn, case_id, "consent.given", &actor(by), detail, now).await?;
    Ok(consent)
}

/// The consent ledger of a case, oldest first, after `after`.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn list(
    conn: &mut PgConnection,
    case_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Consent>, sqlx::Error> {
    sqlx::query_as!(
        Consent,
        r#"SELECT id, case_id, scope AS "scope: ConsentScope", party_id, given_at, revoked_at, recorded_by,
                  created_at
           FROM case_consents WHERE case_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"#,
        case_id,
        after,
        limit
    )
    .fetch_all(conn)
    .await
}

/// Revokes a consent.
///
/// # Errors
/// `NotFound` when the case has no such consent; `Conflict` when already revoked.
#[tracing::instrument(skip_all, fields(case.id = %case_id, consent.id = %id))]
pub async fn revoke(
    conn: &mut PgConnection,
    case_id: Uuid,
    id: Uuid,
    by: Uuid,
    now: Ts,
) -> Result<Consent, DomainError> {
    let revoked_at = sqlx::query_scalar!(
        "SELECT revoked_at FROM case_consents WHERE case_id = $1 AND id = $2 FOR UPDATE",
        case_id,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(DomainError::NotFound)?;
    if revoked_at.is_some() {
        return Err(DomainError::Conflict("this consent is already revoked".into()));
    }
    let consent = sqlx::query_as!(
        Consent,
        r#"UPDATE case_consents SET revoked_at = $3 WHERE case_id = $1 AND id = $2
           RETURNING id, case_id, scope AS "scope: ConsentScope", party_id, given_at, revoked_at, recorded_by,
                     created_at"#,
        case_id,
        id,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    let detail = serde_json::json!({"consent_id": id, "scope": consent.scope});
    add_event(conn, case_id, "consent.revoked", &actor(by), detail, now).await?;
    Ok(consent)
}
