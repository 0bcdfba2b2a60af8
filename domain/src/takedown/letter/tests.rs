//! Every letter kind, in both languages, for a case of each jurisdiction: what it says about
//! the client, which law it cites, and which dates it states.

use super::*;
use crate::{
    case::{AgeGroup, CaseDetails, CaseStatus, Client, Contact, EvidenceKind, EvidenceRecord, PreferredChannel},
    case::{GuardianInvolvement, Priority, Situation},
    input::PARSED,
    order::{Binding, BindingStatus},
    penalty::{PenaltyJurisdiction, RespondentKind},
    platform::{PlatformChannel, PlatformKind},
    takedown::{CopyrightParticulars, LegalBasis, TakedownStatus},
    timestamp::Ts,
};

const CLIENT: &str = "Alex Example";
const RESPONDENT: &str = "Sam Roe";
const URL: &str = "https://social.example.com/p/1";
const POSTED: &str = "2026-11-20T18:15:00Z";
const CAPTURED: &str = "2026-11-21T17:00:00Z";

fn id(n: u128) -> Uuid {
    Uuid::from_u128(n)
}
fn ts(s: &str) -> Ts {
    Ts::new(s.parse().unwrap())
}

const PLATFORM: u128 = 10;

fn case(j: Jurisdiction) -> Case {
    Case {
        id: id(1),
        reference: "IIPS-2026-000042".into(),
        status: CaseStatus::Active,
        details: CaseDetails {
            client: Client {
                name: CLIENT.into(),
                preferred_name: None,
                pronouns: None,
                age_group: AgeGroup::Adult,
                age: Some(30),
                contact: Contact {
                    email: None,
                    phone: None,
                    preferred_channel: PreferredChannel::None,
                    safe_to_leave_message: false,
                    safe_contact_notes: None,
                },
                guardian_involvement: GuardianInvolvement::NotApplicable,
                interpreter_language: None,
                deceased: false,
            },
            situation: Situation::Shared,
            jurisdiction: j,
            sextortion: false,
            altered_image: false,
            supports_requested: vec![],
            priority: Priority::Normal,
            summary: None,
            parsed: PARSED,
        },
        assigned_to: id(2),
        collaborators: vec![],
        created_at: ts("2026-11-01T00:00:00Z"),
        updated_at: ts("2026-11-01T00:00:00Z"),
        closed_at: None,
        close_reason: None,
        version: 1,
    }
}

fn takedown(channel: TakedownChannel) -> Takedown {
    let copyright = matches!(
        channel,
        TakedownChannel::CopyrightNoticeCa | TakedownChannel::DmcaNotice
    )
    .then(|| CopyrightParticulars {
        work: "A photograph the claimant took of themselves in June 2025.".into(),
        claimant_right: "The claimant took the photograph and owns the copyright in it.".into(),
        claimant_address: None,
    });
    Takedown {
        id: id(3),
        case_id: id(1),
        platform_id: id(PLATFORM),
        channel,
        urls: vec![URL.into()],
        evidence_ids: vec![id(4)],
        evidence_waiver_reason: None,
        legal_basis: LegalBasis::Copyright,
        order_id: (channel == TakedownChannel::OrderService).then(|| id(5)),
        depicted_under_18: Some(false),
        override_reason: None,
        copyright,
        status: TakedownStatus::Draft,
        status_changed_at: ts("2026-11-23T18:00:00Z"),
        submitted_at: None,
        platform_reference: None,
        follow_up_due_at: None,
        follow_up_count: 0,
        resolved_at: None,
        created_by: id(2),
        // The request's own dates must never be given as the infringement's.
        created_at: ts("2026-11-23T18:00:00Z"),
        updated_at: ts("2026-11-23T18:00:00Z"),
        version: 1,
    }
}

fn evidence(posted: Option<&str>) -> Vec<Evidence> {
    vec![Evidence {
        id: id(4),
        case_id: id(1),
        record: EvidenceRecord {
            kind: EvidenceKind::Screenshot,
            // Written differently: compared in normal form.
            url: Some("HTTPS://Social.Example.com:443/p/1/".into()),
            site: "Example Social".into(),
            poster: None,
            posted_at: posted.map(ts),
            captured_at: ts(CAPTURED),
            description: "The post".into(),
            sha256: None,
            storage_location: None,
            parsed: PARSED,
        },
        recorded_by: id(2),
        created_at: ts(CAPTURED),
    }]
}

