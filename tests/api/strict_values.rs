//! Strict values at the edge: URLs parsed as browsers parse them (no user information, no
//! IPv4 in hex, octal or short form, no port out of range; in the platform directory no
//! host mixing scripts), internationalised hosts kept in punycode and shown both ways,
//! instants between 1900 and 2100 with offsets within ±14:00, and consents naming a
//! party that exists. Each of these was accepted before.

use casework_tests::{TestApp, field_errors, pair, problem};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Each URL form refused everywhere, with its code.
const REFUSED: &[(&str, &str)] = &[
    ("http://user:pass@forum.example.net/", "userinfo_not_allowed"),
    ("https://forum.example.net@evil.example/", "userinfo_not_allowed"),
    ("http://0x7f.1/", "non_canonical_ip"),
    ("http://0177.0.0.1/", "non_canonical_ip"),
    ("http://127.1/", "non_canonical_ip"),
    ("http://2130706433/", "non_canonical_ip"),
    ("https://forum.example.net:99999/", "invalid_url"),
];

/// A Cyrillic "а" (U+0430) among Latin letters: "аpple.example".
const HOMOGRAPH: &str = "https://\u{430}pple.example/report";

fn platform(website: &str, form: &str) -> Value {
    json!({
        "name": format!("Forum {}", uuid::Uuid::now_v7().simple()),
        "kind": "forum",
        "website": website,
        "is_internet_intermediary": true,
        "channels": [{"kind": "web_form", "address": form, "instructions": "Choose 'privacy'."}],
    })
}

#[tokio::test]
async fn the_platform_directory_refuses_each_lax_url() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let ok = "https://forum.example.net/report";
    for (url, code) in REFUSED.iter().copied().chain([(HOMOGRAPH, "mixed_script_host")]) {
        let p = problem(app.post_json("/v1/platforms", &admin, &platform(url, ok)).await, 422).await;
        assert_eq!(field_errors(&p), [pair("website", code)], "{url}");
        let p = problem(app.post_json("/v1/platforms", &admin, &platform(ok, url)).await, 422).await;
        assert_eq!(field_errors(&p), [pair("channels[0].address", code)], "{url}");
    }
    // The same for an email channel whose domain mixes scripts.
    let mut body = platform(ok, ok);
    body["channels"] = json!([{"kind": "email", "address": "abuse@\u{430}pple.example", "instructions": "x"}]);
    let p = problem(app.post_json("/v1/platforms", &admin, &body).await, 422).await;
    assert_eq!(field_errors(&p), [pair("channels[0].address", "mixed_script_host")]);
    // A name in one script, even not Latin, is fine.
    let res = app
        .post_json("/v1/platforms", &admin, &platform("https://пример.рф/", ok))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["website"], "https://xn--e1afmkfd.xn--p1ai/");
}

#[tokio::test]
async fn evidence_and_takedown_urls_refuse_each_lax_form_and_keep_idn_hosts_in_punycode() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let evidence = |url: &str| json!({"kind": "screenshot", "url": url, "site": "Forum", "captured_at": "2026-11-23T09:00:00-07:00", "description": "The post"});
    for (url, code) in REFUSED {
        let p = problem(app.add_case_record(&cw, &case, "evidence", &evidence(url)).await, 422).await;
        assert_eq!(field_errors(&p), [pair("url", code)], "{url}");
    }
    // What was posted is kept (path, query and case as written); an internationalised
    // host is stored in punycode and shown in Unicode too.
    let res = app
        .add_case_record(
            &cw,
            &case,
            "evidence",
            &evidence("https://Bücher.example/Regal/7?Seite=2"),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["url"], "https://xn--bcher-kva.example/Regal/7?Seite=2");
    assert_eq!(e["url_display"], "https://bücher.example/Regal/7?Seite=2");
    // Evidence is what was posted, so a look-alike host is recorded (in punycode).
    let res = app.add_case_record(&cw, &case, "evidence", &evidence(HOMOGRAPH)).await;
    assert_eq!(res.status(), StatusCode::CREATED);

    let platform = app.platform_named(&cw, "Reddit").await;
    for (url, code) in REFUSED {
        let body = json!({
            "case_id": case,
            "platform_id": platform["id"],
            "channel": "email",
            "urls": ["https://forum.example.net/t/1", url],
            "legal_basis": "platform_policy"
        });
        let p = problem(app.post_json("/v1/takedown-requests", &cw, &body).await, 422).await;
        assert_eq!(field_errors(&p), [pair("urls[1]", code)], "{url}");
    }
    // A takedown request keeps an internationalised host in punycode and shows it in
    // Unicode too, URL by URL.
    let body = json!({
        "case_id": case,
        "platform_id": platform["id"],
        "channel": "email",
        "urls": ["https://forum.example.net/t/1", "https://Bücher.example/Regal/7?Seite=2"],
        "legal_basis": "platform_policy"
    });
    let res = app.post_json("/v1/takedown-requests", &cw, &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let t: Value = res.json().await.unwrap();
    assert_eq!(
        t["urls"],
        json!([
            "https://forum.example.net/t/1",
            "https://xn--bcher-kva.example/Regal/7?Seite=2"
        ])
    );
    assert_eq!(
        t["urls_display"],
        json!([
            "https://forum.example.net/t/1",
            "https://bücher.example/Regal/7?Seite=2"
        ])
    );
}

#[tokio::test]
async fn instants_lie_between_1900_and_2100_with_offsets_within_14_hours() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    // A year 0001 due_at, and one after 2100.
    for due in ["0001-01-01T00:00:00Z", "2101-01-01T00:00:00Z"] {
        let p = problem(
            app.post_json("/v1/tasks", &cw, &json!({"title": "Call back", "due_at": due}))
                .await,
            422,
        )
        .await;
        assert_eq!(field_errors(&p), [pair("due_at", "out_of_range")], "{due}");
    }
    // An offset of +25:00 on given_at.
    let p = problem(
        app.add_case_record(
            &cw,
            &case,
            "consents",
            &json!({"scope": "police", "given_at": "2026-11-20T09:00:00+25:00"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("given_at", "out_of_range")]);
    // The same in a query.
    let p = problem(app.get("/v1/tasks?due_before=0001-01-01T00:00:00Z", &cw).await, 422).await;
    assert_eq!(field_errors(&p), [pair("due_before", "out_of_range")]);
    // The edges are fine.
    let res = app
        .post_json(
            "/v1/tasks",
            &cw,
            &json!({"title": "Call back", "due_at": "2026-12-01T09:00:00+14:00"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn a_consent_names_a_party_that_exists() {
    let app = TestApp::spawn().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let consent = |party: &str| json!({"scope": "platform_contact", "party_id": party});
    let p = problem(
        app.add_case_record(&cw, &case, "consents", &consent("0190a6d5-7c5e-7000-8000-000000000000"))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&p), [pair("party_id", "unknown_party")]);
    let reddit = app.platform_named(&cw, "Reddit").await;
    let res = app
        .add_case_record(&cw, &case, "consents", &consent(reddit["id"].as_str().unwrap()))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
}
