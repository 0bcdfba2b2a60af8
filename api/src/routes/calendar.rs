//! The office calendar (contract §7): closures, next opening, business-day arithmetic.

use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use casework_domain::{
    FieldError, Ts, Validation, audit,
    calendar::{
        self, Closure, MAX_BUSINESS_DAYS, MAX_RANGE_YEARS,
        store::{self, NewCustomClosure, parse_date},
    },
    identity::{Role, Scope},
};
use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use utoipa::{IntoParams, ToSchema};

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{JsonBody, parse_instant},
    idempotency::{self, Answer},
    startup::AppState,
};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ClosuresQuery {
    /// First date (inclusive); default today in Vancouver.
    #[param(value_type = Option<String>, format = Date, example = "2026-01-01")]
    pub from: Option<String>,
    /// Last date (inclusive); default one year after `from`. At most 5 years after `from`.
    #[param(value_type = Option<String>, format = Date, example = "2026-12-31")]
    pub to: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClosureList {
    pub items: Vec<Closure>,
}

/// Days the office is closed besides weekends: statutory holidays (with their observed
/// weekday substitutes), public-service closures and custom closures.
#[utoipa::path(
    operation_id = "list_closures",
    tag = "calendar",
    security(("bearer" = [])),
    params(ClosuresQuery),
    responses(
        (status = 200, description = "Closures in the range, by date", body = ClosureList),
        (status = 403, description = "Integration client without calendar:read", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/calendar/closures")]
pub async fn list_closures(
    principal: Principal,
    q: web::Query<ClosuresQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.require_staff_or_scope(Scope::CalendarRead)?;
    let mut v = Validation::new();
    let from = q.from.as_deref().and_then(|s| v.check(parse_date("from", s)));
    let to = q.to.as_deref().and_then(|s| v.check(parse_date("to", s)));
    v.finish()?;
    let from = from.unwrap_or_else(|| calendar::local_date(state.clock.now()));
    let to = match to {
        Some(t) => t,
        None => from
            .checked_add(jiff::ToSpan::years(1))
            .map_err(|_| ApiError::field("from", "out_of_range", "date out of range"))?,
    };
    if to < from {
        return Err(ApiError::field("to", "before_from", "`to` must not be before `from`"));
    }
    let limit = from
        .checked_add(jiff::ToSpan::years(MAX_RANGE_YEARS))
        .unwrap_or(Date::MAX);
    if to > limit {
        return Err(ApiError::field(
            "to",
            "range_too_long",
            "the range may span at most 5 years",
        ));
    }
    let mut conn = state.db.acquire().await?;
    let cal = store::load(&mut conn).await?;
    Ok(HttpResponse::Ok().json(ClosureList {
        items: cal.closures_between(from, to),
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClosure {
    /// The local date to close.
    #[schema(value_type = String, format = Date, example = "2026-12-24")]
    pub date: String,
    /// Why, e.g. "Office move": 1–200 characters, one line, no control characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$"
    )]
    pub name: String,
}

/// Add a custom closure (admin). Deadlines computed from now on skip it.
#[utoipa::path(
    operation_id = "add_closure",
    tag = "calendar",
    security(("bearer" = [])),
    request_body = NewClosure,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, description = "Added", body = Closure),
        crate::openapi::NotAnAdmin,
        (status = 409, description = "The day is already a closure", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/calendar/closures")]
pub async fn add_closure(
    req: HttpRequest,
    principal: Principal,
    body: Result<JsonBody<NewClosure>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let admin = principal.require_role(&[Role::Admin])?;
    let body = body?;
    let closure = NewCustomClosure::parse(&body.value.date, &body.value.name)?;
    idempotency::write(&state, &req, &principal, &body.raw, async |tx| {
        let now = state.clock.ts();
        let closure = store::add(tx, closure.date, &closure.name, admin, now).await?;
        audit_closure(tx, &principal, "calendar.closure.add", &closure, now).await?;
        let headers = vec![("Location", format!("/v1/calendar/closures/{}", closure.date))];
        Ok(Answer::created(headers, closure))
    })
    .await
}

/// Remove a custom closure (admin). Statutory and public-service closures cannot be
/// removed.
#[utoipa::path(
    operation_id = "remove_closure",
    tag = "calendar",
    security(("bearer" = [])),
    params(("date" = String, Path, format = Date, description = "The closed date, e.g. 2026-12-24")),
    responses(
        (status = 204, description = "Removed"),
        crate::openapi::NotAnAdmin,
        (status = 404, description = "No custom closure on that date", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A statutory or public-service closure", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not a date", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/calendar/closures/{date}")]
pub async fn remove_closure(
    principal: Principal,
    date: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.require_role(&[Role::Admin])?;
    let date = parse_date("date", &date)?;
    let now = state.clock.ts();
    let mut tx = state.db.begin().await?;
    let removed = store::remove(&mut tx, date).await?;
    audit_closure(&mut tx, &principal, "calendar.closure.remove", &removed, now).await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Records `action` on the custom closure `closure` (its date and name) in the audit log.
async fn audit_closure(
    tx: &mut PgConnection,
    principal: &Principal,
    action: &str,
    closure: &Closure,
    now: Ts,
) -> Result<(), sqlx::Error> {
    audit::record(
        tx,
        &principal.key(),
        action,
        &format!("closure:{}", closure.date),
        serde_json::json!({"name": closure.name}),
        now,
    )
    .await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NextOpenQuery {
    /// RFC 3339 instant with an offset; default now.
    #[param(value_type = Option<String>, format = DateTime, example = "2026-11-27T16:45:00-07:00")]
    pub at: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct NextOpen {
    /// `at` itself when the office is open then, else the next opening (08:30 local), UTC.
    pub next_open: Timestamp,
}

/// When the office is next open.
#[utoipa::path(
    operation_id = "next_open",
    tag = "calendar",
    security(("bearer" = [])),
    params(NextOpenQuery),
    responses(
        (status = 200, description = "The next opening", body = NextOpen),
        (status = 403, description = "Integration client without calendar:read", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/calendar/next-open")]
pub async fn next_open(
    principal: Principal,
    q: web::Query<NextOpenQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.require_staff_or_scope(Scope::CalendarRead)?;
    let at = match &q.at {
        Some(s) => parse_instant("at", s)?,
        None => state.clock.now(),
    };
    let mut conn = state.db.acquire().await?;
    let cal = store::load(&mut conn).await?;
    let next = cal
        .checked_next_open(at)
        .ok_or_else(|| ApiError::field("at", "out_of_range", "no opening can be computed from this instant"))?;
    Ok(HttpResponse::Ok().json(NextOpen { next_open: next }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AddBusinessDaysQuery {
    /// RFC 3339 instant with an offset; default now.
    #[param(value_type = Option<String>, format = DateTime, example = "2026-12-23T10:00:00-07:00")]
    pub from: Option<String>,
    /// Office days to add, 1–365.
    #[param(minimum = 1, maximum = 365)]
    pub days: i64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DueAt {
    /// 16:30 local on the n-th office day after `from`'s local date, UTC.
    pub due_at: Timestamp,
}

/// A deadline `days` office days after `from`.
#[utoipa::path(
    operation_id = "add_business_days",
    tag = "calendar",
    security(("bearer" = [])),
    params(AddBusinessDaysQuery),
    responses(
        (status = 200, description = "The deadline", body = DueAt),
        (status = 403, description = "Integration client without calendar:read", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/calendar/add-business-days")]
pub async fn add_business_days(
    principal: Principal,
    q: web::Query<AddBusinessDaysQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.require_staff_or_scope(Scope::CalendarRead)?;
    let mut v = Validation::new();
    let from = q.from.as_deref().and_then(|s| v.check(parse_instant("from", s)));
    let days = u32::try_from(q.days)
        .ok()
        .filter(|d| (1..=MAX_BUSINESS_DAYS).contains(d));
    if days.is_none() {
        v.push(FieldError::new(
            "days",
            "out_of_range",
            "days must be between 1 and 365",
        ));
    }
    v.finish()?;
    let from = from.unwrap_or_else(|| state.clock.now());
    let mut conn = state.db.acquire().await?;
    let cal = store::load(&mut conn).await?;
    let due = cal
        .checked_add_business_days(from, days.unwrap_or(1))
        .ok_or_else(|| ApiError::field("from", "out_of_range", "no deadline can be computed from this instant"))?;
    Ok(HttpResponse::Ok().json(DueAt { due_at: due }))
}
