//! The OAuth 2.0 token endpoint (password, refresh_token and client_credentials grants),
//! RFC 7009 revocation, and the published verification keys.

use actix_web::{HttpRequest, HttpResponse, get, http::header, post, web};
use base64::{Engine, engine::general_purpose::STANDARD};
use casework_domain::{
    audit, crypto,
    identity::{
        Password, Role,
        store::{self, Rotation},
    },
};
use serde::{Deserialize, Serialize};
use sqlx::Connection;
use utoipa::ToSchema;

use crate::{
    auth::Issued,
    error::{ApiError, ApiResult, OAuthError},
    extract::{JsonBody, read_body},
    startup::AppState,
};

/// The grants the token endpoint knows, and the fields each needs:
/// `password`: `username`, `password`; `refresh_token`: `refresh_token`;
/// `client_credentials`: `client_id` and `client_secret` (or HTTP Basic), optional `scope`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    Password,
    RefreshToken,
    ClientCredentials,
}

/// A token request, form-encoded (`application/x-www-form-urlencoded`, RFC 6749) or JSON.
/// Which fields are required depends on `grant_type` (see each field). No value may hold
/// a control character.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// `password` (needs `username`, `password`), `refresh_token` (needs
    /// `refresh_token`) or `client_credentials` (needs `client_id` and `client_secret`,
    /// or HTTP Basic; `scope` optional).
    #[schema(value_type = GrantType, example = "password")]
    pub grant_type: String,
    /// Staff email. Required with `grant_type=password`.
    #[schema(format = Email, min_length = 3, max_length = 254)]
    pub username: Option<String>,
    /// Staff password. Required with `grant_type=password`.
    #[schema(format = Password, min_length = 1, max_length = 1024)]
    pub password: Option<String>,
    /// The refresh token to spend. Required with `grant_type=refresh_token`.
    #[schema(min_length = 1)]
    pub refresh_token: Option<String>,
    /// Integration client id. Required with `grant_type=client_credentials` unless sent
    /// by HTTP Basic.
    #[schema(min_length = 1)]
    pub client_id: Option<String>,
    /// Integration client secret. Required with `grant_type=client_credentials` unless
    /// sent by HTTP Basic.
    #[schema(format = Password, min_length = 1)]
    pub client_secret: Option<String>,
    /// `client_credentials` only: space-separated scopes to narrow the token to.
    pub scope: Option<String>,
}

/// Never prints the password, the refresh token or the client secret.
impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenRequest")
            .field("grant_type", &self.grant_type)
            .field("username", &self.username)
            .field("password", &redacted(self.password.as_ref()))
            .field("refresh_token", &redacted(self.refresh_token.as_ref()))
            .field("client_id", &self.client_id)
            .field("client_secret", &redacted(self.client_secret.as_ref()))
            .field("scope", &self.scope)
            .finish()
    }
}

/// What `Debug` shows of a secret: whether there is one.
pub(crate) fn redacted<T>(secret: Option<&T>) -> Option<&'static str> {
    secret.map(|_| "<redacted>")
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// A signed JWT (`typ: at+jwt`), valid for `expires_in` seconds.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires (at most 900).
    pub expires_in: i64,
    /// Staff: the role. Clients: the granted scopes, space-separated.
    pub scope: String,
    /// Staff only: single-use token for the `refresh_token` grant (rotates on each use,
    /// expires at most 10 hours after sign-in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
}

/// Never prints the tokens.
impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"<redacted>")
            .field("expires_in", &self.expires_in)
            .field("scope", &self.scope)
            .field("refresh_token", &redacted(self.refresh_token.as_ref()))
            .finish_non_exhaustive()
    }
}

/// Parses an OAuth request body: form-encoded (RFC 6749) or JSON; errors in RFC 6749 form.
fn parse_oauth_body<T: serde::de::DeserializeOwned>(req: &HttpRequest, body: &[u8]) -> Result<T, ApiError> {
    let ct = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let essence = ct.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    let parsed: Result<T, String> = match essence.as_str() {
        "application/x-www-form-urlencoded" => {
            let pairs: Vec<(String, String)> =
                serde_urlencoded::from_bytes(body).map_err(|e| ApiError::oauth("invalid_request", e.to_string()))?;
            if let Some((name, _)) = pairs.iter().find(|(k, v)| has_control(k) || has_control(v)) {
                return Err(control_character(name));
            }
            serde_urlencoded::from_bytes(body).map_err(|e| e.to_string())
        }
        "application/json" => {
            let raw: serde_json::Value =
                serde_json::from_slice(body).map_err(|e| ApiError::oauth("invalid_request", e.to_string()))?;
            if let Some(field) = crate::extract::control_characters(&raw).into_iter().next() {
                return Err(control_character(&field.field));
            }
            serde_json::from_value(raw).map_err(|e| e.to_string())
        }
        _ => return Err(ApiError::UnsupportedMediaType),
    };
    parsed.map_err(|e| ApiError::oauth("invalid_request", e))
}

