//! The law table: amounts and limits with the dates they apply from (contract §6).

use actix_web::{HttpResponse, get, web};
use casework_domain::penalty::{ParameterUnit, store};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{Page, QueryParams},
    startup::AppState,
};

/// One dated value of the law.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = LegalParameterRow)]
pub struct LegalParameterOut {
    /// e.g. `crt_bc.damages_cap`, `bc.penalty.individual.daily_max`.
    pub key: String,
    /// The first office day (America/Vancouver) the value applies; it applies until the
    /// next row of the same key.
    #[schema(value_type = String, format = Date)]
    pub effective_from: jiff::civil::Date,
    /// In `unit`; `null` means no limit.
    pub value: Option<i64>,
    pub unit: ParameterUnit,
    pub description: String,
    pub source: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LegalParameterQuery {
    /// Only the rows in force on this date (`YYYY-MM-DD`).
    #[param(value_type = Option<String>, format = Date)]
    pub on: Option<String>,
}

/// The amounts and limits the rules use, each with the date it applies from.
///
/// A change in the law is a new row, never a code change: the value of a key on a date is
/// the row with the latest `effective_from` on or before it. Keys: `crt_bc.damages_cap`
/// (the most the CRT awards in damages), `bc.penalty.{individual,internet_intermediary}.
/// {daily_max,cap}` (B.C. Reg. 293/2023), `qc.penalty.{natural_person,legal_person}.
/// {daily_min,daily_max,cap}` and `qc.penalty.repeat_multiplier` (Quebec). The whole table
/// fits one page (`next_cursor` is always `null`). Any staff member may read it.
#[utoipa::path(
    operation_id = "list_legal_parameters", tag = "legal-parameters", security(("bearer" = [])),
    params(LegalParameterQuery),
    responses(
        (status = 200, description = "Every row, by key then date", body = Page<LegalParameterOut>),
        (status = 403, description = "Integrations may not read it", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/legal-parameters")]
pub async fn list(
    principal: Principal,
    q: Result<QueryParams<LegalParameterQuery>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    if principal.role().is_none() {
        return Err(ApiError::Forbidden);
    }
    let q = q?;
    let on =
        q.on.as_deref()
            .map(|s| {
                s.parse::<jiff::civil::Date>()
                    .map_err(|_| ApiError::field("on", "invalid_date", "must be a date such as 2026-03-18"))
            })
            .transpose()?;
    let mut conn = state.db.acquire().await?;
    let rows = store::rows(&mut conn).await?;
    let law = casework_domain::penalty::LegalParameters(rows.iter().map(|r| r.parameter.clone()).collect());
    let items: Vec<LegalParameterOut> = rows
        .into_iter()
        .filter(|r| on.is_none_or(|d| law.in_force(&r.parameter.key, d) == Some(&r.parameter)))
        .map(|r| LegalParameterOut {
            key: r.parameter.key,
            effective_from: r.parameter.effective_from,
            value: r.parameter.value,
            unit: r.unit,
            description: r.description,
            source: r.source,
        })
        .collect();
    Ok(HttpResponse::Ok().json(Page::<LegalParameterOut> {
        items,
        next_cursor: None,
    }))
}
