//! The rules of a claim: how a new claim and a transition are parsed (every broken rule
//! reported at once), and the state machine as one table.

use jiff::{Timestamp, ToSpan};

use super::{
    input::{ClaimTransition, NewApplicant, NewClaim, NewRespondent},
    types::{
        Applicant, ApplicantKind, Claim, ClaimDraft, ClaimKind, ClaimMove, ClaimStatus, Forum, RelatedBinding,
        RespondentEntry,
    },
};
use crate::{
    DomainError, calendar,
    case::{AgeGroup, Client, Jurisdiction, Situation},
    error::{FieldError, Validation},
    input::PARSED,
    order::BindingStatus,
    penalty::{LegalParameter, LegalParameters},
    timestamp::Ts,
    transitions::{self, Edge, TransitionError},
};

/// The most respondents one claim names.
pub const MAX_RESPONDENTS: usize = 20;
pub const REFERENCE_MAX_CHARS: usize = 100;
pub const NOTE_MAX_CHARS: usize = 20_000;
/// An administrative-penalty claim is filed within this many years of the breach.
pub const LIMITATION_YEARS: i16 = 4;

/// Whether a claim filed at `filed` is within the limitation period of a breach at `breach`
/// (office dates: the anniversary day itself is still in time).
#[must_use]
pub fn within_limitation(breach: Timestamp, filed: Timestamp) -> bool {
    let last = calendar::local_date(breach)
        .checked_add(i64::from(LIMITATION_YEARS).years())
        .ok();
    last.is_some_and(|last| calendar::local_date(filed) <= last)
}

/// The CRT damages cap that `amount` exceeds on the filing date, if any. Only CRT claims
/// have one; a date before any cap row is unlimited by this table.
#[must_use]
pub fn damages_over_cap(
    law: &LegalParameters,
    forum: Forum,
    amount: Option<i64>,
    filed: Timestamp,
) -> Option<&LegalParameter> {
    if forum != Forum::CrtBc {
        return None;
    }
    let cap = law.crt_damages_cap(filed)?;
    match (amount, cap.value) {
        (Some(a), Some(c)) if a > c => Some(cap),
        _ => None,
    }
}

fn cad(cents: i64) -> String {
    let dollars = cents / 100;
    let mut s = dollars.to_string();
    let mut i = s.len();
    while i > 3 {
        i -= 3;
        s.insert(i, ',');
    }
    format!("CAD {s}.{:02}", cents % 100)
}

/// The binding an administrative-penalty claim names, as found in the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NamedBinding {
    pub status: BindingStatus,
    /// When the breach began: the later of the deadline and service (a respondent is not
    /// in breach before being served).
    pub breach_at: Timestamp,
}

// ---------------------------------------------------------------------------------------
// Who applies

/// Age from which a person applies on their own behalf, in BC (B.C. Reg. 293/2023 s. 4)
/// and in Quebec (the Quebec recourse: "14 or older, you can apply on your own").
pub const APPLIES_ALONE_FROM_AGE: u8 = 14;
/// Age from which a minor may authorise someone else to apply for them, in BC
/// (B.C. Reg. 293/2023 s. 5).
pub const AUTHORISES_FROM_AGE_BC: u8 = 12;

/// What the applicant rules know of the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientFacts {
    pub age_group: AgeGroup,
    /// `None`: not recorded (an adult is 19 or older in any case).
    pub age: Option<u8>,
    pub deceased: bool,
}

impl From<&Client> for ClientFacts {
    fn from(c: &Client) -> Self {
        Self {
            age_group: c.age_group,
            age: c.age,
            deceased: c.deceased,
        }
    }
}

impl ClientFacts {
    /// Whether the client is at least `years` old; `None` when a youth's age is unknown.
    fn at_least(self, years: u8) -> Option<bool> {
        match (self.age_group, self.age) {
            (_, Some(a)) => Some(a >= years),
            (AgeGroup::Adult, None) => Some(true),
            (AgeGroup::Youth, None) => None,
        }
    }
}

