//! Notes: append-only; corrections are new notes. Bodies are sealed.

use sqlx::PgConnection;
use uuid::Uuid;

use super::events::{actor, add_event};
use crate::{
    case::{
        protect,
        types::{Note, NoteEntry, NoteKind},
    },
    timestamp::Ts,
};

/// Appends a note.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn add(
    conn: &mut PgConnection,
    case_id: Uuid,
    note: NoteEntry,
    by: Uuid,
    now: Ts,
) -> Result<Note, sqlx::Error> {
    let id = Uuid::now_v7();
    sqlx::query!(
        "INSERT INTO case_notes (id, case_id, kind, body_sealed, author, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        id,
        case_id,
        note.kind.as_str(),
        protect::seal(&note.body, protect::NOTE_BODY.at(id)),
        by,
        now
    )
    .execute(&mut *conn)
    .await?;
    let detail = serde_json::json!({"note_id": id, "kind": note.kind});
    add_event(conn, case_id, "note.added", &actor(by), detail, now).await?;
    Ok(Note {
        id,
        case_id,
        kind: note.kind,
        body: note.body,
        author: by,
        created_at: now,
    })
}

/// Notes of a case, oldest first, after `after`.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn list(
    conn: &mut PgConnection,
    case_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Note>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, kind AS "kind: NoteKind", body_sealed, author, created_at FROM case_notes
           WHERE case_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"#,
        case_id,
        after,
        limit
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Note {
                id: r.id,
                case_id,
                kind: r.kind,
                body: protect::open(&r.body_sealed, protect::NOTE_BODY.at(r.id))?,
                author: r.author,
                created_at: r.created_at,
            })
        })
        .collect()
}
