//! The penalty exposure of an order's bindings, with the figures used.

use actix_web::{HttpResponse, get, web};
use casework_domain::{
    order::{BindingStatus, store as orders},
    penalty::{self, LegalParameter, PenaltyJurisdiction, RespondentKind},
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{QueryParams, parse_instant},
    startup::AppState,
};

const PROBLEM: &str = "application/problem+json";

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExposureQuery {
    /// RFC 3339 instant with an offset (422 without); default now.
    #[param(value_type = Option<String>, format = DateTime)]
    pub as_of: Option<String>,
}

/// The respondent a binding is about.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExposureRespondent {
    pub id: Uuid,
    pub kind: RespondentKind,
    pub name: String,
}

/// The exposure of one binding.
#[derive(Debug, Serialize, ToSchema)]
pub struct BindingExposure {
    pub binding_id: Uuid,
    pub respondent: ExposureRespondent,
    pub status: BindingStatus,
    pub comply_by: jiff::Timestamp,
    /// When compliance was recorded; it stops the count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub complied_at: Option<jiff::Timestamp>,
    /// The regime used (the claim's forum).
    pub jurisdiction: PenaltyJurisdiction,
    /// The respondent kind used: in Quebec `individual` is a natural person and
    /// `internet_intermediary` a legal person.
    pub respondent_kind: RespondentKind,
    pub repeat_offence: bool,
    /// Every started 24-hour period from `comply_by` to `as_of`, or to `complied_at` when
    /// earlier; 0 while the order was never served on the respondent.
    pub days_non_compliant: i64,
    /// Quebec: the lowest daily fine (doubled for a repeat offence); `null` in BC.
    pub daily_min_cents: Option<i64>,
    /// The most per day (doubled for a repeat offence in Quebec).
    pub max_daily_cents: i64,
    /// `null`: no cap (Quebec).
    pub cap_cents: Option<i64>,
    /// `min(days × max_daily, cap)`, or `days × max_daily` without a cap.
    pub max_exposure_cents: i64,
    /// The legal parameter rows used: those in force on the day of the breach (`comply_by`,
    /// office date).
    pub parameters_used: Vec<LegalParameter>,
}

/// The exposure of an order, binding by binding.
#[derive(Debug, Serialize, ToSchema)]
pub struct PenaltyExposure {
    pub order_id: Uuid,
    pub as_of: jiff::Timestamp,
    pub bindings: Vec<BindingExposure>,
    /// The sum of the bindings' `max_exposure_cents`.
    pub total_max_exposure_cents: i64,
}

/// The maximum penalty each bound respondent faces, with the figures used.
///
/// Per binding: the days non-compliant (every started 24-hour period from `comply_by` to
/// `as_of`, or to the moment compliance was recorded if earlier; none for a respondent the
/// order was never served on), the maximum daily amount
/// and cap in force on the day of the breach (see `GET /v1/legal-parameters`), and
/// `max_exposure_cents = min(days × daily, cap)`. BC (B.C. Reg. 293/2023): individual
/// CAD 500/day capped at 10,000; internet intermediary CAD 5,000/day capped at 100,000.
/// Quebec: CAD 500–5,000/day for a natural person, 5,000–50,000 for a legal person, doubled
/// for a repeat offence, no cap.
#[utoipa::path(
    operation_id = "order_penalty_exposure", tag = "orders", security(("bearer" = [])),
    params(("id" = Uuid, Path), ExposureQuery),
    responses(
        (status = 200, description = "The exposure", body = PenaltyExposure),
        (status = 404, description = "No such order, or not yours to see", body = crate::error::Problem, content_type = PROBLEM),
        (status = 409, description = "The law table holds no figure in force on a breach date", body = crate::error::Problem, content_type = PROBLEM),
    )
)]
#[get("/v1/orders/{id}/penalty-exposure")]
pub async fn get(
    principal: Principal,
    id: web::Path<Uuid>,
    q: Result<QueryParams<ExposureQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let mut conn = state.db.acquire().await?;
    let order = orders::visible(&mut conn, principal.visibility(), *id).await?.order;
    let q = q?;
    let as_of = match q.as_of.as_deref() {
        Some(s) => parse_instant("as_of", s)?,
        None => state.clock.now(),
    };
    let law = penalty::store::load(&mut conn).await?;
    let figures = orders::order_exposure(&law, &order, as_of).map_err(|e| ApiError::Conflict(e.to_string()))?;
    let mut total: i64 = 0;
    let bindings = figures
        .into_iter()
        .zip(&order.bindings)
        .map(|(f, b)| {
            total = total.saturating_add(f.exposure.max_exposure_cents);
            BindingExposure {
                binding_id: f.binding_id,
                respondent: ExposureRespondent {
                    id: b.respondent_id,
                    kind: b.respondent_kind,
                    name: b.respondent_name.clone(),
                },
                status: f.status,
                comply_by: f.comply_by.get(),
                complied_at: f.complied_at.map(casework_domain::Ts::get),
                jurisdiction: f.jurisdiction,
                respondent_kind: f.respondent_kind,
                repeat_offence: f.repeat_offence,
                days_non_compliant: f.exposure.days_non_compliant,
                daily_min_cents: f.exposure.daily_min_cents,
                max_daily_cents: f.exposure.daily_max_cents,
                cap_cents: f.exposure.cap_cents,
                max_exposure_cents: f.exposure.max_exposure_cents,
                parameters_used: f.exposure.parameters_used,
            }
        })
        .collect();
    Ok(HttpResponse::Ok().json(PenaltyExposure {
        order_id: order.id,
        as_of,
        bindings,
        total_max_exposure_cents: total,
    }))
}
