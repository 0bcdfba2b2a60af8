//! Token signing keys (admin only): list and rotate. Private material never leaves the
//! database.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use casework_domain::{audit, identity::Role, keys};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    auth::Principal,
    error::ApiResult,
    idempotency::{self, Begun},
    startup::AppState,
};

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = SigningKey)]
pub struct SigningKeyOut {
    pub kid: String,
    /// Always `EdDSA` (Ed25519).
    pub algorithm: String,
    pub created_at: jiff::Timestamp,
    /// When it stopped signing; it still verifies for 15 minutes after.
    pub retired_at: Option<jiff::Timestamp>,
    /// Whether new tokens are signed with it.
    pub signing: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SigningKeyList {
    pub items: Vec<SigningKeyOut>,
}

fn out(k: keys::PublicKey) -> SigningKeyOut {
    SigningKeyOut {
        kid: k.kid,
        algorithm: "EdDSA".into(),
        created_at: k.created_at.get(),
        retired_at: k.retired_at.map(casework_domain::Ts::get),
        signing: k.retired_at.is_none(),
    }
}

/// Keys that sign or still verify tokens.
#[utoipa::path(
    operation_id = "list_signing_keys",
    tag = "signing-keys",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Current and recently retired keys", body = SigningKeyList),
        crate::openapi::NotAnAdmin,
    )
)]
#[get("/v1/signing-keys")]
pub async fn list(principal: Principal, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    principal.require_role(&[Role::Admin])?;
    let keys = state.tokens.published_keys(&state.db).await?;
    Ok(HttpResponse::Ok().json(SigningKeyList {
        items: keys.into_iter().map(out).collect(),
    }))
}

/// Rotate: a new key signs from now on; tokens signed by the old one keep working until
/// they expire, so nobody is signed out.
#[utoipa::path(
    operation_id = "rotate_signing_key",
    tag = "signing-keys",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe")),
    responses(
        (status = 201, description = "The new signing key", body = SigningKeyOut),
        crate::openapi::NotAnAdmin,
        (status = 409, description = "Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/signing-keys/rotate")]
pub async fn rotate(req: HttpRequest, principal: Principal, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    principal.require_role(&[Role::Admin])?;
    let mut work = match idempotency::begin(&state, &req, &principal, &serde_json::Value::Null).await? {
        Begun::Replay(res) => return Ok(res),
        Begun::Work(w) => w,
    };
    let tx = &mut *work.tx;
    let now = state.clock.ts();
    let key = keys::rotate(tx, now).await?;
    audit::record(
        tx,
        &principal.key(),
        "signing_key.rotate",
        &format!("key:{}", key.kid),
        serde_json::json!({}),
        now,
    )
    .await?;
    let res = work
        .finish(StatusCode::CREATED, &[], &out(key), None, &state.clock)
        .await?;
    state.tokens.invalidate();
    Ok(res)
}
