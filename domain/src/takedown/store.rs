//! SQL for takedown requests. Every read goes through the case visibility rule
//! (`case_visible` on the request's case), and sealed columns through `case::protect`.

use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    rules::{self, Effects, Fit, GuardFacts, client_under_18},
    types::{CopyrightParticulars, LegalBasis, Takedown, TakedownChannel, TakedownSpec, TakedownStatus},
};
use crate::{
    case::{
        Actor, Case, Visibility, protect,
        store::{actor, add_event},
    },
    error::{DomainError, FieldError, Validation},
    store::{self, SqlVisibility, Visible},
    timestamp::Ts,
};

struct TakedownRow {
    id: Uuid,
    case_id: Uuid,
    platform_id: Uuid,
    channel: TakedownChannel,
    urls: Vec<String>,
    evidence_ids: Vec<Uuid>,
    evidence_waiver_reason_sealed: Option<Vec<u8>>,
    legal_basis: LegalBasis,
    order_id: Option<Uuid>,
    depicted_under_18: Option<bool>,
    override_reason_sealed: Option<Vec<u8>>,
    copyright_sealed: Option<Vec<u8>>,
    status: TakedownStatus,
    status_changed_at: Ts,
    submitted_at: Option<Ts>,
    platform_reference: Option<String>,
    follow_up_due_at: Option<Ts>,
    follow_up_count: i32,
    resolved_at: Option<Ts>,
    created_by: Uuid,
    created_at: Ts,
    updated_at: Ts,
    version: i64,
}

