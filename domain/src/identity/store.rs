//! SQL for users, integration clients and refresh-token families.

use sqlx::PgConnection;
use uuid::Uuid;

use super::types::{ApiClient, NewUser, PendingRole, Role, Scope, User, UserPatch, needs_approval, parse_scopes};
use crate::{
    crypto,
    error::{DomainError, FieldError, is_constraint},
    timestamp::Ts,
};

/// How many failed sign-ins in a row from one address lock that address out of an
/// account, and for how long.
pub const LOCKOUT_THRESHOLD: i32 = 5;
/// How many failed sign-ins from any addresses lock the account for everyone (for the
/// same time): a guesser spread over many addresses.
pub const ACCOUNT_LOCKOUT_THRESHOLD: i32 = 20;
pub const LOCKOUT_MINUTES: i64 = 15;

fn role_of(s: &str) -> Role {
    // The CHECK constraint admits only known roles; a stray value gets the least power.
    s.parse().unwrap_or(Role::Caseworker)
}

fn pending_of(role: Option<&str>, by: Option<Uuid>, at: Option<Ts>, activates: bool) -> Option<PendingRole> {
    // The CHECK constraint keeps the three columns set or unset together.
    match (role.and_then(|r| r.parse().ok()), by, at) {
        (Some(role), Some(requested_by), Some(requested_at)) => Some(PendingRole {
            role,
            requested_by,
            requested_at,
            activates,
        }),
        _ => None,
    }
}

macro_rules! user_from_row {
    ($r:expr) => {
        User {
            id: $r.id,
            email: $r.email,
            display_name: $r.display_name,
            role: role_of(&$r.role),
            active: $r.active,
            pending_role: pending_of(
                $r.pending_role.as_deref(),
                $r.pending_role_requested_by,
                $r.pending_role_requested_at,
                $r.pending_role_activates,
            ),
            version: $r.version,
            created_at: $r.created_at,
            updated_at: $r.updated_at,
        }
    };
}

/// A taken email (in any case, by the `users_email_key` index) is a conflict.
fn email_conflict(e: sqlx::Error) -> DomainError {
    if is_constraint(&e, "users_email_key") {
        DomainError::Conflict("a user with this email already exists".into())
    } else {
        e.into()
    }
}

/// Creates a user. A taken email (in any case) is a conflict.
///
/// # Errors
/// `Conflict` for a duplicate email; `Db` otherwise.
#[tracing::instrument(skip_all)]
pub async fn insert_user(conn: &mut PgConnection, new: &NewUser, now: Ts) -> Result<User, DomainError> {
    let hash = crypto::hash_password(new.password.expose());
    let r = sqlx::query!(
        r#"INSERT INTO users (id, email, display_name, role, password_hash, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $6)
           RETURNING id, email, display_name, role, active, version, created_at, updated_at,
                  pending_role, pending_role_requested_by, pending_role_requested_at, pending_role_activates"#,
        Uuid::now_v7(),
        new.email.as_str(),
        new.display_name.as_str(),
        new.role.as_str(),
        hash,
        now,
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(email_conflict)?;
    Ok(user_from_row!(r))
}

/// Creates a user with its role in effect at once, outside the API: the server's command
/// line (`casework-api create-user`), the bootstrap admin, and test set-up. This is how
/// an installation gets its first supervisor, which the API cannot create alone. Audited
/// as `user.create` by `actor` (e.g. `cli`).
///
/// # Errors
/// `Conflict` for a duplicate email; `Db` otherwise.
pub async fn provision_user(conn: &mut PgConnection, new: &NewUser, actor: &str, now: Ts) -> Result<User, DomainError> {
    let user = insert_user(conn, new, now).await?;
    crate::audit::record(
        conn,
        actor,
        "user.create",
        &format!("user:{}", user.id),
        serde_json::json!({"role": user.role, "via": actor}),
        now,
    )
    .await?;
    Ok(user)
}

/// # Errors
/// Database errors only.
pub async fn get_user(conn: &mut PgConnection, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT id, email, display_name, role, active, version, created_at, updated_at,
                  pending_role, pending_role_requested_by, pending_role_requested_at, pending_role_activates
           FROM users WHERE id = $1"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| user_from_row!(r)))
}

/// Users ordered by id (UUID v7, so by creation), after the given id.
///
/// # Errors
/// Database errors only.
pub async fn list_users(conn: &mut PgConnection, after: Option<Uuid>, limit: i64) -> Result<Vec<User>, sqlx::Error> {
    list(conn, false, after, limit).await
}

/// Users ordered by id, after the given id; with `pending_only`, those with a pending
/// role grant alone.
async fn list(
    conn: &mut PgConnection,
    pending_only: bool,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<User>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT id, email, display_name, role, active, version, created_at, updated_at,
                  pending_role, pending_role_requested_by, pending_role_requested_at, pending_role_activates
           FROM users
           WHERE (NOT $1 OR pending_role IS NOT NULL) AND ($2::uuid IS NULL OR id > $2)
           ORDER BY id LIMIT $3"#,
        pending_only,
        after,
        limit
    )
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|r| user_from_row!(r)).collect())
}

