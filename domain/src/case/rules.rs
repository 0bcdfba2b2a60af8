//! The rules of a case: how each write is parsed (every broken rule reported at once),
//! which transitions exist and which guards they need, who sees which case.

use std::collections::HashSet;

use jiff::Timestamp;
use uuid::Uuid;

use super::{
    input::{
        CaseAssignment, CaseTransition, NewCase, NewClient, NewConsent, NewContact, NewEvidence, NewNote, NewReferral,
        ReferralPatch,
    },
    types::{
        AgeGroup, Assignment, CaseDetails, CaseStatus, Client, ConsentEntry, Contact, EvidenceRecord,
        GuardianInvolvement, NoteEntry, PreferredChannel, Priority, ReferralEntry, ReferralStatus, ReferralTo,
        TransitionRequest,
    },
};
use crate::{
    DomainError,
    error::{FieldError, Validation},
    identity::{Email, Label, Role},
    input::{PARSED, duplicates},
    timestamp::Ts,
    transitions::{self, Edge, TransitionError},
};

/// Limits on free text, so one field cannot swallow the 256 KiB body.
pub const NOTE_MAX_CHARS: usize = 20_000;
pub const SUMMARY_MAX_CHARS: usize = 10_000;
pub const DESCRIPTION_MAX_CHARS: usize = 10_000;
pub const SHORT_TEXT_MAX_CHARS: usize = 2_000;
pub const TAG_MAX_CHARS: usize = 100;
/// The one limit on URLs, shared with takedown requests.
pub use crate::takedown::url::URL_MAX_CHARS;
/// Ages beyond this are typing mistakes.
pub const MAX_AGE: u8 = 120;
/// adult = 19 and over, youth = 18 and under [IIPS].
pub const ADULT_FROM_AGE: u8 = 19;
/// Youth this age or younger need a referral to the Canadian Centre for Child Protection.
pub const C3P_REFERRAL_UP_TO_AGE: u8 = 17;

/// Phone numbers: digits with `+`, spaces, dashes, dots, parentheses; 7–15 digits.
#[must_use]
pub fn phone_is_valid(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let allowed = s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'));
    let plus_ok = s.matches('+').count() == 0 || (s.matches('+').count() == 1 && s.trim_start().starts_with('+'));
    allowed && plus_ok && (7..=15).contains(&digits)
}

/// A phone number as given, trimmed (a client's, a platform contact's).
///
/// # Errors
/// `invalid_phone` naming `field` unless [`phone_is_valid`].
pub fn parse_phone(field: &str, raw: &str) -> Result<String, FieldError> {
    let p = raw.trim();
    if phone_is_valid(p) {
        Ok(p.to_owned())
    } else {
        Err(FieldError::new(
            field,
            "invalid_phone",
            "must be a phone number such as +1 604 555 0100",
        ))
    }
}

// ---------------------------------------------------------------------------------------
// Parsing the writes

impl NewContact {
    fn parse_into(self, v: &mut Validation) -> Option<Contact> {
        let email = self
            .email
            .as_deref()
            .and_then(|e| v.check(Email::parse("client.contact.email", e)))
            .map(|e| e.as_str().to_owned());
        let phone = self
            .phone
            .as_deref()
            .and_then(|p| v.check(parse_phone("client.contact.phone", p)));
        let preferred_channel = v.required("client.contact.preferred_channel", self.preferred_channel);
        match preferred_channel {
            Some(PreferredChannel::Email) if self.email.is_none() => v.push(FieldError::new(
                "client.contact.email",
                "required_for_channel",
                "preferred_channel email needs an email address",
            )),
            Some(PreferredChannel::Phone) if self.phone.is_none() => v.push(FieldError::new(
                "client.contact.phone",
                "required_for_channel",
                "preferred_channel phone needs a phone number",
            )),
            _ => {}
        }
        let safe_to_leave_message = v.required("client.contact.safe_to_leave_message", self.safe_to_leave_message);
        let safe_contact_notes = v.optional_text(
            "client.contact.safe_contact_notes",
            self.safe_contact_notes.as_deref(),
            SHORT_TEXT_MAX_CHARS,
        );
        Some(Contact {
            email,
            phone,
            preferred_channel: preferred_channel?,
            safe_to_leave_message: safe_to_leave_message?,
            safe_contact_notes,
        })
    }
}

