//! Access-token verification: everything an attacker could alter is pinned.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use casework_domain::case::protect;
use casework_tests::{TestApp, problem};
use ed25519_dalek::{SigningKey, pkcs8::EncodePrivateKey};
use jiff::SignedDuration;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Keys {
    kid: String,
    private_der: Vec<u8>,
    public: Vec<u8>,
}

async fn current_key(app: &TestApp) -> Keys {
    let (kid, sealed, public): (String, Vec<u8>, Vec<u8>) =
        sqlx::query_as("SELECT kid, private_pkcs8, public_key FROM signing_keys WHERE retired_at IS NULL")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    // The private key is sealed under the key ring; these tests hold the ring.
    let private_der = protect::open_bytes(&sealed, &protect::SIGNING_KEY_PRIVATE.at(&kid)).unwrap();
    Keys {
        kid,
        private_der,
        public,
    }
}

fn claims(app: &TestApp, sub: &str, role: &str) -> Value {
    let now = app.clock.now().as_second();
    json!({
        "iss": app.settings.issuer, "aud": app.settings.audience, "sub": sub,
        "exp": now + 600, "iat": now, "nbf": now, "jti": "t", "client_id": "x", "role": role,
    })
}

fn sign(header: &Header, claims: &Value, der: &[u8]) -> String {
    jsonwebtoken::encode(header, claims, &EncodingKey::from_ed_der(der)).unwrap()
}

fn ed_header(kid: &str, typ: &str) -> Header {
    let mut h = Header::new(Algorithm::EdDSA);
    h.kid = Some(kid.to_owned());
    h.typ = Some(typ.to_owned());
    h
}

async fn admin_id(app: &TestApp) -> String {
    let t = app.admin_token().await;
    app.get("/v1/me", &t).await.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn assert_401(app: &TestApp, token: &str) {
    let res = app.get("/v1/me", token).await;
    assert!(
        res.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    problem(res, 401).await;
}

#[tokio::test]
async fn a_correctly_forged_token_is_accepted_so_the_negatives_below_mean_something() {
    let app = TestApp::spawn().await;
    let k = current_key(&app).await;
    let sub = admin_id(&app).await;
    let t = sign(
        &ed_header(&k.kid, "at+jwt"),
        &claims(&app, &sub, "admin"),
        &k.private_der,
    );
    assert_eq!(app.get("/v1/me", &t).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn missing_or_malformed_authorization() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/v1/me")).send().await.unwrap();
    problem(res, 401).await;
    let res = app
        .client
        .get(app.url("/v1/me"))
        .header("Authorization", "Basic abc")
        .send()
        .await
        .unwrap();
    problem(res, 401).await;
    assert_401(&app, "not-a-jwt").await;
}

#[tokio::test]
async fn expired_and_not_yet_valid_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    app.clock.advance(SignedDuration::from_mins(15));
    assert_401(&app, &token).await;

    let k = current_key(&app).await;
    let sub = admin_id(&app).await;
    let mut c = claims(&app, &sub, "admin");
    let now = app.clock.now().as_second();
    c["nbf"] = json!(now + 300);
    c["iat"] = json!(now + 300);
    c["exp"] = json!(now + 900);
    assert_401(&app, &sign(&ed_header(&k.kid, "at+jwt"), &c, &k.private_der)).await;

    // Longer than 15 minutes is never issued by us, so never accepted.
    let mut c = claims(&app, &sub, "admin");
    c["exp"] = json!(now + 3600);
    assert_401(&app, &sign(&ed_header(&k.kid, "at+jwt"), &c, &k.private_der)).await;
}

#[tokio::test]
async fn unknown_kid_and_foreign_keys_are_refused() {
    let app = TestApp::spawn().await;
    let k = current_key(&app).await;
    let sub = admin_id(&app).await;
    let c = claims(&app, &sub, "admin");
    assert_401(&app, &sign(&ed_header("no-such-kid", "at+jwt"), &c, &k.private_der)).await;
    let foreign = SigningKey::from_bytes(&[7u8; 32]).to_pkcs8_der().unwrap();
    assert_401(&app, &sign(&ed_header(&k.kid, "at+jwt"), &c, foreign.as_bytes())).await;
    let mut no_kid = Header::new(Algorithm::EdDSA);
    no_kid.typ = Some("at+jwt".into());
    assert_401(&app, &sign(&no_kid, &c, &k.private_der)).await;
}

#[tokio::test]
async fn alg_none_and_hs256_with_the_public_key_are_refused() {
    let app = TestApp::spawn().await;
    let k = current_key(&app).await;
    let sub = admin_id(&app).await;
    let c = claims(&app, &sub, "admin");
    let b64 = |v: &Value| URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap());
    let none = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "at+jwt", "kid": k.kid})),
        b64(&c)
    );
    assert_401(&app, &none).await;
    let mut hs = Header::new(Algorithm::HS256);
    hs.kid = Some(k.kid.clone());
    hs.typ = Some("at+jwt".into());
    let forged = jsonwebtoken::encode(&hs, &c, &EncodingKey::from_secret(&k.public)).unwrap();
    assert_401(&app, &forged).await;
    let x = URL_SAFE_NO_PAD.encode(&k.public);
    let forged = jsonwebtoken::encode(&hs, &c, &EncodingKey::from_secret(x.as_bytes())).unwrap();
    assert_401(&app, &forged).await;
}

