//! Re-encryption: moving every sealed value ([`protect::SEALED`]) under the primary key of
//! a key ring, and checking that every one opens with a ring (`casework-api rekey`). How
//! keys rotate is in `docs/encryption.md`.

use futures::TryStreamExt;
use sqlx::{PgPool, Row};

use crate::{
    case::protect::{self, Column},
    keyring::KeyRing,
};

/// Rows re-sealed per query.
const BATCH: i64 = 500;

/// How many values of one column were re-sealed (or checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnCount {
    pub column: Column,
    pub count: u64,
}

/// Re-seals every value not yet under the primary key of `ring` (plain ones included).
/// Values are re-sealed one by one, each only if unchanged since it was read, so the
/// service may keep running; every process must already have the new primary key first.
///
/// # Errors
/// A value that does not open with `ring` (named by table, column and row), database errors.
pub async fn rekey(pool: &PgPool, ring: &KeyRing) -> Result<Vec<ColumnCount>, sqlx::Error> {
    let prefix = protect::primary_prefix(ring);
    let mut out = Vec::new();
    for &column in protect::SEALED {
        let Column {
            table,
            column: name,
            row_key,
        } = column;
        // Names from the constant SEALED table only; every value is a bound parameter.
        let select = format!(
            "SELECT {row_key} AS row, {name} AS value FROM {table}
             WHERE {name} IS NOT NULL AND substring({name} FROM 1 FOR $1) <> $2 LIMIT $3"
        );
        let update = format!("UPDATE {table} SET {name} = $1 WHERE {row_key} = $2 AND {name} = $3");
        let mut count = 0;
        loop {
            let rows = sqlx::query(sqlx::AssertSqlSafe(select.as_str()))
                .bind(i32::try_from(prefix.len()).unwrap_or(i32::MAX))
                .bind(&prefix)
                .bind(BATCH)
                .fetch_all(pool)
                .await?;
            if rows.is_empty() {
                break;
            }
            let mut changed = 0;
            for r in &rows {
                let row: String = r.try_get("row")?;
                let value: Vec<u8> = r.try_get("value")?;
                let at = column.at(&row);
                if let Some(resealed) = protect::reseal(ring, &value, &at)? {
                    changed += sqlx::query(sqlx::AssertSqlSafe(update.as_str()))
                        .bind(resealed)
                        .bind(&row)
                        .bind(&value)
                        .execute(pool)
                        .await?
                        .rows_affected();
                }
            }
            if changed == 0 {
                // Every value read was rewritten by someone else under another key since.
                return Err(sqlx::Error::Protocol(format!(
                    "{table}.{name} keeps changing under another primary key: do all processes run with this key ring?"
                )));
            }
            count += changed;
        }
        tracing::info!(sealed.table = table, sealed.column = name, count, "re-sealed");
        out.push(ColumnCount { column, count });
    }
    Ok(out)
}

/// Opens every sealed value with `ring`, changing nothing: proof that the keys missing
/// from `ring` are no longer needed.
///
/// # Errors
/// The first value that does not open (named by table, column and row), database errors.
pub async fn check(pool: &PgPool, ring: &KeyRing) -> Result<Vec<ColumnCount>, sqlx::Error> {
    let mut out = Vec::new();
    for &column in protect::SEALED {
        let Column {
            table,
            column: name,
            row_key,
        } = column;
        let select = format!("SELECT {row_key} AS row, {name} AS value FROM {table} WHERE {name} IS NOT NULL");
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(select.as_str())).fetch(pool);
        let mut count = 0;
        while let Some(r) = rows.try_next().await? {
            let row: String = r.try_get("row")?;
            let value: Vec<u8> = r.try_get("value")?;
            protect::check(ring, &value, &column.at(&row))?;
            count += 1;
        }
        out.push(ColumnCount { column, count });
    }
    Ok(out)
}

/// Recomputes the blind indexes of every case's client ([`crate::case::lookup`]) under
/// `ring` (the installed ring opens the sealed clients): fills those of cases written
/// before the indexes existed, and moves all of them to a new index key. A case is
/// rewritten only when an index differs and its client is unchanged since it was read.
/// Returns how many cases were rewritten.
///
/// # Errors
/// A client that does not open, database errors.
pub async fn client_indexes(pool: &PgPool, ring: &KeyRing) -> Result<u64, sqlx::Error> {
    use crate::case::{Client, lookup::ClientIndexes};
    let mut after = uuid::Uuid::nil();
    let mut count = 0;
    loop {
        let rows = sqlx::query(
            "SELECT id, client_sealed, client_email_index, client_phone_index, client_name_index
             FROM cases WHERE id > $1 ORDER BY id LIMIT $2",
        )
        .bind(after)
        .bind(BATCH)
        .fetch_all(pool)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.try_get("id")?;
        for r in &rows {
            let id: uuid::Uuid = r.try_get("id")?;
            let sealed: Vec<u8> = r.try_get("client_sealed")?;
            let client: Client = protect::open(&sealed, protect::CASE_CLIENT.at(id))?;
            let want = ClientIndexes::of_with(ring, &client);
            let have = ClientIndexes {
                email: r.try_get("client_email_index")?,
                phone: r.try_get("client_phone_index")?,
                name: r.try_get("client_name_index")?,
            };
            if want == have {
                continue;
            }
            count += sqlx::query(
                "UPDATE cases SET client_email_index = $2, client_phone_index = $3, client_name_index = $4
                 WHERE id = $1 AND client_sealed = $5",
            )
            .bind(id)
            .bind(want.email)
            .bind(want.phone)
            .bind(want.name)
            .bind(&sealed)
            .execute(pool)
            .await?
            .rows_affected();
        }
    }
    tracing::info!(count, "client lookup indexes recomputed");
    Ok(count)
}
