//! The one door to client details at rest (names, contact, notes, evidence descriptions,
//! summaries) and to the service's own secrets. Every sealed column is written by [`seal`]
//! and read by [`open`], and is listed in [`SEALED`] so that `casework-api rekey` finds it.
//! See `docs/encryption.md`.
//!
//! Format: one version byte, then the payload.
//! - Version 0: the plain payload (JSON of the value, or raw bytes). Written before
//!   encryption existed; still read until `casework-api rekey` has sealed everything.
//! - Version 1: key-id length (one byte), key id, then AES-256-GCM nonce ‖ ciphertext ‖ tag
//!   of the payload under that key of the ring. The associated data names the table, the
//!   column and the row, so a value copied into another row or column does not open.

use std::fmt;

use serde::{Serialize, de::DeserializeOwned};

use crate::keyring::{self, KeyRing, OpenError};

const PLAIN: u8 = 0;
const AES_GCM: u8 = 1;

/// A sealed column: its table, its name, and the SQL expression (as text) naming a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub table: &'static str,
    pub column: &'static str,
    /// SQL for the row's key as text, the same value passed to [`Column::at`].
    pub row_key: &'static str,
}

impl Column {
    const fn by_id(table: &'static str, column: &'static str) -> Self {
        Self {
            table,
            column,
            row_key: "id::text",
        }
    }

    /// This column in the row whose key is `row` (its id).
    #[must_use]
    pub fn at(self, row: impl fmt::Display) -> At {
        At {
            column: self,
            row: row.to_string(),
        }
    }
}

/// One sealed value's place: the column and the row key. Bound into its ciphertext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct At {
    column: Column,
    row: String,
}

impl At {
    fn aad(&self, key_id: &str) -> Vec<u8> {
        let Column { table, column, .. } = self.column;
        format!("casework-seal-1\0{table}\0{column}\0{}\0{key_id}", self.row).into_bytes()
    }
}

pub const CASE_CLIENT: Column = Column::by_id("cases", "client_sealed");
pub const CASE_SUMMARY: Column = Column::by_id("cases", "summary_sealed");
pub const NOTE_BODY: Column = Column::by_id("case_notes", "body_sealed");
pub const EVIDENCE_DESCRIPTION: Column = Column::by_id("case_evidence", "description_sealed");
pub const EVIDENCE_URL: Column = Column::by_id("case_evidence", "url_sealed");
pub const EVIDENCE_POSTER: Column = Column::by_id("case_evidence", "poster_sealed");
pub const RESPONDENT_NAME: Column = Column::by_id("claim_respondents", "name_sealed");
pub const CLAIM_APPLICANT_NAME: Column = Column::by_id("claims", "applicant_name_sealed");
pub const CLAIM_TRANSITION_NOTE: Column = Column::by_id("claim_transitions", "note_sealed");
pub const BINDING_RECORD_NOTE: Column = Column::by_id("order_binding_records", "note_sealed");
pub const TAKEDOWN_WAIVER_REASON: Column = Column::by_id("takedown_requests", "evidence_waiver_reason_sealed");
pub const TAKEDOWN_OVERRIDE_REASON: Column = Column::by_id("takedown_requests", "override_reason_sealed");
pub const TAKEDOWN_COPYRIGHT: Column = Column::by_id("takedown_requests", "copyright_sealed");
pub const TAKEDOWN_TRANSITION_NOTE: Column = Column::by_id("takedown_transitions", "note_sealed");
pub const SIGNING_KEY_PRIVATE: Column = Column {
    table: "signing_keys",
    column: "private_pkcs8",
    row_key: "kid",
};
pub const APP_SECRET: Column = Column {
    table: "app_secrets",
    column: "secret",
    row_key: "name",
};
pub const IDEMPOTENT_RESPONSE: Column = Column {
    table: "idempotency_keys",
    column: "response_body",
    row_key: "caller || E'\\n' || key",
};

