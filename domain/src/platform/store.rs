//! SQL for the platform directory. Names are unique ignoring case, enforced by the
//! `platforms_name_key` index and reported as a conflict.

use sqlx::{PgConnection, types::Json};
use uuid::Uuid;

use super::types::{Platform, PlatformChannel, PlatformContact, PlatformKind, PlatformSpec};
use crate::{
    error::{DomainError, is_constraint},
    timestamp::Ts,
};

/// The unique index on `lower(name)`.
pub const NAME_CONSTRAINT: &str = "platforms_name_key";

struct PlatformRow {
    id: Uuid,
    name: String,
    kind: PlatformKind,
    website: String,
    is_internet_intermediary: bool,
    stopncii_partner: bool,
    channels: Json<Vec<PlatformChannel>>,
    contacts: Json<Vec<PlatformContact>>,
    follow_up_business_days: i16,
    notes: Option<String>,
    active: bool,
    created_at: Ts,
    updated_at: Ts,
    version: i64,
}

impl PlatformRow {
    fn into_platform(self) -> Result<Platform, sqlx::Error> {
        Ok(Platform {
            id: self.id,
            name: self.name,
            kind: self.kind,
            website: self.website,
            is_internet_intermediary: self.is_internet_intermediary,
            stopncii_partner: self.stopncii_partner,
            channels: self.channels.0,
            contacts: self.contacts.0,
            follow_up_business_days: u8::try_from(self.follow_up_business_days)
                .map_err(|_| sqlx::Error::Decode("platforms.follow_up_business_days out of range".into()))?,
            notes: self.notes,
            active: self.active,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: self.version,
        })
    }
}

fn duplicate_name(e: sqlx::Error, name: &str) -> DomainError {
    if is_constraint(&e, NAME_CONSTRAINT) {
        DomainError::Conflict(format!("a platform named `{name}` already exists (names ignore case)"))
    } else {
        DomainError::Db(e)
    }
}

/// Adds a platform.
///
/// # Errors
/// `Conflict` when another platform has the same name ignoring case; `Db` otherwise.
#[tracing::instrument(skip_all)]
pub async fn insert(conn: &mut PgConnection, spec: &PlatformSpec, now: Ts) -> Result<Platform, DomainError> {
    let id = Uuid::now_v7();
    sqlx::query!(
        r#"INSERT INTO platforms (id, name, kind, website, is_internet_intermediary, stopncii_partner, channels,
                                  contacts, follow_up_business_days, notes, active, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)"#,
        id,
        spec.name(),
        spec.kind().as_str(),
        spec.website(),
        spec.is_internet_intermediary(),
        spec.stopncii_partner(),
        Json(spec.channels()) as _,
        Json(spec.contacts()) as _,
        i16::from(spec.follow_up_business_days()),
        spec.notes(),
        spec.active(),
        now
    )
    .execute(&mut *conn)
    .await
    .map_err(|e| duplicate_name(e, spec.name()))?;
    get(conn, id).await?.ok_or(DomainError::NotFound)
}

