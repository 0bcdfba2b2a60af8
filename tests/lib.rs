//! Test harness: each test gets its own database (created fresh, dropped afterwards) and
//! its own server on a free port, with a clock the test controls.

pub mod endpoints;
pub mod fixtures;
pub mod orders_endpoints;
pub mod processes;
pub mod worker_endpoints;

use std::sync::Once;

use casework_api::{Application, Settings, config::Secret};
use casework_domain::Clock;
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::{Connection, Executor, PgConnection};

pub const ADMIN_EMAIL: &str = "admin@example.org";
pub const ADMIN_PASSWORD: &str = "admin-password-123";
pub const PASSWORD: &str = "correct horse battery";
/// The password an admin gives an account it creates; the account's holder replaces it at
/// the first sign-in ([`TestApp::staff`] does that, setting [`PASSWORD`]).
pub const INITIAL_PASSWORD: &str = "admin-chose-this-one";
/// The key ring of every test process and of the binaries tests start: `test` seals, and
/// `next` opens too, so a test can re-encrypt under `next` while the app keeps reading;
/// `index` is the blind-index key of client lookups, kept across rotations.
pub const KEYRING: &str = "test:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,next:HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=,index:QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=";
/// The `next` key of [`KEYRING`] alone, first, with the same `index` key: the ring after a
/// rotation.
pub const NEXT_KEYRING: &str =
    "next:HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=,index:QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8=";

/// Where test databases are created: `CASEWORK_TEST_DATABASE_URL`, default the local
/// server's maintenance database.
#[must_use]
pub fn admin_url() -> String {
    std::env::var("CASEWORK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn url_for(admin: &str, db: &str) -> String {
    let (prefix, _) = admin.rsplit_once('/').expect("database URL has a path");
    format!("{prefix}/{db}")
}

fn init_logs() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            casework_domain::runtime::init_tracing(casework_domain::runtime::LogFormat::Pretty);
        }
    });
}

/// A fresh, empty database that is dropped when this value is.
pub struct TestDb {
    pub name: String,
    pub url: String,
    /// The maintenance database of its server (where it is dropped from).
    pub admin: String,
}

impl TestDb {
    /// # Panics
    /// When PostgreSQL is not reachable.
    pub async fn new() -> Self {
        Self::on(&admin_url()).await
    }

    /// A fresh database on the server whose maintenance database is `admin`.
    ///
    /// # Panics
    /// When that server is not reachable.
    pub async fn on(admin: &str) -> Self {
        let name = format!("casework_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = PgConnection::connect(admin)
            .await
            .expect("PostgreSQL is reachable for tests");
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
            .await
            .expect("create test database");
        let _ = conn.close().await;
        let url = url_for(admin, &name);
        Self {
            name,
            url,
            admin: admin.to_owned(),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        let admin = self.admin.clone();
        // Drop runs outside async context; use a private runtime on a plain thread.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut conn) = PgConnection::connect(&admin).await {
                    let _ = conn
                        .execute(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        )))
                        .await;
                }
            });
        })
        .join();
    }
}

/// The instant every test starts at unless it says otherwise: a Monday morning in
/// Vancouver, after BC moved to permanent UTC−7.
#[must_use]
pub fn default_start() -> jiff::Timestamp {
    "2026-11-23T17:00:00Z".parse().expect("valid instant")
}

/// The defaults with this database and the tests' key ring ([`KEYRING`]).
///
/// # Panics
/// Never: the ring is a constant.
#[must_use]
pub fn settings_for_database(url: &str) -> Settings {
    let mut settings = Settings::for_database(url);
    settings.keyring = Some(KEYRING.parse().expect("a key ring text"));
    settings
}

pub struct TestApp {
    pub addr: String,
    pub client: Client,
    pub clock: Clock,
    pub settings: Settings,
    pub pool: sqlx::PgPool,
    /// The in-process server, or
    handle: Option<actix_web::dev::ServerHandle>,
    /// the `casework-api` process ([`TestApp::spawn_process`]).
    pub api: Option<processes::ApiProcess>,
    // Last, so the server stops before its database is dropped.
    pub db: TestDb,
}

