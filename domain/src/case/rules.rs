//! The rules of a case: what a valid client record is, which transitions exist and which
//! guards they need, who sees which case.

use jiff::Timestamp;
use uuid::Uuid;

use super::types::{
    AgeGroup, CaseDetails, CaseStatus, Client, CloseReason, GuardianInvolvement, PreferredChannel, ReferralStatus,
    ReferralTo,
};
use crate::{
    error::{FieldError, Validation},
    identity::{Email, Label, Role},
};

/// Limits on free text, so one field cannot swallow the 256 KiB body.
pub const NOTE_MAX_CHARS: usize = 20_000;
pub const SUMMARY_MAX_CHARS: usize = 10_000;
pub const SHORT_TEXT_MAX_CHARS: usize = 2_000;
pub const URL_MAX_CHARS: usize = 2_048;
/// Ages beyond this are typing mistakes.
pub const MAX_AGE: u8 = 120;
/// adult = 19 and over, youth = 18 and under [IIPS].
pub const ADULT_FROM_AGE: u8 = 19;
/// Youth this age or younger need a referral to the Canadian Centre for Child Protection.
pub const C3P_REFERRAL_UP_TO_AGE: u8 = 17;

fn optional_text(v: &mut Validation, field: &str, value: Option<&str>, max: usize) {
    if let Some(s) = value {
        if s.trim().is_empty() {
            v.push(FieldError::new(
                field,
                "empty",
                "omit the field instead of sending it empty",
            ));
        } else if s.chars().count() > max {
            v.push(FieldError::new(
                field,
                "too_long",
                format!("must be at most {max} characters"),
            ));
        }
    }
}

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

/// Every rule of the client record, all reported at once (fields prefixed `client.`).
pub fn validate_client(v: &mut Validation, c: &Client) {
    v.check(Label::parse("client.name", &c.name));
    optional_text(
        v,
        "client.preferred_name",
        c.preferred_name.as_deref(),
        Label::MAX_CHARS,
    );
    optional_text(v, "client.pronouns", c.pronouns.as_deref(), 100);
    optional_text(v, "client.interpreter_language", c.interpreter_language.as_deref(), 100);
    if let Some(age) = c.age {
        if age > MAX_AGE {
            v.push(FieldError::new(
                "client.age",
                "out_of_range",
                format!("must be at most {MAX_AGE}"),
            ));
        } else if c.age_group == AgeGroup::Adult && age < ADULT_FROM_AGE {
            v.push(FieldError::new(
                "client.age",
                "age_group_mismatch",
                "adults are 19 or older; use age_group youth",
            ));
        } else if c.age_group == AgeGroup::Youth && age >= ADULT_FROM_AGE {
            v.push(FieldError::new(
                "client.age",
                "age_group_mismatch",
                "youth are 18 or younger; use age_group adult",
            ));
        }
    }
    match (c.age_group, c.guardian_involvement) {
        (AgeGroup::Adult, GuardianInvolvement::NotApplicable) => {}
        (AgeGroup::Adult, _) => v.push(FieldError::new(
            "client.guardian_involvement",
            "not_applicable_for_adults",
            "adults have guardian_involvement not_applicable",
        )),
        (AgeGroup::Youth, GuardianInvolvement::NotApplicable) => v.push(FieldError::new(
            "client.guardian_involvement",
            "required_for_youth",
            "for youth, record undecided, youth_consents or youth_declines",
        )),
        (AgeGroup::Youth, _) => {}
    }
    let contact = &c.contact;
    if let Some(e) = &contact.email {
        v.check(Email::parse("client.contact.email", e));
    }
    if let Some(p) = &contact.phone
        && !phone_is_valid(p)
    {
        v.push(FieldError::new(
            "client.contact.phone",
            "invalid_phone",
            "must be a phone number such as +1 604 555 0100",
        ));
    }
    match contact.preferred_channel {
        PreferredChannel::Email if contact.email.is_none() => v.push(FieldError::new(
            "client.contact.email",
            "required_for_channel",
            "preferred_channel email needs an email address",
        )),
        PreferredChannel::Phone if contact.phone.is_none() => v.push(FieldError::new(
            "client.contact.phone",
            "required_for_channel",
            "preferred_channel phone needs a phone number",
        )),
        _ => {}
    }
    optional_text(
        v,
        "client.contact.safe_contact_notes",
        contact.safe_contact_notes.as_deref(),
        SHORT_TEXT_MAX_CHARS,
    );
}

