//! Integration clients: the secret is shown once, client credentials, scopes, revocation,
//! and integrations never reaching staff functions.

use base64::{Engine, engine::general_purpose::STANDARD};
use casework_tests::{TestApp, problem};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn client_token(app: &TestApp, id: &str, secret: &str, scope: Option<&str>) -> reqwest::Response {
    let mut form = vec![
        ("grant_type", "client_credentials"),
        ("client_id", id),
        ("client_secret", secret),
    ];
    if let Some(s) = scope {
        form.push(("scope", s));
    }
    app.client
        .post(app.url("/v1/auth/token"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_client_is_created_once_and_uses_client_credentials() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post_json(
            "/v1/api-clients",
            &admin,
            &json!({"name": "Dashboard", "scopes": ["calendar:read", "platforms:read"]}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let c: Value = res.json().await.unwrap();
    let client_id = c["client_id"].as_str().unwrap();
    let secret = c["client_secret"].as_str().unwrap();
    assert!(client_id.starts_with("cwc_") && secret.starts_with("cws_"));
    let stored: (Vec<u8>,) = sqlx::query_as("SELECT secret_hash FROM api_clients")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_ne!(stored.0, secret.as_bytes(), "stored hashed");

    let list: Value = app.get("/v1/api-clients", &admin).await.json().await.unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert!(list["items"][0].get("client_secret").is_none(), "secret never listed");

    let res = client_token(&app, client_id, secret, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let tok: Value = res.json().await.unwrap();
    assert_eq!(tok["scope"], "platforms:read calendar:read");
    assert!(tok.get("refresh_token").is_none(), "clients get no refresh token");
    let me: Value = app
        .get("/v1/me", tok["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["kind"], "client");
    assert_eq!(me["client_id"], client_id);
    assert_eq!(me["scopes"], json!(["platforms:read", "calendar:read"]));

    // HTTP Basic works too (RFC 6749 §2.3.1).
    let basic = STANDARD.encode(format!("{client_id}:{secret}"));
    let res = app
        .client
        .post(app.url("/v1/auth/token"))
        .header("Authorization", format!("Basic {basic}"))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    // Narrowing scopes, and asking for more than granted.
    let res = client_token(&app, client_id, secret, Some("calendar:read")).await;
    assert_eq!(res.json::<Value>().await.unwrap()["scope"], "calendar:read");
    let res = client_token(&app, client_id, secret, Some("stats:read")).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_scope");
}

#[tokio::test]
async fn wrong_secrets_and_revoked_clients_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c: Value = app
        .post_json(
            "/v1/api-clients",
            &admin,
            &json!({"name": "Stats", "scopes": ["stats:read"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let (client_id, secret) = (c["client_id"].as_str().unwrap(), c["client_secret"].as_str().unwrap());
    let res = client_token(&app, client_id, "cws_wrong", None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(res.json::<Value>().await.unwrap()["error"], "invalid_client");
    let res = client_token(&app, "cwc_unknown", secret, None).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);

    let token = client_token(&app, client_id, secret, None)
        .await
        .json::<Value>()
        .await
        .unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .client
        .delete(app.url(&format!("/v1/api-clients/{}", c["id"].as_str().unwrap())))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    problem(app.get("/v1/me", &token).await, 401).await;
    assert_eq!(
        client_token(&app, client_id, secret, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let res = app
        .client
        .delete(app.url(&format!("/v1/api-clients/{}", c["id"].as_str().unwrap())))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
}

#[tokio::test]
async fn clients_never_reach_staff_or_admin_functions() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let c: Value = app
        .post_json(
            "/v1/api-clients",
            &admin,
            &json!({"name": "All", "scopes": ["platforms:read", "platforms:write", "stats:read", "calendar:read"]}),
        )
        .await
        .json()
        .await
        .unwrap();
    let token = client_token(
        &app,
        c["client_id"].as_str().unwrap(),
        c["client_secret"].as_str().unwrap(),
        None,
    )
    .await
    .json::<Value>()
    .await
    .unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    problem(app.get("/v1/users", &token).await, 403).await;
    problem(app.get("/v1/api-clients", &token).await, 403).await;
    problem(
        app.post_json(
            "/v1/me/password",
            &token,
            &json!({"current_password": "x", "new_password": "yyyyyyyyyyyyyy"}),
        )
        .await,
        403,
    )
    .await;
}

#[tokio::test]
async fn client_input_is_validated_and_only_admins_manage_clients() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    problem(
        app.post_json("/v1/api-clients", &admin, &json!({"name": "X", "scopes": []}))
            .await,
        422,
    )
    .await;
    let body = problem(
        app.post_json(
            "/v1/api-clients",
            &admin,
            &json!({"name": "X", "scopes": ["cases:read"]}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "scopes[0]");
    problem(
        app.post_json(
            "/v1/api-clients",
            &admin,
            &json!({"name": "", "scopes": ["stats:read"]}),
        )
        .await,
        422,
    )
    .await;
    for role in ["caseworker", "supervisor"] {
        let (_, _, t) = app.staff(role).await;
        problem(
            app.post_json("/v1/api-clients", &t, &json!({"name": "X", "scopes": ["stats:read"]}))
                .await,
            403,
        )
        .await;
        problem(app.get("/v1/api-clients", &t).await, 403).await;
        let res = app
            .client
            .delete(app.url("/v1/api-clients/0190a6d5-7c5e-7000-8000-000000000000"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        problem(res, 403).await;
    }
}
