//! Staff accounts (admin only).

use actix_web::{HttpRequest, HttpResponse, get, http::StatusCode, patch, post, web};
use casework_domain::{
    Validation, audit,
    identity::{Email, Label, NewUser, Password, Role, User, UserPatch, store},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{JsonBody, Page, PageQuery, conditional_get, etag, required_if_match, with_etag},
    idempotency::{self, Answer, Begun},
    startup::AppState,
};

/// A staff account.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = User)]
pub struct UserOut {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// The role in effect.
    pub role: Role,
    /// `false`: cannot sign in, and every token of the user is refused. An account created
    /// with a pending `supervisor` grant stays inactive until the grant is approved.
    pub active: bool,
    /// A role an admin asked for that waits for a supervisor's approval
    /// (`POST /v1/users/{id}/role-approval`); `null` when none.
    pub pending_role: Option<Role>,
    /// Who asked for `pending_role`.
    pub pending_role_requested_by: Option<Uuid>,
    /// When `pending_role` was asked for.
    pub pending_role_requested_at: Option<jiff::Timestamp>,
    /// The password was chosen by an admin: the account's tokens open only
    /// `POST /v1/me/password` until its holder sets their own.
    pub password_change_required: bool,
    /// A supervisor grant was approved and the holder has not yet set their password with
    /// the enrollment code (`POST /v1/auth/enroll`): the account opens nothing.
    pub enrollment_pending: bool,
    pub created_at: jiff::Timestamp,
    pub updated_at: jiff::Timestamp,
    /// Increments on every change; the ETag is derived from it.
    pub version: i64,
}

impl From<User> for UserOut {
    fn from(u: User) -> Self {
        Self {
            id: u.id,
            email: u.email,
            display_name: u.display_name,
            role: u.role,
            active: u.active,
            pending_role: u.pending_role.as_ref().map(|p| p.role),
            pending_role_requested_by: u.pending_role.as_ref().map(|p| p.requested_by),
            pending_role_requested_at: u.pending_role.as_ref().map(|p| p.requested_at.get()),
            password_change_required: u.must_change_password,
            enrollment_pending: u.enrollment_pending,
            created_at: u.created_at.get(),
            updated_at: u.updated_at.get(),
            version: u.version,
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewUser)]
pub struct CreateUser {
    /// Unique, case-insensitively.
    #[schema(example = "ana@example.org", format = Email, min_length = 3, max_length = 254)]
    pub email: String,
    /// 1–200 characters, one line, no control characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$"
    )]
    pub display_name: String,
    /// `supervisor` is not granted at once: the account is created inactive, as a
    /// caseworker, with `pending_role: supervisor`, until another supervisor approves.
    pub role: Role,
    /// Write-only; 12–1024 characters. The admin chose it, so the account must change it
    /// at its first sign-in: until then its tokens open only `POST /v1/me/password`
    /// (403 `password-change-required` elsewhere).
    #[schema(format = Password, write_only, min_length = 12, max_length = 1024)]
    pub password: String,
}

/// Never prints the password.
impl std::fmt::Debug for CreateUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateUser")
            .field("email", &self.email)
            .field("display_name", &self.display_name)
            .field("role", &self.role)
            .field("password", &"<redacted>")
            .finish()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = UserPatch)]
pub struct UpdateUser {
    /// 1–200 characters, one line, no control characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$"
    )]
    pub display_name: Option<String>,
    /// `caseworker` and `admin` apply at once (and withdraw a pending grant); `supervisor`
    /// becomes `pending_role` until another supervisor approves it.
    pub role: Option<Role>,
    /// `false` deactivates: sign-in stops and every token stops working at once.
    pub active: Option<bool>,
}

const CURSOR_KIND: &str = "users";

