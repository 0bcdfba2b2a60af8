//! The caller themself.

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, post, web};
use casework_domain::{
    crypto,
    identity::{Password, Role, Scope, store},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::JsonBody,
    idempotency::{self, Begun},
    startup::AppState,
};

/// Who the token belongs to: a staff member, or an integration client.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    /// `user` or `client`.
    pub kind: MeKind,
    /// The user's or the client's id.
    pub id: Uuid,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// Staff only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Clients only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Clients only: the scopes of this token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scopes: Option<Vec<Scope>>,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeKind {
    User,
    Client,
}

/// The caller.
#[utoipa::path(
    operation_id = "get_me",tag = "me", security(("bearer" = [])), responses((status = 200, description = "The caller", body = Me)))]
#[get("/v1/me")]
pub async fn me(principal: Principal, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let me = match principal {
        Principal::User { id, role } => {
            let mut conn = state.db.acquire().await?;
            let u = store::get_user(&mut conn, id)
                .await?
                .ok_or(ApiError::Unauthorized("the account is not active"))?;
            Me {
                kind: MeKind::User,
                id,
                email: Some(u.email),
                display_name: Some(u.display_name),
                role: Some(role),
                client_id: None,
                scopes: None,
            }
        }
        Principal::Client { id, client_id, scopes } => Me {
            kind: MeKind::Client,
            id,
            email: None,
            display_name: None,
            role: None,
            client_id: Some(client_id),
            scopes: Some(scopes),
        },
    };
    Ok(HttpResponse::Ok().json(me))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    #[schema(format = Password, min_length = 1, max_length = 1024)]
    pub current_password: String,
    /// 12–1024 characters.
    #[schema(format = Password, min_length = 12, max_length = 1024)]
    pub new_password: String,
}

/// Never prints either password.
impl std::fmt::Debug for ChangePassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangePassword")
            .field("current_password", &"<redacted>")
            .field("new_password", &"<redacted>")
            .finish()
    }
}

/// Change your own password. Every refresh token you hold stops working.
///
/// An account created by an admin (who chose its password) must come here first: until
/// it has, its tokens open nothing else (403 `password-change-required`).
///
/// A wrong `current_password` counts as a failed sign-in: five from one address within 15
/// minutes lock it out of the account (sign-in included), answered 429 with
/// `Retry-After`. Password changes are also rate-limited per account.
#[utoipa::path(
    operation_id = "change_my_password",
    tag = "me",
    security(("bearer" = [])),
    request_body = ChangePassword,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: a replay answers 204 again")),
    responses(
        (status = 204, description = "Changed; sign in again on other devices"),
        (status = 403, description = "Integration clients have no password", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Locked after wrong current passwords, or too many attempts; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Too many passwords being checked at once; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/v1/me/password")]
pub async fn change_password(
    req: HttpRequest,
    principal: Principal,
    body: Result<JsonBody<ChangePassword>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let id = principal.user_id().ok_or(ApiError::Forbidden)?;
    let body = body?;
    state
        .password_change_limiter
        .check(&id.to_string())
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    let new = Password::parse("new_password", &body.value.new_password)?;
    let address = state.client_address(&req);
    let now = state.clock.ts();
    // A retry after a lost response replays 204 instead of failing on the old password.
    let mut work = match idempotency::begin(&state, &req, &principal, &body.raw).await? {
        Begun::Replay(res) => return Ok(res),
        Begun::Work(w) => w,
    };
    let tx = &mut *work.tx;
    let current = store::password_hash_for_update(tx, id)
        .await?
        .ok_or(ApiError::Unauthorized("the account is not active"))?;
    // The same lock as sign-in: this endpoint must not be a way around it.
    if let Some(until) = store::locked_until(tx, id, &address, now).await? {
        return Err(locked(until, now));
    }
    if !crypto::verify_password(&body.value.current_password, &current).await? {
        // The claim on the key and everything else roll back; the failure must stay.
        drop(work);
        let mut tx = state.db.begin().await?;
        store::record_login_failure(&mut tx, id, &address, now).await?;
        tx.commit().await?;
        tracing::info!(user.id = %id, client.address = %address, "wrong current password at password change");
        return Err(ApiError::field(
            "current_password",
            "incorrect",
            "the current password is not correct",
        ));
    }
    store::record_login_success(tx, id, &address).await?;
    store::set_password(tx, id, &new, now).await?;
    casework_domain::audit::record(
        tx,
        &principal.key(),
        "password.change",
        &format!("user:{id}"),
        serde_json::json!({}),
        now,
    )
    .await?;
    work.finish_empty(StatusCode::NO_CONTENT, &state.clock).await
}

fn locked(until: casework_domain::Ts, now: casework_domain::Ts) -> ApiError {
    let secs = until.get().duration_since(now.get()).as_secs();
    ApiError::RateLimited {
        retry_after_secs: u64::try_from(secs).unwrap_or(1).max(1),
    }
}
