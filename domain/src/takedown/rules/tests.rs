use super::*;
use crate::input::field_codes;

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn valid() -> NewTakedown {
    NewTakedown {
        case_id: Some(Uuid::now_v7()),
        platform_id: Some(Uuid::now_v7()),
        channel: Some(TakedownChannel::WebForm),
        urls: Some(vec![
            "https://social.example.com/p/1".into(),
            "https://social.example.com/p/2".into(),
        ]),
        evidence_ids: Some(vec![Uuid::now_v7()]),
        legal_basis: Some(LegalBasis::PlatformPolicy),
        ..NewTakedown::default()
    }
}

fn errors(n: NewTakedown) -> Vec<(String, &'static str)> {
    field_codes(n.parse())
}

fn e(field: &str, code: &'static str) -> (String, &'static str) {
    (field.to_owned(), code)
}

#[test]
fn a_valid_request_parses() {
    let spec = valid().parse().unwrap();
    assert_eq!(spec.urls().len(), 2);
    assert_eq!(spec.channel(), TakedownChannel::WebForm);
    assert_eq!(spec.order_id(), None);
}

#[test]
fn every_missing_field_is_named_at_once() {
    assert_eq!(
        errors(NewTakedown::default()),
        [
            e("case_id", "required"),
            e("platform_id", "required"),
            e("channel", "required"),
            e("urls", "required"),
            e("legal_basis", "required"),
        ]
    );
    let empty = NewTakedown {
        urls: Some(vec![]),
        ..valid()
    };
    assert_eq!(errors(empty), [e("urls", "required")]);
}

#[test]
fn url_rules() {
    let with = |urls: Vec<String>| NewTakedown {
        urls: Some(urls),
        ..valid()
    };
    assert_eq!(
        errors(with(vec![
            "https://x.org/a".into(),
            "ftp://x.org/a".into(),
            "HTTPS://X.org:443/a/#top".into(),
            format!("https://x.org/{}", "a".repeat(2048)),
            "https://x.org/b".into(),
            "https://x.org/b?x=1".into(),
            "https://x.org/b/".into(),
        ])),
        [
            e("urls[1]", "invalid_url"),
            e("urls[2]", "duplicate"),
            e("urls[3]", "too_long"),
            e("urls[6]", "duplicate"),
        ]
    );
    let fifty: Vec<String> = (0..50).map(|i| format!("https://x.org/{i}")).collect();
    assert!(errors(with(fifty.clone())).is_empty());
    let mut fifty_one = fifty;
    fifty_one.push("https://x.org/50".into());
    assert_eq!(errors(with(fifty_one)), [e("urls", "too_many")]);
}

#[test]
fn evidence_ids_are_distinct() {
    let id = Uuid::now_v7();
    let n = NewTakedown {
        evidence_ids: Some(vec![id, Uuid::now_v7(), id]),
        ..valid()
    };
    assert_eq!(errors(n), [e("evidence_ids[2]", "duplicate")]);
}

#[test]
fn orders_and_legal_basis() {
    let iipa = NewTakedown {
        legal_basis: Some(LegalBasis::IipaOrder),
        ..valid()
    };
    assert_eq!(errors(iipa.clone()), [e("order_id", "required")]);
    assert!(
        errors(NewTakedown {
            order_id: Some(Uuid::now_v7()),
            ..iipa
        })
        .is_empty()
    );
    let serve = NewTakedown {
        channel: Some(TakedownChannel::OrderService),
        legal_basis: Some(LegalBasis::Other),
        ..valid()
    };
    assert_eq!(errors(serve), [e("order_id", "required")]);
    let dmca = NewTakedown {
        channel: Some(TakedownChannel::DmcaNotice),
        copyright: Some(crate::takedown::types::CopyrightParticulars {
            work: "A photograph the claimant took of themselves".into(),
            claimant_right: "The claimant took it and owns the copyright".into(),
            claimant_address: None,
        }),
        ..valid()
    };
    assert_eq!(errors(dmca.clone()), [e("legal_basis", "copyright_required")]);
    // The particulars are required for a copyright notice, and refused elsewhere.
    assert_eq!(
        errors(NewTakedown {
            legal_basis: Some(LegalBasis::Copyright),
            copyright: None,
            ..dmca.clone()
        }),
        [e("copyright", "required")]
    );
    assert_eq!(
        errors(NewTakedown {
            copyright: dmca.copyright.clone(),
            ..valid()
        }),
        [e("copyright", "not_applicable")]
    );
    assert!(
        errors(NewTakedown {
            legal_basis: Some(LegalBasis::Copyright),
            ..dmca
        })
        .is_empty()
    );
}