/// Every sealed column, for re-encryption. A new sealed column is added here.
pub const SEALED: &[Column] = &[
    CASE_CLIENT,
    CASE_SUMMARY,
    NOTE_BODY,
    EVIDENCE_DESCRIPTION,
    EVIDENCE_URL,
    EVIDENCE_POSTER,
    RESPONDENT_NAME,
    CLAIM_APPLICANT_NAME,
    CLAIM_TRANSITION_NOTE,
    BINDING_RECORD_NOTE,
    TAKEDOWN_WAIVER_REASON,
    TAKEDOWN_OVERRIDE_REASON,
    TAKEDOWN_COPYRIGHT,
    TAKEDOWN_TRANSITION_NOTE,
    SIGNING_KEY_PRIVATE,
    APP_SECRET,
    IDEMPOTENT_RESPONSE,
];

/// The row key of an idempotency record (caller and key), as [`IDEMPOTENT_RESPONSE`]'s
/// `row_key` computes it.
#[must_use]
pub fn idempotency_row(caller: &str, key: &str) -> String {
    format!("{caller}\n{key}")
}

/// Seals a value for storage at `at`, under the primary key of the process's ring.
#[must_use]
pub fn seal<T: Serialize + ?Sized>(value: &T, at: At) -> Vec<u8> {
    // Serialising our own plain data types cannot fail.
    seal_bytes(&serde_json::to_vec(value).unwrap_or_default(), &at)
}

/// Seals raw bytes (secrets, stored responses) at `at`.
#[must_use]
pub fn seal_bytes(payload: &[u8], at: &At) -> Vec<u8> {
    seal_with(keyring::installed(), payload, at)
}

