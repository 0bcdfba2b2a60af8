//! Small cryptographic helpers: randomness, token hashing, constant-time comparison
//! (`subtle`), bounded password hashing (Argon2id) and HMAC signing of opaque values.

use argon2::{
    Argon2, PasswordHash,
    password_hash::{SaltString, rand_core::OsRng},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

/// `n` bytes from the operating system's CSPRNG.
///
/// # Panics
/// Only when the operating system has no randomness to give, where nothing secure can
/// be done anyway.
#[must_use]
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the OS random number generator is available");
    buf
}

/// A URL-safe opaque token: `prefix` + 256 random bits.
#[must_use]
pub fn opaque_token(prefix: &str) -> String {
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random_bytes::<32>()))
}

/// SHA-256 of a high-entropy token; fine for lookup because the input cannot be guessed.
#[must_use]
pub fn sha256(data: &[u8]) -> Vec<u8> {
    Sha256::digest(data).to_vec()
}

/// Compares two secrets (hashes, MACs) in time that depends only on their lengths.
#[must_use]
pub fn secret_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

type HmacSha256 = hmac::Hmac<Sha256>;

/// HMAC-SHA-256 of `data` under `key`.
#[must_use]
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// Argon2id cost, stated rather than taken from the library's `Default` (which could
/// change under us): 19 MiB of memory, two passes, one lane, a 32-byte output (the
/// OWASP-recommended minimum). Each hash or verification holds the 19 MiB while it runs,
/// so how many run at once is bounded by [`PasswordHashing`].
pub const ARGON2_M_COST_KIB: u32 = 19 * 1024;
pub const ARGON2_T_COST: u32 = 2;
pub const ARGON2_P_COST: u32 = 1;
pub const ARGON2_OUTPUT_LEN: usize = 32;

fn params() -> argon2::Params {
    argon2::Params::new(ARGON2_M_COST_KIB, ARGON2_T_COST, ARGON2_P_COST, Some(ARGON2_OUTPUT_LEN))
        .expect("the stated Argon2 parameters are in range")
}

/// The working memory of one Argon2id computation at our cost (19 MiB).
fn fresh_memory() -> Vec<argon2::Block> {
    vec![argon2::Block::default(); params().block_count()]
}

/// Hashes `password` with a fresh salt into a PHC string, in `memory`.
fn hash_in(password: &str, memory: &mut [argon2::Block]) -> Option<String> {
    let params = params();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_buf).ok()?;
    let mut out = [0u8; ARGON2_OUTPUT_LEN];
    Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params.clone())
        .hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, memory)
        .ok()?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(argon2::Version::V0x13.into()),
        params: argon2::password_hash::ParamsString::try_from(&params).ok()?,
        salt: Some(salt.as_salt()),
        hash: Some(argon2::password_hash::Output::new(&out).ok()?),
    };
    Some(phc.to_string())
}

/// Checks `password` against a PHC string, in `memory`: only Argon2id hashes whose cost
/// fits in it are computed (a row we did not write never matches); the outputs are
/// compared in constant time.
fn verify_in(password: &str, phc: &str, memory: &mut [argon2::Block]) -> bool {
    let Ok(h) = PasswordHash::new(phc) else { return false };
    let (Ok(params), Some(expected), Some(salt)) = (argon2::Params::try_from(&h), h.hash, h.salt) else {
        return false;
    };
    let Ok(version) = h.version.map_or(Ok(argon2::Version::V0x13), argon2::Version::try_from) else {
        return false;
    };
    if h.algorithm != argon2::ARGON2ID_IDENT || params.block_count() > memory.len() || params.p_cost() > 4 {
        return false;
    }
    let mut salt_buf = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let blocks = params.block_count();
    Argon2::new(argon2::Algorithm::Argon2id, version, params)
        .hash_password_into_with_memory(password.as_bytes(), salt_bytes, &mut out, &mut memory[..blocks])
        .is_ok_and(|()| secret_eq(&out, expected.as_bytes()))
}

/// Hashes a password with Argon2id and a fresh salt (PHC string), on the calling thread
/// with memory of its own. Requests go through [`hash_password`], which bounds how many
/// run at once and reuses their memory.
///
/// # Panics
/// Never in practice: hashing only fails for out-of-range parameters, and ours are fixed.
#[must_use]
pub fn hash_password_now(password: &str) -> String {
    hash_in(password, &mut fresh_memory()).expect("Argon2id with the stated parameters hashes any password")
}

/// Checks a password against a PHC string on the calling thread, with memory of its own.
#[must_use]
pub fn verify_password_now(password: &str, phc: &str) -> bool {
    verify_in(password, phc, &mut fresh_memory())
}

/// Too many password hashes are waiting already: answer 503 and let the caller retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("password hashing is saturated")]
pub struct Busy;

/// How long a request waits for a free hashing thread before it is told to come back.
pub const HASH_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

type Job = Box<dyn FnOnce(&mut [argon2::Block]) + Send>;

