//! The case row: creation, the one visible read, lists, details, status and assignment.

use std::collections::HashSet;

use sqlx::PgConnection;
use uuid::Uuid;

use super::events::{actor, add_event};
use crate::{
    calendar,
    case::{
        lookup::ClientIndexes,
        protect,
        rules::{Actor, Visibility},
        types::{
            AgeGroup, Assignment, Case, CaseDetails, CaseStatus, Client, CloseReason, Jurisdiction, Priority,
            Situation, Support, TransitionRequest,
        },
    },
    error::DomainError,
    input::PARSED,
    store::{self, SqlVisibility, Visible},
    timestamp::Ts,
};

struct CaseRow {
    id: Uuid,
    reference: String,
    status: CaseStatus,
    client_sealed: Vec<u8>,
    situation: Situation,
    jurisdiction: Jurisdiction,
    sextortion: bool,
    altered_image: bool,
    supports_requested: Vec<Support>,
    priority: Priority,
    summary_sealed: Option<Vec<u8>>,
    assigned_to: Uuid,
    collaborators: Vec<Uuid>,
    created_at: Ts,
    updated_at: Ts,
    closed_at: Option<Ts>,
    close_reason: Option<CloseReason>,
    version: i64,
}

impl CaseRow {
    fn into_case(self) -> Result<Case, sqlx::Error> {
        let client: Client = protect::open(&self.client_sealed, protect::CASE_CLIENT.at(self.id))?;
        let summary: Option<String> = self
            .summary_sealed
            .as_deref()
            .map(|s| protect::open(s, protect::CASE_SUMMARY.at(self.id)))
            .transpose()?;
        Ok(Case {
            id: self.id,
            reference: self.reference,
            status: self.status,
            details: CaseDetails {
                client,
                situation: self.situation,
                jurisdiction: self.jurisdiction,
                sextortion: self.sextortion,
                altered_image: self.altered_image,
                supports_requested: self.supports_requested,
                priority: self.priority,
                summary,
                parsed: PARSED,
            },
            assigned_to: self.assigned_to,
            collaborators: self.collaborators,
            created_at: self.created_at,
            updated_at: self.updated_at,
            closed_at: self.closed_at,
            close_reason: self.close_reason,
            version: self.version,
        })
    }
}

impl Visible for Case {
    type Seen = Seen;

    fn seen(self, by: Actor) -> Seen {
        Seen { case: self, by }
    }

    /// The one place that reads case rows (and their column list).
    async fn fetch(conn: &mut PgConnection, v: SqlVisibility, ids: &[Uuid]) -> Result<Vec<Case>, sqlx::Error> {
        let rows = sqlx::query_as!(
            CaseRow,
            r#"SELECT c.id, c.reference, c.status AS "status: CaseStatus", c.client_sealed,
                      c.situation AS "situation: Situation", c.jurisdiction AS "jurisdiction: Jurisdiction",
                      c.sextortion, c.altered_image, c.supports_requested AS "supports_requested: Vec<Support>",
                      c.priority AS "priority: Priority", c.summary_sealed, c.assigned_to,
                      ARRAY(SELECT cc.user_id FROM case_collaborators cc WHERE cc.case_id = c.id ORDER BY cc.user_id) AS "collaborators!",
                      c.created_at, c.updated_at, c.closed_at, c.close_reason AS "close_reason: CloseReason", c.version
               FROM cases c WHERE c.id = ANY($1) AND case_visible(c.id, $2, $3)
               ORDER BY c.id DESC"#,
            ids,
            v.see_all,
            v.viewer
        )
        .fetch_all(conn)
        .await?;
        rows.into_iter().map(CaseRow::into_case).collect()
    }

    async fn lock(conn: &mut PgConnection, v: SqlVisibility, id: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
        sqlx::query_scalar!(
            "SELECT c.id FROM cases c WHERE c.id = $1 AND case_visible(c.id, $2, $3) FOR UPDATE OF c",
            id,
            v.see_all,
            v.viewer
        )
        .fetch_optional(conn)
        .await
    }
}

/// A case read through the visibility rule, with the caller who saw it: a handler never
/// has to recover who acts after the 404 check.
#[derive(Debug, Clone)]
pub struct Seen {
    pub case: Case,
    pub by: Actor,
}

/// The case, if the caller sees it.
///
/// # Errors
/// `NotFound` when unknown or not visible (indistinguishable); `Db` otherwise.
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn visible(conn: &mut PgConnection, vis: Visibility, id: Uuid) -> Result<Seen, DomainError> {
    store::visible::<Case>(conn, vis, id).await
}

