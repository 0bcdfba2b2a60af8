//! The rules of a directory entry: what a valid platform is. Every broken rule is reported
//! at once, with the path of its field (`channels[1].address`).

use super::types::{ChannelKind, NewPlatform, PlatformChannel, PlatformContact, PlatformSpec};
use crate::{
    case::rules::parse_phone,
    error::{DomainError, FieldError, Validation},
    identity::{Email, Label},
    takedown::url::{self, HttpUrl},
    text,
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

/// An email address of the directory: its domain may not mix scripts either.
fn directory_email(field: &str, raw: &str) -> Result<String, FieldError> {
    let e = Email::parse(field, raw)?;
    let domain = e.as_str().rsplit_once('@').map_or("", |(_, d)| d);
    if url::mixes_scripts(domain) {
        return Err(FieldError::new(
            field,
            "mixed_script_host",
            "the domain mixes writing systems (e.g. a Cyrillic letter among Latin ones), as look-alike addresses do",
        ));
    }
    Ok(e.as_str().to_owned())
}

/// Checks a channel's address by its kind and returns it trimmed.
fn channel_address(v: &mut Validation, field: &str, kind: ChannelKind, raw: &str) -> Option<String> {
    // Caseworkers are sent to these addresses: no host may mix scripts.
    let url = |v: &mut Validation| v.check(HttpUrl::parse_directory(field, raw)).map(HttpUrl::into_string);
    let email = |v: &mut Validation| v.check(directory_email(field, raw));
    match kind {
        ChannelKind::Email => email(v),
        ChannelKind::WebForm | ChannelKind::LawEnforcementPortal | ChannelKind::HashSubmission => url(v),
        ChannelKind::DmcaAgent => {
            if raw.trim().contains("://") {
                url(v)
            } else {
                match Email::parse(field, raw) {
                    Ok(_) => email(v),
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
        ChannelKind::InAppReport => v.check(Label::parse(field, raw)).map(Label::into_string),
    }
}

/// One channel, its fields under `at` (`channels[i]`).
fn channel(v: &mut Validation, at: &str, c: &PlatformChannel) -> Option<PlatformChannel> {
    let address = channel_address(v, &format!("{at}.address"), c.kind, &c.address);
    let instructions = v.check(text::trimmed(
        &format!("{at}.instructions"),
        &c.instructions,
        INSTRUCTIONS_MAX_CHARS,
    ));
    Some(PlatformChannel {
        kind: c.kind,
        address: address?,
        instructions: instructions?,
    })
}

/// One contact, its fields under `at` (`contacts[i]`).
fn contact(v: &mut Validation, at: &str, c: &PlatformContact) -> Option<PlatformContact> {
    let name = v.check(Label::parse(&format!("{at}.name"), &c.name));
    let role = v.check(Label::parse(&format!("{at}.role"), &c.role));
    let email = c
        .email
        .as_deref()
        .and_then(|e| v.check(Email::parse(&format!("{at}.email"), e)))
        .map(|e| e.as_str().to_owned());
    let phone = c
        .phone
        .as_deref()
        .and_then(|p| v.check(parse_phone(&format!("{at}.phone"), p)));
    Some(PlatformContact {
        name: name?.into_string(),
        role: role?.into_string(),
        email,
        phone,
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
        let name = v.required_label("name", self.name.as_deref());
        let kind = v.required("kind", self.kind);
        let website = v.required_with("website", self.website.as_deref(), |v, w| {
            v.check(HttpUrl::parse_directory("website", w))
                .map(HttpUrl::into_string)
        });
        let is_internet_intermediary = v.required("is_internet_intermediary", self.is_internet_intermediary);
        // Too many is reported, and the first MAX_CHANNELS are still checked.
        let raw_channels = self.channels.unwrap_or_default();
        v.at_most("channels", raw_channels.len(), MAX_CHANNELS, "channels");
        let channels = v.each("channels", raw_channels.iter().take(MAX_CHANNELS), channel);
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
        v.at_most("contacts", raw_contacts.len(), MAX_CONTACTS, "contacts");
        let contacts = v.each("contacts", raw_contacts.iter().take(MAX_CONTACTS), contact);
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
        let notes = self
            .notes
            .as_deref()
            .and_then(|n| v.check(text::trimmed("notes", n, NOTES_MAX_CHARS)));
        v.into_result(|| {
            Some(PlatformSpec {
                name: name?,
                kind: kind?,
                website: website?,
                is_internet_intermediary: is_internet_intermediary?,
                stopncii_partner: self.stopncii_partner.unwrap_or(false),
                channels: channels?,
                contacts: contacts?,
                follow_up_business_days: follow_up?,
                notes,
                active: self.active.unwrap_or(true),
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{input::field_codes, platform::types::PlatformKind};

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
        field_codes(p.parse())
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
}
