//! The token endpoint: password, refresh-token and client-credentials grants, lockout,
//! rate limiting, revocation, deactivation and password change.

use casework_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, PASSWORD, TestApp, problem};
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn oauth_error(res: reqwest::Response, status: u16, error: &str) {
    assert_eq!(res.status().as_u16(), status);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], error, "{body}");
}

#[tokio::test]
async fn password_grant_issues_a_bearer_token_and_me_answers() {
    let app = TestApp::spawn().await;
    let tok = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(tok["token_type"], "Bearer");
    assert_eq!(tok["expires_in"], 900);
    assert_eq!(tok["scope"], "admin");
    assert!(tok["refresh_token"].as_str().unwrap().starts_with("cwr_"));
    let me: Value = app
        .get("/v1/me", tok["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["kind"], "user");
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["role"], "admin");
    assert!(me.get("password_hash").is_none());
}

#[tokio::test]
async fn json_token_requests_and_email_case_are_accepted() {
    let app = TestApp::spawn().await;
    let res = app
        .client
        .post(app.url("/v1/auth/token"))
        .json(&json!({"grant_type": "password", "username": ADMIN_EMAIL.to_uppercase(), "password": ADMIN_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = TestApp::spawn().await;
    let wrong = app.password_grant(ADMIN_EMAIL, "not the password").await;
    let wrong_body: Value = {
        assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
        wrong.json().await.unwrap()
    };
    let unknown = app.password_grant("nobody@example.org", "not the password").await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let unknown_body: Value = unknown.json().await.unwrap();
    assert_eq!(wrong_body, unknown_body);
    assert_eq!(wrong_body["error"], "invalid_grant");
}

#[tokio::test]
async fn malformed_token_requests() {
    let app = TestApp::spawn().await;
    let url = app.url("/v1/auth/token");
    let res = app
        .client
        .post(&url)
        .form(&[("grant_type", "password"), ("username", ADMIN_EMAIL)])
        .send()
        .await
        .unwrap();
    oauth_error(res, 400, "invalid_request").await;
    let res = app
        .client
        .post(&url)
        .form(&[("grant_type", "implicit")])
        .send()
        .await
        .unwrap();
    oauth_error(res, 400, "unsupported_grant_type").await;
    let res = app
        .client
        .post(&url)
        .form(&[("grant_type", "password"), ("extra", "x")])
        .send()
        .await
        .unwrap();
    oauth_error(res, 400, "invalid_request").await;
    let res = app
        .client
        .post(&url)
        .header("content-type", "text/plain")
        .body("grant_type=password")
        .send()
        .await
        .unwrap();
    problem(res, 415).await;
}

#[tokio::test]
async fn five_failures_lock_the_account_for_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let (_, email, _) = app.staff("caseworker").await;
    for _ in 0..5 {
        oauth_error(
            app.password_grant(&email, "wrong password!!").await,
            400,
            "invalid_grant",
        )
        .await;
    }
    // Locked: even the right password is refused.
    oauth_error(app.password_grant(&email, PASSWORD).await, 400, "invalid_grant").await;
    app.clock.advance(SignedDuration::from_mins(14));
    oauth_error(app.password_grant(&email, PASSWORD).await, 400, "invalid_grant").await;
    app.clock.advance(SignedDuration::from_mins(2));
    assert_eq!(app.password_grant(&email, PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_success_resets_the_failure_count() {
    let app = TestApp::spawn().await;
    let (_, email, _) = app.staff("caseworker").await;
    for _ in 0..4 {
        oauth_error(
            app.password_grant(&email, "wrong password!!").await,
            400,
            "invalid_grant",
        )
        .await;
    }
    assert_eq!(app.password_grant(&email, PASSWORD).await.status(), StatusCode::OK);
    for _ in 0..4 {
        oauth_error(
            app.password_grant(&email, "wrong password!!").await,
            400,
            "invalid_grant",
        )
        .await;
    }
    assert_eq!(app.password_grant(&email, PASSWORD).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn deactivated_users_cannot_sign_in_and_their_tokens_stop_working() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (id, email, token) = app.staff("caseworker").await;
    let refresh = app.sign_in(&email, PASSWORD).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(app.get("/v1/me", &token).await.status(), StatusCode::OK);
    let res = app
        .client
        .patch(app.url(&format!("/v1/users/{id}")))
        .bearer_auth(&admin)
        .header("If-Match", "\"v2\"")
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    oauth_error(app.password_grant(&email, PASSWORD).await, 400, "invalid_grant").await;
    problem(app.get("/v1/me", &token).await, 401).await;
    let res = app
        .client
        .post(app.url("/v1/auth/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", &refresh)])
        .send()
        .await
        .unwrap();
    oauth_error(res, 400, "invalid_grant").await;
}

async fn refresh(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/v1/auth/token"))
        .form(&[("grant_type", "refresh_token"), ("refresh_token", token)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn refresh_tokens_rotate_and_reuse_revokes_the_family() {
    let app = TestApp::spawn().await;
    let first = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = refresh(&app, &first).await;
    assert_eq!(res.status(), StatusCode::OK);
    let rotated: Value = res.json().await.unwrap();
    let second = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(
        app.get("/v1/me", rotated["access_token"].as_str().unwrap())
            .await
            .status(),
        StatusCode::OK
    );
    // The first token again: refused, and the whole family dies with it.
    oauth_error(refresh(&app, &first).await, 400, "invalid_grant").await;
    oauth_error(refresh(&app, &second).await, 400, "invalid_grant").await;
}

#[tokio::test]
async fn other_families_survive_a_reuse() {
    let app = TestApp::spawn().await;
    let a = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let b = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(refresh(&app, &a).await.status(), StatusCode::OK);
    oauth_error(refresh(&app, &a).await, 400, "invalid_grant").await;
    assert_eq!(refresh(&app, &b).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn revoked_and_expired_refresh_tokens_are_refused() {
    let app = TestApp::spawn().await;
    let t = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .client
        .post(app.url("/v1/auth/revoke"))
        .form(&[("token", t.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    oauth_error(refresh(&app, &t).await, 400, "invalid_grant").await;
    // Unknown tokens are accepted silently (RFC 7009).
    let res = app
        .client
        .post(app.url("/v1/auth/revoke"))
        .form(&[("token", "cwr_nonsense")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let t = app.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    app.clock.advance(SignedDuration::from_hours(9));
    let res = refresh(&app, &t).await;
    assert_eq!(res.status(), StatusCode::OK);
    let t2 = res.json::<Value>().await.unwrap()["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Rotation does not extend the 10-hour family lifetime.
    app.clock.advance(SignedDuration::from_mins(61));
    oauth_error(refresh(&app, &t2).await, 400, "invalid_grant").await;
    oauth_error(refresh(&app, "garbage").await, 400, "invalid_grant").await;
}

#[tokio::test]
async fn password_change_ends_refresh_tokens() {
    let app = TestApp::spawn().await;
    let (_, email, token) = app.staff("caseworker").await;
    let r = app.sign_in(&email, PASSWORD).await["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .post_json(
            "/v1/me/password",
            &token,
            &json!({"current_password": "nope nope nope", "new_password": "another long password"}),
        )
        .await;
    let body = problem(res, 422).await;
    assert_eq!(body["errors"][0]["field"], "current_password");
    let res = app
        .post_json(
            "/v1/me/password",
            &token,
            &json!({"current_password": PASSWORD, "new_password": "short"}),
        )
        .await;
    assert_eq!(problem(res, 422).await["errors"][0]["field"], "new_password");
    let res = app
        .post_json(
            "/v1/me/password",
            &token,
            &json!({"current_password": PASSWORD, "new_password": "another long password"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    oauth_error(refresh(&app, &r).await, 400, "invalid_grant").await;
    oauth_error(app.password_grant(&email, PASSWORD).await, 400, "invalid_grant").await;
    assert_eq!(
        app.password_grant(&email, "another long password").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_token_endpoint_is_rate_limited() {
    let app = TestApp::spawn_with(|s| s.token_rate_limit = 3).await;
    for _ in 0..3 {
        assert_eq!(
            app.password_grant(ADMIN_EMAIL, "wrong").await.status(),
            StatusCode::BAD_REQUEST
        );
    }
    let res = app.password_grant(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    problem(res, 429).await;
}

async fn change_password(app: &TestApp, token: &str, current: &str, new: &str) -> reqwest::Response {
    app.post_json(
        "/v1/me/password",
        token,
        &json!({"current_password": current, "new_password": new}),
    )
    .await
}

#[tokio::test]
async fn wrong_current_passwords_lock_like_failed_sign_ins() {
    let app = TestApp::spawn().await;
    let (_, email, token) = app.staff("caseworker").await;
    for _ in 0..5 {
        let body = problem(
            change_password(&app, &token, "not my password", "a brand new passphrase").await,
            422,
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "current_password");
    }
    // Locked: the right password is refused too, here and at sign-in.
    let res = change_password(&app, &token, PASSWORD, "a brand new passphrase").await;
    let retry: u64 = res.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&retry), "{retry}");
    problem(res, 429).await;
    oauth_error(app.password_grant(&email, PASSWORD).await, 400, "invalid_grant").await;
    app.clock.advance(SignedDuration::from_mins(14));
    problem(
        change_password(&app, &token, PASSWORD, "a brand new passphrase").await,
        429,
    )
    .await;
    app.clock.advance(SignedDuration::from_mins(2));
    // The old access token expired meanwhile; sign in again.
    let token = app.sign_in(&email, PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = change_password(&app, &token, PASSWORD, "a brand new passphrase").await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        app.password_grant(&email, "a brand new passphrase").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn failed_sign_ins_and_wrong_current_passwords_share_one_counter() {
    let app = TestApp::spawn().await;
    let (_, email, token) = app.staff("caseworker").await;
    for _ in 0..3 {
        oauth_error(
            app.password_grant(&email, "wrong password!!").await,
            400,
            "invalid_grant",
        )
        .await;
    }
    for _ in 0..2 {
        problem(
            change_password(&app, &token, "wrong password!!", "another long password").await,
            422,
        )
        .await;
    }
    oauth_error(app.password_grant(&email, PASSWORD).await, 400, "invalid_grant").await;
}

async fn grant_from(app: &TestApp, forwarded_for: &str, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/v1/auth/token"))
        .header("X-Forwarded-For", forwarded_for)
        .form(&[("grant_type", "password"), ("username", email), ("password", password)])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn one_address_cannot_lock_an_account_for_everyone() {
    // The test client connects from 127.0.0.1, configured as the reverse proxy.
    let app = TestApp::spawn_with(|s| s.trusted_proxies = vec!["127.0.0.1/32".into(), "10.0.0.0/8".into()]).await;
    let (_, email, _) = app.staff("caseworker").await;
    for _ in 0..5 {
        oauth_error(
            grant_from(&app, "198.51.100.7", &email, "wrong password!!").await,
            400,
            "invalid_grant",
        )
        .await;
    }
    // The guessing address is locked out...
    oauth_error(
        grant_from(&app, "198.51.100.7", &email, PASSWORD).await,
        400,
        "invalid_grant",
    )
    .await;
    // ...even when it forges an extra hop on the left, or comes through another proxy.
    oauth_error(
        grant_from(&app, "203.0.113.1, 198.51.100.7, 10.1.1.1", &email, PASSWORD).await,
        400,
        "invalid_grant",
    )
    .await;
    // The owner, elsewhere, still signs in.
    assert_eq!(
        grant_from(&app, "203.0.113.50", &email, PASSWORD).await.status(),
        StatusCode::OK
    );
    app.clock.advance(SignedDuration::from_mins(16));
    assert_eq!(
        grant_from(&app, "198.51.100.7", &email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
    let app = TestApp::spawn().await;
    let (_, email, _) = app.staff("caseworker").await;
    // Each request claims another address; without trusted proxies they are all the peer.
    for i in 0..5 {
        oauth_error(
            grant_from(&app, &format!("198.51.100.{i}"), &email, "wrong password!!").await,
            400,
            "invalid_grant",
        )
        .await;
    }
    oauth_error(
        grant_from(&app, "203.0.113.50", &email, PASSWORD).await,
        400,
        "invalid_grant",
    )
    .await;
}

#[tokio::test]
async fn failures_from_many_addresses_lock_the_account_for_everyone() {
    let app = TestApp::spawn_with(|s| s.trusted_proxies = vec!["127.0.0.1".into()]).await;
    let (_, email, _) = app.staff("caseworker").await;
    // Four addresses, five failures each: twenty in all.
    for a in 1..=4 {
        for _ in 0..5 {
            grant_from(&app, &format!("198.51.100.{a}"), &email, "wrong password!!").await;
        }
    }
    oauth_error(
        grant_from(&app, "203.0.113.50", &email, PASSWORD).await,
        400,
        "invalid_grant",
    )
    .await;
}

#[tokio::test]
async fn the_revocation_endpoint_is_rate_limited() {
    let app = TestApp::spawn_with(|s| s.token_rate_limit = 3).await;
    for _ in 0..3 {
        let res = app
            .client
            .post(app.url("/v1/auth/revoke"))
            .form(&[("token", "cwr_guess")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
    }
    let res = app
        .client
        .post(app.url("/v1/auth/revoke"))
        .form(&[("token", "cwr_guess")])
        .send()
        .await
        .unwrap();
    assert!(res.headers().contains_key("retry-after"));
    problem(res, 429).await;
}

#[tokio::test]
async fn oauth_parameters_with_control_characters_are_invalid_requests() {
    let app = TestApp::spawn().await;
    let url = app.url("/v1/auth/token");
    for form in [
        vec![
            ("grant_type", "password"),
            ("username", "admin@example.org\u{0}"),
            ("password", "x"),
        ],
        vec![
            ("grant_type", "client_credentials"),
            ("client_id", "cwc_\u{0}"),
            ("client_secret", "x"),
        ],
        vec![("grant_type", "refresh_token"), ("refresh_token", "cwr_\u{202E}x")],
    ] {
        let res = app.client.post(&url).form(&form).send().await.unwrap();
        oauth_error(res, 400, "invalid_request").await;
    }
    let res = app
        .client
        .post(&url)
        .json(&json!({"grant_type": "password", "username": "a\u{0}@example.org", "password": "x"}))
        .send()
        .await
        .unwrap();
    oauth_error(res, 400, "invalid_request").await;
    let res = app
        .client
        .post(app.url("/v1/auth/revoke"))
        .form(&[("token", "cwr_\u{0}")])
        .send()
        .await
        .unwrap();
    oauth_error(res, 400, "invalid_request").await;
}

#[tokio::test]
async fn housekeeping_forgets_stale_failure_counts_but_not_live_locks() {
    let app = TestApp::spawn().await;
    let (id, email, _) = app.staff("caseworker").await;
    for _ in 0..5 {
        app.password_grant(&email, "wrong password!!").await;
    }
    // A day and a half later: the lock is over and the failures are stale.
    app.clock.advance(SignedDuration::from_hours(36));
    let uid: uuid::Uuid = id.parse().unwrap();
    sqlx::query("INSERT INTO sign_in_failures (user_id, address, at) VALUES ($1, '192.0.2.1', $2)")
        .bind(uid)
        .bind(app.clock.ts())
        .execute(&app.pool)
        .await
        .unwrap();
    let mut conn = app.pool.acquire().await.unwrap();
    let purged = casework_domain::identity::store::purge_stale_login_failures(&mut conn, app.clock.ts())
        .await
        .unwrap();
    assert_eq!(purged, 5);
    let left: Vec<(String,)> = sqlx::query_as("SELECT address FROM sign_in_failures")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, [("192.0.2.1".to_owned(),)]);
}

#[tokio::test]
async fn failures_that_leave_the_window_are_forgotten() {
    // Before: one address reached the per-address lock across windows (a consecutive
    // count), and the account-wide count never decayed, so one patient address locked the
    // account for everyone.
    let app = TestApp::spawn_with(|s| s.trusted_proxies = vec!["127.0.0.1".into()]).await;
    let (_, email, _) = app.staff("caseworker").await;
    for _ in 0..6 {
        for _ in 0..4 {
            oauth_error(
                grant_from(&app, "198.51.100.9", &email, "wrong password!!").await,
                400,
                "invalid_grant",
            )
            .await;
        }
        app.clock.advance(SignedDuration::from_mins(16));
    }
    // 24 failures from one address, never five inside one window: nobody is locked out.
    assert_eq!(
        grant_from(&app, "203.0.113.50", &email, PASSWORD).await.status(),
        StatusCode::OK
    );
    for _ in 0..4 {
        grant_from(&app, "198.51.100.9", &email, "wrong password!!").await;
    }
    app.clock.advance(SignedDuration::from_mins(16));
    assert_eq!(
        grant_from(&app, "198.51.100.9", &email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn one_address_never_locks_the_account_for_everyone() {
    // Twenty failures inside the window, all from one address, are that address's lock
    // alone: the account-wide lock needs several addresses.
    let app = TestApp::spawn_with(|s| s.trusted_proxies = vec!["127.0.0.1".into()]).await;
    let (id, email, _) = app.staff("caseworker").await;
    let uid: uuid::Uuid = id.parse().unwrap();
    for _ in 0..20 {
        sqlx::query("INSERT INTO sign_in_failures (user_id, address, at) VALUES ($1, '198.51.100.9', $2)")
            .bind(uid)
            .bind(app.clock.ts())
            .execute(&app.pool)
            .await
            .unwrap();
    }
    oauth_error(
        grant_from(&app, "198.51.100.9", &email, PASSWORD).await,
        400,
        "invalid_grant",
    )
    .await;
    assert_eq!(
        grant_from(&app, "203.0.113.50", &email, PASSWORD).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_burst_of_guesses_cannot_slip_past_the_lock() {
    // Each attempt is counted before its password is checked, under a lock on the account
    // and address: twenty at once from one address get five checks, not twenty.
    let app = TestApp::spawn_with(|s| s.trusted_proxies = vec!["127.0.0.1".into()]).await;
    let (id, email, _) = app.staff("caseworker").await;
    let guesses = (0..20).map(|_| grant_from(&app, "198.51.100.77", &email, "wrong password!!"));
    for res in futures::future::join_all(guesses).await {
        assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    }
    let (counted,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM sign_in_failures WHERE user_id = $1 AND address = '198.51.100.77'")
            .bind(id.parse::<uuid::Uuid>().unwrap())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(counted, 5);
    oauth_error(
        grant_from(&app, "198.51.100.77", &email, PASSWORD).await,
        400,
        "invalid_grant",
    )
    .await;
}
