//! What is recorded on a case (contract §3): notes, referrals, consents, evidence, and the
//! timeline. Every path first finds the case through the visibility rule, so a case the
//! caller does not see is 404 here too.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, patch, post, web};
use casework_domain::{
    FieldError, Ts, Validation,
    case::{
        ConsentScope, EvidenceKind, NoteKind, ReferralStatus, ReferralTo,
        rules::{self, NOTE_MAX_CHARS},
        store::{self, NewEvidence},
    },
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::cases::visibility;
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{JsonBody, PageQuery, decode_cursor, etag, finish_page, required_if_match},
    idempotency::{self, Begun, Work},
    startup::AppState,
};

fn author(p: &Principal) -> Result<Uuid, ApiError> {
    // Only staff with a visible case get this far; clients and admins were 404 already.
    p.user_id().ok_or(ApiError::NotFound)
}

/// One page of a list kept on a case, for a caller who sees the case: the paging and the
/// visibility check every such list shares.
struct CaseListPage {
    conn: sqlx::pool::PoolConnection<sqlx::Postgres>,
    case_id: Uuid,
    /// Where the previous page ended.
    position: Option<Uuid>,
    limit: i64,
    codec: casework_domain::cursor::CursorCodec,
    kind: String,
}

async fn open_page(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    q: &PageQuery,
    list: &str,
) -> ApiResult<CaseListPage> {
    let limit = q.limit()?;
    let codec = state.cursor_codec().await?;
    // The cursor names its list and case, so one taken from elsewhere is refused.
    let kind = format!("{list}:{id}");
    let position = decode_cursor::<Uuid>(&codec, &kind, q.cursor.as_deref())?;
    let mut conn = state.db.acquire().await?;
    let case = store::visible(&mut conn, visibility(principal), id, false).await?;
    Ok(CaseListPage {
        conn,
        case_id: case.id,
        position,
        limit,
        codec,
        kind,
    })
}

impl CaseListPage {
    fn finish<T>(&self, rows: Vec<T>, id_of: impl Fn(&T) -> Uuid) -> (Vec<T>, Option<String>) {
        finish_page(rows, self.limit, &self.codec, &self.kind, id_of)
    }
}

/// A write to a case the caller sees.
enum CaseWrite<T> {
    Go { work: Work, case_id: Uuid, body: T },
    Replay(HttpResponse),
}

/// Starts a write to a case in this order: the case must be visible (404 before anything
/// in the request is looked at, so an outsider learns nothing from a refused body), then
/// the body must parse, then the `Idempotency-Key` is claimed.
async fn case_write<T>(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    id: Uuid,
    body: Result<JsonBody<T>, ApiError>,
) -> ApiResult<CaseWrite<T>> {
    let mut work = idempotency::open(state).await?;
    let case = store::visible(&mut work.tx, visibility(principal), id, false).await?;
    let body = body?;
    if let Some(replay) = work.claim(req, principal, &body.raw, &state.clock).await? {
        return Ok(CaseWrite::Replay(replay));
    }
    Ok(CaseWrite::Go {
        work,
        case_id: case.id,
        body: body.value,
    })
}

