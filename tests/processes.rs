//! Real processes for the fault-tolerance tests: the built `casework-api` and
//! `casework-worker` binaries with their output captured, and a private PostgreSQL cluster
//! that a test may stop and start at will.
//!
//! The machine's shared PostgreSQL (`CASEWORK_TEST_DATABASE_URL`) is never stopped: other
//! test runs use it at the same time. A test that restarts its database starts its own
//! cluster ([`PgCluster`]) with `initdb` and `pg_ctl` in a temporary directory, on a free
//! port, and removes it afterwards, also when the test panics.

use std::{
    io::Read,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

use casework_domain::Clock;
use reqwest::Client;

use crate::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, TestDb, default_start};

/// The built binary `name` (`casework-api` or `casework-worker`) of this build.
///
/// Before the first use, `cargo build` of both binaries runs once per test binary (a no-op
/// taking about a second when they are up to date), so a binary is never stale even when
/// only `cargo test -p casework-tests` was run; they land next to the test binary's `deps/`
/// directory (`target/debug/`), where they are taken from. Without `cargo` on the path
/// (`CARGO` unset), existing binaries there are used as they are.
///
/// # Panics
/// When the build fails or the binary is missing.
#[must_use]
pub fn binary(name: &str) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("test binary path");
        // target/debug/deps/api-<hash> → target/debug
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
                    // With the tests package selected too, features resolve as for the test
                    // build, so nothing is rebuilt twice.
                    "-p",
                    "casework-tests",
                    "-p",
                    "casework-api",
                    "-p",
                    "casework-worker",
                    "--bin",
                    "casework-api",
                    "--bin",
                    "casework-worker",
                ])
                .status()
                .expect("run cargo build");
            assert!(
                status.success(),
                "cargo build of casework-api and casework-worker failed"
            );
        }
        dir
    });
    let bin = dir.join(name);
    assert!(
        bin.exists(),
        "{} is missing: run cargo build --bin {name}",
        bin.display()
    );
    bin
}

/// Everything a process wrote to stdout and stderr so far (with `TEST_LOG` set, also
/// echoed to the test's stderr).
#[derive(Clone, Default)]
pub struct Output(Arc<Mutex<Vec<u8>>>);

impl Output {
    /// The output so far, as text.
    ///
    /// # Panics
    /// When a reader thread panicked while holding the buffer.
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().expect("output buffer")).into_owned()
    }

    /// Starts copying the child's stdout and stderr into this buffer.
    pub(crate) fn capture(&self, child: &mut Child) {
        let echo = std::env::var_os("TEST_LOG").is_some();
        let streams: [Option<Box<dyn Read + Send>>; 2] = [
            child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
            child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>),
        ];
        for mut stream in streams.into_iter().flatten() {
            let buf = self.0.clone();
            std::thread::spawn(move || {
                let mut chunk = [0u8; 8192];
                while let Ok(n) = stream.read(&mut chunk) {
                    if n == 0 {
                        break;
                    }
                    if echo {
                        eprint!("{}", String::from_utf8_lossy(&chunk[..n]));
                    }
                    if let Ok(mut b) = buf.lock() {
                        b.extend_from_slice(&chunk[..n]);
                    }
                }
            });
        }
    }
}

/// A running `casework-api`; killed when dropped.
pub struct ApiProcess {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub addr: String,
    output: Output,
}

impl ApiProcess {
    /// Starts `casework-api <args>` on `database_url` (JSON logs, `RUST_LOG=info` unless
    /// `env` says otherwise, the service clock starting at [`default_start`], the test
    /// admin bootstrapped) and waits until it listens.
    ///
    /// # Panics
    /// When it does not start listening within a minute.
    #[must_use]
    pub fn start(database_url: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(binary("casework-api"));
        cmd.args(args)
            .env("DATABASE_URL", database_url)
            .env("CASEWORK_KEYRING", crate::KEYRING)
            .env("CASEWORK_LISTEN", "127.0.0.1:0")
            .env("CASEWORK_LOG_FORMAT", "json")
            .env("RUST_LOG", "info")
            .env("CASEWORK_CLOCK_START", default_start().to_string())
            .env("BOOTSTRAP_ADMIN_EMAIL", ADMIN_EMAIL)
            .env("BOOTSTRAP_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("CASEWORK_TOKEN_RATE_LIMIT", "1000")
            .env("CASEWORK_DB_ACQUIRE_TIMEOUT_SECS", "2")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("start casework-api");
        let output = Output::default();
        output.capture(&mut child);
        let deadline = Instant::now() + Duration::from_secs(60);
        let port = loop {
            if let Some(port) = listening_port(&output.text()) {
                break port;
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("casework-api exited ({status}) before listening:\n{}", output.text());
            }
            assert!(
                Instant::now() < deadline,
                "casework-api did not listen within a minute:\n{}",
                output.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        Self {
            child,
            addr: format!("http://127.0.0.1:{port}"),
            output,
        }
    }

    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.addr)
    }

    /// What the process wrote so far.
    #[must_use]
    pub fn output(&self) -> String {
        self.output.text()
    }

    /// SIGKILL, and waits for the exit.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ApiProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The port of the `listening` line of a JSON log.
fn listening_port(log: &str) -> Option<u16> {
    log.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|l| l["message"] == "listening")
        .and_then(|l| l["port"].as_u64())
        .and_then(|p| u16::try_from(p).ok())
}

impl TestApp {
    /// A test app whose server is a real `casework-api <args>` process (see
    /// [`ApiProcess::start`]) on a fresh database of the server at `admin_url`; the
    /// helpers of `TestApp` talk to that process.
    ///
    /// # Panics
    /// When the database cannot be created or the process does not start.
    pub async fn spawn_process(admin_url: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        let db = TestDb::on(admin_url).await;
        let url = db.url.clone();
        let args: Vec<String> = args.iter().map(|&a| a.to_owned()).collect();
        let env: Vec<(String, String)> = env.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())).collect();
        let api = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            ApiProcess::start(&url, &args, &env)
        })
        .await
        .expect("casework-api started");
        let mut settings = casework_api::Settings::for_database(&db.url);
        settings.bootstrap_admin_email = Some(ADMIN_EMAIL.into());
        settings.bootstrap_admin_password = Some(casework_api::config::Secret(ADMIN_PASSWORD.into()));
        let pool = casework_domain::db::pool(
            casework_domain::db::options(&db.url).expect("database URL"),
            2,
            Duration::from_secs(5),
        );
        Self {
            addr: api.addr.clone(),
            client: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            clock: Clock::fixed(default_start()),
            settings,
            pool,
            handle: None,
            api: Some(api),
            db,
        }
    }

    /// Another `casework-api` process on this test's database.
    ///
    /// # Panics
    /// When it does not start.
    pub async fn start_api(&self, args: &[&str], env: &[(&str, &str)]) -> ApiProcess {
        let url = self.db.url.clone();
        let args: Vec<String> = args.iter().map(|&a| a.to_owned()).collect();
        let env: Vec<(String, String)> = env.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())).collect();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            ApiProcess::start(&url, &args, &env)
        })
        .await
        .expect("casework-api started")
    }
}

