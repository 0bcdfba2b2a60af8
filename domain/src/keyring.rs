//! The key ring: the AES-256-GCM keys that seal client details and the service's own
//! secrets at rest (see `docs/encryption.md`). It comes from configuration, never from the
//! database, so a copy of the database alone opens nothing.
//!
//! Written `id:base64key` entries separated by commas or new lines; the first entry is the
//! primary key (it seals new values), the others only open values sealed before a rotation.
//! A process holds one ring, [`install`]ed at start and read by [`installed`].

use std::{
    fmt,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use aes_gcm::{Aes256Gcm, KeyInit, aead::Aead, aead::Payload};
use base64::{Engine, engine::general_purpose::STANDARD};
use secrecy::{ExposeSecret, SecretBox, SecretString};

use crate::crypto;

/// Bytes of an AES-256 key.
pub const KEY_LEN: usize = 32;
/// Bytes of an AES-GCM nonce.
pub const NONCE_LEN: usize = 12;
/// Where a development key ring is generated when none is configured.
pub const DEV_KEYRING_FILE: &str = ".casework/dev-keyring";

/// Why a key ring could not be loaded. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    #[error("the key ring is empty")]
    Empty,
    #[error("key ring entry {0}: expected `id:base64key`")]
    NoSeparator(usize),
    #[error("key ring entry {0}: the key id must be 1-64 letters, digits, `-`, `_` or `.`")]
    BadId(usize),
    #[error("key ring entry {0} ({1}): the key is not valid base64")]
    NotBase64(usize, String),
    #[error("key ring entry {0} ({1}): the key is {2} bytes, an AES-256 key is 32")]
    WrongLength(usize, String, usize),
    #[error("key ring entry {0}: the key id {1} appears twice")]
    DuplicateId(usize, String),
    #[error("reading the key ring file {0}: {1}")]
    File(PathBuf, std::io::Error),
    #[error("this process already runs with another key ring")]
    AlreadyInstalled,
}

struct RingKey {
    id: String,
    key: SecretBox<[u8; KEY_LEN]>,
}

/// The reserved ring entry id of the blind-index key (see `docs/encryption.md`): it never
/// seals, and it stays in the ring across rotations so lookups keep matching.
pub const INDEX_KEY_ID: &str = "index";

/// AES-256-GCM keys by id; the first is the primary. Plus the blind-index key, when the
/// ring has an [`INDEX_KEY_ID`] entry.
pub struct KeyRing {
    keys: Vec<RingKey>,
    index: Option<SecretBox<[u8; KEY_LEN]>>,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("ids", &self.ids())
            .finish_non_exhaustive()
    }
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

