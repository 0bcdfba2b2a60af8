//! The platform directory (contract §4). Any staff member and integrations holding
//! `platforms:read` (or `platforms:write`) read it; admins and integrations holding
//! `platforms:write` change it. Platforms are retired with `active: false`, never deleted:
//! takedown requests keep pointing at them.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, patch, post, web};
use casework_domain::{
    FieldError, Validation, audit,
    identity::{Label, Role, Scope},
    platform::{
        NewPlatform, OutcomeCounts, Platform, PlatformChannel, PlatformContact, PlatformKind, PlatformScorecard,
        scorecard,
        store::{self, PlatformFilter, PlatformPosition},
    },
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{
        JsonBody, ListQuery, Page, apply_patch, changed_fields, conditional_get, finish_created, patch_fields,
        required_if_match, to_json, with_etag,
    },
    idempotency::{self, Begun},
    startup::AppState,
};

/// Any staff member, or an integration holding `platforms:read` or `platforms:write` (a
/// writer reads what it writes: a PATCH needs the ETag of a GET).
fn require_reader(p: &Principal) -> Result<(), ApiError> {
    match p {
        Principal::User { .. } => Ok(()),
        Principal::Client { scopes, .. }
            if scopes.contains(&Scope::PlatformsRead) || scopes.contains(&Scope::PlatformsWrite) =>
        {
            Ok(())
        }
        Principal::Client { .. } => Err(ApiError::Forbidden),
    }
}

/// Admins, or an integration holding `platforms:write`.
fn require_writer(p: &Principal) -> Result<(), ApiError> {
    match p {
        Principal::User { role: Role::Admin, .. } => Ok(()),
        Principal::Client { scopes, .. } if scopes.contains(&Scope::PlatformsWrite) => Ok(()),
        _ => Err(ApiError::Forbidden),
    }
}

/// A platform in the directory.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Platform)]
pub struct PlatformView {
    pub id: Uuid,
    pub name: String,
    pub kind: PlatformKind,
    pub website: String,
    pub is_internet_intermediary: bool,
    pub stopncii_partner: bool,
    pub channels: Vec<PlatformChannel>,
    pub contacts: Vec<PlatformContact>,
    /// Office days to wait for an answer before following up a takedown request (1–30).
    #[schema(minimum = 1, maximum = 30)]
    pub follow_up_business_days: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// `false`: retired; no new takedown request should name it.
    pub active: bool,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    /// Increments on every change; the ETag is derived from it.
    pub version: i64,
}

impl From<Platform> for PlatformView {
    fn from(p: Platform) -> Self {
        Self {
            id: p.id,
            name: p.name,
            kind: p.kind,
            website: p.website,
            is_internet_intermediary: p.is_internet_intermediary,
            stopncii_partner: p.stopncii_partner,
            channels: p.channels,
            contacts: p.contacts,
            follow_up_business_days: p.follow_up_business_days,
            notes: p.notes,
            active: p.active,
            created_at: p.created_at.get(),
            updated_at: p.updated_at.get(),
            version: p.version,
        }
    }
}

/// `200 OK` with a platform and its ETag.
fn platform_response(p: Platform) -> HttpResponse {
    with_etag(StatusCode::OK, p.version, PlatformView::from(p))
}

/// Add a platform to the directory (admins, `platforms:write`).
///
/// `channels[].address` is checked by kind: an email address for `email`; an http(s) URL
/// for `web_form`, `law_enforcement_portal` and `hash_submission`; either for
/// `dmca_agent`; a short description of where in the app for `in_app_report`. Every
/// broken rule is listed at once.
#[utoipa::path(
    operation_id = "create_platform",
    tag = "platforms",
    security(("bearer" = [])),
    request_body = NewPlatform,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first response is replayed for 24 h")),
    responses(
        (status = 201, description = "Added", body = PlatformView, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Neither an admin nor an integration holding platforms:write", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A platform with that name exists (names ignore case), or Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/platforms")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    body: Result<JsonBody<NewPlatform>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    require_writer(&principal)?;
    let body = body?;
    let spec = body.value.parse()?;
    let mut work = match idempotency::begin(&state, &req, &principal, &body.raw).await? {
        Begun::Replay(res) => return Ok(res),
        Begun::Work(w) => w,
    };
    let tx = &mut *work.tx;
    let now = state.clock.ts();
    let platform = store::insert(tx, &spec, now).await?;
    audit::record(
        tx,
        &principal.key(),
        "platform.create",
        &format!("platform:{}", platform.id),
        serde_json::json!({"name": platform.name}),
        now,
    )
    .await?;
    let location = format!("/v1/platforms/{}", platform.id);
    finish_created(
        work,
        &state.clock,
        platform.version,
        location,
        &PlatformView::from(platform),
    )
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlatformListQuery {
    pub kind: Option<PlatformKind>,
    /// Platforms whose name contains this text, ignoring case.
    pub name: Option<String>,
    /// Only active (`true`) or only retired (`false`) platforms; both when absent.
    pub active: Option<bool>,
}

const CURSOR_KIND: &str = "platforms";

/// The directory, by name (ignoring case).
#[utoipa::path(
    operation_id = "list_platforms",
    tag = "platforms",
    security(("bearer" = [])),
    params(ListQuery<PlatformListQuery>),
    responses(
        (status = 200, description = "A page of platforms", body = Page<PlatformView>),
        (status = 403, description = "Integration client without platforms:read", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/platforms")]
pub async fn list(
    principal: Principal,
    q: Result<ListQuery<PlatformListQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    require_reader(&principal)?;
    let ListQuery { filter: q, page } = q?;
    let mut v = Validation::new();
    let name_contains = match q.name.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(n) => v.check(Label::parse("name", n)).map(|l| l.as_str().to_owned()),
    };
    v.finish()?;
    let filter = PlatformFilter {
        kind: q.kind,
        name_contains,
        active: q.active,
    };
    page.answer::<PlatformView, _, _, _>(
        &state,
        CURSOR_KIND,
        async |conn, after: Option<PlatformPosition>, n| store::list(conn, &filter, after.as_ref(), n).await,
        store::position,
    )
    .await
}

/// How a platform answers takedown requests: requests by current status, and the median
/// office days from submission to removal.
///
/// Office days are counted as `add-business-days` counts them: the office days after the
/// submission's local date, up to and including the removal's local date (a removal on the
/// day of submission counts 0). Only requests that reached `removed` are timed.
#[utoipa::path(
    operation_id = "platform_scorecard",
    tag = "platforms",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 200, description = "The scorecard", body = PlatformScorecard),
        (status = 403, description = "Integration client without platforms:read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such platform", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/platforms/{id}/scorecard")]
pub async fn get_scorecard(
    principal: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    require_reader(&principal)?;
    let mut conn = state.db.acquire().await?;
    let platform = store::get(&mut conn, *id).await?.ok_or(ApiError::NotFound)?;
    let (by_status, removals) = casework_domain::takedown::store::platform_outcomes(&mut conn, platform.id).await?;
    let cal = casework_domain::calendar::store::load(&mut conn).await?;
    let mut counts = OutcomeCounts::default();
    for (status, n) in by_status {
        counts.add(status, n);
    }
    Ok(HttpResponse::Ok().json(scorecard::scorecard(&cal, platform.id, counts, removals)))
}

/// One platform.
#[utoipa::path(
    operation_id = "get_platform",
    tag = "platforms",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header, description = "ETag you hold; 304 when unchanged")),
    responses(
        (status = 200, description = "The platform", body = PlatformView, headers(("ETag" = String))),
        crate::openapi::NotModified,
        (status = 403, description = "Integration client without platforms:read", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such platform", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/platforms/{id}")]
