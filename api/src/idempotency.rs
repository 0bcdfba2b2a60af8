//! `Idempotency-Key` on POST (contract §1), on top of the domain's key store.
//!
//! A handler calls [`begin`], which opens the transaction and claims the key; does its
//! work on `work.tx`; and ends with [`Work::finish`], which stores the response under the
//! key and commits: the stored response and the effect land together or not at all.

use actix_web::{HttpRequest, HttpResponse, http::StatusCode};
use casework_domain::{
    Clock, crypto,
    idempotency::{self, Begin, StoredResponse},
};
use serde::Serialize;
use sqlx::PgConnection;
use sqlx::{Postgres, Transaction};

use crate::{auth::Principal, error::ApiError, startup::AppState};

pub const HEADER: &str = "Idempotency-Key";
pub const REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// What to do after [`start`].
enum Started {
    /// Do the work; `claim` is `None` when the request carried no key.
    Proceed(Option<Claim>),
    /// Answer with the stored response.
    Replay(HttpResponse),
}

/// A key claimed for this transaction.
pub struct Claim {
    caller: String,
    key: String,
    hash: Vec<u8>,
}

fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(v) = req.headers().get(HEADER) else {
        return Ok(None);
    };
    let s = v.to_str().unwrap_or_default();
    if s.is_empty() || s.len() > 255 || !s.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::field(
            "Idempotency-Key",
            "invalid_header",
            "Idempotency-Key must be 1-255 visible ASCII characters",
        ));
    }
    Ok(Some(s.to_owned()))
}

/// Fields whose values enter a fingerprint only through a keyed HMAC: the fingerprint is
/// a fast hash kept for a day, and a plain hash of a password in it would let a copy of
/// the table test password guesses offline. Under a server-held key (in `app_secrets`,
/// never in the fingerprint table) it cannot, yet a retry with another password is still
/// recognised as a different request.
const SECRET_FIELDS: &[&str] = &["password", "current_password", "new_password", "client_secret"];

/// Splits a body into its non-secret part (secret values replaced by `null`) and the list
/// of secret values with their paths, in document order.
fn split_secrets(
    v: &serde_json::Value,
    path: &str,
    secrets: &mut Vec<(String, serde_json::Value)>,
) -> serde_json::Value {
    match v {
        serde_json::Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let here = format!("{path}/{k}");
                let v = if SECRET_FIELDS.contains(&k.as_str()) {
                    secrets.push((here, v.clone()));
                    serde_json::Value::Null
                } else {
                    split_secrets(v, &here, secrets)
                };
                (k.clone(), v)
            })
            .collect(),
        serde_json::Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| split_secrets(v, &format!("{path}/{i}"), secrets))
            .collect(),
        other => other.clone(),
    }
}

/// Fingerprint of a request: method, path, body (keys sorted, secret values replaced by an
/// HMAC under `key`), so the same key sent to another endpoint or with another body —
/// another password included — is recognised as a different request.
fn fingerprint(req: &HttpRequest, body: &serde_json::Value, key: &[u8]) -> Vec<u8> {
    let mut secrets = Vec::new();
    let public = split_secrets(body, "", &mut secrets);
    let mut data = format!("{} {}\n", req.method(), req.path()).into_bytes();
    data.extend(serde_json::to_vec(&public).unwrap_or_default());
    if !secrets.is_empty() {
        data.push(b'\n');
        data.extend(crypto::hmac_sha256(
            key,
            &serde_json::to_vec(&secrets).unwrap_or_default(),
        ));
    }
    crypto::sha256(&data)
}

/// Claims the request's key (if any) inside the caller's transaction.
async fn start(
    conn: &mut PgConnection,
    req: &HttpRequest,
    principal: &Principal,
    body: &serde_json::Value,
    hmac_key: &[u8],
    clock: &Clock,
) -> Result<Started, ApiError> {
    let Some(key) = key_of(req)? else {
        return Ok(Started::Proceed(None));
    };
    let caller = principal.key();
    let hash = fingerprint(req, body, hmac_key);
    match idempotency::begin(conn, &caller, &key, &hash, clock.ts()).await? {
        Begin::Proceed => Ok(Started::Proceed(Some(Claim { caller, key, hash }))),
        Begin::Replay(stored) => Ok(Started::Replay(replay(&stored))),
        Begin::Mismatch => Err(ApiError::IdempotencyMismatch),
        Begin::InProgress => Err(ApiError::IdempotencyInProgress),
    }
}

