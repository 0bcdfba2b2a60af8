//! SQL for integration clients (client-credentials grant). The secret is shown once and
//! only its SHA-256 is kept.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    crypto,
    error::DomainError,
    identity::types::{ApiClient, Scope, parse_scopes},
    timestamp::Ts,
};

/// An `api_clients` row as read: its scopes still the stored strings (a scope this build
/// no longer knows is dropped, see [`parse_scopes`]), and the secret's hash, which only
/// [`authenticate_client`] looks at and the [`ApiClient`] never carries.
struct ClientRow {
    id: Uuid,
    name: String,
    client_id: String,
    secret_hash: Vec<u8>,
    scopes: Vec<String>,
    created_at: Ts,
    revoked_at: Option<Ts>,
}

impl From<ClientRow> for ApiClient {
    fn from(r: ClientRow) -> Self {
        ApiClient {
            id: r.id,
            name: r.name,
            client_id: r.client_id,
            scopes: parse_scopes(&r.scopes),
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        }
    }
}

/// A new client with its one-time secret (never printed by `Debug`).
pub struct IssuedClient {
    pub client: ApiClient,
    pub client_secret: String,
}

impl std::fmt::Debug for IssuedClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedClient")
            .field("client", &self.client)
            .field("client_secret", &"<redacted>")
            .finish()
    }
}

/// Registers an integration client and returns its secret (the only time it is seen).
///
/// # Errors
/// Database errors only.
pub async fn insert_api_client(
    conn: &mut PgConnection,
    name: &str,
    scopes: &[Scope],
    created_by: Uuid,
    now: Ts,
) -> Result<IssuedClient, sqlx::Error> {
    let client_id = crypto::opaque_token("cwc_");
    let secret = crypto::opaque_token("cws_");
    let scope_strs: Vec<String> = scopes.iter().map(|s| s.as_str().to_owned()).collect();
    let r = sqlx::query_as!(
        ClientRow,
        r#"INSERT INTO api_clients (id, name, client_id, secret_hash, scopes, created_by, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           RETURNING id, name, client_id, secret_hash, scopes, created_at, revoked_at"#,
        Uuid::now_v7(),
        name,
        client_id,
        crypto::sha256(secret.as_bytes()),
        &scope_strs,
        created_by,
        now
    )
    .fetch_one(conn)
    .await?;
    Ok(IssuedClient {
        client: r.into(),
        client_secret: secret,
    })
}

/// Clients ordered by id, after the given id.
///
/// # Errors
/// Database errors only.
pub async fn list_api_clients(
    conn: &mut PgConnection,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<ApiClient>, sqlx::Error> {
    let rows = sqlx::query_as!(
        ClientRow,
        r#"SELECT id, name, client_id, secret_hash, scopes, created_at, revoked_at
           FROM api_clients WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2"#,
        after,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(ApiClient::from).collect())
}

/// Revokes a client; its tokens stop working at the next request.
///
/// # Errors
/// `NotFound` for an unknown or already revoked client.
pub async fn revoke_api_client(conn: &mut PgConnection, id: Uuid, now: Ts) -> Result<(), DomainError> {
    let n = sqlx::query!(
        "UPDATE api_clients SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        id,
        now
    )
    .execute(conn)
    .await?
    .rows_affected();
    if n == 0 { Err(DomainError::NotFound) } else { Ok(()) }
}

/// Checks client credentials; `None` for unknown, revoked, or wrong secret alike.
///
/// # Errors
/// Database errors only.
pub async fn authenticate_client(
    conn: &mut PgConnection,
    client_id: &str,
    secret: &str,
) -> Result<Option<ApiClient>, sqlx::Error> {
    let r = sqlx::query_as!(
        ClientRow,
        r#"SELECT id, name, client_id, secret_hash, scopes, created_at, revoked_at
           FROM api_clients WHERE client_id = $1 AND revoked_at IS NULL"#,
        client_id
    )
    .fetch_optional(conn)
    .await?;
    let presented = crypto::sha256(secret.as_bytes());
    Ok(r.filter(|r| crypto::secret_eq(&r.secret_hash, &presented))
        .map(ApiClient::from))
}

/// Scopes of a client that is still registered and not revoked.
///
/// # Errors
/// Database errors only.
pub async fn active_client(conn: &mut PgConnection, id: Uuid) -> Result<Option<(String, Vec<Scope>)>, sqlx::Error> {
    let r = sqlx::query!(
        "SELECT client_id, scopes FROM api_clients WHERE id = $1 AND revoked_at IS NULL",
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| (r.client_id, parse_scopes(&r.scopes))))
}