impl KeyRing {
    /// Parses `id:base64key` entries separated by commas or new lines; blank lines and
    /// lines starting with `#` are ignored (comments in a key ring file).
    ///
    /// # Errors
    /// Which entry is malformed and how (never the key itself).
    pub fn parse(text: &str) -> Result<Self, KeyRingError> {
        let entries = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#'))
            .flat_map(|l| l.split(','))
            .map(str::trim)
            .filter(|e| !e.is_empty());
        let mut keys: Vec<RingKey> = Vec::new();
        let mut index: Option<SecretBox<[u8; KEY_LEN]>> = None;
        for (i, entry) in entries.enumerate() {
            let n = i + 1;
            let (id, b64) = entry.split_once(':').ok_or(KeyRingError::NoSeparator(n))?;
            let (id, b64) = (id.trim(), b64.trim());
            if !valid_id(id) {
                return Err(KeyRingError::BadId(n));
            }
            let raw = STANDARD
                .decode(b64)
                .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(b64))
                .map_err(|_| KeyRingError::NotBase64(n, id.to_owned()))?;
            let key: [u8; KEY_LEN] = raw
                .as_slice()
                .try_into()
                .map_err(|_| KeyRingError::WrongLength(n, id.to_owned(), raw.len()))?;
            if keys.iter().any(|k| k.id == id) || (id == INDEX_KEY_ID && index.is_some()) {
                return Err(KeyRingError::DuplicateId(n, id.to_owned()));
            }
            if id == INDEX_KEY_ID {
                index = Some(SecretBox::new(Box::new(key)));
                continue;
            }
            keys.push(RingKey {
                id: id.to_owned(),
                key: SecretBox::new(Box::new(key)),
            });
        }
        if keys.is_empty() {
            return Err(KeyRingError::Empty);
        }
        Ok(Self { keys, index })
    }

    /// A fresh one-key ring entry, `id:base64key` (`casework-api keygen`).
    #[must_use]
    pub fn generate_entry(id: Option<&str>) -> String {
        let id = id.map_or_else(|| format!("k{}", hex(&crypto::random_bytes::<4>())), str::to_owned);
        format!("{id}:{}", STANDARD.encode(crypto::random_bytes::<KEY_LEN>()))
    }

    /// The key ids, primary first.
    #[must_use]
    pub fn ids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.id.as_str()).collect()
    }

    /// The id of the key that seals new values.
    #[must_use]
    pub fn primary_id(&self) -> &str {
        &self.keys[0].id
    }

    /// Encrypts under the primary key: `(key id, nonce ‖ ciphertext ‖ tag)`. The
    /// associated data is authenticated, not stored.
    #[must_use]
    pub fn encrypt(&self, plaintext: &[u8], aad: &[u8]) -> (&str, Vec<u8>) {
        let primary = &self.keys[0];
        let nonce = crypto::random_bytes::<NONCE_LEN>();
        let cipher = Aes256Gcm::new(primary.key.expose_secret().into());
        // AES-GCM encryption only fails for plaintexts beyond 64 GiB.
        let sealed = cipher
            .encrypt(&nonce.into(), Payload { msg: plaintext, aad })
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(sealed);
        (&primary.id, out)
    }

    /// Decrypts what [`KeyRing::encrypt`] produced under key `id`.
    ///
    /// # Errors
    /// `UnknownKey` when the ring has no key `id`; `Forged` when authentication fails (the
    /// value was altered, moved to another row or column, or sealed under another key of
    /// the same id).
    pub fn decrypt(&self, id: &str, sealed: &[u8], aad: &[u8]) -> Result<Vec<u8>, OpenError> {
        let key = self.keys.iter().find(|k| k.id == id).ok_or(OpenError::UnknownKey)?;
        if sealed.len() < NONCE_LEN {
            return Err(OpenError::Forged);
        }
        let (nonce, ct) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| OpenError::Forged)?;
        Aes256Gcm::new(key.key.expose_secret().into())
            .decrypt(&nonce.into(), Payload { msg: ct, aad })
            .map_err(|_| OpenError::Forged)
    }

    /// Whether the ring has a dedicated blind-index key ([`INDEX_KEY_ID`]).
    #[must_use]
    pub fn has_index_key(&self) -> bool {
        self.index.is_some()
    }

    /// A keyed blind index of `data` (HMAC-SHA-256): equal inputs give equal bytes, and
    /// without the key the bytes say nothing about the input. Under the ring's
    /// [`INDEX_KEY_ID`] entry; a ring without one derives its index key from the primary
    /// key, which changes when the primary rotates (`casework-api rekey` then recomputes
    /// every index).
    #[must_use]
    pub fn blind_index(&self, data: &[u8]) -> Vec<u8> {
        match &self.index {
            Some(key) => crypto::hmac_sha256(key.expose_secret(), data),
            None => {
                let derived = crypto::hmac_sha256(self.keys[0].key.expose_secret(), b"casework-blind-index-key-1");
                crypto::hmac_sha256(&derived, data)
            }
        }
    }

    /// Whether two rings hold the same keys in the same order.
    fn same_as(&self, other: &Self) -> bool {
        let same_index = match (&self.index, &other.index) {
            (None, None) => true,
            (Some(a), Some(b)) => crypto::secret_eq(a.expose_secret(), b.expose_secret()),
            _ => false,
        };
        same_index
            && self.keys.len() == other.keys.len()
            && self
                .keys
                .iter()
                .zip(&other.keys)
                .all(|(a, b)| a.id == b.id && crypto::secret_eq(a.key.expose_secret(), b.key.expose_secret()))
    }
}

