//! Orders (contract §6) end to end: which claims lead to an order, the binding rules,
//! service and compliance, the penalty exposure with the figures used, the worker's
//! domain functions, the law table, who sees what, paging and filters.

use casework_domain::{
    Ts,
    order::{
        compliance::{self, Check},
        store as orders,
    },
};
use casework_tests::{
    TestApp, field_errors,
    orders_endpoints::{crt_claim, order_for},
    pair, problem,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn respondents(claim: &Value) -> Vec<String> {
    claim["respondents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap()
}

#[tokio::test]
async fn an_order_follows_only_a_granted_decision() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    // Filed but undecided.
    let filed = app.create_claim(&cw, &crt_claim(&case)).await;
    let rs = respondents(&filed);
    let p = problem(app.post_order(&cw, &order_for(s(&filed["id"]), &[&rs[0]])).await, 409).await;
    assert_eq!(p["unmet"], json!(["claim_not_decided"]));
    // Dismissed.
    let dismissed = app.decided_claim(&cw, &case, "dismissed").await;
    let rs = respondents(&dismissed);
    let p = problem(
        app.post_order(&cw, &order_for(s(&dismissed["id"]), &[&rs[0]])).await,
        409,
    )
    .await;
    assert_eq!(p["unmet"], json!(["claim_not_granted"]));
    // Partially granted is enough; publication ban follows the claim.
    let partial = app.decided_claim(&cw, &case, "partially_granted").await;
    let rs = respondents(&partial);
    let order = app
        .create_order(&cw, &order_for(s(&partial["id"]), &[&rs[0], &rs[1]]))
        .await;
    assert_eq!(order["publication_ban"], false);
    assert_eq!(order["jurisdiction"], "bc");
    assert_eq!(
        order["terms"],
        json!(["stop_distribution", "delete_copies", "remove_from_platform"])
    );
    assert!(
        order["bindings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b["status"] == "pending_service")
    );
    assert_eq!(order["bindings"][1]["respondent_kind"], "internet_intermediary");
    let timeline: Value = app
        .list_case_records(&cw, &case, "timeline")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(timeline["items"][0]["kind"], "order.issued");
    assert_eq!(timeline["items"][0]["detail"]["order_reference"], "CRT-IIP-2026-0042");
}

#[tokio::test]
async fn bindings_name_respondents_of_the_claim_once_and_come_due_after_issue() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let claim = app.decided_claim(&cw, &case, "granted").await;
    let other = app.decided_claim(&cw, &case, "granted").await;
    let mine = respondents(&claim);
    let theirs = respondents(&other);
    let body = json!({
        "claim_id": claim["id"],
        "order_reference": "CRT-1",
        "issued_at": "2026-10-21T09:00:00-07:00",
        "terms": ["deindex", "deindex"],
        "bindings": [
            {"respondent_id": theirs[0], "comply_by": "2026-10-28T09:00:00-07:00"},
            {"respondent_id": mine[0], "comply_by": "2026-10-20T09:00:00-07:00"},
            {"respondent_id": mine[0], "comply_by": "2026-10-28T09:00:00-07:00"},
        ]
    });
    let p = problem(app.post_order(&cw, &body).await, 422).await;
    assert_eq!(
        field_errors(&p),
        [
            pair("terms[1]", "duplicate"),
            pair("bindings[0].respondent_id", "not_a_respondent"),
            pair("bindings[1].comply_by", "not_after_issue"),
            pair("bindings[2].respondent_id", "duplicate"),
        ]
    );
    let p = problem(app.post_order(&cw, &json!({"claim_id": claim["id"]})).await, 422).await;
    assert_eq!(
        field_errors(&p),
        [
            pair("order_reference", "required"),
            pair("issued_at", "required"),
            pair("terms", "required"),
            pair("bindings", "required")
        ]
    );
    // A claim with a minor respondent keeps its ban.
    let minor = app
        .create_claim(
            &cw,
            &casework_tests::fixtures::with(
                &crt_claim(&case),
                &json!({"respondents": [{"kind": "individual", "name": "Kid", "is_minor": true}]}),
            ),
        )
        .await;
    let decided = json!({"to": "decided", "outcome": "granted", "occurred_at": "2026-10-20T10:00:00-07:00"});
    TestApp::expect(
        app.transition_claim(&cw, s(&minor["id"]), &decided).await,
        StatusCode::OK,
    )
    .await;
    let rs = respondents(&minor);
    let mut body = order_for(s(&minor["id"]), &[&rs[0]]);
    body["publication_ban"] = json!(false);
    let p = problem(app.post_order(&cw, &body).await, 422).await;
    assert_eq!(field_errors(&p), [pair("publication_ban", "required_by_claim")]);
    body.as_object_mut().unwrap().remove("publication_ban");
    assert_eq!(app.create_order(&cw, &body).await["publication_ban"], true);
}

#[tokio::test]
async fn service_needs_consent_and_compliance_needs_service() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let (_, order) = app.granted_order(&cw, &case).await;
    let oid = s(&order["id"]);
    let bid = s(&order["bindings"][0]["id"]);
    let served =
        json!({"served_at": "2026-10-22T10:00:00-07:00", "channel": "registered_mail", "note": "tracking 123"});

    // Compliance before service: 409.
    let complied = json!({"status": "complied", "checked_at": "2026-10-25T10:00:00-07:00"});
    problem(app.record_compliance(&cw, oid, bid, &complied).await, 409).await;
    // Service without consent: 409 naming the consent.
    let p = problem(app.serve_binding(&cw, oid, bid, &served).await, 409).await;
    assert_eq!(p["unmet"], json!(["respondent_contact_consent_required"]));
    // A consent for police does not do; one for the CRT does.
    let police = json!({"scope": "police", "given_at": "2026-10-01T00:00:00Z"});
    TestApp::expect(
        app.add_case_record(&cw, &case, "consents", &police).await,
        StatusCode::CREATED,
    )
    .await;
    problem(app.serve_binding(&cw, oid, bid, &served).await, 409).await;
    let crt = json!({"scope": "crt", "given_at": "2026-10-01T00:00:00Z"});
    TestApp::expect(
        app.add_case_record(&cw, &case, "consents", &crt).await,
        StatusCode::CREATED,
    )
    .await;
    let p = problem(
        app.serve_binding(&cw, oid, bid, &json!({"served_at": "2026-10-20T10:00:00-07:00"}))
            .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&p),
        [pair("served_at", "before_issue"), pair("channel", "required")]
    );
    let o = TestApp::expect(app.serve_binding(&cw, oid, bid, &served).await, StatusCode::OK).await;
    assert_eq!(o["bindings"][0]["status"], "served");
    assert_eq!(o["bindings"][0]["service_channel"], "registered_mail");
    // The same service recorded again changes nothing and schedules no second check;
    // another service of a served binding is refused.
    let again = TestApp::expect(app.serve_binding(&cw, oid, bid, &served).await, StatusCode::OK).await;
    assert_eq!(again["version"], o["version"]);
    assert_eq!(check_jobs(&app, bid).await, 1);
    let later = json!({"served_at": "2026-10-23T10:00:00-07:00", "channel": "email"});
    problem(app.serve_binding(&cw, oid, bid, &later).await, 409).await;

    // Blocking in Canada only is not compliance.
    let geo = json!({"status": "complied", "checked_at": "2026-10-25T10:00:00-07:00", "geofenced_only": true, "note": "blocked in CA"});
    let p = problem(app.record_compliance(&cw, oid, bid, &geo).await, 422).await;
    assert_eq!(field_errors(&p), [pair("geofenced_only", "not_compliance")]);
    // Non-compliant only once the deadline has passed.
    let early = json!({"status": "non_compliant", "checked_at": "2026-10-25T10:00:00-07:00", "geofenced_only": true});
    let p = problem(app.record_compliance(&cw, oid, bid, &early).await, 409).await;
    assert_eq!(p["unmet"], json!(["comply_by_not_reached"]));
    let before_service = json!({"status": "complied", "checked_at": "2026-10-21T10:00:00-07:00"});
    let p = problem(app.record_compliance(&cw, oid, bid, &before_service).await, 422).await;
    assert_eq!(field_errors(&p), [pair("checked_at", "before_service")]);
    let o = TestApp::expect(app.record_compliance(&cw, oid, bid, &complied).await, StatusCode::OK).await;
    assert_eq!(o["bindings"][0]["status"], "complied");
    assert_eq!(o["bindings"][0]["complied_at"], "2026-10-25T17:00:00Z");
    let timeline: Value = app
        .list_case_records(&cw, &case, "timeline")
        .await
        .json()
        .await
        .unwrap();
    let text = timeline.to_string();
    assert_eq!(timeline["items"][0]["kind"], "order.binding_status_changed");
    assert_eq!(timeline["items"][0]["detail"]["to"], "complied");
    assert!(!text.contains("tracking 123") && !text.contains("Sam Roe"));
}