#[test]
fn hash_services_and_age_at_creation() {
    // The expected error code on `depicted_under_18`, if any.
    let table: &[(TakedownChannel, Option<bool>, Option<&'static str>)] = &[
        (TakedownChannel::Stopncii, Some(false), None),
        (TakedownChannel::Stopncii, None, None),
        (TakedownChannel::Stopncii, Some(true), Some("stopncii_adults_only")),
        (TakedownChannel::TakeItDown, Some(true), None),
        (TakedownChannel::TakeItDown, None, None),
        (
            TakedownChannel::TakeItDown,
            Some(false),
            Some("take_it_down_minors_only"),
        ),
        (TakedownChannel::Email, Some(true), None),
    ];
    for (channel, under_18, want) in table {
        let n = NewTakedown {
            channel: Some(*channel),
            depicted_under_18: *under_18,
            ..valid()
        };
        let want: Vec<(String, &str)> = want.iter().map(|c| e("depicted_under_18", c)).collect();
        assert_eq!(errors(n), want, "{channel:?} {under_18:?}");
    }
}

#[test]
fn reasons_are_not_blank() {
    let n = NewTakedown {
        evidence_waiver_reason: Some("  ".into()),
        override_reason: Some("x".repeat(REASON_MAX_CHARS + 1)),
        ..valid()
    };
    assert_eq!(
        errors(n),
        [e("evidence_waiver_reason", "empty"), e("override_reason", "too_long")]
    );
}

// ---------------------------------------------------------------------------------------
// Transitions

const URLS: &[&str] = &["https://social.example.com/p/1", "https://social.example.com/p/2"];

struct Fixture {
    urls: Vec<String>,
}

impl Fixture {
    fn new() -> Self {
        Self {
            urls: URLS.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// Every guard met.
    fn facts<'a>(&'a self, evidence: &'a [&'a str]) -> GuardFacts<'a> {
        GuardFacts {
            channel: TakedownChannel::WebForm,
            urls: &self.urls,
            evidence_urls: evidence,
            evidence_waiver_reason: None,
            platform_contact_consent: true,
            respondent_contact_consent: true,
            identity_disclosure_consent: true,
            platform_dmca_agent: true,
            depicted_under_18: None,
            case_sextortion: false,
            override_reason: None,
        }
    }
}

const NOW: &str = "2026-11-23T17:00:00Z";
const EARLIER: &str = "2026-11-20T17:00:00Z";

fn check(from: TakedownStatus, to: TakedownStatus, f: &GuardFacts<'_>) -> Result<Timestamp, TransitionError> {
    let req = TransitionRequest { to, occurred_at: None };
    check_transition(from, &req, f, t(EARLIER), t(NOW))
}

#[test]
fn the_transition_table_over_every_pair() {
    let fx = Fixture::new();
    let f = fx.facts(URLS);
    for from in TakedownStatus::ALL {
        for to in TakedownStatus::ALL {
            let expected = TRANSITIONS.iter().any(|(a, b, _)| a == from && b == to);
            match check(*from, *to, &f) {
                Ok(at) => {
                    assert!(expected, "{from:?} -> {to:?} should not exist");
                    assert_eq!(at, t(NOW));
                }
                Err(TransitionError::NotAllowed { .. }) => assert!(!expected, "{from:?} -> {to:?} should exist"),
                Err(other) => panic!("{from:?} -> {to:?}: {other:?}"),
            }
        }
    }
}