impl NewClient {
    /// Every rule of the client record, all reported at once (fields prefixed `client.`).
    fn parse_into(self, v: &mut Validation) -> Option<Client> {
        let name = v.required_label("client.name", self.name.as_deref());
        let preferred_name = v.optional_label(
            "client.preferred_name",
            self.preferred_name.as_deref(),
            Label::MAX_CHARS,
        );
        let pronouns = v.optional_label("client.pronouns", self.pronouns.as_deref(), TAG_MAX_CHARS);
        let interpreter_language = v.optional_label(
            "client.interpreter_language",
            self.interpreter_language.as_deref(),
            TAG_MAX_CHARS,
        );
        let age_group = v.required("client.age_group", self.age_group);
        if let Some(age) = self.age {
            if age > MAX_AGE {
                v.push(FieldError::new(
                    "client.age",
                    "out_of_range",
                    format!("must be at most {MAX_AGE}"),
                ));
            } else if age_group == Some(AgeGroup::Adult) && age < ADULT_FROM_AGE {
                v.push(FieldError::new(
                    "client.age",
                    "age_group_mismatch",
                    "adults are 19 or older; use age_group youth",
                ));
            } else if age_group == Some(AgeGroup::Youth) && age >= ADULT_FROM_AGE {
                v.push(FieldError::new(
                    "client.age",
                    "age_group_mismatch",
                    "youth are 18 or younger; use age_group adult",
                ));
            }
        }
        let guardian_involvement = v.required("client.guardian_involvement", self.guardian_involvement);
        match (age_group, guardian_involvement) {
            (Some(AgeGroup::Adult), Some(g)) if g != GuardianInvolvement::NotApplicable => v.push(FieldError::new(
                "client.guardian_involvement",
                "not_applicable_for_adults",
                "adults have guardian_involvement not_applicable",
            )),
            (Some(AgeGroup::Youth), Some(GuardianInvolvement::NotApplicable)) => v.push(FieldError::new(
                "client.guardian_involvement",
                "required_for_youth",
                "for youth, record undecided, youth_consents or youth_declines",
            )),
            _ => {}
        }
        let contact = v.required_with("client.contact", self.contact, |v, c| c.parse_into(v));
        Some(Client {
            name: name?,
            preferred_name,
            pronouns,
            age_group: age_group?,
            age: self.age,
            contact: contact?,
            guardian_involvement: guardian_involvement?,
            interpreter_language,
            deceased: self.deceased.unwrap_or(false),
        })
    }
}

impl NewCase {
    /// The validated details of a case: every rule, every error at once.
    ///
    /// # Errors
    /// `Validation` listing every broken rule with its field.
    pub fn parse(self) -> Result<CaseDetails, DomainError> {
        let mut v = Validation::new();
        let client = v.required_with("client", self.client, |v, c| c.parse_into(v));
        let situation = v.required("situation", self.situation);
        let jurisdiction = v.required("jurisdiction", self.jurisdiction);
        let summary = v.optional_text("summary", self.summary.as_deref(), SUMMARY_MAX_CHARS);
        let supports_requested = self.supports_requested.unwrap_or_default();
        if !duplicates(supports_requested.iter().copied()).is_empty() {
            v.push(FieldError::new(
                "supports_requested",
                "duplicate",
                "list each support once",
            ));
        }
        v.into_result(|| {
            Some(CaseDetails {
                client: client?,
                situation: situation?,
                jurisdiction: jurisdiction?,
                sextortion: self.sextortion.unwrap_or(false),
                altered_image: self.altered_image.unwrap_or(false),
                supports_requested,
                priority: self.priority.unwrap_or(Priority::Normal),
                summary,
                parsed: PARSED,
            })
        })
    }
}

impl NewNote {
    /// # Errors
    /// `Validation` when the kind is missing or the body empty or over 20,000 characters.
    pub fn parse(self) -> Result<NoteEntry, DomainError> {
        let mut v = Validation::new();
        let kind = v.required("kind", self.kind);
        let body = v.required_text("body", self.body.as_deref(), NOTE_MAX_CHARS, "a note needs text");
        v.into_result(|| {
            Some(NoteEntry {
                kind: kind?,
                body: body?,
                parsed: PARSED,
            })
        })
    }
}

