//! Evidence metadata of a case (never image bytes).

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use casework_domain::{
    Ts,
    case::{Evidence, EvidenceKind, NewEvidence, store::evidence},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{CaseWrite, case_write, open_page};
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{JsonBody, Page, PageQuery, QueryParams},
    startup::AppState,
};

/// Evidence metadata as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Evidence)]
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

impl From<Evidence> for EvidenceOut {
    fn from(e: Evidence) -> Self {
        let r = e.record;
        Self {
            id: e.id,
            case_id: e.case_id,
            kind: r.kind,
            url: r.url,
            site: r.site,
            poster: r.poster,
            posted_at: r.posted_at.map(Ts::get),
            captured_at: r.captured_at.get(),
            description: r.description,
            sha256: r.sha256,
            storage_location: r.storage_location,
            recorded_by: e.recorded_by,
            created_at: e.created_at.get(),
        }
    }
}

/// Record preserved evidence (metadata only, never image bytes).
#[utoipa::path(
    operation_id = "add_evidence", tag = "case-records", security(("bearer" = [])), request_body = NewEvidence,
    params(("id" = Uuid, Path), crate::openapi::IdempotencyKey),
    responses(
        (status = 201, description = "Recorded", body = EvidenceOut),
        (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (all listed), or Idempotency-Key malformed or reused with another body", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/evidence")]
pub async fn add(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<NewEvidence>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let (mut work, seen, body) = match case_write(&state, &req, &principal, *id, body).await? {
        CaseWrite::Replay(res) => return Ok(res),
        CaseWrite::Go { work, seen, body } => (work, seen, body),
    };
    let record = body.parse(state.clock.now())?;
    let e = evidence::add(&mut work.tx, seen.case.id, &record, seen.by.id, state.clock.ts()).await?;
    work.finish(StatusCode::CREATED, &[], &EvidenceOut::from(e), None, &state.clock)
        .await
}

/// Evidence of a case, oldest first.
#[utoipa::path(
    operation_id = "list_evidence", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "A page of evidence", body = Page<EvidenceOut>), (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"))
)]
#[get("/v1/cases/{id}/evidence")]
pub async fn list(
    principal: Principal,
    id: web::Path<Uuid>,
    q: Result<QueryParams<PageQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut page = open_page(&state, &principal, *id, q, "evidence").await?;
    let rows = evidence::list(&mut page.conn, page.case_id, page.position, page.limit + 1).await?;
    let (items, next_cursor) = page.finish(rows, |e| e.id);
    Ok(HttpResponse::Ok().json(Page::<EvidenceOut>::of(items, next_cursor)))
}