#[test]
fn the_table_is_the_contract() {
    use TakedownStatus::*;
    let mut edges: Vec<(TakedownStatus, TakedownStatus)> = TRANSITIONS.iter().map(|(a, b, _)| (*a, *b)).collect();
    edges.sort();
    let mut want = vec![
        (Draft, Submitted),
        (Submitted, Acknowledged),
        (Submitted, Removed),
        (Submitted, PartiallyRemoved),
        (Submitted, Refused),
        (Acknowledged, Removed),
        (Acknowledged, PartiallyRemoved),
        (Acknowledged, Refused),
        (Refused, Escalated),
        (Draft, Withdrawn),
        (Submitted, Withdrawn),
        (Acknowledged, Withdrawn),
    ];
    want.sort();
    assert_eq!(edges, want);
    // Terminal states have no way out; refused can still be escalated.
    for s in TakedownStatus::ALL {
        let outgoing = TRANSITIONS.iter().any(|(a, _, _)| a == s);
        assert_eq!(s.is_terminal(), !outgoing, "{s:?}");
    }
    assert!(!Refused.is_terminal());
    // Only draft -> submitted is guarded.
    for (a, b, g) in TRANSITIONS {
        assert_eq!(g.is_empty(), (*a, *b) != (Draft, Submitted), "{a:?} -> {b:?}");
    }
}

#[test]
fn every_unmet_submission_guard_is_listed_at_once() {
    let fx = Fixture::new();
    for (channel, depicted_under_18, age_guard) in [
        (TakedownChannel::Stopncii, None, "stopncii_adults_only"),
        (TakedownChannel::TakeItDown, Some(false), "take_it_down_minors_only"),
    ] {
        let mut f = fx.facts(&[]);
        f.channel = channel;
        f.platform_contact_consent = false;
        f.depicted_under_18 = depicted_under_18;
        assert_eq!(
            check(Draft, Submitted, &f),
            Err(TransitionError::Unmet(vec![
                "evidence_missing_for_url",
                "platform_contact_consent_required",
                age_guard,
            ])),
            "{channel}"
        );
    }
}

#[test]
fn evidence_guard_compares_normal_forms_and_honours_a_waiver() {
    let fx = Fixture::new();
    let only_first = ["HTTPS://Social.Example.com:443/p/1/#c"];
    let f = fx.facts(&only_first);
    assert_eq!(
        check(Draft, Submitted, &f),
        Err(TransitionError::Unmet(vec!["evidence_missing_for_url"]))
    );
    assert_eq!(
        urls_without_evidence(&fx.urls, &only_first),
        ["https://social.example.com/p/2"]
    );
    let both = ["https://social.example.com/p/2", "https://social.example.com/p/1/"];
    assert!(check(Draft, Submitted, &fx.facts(&both)).is_ok());
    // A different query is a different page.
    let query = ["https://social.example.com/p/1?utm=x", "https://social.example.com/p/2"];
    assert!(check(Draft, Submitted, &fx.facts(&query)).is_err());
    let mut waived = fx.facts(&[]);
    waived.evidence_waiver_reason = Some("the client could not safely open the page");
    assert!(check(Draft, Submitted, &waived).is_ok());
    waived.evidence_waiver_reason = Some("   ");
    assert!(check(Draft, Submitted, &waived).is_err());
}

#[test]
fn age_guards_by_channel() {
    let fx = Fixture::new();
    let table: &[(TakedownChannel, Option<bool>, bool)] = &[
        (TakedownChannel::Stopncii, Some(false), true),
        (TakedownChannel::Stopncii, None, false),
        (TakedownChannel::Stopncii, Some(true), false),
        (TakedownChannel::TakeItDown, Some(true), true),
        (TakedownChannel::TakeItDown, None, false),
        (TakedownChannel::TakeItDown, Some(false), false),
        (TakedownChannel::Email, None, true),
        (TakedownChannel::Email, Some(true), true),
    ];
    for (channel, under_18, ok) in table {
        let mut f = fx.facts(URLS);
        f.channel = *channel;
        f.depicted_under_18 = *under_18;
        assert_eq!(check(Draft, Submitted, &f).is_ok(), *ok, "{channel:?} {under_18:?}");
    }
}

