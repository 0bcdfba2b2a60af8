//! The case itself: open, list, read, change details, move through the lifecycle, assign.

use actix_web::{HttpRequest, HttpResponse, get, patch, post, put, web};
use casework_domain::{
    FieldError, Validation,
    case::{
        AgeGroup, CaseAssignment, CaseStatus, CaseTransition, Jurisdiction, NewCase, Priority, Situation, Support,
        lookup,
        rules::{self, GuardFacts},
        store::{self, CaseFilter, cases, referrals},
    },
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{CaseOut, case_response};
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{
        JsonBody, ListQuery, Page, apply_patch, changed_fields, conditional_get, finish_created, instant_filter,
        optional_if_match, patch_fields, required_if_match, to_json, user_filter,
    },
    idempotency::{self, Answer},
    startup::AppState,
};

const PROBLEM: &str = "application/problem+json";

/// Open a case; it is assigned to you and starts in `intake`.
///
/// Every broken rule is reported at once in the 422's `errors`, each with its field
/// (e.g. `client.age`).
#[utoipa::path(
    operation_id = "create_case",
    tag = "cases",
    security(("bearer" = [])),
    request_body = NewCase,
    params(crate::openapi::IdempotencyKey),
    responses(
        (status = 201, description = "Opened", body = CaseOut, headers(("ETag" = String), ("Location" = String))),
        crate::openapi::CaseWorkOnly,
    )
)]
#[post("/v1/cases")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    body: Result<JsonBody<NewCase>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let me = principal.case_actor()?;
    let body = body?;
    let details = body.value.parse()?;
    let mut work = idempotency::open(&state).await?;
    if let Some(replay) = work.claim(&req, &principal, &body.raw, &state.clock).await? {
        // The stored answer names a case; it is only replayed to someone who still sees it.
        if let Some(id) = idempotency::replayed_location_id(&replay) {
            store::visible(&mut work.tx, principal.visibility(), id).await?;
        }
        return Ok(replay);
    }
    let case = cases::create(&mut work.tx, &details, me, state.clock.ts()).await?;
    let location = format!("/v1/cases/{}", case.id);
    finish_created(work, &state.clock, case.version, location, &CaseOut::from(case)).await
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
    #[param(pattern = "^IIPS-[0-9]{4}-[0-9]{6}$")]
    pub reference: Option<String>,
    /// Only cases changed after this RFC 3339 instant (with offset).
    #[param(value_type = Option<String>, format = DateTime)]
    pub updated_after: Option<String>,
    /// A returning client's email, matched exactly after trimming and lowercasing (see
    /// README, "What can no longer be searched").
    #[param(max_length = 320)]
    pub client_email: Option<String>,
    /// A returning client's phone, matched exactly on its digits (a leading `+` kept):
    /// `+1 604-555-0100` finds `+1 (604) 555 0100`.
    #[param(max_length = 40)]
    pub client_phone: Option<String>,
    /// A returning client's full name, matched exactly after lowercasing and collapsing
    /// whitespace (accents count).
    #[param(max_length = 200)]
    pub client_name: Option<String>,
}

/// A client lookup filter (`?client_email=`): its blind index, or `None` when absent; an
/// empty value, one with a control character or one too long is recorded in `v` to be
/// refused with the list's other filters. The value is never logged.
fn client_filter(
    v: &mut Validation,
    field: &str,
    raw: Option<&str>,
    kind: lookup::Field,
    max: usize,
) -> Option<Vec<u8>> {
    let raw = raw?;
    if raw
        .chars()
        .any(|c| c.is_control() || casework_domain::text::refused_in_free_text(c))
    {
        v.push(FieldError::new(
            field,
            casework_domain::text::CONTROL_CHARACTER,
            "must not contain control characters",
        ));
        return None;
    }
    if raw.chars().count() > max {
        v.push(FieldError::new(field, "too_long", format!("at most {max} characters")));
        return None;
    }
    let index = kind.index(raw);
    if index.is_none() {
        v.push(FieldError::new(field, "invalid_value", "must not be empty"));
    }
    index
}

const CASE_CURSOR: &str = "cases";

