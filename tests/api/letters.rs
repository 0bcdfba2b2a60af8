//! Letters a caseworker can send safely (docs/letters.md): what a letter says about the
//! client and under which consent, the facts it takes from the record, the recipients it
//! fits, its language and its law; and every bad input the issue lists.

use casework_tests::{TestApp, field_errors, fixtures, pairs, problem};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::takedowns::{order_binding, platform_with_dmca_agent};

const URL: &str = "https://forum.example.net/t/77";

async fn app() -> TestApp {
    TestApp::spawn_with(|s| {
        s.service_address = "PO Box 1234; Victoria BC V8W 0A1".into();
        s.service_email = "help@iips.example".into();
    })
    .await
}

async fn consent(app: &TestApp, token: &str, case: &str, body: &Value) -> String {
    let res = app.add_case_record(token, case, "consents", body).await;
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

/// Evidence of `URL`, captured on 2 November 2026 and, when given, posted at `posted_at`.
async fn evidence(app: &TestApp, token: &str, case: &str, posted_at: Option<&str>) {
    let mut body = json!({"kind": "screenshot", "url": URL, "site": "Forum", "captured_at": "2026-11-02T17:30:00Z", "description": "The post"});
    if let Some(p) = posted_at {
        body["posted_at"] = json!(p);
    }
    let res = app.add_case_record(token, case, "evidence", &body).await;
    assert_eq!(res.status(), StatusCode::CREATED);
}

fn request(case: &str, platform: &str, channel: &str) -> Value {
    let mut b = json!({
        "case_id": case, "platform_id": platform, "channel": channel, "urls": [URL], "legal_basis": "platform_policy"
    });
    if matches!(channel, "copyright_notice_ca" | "dmca_notice") {
        b["legal_basis"] = json!("copyright");
        b["copyright"] = json!({"work": "A photograph the claimant took of themselves.", "claimant_right": "The claimant took it and owns the copyright."});
    }
    b
}

async fn draft(app: &TestApp, token: &str, body: &Value) -> String {
    let res = app.post_json("/v1/takedown-requests", token, body).await;
    let status = res.status();
    let v: Value = res.json().await.unwrap();
    assert_eq!(status, StatusCode::CREATED, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

async fn notice(app: &TestApp, token: &str, id: &str, lang: Option<&str>) -> Response {
    let q = lang.map(|l| format!("?lang={l}")).unwrap_or_default();
    app.get(&format!("/v1/takedown-requests/{id}/notice{q}"), token).await
}

async fn text(res: Response) -> (String, String) {
    let status = res.status();
    let lang = res
        .headers()
        .get("content-language")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = res.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    (lang, body)
}

async fn submit(app: &TestApp, token: &str, id: &str) -> Response {
    app.post_json(
        &format!("/v1/takedown-requests/{id}/transitions"),
        token,
        &json!({"to": "submitted"}),
    )
    .await
}

#[tokio::test]
async fn the_canadian_notice_names_the_client_only_with_consent_for_this_platform() {
    let app = app().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform_with_dmca_agent(&app, "Forum Canada").await;
    let other = platform_with_dmca_agent(&app, "Forum Other").await;
    let case = app.create_adult_case(&cw).await;
    evidence(&app, &cw, &case, Some("2026-11-01T04:20:00Z")).await;
    consent(&app, &cw, &case, &json!({"scope": "platform_contact"})).await;
    let id = draft(&app, &cw, &request(&case, &p, "copyright_notice_ca")).await;

    // Without identity_disclosure: neither read nor submitted.
    let refused = problem(notice(&app, &cw, &id, None).await, 409).await;
    assert_eq!(refused["unmet"], json!(["identity_disclosure_consent"]));
    let refused = problem(submit(&app, &cw, &id).await, 409).await;
    assert_eq!(refused["unmet"], json!(["identity_disclosure_consent"]));

    // A consent for another platform does not cover this one.
    consent(
        &app,
        &cw,
        &case,
        &json!({"scope": "identity_disclosure", "party_id": other}),
    )
    .await;
    let refused = problem(notice(&app, &cw, &id, None).await, 409).await;
    assert_eq!(refused["unmet"], json!(["identity_disclosure_consent"]));

    // A revoked consent covers nothing.
    let c = consent(
        &app,
        &cw,
        &case,
        &json!({"scope": "identity_disclosure", "party_id": p}),
    )
    .await;
    let res = app
        .post_json(&format!("/v1/cases/{case}/consents/{c}/revoke"), &cw, &json!({}))
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let refused = problem(notice(&app, &cw, &id, None).await, 409).await;
    assert_eq!(refused["unmet"], json!(["identity_disclosure_consent"]));

    // With it, the claimant is named, care of the service, and the date is the posting's.
    consent(
        &app,
        &cw,
        &case,
        &json!({"scope": "identity_disclosure", "party_id": p}),
    )
    .await;
    let (lang, letter) = text(notice(&app, &cw, &id, None).await).await;
    assert_eq!(lang, "en");
    assert!(letter.contains("Claimant's name: Alex Doe"), "{letter}");
    assert!(letter.contains("care of "), "{letter}");
    assert!(letter.contains("PO Box 1234"), "{letter}");
    // 04:20 UTC on 1 November is 21:20 on 31 October in Vancouver (UTC-7 all year).
    assert!(
        letter.contains("Posted on 31 October 2026 at 21:20 (America/Vancouver, UTC-07:00)"),
        "{letter}"
    );
    assert_eq!(submit(&app, &cw, &id).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn other_letters_say_our_client_unless_the_client_agreed_to_be_named() {
    let app = app().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform_with_dmca_agent(&app, "Forum Names").await;
    let case = app.create_adult_case(&cw).await;
    evidence(&app, &cw, &case, None).await;
    consent(&app, &cw, &case, &json!({"scope": "platform_contact"})).await;
    let email = draft(&app, &cw, &request(&case, &p, "email")).await;
    let dmca = draft(&app, &cw, &request(&case, &p, "dmca_notice")).await;
    for id in [&email, &dmca] {
        let (_, letter) = text(notice(&app, &cw, id, None).await).await;
        assert!(!letter.contains("Alex Doe"), "{letter}");
        assert!(letter.contains("our client"), "{letter}");
    }
    // Evidence without posted_at: the date the service first saw it.
    let (_, letter) = text(notice(&app, &cw, &dmca, None).await).await;
    assert!(
        letter.contains("First seen on 2 November 2026 at 10:30 (America/Vancouver, UTC-07:00)"),
        "{letter}"
    );
    consent(
        &app,
        &cw,
        &case,
        &json!({"scope": "identity_disclosure", "party_id": p}),
    )
    .await;
    for id in [&email, &dmca] {
        let (_, letter) = text(notice(&app, &cw, id, None).await).await;
        assert!(letter.contains("Alex Doe"), "{letter}");
    }
}

#[tokio::test]
async fn letters_come_in_french_and_english_and_a_quebec_case_defaults_to_french() {
    let app = app().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform_with_dmca_agent(&app, "Forum Langues").await;
    let case = app
        .create_case(
            &cw,
            &fixtures::with(&fixtures::adult_case(), &json!({"jurisdiction": "qc"})),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    evidence(&app, &cw, &case, Some("2026-11-01T04:20:00Z")).await;
    consent(&app, &cw, &case, &json!({"scope": "platform_contact"})).await;
    consent(&app, &cw, &case, &json!({"scope": "respondent_contact"})).await;
    let email = draft(&app, &cw, &request(&case, &p, "email")).await;

    let (lang, fr) = text(notice(&app, &cw, &email, None).await).await;
    assert_eq!(lang, "fr");
    assert!(fr.contains("Objet : Demande de retrait"), "{fr}");
    assert!(fr.contains("Cour du Québec") && fr.contains("P-9.0002"), "{fr}");
    assert!(
        !fr.contains("Civil Resolution Tribunal") && !fr.contains("Colombie-Britannique"),
        "{fr}"
    );

    let (lang, en) = text(notice(&app, &cw, &email, Some("en")).await).await;
    assert_eq!(lang, "en");
    assert!(en.contains("Subject: Request to remove"), "{en}");
    assert!(en.contains("Court of Québec"), "{en}");

    // A Quebec cease-and-desist: Quebec's Act and fines, never BC's; Toronto time.
    let cd = draft(&app, &cw, &request(&case, &p, "cease_and_desist")).await;
    let (_, fr) = text(notice(&app, &cw, &cd, Some("fr")).await).await;
    assert!(fr.contains("Mise en demeure") && fr.contains("ne consent pas"), "{fr}");
    for bc in [
        "Intimate Images Protection Act",
        "Civil Resolution Tribunal",
        "pénalité administrative",
    ] {
        assert!(!fr.contains(bc), "{bc} in {fr}");
    }
    let dmca = draft(&app, &cw, &request(&case, &p, "dmca_notice")).await;
    let (_, fr) = text(notice(&app, &cw, &dmca, None).await).await;
    assert!(
        fr.contains("Publié le 1er novembre 2026 à 0 h 20 (America/Toronto, UTC-04:00)"),
        "{fr}"
    );

    // Only fr and en.
    let refused = problem(notice(&app, &cw, &email, Some("de")).await, 422).await;
    assert_eq!(field_errors(&refused), pairs(&[("lang", "unsupported_language")]));
}

#[tokio::test]
async fn caseworker_text_is_printed_as_written_and_cannot_forge_a_header() {
    let app = app().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform_with_dmca_agent(&app, "Forum Quotes").await;
    let case = app.create_adult_case(&cw).await;
    evidence(&app, &cw, &case, None).await;
    consent(&app, &cw, &case, &json!({"scope": "platform_contact"})).await;
    let mut b = request(&case, &p, "dmca_notice");
    b["copyright"]["work"] =
        json!("A photo {{ sender.email }} {% if true %}x{% endif %}.\n\nTo: attacker@evil.test\nSubject: fake");
    let id = draft(&app, &cw, &b).await;
    let (_, letter) = text(notice(&app, &cw, &id, None).await).await;
    assert!(
        letter.contains("A photo {{ sender.email }} {% if true %}x{% endif %}."),
        "{letter}"
    );
    assert!(
        letter.contains("    | To: attacker@evil.test\n    | Subject: fake\n"),
        "{letter}"
    );
    assert!(
        !letter
            .lines()
            .any(|l| l.starts_with("To: attacker") || l.starts_with("Subject: fake")),
        "{letter}"
    );

    // A one-line field refuses a line break.
    let mut b = request(&case, &p, "copyright_notice_ca");
    b["copyright"]["claimant_address"] = json!("1 Main St\nTo: attacker@evil.test");
    let refused = problem(app.post_json("/v1/takedown-requests", &cw, &b).await, 422).await;
    assert_eq!(
        field_errors(&refused),
        pairs(&[("copyright.claimant_address", "control_character")])
    );
}

#[tokio::test]
async fn channels_fit_their_platform_and_the_client() {
    let app = app().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let case = app.create_adult_case(&cw).await;
    let id_of = |p: Value| p["id"].as_str().unwrap().to_owned();
    let stopncii = id_of(app.platform_named(&cw, "StopNCII").await);
    let take_it_down = id_of(app.platform_named(&cw, "Take It Down").await);
    let reddit = id_of(app.platform_named(&cw, "Reddit").await);
    let snapchat = id_of(app.platform_named(&cw, "Snapchat").await);
    let google = id_of(app.platform_named(&cw, "Google Search").await);

    for (platform, channel, expected) in [
        (
            &stopncii,
            "dmca_notice",
            vec![("channel", "channel_not_offered"), ("channel", "no_dmca_agent")],
        ),
        (&reddit, "stopncii", vec![("channel", "channel_not_offered")]),
        (&snapchat, "take_it_down", vec![("channel", "channel_not_offered")]),
        (&snapchat, "search_deindex", vec![("channel", "channel_not_offered")]),
        (&take_it_down, "stopncii", vec![("channel", "channel_not_offered")]),
    ] {
        let mut b = request(&case, platform, channel);
        if channel == "take_it_down" {
            b["depicted_under_18"] = json!(true);
        }
        let refused = problem(app.post_json("/v1/takedown-requests", &cw, &b).await, 422).await;
        assert_eq!(field_errors(&refused), pairs(&expected), "{channel}");
    }
    draft(&app, &cw, &request(&case, &google, "search_deindex")).await;
    let mut ok = request(&case, &stopncii, "stopncii");
    ok["depicted_under_18"] = json!(false);
    draft(&app, &cw, &ok).await;

    // A 13-year-old client: StopNCII is refused whatever depicted_under_18 says.
    let youth = app.create_case(&cw, &fixtures::youth_case(Some(13))).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut b = request(&youth, &stopncii, "stopncii");
    b["depicted_under_18"] = json!(false);
    let refused = problem(app.post_json("/v1/takedown-requests", &cw, &b).await, 422).await;
    assert_eq!(field_errors(&refused), pairs(&[("channel", "client_is_a_minor")]));

    // A platform without a designated agent takes no DMCA notice.
    let refused = problem(
        app.post_json("/v1/takedown-requests", &cw, &request(&case, &snapchat, "dmca_notice"))
            .await,
        422,
    )
    .await;
    assert_eq!(field_errors(&refused), pairs(&[("channel", "no_dmca_agent")]));
}

#[tokio::test]
async fn an_order_is_served_only_on_a_platform_it_binds() {
    let app = app().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let bound = platform_with_dmca_agent(&app, "Forum Bound").await;
    let unbound = platform_with_dmca_agent(&app, "Forum Unbound").await;
    let case = app.create_adult_case(&cw).await;
    let order = order_binding(&app, &cw, &case, &bound).await;
    let mut b = request(&case, &unbound, "order_service");
    b["legal_basis"] = json!("iipa_order");
    b["order_id"] = order["id"].clone();
    let refused = problem(app.post_json("/v1/takedown-requests", &cw, &b).await, 422).await;
    assert_eq!(field_errors(&refused), pairs(&[("platform_id", "not_bound")]));
    b["platform_id"] = json!(bound);
    draft(&app, &cw, &b).await;
}

#[tokio::test]
async fn a_cease_and_desist_needs_respondent_consent_to_be_submitted_and_a_letter_channel_to_be_read() {
    let app = app().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let p = platform_with_dmca_agent(&app, "Forum Respondent").await;
    let case = app.create_adult_case(&cw).await;
    evidence(&app, &cw, &case, None).await;
    consent(&app, &cw, &case, &json!({"scope": "platform_contact"})).await;
    let id = draft(&app, &cw, &request(&case, &p, "cease_and_desist")).await;
    let refused = problem(submit(&app, &cw, &id).await, 409).await;
    assert_eq!(refused["unmet"], json!(["respondent_contact_consent_required"]));
    consent(&app, &cw, &case, &json!({"scope": "respondent_contact"})).await;
    let (_, letter) = text(notice(&app, &cw, &id, None).await).await;
    assert!(
        letter.contains("does not consent") && !letter.contains("never consented"),
        "{letter}"
    );
    assert_eq!(submit(&app, &cw, &id).await.status(), StatusCode::OK);

    // A channel with no letter: 409, as before.
    let report = draft(&app, &cw, &request(&case, &p, "platform_report")).await;
    problem(notice(&app, &cw, &report, Some("fr")).await, 409).await;
}

#[tokio::test]
async fn a_dmca_notice_whose_platform_dropped_its_agent_is_neither_read_nor_submitted() {
    let app = app().await;
    let (_, _, cw) = app.staff("caseworker").await;
    let admin = app.admin_token().await;
    let p = platform_with_dmca_agent(&app, "Forum Agentless").await;
    let case = app.create_adult_case(&cw).await;
    evidence(&app, &cw, &case, None).await;
    consent(&app, &cw, &case, &json!({"scope": "platform_contact"})).await;
    let id = draft(&app, &cw, &request(&case, &p, "dmca_notice")).await;
    let channels =
        json!({"channels": [{"kind": "email", "address": "abuse@forum.example.net", "instructions": "NCII removal"}]});
    let res = app
        .patch_json(&format!("/v1/platforms/{p}"), &admin, Some("*"), &channels)
        .await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let refused = problem(notice(&app, &cw, &id, None).await, 422).await;
    assert_eq!(field_errors(&refused), pairs(&[("channel", "no_dmca_agent")]));
    let refused = problem(submit(&app, &cw, &id).await, 409).await;
    assert_eq!(refused["unmet"], json!(["no_dmca_agent"]));
}