fn platform(dmca_agent: bool) -> Platform {
    let mut channels = vec![PlatformChannel {
        kind: ChannelKind::Email,
        address: "abuse@social.example.com".into(),
        instructions: "NCII".into(),
    }];
    if dmca_agent {
        channels.push(PlatformChannel {
            kind: ChannelKind::DmcaAgent,
            address: "copyright@social.example.com".into(),
            instructions: "Designated agent".into(),
        });
    }
    Platform {
        id: id(PLATFORM),
        name: "Example Social".into(),
        kind: PlatformKind::SocialMedia,
        website: "https://social.example.com".into(),
        is_internet_intermediary: true,
        stopncii_partner: false,
        channels,
        contacts: vec![],
        follow_up_business_days: 5,
        notes: None,
        active: true,
        created_at: ts("2026-01-01T00:00:00Z"),
        updated_at: ts("2026-01-01T00:00:00Z"),
        version: 1,
    }
}

fn binding(n: u128, kind: RespondentKind, name: &str, platform: Option<Uuid>, comply_by: &str) -> Binding {
    Binding {
        id: id(100 + n),
        order_id: id(5),
        respondent_id: id(200 + n),
        respondent_kind: kind,
        respondent_name: name.into(),
        respondent_platform_id: platform,
        comply_by: ts(comply_by),
        status: BindingStatus::PendingService,
        repeat_offence: false,
        served_at: None,
        service_channel: None,
        complied_at: None,
        non_compliant_at: None,
        updated_at: ts("2026-11-16T00:00:00Z"),
    }
}

/// Binds Sam Roe (an individual) by one deadline and the platform by a later one.
fn order(j: PenaltyJurisdiction) -> Order {
    Order {
        id: id(5),
        case_id: id(1),
        claim_id: id(6),
        jurisdiction: j,
        order_reference: "ORD-2026-0101".into(),
        issued_at: ts("2026-11-16T17:00:00Z"),
        terms: vec![OrderTerm::StopDistribution, OrderTerm::RemoveFromPlatform],
        publication_ban: true,
        bindings: vec![
            binding(1, RespondentKind::Individual, RESPONDENT, None, "2026-11-20T07:59:00Z"),
            binding(
                2,
                RespondentKind::InternetIntermediary,
                "Example Social Inc.",
                Some(id(PLATFORM)),
                "2026-11-26T07:59:00Z",
            ),
        ],
        created_by: id(2),
        created_at: ts("2026-11-16T17:00:00Z"),
        updated_at: ts("2026-11-16T17:00:00Z"),
        version: 1,
    }
}

fn consent(scope: ConsentScope, party: Option<Uuid>, revoked: bool) -> Consent {
    Consent {
        id: Uuid::now_v7(),
        case_id: id(1),
        scope,
        party_id: party,
        given_at: ts("2026-11-01T00:00:00Z"),
        revoked_at: revoked.then(|| ts("2026-11-02T00:00:00Z")),
        recorded_by: id(2),
        created_at: ts("2026-11-01T00:00:00Z"),
    }
}

fn sender() -> Sender {
    Sender {
        name: "Intimate Images Protection Service".into(),
        postal_address: vec!["PO Box 9999 Stn Prov Govt".into(), "Victoria BC  V8W 9Z9".into()],
        email: "iips@example.gov".into(),
        phone: Some("1-844-555-0100".into()),
        signatory: "Sam Worker".into(),
    }
}

struct World {
    case: Case,
    takedown: Takedown,
    evidence: Vec<Evidence>,
    consents: Vec<Consent>,
    platform: Platform,
    order: Order,
    sender: Sender,
}

impl World {
    fn new(j: Jurisdiction, channel: TakedownChannel) -> World {
        World {
            case: case(j),
            takedown: takedown(channel),
            evidence: evidence(Some(POSTED)),
            consents: vec![
                consent(ConsentScope::PlatformContact, None, false),
                consent(ConsentScope::RespondentContact, None, false),
            ],
            platform: platform(true),
            order: order(if j == Jurisdiction::Qc {
                PenaltyJurisdiction::Qc
            } else {
                PenaltyJurisdiction::Bc
            }),
            sender: sender(),
        }
    }

    fn named(mut self) -> World {
        self.consents
            .push(consent(ConsentScope::IdentityDisclosure, None, false));
        self
    }