/// No OAuth parameter is free text: any `Cc` character or bidi control is refused.
fn has_control(s: &str) -> bool {
    s.chars().any(casework_domain::text::refused_in_label)
}

fn control_character(name: &str) -> ApiError {
    // The name can itself hold the character; show it escaped.
    ApiError::oauth(
        "invalid_request",
        format!("`{}` contains a control character", name.escape_debug()),
    )
}

/// RFC 6749 §2.3.1: client credentials may come as HTTP Basic.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, b64) = v.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(STANDARD.decode(b64.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

fn required(v: Option<String>, name: &str) -> Result<String, ApiError> {
    v.filter(|s| !s.is_empty())
        .ok_or_else(|| ApiError::oauth("invalid_request", format!("`{name}` is required")))
}

/// The `200` of the token endpoint for a token just `issued`.
fn token_response(issued: Issued, scope: String, refresh_token: Option<String>) -> HttpResponse {
    HttpResponse::Ok().json(TokenResponse {
        access_token: issued.access_token,
        token_type: "Bearer".into(),
        expires_in: issued.expires_in,
        scope,
        refresh_token,
    })
}

/// A staff member's sign-in or refresh: an access token for `user` in `role`, with the
/// refresh token that comes with it.
async fn staff_tokens(
    state: &AppState,
    user: uuid::Uuid,
    role: Role,
    generation: i64,
    refresh_token: String,
) -> ApiResult<HttpResponse> {
    let issued = state
        .tokens
        .issue(&state.db, user, Some((role, generation)), None, "casework-staff")
        .await?;
    Ok(token_response(issued, role.as_str().to_owned(), Some(refresh_token)))
}

const BAD_LOGIN: &str = "invalid username or password, or the account is locked or inactive";