impl NewReferral {
    /// `other_name` is required for `other` and refused otherwise.
    ///
    /// # Errors
    /// `Validation` with every broken rule.
    pub fn parse(self) -> Result<ReferralEntry, DomainError> {
        let mut v = Validation::new();
        let to = v.required("to", self.to);
        let other_name = match (to, self.other_name.as_deref().map(str::trim)) {
            (Some(ReferralTo::Other), Some(n)) if !n.is_empty() => v.required_label("other_name", Some(n)),
            (Some(ReferralTo::Other), _) => {
                v.push(FieldError::new(
                    "other_name",
                    "required",
                    "name the organisation when `to` is other",
                ));
                None
            }
            (Some(_), Some(_)) => {
                v.push(FieldError::new(
                    "other_name",
                    "not_applicable",
                    "other_name is only for `to: other`",
                ));
                None
            }
            (_, _) => None,
        };
        v.into_result(|| {
            Some(ReferralEntry {
                to: to?,
                other_name,
                status: self.status.unwrap_or(ReferralStatus::Suggested),
                parsed: PARSED,
            })
        })
    }
}

impl ReferralPatch {
    /// # Errors
    /// `Validation` when `status` is missing.
    pub fn parse(self) -> Result<ReferralStatus, DomainError> {
        let mut v = Validation::new();
        let status = v.required("status", self.status);
        v.into_result(|| status)
    }
}

impl NewConsent {
    /// `given_at` defaults to `now` and may not be after it.
    ///
    /// # Errors
    /// `Validation` with every broken rule.
    pub fn parse(self, now: Timestamp) -> Result<ConsentEntry, DomainError> {
        let mut v = Validation::new();
        let scope = v.required("scope", self.scope);
        let given_at = self.given_at.unwrap_or(now);
        v.not_in_future("given_at", given_at, now, "consent cannot be given in the future");
        v.into_result(|| {
            Some(ConsentEntry {
                scope: scope?,
                party_id: self.party_id,
                given_at: Ts::new(given_at),
                parsed: PARSED,
            })
        })
    }
}

/// An http(s) URL of at most 2048 characters with a host, checked as every stored URL is
/// ([`crate::takedown::url::HttpUrl::parse`]): kept as posted, an internationalised host
/// in punycode.
///
/// # Errors
/// The field error.
pub fn parse_url(field: &str, raw: &str) -> Result<String, FieldError> {
    crate::takedown::url::HttpUrl::parse(field, raw).map(crate::takedown::url::HttpUrl::into_string)
}

impl NewEvidence {
    /// Evidence rules: http(s) URL of at most 2048 characters; captured not in the future;
    /// posted no later than captured; SHA-256 as 64 hex digits (stored lower case).
    ///
    /// # Errors
    /// `Validation` with every broken rule.
    pub fn parse(self, now: Timestamp) -> Result<EvidenceRecord, DomainError> {
        let mut v = Validation::new();
        let kind = v.required("kind", self.kind);
        let url = self
            .url
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .and_then(|u| v.check(parse_url("url", u)));
        let site = v.required_label("site", self.site.as_deref());
        let captured_at = v.required("captured_at", self.captured_at);
        v.not_in_future(
            "captured_at",
            captured_at,
            now,
            "evidence cannot be captured in the future",
        );
        if let (Some(p), Some(c)) = (self.posted_at, captured_at)
            && p > c
        {
            v.push(FieldError::new(
                "posted_at",
                "after_capture",
                "posted_at must not be after captured_at",
            ));
        }
        let description = v.required_text(
            "description",
            self.description.as_deref(),
            DESCRIPTION_MAX_CHARS,
            "describe what the evidence shows",
        );
        let sha256 = self.sha256.map(|s| s.trim().to_ascii_lowercase());
        if let Some(s) = &sha256
            && (s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            v.push(FieldError::new(
                "sha256",
                "invalid_sha256",
                "must be 64 hexadecimal digits",
            ));
        }
        let poster = short_or_none(&mut v, "poster", self.poster.as_deref());
        let storage_location = short_or_none(&mut v, "storage_location", self.storage_location.as_deref());
        v.into_result(|| {
            Some(EvidenceRecord {
                kind: kind?,
                url,
                site: site?,
                poster,
                posted_at: self.posted_at.map(Ts::new),
                captured_at: Ts::new(captured_at?),
                description: description?,
                sha256,
                storage_location,
                parsed: PARSED,
            })
        })
    }
}