/// The bounded password-hashing pool of the process: as many threads as there are cores,
/// each running one Argon2id at a time, so at most that many 19 MiB blocks are live
/// whatever the load; a request waits up to [`HASH_WAIT`] for one, then gets [`Busy`].
/// Each thread allocates its 19 MiB once and reuses it for every hash, so the memory
/// hashing takes is fixed (threads × 19 MiB), whatever the allocator would do with a fresh
/// block per call on tokio's blocking pool (which grows to hundreds of threads).
pub struct PasswordHashing {
    permits: tokio::sync::Semaphore,
    jobs: std::sync::Mutex<std::sync::mpsc::Sender<Job>>,
    threads: usize,
}

impl PasswordHashing {
    fn start(threads: usize) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..threads {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new().name(format!("argon2-{i}")).spawn(move || {
                let mut memory = fresh_memory();
                loop {
                    // The lock is held only to take the next job.
                    let job = match rx.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(&mut memory),
                        Err(_) => return,
                    }
                }
            });
            if spawned.is_err() {
                tracing::error!("cannot start a password-hashing thread");
            }
        }
        Self {
            permits: tokio::sync::Semaphore::new(threads),
            jobs: std::sync::Mutex::new(tx),
            threads,
        }
    }

    /// Sizes the process's pool (`None`: one thread per core) unless it is running
    /// already; returns it.
    pub fn configure(threads: Option<usize>) -> &'static Self {
        static POOL: std::sync::OnceLock<PasswordHashing> = std::sync::OnceLock::new();
        POOL.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
            PasswordHashing::start(threads.unwrap_or(cores).max(1))
        })
    }

    /// The process's pool (one thread per core unless [`PasswordHashing::configure`]d).
    pub fn global() -> &'static Self {
        Self::configure(None)
    }

    /// How many hashes may run at once.
    #[must_use]
    pub fn threads(&self) -> usize {
        self.threads
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut [argon2::Block]) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let _permit = tokio::time::timeout(HASH_WAIT, self.permits.acquire())
            .await
            .map_err(|_| Busy)?
            .map_err(|_| Busy)?;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |memory| {
            let _ = tx.send(work(memory));
        });
        self.jobs.lock().map_err(|_| Busy)?.send(job).map_err(|_| Busy)?;
        rx.await.map_err(|_| Busy)
    }
}

/// Hashes a password with Argon2id on the bounded pool.
///
/// # Errors
/// [`Busy`] when no hashing thread frees up in time.
pub async fn hash_password(password: &str) -> Result<String, Busy> {
    let password = password.to_owned();
    PasswordHashing::global()
        .run(move |memory| hash_in(&password, memory))
        .await?
        .ok_or(Busy)
}

/// Checks a password against a PHC string on the bounded pool.
///
/// # Errors
/// [`Busy`] when no hashing thread frees up in time.
pub async fn verify_password(password: &str, phc: &str) -> Result<bool, Busy> {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    PasswordHashing::global()
        .run(move |memory| verify_in(&password, &phc, memory))
        .await
}

/// Checks `password` against a valid Argon2id hash of a random password (made once, on
/// the pool), when the user is unknown: "no such user" then takes as long as "wrong
/// password", and costs the same bounded memory.
///
/// # Errors
/// [`Busy`] when no hashing thread frees up in time.
pub async fn verify_against_dummy(password: &str) -> Result<bool, Busy> {
    static DUMMY: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let phc = DUMMY
        .get_or_try_init(async || hash_password(&opaque_token("")).await)
        .await?;
    verify_password(password, phc).await
}

/// What an account holds instead of a hash once its credentials are revoked: no password
/// verifies against it.
pub const NO_PASSWORD: &str = "!";

/// Base64url without padding.
#[must_use]
pub fn b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Decodes base64url without padding.
#[must_use]
pub fn unb64(s: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::PasswordHasher;

    #[test]
    fn password_round_trip() {
        let h = hash_password_now("correct horse battery");
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password_now("correct horse battery", &h));
        assert!(!verify_password_now("wrong", &h));
        assert!(!verify_password_now("x", "not a hash"));
        assert!(!verify_password_now("x", NO_PASSWORD));
    }

    #[test]
    fn a_hash_costlier_than_ours_is_not_computed() {
        let big = argon2::Params::new(64 * 1024, 1, 1, None).unwrap();
        let salt = SaltString::generate(&mut OsRng);
        let h = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, big)
            .hash_password(b"pw", &salt)
            .unwrap()
            .to_string();
        assert!(!verify_password_now("pw", &h));
    }

    #[tokio::test]
    async fn the_pool_hashes_and_verifies() {
        let h = hash_password("correct horse battery").await.unwrap();
        assert!(verify_password_now("correct horse battery", &h));
        let library = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params())
            .hash_password(b"correct horse battery", &SaltString::generate(&mut OsRng))
            .unwrap()
            .to_string();
        assert!(verify_password("correct horse battery", &library).await.unwrap());
        assert!(verify_password("correct horse battery", &h).await.unwrap());
        assert!(!verify_password("wrong", &h).await.unwrap());
        assert!(PasswordHashing::global().threads() >= 1);
    }

    #[test]
    fn secrets_compare() {
        assert!(secret_eq(b"abc", b"abc"));
        assert!(!secret_eq(b"abc", b"abd"));
        assert!(!secret_eq(b"abc", b"ab"));
    }
}
