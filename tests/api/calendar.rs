//! The office calendar over HTTP (contract §7).

use casework_tests::{TestApp, problem};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn closures(app: &TestApp, token: &str, from: &str, to: &str) -> Vec<Value> {
    let res = app
        .get(&format!("/v1/calendar/closures?from={from}&to={to}"), token)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Value>().await.unwrap()["items"].as_array().unwrap().clone()
}

async fn next_open(app: &TestApp, token: &str, at: &str) -> reqwest::Response {
    app.client
        .get(app.url("/v1/calendar/next-open"))
        .query(&[("at", at)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn add_days(app: &TestApp, token: &str, from: &str, days: &str) -> reqwest::Response {
    app.client
        .get(app.url("/v1/calendar/add-business-days"))
        .query(&[("from", from), ("days", days)])
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn value_of(res: reqwest::Response, field: &str) -> String {
    assert_eq!(res.status(), StatusCode::OK);
    res.json::<Value>().await.unwrap()[field].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn closures_of_a_year_by_rule() {
    let app = TestApp::spawn().await;
    let (_, _, t) = app.staff("caseworker").await;
    let items = closures(&app, &t, "2026-01-01", "2026-12-31").await;
    let dates: Vec<&str> = items.iter().map(|c| c["date"].as_str().unwrap()).collect();
    assert_eq!(
        dates,
        [
            "2026-01-01",
            "2026-02-16",
            "2026-04-03",
            "2026-04-06",
            "2026-05-18",
            "2026-07-01",
            "2026-08-03",
            "2026-09-07",
            "2026-09-30",
            "2026-10-12",
            "2026-11-11",
            "2026-12-25",
            "2026-12-28"
        ]
    );
    let boxing = items.iter().find(|c| c["date"] == "2026-12-28").unwrap();
    assert_eq!(boxing["kind"], "public_service");
    assert_eq!(
        items.iter().find(|c| c["date"] == "2026-12-25").unwrap()["kind"],
        "statutory"
    );
}

#[tokio::test]
async fn closure_queries_are_validated() {
    let app = TestApp::spawn().await;
    let (_, _, t) = app.staff("supervisor").await;
    let body = problem(
        app.get("/v1/calendar/closures?from=2026-12-31&to=2026-01-01", &t).await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "to");
    problem(
        app.get("/v1/calendar/closures?from=2026-01-01&to=2031-01-02", &t).await,
        422,
    )
    .await;
    assert_eq!(closures(&app, &t, "2026-01-01", "2031-01-01").await.len(), 66);
    let body = problem(
        app.get("/v1/calendar/closures?from=tomorrow&to=2026-01-01", &t).await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "from");
    // Defaults: from today (the app clock: 2026-11-23), one year on.
    let res = app.get("/v1/calendar/closures", &t).await;
    let items: Value = res.json().await.unwrap();
    assert_eq!(items["items"][0]["date"], "2026-12-25");
}

#[tokio::test]
async fn admins_add_and_remove_custom_closures_and_deadlines_follow() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, _, cw) = app.staff("caseworker").await;
    // Wed 23 Dec, 10:00 local, + 3 office days: Thu 24, Tue 29, Wed 30 (16:30 local = 23:30Z).
    assert_eq!(
        value_of(add_days(&app, &cw, "2026-12-23T10:00:00-07:00", "3").await, "due_at").await,
        "2026-12-30T23:30:00Z"
    );

    let res = app
        .post_json(
            "/v1/calendar/closures",
            &admin,
            &json!({"date": "2026-12-24", "name": "Office closed early for the holidays"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let c: Value = res.json().await.unwrap();
    assert_eq!(c["kind"], "custom");
    let items = closures(&app, &cw, "2026-12-20", "2026-12-31").await;
    assert_eq!(items[0]["date"], "2026-12-24");
    assert_eq!(items[0]["kind"], "custom");
    assert_eq!(
        value_of(add_days(&app, &cw, "2026-12-23T10:00:00-07:00", "3").await, "due_at").await,
        "2026-12-31T23:30:00Z"
    );
    // Wed 23 Dec after hours: closed 24 (custom), 25 (Christmas), weekend, 28 (Boxing Day).
    assert_eq!(
        value_of(next_open(&app, &cw, "2026-12-23T17:00:00-07:00").await, "next_open").await,
        "2026-12-29T15:30:00Z"
    );

    problem(
        app.post_json(
            "/v1/calendar/closures",
            &admin,
            &json!({"date": "2026-12-24", "name": "Again"}),
        )
        .await,
        409,
    )
    .await;
    problem(
        app.post_json(
            "/v1/calendar/closures",
            &admin,
            &json!({"date": "2026-12-25", "name": "Christmas"}),
        )
        .await,
        409,
    )
    .await;
    let body = problem(
        app.post_json(
            "/v1/calendar/closures",
            &admin,
            &json!({"date": "2026-12-26", "name": "Saturday"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(body["errors"][0]["code"], "weekend");
    for bad in ["2026-02-30", "24/12/2026", "2026-12-24T00:00:00Z"] {
        let body = problem(
            app.post_json("/v1/calendar/closures", &admin, &json!({"date": bad, "name": "X"}))
                .await,
            422,
        )
        .await;
        assert_eq!(body["errors"][0]["field"], "date", "{bad}");
    }
    problem(
        app.post_json(
            "/v1/calendar/closures",
            &admin,
            &json!({"date": "2026-12-29", "name": ""}),
        )
        .await,
        422,
    )
    .await;

    let del = |d: &str| {
        app.client
            .delete(app.url(&format!("/v1/calendar/closures/{d}")))
            .bearer_auth(&admin)
            .send()
    };
    problem(del("2026-12-25").await.unwrap(), 409).await;
    problem(del("2026-12-28").await.unwrap(), 409).await;
    problem(del("2026-12-29").await.unwrap(), 404).await;
    problem(del("not-a-date").await.unwrap(), 422).await;
    assert_eq!(del("2026-12-24").await.unwrap().status(), StatusCode::NO_CONTENT);
    problem(del("2026-12-24").await.unwrap(), 404).await;
    assert_eq!(
        value_of(add_days(&app, &cw, "2026-12-23T10:00:00-07:00", "3").await, "due_at").await,
        "2026-12-30T23:30:00Z"
    );

    let actions: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, actor FROM audit_log WHERE action LIKE 'calendar.%' ORDER BY occurred_at, action",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(actions.len(), 2);
    assert!(actions.iter().all(|(_, actor)| actor.starts_with("user:")));
}

#[tokio::test]
async fn only_admins_change_closures() {
    let app = TestApp::spawn().await;
    for role in ["caseworker", "supervisor"] {
        let (_, _, t) = app.staff(role).await;
        problem(
            app.post_json("/v1/calendar/closures", &t, &json!({"date": "2026-12-24", "name": "X"}))
                .await,
            403,
        )
        .await;
        let res = app
            .client
            .delete(app.url("/v1/calendar/closures/2026-12-24"))
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        problem(res, 403).await;
    }
}

#[tokio::test]
async fn integrations_need_calendar_read() {
    let app = TestApp::spawn().await;
    let tokens = [
        app.integration_token(&["calendar:read"]).await,
        app.integration_token(&["stats:read"]).await,
    ];
    assert_eq!(
        next_open(&app, &tokens[0], "2026-11-23T10:00:00-07:00").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        add_days(&app, &tokens[0], "2026-11-23T10:00:00-07:00", "1")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(closures(&app, &tokens[0], "2026-01-01", "2026-12-31").await.len(), 13);
    problem(next_open(&app, &tokens[1], "2026-11-23T10:00:00-07:00").await, 403).await;
    problem(app.get("/v1/calendar/closures", &tokens[1]).await, 403).await;
    problem(
        app.post_json(
            "/v1/calendar/closures",
            &tokens[0],
            &json!({"date": "2026-12-24", "name": "X"}),
        )
        .await,
        403,
    )
    .await;
    let res = app.client.get(app.url("/v1/calendar/next-open")).send().await.unwrap();
    problem(res, 401).await;
}

#[tokio::test]
async fn next_open_in_and_out_of_hours_in_permanent_utc_minus_7() {
    let app = TestApp::spawn().await;
    let (_, _, t) = app.staff("caseworker").await;
    let cases = [
        // Open: the instant itself, normalised to UTC.
        ("2026-11-23T08:30:00-07:00", "2026-11-23T15:30:00Z"),
        ("2026-11-23T12:00:00Z", "2026-11-23T15:30:00Z"),
        ("2026-11-23T16:29:59-07:00", "2026-11-23T23:29:59Z"),
        // 16:30 is closed: next morning.
        ("2026-11-23T16:30:00-07:00", "2026-11-24T15:30:00Z"),
        // Friday evening: Monday.
        ("2026-11-27T16:45:00-07:00", "2026-11-30T15:30:00Z"),
        // Remembrance Day.
        ("2026-11-11T09:00:00-07:00", "2026-11-12T15:30:00Z"),
        // Before the 2026 change BC was on UTC−8 in November.
        ("2025-11-24T07:00:00-08:00", "2025-11-24T16:30:00Z"),
        // After the spring-forward it stays UTC−7.
        ("2026-03-09T06:00:00-07:00", "2026-03-09T15:30:00Z"),
    ];
    for (at, want) in cases {
        assert_eq!(value_of(next_open(&app, &t, at).await, "next_open").await, want, "{at}");
    }
    // An offset written as '+' that arrives unescaped still parses.
    let res = app.get("/v1/calendar/next-open?at=2026-11-23T17:00:00+00:00", &t).await;
    assert_eq!(value_of(res, "next_open").await, "2026-11-23T17:00:00Z");
    for bad in ["2026-11-23T08:30:00", "2026-11-23", "monday"] {
        let body = problem(next_open(&app, &t, bad).await, 422).await;
        assert_eq!(body["errors"][0]["field"], "at", "{bad}");
    }
    // Without `at`, the service clock decides: Monday 10:00 local is open.
    assert_eq!(
        value_of(app.get("/v1/calendar/next-open", &t).await, "next_open").await,
        "2026-11-23T17:00:00Z"
    );
    app.clock.set("2026-11-27T23:29:00Z".parse().unwrap()); // Friday 16:29 local
    let t = app.admin_token().await;
    assert_eq!(
        value_of(app.get("/v1/calendar/next-open", &t).await, "next_open").await,
        "2026-11-27T23:29:00Z"
    );
    app.clock.advance(jiff::SignedDuration::from_mins(2));
    assert_eq!(
        value_of(app.get("/v1/calendar/next-open", &t).await, "next_open").await,
        "2026-11-30T15:30:00Z"
    );
}

#[tokio::test]
async fn business_days_are_validated_and_skip_long_weekends() {
    let app = TestApp::spawn().await;
    let (_, _, t) = app.staff("caseworker").await;
    // Friday before B.C. Day 2027 (Mon Aug 2): one office day later is Tuesday.
    assert_eq!(
        value_of(add_days(&app, &t, "2027-07-30T09:00:00-07:00", "1").await, "due_at").await,
        "2027-08-03T23:30:00Z"
    );
    // Across New Year: Wed 30 Dec 2026 + 2 = Thu 31, Mon 4 Jan (Jan 1 is a Friday holiday).
    assert_eq!(
        value_of(add_days(&app, &t, "2026-12-30T09:00:00-07:00", "2").await, "due_at").await,
        "2027-01-04T23:30:00Z"
    );
    for bad in ["0", "366", "-1"] {
        let body = problem(add_days(&app, &t, "2026-11-23T09:00:00-07:00", bad).await, 422).await;
        assert_eq!(body["errors"][0]["field"], "days", "{bad}");
    }
    problem(add_days(&app, &t, "2026-11-23T09:00:00-07:00", "many").await, 400).await;
    let body = problem(add_days(&app, &t, "2026-11-23T09:00:00", "1").await, 422).await;
    assert_eq!(body["errors"][0]["field"], "from");
    problem(
        app.get("/v1/calendar/add-business-days?from=2026-11-23T09:00:00-07:00", &t)
            .await,
        400,
    )
    .await;
    // Without `from`: the service clock (Monday 10:00 local) + 1 = Tuesday 16:30.
    assert_eq!(
        value_of(app.get("/v1/calendar/add-business-days?days=1", &t).await, "due_at").await,
        "2026-11-24T23:30:00Z"
    );
}
