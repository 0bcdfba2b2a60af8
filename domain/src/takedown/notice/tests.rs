use super::*;

fn input() -> NoticeInput {
    NoticeInput {
        sender: Sender {
            name: "Intimate Images Protection Service".into(),
            postal_address: "PO Box 9999 Stn Prov Govt\nVictoria BC  V8W 9Z9".into(),
            email: "iips@example.gov.bc.ca".into(),
            phone: Some("1-844-555-0100".into()),
            signatory: "Sam Worker, Caseworker".into(),
        },
        platform_name: "Example Social".into(),
        recipient_name: None,
        urls: vec![
            "https://social.example.com/p/1".into(),
            "https://social.example.com/p/2".into(),
        ],
        case_reference: "IIPS-2026-000042".into(),
        request_id: "01900000-0000-7000-8000-000000000001".parse().unwrap(),
        date: jiff::civil::date(2026, 11, 23),
        depicted_under_18: None,
        copyright: Some(CopyrightDetails {
            claimant_name: "Alex Example".into(),
            claimant_address: None,
            work: "A photograph the claimant took of themselves in June 2025".into(),
            claimant_right: "The claimant made the photograph and owns the copyright in it".into(),
            infringement_at: "2026-11-20T18:15:00Z".parse().unwrap(),
        }),
        respond_by: Some(jiff::civil::date(2026, 12, 7)),
        order: Some(OrderDetails {
            reference: "CRT-IIPA-2026-0101".into(),
            issued_by: "Civil Resolution Tribunal of British Columbia".into(),
            issued_on: jiff::civil::date(2026, 11, 16),
            terms: vec![OrderTerm::RemoveFromPlatform, OrderTerm::Deindex],
            comply_by: "2026-11-25T23:30:00Z".parse().unwrap(),
            publication_ban: true,
        }),
    }
}

fn letter(channel: TakedownChannel) -> String {
    render(channel, &input()).unwrap_or_else(|e| panic!("{channel:?}: {e}"))
}

fn assert_contains(text: &str, parts: &[&str]) {
    for p in parts {
        assert!(text.contains(p), "missing {p:?} in:\n{text}");
    }
}

#[test]
fn every_letter_quotes_the_references_urls_and_sender() {
    for channel in TakedownChannel::ALL.iter().filter(|c| c.has_letter()) {
        let text = letter(*channel);
        assert_contains(
            &text,
            &[
                "IIPS-2026-000042",
                "01900000-0000-7000-8000-000000000001",
                "https://social.example.com/p/1",
                "https://social.example.com/p/2",
                "Intimate Images Protection Service",
                "iips@example.gov.bc.ca",
                "23 November 2026",
            ],
        );
    }
}

#[test]
fn channels_without_a_letter() {
    for channel in [
        TakedownChannel::PlatformReport,
        TakedownChannel::WebForm,
        TakedownChannel::Stopncii,
        TakedownChannel::TakeItDown,
        TakedownChannel::SearchDeindex,
    ] {
        assert_eq!(render(channel, &input()), Err(NoticeError::NoLetter(channel)));
    }
    let lettered: Vec<TakedownChannel> = TakedownChannel::ALL
        .iter()
        .copied()
        .filter(|c| c.has_letter())
        .collect();
    assert_eq!(
        lettered,
        [
            TakedownChannel::Email,
            TakedownChannel::CopyrightNoticeCa,
            TakedownChannel::DmcaNotice,
            TakedownChannel::CeaseAndDesist,
            TakedownChannel::OrderService,
        ]
    );
}

#[test]
fn missing_inputs_are_all_listed() {
    let bare = NoticeInput {
        urls: vec![],
        copyright: None,
        respond_by: None,
        order: None,
        ..input()
    };
    let missing = |c| render(c, &bare);
    assert_eq!(missing(TakedownChannel::Email), Err(NoticeError::Missing(vec!["urls"])));
    assert_eq!(
        missing(TakedownChannel::DmcaNotice),
        Err(NoticeError::Missing(vec!["urls", "copyright"]))
    );
    assert_eq!(
        missing(TakedownChannel::CopyrightNoticeCa),
        Err(NoticeError::Missing(vec!["urls", "copyright"]))
    );
    assert_eq!(
        missing(TakedownChannel::CeaseAndDesist),
        Err(NoticeError::Missing(vec!["respond_by"]))
    );
    assert_eq!(
        missing(TakedownChannel::OrderService),
        Err(NoticeError::Missing(vec!["urls", "order"]))
    );
}

