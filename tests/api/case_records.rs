//! What is recorded on a case (contract §3): notes, referrals, consents, evidence and the
//! timeline, all behind the case's visibility rule.

use casework_tests::{TestApp, fixtures::adult_case_named, pair, problem};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------
// Helpers

async fn created(res: Response) -> Value {
    assert_eq!(res.status(), StatusCode::CREATED);
    res.json().await.unwrap()
}

async fn post_keyed(app: &TestApp, path: &str, token: &str, key: &str, body: &Value) -> Response {
    app.client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn patch_referral(
    app: &TestApp,
    token: &str,
    case: &str,
    referral: &str,
    if_match: Option<&str>,
    status: &str,
) -> Response {
    let mut req = app
        .client
        .patch(app.url(&format!("/v1/cases/{case}/referrals/{referral}")))
        .bearer_auth(token)
        .json(&json!({"status": status}));
    if let Some(tag) = if_match {
        req = req.header("If-Match", tag);
    }
    req.send().await.unwrap()
}

async fn revoke(app: &TestApp, token: &str, case: &str, consent: &str) -> Response {
    app.client
        .post(app.url(&format!("/v1/cases/{case}/consents/{consent}/revoke")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

/// The items of one list page (asserting 200).
async fn page(app: &TestApp, token: &str, path: &str) -> Value {
    let res = app.get(path, token).await;
    assert_eq!(res.status(), StatusCode::OK, "GET {path}");
    res.json().await.unwrap()
}

async fn items(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    page(app, token, path).await["items"].as_array().unwrap().clone()
}

/// Walks a list with `limit` per page; returns every item and the size of each page.
async fn all_pages(app: &TestApp, token: &str, path: &str, limit: u32) -> (Vec<Value>, Vec<usize>) {
    let mut all = Vec::new();
    let mut sizes = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut req = app
            .client
            .get(app.url(path))
            .bearer_auth(token)
            .query(&[("limit", limit)]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let body: Value = res.json().await.unwrap();
        let got = body["items"].as_array().unwrap();
        sizes.push(got.len());
        all.extend(got.iter().cloned());
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => {
                assert!(body["next_cursor"].is_null());
                break;
            }
        }
        assert!(sizes.len() < 50, "paging does not end");
    }
    (all, sizes)
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect()
}

/// The `(field, code)` pairs of a 422 problem.
async fn field_errors(res: Response) -> Vec<(String, String)> {
    casework_tests::field_errors(&problem(res, 422).await)
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

const RECORD_TABLES: [&str; 5] = [
    "case_notes",
    "case_referrals",
    "case_consents",
    "case_evidence",
    "case_events",
];

async fn record_counts(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for t in RECORD_TABLES {
        out.push(count(app, t).await);
    }
    out
}

fn evidence(captured_at: &str) -> Value {
    json!({
        "kind": "screenshot",
        "url": "https://social.example/p/123",
        "site": "Instagram",
        "poster": "@someone",
        "posted_at": "2026-11-20T10:00:00-07:00",
        "captured_at": captured_at,
        "description": "A post showing the image with the client's first name",
        "sha256": "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789",
        "storage_location": "Office drive, case folder"
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    v[key] = value;
    v
}

fn without(mut v: Value, key: &str) -> Value {
    v.as_object_mut().unwrap().remove(key);
    v
}

// ---------------------------------------------------------------------------------------
// Notes

#[tokio::test]
async fn notes_are_added_listed_and_sealed_at_rest() {
    let app = TestApp::spawn().await;
    let (cw_id, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let path = format!("/v1/cases/{case}/notes");

    let mut added = Vec::new();
    for (kind, body) in [
        ("note", "Client called about the post."),
        ("contact_log", "Left no message, as agreed."),
        ("safety_plan", "Stay with a friend this week."),
    ] {
        let n = created(app.post_json(&path, &cw, &json!({"kind": kind, "body": body})).await).await;
        assert_eq!(n["case_id"], case.as_str());
        assert_eq!(n["kind"], kind);
        assert_eq!(n["body"], body);
        assert_eq!(n["author"], cw_id.as_str());
        assert_eq!(n["created_at"], "2026-11-23T17:00:00Z");
        assert!(n["id"].is_string());
        added.push(n);
    }
    let listed = page(&app, &cw, &path).await;
    assert_eq!(listed["items"], Value::Array(added), "oldest first, as returned");
    assert!(listed["next_cursor"].is_null());

    // The body is kept sealed: a format byte (1: AES-256-GCM), then the ciphertext.
    let sealed: Vec<Vec<u8>> = sqlx::query_scalar("SELECT body_sealed FROM case_notes ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(sealed.len(), 3);
    assert!(!sealed[0].is_empty());
    assert_eq!(sealed[0][0], 1, "format byte");
    assert!(!String::from_utf8_lossy(&sealed[0]).contains("called about"));
    let client: Vec<u8> = sqlx::query_scalar("SELECT client_sealed FROM cases")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!client.is_empty());
    assert_eq!(client[0], 1, "the client record goes through the same sealing");
}

#[tokio::test]
async fn notes_page_oldest_first_without_repeats() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let path = format!("/v1/cases/{case}/notes");
    let mut expected = Vec::new();
    for i in 1..=5 {
        let n = created(
            app.post_json(&path, &cw, &json!({"kind": "note", "body": format!("note {i}")}))
                .await,
        )
        .await;
        expected.push(n["id"].as_str().unwrap().to_owned());
    }
    let (all, sizes) = all_pages(&app, &cw, &path, 2).await;
    assert_eq!(sizes, [2, 2, 1]);
    assert_eq!(ids(&all), expected);
    let bodies: Vec<&str> = all.iter().map(|n| n["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["note 1", "note 2", "note 3", "note 4", "note 5"]);

    for bad in ["0", "201"] {
        let errors = field_errors(app.get(&format!("{path}?limit={bad}"), &cw).await).await;
        assert_eq!(errors, [pair("limit", "out_of_range")], "limit={bad}");
    }
    let errors = field_errors(app.get(&format!("{path}?cursor=not-a-cursor"), &cw).await).await;
    assert_eq!(errors, [pair("cursor", "invalid_cursor")]);
}

#[tokio::test]
async fn note_bodies_are_required_and_at_most_20000_characters() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let path = format!("/v1/cases/{case}/notes");

    // The limit counts characters, not bytes.
    let longest = "é".repeat(20_000);
    let n = created(
        app.post_json(&path, &cw, &json!({"kind": "note", "body": longest}))
            .await,
    )
    .await;
    assert_eq!(n["body"].as_str().unwrap().chars().count(), 20_000);

    let table: &[(Value, (&str, &str))] = &[
        (
            json!({"kind": "note", "body": "x".repeat(20_001)}),
            ("body", "too_long"),
        ),
        (json!({"kind": "note", "body": ""}), ("body", "required")),
        (json!({"kind": "note", "body": "  \n\t "}), ("body", "required")),
        (json!({"kind": "note"}), ("body", "required")),
        (json!({"kind": "diary", "body": "x"}), ("kind", "invalid_value")),
        (
            json!({"kind": "note", "body": "x", "pinned": true}),
            ("pinned", "unknown_field"),
        ),
    ];
    for (body, (field, code)) in table {
        let errors = field_errors(app.post_json(&path, &cw, body).await).await;
        assert_eq!(errors, [pair(field, code)], "{body}");
    }
    assert_eq!(count(&app, "case_notes").await, 1, "nothing written by refused notes");
}

#[tokio::test]
async fn notes_are_append_only() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let path = format!("/v1/cases/{case}/notes");
    created(
        app.post_json(&path, &cw, &json!({"kind": "note", "body": "first"}))
            .await,
    )
    .await;
    for method in [reqwest::Method::PATCH, reqwest::Method::DELETE] {
        let res = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&cw)
            .json(&json!({"body": "changed"}))
            .send()
            .await
            .unwrap();
        let allow = res.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
        problem(res, 405).await;
        let allow = allow.unwrap_or_else(|| panic!("{method} has an Allow header"));
        assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
        assert!(!allow.contains("PATCH") && !allow.contains("DELETE"), "{allow}");
    }
    let notes = items(&app, &cw, &path).await;
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["body"], "first");
}

#[tokio::test]
async fn a_retried_note_is_replayed_not_repeated() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let path = format!("/v1/cases/{case}/notes");
    let body = json!({"kind": "contact_log", "body": "Spoke with the client."});

    let first = post_keyed(&app, &path, &cw, "note-1", &body).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert!(first.headers().get("idempotent-replayed").is_none());
    let first: Value = first.json().await.unwrap();
    let again = post_keyed(&app, &path, &cw, "note-1", &body).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap(), first);
    assert_eq!(count(&app, "case_notes").await, 1);

    let other = json!({"kind": "contact_log", "body": "Something else."});
    let p = problem(post_keyed(&app, &path, &cw, "note-1", &other).await, 422).await;
    assert_eq!(p["type"], "/problems/idempotency-key-mismatch");
    assert_eq!(count(&app, "case_notes").await, 1);
    let events: i64 = sqlx::query_scalar("SELECT count(*) FROM case_events WHERE kind = 'note.added'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(events, 1, "one timeline entry");

    // A replayed referral keeps its ETag.
    let rpath = format!("/v1/cases/{case}/referrals");
    let r = post_keyed(&app, &rpath, &cw, "ref-1", &json!({"to": "salal"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = post_keyed(&app, &rpath, &cw, "ref-1", &json!({"to": "salal"})).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    assert_eq!(r.headers()["etag"], "\"v1\"");
    assert_eq!(count(&app, "case_referrals").await, 1);
}

// ---------------------------------------------------------------------------------------
// Referrals

#[tokio::test]
async fn referrals_are_recorded_with_an_etag() {
    let app = TestApp::spawn().await;
    let (cw_id, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let path = format!("/v1/cases/{case}/referrals");

    let res = app.post_json(&path, &cw, &json!({"to": "victimlinkbc"})).await;
    assert_eq!(res.headers()["etag"], "\"v1\"");
    let r = created(res).await;
    assert_eq!(r["case_id"], case.as_str());
    assert_eq!(r["to"], "victimlinkbc");
    assert_eq!(r["status"], "suggested", "default status");
    assert_eq!(r["version"], 1);
    assert_eq!(r["created_by"], cw_id.as_str());
    assert_eq!(r["created_at"], "2026-11-23T17:00:00Z");
    assert_eq!(r["updated_at"], "2026-11-23T17:00:00Z");
    assert!(r.get("other_name").is_none());

    let made = created(
        app.post_json(&path, &cw, &json!({"to": "police", "status": "made"}))
            .await,
    )
    .await;
    assert_eq!(made["status"], "made");
    let other = created(
        app.post_json(
            &path,
            &cw,
            &json!({"to": "other", "other_name": "  Local youth clinic  "}),
        )
        .await,
    )
    .await;
    assert_eq!(other["other_name"], "Local youth clinic");

    let listed = items(&app, &cw, &path).await;
    assert_eq!(listed, [r, made, other]);
}

#[tokio::test]
async fn other_name_goes_with_to_other_only() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let path = format!("/v1/cases/{case}/referrals");
    let table: &[(Value, (&str, &str))] = &[
        (json!({"to": "other"}), ("other_name", "required")),
        (json!({"to": "other", "other_name": "   "}), ("other_name", "required")),
        (
            json!({"to": "c3p", "other_name": "C3P"}),
            ("other_name", "not_applicable"),
        ),
        (
            json!({"to": "salal", "other_name": ""}),
            ("other_name", "not_applicable"),
        ),
        (json!({"to": "somewhere"}), ("to", "invalid_value")),
        (json!({"to": "c3p", "status": "pending"}), ("status", "invalid_value")),
        (json!({"to": "c3p", "note": "x"}), ("note", "unknown_field")),
    ];
    for (body, (field, code)) in table {
        let errors = field_errors(app.post_json(&path, &cw, body).await).await;
        assert_eq!(errors, [pair(field, code)], "{body}");
    }
    assert_eq!(count(&app, "case_referrals").await, 0);
}

#[tokio::test]
async fn referral_status_moves() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let path = format!("/v1/cases/{case}/referrals");
    // (from, to, allowed)
    let table = [
        ("suggested", "made", true),
        ("suggested", "declined", true),
        ("suggested", "accepted", false),
        ("suggested", "suggested", false),
        ("made", "accepted", true),
        ("made", "declined", true),
        ("made", "suggested", false),
        ("made", "made", false),
        ("accepted", "declined", false),
        ("accepted", "made", false),
        ("accepted", "suggested", false),
        ("declined", "made", false),
        ("declined", "accepted", false),
        ("declined", "suggested", false),
    ];
    for (from, to, allowed) in table {
        let r = created(
            app.post_json(&path, &cw, &json!({"to": "counselling", "status": from}))
                .await,
        )
        .await;
        let rid = r["id"].as_str().unwrap();
        let res = patch_referral(&app, &cw, &case, rid, Some("\"v1\""), to).await;
        if allowed {
            assert_eq!(res.status(), StatusCode::OK, "{from} -> {to}");
            assert_eq!(res.headers()["etag"], "\"v2\"");
            let moved: Value = res.json().await.unwrap();
            assert_eq!(moved["status"], to);
            assert_eq!(moved["version"], 2);
        } else {
            let p = problem(res, 409).await;
            assert_eq!(p["type"], "/problems/conflict", "{from} -> {to}");
            let now = items(&app, &cw, &path).await;
            let kept = now.iter().find(|x| x["id"] == rid).unwrap();
            assert_eq!(kept["status"], from, "unchanged after {from} -> {to}");
            assert_eq!(kept["version"], 1);
        }
    }
}

#[tokio::test]
async fn referral_changes_need_a_current_if_match() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let path = format!("/v1/cases/{case}/referrals");
    let r = created(app.post_json(&path, &cw, &json!({"to": "cvap"})).await).await;
    let rid = r["id"].as_str().unwrap();

    problem(patch_referral(&app, &cw, &case, rid, None, "made").await, 428).await;
    for stale in ["\"v2\"", "\"v0\"", "v1", "garbage"] {
        problem(patch_referral(&app, &cw, &case, rid, Some(stale), "made").await, 412).await;
    }
    assert_eq!(items(&app, &cw, &path).await[0]["status"], "suggested");

    let res = patch_referral(&app, &cw, &case, rid, Some("\"v1\""), "made").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"v2\"");
    // The old tag is now stale, even for an allowed move.
    problem(
        patch_referral(&app, &cw, &case, rid, Some("\"v1\""), "accepted").await,
        412,
    )
    .await;
    let res = patch_referral(&app, &cw, &case, rid, Some("\"v2\""), "accepted").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["version"], 3);

    // Unknown referral, and a referral of another case named under this one: 404.
    let unknown = uuid::Uuid::now_v7().to_string();
    problem(
        patch_referral(&app, &cw, &case, &unknown, Some("\"v1\""), "made").await,
        404,
    )
    .await;
    let other_case = app.create_adult_case(&cw).await;
    let foreign = created(
        app.post_json(
            &format!("/v1/cases/{other_case}/referrals"),
            &cw,
            &json!({"to": "salal"}),
        )
        .await,
    )
    .await;
    let fid = foreign["id"].as_str().unwrap();
    problem(patch_referral(&app, &cw, &case, fid, Some("\"v1\""), "made").await, 404).await;
    let kept = items(&app, &cw, &format!("/v1/cases/{other_case}/referrals")).await;
    assert_eq!(kept[0]["status"], "suggested");
}

#[tokio::test]
async fn a_made_c3p_referral_lets_a_16_year_old_go_active() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let youth = json!({
        "client": {
            "name": "Sam",
            "age_group": "youth",
            "age": 16,
            "contact": {"preferred_channel": "none", "safe_to_leave_message": false},
            "guardian_involvement": "youth_declines"
        },
        "situation": "threatened",
        "jurisdiction": "bc"
    });
    let case = app.create_case(&cw, &youth).await["id"].as_str().unwrap().to_owned();
    let transitions = format!("/v1/cases/{case}/transitions");
    let go_active = json!({"to": "active"});

    let p = problem(app.post_json(&transitions, &cw, &go_active).await, 409).await;
    assert_eq!(p["unmet"], json!(["c3p_referral_required"]));

    // A suggested referral is not enough.
    let r = created(
        app.post_json(&format!("/v1/cases/{case}/referrals"), &cw, &json!({"to": "c3p"}))
            .await,
    )
    .await;
    let p = problem(app.post_json(&transitions, &cw, &go_active).await, 409).await;
    assert_eq!(p["unmet"], json!(["c3p_referral_required"]));

    let res = patch_referral(&app, &cw, &case, r["id"].as_str().unwrap(), Some("\"v1\""), "made").await;
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.post_json(&transitions, &cw, &go_active).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "active");
}

