//! Order compliance with real `casework-worker` processes (contract §8): a binding not
//! complied with by `comply_by` becomes non-compliant with a task for the caseworker; two
//! office days later a penalty-claim task carries the exposure and supervisors are told;
//! compliance recorded first means nothing fires.

use std::time::Duration;

use casework_tests::{TestApp, orders_endpoints::order_for, worker_endpoints::eventually};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Tuesday 24 November 2026, 23:59 Vancouver (25 November 06:59Z).
const COMPLY_BY: &str = "2026-11-24T23:59:00-07:00";

async fn json_of(res: reqwest::Response) -> Value {
    assert_eq!(res.status(), StatusCode::OK);
    res.json().await.unwrap()
}

/// An order binding the claim's individual respondent, served on Monday morning; returns
/// (order id, binding id).
async fn served_order(app: &TestApp, cw: &str) -> (String, String) {
    let case = app.create_adult_case(cw).await;
    let claim = app.decided_claim(cw, &case, "granted").await;
    let respondent = claim["respondents"][0]["id"].as_str().unwrap();
    let mut body = order_for(claim["id"].as_str().unwrap(), &[respondent]);
    body["bindings"][0]["comply_by"] = json!(COMPLY_BY);
    let order = app.create_order(cw, &body).await;
    let (oid, bid) = (
        order["id"].as_str().unwrap().to_owned(),
        order["bindings"][0]["id"].as_str().unwrap().to_owned(),
    );
    app.consent_to_respondent_contact(cw, &case).await;
    let served = json!({"served_at": "2026-11-23T09:00:00-07:00", "channel": "email"});
    let o = TestApp::expect(app.serve_binding(cw, &oid, &bid, &served).await, StatusCode::OK).await;
    assert_eq!(o["bindings"][0]["status"], "served");
    (oid, bid)
}

async fn tasks_of(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    let page = json_of(app.list_tasks(token, "assignee=me&limit=200").await).await;
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["kind"] == kind)
        .cloned()
        .collect()
}

