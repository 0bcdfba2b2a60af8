//! One order of checks on every case path: who may call (401/403), whether the caller
//! sees the case (404), then query, headers and body. An outsider learns nothing from a
//! malformed request, and a replayed `Idempotency-Key` is only answered to someone who
//! still sees the case.

use casework_tests::{TestApp, fixtures::adult_case, problem};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Every operation of the served spec whose path names a case (`/v1/cases/{id}...`).
async fn case_operations(app: &TestApp) -> Vec<(Method, String, Value)> {
    let spec: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        if !path.starts_with("/v1/cases/{id}") {
            continue;
        }
        for (method, op) in item.as_object().unwrap() {
            let Ok(m) = method.to_uppercase().parse::<Method>() else {
                continue;
            };
            ops.push((m, path.clone(), op.clone()));
        }
    }
    assert!(ops.len() >= 15, "the spec lists the case paths: {}", ops.len());
    ops
}

/// Sends a request that is wrong in every way the operation allows: a malformed query
/// (`limit=abc`, a forged cursor), a malformed `Idempotency-Key` and `If-Match`, and a
/// body that is not what the schema asks for.
async fn garbage(app: &TestApp, token: &str, method: Method, path: &str, op: &Value) -> reqwest::Response {
    let mut url = app.url(path);
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    if params.iter().any(|p| p["in"] == "query") {
        url.push_str("?limit=abc&cursor=x");
    }
    let mut req = app
        .client
        .request(method, url)
        .bearer_auth(token)
        .header("Idempotency-Key", "  ")
        .header("If-Match", "not-a-tag");
    if op.get("requestBody").is_some() {
        req = req.json(&json!({"unknown_field": [1, 2, 3]}));
    }
    req.send().await.unwrap()
}

fn fill(path: &str, case: &str) -> String {
    path.replace("{id}", case)
        .replace("{referral_id}", &uuid::Uuid::now_v7().to_string())
        .replace("{consent_id}", &uuid::Uuid::now_v7().to_string())
}

#[tokio::test]
async fn an_unseen_case_is_404_whatever_else_is_wrong() {
    let app = TestApp::spawn().await;
    let (_, _, owner) = app.staff("caseworker").await;
    let (_, _, outsider) = app.staff("caseworker").await;
    let case = app.create_adult_case(&owner).await;
    let unknown = uuid::Uuid::now_v7().to_string();
    let (_, _, supervisor) = app.staff("supervisor").await;
    for (method, path, op) in case_operations(&app).await {
        // A caseworker who is not on the case.
        let res = garbage(&app, &outsider, method.clone(), &fill(&path, &case), &op).await;
        let want = if path.ends_with("/assignment") { 403 } else { 404 };
        problem(res, want).await;
        // A supervisor sees every case, so an unknown one is the unseen one.
        let res = garbage(&app, &supervisor, method.clone(), &fill(&path, &unknown), &op).await;
        problem(res, 404).await;
    }
}

#[tokio::test]
async fn a_wrong_role_is_403_before_the_body_is_read() {
    let app = TestApp::spawn().await;
    let (_, _, owner) = app.staff("caseworker").await;
    let admin = app.admin_token().await;
    let case = app.create_adult_case(&owner).await;
    // The owner may not assign, however bad the body.
    let res = app
        .client
        .put(app.url(&format!("/v1/cases/{case}/assignment")))
        .bearer_auth(&owner)
        .header("If-Match", "garbage")
        .body("{not json")
        .send()
        .await
        .unwrap();
    problem(res, 403).await;
    // Admins do not open cases, however bad the body.
    let res = app.post_case(&admin, &json!({"nonsense": true})).await;
    problem(res, 403).await;
    // Caseworkers manage no users or clients and decide no grants, however bad the body.
    let user = uuid::Uuid::now_v7();
    for (method, path) in [
        (Method::POST, "/v1/users".to_owned()),
        (Method::PATCH, format!("/v1/users/{user}")),
        (Method::POST, format!("/v1/users/{user}/role-approval")),
        (Method::POST, "/v1/api-clients".to_owned()),
        (Method::POST, "/v1/calendar/closures".to_owned()),
        (Method::POST, "/v1/platforms".to_owned()),
    ] {
        let res = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&owner)
            .header("If-Match", "\"v1\"")
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{method} {path}");
    }
}

