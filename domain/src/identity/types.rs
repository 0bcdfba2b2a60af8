//! Who may call us: staff roles, integration scopes, and the parsed values that make up a
//! user. Invalid values cannot be constructed.

use std::fmt;

use uuid::Uuid;

use crate::{error::FieldError, string_enum, timestamp::Ts};

string_enum! {
    /// A staff member's role (contract §2).
    pub enum Role {
        /// Works the cases assigned to them (primary or collaborator).
        Caseworker = "caseworker",
        /// Sees all cases; assigns, reopens, reads audit and statistics.
        Supervisor = "supervisor",
        /// Runs the service (users, clients, keys, calendar); never sees case contents.
        Admin = "admin",
    }
}

string_enum! {
    /// What an integration client may do. Integrations never reach case data.
    pub enum Scope {
        PlatformsRead = "platforms:read",
        PlatformsWrite = "platforms:write",
        StatsRead = "stats:read",
        CalendarRead = "calendar:read",
    }
}

/// Parses stored scope strings, dropping any this build no longer knows.
#[must_use]
pub fn parse_scopes(raw: &[String]) -> Vec<Scope> {
    let mut v: Vec<Scope> = raw.iter().filter_map(|s| s.parse().ok()).collect();
    v.sort();
    v.dedup();
    v
}

/// An email address, syntax-checked and trimmed. Uniqueness ignores case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// # Errors
    /// When the value is not a plausible address (one `@`, a dotted domain, no spaces).
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        let bad = || {
            FieldError::new(
                field,
                "invalid_email",
                "must be an email address such as name@example.org",
            )
        };
        if s.len() < 3 || s.len() > 254 {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if s.chars().any(crate::text::refused_in_label) {
            return Err(FieldError::new(
                field,
                crate::text::CONTROL_CHARACTER,
                "must not contain control characters or bidirectional overrides",
            ));
        }
        let ok_chars = |p: &str| !p.is_empty() && p.chars().all(|c| !c.is_whitespace() && c != '@');
        let domain_ok = ok_chars(domain)
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '.');
        if !ok_chars(local) || local.len() > 64 || !domain_ok {
            return Err(bad());
        }
        Ok(Email(s.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as chosen by a person: at least 12 characters (contract §2), at most 1024
/// so hashing cannot be turned into a denial of service.
pub struct Password(String);

impl Password {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 1024;

    /// # Errors
    /// When too short or too long.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(FieldError::new(
                field,
                "too_short",
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if n > Self::MAX_CHARS {
            return Err(FieldError::new(
                field,
                "too_long",
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        Ok(Password(raw.to_owned()))
    }

    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A short human label (display names, client names): 1–200 characters after trimming,
/// no control characters, line breaks or bidi overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label(String);

impl Label {
    pub const MAX_CHARS: usize = 200;

    /// # Errors
    /// When empty, too long, or containing control or bidi characters
    /// ([`crate::text::label`]).
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        crate::text::label(field, raw, Self::MAX_CHARS).map(Label)
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A staff account as the rest of the service sees it (never the password hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// The effective role.
    pub role: Role,
    pub active: bool,
    /// A role grant waiting for a supervisor's approval (only `supervisor` needs one).
    pub pending_role: Option<PendingRole>,
    /// An admin chose the password: until its holder sets their own, a token of this
    /// account opens `POST /v1/me/password` alone.
    pub must_change_password: bool,
    /// A supervisor grant was approved: every credential is gone and the account opens
    /// nothing until its holder sets a password with the enrollment code.
    pub enrollment_pending: bool,
    pub version: i64,
    pub created_at: Ts,
    pub updated_at: Ts,
}

/// A role an admin asked for, not yet in effect (contract §2: granting `supervisor` takes
/// two people).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRole {
    pub role: Role,
    pub requested_by: Uuid,
    pub requested_at: Ts,
    /// The account was created for this grant and becomes active when it is approved.
    pub activates: bool,
}

/// An integration client (never its secret hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub id: Uuid,
    pub name: String,
    pub client_id: String,
    pub scopes: Vec<Scope>,
    pub created_at: Ts,
    pub revoked_at: Option<Ts>,
}

/// A new user, fully validated.
#[derive(Debug)]
pub struct NewUser {
    pub email: Email,
    pub display_name: Label,
    pub role: Role,
    pub password: Password,
}

/// Changes an admin may make to a user.
#[derive(Debug, Default)]
pub struct UserPatch {
    pub display_name: Option<Label>,
    pub role: Option<Role>,
    pub active: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        for ok in ["a@b.co", "first.last+tag@example.org", " x@y.ca "] {
            assert!(Email::parse("email", ok).is_ok(), "{ok}");
        }
        assert_eq!(
            Email::parse("email", "a\u{0}@b.co").unwrap_err().code,
            "control_character"
        );
        assert!(Email::parse("email", "a\u{202E}@b.co").is_err());
        for bad in [
            "", "a", "a@b", "@b.co", "a@.co", "a@b..co", "a b@c.co", "a@b.co.", "a@@b.co", "a@b_c.co",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords() {
        assert_eq!(Password::parse("p", "short").unwrap_err().code, "too_short");
        assert!(Password::parse("p", "twelve chars").is_ok());
        assert_eq!(Password::parse("p", &"x".repeat(1025)).unwrap_err().code, "too_long");
        assert_eq!(
            format!("{:?}", Password::parse("p", "twelve chars").unwrap()),
            "Password(<redacted>)"
        );
    }

    #[test]
    fn labels() {
        assert_eq!(Label::parse("n", "  ").unwrap_err().code, "required");
        assert_eq!(Label::parse("n", "a\u{0007}b").unwrap_err().code, "control_character");
        assert_eq!(Label::parse("n", "a\u{202E}b").unwrap_err().code, "control_character");
        assert_eq!(Label::parse("n", "a\nb").unwrap_err().code, "control_character");
        assert_eq!(Label::parse("n", " Ana ").unwrap().as_str(), "Ana");
    }

    #[test]
    fn scopes_round_trip() {
        for s in Scope::ALL {
            assert_eq!(s.as_str().parse::<Scope>(), Ok(*s));
        }
        assert_eq!(
            parse_scopes(&["stats:read".into(), "bogus".into(), "stats:read".into()]),
            vec![Scope::StatsRead]
        );
    }
}
