//! Helpers for tasks, notifications and jobs on [`TestApp`], and real `casework-worker`
//! processes started against the test's database.
//!
//! The worker tests run the built `casework-worker` binary, never an in-process copy: it
//! is what gets SIGKILLed and SIGTERMed ([`crate::processes::binary`] builds it once per
//! test binary). Its output is captured ([`WorkerProcess::output`]).

use std::{
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use reqwest::Response;
use serde_json::Value;

use crate::{
    TestApp,
    processes::{Output, binary},
};

impl TestApp {
    /// [`TestApp::spawn`] for a test that starts worker processes: the binary is built (if
    /// needed) first, so no HTTP connection of the test sits idle through a build.
    pub async fn spawn_for_workers() -> Self {
        let _ = binary("casework-worker");
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
        let mut cmd = Command::new(binary("casework-worker"));
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
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start casework-worker");
        let output = Output::default();
        output.capture(&mut child);
        WorkerProcess { child, output }
    }
}

/// A running `casework-worker`; killed when dropped.
pub struct WorkerProcess {
    child: Child,
    output: Output,
}

impl WorkerProcess {
    /// What the process wrote so far.
    #[must_use]
    pub fn output(&self) -> String {
        self.output.text()
    }

    /// Whether the process is still running (it has not exited).
    ///
    /// # Panics
    /// When its status cannot be read.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("try_wait").is_none()
    }

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
