//! The consent ledger: what the client allows to be shared with whom, and revocations.

use sqlx::PgConnection;
use uuid::Uuid;

use super::events::{actor, add_event};
use crate::{
    case::types::{Consent, ConsentEntry, ConsentScope},
    enums::from_column,
    error::DomainError,
    timestamp::Ts,
};

struct ConsentRow {
    id: Uuid,
    case_id: Uuid,
    scope: String,
    party_id: Option<Uuid>,
    given_at: Ts,
    revoked_at: Option<Ts>,
    recorded_by: Uuid,
    created_at: Ts,
}

impl ConsentRow {
    fn into_consent(self) -> Result<Consent, sqlx::Error> {
        Ok(Consent {
            id: self.id,
            case_id: self.case_id,
            scope: from_column::<ConsentScope>("case_consents.scope", &self.scope)?,
            party_id: self.party_id,
            given_at: self.given_at,
            revoked_at: self.revoked_at,
            recorded_by: self.recorded_by,
            created_at: self.created_at,
        })
    }
}

/// Records a consent the client gave.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn add(
    conn: &mut PgConnection,
    case_id: Uuid,
    c: &ConsentEntry,
    by: Uuid,
    now: Ts,
) -> Result<Consent, sqlx::Error> {
    let row = sqlx::query_as!(
        ConsentRow,
        r#"INSERT INTO case_consents (id, case_id, scope, party_id, given_at, recorded_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           RETURNING id, case_id, scope, party_id, given_at, revoked_at, recorded_by, created_at"#,
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
    let detail = serde_json::json!({"consent_id": row.id, "scope": c.scope, "party_id": c.party_id});
    add_event(conn, case_id, "consent.given", &actor(by), detail, now).await?;
    row.into_consent()
}

/// The consent ledger of a case, oldest first, after `after`.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn list(
    conn: &mut PgConnection,
    case_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Consent>, sqlx::Error> {
    let rows = sqlx::query_as!(
        ConsentRow,
        r#"SELECT id, case_id, scope, party_id, given_at, revoked_at, recorded_by, created_at
           FROM case_consents WHERE case_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"#,
        case_id,
        after,
        limit
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(ConsentRow::into_consent).collect()
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
    let row = sqlx::query_as!(
        ConsentRow,
        r#"SELECT id, case_id, scope, party_id, given_at, revoked_at, recorded_by, created_at
           FROM case_consents WHERE case_id = $1 AND id = $2 FOR UPDATE"#,
        case_id,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(DomainError::NotFound)?;
    if row.revoked_at.is_some() {
        return Err(DomainError::Conflict("this consent is already revoked".into()));
    }
    let row = sqlx::query_as!(
        ConsentRow,
        r#"UPDATE case_consents SET revoked_at = $3 WHERE case_id = $1 AND id = $2
           RETURNING id, case_id, scope, party_id, given_at, revoked_at, recorded_by, created_at"#,
        case_id,
        id,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    let detail = serde_json::json!({"consent_id": id, "scope": row.scope});
    add_event(conn, case_id, "consent.revoked", &actor(by), detail, now).await?;
    Ok(row.into_consent()?)
}
