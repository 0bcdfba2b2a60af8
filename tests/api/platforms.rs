//! The platform directory (contract §4): the bundled directory, CRUD, validation, and who
//! may read and write it.

use casework_tests::{TestApp, field_errors, pair, problem};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn new_platform(name: &str) -> Value {
    json!({
        "name": name,
        "kind": "forum",
        "website": "https://forum.example.net",
        "is_internet_intermediary": true,
        "channels": [
            {"kind": "email", "address": "abuse@forum.example.net", "instructions": "Subject: NCII removal request"},
            {"kind": "web_form", "address": "https://forum.example.net/report", "instructions": "Choose 'privacy'."}
        ],
        "contacts": [{"name": "Moderation team", "role": "Escalations", "email": "mods@forum.example.net"}]
    })
}

async fn created(app: &TestApp, token: &str, body: &Value) -> (String, Value) {
    let res = app.post_json("/v1/platforms", token, body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    (etag, res.json().await.unwrap())
}

#[tokio::test]
async fn a_fresh_install_has_the_directory_with_its_reporting_routes() {
    let app = TestApp::spawn().await;
    let (_, _, caseworker) = app.staff("caseworker").await;
    let all = app.all_platforms(&caseworker).await;
    let names: Vec<&str> = all.iter().map(|p| p["name"].as_str().unwrap()).collect();
    for name in [
        "Snapchat",
        "TikTok",
        "Instagram",
        "Facebook",
        "Reddit",
        "X",
        "Google Search",
        "Bing",
        "StopNCII",
        "Take It Down",
        "YouTube",
        "Discord",
        "OnlyFans",
        "Pornhub",
        "Telegram",
    ] {
        let p = all
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing from {names:?}"));
        assert!(!p["channels"].as_array().unwrap().is_empty(), "{name} has a route");
        assert_eq!(p["active"], true);
        assert_eq!(p["version"], 1);
    }
    let route = |name: &str, kind: &str| {
        all.iter()
            .find(|p| p["name"] == name)
            .and_then(|p| {
                p["channels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["kind"] == kind)
                    .cloned()
            })
            .unwrap_or_else(|| panic!("{name} has no {kind} route"))
    };
    assert_eq!(route("TikTok", "email")["address"], "feedback@tiktok.com");
    let reddit = route("Reddit", "email");
    assert_eq!(reddit["address"], "contact@reddit.com");
    assert!(
        reddit["instructions"]
            .as_str()
            .unwrap()
            .contains("Involuntary Pornography Report")
    );
    assert!(
        route("Google Search", "web_form")["address"]
            .as_str()
            .unwrap()
            .starts_with("https://support.google.com/")
    );
    for hash in ["StopNCII", "Take It Down"] {
        let p = all.iter().find(|p| p["name"] == hash).unwrap();
        assert_eq!(p["kind"], "hash_service");
        route(hash, "hash_submission");
    }
    assert!(
        route("StopNCII", "hash_submission")["instructions"]
            .as_str()
            .unwrap()
            .contains("18 or older")
    );
    assert!(
        route("Take It Down", "hash_submission")["instructions"]
            .as_str()
            .unwrap()
            .contains("under 18")
    );
    // Listed by name, ignoring case.
    let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    let mut sorted = lower.clone();
    sorted.sort();
    assert_eq!(lower, sorted);
}

#[tokio::test]
async fn reloading_the_directory_changes_nothing_and_keeps_admin_edits() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let tiktok = app.platform_named(&admin, "TikTok").await;
    let path = format!("/v1/platforms/{}", tiktok["id"].as_str().unwrap());
    let res = app
        .patch_json(
            &path,
            &admin,
            Some("\"v1\""),
            &json!({"name": "TikTok (ByteDance)", "follow_up_business_days": 3, "notes": "Escalate through the Canadian team."}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let snapshot = || async {
        sqlx::query_as::<_, (uuid::Uuid, String, i64, String)>(
            "SELECT id, name, version, updated_at::text FROM platforms ORDER BY id",
        )
        .fetch_all(&app.pool)
        .await
        .unwrap()
    };
    let before = snapshot().await;
    let mut conn = app.pool.acquire().await.unwrap();
    for _ in 0..2 {
        let n = casework_domain::platform::seed::load(&mut conn, app.clock.ts())
            .await
            .unwrap();
        assert_eq!(n, 0, "nothing to load again");
    }
    assert_eq!(snapshot().await, before);
    // A restart, or `casework-api migrate`, prepares the database the same way.
    casework_api::startup::prepare_database(&app.settings, &app.clock)
        .await
        .unwrap();
    assert_eq!(snapshot().await, before);
    let after: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(after["name"], "TikTok (ByteDance)");
    assert_eq!(after["follow_up_business_days"], 3);
    assert_eq!(after["version"], 2);
    // An entry that is missing (here: removed behind the API's back) is loaded again.
    sqlx::query("DELETE FROM platforms WHERE seed_key = 'bing'")
        .execute(&app.pool)
        .await
        .unwrap();
    let n = casework_domain::platform::seed::load(&mut conn, app.clock.ts())
        .await
        .unwrap();
    assert_eq!(n, 1);
    app.platform_named(&admin, "Bing").await;
}

#[tokio::test]
async fn admins_add_read_and_change_platforms() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let res = app
        .post_json("/v1/platforms", &admin, &new_platform("  Example Forum "))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    assert_eq!(res.headers()["etag"], "\"v1\"");
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let p: Value = res.json().await.unwrap();
    assert_eq!(location, format!("/v1/platforms/{}", p["id"].as_str().unwrap()));
    assert_eq!(p["name"], "Example Forum", "trimmed");
    assert_eq!(p["follow_up_business_days"], 5, "default");
    assert_eq!(p["stopncii_partner"], false, "default");
    assert_eq!(p["active"], true);
    assert_eq!(p["channels"][1]["kind"], "web_form");
    assert!(p.get("notes").is_none());

    let res = app.get(&location, &admin).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"v1\"");
    let res = app
        .client
        .get(app.url(&location))
        .bearer_auth(&admin)
        .header("If-None-Match", "\"v1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

    let res = app
        .patch_json(
            &location,
            &admin,
            Some("\"v1\""),
            &json!({
                "follow_up_business_days": 10,
                "notes": "Answers within a week.",
                "channels": [{"kind": "dmca_agent", "address": "copyright@forum.example.net", "instructions": "DMCA notices only."}],
            }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"v2\"");
    let p: Value = res.json().await.unwrap();
    assert_eq!(p["follow_up_business_days"], 10);
    assert_eq!(p["channels"].as_array().unwrap().len(), 1, "lists are replaced");
    assert_eq!(p["contacts"][0]["name"], "Moderation team", "untouched");
    // null clears notes and restores the default delay; retiring is a PATCH too.
    let res = app
        .patch_json(
            &location,
            &admin,
            Some("\"v2\""),
            &json!({"notes": null, "follow_up_business_days": null, "active": false}),
        )
        .await;
    let p: Value = res.json().await.unwrap();
    assert!(p.get("notes").is_none());
    assert_eq!(p["follow_up_business_days"], 5);
    assert_eq!(p["active"], false);
    assert_eq!(p["version"], 3);
    // No DELETE: platforms are retired, not removed.
    let res = app
        .client
        .delete(app.url(&location))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let allow = res.headers()["allow"].to_str().unwrap().to_owned();
    problem(res, 405).await;
    assert!(allow.contains("PATCH") && !allow.contains("DELETE"), "{allow}");
    // A PATCH that changes nothing keeps the version.
    let res = app
        .patch_json(&location, &admin, Some("\"v3\""), &json!({"active": false}))
        .await;
    assert_eq!(res.headers()["etag"], "\"v3\"");

    // Filters.
    let ids = |v: Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let forums: Value = app.get("/v1/platforms?kind=forum", &admin).await.json().await.unwrap();
    assert_eq!(ids(forums), ["Example Forum"]);
    let found: Value = app.get("/v1/platforms?name=TIK", &admin).await.json().await.unwrap();
    assert_eq!(ids(found), ["TikTok"]);
    let retired: Value = app
        .get("/v1/platforms?active=false", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ids(retired), ["Example Forum"]);
    problem(app.get("/v1/platforms?kind=newspaper", &admin).await, 400).await;

    // Every change is in the audit trail, by whom.
    let audited: Vec<(String, String)> =
        sqlx::query_as("SELECT action, actor FROM audit_log WHERE action LIKE 'platform.%' ORDER BY occurred_at, id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let actions: Vec<&str> = audited.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, ["platform.create", "platform.update", "platform.update"]);
    assert!(audited.iter().all(|(_, actor)| actor.starts_with("user:")));
}

#[tokio::test]
async fn names_are_unique_ignoring_case() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    created(&app, &admin, &new_platform("Example Forum")).await;
    let body = problem(
        app.post_json("/v1/platforms", &admin, &new_platform("EXAMPLE forum"))
            .await,
        409,
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("already exists"));
    // Against the bundled directory as well.
    problem(
        app.post_json("/v1/platforms", &admin, &new_platform("tiktok")).await,
        409,
    )
    .await;
    let (etag, p) = created(&app, &admin, &new_platform("Another Forum")).await;
    let res = app
        .patch_json(
            &format!("/v1/platforms/{}", p["id"].as_str().unwrap()),
            &admin,
            Some(&etag),
            &json!({"name": "REDDIT"}),
        )
        .await;
    problem(res, 409).await;
}

#[tokio::test]
async fn every_broken_rule_is_named() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    // Several required fields missing: one answer naming each.
    let body = problem(
        app.post_json("/v1/platforms", &admin, &json!({"notes": "only notes"}))
            .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&body),
        [
            pair("name", "required"),
            pair("kind", "required"),
            pair("website", "required"),
            pair("is_internet_intermediary", "required"),
        ]
    );
    for days in [0, 31] {
        let mut p = new_platform("Example Forum");
        p["follow_up_business_days"] = json!(days);
        let body = problem(app.post_json("/v1/platforms", &admin, &p).await, 422).await;
        assert_eq!(
            field_errors(&body),
            [pair("follow_up_business_days", "out_of_range")],
            "{days}"
        );
    }
    let mut p = new_platform("Example Forum");
    p["website"] = json!("forum.example.net");
    let body = problem(app.post_json("/v1/platforms", &admin, &p).await, 422).await;
    assert_eq!(field_errors(&body), [pair("website", "invalid_url")]);
    let mut p = new_platform("Example Forum");
    p["website"] = json!("javascript:alert(1)");
    p["channels"][0]["address"] = json!("https://not-an-email.example.net");
    p["channels"][1]["address"] = json!("abuse@forum.example.net");
    p["contacts"][0]["phone"] = json!("call me");
    let body = problem(app.post_json("/v1/platforms", &admin, &p).await, 422).await;
    assert_eq!(
        field_errors(&body),
        [
            pair("website", "invalid_url"),
            pair("channels[0].address", "invalid_email"),
            pair("channels[1].address", "invalid_url"),
            pair("contacts[0].phone", "invalid_phone"),
        ]
    );
    let mut p = new_platform("Example Forum");
    p["id"] = json!("0190a000-0000-7000-8000-000000000000");
    let body = problem(app.post_json("/v1/platforms", &admin, &p).await, 422).await;
    assert_eq!(field_errors(&body), [pair("id", "unknown_field")]);
    let mut p = new_platform("Example Forum");
    p["channels"][1]["kind"] = json!("carrier_pigeon");
    let body = problem(app.post_json("/v1/platforms", &admin, &p).await, 422).await;
    assert_eq!(field_errors(&body), [pair("channels[1].kind", "invalid_value")]);
    let count: (i64,) = sqlx::query_as("SELECT count(*) FROM platforms WHERE name = 'Example Forum'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count.0, 0, "nothing half-written");
}

#[tokio::test]
async fn patch_needs_if_match_and_is_validated_like_a_new_platform() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let reddit = app.platform_named(&admin, "Reddit").await;
    let path = format!("/v1/platforms/{}", reddit["id"].as_str().unwrap());
    let unknown_kind = json!({"channels": [
        {"kind": "email", "address": "contact@reddit.com", "instructions": "Subject: Involuntary Pornography Report"},
        {"kind": "fax", "address": "+1 555 0100", "instructions": "Fax it."}
    ]});
    problem(app.patch_json(&path, &admin, None, &unknown_kind).await, 428).await;
    problem(
        app.patch_json(&path, &admin, Some("\"v9\""), &json!({"notes": "x"}))
            .await,
        412,
    )
    .await;
    let body = problem(app.patch_json(&path, &admin, Some("\"v1\""), &unknown_kind).await, 422).await;
    assert_eq!(field_errors(&body), [pair("channels[1].kind", "invalid_value")]);
    let body = problem(
        app.patch_json(
            &path,
            &admin,
            Some("\"v1\""),
            &json!({"follow_up_business_days": 31, "website": "ftp://reddit.com", "name": null}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(
        field_errors(&body),
        [
            pair("name", "required"),
            pair("website", "invalid_url"),
            pair("follow_up_business_days", "out_of_range"),
        ]
    );
    let body = problem(
        app.patch_json(&path, &admin, Some("\"v1\""), &json!({"version": 7, "id": "x"}))
            .await,
        422,
    )
    .await;
    let mut got = field_errors(&body);
    got.sort();
    assert_eq!(got, [pair("id", "read_only"), pair("version", "read_only")]);
    let body = problem(
        app.patch_json(&path, &admin, Some("\"v1\""), &json!({"seed_key": "x"}))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&body), [pair("seed_key", "unknown_field")]);
    // Nothing of the refused PATCHes stuck.
    let now: Value = app.get(&path, &admin).await.json().await.unwrap();
    assert_eq!(now, reddit);
    problem(
        app.patch_json(
            "/v1/platforms/0190a000-0000-7000-8000-000000000000",
            &admin,
            Some("\"v1\""),
            &json!({"notes": "x"}),
        )
        .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn who_may_read_and_write_the_directory() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let (_, _, caseworker) = app.staff("caseworker").await;
    let (_, _, supervisor) = app.staff("supervisor").await;
    let reader = app.integration_token(&["platforms:read"]).await;
    let writer = app.integration_token(&["platforms:write"]).await;
    let stats = app.integration_token(&["stats:read"]).await;
    let (etag, p) = created(&app, &admin, &new_platform("Example Forum")).await;
    let path = format!("/v1/platforms/{}", p["id"].as_str().unwrap());

    // (token, may read, may write)
    let table: [(&str, &str, bool, bool); 6] = [
        ("admin", &admin, true, true),
        ("platforms:write", &writer, true, true),
        ("caseworker", &caseworker, true, false),
        ("supervisor", &supervisor, true, false),
        ("platforms:read", &reader, true, false),
        ("stats:read", &stats, false, false),
    ];
    let mut version = etag;
    for (i, (who, token, read, write)) in table.iter().enumerate() {
        let list = app.get("/v1/platforms", token).await;
        let one = app.get(&path, token).await;
        if *read {
            assert_eq!(list.status(), StatusCode::OK, "{who} lists");
            assert_eq!(one.status(), StatusCode::OK, "{who} reads");
        } else {
            problem(list, 403).await;
            problem(one, 403).await;
        }
        let create = app
            .post_json("/v1/platforms", token, &new_platform(&format!("Forum {i}")))
            .await;
        // A bad body does not hide the 403 (authorisation comes first).
        let bad = app.post_json("/v1/platforms", token, &json!({})).await;
        let patch = app
            .patch_json(&path, token, Some(&version), &json!({"notes": format!("by {who}")}))
            .await;
        if *write {
            assert_eq!(create.status(), StatusCode::CREATED, "{who} creates");
            problem(bad, 422).await;
            assert_eq!(patch.status(), StatusCode::OK, "{who} patches");
            version = patch.headers()["etag"].to_str().unwrap().to_owned();
        } else {
            problem(create, 403).await;
            problem(bad, 403).await;
            problem(patch, 403).await;
        }
    }
    let anonymous = app.client.get(app.url("/v1/platforms")).send().await.unwrap();
    assert!(anonymous.headers().contains_key("www-authenticate"));
    problem(anonymous, 401).await;
    let anonymous = app.client.get(app.url(&path)).send().await.unwrap();
    problem(anonymous, 401).await;
    let anonymous = app
        .client
        .post(app.url("/v1/platforms"))
        .json(&new_platform("Forum X"))
        .send()
        .await
        .unwrap();
    problem(anonymous, 401).await;
    // An integration's changes are audited under the client.
    let actors: Vec<(String,)> =
        sqlx::query_as("SELECT actor FROM audit_log WHERE action LIKE 'platform.%' AND actor LIKE 'client:%'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(actors.len(), 2, "one create and one update by the writer");
}

#[tokio::test]
async fn pages_cover_the_directory_once_and_posts_replay() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    let everything = app.all_platforms(&admin).await;
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut req = app
            .client
            .get(app.url("/v1/platforms"))
            .bearer_auth(&admin)
            .query(&[("limit", "4")]);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let page: Value = req.send().await.unwrap().json().await.unwrap();
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 4);
        seen.extend(items.iter().map(|p| p["id"].as_str().unwrap().to_owned()));
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    let all_ids: Vec<String> = everything
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen, all_ids);
    let body = problem(app.get("/v1/platforms?cursor=forged.value", &admin).await, 422).await;
    assert_eq!(field_errors(&body), [pair("cursor", "invalid_cursor")]);
    problem(app.get("/v1/platforms?limit=0", &admin).await, 422).await;

    let post = || {
        app.client
            .post(app.url("/v1/platforms"))
            .bearer_auth(&admin)
            .header("Idempotency-Key", "add-example-forum")
            .json(&new_platform("Example Forum"))
            .send()
    };
    let first = post().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = post().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
}