/// The compliance-check jobs of a binding (one per instant, by apalis' idempotency key).
async fn check_jobs(app: &TestApp, binding: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM apalis.jobs WHERE job_type = 'order_compliance' AND idempotency_key LIKE $1",
    )
    .bind(format!("{binding}@%"))
    .fetch_one(&app.pool)
    .await
    .unwrap()
}

/// The `run_at` of the jobs of `queue` whose idempotency key starts with `key`.
async fn run_ats(app: &TestApp, queue: &str, key: &str) -> Vec<Ts> {
    sqlx::query_scalar("SELECT run_at FROM apalis.jobs WHERE job_type = $1 AND idempotency_key LIKE $2 ORDER BY run_at")
        .bind(queue)
        .bind(format!("{key}%"))
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

fn at(s: &str) -> Ts {
    Ts::new(s.parse().unwrap())
}

#[tokio::test]
async fn service_in_the_future_is_refused() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    app.consent_to_respondent_contact(&cw, &case).await;
    let (_, order) = app.granted_order(&cw, &case).await;
    // The service clock reads 2026-11-23 17:00Z.
    let body = json!({"served_at": "2026-11-23T17:00:01Z", "channel": "email"});
    let p = problem(
        app.serve_binding(&cw, s(&order["id"]), s(&order["bindings"][0]["id"]), &body)
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("served_at", "in_future")]);
}