impl TakedownRow {
    fn into_takedown(self) -> Result<Takedown, sqlx::Error> {
        Ok(Takedown {
            id: self.id,
            case_id: self.case_id,
            platform_id: self.platform_id,
            channel: self.channel,
            urls: self.urls,
            evidence_ids: self.evidence_ids,
            evidence_waiver_reason: self
                .evidence_waiver_reason_sealed
                .as_deref()
                .map(|s| protect::open(s, protect::TAKEDOWN_WAIVER_REASON.at(self.id)))
                .transpose()?,
            legal_basis: self.legal_basis,
            order_id: self.order_id,
            depicted_under_18: self.depicted_under_18,
            override_reason: self
                .override_reason_sealed
                .as_deref()
                .map(|s| protect::open(s, protect::TAKEDOWN_OVERRIDE_REASON.at(self.id)))
                .transpose()?,
            copyright: self
                .copyright_sealed
                .as_deref()
                .map(|s| protect::open::<CopyrightParticulars>(s, protect::TAKEDOWN_COPYRIGHT.at(self.id)))
                .transpose()?,
            status: self.status,
            status_changed_at: self.status_changed_at,
            submitted_at: self.submitted_at,
            platform_reference: self.platform_reference,
            follow_up_due_at: self.follow_up_due_at,
            follow_up_count: self.follow_up_count,
            resolved_at: self.resolved_at,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }
}

impl Visible for Takedown {
    type Seen = SeenTakedown;

    fn seen(self, by: Actor) -> SeenTakedown {
        SeenTakedown { takedown: self, by }
    }

    /// The one place that reads takedown rows (and their column list).
    async fn fetch(conn: &mut PgConnection, v: SqlVisibility, ids: &[Uuid]) -> Result<Vec<Takedown>, sqlx::Error> {
        let rows = sqlx::query_as!(
            TakedownRow,
            r#"SELECT t.id, t.case_id, t.platform_id, t.channel AS "channel: TakedownChannel", t.urls, t.evidence_ids,
                      t.evidence_waiver_reason_sealed, t.legal_basis AS "legal_basis: LegalBasis", t.order_id,
                      t.depicted_under_18, t.override_reason_sealed, t.copyright_sealed,
                      t.status AS "status: TakedownStatus", t.status_changed_at, t.submitted_at, t.platform_reference,
                      t.follow_up_due_at, t.follow_up_count, t.resolved_at, t.created_by, t.created_at, t.updated_at,
                      t.version
               FROM takedown_requests t
               WHERE t.id = ANY($1) AND case_visible(t.case_id, $2, $3)
               ORDER BY t.id DESC"#,
            ids,
            v.see_all,
            v.viewer
        )
        .fetch_all(conn)
        .await?;
        rows.into_iter().map(TakedownRow::into_takedown).collect()
    }

    async fn lock(conn: &mut PgConnection, v: SqlVisibility, id: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
        sqlx::query_scalar!(
            "SELECT t.id FROM takedown_requests t WHERE t.id = $1 AND case_visible(t.case_id, $2, $3) FOR UPDATE OF t",
            id,
            v.see_all,
            v.viewer
        )
        .fetch_optional(conn)
        .await
    }
}

/// A takedown request read through its case's visibility rule, with who saw it.
#[derive(Debug, Clone)]
pub struct SeenTakedown {
    pub takedown: Takedown,
    pub by: Actor,
}

/// The request, if the caller sees its case.
///
/// # Errors
/// `NotFound` when unknown or not visible (indistinguishable).
#[tracing::instrument(skip_all, fields(takedown.id = %id))]
pub async fn visible(conn: &mut PgConnection, vis: Visibility, id: Uuid) -> Result<SeenTakedown, DomainError> {
    store::visible::<Takedown>(conn, vis, id).await
}

/// Like [`visible`], with the request row locked until the transaction ends.
///
/// # Errors
/// `NotFound` when unknown or not visible (indistinguishable).
#[tracing::instrument(skip_all, fields(takedown.id = %id))]
pub async fn visible_for_update(
    conn: &mut PgConnection,
    vis: Visibility,
    id: Uuid,
) -> Result<SeenTakedown, DomainError> {
    store::visible_for_update::<Takedown>(conn, vis, id).await
}

/// Drafts a request on `case`, which the caller saw. The platform must be in the directory
/// and active, the channel must fit it and the client (`rules::fit`), and every evidence
/// item and the order must belong to the case (422 naming each).
///
/// # Errors
/// `Validation` for an unknown or retired platform, a channel that does not fit, foreign
/// evidence or order; `Db` otherwise.
#[tracing::instrument(skip_all, fields(case.id = %spec.case_id()))]
pub async fn create(
    conn: &mut PgConnection,
    spec: &TakedownSpec,
    case: &Case,
    by: Actor,
    now: Ts,
) -> Result<Takedown, DomainError> {
    let mut v = Validation::new();
    match crate::platform::store::get(&mut *conn, spec.platform_id()).await? {
        None => v.push(FieldError::new(
            "platform_id",
            "unknown_platform",
            "no platform in the directory has this id",
        )),
        Some(p) if !p.active => v.push(FieldError::new(
            "platform_id",
            "inactive_platform",
            "this platform is retired from the directory",
        )),
        Some(p) => {
            let bound_by_order = match (spec.channel(), spec.order_id()) {
                (TakedownChannel::OrderService, Some(order_id)) => {
                    Some(binds_platform(conn, order_id, spec.platform_id()).await?)
                }
                _ => None,
            };
            let fit = Fit {
                platform: &p,
                client_under_18: client_under_18(&case.details.client),
                bound_by_order,
            };
            for e in rules::fit(spec.channel(), &fit) {
                v.push(e);
            }
        }
    }
    let of_case = sqlx::query_scalar!(
        "SELECT id FROM case_evidence WHERE case_id = $1 AND id = ANY($2)",
        spec.case_id(),
        spec.evidence_ids()
    )
    .fetch_all(&mut *conn)
    .await?;
    for (i, e) in spec.evidence_ids().iter().enumerate() {
        if !of_case.contains(e) {
            v.push(FieldError::new(
                format!("evidence_ids[{i}]"),
                "not_in_case",
                "no evidence item of this case has this id",
            ));
        }
    }
    if let Some(order_id) = spec.order_id() {
        let of_case = sqlx::query_scalar!(
            r#"SELECT EXISTS (SELECT 1 FROM orders WHERE id = $1 AND case_id = $2) AS "e!""#,
            order_id,
            spec.case_id()
        )
        .fetch_one(&mut *conn)
        .await?;
        if !of_case {
            v.push(FieldError::new(
                "order_id",
                "not_in_case",
                "no order of this case has this id",
            ));
        }
    }
    v.finish()?;
    let id = Uuid::now_v7();
    sqlx::query!(
        r#"INSERT INTO takedown_requests (id, case_id, platform_id, channel, urls, evidence_ids,
                                         evidence_waiver_reason_sealed, legal_basis, order_id, depicted_under_18,
                                         override_reason_sealed, copyright_sealed, status, status_changed_at,
                                         created_by, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'draft', $13, $14, $13, $13)"#,
        id,
        spec.case_id(),
        spec.platform_id(),
        spec.channel().as_str(),
        spec.urls(),
        spec.evidence_ids(),
        spec.evidence_waiver_reason()
            .map(|r| protect::seal(r, protect::TAKEDOWN_WAIVER_REASON.at(id))),
        spec.legal_basis().as_str(),
        spec.order_id(),
        spec.depicted_under_18(),
        spec.override_reason()
            .map(|r| protect::seal(r, protect::TAKEDOWN_OVERRIDE_REASON.at(id))),
        spec.copyright()
            .map(|c| protect::seal(c, protect::TAKEDOWN_COPYRIGHT.at(id))),
        now,
        by.id
    )
    .execute(&mut *conn)
    .await?;
    let detail = serde_json::json!({
        "takedown_id": id, "platform_id": spec.platform_id(), "channel": spec.channel(), "status": "draft",
    });
    add_event(conn, spec.case_id(), "takedown.created", &actor(by.id), detail, now).await?;
    store::reread(conn, id, by).await
}

/// List filters (contract §5).
#[derive(Debug, Default, Clone)]
pub struct TakedownFilter {
    pub case_id: Option<Uuid>,
    pub platform_id: Option<Uuid>,
    pub status: Option<TakedownStatus>,
    pub follow_up_due_before: Option<Ts>,
}

/// Requests whose case the caller sees, newest first, before the `before` id.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut PgConnection,
    vis: Visibility,
    f: &TakedownFilter,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Takedown>, sqlx::Error> {
    store::page(conn, vis, async |conn, v| {
        sqlx::query_scalar!(
            r#"SELECT t.id FROM takedown_requests t
               WHERE case_visible(t.case_id, $1, $2)
                 AND ($3::uuid IS NULL OR t.case_id = $3)
                 AND ($4::uuid IS NULL OR t.platform_id = $4)
                 AND ($5::text IS NULL OR t.status = $5)
                 AND ($6::timestamptz IS NULL OR t.follow_up_due_at < $6)
                 AND ($7::uuid IS NULL OR t.id < $7)
               ORDER BY t.id DESC
               LIMIT $8"#,
            v.see_all,
            v.viewer,
            f.case_id,
            f.platform_id,
            f.status.map(TakedownStatus::as_str),
            f.follow_up_due_before,
            before,
            limit
        )
        .fetch_all(conn)
        .await
    })
    .await
}

/// What the submission guards look at, gathered in the transaction that moves the request.
#[derive(Debug, Clone)]
pub struct FactsData {
    pub evidence_urls: Vec<String>,
    pub platform_contact_consent: bool,
    pub respondent_contact_consent: bool,
    pub identity_disclosure_consent: bool,
    pub platform_dmca_agent: bool,
    pub case_sextortion: bool,
}

impl FactsData {
    /// The guard facts of `t`.
    #[must_use]
    pub fn facts<'a>(&'a self, t: &'a Takedown, evidence_urls: &'a [&'a str]) -> GuardFacts<'a> {
        GuardFacts {
            channel: t.channel,
            urls: &t.urls,
            evidence_urls,
            evidence_waiver_reason: t.evidence_waiver_reason.as_deref(),
            platform_contact_consent: self.platform_contact_consent,
            respondent_contact_consent: self.respondent_contact_consent,
            identity_disclosure_consent: self.identity_disclosure_consent,
            platform_dmca_agent: self.platform_dmca_agent,
            depicted_under_18: t.depicted_under_18,
            case_sextortion: self.case_sextortion,
            override_reason: t.override_reason.as_deref(),
        }
    }
}

/// The evidence URLs of the request's case, which consents cover it (`platform_contact` and
/// `identity_disclosure` for its platform, `respondent_contact`), whether the platform still
/// records a designated DMCA agent, and the case's sextortion flag.
#[tracing::instrument(skip_all, fields(takedown.id = %t.id))]
pub async fn guard_data(conn: &mut PgConnection, t: &Takedown) -> Result<FactsData, sqlx::Error> {
    let evidence_urls = sqlx::query!(
        r#"SELECT id, url_sealed AS "url_sealed!" FROM case_evidence WHERE case_id = $1 AND url_sealed IS NOT NULL"#,
        t.case_id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| protect::open(&r.url_sealed, protect::EVIDENCE_URL.at(r.id)))
    .collect::<Result<Vec<String>, _>>()?;
    let platform_contact_consent = active_consent(conn, t.case_id, &["platform_contact"], Some(t.platform_id)).await?;
    let respondent_contact_consent = active_consent(conn, t.case_id, &["respondent_contact"], None).await?;
    let identity_disclosure_consent =
        active_consent(conn, t.case_id, &["identity_disclosure"], Some(t.platform_id)).await?;
    let platform_dmca_agent = crate::platform::store::get(&mut *conn, t.platform_id)
        .await?
        .is_some_and(|p| {
            p.channels
                .iter()
                .any(|c| c.kind == crate::platform::ChannelKind::DmcaAgent)
        });
    let case_sextortion = sqlx::query_scalar!("SELECT sextortion FROM cases WHERE id = $1", t.case_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(FactsData {
        evidence_urls,
        platform_contact_consent,
        respondent_contact_consent,
        identity_disclosure_consent,
        platform_dmca_agent,
        case_sextortion,
    })
}

/// Whether the case has an active (given, not revoked) consent with one of `scopes`, for
/// any party or for `party`.
pub async fn active_consent(
    conn: &mut PgConnection,
    case_id: Uuid,
    scopes: &[&str],
    party: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM case_consents
                          WHERE case_id = $1 AND scope = ANY($2) AND revoked_at IS NULL
                            AND (party_id IS NULL OR party_id = $3)) AS "e!""#,
        case_id,
        &scopes,
        party
    )
    .fetch_one(conn)
    .await
}

/// The platform's follow-up interval, in office days.
pub async fn follow_up_business_days(conn: &mut PgConnection, platform_id: Uuid) -> Result<u8, sqlx::Error> {
    let d = sqlx::query_scalar!(
        "SELECT follow_up_business_days FROM platforms WHERE id = $1",
        platform_id
    )
    .fetch_one(conn)
    .await?;
    Ok(u8::try_from(d).unwrap_or(5))
}

/// A checked move, as the store records it.
#[derive(Debug, Clone)]
pub struct Move<'a> {
    pub to: TakedownStatus,
    pub at: jiff::Timestamp,
    pub effects: Effects,
    /// On submission: when the platform is due to have answered.
    pub follow_up_due_at: Option<jiff::Timestamp>,
    pub note: Option<&'a str>,
    pub platform_reference: Option<&'a str>,
}

