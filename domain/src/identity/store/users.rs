//! SQL for staff accounts: creation (by an admin, or provisioned on the command line),
//! changes, the two-person role grant and the enrollment that follows its approval, and
//! passwords.

use sqlx::PgConnection;
use uuid::Uuid;

use super::refresh::revoke_user_refresh_tokens;
pub use crate::identity::rules::GrantDecision;
pub use crate::identity::types::User;
use crate::{
    crypto,
    error::{DomainError, is_constraint},
    identity::{
        rules::{self, needs_approval},
        types::{NewUser, Password, PendingRole, Role, UserPatch},
    },
    timestamp::Ts,
};

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
            must_change_password: $r.must_change_password,
            enrollment_pending: $r.enrollment_pending,
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

/// Creates a user. A taken email (in any case) is a conflict. `must_change_password`:
/// someone other than its holder chose the password.
///
/// # Errors
/// `Conflict` for a duplicate email; `Busy`; `Db` otherwise.
#[tracing::instrument(skip_all)]
async fn insert_user(
    conn: &mut PgConnection,
    new: &NewUser,
    must_change_password: bool,
    now: Ts,
) -> Result<User, DomainError> {
    let hash = crypto::hash_password(new.password.expose()).await?;
    let r = sqlx::query!(
        r#"INSERT INTO users (id, email, display_name, role, password_hash, created_at, updated_at,
                              must_change_password)
           VALUES ($1, $2, $3, $4, $5, $6, $6, $7)
           RETURNING id, email, display_name, role, active, version, created_at, updated_at,
                  pending_role, pending_role_requested_by, pending_role_requested_at, pending_role_activates,
                  must_change_password, enrollment_pending"#,
        Uuid::now_v7(),
        new.email.as_str(),
        new.display_name.as_str(),
        new.role.as_str(),
        hash,
        now,
        must_change_password,
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(email_conflict)?;
    Ok(user_from_row!(r))
}

/// Creates a user with its role in effect at once, outside the API: the server's command
/// line (`casework-api create-user`), the bootstrap admin, and test set-up. This is how
/// an installation gets its first supervisor, which the API cannot create alone. The
/// person at the console chose the password, so it need not be changed. Audited as
/// `user.create` by `actor` (e.g. `cli`).
///
/// # Errors
/// `Conflict` for a duplicate email; `Db` otherwise.
pub async fn provision_user(conn: &mut PgConnection, new: &NewUser, actor: &str, now: Ts) -> Result<User, DomainError> {
    let user = insert_user(conn, new, false, now).await?;
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
                  pending_role, pending_role_requested_by, pending_role_requested_at, pending_role_activates,
                  must_change_password, enrollment_pending
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
                  pending_role, pending_role_requested_by, pending_role_requested_at, pending_role_activates,
                  must_change_password, enrollment_pending
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

/// Creates a user as an admin asked. The admin chose the password, so the account must
/// change it at its first sign-in. A role that needs a second person's approval
/// ([`needs_approval`]) is not granted: the account is created inactive, as a caseworker,
/// with the role pending, and becomes active with that role only when a supervisor
/// approves ([`decide_role_grant`]), which also replaces the password by an enrollment.
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
        return insert_user(conn, new, true, now).await;
    }
    let hash = crypto::hash_password(new.password.expose()).await?;
    let r = sqlx::query!(
        r#"INSERT INTO users (id, email, display_name, role, password_hash, active, created_at, updated_at,
                              pending_role, pending_role_requested_by, pending_role_requested_at,
                              pending_role_activates, must_change_password)
           VALUES ($1, $2, $3, 'caseworker', $4, false, $5, $5, $6, $7, $5, true, true)
           RETURNING id, email, display_name, role, active, version, created_at, updated_at,
                  pending_role, pending_role_requested_by, pending_role_requested_at, pending_role_activates,
                  must_change_password, enrollment_pending"#,
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
                  pending_role, pending_role_requested_by, pending_role_requested_at, pending_role_activates,
                  must_change_password, enrollment_pending
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
             pending_role_activates = $8, must_change_password = $10, enrollment_pending = $11,
             version = version + 1, updated_at = $9
           WHERE id = $1
           RETURNING id, email, display_name, role, active, version, created_at, updated_at,
                  pending_role, pending_role_requested_by, pending_role_requested_at, pending_role_activates,
                  must_change_password, enrollment_pending"#,
        u.id,
        u.display_name,
        u.role.as_str(),
        u.active,
        pending.map(|p| p.role.as_str()),
        pending.map(|p| p.requested_by),
        pending.map(|p| p.requested_at),
        pending.is_some_and(|p| p.activates),
        now,
        u.must_change_password,
        u.enrollment_pending,
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
    let grant_requested = rules::apply_patch(&mut u, patch, actor, now);
    let user = write_user(conn, &u, now).await?;
    if !user.active {
        revoke_user_refresh_tokens(conn, id, now).await?;
    }
    Ok(Updated { user, grant_requested })
}

/// Approves or rejects the pending grant of `id` ([`rules::decide_grant`]). Approval also
/// revokes every credential of the account and returns the enrollment code with which its
/// holder sets their own password ([`enroll`]), to be handed over by the approver.
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
) -> Result<(User, PendingRole, Option<EnrollmentCode>), DomainError> {
    let mut u = user_for_update(conn, id).await?.ok_or(DomainError::NotFound)?;
    let pending = rules::decide_grant(&mut u, decider, decision)?;
    let user = write_user(conn, &u, now).await?;
    if !user.enrollment_pending {
        return Ok((user, pending, None));
    }
    // Every credential the account had ends: the password (which an admin may know), its
    // refresh tokens, its access tokens, and any earlier enrollment code.
    sqlx::query!(
        "UPDATE users SET password_hash = $2, token_generation = token_generation + 1 WHERE id = $1",
        id,
        crypto::NO_PASSWORD
    )
    .execute(&mut *conn)
    .await?;
    revoke_user_refresh_tokens(conn, id, now).await?;
    let code = issue_enrollment_code(conn, id, decider, now).await?;
    Ok((user, pending, Some(code)))
}