/// Creates a user as an admin asked. A role that needs a second person's approval
/// ([`needs_approval`]) is not granted: the account is created inactive, as a caseworker,
/// with the role pending, and becomes active with that role only when a supervisor
/// approves ([`decide_role_grant`]).
///
/// # Errors
/// `Conflict` for a duplicate email; `Db` otherwise.
pub async fn request_user(
    conn: &mut PgConnection,
    new: &NewUser,
    requested_by: Uuid,
    now: Ts,
) -> Result<User, DomainError> {
    if !needs_approval(new.role) {
        return insert_user(conn, new, now).await;
    }
    let hash = crypto::hash_password(new.password.expose());
    let r = sqlx::query!(
        r#"INSERT INTO users (id, email, display_name, role, password_hash, active, created_at, updated_at,
                              pending_role, pending_role_requested_by, pending_role_requested_at,
                              pending_role_activates)
           VALUES ($1, $2, $3, 'caseworker', $4, false, $5, $5, $6, $7, $5, true)
           RETURNING id, email, display_name, role, active, version, created_at, updated_at,
                  pending_role, pending_role_requested_by, pending_role_requested_at, pending_role_activates"#,
        Uuid::now_v7(),
        new.email.as_str(),
        new.display_name.as_str(),
        hash,
        now,
        new.role.as_str(),
        requested_by,
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(email_conflict)?;
    Ok(user_from_row!(r))
}

async fn user_for_update(conn: &mut PgConnection, id: Uuid) -> Result<Option<User>, sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT id, email, display_name, role, active, version, created_at, updated_at,
                  pending_role, pending_role_requested_by, pending_role_requested_at, pending_role_activates
           FROM users WHERE id = $1 FOR UPDATE"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| user_from_row!(r)))
}