/// Like [`visible`], and the case row stays locked until the transaction ends, so the
/// version read is the one a change applies to.
///
/// # Errors
/// `NotFound` when unknown or not visible (indistinguishable); `Db` otherwise.
#[tracing::instrument(skip_all, fields(case.id = %id))]
pub async fn visible_for_update(conn: &mut PgConnection, vis: Visibility, id: Uuid) -> Result<Seen, DomainError> {
    store::visible_for_update::<Case>(conn, vis, id).await
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

fn supports_text(d: &CaseDetails) -> Vec<String> {
    d.supports_requested.iter().map(|s| s.as_str().to_owned()).collect()
}

/// Opens a case in `intake`, assigned to the caseworker who opens it.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all, fields(user.id = %by.id))]
pub async fn create(conn: &mut PgConnection, details: &CaseDetails, by: Actor, now: Ts) -> Result<Case, DomainError> {
    let id = Uuid::now_v7();
    let reference = next_reference(conn, now).await?;
    let ix = ClientIndexes::of(&details.client);
    sqlx::query!(
        r#"INSERT INTO cases (id, reference, status, client_sealed, age_group, situation, jurisdiction, sextortion,
                              altered_image, supports_requested, priority, summary_sealed, assigned_to,
                              created_at, updated_at, client_email_index, client_phone_index, client_name_index)
           VALUES ($1, $2, 'intake', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14, $15, $16)"#,
        id,
        reference,
        protect::seal(&details.client, protect::CASE_CLIENT.at(id)),
        details.client.age_group.as_str(),
        details.situation.as_str(),
        details.jurisdiction.as_str(),
        details.sextortion,
        details.altered_image,
        &supports_text(details),
        details.priority.as_str(),
        details
            .summary
            .as_ref()
            .map(|s| protect::seal(s, protect::CASE_SUMMARY.at(id))),
        by.id,
        now,
        ix.email,
        ix.phone,
        ix.name
    )
    .execute(&mut *conn)
    .await?;
    let detail = serde_json::json!({"reference": reference});
    add_event(conn, id, "case.created", &actor(by.id), detail, now).await?;
    store::reread(conn, id, by).await
}

/// List filters (README, "Cases"). The `client_*` filters are blind indexes
/// ([`crate::case::lookup`]), matched exactly.
#[derive(Debug, Default, Clone)]
pub struct CaseFilter {
    pub status: Option<CaseStatus>,
    pub assigned_to: Option<Uuid>,
    pub priority: Option<Priority>,
    pub jurisdiction: Option<Jurisdiction>,
    pub age_group: Option<AgeGroup>,
    pub reference: Option<String>,
    pub updated_after: Option<Ts>,
    pub client_email_index: Option<Vec<u8>>,
    pub client_phone_index: Option<Vec<u8>>,
    pub client_name_index: Option<Vec<u8>>,
}

/// Visible cases, newest first (by id, a UUID v7), after the `before` id of the previous
/// page. Cases created while paging sort before page one, so no page repeats or skips.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut PgConnection,
    vis: Visibility,
    f: &CaseFilter,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Case>, sqlx::Error> {
    store::page(conn, vis, async |conn, v| {
        sqlx::query_scalar!(
            r#"SELECT c.id FROM cases c
               WHERE case_visible(c.id, $1, $2)
                 AND ($3::text IS NULL OR c.status = $3)
                 AND ($4::uuid IS NULL OR c.assigned_to = $4)
                 AND ($5::text IS NULL OR c.priority = $5)
                 AND ($6::text IS NULL OR c.jurisdiction = $6)
                 AND ($7::text IS NULL OR c.age_group = $7)
                 AND ($8::text IS NULL OR c.reference = $8)
                 AND ($9::timestamptz IS NULL OR c.updated_at > $9)
                 AND ($10::uuid IS NULL OR c.id < $10)
                 AND ($12::bytea IS NULL OR c.client_email_index = $12)
                 AND ($13::bytea IS NULL OR c.client_phone_index = $13)
                 AND ($14::bytea IS NULL OR c.client_name_index = $14)
               ORDER BY c.id DESC
               LIMIT $11"#,
            v.see_all,
            v.viewer,
            f.status.map(CaseStatus::as_str),
            f.assigned_to,
            f.priority.map(Priority::as_str),
            f.jurisdiction.map(Jurisdiction::as_str),
            f.age_group.map(AgeGroup::as_str),
            f.reference.as_deref(),
            f.updated_after,
            before,
            limit,
            f.client_email_index.as_deref(),
            f.client_phone_index.as_deref(),
            f.client_name_index.as_deref()
        )
        .fetch_all(conn)
        .await
    })
    .await
}

