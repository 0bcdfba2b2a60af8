//! The rules of a claim: how a new claim and a transition are parsed (every broken rule
//! reported at once), and the state machine as one table.

use jiff::{Timestamp, ToSpan};

use super::{
    input::{ClaimTransition, NewClaim, NewRespondent},
    types::{Claim, ClaimDraft, ClaimKind, ClaimMove, ClaimStatus, Forum, RelatedBinding, RespondentEntry},
};
use crate::{
    DomainError, calendar,
    case::{Jurisdiction, Situation},
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
    /// The breach: the deadline the respondent missed.
    pub comply_by: Timestamp,
}

/// What the rules of a new claim look at besides the body.
#[derive(Debug, Clone)]
pub struct ClaimFacts<'a> {
    pub now: Timestamp,
    /// Of the case named by `case_id`.
    pub situation: Situation,
    pub jurisdiction: Jurisdiction,
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
        let respondents = v
            .non_empty("respondents", self.respondents, "name at least one respondent")
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
                    && !within_limitation(b.comply_by, filed)
                {
                    v.push(FieldError::new(
                        "filed_at",
                        "limitation_expired",
                        format!(
                            "an administrative penalty is claimed within {LIMITATION_YEARS} years of the breach ({})",
                            calendar::local_date(b.comply_by)
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
            law,
            named_binding: None,
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
                "respondents[0].kind",
                "respondents[0].name",
                "respondents[0].is_minor"
            ]
        );
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
                comply_by: breach,
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
