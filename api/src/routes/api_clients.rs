//! Integration clients (admin only). The secret is shown once, at creation.

use actix_web::{HttpRequest, HttpResponse, delete, get, http::StatusCode, post, web};
use casework_domain::{
    audit,
    identity::{ApiClient, Label, Role, Scope, store},
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{
    auth::Principal,
    error::{ApiError, ApiResult},
    extract::{JsonBody, Page, PageQuery},
    idempotency::{self, Begun},
    startup::AppState,
};

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = ApiClient)]
pub struct ApiClientOut {
    pub id: Uuid,
    pub name: String,
    /// Use as `client_id` in the client_credentials grant.
    pub client_id: String,
    pub scopes: Vec<Scope>,
    pub created_at: jiff::Timestamp,
    /// Set once revoked; a revoked client cannot obtain or use tokens.
    pub revoked_at: Option<jiff::Timestamp>,
}

impl From<ApiClient> for ApiClientOut {
    fn from(c: ApiClient) -> Self {
        Self {
            id: c.id,
            name: c.name,
            client_id: c.client_id,
            scopes: c.scopes,
            created_at: c.created_at.get(),
            revoked_at: c.revoked_at.map(casework_domain::Ts::get),
        }
    }
}

/// A new client, with its secret.
#[derive(Serialize, ToSchema)]
pub struct ApiClientCreated {
    pub id: Uuid,
    pub name: String,
    pub client_id: String,
    pub scopes: Vec<Scope>,
    pub created_at: jiff::Timestamp,
    /// Shown in this response only and stored hashed: keep it now. A replay of this
    /// request through its Idempotency-Key returns `null` here.
    pub client_secret: Option<String>,
}

/// Never prints the secret.
impl std::fmt::Debug for ApiClientCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiClientCreated")
            .field("id", &self.id)
            .field("client_id", &self.client_id)
            .field("scopes", &self.scopes)
            .field(
                "client_secret",
                &crate::routes::auth::redacted(self.client_secret.as_ref()),
            )
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = NewApiClient)]
pub struct CreateApiClient {
    /// 1–200 characters, one line, no control characters.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001F\u007F-\u009F\u202A-\u202E\u2066-\u2069]*$"
    )]
    pub name: String,
    /// At least one of `platforms:read`, `platforms:write`, `stats:read`, `calendar:read`.
    #[schema(min_items = 1)]
    pub scopes: Vec<Scope>,
}

const CURSOR_KIND: &str = "api_clients";

/// Register an integration client.
#[utoipa::path(
    operation_id = "create_api_client",
    tag = "api-clients",
    security(("bearer" = [])),
    request_body = CreateApiClient,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a retry safe; the replay omits the secret")),
    responses(
        (status = 201, description = "Created; the secret is in this response only", body = ApiClientCreated, headers(("Location" = String))),
        crate::openapi::NotAnAdmin,
        (status = 409, description = "Idempotency-Key in flight", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/api-clients")]
pub async fn create(
    req: HttpRequest,
    principal: Principal,
    body: Result<JsonBody<CreateApiClient>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let admin = principal.require_role(&[Role::Admin])?;
    let body = body?;
    let name = Label::parse("name", &body.value.name)?;
    let mut scopes = body.value.scopes.clone();
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err(ApiError::field("scopes", "required", "grant at least one scope"));
    }
    let mut work = match idempotency::begin(&state, &req, &principal, &body.raw).await? {
        Begun::Replay(res) => return Ok(res),
        Begun::Work(w) => w,
    };
    let tx = &mut *work.tx;
    let now = state.clock.ts();
    let issued = store::insert_api_client(tx, name.as_str(), &scopes, admin, now).await?;
    audit::record(
        tx,
        &principal.key(),
        "api_client.create",
        &format!("client:{}", issued.client.id),
        serde_json::json!({"scopes": scopes}),
        now,
    )
    .await?;
    let c = issued.client;
    let out = ApiClientCreated {
        id: c.id,
        name: c.name,
        client_id: c.client_id,
        scopes: c.scopes,
        created_at: c.created_at.get(),
        client_secret: Some(issued.client_secret),
    };
    // The stored replay never holds the secret.
    let mut kept = serde_json::to_value(&out).map_err(|e| ApiError::Internal(e.into()))?;
    kept["client_secret"] = serde_json::Value::Null;
    let headers = [("Location", format!("/v1/api-clients/{}", out.id))];
    work.finish(StatusCode::CREATED, &headers, &out, Some(&kept), &state.clock)
        .await
}

/// List integration clients, oldest first (revoked ones included).
#[utoipa::path(
    operation_id = "list_api_clients",
    tag = "api-clients",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of clients", body = Page<ApiClientOut>),
        crate::openapi::NotAnAdmin,
    )
)]
#[get("/v1/api-clients")]
pub async fn list(
    principal: Principal,
    q: web::Query<PageQuery>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    principal.require_role(&[Role::Admin])?;
    q.into_inner()
        .checked()?
        .answer::<ApiClientOut, _, _, _>(&state, CURSOR_KIND, store::list_api_clients, |c| c.id)
        .await
}

/// Revoke an integration client; its tokens stop working at once.
#[utoipa::path(
    operation_id = "revoke_api_client",
    tag = "api-clients",
    security(("bearer" = [])),
    params(("id" = Uuid, Path)),
    responses(
        (status = 204, description = "Revoked"),
        crate::openapi::NotAnAdmin,
        (status = 404, description = "No such client, or already revoked", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/api-clients/{id}")]
pub async fn revoke(principal: Principal, id: web::Path<Uuid>, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    principal.require_role(&[Role::Admin])?;
    let now = state.clock.ts();
    let mut tx = state.db.begin().await?;
    store::revoke_api_client(&mut tx, *id, now).await?;
    audit::record(
        &mut tx,
        &principal.key(),
        "api_client.revoke",
        &format!("client:{id}"),
        serde_json::json!({}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}