#[tokio::test]
async fn a_body_missing_several_fields_names_each_of_them() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let body = json!({"client": {"contact": {}}});
    let p = problem(app.post_case(&cw, &body).await, 422).await;
    let mut fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "client.age_group",
            "client.contact.preferred_channel",
            "client.contact.safe_to_leave_message",
            "client.guardian_involvement",
            "client.name",
            "jurisdiction",
            "situation"
        ],
        "{p}"
    );
    assert!(p["errors"].as_array().unwrap().iter().all(|e| e["code"] == "required"));
}

#[tokio::test]
async fn if_match_star_matches_any_current_version() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let res = app
        .patch_case(&cw, &case, Some("*"), &json!({"priority": "urgent"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"v2\"");
    let res = app
        .transition_case(&cw, &case, &json!({"to": "active"}), Some("*"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // `*` on an unknown case is still 404, never a match.
    let unknown = uuid::Uuid::now_v7().to_string();
    problem(
        app.patch_case(&cw, &unknown, Some("*"), &json!({"priority": "urgent"}))
            .await,
        404,
    )
    .await;
}

async fn keyed(app: &TestApp, token: &str, path: &str, key: &str, body: Option<&Value>) -> reqwest::Response {
    let mut req = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key);
    if let Some(b) = body {
        req = req.json(b);
    }
    req.send().await.unwrap()
}

/// Takes `from` off `case` (the supervisor assigns it to `to` alone).
async fn take_off(app: &TestApp, supervisor: &str, case: &str, to: &str) {
    let res = app
        .assign_case(supervisor, case, &json!({"primary": to, "collaborators": []}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_replay_is_only_answered_to_someone_who_still_sees_the_case() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let (other_id, _, _) = app.staff("caseworker").await;
    let (_, _, supervisor) = app.staff("supervisor").await;

    // Opening a case: the replay names the case it opened.
    let res = keyed(&app, &cw, "/v1/cases", "open-1", Some(&adult_case())).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let opened: Value = res.json().await.unwrap();
    let opened = opened["id"].as_str().unwrap().to_owned();
    let res = keyed(&app, &cw, "/v1/cases", "open-1", Some(&adult_case())).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["idempotent-replayed"], "true");

    // A record on the case (a body), and a revocation (no body).
    let consent = keyed(
        &app,
        &cw,
        &format!("/v1/cases/{opened}/consents"),
        "consent-1",
        Some(&json!({"scope": "platform_contact"})),
    )
    .await;
    assert_eq!(consent.status(), StatusCode::CREATED);
    let consent: Value = consent.json().await.unwrap();
    let revoke = format!("/v1/cases/{opened}/consents/{}/revoke", consent["id"].as_str().unwrap());
    assert_eq!(
        keyed(&app, &cw, &revoke, "revoke-1", None).await.status(),
        StatusCode::OK
    );
    // A transition.
    let moved = keyed(
        &app,
        &cw,
        &format!("/v1/cases/{opened}/transitions"),
        "move-1",
        Some(&json!({"to": "active"})),
    )
    .await;
    assert_eq!(moved.status(), StatusCode::OK);

    take_off(&app, &supervisor, &opened, &other_id).await;

    problem(keyed(&app, &cw, "/v1/cases", "open-1", Some(&adult_case())).await, 404).await;
    problem(
        keyed(
            &app,
            &cw,
            &format!("/v1/cases/{opened}/consents"),
            "consent-1",
            Some(&json!({"scope": "platform_contact"})),
        )
        .await,
        404,
    )
    .await;
    problem(keyed(&app, &cw, &revoke, "revoke-1", None).await, 404).await;
    problem(
        keyed(
            &app,
            &cw,
            &format!("/v1/cases/{opened}/transitions"),
            "move-1",
            Some(&json!({"to": "active"})),
        )
        .await,
        404,
    )
    .await;
}
