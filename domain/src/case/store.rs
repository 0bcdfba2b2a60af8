//! SQL for cases and their records. Every read of a case goes through the visibility rule
//! (`case_visible`), and every sealed column through `protect`.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    protect,
    rules::Visibility,
    types::{
        AgeGroup, Case, CaseDetails, CaseStatus, Client, CloseReason, Consent, ConsentScope, Event, Evidence,
        EvidenceKind, Jurisdiction, Note, NoteKind, Priority, Referral, ReferralStatus, ReferralTo, Situation, Support,
    },
};
use crate::{
    calendar,
    enums::from_column,
    error::{DomainError, is_constraint},
    identity::Role,
    timestamp::Ts,
};

/// Who did something, as recorded in the timeline (`user:<id>`).
#[must_use]
pub fn actor(user: Uuid) -> String {
    format!("user:{user}")
}

struct CaseRow {
    id: Uuid,
    reference: String,
    status: String,
    client_sealed: Vec<u8>,
    situation: String,
    jurisdiction: String,
    sextortion: bool,
    altered_image: bool,
    supports_requested: Vec<String>,
    priority: String,
    summary_sealed: Option<Vec<u8>>,
    assigned_to: Uuid,
    collaborators: Vec<Uuid>,
    created_at: Ts,
    updated_at: Ts,
    closed_at: Option<Ts>,
    close_reason: Option<String>,
    version: i64,
}

impl CaseRow {
    fn into_case(self) -> Result<Case, sqlx::Error> {
        let client: Client = protect::open(&self.client_sealed)?;
        let summary: Option<String> = self.summary_sealed.as_deref().map(protect::open).transpose()?;
        let supports = self
            .supports_requested
            .iter()
            .map(|s| from_column::<Support>("cases.supports_requested", s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Case {
            id: self.id,
            reference: self.reference,
            status: from_column("cases.status", &self.status)?,
            details: CaseDetails {
                client,
                situation: from_column::<Situation>("cases.situation", &self.situation)?,
                jurisdiction: from_column::<Jurisdiction>("cases.jurisdiction", &self.jurisdiction)?,
                sextortion: self.sextortion,
                altered_image: self.altered_image,
                supports_requested: supports,
                priority: from_column::<Priority>("cases.priority", &self.priority)?,
                summary,
            },
            assigned_to: self.assigned_to,
            collaborators: self.collaborators,
            created_at: self.created_at,
            updated_at: self.updated_at,
            closed_at: self.closed_at,
            close_reason: self
                .close_reason
                .as_deref()
                .map(|r| from_column::<CloseReason>("cases.close_reason", r))
                .transpose()?,
            version: self.version,
        })
    }
}

fn supports_text(d: &CaseDetails) -> Vec<String> {
    d.supports_requested.iter().map(|s| s.as_str().to_owned()).collect()
}

/// Appends a timeline event.
///
/// # Errors
/// Database errors only.
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

/// The next reference of the year `now` falls in (office time zone): `IIPS-2026-000042`.
async fn next_reference(conn: &mut PgConnection, now: Ts) -> Result<String, sqlx::Error> {
    let year = i32::from(calendar::local_date(now.get()).year());
    let n = sqlx::query_scalar!(
        r#"INSERT INTO case_reference_counters (year, last_value) VALUES ($1, 1)
           ON CONFLICT (year) DO UPDATE SET last_value = case_reference_counters.last_value + 1
           RETURNING last_value"#,
        year
    )
    .fetch_one(conn)
    .await?;
    Ok(format!("IIPS-{year}-{n:06}"))
}

/// Opens a case in `intake`, assigned to `assigned_to`.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all)]
pub async fn create(
    conn: &mut PgConnection,
    details: &CaseDetails,
    assigned_to: Uuid,
    now: Ts,
) -> Result<Case, sqlx::Error> {
    let id = Uuid::now_v7();
    let reference = next_reference(conn, now).await?;
    sqlx::query!(
        r#"INSERT INTO cases (id, reference, status, client_sealed, age_group, situation, jurisdiction, sextortion,
                              altered_image, supports_requested, priority, summary_sealed, assigned_to,
                              created_at, updated_at)
           VALUES ($1, $2, 'intake', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)"#,
        id,
        reference,
        protect::seal(&details.client),
        details.client.age_group.as_str(),
        details.situation.as_str(),
        details.jurisdiction.as_str(),
        details.sextortion,
        details.altered_image,
        &supports_text(details),
        details.priority.as_str(),
        details.summary.as_ref().map(|s| protect::seal(s)),
        assigned_to,
        now
    )
    .execute(&mut *conn)
    .await?;
    add_event(
        conn,
        id,
        "case.created",
        &actor(assigned_to),
        serde_json::json!({"reference": reference}),
        now,
    )
    .await?;
    load(conn, id).await?.ok_or(sqlx::Error::RowNotFound)
}

