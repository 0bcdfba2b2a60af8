//! Password hashing cannot exhaust memory: the real `casework-api` process, its resident
//! memory read from the kernel, under 200 concurrent sign-ins from 20 client addresses.
//!
//! Before: each Argon2id check held ~19 MiB and nothing bounded how many ran at once;
//! thirty concurrent wrong sign-ins took the process from 41 MB to 295 MB resident. The
//! server runs as its own process here (not inside the test binary, where the memory of
//! every other test would be counted), and `VmHWM` is its peak resident set size.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use casework_tests::{ADMIN_EMAIL, KEYRING, TestDb, processes::binary};
use reqwest::StatusCode;

/// The server process; killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A field of `/proc/<pid>/status` in KiB (`VmHWM`, `VmRSS`).
fn proc_kib(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("{field} in /proc/{pid}/status"))
}

#[tokio::test]
async fn two_hundred_concurrent_sign_ins_stay_under_100_mib_resident() {
    let db = TestDb::new().await;
    let mut child = Command::new(binary("casework-api"))
        .env("DATABASE_URL", &db.url)
        .env("CASEWORK_KEYRING", KEYRING)
        .env("CASEWORK_LISTEN", "127.0.0.1:0")
        .env("CASEWORK_LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .env("CASEWORK_TRUSTED_PROXIES", "127.0.0.1")
        // Two checks at once (one per core of a 2-core host), whatever cores this
        // machine has, so the bound measured is the same everywhere.
        .env("CASEWORK_ARGON2_THREADS", "2")
        // Every request must reach the password check, not the per-address rate limit.
        .env("CASEWORK_TOKEN_RATE_LIMIT", "100000")
        .env("CASEWORK_DB_ACQUIRE_TIMEOUT_SECS", "30")
        .env("BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("BOOTSTRAP_ADMIN_PASSWORD", "the admin's password")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    // The port comes from the "listening" log line; the rest of the output is drained so
    // the server never blocks on a full pipe.
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let v: serde_json::Value = serde_json::from_str(&line).unwrap_or_default();
            if v["message"] == "listening" {
                let _ = tx.send(v["port"].as_u64());
            }
        }
    });
    let port = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the server starts")
        .expect("port");
    let url = format!("http://127.0.0.1:{port}/v1/auth/token");
    let pid = server.0.id();
    let before = proc_kib(pid, "VmRSS");

    let client = reqwest::Client::new();
    let attempts = (0..200).map(|i| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let res = client
                .post(&url)
                .header("X-Forwarded-For", format!("198.51.100.{}", i % 20))
                .form(&[
                    ("grant_type", "password"),
                    // An unknown account costs the same check as a wrong password, and
                    // is never locked out.
                    ("username", if i % 2 == 0 { ADMIN_EMAIL } else { "nobody@example.org" }),
                    ("password", "a wrong guess, every time"),
                ])
                .send()
                .await
                .unwrap();
            (res.status(), res.headers().contains_key("retry-after"))
        }
    });
    let answers = futures::future::join_all(attempts).await;

    let peak_kib = proc_kib(pid, "VmHWM");
    let after = proc_kib(pid, "VmRSS");
    // Each is refused as a wrong password (or a locked-out address), or told to come back.
    let mut refused = 0;
    for (status, retry_after) in &answers {
        match *status {
            StatusCode::BAD_REQUEST => refused += 1,
            StatusCode::SERVICE_UNAVAILABLE => assert!(retry_after, "503 carries Retry-After"),
            other => panic!("unexpected {other}"),
        }
    }
    assert!(refused >= 20, "most attempts were checked: {answers:?}");
    eprintln!("casework-api resident: {before} KiB before, peak {peak_kib} KiB, {after} KiB after");
    assert!(
        peak_kib < 100 * 1024,
        "peak resident {peak_kib} KiB (before {before} KiB, after {after} KiB)"
    );
    // And it still serves.
    let health = client
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    drop(server);
}
