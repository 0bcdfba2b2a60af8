//! Access tokens: issuing and verifying RFC 9068 JWTs signed with Ed25519, and the
//! `Principal` extractor every protected handler takes.
//!
//! Verification pins everything an attacker could choose: the algorithm (EdDSA only, so
//! `none` and HS256-with-the-public-key are refused before any key is touched), the type
//! (`at+jwt`), the key (a `kid` we published), issuer and audience; `exp`, `nbf` and `iat`
//! are checked against the service's [`Clock`] rather than the host's, so a process run
//! with `CASEWORK_CLOCK_START` agrees with itself.

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::RwLock,
    time::{Duration, Instant},
};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use casework_domain::{
    Clock,
    case::{Actor, Visibility},
    identity::{Role, Scope, store},
    keys,
};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use uuid::Uuid;

use crate::{error::ApiError, startup::AppState};

/// Longest lifetime of an access token (contract §2).
pub const MAX_ACCESS_TOKEN_SECS: i64 = 15 * 60;
/// Tolerated clock difference for `nbf`/`iat` between replicas.
const SKEW_SECS: i64 = 30;
/// Least time between two reloads of the key set on an unknown `kid`, so random `kid`s
/// cannot turn into database load.
const KEY_RELOAD_MIN: Duration = Duration::from_secs(5);
/// Keys are reloaded at least this often, so retired keys stop verifying.
const KEY_RELOAD_MAX: Duration = Duration::from_secs(60);
pub const TOKEN_TYPE: &str = "at+jwt";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub exp: i64,
    pub iat: i64,
    pub nbf: i64,
    pub jti: String,
    pub client_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// Staff: the account's token generation when issued; a later one voids the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<i64>,
}

struct KeyCache {
    keys: HashMap<String, DecodingKey>,
    loaded_at: Option<Instant>,
}

pub struct TokenService {
    issuer: String,
    audience: String,
    ttl_secs: i64,
    clock: Clock,
    cache: RwLock<KeyCache>,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenService")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

/// An issued access token.
#[derive(Debug)]
pub struct Issued {
    pub access_token: String,
    pub expires_in: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("invalid token")]
    Invalid,
    #[error("token expired")]
    Expired,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl TokenService {
    #[must_use]
    pub fn new(issuer: String, audience: String, ttl_secs: i64, clock: Clock) -> Self {
        Self {
            issuer,
            audience,
            ttl_secs: ttl_secs.clamp(60, MAX_ACCESS_TOKEN_SECS),
            clock,
            cache: RwLock::new(KeyCache {
                keys: HashMap::new(),
                loaded_at: None,
            }),
        }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// Signs a token for a staff member or an integration client.
    pub async fn issue(
        &self,
        db: &PgPool,
        sub: Uuid,
        role: Option<(Role, i64)>,
        scope: Option<String>,
        client_id: &str,
    ) -> Result<Issued, ApiError> {
        let mut conn = db.acquire().await?;
        let key = keys::current_signing_key(&mut conn)
            .await?
            .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no signing key")))?;
        let now = self.clock.now().as_second();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: sub.to_string(),
            exp: now + self.ttl_secs,
            iat: now,
            nbf: now,
            jti: Uuid::now_v7().to_string(),
            client_id: client_id.to_owned(),
            role: role.map(|(r, _)| r),
            scope,
            generation: role.map(|(_, g)| g),
        };
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(TOKEN_TYPE.to_owned());
        header.kid = Some(key.kid.clone());
        let token = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ed_der(&key.private_pkcs8))
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("signing failed: {e}")))?;
        Ok(Issued {
            access_token: token,
            expires_in: self.ttl_secs,
        })
    }

    /// The keys published to verifiers (`/.well-known/jwks.json`) and listed to admins:
    /// the one that signs, and those retired recently enough that a token they signed may
    /// still be presented (its lifetime, and a minute to spare).
    pub async fn published_keys(&self, db: &PgPool) -> Result<Vec<keys::PublicKey>, sqlx::Error> {
        let mut conn = db.acquire().await?;
        let grace = jiff::SignedDuration::from_secs(MAX_ACCESS_TOKEN_SECS + 60);
        keys::verifying_keys(&mut conn, self.clock.ts(), grace).await
    }

    /// Forgets cached keys (after a rotation on this replica).
    pub fn invalidate(&self) {
        if let Ok(mut c) = self.cache.write() {
            c.loaded_at = None;
        }
    }

    async fn reload(&self, db: &PgPool) -> Result<(), sqlx::Error> {
        let mut conn = db.acquire().await?;
        let grace = jiff::SignedDuration::from_secs(MAX_ACCESS_TOKEN_SECS + SKEW_SECS);
        let rows = keys::verifying_keys(&mut conn, self.clock.ts(), grace).await?;
        let map = rows
            .into_iter()
            .map(|k| (k.kid, DecodingKey::from_ed_der(&k.public_key)))
            .collect();
        if let Ok(mut c) = self.cache.write() {
            c.keys = map;
            c.loaded_at = Some(Instant::now());
        }
        Ok(())
    }

    fn cached_key(&self, kid: &str) -> (Option<DecodingKey>, Option<Instant>) {
        self.cache
            .read()
            .map_or((None, None), |c| (c.keys.get(kid).cloned(), c.loaded_at))
    }

    async fn key_for(&self, db: &PgPool, kid: &str) -> Result<Option<DecodingKey>, sqlx::Error> {
        let (key, loaded) = self.cached_key(kid);
        let age = loaded.map(|t| t.elapsed());
        let stale = age.is_none_or(|a| a > KEY_RELOAD_MAX);
        let may_retry = age.is_none_or(|a| a > KEY_RELOAD_MIN);
        if stale || (key.is_none() && may_retry) {
            self.reload(db).await?;
            return Ok(self.cached_key(kid).0);
        }
        Ok(key)
    }

    /// Verifies a token and returns its claims.
    pub async fn verify(&self, db: &PgPool, token: &str) -> Result<Claims, VerifyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Invalid)?;
        if header.alg != Algorithm::EdDSA {
            return Err(VerifyError::Invalid);
        }
        let typ_ok = header
            .typ
            .as_deref()
            .is_some_and(|t| t.eq_ignore_ascii_case(TOKEN_TYPE) || t.eq_ignore_ascii_case("application/at+jwt"));
        if !typ_ok {
            return Err(VerifyError::Invalid);
        }
        let kid = header.kid.ok_or(VerifyError::Invalid)?;
        let key = self.key_for(db, &kid).await?.ok_or(VerifyError::Invalid)?;
        let mut validation = Validation::new(Algorithm::EdDSA);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iat", "nbf", "iss", "aud", "sub"]);
        // Time claims are checked below against our clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|_| VerifyError::Invalid)?;
        let c = data.claims;
        let now = self.clock.now().as_second();
        if c.exp - c.iat > MAX_ACCESS_TOKEN_SECS || c.nbf > now + SKEW_SECS || c.iat > now + SKEW_SECS {
            return Err(VerifyError::Invalid);
        }
        if c.exp <= now {
            return Err(VerifyError::Expired);
        }
        Ok(c)
    }
}

