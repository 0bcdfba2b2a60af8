//! Tribunal claims (contract §6) end to end: the rules on opening one (every broken rule
//! listed), the lifecycle, the timeline, who sees what, paging and filters.

use casework_tests::{
    TestApp, field_errors,
    fixtures::{adult_case, with},
    orders_endpoints::{COMPLY_BY, crt_claim},
    pair, problem,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn case_with(app: &TestApp, token: &str, patch: &Value) -> String {
    app.create_case(token, &with(&adult_case(), patch)).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_claim_moves_through_its_lifecycle_and_the_timeline_shows_it_without_names() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    // Not yet filed: it starts preparing. A minor respondent bans publication.
    let body = with(
        &crt_claim(&case),
        &json!({"filed_at": null, "tribunal_reference": "SC-2026-001", "respondents": [
            {"kind": "individual", "name": "Jo Minor", "is_minor": true}
        ]}),
    );
    let claim = app.create_claim(&cw, &body).await;
    assert_eq!(claim["status"], "preparing");
    assert_eq!(claim["publication_ban"], true);
    assert!(claim.get("filed_at").is_none());
    assert_eq!(claim["respondents"][0]["name"], "Jo Minor");
    let id = claim["id"].as_str().unwrap();

    // An outcome only with a decision, and a decision only once filed.
    let p = problem(
        app.transition_claim(&cw, id, &json!({"to": "decided", "outcome": "granted"}))
            .await,
        409,
    )
    .await;
    assert!(p["detail"].as_str().unwrap().contains("preparing"), "{p}");
    let p = problem(
        app.transition_claim(&cw, id, &json!({"to": "filed", "outcome": "granted"}))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("outcome", "not_applicable")]);
    let p = problem(
        app.transition_claim(&cw, id, &json!({"to": "filed", "occurred_at": "2026-11-24T17:00:00Z"}))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("occurred_at", "in_future")]);

    let filed = TestApp::expect(
        app.transition_claim(
            &cw,
            id,
            &json!({"to": "filed", "occurred_at": "2026-11-02T09:00:00-08:00", "note": "filed online"}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(filed["status"], "filed");
    assert_eq!(filed["filed_at"], "2026-11-02T17:00:00Z");
    let p = problem(
        app.transition_claim(
            &cw,
            id,
            &json!({"to": "decided", "outcome": "granted", "occurred_at": "2026-11-01T09:00:00-08:00"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("occurred_at", "before_previous")]);
    let p = problem(app.transition_claim(&cw, id, &json!({"to": "decided"})).await, 422).await;
    assert_eq!(field_errors(&p), [pair("outcome", "required")]);
    let decided = TestApp::expect(
        app.transition_claim(&cw, id, &json!({"to": "decided", "outcome": "partially_granted"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(decided["outcome"], "partially_granted");
    problem(app.transition_claim(&cw, id, &json!({"to": "withdrawn"})).await, 409).await;
    let closed = TestApp::expect(
        app.transition_claim(&cw, id, &json!({"to": "closed"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(closed["status"], "closed");
    assert_eq!(closed["version"], 4);

    // The read answers with an ETag; the timeline names ids and statuses, never names.
    let res = app.get(&format!("/v1/claims/{id}"), &cw).await;
    assert_eq!(res.headers()["etag"], "\"v4\"");
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
        kinds,
        [
            "claim.status_changed",
            "claim.status_changed",
            "claim.status_changed",
            "claim.created",
            "case.created"
        ]
    );
    let text = timeline.to_string();
    assert!(text.contains("SC-2026-001") && !text.contains("Jo Minor") && !text.contains("filed online"));

    // A withdrawal from preparing.
    let other = app
        .create_claim(&cw, &with(&crt_claim(&case), &json!({"filed_at": null})))
        .await;
    let w = TestApp::expect(
        app.transition_claim(&cw, other["id"].as_str().unwrap(), &json!({"to": "withdrawn"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(w["status"], "withdrawn");
}

#[tokio::test]
async fn a_claim_needs_a_shared_or_threatened_case_in_the_forums_jurisdiction() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let possessed = case_with(&app, &cw, &json!({"situation": "possessed_not_shared"})).await;
    let p = problem(app.post_claim(&cw, &crt_claim(&possessed)).await, 422).await;
    assert_eq!(field_errors(&p), [pair("case_id", "situation_not_covered")]);

    let quebec = case_with(&app, &cw, &json!({"jurisdiction": "qc"})).await;
    let p = problem(app.post_claim(&cw, &crt_claim(&quebec)).await, 422).await;
    assert_eq!(field_errors(&p), [pair("forum", "jurisdiction_mismatch")]);
    // Both at once on a Quebec case of mere possession.
    let both = case_with(
        &app,
        &cw,
        &json!({"jurisdiction": "qc", "situation": "possessed_not_shared"}),
    )
    .await;
    let p = problem(app.post_claim(&cw, &crt_claim(&both)).await, 422).await;
    assert_eq!(
        field_errors(&p),
        [
            pair("case_id", "situation_not_covered"),
            pair("forum", "jurisdiction_mismatch")
        ]
    );
    let qc = app
        .create_claim(&cw, &with(&crt_claim(&quebec), &json!({"forum": "court_of_quebec"})))
        .await;
    assert_eq!(qc["forum"], "court_of_quebec");
    let threatened = case_with(&app, &cw, &json!({"situation": "threatened"})).await;
    app.create_claim(&cw, &crt_claim(&threatened)).await;
}

#[tokio::test]
async fn a_respondent_platform_comes_from_the_directory() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = case_with(&app, &cw, &json!({})).await;
    let mut body = crt_claim(&case);
    body["respondents"][1]["platform_id"] = json!(uuid::Uuid::now_v7());
    let p = problem(app.post_claim(&cw, &body).await, 422).await;
    assert_eq!(
        field_errors(&p),
        [pair("respondents[1].platform_id", "unknown_platform")]
    );
    let x = app.platform_named(&cw, "X").await;
    body["respondents"][1]["platform_id"] = x["id"].clone();
    let claim = app.create_claim(&cw, &body).await;
    assert_eq!(claim["respondents"][1]["platform_id"], x["id"]);
}

#[tokio::test]
async fn damages_are_capped_by_the_crt_limit_in_force_on_the_filing_date() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let damages = |cents: i64, filed: Option<&str>| {
        with(
            &crt_claim(&case),
            &json!({"kind": "damages", "damages_claimed_cents": cents, "filed_at": filed}),
        )
    };
    // CAD 5,001 filed 2026-03-01, under the CAD 5,000 cap: refused.
    let p = problem(
        app.post_claim(&cw, &damages(500_100, Some("2026-03-01T10:00:00-08:00")))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("damages_claimed_cents", "over_cap")]);
    assert!(
        p["errors"][0]["message"].as_str().unwrap().contains("CAD 5,000.00"),
        "{p}"
    );
    // CAD 75,000 filed 2026-04-01, under the CAD 75,000 cap: accepted.
    let ok = app
        .create_claim(&cw, &damages(7_500_000, Some("2026-04-01T10:00:00-07:00")))
        .await;
    assert_eq!(
        (ok["status"].as_str(), ok["damages_claimed_cents"].as_i64()),
        (Some("filed"), Some(7_500_000))
    );
    // Not yet filed: the cap is checked when it is, on that date.
    let preparing = app.create_claim(&cw, &damages(7_500_100, None)).await;
    let id = preparing["id"].as_str().unwrap();
    let p = problem(app.transition_claim(&cw, id, &json!({"to": "filed"})).await, 409).await;
    assert_eq!(p["unmet"], json!(["damages_over_cap"]));
    // Only a damages claim claims an amount.
    let p = problem(
        app.post_claim(&cw, &with(&crt_claim(&case), &json!({"damages_claimed_cents": 100})))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("damages_claimed_cents", "not_applicable")]);
}

/// A BC case with a granted order whose respondents were served; the individual found
/// non-compliant on 2026-11-01, the intermediary complied on 2026-10-25.
async fn breached_order(app: &TestApp, cw: &str) -> (String, Value) {
    let case = app.create_adult_case(cw).await;
    app.consent_to_respondent_contact(cw, &case).await;
    let (_, order) = app.granted_order(cw, &case).await;
    let oid = order["id"].as_str().unwrap();
    for b in order["bindings"].as_array().unwrap() {
        let bid = b["id"].as_str().unwrap();
        let served = json!({"served_at": "2026-10-22T10:00:00-07:00", "channel": "email"});
        TestApp::expect(app.serve_binding(cw, oid, bid, &served).await, StatusCode::OK).await;
    }
    let individual = order["bindings"][0]["id"].as_str().unwrap();
    let intermediary = order["bindings"][1]["id"].as_str().unwrap();
    let late = json!({"status": "non_compliant", "checked_at": "2026-11-01T10:00:00-07:00"});
    TestApp::expect(app.record_compliance(cw, oid, individual, &late).await, StatusCode::OK).await;
    let done = json!({"status": "complied", "checked_at": "2026-10-25T10:00:00-07:00", "geofenced_only": false});
    let order = TestApp::expect(
        app.record_compliance(cw, oid, intermediary, &done).await,
        StatusCode::OK,
    )
    .await;
    (case, order)
}

fn penalty_claim(case: &str, order: &Value, binding: usize, filed: &str) -> Value {
    with(
        &crt_claim(case),
        &json!({
            "kind": "administrative_penalty",
            "filed_at": filed,
            "related_order_id": order["id"],
            "related_respondent_id": order["bindings"][binding]["respondent_id"],
            "respondents": [{"kind": "individual", "name": "Sam Roe", "is_minor": false}]
        }),
    )
}

#[tokio::test]
async fn an_administrative_penalty_names_a_non_compliant_respondent_within_four_years() {
    let app = TestApp::spawn().await;
    let (_, email, cw) = app.staff("caseworker").await;
    let (case, order) = breached_order(&app, &cw).await;
    assert_eq!(order["bindings"][0]["status"], "non_compliant");
    assert_eq!(order["bindings"][1]["status"], "complied");

    // Against the respondent who complied: refused.
    let p = problem(
        app.post_claim(&cw, &penalty_claim(&case, &order, 1, "2026-11-20T10:00:00-08:00"))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("related_respondent_id", "not_non_compliant")]);
    // Without naming the order: both fields listed.
    let bare = with(&crt_claim(&case), &json!({"kind": "administrative_penalty"}));
    let p = problem(app.post_claim(&cw, &bare).await, 422).await;
    assert_eq!(
        field_errors(&p),
        [
            pair("related_order_id", "required"),
            pair("related_respondent_id", "required")
        ]
    );
    // An order of another case is not this case's.
    let other_case = app.create_adult_case(&cw).await;
    let p = problem(
        app.post_claim(&cw, &penalty_claim(&other_case, &order, 0, "2026-11-20T10:00:00-08:00"))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("related_respondent_id", "not_bound")]);

    // Four years on (the breach was 2026-10-28): the anniversary is in time, the day after is not.
    app.clock.set("2030-11-01T17:00:00Z".parse().unwrap());
    let cw = app.sign_in(&email, casework_tests::PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = problem(
        app.post_claim(&cw, &penalty_claim(&case, &order, 0, "2030-10-29T10:00:00-07:00"))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("filed_at", "limitation_expired")]);
    let claim = app
        .create_claim(&cw, &penalty_claim(&case, &order, 0, "2030-10-28T10:00:00-07:00"))
        .await;
    assert_eq!(claim["related_order_id"], order["id"]);
    assert_eq!(claim["kind"], "administrative_penalty");
    assert_eq!(
        COMPLY_BY, "2026-10-28T23:59:00-07:00",
        "the breach date the test assumes"
    );
}

#[tokio::test]
async fn a_body_missing_several_fields_names_each() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = problem(app.post_claim(&cw, &json!({})).await, 422).await;
    assert_eq!(
        field_errors(&p),
        [
            pair("case_id", "required"),
            pair("forum", "required"),
            pair("kind", "required"),
            pair("applicant", "required"),
            pair("respondents", "required")
        ]
    );
    let case = app.create_adult_case(&cw).await;
    let p = problem(
        app.post_claim(&cw, &json!({"case_id": case, "respondents": [{"name": " "}, {}]}))
            .await,
        422,
    )
    .await;
    let mut fields: Vec<String> = field_errors(&p).into_iter().map(|(f, _)| f).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "applicant",
            "forum",
            "kind",
            "respondents[0].is_minor",
            "respondents[0].kind",
            "respondents[0].name",
            "respondents[1].is_minor",
            "respondents[1].kind",
            "respondents[1].name"
        ]
    );
    let p = problem(
        app.post_claim(
            &cw,
            &with(&crt_claim(&case), &json!({"kind": "damages", "respondents": []})),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("respondents", "too_few")]);
    let p = problem(
        app.post_claim(&cw, &with(&crt_claim(&case), &json!({"status": "decided"})))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("status", "unknown_field")]);
}

#[tokio::test]
async fn a_claim_is_seen_only_by_those_who_see_its_case() {
    let app = TestApp::spawn().await;
    let (_, _, owner) = app.staff("caseworker").await;
    let (_, _, other) = app.staff("caseworker").await;
    let (_, _, supervisor) = app.staff("supervisor").await;
    let admin = app.admin_token().await;
    let client = app
        .integration_token(&["platforms:read", "platforms:write", "stats:read", "calendar:read"])
        .await;
    let case = app.create_adult_case(&owner).await;
    let claim = app.create_claim(&owner, &crt_claim(&case)).await;
    let id = claim["id"].as_str().unwrap();

    for token in [&other, &admin, &client] {
        problem(app.get(&format!("/v1/claims/{id}"), token).await, 404).await;
        // However wrong the body: the claim is unseen first.
        problem(app.transition_claim(token, id, &json!({"bogus": 1})).await, 404).await;
    }
    // Opening a claim on someone else's case is 404, however wrong the rest of the body.
    problem(
        app.post_claim(&other, &json!({"case_id": case, "kind": "nonsense"}))
            .await,
        422,
    )
    .await;
    problem(app.post_claim(&other, &json!({"case_id": case})).await, 404).await;
    // Admins and integrations do not work cases at all.
    problem(app.post_claim(&admin, &crt_claim(&case)).await, 403).await;
    problem(app.get("/v1/claims", &client).await, 403).await;
    // The other caseworker's list is empty, even filtered by the case.
    let list: Value = app
        .get(&format!("/v1/claims?case_id={case}"), &other)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"], json!([]));
    // The supervisor sees it, and may move it.
    TestApp::expect(app.get(&format!("/v1/claims/{id}"), &supervisor).await, StatusCode::OK).await;
    TestApp::expect(
        app.transition_claim(&supervisor, id, &json!({"to": "withdrawn"})).await,
        StatusCode::OK,
    )
    .await;
    // Unauthenticated: 401.
    let res = app
        .client
        .get(app.url(&format!("/v1/claims/{id}")))
        .send()
        .await
        .unwrap();
    problem(res, 401).await;
}

#[tokio::test]
async fn claims_page_and_filter() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let bc = app.create_adult_case(&cw).await;
    let qc = case_with(&app, &cw, &json!({"jurisdiction": "qc"})).await;
    let a = app.create_claim(&cw, &crt_claim(&bc)).await;
    let b = app
        .create_claim(
            &cw,
            &with(&crt_claim(&bc), &json!({"filed_at": null, "kind": "damages"})),
        )
        .await;
    let c = app
        .create_claim(&cw, &with(&crt_claim(&qc), &json!({"forum": "court_of_quebec"})))
        .await;
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let page1: Value = app.get("/v1/claims?limit=2", &cw).await.json().await.unwrap();
    assert_eq!(ids(&page1), [c["id"].as_str().unwrap(), b["id"].as_str().unwrap()]);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let page2: Value = app
        .client
        .get(app.url("/v1/claims"))
        .query(&[("limit", "2"), ("cursor", cursor)])
        .bearer_auth(&cw)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ids(&page2), [a["id"].as_str().unwrap()]);
    assert!(page2["next_cursor"].is_null());
    for (query, want) in [
        (format!("case_id={bc}"), vec![&b, &a]),
        ("status=preparing".to_owned(), vec![&b]),
        ("forum=court_of_quebec".to_owned(), vec![&c]),
        ("kind=damages".to_owned(), vec![&b]),
        ("kind=protection_order&forum=crt_bc".to_owned(), vec![&a]),
    ] {
        let got: Value = app.get(&format!("/v1/claims?{query}"), &cw).await.json().await.unwrap();
        let want: Vec<&str> = want.iter().map(|c| c["id"].as_str().unwrap()).collect();
        assert_eq!(ids(&got), want, "{query}");
    }
    problem(app.get("/v1/claims?status=lost", &cw).await, 400).await;
    problem(app.get("/v1/claims?limit=0", &cw).await, 422).await;
    problem(app.get("/v1/claims?cursor=forged", &cw).await, 422).await;
}

/// A case whose client is `age` (a youth under 19), in `jurisdiction`.
async fn youth_case_in(app: &TestApp, token: &str, age: u8, jurisdiction: &str) -> String {
    case_with(
        app,
        token,
        &json!({"client": {"age_group": "youth", "age": age, "guardian_involvement": "youth_consents"},
                "jurisdiction": jurisdiction}),
    )
    .await
}

fn claim_by(case: &str, forum: &str, applicant: &Value) -> Value {
    let body = with(&crt_claim(case), &json!({"forum": forum}));
    let mut body = body;
    body["applicant"] = applicant.clone();
    body
}

#[tokio::test]
async fn who_applies_follows_the_clients_age_and_the_forum() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let bc11 = youth_case_in(&app, &cw, 11, "bc").await;
    let bc12 = youth_case_in(&app, &cw, 12, "bc").await;
    let qc13 = youth_case_in(&app, &cw, 13, "qc").await;
    let bc14 = youth_case_in(&app, &cw, 14, "bc").await;
    let refused = |case: &str, forum: &str, applicant: Value, code: &'static str| {
        let body = claim_by(case, forum, &applicant);
        let (app, cw) = (&app, &cw);
        async move {
            let p = problem(app.post_claim(cw, &body).await, 422).await;
            assert_eq!(field_errors(&p), [pair("applicant", code)], "{applicant}");
        }
    };
    let guardian = json!({"kind": "guardian", "name": "Pat Doe"});
    let trusted = json!({"kind": "authorised_person", "name": "Sam Lee"});
    // An 11-year-old before the CRT, a 13-year-old before the Court of Québec: not alone.
    refused(&bc11, "crt_bc", json!({"kind": "client"}), "client_under_14").await;
    refused(&qc13, "court_of_quebec", json!({"kind": "client"}), "client_under_14").await;
    // Authorising someone: from 12 in BC; in Quebec under 14 the parents apply.
    refused(&bc11, "crt_bc", trusted.clone(), "client_under_12").await;
    refused(&qc13, "court_of_quebec", trusted.clone(), "parents_must_apply").await;
    // A personal representative only for a deceased client.
    refused(
        &bc14,
        "crt_bc",
        json!({"kind": "personal_representative", "name": "Executor"}),
        "client_not_deceased",
    )
    .await;
    // A guardian's name is required.
    let p = problem(
        app.post_claim(&cw, &claim_by(&bc11, "crt_bc", &json!({"kind": "guardian"})))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("applicant.name", "required")]);

    // What the law allows is accepted, and the name is shown back (sealed at rest).
    for (case, forum, applicant) in [
        (&bc11, "crt_bc", &guardian),
        (&bc12, "crt_bc", &trusted),
        (&qc13, "court_of_quebec", &guardian),
        (&bc14, "crt_bc", &json!({"kind": "client"})),
        (&bc14, "crt_bc", &trusted),
    ] {
        let claim = app.create_claim(&cw, &claim_by(case, forum, applicant)).await;
        assert_eq!(&claim["applicant"], applicant);
    }
    let sealed: Vec<u8> =
        sqlx::query_scalar("SELECT applicant_name_sealed FROM claims WHERE applicant_kind = 'guardian' LIMIT 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        sealed.first(),
        Some(&1),
        "sealed through case::protect (encrypted format)"
    );
    assert!(
        !sealed.windows(b"Pat Doe".len()).any(|w| w == b"Pat Doe"),
        "the applicant's name is not readable at rest"
    );
    let timeline = app
        .list_case_records(&cw, &bc11, "timeline")
        .await
        .text()
        .await
        .unwrap();
    assert!(!timeline.contains("Pat Doe"), "{timeline}");
}

