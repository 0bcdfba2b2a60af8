//! Takedown follow-ups with real `casework-worker` processes (contract §8): a platform that
//! does not answer is chased each interval and supervisors hear of it after the third
//! follow-up; a request answered in time is left alone.

use std::time::Duration;

use casework_tests::{TestApp, worker_endpoints::eventually};
use reqwest::StatusCode;
use serde_json::{Value, json};

const URL: &str = "https://forum.example.net/t/1";

async fn json_of(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// A submitted request (Monday 23 November 2026, 10:00 Vancouver) to a platform followed up
/// after one office day: first due Tuesday 24 November at 16:30 (23:30Z).
async fn submitted(app: &TestApp, cw: &str) -> (String, String) {
    let admin = app.admin_token().await;
    let res = app
        .post_json(
            "/v1/platforms",
            &admin,
            &json!({"name": "Slow Forum", "kind": "forum", "website": "https://forum.example.net",
                    "is_internet_intermediary": true, "follow_up_business_days": 1}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let platform: Value = res.json().await.unwrap();
    let case = app.create_adult_case(cw).await;
    let ok = |res: reqwest::Response| assert_eq!(res.status(), StatusCode::CREATED);
    ok(app
        .add_case_record(cw, &case, "consents", &json!({"scope": "platform_contact"}))
        .await);
    ok(app
        .add_case_record(
            cw,
            &case,
            "evidence",
            &json!({"kind": "screenshot", "url": URL, "site": "Slow Forum",
                    "captured_at": "2026-11-23T16:00:00Z", "description": "The post"}),
        )
        .await);
    let res = app
        .post_json(
            "/v1/takedown-requests",
            cw,
            &json!({"case_id": case, "platform_id": platform["id"], "channel": "web_form",
                    "urls": [URL], "legal_basis": "platform_policy"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let t: Value = res.json().await.unwrap();
    let id = t["id"].as_str().unwrap().to_owned();
    let res = app
        .post_json(
            &format!("/v1/takedown-requests/{id}/transitions"),
            cw,
            &json!({"to": "submitted"}),
        )
        .await;
    let s = json_of(res).await;
    assert_eq!(s["follow_up_due_at"], "2026-11-24T23:30:00Z");
    (case, id)
}

async fn follow_up_count(app: &TestApp, id: &str) -> i64 {
    sqlx::query_scalar("SELECT follow_up_count::bigint FROM takedown_requests WHERE id = $1::uuid")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

async fn follow_up_tasks(app: &TestApp, token: &str) -> Vec<Value> {
    let page = json_of(app.list_tasks(token, "assignee=me&limit=200").await).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == "takedown_follow_up")
        .cloned()
        .collect()
}

#[tokio::test]
async fn an_unanswered_request_is_followed_up_each_interval_then_escalated() {
    let app = TestApp::spawn_for_workers().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let (_, _, supervisor) = app.staff("supervisor").await;
    let (case, id) = submitted(&app, &cw).await;

    // Each round, a worker whose clock starts a second after the due time.
    for (round, start) in [
        (1, "2026-11-24T23:30:01Z"),
        (2, "2026-11-25T23:30:01Z"),
        (3, "2026-11-26T23:30:01Z"),
    ] {
        let mut worker = app.start_worker(start.parse().unwrap());
        eventually(Duration::from_secs(30), "the follow-up", || async {
            (follow_up_count(&app, &id).await == round).then_some(())
        })
        .await;
        assert!(worker.terminate(Duration::from_secs(30)).success());
    }
    let tasks = follow_up_tasks(&app, &cw).await;
    assert_eq!(tasks.len(), 3, "{tasks:?}");
    assert!(
        tasks
            .iter()
            .all(|t| t["subject"]["id"] == id.as_str() && t["case_id"] == case.as_str())
    );
    let t = json_of(app.get(&format!("/v1/takedown-requests/{id}"), &cw).await).await;
    assert_eq!(t["follow_up_count"], 3);
    assert_eq!(
        t["follow_up_due_at"], "2026-11-27T23:30:00Z",
        "the next one, one office day on"
    );

    // Supervisors heard of it once, after the third.
    let notes = json_of(app.notifications(&supervisor, "").await).await;
    let escalations: Vec<&Value> = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "escalation")
        .collect();
    assert_eq!(escalations.len(), 1, "{notes}");
    let timeline = json_of(app.list_case_records(&cw, &case, "timeline").await).await;
    let follow_ups = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "takedown.follow_up_due")
        .count();
    assert_eq!(follow_ups, 3);
}

#[tokio::test]
async fn an_answer_before_the_due_time_means_nothing_fires() {
    let app = TestApp::spawn_for_workers().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let admin = app.admin_token().await;
    let (_, id) = submitted(&app, &cw).await;
    let res = app
        .post_json(
            &format!("/v1/takedown-requests/{id}/transitions"),
            &cw,
            &json!({"to": "removed"}),
        )
        .await;
    assert_eq!(json_of(res).await["status"], "removed");
    let mut worker = app.start_worker("2026-11-24T23:30:01Z".parse().unwrap());
    eventually(Duration::from_secs(30), "the follow-up job to run", || async {
        let jobs = json_of(app.jobs(&admin, "queue=takedown_follow_up").await).await;
        (jobs["items"][0]["status"] == "done").then_some(())
    })
    .await;
    assert!(worker.terminate(Duration::from_secs(30)).success());
    assert!(follow_up_tasks(&app, &cw).await.is_empty());
    assert_eq!(follow_up_count(&app, &id).await, 0);
}

#[tokio::test]
async fn a_worker_restarted_a_day_later_runs_the_follow_up_at_its_due_time() {
    let app = TestApp::spawn_for_workers().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let admin = app.admin_token().await;
    let (_, id) = submitted(&app, &cw).await;
    let due: jiff::Timestamp = "2026-11-24T23:30:00Z".parse().unwrap();
    let max_defer_default = [("CASEWORK_MAX_DEFER_SECS", "3600")];

    // A worker a day and a few seconds before the due time: apalis holds the job (run_at a
    // day ahead in database time); nothing fires.
    let day = jiff::SignedDuration::from_hours(24);
    let mut first = app.start_worker_with(due - day - jiff::SignedDuration::from_secs(3), &max_defer_default);
    eventually(Duration::from_secs(30), "the worker's clock anchored", || async {
        let anchored: Option<i64> = sqlx::query_scalar("SELECT offset_us FROM service_clock")
            .fetch_optional(&app.pool)
            .await
            .unwrap();
        anchored.map(|_| ())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert_eq!(follow_up_count(&app, &id).await, 0);
    let jobs = json_of(app.jobs(&admin, "queue=takedown_follow_up").await).await;
    assert_eq!(jobs["items"][0]["status"], "pending", "{jobs}");
    assert!(first.terminate(Duration::from_secs(30)).success());

    // Restarted with its clock moved forward a day: the follow-up fires at its due time,
    // a few seconds on, not an hour (CASEWORK_MAX_DEFER_SECS) later.
    let _second = app.start_worker_with(due - jiff::SignedDuration::from_secs(3), &max_defer_default);
    eventually(Duration::from_secs(30), "the follow-up", || async {
        (follow_up_count(&app, &id).await == 1).then_some(())
    })
    .await;
    let task = follow_up_tasks(&app, &cw).await.pop().expect("the follow-up task");
    let created: jiff::Timestamp = task["created_at"].as_str().unwrap().parse().unwrap();
    assert!(
        created >= due && created < due + jiff::SignedDuration::from_secs(5),
        "fired at {created}, due {due}"
    );
}

/// Makes the request's next follow-up its third (the one that escalates).
async fn two_follow_ups_already(app: &TestApp, id: &str) {
    sqlx::query("UPDATE takedown_requests SET follow_up_count = 2 WHERE id = $1::uuid")
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
}

async fn escalations(app: &TestApp, supervisor: &str) -> usize {
    let notes = json_of(app.notifications(supervisor, "").await).await;
    notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "escalation")
        .count()
}

async fn jobs_done(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM apalis.jobs WHERE job_type = 'takedown_follow_up' AND status = 'Done'")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// At-least-once delivery at its worst: the escalating follow-up job is there four times
/// and two workers run them at once. The effects happen once.
#[tokio::test]
async fn a_follow_up_delivered_four_times_to_two_workers_escalates_once() {
    let app = TestApp::spawn_for_workers().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let (_, _, supervisor) = app.staff("supervisor").await;
    let (_, id) = submitted(&app, &cw).await;
    two_follow_ups_already(&app, &id).await;
    let copies = sqlx::query(
        "INSERT INTO apalis.jobs (id, job_type, job, status, attempts, max_attempts, run_at, priority, metadata)
         SELECT apalis.generate_ulid(), j.job_type, j.job, 'Pending', 0, j.max_attempts, j.run_at, j.priority, j.metadata
         FROM apalis.jobs j, generate_series(1, 3) g WHERE j.job_type = 'takedown_follow_up'",
    )
    .execute(&app.pool)
    .await
    .unwrap();
    assert_eq!(copies.rows_affected(), 3);
    let start = "2026-11-24T23:30:01Z".parse().unwrap();
    let _a = app.start_worker(start);
    let _b = app.start_worker(start);
    eventually(Duration::from_secs(30), "all four copies run", || async {
        (jobs_done(&app).await == 4).then_some(())
    })
    .await;
    assert_eq!(follow_up_count(&app, &id).await, 3);
    assert_eq!(follow_up_tasks(&app, &cw).await.len(), 1);
    assert_eq!(escalations(&app, &supervisor).await, 1);
}

/// A worker SIGKILLed while it runs the escalating follow-up (held at the request's row
/// lock, so it is surely mid-run): another worker takes the job over once the dead one
/// misses its heartbeats, and the follow-up and escalation happen exactly once.
#[tokio::test]
async fn a_follow_up_whose_worker_is_killed_mid_run_is_recovered_and_escalates_once() {
    let app = TestApp::spawn_for_workers().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let (_, _, supervisor) = app.staff("supervisor").await;
    let (_, id) = submitted(&app, &cw).await;
    two_follow_ups_already(&app, &id).await;
    let mut held = app.pool.begin().await.unwrap();
    sqlx::query("SELECT 1 FROM takedown_requests WHERE id = $1::uuid FOR UPDATE")
        .bind(&id)
        .execute(&mut *held)
        .await
        .unwrap();
    let start = "2026-11-24T23:30:01Z".parse().unwrap();
    let mut first = app.start_worker(start);
    let running_by: String = eventually(
        Duration::from_secs(30),
        "the job running on the first worker",
        || async {
            sqlx::query_scalar(
                "SELECT lock_by FROM apalis.jobs WHERE job_type = 'takedown_follow_up' AND status = 'Running'",
            )
            .fetch_optional(&app.pool)
            .await
            .unwrap()
            .flatten()
        },
    )
    .await;
    first.kill();
    held.rollback().await.unwrap();
    assert_eq!(follow_up_count(&app, &id).await, 2, "nothing happened yet");

    let _second = app.start_worker(start);
    eventually(Duration::from_secs(30), "the follow-up recovered", || async {
        (follow_up_count(&app, &id).await == 3).then_some(())
    })
    .await;
    eventually(Duration::from_secs(30), "the job done", || async {
        (jobs_done(&app).await == 1).then_some(())
    })
    .await;
    let by: Option<String> =
        sqlx::query_scalar("SELECT lock_by FROM apalis.jobs WHERE job_type = 'takedown_follow_up' AND status = 'Done'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_ne!(
        by.as_deref(),
        Some(running_by.as_str()),
        "finished by the second worker"
    );
    assert_eq!(follow_up_tasks(&app, &cw).await.len(), 1);
    assert_eq!(escalations(&app, &supervisor).await, 1);
}