// ---------------------------------------------------------------------------------------
// Consents

#[tokio::test]
async fn consents_are_given_listed_and_revoked() {
    let app = TestApp::spawn().await;
    let (cw_id, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let path = format!("/v1/cases/{case}/consents");
    // A party is a platform of the directory (an unknown one is refused: strict_values).
    let party = app.platform_named(&cw, "Reddit").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let platform = created(
        app.post_json(
            &path,
            &cw,
            &json!({"scope": "platform_contact", "party_id": party, "given_at": "2026-11-20T09:00:00-08:00"}),
        )
        .await,
    )
    .await;
    assert_eq!(platform["case_id"], case.as_str());
    assert_eq!(platform["scope"], "platform_contact");
    assert_eq!(platform["party_id"], party.as_str());
    assert_eq!(platform["given_at"], "2026-11-20T17:00:00Z");
    assert_eq!(platform["active"], true);
    assert!(platform.get("revoked_at").is_none());
    assert_eq!(platform["recorded_by"], cw_id.as_str());

    let police = created(app.post_json(&path, &cw, &json!({"scope": "police"})).await).await;
    assert_eq!(police["given_at"], "2026-11-23T17:00:00Z", "default: now");
    assert!(police.get("party_id").is_none());
    assert_eq!(police["active"], true);

    app.clock.advance(jiff::SignedDuration::from_mins(5));
    let pid = platform["id"].as_str().unwrap();
    let res = revoke(&app, &cw, &case, pid).await;
    assert_eq!(res.status(), StatusCode::OK);
    let revoked: Value = res.json().await.unwrap();
    assert_eq!(revoked["id"], pid);
    assert_eq!(revoked["active"], false);
    assert_eq!(revoked["revoked_at"], "2026-11-23T17:05:00Z");
    assert_eq!(revoked["given_at"], "2026-11-20T17:00:00Z");

    problem(revoke(&app, &cw, &case, pid).await, 409).await;
    problem(revoke(&app, &cw, &case, &uuid::Uuid::now_v7().to_string()).await, 404).await;
    // A consent of another case, named under this one.
    let other_case = app.create_adult_case(&cw).await;
    let foreign = created(
        app.post_json(
            &format!("/v1/cases/{other_case}/consents"),
            &cw,
            &json!({"scope": "crt"}),
        )
        .await,
    )
    .await;
    problem(revoke(&app, &cw, &case, foreign["id"].as_str().unwrap()).await, 404).await;

    // The ledger keeps revoked consents, oldest first.
    let ledger = items(&app, &cw, &path).await;
    assert_eq!(ids(&ledger), [pid, police["id"].as_str().unwrap()]);
    assert_eq!(ledger[0]["active"], false);
    assert_eq!(ledger[0]["revoked_at"], "2026-11-23T17:05:00Z");
    assert_eq!(ledger[1]["active"], true);
    assert_eq!(
        items(&app, &cw, &format!("/v1/cases/{other_case}/consents")).await[0]["active"],
        true
    );
}

#[tokio::test]
async fn consents_cannot_be_given_in_the_future_or_without_an_offset() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let path = format!("/v1/cases/{case}/consents");
    let table: &[(Value, (&str, &str))] = &[
        (
            json!({"scope": "crt", "given_at": "2026-11-23T17:00:01Z"}),
            ("given_at", "in_future"),
        ),
        (
            json!({"scope": "crt", "given_at": "2026-11-23T09:01:00-08:00"}),
            ("given_at", "in_future"),
        ),
        (
            json!({"scope": "crt", "given_at": "2027-01-01T00:00:00Z"}),
            ("given_at", "in_future"),
        ),
        (
            json!({"scope": "crt", "given_at": "2026-11-20T10:00:00"}),
            ("given_at", "invalid_type"),
        ),
        (
            json!({"scope": "crt", "given_at": "yesterday"}),
            ("given_at", "invalid_type"),
        ),
        (json!({"scope": "everyone"}), ("scope", "invalid_value")),
        (
            json!({"scope": "crt", "party_id": "not-a-uuid"}),
            ("party_id", "invalid_type"),
        ),
    ];
    for (body, (field, code)) in table {
        let errors = field_errors(app.post_json(&path, &cw, body).await).await;
        assert_eq!(errors.len(), 1, "{body}: {errors:?}");
        assert_eq!(errors[0].0, *field, "{body}");
        // Offset-less and unparsable instants: any code will do, on the right field.
        if *code != "invalid_type" {
            assert_eq!(errors[0].1, *code, "{body}");
        }
    }
    assert_eq!(count(&app, "case_consents").await, 0);
    // Exactly now is not the future.
    let c = created(
        app.post_json(
            &path,
            &cw,
            &json!({"scope": "crt", "given_at": "2026-11-23T09:00:00-08:00"}),
        )
        .await,
    )
    .await;
    assert_eq!(c["given_at"], "2026-11-23T17:00:00Z");
}