#[tokio::test]
async fn a_deceased_clients_personal_representative_applies() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = case_with(&app, &cw, &json!({"client": {"deceased": true}})).await;
    let seen = TestApp::expect(app.get(&format!("/v1/cases/{case}"), &cw).await, StatusCode::OK).await;
    assert_eq!(seen["client"]["deceased"], true);
    let p = problem(
        app.post_claim(&cw, &claim_by(&case, "crt_bc", &json!({"kind": "client"})))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("applicant", "client_deceased")]);
    let rep = json!({"kind": "personal_representative", "name": "Jordan Doe"});
    let claim = app.create_claim(&cw, &claim_by(&case, "crt_bc", &rep)).await;
    assert_eq!(claim["applicant"], rep);
}

#[tokio::test]
async fn a_protection_order_may_name_no_respondent_other_kinds_must() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let claim = app
        .create_claim(&cw, &with(&crt_claim(&case), &json!({"respondents": null})))
        .await;
    assert_eq!(claim["respondents"], json!([]));
    let claim = app
        .create_claim(&cw, &with(&crt_claim(&case), &json!({"respondents": []})))
        .await;
    assert_eq!(claim["respondents"], json!([]));
    let p = problem(
        app.post_claim(
            &cw,
            &with(&crt_claim(&case), &json!({"kind": "damages", "respondents": null})),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("respondents", "required")]);
}

#[tokio::test]
async fn the_court_of_quebec_hears_no_administrative_penalty_claim() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = case_with(&app, &cw, &json!({"jurisdiction": "qc"})).await;
    let body = with(
        &crt_claim(&case),
        &json!({"forum": "court_of_quebec", "kind": "administrative_penalty",
                "related_order_id": uuid::Uuid::now_v7(), "related_respondent_id": uuid::Uuid::now_v7()}),
    );
    let p = problem(app.post_claim(&cw, &body).await, 422).await;
    assert_eq!(field_errors(&p)[0], pair("kind", "no_administrative_penalty_in_quebec"));
}
