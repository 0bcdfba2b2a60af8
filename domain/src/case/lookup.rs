//! Exact-match lookup of a returning client through keyed blind indexes (see
//! `docs/encryption.md`): the email, phone and name of a client, normalised, are stored
//! as an HMAC under the key ring's blind-index key beside the sealed client, and a list
//! filter matches the HMAC of the normalised value asked for. Nothing else about a sealed
//! value can be searched.

use crate::{case::types::Client, keyring};

/// One indexed client detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Email,
    Phone,
    Name,
}

impl Field {
    fn label(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Phone => "phone",
            Self::Name => "name",
        }
    }

    /// The normalised form of `raw` that the index is computed over; `None` when nothing
    /// is left to match (empty, or a phone without digits).
    ///
    /// - email: trimmed and lowercased;
    /// - phone: the digits only, a leading `+` kept (`+1 (604) 555-0100` → `+16045550100`);
    /// - name: Unicode-lowercased, runs of whitespace collapsed to one space, trimmed;
    ///   accents are kept (`Zoé` and `Zoe` are different names).
    #[must_use]
    pub fn normalise(self, raw: &str) -> Option<String> {
        let t = raw.trim();
        let out = match self {
            Self::Email => t.to_lowercase(),
            Self::Phone => {
                let digits: String = t.chars().filter(char::is_ascii_digit).collect();
                if digits.is_empty() {
                    return None;
                }
                if t.starts_with('+') {
                    format!("+{digits}")
                } else {
                    digits
                }
            }
            Self::Name => t.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase(),
        };
        (!out.is_empty()).then_some(out)
    }

    /// The blind index of `raw`, normalised, under the installed key ring.
    #[must_use]
    pub fn index(self, raw: &str) -> Option<Vec<u8>> {
        self.index_with(keyring::installed(), raw)
    }

    /// Like [`Field::index`] under `ring`.
    #[must_use]
    pub fn index_with(self, ring: &keyring::KeyRing, raw: &str) -> Option<Vec<u8>> {
        let value = self.normalise(raw)?;
        let data = format!("casework-blind-index-1\0cases\0client_{}\0{value}", self.label());
        Some(ring.blind_index(data.as_bytes()))
    }
}

/// The three blind indexes of a client, as stored on its case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientIndexes {
    pub email: Option<Vec<u8>>,
    pub phone: Option<Vec<u8>>,
    pub name: Option<Vec<u8>>,
}

impl ClientIndexes {
    /// The indexes of `client` under the installed key ring.
    #[must_use]
    pub fn of(client: &Client) -> Self {
        Self::of_with(keyring::installed(), client)
    }

    /// The indexes of `client` under `ring`.
    #[must_use]
    pub fn of_with(ring: &keyring::KeyRing, client: &Client) -> Self {
        Self {
            email: client
                .contact
                .email
                .as_deref()
                .and_then(|e| Field::Email.index_with(ring, e)),
            phone: client
                .contact
                .phone
                .as_deref()
                .and_then(|p| Field::Phone.index_with(ring, p)),
            name: Field::Name.index_with(ring, &client.name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_each_field() {
        assert_eq!(
            Field::Email.normalise("  Alex@Example.ORG "),
            Some("alex@example.org".into())
        );
        assert_eq!(Field::Phone.normalise("+1 (604) 555-0100"), Some("+16045550100".into()));
        assert_eq!(Field::Phone.normalise("604.555.0100"), Some("6045550100".into()));
        assert_eq!(Field::Phone.normalise("()"), None);
        assert_eq!(Field::Name.normalise("  ALEX \t  Doe "), Some("alex doe".into()));
        assert_eq!(Field::Name.normalise("ZOÉ"), Some("zoé".into()));
        assert_eq!(Field::Name.normalise("   "), None);
    }
}