/// Issue an access token.
///
/// Staff sign in with `grant_type=password` (`username` = email) and receive a refresh
/// token; `grant_type=refresh_token` trades it for a new pair (a spent refresh token used
/// again revokes its whole family). Integrations use `grant_type=client_credentials`.
/// Five failed sign-ins from one address within 15 minutes lock that address out of the
/// account (20 from at least three addresses lock it for everyone); wrong current
/// passwords at `POST /v1/me/password` count too. An account created by an admin gets a
/// token that opens only `POST /v1/me/password` until its holder sets their own password;
/// one whose supervisor grant was approved signs in only after `POST /v1/auth/enroll`.
/// Errors follow RFC 6749 §5.2.
#[utoipa::path(
    operation_id = "issue_token",
    tag = "auth",
    request_body(
        description = "Token request, form-encoded as RFC 6749 specifies (a JSON body with the same fields is accepted too)",
        content = TokenRequest,
        content_type = "application/x-www-form-urlencoded"
    ),
    responses(
        (status = 200, description = "Token issued", body = TokenResponse),
        (status = 400, description = "RFC 6749 error: invalid_request, invalid_grant, unsupported_grant_type, invalid_scope", body = OAuthError),
        (status = 401, description = "RFC 6749 error: invalid_client", body = OAuthError),
        crate::openapi::OAuthBodyRefused,
        (status = 429, description = "Too many token requests from this address; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Too many passwords being checked at once (each Argon2id check holds 19 MiB, and only as many run as there are cores); see Retry-After", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/v1/auth/token")]
pub async fn token(req: HttpRequest, mut payload: web::Payload, state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let address = state.client_address(&req);
    state
        .token_limiter
        .check(&address)
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    let body = read_body(&req, &mut payload).await?;
    let tr: TokenRequest = parse_oauth_body(&req, &body)?;
    let now = state.clock.ts();
    match tr.grant_type.as_str() {
        "password" => {
            let username = required(tr.username, "username")?;
            let password = required(tr.password, "password")?;
            let mut conn = state.db.acquire().await?;
            let Some(rec) = store::login_record(&mut conn, &username).await? else {
                drop(conn);
                // Same work as a wrong password, so timing does not reveal who exists.
                let _ = crypto::verify_against_dummy(&password).await?;
                tracing::info!(client.address = %address, "sign-in for an unknown account");
                return Err(ApiError::oauth("invalid_grant", BAD_LOGIN));
            };
            let user = rec.user.id;
            // Counted as a failure before the password is checked, so a burst of attempts
            // cannot all pass the lock; locked out: refused without hashing anything.
            let mut tx = conn.begin().await?;
            let attempt = store::begin_attempt(&mut tx, user, &address, now).await?;
            tx.commit().await?;
            drop(conn);
            let Ok(attempt) = attempt else {
                tracing::info!(user.id = %user, client.address = %address, "sign-in refused: locked out");
                return Err(ApiError::oauth("invalid_grant", BAD_LOGIN));
            };
            // No connection is held while hashing.
            let ok = match crypto::verify_password(&password, &rec.password_hash).await {
                Ok(ok) => ok,
                Err(busy) => {
                    let mut conn = state.db.acquire().await?;
                    store::forget_attempt(&mut conn, attempt).await?;
                    return Err(busy.into());
                }
            };
            if !ok || !rec.user.active || rec.user.enrollment_pending {
                tracing::info!(user.id = %user, client.address = %address, password_ok = ok, "failed sign-in");
                return Err(ApiError::oauth("invalid_grant", BAD_LOGIN));
            }
            let mut tx = state.db.begin().await?;
            store::record_login_success(&mut tx, user, &address).await?;
            let refresh = store::start_refresh_family(&mut tx, user, now).await?;
            tx.commit().await?;
            staff_tokens(&state, user, rec.user.role, rec.token_generation, refresh).await
        }
        "refresh_token" => {
            let presented = required(tr.refresh_token, "refresh_token")?;
            let mut tx = state.db.begin().await?;
            let outcome = store::rotate_refresh(&mut tx, &presented, now).await?;
            // Commit even on reuse: the family revocation must stick.
            tx.commit().await?;
            match outcome {
                Rotation::Rotated {
                    user,
                    generation,
                    refresh_token,
                } => staff_tokens(&state, user.id, user.role, generation, refresh_token).await,
                Rotation::Reused => {
                    tracing::warn!("refresh token reused; its family has been revoked");
                    Err(ApiError::oauth("invalid_grant", "the refresh token is invalid"))
                }
                Rotation::Invalid => Err(ApiError::oauth("invalid_grant", "the refresh token is invalid")),
            }
        }
        "client_credentials" => {
            let (id, secret) = match basic_credentials(&req) {
                Some(c) => c,
                None => (
                    required(tr.client_id, "client_id")?,
                    required(tr.client_secret, "client_secret")?,
                ),
            };
            let mut conn = state.db.acquire().await?;
            let client = store::authenticate_client(&mut conn, &id, &secret)
                .await?
                .ok_or_else(|| ApiError::oauth("invalid_client", "client authentication failed"))?;
            drop(conn);
            let scopes = store::narrow_scopes(&client.scopes, tr.scope.as_deref())
                .map_err(|e| ApiError::oauth("invalid_scope", e.message))?;
            let scope = scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ");
            let issued = state
                .tokens
                .issue(&state.db, client.id, None, Some(scope.clone()), &client.client_id)
                .await?;
            Ok(token_response(issued, scope, None))
        }
        "" => Err(ApiError::oauth("invalid_request", "`grant_type` is required")),
        _ => Err(ApiError::oauth(
            "unsupported_grant_type",
            "use password, refresh_token or client_credentials",
        )),
    }
}

/// Setting one's own password with the enrollment code handed over by the supervisor who
/// approved one's role.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnrollRequest {
    /// The one-time code (`cwe_…`) the approving supervisor received.
    #[schema(min_length = 1, max_length = 200)]
    pub code: String,
    /// Optional: your email; when given it must be the account's the code was issued to.
    #[schema(format = Email, min_length = 3, max_length = 254)]
    pub email: Option<String>,
    /// Your new password, 12–1024 characters.
    #[schema(format = Password, write_only, min_length = 12, max_length = 1024)]
    pub password: String,
}

/// Never prints the code or the password.
impl std::fmt::Debug for EnrollRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollRequest")
            .field("code", &"<redacted>")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Set your own password with an enrollment code.
///
/// When a supervisor approves a `supervisor` role grant, every credential of the account
/// ends (password, refresh and access tokens) and the approver receives, once, an
/// enrollment code to hand to the person. With it, and only then, the person sets their
/// own password here and can sign in: the admin who asked for the grant never knows it.
/// A code is single-use and lasts 24 hours; an unknown, spent, expired or foreign code is
/// 422 `invalid_enrollment_code` alike. Audited as `user.enroll`.
#[utoipa::path(
    operation_id = "enroll",
    tag = "auth",
    request_body = EnrollRequest,
    responses(
        (status = 204, description = "Password set; sign in with it"),
        (status = 422, description = "`invalid_enrollment_code` (unknown, spent, expired, or another account's), or a password of the wrong length", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Too many passwords being hashed at once; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/v1/auth/enroll")]
pub async fn enroll(
    req: HttpRequest,
    body: Result<JsonBody<EnrollRequest>, ApiError>,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    let address = state.client_address(&req);
    state
        .token_limiter
        .check(&address)
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    let body = body?;
    let password = Password::parse("password", &body.value.password)?;
    let now = state.clock.ts();
    let mut tx = state.db.begin().await?;
    let Some(user) = store::enroll(&mut tx, &body.value.code, body.value.email.as_deref(), &password, now).await?
    else {
        tracing::info!(client.address = %address, "enrollment with an invalid code");
        return Err(ApiError::field(
            "code",
            "invalid_enrollment_code",
            "the enrollment code is unknown, already used, expired, or not this account's",
        ));
    };
    audit::record(
        &mut tx,
        &format!("user:{}", user.id),
        "user.enroll",
        &format!("user:{}", user.id),
        serde_json::json!({"role": user.role}),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A revocation request (RFC 7009).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// The refresh token to revoke (its whole family ends).
    #[schema(min_length = 1)]
    pub token: String,
    /// `refresh_token` or `access_token` (a hint only).
    pub token_type_hint: Option<String>,
}

/// Never prints the token.
impl std::fmt::Debug for RevokeRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RevokeRequest")
            .field("token", &"<redacted>")
            .field("token_type_hint", &self.token_type_hint)
            .finish()
    }
}

/// Revoke a refresh token (RFC 7009).
///
/// Ends the token's whole family. Unknown tokens are accepted silently, as RFC 7009
/// requires. Access tokens are short-lived (≤ 15 min) and are not tracked, so presenting
/// one here changes nothing.
#[utoipa::path(
    operation_id = "revoke_token",
    tag = "auth",
    request_body(
        description = "Form-encoded as RFC 7009 specifies (a JSON body with the same fields is accepted too)",
        content = RevokeRequest,
        content_type = "application/x-www-form-urlencoded"
    ),
    responses(
        (status = 200, description = "Revoked (or already unknown)"),
        (status = 400, description = "RFC 6749 error: invalid_request", body = OAuthError),
        crate::openapi::OAuthBodyRefused,
        (status = 429, description = "Too many revocation requests from this address; see Retry-After", body = crate::error::Problem, content_type = "application/problem+json",
            headers(("Retry-After" = u64, description = "Seconds to wait"))),
    )
)]
#[post("/v1/auth/revoke")]
pub async fn revoke(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    // Each request costs a database lookup, and guesses of tokens are pointless but
    // should not be free.
    state
        .revoke_limiter
        .check(&state.client_address(&req))
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    let body = read_body(&req, &mut payload).await?;
    let rr: RevokeRequest = parse_oauth_body(&req, &body)?;
    let mut tx = state.db.begin().await?;
    store::revoke_refresh(&mut tx, &rr.token, state.clock.ts()).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().finish())
}