/// Records a move checked against the rules on the row locked by [`visible_for_update`].
///
/// # Errors
/// `Stale` when the version moved on; `Db` otherwise.
#[tracing::instrument(skip_all, fields(takedown.id = %seen.takedown.id, to = %m.to))]
pub async fn apply(
    conn: &mut PgConnection,
    seen: &SeenTakedown,
    m: &Move<'_>,
    now: Ts,
) -> Result<Takedown, DomainError> {
    let t = &seen.takedown;
    let at = Ts::new(m.at);
    let done = sqlx::query!(
        r#"UPDATE takedown_requests
           SET status = $2, status_changed_at = $3,
               submitted_at = COALESCE($4, submitted_at),
               follow_up_due_at = CASE WHEN $5::boolean THEN NULL ELSE COALESCE($6, follow_up_due_at) END,
               resolved_at = COALESCE($7, resolved_at),
               platform_reference = COALESCE($8, platform_reference),
               updated_at = $9, version = version + 1
           WHERE id = $1 AND version = $10"#,
        t.id,
        m.to.as_str(),
        at,
        m.effects.submitted_at.map(Ts::new),
        m.effects.cancel_follow_ups,
        m.follow_up_due_at.map(Ts::new),
        m.effects.resolved_at.map(Ts::new),
        m.platform_reference,
        now,
        t.version
    )
    .execute(&mut *conn)
    .await?;
    store::updated(&done)?;
    let transition_id = Uuid::now_v7();
    sqlx::query!(
        r#"INSERT INTO takedown_transitions (id, takedown_id, from_status, to_status, occurred_at, note_sealed,
                                            platform_reference, recorded_by, recorded_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"#,
        transition_id,
        t.id,
        t.status.as_str(),
        m.to.as_str(),
        at,
        m.note
            .map(|n| protect::seal(n, protect::TAKEDOWN_TRANSITION_NOTE.at(transition_id))),
        m.platform_reference,
        seen.by.id,
        now
    )
    .execute(&mut *conn)
    .await?;
    if let Some(due) = m.follow_up_due_at {
        // The first follow-up, in the transaction of the submission (contract §8).
        crate::jobs::enqueue_takedown_follow_up(conn, t.id, due).await?;
    }
    let detail = serde_json::json!({
        "takedown_id": t.id, "from": t.status, "to": m.to, "occurred_at": at,
    });
    add_event(
        conn,
        t.case_id,
        "takedown.status_changed",
        &actor(seen.by.id),
        detail,
        now,
    )
    .await?;
    store::reread(conn, t.id, seen.by).await
}

