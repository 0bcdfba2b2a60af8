//! Notifications (contract §8): each member of staff reads and marks their own.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use casework_domain::notification::{self, Notification, NotificationKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{ListQuery, Page},
    idempotency,
    startup::AppState,
};

const PROBLEM: &str = "application/problem+json";

/// A notification as the API shows it: ids, kinds, counts and times, never case text.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = Notification)]
pub struct NotificationOut {
    pub id: Uuid,
    pub kind: NotificationKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<Uuid>,
    /// e.g. for a digest `{office_date, due, overdue}`; for a reminder `{task_kind, remind_at}`.
    #[schema(value_type = Object)]
    pub data: serde_json::Value,
    pub created_at: jiff::Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_at: Option<jiff::Timestamp>,
}

impl From<Notification> for NotificationOut {
    fn from(n: Notification) -> Self {
        Self {
            id: n.id,
            kind: n.kind,
            task_id: n.task_id,
            case_id: n.case_id,
            data: n.data,
            created_at: n.created_at.get(),
            read_at: n.read_at.map(casework_domain::Ts::get),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationListQuery {
    /// `true`: only unread; `false`: only read; absent: all.
    pub unread: Option<bool>,
}

/// Your notifications, newest first.
#[utoipa::path(
    operation_id = "list_notifications",
    tag = "notifications",
    security(("bearer" = [])),
    params(ListQuery<NotificationListQuery>),
    responses(
        (status = 200, description = "A page of notifications", body = Page<NotificationOut>),
        (status = 403, description = "Integrations have no notifications", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/v1/notifications")]
pub async fn list(
    principal: Principal,
    q: Result<ListQuery<NotificationListQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let me = principal.user_id().ok_or(ApiError::Forbidden)?;
    let ListQuery { filter: q, page } = q?;
    // The cursor names its owner, so one cannot page through someone else's list.
    let kind = format!("notifications:{me}");
    page.answer::<NotificationOut, _, _, _>(
        &state,
        kind,
        async |conn, before, n| notification::list(conn, me, q.unread, before, n).await,
        |n| n.id,
    )
    .await
}

/// Mark one of your notifications read (reading it again changes nothing).
#[utoipa::path(
    operation_id = "read_notification",
    tag = "notifications",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), crate::openapi::IdempotencyKey),
    responses(
        (status = 200, description = "Marked read", body = NotificationOut),
        (status = 403, description = "Integrations have no notifications", body = crate::error::Problem, content_type = PROBLEM),
        (status = 404, description = "No such notification of yours", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/v1/notifications/{id}/read")]
pub async fn read(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let me = principal.user_id().ok_or(ApiError::Forbidden)?;
    let mut work = idempotency::open(&state).await?;
    let n = notification::mark_read(&mut work.tx, me, *id, state.clock.ts()).await?;
    if let Some(replay) = work
        .claim(&req, &principal, &serde_json::Value::Null, &state.clock)
        .await?
    {
        return Ok(replay);
    }
    work.finish(StatusCode::OK, &[], &NotificationOut::from(n), None, &state.clock)
        .await
}