/// Replaces the editable details of a case read with [`visible_for_update`]; records which
/// fields changed (names only) in the timeline.
///
/// # Errors
/// `Stale` when the version moved on; `Db` otherwise.
#[tracing::instrument(skip_all, fields(case.id = %seen.case.id))]
pub async fn update_details(
    conn: &mut PgConnection,
    seen: &Seen,
    details: &CaseDetails,
    changed: &[String],
    now: Ts,
) -> Result<Case, DomainError> {
    let case = &seen.case;
    let ix = ClientIndexes::of(&details.client);
    let done = sqlx::query!(
        r#"UPDATE cases SET client_sealed = $2, age_group = $3, situation = $4, jurisdiction = $5, sextortion = $6,
                            altered_image = $7, supports_requested = $8, priority = $9, summary_sealed = $10,
                            updated_at = $11, version = version + 1,
                            client_email_index = $13, client_phone_index = $14, client_name_index = $15
           WHERE id = $1 AND version = $12"#,
        case.id,
        protect::seal(&details.client, protect::CASE_CLIENT.at(case.id)),
        details.client.age_group.as_str(),
        details.situation.as_str(),
        details.jurisdiction.as_str(),
        details.sextortion,
        details.altered_image,
        &supports_text(details),
        details.priority.as_str(),
        details
            .summary
            .as_ref()
            .map(|s| protect::seal(s, protect::CASE_SUMMARY.at(case.id))),
        now,
        case.version,
        ix.email,
        ix.phone,
        ix.name
    )
    .execute(&mut *conn)
    .await?;
    store::updated(&done)?;
    let detail = serde_json::json!({"fields": changed});
    add_event(conn, case.id, "case.updated", &actor(seen.by.id), detail, now).await?;
    store::reread(conn, case.id, seen.by).await
}

/// Moves a case (the caller checked the guards on the row it locked with
/// [`visible_for_update`], so the version it read is still current).
///
/// # Errors
/// `Stale` when the version moved on; `Db` otherwise.
#[tracing::instrument(skip_all, fields(case.id = %seen.case.id, to = %req.to))]
pub async fn set_status(
    conn: &mut PgConnection,
    seen: &Seen,
    req: &TransitionRequest,
    now: Ts,
) -> Result<Case, DomainError> {
    let case = &seen.case;
    let closing = req.to == CaseStatus::Closed;
    let done = sqlx::query!(
        r#"UPDATE cases SET status = $2,
                            closed_at = CASE WHEN $3::boolean THEN $4::timestamptz ELSE NULL END,
                            close_reason = CASE WHEN $3::boolean THEN $5::text ELSE NULL END,
                            updated_at = $4, version = version + 1
           WHERE id = $1 AND version = $6"#,
        case.id,
        req.to.as_str(),
        closing,
        now,
        req.close_reason.map(CloseReason::as_str),
        case.version
    )
    .execute(&mut *conn)
    .await?;
    store::updated(&done)?;
    let detail = serde_json::json!({
        "from": case.status, "to": req.to, "close_reason": req.close_reason, "forced": req.force,
    });
    add_event(conn, case.id, "case.status_changed", &actor(seen.by.id), detail, now).await?;
    store::reread(conn, case.id, seen.by).await
}

/// Takedown requests of the case still `submitted` or `acknowledged` (the closing guard).
pub async fn open_takedowns(conn: &mut PgConnection, case_id: Uuid) -> Result<u32, sqlx::Error> {
    crate::takedown::store::open_count(conn, case_id).await
}

/// Which of `users` may hold cases (active caseworkers and supervisors), in one query.
#[tracing::instrument(skip_all, fields(n = users.len()))]
pub async fn assignable_users(conn: &mut PgConnection, users: &[Uuid]) -> Result<HashSet<Uuid>, sqlx::Error> {
    let ids = sqlx::query_scalar!(
        "SELECT id FROM users WHERE id = ANY($1) AND active AND role IN ('caseworker', 'supervisor')",
        users
    )
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().collect())
}

/// Replaces the primary and the collaborators of a case read with [`visible_for_update`];
/// the open tasks of anyone who loses sight of the case move to the new primary.
///
/// # Errors
/// `Stale` when the version moved on; `Db` otherwise.
#[tracing::instrument(skip_all, fields(case.id = %seen.case.id))]
pub async fn set_assignment(
    conn: &mut PgConnection,
    seen: &Seen,
    a: &Assignment,
    now: Ts,
) -> Result<Case, DomainError> {
    let case = &seen.case;
    let done = sqlx::query!(
        "UPDATE cases SET assigned_to = $2, updated_at = $3, version = version + 1 WHERE id = $1 AND version = $4",
        case.id,
        a.primary,
        now,
        case.version
    )
    .execute(&mut *conn)
    .await?;
    store::updated(&done)?;
    sqlx::query!("DELETE FROM case_collaborators WHERE case_id = $1", case.id)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        "INSERT INTO case_collaborators (case_id, user_id) SELECT $1, unnest($2::uuid[])",
        case.id,
        &a.collaborators
    )
    .execute(&mut *conn)
    .await?;
    let detail = serde_json::json!({
        "from": {"primary": case.assigned_to, "collaborators": case.collaborators},
        "to": {"primary": a.primary, "collaborators": a.collaborators},
    });
    add_event(
        conn,
        case.id,
        "case.assignment_changed",
        &actor(seen.by.id),
        detail,
        now,
    )
    .await?;
    // A case's tasks are the case's: whoever no longer sees it hands its open tasks on.
    crate::task::store::reassign_unseen(conn, case.id, a.primary, seen.by.id, now).await?;
    store::reread(conn, case.id, seen.by).await
}