/// Optional short text where an empty value means "not recorded".
fn short_or_none(v: &mut Validation, field: &str, value: Option<&str>) -> Option<String> {
    let s = value.map(str::trim).filter(|s| !s.is_empty())?;
    v.optional_label(field, Some(s), SHORT_TEXT_MAX_CHARS)
}

impl CaseAssignment {
    /// The assignment, given which of the named users may hold cases (active caseworkers
    /// and supervisors, see `store::assignable_users`).
    ///
    /// # Errors
    /// `Validation` with every broken rule.
    pub fn parse(self, assignable: &HashSet<Uuid>) -> Result<Assignment, DomainError> {
        let mut v = Validation::new();
        let primary = v.required("primary", self.primary);
        if let Some(p) = primary
            && !assignable.contains(&p)
        {
            v.push(FieldError::new(
                "primary",
                "not_assignable",
                "must be an active caseworker or supervisor",
            ));
        }
        let collaborators = self.collaborators.unwrap_or_default();
        let mut seen = HashSet::new();
        for (i, c) in collaborators.iter().enumerate() {
            let field = format!("collaborators[{i}]");
            if Some(*c) == primary {
                v.push(FieldError::new(
                    field,
                    "is_primary",
                    "the primary is not also a collaborator",
                ));
            } else if !seen.insert(*c) {
                v.push(FieldError::new(field, "duplicate", "list each collaborator once"));
            } else if !assignable.contains(c) {
                v.push(FieldError::new(
                    field,
                    "not_assignable",
                    "must be an active caseworker or supervisor",
                ));
            }
        }
        v.into_result(|| {
            Some(Assignment {
                primary: primary?,
                collaborators,
                parsed: PARSED,
            })
        })
    }

    /// Every user the assignment names, to look up in one query.
    #[must_use]
    pub fn named_users(&self) -> Vec<Uuid> {
        self.primary
            .into_iter()
            .chain(self.collaborators.iter().flatten().copied())
            .collect()
    }
}

impl CaseTransition {
    /// # Errors
    /// `Validation` when `to` is missing.
    pub fn parse(self) -> Result<TransitionRequest, DomainError> {
        let mut v = Validation::new();
        let to = v.required("to", self.to);
        v.into_result(|| {
            let to = to?;
            Some(TransitionRequest {
                to,
                close_reason: self.close_reason.filter(|_| to == CaseStatus::Closed),
                force: self.force.unwrap_or(false),
            })
        })
    }
}

// ---------------------------------------------------------------------------------------
// The case state machine

/// A condition a case transition needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// A youth's guardian involvement is decided (not `undecided`).
    GuardianDecided,
    /// A youth aged 17 or under, or of unrecorded age, has a referral to C3P made.
    C3pReferral,
    /// A close reason is given.
    CloseReason,
    /// No takedown request is still `submitted` or `acknowledged` (unless forced).
    NoOpenTakedowns,
    /// Only supervisors reopen.
    Supervisor,
}

impl transitions::Guard for Guard {
    fn code(self) -> &'static str {
        match self {
            Guard::GuardianDecided => "guardian_involvement_undecided",
            Guard::C3pReferral => "c3p_referral_required",
            Guard::CloseReason => "close_reason_required",
            Guard::NoOpenTakedowns => "open_takedown_requests",
            Guard::Supervisor => "supervisor_required",
        }
    }

    fn is_authority(self) -> bool {
        self == Guard::Supervisor
    }
}

use CaseStatus::{Active, Closed, Intake, OnHold};
use Guard::{C3pReferral, CloseReason as Reason, GuardianDecided, NoOpenTakedowns, Supervisor};

/// Every transition that exists, with its guards. Nothing else moves a case.
pub const TRANSITIONS: &[Edge<CaseStatus, Guard>] = &[
    (Intake, Active, &[GuardianDecided, C3pReferral]),
    (OnHold, Active, &[GuardianDecided, C3pReferral]),
    (Active, OnHold, &[]),
    (Intake, Closed, &[Reason, NoOpenTakedowns]),
    (Active, Closed, &[Reason, NoOpenTakedowns]),
    (OnHold, Closed, &[Reason, NoOpenTakedowns]),
    (Closed, Active, &[Supervisor, GuardianDecided, C3pReferral]),
];

