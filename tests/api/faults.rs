//! Failure behaviour with real processes: PostgreSQL restarted under a write load (on a
//! private cluster, never the shared server), two API processes and two workers on one
//! database, and no client data in the logs of a whole case lifecycle at debug level.
//! (Workers killed with SIGKILL: `worker.rs`.)

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use casework_tests::{
    TestApp, admin_url,
    fixtures::{adult_case_named, with},
    problem,
    processes::PgCluster,
    worker_endpoints::eventually,
};
use jiff::SignedDuration;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// What the writers saw.
#[derive(Default)]
struct Seen {
    /// Ids of the cases whose creation was answered 201.
    acknowledged: Vec<String>,
    /// 503 problem+json answers with `Retry-After`.
    unavailable: usize,
    /// Anything else: status and body, or the transport error.
    unexpected: Vec<String>,
}

/// One writer: creates cases through `addr` until `stop`, recording every answer.
async fn writer(
    client: reqwest::Client,
    addr: String,
    token: String,
    n: usize,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Seen>>,
) {
    let mut i = 0;
    while !stop.load(Ordering::SeqCst) {
        i += 1;
        let res = client
            .post(format!("{addr}/v1/cases"))
            .bearer_auth(&token)
            .json(&adult_case_named(&format!("Load Client {n}-{i}")))
            .timeout(Duration::from_secs(15))
            .send()
            .await;
        match res {
            Ok(r) if r.status() == StatusCode::CREATED => {
                let case: Value = r.json().await.unwrap();
                seen.lock()
                    .unwrap()
                    .acknowledged
                    .push(case["id"].as_str().unwrap().to_owned());
            }
            Ok(r) if r.status() == StatusCode::SERVICE_UNAVAILABLE => {
                assert_eq!(r.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("5"));
                let body = problem(r, 503).await;
                assert_eq!(body["type"], "/problems/service-unavailable");
                seen.lock().unwrap().unavailable += 1;
            }
            Ok(r) => {
                let status = r.status();
                let body = r.text().await.unwrap_or_default();
                seen.lock().unwrap().unexpected.push(format!("{status}: {body}"));
            }
            Err(e) => seen.lock().unwrap().unexpected.push(format!("transport: {e}")),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn postgres_restarted_under_write_load_keeps_every_acknowledged_write() {
    let cluster = tokio::task::spawn_blocking(PgCluster::start).await.unwrap();
    let cluster = Arc::new(cluster);
    let app = TestApp::spawn_process(&cluster.url("postgres"), &[], &[]).await;
    let (_, _, cw) = app.staff("caseworker").await;
    let mut worker = app.start_worker(app.clock.now() + SignedDuration::from_secs(1));
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let writers: Vec<_> = (0..4)
        .map(|n| {
            tokio::spawn(writer(
                app.client.clone(),
                app.addr.clone(),
                cw.clone(),
                n,
                stop.clone(),
                seen.clone(),
            ))
        })
        .collect();
    let acknowledged = || seen.lock().unwrap().acknowledged.len();
    let unavailable = || seen.lock().unwrap().unavailable;

    // A crash (no checkpoint, recovery at start), then a clean restart that disconnects
    // every session; the load runs throughout.
    for mode in ["immediate", "fast"] {
        let before = acknowledged();
        eventually(Duration::from_secs(30), "writes acknowledged", || async {
            (acknowledged() >= before + 20).then_some(())
        })
        .await;
        let c = cluster.clone();
        tokio::task::spawn_blocking(move || c.stop(mode)).await.unwrap();
        let refused = unavailable();
        let down = std::time::Instant::now();
        eventually(Duration::from_secs(30), "503 while the database is down", || async {
            (unavailable() >= refused + 3).then_some(())
        })
        .await;
        // Down for longer than the worker's pool timeout (5 s), so its polls fail.
        tokio::time::sleep(Duration::from_secs(6).saturating_sub(down.elapsed())).await;
        let c = cluster.clone();
        tokio::task::spawn_blocking(move || c.start_again()).await.unwrap();
        // The same process recovers: writes are acknowledged again.
        let after = acknowledged();
        eventually(
            Duration::from_secs(30),
            "writes acknowledged after the restart",
            || async { (acknowledged() >= after + 20).then_some(()) },
        )
        .await;
    }
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.unwrap();
    }

    let seen = std::mem::take(&mut *seen.lock().unwrap());
    assert!(
        seen.unexpected.is_empty(),
        "only 201 or 503 expected: {:?}\n{}",
        seen.unexpected,
        app.api.as_ref().unwrap().output()
    );
    let ids: Vec<Uuid> = seen.acknowledged.iter().map(|i| i.parse().unwrap()).collect();
    let present: i64 = sqlx::query_scalar("SELECT count(*) FROM cases WHERE id = ANY($1)")
        .bind(&ids)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        present,
        i64::try_from(ids.len()).unwrap(),
        "every acknowledged case is there"
    );
    let refs = count(&app, "SELECT count(DISTINCT reference) FROM cases").await;
    assert_eq!(refs, count(&app, "SELECT count(*) FROM cases").await);

    // The worker lived through both restarts and still works: a reminder due now arrives.
    let res = app
        .create_task(
            &cw,
            &json!({"title": "After the restarts", "due_at": app.clock.now().to_string()}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    eventually(
        Duration::from_secs(30),
        "the reminder delivered by the same worker",
        || async {
            (count(&app, "SELECT count(*) FROM notifications WHERE kind = 'reminder'").await == 1).then_some(())
        },
    )
    .await;
    assert!(worker.is_running(), "the worker is still up:\n{}", worker.output());
    drop(app);
}

#[tokio::test]
async fn two_apis_and_two_workers_on_one_database_duplicate_nothing() {
    let app = TestApp::spawn_process(&admin_url(), &[], &[]).await;
    let second = app.start_api(&[], &[]).await;
    let (_, _, cw) = app.staff("caseworker").await;
    let now = app.clock.now();
    let _a = app.start_worker(now + SignedDuration::from_secs(1));
    let _b = app.start_worker(now + SignedDuration::from_secs(1));
    let n = 60;
    let created = futures::future::join_all((0..n).map(|i| {
        let addr = if i % 2 == 0 {
            app.addr.clone()
        } else {
            second.addr.clone()
        };
        let (client, cw) = (app.client.clone(), cw.clone());
        async move {
            let res = client
                .post(format!("{addr}/v1/cases"))
                .bearer_auth(&cw)
                .json(&adult_case_named(&format!("Parallel Client {i}")))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED);
            let case: Value = res.json().await.unwrap();
            let res = client
                .post(format!("{addr}/v1/tasks"))
                .bearer_auth(&cw)
                .json(&json!({"case_id": case["id"], "title": "Call back", "due_at": now.to_string()}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), StatusCode::CREATED);
            case["reference"].as_str().unwrap().to_owned()
        }
    }))
    .await;
    let distinct: std::collections::BTreeSet<&String> = created.iter().collect();
    assert_eq!(distinct.len(), n, "no reference number given twice");
    assert_eq!(count(&app, "SELECT count(DISTINCT reference) FROM cases").await, 60);

    eventually(Duration::from_secs(60), "every reminder delivered", || async {
        (count(&app, "SELECT count(*) FROM reminders WHERE status = 'delivered'").await == 60).then_some(())
    })
    .await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM notifications WHERE kind = 'reminder'").await,
        60
    );
    assert_eq!(
        count(&app, "SELECT count(DISTINCT reminder_id) FROM notifications").await,
        60
    );
}

/// A client whose every detail is distinctive enough to be found in any log line.
const NAME: &str = "Zephyrine Quillfeather";
const PREFERRED: &str = "Zephy";
const EMAIL: &str = "zq.private@example.org";
const PHONE: &str = "+1 604 555 0199";
const NOTE: &str = "Client fears Borislav Mountjoy will post again";
const SUMMARY: &str = "Images posted by an ex on Glimmerboard";
const EVIDENCE: &str = "Screenshot of the Glimmerboard thread";

async fn created(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body
}

async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

#[tokio::test]
async fn a_whole_case_lifecycle_logs_no_client_data_at_debug_level() {
    let debug = [("RUST_LOG", "debug")];
    let app = TestApp::spawn_process(&admin_url(), &["--with-worker"], &debug).await;
    let worker = app.start_worker_with(app.clock.now() + SignedDuration::from_secs(1), &debug);
    let admin = app.admin_token().await;
    let (_, _, cw) = app.staff("caseworker").await;

    let body = with(
        &adult_case_named(NAME),
        &json!({
            "client": {
                "preferred_name": PREFERRED,
                "contact": {"email": EMAIL, "phone": PHONE, "preferred_channel": "email", "safe_to_leave_message": true},
            },
            "summary": SUMMARY,
        }),
    );
    // Refused first: a wrong type, a value breaking a rule, a body that is not JSON, each
    // carrying client data that error messages might echo.
    let wrong_type = with(&body, &json!({"client": {"age": NOTE}}));
    assert_eq!(
        app.post_case(&cw, &wrong_type).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let bad_email = with(&body, &json!({"client": {"contact": {"email": NAME}}}));
    assert_eq!(
        app.post_case(&cw, &bad_email).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let res = app
        .client
        .post(app.url("/v1/cases"))
        .bearer_auth(&cw)
        .header("content-type", "application/json")
        .body(format!(
            "{{\"client\": {{\"name\": \"{NAME}\", \"email\": \"{EMAIL}\"}}"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let case = created(app.post_case(&cw, &body).await).await;
    let id = case["id"].as_str().unwrap().to_owned();
    ok(app.get(&format!("/v1/cases/{id}"), &cw).await).await;
    ok(app.get("/v1/cases", &cw).await).await;
    created(
        app.add_case_record(&cw, &id, "notes", &json!({"kind": "note", "body": NOTE}))
            .await,
    )
    .await;
    ok(app.list_case_records(&cw, &id, "notes").await).await;
    created(
        app.add_case_record(&cw, &id, "consents", &json!({"scope": "platform_contact"}))
            .await,
    )
    .await;
    let url = "https://glimmerboard.example.net/t/77";
    created(
        app.add_case_record(
            &cw,
            &id,
            "evidence",
            &json!({"kind": "screenshot", "url": url, "site": "Glimmerboard",
                    "captured_at": "2026-11-23T16:00:00Z", "description": EVIDENCE}),
        )
        .await,
    )
    .await;
    ok(app.list_case_records(&cw, &id, "evidence").await).await;
    let platform = created(
        app.post_json(
            "/v1/platforms",
            &admin,
            &json!({"name": "Glimmerboard", "kind": "forum", "website": "https://glimmerboard.example.net",
                    "is_internet_intermediary": true}),
        )
        .await,
    )
    .await;
    let takedown = created(
        app.post_json(
            "/v1/takedown-requests",
            &cw,
            &json!({"case_id": id, "platform_id": platform["id"], "channel": "web_form",
                    "urls": [url], "legal_basis": "platform_policy"}),
        )
        .await,
    )
    .await;
    let tid = takedown["id"].as_str().unwrap();
    for to in ["submitted", "removed"] {
        ok(app
            .post_json(
                &format!("/v1/takedown-requests/{tid}/transitions"),
                &cw,
                &json!({"to": to}),
            )
            .await)
        .await;
    }
    let now = app.clock.now();
    let task = created(
        app.create_task(
            &cw,
            &json!({"case_id": id, "title": format!("Call {NAME}"), "due_at": now.to_string()}),
        )
        .await,
    )
    .await;
    // The reminder goes through a worker.
    eventually(Duration::from_secs(30), "the reminder delivered", || async {
        let page = ok(app.notifications(&cw, "").await).await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "reminder")
            .then_some(())
    })
    .await;
    ok(app.task_action(&cw, task["id"].as_str().unwrap(), "complete").await).await;
    ok(app.list_case_records(&cw, &id, "timeline").await).await;
    ok(app
        .transition_case(&cw, &id, &json!({"to": "closed", "close_reason": "resolved"}), None)
        .await)
    .await;

    let api = app.api.as_ref().unwrap().output();
    let logs = format!("{api}\n{}", worker.output());
    assert!(api.contains("\"level\":\"DEBUG\""), "the API logged at debug:\n{api}");
    for secret in [
        NAME,
        "Quillfeather",
        PREFERRED,
        EMAIL,
        PHONE,
        "555 0199",
        NOTE,
        "Borislav",
        SUMMARY,
        EVIDENCE,
    ] {
        let leaked: Vec<&str> = logs.lines().filter(|l| l.contains(secret)).take(3).collect();
        assert!(leaked.is_empty(), "{secret:?} is in the logs:\n{}", leaked.join("\n"));
    }
}