/// Adds a platform of the bundled directory under its seed key, unless that key is
/// already loaded or the name is taken (`ON CONFLICT DO NOTHING` covers both). Returns
/// whether a row was inserted.
///
/// # Errors
/// Database errors only.
pub(super) async fn insert_seed(
    conn: &mut PgConnection,
    seed_key: &str,
    spec: &PlatformSpec,
    now: Ts,
) -> Result<bool, sqlx::Error> {
    let n = sqlx::query!(
        r#"INSERT INTO platforms (id, seed_key, name, kind, website, is_internet_intermediary, stopncii_partner,
                                  channels, contacts, follow_up_business_days, notes, active, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)
           ON CONFLICT DO NOTHING"#,
        Uuid::now_v7(),
        seed_key,
        spec.name(),
        spec.kind().as_str(),
        spec.website(),
        spec.is_internet_intermediary(),
        spec.stopncii_partner(),
        Json(spec.channels()) as _,
        Json(spec.contacts()) as _,
        i16::from(spec.follow_up_business_days()),
        spec.notes(),
        spec.active(),
        now
    )
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// One platform.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all, fields(platform.id = %id))]
pub async fn get(conn: &mut PgConnection, id: Uuid) -> Result<Option<Platform>, sqlx::Error> {
    let row = sqlx::query_as!(
        PlatformRow,
        r#"SELECT id, name, kind AS "kind: PlatformKind", website, is_internet_intermediary, stopncii_partner,
                  channels AS "channels: Json<Vec<PlatformChannel>>",
                  contacts AS "contacts: Json<Vec<PlatformContact>>", follow_up_business_days, notes, active, created_at, updated_at, version
           FROM platforms WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    row.map(PlatformRow::into_platform).transpose()
}

/// List filters.
#[derive(Debug, Default, Clone)]
pub struct PlatformFilter {
    pub kind: Option<PlatformKind>,
    /// Names containing this text, ignoring case.
    pub name_contains: Option<String>,
    pub active: Option<bool>,
}

/// Where a page ends: the last row's name and id (compared as `lower(name)` by the database).
pub type PlatformPosition = (String, Uuid);

/// Platforms in name order (ignoring case, then by id), after `after`. A platform added
/// while a client pages appears on a later page or, if it sorts before the position
/// reached, not at all; none repeats.
///
/// # Errors
/// Database errors only.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut PgConnection,
    f: &PlatformFilter,
    after: Option<&PlatformPosition>,
    limit: i64,
) -> Result<Vec<Platform>, sqlx::Error> {
    let (after_name, after_id) = after.map(|(n, i)| (Some(n.as_str()), Some(*i))).unwrap_or_default();
    let rows = sqlx::query_as!(
        PlatformRow,
        r#"SELECT id, name, kind AS "kind: PlatformKind", website, is_internet_intermediary, stopncii_partner,
                  channels AS "channels: Json<Vec<PlatformChannel>>",
                  contacts AS "contacts: Json<Vec<PlatformContact>>", follow_up_business_days, notes, active, created_at, updated_at, version
           FROM platforms
           WHERE ($1::text IS NULL OR kind = $1)
             AND ($2::text IS NULL OR strpos(lower(name), lower($2)) > 0)
             AND ($3::boolean IS NULL OR active = $3)
             AND ($4::text IS NULL OR (lower(name) COLLATE "C", id) > (lower($4) COLLATE "C", $5::uuid))
           ORDER BY lower(name) COLLATE "C", id
           LIMIT $6"#,
        f.kind.map(PlatformKind::as_str),
        f.name_contains.as_deref(),
        f.active,
        after_name,
        after_id,
        limit
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(PlatformRow::into_platform).collect()
}

/// The position of a platform in list order, for the next page's cursor.
#[must_use]
pub fn position(p: &Platform) -> PlatformPosition {
    (p.name.clone(), p.id)
}

/// Replaces a platform's editable fields when `expected_version` is still current.
///
/// # Errors
/// `Stale` when the version moved on; `NotFound` when the platform is gone; `Conflict`
/// when the new name is taken; `Db` otherwise.
#[tracing::instrument(skip_all, fields(platform.id = %id))]
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    spec: &PlatformSpec,
    expected_version: i64,
    now: Ts,
) -> Result<Platform, DomainError> {
    let n = sqlx::query!(
        r#"UPDATE platforms SET name = $3, kind = $4, website = $5, is_internet_intermediary = $6,
                                stopncii_partner = $7, channels = $8, contacts = $9, follow_up_business_days = $10,
                                notes = $11, active = $12, updated_at = $13, version = version + 1
           WHERE id = $1 AND version = $2"#,
        id,
        expected_version,
        spec.name(),
        spec.kind().as_str(),
        spec.website(),
        spec.is_internet_intermediary(),
        spec.stopncii_partner(),
        Json(spec.channels()) as _,
        Json(spec.contacts()) as _,
        i16::from(spec.follow_up_business_days()),
        spec.notes(),
        spec.active(),
        now
    )
    .execute(&mut *conn)
    .await
    .map_err(|e| duplicate_name(e, spec.name()))?
    .rows_affected();
    if n == 0 {
        return Err(match get(conn, id).await? {
            Some(_) => DomainError::Stale,
            None => DomainError::NotFound,
        });
    }
    get(conn, id).await?.ok_or(DomainError::NotFound)
}
