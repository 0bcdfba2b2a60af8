//! The one door to client details at rest (names, contact, notes, evidence descriptions,
//! summaries). Every sealed column is written by [`seal`] and read by [`open`], so that
//! encrypting them and auditing each read is a change to this file alone.
//!
//! Format: one version byte, then the payload. Version 0 is plain JSON; a later version
//! adds encryption, and values of both versions can coexist during re-encryption.

use serde::{Serialize, de::DeserializeOwned};

const PLAIN_JSON: u8 = 0;

/// Seals a value for storage.
#[must_use]
pub fn seal<T: Serialize + ?Sized>(value: &T) -> Vec<u8> {
    let mut out = vec![PLAIN_JSON];
    // Serialising our own plain data types cannot fail.
    out.extend(serde_json::to_vec(value).unwrap_or_default());
    out
}

/// Opens a sealed value.
///
/// # Errors
/// A decode error when the bytes are not a sealed value of this type.
pub fn open<T: DeserializeOwned>(sealed: &[u8]) -> Result<T, sqlx::Error> {
    match sealed.split_first() {
        Some((&PLAIN_JSON, body)) => {
            serde_json::from_slice(body).map_err(|e| sqlx::Error::Decode(format!("sealed value: {e}").into()))
        }
        _ => Err(sqlx::Error::Decode("sealed value of unknown format".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects_unknown_formats() {
        let s = seal("Alex");
        assert_eq!(open::<String>(&s).unwrap(), "Alex");
        assert!(open::<String>(&[9, b'"', b'x', b'"']).is_err());
        assert!(open::<String>(&[]).is_err());
    }
}