// ---------------------------------------------------------------------------------------
// Enrollment: the holder of an approved grant sets their own password

/// How long an enrollment code lasts: enough to hand it over the same working day.
pub const ENROLLMENT_CODE_HOURS: i64 = 24;

/// A one-time enrollment code as issued (never printed by `Debug`).
pub struct EnrollmentCode {
    pub code: String,
    pub expires_at: Ts,
}

impl std::fmt::Debug for EnrollmentCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EnrollmentCode")
            .field("code", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// Issues a fresh code for `user` (ending any earlier one) and keeps only its hash.
async fn issue_enrollment_code(
    conn: &mut PgConnection,
    user: Uuid,
    issued_by: Uuid,
    now: Ts,
) -> Result<EnrollmentCode, sqlx::Error> {
    sqlx::query!(
        "UPDATE enrollment_codes SET used_at = $2 WHERE user_id = $1 AND used_at IS NULL",
        user,
        now
    )
    .execute(&mut *conn)
    .await?;
    let code = crypto::opaque_token("cwe_");
    let expires_at = now.plus(jiff::SignedDuration::from_hours(ENROLLMENT_CODE_HOURS));
    sqlx::query!(
        r#"INSERT INTO enrollment_codes (id, user_id, code_hash, issued_by, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6)"#,
        Uuid::now_v7(),
        user,
        crypto::sha256(code.as_bytes()),
        issued_by,
        now,
        expires_at
    )
    .execute(conn)
    .await?;
    Ok(EnrollmentCode { code, expires_at })
}

/// Spends an enrollment code and sets the password of its account, which then opens
/// again. `email`, when given, must be that account's. Unknown, spent, expired and
/// foreign codes alike give `Ok(None)`; they are not told apart.
///
/// # Errors
/// `Busy`; `Db`.
pub async fn enroll(
    conn: &mut PgConnection,
    code: &str,
    email: Option<&str>,
    password: &Password,
    now: Ts,
) -> Result<Option<User>, DomainError> {
    let Some(r) = sqlx::query!(
        r#"SELECT e.id, e.user_id, e.expires_at, e.used_at, u.email, u.enrollment_pending
           FROM enrollment_codes e JOIN users u ON u.id = e.user_id
           WHERE e.code_hash = $1 FOR UPDATE OF e, u"#,
        crypto::sha256(code.as_bytes())
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let foreign = email.is_some_and(|e| !e.trim().eq_ignore_ascii_case(&r.email));
    if r.used_at.is_some() || r.expires_at <= now || !r.enrollment_pending || foreign {
        return Ok(None);
    }
    let hash = crypto::hash_password(password.expose()).await?;
    sqlx::query!("UPDATE enrollment_codes SET used_at = $2 WHERE id = $1", r.id, now)
        .execute(&mut *conn)
        .await?;
    sqlx::query!(
        r#"UPDATE users SET password_hash = $2, enrollment_pending = false, must_change_password = false,
                            version = version + 1, updated_at = $3
           WHERE id = $1"#,
        r.user_id,
        hash,
        now
    )
    .execute(&mut *conn)
    .await?;
    Ok(get_user(conn, r.user_id).await?)
}

// ---------------------------------------------------------------------------------------
// Passwords and what a token may open

/// The current password hash of an active, enrolled user, with the row locked for a
/// password change. `None` for an inactive, unenrolled or unknown user.
///
/// # Errors
/// Database errors only.
pub async fn password_hash_for_update(conn: &mut PgConnection, id: Uuid) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "SELECT password_hash FROM users WHERE id = $1 AND active AND NOT enrollment_pending FOR UPDATE",
        id
    )
    .fetch_optional(conn)
    .await
}

/// Replaces a password (the holder chose it: no change is required any more) and ends
/// every refresh-token family of the user.
///
/// # Errors
/// `Busy`; `Db`.
pub async fn set_password(conn: &mut PgConnection, id: Uuid, new: &Password, now: Ts) -> Result<(), DomainError> {
    let hash = crypto::hash_password(new.expose()).await?;
    sqlx::query!(
        r#"UPDATE users SET password_hash = $2, must_change_password = false, version = version + 1, updated_at = $3
           WHERE id = $1"#,
        id,
        hash,
        now
    )
    .execute(&mut *conn)
    .await?;
    Ok(revoke_user_refresh_tokens(conn, id, now).await?)
}

/// What a staff token may open now, read on every request so that deactivation, role
/// changes, revocation and password duties take effect at once rather than when the
/// access token expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub role: Role,
    /// Tokens issued in an earlier generation are void.
    pub token_generation: i64,
    /// The first sign-in with an admin-chosen password: only the password change opens.
    pub must_change_password: bool,
}

/// [`Access`] of an active, enrolled user; `None` opens nothing.
///
/// # Errors
/// Database errors only.
pub async fn access(conn: &mut PgConnection, id: Uuid) -> Result<Option<Access>, sqlx::Error> {
    let r = sqlx::query!(
        r#"SELECT role, token_generation, must_change_password FROM users
           WHERE id = $1 AND active AND NOT enrollment_pending"#,
        id
    )
    .fetch_optional(conn)
    .await?;
    Ok(r.map(|r| Access {
        role: role_of(&r.role),
        token_generation: r.token_generation,
        must_change_password: r.must_change_password,
    }))
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