async fn load(conn: &mut PgConnection, id: Uuid) -> Result<Option<Case>, sqlx::Error> {
    let row = sqlx::query_as!(
        CaseRow,
        r#"SELECT c.id, c.reference, c.status, c.client_sealed, c.situation, c.jurisdiction, c.sextortion,
                  c.altered_image, c.supports_requested, c.priority, c.summary_sealed, c.assigned_to,
                  ARRAY(SELECT cc.user_id FROM case_collaborators cc WHERE cc.case_id = c.id ORDER BY cc.user_id) AS "collaborators!",
                  c.created_at, c.updated_at, c.closed_at, c.close_reason, c.version
           FROM cases c WHERE c.id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    row.map(CaseRow::into_case).transpose()
}

/// The case, if the caller sees it; locked for update when `lock` (for changes).
///
/// # Errors
/// `NotFound` when unknown or not visible (indistinguishable); `Db` otherwise.
pub async fn visible(conn: &mut PgConnection, vis: Visibility, id: Uuid, lock: bool) -> Result<Case, DomainError> {
    let (all, viewer) = vis.sql_params();
    if vis == Visibility::Nothing {
        return Err(DomainError::NotFound);
    }
    // One round trip: the visibility rule and the read (and the lock) in the same query.
    let row = if lock {
        sqlx::query_as!(
            CaseRow,
            r#"SELECT c.id, c.reference, c.status, c.client_sealed, c.situation, c.jurisdiction, c.sextortion,
                      c.altered_image, c.supports_requested, c.priority, c.summary_sealed, c.assigned_to,
                      ARRAY(SELECT cc.user_id FROM case_collaborators cc WHERE cc.case_id = c.id ORDER BY cc.user_id) AS "collaborators!",
                      c.created_at, c.updated_at, c.closed_at, c.close_reason, c.version
               FROM cases c WHERE c.id = $1 AND case_visible(c.id, $2, $3) FOR UPDATE OF c"#,
            id,
            all,
            viewer
        )
        .fetch_optional(&mut *conn)
        .await?
    } else {
        sqlx::query_as!(
            CaseRow,
            r#"SELECT c.id, c.reference, c.status, c.client_sealed, c.situation, c.jurisdiction, c.sextortion,
                      c.altered_image, c.supports_requested, c.priority, c.summary_sealed, c.assigned_to,
                      ARRAY(SELECT cc.user_id FROM case_collaborators cc WHERE cc.case_id = c.id ORDER BY cc.user_id) AS "collaborators!",
                      c.created_at, c.updated_at, c.closed_at, c.close_reason, c.version
               FROM cases c WHERE c.id = $1 AND case_visible(c.id, $2, $3)"#,
            id,
            all,
            viewer
        )
        .fetch_optional(&mut *conn)
        .await?
    };
    Ok(row.ok_or(DomainError::NotFound)?.into_case()?)
}

/// List filters (contract §3).
#[derive(Debug, Default, Clone)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    pub assigned_to: Option<Uuid>,
    pub priority: Option<Priority>,
    pub jurisdiction: Option<Jurisdiction>,
    pub age_group: Option<AgeGroup>,
    pub reference: Option<String>,
    pub updated_after: Option<Ts>,
}