async fn binding_status(app: &TestApp, token: &str, oid: &str) -> String {
    let o = json_of(app.get(&format!("/v1/orders/{oid}"), token).await).await;
    o["bindings"][0]["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_missed_deadline_becomes_non_compliance_then_a_penalty_escalation() {
    let app = TestApp::spawn_for_workers().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let (_, _, supervisor) = app.staff("supervisor").await;
    let (oid, bid) = served_order(&app, &cw).await;

    // A second after the deadline: non-compliant, and a task to check.
    let mut worker = app.start_worker("2026-11-25T06:59:01Z".parse().unwrap());
    eventually(Duration::from_secs(30), "the compliance check", || async {
        (binding_status(&app, &cw, &oid).await == "non_compliant").then_some(())
    })
    .await;
    eventually(Duration::from_secs(30), "the compliance task", || async {
        (tasks_of(&app, &cw, "order_compliance_check").await.len() == 1).then_some(())
    })
    .await;
    assert!(worker.terminate(Duration::from_secs(30)).success());
    assert!(tasks_of(&app, &cw, "penalty_claim_preparation").await.is_empty());

    // Two office days later (Thursday 26 November, 16:30 Vancouver), still non-compliant:
    // a penalty-claim task with the exposure, and the supervisors told.
    let mut worker = app.start_worker("2026-11-26T23:30:01Z".parse().unwrap());
    let task = eventually(Duration::from_secs(30), "the penalty escalation", || async {
        tasks_of(&app, &cw, "penalty_claim_preparation").await.pop()
    })
    .await;
    assert!(worker.terminate(Duration::from_secs(30)).success());
    assert_eq!(task["subject"]["id"], bid.as_str());
    // Two started days since 25 November 06:59Z, at CAD 500 a day for an individual.
    assert_eq!(task["data"]["exposure"]["days_non_compliant"], 2);
    assert_eq!(task["data"]["exposure"]["max_exposure_cents"], 100_000);
    let notes = json_of(app.notifications(&supervisor, "").await).await;
    let escalations = notes["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "escalation")
        .count();
    assert_eq!(escalations, 1, "{notes}");
}

#[tokio::test]
async fn compliance_recorded_first_means_nothing_fires() {
    let app = TestApp::spawn_for_workers().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let admin = app.admin_token().await;
    let (oid, bid) = served_order(&app, &cw).await;
    let complied = json!({"status": "complied", "checked_at": "2026-11-23T09:30:00-07:00", "geofenced_only": false});
    TestApp::expect(app.record_compliance(&cw, &oid, &bid, &complied).await, StatusCode::OK).await;
    let mut worker = app.start_worker("2026-11-25T06:59:01Z".parse().unwrap());
    eventually(Duration::from_secs(30), "the compliance check to run", || async {
        let jobs = json_of(app.jobs(&admin, "queue=order_compliance").await).await;
        (jobs["items"][0]["status"] == "done").then_some(())
    })
    .await;
    assert!(worker.terminate(Duration::from_secs(30)).success());
    assert_eq!(binding_status(&app, &cw, &oid).await, "complied");
    assert!(tasks_of(&app, &cw, "order_compliance_check").await.is_empty());
}

async fn count(app: &TestApp, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .bind(bind)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_breach_a_caseworker_records_is_escalated_once_even_after_the_workers_check() {
    let app = TestApp::spawn_for_workers().await;
    let (_, email, cw) = app.staff("caseworker").await;
    let (oid, bid) = served_order(&app, &cw).await;
    // Wednesday morning, the deadline past: the caseworker finds the images still up.
    app.clock.set("2026-11-25T16:00:00Z".parse().unwrap());
    let cw = app.sign_in(&email, casework_tests::PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = app.admin_token().await;
    let breach = json!({"status": "non_compliant", "checked_at": "2026-11-25T08:00:00-07:00"});
    TestApp::expect(app.record_compliance(&cw, &oid, &bid, &breach).await, StatusCode::OK).await;

    // The worker's own check at the deadline finds the breach recorded: nothing more.
    let mut worker = app.start_worker("2026-11-25T06:59:01Z".parse().unwrap());
    eventually(Duration::from_secs(30), "the compliance check to run", || async {
        let jobs = json_of(app.jobs(&admin, "queue=order_compliance").await).await;
        (jobs["items"][0]["status"] == "done").then_some(())
    })
    .await;
    assert!(worker.terminate(Duration::from_secs(30)).success());
    // Two office days after the breach began (Thursday 16:30): one escalation.
    let mut worker = app.start_worker("2026-11-26T23:30:01Z".parse().unwrap());
    eventually(Duration::from_secs(30), "the escalation", || async {
        tasks_of(&app, &cw, "penalty_claim_preparation").await.pop()
    })
    .await;
    eventually(Duration::from_secs(30), "round 1 done", || async {
        let done = count(
            &app,
            "SELECT count(*) FROM apalis.jobs WHERE job_type = 'penalty_escalation' AND idempotency_key = $1 AND status = 'Done'",
            &format!("{bid}#1"),
        )
        .await;
        (done == 1).then_some(())
    })
    .await;
    assert!(worker.terminate(Duration::from_secs(30)).success());
    assert_eq!(tasks_of(&app, &cw, "penalty_claim_preparation").await.len(), 1);
    assert!(tasks_of(&app, &cw, "order_compliance_check").await.is_empty());
    let rounds = count(
        &app,
        "SELECT count(*) FROM apalis.jobs WHERE job_type = 'penalty_escalation' AND idempotency_key LIKE $1",
        &format!("{bid}#%"),
    )
    .await;
    assert_eq!(rounds, 2, "round 1, and round 2 a week later");
}

#[tokio::test]
async fn a_quebec_breach_is_reported_to_the_court_not_a_penalty_claim() {
    let app = TestApp::spawn_for_workers().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let (_, _, supervisor) = app.staff("supervisor").await;
    let case = app
        .create_case(
            &cw,
            &casework_tests::fixtures::with(&casework_tests::fixtures::adult_case(), &json!({"jurisdiction": "qc"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let body = casework_tests::fixtures::with(
        &casework_tests::orders_endpoints::crt_claim(&case),
        &json!({"forum": "court_of_quebec"}),
    );
    let claim = app.create_claim(&cw, &body).await;
    let decided = json!({"to": "decided", "outcome": "granted", "occurred_at": "2026-10-20T10:00:00-07:00"});
    let claim = TestApp::expect(
        app.transition_claim(&cw, claim["id"].as_str().unwrap(), &decided).await,
        StatusCode::OK,
    )
    .await;
    let respondent = claim["respondents"][0]["id"].as_str().unwrap();
    let mut body = order_for(claim["id"].as_str().unwrap(), &[respondent]);
    body["bindings"][0]["comply_by"] = json!(COMPLY_BY);
    let order = app.create_order(&cw, &body).await;
    let (oid, bid) = (
        order["id"].as_str().unwrap().to_owned(),
        order["bindings"][0]["id"].as_str().unwrap().to_owned(),
    );
    app.consent_to_respondent_contact(&cw, &case).await;
    let served = json!({"served_at": "2026-11-23T09:00:00-07:00", "channel": "email"});
    TestApp::expect(app.serve_binding(&cw, &oid, &bid, &served).await, StatusCode::OK).await;

    // Past the deadline and the two office days: the check, then the escalation.
    let _worker = app.start_worker("2026-11-26T23:30:01Z".parse().unwrap());
    let task = eventually(Duration::from_secs(30), "the escalation", || async {
        tasks_of(&app, &cw, "report_non_compliance").await.pop()
    })
    .await;
    assert_eq!(task["subject"]["id"], bid.as_str());
    assert!(tasks_of(&app, &cw, "penalty_claim_preparation").await.is_empty());
    let text = json_of(app.list_tasks(&cw, "assignee=me&limit=200").await)
        .await
        .to_string();
    let notes = json_of(app.notifications(&supervisor, "").await).await.to_string();
    for words in ["administrative penalty", "Administrative penalty"] {
        assert!(!text.contains(words) && !notes.contains(words), "{text} {notes}");
    }
    assert!(task["title"].as_str().unwrap().contains("Court of Québec"), "{task}");
}