async fn write_user(conn: &mut PgConnection, u: &User, now: Ts) -> Result<User, sqlx::Error> {
    let pending = u.pending_role.as_ref();
    let r = sqlx::query!(
        r#"UPDATE users SET
             display_name = $2, role = $3, active = $4,
             pending_role = $5, pending_role_requested_by = $6, pending_role_requested_at = $7,
             pending_role_activates = $8,
             version = version + 1, updated_at = $9
           WHERE id = $1
           RETURNING id, email, display_name, role, active, version, created_at, updated_at,
                  pending_role, pending_role_requested_by, pending_role_requested_at, pending_role_activates"#,
        u.id,
        u.display_name,
        u.role.as_str(),
        u.active,
        pending.map(|p| p.role.as_str()),
        pending.map(|p| p.requested_by),
        pending.map(|p| p.requested_at),
        pending.is_some_and(|p| p.activates),
        now,
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(user_from_row!(r))
}

/// The result of an admin's change.
#[derive(Debug)]
pub struct Updated {
    pub user: User,
    /// The change asked for a role that now waits for a supervisor's approval.
    pub grant_requested: bool,
}

/// Users with a pending role grant, ordered by id, after the given id (what a supervisor
/// has to decide).
///
/// # Errors
/// Database errors only.
pub async fn list_pending_grants(
    conn: &mut PgConnection,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<User>, sqlx::Error> {
    list(conn, true, after, limit).await
}

/// Applies an admin's changes when `expected_version` is still current. A role that needs
/// approval becomes a pending grant requested by `actor` (the effective role stays); any
/// other role applies at once and withdraws a pending grant. Deactivation revokes the
/// user's refresh tokens in the same transaction.
///
/// # Errors
/// `NotFound`, `Stale` when the version moved on, `Db`.
pub async fn update_user(
    conn: &mut PgConnection,
    id: Uuid,
    patch: &UserPatch,
    expected_version: Option<i64>,
    actor: Uuid,
    now: Ts,
) -> Result<Updated, DomainError> {
    let mut u = user_for_update(conn, id).await?.ok_or(DomainError::NotFound)?;
    if expected_version.is_some_and(|v| v != u.version) {
        return Err(DomainError::Stale);
    }
    if let Some(name) = &patch.display_name {
        name.as_str().clone_into(&mut u.display_name);
    }
    let mut grant_requested = false;
    match patch.role {
        Some(role) if needs_approval(role) && role != u.role => {
            let activates = u.pending_role.as_ref().is_some_and(|p| p.activates);
            u.pending_role = Some(PendingRole {
                role,
                requested_by: actor,
                requested_at: now,
                activates,
            });
            grant_requested = true;
        }
        Some(role) if !needs_approval(role) => {
            u.role = role;
            u.pending_role = None;
        }
        _ => {}
    }
    if let Some(active) = patch.active {
        u.active = active;
        // An admin decided about activation: approval must not overrule it.
        if let Some(p) = &mut u.pending_role {
            p.activates = false;
        }
    }
    let user = write_user(conn, &u, now).await?;
    if !user.active {
        revoke_user_refresh_tokens(conn, id, now).await?;
    }
    Ok(Updated { user, grant_requested })
}

/// A supervisor's decision on a pending role grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantDecision {
    Approve,
    Reject,
}

/// Approves or rejects the pending grant of `id`. Approval gives the role (and activates an
/// account created for the grant); rejection withdraws it. The decider may be neither the
/// requester nor the grantee: a grant always involves two people.
///
/// # Errors
/// `NotFound`; `Conflict` when nothing is pending or the decider is the requester or the
/// grantee; `Db`.
pub async fn decide_role_grant(
    conn: &mut PgConnection,
    id: Uuid,
    decider: Uuid,
    decision: GrantDecision,
    now: Ts,
) -> Result<(User, PendingRole), DomainError> {
    let mut u = user_for_update(conn, id).await?.ok_or(DomainError::NotFound)?;
    let pending = u
        .pending_role
        .take()
        .ok_or_else(|| DomainError::Conflict("no role grant is pending for this user".into()))?;
    if pending.requested_by == decider || id == decider {
        return Err(DomainError::Conflict(
            "a role grant must be decided by someone other than its requester and its grantee".into(),
        ));
    }
    if decision == GrantDecision::Approve {
        u.role = pending.role;
        u.active = u.active || pending.activates;
    }
    let user = write_user(conn, &u, now).await?;
    Ok((user, pending))
}

/// What the password grant needs to know about an account.
#[derive(Debug)]
pub struct LoginRecord {
    pub user: User,
    pub password_hash: String,
    pub locked_until: Option<Ts>,
}

/// Finds a user by email (case-insensitively) and locks the row for the sign-in attempt,
/// so concurrent failures are all counted.
///
/// # Errors
/// Database errors only.
pub async fn login_record_for_update(conn: &mut PgConnection, email: &str) -> Result<Option<LoginRecord>, sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT id, email, display_name, role, active, version, created_at, updated_at,
                  pending_role, pending_role_requested_by, pending_role_requested_at, pending_role_activates,
                  password_hash, locked_until
           FROM users WHERE lower(email) = lower($1) FOR UPDATE"#,
        email.trim()
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| LoginRecord {
        password_hash: r.password_hash.clone(),
        locked_until: r.locked_until,
        user: user_from_row!(r),
    }))
}

/// Until when `address` is locked out of the account, if it is now.
///
/// # Errors
/// Database errors only.
pub async fn address_locked_until(
    conn: &mut PgConnection,
    id: Uuid,
    address: &str,
    now: Ts,
) -> Result<Option<Ts>, sqlx::Error> {
    let until = sqlx::query_scalar!(
        "SELECT locked_until FROM login_failures WHERE user_id = $1 AND address = $2 AND locked_until > $3",
        id,
        address,
        now
    )
    .fetch_optional(conn)
    .await?;
    Ok(until.flatten())
}

