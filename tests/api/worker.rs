//! The worker as real `casework-worker` processes (contract §8): reminders only in office
//! hours, exactly one notification per reminder across workers and crashes, backoff then
//! a visible failure, the daily sweeps once per office day, graceful shutdown.
//!
//! Each worker's service clock starts where the test says (`CASEWORK_CLOCK_START`) and
//! runs in real time; waits poll for an effect with a deadline.

use std::time::{Duration, Instant};

use casework_domain::{
    Ts,
    task::{TaskKind, TaskSpec, store as tasks},
};
use casework_tests::{TestApp, worker_endpoints::eventually};
use jiff::{SignedDuration, Timestamp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

fn at(s: &str) -> Timestamp {
    s.parse().unwrap()
}

async fn json_of(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// `n` tasks for `assignee`, due at `due`, written through the domain (the same code the
/// API runs) in one transaction: each with its reminder and the reminder's job.
async fn many_tasks(app: &TestApp, assignee: &str, due: Timestamp, n: usize) {
    let assignee: Uuid = assignee.parse().unwrap();
    let mut tx = app.pool.begin().await.unwrap();
    for i in 0..n {
        let spec = TaskSpec::system(
            TaskKind::Custom,
            format!("Task {i}"),
            None,
            assignee,
            Ts::new(due),
            None,
            json!({}),
        );
        tasks::create(&mut tx, &spec, "system:test", app.clock.ts())
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

/// The caller's first reminder notification (the digest may be there too).
async fn reminder_notification(app: &TestApp, token: &str) -> Option<Value> {
    let page = json_of(app.notifications(token, "").await).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "reminder")
        .cloned()
}

/// The reminder job of the only task, as `GET /v1/jobs` shows it.
async fn reminder_job(app: &TestApp, admin: &str) -> Value {
    let page = json_of(app.jobs(admin, "queue=reminder").await).await;
    page["items"][0].clone()
}

async fn friday_evening_reminder(closure: Option<&str>, delivered_at: &str) {
    let app = TestApp::spawn_for_workers().await;
    let admin = app.admin_token().await;
    let (_, _, alice) = app.staff("caseworker").await;
    if let Some(date) = closure {
        let res = app
            .post_json("/v1/calendar/closures", &admin, &json!({"date": date, "name": "Storm"}))
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
    }
    // Due Friday 2026-11-27 at 18:00 Vancouver (UTC−7), after the office closed.
    let res = app
        .create_task(
            &alice,
            &json!({"title": "Follow up", "due_at": "2026-11-27T18:00:00-07:00"}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let expected = at(delivered_at);

    // A worker whose clock passes Friday 18:00 does not deliver: it defers to the opening.
    let mut friday = app.start_worker(at("2026-11-27T17:59:58-07:00"));
    let waiting = format!("waiting until {expected}");
    eventually(
        Duration::from_secs(20),
        "the reminder deferred to the next opening",
        || async {
            let job = reminder_job(&app, &admin).await;
            job["last_error"]
                .as_str()
                .is_some_and(|e| e.contains(&waiting))
                .then_some(())
        },
    )
    .await;
    // Past Friday 18:00 on that worker's clock, and still nothing.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(reminder_notification(&app, &alice).await.is_none());
    // SIGTERM: the worker stops fetching, finishes, exits 0.
    let status = friday.terminate(Duration::from_secs(30));
    assert!(status.success(), "exit status {status}");

    // A worker a few seconds before the opening delivers at the opening.
    let _opening = app.start_worker(expected - SignedDuration::from_secs(3));
    let n = eventually(Duration::from_secs(30), "the reminder's notification", || async {
        reminder_notification(&app, &alice).await
    })
    .await;
    let created: Timestamp = at(n["created_at"].as_str().unwrap());
    assert!(
        created >= expected && created < expected + SignedDuration::from_secs(4),
        "delivered at {created}, expected {expected}"
    );
    assert_eq!(n["kind"], "reminder");
}

#[tokio::test]
async fn a_reminder_due_friday_evening_is_delivered_monday_0830() {
    friday_evening_reminder(None, "2026-11-30T08:30:00-07:00").await;
}

#[tokio::test]
async fn after_a_monday_closure_it_is_delivered_tuesday_0830() {
    friday_evening_reminder(Some("2026-11-30"), "2026-12-01T08:30:00-07:00").await;
}

#[tokio::test]
async fn a_reminder_due_in_office_hours_arrives_within_seconds() {
    let app = TestApp::spawn_for_workers().await;
    let (_, _, alice) = app.staff("caseworker").await;
    let case = app.create_adult_case(&alice).await;
    let now = app.clock.now();
    let res = app
        .create_task(
            &alice,
            &json!({"case_id": case, "title": "Call", "due_at": now.to_string()}),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let task: Value = res.json().await.unwrap();
    let started = Instant::now();
    let _worker = app.start_worker(now + SignedDuration::from_secs(1));
    let n = eventually(Duration::from_secs(15), "the notification", || async {
        reminder_notification(&app, &alice).await
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        (n["task_id"].as_str(), n["case_id"].as_str()),
        (task["id"].as_str(), Some(case.as_str()))
    );
    let timeline = json_of(app.list_case_records(&alice, &case, "timeline").await).await;
    assert_eq!(timeline["items"][0]["kind"], "reminder.delivered");
    assert!(!timeline.to_string().contains("\"Call\""));
}

#[tokio::test]
async fn two_workers_drain_1000_reminders_into_exactly_1000_notifications() {
    let app = TestApp::spawn_for_workers().await;
    let (alice_id, _, _) = app.staff("caseworker").await;
    let now = app.clock.now();
    let _a = app.start_worker(now + SignedDuration::from_secs(1));
    let _b = app.start_worker(now + SignedDuration::from_secs(1));
    // Both polling before the work arrives, so both take part.
    eventually(Duration::from_secs(30), "two reminder workers registered", || async {
        (count(
            &app,
            "SELECT count(*) FROM apalis.workers WHERE worker_type = 'reminder'",
        )
        .await
            == 2)
            .then_some(())
    })
    .await;
    many_tasks(&app, &alice_id, now, 1000).await;
    eventually(Duration::from_secs(120), "every reminder delivered", || async {
        (count(&app, "SELECT count(*) FROM reminders WHERE status = 'delivered'").await == 1000).then_some(())
    })
    .await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM notifications WHERE kind = 'reminder'").await,
        1000
    );
    assert_eq!(
        count(&app, "SELECT count(DISTINCT reminder_id) FROM notifications").await,
        1000
    );
    let workers = count(
        &app,
        "SELECT count(DISTINCT lock_by) FROM apalis.jobs WHERE job_type = 'reminder'",
    )
    .await;
    assert_eq!(workers, 2, "both workers took part");
}

#[tokio::test]
async fn a_worker_killed_mid_drain_and_restarted_still_gives_one_notification_each() {
    let app = TestApp::spawn_for_workers().await;
    let (alice_id, _, _) = app.staff("caseworker").await;
    let now = app.clock.now();
    many_tasks(&app, &alice_id, now, 1000).await;
    let mut first = app.start_worker(now + SignedDuration::from_secs(1));
    eventually(Duration::from_secs(60), "the drain under way", || async {
        (count(&app, "SELECT count(*) FROM notifications WHERE kind = 'reminder'").await >= 50).then_some(())
    })
    .await;
    first.kill();
    let delivered = count(&app, "SELECT count(*) FROM notifications WHERE kind = 'reminder'").await;
    assert!(delivered < 1000, "killed mid-drain ({delivered} delivered)");
    let _second = app.start_worker(now + SignedDuration::from_secs(5));
    eventually(Duration::from_secs(120), "every reminder delivered", || async {
        (count(&app, "SELECT count(*) FROM reminders WHERE status = 'delivered'").await == 1000).then_some(())
    })
    .await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM notifications WHERE kind = 'reminder'").await,
        1000
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM reminders WHERE status <> 'delivered'").await,
        0
    );
}

#[tokio::test]
async fn a_failing_job_backs_off_then_lands_visibly_failed() {
    let app = TestApp::spawn_for_workers().await;
    let admin = app.admin_token().await;
    let (_, _, alice) = app.staff("caseworker").await;
    // Fault injection: the database refuses reminder notifications.
    sqlx::query("ALTER TABLE notifications ADD CONSTRAINT test_refuses_reminders CHECK (kind <> 'reminder')")
        .execute(&app.pool)
        .await
        .unwrap();
    let now = app.clock.now();
    let res = app
        .create_task(&alice, &json!({"title": "x", "due_at": now.to_string()}))
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let started = Instant::now();
    let _worker = app.start_worker(now + SignedDuration::from_secs(1));
    // Retrying: failed, attempts left, next run in the future.
    let retrying = eventually(Duration::from_secs(20), "a failed attempt", || async {
        let job = reminder_job(&app, &admin).await;
        (job["status"] == "failed" && job["attempts"].as_i64() < Some(5)).then_some(job)
    })
    .await;
    assert!(
        retrying["last_error"]
            .as_str()
            .unwrap()
            .contains("test_refuses_reminders"),
        "{retrying}"
    );
    let failed = eventually(Duration::from_secs(60), "the last attempt", || async {
        let job = reminder_job(&app, &admin).await;
        (job["status"] == "failed" && job["attempts"] == 5).then_some(job)
    })
    .await;
    // 0.3 + 0.6 + 1.2 + 2.4 s of backoff between the five attempts: not refetched at once.
    assert!(
        started.elapsed() >= Duration::from_millis(4500),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        failed["last_error"]
            .as_str()
            .unwrap()
            .contains("test_refuses_reminders")
    );
    let page = json_of(app.jobs(&admin, "status=failed").await).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    // It stays failed; once the fault is gone an admin retries it and it delivers.
    sqlx::query("ALTER TABLE notifications DROP CONSTRAINT test_refuses_reminders")
        .execute(&app.pool)
        .await
        .unwrap();
    let id = failed["id"].as_str().unwrap();
    let res = app.post_empty(&admin, &format!("/v1/jobs/{id}/retry")).await;
    assert_eq!(res.status(), StatusCode::OK);
    eventually(Duration::from_secs(20), "the retried reminder delivered", || async {
        reminder_notification(&app, &alice).await
    })
    .await;
}

#[tokio::test]
async fn the_digest_and_case_review_run_once_per_office_day_with_two_workers() {
    let app = TestApp::spawn_for_workers().await;
    let (alice_id, _, alice) = app.staff("caseworker").await;
    let (bob_id, _, _) = app.staff("caseworker").await;
    let stale = app.create_adult_case(&alice).await;
    let res = app
        .transition_case(&alice, &stale, &json!({"to": "active"}), None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // An intake case is not reviewed, however quiet.
    let _quiet_intake = app.create_adult_case(&alice).await;
    let now = app.clock.now();
    many_tasks(&app, &alice_id, now, 2).await;
    many_tasks(&app, &bob_id, now + SignedDuration::from_hours(24 * 40), 1).await;
    // Thursday 2026-12-24, a few seconds before the office opens: 31 days after the case
    // was last touched, Alice's tasks overdue, Bob's not due for days.
    let opening = at("2026-12-24T08:30:00-07:00");
    let _a = app.start_worker(opening - SignedDuration::from_secs(2));
    let _b = app.start_worker(opening - SignedDuration::from_secs(2));
    eventually(Duration::from_secs(30), "both sweeps claimed for the day", || async {
        (count(&app, "SELECT count(*) FROM sweep_runs WHERE office_date = '2026-12-24'").await == 2).then_some(())
    })
    .await;
    let ran_at: Vec<Ts> = sqlx::query_scalar("SELECT ran_at FROM sweep_runs")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(ran_at.iter().all(|t| t.get() >= opening), "{ran_at:?}");
    // Let both workers tick a few more times over the same day.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(count(&app, "SELECT count(*) FROM sweep_runs").await, 2);
    let digests: Vec<(Uuid, Value)> = sqlx::query_as("SELECT recipient, data FROM notifications WHERE kind = 'digest'")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(digests.len(), 1, "{digests:?}");
    assert_eq!(digests[0].0.to_string(), alice_id);
    assert_eq!(digests[0].1["overdue"], 2);
    let reviews = count(&app, "SELECT count(*) FROM tasks WHERE kind = 'case_review'").await;
    assert_eq!(reviews, 1);
    let page = json_of(app.list_tasks(&alice, &format!("case_id={stale}")).await).await;
    assert_eq!(page["items"][0]["kind"], "case_review");
}

#[tokio::test]
async fn housekeeping_prunes_finished_jobs_past_their_retention() {
    let app = TestApp::spawn_for_workers().await;
    for (id, status, age_days) in [
        ("old-done", "Done", 8),
        ("old-killed", "Killed", 8),
        ("old-failed", "Failed", 8),
        ("new-done", "Done", 1),
    ] {
        sqlx::query(
            "INSERT INTO apalis.jobs (job, id, job_type, status, attempts, max_attempts, run_at, done_at)
             VALUES ('\\x7b7d', $1, 'casework::test', $2, 5, 5, now(), now() - make_interval(days => $3))",
        )
        .bind(id)
        .bind(status)
        .bind(age_days)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    // Housekeeping is enqueued when a worker starts (retention: the default 7 days).
    let _worker = app.start_worker(app.clock.now());
    eventually(Duration::from_secs(20), "the old finished jobs pruned", || async {
        (count(&app, "SELECT count(*) FROM apalis.jobs WHERE id LIKE 'old-%'").await == 1).then_some(())
    })
    .await;
    let left: Vec<String> =
        sqlx::query_scalar("SELECT id FROM apalis.jobs WHERE job_type = 'casework::test' ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(left, ["new-done", "old-failed"]);
}
