//! SQL for claims. Every read goes through the case's visibility rule (`case_visible` on
//! the claim's case); respondent names and transition notes through `case::protect`.

use sqlx::PgConnection;
use uuid::Uuid;

use super::types::{
    Applicant, ApplicantKind, Claim, ClaimDraft, ClaimKind, ClaimMove, ClaimStatus, Forum, Outcome, RelatedBinding,
    Respondent,
};
use crate::{
    case::{
        Actor, Visibility, protect,
        store::{actor, add_event},
    },
    error::DomainError,
    penalty::RespondentKind,
    store::{self, SqlVisibility, Visible},
    timestamp::Ts,
};

struct ClaimRow {
    id: Uuid,
    case_id: Uuid,
    forum: Forum,
    kind: ClaimKind,
    tribunal_reference: Option<String>,
    applicant_kind: ApplicantKind,
    applicant_name_sealed: Option<Vec<u8>>,
    filed_at: Option<Ts>,
    related_order_id: Option<Uuid>,
    related_respondent_id: Option<Uuid>,
    damages_claimed_cents: Option<i64>,
    status: ClaimStatus,
    outcome: Option<Outcome>,
    publication_ban: bool,
    status_changed_at: Option<Ts>,
    created_by: Uuid,
    created_at: Ts,
    updated_at: Ts,
    version: i64,
}

