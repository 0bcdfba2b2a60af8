//! Cases (contract §3): the case itself, its lifecycle and assignment.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, patch, post, put, web};
use casework_domain::{
    DomainError, FieldError, Validation,
    case::{
        AgeGroup, Case, CaseDetails, CaseStatus, Client, CloseReason, Jurisdiction, Priority, Situation, Support,
        Visibility,
        rules::{self, GuardFacts, TransitionError, TransitionRequest},
        store::{self, CaseFilter},
    },
    identity::Role,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{
        JsonBody, PageQuery, decode_cursor, etag, finish_page, if_none_match_hits, merge_patch, optional_if_match,
        parse_instant, parse_value, required_if_match,
    },
    idempotency::{self, Begun},
    startup::AppState,
};

/// The visibility rule for the caller (admins and integrations see no case).
pub fn visibility(p: &Principal) -> Visibility {
    Visibility::of(p.role(), p.user_id())
}

/// Caseworkers and supervisors work cases; admins and integrations may not (403).
pub fn require_case_staff(p: &Principal) -> Result<Uuid, ApiError> {
    p.require_role(&[Role::Caseworker, Role::Supervisor])
}

/// A case as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseOut {
    pub id: Uuid,
    /// `IIPS-<year>-<6 digits>`, never reused.
    #[schema(example = "IIPS-2026-000042")]
    pub reference: String,
    pub status: CaseStatus,
    pub client: Client,
    pub situation: Situation,
    pub jurisdiction: Jurisdiction,
    pub sextortion: bool,
    pub altered_image: bool,
    pub supports_requested: Vec<Support>,
    pub priority: Priority,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The primary caseworker.
    pub assigned_to: Uuid,
    pub collaborators: Vec<Uuid>,
    /// Derived: situation shared or threatened, and jurisdiction bc.
    pub iipa_applicable: bool,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<jiff::Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub close_reason: Option<CloseReason>,
    /// Increments on every change; the ETag is derived from it.
    pub version: i64,
}