/// Why a sealed value did not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OpenError {
    #[error("sealed under a key that is not in the key ring")]
    UnknownKey,
    #[error("failed authentication: altered, moved from another row or column, or a different key")]
    Forged,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A key ring as configured text: never printed, wiped from memory when dropped.
pub struct KeyRingText(SecretString);

impl Clone for KeyRingText {
    fn clone(&self) -> Self {
        Self(self.0.expose_secret().into())
    }
}

impl fmt::Debug for KeyRingText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl std::str::FromStr for KeyRingText {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(s.into()))
    }
}

/// Where a process takes its key ring from (flags and environment of each binary).
#[derive(Clone, Debug, Default)]
pub struct KeyRingSource {
    /// The ring itself (`CASEWORK_KEYRING`); wins over the file.
    pub inline: Option<KeyRingText>,
    /// A file holding the ring (`CASEWORK_KEYRING_FILE`); must exist when given.
    pub file: Option<PathBuf>,
}

impl KeyRingSource {
    /// Loads the ring: inline, else the configured file, else the development file
    /// ([`DEV_KEYRING_FILE`]), which is generated with a warning when missing.
    ///
    /// # Errors
    /// A malformed ring, or a configured file that cannot be read.
    pub fn load(&self) -> Result<KeyRing, KeyRingError> {
        if let Some(inline) = &self.inline {
            return KeyRing::parse(inline.0.expose_secret());
        }
        if let Some(path) = &self.file {
            return read_file(path);
        }
        let path = Path::new(DEV_KEYRING_FILE);
        if !path.exists() {
            match write_dev_file(path) {
                // Another process (the worker started beside the API) made it first.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(KeyRingError::File(path.to_owned(), e)),
                Ok(()) => {}
            }
            tracing::warn!(
                path = %path.display(),
                "GENERATED A DEVELOPMENT KEY RING: no CASEWORK_KEYRING or CASEWORK_KEYRING_FILE is set. \
                 Everything sealed now opens only with this file; fine on a developer machine, never in production"
            );
        }
        tracing::warn!(
            path = %path.display(),
            "USING THE DEVELOPMENT KEY RING: set CASEWORK_KEYRING or CASEWORK_KEYRING_FILE in production"
        );
        read_file(path)
    }
}

impl KeyRingSource {
    /// Loads the ring ([`KeyRingSource::load`]) and makes it this process's ring
    /// ([`install`]): what every binary does at start.
    ///
    /// # Errors
    /// A ring that cannot be loaded (naming the setting it came from) or that differs from
    /// the one already installed.
    pub fn load_and_install(&self) -> Result<&'static KeyRing, SetupError> {
        let origin = if self.inline.is_some() {
            "CASEWORK_KEYRING"
        } else {
            "CASEWORK_KEYRING_FILE"
        };
        let ring = self
            .load()
            .map_err(|error| SetupError::Load(Sourced { origin, error }))?;
        install(ring).map_err(SetupError::Install)
    }
}

/// Why a process could not set up its key ring. Never carries key material.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("loading the key ring")]
    Load(#[source] Sourced),
    #[error("installing the key ring")]
    Install(#[source] KeyRingError),
}

/// A loading error with the setting the ring came from.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {error}")]
pub struct Sourced {
    origin: &'static str,
    error: KeyRingError,
}

fn read_file(path: &Path) -> Result<KeyRing, KeyRingError> {
    let text = std::fs::read_to_string(path).map_err(|e| KeyRingError::File(path.to_owned(), e))?;
    KeyRing::parse(&text)
}

fn write_dev_file(path: &Path) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path)?;
    writeln!(
        f,
        "# Casework DEVELOPMENT key ring, generated on first start. Not for production."
    )?;
    writeln!(f, "{}", KeyRing::generate_entry(Some("dev")))?;
    writeln!(f, "# The blind-index key of client lookups: keep it across rotations.")?;
    writeln!(f, "{}", KeyRing::generate_entry(Some(INDEX_KEY_ID)))
}

static RING: OnceLock<KeyRing> = OnceLock::new();