/// Why an applicant may not apply for this client; each names the rule it applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicantRefusal {
    /// A deceased client's application is made by their personal representative
    /// (B.C. Reg. 293/2023 s. 3 (b)).
    ClientDeceased,
    /// A personal representative applies only for a deceased client (s. 3).
    ClientNotDeceased,
    /// Under 14 a client does not apply alone (B.C. Reg. 293/2023 s. 4; Quebec: 14 or older).
    ClientUnder14,
    /// In BC a minor authorises someone else only from 12 (B.C. Reg. 293/2023 s. 5).
    AuthorisingUnder12,
    /// In Quebec, under 14 the parents must apply.
    QuebecParentsApply,
    /// An adult has no guardian to apply for them: they apply, or authorise someone.
    AdultClientHasNoGuardian,
    /// Who may apply depends on a youth's age, which the case does not record.
    AgeUnknown,
}

impl ApplicantRefusal {
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            Self::ClientDeceased => "client_deceased",
            Self::ClientNotDeceased => "client_not_deceased",
            Self::ClientUnder14 => "client_under_14",
            Self::AuthorisingUnder12 => "client_under_12",
            Self::QuebecParentsApply => "parents_must_apply",
            Self::AdultClientHasNoGuardian => "adult_client",
            Self::AgeUnknown => "client_age_unknown",
        }
    }

    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            Self::ClientDeceased => {
                "the client is deceased: their personal representative applies (B.C. Reg. 293/2023 s. 3)"
            }
            Self::ClientNotDeceased => "a personal representative applies only for a deceased client",
            Self::ClientUnder14 => "a client applies on their own behalf from 14 (B.C. Reg. 293/2023 s. 4; Quebec: 14)",
            Self::AuthorisingUnder12 => {
                "in BC a minor authorises someone to apply for them from 12 (B.C. Reg. 293/2023 s. 5); under 12 a guardian applies"
            }
            Self::QuebecParentsApply => "in Quebec, for a client under 14 the parents must apply (guardian)",
            Self::AdultClientHasNoGuardian => {
                "an adult client applies, or authorises someone (authorised_person); a guardian applies for a minor"
            }
            Self::AgeUnknown => "record the client's age on the case: who may apply for a youth depends on it",
        }
    }
}

/// Whether `kind` may apply for `client` before a forum serving `jurisdiction`.
///
/// # Errors
/// The rule that refuses it.
pub fn check_applicant(
    kind: ApplicantKind,
    jurisdiction: Jurisdiction,
    client: ClientFacts,
) -> Result<(), ApplicantRefusal> {
    use ApplicantRefusal as R;
    if client.deceased {
        return if kind == ApplicantKind::PersonalRepresentative {
            Ok(())
        } else {
            Err(R::ClientDeceased)
        };
    }
    let fourteen = client.at_least(APPLIES_ALONE_FROM_AGE);
    match kind {
        ApplicantKind::PersonalRepresentative => Err(R::ClientNotDeceased),
        ApplicantKind::Client => match fourteen {
            Some(true) => Ok(()),
            Some(false) => Err(R::ClientUnder14),
            None => Err(R::AgeUnknown),
        },
        ApplicantKind::Guardian => match client.age_group {
            AgeGroup::Adult => Err(R::AdultClientHasNoGuardian),
            AgeGroup::Youth => Ok(()),
        },
        ApplicantKind::AuthorisedPerson => match (fourteen, jurisdiction) {
            (Some(true), _) => Ok(()),
            (None, _) => Err(R::AgeUnknown),
            (Some(false), Jurisdiction::Bc) => match client.at_least(AUTHORISES_FROM_AGE_BC) {
                Some(true) => Ok(()),
                _ => Err(R::AuthorisingUnder12),
            },
            (Some(false), _) => Err(R::QuebecParentsApply),
        },
    }
}

impl NewApplicant {
    fn parse_into(self, v: &mut Validation, jurisdiction: Jurisdiction, client: ClientFacts) -> Option<Applicant> {
        let kind = v.required("applicant.kind", self.kind)?;
        let name = if kind == ApplicantKind::Client {
            if self.name.is_some() {
                v.push(FieldError::new(
                    "applicant.name",
                    "not_applicable",
                    "the client's name is on the case; name only someone applying for them",
                ));
            }
            Some(None)
        } else {
            v.required_label("applicant.name", self.name.as_deref()).map(Some)
        };
        if let Err(r) = check_applicant(kind, jurisdiction, client) {
            v.push(FieldError::new("applicant", r.code(), r.message()));
        }
        Some(Applicant { kind, name: name? })
    }
}

