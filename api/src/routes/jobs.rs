//! The jobs admin view (contract §8): what the worker has to do, did, and failed at.
//! Admins and supervisors read it; admins retry and cancel. Payloads are never shown.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use casework_domain::{
    FieldError, Validation,
    identity::Role,
    jobs::{
        QUEUES,
        admin::{self, JobRecord, JobStatus},
    },
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{ListQuery, Page},
    idempotency,
    startup::AppState,
};

const PROBLEM: &str = "application/problem+json";

/// A background job.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Job)]
pub struct JobOut {
    /// A ULID.
    pub id: String,
    /// e.g. `reminder`, `takedown_follow_up`, `order_compliance`, `casework::housekeeping`.
    pub queue: String,
    pub status: JobStatus,
    /// When it runs next (or ran last).
    pub run_at: jiff::Timestamp,
    pub attempts: i32,
    pub max_attempts: i32,
    /// The error of the last failed attempt (or why it is waiting/cancelled).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done_at: Option<jiff::Timestamp>,
}

impl From<JobRecord> for JobOut {
    fn from(j: JobRecord) -> Self {
        Self {
            id: j.id,
            queue: j.queue,
            status: j.status,
            run_at: j.run_at.get(),
            attempts: j.attempts,
            max_attempts: j.max_attempts,
            last_error: j.last_error,
            done_at: j.done_at.map(casework_domain::Ts::get),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobListQuery {
    /// One of `reminder`, `takedown_follow_up`, `order_compliance`, `casework::housekeeping`.
    pub queue: Option<String>,
    pub status: Option<JobStatus>,
}

const JOB_CURSOR: &str = "jobs";

/// Background jobs, newest first (admins and supervisors).
#[utoipa::path(
    operation_id = "list_jobs",
    tag = "jobs",
    security(("bearer" = [])),
    params(ListQuery<JobListQuery>),
    responses(
        (status = 200, description = "A page of jobs", body = Page<JobOut>),
        (status = 403, description = "Admins and supervisors only", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/v1/jobs")]
pub async fn list(
    principal: Principal,
    q: Result<ListQuery<JobListQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.require_role(&[Role::Admin, Role::Supervisor])?;
    let ListQuery { filter: q, page } = q?;
    let mut v = Validation::new();
    if let Some(queue) = q.queue.as_deref()
        && !QUEUES.contains(&queue)
    {
        v.push(FieldError::new(
            "queue",
            "invalid_value",
            format!("one of {}", QUEUES.join(", ")),
        ));
    }
    v.finish()?;
    page.answer::<JobOut, _, _, _>(
        &state,
        JOB_CURSOR,
        async |conn, before: Option<String>, n| {
            admin::list(conn, q.queue.as_deref(), q.status, before.as_deref(), n).await
        },
        |j| j.id.clone(),
    )
    .await
}

async fn act(
    req: &HttpRequest,
    principal: &Principal,
    id: &str,
    state: &AppState,
    again: bool,
) -> ApiResult<HttpResponse> {
    principal.require_role(&[Role::Admin])?;
    // Job ids are ULIDs; anything else names no job (and never reaches the database).
    if id.len() != 26 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ApiError::NotFound);
    }
    let mut work = idempotency::open(state).await?;
    if let Some(replay) = work
        .claim(req, principal, &serde_json::Value::Null, &state.clock)
        .await?
    {
        return Ok(replay);
    }
    let job = if again {
        admin::retry(&mut work.tx, id).await?
    } else {
        admin::cancel(&mut work.tx, id).await?
    };
    work.finish(StatusCode::OK, &[], &JobOut::from(job), None, &state.clock)
        .await
}

/// Run a failed or cancelled job again now, with fresh attempts (admins).
#[utoipa::path(
    operation_id = "retry_job",
    tag = "jobs",
    security(("bearer" = [])),
    params(("id" = String, Path), crate::openapi::IdempotencyKey),
    responses(
        (status = 200, description = "Pending again", body = JobOut),
        (status = 403, description = "Admins only", body = crate::error::Problem, content_type = PROBLEM),
        (status = 404, description = "No such job", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "The job is not failed or cancelled", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/v1/jobs/{id}/retry")]
pub async fn retry(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    act(&req, &principal, &id, &state, true).await
}

/// Cancel a pending (or failed, waiting to retry) job (admins).
#[utoipa::path(
    operation_id = "cancel_job",
    tag = "jobs",
    security(("bearer" = [])),
    params(("id" = String, Path), crate::openapi::IdempotencyKey),
    responses(
        (status = 200, description = "Cancelled", body = JobOut),
        (status = 403, description = "Admins only", body = crate::error::Problem, content_type = PROBLEM),
        (status = 404, description = "No such job", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "The job is running, done or cancelled", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/v1/jobs/{id}/cancel")]
pub async fn cancel(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<String>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    act(&req, &principal, &id, &state, false).await
}