impl From<Case> for CaseOut {
    fn from(c: Case) -> Self {
        let iipa_applicable = c.details.iipa_applicable();
        let d = c.details;
        Self {
            id: c.id,
            reference: c.reference,
            status: c.status,
            client: d.client,
            situation: d.situation,
            jurisdiction: d.jurisdiction,
            sextortion: d.sextortion,
            altered_image: d.altered_image,
            supports_requested: d.supports_requested,
            priority: d.priority,
            summary: d.summary,
            assigned_to: c.assigned_to,
            collaborators: c.collaborators,
            iipa_applicable,
            created_at: c.created_at.get(),
            updated_at: c.updated_at.get(),
            closed_at: c.closed_at.map(casework_domain::Ts::get),
            close_reason: c.close_reason,
            version: c.version,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseOut>,
    pub next_cursor: Option<String>,
}

fn case_response(status: StatusCode, case: Case) -> HttpResponse {
    let tag = etag(case.version);
    HttpResponse::build(status)
        .insert_header(("ETag", tag))
        .json(CaseOut::from(case))
}

fn case_headers(case: &Case) -> [(&'static str, String); 2] {
    [
        ("ETag", etag(case.version)),
        ("Location", format!("/v1/cases/{}", case.id)),
    ]
}

/// Open a case; it is assigned to you and starts in `intake`.
#[utoipa::path(
    operation_id = "create_case",
    tag = "cases",
    security(("bearer" = [])),
    request_body = CaseDetails,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first response is replayed for 24 h")),
    responses(
        (status = 201, description = "Opened", body = CaseOut, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Admins and integrations do not work cases", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    body: JsonBody<CaseDetails>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let me = require_case_staff(&principal)?;
    let mut details = body.value;
    rules::validate_details(&details)?;
    normalise(&mut details);
    let mut work = match idempotency::begin(&state, &req, &principal, &body.raw).await? {
        Begun::Replay(res) => return Ok(res),
        Begun::Work(w) => w,
    };
    let tx = &mut *work.tx;
    let case = store::create(tx, &details, me, state.clock.ts()).await?;
    let headers = case_headers(&case);
    work.finish(StatusCode::CREATED, &headers, &CaseOut::from(case), None, &state.clock)
        .await
}

/// Trims free text so stored values are what people meant.
fn normalise(d: &mut CaseDetails) {
    let trim = |s: &mut String| *s = s.trim().to_owned();
    trim(&mut d.client.name);
    if let Some(e) = d.client.contact.email.as_mut() {
        trim(e);
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CaseListQuery {
    pub status: Option<CaseStatus>,
    /// A user id, or `me`.
    pub assigned_to: Option<String>,
    pub priority: Option<Priority>,
    pub jurisdiction: Option<Jurisdiction>,
    pub age_group: Option<AgeGroup>,
    /// Exact reference, e.g. `IIPS-2026-000042`.
    pub reference: Option<String>,
    /// Only cases changed after this RFC 3339 instant (with offset).
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_after: Option<String>,
    /// Page size, 1–200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

const CASE_CURSOR: &str = "cases";

/// Cases you can see, newest first.
///
/// Caseworkers see the cases they are primary or collaborator on; supervisors see all.
#[utoipa::path(
    operation_id = "list_cases",
    tag = "cases",
    security(("bearer" = [])),
    params(CaseListQuery),
    responses(
        (status = 200, description = "A page of cases", body = CasePage),
        (status = 403, description = "Admins and integrations do not work cases", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cases")]
pub async fn list(
    principal: Principal,
    q: web::Query<CaseListQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let me = require_case_staff(&principal)?;
    let limit = PageQuery {
        limit: q.limit,
        cursor: None,
    }
    .limit()?;
    let mut v = Validation::new();
    let assigned_to = match q.assigned_to.as_deref() {
        None => None,
        Some("me") => Some(me),
        Some(s) => v.check(
            s.parse::<Uuid>()
                .map_err(|_| FieldError::new("assigned_to", "invalid_value", "a user id or `me`")),
        ),
    };
    let updated_after = q
        .updated_after
        .as_deref()
        .and_then(|s| v.check(parse_instant("updated_after", s)));
    v.finish()?;
    let codec = state.cursor_codec().await?;
    let before = decode_cursor::<Uuid>(&codec, CASE_CURSOR, q.cursor.as_deref())?;
    let filter = CaseFilter {
        status: q.status,
        assigned_to,
        priority: q.priority,
        jurisdiction: q.jurisdiction,
        age_group: q.age_group,
        reference: q.reference.clone(),
        updated_after: updated_after.map(casework_domain::Ts::new),
    };
    let mut conn = state.db.acquire().await?;
    let rows = store::list(&mut conn, visibility(&principal), &filter, before, limit + 1).await?;
    let (items, next_cursor) = finish_page(rows, limit, &codec, CASE_CURSOR, |c| c.id);
    Ok(HttpResponse::Ok().json(CasePage {
        items: items.into_iter().map(Into::into).collect(),
        next_cursor,
    }))
}

/// One case.
#[utoipa::path(
    operation_id = "get_case",
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header, description = "ETag you hold; 304 when unchanged")),
    responses(
        (status = 200, description = "The case", body = CaseOut, headers(("ETag" = String))),
        (status = 304, description = "Not modified"),
        (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cases/{id}")]
pub async fn get(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.db.acquire().await?;
    let case = store::visible(&mut conn, visibility(&principal), *id, false).await?;
    let tag = etag(case.version);
    if if_none_match_hits(&req, &tag) {
        return Ok(HttpResponse::NotModified().insert_header(("ETag", tag)).finish());
    }
    Ok(case_response(StatusCode::OK, case))
}

/// The shape of a case PATCH (documentation of the merge patch; every field optional).
#[derive(Debug, ToSchema)]
pub struct CasePatch {
    pub client: Option<ClientPatch>,
    pub situation: Option<Situation>,
    pub jurisdiction: Option<Jurisdiction>,
    pub sextortion: Option<bool>,
    pub altered_image: Option<bool>,
    pub supports_requested: Option<Vec<Support>>,
    pub priority: Option<Priority>,
    /// `null` clears it.
    pub summary: Option<String>,
}

/// The client part of a case PATCH; the merged client must still satisfy every rule.
#[derive(Debug, ToSchema)]
pub struct ClientPatch {
    pub name: Option<String>,
    pub preferred_name: Option<String>,
    pub pronouns: Option<String>,
    pub age_group: Option<AgeGroup>,
    #[schema(minimum = 0, maximum = 120)]
    pub age: Option<u8>,
    pub contact: Option<ContactPatch>,
    pub guardian_involvement: Option<casework_domain::case::GuardianInvolvement>,
    pub interpreter_language: Option<String>,
}

/// The contact part of a case PATCH.
#[derive(Debug, ToSchema)]
pub struct ContactPatch {
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_channel: Option<casework_domain::case::PreferredChannel>,
    pub safe_to_leave_message: Option<bool>,
    pub safe_contact_notes: Option<String>,
}

/// Fields only other endpoints change.
const NOT_PATCHABLE: &[(&str, &str)] = &[
    ("status", "status changes only through POST /v1/cases/{id}/transitions"),
    ("close_reason", "close_reason is set by the transition to closed"),
    ("closed_at", "closed_at is set by the transition to closed"),
    (
        "assigned_to",
        "assignment changes only through PUT /v1/cases/{id}/assignment",
    ),
    (
        "collaborators",
        "assignment changes only through PUT /v1/cases/{id}/assignment",
    ),
    ("id", "read-only"),
    ("reference", "read-only"),
    ("iipa_applicable", "derived from situation and jurisdiction"),
    ("created_at", "read-only"),
    ("updated_at", "read-only"),
    ("version", "read-only; send it as If-Match"),
];

/// Change a case's details (JSON merge patch: `null` clears an optional field).
///
/// Requires `If-Match`. `status`, `assigned_to` and `collaborators` are refused (422):
/// use the transitions and assignment endpoints.
#[utoipa::path(
    operation_id = "update_case",
    tag = "cases",
    security(("bearer" = [])),
    request_body(content = CasePatch, description = "An RFC 7396 merge patch: any subset of the editable fields; `null` clears an optional one"),
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    responses(
        (status = 200, description = "Updated", body = CaseOut, headers(("ETag" = String))),
        (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match missing", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/v1/cases/{id}")]
pub async fn update(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<serde_json::Value>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut tx = state.db.begin().await?;
    // Visibility first: an outsider gets 404 whatever else is wrong with the request.
    let case = store::visible(&mut tx, visibility(&principal), *id, true).await?;
    let body = body?;
    let expected = required_if_match(&req)?;
    let patch = body
        .raw
        .as_object()
        .ok_or_else(|| ApiError::field("", "invalid_type", "the body must be a JSON object"))?;
    let refused: Vec<FieldError> = patch
        .keys()
        .filter_map(|k| {
            NOT_PATCHABLE
                .iter()
                .find(|(name, _)| name == k)
                .map(|(name, why)| FieldError::new(*name, "not_patchable", *why))
        })
        .collect();
    if !refused.is_empty() {
        return Err(ApiError::Validation(refused));
    }
    if case.version != expected {
        return Err(ApiError::PreconditionFailed);
    }
    let before = serde_json::to_value(&case.details).map_err(|e| ApiError::Internal(e.into()))?;
    let mut merged = before.clone();
    merge_patch(&mut merged, &body.raw);
    let mut details: CaseDetails = parse_value(&merged)?;
    rules::validate_details(&details)?;
    normalise(&mut details);
    let after = serde_json::to_value(&details).map_err(|e| ApiError::Internal(e.into()))?;
    let changed: Vec<String> = patch
        .keys()
        .filter(|k| before.get(k.as_str()) != after.get(k.as_str()))
        .cloned()
        .collect();
    if changed.is_empty() {
        return Ok(case_response(StatusCode::OK, case));
    }
    let by = principal.user_id().ok_or(ApiError::NotFound)?;
    let updated = store::update_details(&mut tx, &case, &details, expected, by, &changed, state.clock.ts()).await?;
    tx.commit().await?;
    Ok(case_response(StatusCode::OK, updated))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionIn {
    /// The target state.
    pub to: CaseStatus,
    /// Required to close.
    pub close_reason: Option<CloseReason>,
    /// Close even though takedown requests are still open.
    #[serde(default)]
    pub force: bool,
}

fn transition_error(e: TransitionError) -> ApiError {
    match e {
        TransitionError::NotAllowed { from, to } => ApiError::Conflict(format!("a case cannot go from {from} to {to}")),
        TransitionError::Forbidden => ApiError::Forbidden,
        TransitionError::Unmet(u) => ApiError::Unmet(u.into_iter().map(str::to_owned).collect()),
    }
}

/// Move a case through its lifecycle.
///
/// `intake → active ⇄ on_hold`, `intake|active|on_hold → closed`, `closed → active`
/// (reopen, supervisors only). Guards, all listed in `unmet` when refused: to `active`, a
/// youth's `guardian_involvement` is decided (`guardian_involvement_undecided`) and a youth
/// aged 17 or under, or of unrecorded age, has a referral to `c3p` with status made or
/// accepted (`c3p_referral_required`); to `closed`, a `close_reason`
/// (`close_reason_required`) and no takedown request still submitted or acknowledged
/// unless `force` (`open_takedown_requests`).
#[utoipa::path(
    operation_id = "transition_case",
    tag = "cases",
    security(("bearer" = [])),
    request_body = TransitionIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "Optional: refuse (412) if the case changed"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 200, description = "Moved", body = CaseOut, headers(("ETag" = String))),
        (status = 403, description = "Only supervisors reopen", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "No such transition from the current state, or guards unmet (`unmet` lists them)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/transitions")]
pub async fn transition(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<TransitionIn>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut work = idempotency::open(&state).await?;
    // Visibility first: an outsider gets 404 whatever else is wrong with the request.
    let case = store::visible(&mut work.tx, visibility(&principal), *id, true).await?;
    let body = body?;
    let expected = optional_if_match(&req)?;
    if let Some(replay) = work.claim(&req, &principal, &body.raw, &state.clock).await? {
        return Ok(replay);
    }
    let tx = &mut *work.tx;
    if expected.is_some_and(|v| v != case.version) {
        return Err(ApiError::PreconditionFailed);
    }
    let (Some(role), Some(by)) = (principal.role(), principal.user_id()) else {
        return Err(ApiError::NotFound);
    };
    let facts = GuardFacts {
        client: &case.details.client,
        c3p_referral_made: store::c3p_referral_made(tx, case.id).await?,
        open_takedowns: store::open_takedowns(tx, case.id).await?,
        actor_role: role,
    };
    let request = TransitionRequest {
        to: body.value.to,
        close_reason: body.value.close_reason,
        force: body.value.force,
    };
    rules::check_transition(case.status, &request, &facts).map_err(transition_error)?;
    let close_reason = if request.to == CaseStatus::Closed {
        request.close_reason
    } else {
        None
    };
    let moved = store::set_status(tx, &case, request.to, close_reason, request.force, by, state.clock.ts()).await?;
    work.finish(
        StatusCode::OK,
        &[("ETag", etag(moved.version))],
        &CaseOut::from(moved),
        None,
        &state.clock,
    )
    .await
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignmentIn {
    /// The primary caseworker (an active caseworker or supervisor).
    pub primary: Uuid,
    /// Others working the case; they see it too.
    #[serde(default)]
    pub collaborators: Vec<Uuid>,
}

/// Assign a case (supervisors).
#[utoipa::path(
    operation_id = "assign_case",
    tag = "cases",
    security(("bearer" = [])),
    request_body = AssignmentIn,
    params(("id" = Uuid, Path), ("If-Match" = Option<String>, Header, description = "Optional: refuse (412) if the case changed")),
    responses(
        (status = 200, description = "Assigned", body = CaseOut, headers(("ETag" = String))),
        (status = 403, description = "Only supervisors assign", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 412, description = "Stale If-Match", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/cases/{id}/assignment")]
pub async fn assign(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: JsonBody<AssignmentIn>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let by = principal.require_role(&[Role::Supervisor])?;
    let expected = optional_if_match(&req)?;
    let b = &body.value;
    let mut tx = state.db.begin().await?;
    let mut v = Validation::new();
    if store::assignable_role(&mut tx, b.primary).await?.is_none() {
        v.push(FieldError::new(
            "primary",
            "not_assignable",
            "must be an active caseworker or supervisor",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, c) in b.collaborators.iter().enumerate() {
        let field = format!("collaborators[{i}]");
        if *c == b.primary {
            v.push(FieldError::new(
                field,
                "is_primary",
                "the primary is not also a collaborator",
            ));
        } else if !seen.insert(*c) {
            v.push(FieldError::new(field, "duplicate", "list each collaborator once"));
        } else if store::assignable_role(&mut tx, *c).await?.is_none() {
            v.push(FieldError::new(
                field,
                "not_assignable",
                "must be an active caseworker or supervisor",
            ));
        }
    }
    v.finish()?;
    let case = store::visible(&mut tx, Visibility::All, *id, true).await?;
    if expected.is_some_and(|x| x != case.version) {
        return Err(ApiError::PreconditionFailed);
    }
    let updated = store::set_assignment(&mut tx, &case, b.primary, &b.collaborators, None, by, state.clock.ts())
        .await
        .map_err(|e| match e {
            DomainError::Stale => ApiError::PreconditionFailed,
            other => other.into(),
        })?;
    tx.commit().await?;
    Ok(case_response(StatusCode::OK, updated))
}