/// Counts a failed sign-in (or password-change attempt) from `address`: the fifth in a row
/// locks that address out of the account for 15 minutes; the
/// [`ACCOUNT_LOCKOUT_THRESHOLD`]th from any addresses locks the account for everyone.
///
/// # Errors
/// Database errors only.
pub async fn record_login_failure(
    conn: &mut PgConnection,
    id: Uuid,
    address: &str,
    now: Ts,
) -> Result<(), sqlx::Error> {
    let lock_until = now.plus(jiff::SignedDuration::from_mins(LOCKOUT_MINUTES));
    sqlx::query!(
        r#"INSERT INTO login_failures AS f (user_id, address, failures, locked_until, updated_at)
           VALUES ($1, $2, 1, NULL, $4)
           ON CONFLICT (user_id, address) DO UPDATE SET
             failures = CASE WHEN f.failures + 1 >= $3 THEN 0 ELSE f.failures + 1 END,
             locked_until = CASE WHEN f.failures + 1 >= $3 THEN $5 ELSE f.locked_until END,
             updated_at = $4"#,
        id,
        address,
        LOCKOUT_THRESHOLD,
        now,
        lock_until,
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        r#"UPDATE users SET
             failed_logins = CASE WHEN failed_logins + 1 >= $2 THEN 0 ELSE failed_logins + 1 END,
             locked_until = CASE WHEN failed_logins + 1 >= $2 THEN $3 ELSE locked_until END
           WHERE id = $1"#,
        id,
        ACCOUNT_LOCKOUT_THRESHOLD,
        lock_until,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Clears the failure counts after a successful sign-in from `address`.
///
/// # Errors
/// Database errors only.
pub async fn record_login_success(conn: &mut PgConnection, id: Uuid, address: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1",
        id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "DELETE FROM login_failures WHERE user_id = $1 AND address = $2",
        id,
        address
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets per-address failure counts untouched for a day whose lock (if any) has ended,
/// so the table does not grow with every address that ever mistyped.
///
/// # Errors
/// Database errors only.
pub async fn purge_stale_login_failures(conn: &mut PgConnection, now: Ts) -> Result<u64, sqlx::Error> {
    let cutoff = now.plus(-jiff::SignedDuration::from_hours(24));
    Ok(sqlx::query!(
        "DELETE FROM login_failures WHERE updated_at < $1 AND (locked_until IS NULL OR locked_until <= $2)",
        cutoff,
        now
    )
    .execute(conn)
    .await?
    .rows_affected())
}

/// What a password change checks, with the user's row locked: the current hash and the
/// account-wide lock, if any. `None` for an inactive or unknown user.
///
/// # Errors
/// Database errors only.
pub async fn password_record_for_update(
    conn: &mut PgConnection,
    id: Uuid,
) -> Result<Option<(String, Option<Ts>)>, sqlx::Error> {
    let r = sqlx::query!(
        "SELECT password_hash, locked_until FROM users WHERE id = $1 AND active FOR UPDATE",
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| (r.password_hash, r.locked_until)))
}

/// Replaces a password and ends every refresh-token family of the user.
///
/// # Errors
/// Database errors only.
pub async fn set_password(
    conn: &mut PgConnection,
    id: Uuid,
    new: &super::types::Password,
    now: Ts,
) -> Result<(), sqlx::Error> {
    let hash = crypto::hash_password(new.expose());
    sqlx::query!(
        "UPDATE users SET password_hash = $2, version = version + 1, updated_at = $3 WHERE id = $1",
        id,
        hash,
        now
    )
    .execute(&mut *conn)
    .await?;
    revoke_user_refresh_tokens(conn, id, now).await
}

/// The role of an active user, checked on every request so that deactivation and role
/// changes take effect at once rather than when the access token expires.
///
/// # Errors
/// Database errors only.
pub async fn active_role(conn: &mut PgConnection, id: Uuid) -> Result<Option<Role>, sqlx::Error> {
    let r = sqlx::query_scalar!("SELECT role FROM users WHERE id = $1 AND active", id)
        .fetch_optional(conn)
        .await?;
    Ok(r.map(|s| role_of(&s)))
}

/// Whether any user exists with this email (case-insensitively).
///
/// # Errors
/// Database errors only.
pub async fn email_taken(conn: &mut PgConnection, email: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM users WHERE lower(email) = lower($1)) AS "e!""#,
        email
    )
    .fetch_one(conn)
    .await
}

// ---------------------------------------------------------------------------------------
// Integration clients

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

