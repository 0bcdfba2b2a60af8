//! What every SQL store shares: reading a record only through its visibility rule.
//!
//! Cases, claims, orders, takedown requests and tasks are each read by a caller only when
//! the caller sees them (`case_visible` on the record's case, or the task rule). Each of
//! them implements [`Visible`] with its own checked queries (its columns, and its lock);
//! the rest (the 404 for an unseen or unknown record, who saw it, the lock before the
//! read, reading back what was just written, a list page) is written once here, with the
//! check of an optimistic update ([`updated`]).

use sqlx::{PgConnection, postgres::PgQueryResult};
use uuid::Uuid;

use crate::{
    case::{Actor, Visibility},
    error::DomainError,
};

/// The parameters of `case_visible(case, see_all, viewer)` for a caller who sees anything
/// at all ([`Visibility::sql_params`]), bound as `v.see_all, v.viewer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SqlVisibility {
    pub see_all: bool,
    pub viewer: Option<Uuid>,
}

/// A record that callers read only through a visibility rule.
pub(crate) trait Visible: Sized {
    /// What [`visible`] hands back: the record with the caller who saw it, so a handler
    /// never has to recover who acts after the 404 check.
    type Seen;

    fn seen(self, by: Actor) -> Self::Seen;

    /// The records among `ids` that `v` sees, newest first (the one query that reads this
    /// record's columns).
    async fn fetch(conn: &mut PgConnection, v: SqlVisibility, ids: &[Uuid]) -> Result<Vec<Self>, sqlx::Error>;

    /// Locks the row `id` (`FOR UPDATE`) until the transaction ends, when `v` sees it;
    /// `None` when it is unknown or not visible. ([`visible_for_update`] reads the record
    /// through [`Visible::fetch`] after the lock in any case.)
    async fn lock(conn: &mut PgConnection, v: SqlVisibility, id: Uuid) -> Result<Option<Uuid>, sqlx::Error>;
}

/// The `case_visible` parameters of `vis`; `None` when it sees nothing at all (a list is
/// then empty and a read is a 404, without asking the database).
pub(crate) fn sql_params(vis: Visibility) -> Option<SqlVisibility> {
    let (see_all, viewer) = vis.sql_params();
    (vis != Visibility::Nothing).then_some(SqlVisibility { see_all, viewer })
}

/// The records among `ids` that `vis` sees, newest first.
pub(crate) async fn read<T: Visible>(
    conn: &mut PgConnection,
    vis: Visibility,
    ids: &[Uuid],
) -> Result<Vec<T>, sqlx::Error> {
    match sql_params(vis) {
        Some(v) if !ids.is_empty() => T::fetch(conn, v, ids).await,
        _ => Ok(Vec::new()),
    }
}

/// The record `id`, if the caller sees it.
///
/// # Errors
/// `NotFound` when unknown or not visible (indistinguishable); `Db` otherwise.
pub(crate) async fn visible<T: Visible>(
    conn: &mut PgConnection,
    vis: Visibility,
    id: Uuid,
) -> Result<T::Seen, DomainError> {
    let by = vis.actor().ok_or(DomainError::NotFound)?;
    let record = read::<T>(conn, vis, &[id]).await?.pop().ok_or(DomainError::NotFound)?;
    Ok(record.seen(by))
}

/// Like [`visible`], and the row stays locked until the transaction ends, so the version
/// read is the one a change applies to.
///
/// # Errors
/// `NotFound` when unknown or not visible (indistinguishable); `Db` otherwise.
pub(crate) async fn visible_for_update<T: Visible>(
    conn: &mut PgConnection,
    vis: Visibility,
    id: Uuid,
) -> Result<T::Seen, DomainError> {
    let v = sql_params(vis).ok_or(DomainError::NotFound)?;
    T::lock(conn, v, id).await?.ok_or(DomainError::NotFound)?;
    visible::<T>(conn, vis, id).await
}

/// A record just written in this transaction by `by`, read back for the response.
///
/// # Errors
/// `NotFound` when it is gone; `Db` otherwise.
pub(crate) async fn reread<T: Visible>(conn: &mut PgConnection, id: Uuid, by: Actor) -> Result<T, DomainError> {
    read(conn, Visibility::All(by), &[id])
        .await?
        .pop()
        .ok_or(DomainError::NotFound)
}

/// One page of a list: `page_ids` picks the ids of the page with the `case_visible`
/// parameters (it is not called when `vis` sees nothing), then the records are read.
pub(crate) async fn page<T: Visible>(
    conn: &mut PgConnection,
    vis: Visibility,
    page_ids: impl AsyncFnOnce(&mut PgConnection, SqlVisibility) -> Result<Vec<Uuid>, sqlx::Error>,
) -> Result<Vec<T>, sqlx::Error> {
    let Some(v) = sql_params(vis) else {
        return Ok(Vec::new());
    };
    let ids = page_ids(conn, v).await?;
    read(conn, vis, &ids).await
}

/// The check after an optimistic update (`... WHERE id = $1 AND version = $n`, or a status
/// the caller read): no row matched means the record changed since it was read.
///
/// # Errors
/// `Stale` when the update changed no row.
pub(crate) fn updated(done: &PgQueryResult) -> Result<(), DomainError> {
    if done.rows_affected() == 0 {
        return Err(DomainError::Stale);
    }
    Ok(())
}