fn seal_with(ring: &KeyRing, payload: &[u8], at: &At) -> Vec<u8> {
    let primary = ring.primary_id();
    let (key_id, body) = ring.encrypt(payload, &at.aad(primary));
    let mut out = Vec::with_capacity(2 + key_id.len() + body.len());
    out.push(AES_GCM);
    // Key ids are at most 64 bytes (keyring::KeyRing::parse).
    out.push(u8::try_from(key_id.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(key_id.as_bytes());
    out.extend(body);
    out
}

/// Opens a sealed value read from `at`.
///
/// # Errors
/// A decode error when the bytes are not a sealed value of this type, or do not open at
/// this place with this ring (logged with the place, never the content).
pub fn open<T: DeserializeOwned>(sealed: &[u8], at: At) -> Result<T, sqlx::Error> {
    let payload = open_bytes(sealed, &at)?;
    serde_json::from_slice(&payload).map_err(|e| sqlx::Error::Decode(format!("sealed value: {e}").into()))
}

/// Opens sealed raw bytes read from `at`.
///
/// # Errors
/// As [`open`].
pub fn open_bytes(sealed: &[u8], at: &At) -> Result<Vec<u8>, sqlx::Error> {
    open_with(keyring::installed(), sealed, at).map(|(payload, _)| payload)
}

/// The payload and the id of the key it was sealed under (`None`: plain, version 0).
fn open_with(ring: &KeyRing, sealed: &[u8], at: &At) -> Result<(Vec<u8>, Option<String>), sqlx::Error> {
    let fail = |why: &str| {
        tracing::error!(
            sealed.table = at.column.table,
            sealed.column = at.column.column,
            sealed.row = %at.row,
            "a sealed value did not open: {why}"
        );
        sqlx::Error::Decode(format!("sealed value in {}.{}: {why}", at.column.table, at.column.column).into())
    };
    match sealed.split_first() {
        Some((&PLAIN, body)) => Ok((body.to_vec(), None)),
        Some((&AES_GCM, rest)) => {
            let (&id_len, rest) = rest.split_first().ok_or_else(|| fail("truncated"))?;
            let id_len = usize::from(id_len);
            if rest.len() < id_len {
                return Err(fail("truncated"));
            }
            let (id, body) = rest.split_at(id_len);
            let id = std::str::from_utf8(id).map_err(|_| fail("malformed key id"))?;
            match ring.decrypt(id, body, &at.aad(id)) {
                Ok(payload) => Ok((payload, Some(id.to_owned()))),
                Err(e @ OpenError::UnknownKey) => Err(fail(&format!("{e} (key id {id})"))),
                Err(e @ OpenError::Forged) => Err(fail(&e.to_string())),
            }
        }
        _ => Err(fail("unknown format")),
    }
}

/// How every value sealed under the primary key of `ring` begins (re-encryption finds the
/// others by it).
#[must_use]
pub fn primary_prefix(ring: &KeyRing) -> Vec<u8> {
    let id = ring.primary_id();
    let mut out = vec![AES_GCM, u8::try_from(id.len()).unwrap_or(u8::MAX)];
    out.extend_from_slice(id.as_bytes());
    out
}

/// Re-seals `sealed` (found at `at`) under the primary key of `ring`; `None` when it is
/// already sealed under that key.
///
/// # Errors
/// As [`open`]: the value does not open with `ring`.
pub fn reseal(ring: &KeyRing, sealed: &[u8], at: &At) -> Result<Option<Vec<u8>>, sqlx::Error> {
    let (payload, key_id) = open_with(ring, sealed, at)?;
    if key_id.as_deref() == Some(ring.primary_id()) {
        return Ok(None);
    }
    Ok(Some(seal_with(ring, &payload, at)))
}

/// Checks that `sealed` (found at `at`) opens with `ring` alone.
///
/// # Errors
/// As [`open`].
pub fn check(ring: &KeyRing, sealed: &[u8], at: &At) -> Result<(), sqlx::Error> {
    open_with(ring, sealed, at).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    const RING: &str = "test:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn install() {
        keyring::install(KeyRing::parse(RING).unwrap()).unwrap();
    }

    #[test]
    fn round_trip_bound_to_its_place() {
        install();
        let s = seal("Alex", CASE_CLIENT.at(1));
        assert_eq!(s[0], AES_GCM);
        assert!(!s.windows(4).any(|w| w == b"Alex"));
        assert_eq!(open::<String>(&s, CASE_CLIENT.at(1)).unwrap(), "Alex");
        assert!(open::<String>(&s, CASE_CLIENT.at(2)).is_err());
        assert!(open::<String>(&s, CASE_SUMMARY.at(1)).is_err());
        assert!(open::<String>(&[9, b'"', b'x', b'"'], CASE_CLIENT.at(1)).is_err());
        assert!(open::<String>(&[], CASE_CLIENT.at(1)).is_err());
        assert!(open::<String>(&[1, 200, 1], CASE_CLIENT.at(1)).is_err());
    }

    /// A value that fails to open is an event in the log, naming where it was and never
    /// what it holds.
    #[test]
    fn a_value_moved_to_another_row_is_logged() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Buf(Arc<Mutex<Vec<u8>>>);
        impl std::io::Write for Buf {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        install();
        let buf = Buf::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        let s = seal("Alex Secretname", CASE_CLIENT.at("row-a"));
        let opened = tracing::subscriber::with_default(subscriber, || open::<String>(&s, CASE_CLIENT.at("row-b")));
        assert!(opened.is_err());
        let log = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        assert!(log.contains("ERROR"), "{log}");
        assert!(
            log.contains("a sealed value did not open: failed authentication"),
            "{log}"
        );
        assert!(
            log.contains("sealed.table=\"cases\"") || log.contains("sealed.table=cases"),
            "{log}"
        );
        assert!(log.contains("row-b"), "{log}");
        assert!(!log.contains("Secretname"), "{log}");
    }

    #[test]
    fn plain_values_of_before_encryption_still_open_and_reseal() {
        install();
        let plain = [&[PLAIN][..], br#""Alex""#].concat();
        assert_eq!(open::<String>(&plain, NOTE_BODY.at(7)).unwrap(), "Alex");
        let ring = keyring::installed();
        let sealed = reseal(ring, &plain, &NOTE_BODY.at(7)).unwrap().unwrap();
        assert_eq!(open::<String>(&sealed, NOTE_BODY.at(7)).unwrap(), "Alex");
        assert_eq!(reseal(ring, &sealed, &NOTE_BODY.at(7)).unwrap(), None);
    }

    #[test]
    fn rekeying_moves_values_to_the_new_primary() {
        install();
        let old = seal("Alex", NOTE_BODY.at(3));
        let both = KeyRing::parse(&format!(
            "next:{}, {RING}",
            "HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4="
        ))
        .unwrap();
        let next_only = KeyRing::parse("next:HyAhIiMkJSYnKCkqKywtLi8wMTIzNDU2Nzg5Ojs8PT4=").unwrap();
        assert!(check(&next_only, &old, &NOTE_BODY.at(3)).is_err());
        let new = reseal(&both, &old, &NOTE_BODY.at(3)).unwrap().unwrap();
        assert!(check(&next_only, &new, &NOTE_BODY.at(3)).is_ok());
    }
}
