//! Referrals of a case to other organisations, and their status moves.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, patch, post, web};
use casework_domain::case::{
    NewReferral, Referral, ReferralPatch, ReferralStatus, ReferralTo, rules,
    store::{self, referrals},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{add_record, records_page};
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{JsonBody, Page, PageQuery, QueryParams, etag, required_if_match, with_etag},
    startup::AppState,
};

/// A referral as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Referral)]
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

impl From<Referral> for ReferralOut {
    fn from(r: Referral) -> Self {
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

/// Record a referral.
#[utoipa::path(
    operation_id = "add_referral", tag = "case-records", security(("bearer" = [])), request_body = NewReferral,
    params(("id" = Uuid, Path), crate::openapi::IdempotencyKey),
    responses(
        (status = 201, description = "Recorded", body = ReferralOut, headers(("ETag" = String))),
    )
)]
#[post("/v1/cases/{id}/referrals")]
pub async fn add(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<NewReferral>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.ts();
    add_record(
        &state,
        &req,
        &principal,
        *id,
        body,
        async |tx, seen, body: NewReferral| {
            let r = referrals::add(tx, seen.case.id, &body.parse()?, seen.by.id, now).await?;
            Ok((vec![("ETag", etag(r.version))], ReferralOut::from(r)))
        },
    )
    .await
}

/// Referrals of a case, oldest first.
#[utoipa::path(
    operation_id = "list_referrals", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "A page of referrals", body = Page<ReferralOut>))
)]
#[get("/v1/cases/{id}/referrals")]
pub async fn list(
    principal: Principal,
    id: web::Path<Uuid>,
    q: Result<QueryParams<PageQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    records_page::<_, ReferralOut>(&state, &principal, *id, q, "referrals", referrals::list, |r| r.id).await
}

/// Move a referral on (requires `If-Match`): suggested → made | declined; made →
/// accepted | declined.
#[utoipa::path(
    operation_id = "update_referral", tag = "case-records", security(("bearer" = [])),
    request_body(content((ReferralPatch = "application/merge-patch+json"))),
    params(("id" = Uuid, Path), ("referral_id" = Uuid, Path), crate::openapi::IfMatchRequired),
    responses(
        (status = 200, description = "Updated", body = ReferralOut, headers(("ETag" = String))),
        (status = 404, description = "No such case or referral, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "That status cannot follow the current one", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::StaleIfMatch,
        crate::openapi::IfMatchMissing,
    )
)]
#[patch("/v1/cases/{id}/referrals/{referral_id}")]
pub async fn update(
    req: HttpRequest,
    principal: Principal,
    path: web::Path<(Uuid, Uuid)>,
    body: Result<JsonBody<ReferralPatch>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (case_id, referral_id) = path.into_inner();
    let mut tx = state.db.begin().await?;
    let seen = store::visible(&mut tx, principal.visibility(), case_id).await?;
    let r = referrals::for_update(&mut tx, seen.case.id, referral_id).await?;
    let body = body?.value;
    let expected = required_if_match(&req)?;
    let to = body.parse()?;
    expected.check(r.version)?;
    rules::check_referral_move(r.status, to)?;
    let updated = referrals::set_status(&mut tx, &r, to, seen.by.id, state.clock.ts()).await?;
    tx.commit().await?;
    Ok(with_etag(StatusCode::OK, updated.version, ReferralOut::from(updated)))
}
