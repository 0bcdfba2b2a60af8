//! Notes on a case: append-only; a correction is a new note.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use casework_domain::case::{NewNote, Note, NoteKind, store::notes};
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
        (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields (all listed), or Idempotency-Key malformed or reused with another body", body = crate::error::Problem, content_type = "application/problem+json"),
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
    let (mut work, seen, body) = match case_write(&state, &req, &principal, *id, body).await? {
        CaseWrite::Replay(res) => return Ok(res),
        CaseWrite::Go { work, seen, body } => (work, seen, body),
    };
    let note = body.parse()?;
    let note = notes::add(&mut work.tx, seen.case.id, note, seen.by.id, state.clock.ts()).await?;
    work.finish(StatusCode::CREATED, &[], &NoteOut::from(note), None, &state.clock)
        .await
}

/// Notes of a case, oldest first.
#[utoipa::path(
    operation_id = "list_notes", tag = "case-records", security(("bearer" = [])),
    params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, description = "A page of notes", body = Page<NoteOut>), (status = 404, description = "No such case, or not yours to see", body = crate::error::Problem, content_type = "application/problem+json"))
)]
#[get("/v1/cases/{id}/notes")]
pub async fn list(
    principal: Principal,
    id: web::Path<Uuid>,
    q: Result<QueryParams<PageQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut page = open_page(&state, &principal, *id, q, "notes").await?;
    let rows = notes::list(&mut page.conn, page.case_id, page.position, page.limit + 1).await?;
    let (items, next_cursor) = page.finish(rows, |n| n.id);
    Ok(HttpResponse::Ok().json(Page::<NoteOut>::of(items, next_cursor)))
}
