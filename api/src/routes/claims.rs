//! Tribunal claims (contract §6): open, list, read, move through the lifecycle. A claim is
//! visible exactly to those who see its case; every path answers in the cases' order: who
//! may call (401/403), whether the caller sees the claim or case (404), then the query,
//! headers and body (400/412/422), then the `Idempotency-Key`, then the effect.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use casework_domain::{
    case::store as cases,
    claim::{
        ApplicantKind, Claim, ClaimKind, ClaimStatus, ClaimTransition, Forum, NewClaim, Outcome, RespondentKind,
        rules::{self, ClaimFacts, ClaimGuardFacts, ClientFacts},
        store::{self as claims, ClaimFilter},
    },
    order::store as orders,
    penalty,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{JsonBody, ListQuery, Page, conditional_get, finish_changed, finish_created, optional_if_match},
    idempotency,
    startup::AppState,
};

const PROBLEM: &str = "application/problem+json";

/// Someone a claim is against.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Respondent)]
pub struct RespondentOut {
    pub id: Uuid,
    pub kind: RespondentKind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub platform_id: Option<Uuid>,
    pub is_minor: bool,
}

/// Who makes the application.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Applicant)]
pub struct ApplicantOut {
    pub kind: ApplicantKind,
    /// Absent when the client applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// A claim as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Claim)]
pub struct ClaimOut {
    pub id: Uuid,
    pub case_id: Uuid,
    pub forum: Forum,
    pub kind: ClaimKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tribunal_reference: Option<String>,
    pub applicant: ApplicantOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filed_at: Option<jiff::Timestamp>,
    pub respondents: Vec<RespondentOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_order_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub related_respondent_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub damages_claimed_cents: Option<i64>,
    pub status: ClaimStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    /// Derived: any respondent is a minor.
    pub publication_ban: bool,
    /// When the last status change happened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_changed_at: Option<jiff::Timestamp>,
    pub created_by: Uuid,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    /// Increments on every change; the ETag is derived from it.
    pub version: i64,
}

impl From<Claim> for ClaimOut {
    fn from(c: Claim) -> Self {
        Self {
            id: c.id,
            case_id: c.case_id,
            forum: c.forum,
            kind: c.kind,
            tribunal_reference: c.tribunal_reference,
            applicant: ApplicantOut {
                kind: c.applicant.kind,
                name: c.applicant.name,
            },
            filed_at: c.filed_at.map(casework_domain::Ts::get),
            respondents: c
                .respondents
                .into_iter()
                .map(|r| RespondentOut {
                    id: r.id,
                    kind: r.kind,
                    name: r.name,
                    platform_id: r.platform_id,
                    is_minor: r.is_minor,
                })
                .collect(),
            related_order_id: c.related.map(|r| r.order_id),
            related_respondent_id: c.related.map(|r| r.respondent_id),
            damages_claimed_cents: c.damages_claimed_cents,
            status: c.status,
            outcome: c.outcome,
            publication_ban: c.publication_ban,
            status_changed_at: c.status_changed_at.map(casework_domain::Ts::get),
            created_by: c.created_by,
            created_at: c.created_at.get(),
            updated_at: c.updated_at.get(),
            version: c.version,
        }
    }
}

/// Open a claim for a case you see.
///
/// Rules, every broken one listed in the 422: the case's situation is `shared` or
/// `threatened`; `crt_bc` needs a `bc` case and `court_of_quebec` a `qc` case; at least one
/// respondent; `damages_claimed_cents` only on `damages` claims and, before the CRT, at
/// most the cap in force on `filed_at` (when `filed_at` is absent the claim starts
/// `preparing` and the cap is checked when it moves to `filed`, on that date);
/// `administrative_penalty` names `related_order_id` (an order of the same case) and
/// `related_respondent_id` (a respondent bound by it whose binding is `non_compliant`) and
/// is filed within 4 years of the breach (the later of the binding's `comply_by` and its
/// service); it is a CRT remedy, refused before the Court of Québec (`kind`,
/// `no_administrative_penalty_in_quebec`). A `protection_order` may name no respondent;
/// the other kinds name at least one. A claim with `filed_at` starts `filed`. Any minor
/// respondent puts a publication ban on the claim.
///
/// `applicant` says who applies, by the client's age and the forum (B.C. Reg. 293/2023
/// ss. 3–5; the Quebec recourse), each refusal a 422 on `applicant` whose code names the
/// rule: `client` from 14 (`client_under_14`, or `client_age_unknown` for a youth without
/// a recorded age); `authorised_person` from 14, or from 12 in BC (`client_under_12`; in
/// Quebec under 14 `parents_must_apply`); `guardian` for a minor (`adult_client`);
/// `personal_representative` only for a deceased client (`client_not_deceased`), and only
/// it for one (`client_deceased`). `applicant.name` is required unless the client applies.
#[utoipa::path(
    operation_id = "create_claim", tag = "claims", security(("bearer" = [])), request_body = NewClaim,
    params(crate::openapi::IdempotencyKey),
    responses(
        (status = 201, description = "Opened", body = ClaimOut, headers(("ETag" = String), ("Location" = String))),
        crate::openapi::CaseWorkOnly,
        (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "Idempotency-Key in flight", body = crate::error::Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields (all listed), or Idempotency-Key malformed or reused with another body", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/v1/claims")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    body: Result<JsonBody<NewClaim>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.case_actor()?;
    let body = body?;
    let mut work = idempotency::open(&state).await?;
    let vis = principal.visibility();
    // The case named decides visibility (404) before any rule of the body is looked at.
    let seen = match body.value.case_id {
        Some(id) => Some(cases::visible(&mut work.tx, vis, id).await?),
        None => None,
    };
    let named_binding = match (
        seen.as_ref(),
        body.value.related_order_id,
        body.value.related_respondent_id,
    ) {
        (Some(s), Some(order_id), Some(respondent_id)) => {
            let related = casework_domain::claim::RelatedBinding {
                order_id,
                respondent_id,
            };
            orders::named_binding(&mut work.tx, s.case.id, related).await?
        }
        _ => None,
    };
    let law = penalty::store::load(&mut work.tx).await?;
    let Some(seen) = seen else {
        // No case named: report every missing field, with no case facts to judge.
        return Err(body.value.parse(&placeholder_facts(&state, &law)).err().map_or_else(
            || ApiError::field("case_id", "required", "this field is required"),
            ApiError::from,
        ));
    };
    let facts = ClaimFacts {
        now: state.clock.now(),
        situation: seen.case.details.situation,
        jurisdiction: seen.case.details.jurisdiction,
        client: ClientFacts::from(&seen.case.details.client),
        law: &law,
        named_binding,
    };
    let draft = body.value.parse(&facts)?;
    if let Some(replay) = work.claim(&req, &principal, &body.raw, &state.clock).await? {
        return Ok(replay);
    }
    let claim = claims::create(&mut work.tx, &draft, seen.by, state.clock.ts()).await?;
    let location = format!("/v1/claims/{}", claim.id);
    finish_created(work, &state.clock, claim.version, location, &ClaimOut::from(claim)).await
}

/// Facts for parsing a body that names no case: only the missing fields are reported.
fn placeholder_facts<'a>(state: &AppState, law: &'a penalty::LegalParameters) -> ClaimFacts<'a> {
    ClaimFacts {
        now: state.clock.now(),
        situation: casework_domain::case::Situation::Shared,
        jurisdiction: casework_domain::case::Jurisdiction::Bc,
        client: ClientFacts {
            age_group: casework_domain::case::AgeGroup::Adult,
            age: None,
            deceased: false,
        },
        law,
        named_binding: None,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClaimListQuery {
    pub case_id: Option<Uuid>,
    pub status: Option<ClaimStatus>,
    pub forum: Option<Forum>,
    pub kind: Option<ClaimKind>,
}

const CLAIM_CURSOR: &str = "claims";

/// Claims of the cases you see, newest first.
#[utoipa::path(
    operation_id = "list_claims", tag = "claims", security(("bearer" = [])),
    params(ListQuery<ClaimListQuery>),
    responses(
        (status = 200, description = "A page of claims", body = Page<ClaimOut>),
        crate::openapi::CaseWorkOnly,
    )
)]
#[get("/v1/claims")]
pub async fn list(
    principal: Principal,
    q: Result<ListQuery<ClaimListQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.case_actor()?;
    let ListQuery { filter: q, page } = q?;
    let filter = ClaimFilter {
        case_id: q.case_id,
        status: q.status,
        forum: q.forum,
        kind: q.kind,
    };
    page.answer_seen::<ClaimOut, _, _>(&state, CLAIM_CURSOR, &principal, &filter, claims::list, |c| c.id)
        .await
}