impl ClaimRow {
    fn into_claim(self, respondents: Vec<Respondent>) -> Result<Claim, sqlx::Error> {
        Ok(Claim {
            id: self.id,
            case_id: self.case_id,
            forum: self.forum,
            kind: self.kind,
            tribunal_reference: self.tribunal_reference,
            applicant: Applicant {
                kind: self.applicant_kind,
                name: self
                    .applicant_name_sealed
                    .as_deref()
                    .map(|s| protect::open(s, protect::CLAIM_APPLICANT_NAME.at(self.id)))
                    .transpose()?,
            },
            filed_at: self.filed_at,
            respondents,
            related: self
                .related_order_id
                .zip(self.related_respondent_id)
                .map(|(order_id, respondent_id)| RelatedBinding {
                    order_id,
                    respondent_id,
                }),
            damages_claimed_cents: self.damages_claimed_cents,
            status: self.status,
            outcome: self.outcome,
            publication_ban: self.publication_ban,
            status_changed_at: self.status_changed_at,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }
}

impl Visible for Claim {
    type Seen = SeenClaim;

    fn seen(self, by: Actor) -> SeenClaim {
        SeenClaim { claim: self, by }
    }

    /// The one place that reads claim rows, with their respondents.
    async fn fetch(conn: &mut PgConnection, v: SqlVisibility, ids: &[Uuid]) -> Result<Vec<Claim>, sqlx::Error> {
        let rows = sqlx::query_as!(
            ClaimRow,
            r#"SELECT cl.id, cl.case_id, cl.forum AS "forum: Forum", cl.kind AS "kind: ClaimKind",
                      cl.tribunal_reference, cl.applicant_kind AS "applicant_kind: ApplicantKind",
                      cl.applicant_name_sealed, cl.filed_at, cl.related_order_id, cl.related_respondent_id, cl.damages_claimed_cents,
                      cl.status AS "status: ClaimStatus", cl.outcome AS "outcome: Outcome", cl.publication_ban,
                      cl.status_changed_at, cl.created_by, cl.created_at, cl.updated_at, cl.version
               FROM claims cl WHERE cl.id = ANY($1) AND case_visible(cl.case_id, $2, $3)
               ORDER BY cl.id DESC"#,
            ids,
            v.see_all,
            v.viewer
        )
        .fetch_all(&mut *conn)
        .await?;
        let claim_ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let resp = sqlx::query!(
            r#"SELECT id, claim_id, kind AS "kind: RespondentKind", name_sealed, platform_id, is_minor
               FROM claim_respondents
               WHERE claim_id = ANY($1) ORDER BY claim_id, position"#,
            &claim_ids
        )
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let respondents = resp
                .iter()
                .filter(|r| r.claim_id == row.id)
                .map(|r| {
                    Ok(Respondent {
                        id: r.id,
                        kind: r.kind,
                        name: protect::open(&r.name_sealed, protect::RESPONDENT_NAME.at(r.id))?,
                        platform_id: r.platform_id,
                        is_minor: r.is_minor,
                    })
                })
                .collect::<Result<Vec<_>, sqlx::Error>>()?;
            out.push(row.into_claim(respondents)?);
        }
        Ok(out)
    }

    async fn lock(conn: &mut PgConnection, v: SqlVisibility, id: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
        sqlx::query_scalar!(
            "SELECT cl.id FROM claims cl WHERE cl.id = $1 AND case_visible(cl.case_id, $2, $3) FOR UPDATE OF cl",
            id,
            v.see_all,
            v.viewer
        )
        .fetch_optional(conn)
        .await
    }
}

/// A claim read through its case's visibility rule, with the caller who saw it.
#[derive(Debug, Clone)]
pub struct SeenClaim {
    pub claim: Claim,
    pub by: Actor,
}

/// The claim, if the caller sees its case.
///
/// # Errors
/// `NotFound` when unknown or not visible (indistinguishable); `Db` otherwise.
#[tracing::instrument(skip_all, fields(claim.id = %id))]
pub async fn visible(conn: &mut PgConnection, vis: Visibility, id: Uuid) -> Result<SeenClaim, DomainError> {
    store::visible::<Claim>(conn, vis, id).await
}

/// Like [`visible`], and the claim row stays locked until the transaction ends.
///
/// # Errors
/// `NotFound` when unknown or not visible (indistinguishable); `Db` otherwise.
#[tracing::instrument(skip_all, fields(claim.id = %id))]
pub async fn visible_for_update(conn: &mut PgConnection, vis: Visibility, id: Uuid) -> Result<SeenClaim, DomainError> {
    store::visible_for_update::<Claim>(conn, vis, id).await
}

/// Records a claim: `filed` when the draft has a filing date, else `preparing`.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all, fields(case.id = %d.case_id))]
pub async fn create(conn: &mut PgConnection, d: &ClaimDraft, by: Actor, now: Ts) -> Result<Claim, DomainError> {
    // A respondent's platform must be in the directory (422 naming it, not a foreign-key 500).
    let named: Vec<Uuid> = d.respondents.iter().filter_map(|r| r.platform_id).collect();
    if !named.is_empty() {
        let known = sqlx::query_scalar!("SELECT id FROM platforms WHERE id = ANY($1)", &named)
            .fetch_all(&mut *conn)
            .await?;
        let unknown: Vec<crate::FieldError> = d
            .respondents
            .iter()
            .enumerate()
            .filter(|(_, r)| r.platform_id.is_some_and(|p| !known.contains(&p)))
            .map(|(i, _)| {
                crate::FieldError::new(
                    format!("respondents[{i}].platform_id"),
                    "unknown_platform",
                    "no platform in the directory has this id",
                )
            })
            .collect();
        if !unknown.is_empty() {
            return Err(DomainError::Validation(unknown));
        }
    }
    let id = Uuid::now_v7();
    let status = if d.filed_at.is_some() {
        ClaimStatus::Filed
    } else {
        ClaimStatus::Preparing
    };
    sqlx::query!(
        r#"INSERT INTO claims (id, case_id, forum, kind, tribunal_reference, filed_at, related_order_id,
                               related_respondent_id, damages_claimed_cents, status, publication_ban,
                               status_changed_at, created_by, created_at, updated_at, applicant_kind,
                               applicant_name_sealed)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $6, $12, $13, $13, $14, $15)"#,
        id,
        d.case_id,
        d.forum.as_str(),
        d.kind.as_str(),
        d.tribunal_reference.as_deref(),
        d.filed_at,
        d.related.map(|r| r.order_id),
        d.related.map(|r| r.respondent_id),
        d.damages_claimed_cents,
        status.as_str(),
        d.publication_ban(),
        by.id,
        now,
        d.applicant.kind.as_str(),
        d.applicant
            .name
            .as_ref()
            .map(|n| protect::seal(n, protect::CLAIM_APPLICANT_NAME.at(id)))
    )
    .execute(&mut *conn)
    .await?;
    for (i, r) in d.respondents.iter().enumerate() {
        let respondent_id = Uuid::now_v7();
        sqlx::query!(
            r#"INSERT INTO claim_respondents (id, claim_id, position, kind, name_sealed, platform_id, is_minor)
               VALUES ($1, $2, $3, $4, $5, $6, $7)"#,
            respondent_id,
            id,
            i32::try_from(i).unwrap_or(i32::MAX),
            r.kind.as_str(),
            protect::seal(&r.name, protect::RESPONDENT_NAME.at(respondent_id)),
            r.platform_id,
            r.is_minor
        )
        .execute(&mut *conn)
        .await?;
    }
    let detail = serde_json::json!({
        "claim_id": id, "forum": d.forum, "kind": d.kind, "status": status,
        "tribunal_reference": d.tribunal_reference, "related_order_id": d.related.map(|r| r.order_id),
        "applicant_kind": d.applicant.kind,
    });
    add_event(conn, d.case_id, "claim.created", &actor(by.id), detail, now).await?;
    store::reread(conn, id, by).await
}