// ---------------------------------------------------------------------------------------
// Evidence

#[tokio::test]
async fn evidence_metadata_is_recorded_with_a_lower_case_sha256() {
    let app = TestApp::spawn().await;
    let (cw_id, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let path = format!("/v1/cases/{case}/evidence");

    let e = created(app.post_json(&path, &cw, &evidence("2026-11-23T16:00:00Z")).await).await;
    assert_eq!(e["case_id"], case.as_str());
    assert_eq!(e["kind"], "screenshot");
    assert_eq!(e["url"], "https://social.example/p/123");
    assert_eq!(e["site"], "Instagram");
    assert_eq!(e["poster"], "@someone");
    assert_eq!(e["posted_at"], "2026-11-20T17:00:00Z");
    assert_eq!(e["captured_at"], "2026-11-23T16:00:00Z");
    assert_eq!(
        e["description"],
        "A post showing the image with the client's first name"
    );
    assert_eq!(
        e["sha256"],
        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
    );
    assert_eq!(e["storage_location"], "Office drive, case folder");
    assert_eq!(e["recorded_by"], cw_id.as_str());
    assert_eq!(e["created_at"], "2026-11-23T17:00:00Z");
    let stored: String = sqlx::query_scalar("SELECT sha256 FROM case_evidence")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        stored,
        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
    );
    let sealed: Vec<u8> = sqlx::query_scalar("SELECT description_sealed FROM case_evidence")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(!sealed.is_empty());
    assert_eq!(sealed[0], 1, "format byte");

    // The least there is: what, where, when, and what it shows. Captured right now is fine.
    let minimal = created(
        app.post_json(
            &path,
            &cw,
            &json!({"kind": "url_record", "site": "Forum", "captured_at": "2026-11-23T09:00:00-08:00",
                    "description": "Thread title only"}),
        )
        .await,
    )
    .await;
    for absent in ["url", "poster", "posted_at", "sha256", "storage_location"] {
        assert!(minimal.get(absent).is_none(), "{absent}");
    }
    assert_eq!(items(&app, &cw, &path).await, [e, minimal]);
}

