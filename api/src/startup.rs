//! Building the application: database preparation, shared state, the actix server.

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::{
    App, HttpRequest, HttpServer,
    dev::Server,
    http::{Method, header},
    middleware::{Condition, from_fn},
    web,
};
use anyhow::Context;
use casework_domain::{
    Clock,
    cursor::CursorCodec,
    db,
    identity::{Email, Label, NewUser, Password, Role, store},
    keys, platform, secrets,
};
use sqlx::PgPool;
use tokio::sync::OnceCell;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::{
    auth::TokenService,
    client_ip::TrustedProxies,
    config::Settings,
    error::ApiError,
    metrics::Metrics,
    middleware::request_context,
    openapi::{self, RouteTable},
    rate_limit::RateLimiter,
    routes,
};

/// Everything a handler may need, shared by all workers of the server.
pub struct AppState {
    pub db: PgPool,
    pub clock: Clock,
    pub tokens: TokenService,
    /// Token requests per client address.
    pub token_limiter: RateLimiter,
    /// Who signs takedown letters (configuration).
    pub service: ServiceIdentity,
    /// Revocation requests per client address.
    pub revoke_limiter: RateLimiter,
    /// Password changes per account.
    pub password_change_limiter: RateLimiter,
    /// Whose `X-Forwarded-For` is believed.
    pub proxies: TrustedProxies,
    /// Served over HTTPS: responses carry `Strict-Transport-Security`.
    pub public_https: bool,
    cursor: OnceCell<CursorCodec>,
    idempotency_key: OnceCell<Vec<u8>>,
}

/// The service as it appears on letters it sends on a client's behalf.
#[derive(Debug, Clone)]
pub struct ServiceIdentity {
    pub name: String,
    /// Lines of the postal address; empty until configured.
    pub postal_address: Vec<String>,
    pub email: String,
    pub phone: Option<String>,
}

impl ServiceIdentity {
    fn from_settings(s: &Settings) -> Self {
        Self {
            name: s.service_name.trim().to_owned(),
            postal_address: s
                .service_address
                .split(';')
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect(),
            email: s.service_email.trim().to_owned(),
            phone: s
                .service_phone
                .as_deref()
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
        }
    }
}

impl AppState {
    /// The cursor codec, its key loaded from the database on first use (so the process
    /// can start while the database is away).
    pub async fn cursor_codec(&self) -> Result<CursorCodec, ApiError> {
        self.cursor
            .get_or_try_init(|| async {
                let mut conn = self.db.acquire().await?;
                let key = secrets::get_or_create(&mut conn, "cursor_hmac", self.clock.ts()).await?;
                Ok::<_, ApiError>(CursorCodec::new(key))
            })
            .await
            .cloned()
    }

    /// The key of the HMAC that stands for secret fields in idempotency fingerprints,
    /// loaded (or created) in the database on first use so that every replica agrees.
    pub async fn idempotency_key(&self) -> Result<&[u8], ApiError> {
        self.idempotency_key
            .get_or_try_init(|| async {
                let mut conn = self.db.acquire().await?;
                let key = secrets::get_or_create(&mut conn, "idempotency_hmac", self.clock.ts()).await?;
                Ok::<_, ApiError>(key)
            })
            .await
            .map(Vec::as_slice)
    }

    /// The address a request comes from ([`TrustedProxies::client`]).
    #[must_use]
    pub fn client_address(&self, req: &HttpRequest) -> String {
        self.proxies.client_of(req)
    }
}

pub struct Application {
    port: u16,
    server: Server,
    pub state: web::Data<AppState>,
}

/// Creates the database if missing, migrates it (ours and the job queue's), creates the bootstrap admin and the first
/// signing key. Every step is idempotent and safe to run from several replicas at once.
///
/// # Errors
/// When the database cannot be reached or prepared, or the bootstrap admin is invalid.
pub async fn prepare_database(settings: &Settings, clock: &Clock) -> anyhow::Result<()> {
    install_key_ring(settings)?;
    let opts = db::options(&settings.database_url)?;
    db::ensure_database(&opts).await?;
    db::migrate(&opts).await?;
    let pool = db::pool(opts, 2, std::time::Duration::from_secs(10));
    // The job tables too: the API enqueues jobs in the transactions of its changes.
    casework_worker::setup(&pool).await?;
    let mut tx = pool.begin().await?;
    keys::ensure_signing_key(&mut tx, clock.ts()).await?;
    // The signing key was sealed under the ring: if it does not open, this ring is not the
    // one the database was sealed with, and nothing sealed would open either.
    keys::current_signing_key(&mut tx)
        .await
        .context("the signing key does not open with this key ring (is CASEWORK_KEYRING the right one?)")?;
    tx.commit().await?;
    // The bundled platform directory: only entries not loaded before (see platform::seed).
    let mut conn = pool.acquire().await?;
    platform::seed::load(&mut conn, clock.ts()).await?;
    drop(conn);
    if let (Some(email), Some(password)) = (&settings.bootstrap_admin_email, &settings.bootstrap_admin_password) {
        let email =
            Email::parse("BOOTSTRAP_ADMIN_EMAIL", email).map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?;
        let password = Password::parse("BOOTSTRAP_ADMIN_PASSWORD", &password.0)
            .map_err(|e| anyhow::anyhow!("{}: {}", e.field, e.message))?;
        let mut conn = pool.acquire().await?;
        if !store::email_taken(&mut conn, email.as_str()).await? {
            let new = NewUser {
                email,
                display_name: Label::parse("", "Administrator").map_err(|e| anyhow::anyhow!(e.message))?,
                role: Role::Admin,
                password,
            };
            // The operator chose the password: no change is required at first sign-in.
            match store::provision_user(&mut conn, &new, "bootstrap", clock.ts()).await {
                Ok(u) => tracing::info!(user.id = %u.id, "created the bootstrap admin"),
                // Another replica created it a moment ago.
                Err(casework_domain::DomainError::Conflict(_)) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
    pool.close().await;
    Ok(())
}

/// Loads the key ring from the configuration and makes it this process's ring.
///
/// # Errors
/// A malformed or unreadable key ring, named with the setting it came from.
pub fn install_key_ring(settings: &Settings) -> anyhow::Result<()> {
    settings.key_ring_source().load_and_install()?;
    Ok(())
}

/// Whether preparing failed because PostgreSQL could not be reached (worth waiting for),
/// rather than because something is wrong (worth stopping for).
fn unreachable(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<db::DbSetupError>()
            .is_some_and(db::DbSetupError::is_unreachable)
            || matches!(
                c.downcast_ref::<sqlx::Error>(),
                Some(sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) | sqlx::Error::Protocol(_))
            )
    })
}