/// What the rules of a new claim look at besides the body.
#[derive(Debug, Clone)]
pub struct ClaimFacts<'a> {
    pub now: Timestamp,
    /// Of the case named by `case_id`.
    pub situation: Situation,
    pub jurisdiction: Jurisdiction,
    /// Of the case's client: who may apply for them.
    pub client: ClientFacts,
    pub law: &'a LegalParameters,
    /// The binding of `related_order_id` (an order of the same case) for
    /// `related_respondent_id`, when there is one.
    pub named_binding: Option<NamedBinding>,
}

impl NewRespondent {
    fn parse_into(self, v: &mut Validation, at: &str) -> Option<RespondentEntry> {
        let kind = v.required(&format!("{at}.kind"), self.kind);
        let name = v.required_label(&format!("{at}.name"), self.name.as_deref());
        let is_minor = v.required(&format!("{at}.is_minor"), self.is_minor);
        Some(RespondentEntry {
            kind: kind?,
            name: name?,
            // Not validated: the reference arrives with the platform directory (migration 0007).
            platform_id: self.platform_id,
            is_minor: is_minor?,
        })
    }
}

impl NewClaim {
    /// The validated claim: every rule, every error at once.
    ///
    /// # Errors
    /// `Validation` listing every broken rule with its field.
    pub fn parse(self, f: &ClaimFacts<'_>) -> Result<ClaimDraft, DomainError> {
        let mut v = Validation::new();
        let case_id = v.required("case_id", self.case_id);
        if !matches!(f.situation, Situation::Shared | Situation::Threatened) {
            v.push(FieldError::new(
                "case_id",
                "situation_not_covered",
                "a claim needs a case whose images were shared or threatened to be shared; the Act does not cover mere possession",
            ));
        }
        let forum = v.required("forum", self.forum);
        if let Some(forum) = forum
            && forum.jurisdiction() != f.jurisdiction
        {
            v.push(FieldError::new(
                "forum",
                "jurisdiction_mismatch",
                format!(
                    "{forum} hears {} cases; this case's jurisdiction is {}",
                    forum.jurisdiction(),
                    f.jurisdiction
                ),
            ));
        }
        let kind = v.required("kind", self.kind);
        if kind == Some(ClaimKind::AdministrativePenalty) && forum == Some(Forum::CourtOfQuebec) {
            v.push(FieldError::new(
                "kind",
                "no_administrative_penalty_in_quebec",
                "the Court of Québec enforces its orders with fines (CQLR c. P-9.0002), not administrative penalties: report the breach to the court",
            ));
        }
        let applicant = v.required_with("applicant", self.applicant.clone(), |v, a| {
            a.parse_into(v, f.jurisdiction, f.client)
        });
        let tribunal_reference = v.optional_text(
            "tribunal_reference",
            self.tribunal_reference.as_deref(),
            REFERENCE_MAX_CHARS,
        );
        v.not_in_future(
            "filed_at",
            self.filed_at,
            f.now,
            "a claim cannot be filed in the future",
        );
        let related = self.parse_related(&mut v, kind, f);
        // An application for a protection order can be made without naming the person
        // (contract: respondents optional there); the other kinds are against someone.
        let respondents = match (kind, self.respondents) {
            (Some(ClaimKind::ProtectionOrder), None) => Some(Vec::new()),
            (Some(ClaimKind::ProtectionOrder), Some(rs)) => Some(rs),
            (_, rs) => v.non_empty("respondents", rs, "name at least one respondent"),
        }
        .filter(|rs| v.at_most("respondents", rs.len(), MAX_RESPONDENTS, "respondents per claim"))
        .and_then(|rs| v.each("respondents", rs, |v, at, r| r.parse_into(v, at)));
        match (kind, self.damages_claimed_cents) {
            (Some(k), Some(_)) if k != ClaimKind::Damages => v.push(FieldError::new(
                "damages_claimed_cents",
                "not_applicable",
                "only a damages claim claims an amount",
            )),
            (_, Some(a)) if a <= 0 => v.push(FieldError::new(
                "damages_claimed_cents",
                "out_of_range",
                "must be a positive number of cents",
            )),
            (_, Some(a)) => {
                if let (Some(forum), Some(filed)) = (forum, self.filed_at)
                    && let Some(cap) = damages_over_cap(f.law, forum, Some(a), filed)
                {
                    v.push(FieldError::new(
                        "damages_claimed_cents",
                        "over_cap",
                        format!(
                            "the Civil Resolution Tribunal awards at most {} on claims filed on {} (in force from {})",
                            cad(cap.value.unwrap_or_default()),
                            calendar::local_date(filed),
                            cap.effective_from
                        ),
                    ));
                }
            }
            _ => {}
        }
        v.into_result(|| {
            Some(ClaimDraft {
                case_id: case_id?,
                forum: forum?,
                kind: kind?,
                tribunal_reference,
                applicant: applicant?,
                filed_at: self.filed_at.map(Ts::new),
                respondents: respondents?,
                related,
                damages_claimed_cents: self.damages_claimed_cents,
                parsed: PARSED,
            })
        })
    }

