//! Notes on a case: append-only; a correction is a new note.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use casework_domain::case::{NewNote, Note, NoteKind, store::notes};
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

/// A note as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Note)]
pub struct NoteOut {
    pub id: Uuid,
    pub case_id: Uuid,
    pub kind: NoteKind,
    pub body: String,
    pub author: Uuid,
    pub created_at: jiff::Timestamp,
}

impl From<Note> for NoteOut {
    fn from(n: Note) -> Self {
        Self {
            id: n.id,
            case_id: n.case_id,
            kind: n.kind,
            body: n.body,
            author: n.author,
            created_at: n.created_at.get(),
        }
    }
}

/// Add a note. Notes are append-only: a correction is a new note.
#[utoipa::path(
    operation_id = "add_note", tag = "case-records", security(("bearer" = [])), request_body = NewNote,
    params(("id" = Uuid, Path), crate::openapi::IdempotencyKey),
    responses(
        (status = 201, description = "Added", body = NoteOut),
    )
)]
#[post("/v1/cases/{id}/notes")]
pub async fn add(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<NewNote>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.ts();
    add_record(&state, &req, &principal, *id, body, async |tx, seen, body: NewNote| {
        let note = notes::add(tx, seen.case.id, body.parse()?, seen.by.id, now).await?;
        Ok((vec![], NoteOut::from(note)))
    })
    .await
}

/// Notes of a case, oldest first.
#[utoipa::path(
    operation_id = "list_notes", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "A page of notes", body = Page<NoteOut>))
)]
#[get("/v1/cases/{id}/notes")]
pub async fn list(
    principal: Principal,
    id: web::Path<Uuid>,
    q: Result<QueryParams<PageQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    records_page::<_, NoteOut>(&state, &principal, *id, q, "notes", notes::list, |n| n.id).await
}