/// Who is calling: a staff member (with a role) or an integration client (with scopes).
#[derive(Debug, Clone)]
pub enum Principal {
    User {
        id: Uuid,
        role: Role,
    },
    Client {
        id: Uuid,
        client_id: String,
        scopes: Vec<Scope>,
    },
}

impl Principal {
    /// Stable key for per-caller records (idempotency, audit).
    #[must_use]
    pub fn key(&self) -> String {
        match self {
            Principal::User { id, .. } => format!("user:{id}"),
            Principal::Client { id, .. } => format!("client:{id}"),
        }
    }

    #[must_use]
    pub fn role(&self) -> Option<Role> {
        match self {
            Principal::User { role, .. } => Some(*role),
            Principal::Client { .. } => None,
        }
    }

    #[must_use]
    pub fn user_id(&self) -> Option<Uuid> {
        match self {
            Principal::User { id, .. } => Some(*id),
            Principal::Client { .. } => None,
        }
    }

    /// 403 unless a staff member with one of `roles`.
    pub fn require_role(&self, roles: &[Role]) -> Result<Uuid, ApiError> {
        match self {
            Principal::User { id, role } if roles.contains(role) => Ok(*id),
            _ => Err(ApiError::Forbidden),
        }
    }

    /// Which cases this caller sees, and who acts: the one visibility rule.
    #[must_use]
    pub fn visibility(&self) -> Visibility {
        Visibility::of(self.role(), self.user_id())
    }

    /// Caseworkers and supervisors work cases; admins and integrations may not (403).
    pub fn case_actor(&self) -> Result<Actor, ApiError> {
        self.visibility().actor().ok_or(ApiError::Forbidden)
    }

    /// 403 unless any staff member, or a client holding `scope`.
    pub fn require_staff_or_scope(&self, scope: Scope) -> Result<(), ApiError> {
        match self {
            Principal::User { .. } => Ok(()),
            Principal::Client { scopes, .. } if scopes.contains(&scope) => Ok(()),
            Principal::Client { .. } => Err(ApiError::Forbidden),
        }
    }
}

/// The one request a token of an account that must change its password may make.
fn is_password_change(req: &HttpRequest) -> bool {
    req.method() == actix_web::http::Method::POST && req.path() == "/v1/me/password"
}

fn bearer(req: &HttpRequest) -> Option<String> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
        .filter(|t| !t.is_empty())
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = bearer(req);
        let password_change = is_password_change(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("app state missing")))?;
            let token = token.ok_or(ApiError::Unauthorized("a bearer token is required"))?;
            let claims = state.tokens.verify(&state.db, &token).await.map_err(|e| match e {
                VerifyError::Invalid => ApiError::Unauthorized("the access token is invalid"),
                VerifyError::Expired => ApiError::Unauthorized("the access token has expired"),
                VerifyError::Db(e) => e.into(),
            })?;
            let id: Uuid = claims
                .sub
                .parse()
                .map_err(|_| ApiError::Unauthorized("the access token is invalid"))?;
            let mut conn = state.db.acquire().await?;
            // Checked on every request: deactivation, role change, revocation of the
            // account's credentials and client revocation take effect at once, not when
            // the token runs out.
            if claims.role.is_some() {
                let access = store::access(&mut conn, id)
                    .await?
                    .filter(|a| a.token_generation == claims.generation.unwrap_or_default())
                    .ok_or(ApiError::Unauthorized("the account is not active"))?;
                if access.must_change_password && !password_change {
                    return Err(ApiError::PasswordChangeRequired);
                }
                Ok(Principal::User { id, role: access.role })
            } else {
                let (client_id, held) = store::active_client(&mut conn, id)
                    .await?
                    .ok_or(ApiError::Unauthorized("the client has been revoked"))?;
                let granted: Vec<Scope> = claims
                    .scope
                    .as_deref()
                    .unwrap_or_default()
                    .split_whitespace()
                    .filter_map(|s| s.parse().ok())
                    .filter(|s| held.contains(s))
                    .collect();
                Ok(Principal::Client {
                    id,
                    client_id,
                    scopes: granted,
                })
            }
        })
    }
}