/// One public key in JWK form (RFC 8037 OKP).
#[derive(Debug, Serialize, ToSchema)]
pub struct Jwk {
    /// `OKP`.
    pub kty: String,
    /// `Ed25519`.
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    pub kid: String,
    /// `EdDSA`.
    pub alg: String,
    /// `sig`.
    #[serde(rename = "use")]
    pub use_: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct JwkSet {
    pub keys: Vec<Jwk>,
}

/// Public keys that verify access tokens (current and recently retired).
#[utoipa::path(
    operation_id = "get_jwks",tag = "auth", responses((status = 200, description = "JWK set", body = JwkSet)))]
#[get("/.well-known/jwks.json")]
pub async fn jwks(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let keys = state.tokens.published_keys(&state.db).await?;
    Ok(HttpResponse::Ok().json(JwkSet {
        keys: keys
            .into_iter()
            .map(|k| Jwk {
                kty: "OKP".into(),
                crv: "Ed25519".into(),
                x: crypto::b64(&k.public_key),
                kid: k.kid,
                alg: "EdDSA".into(),
                use_: "sig".into(),
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    //! Every type that holds a secret (a password, a client secret, a refresh or access
    //! token, an enrollment code) prints `<redacted>` in its place: a stray `{:?}` in a log
    //! line must not leak one.

    use casework_domain::identity::{
        Email, Label, NewUser, Password, Role,
        store::{EnrollmentCode, IssuedClient, LoginRecord, Rotation, User},
    };

    use super::*;
    use crate::routes::{api_clients::ApiClientCreated, me::ChangePassword, users};

    const SECRET: &str = "S3CRET-never-print-me";

    fn user() -> User {
        let at = casework_domain::Ts::new(jiff::Timestamp::UNIX_EPOCH);
        User {
            id: uuid::Uuid::nil(),
            email: "a@example.org".into(),
            display_name: "A".into(),
            role: Role::Supervisor,
            active: true,
            pending_role: None,
            must_change_password: false,
            enrollment_pending: false,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn no_request_or_answer_prints_its_secret() {
        let s = || SECRET.to_owned();
        let at = casework_domain::Ts::new(jiff::Timestamp::UNIX_EPOCH);
        let printed: Vec<String> = vec![
            format!(
                "{:?}",
                TokenRequest {
                    grant_type: "password".into(),
                    username: Some("a@example.org".into()),
                    password: Some(s()),
                    refresh_token: Some(s()),
                    client_id: Some("cwc_1".into()),
                    client_secret: Some(s()),
                    scope: None,
                }
            ),
            format!(
                "{:?}",
                TokenResponse {
                    access_token: s(),
                    token_type: "Bearer".into(),
                    expires_in: 900,
                    scope: "caseworker".into(),
                    refresh_token: Some(s()),
                }
            ),
            format!(
                "{:?}",
                RevokeRequest {
                    token: s(),
                    token_type_hint: None
                }
            ),
            format!(
                "{:?}",
                EnrollRequest {
                    code: s(),
                    email: None,
                    password: s()
                }
            ),
            format!(
                "{:?}",
                ChangePassword {
                    current_password: s(),
                    new_password: s()
                }
            ),
            format!(
                "{:?}",
                users::CreateUser {
                    email: "a@example.org".into(),
                    display_name: "A".into(),
                    role: Role::Caseworker,
                    password: s(),
                }
            ),
            format!(
                "{:?}",
                users::RoleDecided {
                    user: users::UserOut::from(user()),
                    enrollment_code: Some(s()),
                    enrollment_code_expires_at: None,
                }
            ),
            format!(
                "{:?}",
                ApiClientCreated {
                    id: uuid::Uuid::nil(),
                    name: "Integration".into(),
                    client_id: "cwc_1".into(),
                    scopes: vec![],
                    created_at: jiff::Timestamp::UNIX_EPOCH,
                    client_secret: Some(s()),
                }
            ),
            format!(
                "{:?}",
                NewUser {
                    email: Email::parse("email", "a@example.org").unwrap(),
                    display_name: Label::parse("display_name", "A").unwrap(),
                    role: Role::Caseworker,
                    password: Password::parse("password", SECRET).unwrap(),
                }
            ),
            format!(
                "{:?}",
                IssuedClient {
                    client: casework_domain::identity::ApiClient {
                        id: uuid::Uuid::nil(),
                        name: "Integration".into(),
                        client_id: "cwc_1".into(),
                        scopes: vec![],
                        created_at: at,
                        revoked_at: None,
                    },
                    client_secret: s(),
                }
            ),
            format!(
                "{:?}",
                Rotation::Rotated {
                    user: user(),
                    generation: 0,
                    refresh_token: s()
                }
            ),
            format!(
                "{:?}",
                EnrollmentCode {
                    code: s(),
                    expires_at: at
                }
            ),
            format!(
                "{:?}",
                LoginRecord {
                    user: user(),
                    password_hash: s(),
                    token_generation: 0
                }
            ),
        ];
        for p in &printed {
            assert!(!p.contains(SECRET), "{p}");
            assert!(p.contains("<redacted>"), "{p}");
        }
    }
}
