//! Custom closures in the database, and the calendar built from them.

use jiff::civil::Date;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Closure, ClosureKind, OfficeCalendar};
use crate::{
    error::DomainError,
    timestamp::{DbDate, Ts},
};

/// The office calendar with every stored custom closure.
///
/// # Errors
/// Database errors only.
pub async fn load(conn: &mut PgConnection) -> Result<OfficeCalendar, sqlx::Error> {
    let rows = sqlx::query!("SELECT date, name FROM custom_closures ORDER BY date")
        .fetch_all(conn)
        .await?;
    Ok(OfficeCalendar::new(
        rows.into_iter()
            .filter_map(|r| r.date.to_civil().map(|d| Closure::custom(d, r.name))),
    ))
}

/// Adds a custom closure. A day that is already closed (custom, statutory or public
/// service) is a conflict: adding it would change nothing and hide a mistake.
///
/// # Errors
/// `Conflict` when the day is already a closure; `Db` otherwise.
pub async fn add(conn: &mut PgConnection, date: Date, name: &str, by: Uuid, now: Ts) -> Result<Closure, DomainError> {
    if let Some(existing) = OfficeCalendar::standard().closure_on(date) {
        return Err(DomainError::Conflict(format!(
            "{date} is already a closure ({})",
            existing.name
        )));
    }
    let inserted = sqlx::query!(
        r#"INSERT INTO custom_closures (date, name, created_by, created_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (date) DO NOTHING"#,
        DbDate::from_civil(date),
        name,
        by,
        now
    )
    .execute(conn)
    .await?
    .rows_affected();
    if inserted == 0 {
        return Err(DomainError::Conflict(format!("{date} already has a custom closure")));
    }
    Ok(Closure::custom(date, name))
}

/// Removes a custom closure and returns it. Statutory and public-service closures are
/// rules, not rows, and cannot be removed.
///
/// # Errors
/// `Conflict` for a statutory or public-service day; `NotFound` when no custom closure
/// exists on that day.
pub async fn remove(conn: &mut PgConnection, date: Date) -> Result<Closure, DomainError> {
    let name = sqlx::query_scalar!(
        "DELETE FROM custom_closures WHERE date = $1 RETURNING name",
        DbDate::from_civil(date)
    )
    .fetch_optional(conn)
    .await?;
    match (name, OfficeCalendar::standard().closure_on(date)) {
        (Some(name), _) => Ok(Closure {
            date,
            name,
            kind: ClosureKind::Custom,
        }),
        (None, Some(public)) => Err(DomainError::Conflict(format!(
            "{date} is a {} closure ({}) and cannot be removed",
            match public.kind {
                ClosureKind::Statutory => "statutory",
                _ => "public-service",
            },
            public.name
        ))),
        (None, None) => Err(DomainError::NotFound),
    }
}