/// Every rule of the editable part of a case.
///
/// # Errors
/// Every broken rule, with its field.
pub fn validate_details(d: &CaseDetails) -> Result<(), crate::DomainError> {
    let mut v = Validation::new();
    validate_client(&mut v, &d.client);
    optional_text(&mut v, "summary", d.summary.as_deref(), SUMMARY_MAX_CHARS);
    let mut seen = std::collections::HashSet::new();
    if d.supports_requested.iter().any(|s| !seen.insert(*s)) {
        v.push(FieldError::new(
            "supports_requested",
            "duplicate",
            "list each support once",
        ));
    }
    v.finish()
}

// ---------------------------------------------------------------------------------------
// The state machine

/// A condition a transition needs.
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

impl Guard {
    /// The code listed in `unmet`.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Guard::GuardianDecided => "guardian_involvement_undecided",
            Guard::C3pReferral => "c3p_referral_required",
            Guard::CloseReason => "close_reason_required",
            Guard::NoOpenTakedowns => "open_takedown_requests",
            Guard::Supervisor => "supervisor_required",
        }
    }
}

use CaseStatus::{Active, Closed, Intake, OnHold};
use Guard::{C3pReferral, CloseReason as Reason, GuardianDecided, NoOpenTakedowns, Supervisor};

