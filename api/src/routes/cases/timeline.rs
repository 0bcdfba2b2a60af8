//! The timeline of a case: every event, newest first.

use actix_web::{HttpResponse, get, web};
use casework_domain::case::{Event, store::events};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::records_page;
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{Page, PageQuery, QueryParams},
    startup::AppState,
};

/// One event of a case's timeline.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = TimelineEvent)]
pub struct EventOut {
    pub id: Uuid,
    pub occurred_at: jiff::Timestamp,
    /// e.g. `case.created`, `case.status_changed`, `note.added`, `consent.revoked`.
    pub kind: String,
    /// `user:<id>`.
    pub actor: String,
    /// What changed (identifiers and field names, never client details).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<Event> for EventOut {
    fn from(e: Event) -> Self {
        Self {
            id: e.id,
            occurred_at: e.occurred_at.get(),
            kind: e.kind,
            actor: e.actor,
            detail: e.detail,
        }
    }
}

/// Every event of the case, newest first.
#[utoipa::path(
    operation_id = "case_timeline", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "A page of events", body = Page<EventOut>))
)]
#[get("/v1/cases/{id}/timeline")]
pub async fn list(
    principal: Principal,
    id: web::Path<Uuid>,
    q: Result<QueryParams<PageQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    records_page::<_, EventOut>(&state, &principal, *id, q, "timeline", events::list, |e| e.id).await
}