fn replay(stored: &StoredResponse) -> HttpResponse {
    let mut res = HttpResponse::build(StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK));
    if let Some(map) = stored.headers.as_object() {
        for (k, v) in map {
            if let Some(v) = v.as_str() {
                res.insert_header((k.as_str(), v));
            }
        }
    }
    res.insert_header((REPLAYED_HEADER, "true"));
    if stored.body.is_empty() {
        return res.finish();
    }
    res.content_type("application/json").body(stored.body.clone())
}

impl Claim {
    /// Stores the answer under the claimed key, in the transaction of the work it answers.
    async fn complete(
        &self,
        conn: &mut PgConnection,
        status: StatusCode,
        headers: &[(&str, String)],
        body: Vec<u8>,
        clock: &Clock,
    ) -> Result<(), ApiError> {
        let header_map: serde_json::Map<String, serde_json::Value> = headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
            .collect();
        let stored = StoredResponse {
            status: status.as_u16(),
            body,
            headers: header_map.into(),
        };
        idempotency::complete(conn, &self.caller, &self.key, &self.hash, &stored, clock.ts()).await?;
        Ok(())
    }
}

/// A POST's unit of work: its transaction and the claim on its key, if it sent one.
pub struct Work {
    pub tx: Transaction<'static, Postgres>,
    claim: Option<Claim>,
    hmac_key: Vec<u8>,
}

/// What [`begin`] found.
pub enum Begun {
    /// Do the work, then [`Work::finish`].
    Work(Work),
    /// The key was used before with this request: answer with the stored response.
    Replay(HttpResponse),
}

/// Opens the transaction of a POST and claims its `Idempotency-Key`, if any. `body` is the
/// parsed request body (`Null` for bodiless POSTs).
pub async fn begin(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    body: &serde_json::Value,
) -> Result<Begun, ApiError> {
    let mut work = open(state).await?;
    match work.claim(req, principal, body, &state.clock).await? {
        Some(replay) => Ok(Begun::Replay(replay)),
        None => Ok(Begun::Work(work)),
    }
}

/// Opens the transaction of a POST without claiming its key yet, for handlers that must
/// first check what the caller may see (then [`Work::claim`]).
pub async fn open(state: &AppState) -> Result<Work, ApiError> {
    let hmac_key = state.idempotency_key().await?.to_vec();
    Ok(Work {
        tx: state.db.begin().await?,
        claim: None,
        hmac_key,
    })
}

impl Work {
    /// Like [`Work::finish`] for a response without a body (204).
    pub async fn finish_empty(mut self, status: StatusCode, clock: &Clock) -> Result<HttpResponse, ApiError> {
        if let Some(c) = self.claim {
            c.complete(&mut self.tx, status, &[], Vec::new(), clock).await?;
        }
        self.tx.commit().await?;
        Ok(HttpResponse::build(status).finish())
    }

    /// Claims the request's `Idempotency-Key`, if any; `Some(response)` when the request is a
    /// replay and that stored response is the answer.
    pub async fn claim(
        &mut self,
        req: &HttpRequest,
        principal: &Principal,
        body: &serde_json::Value,
        clock: &Clock,
    ) -> Result<Option<HttpResponse>, ApiError> {
        match start(&mut self.tx, req, principal, body, &self.hmac_key, clock).await? {
            Started::Replay(res) => Ok(Some(res)),
            Started::Proceed(claim) => {
                self.claim = claim;
                Ok(None)
            }
        }
    }

    /// Builds the JSON response, stores it under the key (if one was claimed), and commits
    /// everything. `stored_body` replaces the body kept for replays when the live one holds
    /// something that must be shown only once (a client secret).
    pub async fn finish<T: Serialize>(
        mut self,
        status: StatusCode,
        headers: &[(&str, String)],
        body: &T,
        stored_body: Option<&serde_json::Value>,
        clock: &Clock,
    ) -> Result<HttpResponse, ApiError> {
        let bytes = serde_json::to_vec(body).map_err(|e| ApiError::Internal(e.into()))?;
        if let Some(c) = self.claim {
            let kept = match stored_body {
                Some(v) => serde_json::to_vec(v).map_err(|e| ApiError::Internal(e.into()))?,
                None => bytes.clone(),
            };
            c.complete(&mut self.tx, status, headers, kept, clock).await?;
        }
        self.tx.commit().await?;
        let mut res = HttpResponse::build(status);
        for (k, v) in headers {
            res.insert_header((*k, v.as_str()));
        }
        Ok(res.content_type("application/json").body(bytes))
    }
}

