//! The rules of a directory entry: what a valid platform is. Every broken rule is reported
//! at once, with the path of its field (`channels[1].address`).

use super::types::{ChannelKind, NewPlatform, PlatformChannel, PlatformContact, PlatformSpec};
use crate::{
    error::{DomainError, FieldError, Validation},
    identity::{Email, Label},
    takedown::url::HttpUrl,
};

/// Follow-up delay bounds, in office days (contract §4).
pub const FOLLOW_UP_DAYS_MIN: i64 = 1;
pub const FOLLOW_UP_DAYS_MAX: i64 = 30;
pub const FOLLOW_UP_DAYS_DEFAULT: u8 = 5;
/// Most channels and contacts one platform keeps.
pub const MAX_CHANNELS: usize = 20;
pub const MAX_CONTACTS: usize = 20;
pub const INSTRUCTIONS_MAX_CHARS: usize = 2_000;
pub const NOTES_MAX_CHARS: usize = 10_000;

fn required(v: &mut Validation, field: &str) {
    v.push(FieldError::new(field, "required", "this field is required"));
}

/// Free text: trimmed, not empty, at most `max` characters.
fn text(v: &mut Validation, field: &str, raw: &str, max: usize) -> Option<String> {
    let s = raw.trim();
    if s.is_empty() {
        v.push(FieldError::new(field, "required", "must not be empty"));
        None
    } else if s.chars().count() > max {
        v.push(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
        None
    } else {
        Some(s.to_owned())
    }
}

/// Phone numbers: digits with `+`, spaces, dashes, dots, parentheses; 7–15 digits.
fn phone_is_valid(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let allowed = s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'));
    let pluses = s.matches('+').count();
    allowed && (pluses == 0 || (pluses == 1 && s.starts_with('+'))) && (7..=15).contains(&digits)
}

/// Checks a channel's address by its kind and returns it trimmed.
fn channel_address(v: &mut Validation, field: &str, kind: ChannelKind, raw: &str) -> Option<String> {
    let url = |v: &mut Validation| v.check(HttpUrl::parse(field, raw)).map(HttpUrl::into_string);
    match kind {
        ChannelKind::Email => v.check(Email::parse(field, raw)).map(|e| e.as_str().to_owned()),
        ChannelKind::WebForm | ChannelKind::LawEnforcementPortal | ChannelKind::HashSubmission => url(v),
        ChannelKind::DmcaAgent => {
            if raw.trim().contains("://") {
                url(v)
            } else {
                match Email::parse(field, raw) {
                    Ok(e) => Some(e.as_str().to_owned()),
                    Err(_) => {
                        v.push(FieldError::new(
                            field,
                            "invalid_address",
                            "a DMCA agent is reached by an email address or an http(s) form URL",
                        ));
                        None
                    }
                }
            }
        }
        ChannelKind::InAppReport => v.check(Label::parse(field, raw)).map(|l| l.as_str().to_owned()),
    }
}

fn channel(v: &mut Validation, i: usize, c: &PlatformChannel) -> Option<PlatformChannel> {
    let address = channel_address(v, &format!("channels[{i}].address"), c.kind, &c.address);
    let instructions = text(
        v,
        &format!("channels[{i}].instructions"),
        &c.instructions,
        INSTRUCTIONS_MAX_CHARS,
    );
    Some(PlatformChannel {
        kind: c.kind,
        address: address?,
        instructions: instructions?,
    })
}

fn contact(v: &mut Validation, i: usize, c: &PlatformContact) -> Option<PlatformContact> {
    let name = v.check(Label::parse(&format!("contacts[{i}].name"), &c.name));
    let role = v.check(Label::parse(&format!("contacts[{i}].role"), &c.role));
    let email = match &c.email {
        None => Some(None),
        Some(e) => v
            .check(Email::parse(&format!("contacts[{i}].email"), e))
            .map(|e| Some(e.as_str().to_owned())),
    };
    let phone = match c.phone.as_deref().map(str::trim) {
        None => Some(None),
        Some(p) if phone_is_valid(p) => Some(Some(p.to_owned())),
        Some(_) => {
            v.push(FieldError::new(
                format!("contacts[{i}].phone"),
                "invalid_phone",
                "must be a phone number such as +1 604 555 0100",
            ));
            None
        }
    };
    Some(PlatformContact {
        name: name?.as_str().to_owned(),
        role: role?.as_str().to_owned(),
        email: email?,
        phone: phone?,
    })
}

impl NewPlatform {
    /// Checks every rule and returns the platform to store, trimmed; or every broken rule,
    /// each naming its field.
    ///
    /// # Errors
    /// `DomainError::Validation` listing every problem found.
    pub fn parse(self) -> Result<PlatformSpec, DomainError> {
        let mut v = Validation::new();
        let name = match &self.name {
            None => {
                required(&mut v, "name");
                None
            }
            Some(n) => v.check(Label::parse("name", n)).map(|l| l.as_str().to_owned()),
        };
        if self.kind.is_none() {
            required(&mut v, "kind");
        }
        let website = match &self.website {
            None => {
                required(&mut v, "website");
                None
            }
            Some(w) => v.check(HttpUrl::parse("website", w)).map(HttpUrl::into_string),
        };
        if self.is_internet_intermediary.is_none() {
            required(&mut v, "is_internet_intermediary");
        }
        let raw_channels = self.channels.unwrap_or_default();
        if raw_channels.len() > MAX_CHANNELS {
            v.push(FieldError::new(
                "channels",
                "too_many",
                format!("at most {MAX_CHANNELS} channels"),
            ));
        }
        let channels: Vec<Option<PlatformChannel>> = raw_channels
            .iter()
            .take(MAX_CHANNELS)
            .enumerate()
            .map(|(i, c)| channel(&mut v, i, c))
            .collect();
        for (i, c) in raw_channels.iter().enumerate().take(MAX_CHANNELS) {
            let dup = raw_channels[..i]
                .iter()
                .any(|e| e.kind == c.kind && e.address.trim().eq_ignore_ascii_case(c.address.trim()));
            if dup {
                v.push(FieldError::new(
                    format!("channels[{i}]"),
                    "duplicate",
                    "the same kind and address is listed earlier",
                ));
            }
        }
        let raw_contacts = self.contacts.unwrap_or_default();
        if raw_contacts.len() > MAX_CONTACTS {
            v.push(FieldError::new(
                "contacts",
                "too_many",
                format!("at most {MAX_CONTACTS} contacts"),
            ));
        }
        let contacts: Vec<Option<PlatformContact>> = raw_contacts
            .iter()
            .take(MAX_CONTACTS)
            .enumerate()
            .map(|(i, c)| contact(&mut v, i, c))
            .collect();
        let follow_up = match self.follow_up_business_days {
            None => Some(FOLLOW_UP_DAYS_DEFAULT),
            Some(n) => match u8::try_from(n) {
                Ok(d) if (FOLLOW_UP_DAYS_MIN..=FOLLOW_UP_DAYS_MAX).contains(&n) => Some(d),
                _ => {
                    v.push(FieldError::new(
                        "follow_up_business_days",
                        "out_of_range",
                        format!("must be between {FOLLOW_UP_DAYS_MIN} and {FOLLOW_UP_DAYS_MAX} office days"),
                    ));
                    None
                }
            },
        };
        let notes = match &self.notes {
            None => Some(None),
            Some(n) => text(&mut v, "notes", n, NOTES_MAX_CHARS).map(Some),
        };
        v.finish()?;
        let (Some(name), Some(kind), Some(website), Some(is_internet_intermediary), Some(follow_up), Some(notes)) = (
            name,
            self.kind,
            website,
            self.is_internet_intermediary,
            follow_up,
            notes,
        ) else {
            // finish() passed, so every required value is present.
            return Err(DomainError::Validation(vec![FieldError::new(
                "",
                "invalid",
                "the platform is incomplete",
            )]));
        };
        Ok(PlatformSpec {
            name,
            kind,
            website,
            is_internet_intermediary,
            stopncii_partner: self.stopncii_partner.unwrap_or(false),
            channels: channels.into_iter().flatten().collect(),
            contacts: contacts.into_iter().flatten().collect(),
            follow_up_business_days: follow_up,
            notes,
            active: self.active.unwrap_or(true),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::types::PlatformKind;

    fn valid() -> NewPlatform {
        NewPlatform {
            name: Some("  Example Social ".into()),
            kind: Some(PlatformKind::SocialMedia),
            website: Some("https://social.example.com".into()),
            is_internet_intermediary: Some(true),
            channels: Some(vec![
                PlatformChannel {
                    kind: ChannelKind::Email,
                    address: " abuse@social.example.com ".into(),
                    instructions: "Subject: intimate image shared without consent".into(),
                },
                PlatformChannel {
                    kind: ChannelKind::WebForm,
                    address: "https://social.example.com/help/report".into(),
                    instructions: "Choose 'nudity shared without consent'.".into(),
                },
            ]),
            contacts: Some(vec![PlatformContact {
                name: "Trust and Safety".into(),
                role: "Escalations".into(),
                email: Some("tns@social.example.com".into()),
                phone: Some("+1 604 555 0100".into()),
            }]),
            ..NewPlatform::default()
        }
    }

    fn errors(p: NewPlatform) -> Vec<(String, &'static str)> {
        match p.parse() {
            Ok(_) => Vec::new(),
            Err(DomainError::Validation(v)) => v.into_iter().map(|e| (e.field, e.code)).collect(),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }

    #[test]
    fn a_valid_platform_is_trimmed_and_defaults_applied() {
        let spec = valid().parse().unwrap();
        assert_eq!(spec.name(), "Example Social");
        assert_eq!(spec.channels()[0].address, "abuse@social.example.com");
        assert_eq!(spec.follow_up_business_days(), FOLLOW_UP_DAYS_DEFAULT);
        assert!(!spec.stopncii_partner());
        assert!(spec.active());
        assert_eq!(spec.notes(), None);
    }

    #[test]
    fn parsing_what_was_parsed_changes_nothing() {
        // A PATCH compares the merged platform with the stored one in this shape.
        let spec = valid().parse().unwrap();
        let again = spec.to_new().parse().unwrap();
        assert_eq!(again, spec);
        assert_eq!(again.to_new(), spec.to_new());
    }

    #[test]
    fn every_missing_required_field_is_named() {
        assert_eq!(
            errors(NewPlatform::default()),
            [
                ("name".to_owned(), "required"),
                ("kind".to_owned(), "required"),
                ("website".to_owned(), "required"),
                ("is_internet_intermediary".to_owned(), "required"),
            ]
        );
    }

    #[test]
    fn follow_up_days_are_bounded() {
        for (days, ok) in [
            (0, false),
            (1, true),
            (30, true),
            (31, false),
            (-1, false),
            (1000, false),
        ] {
            let p = NewPlatform {
                follow_up_business_days: Some(days),
                ..valid()
            };
            assert_eq!(errors(p).is_empty(), ok, "{days}");
        }
    }

    #[test]
    fn addresses_are_checked_by_channel_kind() {
        let table: &[(ChannelKind, &str, Option<&str>)] = &[
            (ChannelKind::Email, "report@example.org", None),
            (ChannelKind::Email, "https://example.org/form", Some("invalid_email")),
            (ChannelKind::WebForm, "https://example.org/form", None),
            (ChannelKind::WebForm, "report@example.org", Some("invalid_url")),
            (
                ChannelKind::LawEnforcementPortal,
                "ftp://example.org",
                Some("invalid_url"),
            ),
            (ChannelKind::HashSubmission, "https://stopncii.org", None),
            (ChannelKind::DmcaAgent, "copyright@example.org", None),
            (ChannelKind::DmcaAgent, "https://example.org/dmca", None),
            (ChannelKind::DmcaAgent, "the legal team", Some("invalid_address")),
            (ChannelKind::InAppReport, "Profile menu, then Report", None),
            (ChannelKind::InAppReport, "  ", Some("required")),
        ];
        for (kind, address, want) in table {
            let p = NewPlatform {
                channels: Some(vec![PlatformChannel {
                    kind: *kind,
                    address: (*address).into(),
                    instructions: "x".into(),
                }]),
                ..valid()
            };
            let got = errors(p);
            match want {
                None => assert!(got.is_empty(), "{kind:?} {address}: {got:?}"),
                Some(code) => assert_eq!(got, [("channels[0].address".to_owned(), *code)], "{kind:?} {address}"),
            }
        }
    }

    #[test]
    fn every_bad_item_is_reported_with_its_path() {
        let mut p = valid();
        p.website = Some("social.example.com".into());
        p.channels = Some(vec![
            PlatformChannel {
                kind: ChannelKind::Email,
                address: "abuse@social.example.com".into(),
                instructions: String::new(),
            },
            PlatformChannel {
                kind: ChannelKind::Email,
                address: "ABUSE@social.example.com".into(),
                instructions: "again".into(),
            },
        ]);
        p.contacts = Some(vec![PlatformContact {
            name: String::new(),
            role: "Legal".into(),
            email: Some("nope".into()),
            phone: Some("555".into()),
        }]);
        p.notes = Some(" ".into());
        assert_eq!(
            errors(p),
            [
                ("website".to_owned(), "invalid_url"),
                ("channels[0].instructions".to_owned(), "required"),
                ("channels[1]".to_owned(), "duplicate"),
                ("contacts[0].name".to_owned(), "required"),
                ("contacts[0].email".to_owned(), "invalid_email"),
                ("contacts[0].phone".to_owned(), "invalid_phone"),
                ("notes".to_owned(), "required"),
            ]
        );
    }

    #[test]
    fn lists_are_bounded() {
        let c = valid().channels.unwrap()[1].clone();
        let many: Vec<PlatformChannel> = (0..=MAX_CHANNELS)
            .map(|i| PlatformChannel {
                address: format!("https://example.org/{i}"),
                ..c.clone()
            })
            .collect();
        let p = NewPlatform {
            channels: Some(many),
            ..valid()
        };
        assert_eq!(errors(p), [("channels".to_owned(), "too_many")]);
    }

    #[test]
    fn phones() {
        for (p, ok) in [
            ("+1 604 555 0100", true),
            ("(604) 555-0100", true),
            ("555", false),
            ("604-555-CALL", false),
            ("1+604 555 0100", false),
        ] {
            assert_eq!(phone_is_valid(p), ok, "{p}");
        }
    }
}