/// Create a staff account.
///
/// A `supervisor` sees every case and an admin must not, so that role takes two people:
/// the account is created inactive (as a caseworker) with `pending_role: supervisor` until
/// another supervisor approves the grant (`POST /v1/users/{id}/role-approval`).
#[utoipa::path(
    operation_id = "create_user",
    tag = "users",
    security(("bearer" = [])),
    request_body = CreateUser,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first response is replayed for 24 h")),
    responses(
        (status = 201, description = "Created", body = UserOut, headers(("ETag" = String), ("Location" = String))),
        crate::openapi::NotAnAdmin,
        (status = 409, description = "Email already in use, or Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/users")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    body: Result<JsonBody<CreateUser>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let admin = principal.require_role(&[Role::Admin])?;
    let body = body?;
    let b = &body.value;
    let mut v = Validation::new();
    let email = v.check(Email::parse("email", &b.email));
    let display_name = v.check(Label::parse("display_name", &b.display_name));
    let password = v.check(Password::parse("password", &b.password));
    v.finish()?;
    let (Some(email), Some(display_name), Some(password)) = (email, display_name, password) else {
        return Err(ApiError::Internal(anyhow::anyhow!("validated fields missing")));
    };
    idempotency::write(&state, &req, &principal, &body.raw, async |tx| {
        let now = state.clock.ts();
        let user = store::request_user(
            tx,
            &NewUser {
                email,
                display_name,
                role: b.role,
                password,
            },
            admin,
            now,
        )
        .await?;
        audit::record(
            tx,
            &principal.key(),
            "user.create",
            &format!("user:{}", user.id),
            serde_json::json!({"role": user.role, "active": user.active}),
            now,
        )
        .await?;
        if let Some(p) = &user.pending_role {
            audit_grant_requested(tx, &principal, user.id, p.role, now).await?;
        }
        let headers = vec![
            ("ETag", etag(user.version)),
            ("Location", format!("/v1/users/{}", user.id)),
        ];
        Ok(Answer::created(headers, UserOut::from(user)))
    })
    .await
}

/// List staff accounts, oldest first.
#[utoipa::path(
    operation_id = "list_users",
    tag = "users",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of users", body = Page<UserOut>),
        crate::openapi::NotAnAdmin,
    )
)]
#[get("/v1/users")]
pub async fn list(
    principal: Principal,
    q: web::Query<PageQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.require_role(&[Role::Admin])?;
    q.into_inner()
        .checked()?
        .answer::<UserOut, _, _, _>(&state, CURSOR_KIND, store::list_users, |u| u.id)
        .await
}

