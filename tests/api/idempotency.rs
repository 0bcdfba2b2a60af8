//! Idempotency-Key: replay, mismatch, concurrency, and the key committed with its effect.

use casework_tests::{PASSWORD, TestApp, problem};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::Connection;

fn user(email: &str) -> Value {
    json!({"email": email, "display_name": "Idem", "role": "caseworker", "password": PASSWORD})
}

async fn post(app: &TestApp, token: &str, key: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/v1/users"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn user_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_retried_post_is_replayed_not_repeated() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let first = post(&app, &admin, "k-1", &user("a@example.org")).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first_etag = first.headers()["etag"].clone();
    let first_body: Value = first.json().await.unwrap();
    let again = post(&app, &admin, "k-1", &user("a@example.org")).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["etag"], first_etag);
    assert_eq!(again.json::<Value>().await.unwrap(), first_body);
    assert_eq!(user_count(&app).await, 2);
}

#[tokio::test]
async fn the_same_key_with_another_body_is_422() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    assert_eq!(
        post(&app, &admin, "k-2", &user("a@example.org")).await.status(),
        StatusCode::CREATED
    );
    let body = problem(post(&app, &admin, "k-2", &user("b@example.org")).await, 422).await;
    assert_eq!(body["type"], "/problems/idempotency-key-mismatch");
    assert_eq!(user_count(&app).await, 2);
}

#[tokio::test]
async fn keys_are_per_caller_and_expire_after_24_hours() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    assert_eq!(
        post(&app, &admin, "k-3", &user("a@example.org")).await.status(),
        StatusCode::CREATED
    );
    // Another admin using the same key is a different request.
    let (_, other_email, _) = app.staff("admin").await;
    let other = app.sign_in(&other_email, PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        post(&app, &other, "k-3", &user("b@example.org")).await.status(),
        StatusCode::CREATED
    );
    app.clock.advance(jiff::SignedDuration::from_hours(25));
    let admin = app.admin_token().await;
    // After 24 hours the key is free again: this is a new request (and a duplicate email).
    problem(post(&app, &admin, "k-3", &user("a@example.org")).await, 409).await;
}

#[tokio::test]
async fn a_concurrent_duplicate_is_409() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let me: Value = app.get("/v1/me", &admin).await.json().await.unwrap();
    let caller = format!("user:{}", me["id"].as_str().unwrap());
    // Hold the key as an in-flight request would.
    let mut conn = sqlx::PgConnection::connect(&app.db.url).await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1 || chr(31) || $2, 0))")
        .bind(&caller)
        .bind("k-4")
        .execute(&mut *tx)
        .await
        .unwrap();
    let body = problem(post(&app, &admin, "k-4", &user("a@example.org")).await, 409).await;
    assert_eq!(body["type"], "/problems/idempotency-key-in-progress");
    tx.rollback().await.unwrap();
    assert_eq!(
        post(&app, &admin, "k-4", &user("a@example.org")).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn a_failed_request_stores_no_key() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    problem(post(&app, &admin, "k-5", &user(casework_tests::ADMIN_EMAIL)).await, 409).await;
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM idempotency_keys")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 0, "the key commits only with its effect");
    assert_eq!(
        post(&app, &admin, "k-5", &user("fresh@example.org")).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn invalid_keys_are_422_and_secrets_are_not_replayed() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let long = "x".repeat(256);
    problem(post(&app, &admin, &long, &user("a@example.org")).await, 422).await;

    let body = json!({"name": "Dash", "scopes": ["stats:read"]});
    let send = || {
        app.client
            .post(app.url("/v1/api-clients"))
            .bearer_auth(&admin)
            .header("Idempotency-Key", "c-1")
            .json(&body)
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    assert!(first["client_secret"].as_str().is_some());
    let replay = send().await.unwrap();
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replay: Value = replay.json().await.unwrap();
    assert_eq!(replay["client_secret"], Value::Null);
    assert_eq!(replay["client_id"], first["client_id"]);
    let stored: Vec<u8> = sqlx::query_scalar("SELECT response_body FROM idempotency_keys WHERE key = 'c-1'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let secret = first["client_secret"].as_str().unwrap();
    assert!(
        !String::from_utf8_lossy(&stored).contains(secret),
        "the secret is not kept"
    );
}

#[tokio::test]
async fn a_retried_password_change_is_replayed_not_refused() {
    let app = TestApp::spawn().await;
    let (_, email, token) = app.staff("caseworker").await;
    let body = json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"});
    let send = || {
        app.client
            .post(app.url("/v1/me/password"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "pw-1")
            .json(&body)
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), StatusCode::NO_CONTENT);
    // The response was lost; the dashboard retries. The old password no longer matches,
    // but the retry is the same request and gets the same answer.
    let again = send().await.unwrap();
    assert_eq!(again.status(), StatusCode::NO_CONTENT);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert!(again.bytes().await.unwrap().is_empty());
    app.sign_in(&email, "a brand new passphrase").await;
}

#[tokio::test]
async fn a_retry_with_another_password_is_another_request() {
    // A retry that differs only in the password must not silently keep the first one: the
    // password enters the fingerprint, but only as an HMAC under a key the server keeps,
    // so a copy of the fingerprint table cannot be used to test password guesses.
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let mut body = user("fp@example.org");
    assert_eq!(post(&app, &admin, "fp-1", &body).await.status(), StatusCode::CREATED);
    let same = post(&app, &admin, "fp-1", &body).await;
    assert_eq!(same.status(), StatusCode::CREATED);
    assert_eq!(same.headers()["idempotent-replayed"], "true");
    body["password"] = json!("a different password entirely");
    let body_json = problem(post(&app, &admin, "fp-1", &body).await, 422).await;
    assert_eq!(body_json["type"], "/problems/idempotency-key-mismatch");
    assert_eq!(user_count(&app).await, 2);

    // The stored fingerprint is not a fast hash of anything a guesser could rebuild.
    let (stored,): (Vec<u8>,) = sqlx::query_as("SELECT request_hash FROM idempotency_keys WHERE key = 'fp-1'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let original = user("fp@example.org");
    let mut without = original.clone();
    without["password"] = Value::Null;
    for guess in [&original, &without] {
        let mut data = b"POST /v1/users\n".to_vec();
        data.extend(serde_json::to_vec(guess).unwrap());
        assert_ne!(stored, casework_domain::crypto::sha256(&data));
    }
    assert_ne!(stored, casework_domain::crypto::sha256(PASSWORD.as_bytes()));
    let text = String::from_utf8_lossy(&stored);
    assert!(!text.contains(PASSWORD));
    // Any other field still makes it a different request.
    let mut other = user("fp@example.org");
    other["display_name"] = json!("Someone else");
    problem(post(&app, &admin, "fp-1", &other).await, 422).await;
}