/// [`prepare_database`], retried while PostgreSQL is unreachable, for up to
/// `db_startup_timeout_secs`.
///
/// # Errors
/// The first error that is not about reachability, or the last one at the deadline.
pub async fn prepare_database_when_reachable(settings: &Settings, clock: &Clock) -> anyhow::Result<()> {
    let timeout = std::time::Duration::from_secs(settings.db_startup_timeout_secs);
    db::retry_while_unreachable(timeout, unreachable, || prepare_database(settings, clock)).await
}

fn cors(settings: &Settings) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
            header::HeaderName::from_static("x-request-id"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::RETRY_AFTER,
            header::HeaderName::from_static("x-request-id"),
            header::HeaderName::from_static("idempotent-replayed"),
        ])
        .max_age(600);
    for origin in settings.cors_origins() {
        cors = cors.allowed_origin(origin);
    }
    cors
}

/// Unknown routes: 405 with `Allow` when the path exists under other methods, else 404.
async fn fallback(req: HttpRequest, table: web::Data<RouteTable>) -> Result<actix_web::HttpResponse, ApiError> {
    match table.allowed(req.path()) {
        Some(methods) if !methods.contains(req.method()) => Err(ApiError::MethodNotAllowed(methods)),
        _ => Err(ApiError::NotFound),
    }
}

impl Application {
    /// Prepares the database, binds the listener (port 0 picks a free one) and builds the
    /// server. The server runs once [`Application::run_until_stopped`] is awaited.
    ///
    /// # Errors
    /// When the database cannot be prepared or the address cannot be bound.
    pub async fn build(settings: Settings, clock: Clock) -> anyhow::Result<Self> {
        // Before anything hashes a password (the bootstrap admin).
        casework_domain::crypto::PasswordHashing::configure(settings.password_hash_threads.map(usize::from));
        prepare_database_when_reachable(&settings, &clock)
            .await
            .context("preparing the database")?;
        let opts = db::options(&settings.database_url)?;
        let pool = db::pool(
            opts,
            settings.db_max_connections,
            std::time::Duration::from_secs(settings.db_acquire_timeout_secs),
        );
        Self::with_pool(settings, clock, pool)
    }

    /// Builds the server on an existing pool (the database must already be prepared).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub fn with_pool(settings: Settings, clock: Clock, pool: PgPool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&settings.listen).with_context(|| format!("binding {}", settings.listen))?;
        let port = listener.local_addr()?.port();
        let proxies = TrustedProxies::parse(&settings.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("CASEWORK_TRUSTED_PROXIES: {e}"))?;
        let state = web::Data::new(AppState {
            db: pool,
            tokens: TokenService::new(
                settings.issuer.clone(),
                settings.audience.clone(),
                settings.access_token_ttl_secs,
                clock.clone(),
            ),
            token_limiter: RateLimiter::new(settings.token_rate_limit),
            service: ServiceIdentity::from_settings(&settings),
            revoke_limiter: RateLimiter::new(settings.token_rate_limit),
            password_change_limiter: RateLimiter::new(settings.token_rate_limit),
            proxies,
            public_https: settings.public_https,
            clock,
            cursor: OnceCell::new(),
            idempotency_key: OnceCell::new(),
        });
        let spec = openapi::build();
        let table = web::Data::new(RouteTable::from_spec(&spec));
        let metrics = web::Data::new(Metrics::default());
        let has_cors = settings.cors_origins().next().is_some();
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(Condition::new(has_cors, cors(&settings)))
                .wrap(from_fn(request_context))
                .app_data(app_state.clone())
                .app_data(metrics.clone())
                .app_data(table.clone())
                .app_data(web::PathConfig::default().error_handler(|_, _| ApiError::NotFound.into()))
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|e, _| ApiError::BadRequest(format!("invalid query string: {e}")).into()),
                )
                .into_utoipa_app()
                .configure(routes::configure)
                .into_app()
                .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", spec.clone()))
                .default_service(web::to(fallback))
        })
        .listen(listener)?
        .shutdown_timeout(20)
        .run();
        Ok(Self { port, server, state })
    }

    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM/Ctrl-C (graceful: in-flight requests finish).
    ///
    /// # Errors
    /// I/O errors of the server.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// A handle that can stop the server (tests).
    #[must_use]
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }
}