    fn facts(&self, lang: Lang) -> Result<LetterFacts, DomainError> {
        facts(&Sources {
            takedown: &self.takedown,
            case: &self.case,
            evidence: &self.evidence,
            consents: &self.consents,
            platform: &self.platform,
            order: Some(&self.order),
            sender: &self.sender,
            lang,
            now: "2026-11-23T18:00:00Z".parse().unwrap(),
            respond_by: Some(jiff::civil::date(2026, 11, 30)),
        })
    }

    fn letter(&self, lang: Lang) -> String {
        render(&self.facts(lang).unwrap()).unwrap().text
    }
}

const LETTERS: [TakedownChannel; 5] = [
    TakedownChannel::Email,
    TakedownChannel::CopyrightNoticeCa,
    TakedownChannel::DmcaNotice,
    TakedownChannel::CeaseAndDesist,
    TakedownChannel::OrderService,
];

/// Words naming British Columbia's law and forum.
const BC: &[&str] = &[
    "Intimate Images Protection Act",
    "SBC 2023",
    "Civil Resolution Tribunal",
    "British Columbia",
    "Colombie-Britannique",
    "administrative penalty",
    "pénalité administrative",
    "Privacy Act",
];
/// Words naming Quebec's law and forum.
const QC: &[&str] = &[
    "P-9.0002",
    "Court of Québec",
    "Cour du Québec",
    "Quebec",
    "Québec",
    "500 $",
    "$500",
];

/// The first word written twice in a row, if any ("the the").
fn doubled_word(text: &str) -> Option<String> {
    // Neighbouring words of one line, punctuation trimmed, so that "1. 1" or "p/1" do not count.
    for line in text.lines() {
        let tokens: Vec<String> = line
            .split_whitespace()
            .map(|t| t.trim_matches(|c: char| !c.is_alphabetic()).to_lowercase())
            .collect();
        for pair in tokens.windows(2) {
            if !pair[0].is_empty() && pair[0] == pair[1] {
                return Some(format!("{:?} in {line:?}", pair[0]));
            }
        }
    }
    None
}

#[test]
fn every_letter_renders_in_both_languages_for_every_jurisdiction() {
    for j in [Jurisdiction::Bc, Jurisdiction::Qc, Jurisdiction::Other] {
        for channel in LETTERS {
            for lang in [Lang::En, Lang::Fr] {
                for named in [false, true] {
                    let mut w = World::new(j, channel);
                    if named {
                        w = w.named();
                    } else if channel == TakedownChannel::CopyrightNoticeCa {
                        // Refused without the consent: see the test below.
                        continue;
                    }
                    let text = w.letter(lang);
                    let at = format!("{channel} {lang} {j} named={named}:\n{text}");
                    assert!(doubled_word(&text).is_none(), "{:?} {at}", doubled_word(&text));
                    // The order's forum, else the case's own: never the other's.
                    let own_bc = if channel == TakedownChannel::OrderService {
                        j != Jurisdiction::Qc
                    } else {
                        j == Jurisdiction::Bc
                    };
                    let own_qc = j == Jurisdiction::Qc;
                    for word in BC {
                        assert!(own_bc || !text.contains(word), "{word} in {at}");
                    }
                    for word in QC {
                        assert!(own_qc || !text.contains(word), "{word} in {at}");
                    }
                    assert_eq!(text.contains(CLIENT), named, "client named only under consent: {at}");
                    assert!(!text.contains("{{") && !text.contains("{%"), "{at}");
                    assert!(text.contains(URL), "{at}");
                    let zone = if j == Jurisdiction::Qc {
                        "America/Toronto"
                    } else {
                        "America/Vancouver"
                    };
                    if matches!(
                        channel,
                        TakedownChannel::CopyrightNoticeCa | TakedownChannel::DmcaNotice
                    ) {
                        // Posted 20 Nov 18:15 UTC: 11:15 in Vancouver (on UTC-7 all year since 2026), 13:15 in Toronto.
                        let posted = match (j, lang) {
                            (Jurisdiction::Qc, Lang::En) => "20 November 2026 at 13:15 (America/Toronto, UTC-05:00)",
                            (Jurisdiction::Qc, Lang::Fr) => "20 novembre 2026 à 13 h 15 (America/Toronto, UTC-05:00)",
                            (_, Lang::En) => "20 November 2026 at 11:15 (America/Vancouver, UTC-07:00)",
                            (_, Lang::Fr) => "20 novembre 2026 à 11 h 15 (America/Vancouver, UTC-07:00)",
                        };
                        assert!(text.contains(posted), "{posted} {at}");
                        assert!(text.contains(zone), "{at}");
                        assert!(
                            !text.contains("23 November 2026 at") && !text.contains("23 novembre 2026 à"),
                            "{at}"
                        );
                    }
                    match lang {
                        Lang::Fr => assert!(
                            text.contains("Date :") && text.contains("Notre référence") && text.contains(" vous "),
                            "{at}"
                        ),
                        Lang::En => assert!(text.contains("Date:") && text.contains("Our reference"), "{at}"),
                    }
                }
            }
        }
    }
}