/// The id at the end of a replayed answer's `Location` (the resource a create made), so
/// the handler can check the caller still sees it before replaying.
#[must_use]
pub fn replayed_location_id(replay: &HttpResponse) -> Option<uuid::Uuid> {
    replay
        .headers()
        .get("Location")
        .and_then(|l| l.to_str().ok())
        .and_then(|l| l.rsplit('/').next())
        .and_then(|s| s.parse().ok())
}

/// What a write answers: status, extra headers, and the JSON body (stored under the key).
pub struct Answer<O> {
    pub status: StatusCode,
    pub headers: Vec<(&'static str, String)>,
    pub body: O,
}

impl<O> Answer<O> {
    /// `200 OK` with an `ETag` of `version`.
    pub fn ok(version: i64, body: O) -> Self {
        Self {
            status: StatusCode::OK,
            headers: vec![("ETag", crate::extract::etag(version))],
            body,
        }
    }

    /// `201 Created` with these headers.
    pub fn created(headers: Vec<(&'static str, String)>, body: O) -> Self {
        Self {
            status: StatusCode::CREATED,
            headers,
            body,
        }
    }
}

/// A POST whose key is claimed as soon as the body has been judged (creations, and
/// decisions whose 404 comes from the work itself): the transaction opens and the
/// `Idempotency-Key` is claimed (a replay is answered at once), then `act` does the work in
/// the transaction that also stores the answer under the key. `body` is the parsed request
/// body the key's fingerprint covers.
pub async fn write<O: Serialize>(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    body: &serde_json::Value,
    act: impl AsyncFnOnce(&mut PgConnection) -> Result<Answer<O>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let mut work = match begin(state, req, principal, body).await? {
        Begun::Replay(res) => return Ok(res),
        Begun::Work(w) => w,
    };
    let answer = act(&mut work.tx).await?;
    work.finish(answer.status, &answer.headers, &answer.body, None, &state.clock)
        .await
}

/// A POST in the order every write follows: `find` decides what the caller sees (404
/// before anything in the request is looked at, so an outsider learns nothing from a
/// refused body or key), then the body must parse, then the `Idempotency-Key` is claimed
/// (so a replay, too, is only answered to someone who still sees the resource), then `act`
/// does the work in the transaction that also stores the answer under the key.
pub async fn post<S, T, O: Serialize>(
    state: &AppState,
    req: &HttpRequest,
    principal: &Principal,
    body: Result<crate::extract::JsonBody<T>, ApiError>,
    find: impl AsyncFnOnce(&mut PgConnection) -> Result<S, ApiError>,
    act: impl AsyncFnOnce(&mut PgConnection, S, T) -> Result<Answer<O>, ApiError>,
) -> Result<HttpResponse, ApiError> {
    let mut work = open(state).await?;
    let seen = find(&mut work.tx).await?;
    let body = body?;
    if let Some(replay) = work.claim(req, principal, &body.raw, &state.clock).await? {
        return Ok(replay);
    }
    let answer = act(&mut work.tx, seen, body.value).await?;
    work.finish(answer.status, &answer.headers, &answer.body, None, &state.clock)
        .await
}

#[cfg(test)]
mod tests {
    use actix_web::test::TestRequest;

    use super::*;

    #[test]
    fn secrets_change_the_fingerprint_only_through_the_keyed_hmac() {
        let req = TestRequest::post().uri("/v1/users").to_http_request();
        let a = serde_json::json!({"email": "a@b.co", "password": "first password"});
        let b = serde_json::json!({"email": "a@b.co", "password": "other password"});
        let key = b"server key";
        assert_eq!(fingerprint(&req, &a, key), fingerprint(&req, &a, key));
        assert_ne!(fingerprint(&req, &a, key), fingerprint(&req, &b, key));
        // Without the key the fingerprint cannot be recomputed from a guess.
        assert_ne!(fingerprint(&req, &a, key), fingerprint(&req, &a, b"another key"));
        let mut plain = b"POST /v1/users\n".to_vec();
        plain.extend(serde_json::to_vec(&a).unwrap_or_default());
        assert_ne!(fingerprint(&req, &a, key), crypto::sha256(&plain));
        // Bodies without secrets do not depend on the key.
        let c = serde_json::json!({"name": "x"});
        assert_eq!(fingerprint(&req, &c, key), fingerprint(&req, &c, b"another key"));
    }
}