/// What the guards look at.
#[derive(Debug, Clone)]
pub struct GuardFacts<'a> {
    pub client: &'a Client,
    /// A referral to C3P with status made or accepted exists.
    pub c3p_referral_made: bool,
    /// Takedown requests of the case that are `submitted` or `acknowledged`.
    pub open_takedowns: u32,
    pub actor_role: Role,
}

fn guard_met(g: Guard, req: &TransitionRequest, f: &GuardFacts<'_>) -> bool {
    match g {
        Guard::GuardianDecided => {
            f.client.age_group == AgeGroup::Adult || f.client.guardian_involvement != GuardianInvolvement::Undecided
        }
        Guard::C3pReferral => {
            let needs =
                f.client.age_group == AgeGroup::Youth && f.client.age.is_none_or(|a| a <= C3P_REFERRAL_UP_TO_AGE);
            !needs || f.c3p_referral_made
        }
        Guard::CloseReason => req.close_reason.is_some(),
        Guard::NoOpenTakedowns => req.force || f.open_takedowns == 0,
        Guard::Supervisor => f.actor_role == Role::Supervisor,
    }
}

/// Checks a transition against the table and every guard.
///
/// # Errors
/// `NotAllowed` when the table has no such edge; `Forbidden` when only a supervisor may
/// make it; otherwise `Unmet` with every unmet guard.
pub fn check_transition(
    from: CaseStatus,
    req: &TransitionRequest,
    facts: &GuardFacts<'_>,
) -> Result<(), TransitionError> {
    transitions::check("a case", TRANSITIONS, from, req.to, |g| guard_met(g, req, facts))
}

/// Referral guards: none yet; the table still has the shape of every other machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferralGuard {}

impl transitions::Guard for ReferralGuard {
    fn code(self) -> &'static str {
        match self {}
    }
}

/// Referral status moves: suggested → made | declined; made → accepted | declined.
pub const REFERRAL_TRANSITIONS: &[Edge<ReferralStatus, ReferralGuard>] = &[
    (ReferralStatus::Suggested, ReferralStatus::Made, &[]),
    (ReferralStatus::Suggested, ReferralStatus::Declined, &[]),
    (ReferralStatus::Made, ReferralStatus::Accepted, &[]),
    (ReferralStatus::Made, ReferralStatus::Declined, &[]),
];

/// Checks a referral move against its table.
///
/// # Errors
/// `NotAllowed` when the table has no such edge.
pub fn check_referral_move(from: ReferralStatus, to: ReferralStatus) -> Result<(), TransitionError> {
    transitions::check("a referral", REFERRAL_TRANSITIONS, from, to, |g| match g {})
}

// ---------------------------------------------------------------------------------------
// Visibility

/// A member of staff acting on cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: Uuid,
    pub role: Role,
}

/// Which cases a caller sees, and who that caller is. The one rule, applied by every case
/// query through the `case_visible` SQL function: supervisors all, caseworkers the cases
/// they are primary or collaborator on, admins and integration clients none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    All(Actor),
    AssignedTo(Actor),
    Nothing,
}

impl Visibility {
    /// `role`/`user` of the caller; integration clients have neither.
    #[must_use]
    pub fn of(role: Option<Role>, user: Option<Uuid>) -> Self {
        match (role, user) {
            (Some(role @ Role::Supervisor), Some(id)) => Visibility::All(Actor { id, role }),
            (Some(role @ Role::Caseworker), Some(id)) => Visibility::AssignedTo(Actor { id, role }),
            _ => Visibility::Nothing,
        }
    }

    /// Who is looking, when anyone may see cases at all.
    #[must_use]
    pub fn actor(self) -> Option<Actor> {
        match self {
            Visibility::All(a) | Visibility::AssignedTo(a) => Some(a),
            Visibility::Nothing => None,
        }
    }