#[tokio::test]
async fn bad_evidence_is_refused_field_by_field_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let path = format!("/v1/cases/{case}/evidence");
    let ok = evidence("2026-11-23T16:00:00Z");
    let long_url = format!("https://e.org/{}", "a".repeat(2_049 - "https://e.org/".len()));
    assert_eq!(long_url.len(), 2_049);
    let table: Vec<(&str, Value, (&str, &str))> = vec![
        (
            "captured in the future",
            with(ok.clone(), "captured_at", json!("2026-11-23T17:00:01Z")),
            ("captured_at", "in_future"),
        ),
        (
            "posted after capture",
            with(ok.clone(), "posted_at", json!("2026-11-23T16:00:01Z")),
            ("posted_at", "after_capture"),
        ),
        (
            "ftp URL",
            with(ok.clone(), "url", json!("ftp://x.org/a")),
            ("url", "invalid_url"),
        ),
        (
            "javascript URL",
            with(ok.clone(), "url", json!("javascript:alert(1)")),
            ("url", "invalid_url"),
        ),
        (
            "URL of 2049 characters",
            with(ok.clone(), "url", json!(long_url)),
            ("url", "too_long"),
        ),
        (
            "sha256 of 65 digits",
            with(ok.clone(), "sha256", json!("a".repeat(65))),
            ("sha256", "invalid_sha256"),
        ),
        (
            "sha256 not hex",
            with(ok.clone(), "sha256", json!("g".repeat(64))),
            ("sha256", "invalid_sha256"),
        ),
        ("no site", without(ok.clone(), "site"), ("site", "required")),
        (
            "no description",
            without(ok.clone(), "description"),
            ("description", "required"),
        ),
        (
            "blank description",
            with(ok.clone(), "description", json!("   ")),
            ("description", "required"),
        ),
        (
            "unknown field",
            with(ok.clone(), "image_bytes", json!("iVBORw0KGgo=")),
            ("image_bytes", "unknown_field"),
        ),
    ];
    for (what, body, (field, code)) in &table {
        let errors = field_errors(app.post_json(&path, &cw, body).await).await;
        assert_eq!(errors, [pair(field, code)], "{what}");
    }
    // At the URL limit exactly, it is accepted (proves the table's bodies were otherwise fine).
    assert_eq!(count(&app, "case_evidence").await, 0, "nothing written");
    let at_limit = format!("https://e.org/{}", "a".repeat(2_048 - "https://e.org/".len()));
    created(app.post_json(&path, &cw, &with(ok, "url", json!(at_limit))).await).await;
    assert_eq!(count(&app, "case_evidence").await, 1);
}

