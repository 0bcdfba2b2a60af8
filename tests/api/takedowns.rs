//! Takedown requests (contract §5): drafting with every rule, the submission guards,
//! follow-up dates from the office calendar, the lifecycle, letters, the case's closing
//! guard and timeline, visibility through the case, and the platform scorecard.

use casework_tests::{TestApp, field_errors, pairs, problem};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

const EVIDENCE_URL: &str = "https://forum.example.net/t/123";

/// A platform of our own (so its follow-up interval is known), returning its id.
async fn platform(app: &TestApp, name: &str, follow_up_days: u8) -> String {
    let admin = app.admin_token().await;
    let res = app
        .post_json(
            "/v1/platforms",
            &admin,
            &json!({
                "name": name,
                "kind": "forum",
                "website": "https://forum.example.net",
                "is_internet_intermediary": true,
                "channels": [{"kind": "email", "address": "abuse@forum.example.net", "instructions": "NCII removal"}],
                "follow_up_business_days": follow_up_days
            }),
        )
        .await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// A platform of our own with a designated DMCA agent, returning its id.
pub(crate) async fn platform_with_dmca_agent(app: &TestApp, name: &str) -> String {
    let admin = app.admin_token().await;
    let res = app
        .post_json(
            "/v1/platforms",
            &admin,
            &json!({
                "name": name,
                "kind": "forum",
                "website": "https://forum.example.net",
                "is_internet_intermediary": true,
                "channels": [
                    {"kind": "email", "address": "abuse@forum.example.net", "instructions": "NCII removal"},
                    {"kind": "dmca_agent", "address": "copyright@forum.example.net", "instructions": "Designated agent"}
                ]
            }),
        )
        .await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// Records evidence with `url` on the case and returns its id.
async fn evidence(app: &TestApp, token: &str, case: &str, url: &str) -> String {
    let captured = app.clock.now().to_string();
    let res = app
        .add_case_record(
            token,
            case,
            "evidence",
            &json!({"kind": "screenshot", "url": url, "site": "Forum", "captured_at": captured, "description": "The post"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

async fn consent(app: &TestApp, token: &str, case: &str, scope: &str) {
    let res = app
        .add_case_record(token, case, "consents", &json!({"scope": scope}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

/// A body for a request on `case` to `platform` by email, with one URL.
fn body(case: &str, platform: &str) -> Value {
    json!({
        "case_id": case,
        "platform_id": platform,
        "channel": "email",
        "urls": [EVIDENCE_URL],
        "legal_basis": "platform_policy"
    })
}

async fn create(app: &TestApp, token: &str, body: &Value) -> Response {
    app.post_json("/v1/takedown-requests", token, body).await
}

async fn created(res: Response) -> Value {
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v
}

async fn transition(app: &TestApp, token: &str, id: &str, body: &Value) -> Response {
    app.post_json(&format!("/v1/takedown-requests/{id}/transitions"), token, body)
        .await
}

async fn moved(res: Response) -> Value {
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

/// A case with consent to contact platforms and evidence of `EVIDENCE_URL`.
async fn ready_case(app: &TestApp, token: &str) -> String {
    let case = app.create_adult_case(token).await;
    consent(app, token, &case, "platform_contact").await;
    evidence(app, token, &case, EVIDENCE_URL).await;
    case
}

async fn count_takedowns(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM takedown_requests")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_request_is_drafted_submitted_and_answered() {
    let app = TestApp::spawn().await;
    let (_, email, cw) = app.staff("caseworker").await;
    let p = platform(&app, "Forum One", 5).await;
    let case = ready_case(&app, &cw).await;
    let res = create(&app, &cw, &body(&case, &p)).await;
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/v1/takedown-requests/")
    );
    let t = created(res).await;
    assert_eq!(t["status"], "draft");
    assert_eq!(t["follow_up_count"], 0);
    assert!(t.get("follow_up_due_at").is_none());
    let id = t["id"].as_str().unwrap();

    // Submitted on Monday 23 November 10:00 Vancouver: due five office days later, Monday
    // 30 November at 16:30 (UTC−7), across the weekend.
    let s = moved(transition(&app, &cw, id, &json!({"to": "submitted", "platform_reference": "T-1"})).await).await;
    assert_eq!(s["status"], "submitted");
    assert_eq!(s["submitted_at"], "2026-11-23T17:00:00Z");
    assert_eq!(s["follow_up_due_at"], "2026-11-30T23:30:00Z");
    assert_eq!(s["platform_reference"], "T-1");

    let a = moved(transition(&app, &cw, id, &json!({"to": "acknowledged"})).await).await;
    assert_eq!(a["follow_up_due_at"], "2026-11-30T23:30:00Z");
    app.clock.advance(jiff::SignedDuration::from_hours(26));
    let cw = app.sign_in(&email, casework_tests::PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = moved(transition(&app, &cw, id, &json!({"to": "removed"})).await).await;
    assert_eq!(r["status"], "removed");
    assert_eq!(r["resolved_at"], "2026-11-24T19:00:00Z");
    assert!(r.get("follow_up_due_at").is_none(), "an answer ends the follow-ups");

    // Out of a terminal state: 409.
    for to in ["withdrawn", "acknowledged", "refused", "submitted"] {
        problem(transition(&app, &cw, id, &json!({"to": to})).await, 409).await;
    }

    // Reading it, and the case timeline.
    let got = app.get(&format!("/v1/takedown-requests/{id}"), &cw).await;
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.headers()["etag"], "\"v4\"");
    let timeline: Value = app
        .list_case_records(&cw, &case, "timeline")
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        &kinds[..4],
        [
            "takedown.status_changed",
            "takedown.status_changed",
            "takedown.status_changed",
            "takedown.created"
        ]
    );
    assert_eq!(timeline["items"][0]["detail"]["to"], "removed");
}

#[tokio::test]
async fn the_follow_up_date_skips_weekends_and_holidays() {
    let app = TestApp::spawn().await;
    // Wednesday 23 December 2026, 10:00 Vancouver. Christmas is a Friday, so Boxing Day is
    // observed on Monday 28: the three office days are 24, 29 and 30 December.
    app.clock.set("2026-12-23T17:00:00Z".parse().unwrap());
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform(&app, "Forum Holidays", 3).await;
    let case = ready_case(&app, &cw).await;
    let t = created(create(&app, &cw, &body(&case, &p)).await).await;
    let s = moved(transition(&app, &cw, t["id"].as_str().unwrap(), &json!({"to": "submitted"})).await).await;
    assert_eq!(s["follow_up_due_at"], "2026-12-30T23:30:00Z");
}

#[tokio::test]
async fn every_drafting_rule_is_enforced_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform(&app, "Forum Rules", 5).await;
    let case = ready_case(&app, &cw).await;
    let other_case = app.create_adult_case(&cw).await;
    let foreign_evidence = evidence(&app, &cw, &other_case, "https://elsewhere.example/x").await;
    let with = |patch: Value| {
        let mut b = body(&case, &p);
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let fifty_one: Vec<String> = (0..51).map(|i| format!("https://example.org/p/{i}")).collect();
    let cases: Vec<(Value, Vec<(&str, &str)>)> = vec![
        (with(json!({"urls": []})), vec![("urls", "required")]),
        (with(json!({"urls": fifty_one})), vec![("urls", "too_many")]),
        (
            with(json!({"urls": ["https://Example.org/a/", "https://example.org:443/a#top"]})),
            vec![("urls[1]", "duplicate")],
        ),
        (
            with(json!({"urls": ["ftp://example.org/a"]})),
            vec![("urls[0]", "invalid_url")],
        ),
        (
            with(json!({"evidence_ids": [foreign_evidence]})),
            vec![("evidence_ids[0]", "not_in_case")],
        ),
        (
            with(json!({"evidence_ids": [uuid::Uuid::now_v7()]})),
            vec![("evidence_ids[0]", "not_in_case")],
        ),
        (
            with(json!({"legal_basis": "iipa_order"})),
            vec![("order_id", "required")],
        ),
        (
            with(json!({"channel": "stopncii", "depicted_under_18": true})),
            vec![("depicted_under_18", "stopncii_adults_only")],
        ),
        (
            with(json!({"channel": "take_it_down", "depicted_under_18": false})),
            vec![("depicted_under_18", "take_it_down_minors_only")],
        ),
        (
            with(json!({"platform_id": uuid::Uuid::now_v7()})),
            vec![("platform_id", "unknown_platform")],
        ),
        (
            json!({"case_id": case}),
            vec![
                ("platform_id", "required"),
                ("channel", "required"),
                ("urls", "required"),
                ("legal_basis", "required"),
            ],
        ),
    ];
    for (b, want) in cases {
        let p = problem(create(&app, &cw, &b).await, 422).await;
        assert_eq!(field_errors(&p), pairs(&want), "{b}");
    }
    assert_eq!(count_takedowns(&app).await, 0);
}

#[tokio::test]
async fn submission_needs_evidence_consent_and_the_right_hash_service() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform(&app, "Forum Guards", 5).await;
    let case = app.create_adult_case(&cw).await;

    // No consent, no evidence: both listed.
    let t = created(create(&app, &cw, &body(&case, &p)).await).await;
    let id = t["id"].as_str().unwrap().to_owned();
    let refused = problem(transition(&app, &cw, &id, &json!({"to": "submitted"})).await, 409).await;
    assert_eq!(
        refused["unmet"],
        json!(["evidence_missing_for_url", "platform_contact_consent_required"])
    );

    // Evidence of the same page, written differently, and a consent for another platform:
    // the evidence counts (normal form), the consent does not.
    evidence(&app, &cw, &case, "HTTPS://Forum.Example.NET:443/t/123/#reply-4").await;
    let other_platform = platform(&app, "Forum Elsewhere", 5).await;
    let res = app
        .add_case_record(
            &cw,
            &case,
            "consents",
            &json!({"scope": "platform_contact", "party_id": other_platform}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let refused = problem(transition(&app, &cw, &id, &json!({"to": "submitted"})).await, 409).await;
    assert_eq!(refused["unmet"], json!(["platform_contact_consent_required"]));

    // A consent naming this platform lets it go.
    let res = app
        .add_case_record(
            &cw,
            &case,
            "consents",
            &json!({"scope": "platform_contact", "party_id": p}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    moved(transition(&app, &cw, &id, &json!({"to": "submitted"})).await).await;

    // A waiver stands in for evidence.
    let mut waived = body(&case, &p);
    waived["urls"] = json!(["https://forum.example.net/t/999"]);
    waived["evidence_waiver_reason"] = json!("The client could not safely open the page.");
    let w = created(create(&app, &cw, &waived).await).await;
    moved(transition(&app, &cw, w["id"].as_str().unwrap(), &json!({"to": "submitted"})).await).await;

    // Hash services (the seeded entries) need the age of the person shown.
    consent(&app, &cw, &case, "platform_contact").await;
    for (channel, name, code) in [
        ("stopncii", "StopNCII", "stopncii_adults_only"),
        ("take_it_down", "Take It Down", "take_it_down_minors_only"),
    ] {
        let service = app.platform_named(&cw, name).await;
        let mut b = body(&case, service["id"].as_str().unwrap());
        b["channel"] = json!(channel);
        let h = created(create(&app, &cw, &b).await).await;
        let refused = problem(
            transition(&app, &cw, h["id"].as_str().unwrap(), &json!({"to": "submitted"})).await,
            409,
        )
        .await;
        assert_eq!(refused["unmet"], json!([code]), "{channel}");
    }
}

#[tokio::test]
async fn a_cease_and_desist_on_a_sextortion_case_needs_an_override_reason() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform(&app, "Forum Extortion", 5).await;
    let case = ready_case(&app, &cw).await;
    consent(&app, &cw, &case, "respondent_contact").await;
    let res = app
        .patch_case(&cw, &case, Some("*"), &json!({"sextortion": true}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let mut b = body(&case, &p);
    b["channel"] = json!("cease_and_desist");
    let t = created(create(&app, &cw, &b).await).await;
    let refused = problem(
        transition(&app, &cw, t["id"].as_str().unwrap(), &json!({"to": "submitted"})).await,
        409,
    )
    .await;
    assert_eq!(refused["unmet"], json!(["sextortion_override_required"]));
    b["override_reason"] = json!("The client's lawyer advised a letter; contact goes through counsel.");
    let t = created(create(&app, &cw, &b).await).await;
    moved(transition(&app, &cw, t["id"].as_str().unwrap(), &json!({"to": "submitted"})).await).await;
}

#[tokio::test]
async fn occurred_at_is_neither_in_the_future_nor_before_the_previous_move() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform(&app, "Forum Times", 5).await;
    let case = ready_case(&app, &cw).await;
    let t = created(create(&app, &cw, &body(&case, &p)).await).await;
    let id = t["id"].as_str().unwrap();
    moved(transition(&app, &cw, id, &json!({"to": "submitted"})).await).await;
    let future = problem(
        transition(
            &app,
            &cw,
            id,
            &json!({"to": "acknowledged", "occurred_at": "2026-11-23T17:00:01Z"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&future), pairs(&[("occurred_at", "in_future")]));
    let before = problem(
        transition(
            &app,
            &cw,
            id,
            &json!({"to": "acknowledged", "occurred_at": "2026-11-23T09:59:00-07:00"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&before), pairs(&[("occurred_at", "before_previous")]));
    let no_offset = problem(
        transition(
            &app,
            &cw,
            id,
            &json!({"to": "acknowledged", "occurred_at": "2026-11-23T10:00:00"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(no_offset["errors"][0]["field"], "occurred_at");
    // Exactly the previous instant is fine.
    let a = moved(
        transition(
            &app,
            &cw,
            id,
            &json!({"to": "acknowledged", "occurred_at": "2026-11-23T10:00:00-07:00"}),
        )
        .await,
    )
    .await;
    assert_eq!(a["status"], "acknowledged");
    // Withdrawing ends the follow-ups.
    let w = moved(transition(&app, &cw, id, &json!({"to": "withdrawn"})).await).await;
    assert!(w.get("follow_up_due_at").is_none());
    problem(transition(&app, &cw, id, &json!({"to": "submitted"})).await, 409).await;
}

#[tokio::test]
async fn a_takedown_is_visible_exactly_to_those_who_see_its_case() {
    let app = TestApp::spawn().await;
    let (_, _, owner) = app.staff("caseworker").await;
    let (_, _, other) = app.staff("caseworker").await;
    let (_, _, supervisor) = app.staff("supervisor").await;
    let admin = app.admin_token().await;
    let integration = app
        .integration_token(&["platforms:read", "platforms:write", "stats:read", "calendar:read"])
        .await;
    let p = platform(&app, "Forum Visibility", 5).await;
    let case = ready_case(&app, &owner).await;
    let t = created(create(&app, &owner, &body(&case, &p)).await).await;
    let id = t["id"].as_str().unwrap();

    // Someone else's case: 404 on creation, whatever else is in the body.
    problem(create(&app, &other, &body(&case, &p)).await, 404).await;
    let mut bad = body(&case, &p);
    bad["urls"] = json!([]);
    problem(create(&app, &other, &bad).await, 404).await;
    assert_eq!(count_takedowns(&app).await, 1);

    for token in [&other, &admin, &integration] {
        problem(app.get(&format!("/v1/takedown-requests/{id}"), token).await, 404).await;
        problem(transition(&app, token, id, &json!({"to": "submitted"})).await, 404).await;
        problem(app.get(&format!("/v1/takedown-requests/{id}/notice"), token).await, 404).await;
    }
    for token in [&admin, &integration] {
        problem(app.get("/v1/takedown-requests", token).await, 403).await;
        problem(create(&app, token, &body(&case, &p)).await, 403).await;
    }
    let list: Value = app.get("/v1/takedown-requests", &other).await.json().await.unwrap();
    assert_eq!(list["items"], json!([]));
    for token in [&owner, &supervisor] {
        let list: Value = app
            .get(&format!("/v1/takedown-requests?case_id={case}"), token)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(list["items"][0]["id"], id);
        assert_eq!(
            app.get(&format!("/v1/takedown-requests/{id}"), token).await.status(),
            200
        );
    }
}

#[tokio::test]
async fn lists_filter_and_page() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform(&app, "Forum Lists", 5).await;
    let q = platform(&app, "Forum Lists Two", 5).await;
    let case = ready_case(&app, &cw).await;
    let mut ids = Vec::new();
    for platform in [&p, &p, &q] {
        let t = created(create(&app, &cw, &body(&case, platform)).await).await;
        ids.push(t["id"].as_str().unwrap().to_owned());
    }
    moved(transition(&app, &cw, &ids[0], &json!({"to": "submitted"})).await).await;
    let get = |query: String| {
        let app = &app;
        let cw = &cw;
        async move {
            let v: Value = app
                .get(&format!("/v1/takedown-requests?{query}"), cw)
                .await
                .json()
                .await
                .unwrap();
            v
        }
    };
    let ids_of = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(ids_of(&get(format!("platform_id={q}")).await), [ids[2].clone()]);
    assert_eq!(ids_of(&get("status=submitted".into()).await), [ids[0].clone()]);
    assert_eq!(
        ids_of(&get("follow_up_due_before=2026-12-01T00:00:00Z".into()).await),
        [ids[0].clone()]
    );
    assert!(ids_of(&get("follow_up_due_before=2026-11-30T23:30:00Z".into()).await).is_empty());
    problem(
        app.get("/v1/takedown-requests?follow_up_due_before=2026-12-01T00:00:00", &cw)
            .await,
        422,
    )
    .await;
    let first = get("limit=2".into()).await;
    assert_eq!(ids_of(&first), [ids[2].clone(), ids[1].clone()]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = get(format!("limit=2&cursor={cursor}")).await;
    assert_eq!(ids_of(&second), [ids[0].clone()]);
    assert!(second["next_cursor"].is_null());
}

#[tokio::test]
async fn closing_a_case_waits_for_open_requests_unless_forced() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform(&app, "Forum Closing", 5).await;
    let case = ready_case(&app, &cw).await;
    let t = created(create(&app, &cw, &body(&case, &p)).await).await;
    moved(transition(&app, &cw, t["id"].as_str().unwrap(), &json!({"to": "submitted"})).await).await;
    let close = json!({"to": "closed", "close_reason": "resolved"});
    let refused = problem(app.transition_case(&cw, &case, &close, None).await, 409).await;
    assert_eq!(refused["unmet"], json!(["open_takedown_requests"]));
    let forced = json!({"to": "closed", "close_reason": "resolved", "force": true});
    let res = app.transition_case(&cw, &case, &forced, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "closed");
}

async fn notice(app: &TestApp, token: &str, id: &str) -> Response {
    app.get(&format!("/v1/takedown-requests/{id}/notice"), token).await
}

#[tokio::test]
async fn letters_need_a_letter_channel_a_consent_and_a_configured_sender() {
    let app = TestApp::spawn_with(|s| {
        s.service_address = "PO Box 1234; Victoria BC V8W 0A1".into();
        s.service_email = "help@iips.example".into();
    })
    .await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform(&app, "Forum Letters", 5).await;
    let case = app.create_adult_case(&cw).await;
    evidence(&app, &cw, &case, EVIDENCE_URL).await;

    // An in-app report has no letter.
    let mut report = body(&case, &p);
    report["channel"] = json!("platform_report");
    let r = created(create(&app, &cw, &report).await).await;
    problem(notice(&app, &cw, r["id"].as_str().unwrap()).await, 409).await;

    // An email letter, without and then with consent to contact the platform.
    let e = created(create(&app, &cw, &body(&case, &p)).await).await;
    let eid = e["id"].as_str().unwrap();
    let refused = problem(notice(&app, &cw, eid).await, 409).await;
    assert_eq!(refused["unmet"], json!(["platform_contact_consent_required"]));
    consent(&app, &cw, &case, "platform_contact").await;
    let res = notice(&app, &cw, eid).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    assert!(text.contains(EVIDENCE_URL), "{text}");
    assert!(
        text.contains("PO Box 1234") && text.contains("help@iips.example"),
        "{text}"
    );
    assert!(text.contains("IIPS-2026-"), "{text}");
    assert!(
        !text.contains("Alex Doe"),
        "an email letter does not name the client: {text}"
    );

    // A DMCA notice goes to the designated agent, signed by the service for the owner, and
    // carries the statutory statements; without consent it does not name the client.
    let agent = platform_with_dmca_agent(&app, "Forum Letters DMCA").await;
    let mut dmca = body(&case, &agent);
    dmca["channel"] = json!("dmca_notice");
    dmca["legal_basis"] = json!("copyright");
    dmca["copyright"] = json!({"work": "A photograph the claimant took of themselves", "claimant_right": "The claimant took it and owns the copyright"});
    consent(&app, &cw, &case, "platform_contact").await;
    let d = created(create(&app, &cw, &dmca).await).await;
    let text = notice(&app, &cw, d["id"].as_str().unwrap()).await.text().await.unwrap();
    assert!(!text.contains("Alex Doe"), "{text}");
    assert!(text.contains("copyright@forum.example.net"), "{text}");
    assert!(text.contains("authorized to act on behalf of our client"), "{text}");
    assert!(text.to_lowercase().contains("good faith"), "{text}");
    assert!(text.to_lowercase().contains("penalty of perjury"), "{text}");

    // A cease-and-desist letter goes to the person, so it needs respondent consent, and it
    // never threatens criminal charges.
    let mut cd = body(&case, &p);
    cd["channel"] = json!("cease_and_desist");
    let c = created(create(&app, &cw, &cd).await).await;
    let cid = c["id"].as_str().unwrap();
    let refused = problem(notice(&app, &cw, cid).await, 409).await;
    assert_eq!(refused["unmet"], json!(["respondent_contact_consent_required"]));
    consent(&app, &cw, &case, "respondent_contact").await;
    let text = notice(&app, &cw, cid).await.text().await.unwrap().to_lowercase();
    for word in ["criminal", "police", "charges", "arrest", "prosecut"] {
        assert!(!text.contains(word), "{word} in {text}");
    }
    assert!(text.contains("delete"), "{text}");
}

#[tokio::test]
async fn letters_are_refused_until_the_sender_is_configured() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform(&app, "Forum Unconfigured", 5).await;
    let case = ready_case(&app, &cw).await;
    let e = created(create(&app, &cw, &body(&case, &p)).await).await;
    let refused = problem(notice(&app, &cw, e["id"].as_str().unwrap()).await, 409).await;
    assert!(refused["detail"].as_str().unwrap().contains("CASEWORK_SERVICE_ADDRESS"));
}

#[tokio::test]
async fn the_scorecard_counts_outcomes_and_the_median_office_days_to_removal() {
    let app = TestApp::spawn().await;
    // Everything is drafted and submitted on Monday 2 November 2026, 10:00 Vancouver.
    app.clock.set("2026-11-02T18:00:00Z".parse().unwrap());
    let (_, email, cw) = app.staff("caseworker").await;
    let p = platform(&app, "Forum Scores", 5).await;
    let case = ready_case(&app, &cw).await;
    let mut ids = Vec::new();
    for _ in 0..5 {
        let t = created(create(&app, &cw, &body(&case, &p)).await).await;
        let id = t["id"].as_str().unwrap().to_owned();
        moved(transition(&app, &cw, &id, &json!({"to": "submitted"})).await).await;
        ids.push(id);
    }
    let draft = created(create(&app, &cw, &body(&case, &p)).await).await;
    assert_eq!(draft["status"], "draft");
    app.clock.set("2026-11-23T17:00:00Z".parse().unwrap());
    let cw = app.sign_in(&email, casework_tests::PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // Removed on Wed 4 Nov (2 office days), Mon 9 Nov (5) and Fri 13 Nov (8: Remembrance
    // Day, Wed 11 Nov, is closed); one refused; one still submitted.
    for (id, at) in [
        (&ids[0], "2026-11-04T12:00:00-07:00"),
        (&ids[1], "2026-11-09T12:00:00-07:00"),
        (&ids[2], "2026-11-13T12:00:00-07:00"),
    ] {
        moved(transition(&app, &cw, id, &json!({"to": "removed", "occurred_at": at})).await).await;
    }
    moved(transition(&app, &cw, &ids[3], &json!({"to": "refused"})).await).await;

    let integration = app.integration_token(&["platforms:read"]).await;
    let res = app.get(&format!("/v1/platforms/{p}/scorecard"), &integration).await;
    assert_eq!(res.status(), StatusCode::OK);
    let s: Value = res.json().await.unwrap();
    assert_eq!(s["platform_id"], p.as_str());
    assert_eq!(s["counts"]["removed"], 3);
    assert_eq!(s["counts"]["refused"], 1);
    assert_eq!(s["counts"]["submitted"], 1);
    assert_eq!(s["counts"]["draft"], 1);
    assert_eq!(s["counts"]["withdrawn"], 0);
    assert_eq!(s["median_business_days_to_removal"], 5.0);
    assert_eq!(s["removals_measured"], 3);

    let stats_only = app.integration_token(&["stats:read"]).await;
    problem(app.get(&format!("/v1/platforms/{p}/scorecard"), &stats_only).await, 403).await;
    let unknown = uuid::Uuid::now_v7();
    problem(app.get(&format!("/v1/platforms/{unknown}/scorecard"), &cw).await, 404).await;
}

#[tokio::test]
async fn an_order_relied_on_belongs_to_the_case_and_its_service_letter_quotes_it() {
    let app = TestApp::spawn_with(|s| {
        s.service_address = "PO Box 1234; Victoria BC V8W 0A1".into();
        s.service_email = "help@iips.example".into();
    })
    .await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform(&app, "Forum Orders", 5).await;
    let case = ready_case(&app, &cw).await;
    let other = app.create_adult_case(&cw).await;
    let order = order_binding(&app, &cw, &case, &p).await;
    let (_, foreign) = app.granted_order(&cw, &other).await;

    let mut b = body(&case, &p);
    b["legal_basis"] = json!("iipa_order");
    b["order_id"] = foreign["id"].clone();
    let refused = problem(create(&app, &cw, &b).await, 422).await;
    assert_eq!(field_errors(&refused), pairs(&[("order_id", "not_in_case")]));

    b["order_id"] = order["id"].clone();
    b["channel"] = json!("order_service");
    let t = created(create(&app, &cw, &b).await).await;
    let res = notice(&app, &cw, t["id"].as_str().unwrap()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let text = res.text().await.unwrap();
    assert!(text.contains("CRT-IIP-2026-0042"), "{text}");
    assert!(text.contains("Civil Resolution Tribunal"), "{text}");
    // The platform's own deadline: 28 October 2026, 23:59 Vancouver time.
    assert!(
        text.contains("Comply by: 28 October 2026 at 23:59 (America/Vancouver, UTC-07:00)"),
        "{text}"
    );
    assert!(!text.contains("the the"), "{text}");
}

/// A granted BC claim on `case` against an individual and the platform `platform`, and an
/// order binding both (see `casework_tests::order_for`).
pub(crate) async fn order_binding(app: &TestApp, token: &str, case: &str, platform: &str) -> Value {
    let mut claim = casework_tests::orders_endpoints::crt_claim(case);
    claim["respondents"][1]["platform_id"] = json!(platform);
    let claim = app.create_claim(token, &claim).await;
    let id = claim["id"].as_str().unwrap();
    let decided = json!({"to": "decided", "outcome": "granted", "occurred_at": "2026-10-20T10:00:00-07:00"});
    let claim = TestApp::expect(app.transition_claim(token, id, &decided).await, StatusCode::OK).await;
    let rs: Vec<&str> = claim["respondents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    app.create_order(token, &casework_tests::orders_endpoints::order_for(id, &rs))
        .await
}

#[tokio::test]
async fn a_cease_and_desist_deadline_counts_the_offices_closures() {
    let app = TestApp::spawn_with(|s| {
        s.service_address = "PO Box 1234; Victoria BC V8W 0A1".into();
        s.service_email = "help@iips.example".into();
    })
    .await;
    let (_, _, cw) = app.staff("caseworker").await;
    let admin = app.admin_token().await;
    let p = platform(&app, "Forum Deadlines", 5).await;
    let case = ready_case(&app, &cw).await;
    consent(&app, &cw, &case, "respondent_contact").await;
    let mut b = body(&case, &p);
    b["channel"] = json!("cease_and_desist");
    let t = created(create(&app, &cw, &b).await).await;
    let id = t["id"].as_str().unwrap();
    // Five office days after Monday 23 November: Monday 30 November.
    let text = notice(&app, &cw, id).await.text().await.unwrap();
    assert!(text.contains("30 November 2026"), "{text}");
    // An office closure on Wednesday 25 November moves it to Tuesday 1 December.
    let res = app
        .post_json(
            "/v1/calendar/closures",
            &admin,
            &json!({"date": "2026-11-25", "name": "Office move"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let text = notice(&app, &cw, id).await.text().await.unwrap();
    assert!(
        text.contains("1 December 2026") && !text.contains("30 November 2026"),
        "{text}"
    );
}
