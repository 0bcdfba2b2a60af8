//! Ed25519 signing keys for access tokens, kept in the database so every replica signs and
//! verifies with the same set. The newest unretired key signs; a retired key stays
//! published (and verifying) until every token it signed has expired. The private part is
//! sealed under the key ring (`case::protect`) and erased when the key retires: a retired
//! key never signs again, so nothing needs it.

use ed25519_dalek::{SigningKey, pkcs8::EncodePrivateKey};
use sqlx::PgConnection;

use crate::{case::protect, crypto, timestamp::Ts};

/// Transaction advisory lock serialising changes to the key set.
const KEYS_LOCK: i64 = 7242;

/// A key as the verifier needs it.
#[derive(Debug, Clone)]
pub struct PublicKey {
    pub kid: String,
    /// Raw 32-byte Ed25519 public key.
    pub public_key: Vec<u8>,
    pub created_at: Ts,
    pub retired_at: Option<Ts>,
}

/// The key that signs new tokens.
pub struct SigningMaterial {
    pub kid: String,
    /// PKCS#8 DER of the private key.
    pub private_pkcs8: Vec<u8>,
}

impl std::fmt::Debug for SigningMaterial {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningMaterial")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

/// Generates and stores a new key, which becomes the signing key; every older key is
/// retired from signing at `now` (it keeps verifying until its tokens expire).
///
/// # Errors
/// Database errors only.
///
/// # Panics
/// Never: PKCS#8 encoding of a fresh Ed25519 key cannot fail.
pub async fn rotate(conn: &mut PgConnection, now: Ts) -> Result<PublicKey, sqlx::Error> {
    // Serialise rotations (and first-start creation): two at once would each retire only
    // the keys they saw and leave two signing keys.
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", KEYS_LOCK)
        .execute(&mut *conn)
        .await?;
    let signing = SigningKey::from_bytes(&crypto::random_bytes::<32>());
    let der = signing.to_pkcs8_der().expect("an Ed25519 key encodes as PKCS#8");
    let public = signing.verifying_key().to_bytes().to_vec();
    // The kid is derived from the public key, so it names the key and nothing else.
    let kid = crypto::b64(&crypto::sha256(&public)[..12]);
    sqlx::query!(
        "UPDATE signing_keys SET retired_at = $1, private_pkcs8 = NULL WHERE retired_at IS NULL",
        now
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query_as!(
        PublicKey,
        r#"INSERT INTO signing_keys (kid, algorithm, private_pkcs8, public_key, created_at)
           VALUES ($1, 'EdDSA', $2, $3, $4)
           RETURNING kid, public_key, created_at, retired_at"#,
        kid,
        protect::seal_bytes(der.as_bytes(), &protect::SIGNING_KEY_PRIVATE.at(&kid)),
        public,
        now
    )
    .fetch_one(conn)
    .await
}

/// Makes sure a signing key exists (first start). Serialised by an advisory lock so two
/// replicas starting together create one key, not two.
///
/// # Errors
/// Database errors only.
pub async fn ensure_signing_key(conn: &mut PgConnection, now: Ts) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", KEYS_LOCK)
        .execute(&mut *conn)
        .await?;
    let has = sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM signing_keys WHERE retired_at IS NULL) AS "e!""#)
        .fetch_one(&mut *conn)
        .await?;
    if !has {
        rotate(conn, now).await?;
    }
    Ok(())
}

/// The current signing key.
///
/// # Errors
/// Database errors, or a private key that does not open with the key ring.
pub async fn current_signing_key(conn: &mut PgConnection) -> Result<Option<SigningMaterial>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT kid, private_pkcs8 AS "private_pkcs8!" FROM signing_keys
           WHERE retired_at IS NULL AND private_pkcs8 IS NOT NULL ORDER BY created_at DESC LIMIT 1"#
    )
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        let private_pkcs8 = protect::open_bytes(&r.private_pkcs8, &protect::SIGNING_KEY_PRIVATE.at(&r.kid))?;
        Ok(SigningMaterial {
            kid: r.kid,
            private_pkcs8,
        })
    })
    .transpose()
}

/// Keys that may still verify tokens: unretired ones, and those retired less than
/// `grace` ago (the longest an access token lives, plus clock skew).
///
/// # Errors
/// Database errors only.
pub async fn verifying_keys(
    conn: &mut PgConnection,
    now: Ts,
    grace: jiff::SignedDuration,
) -> Result<Vec<PublicKey>, sqlx::Error> {
    let cutoff = now.plus(-grace);
    sqlx::query_as!(
        PublicKey,
        r#"SELECT kid, public_key, created_at, retired_at FROM signing_keys
           WHERE retired_at IS NULL OR retired_at > $1 ORDER BY created_at DESC"#,
        cutoff
    )
    .fetch_all(conn)
    .await
}
