//! Tasks, notifications and jobs over HTTP (contract §8): every filter, every refusal,
//! the state machine, and closing a case cancelling its work.

use casework_tests::{TestApp, problem};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn body(res: reqwest::Response, status: StatusCode) -> Value {
    let s = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(s, status, "{v}");
    v
}

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn tasks_filters_visibility_and_refusals() {
    let app = TestApp::spawn().await;
    let (alice_id, _, alice) = app.staff("caseworker").await;
    let (bob_id, _, bob) = app.staff("caseworker").await;
    let (_, _, sup) = app.staff("supervisor").await;
    let admin = app.admin_token().await;
    let case = app.create_adult_case(&alice).await;

    // A task on Alice's case, due in two office days; one of her own; one she gives Bob.
    let on_case = body(
        app.create_task(
            &alice,
            &json!({"case_id": case, "title": "Call the client back", "due_in_business_days": 2}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(on_case["kind"], "custom");
    assert_eq!(on_case["status"], "open");
    assert_eq!(on_case["assignee"], alice_id.as_str());
    // Monday 2026-11-23 + 2 office days = Wednesday 16:30 UTC−7.
    assert_eq!(on_case["due_at"], "2026-11-25T23:30:00Z");
    let own = body(
        app.create_task(
            &alice,
            &json!({"title": "Training", "due_at": "2026-11-24T09:00:00-07:00"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(own["due_at"], "2026-11-24T16:00:00Z");
    let for_bob = body(
        app.create_task(
            &alice,
            &json!({"title": "Cover the phones", "assignee": bob_id, "due_at": "2026-11-30T09:00:00-07:00"}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let (t1, t2, t3) = (
        on_case["id"].as_str().unwrap(),
        own["id"].as_str().unwrap(),
        for_bob["id"].as_str().unwrap(),
    );

    // Visibility: Alice sees her case's task and her own; Bob only his; supervisors all.
    let page = body(app.list_tasks(&alice, "").await, StatusCode::OK).await;
    assert_eq!(ids(&page), [t1, t2]);
    let page = body(app.list_tasks(&bob, "").await, StatusCode::OK).await;
    assert_eq!(ids(&page), [t3]);
    let page = body(app.list_tasks(&sup, "").await, StatusCode::OK).await;
    assert_eq!(ids(&page), [t1, t2, t3]);
    // A caseworker reading another's task of a case they do not see: 404, like unknown.
    problem(app.get(&format!("/v1/tasks/{t1}"), &bob).await, 404).await;
    problem(app.get(&format!("/v1/tasks/{}", uuid::Uuid::now_v7()), &bob).await, 404).await;
    problem(app.task_action(&bob, t1, "complete").await, 404).await;
    // Admins and integrations do not work tasks: 403 on the collection, 404 on an item.
    problem(app.list_tasks(&admin, "").await, 403).await;
    problem(app.get(&format!("/v1/tasks/{t1}"), &admin).await, 404).await;
    problem(
        app.create_task(&admin, &json!({"title": "x", "due_in_business_days": 1}))
            .await,
        403,
    )
    .await;
    let integration = app.integration_token(&["stats:read"]).await;
    problem(app.list_tasks(&integration, "").await, 403).await;
    let res = app.get(&format!("/v1/tasks/{t1}"), &alice).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["etag"], "\"v1\"");

    // Every filter.
    let q = |s: &str| s.to_owned();
    for (query, expected) in [
        (format!("assignee={alice_id}"), vec![t1, t2]),
        (format!("assignee={bob_id}"), vec![t3]),
        (format!("case_id={case}"), vec![t1]),
        (q("due_before=2026-11-25T00:00:00Z"), vec![t2]),
        (q("status=open"), vec![t1, t2, t3]),
        (q("status=done"), vec![]),
        (q("limit=2"), vec![t1, t2]),
    ] {
        let page = body(app.list_tasks(&sup, &query).await, StatusCode::OK).await;
        assert_eq!(ids(&page), expected, "{query}");
    }
    let page = body(app.list_tasks(&bob, "assignee=me").await, StatusCode::OK).await;
    assert_eq!(ids(&page), [t3]);
    let page = body(app.list_tasks(&sup, "limit=2").await, StatusCode::OK).await;
    let cursor = page["next_cursor"].as_str().unwrap();
    let page = body(
        app.list_tasks(&sup, &format!("limit=2&cursor={cursor}")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(ids(&page), [t3]);
    assert!(page["next_cursor"].is_null());
    let p = problem(app.list_tasks(&sup, "assignee=someone&due_before=tomorrow").await, 422).await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["assignee", "due_before"]);
    problem(app.list_tasks(&sup, "status=later").await, 400).await;

    // Bodies: every missing field named; both due fields refused together; unknown case.
    let p = problem(app.create_task(&alice, &json!({})).await, 422).await;
    let fields: Vec<(&str, &str)> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(fields, [("title", "required"), ("due_at", "required")]);
    let p = problem(
        app.create_task(
            &alice,
            &json!({"title": "x", "due_at": "2026-11-24T09:00:00-07:00", "due_in_business_days": 1}),
        )
        .await,
        422,
    )
    .await;
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["due_at", "due_in_business_days"]);
    // Someone else's case: 404, whatever else is wrong with the body.
    problem(
        app.create_task(&bob, &json!({"title": "x", "case_id": case, "due_in_business_days": 1}))
            .await,
        404,
    )
    .await;
    problem(
        app.create_task(&bob, &json!({"case_id": case, "due_in_business_days": 0}))
            .await,
        404,
    )
    .await;
    let p = problem(
        app.create_task(
            &alice,
            &json!({"title": "x", "due_in_business_days": 1, "kind": "case_review"}),
        )
        .await,
        422,
    )
    .await;
    assert_eq!(p["errors"][0]["code"], "unknown_field");
    problem(
        app.create_task(&alice, &json!({"title": "x", "due_at": "2026-11-24T09:00:00"}))
            .await,
        422,
    )
    .await;

    // The state machine: open → done | cancelled, nothing after.
    let done = body(app.task_action(&alice, t1, "complete").await, StatusCode::OK).await;
    assert_eq!(
        (done["status"].as_str(), done["version"].as_i64()),
        (Some("done"), Some(2))
    );
    assert!(done["closed_at"].is_string());
    problem(app.task_action(&alice, t1, "cancel").await, 409).await;
    problem(app.task_action(&alice, t1, "complete").await, 409).await;
    let cancelled = body(app.task_action(&bob, t3, "cancel").await, StatusCode::OK).await;
    assert_eq!(cancelled["status"], "cancelled");
    let page = body(app.list_tasks(&sup, "status=done").await, StatusCode::OK).await;
    assert_eq!(ids(&page), [t1]);
    let page = body(app.list_tasks(&sup, "status=cancelled").await, StatusCode::OK).await;
    assert_eq!(ids(&page), [t3]);

    // The timeline names the task by id and kind, never by its title.
    let timeline = body(app.list_case_records(&alice, &case, "timeline").await, StatusCode::OK).await;
    let kinds: Vec<&str> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(&kinds[..2], ["task.completed", "task.created"]);
    assert!(!timeline.to_string().contains("Call the client back"));
}

#[tokio::test]
async fn closing_a_case_cancels_its_open_tasks_and_pending_reminders() {
    let app = TestApp::spawn_for_workers().await;
    let (_, _, alice) = app.staff("caseworker").await;
    let case = app.create_adult_case(&alice).await;
    let mut tasks = Vec::new();
    for title in ["One", "Two"] {
        let t = body(
            app.create_task(
                &alice,
                &json!({"case_id": case, "title": title, "due_in_business_days": 1}),
            )
            .await,
            StatusCode::CREATED,
        )
        .await;
        tasks.push(t["id"].as_str().unwrap().to_owned());
    }
    let elsewhere = body(
        app.create_task(&alice, &json!({"title": "Not the case's", "due_in_business_days": 1}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    let res = app
        .transition_case(
            &alice,
            &case,
            &json!({"to": "closed", "close_reason": "resolved"}),
            None,
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    for id in &tasks {
        let t = body(app.get(&format!("/v1/tasks/{id}"), &alice).await, StatusCode::OK).await;
        assert_eq!(t["status"], "cancelled");
    }
    let other = body(
        app.get(&format!("/v1/tasks/{}", elsewhere["id"].as_str().unwrap()), &alice)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(other["status"], "open");
    let reminders: Vec<(String, String)> = sqlx::query_as(
        "SELECT r.status, j.status FROM reminders r JOIN apalis.jobs j ON j.id = r.job_id JOIN tasks t ON t.id = r.task_id
         WHERE t.case_id = $1::uuid",
    )
    .bind(&case)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(reminders.len(), 2);
    assert!(
        reminders.iter().all(|(r, j)| r == "cancelled" && j == "Killed"),
        "{reminders:?}"
    );
    let timeline = body(app.list_case_records(&alice, &case, "timeline").await, StatusCode::OK).await;
    let cancelled = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "task.cancelled")
        .count();
    assert_eq!(cancelled, 2);

    // Nothing fires afterwards: a worker past every due time delivers only the other task's.
    let _worker = app.start_worker(casework_tests::default_start() + jiff::SignedDuration::from_hours(48));
    let elsewhere_id = elsewhere["id"].as_str().unwrap();
    casework_tests::worker_endpoints::eventually(std::time::Duration::from_secs(20), "the other reminder", || async {
        let page = body(app.notifications(&alice, "").await, StatusCode::OK).await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "reminder")
            .then_some(())
    })
    .await;
    let reminders: Vec<Option<uuid::Uuid>> =
        sqlx::query_scalar("SELECT task_id FROM notifications WHERE kind = 'reminder'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(reminders, [Some(elsewhere_id.parse().unwrap())]);
    let timeline = body(app.list_case_records(&alice, &case, "timeline").await, StatusCode::OK).await;
    assert!(!timeline.to_string().contains("reminder.delivered"));
}

#[tokio::test]
async fn jobs_admin_lists_filters_and_refuses() {
    let app = TestApp::spawn().await;
    let (_, _, alice) = app.staff("caseworker").await;
    let (_, _, sup) = app.staff("supervisor").await;
    let admin = app.admin_token().await;
    for _ in 0..2 {
        body(
            app.create_task(&alice, &json!({"title": "x", "due_in_business_days": 1}))
                .await,
            StatusCode::CREATED,
        )
        .await;
    }
    problem(app.jobs(&alice, "").await, 403).await;
    let page = body(app.jobs(&sup, "queue=reminder&status=pending").await, StatusCode::OK).await;
    let jobs = page["items"].as_array().unwrap();
    assert_eq!(jobs.len(), 2);
    for j in jobs {
        assert_eq!(
            (j["queue"].as_str(), j["status"].as_str(), j["attempts"].as_i64()),
            (Some("reminder"), Some("pending"), Some(0))
        );
        assert!(j["run_at"].is_string() && j.get("job").is_none());
    }
    let page = body(app.jobs(&admin, "queue=order_compliance").await, StatusCode::OK).await;
    assert!(page["items"].as_array().unwrap().is_empty());
    problem(app.jobs(&admin, "queue=nope").await, 422).await;
    let id = jobs[0]["id"].as_str().unwrap();
    // Supervisors read; only admins act.
    problem(app.post_empty(&sup, &format!("/v1/jobs/{id}/cancel")).await, 403).await;
    problem(app.post_empty(&admin, &format!("/v1/jobs/{id}/retry")).await, 409).await;
    let j = body(
        app.post_empty(&admin, &format!("/v1/jobs/{id}/cancel")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(j["status"], "killed");
    problem(app.post_empty(&admin, &format!("/v1/jobs/{id}/cancel")).await, 409).await;
    let j = body(
        app.post_empty(&admin, &format!("/v1/jobs/{id}/retry")).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(
        (j["status"].as_str(), j["attempts"].as_i64()),
        (Some("pending"), Some(0))
    );
    problem(
        app.post_empty(&admin, "/v1/jobs/01JZZZZZZZZZZZZZZZZZZZZZZZ/retry")
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn notifications_are_the_callers_own() {
    let app = TestApp::spawn().await;
    let (alice_id, _, alice) = app.staff("caseworker").await;
    let (_, _, bob) = app.staff("caseworker").await;
    // Notifications are written by the worker; here two are put in place directly.
    let ids: Vec<uuid::Uuid> = (0..2).map(|_| uuid::Uuid::now_v7()).collect();
    for id in &ids {
        sqlx::query("INSERT INTO notifications (id, recipient, kind, data, created_at) VALUES ($1, $2::uuid, 'digest', '{}', now())")
            .bind(id)
            .bind(&alice_id)
            .execute(&app.pool)
            .await
            .unwrap();
    }
    let page = body(app.notifications(&alice, "unread=true").await, StatusCode::OK).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let page = body(app.notifications(&bob, "").await, StatusCode::OK).await;
    assert!(page["items"].as_array().unwrap().is_empty());
    problem(
        app.post_empty(&bob, &format!("/v1/notifications/{}/read", ids[0]))
            .await,
        404,
    )
    .await;
    let n = body(
        app.post_empty(&alice, &format!("/v1/notifications/{}/read", ids[0]))
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(n["read_at"].is_string());
    let again = body(
        app.post_empty(&alice, &format!("/v1/notifications/{}/read", ids[0]))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(again["read_at"], n["read_at"]);
    let unread = body(app.notifications(&alice, "unread=true").await, StatusCode::OK).await;
    assert_eq!(unread["items"][0]["id"], ids[1].to_string());
    assert_eq!(unread["items"].as_array().unwrap().len(), 1);
    let read = body(app.notifications(&alice, "unread=false").await, StatusCode::OK).await;
    assert_eq!(read["items"][0]["id"], ids[0].to_string());
    let integration = app.integration_token(&["stats:read"]).await;
    problem(app.notifications(&integration, "").await, 403).await;
}

#[tokio::test]
async fn escalations_reach_every_supervisor_once() {
    let app = TestApp::spawn().await;
    let (_, _, sup1) = app.staff("supervisor").await;
    let (_, _, sup2) = app.staff("supervisor").await;
    let (_, _, alice) = app.staff("caseworker").await;
    let data = json!({"max_exposure_cents": 1_000_000});
    for _ in 0..2 {
        let mut conn = app.pool.acquire().await.unwrap();
        casework_domain::notification::notify_supervisors(
            &mut conn,
            casework_domain::notification::NotificationKind::Escalation,
            None,
            None,
            &data,
            "escalation:test:week-1",
            app.clock.ts(),
        )
        .await
        .unwrap();
    }
    for token in [&sup1, &sup2] {
        let page = body(app.notifications(token, "").await, StatusCode::OK).await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{page}");
        assert_eq!(
            (items[0]["kind"].as_str(), &items[0]["data"]),
            (Some("escalation"), &data)
        );
    }
    let page = body(app.notifications(&alice, "").await, StatusCode::OK).await;
    assert!(page["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn task_posts_honour_idempotency_keys_and_if_match() {
    let app = TestApp::spawn().await;
    let (_, _, alice) = app.staff("caseworker").await;
    let (_, _, bob) = app.staff("caseworker").await;
    let case = app.create_adult_case(&alice).await;
    let new = json!({"case_id": case, "title": "Call", "due_in_business_days": 1});
    let send = |token: &str, body: &Value| {
        app.client
            .post(app.url("/v1/tasks"))
            .bearer_auth(token)
            .header("Idempotency-Key", "task-1")
            .json(body)
            .send()
    };
    let first = body(send(&alice, &new).await.unwrap(), StatusCode::CREATED).await;
    let res = send(&alice, &new).await.unwrap();
    assert_eq!(res.headers()["idempotent-replayed"], "true");
    let again = body(res, StatusCode::CREATED).await;
    assert_eq!(again["id"], first["id"]);
    problem(
        send(&alice, &json!({"title": "Other", "due_in_business_days": 1}))
            .await
            .unwrap(),
        422,
    )
    .await;
    // One task, one reminder, one job.
    let page = body(app.list_tasks(&alice, "").await, StatusCode::OK).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let jobs: i64 = sqlx::query_scalar("SELECT count(*) FROM apalis.jobs WHERE job_type = 'reminder'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(jobs, 1);
    // Another caller's key is their own: Bob cannot see the case, so it is 404 to him.
    problem(send(&bob, &new).await.unwrap(), 404).await;

    let id = first["id"].as_str().unwrap();
    let complete = |tag: &str| {
        app.client
            .post(app.url(&format!("/v1/tasks/{id}/complete")))
            .bearer_auth(&alice)
            .header("If-Match", tag)
            .send()
    };
    problem(complete("\"v9\"").await.unwrap(), 412).await;
    let done = body(complete("\"v1\"").await.unwrap(), StatusCode::OK).await;
    assert_eq!(done["status"], "done");
}

#[tokio::test]
async fn a_case_task_goes_only_to_someone_who_sees_the_case() {
    // Before: Alice could give Bob a task on her case, and Bob then read its title and
    // case id while the case itself was 404 to him.
    let app = TestApp::spawn().await;
    let (_, _, alice) = app.staff("caseworker").await;
    let (bob_id, _, bob) = app.staff("caseworker").await;
    let (sup_id, _, _) = app.staff("supervisor").await;
    let case = app.create_adult_case(&alice).await;
    let body_for = |assignee: &str| json!({"case_id": case, "title": "Call back", "assignee": assignee, "due_in_business_days": 1});
    let p = problem(app.create_task(&alice, &body_for(&bob_id)).await, 422).await;
    assert_eq!(
        casework_tests::field_errors(&p),
        casework_tests::pairs(&[("assignee", "assignee_cannot_see_case")])
    );
    assert_eq!(
        ids(&body(app.list_tasks(&bob, "").await, StatusCode::OK).await).len(),
        0
    );
    // A supervisor sees every case, so may hold its tasks.
    body(app.create_task(&alice, &body_for(&sup_id)).await, StatusCode::CREATED).await;
}

#[tokio::test]
async fn a_removed_collaborator_hands_the_case_tasks_to_the_primary() {
    // Before: a collaborator removed from a case kept reading and completing its tasks.
    let app = TestApp::spawn().await;
    let (alice_id, _, alice) = app.staff("caseworker").await;
    let (bob_id, _, bob) = app.staff("caseworker").await;
    let (_, _, sup) = app.staff("supervisor").await;
    let case = app.create_adult_case(&alice).await;
    let res = app
        .assign_case(&sup, &case, &json!({"primary": alice_id, "collaborators": [bob_id]}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let task = body(
        app.create_task(
            &alice,
            &json!({"case_id": case, "title": "Call back", "assignee": bob_id, "due_in_business_days": 1}),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let id = task["id"].as_str().unwrap();
    // A task of Bob's own, about no case, stays his.
    let own = body(
        app.create_task(&bob, &json!({"title": "Training", "due_in_business_days": 1}))
            .await,
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(
        ids(&body(app.list_tasks(&bob, "").await, StatusCode::OK).await),
        [id, own["id"].as_str().unwrap()]
    );

    let res = app
        .assign_case(&sup, &case, &json!({"primary": alice_id, "collaborators": []}))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    // Bob sees none of the case's tasks any more: list, get, complete, cancel.
    assert_eq!(
        ids(&body(app.list_tasks(&bob, "").await, StatusCode::OK).await),
        [own["id"].as_str().unwrap()]
    );
    problem(app.get(&format!("/v1/tasks/{id}"), &bob).await, 404).await;
    problem(app.task_action(&bob, id, "complete").await, 404).await;
    problem(app.task_action(&bob, id, "cancel").await, 404).await;
    // The primary holds it now, and the timeline says so.
    let moved = body(app.get(&format!("/v1/tasks/{id}"), &alice).await, StatusCode::OK).await;
    assert_eq!(moved["assignee"], alice_id.as_str());
    assert_eq!(moved["status"], "open");
    let timeline = body(
        app.get(&format!("/v1/cases/{case}/timeline"), &alice).await,
        StatusCode::OK,
    )
    .await;
    let reassigned: Vec<&Value> = timeline["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "task.reassigned" || e["type"] == "task.reassigned")
        .collect();
    assert_eq!(reassigned.len(), 1, "{timeline}");
    // Its reminder follows it.
    let (recipient,): (uuid::Uuid,) = sqlx::query_as("SELECT recipient FROM reminders WHERE task_id = $1")
        .bind(id.parse::<uuid::Uuid>().unwrap())
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(recipient.to_string(), alice_id);
}