// ---------------------------------------------------------------------------------------
// Notes

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteIn {
    pub kind: NoteKind,
    /// At most 20,000 characters.
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NoteOut {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: NoteKind,
    pub body: String,
    pub author: Uuid,
    pub created_at: jiff::Timestamp,
}

impl From<casework_domain::case::Note> for NoteOut {
    fn from(n: casework_domain::case::Note) -> Self {
        Self {
            id: n.id,
            case_id: n.case_id,
            kind: n.kind,
            body: n.body,
            author: n.author,
            created_at: n.created_at.get(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NotePage {
    pub items: Vec<NoteOut>,
    pub next_cursor: Option<String>,
}

/// Add a note. Notes are append-only: a correction is a new note.
#[utoipa::path(
    operation_id = "add_note", tag = "case-records", security(("bearer" = [])), request_body = NoteIn,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, description = "Added", body = NoteOut),
        (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/notes")]
pub async fn add_note(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<NoteIn>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (mut work, case_id, body) = match case_write(&state, &req, &principal, *id, body).await? {
        CaseWrite::Replay(res) => return Ok(res),
        CaseWrite::Go { work, case_id, body } => (work, case_id, body),
    };
    let text = body.body.trim();
    if text.is_empty() {
        return Err(ApiError::field("body", "required", "a note needs text"));
    }
    if text.chars().count() > NOTE_MAX_CHARS {
        return Err(ApiError::field(
            "body",
            "too_long",
            format!("notes are limited to {NOTE_MAX_CHARS} characters"),
        ));
    }
    let note = store::add_note(
        &mut work.tx,
        case_id,
        body.kind,
        text,
        author(&principal)?,
        state.clock.ts(),
    )
    .await?;
    work.finish(StatusCode::CREATED, &[], &NoteOut::from(note), None, &state.clock)
        .await
}

/// Notes of a case, oldest first.
#[utoipa::path(
    operation_id = "list_notes", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "A page of notes", body = NotePage), (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"))
)]
#[get("/v1/cases/{id}/notes")]
pub async fn list_notes(
    principal: Principal,
    id: web::Path<Uuid>,
    q: web::Query<PageQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut page = open_page(&state, &principal, *id, &q, "notes").await?;
    let rows = store::list_notes(&mut page.conn, page.case_id, page.position, page.limit + 1).await?;
    let (items, next_cursor) = page.finish(rows, |n| n.id);
    Ok(HttpResponse::Ok().json(NotePage {
        items: items.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

// ---------------------------------------------------------------------------------------
// Referrals

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralIn {
    pub to: ReferralTo,
    /// Required when `to` is `other`, refused otherwise.
    pub other_name: Option<String>,
    /// Default `suggested`.
    pub status: Option<ReferralStatus>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralPatch {
    /// suggested → made | declined; made → accepted | declined.
    pub status: ReferralStatus,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralOut {
    pub id: Uuid,
    pub case_id: Uuid,
    pub to: ReferralTo,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_name: Option<String>,
    pub status: ReferralStatus,
    pub created_by: Uuid,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    pub version: i64,
}

impl From<casework_domain::case::Referral> for ReferralOut {
    fn from(r: casework_domain::case::Referral) -> Self {
        Self {
            id: r.id,
            case_id: r.case_id,
            to: r.to,
            other_name: r.other_name,
            status: r.status,
            created_by: r.created_by,
            created_at: r.created_at.get(),
            updated_at: r.updated_at.get(),
            version: r.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralPage {
    pub items: Vec<ReferralOut>,
    pub next_cursor: Option<String>,
}

/// Record a referral.
#[utoipa::path(
    operation_id = "add_referral", tag = "case-records", security(("bearer" = [])), request_body = ReferralIn,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, description = "Recorded", body = ReferralOut, headers(("ETag" = String))),
        (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/referrals")]
pub async fn add_referral(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<ReferralIn>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (mut work, case_id, b) = match case_write(&state, &req, &principal, *id, body).await? {
        CaseWrite::Replay(res) => return Ok(res),
        CaseWrite::Go { work, case_id, body } => (work, case_id, body),
    };
    let other_name = rules::check_referral_target(b.to, b.other_name.as_deref())?;
    let status = b.status.unwrap_or(ReferralStatus::Suggested);
    let by = author(&principal)?;
    let r = store::add_referral(
        &mut work.tx,
        case_id,
        b.to,
        other_name.as_deref(),
        status,
        by,
        state.clock.ts(),
    )
    .await?;
    let headers = [("ETag", etag(r.version))];
    work.finish(StatusCode::CREATED, &headers, &ReferralOut::from(r), None, &state.clock)
        .await
}

/// Referrals of a case, oldest first.
#[utoipa::path(
    operation_id = "list_referrals", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "A page of referrals", body = ReferralPage), (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"))
)]
#[get("/v1/cases/{id}/referrals")]
pub async fn list_referrals(
    principal: Principal,
    id: web::Path<Uuid>,
    q: web::Query<PageQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut page = open_page(&state, &principal, *id, &q, "referrals").await?;
    let rows = store::list_referrals(&mut page.conn, page.case_id, page.position, page.limit + 1).await?;
    let (items, next_cursor) = page.finish(rows, |r| r.id);
    Ok(HttpResponse::Ok().json(ReferralPage {
        items: items.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Move a referral on (requires `If-Match`).
#[utoipa::path(
    operation_id = "update_referral", tag = "case-records", security(("bearer" = [])), request_body = ReferralPatch,
    params(("id" = Uuid, Path), ("referral_id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the referral")),
    responses(
        (status = 200, description = "Updated", body = ReferralOut, headers(("ETag" = String))),
        (status = 404, description = "No such case or referral, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "That status cannot follow the current one", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/cases/{id}/referrals/{referral_id}")]
pub async fn update_referral(
    req: HttpRequest,
    principal: Principal,
    path: web::Path<(Uuid, Uuid)>,
    body: Result<JsonBody<ReferralPatch>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (case_id, referral_id) = path.into_inner();
    let mut tx = state.db.begin().await?;
    // Visibility first: an outsider gets 404 whatever else is wrong with the request.
    let case = store::visible(&mut tx, visibility(&principal), case_id, false).await?;
    let r = store::referral_for_update(&mut tx, case.id, referral_id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let to = body?.value.status;
    let expected = required_if_match(&req)?;
    if r.version != expected {
        return Err(ApiError::PreconditionFailed);
    }
    if !rules::referral_move_allowed(r.status, to) {
        return Err(ApiError::Conflict(format!(
            "a referral cannot go from {} to {to}",
            r.status
        )));
    }
    let updated = store::set_referral_status(&mut tx, &r, to, expected, author(&principal)?, state.clock.ts()).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok()
        .insert_header(("ETag", etag(updated.version)))
        .json(ReferralOut::from(updated)))
}

// ---------------------------------------------------------------------------------------
// Consents

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentIn {
    pub scope: ConsentScope,
    /// The party it covers (e.g. a platform); absent = any party of that scope.
    pub party_id: Option<Uuid>,
    /// When the client gave it (RFC 3339 with offset, not in the future); default now.
    pub given_at: Option<jiff::Timestamp>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentOut {
    pub id: Uuid,
    pub case_id: Uuid,
    pub scope: ConsentScope,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party_id: Option<Uuid>,
    pub given_at: jiff::Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<jiff::Timestamp>,
    /// Given and not revoked.
    pub active: bool,
    pub recorded_by: Uuid,
    pub created_at: jiff::Timestamp,
}

impl From<casework_domain::case::Consent> for ConsentOut {
    fn from(c: casework_domain::case::Consent) -> Self {
        Self {
            id: c.id,
            case_id: c.case_id,
            scope: c.scope,
            party_id: c.party_id,
            given_at: c.given_at.get(),
            revoked_at: c.revoked_at.map(Ts::get),
            active: c.revoked_at.is_none(),
            recorded_by: c.recorded_by,
            created_at: c.created_at.get(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConsentPage {
    pub items: Vec<ConsentOut>,
    pub next_cursor: Option<String>,
}

/// Record a consent the client gave. Nothing that discloses case information to a third
/// party happens without an active matching consent.
#[utoipa::path(
    operation_id = "add_consent", tag = "case-records", security(("bearer" = [])), request_body = ConsentIn,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, description = "Recorded", body = ConsentOut),
        (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/consents")]
pub async fn add_consent(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<ConsentIn>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (mut work, case_id, b) = match case_write(&state, &req, &principal, *id, body).await? {
        CaseWrite::Replay(res) => return Ok(res),
        CaseWrite::Go { work, case_id, body } => (work, case_id, body),
    };
    let now = state.clock.now();
    let given_at = b.given_at.unwrap_or(now);
    if given_at > now {
        return Err(ApiError::field(
            "given_at",
            "in_future",
            "consent cannot be given in the future",
        ));
    }
    let by = author(&principal)?;
    let c = store::add_consent(
        &mut work.tx,
        case_id,
        b.scope,
        b.party_id,
        Ts::new(given_at),
        by,
        state.clock.ts(),
    )
    .await?;
    work.finish(StatusCode::CREATED, &[], &ConsentOut::from(c), None, &state.clock)
        .await
}

/// The consent ledger of a case, oldest first (revoked ones included).
#[utoipa::path(
    operation_id = "list_consents", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "A page of consents", body = ConsentPage), (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"))
)]
#[get("/v1/cases/{id}/consents")]
pub async fn list_consents(
    principal: Principal,
    id: web::Path<Uuid>,
    q: web::Query<PageQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut page = open_page(&state, &principal, *id, &q, "consents").await?;
    let rows = store::list_consents(&mut page.conn, page.case_id, page.position, page.limit + 1).await?;
    let (items, next_cursor) = page.finish(rows, |c| c.id);
    Ok(HttpResponse::Ok().json(ConsentPage {
        items: items.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// Revoke a consent.
#[utoipa::path(
    operation_id = "revoke_consent", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("consent_id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 200, description = "Revoked", body = ConsentOut),
        (status = 404, description = "No such case or consent, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already revoked, or Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/consents/{consent_id}/revoke")]
pub async fn revoke_consent(
    req: HttpRequest,
    principal: Principal,
    path: web::Path<(Uuid, Uuid)>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (case_id, consent_id) = path.into_inner();
    let mut work = match idempotency::begin(&state, &req, &principal, &serde_json::Value::Null).await? {
        Begun::Replay(res) => return Ok(res),
        Begun::Work(w) => w,
    };
    let tx = &mut *work.tx;
    let case = store::visible(tx, visibility(&principal), case_id, false).await?;
    let c = store::revoke_consent(tx, case.id, consent_id, author(&principal)?, state.clock.ts()).await?;
    work.finish(StatusCode::OK, &[], &ConsentOut::from(c), None, &state.clock)
        .await
}

// ---------------------------------------------------------------------------------------
// Evidence

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceIn {
    pub kind: EvidenceKind,
    /// http or https, at most 2048 characters.
    pub url: Option<String>,
    /// Where it was found, e.g. "Instagram".
    pub site: String,
    /// Who posted it, as shown on the site.
    pub poster: Option<String>,
    /// When it was posted; not after `captured_at`.
    pub posted_at: Option<jiff::Timestamp>,
    /// When it was preserved; not in the future.
    pub captured_at: jiff::Timestamp,
    /// What it shows. Never the image itself.
    pub description: String,
    /// SHA-256 of the preserved file, 64 hex digits.
    pub sha256: Option<String>,
    /// Where the preserved copy is kept (outside this service).
    pub storage_location: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidenceOut {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: EvidenceKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    pub site: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub poster: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub posted_at: Option<jiff::Timestamp>,
    pub captured_at: jiff::Timestamp,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_location: Option<String>,
    pub recorded_by: Uuid,
    pub created_at: jiff::Timestamp,
}

impl From<casework_domain::case::Evidence> for EvidenceOut {
    fn from(e: casework_domain::case::Evidence) -> Self {
        Self {
            id: e.id,
            case_id: e.case_id,
            kind: e.kind,
            url: e.url,
            site: e.site,
            poster: e.poster,
            posted_at: e.posted_at.map(Ts::get),
            captured_at: e.captured_at.get(),
            description: e.description,
            sha256: e.sha256,
            storage_location: e.storage_location,
            recorded_by: e.recorded_by,
            created_at: e.created_at.get(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EvidencePage {
    pub items: Vec<EvidenceOut>,
    pub next_cursor: Option<String>,
}

fn optional_short(v: &mut Validation, field: &str, value: Option<&str>) -> Option<String> {
    let s = value?.trim();
    if s.is_empty() {
        return None;
    }
    if s.chars().count() > rules::SHORT_TEXT_MAX_CHARS {
        v.push(FieldError::new(
            field,
            "too_long",
            format!("must be at most {} characters", rules::SHORT_TEXT_MAX_CHARS),
        ));
    }
    Some(s.to_owned())
}

/// Record preserved evidence (metadata only, never image bytes).
#[utoipa::path(
    operation_id = "add_evidence", tag = "case-records", security(("bearer" = [])), request_body = EvidenceIn,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, description = "Recorded", body = EvidenceOut),
        (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/evidence")]
pub async fn add_evidence(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<EvidenceIn>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (mut work, case_id, b) = match case_write(&state, &req, &principal, *id, body).await? {
        CaseWrite::Replay(res) => return Ok(res),
        CaseWrite::Go { work, case_id, body } => (work, case_id, body),
    };
    let mut v = Validation::new();
    let url = b.url.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let check = rules::EvidenceCheck {
        url,
        site: &b.site,
        posted_at: b.posted_at,
        captured_at: b.captured_at,
        description: &b.description,
        sha256: b.sha256.as_deref(),
    };
    let sha = rules::validate_evidence(&mut v, &check, state.clock.now());
    let poster = optional_short(&mut v, "poster", b.poster.as_deref());
    let storage_location = optional_short(&mut v, "storage_location", b.storage_location.as_deref());
    v.finish()?;
    let new = NewEvidence {
        kind: b.kind,
        url: url.map(str::to_owned),
        site: b.site.trim().to_owned(),
        poster,
        posted_at: b.posted_at.map(Ts::new),
        captured_at: Ts::new(b.captured_at),
        description: b.description.trim().to_owned(),
        sha256: sha,
        storage_location,
    };
    let e = store::add_evidence(&mut work.tx, case_id, &new, author(&principal)?, state.clock.ts()).await?;
    work.finish(StatusCode::CREATED, &[], &EvidenceOut::from(e), None, &state.clock)
        .await
}

/// Evidence of a case, oldest first.
#[utoipa::path(
    operation_id = "list_evidence", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "A page of evidence", body = EvidencePage), (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"))
)]
#[get("/v1/cases/{id}/evidence")]
pub async fn list_evidence(
    principal: Principal,
    id: web::Path<Uuid>,
    q: web::Query<PageQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut page = open_page(&state, &principal, *id, &q, "evidence").await?;
    let rows = store::list_evidence(&mut page.conn, page.case_id, page.position, page.limit + 1).await?;
    let (items, next_cursor) = page.finish(rows, |e| e.id);
    Ok(HttpResponse::Ok().json(EvidencePage {
        items: items.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

// ---------------------------------------------------------------------------------------
// Timeline

#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    pub id: Uuid,
    pub occurred_at: jiff::Timestamp,
    /// e.g. `case.created`, `case.status_changed`, `note.added`, `consent.revoked`.
    pub kind: String,
    /// `user:<id>`.
    pub actor: String,
    /// What changed (identifiers and field names, never client details).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventOut>,
    pub next_cursor: Option<String>,
}

/// Every event of the case, newest first.
#[utoipa::path(
    operation_id = "case_timeline", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "A page of events", body = EventPage), (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"))
)]
#[get("/v1/cases/{id}/timeline")]
pub async fn timeline(
    principal: Principal,
    id: web::Path<Uuid>,
    q: web::Query<PageQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut page = open_page(&state, &principal, *id, &q, "timeline").await?;
    let rows = store::list_events(&mut page.conn, page.case_id, page.position, page.limit + 1).await?;
    let (items, next_cursor) = page.finish(rows, |e| e.id);
    let items = items
        .into_iter()
        .map(|e| EventOut {
            id: e.id,
            occurred_at: e.occurred_at.get(),
            kind: e.kind,
            actor: e.actor,
            detail: e.detail,
        })
        .collect();
    Ok(HttpResponse::Ok().json(EventPage { items, next_cursor }))
}
