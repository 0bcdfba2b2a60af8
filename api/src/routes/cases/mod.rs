//! Cases (contract §3): the case itself (`case`), and what is recorded on it (`notes`,
//! `referrals`, `consents`, `evidence`, `timeline`). Every path answers in one order: who
//! may call (401/403), whether the caller sees the case (404: unseen looks like unknown),
//! then the query, headers and body (400/412/422/428), then the effect.

pub mod case;
pub mod consents;
pub mod evidence;
pub mod notes;
pub mod referrals;
pub mod timeline;

use actix_web::{HttpRequest, HttpResponse, http::StatusCode};
use casework_domain::case::{
    Case, CaseStatus, Client, CloseReason, Jurisdiction, Priority, Situation, Support,
    store::{self, Seen},
};
use serde::Serialize;
use sqlx::PgConnection;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{JsonBody, PageQuery, Pager, QueryParams, with_etag},
    idempotency::{self, Answer},
    startup::AppState,
};

/// A case as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Case)]
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

/// `200 OK` with a case and its ETag.
fn case_response(case: Case) -> HttpResponse {
    with_etag(StatusCode::OK, case.version, CaseOut::from(case))
}

/// One page of the list `list` of case `id`, in the order every case path follows: the
/// case must be visible (404 first), then the query must parse (400/422); `fetch` reads the
/// rows after the previous page's last one.
async fn records_page<R, O>(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    q: Result<QueryParams<PageQuery>, ApiError>,
    list: &str,
    fetch: impl AsyncFnOnce(&mut PgConnection, Uuid, Option<Uuid>, i64) -> Result<Vec<R>, sqlx::Error>,
    id_of: impl Fn(&R) -> Uuid,
) -> ApiResult<HttpResponse>
where
    O: From<R> + Serialize + ToSchema,
{
    let mut conn = state.db.acquire().await?;
    let Seen { case, .. } = store::visible(&mut conn, principal.visibility(), id).await?;
    let q = q?;
    let limit = q.limit()?;
    // The cursor names its list and case, so one taken from elsewhere is refused.
    let (pager, position) = Pager::open::<Uuid>(state, format!("{list}:{id}"), limit, q.cursor.as_deref()).await?;
    let rows = fetch(&mut conn, case.id, position, limit + 1).await?;
    Ok(pager.respond::<_, O, _>(rows, id_of))
}

/// Records something on a case the caller sees (see [`idempotency::post`] for the order
/// of checks); `record` does the work and returns the extra headers and body of the 201.
async fn add_record<T, O: Serialize>(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    id: Uuid,
    body: Result<JsonBody<T>, ApiError>,
    record: impl AsyncFnOnce(&mut PgConnection, &Seen, T) -> ApiResult<(Vec<(&'static str, String)>, O)>,
) -> ApiResult<HttpResponse> {
    let vis = principal.visibility();
    idempotency::post(
        state,
        req,
        principal,
        body,
        async |tx| Ok(store::visible(tx, vis, id).await?),
        async |tx, seen, body| {
            let (headers, out) = record(tx, &seen, body).await?;
            Ok(Answer::created(headers, out))
        },
    )
    .await
}