#[test]
fn a_quebec_case_is_written_in_french_and_in_toronto_time() {
    assert_eq!(Lang::default_for(Jurisdiction::Qc), Lang::Fr);
    assert_eq!(Lang::default_for(Jurisdiction::Bc), Lang::En);
    assert_eq!(Lang::default_for(Jurisdiction::Other), Lang::En);
    let w = World::new(Jurisdiction::Qc, TakedownChannel::OrderService);
    let text = w.letter(Lang::Fr);
    // The platform's binding (26 Nov 07:59 UTC), not the individual's earlier one.
    assert!(
        text.contains("26 novembre 2026 à 2 h 59 (America/Toronto, UTC-05:00)"),
        "{text}"
    );
    assert!(
        text.contains("Cour du Québec") && text.contains("« ") == text.contains(" »"),
        "{text}"
    );
    assert!(!text.contains(" the "), "{text}");
}

#[test]
fn the_infringement_date_is_first_seen_when_the_posting_time_is_unknown() {
    let mut w = World::new(Jurisdiction::Bc, TakedownChannel::CopyrightNoticeCa).named();
    w.evidence = evidence(None);
    let text = w.letter(Lang::En);
    assert!(
        text.contains("First seen on 21 November 2026 at 10:00 (America/Vancouver, UTC-07:00)"),
        "{text}"
    );
    let text = w.letter(Lang::Fr);
    assert!(
        text.contains("Date de première constatation : 21 novembre 2026 à 10 h 00"),
        "{text}"
    );
    // Without any evidence of the URL (a waiver), the date is said to be unknown.
    w.evidence.clear();
    let text = w.letter(Lang::En);
    assert!(text.contains("Date and time not known"), "{text}");
}

#[test]
fn the_canadian_notice_needs_consent_to_name_the_client_to_this_platform() {
    let mut w = World::new(Jurisdiction::Bc, TakedownChannel::CopyrightNoticeCa);
    let unmet = |w: &World| match w.facts(Lang::En) {
        Err(DomainError::Unmet(u)) => u,
        other => panic!("{other:?}"),
    };
    assert_eq!(unmet(&w), ["identity_disclosure_consent"]);
    // For another platform: does not cover this one.
    w.consents
        .push(consent(ConsentScope::IdentityDisclosure, Some(id(99)), false));
    assert_eq!(unmet(&w), ["identity_disclosure_consent"]);
    // Revoked: covers nothing.
    w.consents
        .push(consent(ConsentScope::IdentityDisclosure, Some(id(PLATFORM)), true));
    assert_eq!(unmet(&w), ["identity_disclosure_consent"]);
    // Both consents missing are listed together.
    w.consents.retain(|c| c.scope != ConsentScope::PlatformContact);
    assert_eq!(
        unmet(&w),
        ["platform_contact_consent_required", "identity_disclosure_consent"]
    );
    w.consents
        .push(consent(ConsentScope::PlatformContact, Some(id(PLATFORM)), false));
    w.consents
        .push(consent(ConsentScope::IdentityDisclosure, Some(id(PLATFORM)), false));
    let text = w.letter(Lang::En);
    assert!(text.contains(&format!("Claimant's name: {CLIENT}")), "{text}");
    assert!(
        text.contains("care of Intimate Images Protection Service, PO Box 9999"),
        "{text}"
    );
}

