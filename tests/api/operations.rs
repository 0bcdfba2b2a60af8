//! Running it: health, readiness, metrics, migrations under concurrency, the bootstrap
//! admin, database outages, and the worker.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use casework_api::startup::{prepare_database, prepare_database_when_reachable};
use casework_domain::{Clock, db};
use casework_tests::{ADMIN_EMAIL, TestApp, TestDb, default_start, problem, settings_for_database};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::{
    io::copy_bidirectional,
    net::{TcpListener, TcpStream},
    sync::watch,
};

#[tokio::test]
async fn health_readiness_and_metrics() {
    let app = TestApp::spawn().await;
    let res = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let res = app.client.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "ready");
    app.client.get(app.url("/v1/me")).send().await.unwrap();
    let res = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let text = res.text().await.unwrap();
    assert!(text.contains("# TYPE casework_http_requests_total counter"));
    assert!(
        text.contains(r#"casework_http_requests_total{method="GET",route="/v1/me",status="401"} 1"#),
        "{text}"
    );
    assert!(text.contains("casework_http_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn replicas_starting_together_migrate_once() {
    let db = TestDb::new().await;
    let settings = settings_for_database(&db.url);
    let clock = Clock::fixed(default_start());
    let (a, b, c) = tokio::join!(
        prepare_database(&settings, &clock),
        prepare_database(&settings, &clock),
        prepare_database(&settings, &clock)
    );
    a.unwrap();
    b.unwrap();
    c.unwrap();
    let pool = db::pool(db::options(&db.url).unwrap(), 1, Duration::from_secs(5));
    assert!(db::migrations_applied(&pool).await.unwrap());
    let keys: i64 = sqlx::query_scalar("SELECT count(*) FROM signing_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(keys, 1, "one signing key, not one per replica");
    pool.close().await;
}

#[tokio::test]
async fn the_database_is_created_when_missing() {
    let name = format!("casework_test_{}", uuid::Uuid::now_v7().simple());
    let admin = casework_tests::admin_url();
    let url = format!("{}/{name}", admin.rsplit_once('/').unwrap().0);
    let settings = settings_for_database(&url);
    prepare_database(&settings, &Clock::fixed(default_start()))
        .await
        .unwrap();
    // Hand it to TestDb so it is dropped.
    let db = TestDb { name, url, admin };
    let pool = db::pool(db::options(&db.url).unwrap(), 1, Duration::from_secs(5));
    assert!(db::migrations_applied(&pool).await.unwrap());
    pool.close().await;
}

#[tokio::test]
async fn the_bootstrap_admin_is_created_once() {
    let app = TestApp::spawn().await;
    prepare_database(&app.settings, &app.clock).await.unwrap();
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM users WHERE role = 'admin'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    app.sign_in(ADMIN_EMAIL, casework_tests::ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn a_weak_bootstrap_password_stops_the_start() {
    let db = TestDb::new().await;
    let mut settings = settings_for_database(&db.url);
    settings.bootstrap_admin_email = Some("admin@example.org".into());
    settings.bootstrap_admin_password = Some(casework_api::config::Secret("short".into()));
    let err = prepare_database(&settings, &Clock::fixed(default_start()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("BOOTSTRAP_ADMIN_PASSWORD"), "{err}");
}

/// A TCP relay to PostgreSQL that a test can cut and restore.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
    open: Arc<AtomicUsize>,
    /// Connections turned away while down.
    refused: Arc<AtomicUsize>,
}

impl Relay {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = watch::channel(0u64);
        let open = Arc::new(AtomicUsize::new(0));
        let refused = Arc::new(AtomicUsize::new(0));
        let (up2, cut2, open2, refused2) = (up.clone(), cut.clone(), open.clone(), refused.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    refused2.fetch_add(1, Ordering::SeqCst);
                    continue;
                }
                let mut rx = cut2.subscribe();
                let open = open2.clone();
                open.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect("127.0.0.1:5432").await {
                        tokio::select! {
                            _ = copy_bidirectional(&mut inbound, &mut outbound) => {}
                            _ = rx.changed() => {}
                        }
                    }
                    // Both sockets are closed when this task ends.
                    drop(inbound);
                    open.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Self {
            port,
            up,
            cut,
            open,
            refused,
        }
    }

    /// Cuts or restores the link; a cut returns once every relayed connection is closed.
    async fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
        if !up {
            self.cut.send_modify(|n| *n += 1);
            for _ in 0..500 {
                if self.open.load(Ordering::SeqCst) == 0 {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            panic!("relayed connections did not close");
        }
    }
}

#[tokio::test]
async fn database_outage_gives_503_and_recovers_without_restart() {
    let relay = Relay::start().await;
    let db = TestDb::new().await;
    let via_relay = db.url.replace(":5432/", &format!(":{}/", relay.port));
    let app = TestApp::spawn_with(|s| s.database_url = via_relay.clone()).await;
    let admin = app.admin_token().await;
    assert_eq!(app.get("/v1/me", &admin).await.status(), StatusCode::OK);

    relay.set_up(false).await;
    let res = app.get("/v1/me", &admin).await;
    assert_eq!(
        res.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned()),
        Some("5".to_owned()),
        "{:?}",
        res.status()
    );
    let body = problem(res, 503).await;
    assert_eq!(body["type"], "/problems/service-unavailable");
    assert_eq!(
        app.client.get(app.url("/readyz")).send().await.unwrap().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        app.client.get(app.url("/healthz")).send().await.unwrap().status(),
        StatusCode::OK,
        "alive while the database is away"
    );
    let res = app.password_grant(ADMIN_EMAIL, casework_tests::ADMIN_PASSWORD).await;
    problem(res, 503).await;

    relay.set_up(true).await;
    assert_eq!(app.get("/v1/me", &admin).await.status(), StatusCode::OK);
    assert_eq!(
        app.client.get(app.url("/readyz")).send().await.unwrap().status(),
        StatusCode::OK
    );
    drop(db);
}

#[tokio::test]
async fn the_worker_registers_runs_housekeeping_and_stops_cleanly() {
    use apalis::prelude::TaskSink;
    let app = TestApp::spawn().await;
    let old = app.clock.ts().plus(jiff::SignedDuration::from_hours(-30));
    sqlx::query("INSERT INTO idempotency_keys (caller, key, request_hash, response_status, response_body, created_at) VALUES ('user:x', 'old', '\\x00', 201, '\\x7b7d', $1), ('user:x', 'new', '\\x00', 201, '\\x7b7d', $2)")
        .bind(old)
        .bind(app.clock.ts())
        .execute(&app.pool)
        .await
        .unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let config = casework_worker::WorkerConfig::default();
    let worker = tokio::spawn(casework_worker::run(
        app.pool.clone(),
        app.clock.clone(),
        config.clone(),
        async move {
            let _ = stop_rx.await;
        },
    ));
    let mut storage = casework_worker::storage::<casework_domain::jobs::Housekeeping>(&app.pool, &config);
    storage
        .push(casework_domain::jobs::Housekeeping { reason: "test".into() })
        .await
        .unwrap();
    // Wait for the effect (bounded), not for a fixed time.
    let mut remaining = i64::MAX;
    for _ in 0..200 {
        remaining = sqlx::query_scalar("SELECT count(*) FROM idempotency_keys")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if remaining == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(remaining, 1, "the expired record is purged, the fresh one kept");
    let workers: i64 = sqlx::query_scalar("SELECT count(*) FROM apalis.workers")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(workers >= 1, "the worker registered itself");
    stop_tx.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), worker)
        .await
        .expect("worker stops within its shutdown timeout")
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn the_api_waits_for_the_database_at_start_but_not_forever() {
    let relay = Relay::start().await;
    relay.set_up(false).await;
    let db = TestDb::new().await;
    let via_relay = db.url.replace(":5432/", &format!(":{}/", relay.port));

    // Not reachable and no patience: a clear error, quickly.
    let mut settings = settings_for_database(&via_relay);
    settings.db_startup_timeout_secs = 0;
    let clock = Clock::fixed(default_start());
    let err = prepare_database_when_reachable(&settings, &clock).await.unwrap_err();
    assert!(format!("{err:#}").contains("connect"), "{err:#}");

    // With patience: it keeps trying while the database is away, and succeeds once it is back.
    settings.db_startup_timeout_secs = 60;
    let refused_before = relay.refused.load(Ordering::SeqCst);
    let task = tokio::spawn(async move { prepare_database_when_reachable(&settings, &clock).await });
    for _ in 0..500 {
        if relay.refused.load(Ordering::SeqCst) > refused_before + 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        relay.refused.load(Ordering::SeqCst) > refused_before + 1,
        "it tried to connect"
    );
    assert!(!task.is_finished(), "still waiting, not failed");
    relay.set_up(true).await;
    tokio::time::timeout(Duration::from_secs(30), task)
        .await
        .expect("finishes once reachable")
        .unwrap()
        .unwrap();
    let pool = db::pool(db::options(&db.url).unwrap(), 1, Duration::from_secs(5));
    assert!(db::migrations_applied(&pool).await.unwrap());
    pool.close().await;
}
