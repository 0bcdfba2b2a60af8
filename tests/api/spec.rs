//! The OpenAPI document is the product surface: served, checked in, identical, complete.

use casework_tests::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

fn checked_in_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/openapi.json")
}

#[tokio::test]
async fn served_spec_equals_the_checked_in_file() {
    let app = TestApp::spawn().await;
    let served: Value = app
        .client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let built = serde_json::to_value(casework_api::openapi::build()).unwrap();
    assert_eq!(served, built);
    let path = checked_in_path();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, casework_api::openapi::build().to_pretty_json().unwrap() + "\n").unwrap();
    }
    let text = std::fs::read_to_string(&path).expect("openapi/openapi.json exists (UPDATE_OPENAPI=1 regenerates it)");
    let on_disk: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        on_disk, served,
        "openapi/openapi.json is stale: run UPDATE_OPENAPI=1 cargo test --test api spec"
    );
}

#[tokio::test]
async fn every_operation_documents_descriptions_and_problem_errors() {
    let spec = serde_json::to_value(casework_api::openapi::build()).unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    assert!(spec["components"]["securitySchemes"]["bearer"].is_object());
    let mut ops = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops += 1;
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.contains_key("500") && responses.contains_key("503"),
                "{method} {path}"
            );
            let secured = op.get("security").is_some_and(|s| !s.as_array().unwrap().is_empty());
            if secured {
                assert!(responses.contains_key("401"), "{method} {path} documents 401");
            }
            for (status, r) in responses {
                if r.get("$ref").is_some() {
                    continue;
                }
                assert!(
                    r["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status} has a description"
                );
                if status.starts_with('4') || status.starts_with('5') {
                    let content = r["content"]
                        .as_object()
                        .unwrap_or_else(|| panic!("{method} {path} {status} has a body"));
                    assert!(
                        content.contains_key("application/problem+json")
                            || path == "/v1/auth/token"
                            || path == "/v1/auth/revoke",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
    assert!(ops >= 17);
}

#[tokio::test]
async fn every_documented_route_exists_and_docs_are_served() {
    let app = TestApp::spawn().await;
    let spec = serde_json::to_value(casework_api::openapi::build()).unwrap();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let concrete = path.replace("{id}", "0190a6d5-7c5e-7000-8000-000000000000");
        for method in item.as_object().unwrap().keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = app.client.request(m, app.url(&concrete)).send().await.unwrap();
            assert_ne!(res.status(), StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            let body: String = res.text().await.unwrap();
            assert!(
                !body.contains("\"/problems/not-found\"") || path.contains('{'),
                "{method} {path} is routed"
            );
        }
    }
    let res = app.client.get(app.url("/docs/")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.text().await.unwrap().contains("swagger"));
}

/// Every closed vocabulary is documented with exactly the strings the API sends and
/// accepts (a generated client builds its enums from these).
#[test]
fn documented_enums_are_the_wire_values() {
    use casework_domain::case::{
        AgeGroup, CaseStatus, CloseReason, ConsentScope, EvidenceKind, GuardianInvolvement, Jurisdiction, NoteKind,
        PreferredChannel, Priority, ReferralStatus, ReferralTo, Situation, Support,
    };
    use casework_domain::{
        calendar::ClosureKind,
        identity::{Role, Scope},
    };
    fn wire<T: serde::Serialize>(all: &[T]) -> Vec<String> {
        all.iter()
            .map(|v| serde_json::to_value(v).unwrap().as_str().unwrap().to_owned())
            .collect()
    }
    let spec = serde_json::to_value(casework_api::openapi::build()).unwrap();
    let documented = |name: &str| -> Vec<String> {
        let values = spec["components"]["schemas"][name]["enum"]
            .as_array()
            .unwrap_or_else(|| panic!("{name} has an enum"));
        values.iter().map(|v| v.as_str().unwrap().to_owned()).collect()
    };
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("CaseStatus", wire(CaseStatus::ALL)),
        ("AgeGroup", wire(AgeGroup::ALL)),
        ("PreferredChannel", wire(PreferredChannel::ALL)),
        ("GuardianInvolvement", wire(GuardianInvolvement::ALL)),
        ("Situation", wire(Situation::ALL)),
        ("Jurisdiction", wire(Jurisdiction::ALL)),
        ("Support", wire(Support::ALL)),
        ("Priority", wire(Priority::ALL)),
        ("CloseReason", wire(CloseReason::ALL)),
        ("NoteKind", wire(NoteKind::ALL)),
        ("ReferralTo", wire(ReferralTo::ALL)),
        ("ReferralStatus", wire(ReferralStatus::ALL)),
        ("ConsentScope", wire(ConsentScope::ALL)),
        ("EvidenceKind", wire(EvidenceKind::ALL)),
        ("Scope", wire(Scope::ALL)),
        ("Role", wire(Role::ALL)),
        (
            "ClosureKind",
            wire(&[ClosureKind::Statutory, ClosureKind::PublicService, ClosureKind::Custom]),
        ),
    ];
    for (name, values) in cases {
        let mut doc = documented(name);
        let mut want = values.clone();
        doc.sort();
        want.sort();
        assert_eq!(doc, want, "{name}");
    }
    assert_eq!(wire(&[CaseStatus::OnHold]), ["on_hold"]);
}

/// The identity endpoints' schemas say what the server enforces, so a generated client can
/// check before sending: grant types, lengths, patterns, non-empty scopes, and the format
/// and 422 of every `Idempotency-Key`.
#[test]
fn identity_schemas_state_the_enforced_limits() {
    let spec = serde_json::to_value(casework_api::openapi::build()).unwrap();
    let schemas = &spec["components"]["schemas"];
    assert_eq!(
        schemas["GrantType"]["enum"],
        serde_json::json!(["password", "refresh_token", "client_credentials"])
    );
    assert_eq!(
        schemas["TokenRequest"]["properties"]["grant_type"]["$ref"],
        "#/components/schemas/GrantType"
    );
    // Each grant's required fields, as conditions on grant_type.
    let conditions = schemas["TokenRequest"]["allOf"].as_array().unwrap();
    let needs = |grant: &str| {
        conditions
            .iter()
            .find(|c| c["if"]["properties"]["grant_type"]["const"] == grant)
            .map(|c| c["then"]["required"].clone())
    };
    assert_eq!(needs("password"), Some(serde_json::json!(["username", "password"])));
    assert_eq!(needs("refresh_token"), Some(serde_json::json!(["refresh_token"])));
    let user = &schemas["NewUser"]["properties"];
    assert_eq!(user["password"]["minLength"], 12);
    assert_eq!(user["password"]["maxLength"], 1024);
    assert_eq!(schemas["ChangePassword"]["properties"]["new_password"]["minLength"], 12);
    for (schema, field) in [
        ("NewUser", "display_name"),
        ("UserPatch", "display_name"),
        ("NewApiClient", "name"),
        ("NewClosure", "name"),
    ] {
        let f = &schemas[schema]["properties"][field];
        assert_eq!(f["minLength"], 1, "{schema}.{field}");
        assert_eq!(f["maxLength"], 200, "{schema}.{field}");
        assert!(f["pattern"].as_str().unwrap().contains("\\u0000"), "{schema}.{field}");
    }
    assert_eq!(schemas["NewApiClient"]["properties"]["scopes"]["minItems"], 1);
    let mut with_key = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let Some(p) = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|p| p["name"] == "Idempotency-Key")
            else {
                continue;
            };
            with_key += 1;
            assert_eq!(p["schema"]["pattern"], "^[!-~]{1,255}$", "{method} {path}");
            assert_eq!(
                op["responses"]["422"]["$ref"], "#/components/responses/IdempotencyKeyRefused",
                "{method} {path}"
            );
        }
    }
    assert!(with_key >= 8, "{with_key}");
    assert!(
        spec["paths"]["/v1/users/{id}/role-approval"]["post"].is_object(),
        "the two-person grant is documented"
    );
}