/// One staff account.
#[utoipa::path(
    operation_id = "get_user",
    tag = "users",
    security(("bearer" = [])),
    params(("id" = Uuid, Path), ("If-None-Match" = Option<String>, Header, description = "ETag you hold; 304 when unchanged")),
    responses(
        (status = 200, description = "The user", body = UserOut, headers(("ETag" = String))),
        crate::openapi::NotModified,
        crate::openapi::NotAnAdmin,
        (status = 404, description = "No such user", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/users/{id}")]
pub async fn get(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.require_role(&[Role::Admin])?;
    let mut conn = state.db.acquire().await?;
    let user = store::get_user(&mut conn, *id).await?.ok_or(ApiError::NotFound)?;
    Ok(conditional_get(&req, user.version, UserOut::from(user)))
}

/// Change a staff account's name, role or active flag.
///
/// Requires `If-Match` with the ETag last read. Deactivating ends the user's sessions at
/// once. Admins cannot demote or deactivate themselves, so the service always keeps one.
/// Asking for `supervisor` leaves the role as it is and records a pending grant that
/// another supervisor approves or rejects (`POST /v1/users/{id}/role-approval`).
#[utoipa::path(
    operation_id = "update_user",
    tag = "users",
    security(("bearer" = [])),
    request_body = UpdateUser,
    params(("id" = Uuid, Path), ("If-Match" = String, Header, description = "ETag of the version being changed")),
    responses(
        (status = 200, description = "Updated", body = UserOut, headers(("ETag" = String))),
        crate::openapi::NotAnAdmin,
        (status = 404, description = "No such user", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "An admin demoting or deactivating themselves", body = crate::error::Problem, content_type = "application/problem+json"),
        crate::openapi::StaleIfMatch,
        crate::openapi::IfMatchMissing,
    )
)]
#[patch("/v1/users/{id}")]
pub async fn update(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<UpdateUser>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let admin = principal.require_role(&[Role::Admin])?;
    let body = body?;
    let b = &body.value;
    let mut v = Validation::new();
    let display_name = b
        .display_name
        .as_deref()
        .and_then(|s| v.check(Label::parse("display_name", s)));
    v.finish()?;
    let expected = required_if_match(&req)?;
    if admin == *id && (b.active == Some(false) || b.role.is_some_and(|r| r != Role::Admin)) {
        return Err(ApiError::Conflict(
            "admins cannot demote or deactivate themselves".into(),
        ));
    }
    let patch = UserPatch {
        display_name,
        role: b.role,
        active: b.active,
    };
    let now = state.clock.ts();
    let mut tx = state.db.begin().await?;
    let store::Updated { user, grant_requested } =
        store::update_user(&mut tx, *id, &patch, expected.version(), admin, now).await?;
    if grant_requested && let Some(p) = &user.pending_role {
        audit_grant_requested(&mut tx, &principal, user.id, p.role, now).await?;
    }
    audit::record(
        &mut tx,
        &principal.key(),
        "user.update",
        &format!("user:{}", user.id),
        serde_json::json!({"role": b.role, "active": b.active, "display_name_changed": b.display_name.is_some()}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(with_etag(StatusCode::OK, user.version, UserOut::from(user)))
}

async fn audit_grant_requested(
    tx: &mut sqlx::PgConnection,
    principal: &Principal,
    user: Uuid,
    role: Role,
    now: casework_domain::Ts,
) -> Result<(), ApiError> {
    audit::record(
        tx,
        &principal.key(),
        "user.role_grant.request",
        &format!("user:{user}"),
        serde_json::json!({"role": role}),
        now,
    )
    .await?;
    Ok(())
}

/// `approve` or `reject`.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Approve,
    Reject,
}

/// A supervisor's decision on a pending role grant.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleApproval {
    pub decision: Decision,
    /// Why; required to reject (1–1000 characters).
    #[schema(min_length = 1, max_length = 1000)]
    pub reason: Option<String>,
}

const GRANTS_CURSOR_KIND: &str = "role_grants";