/// Makes `ring` the key ring of this process. Installing the same ring again is a no-op
/// (tests build several applications in one process).
///
/// # Errors
/// `AlreadyInstalled` when a different ring is installed.
pub fn install(ring: KeyRing) -> Result<&'static KeyRing, KeyRingError> {
    let installed = RING.get_or_init(|| ring.clone_keys());
    if installed.same_as(&ring) {
        Ok(installed)
    } else {
        Err(KeyRingError::AlreadyInstalled)
    }
}

/// The key ring of this process.
///
/// # Panics
/// When no ring was installed: every binary installs one before touching the database.
#[must_use]
pub fn installed() -> &'static KeyRing {
    RING.get()
        .expect("a key ring is installed at start (keyring::install) before sealed values are read or written")
}

impl KeyRing {
    fn clone_keys(&self) -> Self {
        Self {
            keys: self
                .keys
                .iter()
                .map(|k| RingKey {
                    id: k.id.clone(),
                    key: SecretBox::new(Box::new(*k.key.expose_secret())),
                })
                .collect(),
            index: self
                .index
                .as_ref()
                .map(|k| SecretBox::new(Box::new(*k.expose_secret()))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const K1: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn parses_a_ring_primary_first() {
        let ring = KeyRing::parse(&format!("new:{K1}, old:{K1}")).unwrap();
        assert_eq!(ring.ids(), ["new", "old"]);
        assert_eq!(ring.primary_id(), "new");
        let file = format!("# comment\n\nnew:{K1}\nold:{K1}\n");
        assert_eq!(KeyRing::parse(&file).unwrap().ids(), ["new", "old"]);
        assert!(KeyRing::parse(&KeyRing::generate_entry(None)).is_ok());
    }

    #[test]
    fn the_index_entry_never_seals_and_keeps_indexes_across_rotation() {
        const K2: &str = "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=";
        let before = KeyRing::parse(&format!("old:{K1},index:{K2}")).unwrap();
        let after = KeyRing::parse(&format!("new:{K2},old:{K1},index:{K2}")).unwrap();
        assert_eq!(before.ids(), ["old"]);
        assert!(before.has_index_key());
        assert_eq!(before.blind_index(b"a"), after.blind_index(b"a"));
        assert_ne!(before.blind_index(b"a"), before.blind_index(b"b"));
        assert!(matches!(
            KeyRing::parse(&format!("index:{K2}")),
            Err(KeyRingError::Empty)
        ));
        assert!(matches!(
            KeyRing::parse(&format!("a:{K1},index:{K2},index:{K2}")),
            Err(KeyRingError::DuplicateId(3, _))
        ));
    }

    #[test]
    fn malformed_rings_say_which_entry_and_never_the_key() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("justakey", "entry 1: expected `id:base64key`"),
            (&format!("a:{K1},:{K1}"), "entry 2: the key id"),
            ("a:not*base64", "entry 1 (a): the key is not valid base64"),
            ("a:AAECAwQ=", "entry 1 (a): the key is 5 bytes"),
            (&format!("a:{K1},a:{K1}"), "entry 2: the key id a appears twice"),
        ];
        for (text, want) in cases {
            let e = KeyRing::parse(text).unwrap_err().to_string();
            assert!(e.contains(want), "{text:?}: {e}");
            assert!(!e.contains(K1));
        }
    }

    #[test]
    fn associated_data_and_key_id_bind_the_ciphertext() {
        let ring = KeyRing::parse(&format!("a:{K1}")).unwrap();
        let (id, ct) = ring.encrypt(b"Alex", b"row 1");
        assert_eq!(ring.decrypt(id, &ct, b"row 1").unwrap(), b"Alex");
        assert_eq!(ring.decrypt(id, &ct, b"row 2"), Err(OpenError::Forged));
        assert_eq!(ring.decrypt("b", &ct, b"row 1"), Err(OpenError::UnknownKey));
        assert_eq!(ring.decrypt(id, &ct[..5], b"row 1"), Err(OpenError::Forged));
        assert!(!format!("{ring:?}").contains(K1));
    }
}
