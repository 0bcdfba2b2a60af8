//! Staff accounts: admin-only CRUD, case-insensitive uniqueness, paging, ETags.

use casework_tests::{ADMIN_EMAIL, PASSWORD, TestApp, problem};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn new_user(email: &str) -> Value {
    json!({"email": email, "display_name": "Sam Worker", "role": "caseworker", "password": PASSWORD})
}

#[tokio::test]
async fn admins_create_users_and_the_password_never_comes_back() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app.post_json("/v1/users", &admin, &new_user("sam@example.org")).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(res.headers()["etag"], "\"v1\"");
    let u: Value = res.json().await.unwrap();
    assert_eq!(location, format!("/v1/users/{}", u["id"].as_str().unwrap()));
    assert_eq!(u["role"], "caseworker");
    assert_eq!(u["active"], true);
    assert!(u.get("password").is_none() && u.get("password_hash").is_none());
    let stored: (String,) = sqlx::query_as("SELECT password_hash FROM users WHERE email = 'sam@example.org'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(stored.0.starts_with("$argon2id$"), "Argon2id");
    app.sign_in("sam@example.org", PASSWORD).await;
}

#[tokio::test]
async fn emails_are_unique_ignoring_case() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    assert_eq!(
        app.post_json("/v1/users", &admin, &new_user("sam@example.org"))
            .await
            .status(),
        StatusCode::CREATED
    );
    problem(
        app.post_json("/v1/users", &admin, &new_user("SAM@Example.org")).await,
        409,
    )
    .await;
    problem(
        app.post_json("/v1/users", &admin, &new_user(&ADMIN_EMAIL.to_uppercase()))
            .await,
        409,
    )
    .await;
}

#[tokio::test]
async fn non_admins_are_refused_every_user_endpoint() {
    let app = TestApp::spawn().await;
    let (id, _, _) = app.staff("caseworker").await;
    for role in ["caseworker", "supervisor"] {
        let (_, _, t) = app.staff(role).await;
        problem(app.post_json("/v1/users", &t, &new_user("x@example.org")).await, 403).await;
        problem(app.get("/v1/users", &t).await, 403).await;
        problem(app.get(&format!("/v1/users/{id}"), &t).await, 403).await;
        let res = app
            .client
            .patch(app.url(&format!("/v1/users/{id}")))
            .bearer_auth(&t)
            .header("If-Match", "\"v1\"")
            .json(&json!({"role": "admin"}))
            .send()
            .await
            .unwrap();
        problem(res, 403).await;
    }
    let res = app.client.get(app.url("/v1/users")).send().await.unwrap();
    problem(res, 401).await;
}

#[tokio::test]
async fn users_page_without_repeats_or_gaps_and_cursors_cannot_be_forged() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for i in 0..5 {
        app.post_json("/v1/users", &admin, &new_user(&format!("u{i}@example.org")))
            .await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/users?limit=2&cursor={c}"),
            None => "/v1/users?limit=2".to_owned(),
        };
        let page: Value = app.get(&path, &admin).await.json().await.unwrap();
        pages += 1;
        for u in page["items"].as_array().unwrap() {
            seen.push(u["email"].as_str().unwrap().to_owned());
        }
        if pages == 1 {
            // Rows created while paging appear at the end, never as repeats.
            app.post_json("/v1/users", &admin, &new_user("late@example.org")).await;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7, "{seen:?}");
    let mut dedup = seen.clone();
    dedup.sort();
    dedup.dedup();
    assert_eq!(dedup.len(), 7);
    assert_eq!(seen.last().unwrap(), "late@example.org");

    let first: Value = app.get("/v1/users?limit=1", &admin).await.json().await.unwrap();
    let c = first["next_cursor"].as_str().unwrap();
    let mut forged = c.to_owned();
    forged.replace_range(0..1, if c.starts_with('e') { "f" } else { "e" });
    let body = problem(app.get(&format!("/v1/users?cursor={forged}"), &admin).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "cursor");
    problem(app.get("/v1/users?limit=0", &admin).await, 422).await;
    problem(app.get("/v1/users?limit=201", &admin).await, 422).await;
    problem(app.get("/v1/users?limit=abc", &admin).await, 400).await;
}

