//! Cases (contract §3): opening a case and the client rules, reading with ETags, merge
//! patches, the lifecycle and its guards, assignment, and the list.

use std::collections::BTreeSet;

use casework_tests::{
    TestApp, field_errors,
    fixtures::{adult_case, with, youth_case},
    pairs, problem,
};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Helpers

/// Expected `(field, code)` pairs of a 422.
type FieldCodes = &'static [(&'static str, &'static str)];
/// Query parameters of a list request.
type Query<'a> = Vec<(&'a str, &'a str)>;

fn id_of(v: &Value) -> String {
    v["id"].as_str().unwrap().to_owned()
}

/// The JSON of a response that must be 200.
async fn ok(res: Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// Moves a case (asserting 200) and returns it.
async fn move_to(app: &TestApp, token: &str, id: &str, to: &str) -> Value {
    let body = if to == "closed" {
        json!({"to": to, "close_reason": "resolved"})
    } else {
        json!({"to": to})
    };
    ok(app.transition_case(token, id, &body, None).await).await
}

/// The ids of the cases a list query returns (asserting 200), in order.
async fn list_ids(app: &TestApp, token: &str, query: &[(&str, &str)]) -> Vec<String> {
    let res = app
        .client
        .get(app.url("/v1/cases"))
        .query(query)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let page = ok(res).await;
    page["items"].as_array().unwrap().iter().map(id_of).collect()
}

/// `GET /v1/cases?{query}` exactly as written.
async fn raw_list(app: &TestApp, token: &str, query: &str) -> Response {
    app.client
        .get(app.url(&format!("/v1/cases?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn timeline(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let page = ok(app.get(&format!("/v1/cases/{id}/timeline"), token).await).await;
    page["items"].as_array().unwrap().clone()
}

async fn case_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM cases")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

fn etag_of(res: &Response) -> String {
    res.headers()["etag"].to_str().unwrap().to_owned()
}

// ---------------------------------------------------------------------------------------
// Opening and reading

#[tokio::test]
async fn a_caseworker_opens_a_case_and_reads_it_back() {
    let app = TestApp::spawn().await;
    let (me, _, t) = app.staff("caseworker").await;
    let body = with(
        &adult_case(),
        &json!({
            "client": {
                "preferred_name": "Al",
                "pronouns": "they/them",
                "contact": {"email": "alex@example.org", "preferred_channel": "email", "safe_to_leave_message": true},
                "interpreter_language": "French"
            },
            "sextortion": true,
            "supports_requested": ["image_removal", "legal_information"],
            "summary": "Images shared on a forum"
        }),
    );
    let res = app.post_json("/v1/cases", &t, &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["etag"], "\"v1\"");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let case: Value = res.json().await.unwrap();
    let id = id_of(&case);
    assert_eq!(location, format!("/v1/cases/{id}"));
    assert_eq!(case["reference"], "IIPS-2026-000001");
    assert_eq!(case["status"], "intake");
    assert_eq!(case["assigned_to"], me.as_str());
    assert_eq!(case["collaborators"], json!([]));
    assert_eq!(case["iipa_applicable"], true);
    assert_eq!(case["version"], 1);
    assert_eq!(case["client"], body["client"]);
    assert_eq!(case["situation"], "shared");
    assert_eq!(case["jurisdiction"], "bc");
    assert_eq!(case["sextortion"], true);
    assert_eq!(case["altered_image"], false, "defaults to false");
    assert_eq!(case["priority"], "normal", "defaults to normal");
    assert_eq!(case["supports_requested"], body["supports_requested"]);
    assert_eq!(case["summary"], "Images shared on a forum");
    assert_eq!(case["created_at"], "2026-11-23T17:00:00Z");
    assert_eq!(case["updated_at"], "2026-11-23T17:00:00Z");
    assert!(case.get("closed_at").is_none() && case.get("close_reason").is_none());

    // GET gives the same representation and ETag; If-None-Match with it is 304.
    let path = format!("/v1/cases/{id}");
    let res = app.get(&path, &t).await;
    assert_eq!(res.status(), StatusCode::OK);
    let etag = etag_of(&res);
    assert_eq!(etag, "\"v1\"");
    assert_eq!(res.json::<Value>().await.unwrap(), case);
    let res = app
        .client
        .get(app.url(&path))
        .bearer_auth(&t)
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(res.headers()["etag"], etag.as_str());
    let res = app
        .client
        .get(app.url(&path))
        .bearer_auth(&t)
        .header("If-None-Match", "\"v9\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK, "another ETag is not a match");

    // The list shows it; the timeline starts with its creation.
    let page = ok(app.get("/v1/cases", &t).await).await;
    assert_eq!(page["items"], json!([case]));
    assert!(page["next_cursor"].is_null());
    let events = timeline(&app, &t, &id).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["kind"], "case.created");
    assert_eq!(events[0]["actor"], format!("user:{me}"));
    assert_eq!(events[0]["detail"]["reference"], "IIPS-2026-000001");

    // References count up; a supervisor may open cases too.
    let (_, _, sup) = app.staff("supervisor").await;
    let second = app.create_case(&sup, &adult_case()).await;
    assert_eq!(second["reference"], "IIPS-2026-000002");

    // Unknown and malformed ids are 404.
    problem(app.get(&format!("/v1/cases/{}", uuid::Uuid::now_v7()), &t).await, 404).await;
    problem(app.get("/v1/cases/not-a-uuid", &t).await, 404).await;
}

#[tokio::test]
async fn fifty_parallel_creates_get_fifty_consecutive_references() {
    let app = TestApp::spawn().await;
    let (_, _, a) = app.staff("caseworker").await;
    let (_, _, b) = app.staff("caseworker").await;
    let (_, _, s) = app.staff("supervisor").await;
    let tokens = [a, b, s];
    let body = adult_case();
    let requests = (0..50).map(|i| app.post_json("/v1/cases", &tokens[i % 3], &body));
    let responses = futures::future::join_all(requests).await;
    let mut numbers = Vec::new();
    for res in responses {
        let status = res.status();
        let case: Value = res.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{case}");
        let reference = case["reference"].as_str().unwrap();
        let n = reference.strip_prefix("IIPS-2026-").unwrap();
        assert!(n.len() == 6 && n.bytes().all(|b| b.is_ascii_digit()), "{reference}");
        numbers.push(n.parse::<u32>().unwrap());
    }
    numbers.sort_unstable();
    assert_eq!(numbers, (1..=50).collect::<Vec<_>>(), "distinct, no gaps");
    assert_eq!(case_rows(&app).await, 50);
}

#[tokio::test]
async fn every_client_rule_is_enforced_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let (_, _, t) = app.staff("caseworker").await;
    let table: Vec<(&str, Value, FieldCodes)> = vec![
        (
            "adult aged 17",
            with(&adult_case(), &json!({"client": {"age": 17}})),
            &[("client.age", "age_group_mismatch")],
        ),
        (
            "adult aged 18",
            with(&adult_case(), &json!({"client": {"age": 18}})),
            &[("client.age", "age_group_mismatch")],
        ),
        (
            "youth aged 19",
            youth_case(Some(19)),
            &[("client.age", "age_group_mismatch")],
        ),
        (
            "age over 120",
            with(&adult_case(), &json!({"client": {"age": 121}})),
            &[("client.age", "out_of_range")],
        ),
        (
            "adult with a guardian decision",
            with(
                &adult_case(),
                &json!({"client": {"guardian_involvement": "youth_consents"}}),
            ),
            &[("client.guardian_involvement", "not_applicable_for_adults")],
        ),
        (
            "youth with guardian involvement not_applicable",
            with(
                &youth_case(Some(15)),
                &json!({"client": {"guardian_involvement": "not_applicable"}}),
            ),
            &[("client.guardian_involvement", "required_for_youth")],
        ),
        (
            "preferred channel email without an email",
            with(
                &adult_case(),
                &json!({"client": {"contact": {"preferred_channel": "email"}}}),
            ),
            &[("client.contact.email", "required_for_channel")],
        ),
        (
            "preferred channel phone without a phone",
            with(
                &adult_case(),
                &json!({"client": {"contact": {"preferred_channel": "phone"}}}),
            ),
            &[("client.contact.phone", "required_for_channel")],
        ),
        (
            "malformed email",
            with(
                &adult_case(),
                &json!({"client": {"contact": {"email": "not-an-email"}}}),
            ),
            &[("client.contact.email", "invalid_email")],
        ),
        (
            "malformed phone",
            with(
                &adult_case(),
                &json!({"client": {"contact": {"phone": "604-555-CALL"}}}),
            ),
            &[("client.contact.phone", "invalid_phone")],
        ),
        (
            "unknown top-level field",
            with(&adult_case(), &json!({"colour": "red"})),
            &[("colour", "unknown_field")],
        ),
        (
            "unknown client field",
            with(&adult_case(), &json!({"client": {"nickname": "Al"}})),
            &[("client.nickname", "unknown_field")],
        ),
        (
            "unknown contact field",
            with(&adult_case(), &json!({"client": {"contact": {"fax": "604 555 0100"}}})),
            &[("client.contact.fax", "unknown_field")],
        ),
        (
            "several rules broken at once",
            with(
                &adult_case(),
                &json!({"client": {"age": 17, "guardian_involvement": "youth_declines",
                                   "contact": {"preferred_channel": "phone"}}}),
            ),
            &[
                ("client.age", "age_group_mismatch"),
                ("client.guardian_involvement", "not_applicable_for_adults"),
                ("client.contact.phone", "required_for_channel"),
            ],
        ),
    ];
    for (what, body, expected) in table {
        let p = problem(app.post_json("/v1/cases", &t, &body).await, 422).await;
        let got: BTreeSet<_> = field_errors(&p).into_iter().collect();
        let want: BTreeSet<_> = pairs(expected).into_iter().collect();
        assert_eq!(got, want, "{what}: {p}");
        assert_eq!(case_rows(&app).await, 0, "{what}: nothing written");
    }
    // No reference was used up by the refusals.
    let case = app.create_case(&t, &adult_case()).await;
    assert_eq!(case["reference"], "IIPS-2026-000001");
    // The boundaries themselves are fine.
    app.create_case(&t, &with(&adult_case(), &json!({"client": {"age": 19}})))
        .await;
    app.create_case(&t, &with(&youth_case(Some(18)), &json!({}))).await;
    app.create_case(
        &t,
        &with(
            &adult_case(),
            &json!({"client": {"contact": {"phone": "(604) 555-0100", "preferred_channel": "phone"}}}),
        ),
    )
    .await;
}

#[tokio::test]
async fn iipa_applies_to_sharing_and_threats_in_bc() {
    let app = TestApp::spawn().await;
    let (_, _, t) = app.staff("caseworker").await;
    let table = [
        ("shared", "bc", true),
        ("threatened", "bc", true),
        ("possessed_not_shared", "bc", false),
        ("shared", "qc", false),
        ("threatened", "other", false),
    ];
    for (situation, jurisdiction, applicable) in table {
        let case = app
            .create_case(
                &t,
                &with(
                    &adult_case(),
                    &json!({"situation": situation, "jurisdiction": jurisdiction}),
                ),
            )
            .await;
        assert_eq!(case["iipa_applicable"], applicable, "{situation}/{jurisdiction}");
    }
    // Derived, so it follows a change of jurisdiction.
    let case = app.create_case(&t, &adult_case()).await;
    let updated = ok(app
        .patch_case(&t, &id_of(&case), Some("\"v1\""), &json!({"jurisdiction": "qc"}))
        .await)
    .await;
    assert_eq!(updated["iipa_applicable"], false);
}

// ---------------------------------------------------------------------------------------
// PATCH

#[tokio::test]
async fn patch_merges_changes_and_records_them() {
    let app = TestApp::spawn().await;
    let (_, _, t) = app.staff("caseworker").await;
    let body = with(
        &youth_case(Some(16)),
        &json!({"summary": "Threatened over chat", "client": {"contact": {"phone": "+1 604 555 0100"}}}),
    );
    let case = app.create_case(&t, &body).await;
    let id = id_of(&case);

    let res = app
        .patch_case(
            &t,
            &id,
            Some("\"v1\""),
            &json!({"priority": "urgent", "client": {"guardian_involvement": "youth_consents"}}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"v2\"");
    let updated: Value = res.json().await.unwrap();
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["priority"], "urgent");
    let mut expected_client = case["client"].clone();
    expected_client["guardian_involvement"] = json!("youth_consents");
    assert_eq!(updated["client"], expected_client, "only guardian_involvement changed");
    for unchanged in [
        "reference",
        "status",
        "situation",
        "jurisdiction",
        "summary",
        "assigned_to",
        "sextortion",
    ] {
        assert_eq!(updated[unchanged], case[unchanged], "{unchanged}");
    }

    // null clears an optional field.
    let cleared = ok(app.patch_case(&t, &id, Some("\"v2\""), &json!({"summary": null})).await).await;
    assert!(cleared.get("summary").is_none(), "{cleared}");
    assert_eq!(cleared["version"], 3);
    assert_eq!(cleared["priority"], "urgent");

    // Conditional: If-Match is required and must be current.
    problem(app.patch_case(&t, &id, None, &json!({"priority": "normal"})).await, 428).await;
    problem(
        app.patch_case(&t, &id, Some("\"v2\""), &json!({"priority": "normal"}))
            .await,
        412,
    )
    .await;

    // Fields other endpoints own are refused, each named.
    for field in [
        "status",
        "assigned_to",
        "collaborators",
        "reference",
        "id",
        "version",
        "close_reason",
    ] {
        let p = problem(
            app.patch_case(&t, &id, Some("\"v3\""), &json!({field: json!("x")}))
                .await,
            422,
        )
        .await;
        assert_eq!(field_errors(&p), pairs(&[(field, "not_patchable")]), "{field}");
    }
    let p = problem(
        app.patch_case(
            &t,
            &id,
            Some("\"v3\""),
            &json!({"status": "active", "assigned_to": id, "priority": "normal"}),
        )
        .await,
        422,
    )
    .await;
    let got: BTreeSet<_> = field_errors(&p).into_iter().collect();
    assert_eq!(
        got,
        pairs(&[("status", "not_patchable"), ("assigned_to", "not_patchable")])
            .into_iter()
            .collect()
    );

    // The merged result must keep every rule; unknown fields are refused.
    let table: Vec<(Value, FieldCodes)> = vec![
        (json!({"client": {"age": 19}}), &[("client.age", "age_group_mismatch")]),
        (
            json!({"client": {"guardian_involvement": "not_applicable"}}),
            &[("client.guardian_involvement", "required_for_youth")],
        ),
        (
            json!({"client": {"contact": {"phone": null, "preferred_channel": "phone"}}}),
            &[("client.contact.phone", "required_for_channel")],
        ),
        (
            json!({"client": {"contact": {"email": "nope"}}}),
            &[("client.contact.email", "invalid_email")],
        ),
        (
            json!({"client": {"contact": {"fax": "604 555 0100"}}}),
            &[("client.contact.fax", "unknown_field")],
        ),
        (json!({"colour": "red"}), &[("colour", "unknown_field")]),
        (json!({"priority": "whenever"}), &[("priority", "invalid_value")]),
    ];
    for (patch, expected) in table {
        let p = problem(app.patch_case(&t, &id, Some("\"v3\""), &patch).await, 422).await;
        assert_eq!(field_errors(&p), pairs(expected), "{patch}");
    }
    let res = app.get(&format!("/v1/cases/{id}"), &t).await;
    assert_eq!(etag_of(&res), "\"v3\"", "refused patches change nothing");

    // An adult patched to 17 breaks the age rule.
    let adult_case = app.create_case(&t, &adult_case()).await;
    let p = problem(
        app.patch_case(&t, &id_of(&adult_case), Some("\"v1\""), &json!({"client": {"age": 17}}))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), pairs(&[("client.age", "age_group_mismatch")]));

    // The timeline names the changed fields (never their values).
    let events = timeline(&app, &t, &id).await;
    let updates: Vec<BTreeSet<String>> = events
        .iter()
        .filter(|e| e["kind"] == "case.updated")
        .map(|e| {
            e["detail"]["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_owned())
                .collect()
        })
        .collect();
    let want: Vec<BTreeSet<String>> = vec![
        ["summary".to_owned()].into(),
        ["client".to_owned(), "priority".to_owned()].into(),
    ];
    assert_eq!(updates, want, "newest first");
    assert!(!events.iter().any(|e| e.to_string().contains("youth_consents")));
}

// ---------------------------------------------------------------------------------------
// Transitions

const STATES: [&str; 4] = ["intake", "active", "on_hold", "closed"];

/// Every edge that exists; nothing else moves a case.
const EDGES: &[(&str, &str)] = &[
    ("intake", "active"),
    ("intake", "closed"),
    ("active", "on_hold"),
    ("active", "closed"),
    ("on_hold", "active"),
    ("on_hold", "closed"),
    ("closed", "active"),
];

/// Brings a new case to `state` through allowed edges.
async fn case_in(app: &TestApp, owner: &str, sup: &str, state: &str) -> String {
    let id = id_of(&app.create_case(owner, &adult_case()).await);
    let path: &[&str] = match state {
        "intake" => &[],
        "active" => &["active"],
        "on_hold" => &["active", "on_hold"],
        _ => &["closed"],
    };
    for step in path {
        move_to(app, sup, &id, step).await;
    }
    id
}

#[tokio::test]
async fn the_transition_table_is_exactly_the_contract() {
    let app = TestApp::spawn().await;
    let (_, _, t) = app.staff("caseworker").await;
    let (_, _, sup) = app.staff("supervisor").await;
    let mut mismatches = Vec::new();
    for from in STATES {
        for to in STATES {
            let id = case_in(&app, &t, &sup, from).await;
            let allowed = EDGES.contains(&(from, to));
            let res = app
                .transition_case(&sup, &id, &json!({"to": to, "close_reason": "resolved"}), None)
                .await;
            let status = res.status().as_u16();
            let body: Value = res.json().await.unwrap();
            let good = if allowed {
                status == 200 && body["status"] == to
            } else {
                status == 409 && body.get("unmet").is_none() && body["type"].as_str().is_some()
            };
            if !good {
                mismatches.push(format!("{from} -> {to}: allowed={allowed}, got {status} {body}"));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[tokio::test]
async fn youth_need_a_guardian_decision_and_a_c3p_referral_to_become_active() {
    let app = TestApp::spawn().await;
    let (_, _, t) = app.staff("caseworker").await;
    let id = id_of(&app.create_case(&t, &youth_case(Some(16))).await);
    let to_active = json!({"to": "active"});

    let p = problem(app.transition_case(&t, &id, &to_active, None).await, 409).await;
    assert_eq!(
        p["unmet"],
        json!(["guardian_involvement_undecided", "c3p_referral_required"]),
        "every unmet guard at once"
    );

    ok(app
        .patch_case(
            &t,
            &id,
            Some("\"v1\""),
            &json!({"client": {"guardian_involvement": "youth_declines"}}),
        )
        .await)
    .await;
    let p = problem(app.transition_case(&t, &id, &to_active, None).await, 409).await;
    assert_eq!(p["unmet"], json!(["c3p_referral_required"]));

    // A merely suggested referral, or one to someone else, does not count.
    for referral in [json!({"to": "c3p"}), json!({"to": "victimlinkbc", "status": "made"})] {
        let res = app.post_json(&format!("/v1/cases/{id}/referrals"), &t, &referral).await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    let p = problem(app.transition_case(&t, &id, &to_active, None).await, 409).await;
    assert_eq!(p["unmet"], json!(["c3p_referral_required"]));

    let res = app
        .post_json(
            &format!("/v1/cases/{id}/referrals"),
            &t,
            &json!({"to": "c3p", "status": "made"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let moved = ok(app.transition_case(&t, &id, &to_active, None).await).await;
    assert_eq!(moved["status"], "active");

    // 18-year-olds need no C3P referral; youth of unrecorded age do; adults need neither.
    let eighteen = with(
        &youth_case(Some(18)),
        &json!({"client": {"guardian_involvement": "youth_consents"}}),
    );
    let id = id_of(&app.create_case(&t, &eighteen).await);
    ok(app.transition_case(&t, &id, &to_active, None).await).await;
    let unknown_age = with(
        &youth_case(None),
        &json!({"client": {"guardian_involvement": "youth_consents"}}),
    );
    let id = id_of(&app.create_case(&t, &unknown_age).await);
    let p = problem(app.transition_case(&t, &id, &to_active, None).await, 409).await;
    assert_eq!(p["unmet"], json!(["c3p_referral_required"]));
    let id = id_of(&app.create_case(&t, &youth_case(Some(18))).await);
    let p = problem(app.transition_case(&t, &id, &to_active, None).await, 409).await;
    assert_eq!(p["unmet"], json!(["guardian_involvement_undecided"]));
}

#[tokio::test]
async fn closing_needs_a_reason_and_only_supervisors_reopen() {
    let app = TestApp::spawn().await;
    let (me, _, t) = app.staff("caseworker").await;
    let (_, _, sup) = app.staff("supervisor").await;
    let id = id_of(&app.create_case(&t, &adult_case()).await);
    let active = ok(app
        .transition_case(&t, &id, &json!({"to": "active"}), Some("\"v1\""))
        .await)
    .await;
    assert_eq!(active["version"], 2);

    // Closing: a reason is a guard; a reason that does not exist is a bad request body.
    let p = problem(app.transition_case(&t, &id, &json!({"to": "closed"}), None).await, 409).await;
    assert_eq!(p["unmet"], json!(["close_reason_required"]));
    let p = problem(
        app.transition_case(&t, &id, &json!({"to": "closed", "close_reason": "bored"}), None)
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p)[0].0, "close_reason");
    let p = problem(
        app.transition_case(&t, &id, &json!({"to": "archived"}), None).await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), pairs(&[("to", "invalid_value")]));
    let p = problem(
        app.transition_case(&t, &id, &json!({"to": "on_hold", "why": "x"}), None)
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), pairs(&[("why", "unknown_field")]));

    // A stale If-Match is refused before anything moves.
    problem(
        app.transition_case(&t, &id, &json!({"to": "on_hold"}), Some("\"v1\""))
            .await,
        412,
    )
    .await;

    app.clock.advance(jiff::SignedDuration::from_mins(5));
    let closed = ok(app
        .transition_case(
            &t,
            &id,
            &json!({"to": "closed", "close_reason": "client_withdrew"}),
            Some("\"v2\""),
        )
        .await)
    .await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["close_reason"], "client_withdrew");
    assert_eq!(closed["closed_at"], "2026-11-23T17:05:00Z");
    assert_eq!(closed["version"], 3);

    // Reopening: caseworkers may not, supervisors may; it clears the closing.
    problem(app.transition_case(&t, &id, &json!({"to": "active"}), None).await, 403).await;
    problem(app.transition_case(&t, &id, &json!({"to": "on_hold"}), None).await, 409).await;
    let reopened = ok(app.transition_case(&sup, &id, &json!({"to": "active"}), None).await).await;
    assert_eq!(reopened["status"], "active");
    assert!(reopened.get("closed_at").is_none(), "{reopened}");
    assert!(reopened.get("close_reason").is_none(), "{reopened}");
    let got = ok(app.get(&format!("/v1/cases/{id}"), &t).await).await;
    assert_eq!(got, reopened);

    // The timeline has every move, newest first.
    let moves: Vec<(Value, Value, Value)> = timeline(&app, &t, &id)
        .await
        .into_iter()
        .filter(|e| e["kind"] == "case.status_changed")
        .map(|e| {
            (
                e["detail"]["from"].clone(),
                e["detail"]["to"].clone(),
                e["actor"].clone(),
            )
        })
        .collect();
    assert_eq!(moves.len(), 3, "{moves:?}");
    assert_eq!(
        moves[1],
        (json!("active"), json!("closed"), json!(format!("user:{me}")))
    );
    assert_eq!(
        moves[2],
        (json!("intake"), json!("active"), json!(format!("user:{me}")))
    );
    assert_eq!((&moves[0].0, &moves[0].1), (&json!("closed"), &json!("active")));
}

// ---------------------------------------------------------------------------------------
// Assignment

#[tokio::test]
async fn supervisors_assign_and_visibility_follows() {
    let app = TestApp::spawn().await;
    let (a, _, ta) = app.staff("caseworker").await;
    let (b, _, tb) = app.staff("caseworker").await;
    let (c, _, tc) = app.staff("caseworker").await;
    let (s, _, ts) = app.staff("supervisor").await;
    let admin = app.admin_token().await;
    let admin_id = ok(app.get("/v1/me", &admin).await).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let id = id_of(&app.create_case(&ta, &adult_case()).await);
    let path = format!("/v1/cases/{id}");
    for t in [&tb, &tc] {
        problem(app.get(&path, t).await, 404).await;
    }

    let res = app
        .assign_case(&ts, &id, &json!({"primary": b, "collaborators": [c]}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"v2\"");
    let assigned: Value = res.json().await.unwrap();
    assert_eq!(assigned["assigned_to"], b.as_str());
    assert_eq!(assigned["collaborators"], json!([c]));

    // The new primary and the collaborator see it everywhere; the old primary no longer.
    for t in [&tb, &tc, &ts] {
        ok(app.get(&path, t).await).await;
        ok(app.get(&format!("{path}/notes"), t).await).await;
        assert!(list_ids(&app, t, &[]).await.contains(&id));
    }
    problem(app.get(&path, &ta).await, 404).await;
    problem(app.get(&format!("{path}/timeline"), &ta).await, 404).await;
    assert!(list_ids(&app, &ta, &[]).await.is_empty());
    // Collaborators work the case.
    ok(app
        .patch_case(&tc, &id, Some("\"v2\""), &json!({"priority": "urgent"}))
        .await)
    .await;

    let events = timeline(&app, &tb, &id).await;
    let change = events.iter().find(|e| e["kind"] == "case.assignment_changed").unwrap();
    assert_eq!(change["detail"]["from"]["primary"], a.as_str());
    assert_eq!(change["detail"]["to"]["primary"], b.as_str());
    assert_eq!(change["detail"]["to"]["collaborators"], json!([c]));

    // A supervisor may be primary; an empty collaborator list removes collaborators.
    let res = app
        .assign_case(&ts, &id, &json!({"primary": s, "collaborators": []}))
        .await;
    assert_eq!(ok(res).await["collaborators"], json!([]));
    problem(app.get(&path, &tc).await, 404).await;

    // Bad inputs, each naming its field.
    let (gone, _, _) = app.staff("caseworker").await;
    let admin_view = app.get(&format!("/v1/users/{gone}"), &admin).await;
    let etag = etag_of(&admin_view);
    let res = app
        .client
        .patch(app.url(&format!("/v1/users/{gone}")))
        .bearer_auth(&admin)
        .header("If-Match", etag)
        .json(&json!({"active": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let nobody = uuid::Uuid::now_v7().to_string();
    let table: Vec<(Value, FieldCodes)> = vec![
        (json!({"primary": admin_id}), &[("primary", "not_assignable")]),
        (json!({"primary": nobody}), &[("primary", "not_assignable")]),
        (json!({"primary": gone}), &[("primary", "not_assignable")]),
        (
            json!({"primary": b, "collaborators": [admin_id]}),
            &[("collaborators[0]", "not_assignable")],
        ),
        (
            json!({"primary": b, "collaborators": [c, b]}),
            &[("collaborators[1]", "is_primary")],
        ),
        (
            json!({"primary": b, "collaborators": [c, c]}),
            &[("collaborators[1]", "duplicate")],
        ),
        (json!({"primary": "me"}), &[("primary", "invalid_type")]),
    ];
    for (body, expected) in table {
        let p = problem(app.assign_case(&ts, &id, &body).await, 422).await;
        assert_eq!(field_errors(&p), pairs(expected), "{body}");
    }
    let p = problem(app.assign_case(&ts, &id, &json!({"primary": b, "team": []})).await, 422).await;
    assert_eq!(field_errors(&p), pairs(&[("team", "unknown_field")]));
    let after = ok(app.get(&path, &ts).await).await;
    assert_eq!(after["assigned_to"], s.as_str(), "refusals change nothing");

    // Unknown case; callers who may not assign.
    problem(app.assign_case(&ts, &nobody, &json!({"primary": b})).await, 404).await;
    for t in [&ta, &tb, &admin] {
        problem(app.assign_case(t, &id, &json!({"primary": b})).await, 403).await;
    }
}

// ---------------------------------------------------------------------------------------
// The list

#[tokio::test]
async fn the_list_filters_and_shows_only_what_the_caller_sees() {
    let app = TestApp::spawn().await;
    let (a, _, ta) = app.staff("caseworker").await;
    let (b, _, tb) = app.staff("caseworker").await;
    let (_, _, ts) = app.staff("supervisor").await;

    let plain = id_of(&app.create_case(&ta, &adult_case()).await);
    let urgent = id_of(
        &app.create_case(&ta, &with(&adult_case(), &json!({"priority": "urgent"})))
            .await,
    );
    let quebec = id_of(
        &app.create_case(&ta, &with(&adult_case(), &json!({"jurisdiction": "qc"})))
            .await,
    );
    let young = app.create_case(&tb, &youth_case(Some(18))).await;
    let young_ref = young["reference"].as_str().unwrap().to_owned();
    let young = id_of(&young);
    let mine = id_of(&app.create_case(&ts, &adult_case()).await);
    move_to(&app, &ta, &plain, "active").await;

    app.clock.advance(jiff::SignedDuration::from_mins(5));
    ok(app
        .patch_case(&ta, &quebec, Some("\"v1\""), &json!({"summary": "later"}))
        .await)
    .await;

    let all = list_ids(&app, &ts, &[]).await;
    assert_eq!(all, [&*mine, &young, &quebec, &urgent, &plain], "newest first");
    assert_eq!(list_ids(&app, &ta, &[]).await, [&*quebec, &urgent, &plain]);
    assert_eq!(list_ids(&app, &tb, &[]).await, [&*young]);

    let table: Vec<(&str, Query, Vec<&str>)> = vec![
        ("status", vec![("status", "active")], vec![&plain]),
        (
            "status intake",
            vec![("status", "intake")],
            vec![&mine, &young, &quebec, &urgent],
        ),
        ("priority", vec![("priority", "urgent")], vec![&urgent]),
        ("jurisdiction", vec![("jurisdiction", "qc")], vec![&quebec]),
        ("age_group", vec![("age_group", "youth")], vec![&young]),
        ("reference", vec![("reference", &young_ref)], vec![&young]),
        ("reference unknown", vec![("reference", "IIPS-2026-999999")], vec![]),
        (
            "assigned_to uuid",
            vec![("assigned_to", &a)],
            vec![&quebec, &urgent, &plain],
        ),
        ("assigned_to me", vec![("assigned_to", "me")], vec![&mine]),
        (
            "updated_after",
            vec![("updated_after", "2026-11-23T17:02:00Z")],
            vec![&quebec],
        ),
        (
            "updated_after with an offset",
            vec![("updated_after", "2026-11-23T10:02:00-07:00")],
            vec![&quebec],
        ),
        (
            "updated_after, everything",
            vec![("updated_after", "2026-11-23T16:59:59+00:00")],
            vec![&mine, &young, &quebec, &urgent, &plain],
        ),
        (
            "filters combine",
            vec![("assigned_to", &a), ("status", "intake"), ("priority", "normal")],
            vec![&quebec],
        ),
    ];
    for (what, query, expected) in &table {
        assert_eq!(&list_ids(&app, &ts, query).await, expected, "{what}");
    }
    // Filters never widen what a caseworker sees.
    assert!(list_ids(&app, &ta, &[("assigned_to", &b)]).await.is_empty());
    assert_eq!(list_ids(&app, &tb, &[("assigned_to", "me")]).await, [&*young]);

    // Bad query values.
    let p = problem(raw_list(&app, &ts, "updated_after=2026-11-23T17:02:00").await, 422).await;
    assert_eq!(field_errors(&p)[0].0, "updated_after");
    let p = problem(raw_list(&app, &ts, "assigned_to=someone").await, 422).await;
    assert_eq!(field_errors(&p)[0].0, "assigned_to");
    problem(raw_list(&app, &ts, "status=archived").await, 400).await;
    problem(raw_list(&app, &ts, "priority=asap").await, 400).await;
    problem(raw_list(&app, &ts, "age_group=teen").await, 400).await;
    problem(raw_list(&app, &ts, "limit=0").await, 422).await;
    problem(raw_list(&app, &ts, "limit=201").await, 422).await;
}

#[tokio::test]
async fn paging_neither_repeats_nor_skips_and_cursors_cannot_be_forged() {
    let app = TestApp::spawn().await;
    let (_, _, t) = app.staff("caseworker").await;
    let mut originals = Vec::new();
    for _ in 0..5 {
        originals.push(id_of(&app.create_case(&t, &adult_case()).await));
    }
    originals.reverse();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut query = vec![("limit", "2".to_owned())];
        if let Some(c) = &cursor {
            query.push(("cursor", c.clone()));
        }
        let res = app
            .client
            .get(app.url("/v1/cases"))
            .query(&query)
            .bearer_auth(&t)
            .send()
            .await
            .unwrap();
        let page = ok(res).await;
        pages += 1;
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(id_of));
        if pages == 1 {
            // A case opened while paging sorts before page one: never a repeat.
            app.create_case(&t, &adult_case()).await;
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, originals, "every original case once, newest first");
    assert_eq!(pages, 3);
    assert_eq!(list_ids(&app, &t, &[]).await.len(), 6);

    let first = ok(app.get("/v1/cases?limit=1", &t).await).await;
    let c = first["next_cursor"].as_str().unwrap();
    let mut forged = c.to_owned();
    forged.replace_range(0..1, if c.starts_with('e') { "f" } else { "e" });
    let res = app
        .client
        .get(app.url("/v1/cases"))
        .query(&[("cursor", forged.as_str())])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    let p = problem(res, 422).await;
    assert_eq!(field_errors(&p), pairs(&[("cursor", "invalid_cursor")]));
    // A cursor of another list is not one of this list.
    let id = &seen[0];
    for _ in 0..2 {
        app.post_json(
            &format!("/v1/cases/{id}/notes"),
            &t,
            &json!({"kind": "note", "body": "hello"}),
        )
        .await;
    }
    let notes = ok(app.get(&format!("/v1/cases/{id}/notes?limit=1"), &t).await).await;
    let foreign = notes["next_cursor"].as_str().unwrap();
    let res = app
        .client
        .get(app.url("/v1/cases"))
        .query(&[("cursor", foreign)])
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    problem(res, 422).await;
}

// ---------------------------------------------------------------------------------------
// Finding a returning client (blind indexes)

/// An adult case reachable by email and phone.
fn reachable(name: &str, email: &str, phone: &str) -> Value {
    with(
        &adult_case(),
        &json!({"client": {"name": name, "contact": {
            "email": email, "phone": phone, "preferred_channel": "email", "safe_to_leave_message": false
        }}}),
    )
}

#[tokio::test]
async fn a_returning_client_is_found_by_exact_email_phone_or_name_within_visibility() {
    let app = TestApp::spawn().await;
    let (_, _, ta) = app.staff("caseworker").await;
    let (_, _, tb) = app.staff("caseworker").await;
    let (_, _, ts) = app.staff("supervisor").await;

    let first = id_of(
        &app.create_case(
            &ta,
            &reachable("Zoé  Tremblay", "Zoe.T@Example.org", "+1 (604) 555-0100"),
        )
        .await,
    );
    let other = id_of(
        &app.create_case(&ta, &reachable("Sam Lee", "sam@example.org", "604 555 0199"))
            .await,
    );
    // Someone else's client, with the same name.
    let theirs = id_of(
        &app.create_case(&tb, &reachable("Zoé Tremblay", "zt@example.net", "+1 250 555 0100"))
            .await,
    );

    let table: Vec<(&str, Query, Vec<&str>)> = vec![
        (
            "email, other case and spaces",
            vec![("client_email", " ZOE.t@example.ORG ")],
            vec![&first],
        ),
        (
            "phone, other formatting",
            vec![("client_phone", "+1 604.555.0100")],
            vec![&first],
        ),
        ("phone without +", vec![("client_phone", "604-555-0199")], vec![&other]),
        (
            "name, other case and spacing",
            vec![("client_name", "  zoé   TREMBLAY ")],
            vec![&first],
        ),
        ("accents count", vec![("client_name", "Zoe Tremblay")], vec![]),
        ("partial email", vec![("client_email", "zoe.t@example")], vec![]),
        ("partial phone", vec![("client_phone", "555-0100")], vec![]),
        ("partial name", vec![("client_name", "Zoé")], vec![]),
        ("the + counts", vec![("client_phone", "1 604 555 0100")], vec![]),
        (
            "combined with other filters",
            vec![("client_name", "zoé tremblay"), ("status", "intake")],
            vec![&first],
        ),
        (
            "combined, no match",
            vec![("client_email", "sam@example.org"), ("priority", "urgent")],
            vec![],
        ),
    ];
    for (what, query, expected) in &table {
        assert_eq!(&list_ids(&app, &ta, query).await, expected, "{what}");
    }

    // A caseworker never finds another caseworker's client: an empty list, not an error.
    assert!(
        list_ids(&app, &ta, &[("client_email", "zt@example.net")])
            .await
            .is_empty()
    );
    assert!(
        list_ids(&app, &tb, &[("client_phone", "+16045550100")])
            .await
            .is_empty()
    );
    assert_eq!(
        list_ids(&app, &tb, &[("client_name", "zoé tremblay")]).await,
        [&*theirs]
    );
    // A supervisor finds any.
    assert_eq!(
        list_ids(&app, &ts, &[("client_name", "ZOÉ TREMBLAY")]).await,
        [&*theirs, &first]
    );
    assert_eq!(
        list_ids(&app, &ts, &[("client_email", "zt@example.net")]).await,
        [&*theirs]
    );

    // Changing the client moves the indexes with it.
    ok(app
        .patch_case(
            &ta,
            &other,
            Some("\"v1\""),
            &json!({"client": {"name": "Sam Leigh", "contact": {"email": "sam.leigh@example.org"}}}),
        )
        .await)
    .await;
    assert!(
        list_ids(&app, &ta, &[("client_email", "sam@example.org")])
            .await
            .is_empty()
    );
    assert!(list_ids(&app, &ta, &[("client_name", "sam lee")]).await.is_empty());
    assert_eq!(
        list_ids(&app, &ta, &[("client_email", "SAM.LEIGH@example.org")]).await,
        [&*other]
    );
    assert_eq!(list_ids(&app, &ta, &[("client_name", "sam leigh")]).await, [&*other]);
    assert_eq!(list_ids(&app, &ta, &[("client_phone", "6045550199")]).await, [&*other]);

    // The stored indexes are keyed hashes: no trace of the plain values.
    type Index = Option<Vec<u8>>;
    let (email, phone, name): (Index, Index, Index) = sqlx::query_as(
        "SELECT client_email_index, client_phone_index, client_name_index FROM cases WHERE id = $1::uuid",
    )
    .bind(&first)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    for (index, plain) in [
        (email, &b"zoe.t@example.org"[..]),
        (phone, b"6045550100"),
        (name, "zoé tremblay".as_bytes()),
    ] {
        let index = index.expect("an index");
        assert_eq!(index.len(), 32);
        for part in plain.split(|b| *b == b' ' || *b == b'@' || *b == b'.') {
            if part.len() >= 3 {
                assert!(!index.windows(part.len()).any(|w| w == part), "{plain:?}");
            }
        }
    }

    // Bad values are refused like the other filters: empty or too long 422 naming the
    // filter; a control character is refused before any filter is read (400).
    let long = format!("client_email={}", "a".repeat(321));
    for query in ["client_email=", "client_name=%20%20", "client_phone=()", &long] {
        let p = problem(raw_list(&app, &ta, query).await, 422).await;
        let field = query.split('=').next().unwrap();
        assert_eq!(field_errors(&p)[0].0, field, "{query}");
    }
    for query in [
        "client_email=a%00b%40example.org",
        "client_name=Zo%C3%A9%1BTremblay",
        "client_name=Zo%E2%80%AEe",
    ] {
        let p = problem(raw_list(&app, &ta, query).await, 400).await;
        assert!(
            !p.to_string().contains("Tremblay") && !p.to_string().contains("example.org"),
            "{p}"
        );
    }
}
