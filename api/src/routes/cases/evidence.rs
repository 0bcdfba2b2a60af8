//! Evidence metadata of a case (never image bytes).

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use casework_domain::{
    Ts,
    case::{Evidence, EvidenceKind, NewEvidence, store::evidence},
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::{add_record, records_page};
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
    /// As posted, except an internationalised host, which is kept in punycode
    /// (`https://xn--bcher-kva.example/...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `url` for people to read: the host in Unicode (`https://bücher.example/...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url_display: Option<String>,
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
            url_display: r.url.as_deref().map(casework_domain::takedown::url::display),
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
    let now = state.clock.ts();
    add_record(
        &state,
        &req,
        &principal,
        *id,
        body,
        async |tx, seen, body: NewEvidence| {
            let e = evidence::add(tx, seen.case.id, &body.parse(now.get())?, seen.by.id, now).await?;
            Ok((vec![], EvidenceOut::from(e)))
        },
    )
    .await
}

/// Evidence of a case, oldest first.
#[utoipa::path(
    operation_id = "list_evidence", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "A page of evidence", body = Page<EvidenceOut>))
)]
#[get("/v1/cases/{id}/evidence")]
pub async fn list(
    principal: Principal,
    id: web::Path<Uuid>,
    q: Result<QueryParams<PageQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    records_page::<_, EvidenceOut>(&state, &principal, *id, q, "evidence", evidence::list, |e| e.id).await
}