// ---------------------------------------------------------------------------------------
// Timeline

#[tokio::test]
async fn the_timeline_lists_every_event_newest_first_without_client_details() {
    let app = TestApp::spawn().await;
    let (cw_id, _, cw) = app.staff("caseworker").await;
    let client_name = "Jordan Quillfeather";
    let opened = app.create_case(&cw, &adult_case_named(client_name)).await;
    let case = opened["id"].as_str().unwrap().to_owned();
    let note_text = "Client disclosed the ex-partner's threat";
    let evidence_text = "Screenshot of the threatening message";

    let note = created(
        app.post_json(
            &format!("/v1/cases/{case}/notes"),
            &cw,
            &json!({"kind": "safety_plan", "body": note_text}),
        )
        .await,
    )
    .await;
    let r = created(
        app.post_json(&format!("/v1/cases/{case}/referrals"), &cw, &json!({"to": "salal"}))
            .await,
    )
    .await;
    let res = patch_referral(&app, &cw, &case, r["id"].as_str().unwrap(), Some("\"v1\""), "made").await;
    assert_eq!(res.status(), StatusCode::OK);
    let c = created(
        app.post_json(
            &format!("/v1/cases/{case}/consents"),
            &cw,
            &json!({"scope": "referral"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        revoke(&app, &cw, &case, c["id"].as_str().unwrap()).await.status(),
        StatusCode::OK
    );
    let ev = created(
        app.post_json(
            &format!("/v1/cases/{case}/evidence"),
            &cw,
            &json!({"kind": "message_thread", "site": "Snapchat", "captured_at": "2026-11-23T16:30:00Z",
                    "description": evidence_text}),
        )
        .await,
    )
    .await;
    let res = app
        .post_json(&format!("/v1/cases/{case}/transitions"), &cw, &json!({"to": "active"}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let res = app
        .client
        .patch(app.url(&format!("/v1/cases/{case}")))
        .bearer_auth(&cw)
        .header("If-Match", etag)
        .json(&json!({"priority": "urgent", "summary": "Threat to share with family"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    let path = format!("/v1/cases/{case}/timeline");
    let events = items(&app, &cw, &path).await;
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "case.updated",
            "case.status_changed",
            "evidence.added",
            "consent.revoked",
            "consent.given",
            "referral.status_changed",
            "referral.added",
            "note.added",
            "case.created",
        ]
    );
    let actor = format!("user:{cw_id}");
    for e in &events {
        assert_eq!(e["actor"], actor.as_str(), "{e}");
        assert!(e["id"].is_string() && e["occurred_at"].is_string(), "{e}");
        let text = e["detail"].to_string();
        for secret in [note_text, evidence_text, client_name, "Threat to share"] {
            assert!(!text.contains(secret), "{} leaks {secret:?}: {text}", e["kind"]);
        }
    }
    let note_added = &events[7]["detail"];
    assert_eq!(note_added["note_id"], note["id"]);
    assert_eq!(note_added["kind"], "safety_plan");
    assert_eq!(events[2]["detail"]["evidence_id"], ev["id"]);
    assert_eq!(events[3]["detail"]["consent_id"], c["id"]);
    assert_eq!(events[5]["detail"]["referral_id"], r["id"]);
    assert_eq!(events[5]["detail"]["to"], "made");
    assert_eq!(events[1]["detail"]["to"], "active");
    let mut fields: Vec<&str> = events[0]["detail"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["priority", "summary"]);
    assert_eq!(events[8]["detail"]["reference"], opened["reference"]);

    // Paging walks the same events, newest first, without repeats.
    let (paged, sizes) = all_pages(&app, &cw, &path, 2).await;
    assert_eq!(sizes, [2, 2, 2, 2, 1]);
    assert_eq!(ids(&paged), ids(&events));
}

// ---------------------------------------------------------------------------------------
// Visibility

#[tokio::test]
async fn outsiders_get_404_everywhere_and_write_nothing() {
    let app = TestApp::spawn().await;
    let (_, _, owner) = app.staff("caseworker").await;
    let (_, _, stranger) = app.staff("caseworker").await;
    let admin = app.admin_token().await;
    let case = app.create_adult_case(&owner).await;
    let base = format!("/v1/cases/{case}");
    created(
        app.post_json(
            &format!("{base}/notes"),
            &owner,
            &json!({"kind": "note", "body": "private"}),
        )
        .await,
    )
    .await;
    let r = created(
        app.post_json(&format!("{base}/referrals"), &owner, &json!({"to": "c3p"}))
            .await,
    )
    .await;
    let c = created(
        app.post_json(&format!("{base}/consents"), &owner, &json!({"scope": "police"}))
            .await,
    )
    .await;
    created(
        app.post_json(&format!("{base}/evidence"), &owner, &evidence("2026-11-23T16:00:00Z"))
            .await,
    )
    .await;
    let before = record_counts(&app).await;

    let posts = [
        ("notes", json!({"kind": "note", "body": "intruding"})),
        ("referrals", json!({"to": "police"})),
        ("consents", json!({"scope": "crt"})),
        ("evidence", evidence("2026-11-23T16:00:00Z")),
    ];
    let missing = uuid::Uuid::now_v7();
    for (who, token) in [("another caseworker", &stranger), ("an admin", &admin)] {
        for sub in ["notes", "referrals", "consents", "evidence", "timeline"] {
            for case_path in [base.clone(), format!("/v1/cases/{missing}")] {
                let p = problem(app.get(&format!("{case_path}/{sub}"), token).await, 404).await;
                assert_eq!(p["type"], "/problems/not-found", "{who} GET {sub}");
            }
        }
        for (sub, body) in &posts {
            problem(app.post_json(&format!("{base}/{sub}"), token, body).await, 404).await;
            let res = post_keyed(&app, &format!("{base}/{sub}"), token, "k-outsider", body).await;
            problem(res, 404).await;
        }
        let rid = r["id"].as_str().unwrap();
        problem(
            patch_referral(&app, token, &case, rid, Some("\"v1\""), "made").await,
            404,
        )
        .await;
        problem(revoke(&app, token, &case, c["id"].as_str().unwrap()).await, 404).await;
    }

    assert_eq!(record_counts(&app).await, before, "rows of {RECORD_TABLES:?}");
    let referrals = items(&app, &owner, &format!("{base}/referrals")).await;
    assert_eq!(
        (&referrals[0]["status"], &referrals[0]["version"]),
        (&json!("suggested"), &json!(1))
    );
    assert_eq!(
        items(&app, &owner, &format!("{base}/consents")).await[0]["active"],
        true
    );
}

#[tokio::test]
async fn collaborators_and_supervisors_see_the_records() {
    let app = TestApp::spawn().await;
    let (owner_id, _, owner) = app.staff("caseworker").await;
    let (helper_id, _, helper) = app.staff("caseworker").await;
    let (_, _, supervisor) = app.staff("supervisor").await;
    let case = app.create_adult_case(&owner).await;
    let base = format!("/v1/cases/{case}");
    created(
        app.post_json(
            &format!("{base}/notes"),
            &owner,
            &json!({"kind": "note", "body": "from the owner"}),
        )
        .await,
    )
    .await;

    // A supervisor reads every sub-collection without being assigned.
    for sub in ["notes", "referrals", "consents", "evidence", "timeline"] {
        page(&app, &supervisor, &format!("{base}/{sub}")).await;
    }
    assert_eq!(
        items(&app, &supervisor, &format!("{base}/notes")).await[0]["body"],
        "from the owner"
    );

    // Before being added, the helper is an outsider.
    problem(app.get(&format!("{base}/notes"), &helper).await, 404).await;

    let res = app
        .client
        .put(app.url(&format!("{base}/assignment")))
        .bearer_auth(&supervisor)
        .json(&json!({"primary": owner_id, "collaborators": [helper_id]}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);

    for sub in ["notes", "referrals", "consents", "evidence", "timeline"] {
        page(&app, &helper, &format!("{base}/{sub}")).await;
    }
    let n = created(
        app.post_json(
            &format!("{base}/notes"),
            &helper,
            &json!({"kind": "contact_log", "body": "from the collaborator"}),
        )
        .await,
    )
    .await;
    assert_eq!(n["author"], helper_id.as_str());
    let r = created(
        app.post_json(&format!("{base}/referrals"), &helper, &json!({"to": "salal"}))
            .await,
    )
    .await;
    let res = patch_referral(&app, &helper, &case, r["id"].as_str().unwrap(), Some("\"v1\""), "made").await;
    assert_eq!(res.status(), StatusCode::OK);
    created(
        app.post_json(&format!("{base}/consents"), &helper, &json!({"scope": "referral"}))
            .await,
    )
    .await;
    created(
        app.post_json(&format!("{base}/evidence"), &helper, &evidence("2026-11-23T16:00:00Z"))
            .await,
    )
    .await;

    let bodies: Vec<Value> = items(&app, &owner, &format!("{base}/notes"))
        .await
        .iter()
        .map(|n| n["body"].clone())
        .collect();
    assert_eq!(bodies, [json!("from the owner"), json!("from the collaborator")]);
    let timeline = items(&app, &supervisor, &format!("{base}/timeline")).await;
    assert_eq!(timeline[0]["kind"], "evidence.added");
    assert_eq!(timeline[0]["actor"], format!("user:{helper_id}"));
}