    /// Parameters of `case_visible(case, see_all, viewer)`.
    #[must_use]
    pub fn sql_params(self) -> (bool, Option<Uuid>) {
        match self {
            Visibility::All(_) => (true, None),
            Visibility::AssignedTo(a) => (false, Some(a.id)),
            Visibility::Nothing => (false, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        case::types::{CloseReason, Jurisdiction, Situation},
        input::field_codes,
    };

    fn client(group: AgeGroup, age: Option<u8>, g: GuardianInvolvement) -> Client {
        Client {
            name: "Alex".into(),
            preferred_name: None,
            pronouns: None,
            age_group: group,
            age,
            contact: Contact {
                email: None,
                phone: None,
                preferred_channel: PreferredChannel::None,
                safe_to_leave_message: false,
                safe_contact_notes: None,
            },
            guardian_involvement: g,
            interpreter_language: None,
            deceased: false,
        }
    }

    fn wire(c: &Client) -> NewClient {
        NewClient {
            name: Some(c.name.clone()),
            preferred_name: c.preferred_name.clone(),
            pronouns: c.pronouns.clone(),
            age_group: Some(c.age_group),
            age: c.age,
            contact: Some(NewContact {
                email: c.contact.email.clone(),
                phone: c.contact.phone.clone(),
                preferred_channel: Some(c.contact.preferred_channel),
                safe_to_leave_message: Some(c.contact.safe_to_leave_message),
                safe_contact_notes: c.contact.safe_contact_notes.clone(),
            }),
            guardian_involvement: Some(c.guardian_involvement),
            interpreter_language: c.interpreter_language.clone(),
            deceased: Some(c.deceased),
        }
    }

    fn parse_case(client: Option<NewClient>) -> Result<CaseDetails, DomainError> {
        NewCase {
            client,
            situation: Some(Situation::Shared),
            jurisdiction: Some(Jurisdiction::Bc),
            ..NewCase::default()
        }
        .parse()
    }

    fn codes(c: &Client) -> Vec<(String, &'static str)> {
        field_codes(parse_case(Some(wire(c))))
    }

    #[test]
    fn a_body_missing_several_fields_names_each() {
        let Err(DomainError::Validation(errs)) = NewCase::default().parse() else {
            panic!("refused")
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["client", "situation", "jurisdiction"]);
        let Err(DomainError::Validation(errs)) = parse_case(Some(NewClient {
            contact: Some(NewContact::default()),
            ..NewClient::default()
        })) else {
            panic!("refused")
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "client.name",
                "client.age_group",
                "client.guardian_involvement",
                "client.contact.preferred_channel",
                "client.contact.safe_to_leave_message"
            ]
        );
    }

    #[test]
    fn text_is_trimmed_and_defaults_apply() {
        let mut c = client(AgeGroup::Adult, None, GuardianInvolvement::NotApplicable);
        c.name = "  Alex  ".into();
        c.contact.email = Some(" alex@example.org ".into());
        let d = parse_case(Some(wire(&c))).unwrap();
        assert_eq!(d.client.name, "Alex");
        assert_eq!(d.client.contact.email.as_deref(), Some("alex@example.org"));
        assert_eq!(d.priority, Priority::Normal);
        assert!(!d.sextortion && d.supports_requested.is_empty());
    }

    #[test]
    fn age_and_guardian_rules() {
        use GuardianInvolvement::*;
        let table: &[(AgeGroup, Option<u8>, GuardianInvolvement, &[&str])] = &[
            (AgeGroup::Adult, Some(19), NotApplicable, &[]),
            (AgeGroup::Adult, None, NotApplicable, &[]),
            (AgeGroup::Adult, Some(17), NotApplicable, &["age_group_mismatch"]),
            (AgeGroup::Adult, Some(18), NotApplicable, &["age_group_mismatch"]),
            (AgeGroup::Youth, Some(18), Undecided, &[]),
            (AgeGroup::Youth, Some(19), Undecided, &["age_group_mismatch"]),
            (AgeGroup::Adult, Some(30), YouthConsents, &["not_applicable_for_adults"]),
            (AgeGroup::Youth, Some(15), NotApplicable, &["required_for_youth"]),
            (AgeGroup::Youth, Some(121), Undecided, &["out_of_range"]),
        ];
        for (group, age, g, want) in table {
            let got: Vec<&str> = codes(&client(*group, *age, *g)).into_iter().map(|(_, c)| c).collect();
            assert_eq!(&got, want, "{group:?} {age:?} {g:?}");
        }
    }

    #[test]
    fn contact_rules() {
        let mut c = client(AgeGroup::Adult, None, GuardianInvolvement::NotApplicable);
        c.contact.preferred_channel = PreferredChannel::Email;
        assert_eq!(
            codes(&c),
            vec![("client.contact.email".to_owned(), "required_for_channel")]
        );
        c.contact.email = Some("not-an-email".into());
        assert_eq!(codes(&c), vec![("client.contact.email".to_owned(), "invalid_email")]);
        c.contact.email = Some("alex@example.org".into());
        assert!(codes(&c).is_empty());
        c.contact.preferred_channel = PreferredChannel::Phone;
        assert_eq!(
            codes(&c),
            vec![("client.contact.phone".to_owned(), "required_for_channel")]
        );
        for (phone, ok) in [
            ("+1 604 555 0100", true),
            ("(604) 555-0100", true),
            ("555", false),
            ("604-555-CALL", false),
            ("1+604", false),
            ("1+604 555 0100", false),
        ] {
            assert_eq!(phone_is_valid(phone), ok, "{phone}");
        }
    }

    fn facts(c: &Client, c3p: bool, takedowns: u32, role: Role) -> GuardFacts<'_> {
        GuardFacts {
            client: c,
            c3p_referral_made: c3p,
            open_takedowns: takedowns,
            actor_role: role,
        }
    }

