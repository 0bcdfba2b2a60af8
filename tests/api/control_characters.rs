//! NUL and other control characters never reach PostgreSQL (which refuses NUL in text and
//! would answer 500) nor a screen. Driven by the served OpenAPI document, so every
//! operation and field — including ones added later — is covered without a hand-kept list:
//! every string query parameter gets a NUL, and every string field of every request body
//! gets one in turn, inside an otherwise minimal body built from the schema.

use casework_tests::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

const NUL: &str = "before\u{0}after";
const MAX_DEPTH: usize = 8;

/// Follows `$ref`s to the schema they name.
fn resolve<'a>(spec: &'a Value, mut schema: &'a Value) -> &'a Value {
    while let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap();
        schema = &spec["components"]["schemas"][name];
    }
    schema
}

/// The schema without its `null` alternative (`Option<T>` is `oneOf [T, null]` or a type
/// array with `null`).
fn non_null<'a>(spec: &'a Value, schema: &'a Value) -> &'a Value {
    let schema = resolve(spec, schema);
    for key in ["oneOf", "anyOf"] {
        if let Some(alts) = schema.get(key).and_then(Value::as_array)
            && let Some(first) = alts.iter().find(|a| a.get("type") != Some(&json!("null")))
        {
            return non_null(spec, first);
        }
    }
    schema
}

fn type_of(schema: &Value) -> Option<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => Some(t.as_str()),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ if schema.get("properties").is_some() => Some("object"),
        _ => None,
    }
}

fn plausible_string(name: &str, schema: &Value) -> Value {
    if let Some(first) = schema.get("enum").and_then(|e| e.as_array()).and_then(|e| e.first()) {
        return first.clone();
    }
    let format = schema.get("format").and_then(Value::as_str).unwrap_or_default();
    let s = match format {
        "date-time" => "2026-11-20T10:00:00Z".to_owned(),
        "date" => "2026-12-24".to_owned(),
        "uuid" => uuid::Uuid::now_v7().to_string(),
        "email" => "someone@example.org".to_owned(),
        "password" => "a long enough password".to_owned(),
        "uri" => "https://example.org/post/1".to_owned(),
        _ if name.contains("email") => "someone@example.org".to_owned(),
        _ if name.contains("url") => "https://example.org/post/1".to_owned(),
        _ => "plain text".to_owned(),
    };
    Value::String(s)
}

/// A minimal body for `schema` (required fields only), except that the field at `target`
/// (a path like `client.name` or `urls[0]`) is present and holds [`NUL`].
fn example(spec: &Value, schema: &Value, name: &str, path: &str, target: Option<&str>, depth: usize) -> Value {
    let schema = non_null(spec, schema);
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    match type_of(schema) {
        Some("object") => {
            let required: Vec<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut out = Map::new();
            for (k, sub) in schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                let on_target = target.is_some_and(|t| {
                    t == here || t.starts_with(&format!("{here}.")) || t.starts_with(&format!("{here}["))
                });
                if required.contains(&k.as_str()) || on_target {
                    out.insert(k.clone(), example(spec, sub, k, &here, target, depth + 1));
                }
            }
            Value::Object(out)
        }
        Some("array") => {
            let here = format!("{path}[0]");
            let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let on_target = target.is_some_and(|t| t.starts_with(&here));
            if min > 0 || on_target {
                vec![example(spec, &schema["items"], name, &here, target, depth + 1)].into()
            } else {
                json!([])
            }
        }
        Some("string") if target == Some(path) => Value::String(NUL.to_owned()),
        Some("string") => plausible_string(name, schema),
        Some("integer" | "number") => schema.get("minimum").cloned().unwrap_or(json!(1)),
        Some("boolean") => json!(false),
        _ => Value::Null,
    }
}

