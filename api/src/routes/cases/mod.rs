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
use casework_domain::{
    case::{
        Case, CaseStatus, Client, CloseReason, Jurisdiction, Priority, Situation, Support,
        store::{self, Seen},
    },
    cursor::CursorCodec,
};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{JsonBody, PageQuery, QueryParams, decode_cursor, etag, finish_page},
    idempotency::{self, Work},
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

/// A case with its ETag.
fn case_response(status: StatusCode, case: Case) -> HttpResponse {
    let tag = etag(case.version);
    HttpResponse::build(status)
        .insert_header(("ETag", tag))
        .json(CaseOut::from(case))
}

/// One page of a list kept on a case, for a caller who sees the case.
struct CaseListPage {
    conn: sqlx::pool::PoolConnection<sqlx::Postgres>,
    case_id: Uuid,
    /// Where the previous page ended.
    position: Option<Uuid>,
    limit: i64,
    codec: CursorCodec,
    kind: String,
}

/// Opens a page of the list `list` of case `id`: the case must be visible (404 first), then
/// the query must parse (400/422).
async fn open_page(
    state: &AppState,
    principal: &Principal,
    id: Uuid,
    q: Result<QueryParams<PageQuery>, ApiError>,
    list: &str,
) -> ApiResult<CaseListPage> {
    let mut conn = state.db.acquire().await?;
    let Seen { case, .. } = store::visible(&mut conn, principal.visibility(), id).await?;
    let q = q?;
    let limit = q.limit()?;
    let codec = state.cursor_codec().await?;
    // The cursor names its list and case, so one taken from elsewhere is refused.
    let kind = format!("{list}:{id}");
    let position = decode_cursor::<Uuid>(&codec, &kind, q.cursor.as_deref())?;
    Ok(CaseListPage {
        conn,
        case_id: case.id,
        position,
        limit,
        codec,
        kind,
    })
}

impl CaseListPage {
    fn finish<T>(&self, rows: Vec<T>, id_of: impl Fn(&T) -> Uuid) -> (Vec<T>, Option<String>) {
        finish_page(rows, self.limit, &self.codec, &self.kind, id_of)
    }
}

/// A write to a case the caller sees.
enum CaseWrite<T> {
    Go { work: Work, seen: Box<Seen>, body: T },
    Replay(HttpResponse),
}

/// Starts a write to a case in this order: the case must be visible (404 before anything
/// in the request is looked at, so an outsider learns nothing from a refused body or key),
/// then the body must parse, then the `Idempotency-Key` is claimed — so a replay, too, is
/// only ever answered to someone who still sees the case.
async fn case_write<T>(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    id: Uuid,
    body: Result<JsonBody<T>, ApiError>,
) -> ApiResult<CaseWrite<T>> {
    let mut work = idempotency::open(state).await?;
    let seen = store::visible(&mut work.tx, principal.visibility(), id).await?;
    let body = body?;
    if let Some(replay) = work.claim(req, principal, &body.raw, &state.clock).await? {
        return Ok(CaseWrite::Replay(replay));
    }
    Ok(CaseWrite::Go {
        work,
        seen: Box::new(seen),
        body: body.value,
    })
}