    /// `related_order_id` and `related_respondent_id`: required for an administrative
    /// penalty (a non-compliant binding of an order of the same case, breached less than
    /// four years before filing), refused for other kinds.
    fn parse_related(&self, v: &mut Validation, kind: Option<ClaimKind>, f: &ClaimFacts<'_>) -> Option<RelatedBinding> {
        let penalty = kind == Some(ClaimKind::AdministrativePenalty);
        if !penalty {
            for (field, value) in [
                ("related_order_id", self.related_order_id),
                ("related_respondent_id", self.related_respondent_id),
            ] {
                if kind.is_some() && value.is_some() {
                    v.push(FieldError::new(
                        field,
                        "not_applicable",
                        "only an administrative_penalty claim names an order",
                    ));
                }
            }
            return None;
        }
        let order_id = v.required("related_order_id", self.related_order_id);
        let respondent_id = v.required("related_respondent_id", self.related_respondent_id);
        let (order_id, respondent_id) = (order_id?, respondent_id?);
        match f.named_binding {
            None => v.push(FieldError::new(
                "related_respondent_id",
                "not_bound",
                "not a respondent bound by that order of this case",
            )),
            Some(b) if b.status != BindingStatus::NonCompliant => v.push(FieldError::new(
                "related_respondent_id",
                "not_non_compliant",
                format!("the respondent's binding is {}, not non_compliant", b.status),
            )),
            Some(b) => {
                if let Some(filed) = self.filed_at
                    && !within_limitation(b.breach_at, filed)
                {
                    v.push(FieldError::new(
                        "filed_at",
                        "limitation_expired",
                        format!(
                            "an administrative penalty is claimed within {LIMITATION_YEARS} years of the breach ({})",
                            calendar::local_date(b.breach_at)
                        ),
                    ));
                }
            }
        }
        Some(RelatedBinding {
            order_id,
            respondent_id,
        })
    }
}

impl ClaimTransition {
    /// `outcome` is required to move to `decided` and refused otherwise; `occurred_at`
    /// defaults to `now`, may not be after it nor before `previous`.
    ///
    /// # Errors
    /// `Validation` with every broken rule.
    pub fn parse(self, now: Timestamp, previous: Option<Ts>) -> Result<ClaimMove, DomainError> {
        let mut v = Validation::new();
        let to = v.required("to", self.to);
        match (to, self.outcome) {
            (Some(ClaimStatus::Decided), None) => v.push(FieldError::new(
                "outcome",
                "required",
                "a decision has an outcome: granted, partially_granted or dismissed",
            )),
            (Some(t), Some(_)) if t != ClaimStatus::Decided => v.push(FieldError::new(
                "outcome",
                "not_applicable",
                "an outcome is given only when moving to decided",
            )),
            _ => {}
        }
        let occurred_at = self.occurred_at.unwrap_or(now);
        v.not_in_future("occurred_at", occurred_at, now, "must not be in the future");
        if let Some(p) = previous
            && Ts::new(occurred_at) < p
        {
            v.push(FieldError::new(
                "occurred_at",
                "before_previous",
                format!("must not be before the previous status change ({p})"),
            ));
        }
        let note = v.optional_text("note", self.note.as_deref(), NOTE_MAX_CHARS);
        v.into_result(|| {
            Some(ClaimMove {
                to: to?,
                outcome: self.outcome,
                occurred_at: Ts::new(occurred_at),
                note,
            })
        })
    }
}

// ---------------------------------------------------------------------------------------
// The claim state machine

/// A condition a claim transition needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimGuard {
    /// A CRT damages claim is within the cap in force on the filing date.
    DamagesWithinCap,
    /// An administrative penalty is filed within four years of the breach.
    WithinLimitation,
}

