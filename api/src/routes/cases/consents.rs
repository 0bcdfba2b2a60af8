//! The consent ledger of a case: what the client allows to be shared with whom.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use casework_domain::{
    Ts,
    case::{
        Consent, ConsentScope, NewConsent,
        store::{self, consents},
    },
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{CaseWrite, case_write, open_page};
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{JsonBody, Page, PageQuery, QueryParams},
    idempotency,
    startup::AppState,
};

/// A consent as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Consent)]
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

impl From<Consent> for ConsentOut {
    fn from(c: Consent) -> Self {
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

/// Record a consent the client gave. Nothing that discloses case information to a third
/// party happens without an active matching consent.
#[utoipa::path(
    operation_id = "add_consent", tag = "case-records", security(("bearer" = [])), request_body = NewConsent,
    params(("id" = Uuid, Path), crate::openapi::IdempotencyKey),
    responses(
        (status = 201, description = "Recorded", body = ConsentOut),
        (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (all listed), or Idempotency-Key malformed or reused with another body", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/consents")]
pub async fn add(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<NewConsent>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (mut work, seen, body) = match case_write(&state, &req, &principal, *id, body).await? {
        CaseWrite::Replay(res) => return Ok(res),
        CaseWrite::Go { work, seen, body } => (work, seen, body),
    };
    let entry = body.parse(state.clock.now())?;
    let c = consents::add(&mut work.tx, seen.case.id, &entry, seen.by.id, state.clock.ts()).await?;
    work.finish(StatusCode::CREATED, &[], &ConsentOut::from(c), None, &state.clock)
        .await
}

/// The consent ledger of a case, oldest first (revoked ones included).
#[utoipa::path(
    operation_id = "list_consents", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "A page of consents", body = Page<ConsentOut>), (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"))
)]
#[get("/v1/cases/{id}/consents")]
pub async fn list(
    principal: Principal,
    id: web::Path<Uuid>,
    q: Result<QueryParams<PageQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut page = open_page(&state, &principal, *id, q, "consents").await?;
    let rows = consents::list(&mut page.conn, page.case_id, page.position, page.limit + 1).await?;
    let (items, next_cursor) = page.finish(rows, |c| c.id);
    Ok(HttpResponse::Ok().json(Page::<ConsentOut>::of(items, next_cursor)))
}

/// Revoke a consent.
#[utoipa::path(
    operation_id = "revoke_consent", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("consent_id" = Uuid, Path), crate::openapi::IdempotencyKey),
    responses(
        (status = 200, description = "Revoked", body = ConsentOut),
        (status = 404, description = "No such case or consent, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already revoked, or Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Idempotency-Key malformed", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/consents/{consent_id}/revoke")]
pub async fn revoke(
    req: HttpRequest,
    principal: Principal,
    path: web::Path<(Uuid, Uuid)>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (case_id, consent_id) = path.into_inner();
    let mut work = idempotency::open(&state).await?;
    // Visibility before the key: someone taken off the case gets no replay.
    let seen = store::visible(&mut work.tx, principal.visibility(), case_id).await?;
    if let Some(replay) = work
        .claim(&req, &principal, &serde_json::Value::Null, &state.clock)
        .await?
    {
        return Ok(replay);
    }
    let c = consents::revoke(&mut work.tx, seen.case.id, consent_id, seen.by.id, state.clock.ts()).await?;
    work.finish(StatusCode::OK, &[], &ConsentOut::from(c), None, &state.clock)
        .await
}
