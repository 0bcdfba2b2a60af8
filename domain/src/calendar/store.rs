//! Custom closures in the database, and the calendar built from them.

use jiff::civil::{Date, Weekday};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Closure, ClosureKind, OfficeCalendar};
use crate::{
    error::{DomainError, FieldError, Validation},
    identity::Label,
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

/// A custom closure an admin asks for, validated: a weekday date and a label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomClosure {
    pub date: Date,
    pub name: String,
}

impl NewCustomClosure {
    /// Parses the date (`YYYY-MM-DD`) and the name together, reporting both at once. A
    /// weekend day is refused: the office is closed then already.
    ///
    /// # Errors
    /// `Validation` with every broken rule.
    pub fn parse(date: &str, name: &str) -> Result<Self, DomainError> {
        let mut v = Validation::new();
        let date = v.check(parse_date("date", date));
        let name = v.check(Label::parse("name", name));
        if let Some(d) = date
            && matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
        {
            v.push(FieldError::new(
                "date",
                "weekend",
                "the office is closed on weekends already",
            ));
        }
        v.into_result(|| {
            Some(Self {
                date: date?,
                name: name?.as_str().to_owned(),
            })
        })
    }
}

/// A local date as `YYYY-MM-DD`.
///
/// # Errors
/// The field error.
pub fn parse_date(field: &str, raw: &str) -> Result<Date, FieldError> {
    raw.trim()
        .parse::<Date>()
        .map_err(|_| FieldError::new(field, "invalid_date", "must be a date such as 2026-12-24"))
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