/// Cases you can see, newest first.
///
/// Caseworkers see the cases they are primary or collaborator on; supervisors see all.
#[utoipa::path(
    operation_id = "list_cases",
    tag = "cases",
    security(("bearer" = [])),
    params(ListQuery<CaseListQuery>),
    responses(
        (status = 200, description = "A page of cases", body = Page<CaseOut>),
        crate::openapi::CaseWorkOnly,
    )
)]
#[get("/v1/cases")]
pub async fn list(
    principal: Principal,
    q: Result<ListQuery<CaseListQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let me = principal.case_actor()?;
    let ListQuery { filter: q, page } = q?;
    let mut v = Validation::new();
    let assigned_to = user_filter(&mut v, "assigned_to", q.assigned_to.as_deref(), me.id);
    let updated_after = instant_filter(&mut v, "updated_after", q.updated_after.as_deref());
    let client_email_index = client_filter(
        &mut v,
        "client_email",
        q.client_email.as_deref(),
        lookup::Field::Email,
        320,
    );
    let client_phone_index = client_filter(
        &mut v,
        "client_phone",
        q.client_phone.as_deref(),
        lookup::Field::Phone,
        40,
    );
    let client_name_index = client_filter(
        &mut v,
        "client_name",
        q.client_name.as_deref(),
        lookup::Field::Name,
        200,
    );
    v.finish()?;
    let filter = CaseFilter {
        status: q.status,
        assigned_to,
        priority: q.priority,
        jurisdiction: q.jurisdiction,
        age_group: q.age_group,
        reference: q.reference,
        updated_after,
        client_email_index,
        client_phone_index,
        client_name_index,
    };
    page.answer_seen::<CaseOut, _, _>(&state, CASE_CURSOR, &principal, &filter, cases::list, |c| c.id)
        .await
}

/// One case.
#[utoipa::path(
    operation_id = "get_case",
    tag = "cases",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header, description = "ETag you hold; 304 when unchanged")),
    responses(
        (status = 200, description = "The case", body = CaseOut, headers(("ETag" = String))),
        crate::openapi::NotModified,
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
    let case = store::visible(&mut conn, principal.visibility(), *id).await?.case;
    Ok(conditional_get(&req, case.version, CaseOut::from(case)))
}

/// The shape of a case PATCH (documentation of the merge patch; every field optional).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CasePatch {
    pub client: Option<ClientPatch>,
    pub situation: Option<Situation>,
    pub jurisdiction: Option<Jurisdiction>,
    pub sextortion: Option<bool>,
    pub altered_image: Option<bool>,
    pub supports_requested: Option<Vec<Support>>,
    pub priority: Option<Priority>,
    /// `null` clears it.
    #[schema(min_length = 1, max_length = 10000)]
    pub summary: Option<String>,
}

/// The client part of a case PATCH; the merged client must still satisfy every rule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(min_length = 1, max_length = 200)]
    pub preferred_name: Option<String>,
    #[schema(min_length = 1, max_length = 100)]
    pub pronouns: Option<String>,
    pub age_group: Option<AgeGroup>,
    #[schema(minimum = 0, maximum = 120)]
    pub age: Option<u8>,
    pub contact: Option<ContactPatch>,
    pub guardian_involvement: Option<casework_domain::case::GuardianInvolvement>,
    #[schema(min_length = 1, max_length = 100)]
    pub interpreter_language: Option<String>,
    pub deceased: Option<bool>,
}

