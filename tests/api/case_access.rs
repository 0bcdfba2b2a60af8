//! Who may do what with a case (contract §3): every case endpoint against every kind of
//! caller. A case the caller does not see is 404 on every item path, never 403.

use casework_tests::{TestApp, fixtures::adult_case};
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    /// The caseworker the case is assigned to.
    Owner,
    /// A caseworker working the case with the owner.
    Collaborator,
    /// A caseworker with nothing to do with the case.
    Other,
    Supervisor,
    Admin,
    /// An integration client holding every scope there is.
    Client,
    /// No token at all.
    Anonymous,
}

const PRINCIPALS: [Who; 7] = [
    Who::Owner,
    Who::Collaborator,
    Who::Other,
    Who::Supervisor,
    Who::Admin,
    Who::Client,
    Who::Anonymous,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Endpoint {
    Create,
    List,
    Get,
    Patch,
    Transition,
    Reopen,
    Assign,
    NotesGet,
    NotesPost,
    ReferralsGet,
    ReferralsPost,
    ReferralPatch,
    ConsentsGet,
    ConsentsPost,
    ConsentRevoke,
    EvidenceGet,
    EvidencePost,
    Timeline,
    TakedownCreate,
    TakedownList,
    TakedownGet,
    TakedownTransition,
}

/// The contract, one row per endpoint, columns in the order of [`PRINCIPALS`]:
/// owner, collaborator, other caseworker, supervisor, admin, integration client, no token.
#[rustfmt::skip]
const MATRIX: &[(Endpoint, [u16; 7])] = {
    use Endpoint::*;
    &[
        //                 owner collab other  sup admin client none
        (Create,          [201,   201,   201,  201, 403,  403,  401]),
        (List,            [200,   200,   200,  200, 403,  403,  401]),
        (Get,             [200,   200,   404,  200, 404,  404,  401]),
        (Patch,           [200,   200,   404,  200, 404,  404,  401]),
        (Transition,      [200,   200,   404,  200, 404,  404,  401]),
        (Reopen,          [403,   403,   404,  200, 404,  404,  401]),
        (Assign,          [403,   403,   403,  200, 403,  403,  401]),
        (NotesGet,        [200,   200,   404,  200, 404,  404,  401]),
        (NotesPost,       [201,   201,   404,  201, 404,  404,  401]),
        (ReferralsGet,    [200,   200,   404,  200, 404,  404,  401]),
        (ReferralsPost,   [201,   201,   404,  201, 404,  404,  401]),
        (ReferralPatch,   [200,   200,   404,  200, 404,  404,  401]),
        (ConsentsGet,     [200,   200,   404,  200, 404,  404,  401]),
        (ConsentsPost,    [201,   201,   404,  201, 404,  404,  401]),
        (ConsentRevoke,   [200,   200,   404,  200, 404,  404,  401]),
        (EvidenceGet,     [200,   200,   404,  200, 404,  404,  401]),
        (EvidencePost,    [201,   201,   404,  201, 404,  404,  401]),
        (Timeline,        [200,   200,   404,  200, 404,  404,  401]),
        (TakedownCreate,  [201,   201,   404,  201, 403,  403,  401]),
        (TakedownList,    [200,   200,   200,  200, 403,  403,  401]),
        (TakedownGet,     [200,   200,   404,  200, 404,  404,  401]),
        (TakedownTransition, [200, 200,  404,  200, 404,  404,  401]),
    ]
};

/// The matrix as data: (endpoint, principal, expected status).
fn expectations() -> Vec<(Endpoint, Who, u16)> {
    MATRIX
        .iter()
        .flat_map(|(e, row)| PRINCIPALS.iter().zip(row).map(move |(w, s)| (*e, *w, *s)))
        .collect()
}

struct World {
    app: TestApp,
    owner: (String, String),
    collaborator: (String, String),
    other: String,
    supervisor: String,
    admin: String,
    client: String,
    /// Assigned to the owner, with the collaborator.
    case: String,
    /// The same people, for reopening.
    closable: String,
    /// A platform of the directory, for takedown requests.
    platform: String,
}

impl World {
    async fn new() -> Self {
        let app = TestApp::spawn().await;
        let (owner_id, _, owner) = app.staff("caseworker").await;
        let (collab_id, _, collab) = app.staff("caseworker").await;
        let (_, _, other) = app.staff("caseworker").await;
        let (_, _, supervisor) = app.staff("supervisor").await;
        let admin = app.admin_token().await;
        let client = app
            .integration_token(&["platforms:read", "platforms:write", "stats:read", "calendar:read"])
            .await;
        let mut w = Self {
            app,
            owner: (owner_id, owner),
            collaborator: (collab_id, collab),
            other,
            supervisor,
            admin,
            client,
            case: String::new(),
            closable: String::new(),
            platform: String::new(),
        };
        w.platform = w.app.platform_named(&w.supervisor, "TikTok").await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        w.case = w.open_shared_case().await;
        w.closable = w.open_shared_case().await;
        w
    }

    async fn open_shared_case(&self) -> String {
        let (s, case) = self
            .send(
                Method::POST,
                "/v1/cases",
                Some(&self.owner.1),
                Some(&adult_case()),
                None,
            )
            .await;
        assert_eq!(s, 201, "{case}");
        let id = case["id"].as_str().unwrap().to_owned();
        let body = json!({"primary": self.owner.0, "collaborators": [self.collaborator.0]});
        let (s, res) = self
            .send(
                Method::PUT,
                &format!("/v1/cases/{id}/assignment"),
                Some(&self.supervisor),
                Some(&body),
                None,
            )
            .await;
        assert_eq!(s, 200, "{res}");
        id
    }

    fn token(&self, who: Who) -> Option<&str> {
        Some(match who {
            Who::Owner => &self.owner.1,
            Who::Collaborator => &self.collaborator.1,
            Who::Other => &self.other,
            Who::Supervisor => &self.supervisor,
            Who::Admin => &self.admin,
            Who::Client => &self.client,
            Who::Anonymous => return None,
        })
    }

    fn takedown_body(&self) -> Value {
        json!({"case_id": self.case, "platform_id": self.platform, "channel": "web_form",
               "urls": ["https://www.tiktok.com/@someone/video/1"], "legal_basis": "platform_policy"})
    }

    /// Sends a request; returns the status and the JSON body (`null` when there is none).
    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> (u16, Value) {
        let mut req = self.app.client.request(method, self.app.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        if let Some(tag) = if_match {
            req = req.header("If-Match", tag);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        let text = res.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Setup done by the supervisor, who sees every case; must succeed.
    async fn setup(&self, method: Method, path: &str, body: Option<&Value>) -> (Value, String) {
        let mut req = self
            .app
            .client
            .request(method, self.app.url(path))
            .bearer_auth(&self.supervisor);
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status();
        let etag = res
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let json: Value = res.json().await.unwrap();
        assert!(status.is_success(), "setup {path}: {status} {json}");
        (json, etag)
    }

    /// Performs `endpoint` as `who` on fresh state and returns the status; `notes` collects
    /// anything else found wrong (e.g. a list showing a case it should not).
    async fn call(&self, endpoint: Endpoint, who: Who, notes: &mut Vec<String>) -> u16 {
        use Endpoint::*;
        let token = self.token(who);
        let case = format!("/v1/cases/{}", self.case);
        let (status, body) = match endpoint {
            Create => {
                self.send(Method::POST, "/v1/cases", token, Some(&adult_case()), None)
                    .await
            }
            List => self.send(Method::GET, "/v1/cases", token, None, None).await,
            Get => self.send(Method::GET, &case, token, None, None).await,
            Patch => {
                let (_, etag) = self.setup(Method::GET, &case, None).await;
                let body = json!({"summary": format!("edited by {who:?}")});
                self.send(Method::PATCH, &case, token, Some(&body), Some(&etag)).await
            }
            Transition => {
                // Toggle between active and on hold, whatever the previous caller did.
                let (current, _) = self.setup(Method::GET, &case, None).await;
                let to = if current["status"] == "active" {
                    "on_hold"
                } else {
                    "active"
                };
                let path = format!("{case}/transitions");
                self.send(Method::POST, &path, token, Some(&json!({"to": to})), None)
                    .await
            }
            Reopen => {
                let closable = format!("/v1/cases/{}", self.closable);
                let (current, _) = self.setup(Method::GET, &closable, None).await;
                let path = format!("{closable}/transitions");
                if current["status"] != "closed" {
                    let close = json!({"to": "closed", "close_reason": "resolved"});
                    self.setup(Method::POST, &path, Some(&close)).await;
                }
                self.send(Method::POST, &path, token, Some(&json!({"to": "active"})), None)
                    .await
            }
            Assign => {
                // The assignment it already has, so visibility stays as the matrix assumes.
                let body = json!({"primary": self.owner.0, "collaborators": [self.collaborator.0]});
                let path = format!("{case}/assignment");
                self.send(Method::PUT, &path, token, Some(&body), None).await
            }
            NotesGet => {
                self.send(Method::GET, &format!("{case}/notes"), token, None, None)
                    .await
            }
            NotesPost => {
                let body = json!({"kind": "note", "body": format!("a note by {who:?}")});
                self.send(Method::POST, &format!("{case}/notes"), token, Some(&body), None)
                    .await
            }
            ReferralsGet => {
                self.send(Method::GET, &format!("{case}/referrals"), token, None, None)
                    .await
            }
            ReferralsPost => {
                let body = json!({"to": "victimlinkbc"});
                self.send(Method::POST, &format!("{case}/referrals"), token, Some(&body), None)
                    .await
            }
            ReferralPatch => {
                let made = json!({"to": "salal", "status": "made"});
                let (referral, etag) = self
                    .setup(Method::POST, &format!("{case}/referrals"), Some(&made))
                    .await;
                let path = format!("{case}/referrals/{}", referral["id"].as_str().unwrap());
                let body = json!({"status": "accepted"});
                self.send(Method::PATCH, &path, token, Some(&body), Some(&etag)).await
            }
            ConsentsGet => {
                self.send(Method::GET, &format!("{case}/consents"), token, None, None)
                    .await
            }
            ConsentsPost => {
                let body = json!({"scope": "platform_contact"});
                self.send(Method::POST, &format!("{case}/consents"), token, Some(&body), None)
                    .await
            }
            ConsentRevoke => {
                let given = json!({"scope": "referral"});
                let (consent, _) = self
                    .setup(Method::POST, &format!("{case}/consents"), Some(&given))
                    .await;
                let path = format!("{case}/consents/{}/revoke", consent["id"].as_str().unwrap());
                self.send(Method::POST, &path, token, None, None).await
            }
            EvidenceGet => {
                self.send(Method::GET, &format!("{case}/evidence"), token, None, None)
                    .await
            }
            EvidencePost => {
                let body = json!({"kind": "screenshot", "site": "Instagram", "captured_at": "2026-11-22T10:00:00Z",
                                  "description": "A post showing the image"});
                self.send(Method::POST, &format!("{case}/evidence"), token, Some(&body), None)
                    .await
            }
            Timeline => {
                self.send(Method::GET, &format!("{case}/timeline"), token, None, None)
                    .await
            }
            TakedownCreate => {
                let body = self.takedown_body();
                self.send(Method::POST, "/v1/takedown-requests", token, Some(&body), None)
                    .await
            }
            TakedownList => self.send(Method::GET, "/v1/takedown-requests", token, None, None).await,
            TakedownGet | TakedownTransition => {
                let (draft, _) = self
                    .setup(Method::POST, "/v1/takedown-requests", Some(&self.takedown_body()))
                    .await;
                let path = format!("/v1/takedown-requests/{}", draft["id"].as_str().unwrap());
                if endpoint == TakedownGet {
                    self.send(Method::GET, &path, token, None, None).await
                } else {
                    let body = json!({"to": "withdrawn"});
                    self.send(Method::POST, &format!("{path}/transitions"), token, Some(&body), None)
                        .await
                }
            }
        };
        if status >= 400 && !body["type"].as_str().is_some_and(|t| t.starts_with("/problems/")) {
            notes.push(format!(
                "{endpoint:?} as {who:?}: {status} without a problem body: {body}"
            ));
        }
        if endpoint == List && status == 200 {
            let listed = body["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == self.case.as_str());
            let sees = matches!(who, Who::Owner | Who::Collaborator | Who::Supervisor);
            if listed != sees {
                notes.push(format!("List as {who:?}: case listed = {listed}, expected {sees}"));
            }
        }
        if endpoint == TakedownList && status == 200 {
            // The only requests there are belong to the case; an outsider sees none.
            let listed = !body["items"].as_array().unwrap().is_empty();
            let sees = matches!(who, Who::Owner | Who::Collaborator | Who::Supervisor);
            if listed != sees {
                notes.push(format!("TakedownList as {who:?}: listed = {listed}, expected {sees}"));
            }
        }
        status
    }
}

#[tokio::test]
async fn every_case_endpoint_against_every_kind_of_caller() {
    let w = World::new().await;
    let mut mismatches = Vec::new();
    let table = expectations();
    assert_eq!(table.len(), 22 * 7);
    for (endpoint, who, expected) in table {
        let got = w.call(endpoint, who, &mut mismatches).await;
        if got != expected {
            mismatches.push(format!("{endpoint:?} as {who:?}: expected {expected}, got {got}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatch(es):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[tokio::test]
async fn unknown_and_malformed_case_ids_are_404_even_for_supervisors() {
    let w = World::new().await;
    let nobody = uuid::Uuid::now_v7();
    let mut mismatches = Vec::new();
    for id in [nobody.to_string(), "not-a-uuid".to_owned()] {
        let case = format!("/v1/cases/{id}");
        let requests: Vec<(Method, String, Option<Value>)> = vec![
            (Method::GET, case.clone(), None),
            (Method::PATCH, case.clone(), Some(json!({"priority": "urgent"}))),
            (
                Method::POST,
                format!("{case}/transitions"),
                Some(json!({"to": "active"})),
            ),
            (
                Method::PUT,
                format!("{case}/assignment"),
                Some(json!({"primary": w.owner.0})),
            ),
            (Method::GET, format!("{case}/notes"), None),
            (Method::GET, format!("{case}/referrals"), None),
            (Method::GET, format!("{case}/consents"), None),
            (Method::GET, format!("{case}/evidence"), None),
            (Method::GET, format!("{case}/timeline"), None),
            (
                Method::POST,
                format!("{case}/notes"),
                Some(json!({"kind": "note", "body": "x"})),
            ),
        ];
        for (method, path, body) in requests {
            let (status, _) = w
                .send(
                    method.clone(),
                    &path,
                    Some(&w.supervisor),
                    body.as_ref(),
                    Some("\"v1\""),
                )
                .await;
            if status != 404 {
                mismatches.push(format!("{method} {path}: expected 404, got {status}"));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// Method, path, body and an optional extra header.
type BadRequest = (Method, String, String, Option<(&'static str, &'static str)>);

/// An outsider learns nothing from how a request is refused: whatever is wrong with the
/// body or the headers, a case they do not see is 404, exactly as a case that does not
/// exist. The owner, sending the same requests, gets the validation answers.
#[tokio::test]
async fn outsiders_get_404_before_any_validation() {
    let app = TestApp::spawn().await;
    let (_, _, owner) = app.staff("caseworker").await;
    let (_, _, other) = app.staff("caseworker").await;
    let case: Value = app
        .post_json(
            "/v1/cases",
            &owner,
            &json!({"client": {"name": "Alex", "age_group": "adult",
                "contact": {"preferred_channel": "none", "safe_to_leave_message": false},
                "guardian_involvement": "not_applicable"}, "situation": "shared", "jurisdiction": "bc"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = case["id"].as_str().unwrap();
    let referral: Value = app
        .post_json(&format!("/v1/cases/{id}/referrals"), &owner, &json!({"to": "salal"}))
        .await
        .json()
        .await
        .unwrap();
    let rid = referral["id"].as_str().unwrap();
    let missing = "0190a6d5-7c5e-7000-8000-000000000000";
    // (method, path, body, headers) — each request is wrong in some way besides the caller.
    let bad: Vec<BadRequest> = vec![
        (
            Method::POST,
            format!("/v1/cases/{id}/notes"),
            r#"{"kind": "note", "body": ""}"#.into(),
            None,
        ),
        (
            Method::POST,
            format!("/v1/cases/{id}/notes"),
            r#"{"kind": "note", "body": "x", "pin": true}"#.into(),
            None,
        ),
        (Method::POST, format!("/v1/cases/{id}/notes"), "{not json".into(), None),
        (
            Method::POST,
            format!("/v1/cases/{id}/referrals"),
            r#"{"to": "other"}"#.into(),
            None,
        ),
        (
            Method::POST,
            format!("/v1/cases/{id}/consents"),
            r#"{"scope": "platform_contact", "given_at": "2099-01-01T00:00:00Z"}"#.into(),
            None,
        ),
        (
            Method::POST,
            format!("/v1/cases/{id}/evidence"),
            r#"{"kind": "screenshot"}"#.into(),
            None,
        ),
        (
            Method::POST,
            format!("/v1/cases/{id}/transitions"),
            r#"{"to": "nowhere"}"#.into(),
            None,
        ),
        (
            Method::PATCH,
            format!("/v1/cases/{id}"),
            r#"{"status": "closed"}"#.into(),
            None,
        ),
        (
            Method::PATCH,
            format!("/v1/cases/{id}"),
            r#"{"priority": "urgent"}"#.into(),
            Some(("If-Match", "\"v99\"")),
        ),
        (
            Method::PATCH,
            format!("/v1/cases/{id}/referrals/{rid}"),
            r#"{"status": "made"}"#.into(),
            None,
        ),
        (
            Method::PATCH,
            format!("/v1/cases/{id}/referrals/{rid}"),
            r#"{"status": "bogus"}"#.into(),
            Some(("If-Match", "\"v1\"")),
        ),
    ];
    let send = |token: &str, (method, path, body, header): &BadRequest| {
        let mut r = app
            .client
            .request(method.clone(), app.url(path))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body.clone());
        if let Some((k, v)) = header {
            r = r.header(*k, *v);
        }
        r.send()
    };
    let mut mismatches = Vec::new();
    for req in &bad {
        let outsider = send(&other, req).await.unwrap().status().as_u16();
        let unknown = (req.0.clone(), req.1.replace(id, missing), req.2.clone(), req.3);
        let nowhere = send(&owner, &unknown).await.unwrap().status().as_u16();
        let owner_status = send(&owner, req).await.unwrap().status().as_u16();
        if outsider != 404 || nowhere != 404 || owner_status == 404 || owner_status < 400 {
            mismatches.push(format!(
                "{} {}: outsider {outsider}, unknown case {nowhere}, owner {owner_status}",
                req.0, req.1
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