impl transitions::Guard for ClaimGuard {
    fn code(self) -> &'static str {
        match self {
            ClaimGuard::DamagesWithinCap => "damages_over_cap",
            ClaimGuard::WithinLimitation => "limitation_period_expired",
        }
    }
}

use ClaimGuard::{DamagesWithinCap, WithinLimitation};
use ClaimStatus::{Closed, Decided, Filed, Preparing, Withdrawn};

/// Every transition that exists, with its guards. Nothing else moves a claim.
pub const TRANSITIONS: &[Edge<ClaimStatus, ClaimGuard>] = &[
    (Preparing, Filed, &[DamagesWithinCap, WithinLimitation]),
    (Preparing, Withdrawn, &[]),
    (Filed, Decided, &[]),
    (Filed, Withdrawn, &[]),
    (Decided, Closed, &[]),
];

/// What the claim guards look at.
#[derive(Debug, Clone)]
pub struct ClaimGuardFacts<'a> {
    pub claim: &'a Claim,
    pub law: &'a LegalParameters,
    /// The `comply_by` of the binding an administrative-penalty claim names.
    pub breach: Option<Timestamp>,
}

/// Checks a claim transition against the table and every guard.
///
/// # Errors
/// `NotAllowed` when the table has no such edge; otherwise `Unmet` with every unmet guard.
pub fn check_transition(m: &ClaimMove, f: &ClaimGuardFacts<'_>) -> Result<(), TransitionError> {
    let filed = f.claim.filed_at.unwrap_or(m.occurred_at).get();
    transitions::check("a claim", TRANSITIONS, f.claim.status, m.to, |g| match g {
        DamagesWithinCap => damages_over_cap(f.law, f.claim.forum, f.claim.damages_claimed_cents, filed).is_none(),
        WithinLimitation => f.breach.is_none_or(|b| within_limitation(b, filed)),
    })
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::input::field_codes;
    use crate::penalty::RespondentKind;

    fn law() -> LegalParameters {
        let p = |from: &str, value| LegalParameter {
            key: "crt_bc.damages_cap".into(),
            effective_from: from.parse().unwrap(),
            value: Some(value),
        };
        LegalParameters(vec![p("2024-01-29", 500_000), p("2026-03-18", 7_500_000)])
    }

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn facts(law: &LegalParameters) -> ClaimFacts<'_> {
        ClaimFacts {
            now: t("2026-11-23T17:00:00Z"),
            situation: Situation::Shared,
            jurisdiction: Jurisdiction::Bc,
            client: adult(),
            law,
            named_binding: None,
        }
    }

    fn adult() -> ClientFacts {
        ClientFacts {
            age_group: AgeGroup::Adult,
            age: None,
            deceased: false,
        }
    }

    fn applicant(kind: ApplicantKind, name: Option<&str>) -> NewApplicant {
        NewApplicant {
            kind: Some(kind),
            name: name.map(str::to_owned),
        }
    }

    fn respondent() -> NewRespondent {
        NewRespondent {
            kind: Some(RespondentKind::Individual),
            name: Some("R".into()),
            platform_id: None,
            is_minor: Some(false),
        }
    }

    fn claim(kind: ClaimKind) -> NewClaim {
        NewClaim {
            case_id: Some(Uuid::now_v7()),
            forum: Some(Forum::CrtBc),
            kind: Some(kind),
            applicant: Some(applicant(ApplicantKind::Client, None)),
            respondents: Some(vec![respondent()]),
            ..NewClaim::default()
        }
    }

    #[test]
    fn every_missing_field_is_named() {
        let law = law();
        let got = field_codes(
            NewClaim {
                respondents: Some(vec![NewRespondent::default()]),
                ..NewClaim::default()
            }
            .parse(&facts(&law)),
        );
        let fields: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            fields,
            [
                "case_id",
                "forum",
                "kind",
                "applicant",
                "respondents[0].kind",
                "respondents[0].name",
                "respondents[0].is_minor"
            ]
        );
    }

    #[test]
    fn who_may_apply_by_age_and_jurisdiction() {
        use ApplicantKind::{AuthorisedPerson as Auth, Client as Own, Guardian, PersonalRepresentative as Rep};
        use Jurisdiction::{Bc, Qc};
        let youth = |age: Option<u8>| ClientFacts {
            age_group: AgeGroup::Youth,
            age,
            deceased: false,
        };
        let dead = ClientFacts {
            deceased: true,
            ..adult()
        };
        let cases: &[(ApplicantKind, Jurisdiction, ClientFacts, Option<&str>)] = &[
            (Own, Bc, adult(), None),
            (Own, Qc, youth(Some(14)), None),
            (Own, Bc, youth(Some(13)), Some("client_under_14")),
            (Own, Qc, youth(Some(13)), Some("client_under_14")),
            (Own, Bc, youth(None), Some("client_age_unknown")),
            (Guardian, Bc, youth(Some(11)), None),
            (Guardian, Qc, youth(Some(13)), None),
            (Guardian, Bc, adult(), Some("adult_client")),
            (Auth, Bc, youth(Some(12)), None),
            (Auth, Bc, youth(Some(11)), Some("client_under_12")),
            (Auth, Qc, youth(Some(13)), Some("parents_must_apply")),
            (Auth, Qc, youth(Some(14)), None),
            (Auth, Bc, adult(), None),
            (Rep, Bc, adult(), Some("client_not_deceased")),
            (Rep, Qc, dead, None),
            (Own, Bc, dead, Some("client_deceased")),
            (Guardian, Bc, dead, Some("client_deceased")),
        ];
        for &(kind, j, client, want) in cases {
            let got = check_applicant(kind, j, client).err().map(ApplicantRefusal::code);
            assert_eq!(got, want, "{kind} for {client:?} in {j}");
        }
    }

    #[test]
    fn an_applicant_other_than_the_client_is_named() {
        let law = law();
        let parse = |a: NewApplicant| {
            let mut c = claim(ClaimKind::ProtectionOrder);
            c.applicant = Some(a);
            field_codes(c.parse(&facts(&law)))
        };
        assert_eq!(
            parse(applicant(ApplicantKind::AuthorisedPerson, None)),
            [("applicant.name".to_owned(), "required")]
        );
        assert!(parse(applicant(ApplicantKind::AuthorisedPerson, Some("Sam Lee"))).is_empty());
        assert_eq!(
            parse(applicant(ApplicantKind::Client, Some("Alex"))),
            [("applicant.name".to_owned(), "not_applicable")]
        );
        // Both the missing name and the age rule, at once.
        assert_eq!(
            parse(applicant(ApplicantKind::Guardian, None)),
            [
                ("applicant.name".to_owned(), "required"),
                ("applicant".to_owned(), "adult_client")
            ]
        );
    }

    #[test]
    fn only_a_protection_order_may_name_no_respondent() {
        let law = law();
        for (kind, want) in [
            (ClaimKind::ProtectionOrder, None),
            (ClaimKind::Damages, Some("required")),
        ] {
            let mut c = claim(kind);
            c.respondents = None;
            let got = field_codes(c.parse(&facts(&law)));
            assert_eq!(got.first().map(|(_, c)| *c), want, "{kind}");
        }
        let mut c = claim(ClaimKind::Damages);
        c.respondents = Some(vec![]);
        assert_eq!(
            field_codes(c.parse(&facts(&law))),
            [("respondents".to_owned(), "too_few")]
        );
    }

    #[test]
    fn no_administrative_penalty_before_the_court_of_quebec() {
        let law = law();
        let mut f = facts(&law);
        f.jurisdiction = Jurisdiction::Qc;
        let mut c = claim(ClaimKind::AdministrativePenalty);
        c.forum = Some(Forum::CourtOfQuebec);
        let got = field_codes(c.parse(&f));
        assert_eq!(got[0], ("kind".to_owned(), "no_administrative_penalty_in_quebec"));
    }

    #[test]
    fn case_rules_are_reported_together() {
        let law = law();
        let mut f = facts(&law);
        f.situation = Situation::PossessedNotShared;
        f.jurisdiction = Jurisdiction::Qc;
        assert_eq!(
            field_codes(claim(ClaimKind::ProtectionOrder).parse(&f)),
            [
                ("case_id".to_owned(), "situation_not_covered"),
                ("forum".to_owned(), "jurisdiction_mismatch")
            ]
        );
    }

    #[test]
    fn damages_cap_in_force_on_the_filing_date() {
        let law = law();
        let f = facts(&law);
        let damages = |cents, filed: Option<&str>| {
            let mut c = claim(ClaimKind::Damages);
            c.damages_claimed_cents = Some(cents);
            c.filed_at = filed.map(t);
            field_codes(c.parse(&f))
        };
        assert_eq!(
            damages(500_100, Some("2026-03-01T12:00:00-08:00")),
            [("damages_claimed_cents".to_owned(), "over_cap")]
        );
        assert!(damages(500_000, Some("2026-03-01T12:00:00-08:00")).is_empty());
        assert!(damages(7_500_000, Some("2026-04-01T12:00:00-07:00")).is_empty());
        assert_eq!(
            damages(7_500_001, Some("2026-04-01T12:00:00-07:00")),
            [("damages_claimed_cents".to_owned(), "over_cap")]
        );
        // Not yet filed: checked when the claim moves to filed.
        assert!(damages(9_000_000, None).is_empty());
        // Only damages claims claim an amount.
        let mut c = claim(ClaimKind::ProtectionOrder);
        c.damages_claimed_cents = Some(100);
        assert_eq!(
            field_codes(c.parse(&f)),
            [("damages_claimed_cents".to_owned(), "not_applicable")]
        );
        assert_eq!(cad(7_500_000), "CAD 75,000.00");
    }

    #[test]
    fn administrative_penalty_names_a_non_compliant_binding_in_time() {
        let law = law();
        let breach = t("2026-01-10T12:00:00-08:00");
        let run = |status: Option<BindingStatus>, filed: &str| {
            let mut f = facts(&law);
            f.now = t("2031-01-01T00:00:00Z");
            f.named_binding = status.map(|status| NamedBinding {
                status,
                breach_at: breach,
            });
            let mut c = claim(ClaimKind::AdministrativePenalty);
            c.related_order_id = Some(Uuid::now_v7());
            c.related_respondent_id = Some(Uuid::now_v7());
            c.filed_at = Some(t(filed));
            field_codes(c.parse(&f))
        };
        assert!(run(Some(BindingStatus::NonCompliant), "2030-01-10T12:00:00-08:00").is_empty());
        assert_eq!(
            run(Some(BindingStatus::NonCompliant), "2030-01-11T12:00:00-08:00"),
            [("filed_at".to_owned(), "limitation_expired")]
        );
        assert_eq!(
            run(Some(BindingStatus::Complied), "2027-01-10T12:00:00-08:00"),
            [("related_respondent_id".to_owned(), "not_non_compliant")]
        );
        assert_eq!(
            run(None, "2027-01-10T12:00:00-08:00"),
            [("related_respondent_id".to_owned(), "not_bound")]
        );
        let c = claim(ClaimKind::AdministrativePenalty);
        assert_eq!(
            field_codes(c.parse(&facts(&law))),
            [
                ("related_order_id".to_owned(), "required"),
                ("related_respondent_id".to_owned(), "required")
            ]
        );
    }

    #[test]
    fn transitions_parse_and_the_table() {
        let now = t("2026-11-23T17:00:00Z");
        let prev = Some(Ts::new(t("2026-11-20T17:00:00Z")));
        let parse = |to, outcome, at: Option<&str>| {
            ClaimTransition {
                to: Some(to),
                outcome,
                occurred_at: at.map(t),
                note: None,
            }
            .parse(now, prev)
            .map_err(|e| match e {
                DomainError::Validation(v) => v.into_iter().map(|e| e.code).collect::<Vec<_>>(),
                e => panic!("{e}"),
            })
        };
        assert_eq!(parse(Decided, None, None).unwrap_err(), ["required"]);
        assert_eq!(
            parse(Filed, Some(super::super::Outcome::Granted), None).unwrap_err(),
            ["not_applicable"]
        );
        assert_eq!(
            parse(Filed, None, Some("2026-11-19T17:00:00Z")).unwrap_err(),
            ["before_previous"]
        );
        assert_eq!(
            parse(Filed, None, Some("2026-11-24T17:00:00Z")).unwrap_err(),
            ["in_future"]
        );
        assert!(parse(Decided, Some(super::super::Outcome::Dismissed), None).is_ok());
        for from in ClaimStatus::ALL {
            for to in ClaimStatus::ALL {
                let allowed = matches!(
                    (from, to),
                    (Preparing, Filed | Withdrawn) | (Filed, Decided | Withdrawn) | (Decided, Closed)
                );
                assert_eq!(transitions::exists(TRANSITIONS, *from, *to), allowed, "{from} -> {to}");
            }
        }
    }
}
