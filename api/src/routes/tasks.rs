//! Tasks (contract §8): list, read, create custom tasks, complete, cancel. Every path
//! answers in one order: who may call (401/403), whether the caller sees the task (404),
//! then query, headers and body (400/412/422), then the `Idempotency-Key`, then the effect.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use casework_domain::{
    Validation, calendar,
    case::store::{self as case_store, cases},
    task::{
        NewTask, Subject, Task, TaskFilter, TaskKind, TaskStatus, rules,
        store::{self, visible, visible_for_update},
    },
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{
        JsonBody, ListQuery, Page, conditional_get, finish_changed, finish_created, instant_filter, optional_if_match,
        user_filter,
    },
    idempotency,
    startup::AppState,
};

const PROBLEM: &str = "application/problem+json";

/// A task as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Task)]
pub struct TaskOut {
    pub id: Uuid,
    pub kind: TaskKind,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<Uuid>,
    pub assignee: Uuid,
    pub status: TaskStatus,
    pub due_at: jiff::Timestamp,
    /// What the task is about inside its case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    /// Figures the task carries (e.g. the penalty exposure of an escalation).
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    /// `user:<id>`, or `system:<what>` for tasks the service created.
    pub created_by: String,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    /// When it was completed or cancelled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<jiff::Timestamp>,
    /// Increments on every change; the ETag is derived from it.
    pub version: i64,
}

impl From<Task> for TaskOut {
    fn from(t: Task) -> Self {
        Self {
            id: t.id,
            kind: t.kind,
            title: t.title,
            case_id: t.case_id,
            assignee: t.assignee,
            status: t.status,
            due_at: t.due_at.get(),
            subject: t.subject,
            data: t.data,
            created_by: t.created_by,
            created_at: t.created_at.get(),
            updated_at: t.updated_at.get(),
            closed_at: t.closed_at.map(casework_domain::Ts::get),
            version: t.version,
        }
    }
}