#[tokio::test]
async fn get_supports_etag_and_if_none_match() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let u: Value = app
        .post_json("/v1/users", &admin, &new_user("sam@example.org"))
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/v1/users/{}", u["id"].as_str().unwrap());
    let res = app.get(&path, &admin).await;
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = app
        .client
        .get(app.url(&path))
        .bearer_auth(&admin)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    let res = app
        .client
        .get(app.url(&path))
        .bearer_auth(&admin)
        .header("If-None-Match", "\"v99\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    problem(
        app.get("/v1/users/0190a6d5-7c5e-7000-8000-000000000000", &admin).await,
        404,
    )
    .await;
}

#[tokio::test]
async fn patch_needs_a_current_if_match() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let u: Value = app
        .post_json("/v1/users", &admin, &new_user("sam@example.org"))
        .await
        .json()
        .await
        .unwrap();
    let url = app.url(&format!("/v1/users/{}", u["id"].as_str().unwrap()));
    let res = app
        .client
        .patch(&url)
        .bearer_auth(&admin)
        .json(&json!({"role": "supervisor"}))
        .send()
        .await
        .unwrap();
    problem(res, 428).await;
    let res = app
        .client
        .patch(&url)
        .bearer_auth(&admin)
        .header("If-Match", "\"v1\"")
        .json(&json!({"role": "supervisor", "display_name": "Sam S."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"v2\"");
    let body: Value = res.json().await.unwrap();
    // Granting supervisor takes two people: the role waits for a supervisor's approval.
    assert_eq!(body["role"], "caseworker");
    assert_eq!(body["pending_role"], "supervisor");
    assert_eq!(body["display_name"], "Sam S.");
    // The same stale version again: someone else's change must not be overwritten.
    let res = app
        .client
        .patch(&url)
        .bearer_auth(&admin)
        .header("If-Match", "\"v1\"")
        .json(&json!({"role": "caseworker"}))
        .send()
        .await
        .unwrap();
    problem(res, 412).await;
    let res = app
        .client
        .patch(&url)
        .bearer_auth(&admin)
        .header("If-Match", "\"v2\"")
        .json(&json!({"email": "new@example.org"}))
        .send()
        .await
        .unwrap();
    problem(res, 422).await;
    let res = app
        .client
        .patch(&url)
        .bearer_auth(&admin)
        .header("If-Match", "\"v2\"")
        .json(&json!({"display_name": ""}))
        .send()
        .await
        .unwrap();
    problem(res, 422).await;
    let missing = app.url("/v1/users/0190a6d5-7c5e-7000-8000-000000000000");
    let res = app
        .client
        .patch(&missing)
        .bearer_auth(&admin)
        .header("If-Match", "\"v1\"")
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    problem(res, 404).await;
}

#[tokio::test]
async fn admins_cannot_lock_themselves_out() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let me: Value = app.get("/v1/me", &admin).await.json().await.unwrap();
    let url = app.url(&format!("/v1/users/{}", me["id"].as_str().unwrap()));
    for body in [json!({"active": false}), json!({"role": "caseworker"})] {
        let res = app
            .client
            .patch(&url)
            .bearer_auth(&admin)
            .header("If-Match", "\"v1\"")
            .json(&body)
            .send()
            .await
            .unwrap();
        problem(res, 409).await;
    }
}

#[tokio::test]
async fn role_changes_apply_to_existing_tokens_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (id, _, token) = app.staff("caseworker").await;
    problem(app.get("/v1/users", &token).await, 403).await;
    // v2: the holder set their own password at the first sign-in.
    let res = app
        .client
        .patch(app.url(&format!("/v1/users/{id}")))
        .bearer_auth(&admin)
        .header("If-Match", "\"v2\"")
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.get("/v1/users", &token).await.status(), StatusCode::OK);
    let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM audit_log WHERE action = 'user.update'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}
