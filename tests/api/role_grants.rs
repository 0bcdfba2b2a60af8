//! Contract §2: granting `supervisor` takes two people. An admin asks; an active
//! supervisor who is neither the requester nor the grantee approves or rejects; the first
//! supervisor comes from the server's command line.

use casework_tests::{PASSWORD, TestApp, problem};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn create(app: &TestApp, admin: &str, email: &str, role: &str) -> Value {
    let res = app
        .post_json(
            "/v1/users",
            admin,
            &json!({"email": email, "display_name": "Sam", "role": role, "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

async fn decide(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    app.post_json(&format!("/v1/users/{id}/role-approval"), token, body)
        .await
}

async fn patch_role(app: &TestApp, admin: &str, id: &str, version: &str, role: &str) -> Value {
    let res = app
        .client
        .patch(app.url(&format!("/v1/users/{id}")))
        .bearer_auth(admin)
        .header("If-Match", version)
        .json(&json!({"role": role}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn audit_actions(app: &TestApp, subject: &str) -> Vec<(String, String)> {
    sqlx::query_as("SELECT action, actor FROM audit_log WHERE subject = $1 ORDER BY occurred_at, id")
        .bind(format!("user:{subject}"))
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_admin_alone_cannot_create_a_supervisor() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let me: Value = app.get("/v1/me", &admin).await.json().await.unwrap();
    let u = create(&app, &admin, "sup@example.org", "supervisor").await;
    // Not a supervisor, and no way in yet: the admin knows the password.
    assert_eq!(u["role"], "caseworker");
    assert_eq!(u["active"], false);
    assert_eq!(u["pending_role"], "supervisor");
    assert_eq!(u["pending_role_requested_by"], me["id"]);
    assert!(u["pending_role_requested_at"].is_string());
    let res = app.password_grant("sup@example.org", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // Admins cannot approve their own (or any) grant.
    let id = u["id"].as_str().unwrap();
    problem(decide(&app, &admin, id, &json!({"decision": "approve"})).await, 403).await;
    // Nor can a caseworker.
    let (_, _, cw) = app.staff("caseworker").await;
    problem(decide(&app, &cw, id, &json!({"decision": "approve"})).await, 403).await;

    // A supervisor from the command line approves: now an active supervisor who sees cases.
    let (sup_id, _, sup) = app.provisioned_staff("supervisor").await;
    let res = decide(&app, &sup, id, &json!({"decision": "approve"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers().get("etag").is_some());
    let u: Value = res.json().await.unwrap();
    assert_eq!(u["role"], "supervisor");
    assert_eq!(u["active"], true);
    assert!(u["pending_role"].is_null() && u["pending_role_requested_by"].is_null());
    assert_eq!(u["enrollment_pending"], true);
    let code = u["enrollment_code"].as_str().unwrap().to_owned();
    assert!(u["enrollment_code_expires_at"].is_string());
    // The password the admin chose opens nothing, now or ever: approval revoked it.
    let res = app.password_grant("sup@example.org", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    // The person sets their own with the code the approver hands over.
    app.enroll(&code, "the supervisor's own words").await;
    assert_eq!(
        app.password_grant("sup@example.org", PASSWORD).await.status(),
        StatusCode::BAD_REQUEST
    );
    let tok = app.sign_in("sup@example.org", "the supervisor's own words").await;
    assert_eq!(tok["scope"], "supervisor");
    let cases = app.get("/v1/cases", tok["access_token"].as_str().unwrap()).await;
    assert_eq!(cases.status(), StatusCode::OK);
    // Nothing is pending any more.
    problem(decide(&app, &sup, id, &json!({"decision": "approve"})).await, 409).await;

    let trail = audit_actions(&app, id).await;
    let actions: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.create",
            "user.role_grant.request",
            "user.role_grant.approve",
            "user.enroll"
        ]
    );
    assert_eq!(trail[1].1, format!("user:{}", me["id"].as_str().unwrap()));
    assert_eq!(trail[2].1, format!("user:{sup_id}"));
    assert_eq!(trail[3].1, format!("user:{id}"));
}

#[tokio::test]
async fn patching_a_role_to_supervisor_leaves_it_pending_until_approved() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (id, email, cw) = app.staff("caseworker").await;
    // v2: the holder set their own password at the first sign-in.
    let u = patch_role(&app, &admin, &id, "\"v2\"", "supervisor").await;
    assert_eq!(u["role"], "caseworker");
    assert_eq!(u["active"], true);
    assert_eq!(u["pending_role"], "supervisor");
    // Still a caseworker in effect: supervisor-only functions are refused.
    let me: Value = app.get("/v1/me", &cw).await.json().await.unwrap();
    assert_eq!(me["role"], "caseworker");
    // Cannot decide their own grant (they are not a supervisor anyway).
    problem(decide(&app, &cw, &id, &json!({"decision": "approve"})).await, 403).await;

    let (_, _, sup) = app.provisioned_staff("supervisor").await;
    // Rejecting needs a reason.
    let body = problem(decide(&app, &sup, &id, &json!({"decision": "reject"})).await, 422).await;
    assert_eq!(body["errors"][0]["field"], "reason");
    let res = decide(
        &app,
        &sup,
        &id,
        &json!({"decision": "reject", "reason": "Not on the supervisors' roster"}),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let u: Value = res.json().await.unwrap();
    assert_eq!(u["role"], "caseworker");
    assert!(u["pending_role"].is_null());
    assert_eq!(app.sign_in(&email, PASSWORD).await["scope"], "caseworker");
    let (detail,): (Value,) =
        sqlx::query_as("SELECT detail FROM audit_log WHERE action = 'user.role_grant.reject' AND subject = $1")
            .bind(format!("user:{id}"))
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(detail["reason"], "Not on the supervisors' roster");

    // Asked again, and approved this time.
    let version = format!("\"v{}\"", u["version"]);
    patch_role(&app, &admin, &id, &version, "supervisor").await;
    let res = decide(&app, &sup, &id, &json!({"decision": "approve"})).await;
    assert_eq!(res.status(), StatusCode::OK);
    let decided: Value = res.json().await.unwrap();
    // Every credential of the account ended: its password, its refresh tokens and the
    // access token it held as a caseworker.
    problem(app.get("/v1/me", &cw).await, 401).await;
    assert_eq!(
        app.password_grant(&email, PASSWORD).await.status(),
        StatusCode::BAD_REQUEST
    );
    app.enroll(decided["enrollment_code"].as_str().unwrap(), PASSWORD).await;
    assert_eq!(app.sign_in(&email, PASSWORD).await["scope"], "supervisor");
    problem(app.get("/v1/me", &cw).await, 401).await;
}

#[tokio::test]
async fn nobody_decides_a_grant_they_requested() {
    let app = TestApp::spawn().await;
    // An admin who is later made a supervisor still cannot approve what they asked for.
    let (requester_id, requester_email, requester) = app.staff("admin").await;
    let target = create(&app, &requester, "target@example.org", "supervisor").await;
    let target_id = target["id"].as_str().unwrap();
    let admin = app.admin_token().await;
    let r: Value = app
        .get(&format!("/v1/users/{requester_id}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    let version = format!("\"v{}\"", r["version"]);
    patch_role(&app, &admin, &requester_id, &version, "supervisor").await;
    let decided = app.approve_role_grant(&requester_id).await;
    app.enroll(decided["enrollment_code"].as_str().unwrap(), PASSWORD).await;
    let requester = app.sign_in(&requester_email, PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = problem(
        decide(&app, &requester, target_id, &json!({"decision": "approve"})).await,
        409,
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("requester"), "{body}");
    // Another supervisor can.
    app.approve_role_grant(target_id).await;
}

#[tokio::test]
async fn role_approval_answers_404_409_and_422_as_documented() {
    let app = TestApp::spawn().await;
    let (_, _, sup) = app.provisioned_staff("supervisor").await;
    let missing = "0190a6d5-7c5e-7000-8000-000000000000";
    problem(decide(&app, &sup, missing, &json!({"decision": "approve"})).await, 404).await;
    let (cw_id, _, _) = app.staff("caseworker").await;
    problem(decide(&app, &sup, &cw_id, &json!({"decision": "approve"})).await, 409).await;
    problem(decide(&app, &sup, &cw_id, &json!({"decision": "maybe"})).await, 422).await;
    problem(
        decide(&app, &sup, &cw_id, &json!({"decision": "approve", "role": "admin"})).await,
        422,
    )
    .await;
    let res = app
        .client
        .post(app.url(&format!("/v1/users/{cw_id}/role-approval")))
        .json(&json!({"decision": "approve"}))
        .send()
        .await
        .unwrap();
    problem(res, 401).await;
}

#[tokio::test]
async fn other_roles_apply_at_once_and_withdraw_a_pending_grant() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (id, _, _) = app.staff("caseworker").await;
    let u = patch_role(&app, &admin, &id, "\"v2\"", "supervisor").await;
    assert_eq!(u["pending_role"], "supervisor");
    let u = patch_role(&app, &admin, &id, "\"v3\"", "admin").await;
    assert_eq!(u["role"], "admin");
    assert!(u["pending_role"].is_null());
    let (_, _, sup) = app.provisioned_staff("supervisor").await;
    problem(decide(&app, &sup, &id, &json!({"decision": "approve"})).await, 409).await;
}

#[tokio::test]
async fn the_first_supervisor_comes_from_the_command_line() {
    let app = TestApp::spawn().await;
    let (id, email, token) = app.provisioned_staff("supervisor").await;
    let me: Value = app.get("/v1/me", &token).await.json().await.unwrap();
    assert_eq!(me["role"], "supervisor");
    assert_eq!(me["email"], email.as_str());
    let trail = audit_actions(&app, &id).await;
    assert_eq!(trail, [("user.create".to_owned(), "cli".to_owned())]);
}

#[tokio::test]
async fn supervisors_find_the_grants_waiting_for_them() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, _, sup) = app.provisioned_staff("supervisor").await;
    let page: Value = app.get("/v1/role-grants", &sup).await.json().await.unwrap();
    assert_eq!(page["items"], json!([]));
    let a = create(&app, &admin, "a@example.org", "supervisor").await;
    create(&app, &admin, "b@example.org", "caseworker").await;
    let c = create(&app, &admin, "c@example.org", "supervisor").await;
    let first: Value = app.get("/v1/role-grants?limit=1", &sup).await.json().await.unwrap();
    assert_eq!(first["items"][0]["id"], a["id"]);
    assert_eq!(first["items"][0]["pending_role"], "supervisor");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(&format!("/v1/role-grants?limit=1&cursor={cursor}"), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["items"][0]["id"], c["id"]);
    assert!(second["next_cursor"].is_null());
    // A decided grant leaves the list.
    decide(&app, &sup, a["id"].as_str().unwrap(), &json!({"decision": "approve"})).await;
    let page: Value = app.get("/v1/role-grants", &sup).await.json().await.unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let (_, _, cw) = app.staff("caseworker").await;
    problem(app.get("/v1/role-grants", &cw).await, 403).await;
}

#[tokio::test]
async fn an_enrollment_code_works_once_in_time_and_for_its_account_only() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let a = create(&app, &admin, "a@example.org", "supervisor").await;
    let b = create(&app, &admin, "b@example.org", "supervisor").await;
    let code_a = app.approve_role_grant(a["id"].as_str().unwrap()).await["enrollment_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let code_b = app.approve_role_grant(b["id"].as_str().unwrap()).await["enrollment_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = |res: reqwest::Response| async move {
        let p = problem(res, 422).await;
        assert_eq!(
            casework_tests::field_errors(&p),
            casework_tests::pairs(&[("code", "invalid_enrollment_code")])
        );
    };
    // By another account: A's code presented for B.
    refused(
        app.enroll_raw(&json!({"code": code_a, "email": "b@example.org", "password": "b's own password"}))
            .await,
    )
    .await;
    // Unknown.
    refused(
        app.enroll_raw(&json!({"code": "cwe_nothing", "password": "a's own password"}))
            .await,
    )
    .await;
    // A short password is refused without spending the code.
    let p = problem(app.enroll_raw(&json!({"code": code_a, "password": "short"})).await, 422).await;
    assert_eq!(p["errors"][0]["field"], "password");
    app.enroll_raw(&json!({"code": code_a, "email": "A@example.org", "password": "a's own password"}))
        .await
        .error_for_status()
        .unwrap();
    assert_eq!(
        app.sign_in("a@example.org", "a's own password").await["scope"],
        "supervisor"
    );
    // Twice.
    refused(
        app.enroll_raw(&json!({"code": code_a, "password": "someone else's"}))
            .await,
    )
    .await;
    assert_eq!(
        app.sign_in("a@example.org", "a's own password").await["scope"],
        "supervisor"
    );
    // After expiry (24 hours).
    app.clock.advance(jiff::SignedDuration::from_hours(24));
    refused(
        app.enroll_raw(&json!({"code": code_b, "password": "b's own password"}))
            .await,
    )
    .await;
    assert_eq!(
        app.password_grant("b@example.org", "b's own password").await.status(),
        StatusCode::BAD_REQUEST
    );
    // Only the hash is stored.
    let (stored,): (i64,) = sqlx::query_as("SELECT count(*) FROM enrollment_codes WHERE code_hash = $1::bytea")
        .bind(code_b.as_bytes())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}

#[tokio::test]
async fn an_approval_replayed_by_its_idempotency_key_does_not_show_the_code_again() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let u = create(&app, &admin, "sup@example.org", "supervisor").await;
    let (_, _, sup) = app.provisioned_staff("supervisor").await;
    let send = || {
        app.client
            .post(app.url(&format!("/v1/users/{}/role-approval", u["id"].as_str().unwrap())))
            .bearer_auth(&sup)
            .header("Idempotency-Key", "approve-sup-1")
            .json(&json!({"decision": "approve"}))
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    assert!(first["enrollment_code"].is_string());
    let res = send().await.unwrap();
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    let again: Value = res.json().await.unwrap();
    assert!(again["enrollment_code"].is_null(), "{again}");
    assert_eq!(again["id"], u["id"]);
}

#[tokio::test]
async fn an_admin_chosen_password_opens_only_its_own_change() {
    // Before: the password an admin chose opened the account until someone changed it.
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let u = create(&app, &admin, "cw@example.org", "caseworker").await;
    assert_eq!(u["password_change_required"], true);
    let first = app.sign_in("cw@example.org", PASSWORD).await;
    let token = first["access_token"].as_str().unwrap();
    for path in ["/v1/cases", "/v1/me", "/v1/tasks"] {
        let p = problem(app.get(path, token).await, 403).await;
        assert_eq!(p["type"], "/problems/password-change-required", "{path}");
    }
    // The refresh token it came with gives no more than it.
    let res = app
        .client
        .post(app.url("/v1/auth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", first["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    let refreshed: Value = res.json().await.unwrap();
    let p = problem(
        app.get("/v1/cases", refreshed["access_token"].as_str().unwrap()).await,
        403,
    )
    .await;
    assert_eq!(p["type"], "/problems/password-change-required");
    let res = app
        .post_json(
            "/v1/me/password",
            token,
            &json!({"current_password": PASSWORD, "new_password": "my very own password"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get("/v1/cases", token).await.status(), StatusCode::OK);
    let admin_view: Value = app
        .get(&format!("/v1/users/{}", u["id"].as_str().unwrap()), &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(admin_view["password_change_required"], false);
    // The admin's choice opens nothing any more.
    assert_eq!(
        app.password_grant("cw@example.org", PASSWORD).await.status(),
        StatusCode::BAD_REQUEST
    );
    let actions: Vec<String> = audit_actions(&app, u["id"].as_str().unwrap())
        .await
        .into_iter()
        .map(|(a, _)| a)
        .collect();
    assert_eq!(actions, ["user.create", "password.change"]);
    // The command line (the person at the console chose it) needs no change.
    let (_, _, cli) = app.provisioned_staff("caseworker").await;
    assert_eq!(app.get("/v1/cases", &cli).await.status(), StatusCode::OK);
}