/// A new client with its one-time secret.
#[derive(Debug)]
pub struct IssuedClient {
    pub client: ApiClient,
    pub client_secret: String,
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
    Ok(r.filter(|r| crypto::constant_time_eq(&r.secret_hash, &presented))
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

// ---------------------------------------------------------------------------------------
// Refresh tokens

/// A refresh-token family lives at most this long from its sign-in: one working day.
pub const REFRESH_FAMILY_HOURS: i64 = 10;

/// Starts a new family at sign-in and returns its first token.
///
/// # Errors
/// Database errors only.
pub async fn start_refresh_family(conn: &mut PgConnection, user_id: Uuid, now: Ts) -> Result<String, sqlx::Error> {
    let expires = now.plus(jiff::SignedDuration::from_hours(REFRESH_FAMILY_HOURS));
    issue_refresh(conn, Uuid::now_v7(), user_id, now, expires).await
}

async fn issue_refresh(
    conn: &mut PgConnection,
    family: Uuid,
    user_id: Uuid,
    now: Ts,
    expires: Ts,
) -> Result<String, sqlx::Error> {
    let token = crypto::opaque_token("cwr_");
    sqlx::query!(
        r#"INSERT INTO refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6)"#,
        Uuid::now_v7(),
        family,
        user_id,
        crypto::sha256(token.as_bytes()),
        now,
        expires
    )
    .execute(conn)
    .await?;
    Ok(token)
}

/// The outcome of presenting a refresh token.
#[derive(Debug)]
pub enum Rotation {
    /// A fresh token in the same family, for this active user.
    Rotated { user: User, refresh_token: String },
    /// Unknown, expired, revoked, or the user is inactive.
    Invalid,
    /// A spent token came back: the whole family has been revoked.
    Reused,
}

/// Spends a refresh token and issues its successor. Run inside a transaction and commit
/// even for `Reused`, so the family revocation sticks.
///
/// # Errors
/// Database errors only.
pub async fn rotate_refresh(conn: &mut PgConnection, token: &str, now: Ts) -> Result<Rotation, sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT id, family_id, user_id, expires_at, used_at, revoked_at
           FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE"#,
        crypto::sha256(token.as_bytes())
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(r) = r else { return Ok(Rotation::Invalid) };
    if r.used_at.is_some() {
        revoke_family(conn, r.family_id, now).await?;
        return Ok(Rotation::Reused);
    }
    if r.revoked_at.is_some() || r.expires_at <= now {
        return Ok(Rotation::Invalid);
    }
    let Some(user) = get_user(conn, r.user_id).await?.filter(|u| u.active) else {
        return Ok(Rotation::Invalid);
    };
    sqlx::query!("UPDATE refresh_tokens SET used_at = $2 WHERE id = $1", r.id, now)
        .execute(&mut *conn)
        .await?;
    let refresh_token = issue_refresh(conn, r.family_id, r.user_id, now, r.expires_at).await?;
    Ok(Rotation::Rotated { user, refresh_token })
}

async fn revoke_family(conn: &mut PgConnection, family: Uuid, now: Ts) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE family_id = $1 AND revoked_at IS NULL",
        family,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// RFC 7009 revocation: ends the family of the presented token. Unknown tokens are
/// silently accepted, as the RFC asks.
///
/// # Errors
/// Database errors only.
pub async fn revoke_refresh(conn: &mut PgConnection, token: &str, now: Ts) -> Result<(), sqlx::Error> {
    let family = sqlx::query_scalar!(
        "SELECT family_id FROM refresh_tokens WHERE token_hash = $1",
        crypto::sha256(token.as_bytes())
    )
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(f) = family {
        revoke_family(conn, f, now).await?;
    }
    Ok(())
}

/// Ends every refresh-token family of a user (password change, deactivation).
///
/// # Errors
/// Database errors only.
pub async fn revoke_user_refresh_tokens(conn: &mut PgConnection, user_id: Uuid, now: Ts) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE refresh_tokens SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL",
        user_id,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Rejects a scope request that asks for more than the client holds.
///
/// # Errors
/// A field error naming `scope`.
pub fn narrow_scopes(held: &[Scope], requested: Option<&str>) -> Result<Vec<Scope>, FieldError> {
    let Some(req) = requested.filter(|s| !s.trim().is_empty()) else {
        return Ok(held.to_vec());
    };
    let mut out = Vec::new();
    for part in req.split_whitespace() {
        match part.parse::<Scope>() {
            Ok(s) if held.contains(&s) => out.push(s),
            _ => {
                return Err(FieldError::new(
                    "scope",
                    "invalid_scope",
                    format!("scope `{part}` is not granted to this client"),
                ));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}