#[test]
fn cease_and_desist_on_sextortion_needs_an_override() {
    let fx = Fixture::new();
    let mut f = fx.facts(URLS);
    f.channel = TakedownChannel::CeaseAndDesist;
    assert!(check(Draft, Submitted, &f).is_ok(), "no sextortion");
    f.case_sextortion = true;
    assert_eq!(
        check(Draft, Submitted, &f),
        Err(TransitionError::Unmet(vec!["sextortion_override_required"]))
    );
    f.override_reason = Some("the client has legal advice and wants the letter sent");
    assert!(check(Draft, Submitted, &f).is_ok());
    // Other channels on a sextortion case need no override.
    f.channel = TakedownChannel::Email;
    f.override_reason = None;
    assert!(check(Draft, Submitted, &f).is_ok());
}

#[test]
fn occurred_at_rules() {
    let fx = Fixture::new();
    let f = fx.facts(URLS);
    let at = |s: &str| TransitionRequest {
        to: Acknowledged,
        occurred_at: Some(t(s)),
    };
    let run = |r: TransitionRequest| check_transition(Submitted, &r, &f, t(EARLIER), t(NOW));
    assert_eq!(run(at("2026-11-21T10:00:00Z")), Ok(t("2026-11-21T10:00:00Z")));
    assert_eq!(run(at(EARLIER)), Ok(t(EARLIER)), "the same instant as the previous one");
    assert_eq!(run(at(NOW)), Ok(t(NOW)));
    let codes = |r| match r {
        Err(TransitionError::Invalid(errs)) => errs.into_iter().map(|e| (e.field, e.code)).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(codes(run(at("2026-11-23T17:00:01Z"))), [e("occurred_at", "in_future")]);
    assert_eq!(
        codes(run(at("2026-11-20T16:59:59Z"))),
        [e("occurred_at", "before_previous")]
    );
    // A bad occurred_at is reported before the state machine is consulted.
    let r = TransitionRequest {
        to: Draft,
        occurred_at: Some(t("2027-01-01T00:00:00Z")),
    };
    assert!(matches!(
        check_transition(Removed, &r, &f, t(EARLIER), t(NOW)),
        Err(TransitionError::Invalid(_))
    ));
}

#[test]
fn effects_of_each_state() {
    let at = t(NOW);
    for s in TakedownStatus::ALL {
        let fx = effects(*s, at);
        assert_eq!(fx.submitted_at.is_some(), *s == Submitted, "{s:?}");
        assert_eq!(
            fx.resolved_at.is_some(),
            matches!(s, Removed | PartiallyRemoved | Refused),
            "{s:?}"
        );
        assert_eq!(
            fx.cancel_follow_ups,
            matches!(s, Removed | PartiallyRemoved | Refused | Escalated | Withdrawn),
            "{s:?}"
        );
    }
    assert!(Submitted.is_open() && Acknowledged.is_open() && !Draft.is_open() && !Refused.is_open());
}

#[test]
fn follow_up_is_due_at_close_of_business_n_office_days_later() {
    let cal = OfficeCalendar::standard();
    let table: &[(&str, u8, &str)] = &[
        // Monday 10:00 local + 5 office days: Monday next week, 16:30 local (UTC-7).
        ("2026-11-23T17:00:00Z", 5, "2026-11-30T23:30:00Z"),
        // Friday evening local + 1: Monday.
        ("2026-11-28T03:00:00Z", 1, "2026-11-30T23:30:00Z"),
        // Across Remembrance Day (Wednesday 11th): Tuesday 10th + 1 = Thursday 12th.
        ("2026-11-10T17:00:00Z", 1, "2026-11-12T23:30:00Z"),
        // Christmas: Wednesday 23rd + 2 = Tuesday 29th (25th, 28th closed).
        ("2026-12-23T17:00:00Z", 2, "2026-12-29T23:30:00Z"),
        // 30: Christmas, the observed Boxing Day and New Year's Day skipped.
        ("2026-11-23T17:00:00Z", 30, "2027-01-07T23:30:00Z"),
    ];
    for (submitted, days, due) in table {
        assert_eq!(
            follow_up_due_at(&cal, t(submitted), *days),
            t(due),
            "{submitted} + {days}"
        );
    }
}