/// Every transition that exists, with its guards. Nothing else moves a case.
pub const TRANSITIONS: &[(CaseStatus, CaseStatus, &[Guard])] = &[
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

/// A transition request.
#[derive(Debug, Clone, Copy)]
pub struct TransitionRequest {
    pub to: CaseStatus,
    pub close_reason: Option<CloseReason>,
    pub force: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionError {
    /// No such transition from the current state.
    NotAllowed { from: CaseStatus, to: CaseStatus },
    /// The caller's role may not make it (reopening).
    Forbidden,
    /// Guards not met; every one listed.
    Unmet(Vec<&'static str>),
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
    let Some((_, _, guards)) = TRANSITIONS.iter().find(|(f, t, _)| *f == from && *t == req.to) else {
        return Err(TransitionError::NotAllowed { from, to: req.to });
    };
    if guards.contains(&Supervisor) && !guard_met(Supervisor, req, facts) {
        return Err(TransitionError::Forbidden);
    }
    let unmet: Vec<&'static str> = guards
        .iter()
        .filter(|g| !guard_met(**g, req, facts))
        .map(|g| g.code())
        .collect();
    if unmet.is_empty() {
        Ok(())
    } else {
        Err(TransitionError::Unmet(unmet))
    }
}

/// Referral status moves: suggested → made | declined; made → accepted | declined.
#[must_use]
pub fn referral_move_allowed(from: ReferralStatus, to: ReferralStatus) -> bool {
    use ReferralStatus::{Accepted, Declined, Made, Suggested};
    matches!((from, to), (Suggested, Made | Declined) | (Made, Accepted | Declined))
}

/// `other_name` is required for `other` and refused otherwise.
///
/// # Errors
/// The field error.
pub fn check_referral_target(to: ReferralTo, other_name: Option<&str>) -> Result<Option<String>, FieldError> {
    match (to, other_name.map(str::trim)) {
        (ReferralTo::Other, Some(n)) if !n.is_empty() => {
            Label::parse("other_name", n).map(|l| Some(l.as_str().to_owned()))
        }
        (ReferralTo::Other, _) => Err(FieldError::new(
            "other_name",
            "required",
            "name the organisation when `to` is other",
        )),
        (_, Some(_)) => Err(FieldError::new(
            "other_name",
            "not_applicable",
            "other_name is only for `to: other`",
        )),
        (_, None) => Ok(None),
    }
}

/// The parts of an evidence record the rules look at.
#[derive(Debug, Clone, Copy)]
pub struct EvidenceCheck<'a> {
    pub url: Option<&'a str>,
    pub site: &'a str,
    pub posted_at: Option<Timestamp>,
    pub captured_at: Timestamp,
    pub description: &'a str,
    pub sha256: Option<&'a str>,
}

/// Evidence rules: http(s) URL of at most 2048 characters; captured not in the future;
/// posted no later than captured; SHA-256 as 64 hex digits. Returns the SHA-256 in
/// lower case.
pub fn validate_evidence(v: &mut Validation, e: &EvidenceCheck<'_>, now: Timestamp) -> Option<String> {
    let EvidenceCheck {
        url,
        site,
        posted_at,
        captured_at,
        description,
        sha256,
    } = *e;
    if let Some(u) = url {
        let lower = u.to_ascii_lowercase();
        let scheme_ok = lower.starts_with("http://") || lower.starts_with("https://");
        let host_ok = u
            .split("://")
            .nth(1)
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
        if u.chars().count() > URL_MAX_CHARS {
            v.push(FieldError::new(
                "url",
                "too_long",
                format!("must be at most {URL_MAX_CHARS} characters"),
            ));
        } else if !scheme_ok || !host_ok || u.chars().any(|c| c.is_whitespace() || c.is_control()) {
            v.push(FieldError::new("url", "invalid_url", "must be an http or https URL"));
        }
    }
    v.check(Label::parse("site", site));
    if captured_at > now {
        v.push(FieldError::new(
            "captured_at",
            "in_future",
            "evidence cannot be captured in the future",
        ));
    }
    if let Some(p) = posted_at
        && p > captured_at
    {
        v.push(FieldError::new(
            "posted_at",
            "after_capture",
            "posted_at must not be after captured_at",
        ));
    }
    if description.trim().is_empty() {
        v.push(FieldError::new(
            "description",
            "required",
            "describe what the evidence shows",
        ));
    } else if description.chars().count() > SHORT_TEXT_MAX_CHARS * 5 {
        v.push(FieldError::new(
            "description",
            "too_long",
            "must be at most 10000 characters",
        ));
    }
    let sha = sha256.map(str::to_ascii_lowercase);
    if let Some(s) = &sha
        && (s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        v.push(FieldError::new(
            "sha256",
            "invalid_sha256",
            "must be 64 hexadecimal digits",
        ));
    }
    sha
}

// ---------------------------------------------------------------------------------------
// Visibility

/// Which cases a caller sees. The one rule, applied by every case query through the
/// `case_visible` SQL function: supervisors all, caseworkers the cases they are primary or
/// collaborator on, admins and integration clients none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    All,
    AssignedTo(Uuid),
    Nothing,
}

impl Visibility {
    /// `role`/`user` of the caller; integration clients have neither.
    #[must_use]
    pub fn of(role: Option<Role>, user: Option<Uuid>) -> Self {
        match (role, user) {
            (Some(Role::Supervisor), _) => Visibility::All,
            (Some(Role::Caseworker), Some(id)) => Visibility::AssignedTo(id),
            _ => Visibility::Nothing,
        }
    }

    /// Parameters of `case_visible(case, see_all, viewer)`.
    #[must_use]
    pub fn sql_params(self) -> (bool, Option<Uuid>) {
        match self {
            Visibility::All => (true, None),
            Visibility::AssignedTo(id) => (false, Some(id)),
            Visibility::Nothing => (false, None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::types::{Contact, PreferredChannel};

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
        }
    }

    fn codes(c: &Client) -> Vec<(String, &'static str)> {
        let mut v = Validation::new();
        validate_client(&mut v, c);
        v.0.into_iter().map(|e| (e.field, e.code)).collect()
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
                from: Intake,
                to: OnHold
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
        assert!(referral_move_allowed(Suggested, Made));
        assert!(referral_move_allowed(Made, Accepted));
        assert!(!referral_move_allowed(Accepted, Declined));
        assert!(!referral_move_allowed(Suggested, Accepted));
        assert!(check_referral_target(ReferralTo::Other, None).is_err());
        assert!(check_referral_target(ReferralTo::C3p, Some("x")).is_err());
        assert_eq!(
            check_referral_target(ReferralTo::Other, Some(" Local clinic ")),
            Ok(Some("Local clinic".into()))
        );
    }

    #[test]
    fn evidence_rules() {
        let now: Timestamp = "2026-11-23T17:00:00Z".parse().unwrap();
        let earlier: Timestamp = "2026-11-20T17:00:00Z".parse().unwrap();
        let run = |url: Option<&str>, posted: Option<Timestamp>, captured: Timestamp, sha: Option<&str>| {
            let mut v = Validation::new();
            let e = EvidenceCheck {
                url,
                site: "Instagram",
                posted_at: posted,
                captured_at: captured,
                description: "a post",
                sha256: sha,
            };
            validate_evidence(&mut v, &e, now);
            v.0.into_iter().map(|e| e.code).collect::<Vec<_>>()
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
        assert_eq!(Visibility::of(Some(Role::Supervisor), Some(id)), Visibility::All);
        assert_eq!(
            Visibility::of(Some(Role::Caseworker), Some(id)),
            Visibility::AssignedTo(id)
        );
        assert_eq!(Visibility::of(Some(Role::Admin), Some(id)), Visibility::Nothing);
        assert_eq!(Visibility::of(None, None), Visibility::Nothing);
    }
}