impl TestApp {
    /// # Panics
    /// When the app cannot start.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    /// Spawns with adjusted settings.
    ///
    /// # Panics
    /// When the app cannot start.
    pub async fn spawn_with(adjust: impl FnOnce(&mut Settings)) -> Self {
        init_logs();
        let db = TestDb::new().await;
        let mut settings = settings_for_database(&db.url);
        settings.listen = "127.0.0.1:0".into();
        settings.bootstrap_admin_email = Some(ADMIN_EMAIL.into());
        settings.bootstrap_admin_password = Some(Secret(ADMIN_PASSWORD.into()));
        settings.token_rate_limit = 1000;
        settings.db_acquire_timeout_secs = 2;
        settings.cors_origins = vec![];
        adjust(&mut settings);
        let clock = Clock::fixed(default_start());
        let app = Application::build(settings.clone(), clock.clone())
            .await
            .expect("app builds");
        let addr = format!("http://127.0.0.1:{}", app.port());
        let pool = app.state.db.clone();
        let handle = app.handle();
        tokio::spawn(app.run_until_stopped());
        let client = Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            addr,
            client,
            clock,
            settings,
            pool,
            handle: Some(handle),
            api: None,
            db,
        }
    }

    #[must_use]
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.addr)
    }

    /// Password grant, form-encoded.
    pub async fn password_grant(&self, email: &str, password: &str) -> Response {
        self.client
            .post(self.url("/v1/auth/token"))
            .form(&[("grant_type", "password"), ("username", email), ("password", password)])
            .send()
            .await
            .expect("request")
    }

    /// Signs in and returns the whole token response.
    ///
    /// # Panics
    /// When sign-in fails.
    pub async fn sign_in(&self, email: &str, password: &str) -> Value {
        let res = self.password_grant(email, password).await;
        assert_eq!(res.status(), StatusCode::OK, "sign-in of {email}");
        res.json().await.expect("json")
    }

    pub async fn admin_token(&self) -> String {
        self.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await["access_token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// Creates a staff user through the API and returns (id, email, access token), the way
    /// a person gets an account: an admin creates it with [`INITIAL_PASSWORD`]; its holder
    /// signs in and sets [`PASSWORD`] (the first token opens nothing else); a supervisor
    /// is approved by another one and its holder enrolls with the code, setting
    /// [`PASSWORD`].
    ///
    /// # Panics
    /// When creation or sign-in fails.
    pub async fn staff(&self, role: &str) -> (String, String, String) {
        let admin = self.admin_token().await;
        let email = format!("{role}-{}@example.org", uuid::Uuid::now_v7().simple());
        let res = self
            .post_json(
                "/v1/users",
                &admin,
                &json!({"email": email, "display_name": format!("A {role}"), "role": role, "password": INITIAL_PASSWORD}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let user: Value = res.json().await.expect("json");
        let id = user["id"].as_str().expect("id").to_owned();
        if role == "supervisor" {
            // An admin alone cannot make a supervisor: another supervisor approves, and
            // hands the person the code with which they set their own password.
            let decided = self.approve_role_grant(&id).await;
            self.enroll(decided["enrollment_code"].as_str().expect("code"), PASSWORD)
                .await;
        } else {
            self.first_password_change(&email).await;
        }
        let token = self.sign_in(&email, PASSWORD).await["access_token"]
            .as_str()
            .expect("token")
            .to_owned();
        (id, email, token)
    }

    /// The first sign-in of an account an admin created: [`INITIAL_PASSWORD`] becomes
    /// [`PASSWORD`].
    ///
    /// # Panics
    /// When the sign-in or the change fails.
    pub async fn first_password_change(&self, email: &str) {
        let first = self.sign_in(email, INITIAL_PASSWORD).await;
        let res = self
            .post_json(
                "/v1/me/password",
                first["access_token"].as_str().expect("token"),
                &json!({"current_password": INITIAL_PASSWORD, "new_password": PASSWORD}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "first password change of {email}");
    }

    /// `POST /v1/auth/enroll` with `code`, setting `password`.
    ///
    /// # Panics
    /// When enrollment fails.
    pub async fn enroll(&self, code: &str, password: &str) {
        let res = self.enroll_raw(&json!({"code": code, "password": password})).await;
        assert_eq!(res.status(), StatusCode::NO_CONTENT, "enrollment");
    }

    pub async fn enroll_raw(&self, body: &Value) -> Response {
        self.client
            .post(self.url("/v1/auth/enroll"))
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// Registers an integration client with `scopes` and returns an access token of it.
    ///
    /// # Panics
    /// When registration or the client-credentials grant fails.
    pub async fn integration_token(&self, scopes: &[&str]) -> String {
        let admin = self.admin_token().await;
        let res = self
            .post_json(
                "/v1/api-clients",
                &admin,
                &json!({"name": "Integration", "scopes": scopes}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let c: Value = res.json().await.expect("json");
        let res = self
            .client
            .post(self.url("/v1/auth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", c["client_id"].as_str().expect("client_id")),
                ("client_secret", c["client_secret"].as_str().expect("client_secret")),
            ])
            .send()
            .await
            .expect("request");
        assert_eq!(res.status(), StatusCode::OK);
        let tok: Value = res.json().await.expect("json");
        assert_eq!(
            tok["scope"].as_str().expect("scope").split(' ').count(),
            scopes.len(),
            "{tok}"
        );
        tok["access_token"].as_str().expect("token").to_owned()
    }

    pub async fn get(&self, path: &str, token: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("request")
    }

    pub async fn post_json(&self, path: &str, token: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    /// PATCH with a JSON (merge patch) body, with `If-Match` when given.
    pub async fn patch_json(&self, path: &str, token: &str, if_match: Option<&str>, body: &Value) -> Response {
        let mut req = self.client.patch(self.url(path)).bearer_auth(token).json(body);
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        req.send().await.expect("request")
    }

    /// Every platform of the directory, following every page.
    ///
    /// # Panics
    /// When a page cannot be read.
    pub async fn all_platforms(&self, token: &str) -> Vec<Value> {
        let mut out = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut req = self
                .client
                .get(self.url("/v1/platforms"))
                .bearer_auth(token)
                .query(&[("limit", "200")]);
            if let Some(c) = &cursor {
                req = req.query(&[("cursor", c)]);
            }
            let res = req.send().await.expect("request");
            assert_eq!(res.status(), StatusCode::OK, "listing platforms");
            let page: Value = res.json().await.expect("json");
            out.extend(page["items"].as_array().expect("items").iter().cloned());
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => return out,
            }
        }
    }

    /// The platform of the directory with exactly this name.
    ///
    /// # Panics
    /// When there is none.
    pub async fn platform_named(&self, token: &str, name: &str) -> Value {
        self.all_platforms(token)
            .await
            .into_iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("no platform named {name}"))
    }

    /// Creates a staff user with its role in effect at once, the way the server's command
    /// line does (`casework-api create-user`), and returns (id, email, access token).
    ///
    /// # Panics
    /// When creation or sign-in fails.
    pub async fn provisioned_staff(&self, role: &str) -> (String, String, String) {
        use casework_domain::identity::{Email, Label, NewUser, Password, store};
        let email = format!("cli-{role}-{}@example.org", uuid::Uuid::now_v7().simple());
        let new = NewUser {
            email: Email::parse("email", &email).expect("email"),
            display_name: Label::parse("display_name", &format!("A {role}")).expect("name"),
            role: role.parse().expect("role"),
            password: Password::parse("password", PASSWORD).expect("password"),
        };
        let mut conn = self.pool.acquire().await.expect("connection");
        let user = store::provision_user(&mut conn, &new, "cli", self.clock.ts())
            .await
            .expect("provisioned");
        let token = self.sign_in(&email, PASSWORD).await["access_token"]
            .as_str()
            .expect("token")
            .to_owned();
        (user.id.to_string(), email, token)
    }

    /// Approves the pending role grant of `user_id` as a supervisor made on the command
    /// line (the second person of the two-person rule); returns the answer, which carries
    /// the enrollment code.
    ///
    /// # Panics
    /// When the approval fails.
    pub async fn approve_role_grant(&self, user_id: &str) -> Value {
        let (_, _, approver) = self.provisioned_staff("supervisor").await;
        let res = self
            .post_json(
                &format!("/v1/users/{user_id}/role-approval"),
                &approver,
                &json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "approval of {user_id}");
        res.json().await.expect("json")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.clone() {
            drop(handle.stop(false));
        }
    }
}

/// `(field, code)` of every error a 422 problem lists, in order; each error must also
/// carry a message.
///
/// # Panics
/// When the problem has no `errors` list or an error lacks its field, code or message.
#[must_use]
pub fn field_errors(problem: &Value) -> Vec<(String, String)> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            assert!(e["message"].is_string(), "{e}");
            (
                e["field"].as_str().expect("field").to_owned(),
                e["code"].as_str().expect("code").to_owned(),
            )
        })
        .collect()
}

/// An expected `(field, code)` of [`field_errors`].
#[must_use]
pub fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

/// Expected `(field, code)`s of [`field_errors`].
#[must_use]
pub fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(f, c)| pair(f, c)).collect()
}

/// Reads a problem+json body and checks its shape.
///
/// # Panics
/// When the response is not a well-formed problem of the given status.
pub async fn problem(res: Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status");
    let ct = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let rid = res
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(ct, "application/problem+json", "content type");
    let body: Value = res.json().await.expect("problem body is JSON");
    assert_eq!(body["status"], status);
    assert!(
        body["type"].as_str().is_some_and(|t| t.starts_with("/problems/")),
        "{body}"
    );
    assert!(body["title"].is_string() && body["detail"].is_string(), "{body}");
    assert_eq!(body["instance"], rid.as_str(), "instance is the request id");
    body
}
