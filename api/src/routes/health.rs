//! Liveness, readiness and metrics for the platform running us.

use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    error::{ApiError, ApiResult},
    metrics::Metrics,
    startup::AppState,
};

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` (process alive) or `ready` (database reachable and migrated).
    pub status: String,
}

/// The process is alive.
#[utoipa::path(
    operation_id = "healthz",tag = "health", responses((status = 200, description = "Alive", body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into() })
}

/// The database is reachable and every migration is applied.
#[utoipa::path(
    operation_id = "readyz",tag = "health", responses(
    (status = 200, description = "Ready to serve", body = Health),
    (status = 503, description = "Database unreachable or not migrated yet", body = crate::error::Problem, content_type = "application/problem+json"),
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    match casework_domain::db::migrations_applied(&state.db).await {
        Ok(true) => Ok(HttpResponse::Ok().json(Health { status: "ready".into() })),
        Ok(false) => Err(ApiError::Unavailable),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            Err(ApiError::Unavailable)
        }
    }
}

/// Request counts and latencies in the Prometheus text format.
#[utoipa::path(
    operation_id = "metrics",tag = "health", responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain")))]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>, metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render(state.db.size(), state.db.num_idle()))
}