    fn req(to: CaseStatus) -> TransitionRequest {
        TransitionRequest {
            to,
            close_reason: None,
            force: false,
        }
    }

    #[test]
    fn the_transition_table() {
        let adult = client(AgeGroup::Adult, Some(30), GuardianInvolvement::NotApplicable);
        let f = facts(&adult, false, 0, Role::Supervisor);
        for from in CaseStatus::ALL {
            for to in CaseStatus::ALL {
                let mut r = req(*to);
                r.close_reason = Some(CloseReason::Resolved);
                let allowed = check_transition(*from, &r, &f).is_ok();
                let expected = TRANSITIONS.iter().any(|(a, b, _)| a == from && b == to);
                assert_eq!(allowed, expected, "{from:?} -> {to:?}");
            }
        }
        assert_eq!(
            check_transition(Intake, &req(OnHold), &f),
            Err(TransitionError::NotAllowed {
                what: "a case",
                from: "intake".into(),
                to: "on_hold".into()
            })
        );
    }

    #[test]
    fn youth_guards_are_all_listed() {
        let youth = client(AgeGroup::Youth, Some(16), GuardianInvolvement::Undecided);
        let got = check_transition(Intake, &req(Active), &facts(&youth, false, 0, Role::Caseworker));
        assert_eq!(
            got,
            Err(TransitionError::Unmet(vec![
                "guardian_involvement_undecided",
                "c3p_referral_required"
            ]))
        );
        let decided = client(AgeGroup::Youth, Some(16), GuardianInvolvement::YouthDeclines);
        assert!(check_transition(Intake, &req(Active), &facts(&decided, true, 0, Role::Caseworker)).is_ok());
        // 18-year-olds need no C3P referral; youth of unknown age do.
        let eighteen = client(AgeGroup::Youth, Some(18), GuardianInvolvement::YouthConsents);
        assert!(check_transition(Intake, &req(Active), &facts(&eighteen, false, 0, Role::Caseworker)).is_ok());
        let unknown = client(AgeGroup::Youth, None, GuardianInvolvement::YouthConsents);
        assert_eq!(
            check_transition(Intake, &req(Active), &facts(&unknown, false, 0, Role::Caseworker)),
            Err(TransitionError::Unmet(vec!["c3p_referral_required"]))
        );
    }

    #[test]
    fn closing_needs_a_reason_and_no_open_takedowns_unless_forced() {
        let adult = client(AgeGroup::Adult, None, GuardianInvolvement::NotApplicable);
        let f = facts(&adult, false, 2, Role::Caseworker);
        assert_eq!(
            check_transition(Active, &req(Closed), &f),
            Err(TransitionError::Unmet(vec![
                "close_reason_required",
                "open_takedown_requests"
            ]))
        );
        let forced = TransitionRequest {
            to: Closed,
            close_reason: Some(CloseReason::Duplicate),
            force: true,
        };
        assert!(check_transition(Active, &forced, &f).is_ok());
    }

    #[test]
    fn only_supervisors_reopen() {
        let adult = client(AgeGroup::Adult, None, GuardianInvolvement::NotApplicable);
        assert_eq!(
            check_transition(Closed, &req(Active), &facts(&adult, false, 0, Role::Caseworker)),
            Err(TransitionError::Forbidden)
        );
        assert!(check_transition(Closed, &req(Active), &facts(&adult, false, 0, Role::Supervisor)).is_ok());
    }