/// Visible cases, newest first (by id, a UUID v7), after the `before` id of the previous
/// page. Cases created while paging sort before page one, so no page repeats or skips.
///
/// # Errors
/// Database errors only.
pub async fn list(
    conn: &mut PgConnection,
    vis: Visibility,
    f: &CaseFilter,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Case>, sqlx::Error> {
    if vis == Visibility::Nothing {
        return Ok(Vec::new());
    }
    let (all, viewer) = vis.sql_params();
    let rows = sqlx::query_as!(
        CaseRow,
        r#"SELECT c.id, c.reference, c.status, c.client_sealed, c.situation, c.jurisdiction, c.sextortion,
                  c.altered_image, c.supports_requested, c.priority, c.summary_sealed, c.assigned_to,
                  ARRAY(SELECT cc.user_id FROM case_collaborators cc WHERE cc.case_id = c.id ORDER BY cc.user_id) AS "collaborators!",
                  c.created_at, c.updated_at, c.closed_at, c.close_reason, c.version
           FROM cases c
           WHERE case_visible(c.id, $1, $2)
             AND ($3::text IS NULL OR c.status = $3)
             AND ($4::uuid IS NULL OR c.assigned_to = $4)
             AND ($5::text IS NULL OR c.priority = $5)
             AND ($6::text IS NULL OR c.jurisdiction = $6)
             AND ($7::text IS NULL OR c.age_group = $7)
             AND ($8::text IS NULL OR c.reference = $8)
             AND ($9::timestamptz IS NULL OR c.updated_at > $9)
             AND ($10::uuid IS NULL OR c.id < $10)
           ORDER BY c.id DESC
           LIMIT $11"#,
        all,
        viewer,
        f.status.map(CaseStatus::as_str),
        f.assigned_to,
        f.priority.map(Priority::as_str),
        f.jurisdiction.map(Jurisdiction::as_str),
        f.age_group.map(AgeGroup::as_str),
        f.reference.as_deref(),
        f.updated_after,
        before,
        limit
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(CaseRow::into_case).collect()
}

/// Replaces the editable details when `expected_version` is current; records which fields
/// changed (names only) in the timeline.
///
/// # Errors
/// `Stale` when the version moved on; `Db` otherwise.
pub async fn update_details(
    conn: &mut PgConnection,
    case: &Case,
    details: &CaseDetails,
    expected_version: i64,
    by: Uuid,
    changed: &[String],
    now: Ts,
) -> Result<Case, DomainError> {
    let n = sqlx::query!(
        r#"UPDATE cases SET client_sealed = $2, age_group = $3, situation = $4, jurisdiction = $5, sextortion = $6,
                            altered_image = $7, supports_requested = $8, priority = $9, summary_sealed = $10,
                            updated_at = $11, version = version + 1
           WHERE id = $1 AND version = $12"#,
        case.id,
        protect::seal(&details.client),
        details.client.age_group.as_str(),
        details.situation.as_str(),
        details.jurisdiction.as_str(),
        details.sextortion,
        details.altered_image,
        &supports_text(details),
        details.priority.as_str(),
        details.summary.as_ref().map(|s| protect::seal(s)),
        now,
        expected_version
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(DomainError::Stale);
    }
    add_event(
        conn,
        case.id,
        "case.updated",
        &actor(by),
        serde_json::json!({"fields": changed}),
        now,
    )
    .await?;
    load(conn, case.id).await?.ok_or(DomainError::NotFound)
}

/// Moves a case to `to`. The caller checked the guards on the row it locked (see
/// [`visible`] with `lock`), so the version it read is still current.
///
/// # Errors
/// Database errors only.
pub async fn set_status(
    conn: &mut PgConnection,
    case: &Case,
    to: CaseStatus,
    close_reason: Option<CloseReason>,
    forced: bool,
    by: Uuid,
    now: Ts,
) -> Result<Case, DomainError> {
    let closing = to == CaseStatus::Closed;
    let n = sqlx::query!(
        r#"UPDATE cases SET status = $2,
                            closed_at = CASE WHEN $3::boolean THEN $4::timestamptz ELSE NULL END,
                            close_reason = CASE WHEN $3::boolean THEN $5::text ELSE NULL END,
                            updated_at = $4, version = version + 1
           WHERE id = $1 AND version = $6"#,
        case.id,
        to.as_str(),
        closing,
        now,
        close_reason.map(CloseReason::as_str),
        case.version
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(DomainError::Stale);
    }
    let detail = serde_json::json!({
        "from": case.status, "to": to, "close_reason": close_reason, "forced": forced,
    });
    add_event(conn, case.id, "case.status_changed", &actor(by), detail, now).await?;
    load(conn, case.id).await?.ok_or(DomainError::NotFound)
}

/// Whether a referral to C3P has been made (status made or accepted).
///
/// # Errors
/// Database errors only.
pub async fn c3p_referral_made(conn: &mut PgConnection, case_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM case_referrals
                          WHERE case_id = $1 AND referred_to = 'c3p' AND status IN ('made', 'accepted')) AS "e!""#,
        case_id
    )
    .fetch_one(conn)
    .await
}