#[tokio::test]
async fn a_respondent_served_late_is_in_breach_only_from_service() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    app.consent_to_respondent_contact(&cw, &case).await;
    let (_, order) = app.granted_order(&cw, &case).await;
    let (oid, bid) = (s(&order["id"]), s(&order["bindings"][0]["id"]));
    // Due 28 October 23:59; served on 10 November at 10:00 (Vancouver, UTC−7).
    let served = json!({"served_at": "2026-11-10T10:00:00-07:00", "channel": "in_person"});
    TestApp::expect(app.serve_binding(&cw, oid, bid, &served).await, StatusCode::OK).await;

    // As of 4 November the respondent was not served: nothing (not 7 days from comply_by).
    let e = TestApp::expect(
        app.penalty_exposure(&cw, oid, Some("2026-11-04T12:00:00-07:00")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(e["bindings"][0]["days_non_compliant"], 0);
    assert_eq!(e["bindings"][0]["max_exposure_cents"], 0);
    // By hand: 10 Nov 10:00 → 13 Nov 11:00 is 3 days and an hour, 4 started days,
    // × CAD 500 (individual, B.C. Reg. 293/2023) = CAD 2,000.
    let e = TestApp::expect(
        app.penalty_exposure(&cw, oid, Some("2026-11-13T11:00:00-07:00")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(e["bindings"][0]["days_non_compliant"], 4);
    assert_eq!(e["bindings"][0]["max_exposure_cents"], 200_000);
    // As of now (23 Nov 10:00): exactly 13 days, CAD 6,500, under the CAD 10,000 cap.
    let e = TestApp::expect(app.penalty_exposure(&cw, oid, None).await, StatusCode::OK).await;
    assert_eq!(e["bindings"][0]["days_non_compliant"], 13);
    assert_eq!(e["bindings"][0]["max_exposure_cents"], 650_000);

    // The check at the deadline (from the order) and the check at service, in apalis' own
    // run_at (no worker has anchored another clock: database time = service time).
    assert_eq!(
        run_ats(&app, "order_compliance", bid).await,
        [at("2026-10-29T06:59:00Z"), at("2026-11-10T17:00:00Z")]
    );
    // Non-compliant is recorded only from service on, and schedules the escalation two
    // office days after the breach began: Tuesday 10 November, then Wednesday 11 is
    // Remembrance Day, so Thursday 12 and Friday 13 November, 16:30 — once.
    let early = json!({"status": "non_compliant", "checked_at": "2026-11-10T09:00:00-07:00"});
    let p = problem(app.record_compliance(&cw, oid, bid, &early).await, 422).await;
    assert_eq!(field_errors(&p), [pair("checked_at", "before_service")]);
    let breach = json!({"status": "non_compliant", "checked_at": "2026-11-10T10:00:00-07:00"});
    let o = TestApp::expect(app.record_compliance(&cw, oid, bid, &breach).await, StatusCode::OK).await;
    assert_eq!(o["bindings"][0]["status"], "non_compliant");
    assert_eq!(
        run_ats(&app, "penalty_escalation", bid).await,
        [at("2026-11-13T23:30:00Z")]
    );
}

#[tokio::test]
async fn a_job_that_cannot_be_enqueued_is_a_500_not_an_outage() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let claim = app.decided_claim(&cw, &case, "granted").await;
    // Fault injection: the queue refuses compliance checks.
    sqlx::query("ALTER TABLE apalis.jobs ADD CONSTRAINT test_refuses_checks CHECK (job_type <> 'order_compliance')")
        .execute(&app.pool)
        .await
        .unwrap();
    let body = order_for(s(&claim["id"]), &[s(&claim["respondents"][0]["id"])]);
    let p = problem(app.post_order(&cw, &body).await, 500).await;
    assert!(!p.to_string().contains("test_refuses_checks"), "opaque: {p}");
    let orders: i64 = sqlx::query_scalar("SELECT count(*) FROM orders")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(orders, 0, "no order without its check");
}

#[tokio::test]
async fn penalty_exposure_with_the_figures_used() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    app.consent_to_respondent_contact(&cw, &case).await;
    let (_, order) = app.granted_order(&cw, &case).await;
    let oid = s(&order["id"]);
    for b in order["bindings"].as_array().unwrap() {
        let served = json!({"served_at": "2026-10-22T10:00:00-07:00", "channel": "email"});
        TestApp::expect(app.serve_binding(&cw, oid, s(&b["id"]), &served).await, StatusCode::OK).await;
    }
    // The individual complies 2 days and 1 minute late; the intermediary never does.
    let late = json!({"status": "complied", "checked_at": "2026-10-31T00:00:00-07:00"});
    TestApp::expect(
        app.record_compliance(&cw, oid, s(&order["bindings"][0]["id"]), &late)
            .await,
        StatusCode::OK,
    )
    .await;

    // Three days and a minute after the deadline (2026-10-28 23:59 Vancouver).
    let res = app.penalty_exposure(&cw, oid, Some("2026-11-01T00:00:00-07:00")).await;
    let e = TestApp::expect(res, StatusCode::OK).await;
    assert_eq!(e["as_of"], "2026-11-01T07:00:00Z");
    let ind = &e["bindings"][0];
    assert_eq!(ind["respondent"]["name"], "Sam Roe");
    assert_eq!(
        (ind["jurisdiction"].as_str(), ind["respondent_kind"].as_str()),
        (Some("bc"), Some("individual"))
    );
    // Complied 2026-10-31 00:00, 2 days 1 minute late: 3 started days × CAD 500.
    assert_eq!(ind["days_non_compliant"], 3);
    assert_eq!(ind["max_daily_cents"], 50_000);
    assert_eq!(ind["cap_cents"], 1_000_000);
    assert_eq!(ind["max_exposure_cents"], 150_000);
    assert_eq!(
        ind["parameters_used"],
        json!([
            {"key": "bc.penalty.individual.daily_max", "effective_from": "2024-01-29", "value": 50_000},
            {"key": "bc.penalty.individual.cap", "effective_from": "2024-01-29", "value": 1_000_000}
        ])
    );
    let int = &e["bindings"][1];
    // 3 days and a minute: 4 started days × CAD 5,000 = CAD 20,000.
    assert_eq!(int["days_non_compliant"], 4);
    assert_eq!(int["max_exposure_cents"], 2_000_000);
    assert_eq!(e["total_max_exposure_cents"], 2_150_000);
    // Default now (2026-11-23 17:00Z): 26 started days for the intermediary, capped at CAD 100,000.
    let e = TestApp::expect(app.penalty_exposure(&cw, oid, None).await, StatusCode::OK).await;
    assert_eq!(e["bindings"][1]["days_non_compliant"], 26);
    assert_eq!(e["bindings"][1]["max_exposure_cents"], 10_000_000);
    assert_eq!(e["bindings"][0]["max_exposure_cents"], 150_000);
    // `as_of` without an offset is refused.
    let p = problem(app.penalty_exposure(&cw, oid, Some("2026-11-01T00:00:00")).await, 422).await;
    assert_eq!(field_errors(&p), [pair("as_of", "invalid_instant")]);
}

#[tokio::test]
async fn the_workers_check_moves_served_bindings_non_compliant_once() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    app.consent_to_respondent_contact(&cw, &case).await;
    let (_, order) = app.granted_order(&cw, &case).await;
    let oid = s(&order["id"]);
    let served: uuid::Uuid = s(&order["bindings"][0]["id"]).parse().unwrap();
    let unserved: uuid::Uuid = s(&order["bindings"][1]["id"]).parse().unwrap();
    let body = json!({"served_at": "2026-10-22T10:00:00-07:00", "channel": "email"});
    TestApp::expect(
        app.serve_binding(&cw, oid, &served.to_string(), &body).await,
        StatusCode::OK,
    )
    .await;

    let mut conn = app.pool.acquire().await.unwrap();
    let before: Ts = Ts::new("2026-10-28T12:00:00-07:00".parse().unwrap());
    let at = Ts::new(app.clock.now());
    let cal = casework_domain::calendar::store::load(&mut conn).await.unwrap();
    let order_id: uuid::Uuid = oid.parse().unwrap();
    let check =
        async |conn: &mut sqlx::PgConnection, b, t| compliance::check(conn, order_id, b, &cal, t).await.unwrap();
    assert_eq!(check(&mut conn, served, before).await, Check::Nothing, "not yet due");
    assert_eq!(check(&mut conn, served, at).await, Check::NonCompliant);
    assert_eq!(check(&mut conn, served, at).await, Check::Nothing, "idempotent");
    assert_eq!(check(&mut conn, unserved, at).await, Check::NotServed, "never served");
    let exposure = orders::binding_exposure(&mut conn, served, at.get())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(exposure.exposure.days_non_compliant, 26);
    assert_eq!(exposure.exposure.max_exposure_cents, 1_000_000);
    drop(conn);

    let o = TestApp::expect(app.get(&format!("/v1/orders/{oid}"), &cw).await, StatusCode::OK).await;
    assert_eq!(o["bindings"][0]["status"], "non_compliant");
    assert_eq!(o["bindings"][1]["status"], "pending_service");
    let timeline: Value = app
        .list_case_records(&cw, &case, "timeline")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(timeline["items"][0]["actor"], "system:worker");
    // The respondent never served is not in breach, so faces nothing.
    let e = TestApp::expect(app.penalty_exposure(&cw, oid, None).await, StatusCode::OK).await;
    assert_eq!(e["bindings"][0]["days_non_compliant"], 26);
    assert_eq!(e["bindings"][1]["days_non_compliant"], 0);
    assert_eq!(e["bindings"][1]["max_exposure_cents"], 0);
    // A late compliance still stops the count.
    let done = json!({"status": "complied"});
    let o = TestApp::expect(
        app.record_compliance(&cw, oid, &served.to_string(), &done).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(o["bindings"][0]["status"], "complied");
}

#[tokio::test]
async fn an_order_is_seen_only_by_those_who_see_its_case() {
    let app = TestApp::spawn().await;
    let (_, _, owner) = app.staff("caseworker").await;
    let (_, _, other) = app.staff("caseworker").await;
    let (_, _, supervisor) = app.staff("supervisor").await;
    let admin = app.admin_token().await;
    let client = app
        .integration_token(&["platforms:read", "platforms:write", "stats:read", "calendar:read"])
        .await;
    let case = app.create_adult_case(&owner).await;
    let (claim, order) = app.granted_order(&owner, &case).await;
    let oid = s(&order["id"]);
    let bid = s(&order["bindings"][0]["id"]);
    let rs = respondents(&claim);
    for token in [&other, &admin, &client] {
        problem(app.get(&format!("/v1/orders/{oid}"), token).await, 404).await;
        problem(app.penalty_exposure(token, oid, Some("not-a-date")).await, 404).await;
        problem(app.serve_binding(token, oid, bid, &json!({"bogus": true})).await, 404).await;
        problem(
            app.record_compliance(token, oid, bid, &json!({"bogus": true})).await,
            404,
        )
        .await;
    }
    // Another caseworker cannot record an order on the claim, nor see it in lists.
    problem(
        app.post_order(&other, &order_for(s(&claim["id"]), &[&rs[0]])).await,
        404,
    )
    .await;
    let list: Value = app
        .get(&format!("/v1/orders?claim_id={}", s(&claim["id"])), &other)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
    problem(app.get("/v1/orders", &admin).await, 403).await;
    problem(
        app.post_order(&client, &order_for(s(&claim["id"]), &[&rs[0]])).await,
        403,
    )
    .await;
    // An unknown binding of a visible order is 404 too.
    let unknown = uuid::Uuid::now_v7().to_string();
    problem(
        app.serve_binding(&owner, oid, &unknown, &json!({"channel": "email"}))
            .await,
        404,
    )
    .await;
    // The supervisor sees all.
    TestApp::expect(app.get(&format!("/v1/orders/{oid}"), &supervisor).await, StatusCode::OK).await;
    TestApp::expect(app.penalty_exposure(&supervisor, oid, None).await, StatusCode::OK).await;
}

#[tokio::test]
async fn orders_page_and_filter() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    app.consent_to_respondent_contact(&cw, &app.create_adult_case(&cw).await)
        .await;
    let case = app.create_adult_case(&cw).await;
    app.consent_to_respondent_contact(&cw, &case).await;
    let (claim_a, a) = app.granted_order(&cw, &case).await;
    let (_, b) = app.granted_order(&cw, &case).await;
    let (_, c) = app.granted_order(&cw, &case).await;
    let body = json!({"served_at": "2026-10-22T10:00:00-07:00", "channel": "web_form"});
    TestApp::expect(
        app.serve_binding(&cw, s(&b["id"]), s(&b["bindings"][0]["id"]), &body)
            .await,
        StatusCode::OK,
    )
    .await;
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let page1: Value = app.get("/v1/orders?limit=2", &cw).await.json().await.unwrap();
    assert_eq!(ids(&page1), [s(&c["id"]), s(&b["id"])]);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let page2: Value = app
        .client
        .get(app.url("/v1/orders"))
        .query(&[("limit", "2"), ("cursor", cursor)])
        .bearer_auth(&cw)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&page2), [s(&a["id"])]);
    for (query, want) in [
        (format!("case_id={case}"), vec![&c, &b, &a]),
        (format!("claim_id={}", s(&claim_a["id"])), vec![&a]),
        ("binding_status=served".to_owned(), vec![&b]),
        ("binding_status=pending_service".to_owned(), vec![&c, &b, &a]),
        ("binding_status=complied".to_owned(), vec![]),
    ] {
        let got: Value = app.get(&format!("/v1/orders?{query}"), &cw).await.json().await.unwrap();
        let want: Vec<&str> = want.iter().map(|o| s(&o["id"])).collect();
        assert_eq!(ids(&got), want, "{query}");
    }
    problem(app.get("/v1/orders?binding_status=late", &cw).await, 400).await;
}

