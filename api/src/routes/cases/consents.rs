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

use super::{add_record, records_page};
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{JsonBody, Page, PageQuery, QueryParams},
    idempotency::{self, Answer},
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
    let now = state.clock.ts();
    add_record(
        &state,
        &req,
        &principal,
        *id,
        body,
        async |tx, seen, body: NewConsent| {
            let c = consents::add(tx, seen.case.id, &body.parse(now.get())?, seen.by.id, now).await?;
            Ok((vec![], ConsentOut::from(c)))
        },
    )
    .await
}

/// The consent ledger of a case, oldest first (revoked ones included).
#[utoipa::path(
    operation_id = "list_consents", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "A page of consents", body = Page<ConsentOut>))
)]
#[get("/v1/cases/{id}/consents")]
pub async fn list(
    principal: Principal,
    id: web::Path<Uuid>,
    q: Result<QueryParams<PageQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    records_page::<_, ConsentOut>(&state, &principal, *id, q, "consents", consents::list, |c| c.id).await
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
    let vis = principal.visibility();
    let now = state.clock.ts();
    let no_body = Ok(JsonBody {
        value: (),
        raw: serde_json::Value::Null,
    });
    idempotency::post(
        &state,
        &req,
        &principal,
        no_body,
        async |tx| Ok(store::visible(tx, vis, case_id).await?),
        async |tx, seen, ()| {
            let c = consents::revoke(tx, seen.case.id, consent_id, seen.by.id, now).await?;
            Ok(Answer {
                status: StatusCode::OK,
                headers: vec![],
                body: ConsentOut::from(c),
            })
        },
    )
    .await
}