#[tokio::test]
async fn wrong_audience_issuer_or_type_are_refused() {
    let app = TestApp::spawn().await;
    let k = current_key(&app).await;
    let sub = admin_id(&app).await;
    let mut c = claims(&app, &sub, "admin");
    c["aud"] = json!("someone-else");
    assert_401(&app, &sign(&ed_header(&k.kid, "at+jwt"), &c, &k.private_der)).await;
    let mut c = claims(&app, &sub, "admin");
    c["iss"] = json!("https://evil.example");
    assert_401(&app, &sign(&ed_header(&k.kid, "at+jwt"), &c, &k.private_der)).await;
    let c = claims(&app, &sub, "admin");
    assert_401(&app, &sign(&ed_header(&k.kid, "JWT"), &c, &k.private_der)).await;
    let mut c = claims(&app, &sub, "admin");
    c.as_object_mut().unwrap().remove("exp");
    assert_401(&app, &sign(&ed_header(&k.kid, "at+jwt"), &c, &k.private_der)).await;
}

#[tokio::test]
async fn a_tampered_payload_is_refused() {
    let app = TestApp::spawn().await;
    let (_, _, token) = app.staff("caseworker").await;
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    payload["role"] = json!("admin");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap()),
        parts[2]
    );
    assert_401(&app, &tampered).await;
    problem(app.get("/v1/users", &token).await, 403).await;
}

#[tokio::test]
async fn the_role_comes_from_the_database_not_the_token() {
    // A token whose role claim says admin, for a caseworker, signed with the real key:
    // the database's role wins.
    let app = TestApp::spawn().await;
    let (id, _, _) = app.staff("caseworker").await;
    let k = current_key(&app).await;
    let t = sign(
        &ed_header(&k.kid, "at+jwt"),
        &claims(&app, &id, "admin"),
        &k.private_der,
    );
    problem(app.get("/v1/users", &t).await, 403).await;
}

#[tokio::test]
async fn jwks_publishes_the_signing_key_and_rotation_keeps_old_tokens_valid() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let jwks: Value = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let k = current_key(&app).await;
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
    assert_eq!(jwks["keys"][0]["kid"], k.kid.as_str());
    assert_eq!(jwks["keys"][0]["kty"], "OKP");
    assert_eq!(jwks["keys"][0]["crv"], "Ed25519");
    assert_eq!(jwks["keys"][0]["x"], URL_SAFE_NO_PAD.encode(&k.public));
    assert!(jwks["keys"][0].get("d").is_none(), "no private part");

    let res = app
        .client
        .post(app.url("/v1/signing-keys/rotate"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let new_kid = res.json::<Value>().await.unwrap()["kid"].as_str().unwrap().to_owned();
    assert_ne!(new_kid, k.kid);
    // The old token still works; new tokens carry the new kid.
    assert_eq!(app.get("/v1/me", &admin).await.status(), StatusCode::OK);
    let fresh = app.admin_token().await;
    let header = jsonwebtoken::decode_header(&fresh).unwrap();
    assert_eq!(header.kid.as_deref(), Some(new_kid.as_str()));
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let keys: Value = app.get("/v1/signing-keys", &fresh).await.json().await.unwrap();
    assert_eq!(keys["items"].as_array().unwrap().len(), 2);
    let jwks: Value = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    // Once every token the old key signed has expired, it is no longer published.
    app.clock.advance(SignedDuration::from_mins(17));
    let jwks: Value = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn only_admins_manage_signing_keys() {
    let app = TestApp::spawn().await;
    for role in ["caseworker", "supervisor"] {
        let (_, _, t) = app.staff(role).await;
        problem(app.get("/v1/signing-keys", &t).await, 403).await;
        let res = app
            .client
            .post(app.url("/v1/signing-keys/rotate"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        problem(res, 403).await;
    }
}
