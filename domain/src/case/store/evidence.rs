//! Evidence metadata (never image bytes). The URL (it leads to the image), the poster and
//! the description are sealed.

use sqlx::PgConnection;
use uuid::Uuid;

use super::events::{actor, add_event};
use crate::{
    case::{
        protect,
        types::{Evidence, EvidenceKind, EvidenceRecord},
    },
    error::DomainError,
    input::PARSED,
    timestamp::Ts,
};

struct EvidenceRow {
    id: Uuid,
    case_id: Uuid,
    kind: EvidenceKind,
    url_sealed: Option<Vec<u8>>,
    site: String,
    poster_sealed: Option<Vec<u8>>,
    posted_at: Option<Ts>,
    captured_at: Ts,
    description_sealed: Vec<u8>,
    sha256: Option<String>,
    storage_location: Option<String>,
    recorded_by: Uuid,
    created_at: Ts,
}

impl EvidenceRow {
    fn into_evidence(self) -> Result<Evidence, sqlx::Error> {
        Ok(Evidence {
            id: self.id,
            case_id: self.case_id,
            record: EvidenceRecord {
                kind: self.kind,
                url: self
                    .url_sealed
                    .as_deref()
                    .map(|s| protect::open(s, protect::EVIDENCE_URL.at(self.id)))
                    .transpose()?,
                site: self.site,
                poster: self
                    .poster_sealed
                    .as_deref()
                    .map(|s| protect::open(s, protect::EVIDENCE_POSTER.at(self.id)))
                    .transpose()?,
                posted_at: self.posted_at,
                captured_at: self.captured_at,
                description: protect::open(&self.description_sealed, protect::EVIDENCE_DESCRIPTION.at(self.id))?,
                sha256: self.sha256,
                storage_location: self.storage_location,
                parsed: PARSED,
            },
            recorded_by: self.recorded_by,
            created_at: self.created_at,
        })
    }
}

/// Records evidence metadata.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn add(
    conn: &mut PgConnection,
    case_id: Uuid,
    e: &EvidenceRecord,
    by: Uuid,
    now: Ts,
) -> Result<Evidence, DomainError> {
    let id = Uuid::now_v7();
    let row = sqlx::query_as!(
        EvidenceRow,
        r#"INSERT INTO case_evidence (id, case_id, kind, url_sealed, site, poster_sealed, posted_at, captured_at,
                                     description_sealed, sha256, storage_location, recorded_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
           RETURNING id, case_id, kind AS "kind: EvidenceKind", url_sealed, site, poster_sealed, posted_at, captured_at,
                     description_sealed, sha256, storage_location, recorded_by, created_at"#,
        id,
        case_id,
        e.kind.as_str(),
        e.url.as_ref().map(|u| protect::seal(u, protect::EVIDENCE_URL.at(id))),
        e.site,
        e.poster
            .as_ref()
            .map(|p| protect::seal(p, protect::EVIDENCE_POSTER.at(id))),
        e.posted_at,
        e.captured_at,
        protect::seal(&e.description, protect::EVIDENCE_DESCRIPTION.at(id)),
        e.sha256,
        e.storage_location,
        by,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    let detail = serde_json::json!({"evidence_id": row.id, "kind": e.kind});
    add_event(conn, case_id, "evidence.added", &actor(by), detail, now).await?;
    Ok(row.into_evidence()?)
}

/// Evidence of a case, oldest first, after `after`.
#[tracing::instrument(skip_all, fields(case.id = %case_id))]
pub async fn list(
    conn: &mut PgConnection,
    case_id: Uuid,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<Evidence>, sqlx::Error> {
    let rows = sqlx::query_as!(
        EvidenceRow,
        r#"SELECT id, case_id, kind AS "kind: EvidenceKind", url_sealed, site, poster_sealed, posted_at, captured_at,
                  description_sealed, sha256, storage_location, recorded_by, created_at
           FROM case_evidence WHERE case_id = $1 AND ($2::uuid IS NULL OR id > $2) ORDER BY id LIMIT $3"#,
        case_id,
        after,
        limit
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(EvidenceRow::into_evidence).collect()
}