/// Every string field of `schema`, required or not, as a path.
fn string_paths(spec: &Value, schema: &Value, path: &str, out: &mut Vec<String>, depth: usize) {
    let schema = non_null(spec, schema);
    if depth > MAX_DEPTH {
        return;
    }
    match type_of(schema) {
        Some("object") => {
            for (k, sub) in schema
                .get("properties")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
            {
                let here = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                string_paths(spec, sub, &here, out, depth + 1);
            }
        }
        Some("array") => string_paths(spec, &schema["items"], &format!("{path}[0]"), out, depth + 1),
        Some("string") => out.push(path.to_owned()),
        _ => {}
    }
}

struct Callers {
    tokens: Vec<(&'static str, String)>,
    case_id: String,
    user_id: String,
    referral_id: String,
    platform_id: String,
    takedown_id: String,
    claim_id: String,
    order_id: String,
    binding_id: String,
}

impl Callers {
    async fn new(app: &TestApp, spec: &Value) -> Self {
        let admin = app.admin_token().await;
        let (_, _, supervisor) = app.provisioned_staff("supervisor").await;
        let (user_id, _, caseworker) = app.staff("caseworker").await;
        let res = app
            .post_json(
                "/v1/cases",
                &caseworker,
                &json!({
                    "client": {
                        "name": "Alex Doe",
                        "age_group": "adult",
                        "contact": {"preferred_channel": "none", "safe_to_leave_message": false},
                        "guardian_involvement": "not_applicable"
                    },
                    "situation": "shared",
                    "jurisdiction": "bc"
                }),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let case: Value = res.json().await.unwrap();
        let case_id = case["id"].as_str().unwrap().to_owned();
        // A referral to patch, from the minimal body its schema asks for.
        let schema =
            &spec["paths"]["/v1/cases/{id}/referrals"]["post"]["requestBody"]["content"]["application/json"]["schema"];
        let res = app
            .post_json(
                &format!("/v1/cases/{case_id}/referrals"),
                &caseworker,
                &example(spec, schema, "", "", None, 0),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let referral: Value = res.json().await.unwrap();
        let platforms: Value = app
            .get("/v1/platforms?limit=1", &caseworker)
            .await
            .json()
            .await
            .unwrap();
        let platform_id = platforms["items"][0]["id"].as_str().unwrap().to_owned();
        let res = app
            .post_json(
                "/v1/takedown-requests",
                &caseworker,
                &json!({"case_id": case_id, "platform_id": platform_id, "channel": "web_form",
                        "urls": ["https://example.org/post/1"], "legal_basis": "platform_policy"}),
            )
            .await;
        assert_eq!(res.status(), StatusCode::CREATED);
        let takedown: Value = res.json().await.unwrap();
        let (claim, order) = app.granted_order(&caseworker, &case_id).await;
        Self {
            tokens: vec![("admin", admin), ("supervisor", supervisor), ("caseworker", caseworker)],
            case_id,
            user_id,
            referral_id: referral["id"].as_str().unwrap().to_owned(),
            platform_id,
            takedown_id: takedown["id"].as_str().unwrap().to_owned(),
            claim_id: claim["id"].as_str().unwrap().to_owned(),
            order_id: order["id"].as_str().unwrap().to_owned(),
            binding_id: order["bindings"][0]["id"].as_str().unwrap().to_owned(),
        }
    }

    /// Puts the ids we have into a body's top-level references (unless that field is the
    /// one under test), so requests get past "not found".
    fn fill_known(&self, doc: &mut Value) {
        for (field, id) in [
            ("case_id", &self.case_id),
            ("platform_id", &self.platform_id),
            ("claim_id", &self.claim_id),
        ] {
            if let Some(v) = doc.get_mut(field)
                && v.as_str() != Some(NUL)
            {
                *v = Value::String(id.clone());
            }
        }
    }

    /// The path with real ids where we have them (so requests get past "not found").
    fn concrete(&self, path: &str) -> String {
        let mut out = Vec::new();
        for seg in path.split('/') {
            out.push(match seg {
                "{id}" if path.starts_with("/v1/cases/") => self.case_id.clone(),
                "{id}" if path.starts_with("/v1/users/") => self.user_id.clone(),
                "{id}" if path.starts_with("/v1/platforms/") => self.platform_id.clone(),
                "{id}" if path.starts_with("/v1/takedown-requests/") => self.takedown_id.clone(),
                "{id}" if path.starts_with("/v1/claims/") => self.claim_id.clone(),
                "{id}" if path.starts_with("/v1/orders/") => self.order_id.clone(),
                "{binding_id}" => self.binding_id.clone(),
                "{referral_id}" => self.referral_id.clone(),
                "{date}" => "2026-12-24".to_owned(),
                s if s.starts_with('{') => uuid::Uuid::now_v7().to_string(),
                s => s.to_owned(),
            });
        }
        out.join("/")
    }
}

async fn spec(app: &TestApp) -> Value {
    app.client
        .get(app.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn operations(spec: &Value) -> Vec<(Method, String, Value)> {
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            ops.push((
                Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                path.clone(),
                op.clone(),
            ));
        }
    }
    ops
}

#[tokio::test]
async fn nul_in_any_query_parameter_is_400() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let callers = Callers::new(&app, &spec).await;
    let mut tried = 0;
    for (method, path, op) in operations(&spec) {
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p["in"] != "query" || type_of(non_null(&spec, &p["schema"])) != Some("string") {
                continue;
            }
            let name = p["name"].as_str().unwrap();
            let url = app.url(&format!("{}?{name}=before%00after", callers.concrete(&path)));
            for (who, token) in &callers.tokens {
                tried += 1;
                let res = app
                    .client
                    .request(method.clone(), &url)
                    .bearer_auth(token)
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                assert!(
                    [400, 401, 403, 404, 422].contains(&status),
                    "{method} {path} ?{name} as {who}: {status}"
                );
                assert_eq!(
                    res.headers()["content-type"],
                    "application/problem+json",
                    "{method} {path} ?{name}"
                );
            }
        }
    }
    // cases (reference, cursor, ...), users, api clients, calendar, case sub-records.
    assert!(tried >= 3 * 15, "{tried}");
    // No sign-in needed to be refused.
    let res = app
        .client
        .get(app.url("/v1/cases?reference=IIPS%00"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn nul_in_any_string_field_of_any_body_is_refused_by_name() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let callers = Callers::new(&app, &spec).await;
    let mut tried = 0;
    for (method, path, op) in operations(&spec) {
        let Some(content) = op["requestBody"]["content"].as_object() else {
            continue;
        };
        for (media, body) in content {
            let schema = &body["schema"];
            let mut fields = Vec::new();
            string_paths(&spec, schema, "", &mut fields, 0);
            assert!(
                !fields.is_empty() || method == Method::PUT,
                "{method} {path} has string fields"
            );
            for field in fields {
                let mut doc = example(&spec, schema, "", "", Some(&field), 0);
                callers.fill_known(&mut doc);
                let mut refused_by_name = false;
                for (who, token) in &callers.tokens {
                    tried += 1;
                    let req = app
                        .client
                        .request(method.clone(), app.url(&callers.concrete(&path)))
                        .bearer_auth(token)
                        .header("If-Match", "\"v1\"");
                    let res = if media == "application/x-www-form-urlencoded" {
                        let pairs: Vec<(String, String)> = doc
                            .as_object()
                            .unwrap()
                            .iter()
                            .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
                            .collect();
                        req.form(&pairs).send().await.unwrap()
                    } else {
                        req.json(&doc).send().await.unwrap()
                    };
                    let status = res.status();
                    let body: Value = res.json().await.unwrap_or(Value::Null);
                    let what = format!("{method} {path} {field} as {who}: {status} {body}");
                    assert!(status.is_client_error(), "{what}");
                    if media.ends_with("json") {
                        // Refused at the edge, naming the field; or, for a caller whose role
                        // may not use the function (403) or who may not see the case
                        // (404), refused before the body is read (one order of checks).
                        assert!(
                            [
                                StatusCode::UNPROCESSABLE_ENTITY,
                                StatusCode::NOT_FOUND,
                                StatusCode::FORBIDDEN
                            ]
                            .contains(&status),
                            "{what}"
                        );
                        if status == StatusCode::UNPROCESSABLE_ENTITY {
                            let named = body["errors"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .any(|e| e["field"] == field.as_str() && e["code"] == "control_character");
                            assert!(named, "{what}");
                            refused_by_name = true;
                        }
                    } else {
                        assert_eq!(status, StatusCode::BAD_REQUEST, "{what}");
                        assert_eq!(body["error"], "invalid_request", "{what}");
                        refused_by_name = true;
                    }
                }
                assert!(refused_by_name, "{method} {path} {field}: nobody got past 403/404");
            }
        }
    }
    assert!(tried >= 3 * 30, "{tried}");
}

#[tokio::test]
async fn free_text_keeps_line_breaks_and_tabs() {
    let app = TestApp::spawn().await;
    let (_, _, caseworker) = app.staff("caseworker").await;
    let res = app
        .post_json(
            "/v1/cases",
            &caseworker,
            &json!({
                "client": {
                    "name": "Alex Doe",
                    "age_group": "adult",
                    "contact": {
                        "preferred_channel": "none",
                        "safe_to_leave_message": false,
                        "safe_contact_notes": "Weekdays only.\r\n\tNever before 5pm."
                    },
                    "guardian_involvement": "not_applicable"
                },
                "situation": "shared",
                "jurisdiction": "bc",
                "summary": "First line.\nSecond line."
            }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::CREATED);
    // A bidi override is refused even in free text; an escape character too.
    for summary in ["evil\u{202E}txt.exe", "colour \u{1b}[31mred"] {
        let res = app
            .post_json(
                "/v1/cases",
                &caseworker,
                &json!({
                    "client": {
                        "name": "Alex Doe",
                        "age_group": "adult",
                        "contact": {"preferred_channel": "none", "safe_to_leave_message": false},
                        "guardian_involvement": "not_applicable"
                    },
                    "situation": "shared",
                    "jurisdiction": "bc",
                    "summary": summary
                }),
            )
            .await;
        let body = casework_tests::problem(res, 422).await;
        assert_eq!(body["errors"][0]["field"], "summary");
        assert_eq!(body["errors"][0]["code"], "control_character");
    }
}

#[tokio::test]
async fn names_and_labels_refuse_line_breaks() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token().await;
    for (path, body, field) in [
        (
            "/v1/users",
            json!({"email": "n@example.org", "display_name": "Two\nLines", "role": "caseworker", "password": "long enough password"}),
            "display_name",
        ),
        (
            "/v1/api-clients",
            json!({"name": "Tab\there", "scopes": ["stats:read"]}),
            "name",
        ),
        (
            "/v1/calendar/closures",
            json!({"date": "2026-12-24", "name": "Office\r\nmove"}),
            "name",
        ),
    ] {
        let res = app.post_json(path, &admin, &body).await;
        let body = casework_tests::problem(res, 422).await;
        assert_eq!(body["errors"][0]["field"], field, "{path}");
        assert_eq!(body["errors"][0]["code"], "control_character", "{path}");
    }
}

#[tokio::test]
async fn nul_in_any_path_parameter_is_a_client_error() {
    let app = TestApp::spawn().await;
    let spec = spec(&app).await;
    let callers = Callers::new(&app, &spec).await;
    let mut tried = 0;
    for (method, path, _) in operations(&spec) {
        let segments: Vec<&str> = path.split('/').collect();
        for (i, seg) in segments.iter().enumerate() {
            if !seg.starts_with('{') {
                continue;
            }
            let mut with_nul: Vec<String> = callers.concrete(&path).split('/').map(str::to_owned).collect();
            with_nul[i] = "before%00after".to_owned();
            let url = app.url(&with_nul.join("/"));
            for (who, token) in &callers.tokens {
                tried += 1;
                let res = app
                    .client
                    .request(method.clone(), &url)
                    .bearer_auth(token)
                    .header("If-Match", "\"v1\"")
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap();
                let status = res.status();
                assert!(status.is_client_error(), "{method} {path} {seg} as {who}: {status}");
            }
        }
    }
    assert!(tried >= 3 * 15, "{tried}");
}