#[tokio::test]
async fn the_law_table_is_readable_by_staff() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let admin = app.admin_token().await;
    let client = app.integration_token(&["calendar:read"]).await;
    let all = TestApp::expect(app.get("/v1/legal-parameters", &cw).await, StatusCode::OK).await;
    assert_eq!(all["items"].as_array().unwrap().len(), 13);
    assert!(all["next_cursor"].is_null());
    TestApp::expect(app.get("/v1/legal-parameters", &admin).await, StatusCode::OK).await;
    problem(app.get("/v1/legal-parameters", &client).await, 403).await;
    let cap = |v: &Value| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == "crt_bc.damages_cap")
            .map(|r| r["value"].clone())
    };
    let before = TestApp::expect(app.get("/v1/legal-parameters?on=2026-03-17", &cw).await, StatusCode::OK).await;
    assert_eq!(cap(&before), Some(json!(500_000)));
    assert_eq!(before["items"].as_array().unwrap().len(), 12);
    let after = TestApp::expect(app.get("/v1/legal-parameters?on=2026-03-18", &cw).await, StatusCode::OK).await;
    assert_eq!(cap(&after), Some(json!(7_500_000)));
    let qc_cap = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["key"] == "qc.penalty.legal_person.cap")
        .unwrap()
        .clone();
    assert!(qc_cap["value"].is_null(), "Quebec has no cap");
    problem(app.get("/v1/legal-parameters?on=soon", &cw).await, 422).await;
}

