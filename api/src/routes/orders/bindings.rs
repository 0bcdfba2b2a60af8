//! Service of an order on each bound respondent, and compliance checks: each parses the
//! body and calls its one domain move (`order::moves`), which checks the binding table,
//! writes and schedules what follows.

use actix_web::{HttpRequest, HttpResponse, post, web};
use casework_domain::{
    calendar,
    order::{
        Binding, NewCompliance, NewService, Order, moves,
        store::{self as orders, SeenOrder},
    },
};
use sqlx::PgConnection;
use uuid::Uuid;

use super::OrderOut;
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{JsonBody, finish_changed},
    idempotency,
    startup::AppState,
};

const PROBLEM: &str = "application/problem+json";

/// A write to a binding of an order the caller sees, in the cases' order: the order must
/// be visible and hold the binding (404 before anything in the request is looked at),
/// then the body must parse (`parse` sees the order and the binding), then the
/// `Idempotency-Key` is claimed — so a replay is only answered to someone who still sees
/// the case — then `act` changes the binding. The answer is the order, with its ETag.
async fn binding_write<B, T>(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    (order_id, binding_id): (Uuid, Uuid),
    body: Result<JsonBody<B>, ApiError>,
    parse: impl FnOnce(B, &SeenOrder, &Binding) -> Result<T, ApiError>,
    act: impl AsyncFnOnce(&mut PgConnection, &SeenOrder, &Binding, T) -> Result<Order, ApiError>,
) -> ApiResult<HttpResponse> {
    let mut work = idempotency::open(state).await?;
    let seen = orders::visible_for_update(&mut work.tx, principal.visibility(), order_id).await?;
    let binding = seen.order.binding(binding_id).ok_or(ApiError::NotFound)?;
    let body = body?;
    let value = parse(body.value, &seen, binding)?;
    if let Some(replay) = work.claim(req, principal, &body.raw, &state.clock).await? {
        return Ok(replay);
    }
    let order = act(&mut work.tx, &seen, binding, value).await?;
    finish_changed(work, &state.clock, order.version, &OrderOut::from(order)).await
}

/// Record that the order was served on the bound respondent.
///
/// Serving discloses case information to the respondent, so the case needs an active
/// consent with scope `respondent_contact` or `crt` (for any party, this respondent or its
/// platform); otherwise 409 with `unmet: ["respondent_contact_consent_required"]`. Only a
/// `pending_service` binding is served (409 otherwise). `served_at` (default now) is
/// neither in the future nor before the order was issued. Recording the same service again
/// (same `served_at` and `channel`) changes nothing. Service schedules the compliance check
/// at `max(comply_by, served_at)`: a respondent is in breach only once served.
#[utoipa::path(
    operation_id = "serve_order_binding", tag = "orders", security(("bearer" = [])), request_body = NewService,
    params(("id" = Uuid, Path), ("binding_id" = Uuid, Path), crate::openapi::IdempotencyKey),
    responses(
        (status = 200, description = "Served; the order", body = OrderOut, headers(("ETag" = String))),
        (status = 404, description = "No such order or binding, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "Already served, or no consent to contact the respondent (`unmet`), or Idempotency-Key in flight", body = crate::error::Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields (all listed), or Idempotency-Key malformed or reused with another body", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/v1/orders/{id}/bindings/{binding_id}/service")]
pub async fn serve(
    req: HttpRequest,
    principal: Principal,
    path: web::Path<(Uuid, Uuid)>,
    body: Result<JsonBody<NewService>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    binding_write(
        &state,
        &req,
        &principal,
        path.into_inner(),
        body,
        |b, seen, _| Ok(b.parse(now, &seen.order)?),
        async |tx, seen, binding, entry| Ok(moves::serve(tx, seen, binding.id, &entry, state.clock.ts()).await?),
    )
    .await
}

/// Record a compliance check on the bound respondent.
///
/// `complied` with `geofenced_only: true` is refused (422): blocking the images only for
/// viewers in Canada is not compliance (CRT decision against X Corp). Compliance is
/// recorded only once the order was served (409 before); `served → complied |
/// non_compliant`, `non_compliant → complied`; `non_compliant` only once the breach has
/// begun, at `max(comply_by, served_at)` (409 `comply_by_not_reached`), and it schedules
/// the escalation two office days after that, as the worker's own check would (once per
/// breach). `checked_at` (default now) is neither in the
/// future nor before service; for `complied` it becomes the binding's `complied_at`, which
/// stops the penalty count.
#[utoipa::path(
    operation_id = "record_order_compliance", tag = "orders", security(("bearer" = [])), request_body = NewCompliance,
    params(("id" = Uuid, Path), ("binding_id" = Uuid, Path), crate::openapi::IdempotencyKey),
    responses(
        (status = 200, description = "Recorded; the order", body = OrderOut, headers(("ETag" = String))),
        (status = 404, description = "No such order or binding, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "Not served yet, no such move from the binding's status, guards unmet (`unmet`), or Idempotency-Key in flight", body = crate::error::Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields (all listed), or Idempotency-Key malformed or reused with another body", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/v1/orders/{id}/bindings/{binding_id}/compliance")]
pub async fn compliance(
    req: HttpRequest,
    principal: Principal,
    path: web::Path<(Uuid, Uuid)>,
    body: Result<JsonBody<NewCompliance>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let now = state.clock.now();
    binding_write(
        &state,
        &req,
        &principal,
        path.into_inner(),
        body,
        |b, _, binding| Ok(b.parse(now, binding)?),
        async |tx, seen, binding, entry| {
            let cal = calendar::store::load(tx).await?;
            Ok(moves::record_compliance(tx, seen, binding.id, &entry, &cal, state.clock.ts()).await?)
        },
    )
    .await
}
