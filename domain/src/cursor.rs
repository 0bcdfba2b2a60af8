//! Opaque, tamper-proof list cursors.
//!
//! A cursor carries only a position in a stable order (never a permission: every page is
//! queried with the caller's visibility again). It is signed with HMAC-SHA-256 under a key
//! shared by all replicas, and names the list it belongs to, so a cursor edited by hand or
//! taken from another list is refused.

use serde::{Serialize, de::DeserializeOwned};

use crate::crypto;

#[derive(Clone)]
pub struct CursorCodec {
    key: Vec<u8>,
}

impl std::fmt::Debug for CursorCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CursorCodec(<key>)")
    }
}

#[derive(Serialize, serde::Deserialize)]
struct Envelope<T> {
    k: String,
    p: T,
}

impl CursorCodec {
    #[must_use]
    pub fn new(key: Vec<u8>) -> Self {
        Self { key }
    }

    /// Encodes a position of the list `kind`.
    #[must_use]
    pub fn encode<T: Serialize>(&self, kind: &str, position: &T) -> String {
        let body = serde_json::to_vec(&Envelope {
            k: kind.to_owned(),
            p: position,
        })
        .unwrap_or_default();
        let tag = crypto::hmac_sha256(&self.key, &body);
        format!("{}.{}", crypto::b64(&body), crypto::b64(&tag[..16]))
    }

    /// Decodes a cursor of the list `kind`; `None` when forged, altered or foreign.
    #[must_use]
    pub fn decode<T: DeserializeOwned>(&self, kind: &str, cursor: &str) -> Option<T> {
        let (body_b64, tag_b64) = cursor.split_once('.')?;
        let body = crypto::unb64(body_b64)?;
        let tag = crypto::unb64(tag_b64)?;
        let expected = crypto::hmac_sha256(&self.key, &body);
        if !crypto::secret_eq(&tag, &expected[..16]) {
            return None;
        }
        let env: Envelope<T> = serde_json::from_slice(&body).ok()?;
        (env.k == kind).then_some(env.p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_tamper() {
        let c = CursorCodec::new(b"k".to_vec());
        let s = c.encode("users", &("2026-01-01T00:00:00Z", 7));
        assert_eq!(
            c.decode::<(String, i32)>("users", &s),
            Some(("2026-01-01T00:00:00Z".into(), 7))
        );
        assert_eq!(c.decode::<(String, i32)>("cases", &s), None, "foreign list");
        let other = CursorCodec::new(b"other".to_vec());
        assert_eq!(other.decode::<(String, i32)>("users", &s), None, "other key");
        let (body, tag) = s.split_once('.').unwrap();
        let forged_body = crypto::b64(br#"{"k":"users","p":["2027-01-01T00:00:00Z",7]}"#);
        assert_eq!(
            c.decode::<(String, i32)>("users", &format!("{forged_body}.{tag}")),
            None
        );
        assert_eq!(c.decode::<(String, i32)>("users", body), None);
        assert_eq!(c.decode::<(String, i32)>("users", "garbage"), None);
    }
}