    #[test]
    fn referral_moves() {
        use ReferralStatus::*;
        for from in ReferralStatus::ALL {
            for to in ReferralStatus::ALL {
                let allowed = matches!((from, to), (Suggested, Made | Declined) | (Made, Accepted | Declined));
                assert_eq!(check_referral_move(*from, *to).is_ok(), allowed, "{from} -> {to}");
            }
        }
        let r = |to, other_name: Option<&str>| {
            NewReferral {
                to: Some(to),
                other_name: other_name.map(str::to_owned),
                status: None,
            }
            .parse()
        };
        assert!(r(ReferralTo::Other, None).is_err());
        assert!(r(ReferralTo::C3p, Some("x")).is_err());
        let ok = r(ReferralTo::Other, Some(" Local clinic ")).unwrap();
        assert_eq!(ok.other_name.as_deref(), Some("Local clinic"));
        assert_eq!(ok.status, Suggested);
    }

    #[test]
    fn assignment_rules() {
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let eligible: HashSet<Uuid> = [a, b].into();
        let run = |primary, collaborators: Vec<Uuid>| {
            field_codes(
                CaseAssignment {
                    primary,
                    collaborators: Some(collaborators),
                }
                .parse(&eligible),
            )
        };
        assert!(run(Some(a), vec![b]).is_empty());
        assert_eq!(
            run(Some(c), vec![a, a, c, c]),
            [
                ("primary".to_owned(), "not_assignable"),
                ("collaborators[1]".to_owned(), "duplicate"),
                ("collaborators[2]".to_owned(), "is_primary"),
                ("collaborators[3]".to_owned(), "is_primary"),
            ]
        );
        assert_eq!(run(None, vec![]), [("primary".to_owned(), "required")]);
    }

    #[test]
    fn evidence_rules() {
        let now: Timestamp = "2026-11-23T17:00:00Z".parse().unwrap();
        let earlier: Timestamp = "2026-11-20T17:00:00Z".parse().unwrap();
        let run = |url: Option<&str>, posted: Option<Timestamp>, captured: Timestamp, sha: Option<&str>| {
            let e = NewEvidence {
                kind: Some(crate::case::types::EvidenceKind::Screenshot),
                url: url.map(str::to_owned),
                site: Some("Instagram".into()),
                poster: None,
                posted_at: posted,
                captured_at: Some(captured),
                description: Some("a post".into()),
                sha256: sha.map(str::to_owned),
                storage_location: None,
            };
            field_codes(e.parse(now))
                .into_iter()
                .map(|(_, code)| code)
                .collect::<Vec<_>>()
        };
        assert!(
            run(
                Some("https://example.org/p/1"),
                Some(earlier),
                now,
                Some(&"A".repeat(64))
            )
            .is_empty()
        );
        assert_eq!(run(Some("ftp://example.org"), None, now, None), ["invalid_url"]);
        assert_eq!(run(Some("https://"), None, now, None), ["invalid_url"]);
        assert_eq!(
            run(Some(&format!("https://e.org/{}", "a".repeat(2048))), None, now, None),
            ["too_long"]
        );
        assert_eq!(
            run(None, None, now + jiff::SignedDuration::from_secs(1), None),
            ["in_future"]
        );
        assert_eq!(run(None, Some(now), earlier, None), ["after_capture"]);
        assert_eq!(run(None, None, now, Some(&"a".repeat(65))), ["invalid_sha256"]);
        assert_eq!(run(None, None, now, Some(&"g".repeat(64))), ["invalid_sha256"]);
    }

    #[test]
    fn visibility_by_role() {
        let id = Uuid::now_v7();
        assert_eq!(
            Visibility::of(Some(Role::Supervisor), Some(id)),
            Visibility::All(Actor {
                id,
                role: Role::Supervisor
            })
        );
        assert_eq!(
            Visibility::of(Some(Role::Caseworker), Some(id)).sql_params(),
            (false, Some(id))
        );
        assert_eq!(Visibility::of(Some(Role::Admin), Some(id)), Visibility::Nothing);
        assert_eq!(Visibility::of(None, None), Visibility::Nothing);
    }
}