#[test]
fn the_policy_email_cites_the_platforms_rules_and_never_names_the_client() {
    let text = letter(TakedownChannel::Email);
    assert_contains(
        &text,
        &[
            "Example Social's rules on non-consensual intimate imagery",
            "without our client's consent",
            "remove the content",
            "posted again",
        ],
    );
    assert!(!text.contains("Alex Example"), "{text}");
    assert!(!text.contains("under 18"));
    let minor = NoticeInput {
        depicted_under_18: Some(true),
        ..input()
    };
    assert!(render(TakedownChannel::Email, &minor).unwrap().contains("under 18"));
}

#[test]
fn the_canadian_notice_has_every_particular_of_s_41_25_2() {
    let text = letter(TakedownChannel::CopyrightNoticeCa);
    assert_contains(
        &text,
        &[
            "section 41.25 of the Copyright Act",
            // (a) the claimant's name and address
            "(a) Claimant's name: Alex Example",
            "address for communication: care of Intimate Images Protection Service, PO Box 9999 Stn Prov Govt, Victoria BC  V8W 9Z9",
            // (b) the work
            "(b) Work to which the claimed infringement relates: A photograph",
            // (c) the claimant's interest or right
            "(c) Claimant's interest or right in the copyright: The claimant made the photograph",
            // (d) the location data
            "(d) Location data",
            // (e) the infringement claimed
            "(e) Infringement claimed:",
            // (f) date and time, in office time with its offset
            "(f) Date and time of the claimed infringement: 20 November 2026 at 11:15 (UTC-07:00)",
            // (g) other prescribed information
            "(g) Other information",
        ],
    );
    let own_address = NoticeInput {
        copyright: input().copyright.map(|c| CopyrightDetails {
            claimant_address: Some("12 Example Road, Victoria BC".into()),
            ..c
        }),
        ..input()
    };
    assert!(
        render(TakedownChannel::CopyrightNoticeCa, &own_address)
            .unwrap()
            .contains("address for communication: 12 Example Road, Victoria BC")
    );
}

#[test]
fn the_dmca_notice_has_the_six_elements_of_512_c_3_a() {
    let text = letter(TakedownChannel::DmcaNotice);
    assert_contains(
        &text,
        &[
            // (i) signature of a person authorized to act for the owner
            "/s/ Sam Worker, Caseworker (electronic signature)",
            // (ii) the copyrighted work
            "Copyrighted work claimed to be infringed: A photograph",
            // (iii) the infringing material and information to locate it
            "Material claimed to be infringing",
            "  1. https://social.example.com/p/1",
            // (iv) contact information of the complaining party
            "Contact information of the complaining party: Alex Example",
            "telephone 1-844-555-0100",
            // (v) good-faith belief
            "good faith belief that the use of the material",
            "not authorized by the copyright owner, its agent, or the law",
            // (vi) accuracy, and authority under penalty of perjury
            "the information in this notice is accurate",
            "under penalty of perjury",
            "authorized to act on behalf of the owner of the exclusive right",
        ],
    );
}

#[test]
fn the_cease_and_desist_letter_demands_and_never_threatens_criminal_proceedings() {
    let text = letter(TakedownChannel::CeaseAndDesist);
    assert_contains(
        &text,
        &[
            "stop at once sharing",
            "permanently delete every copy",
            "confirm in writing, by 7 December 2026",
            "Intimate Images Protection Act",
            "Do not contact our client",
        ],
    );
    let lower = text.to_lowercase();
    for word in [
        "criminal", "police", "charge", "arrest", "prosecut", "jail", "prison", "crime",
    ] {
        assert!(!lower.contains(word), "the letter must not mention {word:?}:\n{text}");
    }
    assert!(!text.contains("Alex Example"), "the client is not named");
    let named = NoticeInput {
        recipient_name: Some("Jordan Doe".into()),
        urls: vec![],
        ..input()
    };
    let text = render(TakedownChannel::CeaseAndDesist, &named).unwrap();
    assert_contains(&text, &["To: Jordan Doe", "Dear Jordan Doe,"]);
    assert!(!text.contains("found at"));
}

#[test]
fn order_service_gives_reference_terms_and_comply_by() {
    let text = letter(TakedownChannel::OrderService);
    assert_contains(
        &text,
        &[
            "order CRT-IIPA-2026-0101",
            "Civil Resolution Tribunal of British Columbia",
            "made on 16 November 2026",
            "remove the intimate images from the platform",
            "remove the listed pages from search results",
            "Comply by: 25 November 2026 at 16:30 (UTC-07:00)",
            "blocking it only for visitors from Canada",
            "publication ban",
        ],
    );
    assert!(!text.contains("Alex Example"));
}