pub async fn get(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    require_reader(&principal)?;
    let mut conn = state.db.acquire().await?;
    let platform = store::get(&mut conn, *id).await?.ok_or(ApiError::NotFound)?;
    Ok(conditional_get(&req, platform.version, PlatformView::from(platform)))
}

/// The shape of a platform PATCH (documentation of the merge patch; every field optional).
#[derive(Debug, ToSchema)]
pub struct PlatformPatch {
    pub name: Option<String>,
    pub kind: Option<PlatformKind>,
    pub website: Option<String>,
    pub is_internet_intermediary: Option<bool>,
    pub stopncii_partner: Option<bool>,
    /// Replaces the whole list.
    pub channels: Option<Vec<PlatformChannel>>,
    /// Replaces the whole list.
    pub contacts: Option<Vec<PlatformContact>>,
    /// 1–30; `null` restores the default (5).
    #[schema(minimum = 1, maximum = 30)]
    pub follow_up_business_days: Option<i32>,
    /// `null` clears it.
    pub notes: Option<String>,
    pub active: Option<bool>,
}

/// Fields a PATCH may not name.
const READ_ONLY: &[&str] = &["id", "created_at", "updated_at", "version"];

/// Change a platform (JSON merge patch; admins, `platforms:write`).
///
/// Requires `If-Match`. Lists (`channels`, `contacts`) are replaced as a whole; `null`
/// clears `notes` and restores the default `follow_up_business_days`. The merged platform
/// must satisfy every rule of a new one; every broken rule is listed.
#[utoipa::path(
    operation_id = "update_platform",
    tag = "platforms",
    security(("bearer" = [])),
    request_body(content = PlatformPatch, description = "An RFC 7396 merge patch: any subset of the editable fields"),
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    responses(
        (status = 200, description = "Updated", body = PlatformView, headers(("ETag" = String))),
        (status = 403, description = "Neither an admin nor an integration holding platforms:write", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such platform", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A platform with that name exists (names ignore case)", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::StaleIfMatch,
        crate::openapi::IfMatchMissing,
    )
)]
#[patch("/v1/platforms/{id}")]
pub async fn update(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<serde_json::Value>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    require_writer(&principal)?;
    let mut tx = state.db.begin().await?;
    let current = store::get(&mut tx, *id).await?.ok_or(ApiError::NotFound)?;
    let body = body?;
    let expected = required_if_match(&req)?;
    patch_fields(&body.raw, |k| {
        READ_ONLY
            .contains(&k)
            .then(|| FieldError::new(k, "read_only", "set by the server"))
    })?;
    expected.check(current.version)?;
    let (before, patched) = apply_patch::<NewPlatform>(&current.to_new(), &body.raw)?;
    let spec = patched.parse()?;
    let after = to_json(&spec.to_new())?;
    let changed = changed_fields(ALL_FIELDS.iter().copied(), &before, &after);
    if changed.is_empty() {
        return Ok(platform_response(current));
    }
    let now = state.clock.ts();
    let updated = store::update(&mut tx, current.id, &spec, current.version, now).await?;
    audit::record(
        &mut tx,
        &principal.key(),
        "platform.update",
        &format!("platform:{}", updated.id),
        serde_json::json!({"name": updated.name, "fields": changed}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(platform_response(updated))
}

/// Every editable field, for recording which ones a PATCH changed.
const ALL_FIELDS: &[&str] = &[
    "name",
    "kind",
    "website",
    "is_internet_intermediary",
    "stopncii_partner",
    "channels",
    "contacts",
    "follow_up_business_days",
    "notes",
    "active",
];