/// Users whose role grant waits for a decision, oldest account first.
///
/// Supervisors read it to find what to approve; admins to follow up on what they asked.
#[utoipa::path(
    operation_id = "list_pending_role_grants",
    tag = "users",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of users with `pending_role` set", body = Page<UserOut>),
        (status = 403, description = "Neither a supervisor nor an admin", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/role-grants")]
pub async fn list_pending_grants(
    principal: Principal,
    q: web::Query<PageQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.require_role(&[Role::Supervisor, Role::Admin])?;
    q.into_inner()
        .checked()?
        .answer::<UserOut, _, _, _>(&state, GRANTS_CURSOR_KIND, store::list_pending_grants, |u| u.id)
        .await
}

/// Approve or reject a pending role grant (supervisors).
///
/// Granting `supervisor` takes two people: an admin asks (creating the user, or PATCHing
/// the role), and an active supervisor who is neither the requester nor the grantee
/// decides. Approval gives the role (and activates an account created for the grant) and
/// revokes every credential the account had (password, refresh and access tokens): the
/// answer carries, once, an enrollment code for the approver to hand to the person, who
/// sets their own password with it (`POST /v1/auth/enroll`); until then the account
/// opens nothing. A grant already decided is 409. Rejection withdraws the request and
/// needs a `reason`. All of it is audited.
#[utoipa::path(
    operation_id = "decide_role_grant",
    tag = "users",
    security(("bearer" = [])),
    request_body = RoleApproval,
    params(("id" = Uuid, Path), ("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe: the first response is replayed for 24 h")),
    responses(
        (status = 200, description = "Decided; the user as it is now, and after an approval the one-time enrollment code", body = RoleDecided, headers(("ETag" = String))),
        (status = 403, description = "Not a supervisor", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "No grant pending, the caller requested it or would receive it, or Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/users/{id}/role-approval")]
pub async fn decide_role_grant(
    req: HttpRequest,
    principal: Principal,
    id: web::Path<Uuid>,
    body: Result<JsonBody<RoleApproval>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let supervisor = principal.require_role(&[Role::Supervisor])?;
    let body = body?;
    let b = &body.value;
    let reason = match (&b.reason, b.decision) {
        (Some(r), _) => Some(casework_domain::text::free("reason", r, 1000)?),
        (None, Decision::Reject) => {
            return Err(ApiError::field("reason", "required", "say why the grant is rejected"));
        }
        (None, Decision::Approve) => None,
    };
    let mut work = match idempotency::begin(&state, &req, &principal, &body.raw).await? {
        Begun::Replay(res) => return Ok(res),
        Begun::Work(w) => w,
    };
    let tx = &mut *work.tx;
    let now = state.clock.ts();
    let decision = match b.decision {
        Decision::Approve => store::GrantDecision::Approve,
        Decision::Reject => store::GrantDecision::Reject,
    };
    let (user, pending, code) = store::decide_role_grant(tx, *id, supervisor, decision, now).await?;
    let action = match b.decision {
        Decision::Approve => "user.role_grant.approve",
        Decision::Reject => "user.role_grant.reject",
    };
    audit::record(
        tx,
        &principal.key(),
        action,
        &format!("user:{}", user.id),
        serde_json::json!({
            "role": pending.role,
            "requested_by": pending.requested_by,
            "requested_at": pending.requested_at.get(),
            "reason": reason,
            "credentials_revoked": code.is_some(),
            "enrollment_code_expires_at": code.as_ref().map(|c| c.expires_at.get()),
        }),
        now,
    )
    .await?;
    let version = user.version;
    let out = RoleDecided {
        user: UserOut::from(user),
        enrollment_code: code.as_ref().map(|c| c.code.clone()),
        enrollment_code_expires_at: code.as_ref().map(|c| c.expires_at.get()),
    };
    // The stored replay never holds the code.
    let mut kept = serde_json::to_value(&out).map_err(|e| ApiError::Internal(e.into()))?;
    kept["enrollment_code"] = serde_json::Value::Null;
    let headers = [("ETag", etag(version))];
    work.finish(StatusCode::OK, &headers, &out, Some(&kept), &state.clock)
        .await
}

/// A decided grant: the user as it is now and, after an approval, the enrollment code.
#[derive(Serialize, ToSchema)]
pub struct RoleDecided {
    #[serde(flatten)]
    pub user: UserOut,
    /// Approval only, and in this response only (stored hashed; a replay through the
    /// Idempotency-Key shows `null`): the one-time code (24 hours) with which the person
    /// sets their own password at `POST /v1/auth/enroll`. Hand it over yourself; the
    /// admin who asked for the grant must not see it.
    pub enrollment_code: Option<String>,
    /// When the enrollment code stops working.
    pub enrollment_code_expires_at: Option<jiff::Timestamp>,
}

/// Never prints the enrollment code.
impl std::fmt::Debug for RoleDecided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RoleDecided")
            .field("user", &self.user)
            .field(
                "enrollment_code",
                &crate::routes::auth::redacted(self.enrollment_code.as_ref()),
            )
            .field("enrollment_code_expires_at", &self.enrollment_code_expires_at)
            .finish()
    }
}