#[test]
fn a_dmca_notice_is_signed_by_the_service_and_addressed_to_the_designated_agent() {
    let mut w = World::new(Jurisdiction::Other, TakedownChannel::DmcaNotice);
    let text = w.letter(Lang::En);
    assert!(text.contains("copyright@social.example.com"), "{text}");
    assert!(text.contains("authorized to act on behalf of our client"), "{text}");
    assert!(text.contains("/s/ Sam Worker"), "{text}");
    assert!(!text.contains(CLIENT), "{text}");
    w.platform = platform(false);
    match w.facts(Lang::En) {
        Err(DomainError::Validation(e)) => assert_eq!((e[0].field.as_str(), e[0].code), ("channel", "no_dmca_agent")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_order_is_served_only_on_a_platform_it_binds() {
    let mut w = World::new(Jurisdiction::Bc, TakedownChannel::OrderService);
    let text = w.letter(Lang::En);
    assert!(
        text.contains("order ORD-2026-0101 of the Civil Resolution Tribunal of British Columbia"),
        "{text}"
    );
    assert!(
        text.contains("Comply by: 26 November 2026 at 00:59 (America/Vancouver, UTC-07:00)"),
        "{text}"
    );
    w.order.bindings.retain(|b| b.respondent_platform_id.is_none());
    match w.facts(Lang::En) {
        Err(DomainError::Validation(e)) => assert_eq!((e[0].field.as_str(), e[0].code), ("platform_id", "not_bound")),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_cease_and_desist_names_the_respondent_and_says_the_client_does_not_consent() {
    for j in [Jurisdiction::Bc, Jurisdiction::Qc, Jurisdiction::Other] {
        let mut w = World::new(j, TakedownChannel::CeaseAndDesist);
        w.takedown.order_id = Some(id(5));
        let en = w.letter(Lang::En);
        assert!(en.contains(&format!("Dear {RESPONDENT},")), "{en}");
        assert!(en.contains("does not consent"), "{en}");
        assert!(!en.to_lowercase().contains("never consented"), "{en}");
        for word in ["criminal", "police", "charges", "arrest", "prosecut"] {
            assert!(!en.to_lowercase().contains(word), "{word} in {en}");
        }
        let fr = w.letter(Lang::Fr);
        assert!(fr.contains("ne consent pas"), "{fr}");
        for word in ["criminel", "police", "accusation", "arrestation", "poursuite pénale"] {
            assert!(!fr.to_lowercase().contains(word), "{word} in {fr}");
        }
        // Without consent to contact the respondent, nothing is written.
        w.consents.retain(|c| c.scope != ConsentScope::RespondentContact);
        assert!(
            matches!(w.facts(Lang::En), Err(DomainError::Unmet(u)) if u == ["respondent_contact_consent_required"])
        );
    }
}

#[test]
fn caseworker_text_cannot_inject_a_template_or_a_header() {
    let mut w = World::new(Jurisdiction::Bc, TakedownChannel::DmcaNotice);
    if let Some(c) = w.takedown.copyright.as_mut() {
        c.work =
            "A photo {{ sender.email }} {% if true %}x{% endif %}.\n\nTo: attacker@evil.test\nSubject: fake".into();
    }
    for lang in [Lang::En, Lang::Fr] {
        let text = w.letter(lang);
        assert!(
            text.contains("A photo {{ sender.email }} {% if true %}x{% endif %}."),
            "{text}"
        );
        // Every line of the quotation is set off: none starts a header.
        assert!(text.contains("    | To: attacker@evil.test\n"), "{text}");
        assert!(text.contains("    | Subject: fake\n"), "{text}");
        assert!(
            !text
                .lines()
                .any(|l| l.starts_with("To: attacker") || l.starts_with("Subject: fake")),
            "{text}"
        );
    }
    // One-line values read from the record cannot open a line either.
    w.platform.name = "Example\r\nSubject: fake".into();
    let text = w.letter(Lang::En);
    assert!(!text.lines().any(|l| l.starts_with("Subject: fake")), "{text}");
}

#[test]
fn channels_without_a_letter_have_none() {
    for channel in TakedownChannel::ALL {
        let w = World::new(Jurisdiction::Bc, *channel).named();
        let r = w.facts(Lang::En);
        assert_eq!(r.is_ok(), channel.has_letter(), "{channel}: {r:?}");
    }
}

#[test]
fn french_dates_read_as_french() {
    assert_eq!(long_date(jiff::civil::date(2026, 12, 1), Lang::Fr), "1er décembre 2026");
    assert_eq!(long_date(jiff::civil::date(2026, 8, 14), Lang::Fr), "14 août 2026");
    assert_eq!(long_date(jiff::civil::date(2026, 8, 14), Lang::En), "14 August 2026");
}
