//! Contract §1: errors, media types, sizes, routes, methods, request ids, headers, CORS.

use casework_tests::{TestApp, problem};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn malformed_json_is_400() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .client
        .post(app.url("/v1/users"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .unwrap();
    let body = problem(res, 400).await;
    assert_eq!(body["type"], "/problems/malformed-request");
}

#[tokio::test]
async fn unknown_fields_are_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post_json(
            "/v1/users",
            &admin,
            &json!({"email": "a@b.org", "display_name": "A", "role": "caseworker", "password": "long enough pass", "is_admin": true}),
        )
        .await;
    let body = problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "is_admin");
    assert_eq!(body["errors"][0]["code"], "unknown_field");
    // Nothing was created.
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM users")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn wrong_types_and_missing_fields_are_422() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post_json(
            "/v1/users",
            &admin,
            &json!({"email": "a@b.org", "display_name": "A", "role": "wizard", "password": "long enough pass"}),
        )
        .await;
    let body = problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "role");
    let res = app
        .post_json(
            "/v1/users",
            &admin,
            &json!({"display_name": "A", "role": "caseworker", "password": "long enough pass"}),
        )
        .await;
    let body = problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "email");
    assert_eq!(body["errors"][0]["code"], "required");
    let res = app.post_json("/v1/users", &admin, &json!([1, 2])).await;
    problem(res, 422).await;
}

#[tokio::test]
async fn every_invalid_field_is_reported_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post_json(
            "/v1/users",
            &admin,
            &json!({"email": "nope", "display_name": " ", "role": "caseworker", "password": "short"}),
        )
        .await;
    let body = problem(res, 422).await;
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "display_name", "password"]);
}

#[tokio::test]
async fn a_300_kib_body_is_413() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let big = json!({"email": "a@b.org", "display_name": "x".repeat(300 * 1024), "role": "caseworker", "password": "long enough pass"});
    let res = app.post_json("/v1/users", &admin, &big).await;
    problem(res, 413).await;
    // Also when streamed without a Content-Length.
    let body = serde_json::to_vec(&big).unwrap();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> = body.chunks(16 * 1024).map(|c| Ok(c.to_vec())).collect();
    let stream = futures::stream::iter(chunks);
    let res = app
        .client
        .post(app.url("/v1/users"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    problem(res, 413).await;
}

#[tokio::test]
async fn non_json_bodies_are_415() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .client
        .post(app.url("/v1/users"))
        .bearer_auth(&admin)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    problem(res, 415).await;
    let res = app
        .client
        .post(app.url("/v1/users"))
        .bearer_auth(&admin)
        .body("{}")
        .send()
        .await
        .unwrap();
    problem(res, 415).await;
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/v1/nothing-here")).send().await.unwrap();
    problem(res, 404).await;
    let res = app.client.get(app.url("/v2/users")).send().await.unwrap();
    problem(res, 404).await;
    let res = app.client.delete(app.url("/v1/me")).send().await.unwrap();
    assert_eq!(res.headers()["allow"], "GET");
    problem(res, 405).await;
    let res = app.client.put(app.url("/v1/users")).send().await.unwrap();
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
    problem(res, 405).await;
    let res = app
        .client
        .delete(app.url("/v1/users/0190a6d5-7c5e-7000-8000-000000000000"))
        .send()
        .await
        .unwrap();
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    assert!(allow.contains("GET") && allow.contains("PATCH"), "{allow}");
    problem(res, 405).await;
}

#[tokio::test]
async fn non_uuid_path_ids_are_404() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    problem(app.get("/v1/users/not-a-uuid", &admin).await, 404).await;
}

#[tokio::test]
async fn request_ids_are_echoed_or_generated() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("X-Request-Id", "bad id; drop table")
        .send()
        .await
        .unwrap();
    let generated = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_ne!(generated, "bad id; drop table");
    assert!(uuid::Uuid::parse_str(&generated).is_ok());
    let res = app
        .client
        .get(app.url("/v1/me"))
        .header("X-Request-Id", "trace-me")
        .send()
        .await
        .unwrap();
    let body = problem(res, 401).await;
    assert_eq!(body["instance"], "trace-me");
}

#[tokio::test]
async fn responses_carry_no_store_and_nosniff() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for res in [
        app.get("/v1/me", &admin).await,
        app.client.get(app.url("/v1/nothing")).send().await.unwrap(),
        app.client
            .post(app.url("/v1/auth/token"))
            .form(&[("grant_type", "password")])
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(res.headers()["cache-control"], "no-store");
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    }
}

#[tokio::test]
async fn cors_allows_only_configured_origins() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("Origin", "https://dash.example")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());

    let app = TestApp::spawn_with(|s| s.cors_origins = vec!["https://dash.example".into()]).await;
    let res = app
        .client
        .request(reqwest::Method::OPTIONS, app.url("/v1/me"))
        .header("Origin", "https://dash.example")
        .header("Access-Control-Request-Method", "GET")
        .header("Access-Control-Request-Headers", "authorization")
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(res.headers()["access-control-allow-origin"], "https://dash.example");
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("Origin", "https://dash.example")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["access-control-allow-origin"], "https://dash.example");
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
    assert_ne!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
}
