//! Helpers for tasks, notifications and jobs on [`TestApp`], and real `casework-worker`
//! processes started against the test's database.
//!
//! The worker tests run the built `casework-worker` binary, never an in-process copy: it
//! is what gets SIGKILLed and SIGTERMed. Before the first start, the helper runs
//! `cargo build -p casework-tests -p casework-worker --bin casework-worker` once per test binary (a no-op
//! taking about a second when it is up to date), so the binary is never stale even when
//! only `cargo test -p casework-tests` was run; it lands next to the test binary's
//! `deps/` directory (`target/debug/casework-worker`), where the helper takes it from.
//! Without `cargo` on the path (`CARGO` unset), an existing binary there is used as is.

use std::{
    path::PathBuf,
    process::{Child, Command, ExitStatus, Stdio},
    sync::OnceLock,
    time::{Duration, Instant},
};

use reqwest::Response;
use serde_json::Value;

use crate::TestApp;

impl TestApp {
    /// [`TestApp::spawn`] for a test that starts worker processes: the binary is built (if
    /// needed) first, so no HTTP connection of the test sits idle through a build.
    pub async fn spawn_for_workers() -> Self {
        worker_binary();
        Self::spawn().await
    }

    /// `POST /v1/tasks`.
    pub async fn create_task(&self, token: &str, body: &Value) -> Response {
        self.post_json("/v1/tasks", token, body).await
    }

    /// `GET /v1/tasks?<query>`.
    pub async fn list_tasks(&self, token: &str, query: &str) -> Response {
        self.get(&format!("/v1/tasks?{query}"), token).await
    }

    /// `POST /v1/tasks/{id}/<action>` (complete, cancel).
    pub async fn task_action(&self, token: &str, id: &str, action: &str) -> Response {
        self.client
            .post(self.url(&format!("/v1/tasks/{id}/{action}")))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// `GET /v1/notifications?<query>`.
    pub async fn notifications(&self, token: &str, query: &str) -> Response {
        self.get(&format!("/v1/notifications?{query}"), token).await
    }

    /// `GET /v1/jobs?<query>`.
    pub async fn jobs(&self, token: &str, query: &str) -> Response {
        self.get(&format!("/v1/jobs?{query}"), token).await
    }

    /// `POST /v1/<path>` without a body.
    pub async fn post_empty(&self, token: &str, path: &str) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    /// Starts a `casework-worker` process on this test's database with its service clock
    /// starting at `clock_start`, tuned for tests (fast polls, heartbeats and backoff).
    #[must_use]
    pub fn start_worker(&self, clock_start: jiff::Timestamp) -> WorkerProcess {
        self.start_worker_with(clock_start, &[])
    }

    /// Like [`TestApp::start_worker`], with extra environment (knobs).
    ///
    /// # Panics
    /// When the binary cannot be built or started.
    #[must_use]
    pub fn start_worker_with(&self, clock_start: jiff::Timestamp, env: &[(&str, &str)]) -> WorkerProcess {
        let logs = std::env::var_os("TEST_LOG").is_some();
        let mut cmd = Command::new(worker_binary());
        cmd.env("DATABASE_URL", &self.db.url)
            .env("CASEWORK_KEYRING", crate::KEYRING)
            .env("CASEWORK_CLOCK_START", clock_start.to_string())
            .env("CASEWORK_LOG_FORMAT", "pretty")
            .env("RUST_LOG", if logs { "info" } else { "error" })
            .env("CASEWORK_POLL_INTERVAL_MS", "200")
            .env("CASEWORK_HEARTBEAT_SECS", "1")
            .env("CASEWORK_MISSED_HEARTBEATS", "3")
            .env("CASEWORK_JOB_BACKOFF_BASE_MS", "300")
            .env("CASEWORK_MAX_DEFER_SECS", "1")
            .env("CASEWORK_SWEEP_TICK_SECS", "1")
            .env("CASEWORK_SHUTDOWN_TIMEOUT_SECS", "10")
            .stdin(Stdio::null())
            .stdout(if logs { Stdio::inherit() } else { Stdio::null() })
            .stderr(if logs { Stdio::inherit() } else { Stdio::null() });
        for (k, v) in env {
            cmd.env(k, v);
        }
        WorkerProcess {
            child: cmd.spawn().expect("start casework-worker"),
        }
    }
}

/// A running `casework-worker`; killed when dropped.
pub struct WorkerProcess {
    child: Child,
}

impl WorkerProcess {
    /// SIGKILL: no chance to finish anything.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits (bounded) for the exit status.
    ///
    /// # Panics
    /// When the process does not exit within `timeout`.
    pub fn terminate(&mut self, timeout: Duration) -> ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(status.success(), "sent SIGTERM");
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "the worker did not stop within {timeout:?}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The `casework-worker` binary of this build (built once per test binary).
fn worker_binary() -> PathBuf {
    binary("casework-worker")
}

/// The path of one of the workspace's binaries (`casework-api`, `casework-worker`), both
/// built (once per test process) when the tests run under cargo.
///
/// # Panics
/// When the binaries cannot be built.
#[must_use]
pub fn binary(name: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("test binary path");
        // target/debug/deps/api-<hash> → target/debug/casework-worker
        let dir = exe
            .parent()
            .and_then(|deps| deps.parent())
            .expect("target directory")
            .to_path_buf();
        if let Ok(cargo) = std::env::var("CARGO") {
            let workspace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
            let mut build = Command::new(cargo);
            // Variables cargo set for this test run (CARGO_PKG_*, CARGO_MANIFEST_DIR, ...)
            // would otherwise make the nested build look different and rebuild crates.
            for (k, _) in std::env::vars_os() {
                let k = k.to_string_lossy().into_owned();
                if (k.starts_with("CARGO_") || k.starts_with("__CARGO"))
                    && !matches!(k.as_str(), "CARGO_HOME" | "CARGO_TARGET_DIR" | "CARGO_BUILD_TARGET_DIR")
                {
                    build.env_remove(k);
                }
            }
            let status = build
                .current_dir(workspace)
                .args([
                    "build",
                    "--quiet",
                    // With the tests package selected too, features resolve as for the test build,
                    // so nothing is rebuilt twice.
                    "-p",
                    "casework-tests",
                    "-p",
                    "casework-worker",
                    "-p",
                    "casework-api",
                    "--bin",
                    "casework-worker",
                    "--bin",
                    "casework-api",
                ])
                .status()
                .expect("run cargo build");
            assert!(status.success(), "cargo build of the binaries failed");
        }
        dir
    });
    let bin = dir.join(name);
    assert!(bin.exists(), "{} is missing: run cargo build", bin.display());
    bin
}

/// Polls `probe` every 100 ms until it returns `Some`, for at most `deadline`.
///
/// # Panics
/// When the deadline passes; the message names `what`.
pub async fn eventually<T, F, Fut>(deadline: Duration, what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let end = Instant::now() + deadline;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < end, "timed out after {deadline:?} waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