/// Takedown requests of the case still `submitted` or `acknowledged`. Takedown requests
/// arrive with contract §5; until then a case has none.
///
/// # Errors
/// Database errors only.
#[expect(clippy::unused_async, reason = "becomes a query when takedown requests exist")]
pub async fn open_takedowns(_conn: &mut PgConnection, _case_id: Uuid) -> Result<u32, sqlx::Error> {
    Ok(0)
}

/// The role of an active user who can hold cases (caseworker or supervisor).
///
/// # Errors
/// Database errors only.
pub async fn assignable_role(conn: &mut PgConnection, user: Uuid) -> Result<Option<Role>, sqlx::Error> {
    let r = sqlx::query_scalar!(
        "SELECT role FROM users WHERE id = $1 AND active AND role IN ('caseworker', 'supervisor')",
        user
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.and_then(|s| s.parse().ok()))
}

/// Replaces the primary and the collaborators.
///
/// # Errors
/// `Stale` when `expected_version` is given and no longer current; `Db` otherwise.
pub async fn set_assignment(
    conn: &mut PgConnection,
    case: &Case,
    primary: Uuid,
    collaborators: &[Uuid],
    expected_version: Option<i64>,
    by: Uuid,
    now: Ts,
) -> Result<Case, DomainError> {
    let n = sqlx::query!(
        r#"UPDATE cases SET assigned_to = $2, updated_at = $3, version = version + 1
           WHERE id = $1 AND ($4::bigint IS NULL OR version = $4)"#,
        case.id,
        primary,
        now,
        expected_version
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(DomainError::Stale);
    }
    sqlx::query!("DELETE FROM case_collaborators WHERE case_id = $1", case.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "INSERT INTO case_collaborators (case_id, user_id) SELECT $1, unnest($2::uuid[])",
        case.id,
        collaborators
    )
    .execute(&mut *conn)
    .await?;
    let detail = serde_json::json!({
        "from": {"primary": case.assigned_to, "collaborators": case.collaborators},
        "to": {"primary": primary, "collaborators": collaborators},
    });
    add_event(conn, case.id, "case.assignment_changed", &actor(by), detail, now).await?;
    load(conn, case.id).await?.ok_or(DomainError::NotFound)
}

// ---------------------------------------------------------------------------------------
// Notes

/// Appends a note.
///
/// # Errors
/// Database errors only.
pub async fn add_note(
    conn: &mut PgConnection,
    case_id: Uuid,
    kind: NoteKind,
    body: &str,
    by: Uuid,
    now: Ts,
) -> Result<Note, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO case_notes (id, case_id, kind, body_sealed, author, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        case_id,
        kind.as_str(),
        protect::seal(body),
        by,
        now
    )
    .execute(&mut *conn)
    .await?;
    add_event(
        conn,
        case_id,
        "note.added",
        &actor(by),
        serde_json::json!({"note_id": id, "kind": kind}),
        now,
    )
    .await?;
    Ok(Note {
        id,
        case_id,
        kind,
        body: body.to_owned(),
        author: by,
        created_at: now,
    })
}

/// Notes of a case, oldest first, after `after`.
///
/// # Errors
/// Database errors only.
pub async fn list_notes(
    conn: &mut PgConnection,
    case_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Note>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, kind, body_sealed, author, created_at FROM case_notes
           WHERE case_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"#,
        case_id,
        after,
        limit
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Note {
                id: r.id,
                case_id,
                kind: from_column("case_notes.kind", &r.kind)?,
                body: protect::open(&r.body_sealed)?,
                author: r.author,
                created_at: r.created_at,
            })
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// Referrals

struct ReferralRow {
    id: Uuid,
    case_id: Uuid,
    referred_to: String,
    other_name: Option<String>,
    status: String,
    created_by: Uuid,
    created_at: Ts,
    updated_at: Ts,
    version: i64,
}