/// Requests of the case still `submitted` or `acknowledged` (the closing guard).
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn open_count(conn: &mut PgConnection, case_id: Uuid) -> Result<u32, sqlx::Error> {
    let n = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM takedown_requests WHERE case_id = $1 AND status IN ('submitted', 'acknowledged')"#,
        case_id
    )
    .fetch_one(conn)
    .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Requests by status, and `(submitted_at, resolved_at)` of each removed request.
pub type PlatformOutcomes = (Vec<(TakedownStatus, u32)>, Vec<(jiff::Timestamp, jiff::Timestamp)>);

/// A platform's requests by status, and the `(submitted_at, resolved_at)` of those removed
/// (the scorecard), computed by the database.
#[tracing::instrument(skip_all, fields(platform.id = %platform_id))]
pub async fn platform_outcomes(conn: &mut PgConnection, platform_id: Uuid) -> Result<PlatformOutcomes, sqlx::Error> {
    let counts = sqlx::query!(
        r#"SELECT status AS "status: TakedownStatus", count(*) AS "n!" FROM takedown_requests
           WHERE platform_id = $1 GROUP BY status"#,
        platform_id
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| (r.status, u32::try_from(r.n).unwrap_or(u32::MAX)))
    .collect();
    let removals = sqlx::query!(
        r#"SELECT submitted_at AS "submitted_at!: Ts", resolved_at AS "resolved_at!: Ts" FROM takedown_requests
           WHERE platform_id = $1 AND status = 'removed' AND submitted_at IS NOT NULL AND resolved_at IS NOT NULL"#,
        platform_id
    )
    .fetch_all(conn)
    .await?
    .into_iter()
    .map(|r| (r.submitted_at.get(), r.resolved_at.get()))
    .collect();
    Ok((counts, removals))
}

/// Whether the order binds a respondent on `platform_id` (for serving it there).
async fn binds_platform(conn: &mut PgConnection, order_id: Uuid, platform_id: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM order_bindings b JOIN claim_respondents r ON r.id = b.respondent_id
                          WHERE b.order_id = $1 AND r.platform_id = $2) AS "e!""#,
        order_id,
        platform_id
    )
    .fetch_one(conn)
    .await
}