/// The contact part of a case PATCH.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatch {
    #[schema(format = Email)]
    pub email: Option<String>,
    pub phone: Option<String>,
    pub preferred_channel: Option<casework_domain::case::PreferredChannel>,
    pub safe_to_leave_message: Option<bool>,
    #[schema(min_length = 1, max_length = 2000)]
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
    request_body(description = "An RFC 7396 merge patch: any subset of the editable fields; `null` clears an optional one (sent as `application/merge-patch+json`; `application/json` is accepted too)",
        content((CasePatch = "application/merge-patch+json"))),
    params(("id" = Uuid, Path), crate::openapi::IfMatchRequired),
    responses(
        (status = 200, description = "Updated", body = CaseOut, headers(("ETag" = String))),
        crate::openapi::StaleIfMatch,
        (status = 422, description = "Invalid fields (all listed)", body = crate::error::Problem, content_type = PROBLEM),
        crate::openapi::IfMatchMissing,
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
    let seen = store::visible_for_update(&mut tx, principal.visibility(), *id).await?;
    let body = body?;
    let expected = required_if_match(&req)?;
    let fields = patch_fields(&body.raw, |k| {
        NOT_PATCHABLE
            .iter()
            .find(|(name, _)| *name == k)
            .map(|(name, why)| FieldError::new(*name, "not_patchable", *why))
    })?;
    expected.check(seen.case.version)?;
    let (before, patched) = apply_patch::<NewCase>(&seen.case.details, &body.raw)?;
    let details = patched.parse()?;
    let after = to_json(&details)?;
    let changed: Vec<String> = changed_fields(fields, &before, &after)
        .into_iter()
        .map(str::to_owned)
        .collect();
    if changed.is_empty() {
        return Ok(case_response(seen.case));
    }
    let updated = cases::update_details(&mut tx, &seen, &details, &changed, state.clock.ts()).await?;
    tx.commit().await?;
    Ok(case_response(updated))
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
    request_body = CaseTransition,
    params(("id" = Uuid, Path), crate::openapi::IfMatchOptional, crate::openapi::IdempotencyKey),
    responses(
        (status = 200, description = "Moved", body = CaseOut, headers(("ETag" = String))),
        (status = 403, description = "Only supervisors reopen", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "No such transition from the current state, or guards unmet (`unmet` lists them)", body = crate::error::Problem, content_type = PROBLEM),
        crate::openapi::StaleIfMatch,
        (status = 422, description = "Invalid body, or Idempotency-Key malformed or reused with another body", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/v1/cases/{id}/transitions")]
pub async fn transition(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<CaseTransition>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let vis = principal.visibility();
    let now = state.clock.ts();
    idempotency::post(
        &state,
        &req,
        &principal,
        body,
        async |tx| Ok(store::visible_for_update(tx, vis, *id).await?),
        async |tx, seen, body: CaseTransition| {
            let request = body.parse()?;
            if let Some(e) = optional_if_match(&req)? {
                e.check(seen.case.version)?;
            }
            let facts = GuardFacts {
                client: &seen.case.details.client,
                c3p_referral_made: referrals::c3p_referral_made(tx, seen.case.id).await?,
                open_takedowns: cases::open_takedowns(tx, seen.case.id).await?,
                actor_role: seen.by.role,
            };
            rules::check_transition(seen.case.status, &request, &facts)?;
            let moved = cases::set_status(tx, &seen, &request, now).await?;
            if moved.status == CaseStatus::Closed {
                // Open tasks and pending reminders end with the case (contract §3).
                casework_domain::task::store::cancel_for_case(tx, moved.id, seen.by.id, now).await?;
            }
            Ok(Answer::ok(moved.version, CaseOut::from(moved)))
        },
    )
    .await
}

/// Assign a case (supervisors).
#[utoipa::path(
    operation_id = "assign_case",
    tag = "cases",
    security(("bearer" = [])),
    request_body = CaseAssignment,
    params(("id" = Uuid, Path), crate::openapi::IfMatchOptional),
    responses(
        (status = 200, description = "Assigned", body = CaseOut, headers(("ETag" = String))),
        (status = 403, description = "Only supervisors assign", body = crate::error::Problem, content_type = PROBLEM),
        (status = 404, description = "No such case", body = crate::error::Problem, content_type = PROBLEM),
        crate::openapi::StaleIfMatch,
        (status = 422, description = "Invalid assignment (every problem listed)", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[put("/v1/cases/{id}/assignment")]
pub async fn assign(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<CaseAssignment>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.require_role(&[casework_domain::identity::Role::Supervisor])?;
    let mut tx = state.db.begin().await?;
    let seen = store::visible_for_update(&mut tx, principal.visibility(), *id).await?;
    let body = body?.value;
    let expected = optional_if_match(&req)?;
    let assignable = cases::assignable_users(&mut tx, &body.named_users()).await?;
    let assignment = body.parse(&assignable)?;
    if let Some(e) = expected {
        e.check(seen.case.version)?;
    }
    let updated = cases::set_assignment(&mut tx, &seen, &assignment, state.clock.ts()).await?;
    tx.commit().await?;
    Ok(case_response(updated))
}
