//! The order itself: record one on a granted claim, list, read.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use casework_domain::{
    claim::store as claims,
    order::{
        BindingStatus, NewOrder,
        rules::check_claim_grants,
        store::{self as orders, OrderFilter},
    },
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::OrderOut;
use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{JsonBody, ListQuery, Page, conditional_get, finish_created},
    idempotency,
    startup::AppState,
};

const PROBLEM: &str = "application/problem+json";

/// Record an order the tribunal issued on a claim.
///
/// The claim (which you must see, else 404) is `decided` with outcome `granted` or
/// `partially_granted`, else 409 with `unmet` naming why (`claim_not_decided`,
/// `claim_not_granted`). Rules, every broken one listed in the 422: `order_reference` and
/// `issued_at` (not in the future) given; at least one term, each once; at least one
/// binding, each naming a respondent of this claim at most once, with `comply_by` after
/// `issued_at`; a claim's publication ban cannot be lifted. Every binding starts
/// `pending_service`.
#[utoipa::path(
    operation_id = "create_order", tag = "orders", security(("bearer" = [])), request_body = NewOrder,
    params(crate::openapi::IdempotencyKey),
    responses(
        (status = 201, description = "Recorded", body = OrderOut, headers(("ETag" = String), ("Location" = String))),
        crate::openapi::CaseWorkOnly,
        (status = 404, description = "No such claim, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "The claim is not decided with a granting outcome (`unmet`), or Idempotency-Key in flight", body = crate::error::Problem, content_type = PROBLEM),
        (status = 422, description = "Invalid fields (all listed), or Idempotency-Key malformed or reused with another body", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[post("/v1/orders")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    body: Result<JsonBody<NewOrder>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.case_actor()?;
    let body = body?;
    let mut work = idempotency::open(&state).await?;
    let seen = match body.value.claim_id {
        Some(id) => Some(claims::visible(&mut work.tx, principal.visibility(), id).await?),
        None => None,
    };
    let draft = body.value.parse(state.clock.now(), seen.as_ref().map(|s| &s.claim))?;
    let Some(seen) = seen else {
        return Err(ApiError::field("claim_id", "required", "this field is required"));
    };
    check_claim_grants(&seen.claim)?;
    if let Some(replay) = work.claim(&req, &principal, &body.raw, &state.clock).await? {
        return Ok(replay);
    }
    let order = orders::create(&mut work.tx, &seen.claim, &draft, seen.by, state.clock.ts()).await?;
    let location = format!("/v1/orders/{}", order.id);
    finish_created(work, &state.clock, order.version, location, &OrderOut::from(order)).await
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrderListQuery {
    pub case_id: Option<Uuid>,
    pub claim_id: Option<Uuid>,
    /// Orders with at least one binding in this status.
    pub binding_status: Option<BindingStatus>,
}

const ORDER_CURSOR: &str = "orders";

/// Orders of the cases you see, newest first.
#[utoipa::path(
    operation_id = "list_orders", tag = "orders", security(("bearer" = [])),
    params(ListQuery<OrderListQuery>),
    responses(
        (status = 200, description = "A page of orders", body = Page<OrderOut>),
        crate::openapi::CaseWorkOnly,
    )
)]
#[get("/v1/orders")]
pub async fn list(
    principal: Principal,
    q: Result<ListQuery<OrderListQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.case_actor()?;
    let ListQuery { filter: q, page } = q?;
    let filter = OrderFilter {
        case_id: q.case_id,
        claim_id: q.claim_id,
        binding_status: q.binding_status,
    };
    page.answer_seen::<OrderOut, _, _>(&state, ORDER_CURSOR, &principal, &filter, orders::list, |o| o.id)
        .await
}

/// One order, with its bindings.
#[utoipa::path(
    operation_id = "get_order", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header, description = "ETag you hold; 304 when unchanged")),
    responses(
        (status = 200, description = "The order", body = OrderOut, headers(("ETag" = String))),
        crate::openapi::NotModified,
        (status = 404, description = "No such order, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/v1/orders/{id}")]
pub async fn get(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.db.acquire().await?;
    let order = orders::visible(&mut conn, principal.visibility(), *id).await?.order;
    Ok(conditional_get(&req, order.version, OrderOut::from(order)))
}