impl ReferralRow {
    fn into_referral(self) -> Result<Referral, sqlx::Error> {
        Ok(Referral {
            id: self.id,
            case_id: self.case_id,
            to: from_column::<ReferralTo>("case_referrals.referred_to", &self.referred_to)?,
            other_name: self.other_name,
            status: from_column::<ReferralStatus>("case_referrals.status", &self.status)?,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }
}

/// Records a referral.
///
/// # Errors
/// Database errors only.
pub async fn add_referral(
    conn: &mut PgConnection,
    case_id: Uuid,
    to: ReferralTo,
    other_name: Option<&str>,
    status: ReferralStatus,
    by: Uuid,
    now: Ts,
) -> Result<Referral, sqlx::Error> {
    let row = sqlx::query_as!(
        ReferralRow,
        r#"INSERT INTO case_referrals (id, case_id, referred_to, other_name, status, created_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
           RETURNING id, case_id, referred_to, other_name, status, created_by, created_at, updated_at, version"#,
        Uuid::now_v7(),
        case_id,
        to.as_str(),
        other_name,
        status.as_str(),
        by,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    let detail = serde_json::json!({"referral_id": row.id, "to": to, "status": status});
    add_event(conn, case_id, "referral.added", &actor(by), detail, now).await?;
    row.into_referral()
}

/// Referrals of a case, oldest first, after `after`.
///
/// # Errors
/// Database errors only.
pub async fn list_referrals(
    conn: &mut PgConnection,
    case_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Referral>, sqlx::Error> {
    let rows = sqlx::query_as!(
        ReferralRow,
        r#"SELECT id, case_id, referred_to, other_name, status, created_by, created_at, updated_at, version
           FROM case_referrals WHERE case_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"#,
        case_id,
        after,
        limit
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(ReferralRow::into_referral).collect()
}

/// One referral of a case, locked for update.
///
/// # Errors
/// Database errors only.
pub async fn referral_for_update(
    conn: &mut PgConnection,
    case_id: Uuid,
    id: Uuid,
) -> Result<Option<Referral>, sqlx::Error> {
    let row = sqlx::query_as!(
        ReferralRow,
        r#"SELECT id, case_id, referred_to, other_name, status, created_by, created_at, updated_at, version
           FROM case_referrals WHERE case_id = $1 AND id = $2 FOR UPDATE"#,
        case_id,
        id
    )
    .fetch_optional(conn)
    .await?;
    row.map(ReferralRow::into_referral).transpose()
}

/// Moves a referral on.
///
/// # Errors
/// `Stale` when the version moved on; `Db` otherwise.
pub async fn set_referral_status(
    conn: &mut PgConnection,
    r: &Referral,
    to: ReferralStatus,
    expected_version: i64,
    by: Uuid,
    now: Ts,
) -> Result<Referral, DomainError> {
    let row = sqlx::query_as!(
        ReferralRow,
        r#"UPDATE case_referrals SET status = $3, updated_at = $4, version = version + 1
           WHERE case_id = $1 AND id = $2 AND version = $5
           RETURNING id, case_id, referred_to, other_name, status, created_by, created_at, updated_at, version"#,
        r.case_id,
        r.id,
        to.as_str(),
        now,
        expected_version
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(DomainError::Stale)?;
    let detail = serde_json::json!({"referral_id": r.id, "from": r.status, "to": to});
    add_event(conn, r.case_id, "referral.status_changed", &actor(by), detail, now).await?;
    Ok(row.into_referral()?)
}

// ---------------------------------------------------------------------------------------
// Consents

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
///
/// # Errors
/// Database errors only.
pub async fn add_consent(
    conn: &mut PgConnection,
    case_id: Uuid,
    scope: ConsentScope,
    party_id: Option<Uuid>,
    given_at: Ts,
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
        scope.as_str(),
        party_id,
        given_at,
        by,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    let detail = serde_json::json!({"consent_id": row.id, "scope": scope, "party_id": party_id});
    add_event(conn, case_id, "consent.given", &actor(by), detail, now).await?;
    row.into_consent()
}

/// The consent ledger of a case, oldest first, after `after`.
///
/// # Errors
/// Database errors only.
pub async fn list_consents(
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
pub async fn revoke_consent(
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
    add_event(
        conn,
        case_id,
        "consent.revoked",
        &actor(by),
        serde_json::json!({"consent_id": id, "scope": row.scope}),
        now,
    )
    .await?;
    Ok(row.into_consent()?)
}

// ---------------------------------------------------------------------------------------
// Evidence

/// New evidence metadata, validated.
#[derive(Debug, Clone)]
pub struct NewEvidence {
    pub kind: EvidenceKind,
    pub url: Option<String>,
    pub site: String,
    pub poster: Option<String>,
    pub posted_at: Option<Ts>,
    pub captured_at: Ts,
    pub description: String,
    pub sha256: Option<String>,
    pub storage_location: Option<String>,
}

struct EvidenceRow {
    id: Uuid,
    case_id: Uuid,
    kind: String,
    url: Option<String>,
    site: String,
    poster: Option<String>,
    posted_at: Option<Ts>,
    captured_at: Ts,
    description_sealed: Vec<u8>,
    sha256: Option<String>,
    storage_location: Option<String>,
    recorded_by: Uuid,
    created_at: Ts,
}

impl EvidenceRow {
    fn into_evidence(self) -> Result<Evidence, sqlx::Error> {
        Ok(Evidence {
            id: self.id,
            case_id: self.case_id,
            kind: from_column::<EvidenceKind>("case_evidence.kind", &self.kind)?,
            url: self.url,
            site: self.site,
            poster: self.poster,
            posted_at: self.posted_at,
            captured_at: self.captured_at,
            description: protect::open(&self.description_sealed)?,
            sha256: self.sha256,
            storage_location: self.storage_location,
            recorded_by: self.recorded_by,
            created_at: self.created_at,
        })
    }
}

/// Records evidence metadata.
///
/// # Errors
/// Database errors only.
pub async fn add_evidence(
    conn: &mut PgConnection,
    case_id: Uuid,
    e: &NewEvidence,
    by: Uuid,
    now: Ts,
) -> Result<Evidence, DomainError> {
    let row = sqlx::query_as!(
        EvidenceRow,
        r#"INSERT INTO case_evidence (id, case_id, kind, url, site, poster, posted_at, captured_at, description_sealed,
                                     sha256, storage_location, recorded_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           RETURNING id, case_id, kind, url, site, poster, posted_at, captured_at, description_sealed, sha256,
                     storage_location, recorded_by, created_at"#,
        Uuid::now_v7(),
        case_id,
        e.kind.as_str(),
        e.url,
        e.site,
        e.poster,
        e.posted_at,
        e.captured_at,
        protect::seal(&e.description),
        e.sha256,
        e.storage_location,
        by,
        now
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(|err| {
        if is_constraint(&err, "case_evidence_check") {
            DomainError::Validation(vec![crate::FieldError::new(
                "posted_at",
                "after_capture",
                "posted_at must not be after captured_at",
            )])
        } else {
            err.into()
        }
    })?;
    add_event(
        conn,
        case_id,
        "evidence.added",
        &actor(by),
        serde_json::json!({"evidence_id": row.id, "kind": e.kind}),
        now,
    )
    .await?;
    Ok(row.into_evidence()?)
}

/// Evidence of a case, oldest first, after `after`.
///
/// # Errors
/// Database errors only.
pub async fn list_evidence(
    conn: &mut PgConnection,
    case_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Evidence>, sqlx::Error> {
    let rows = sqlx::query_as!(
        EvidenceRow,
        r#"SELECT id, case_id, kind, url, site, poster, posted_at, captured_at, description_sealed, sha256,
                  storage_location, recorded_by, created_at
           FROM case_evidence WHERE case_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"#,
        case_id,
        after,
        limit
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(EvidenceRow::into_evidence).collect()
}

// ---------------------------------------------------------------------------------------
// Timeline

/// Events of a case, newest first, before the `before` id of the previous page.
///
/// # Errors
/// Database errors only.
pub async fn list_events(
    conn: &mut PgConnection,
    case_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Event>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, case_id, occurred_at, kind, actor, detail FROM case_events
           WHERE case_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"#,
        case_id,
        before,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Event {
            id: r.id,
            case_id: r.case_id,
            occurred_at: r.occurred_at,
            kind: r.kind,
            actor: r.actor,
            detail: r.detail,
        })
        .collect())
}