/// List filters (contract §6).
#[derive(Debug, Default, Clone)]
pub struct ClaimFilter {
    pub case_id: Option<Uuid>,
    pub status: Option<ClaimStatus>,
    pub forum: Option<Forum>,
    pub kind: Option<ClaimKind>,
}

/// Visible claims, newest first (by id, a UUID v7), after the `before` id of the previous page.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut PgConnection,
    vis: Visibility,
    f: &ClaimFilter,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Claim>, sqlx::Error> {
    store::page(conn, vis, async |conn, v| {
        sqlx::query_scalar!(
            r#"SELECT cl.id FROM claims cl
               WHERE case_visible(cl.case_id, $1, $2)
                 AND ($3::uuid IS NULL OR cl.case_id = $3)
                 AND ($4::text IS NULL OR cl.status = $4)
                 AND ($5::text IS NULL OR cl.forum = $5)
                 AND ($6::text IS NULL OR cl.kind = $6)
                 AND ($7::uuid IS NULL OR cl.id < $7)
               ORDER BY cl.id DESC
               LIMIT $8"#,
            v.see_all,
            v.viewer,
            f.case_id,
            f.status.map(ClaimStatus::as_str),
            f.forum.map(Forum::as_str),
            f.kind.map(ClaimKind::as_str),
            before,
            limit
        )
        .fetch_all(conn)
        .await
    })
    .await
}

/// Moves a claim read with [`visible_for_update`] (the caller checked the table and its
/// guards). Moving to `filed` sets `filed_at` when the claim had none.
///
/// # Errors
/// `Stale` when the version moved on; `Db` otherwise.
#[tracing::instrument(skip_all, fields(claim.id = %seen.claim.id, to = %m.to))]
pub async fn transition(
    conn: &mut PgConnection,
    seen: &SeenClaim,
    m: &ClaimMove,
    now: Ts,
) -> Result<Claim, DomainError> {
    let c = &seen.claim;
    let filed_at = match (m.to, c.filed_at) {
        (ClaimStatus::Filed, None) => Some(m.occurred_at),
        (_, f) => f,
    };
    let done = sqlx::query!(
        r#"UPDATE claims SET status = $2, outcome = COALESCE($3, outcome), filed_at = $4, status_changed_at = $5,
                             updated_at = $6, version = version + 1
           WHERE id = $1 AND version = $7"#,
        c.id,
        m.to.as_str(),
        m.outcome.map(Outcome::as_str),
        filed_at,
        m.occurred_at,
        now,
        c.version
    )
    .execute(&mut *conn)
    .await?;
    store::updated(&done)?;
    let transition_id = Uuid::now_v7();
    sqlx::query!(
        r#"INSERT INTO claim_transitions (id, claim_id, from_status, to_status, outcome, occurred_at, note_sealed,
                                          recorded_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
        transition_id,
        c.id,
        c.status.as_str(),
        m.to.as_str(),
        m.outcome.map(Outcome::as_str),
        m.occurred_at,
        m.note
            .as_ref()
            .map(|n| protect::seal(n, protect::CLAIM_TRANSITION_NOTE.at(transition_id))),
        seen.by.id,
        now
    )
    .execute(&mut *conn)
    .await?;
    let detail = serde_json::json!({
        "claim_id": c.id, "from": c.status, "to": m.to, "outcome": m.outcome,
        "occurred_at": m.occurred_at, "tribunal_reference": c.tribunal_reference,
    });
    add_event(conn, c.case_id, "claim.status_changed", &actor(seen.by.id), detail, now).await?;
    store::reread(conn, c.id, seen.by).await
}