/// Create a custom task (a reminder is scheduled at `due_at`, delivered in office hours).
///
/// Exactly one of `due_at` and `due_in_business_days`; the assignee defaults to you. A
/// `case_id` must name a case you see (404 otherwise, as on every case path), and the
/// assignee of a case's task must see the case too (422 `assignee_cannot_see_case`): a
/// case's tasks are seen only by whoever sees the case.
#[utoipa::path(
    operation_id = "create_task",
    tag = "tasks",
    security(("bearer" = [])),
    request_body = NewTask,
    params(crate::openapi::IdempotencyKey),
    responses(
        (status = 201, description = "Created", body = TaskOut, headers(("ETag" = String), ("Location" = String))),
        (status = 403, description = "Admins and integrations do not work tasks", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "Idempotency-Key in flight", body = crate::error::Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields (all listed; `assignee_cannot_see_case` when the assignee does not see the task's case), or Idempotency-Key malformed or reused with another body", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/v1/tasks")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    body: Result<JsonBody<NewTask>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let me = principal.case_actor()?;
    let body = body?;
    let mut work = idempotency::open(&state).await?;
    // The case first: someone else's case is 404 whatever else the body says, as on every
    // case path.
    if let Some(id) = body.value.case_id {
        case_store::visible(&mut work.tx, principal.visibility(), id).await?;
    }
    let named: Vec<Uuid> = body.value.assignee.into_iter().chain([me.id]).collect();
    let assignable = cases::assignable_users(&mut work.tx, &named).await?;
    let sees_case = match body.value.case_id {
        Some(case) => store::who_sees_case(&mut work.tx, case, &named).await?,
        None => std::collections::HashSet::new(),
    };
    let cal = calendar::store::load(&mut work.tx).await?;
    let spec = body
        .value
        .clone()
        .parse(me.id, &assignable, &sees_case, state.clock.now(), &cal)?;
    if let Some(replay) = work.claim(&req, &principal, &body.raw, &state.clock).await? {
        // The stored answer names a task; it is only replayed to someone who still sees it.
        if let Some(id) = idempotency::replayed_location_id(&replay) {
            visible(&mut work.tx, principal.visibility(), id).await?;
        }
        return Ok(replay);
    }
    let task = store::create(&mut work.tx, &spec, &case_store::actor(me.id), state.clock.ts()).await?;
    let location = format!("/v1/tasks/{}", task.id);
    finish_created(work, &state.clock, task.version, location, &TaskOut::from(task)).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskListQuery {
    /// A user id, or `me`.
    pub assignee: Option<String>,
    pub status: Option<TaskStatus>,
    pub case_id: Option<Uuid>,
    /// Only tasks due before this RFC 3339 instant (with offset).
    #[param(value_type = Option<String>, format = DateTime)]
    pub due_before: Option<String>,
}

const TASK_CURSOR: &str = "tasks";

/// Tasks you can see, oldest first.
///
/// Caseworkers see their own tasks and those of the cases they see; supervisors all.
#[utoipa::path(
    operation_id = "list_tasks",
    tag = "tasks",
    security(("bearer" = [])),
    params(ListQuery<TaskListQuery>),
    responses(
        (status = 200, description = "A page of tasks", body = Page<TaskOut>),
        (status = 403, description = "Admins and integrations do not work tasks", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/v1/tasks")]
pub async fn list(
    principal: Principal,
    q: Result<ListQuery<TaskListQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let me = principal.case_actor()?;
    let ListQuery { filter: q, page } = q?;
    let mut v = Validation::new();
    let assignee = user_filter(&mut v, "assignee", q.assignee.as_deref(), me.id);
    let due_before = instant_filter(&mut v, "due_before", q.due_before.as_deref());
    v.finish()?;
    let filter = TaskFilter {
        assignee,
        status: q.status,
        case_id: q.case_id,
        due_before,
    };
    page.answer_seen::<TaskOut, _, _>(&state, TASK_CURSOR, &principal, &filter, store::list, |t| t.id)
        .await
}

/// One task.
#[utoipa::path(
    operation_id = "get_task",
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header, description = "ETag you hold; 304 when unchanged")),
    responses(
        (status = 200, description = "The task", body = TaskOut, headers(("ETag" = String))),
        crate::openapi::NotModified,
        (status = 404, description = "No such task, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/v1/tasks/{id}")]
pub async fn get(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.db.acquire().await?;
    let task = visible(&mut conn, principal.visibility(), *id).await?;
    Ok(conditional_get(&req, task.version, TaskOut::from(task)))
}

/// Moves a task the caller sees to `to` (open → done | cancelled).
async fn close(
    req: &HttpRequest,
    principal: &Principal,
    id: Uuid,
    to: TaskStatus,
    state: &AppState,
) -> ApiResult<HttpResponse> {
    let mut work = idempotency::open(state).await?;
    let task = visible_for_update(&mut work.tx, principal.visibility(), id).await?;
    let by = principal.case_actor()?;
    let expected = optional_if_match(req)?;
    if let Some(replay) = work
        .claim(req, principal, &serde_json::Value::Null, &state.clock)
        .await?
    {
        return Ok(replay);
    }
    if let Some(e) = expected {
        e.check(task.version)?;
    }
    rules::check_task_move(task.status, to)?;
    let closed = store::close(&mut work.tx, &task, to, &case_store::actor(by.id), state.clock.ts()).await?;
    finish_changed(work, &state.clock, closed.version, &TaskOut::from(closed)).await
}

/// Complete an open task; its pending reminder is cancelled.
#[utoipa::path(
    operation_id = "complete_task",
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), crate::openapi::IfMatchOptional, crate::openapi::IdempotencyKey),
    responses(
        (status = 200, description = "Completed", body = TaskOut, headers(("ETag" = String))),
        (status = 404, description = "No such task, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "The task is not open", body = crate::error::Problem, content_type = PROBLEM),
        crate::openapi::StaleIfMatch,
    )
)]
#[post("/v1/tasks/{id}/complete")]
pub async fn complete(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    close(&req, &principal, *id, TaskStatus::Done, &state).await
}

/// Cancel an open task; its pending reminder is cancelled.
#[utoipa::path(
    operation_id = "cancel_task",
    tag = "tasks",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), crate::openapi::IfMatchOptional, crate::openapi::IdempotencyKey),
    responses(
        (status = 200, description = "Cancelled", body = TaskOut, headers(("ETag" = String))),
        (status = 404, description = "No such task, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "The task is not open", body = crate::error::Problem, content_type = PROBLEM),
        crate::openapi::StaleIfMatch,
    )
)]
#[post("/v1/tasks/{id}/cancel")]
pub async fn cancel(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    close(&req, &principal, *id, TaskStatus::Cancelled, &state).await
}