/// One claim.
#[utoipa::path(
    operation_id = "get_claim", tag = "claims", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header, description = "ETag you hold; 304 when unchanged")),
    responses(
        (status = 200, description = "The claim", body = ClaimOut, headers(("ETag" = String))),
        crate::openapi::NotModified,
        (status = 404, description = "No such claim, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/v1/claims/{id}")]
pub async fn get(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.db.acquire().await?;
    let claim = claims::visible(&mut conn, principal.visibility(), *id).await?.claim;
    Ok(conditional_get(&req, claim.version, ClaimOut::from(claim)))
}

/// Move a claim through its lifecycle.
///
/// `preparing → filed → decided → closed`, `preparing | filed → withdrawn`. `outcome` is
/// required to move to `decided` and refused otherwise (422); `occurred_at` (default now)
/// is neither in the future nor before the previous status change (422). Guards on
/// `preparing → filed`, all listed in `unmet` when refused: a CRT damages claim within the
/// cap in force on the filing date (`damages_over_cap`); an administrative penalty within
/// 4 years of the breach (`limitation_period_expired`). Filing sets `filed_at` to
/// `occurred_at` when the claim had none.
#[utoipa::path(
    operation_id = "transition_claim", tag = "claims", security(("bearer" = [])), request_body = ClaimTransition,
    params(("id" = Uuid, Path), crate::openapi::IfMatchOptional, crate::openapi::IdempotencyKey),
    responses(
        (status = 200, description = "Moved", body = ClaimOut, headers(("ETag" = String))),
        (status = 404, description = "No such claim, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "No such transition from the current state, or guards unmet (`unmet` lists them)", body = crate::error::Problem, content_type = PROBLEM),
        crate::openapi::StaleIfMatch,
        (status = 422, description = "Invalid body, or Idempotency-Key malformed or reused with another body", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/v1/claims/{id}/transitions")]
pub async fn transition(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<ClaimTransition>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut work = idempotency::open(&state).await?;
    let seen = claims::visible_for_update(&mut work.tx, principal.visibility(), *id).await?;
    let body = body?;
    let expected = optional_if_match(&req)?;
    let m = body.value.parse(state.clock.now(), seen.claim.status_changed_at)?;
    if let Some(replay) = work.claim(&req, &principal, &body.raw, &state.clock).await? {
        return Ok(replay);
    }
    if let Some(e) = expected {
        e.check(seen.claim.version)?;
    }
    let tx = &mut *work.tx;
    let law = penalty::store::load(tx).await?;
    let breach = match seen.claim.related {
        Some(r) => orders::named_binding(tx, seen.claim.case_id, r)
            .await?
            .map(|b| b.breach_at),
        None => None,
    };
    let facts = ClaimGuardFacts {
        claim: &seen.claim,
        law: &law,
        breach,
    };
    rules::check_transition(&m, &facts)?;
    let moved = claims::transition(tx, &seen, &m, state.clock.ts()).await?;
    finish_changed(work, &state.clock, moved.version, &ClaimOut::from(moved)).await
}