/// Every claim and order item path in the served spec, from a caseworker who does not see
/// the case, with everything else wrong too (query, headers, body): 404, never a hint.
#[tokio::test]
async fn every_claim_and_order_path_is_404_to_an_outsider_whatever_else_is_wrong() {
    let app = TestApp::spawn().await;
    let (_, _, owner) = app.staff("caseworker").await;
    let (_, _, outsider) = app.staff("caseworker").await;
    let case = app.create_adult_case(&owner).await;
    let (claim, order) = app.granted_order(&owner, &case).await;
    let spec: Value = app.get("/openapi.json", &owner).await.json().await.unwrap();
    let mut n = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        let id = if path.starts_with("/v1/claims/{id}") {
            s(&claim["id"])
        } else if path.starts_with("/v1/orders/{id}") {
            s(&order["id"])
        } else {
            continue;
        };
        let concrete = path
            .replace("{id}", id)
            .replace("{binding_id}", s(&order["bindings"][0]["id"]));
        for method in item.as_object().unwrap().keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let mut req = app
                .client
                .request(m.clone(), app.url(&format!("{concrete}?as_of=yesterday&limit=abc")))
                .bearer_auth(&outsider)
                .header("Idempotency-Key", "  ")
                .header("If-Match", "not-a-tag");
            if m == reqwest::Method::POST {
                req = req.json(&json!({"unknown_field": [1, 2, 3]}));
            }
            problem(req.send().await.unwrap(), 404).await;
            n += 1;
        }
    }
    assert_eq!(
        n, 6,
        "claim get and transition; order get, service, compliance, exposure"
    );
}

#[tokio::test]
async fn a_replayed_key_is_answered_only_to_someone_who_still_sees_the_case() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let (other_id, _, _) = app.staff("caseworker").await;
    let (_, _, supervisor) = app.staff("supervisor").await;
    let case = app.create_adult_case(&cw).await;
    let keyed = |path: &str, key: &str, body: &Value| {
        app.client
            .post(app.url(path))
            .bearer_auth(&cw)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
    };
    let body = crt_claim(&case);
    let first = TestApp::expect(
        keyed("/v1/claims", "claim-1", &body).await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let again = keyed("/v1/claims", "claim-1", &body).await.unwrap();
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(TestApp::expect(again, StatusCode::CREATED).await["id"], first["id"]);
    let list: Value = app
        .get(&format!("/v1/claims?case_id={case}"), &cw)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "one claim, not two");
    // Taken off the case: the replay is 404.
    let res = app
        .assign_case(&supervisor, &case, &json!({"primary": other_id, "collaborators": []}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    problem(keyed("/v1/claims", "claim-1", &body).await.unwrap(), 404).await;
}