/// A private PostgreSQL cluster in a temporary directory, on a free port of 127.0.0.1 with
/// trust authentication and its socket in that directory; stopped and removed when
/// dropped. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user
/// (through `runuser`).
pub struct PgCluster {
    dir: PathBuf,
    bindir: PathBuf,
    port: u16,
    as_postgres: bool,
}

impl PgCluster {
    /// `initdb` and start.
    ///
    /// # Panics
    /// When the PostgreSQL binaries are missing or the cluster does not start.
    #[must_use]
    pub fn start() -> Self {
        let bindir = pg_bindir();
        let as_postgres = running_as_root();
        let dir = std::env::temp_dir().join(format!("casework-pg-{}", uuid::Uuid::now_v7().simple()));
        std::fs::create_dir(&dir).expect("create the cluster directory");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let cluster = Self {
            dir,
            bindir,
            port,
            as_postgres,
        };
        if as_postgres {
            let status = Command::new("chown")
                .args(["postgres:", &cluster.dir.to_string_lossy()])
                .status()
                .expect("chown");
            assert!(status.success(), "chown of the cluster directory to postgres");
        }
        let data = cluster.data_dir();
        let out = cluster
            .pg("initdb")
            .args([
                "-D",
                &data,
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        cluster.start_again();
        cluster
    }

    fn data_dir(&self) -> String {
        self.dir.join("data").to_string_lossy().into_owned()
    }

    /// A command running the PostgreSQL binary `tool` (as `postgres` when we are root).
    fn pg(&self, tool: &str) -> Command {
        let bin = self.bindir.join(tool);
        if self.as_postgres {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", "postgres", "--"]).arg(bin);
            cmd
        } else {
            Command::new(bin)
        }
    }

    /// The URL of database `db` on this cluster.
    #[must_use]
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    /// Starts the (stopped) cluster and waits until it accepts connections.
    ///
    /// # Panics
    /// When it does not start within 30 seconds.
    pub fn start_again(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=60",
            self.port,
            self.dir.to_string_lossy()
        );
        let log = self.dir.join("server.log");
        let status = self
            .pg("pg_ctl")
            .args(["start", "-w", "-t", "30", "-D", &self.data_dir(), "-l"])
            .arg(&log)
            .args(["-o", &options])
            .stdout(Stdio::null())
            .status()
            .expect("run pg_ctl start");
        assert!(
            status.success(),
            "pg_ctl start failed:\n{}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
    }

    /// Stops the cluster: `immediate` is a crash (no checkpoint; recovery at the next
    /// start), `fast` a clean shutdown that disconnects every session.
    ///
    /// # Panics
    /// When `pg_ctl stop` fails.
    pub fn stop(&self, mode: &str) {
        let status = self
            .pg("pg_ctl")
            .args(["stop", "-w", "-t", "30", "-m", mode, "-D", &self.data_dir()])
            .stdout(Stdio::null())
            .status()
            .expect("run pg_ctl stop");
        assert!(status.success(), "pg_ctl stop -m {mode} failed");
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let _ = self
            .pg("pg_ctl")
            .args(["stop", "-w", "-t", "30", "-m", "immediate", "-D", &self.data_dir()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where `initdb` and `pg_ctl` are: `pg_config --bindir`, else the newest
/// `/usr/lib/postgresql/<version>/bin`.
fn pg_bindir() -> PathBuf {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output()
        && out.status.success()
    {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    let root = Path::new("/usr/lib/postgresql");
    let newest = std::fs::read_dir(root)
        .ok()
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|v| v.parse::<u32>().ok()))
        .max()
        .expect("PostgreSQL server binaries (initdb, pg_ctl) are installed");
    root.join(newest.to_string()).join("bin")
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}
