//! The OpenAPI 3.1 document: built from the same route registrations the server uses,
//! then completed with the error responses every operation shares, so that each
//! operation documents its problem+json answers and every response has a description
//! (utoipa leaves an undeclared one out, which makes the document invalid).

use std::collections::BTreeMap;

use actix_web::{App, http::Method};
use utoipa::{
    IntoResponses, Modify, OpenApi,
    openapi::{
        self, Content, HttpMethod, RefOr, Required, ResponseBuilder,
        header::HeaderBuilder,
        schema::{ObjectBuilder, Type},
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    },
};
use utoipa_actix_web::AppExt;

use crate::{
    error::{Problem, ProblemFieldError},
    routes,
};

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, api: &mut openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "An access token from POST /v1/auth/token. The token of an account whose password an admin \
chose opens only POST /v1/me/password until its holder sets their own: every other call answers 403 \
with type /problems/password-change-required. Deactivation, role changes and an approved supervisor \
grant (which revokes every credential until POST /v1/auth/enroll) apply to tokens at once.",
                    ))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Casework API",
        description = "Case management for caseworkers helping people whose intimate images were shared, \
or threatened to be shared, without consent. Errors are RFC 9457 problem+json; lists page with \
opaque cursors; PATCH needs If-Match; any POST accepts an Idempotency-Key.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    components(schemas(Problem, ProblemFieldError)),
    modifiers(&BearerScheme),
    tags(
        (name = "auth", description = "Tokens, revocation and verification keys"),
        (name = "me", description = "The caller"),
        (name = "users", description = "Staff accounts (admin)"),
        (name = "api-clients", description = "Integration clients (admin)"),
        (name = "signing-keys", description = "Token signing keys (admin)"),
        (name = "cases", description = "Cases: the client, the lifecycle, assignment"),
        (name = "case-records", description = "Notes, referrals, consents, evidence and the timeline of a case"),
        (name = "platforms", description = "The platform directory: where and how takedown requests are sent"),
        (name = "takedowns", description = "Takedown requests: URLs of a case sent to a platform, their lifecycle and letters"),
        (name = "claims", description = "Tribunal claims: CRT and Court of Québec, respondents, lifecycle"),
        (name = "orders", description = "Orders on granted claims: bindings, service, compliance, penalty exposure"),
        (name = "legal-parameters", description = "Amounts and limits fixed by law, with effective dates"),
        (name = "tasks", description = "Tasks and their reminders (delivered in office hours)"),
        (name = "notifications", description = "Your notifications: reminders, the daily digest, escalations"),
        (name = "jobs", description = "Background jobs (admins and supervisors; admins retry and cancel)"),
        (name = "calendar", description = "Office hours, closures and business days (America/Vancouver)"),
        (name = "health", description = "Liveness, readiness, metrics"),
    )
)]
struct ApiDoc;

/// The complete document, exactly as served at `/openapi.json`.
#[must_use]
pub fn build() -> openapi::OpenApi {
    let (_, mut api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(routes::configure)
        .split_for_parts();
    api.info.version = env!("CARGO_PKG_VERSION").to_owned();
    document_idempotency_keys(&mut api);
    document_grant_fields(&mut api);
    add_shared_responses(&mut api);
    api
}

/// Which fields each `grant_type` of a token request needs, as JSON Schema conditions
/// (`if`/`then`) on `TokenRequest`, so a client can check a request before sending it.
/// `client_credentials` may instead send its credentials as HTTP Basic, so nothing is
/// required of it in the body.
fn document_grant_fields(api: &mut openapi::OpenApi) {
    let needs = |grant: &str, fields: &[&str]| {
        serde_json::json!({
            "if": {"properties": {"grant_type": {"const": grant}}, "required": ["grant_type"]},
            "then": {"required": fields},
        })
    };
    let conditions = serde_json::json!([
        needs("password", &["username", "password"]),
        needs("refresh_token", &["refresh_token"]),
    ]);
    // utoipa has no `if`/`then`; schema extensions are serialised flat into the schema.
    let extensions: openapi::extensions::Extensions = [("allOf", conditions)].into_iter().collect();
    if let Some(RefOr::T(openapi::schema::Schema::Object(obj))) =
        api.components.as_mut().and_then(|c| c.schemas.get_mut("TokenRequest"))
    {
        obj.extensions = Some(extensions);
    }
}

/// What the server accepts as an `Idempotency-Key`: 1–255 visible ASCII characters.
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,255}$";

/// Every operation taking an `Idempotency-Key` documents the key's format and its 422
/// (a malformed key, or the key reused with a different request).
fn document_idempotency_keys(api: &mut openapi::OpenApi) {
    let components = api.components.get_or_insert_with(Default::default);
    components.responses.insert(
        "IdempotencyKeyInFlight".to_owned(),
        problem_response("A request with this `Idempotency-Key` is still being processed", &[]),
    );
    components.responses.insert(
        "IdempotencyKeyRefused".to_owned(),
        problem_response(
            "Validation failed (`errors` lists every field), the `Idempotency-Key` is not 1–255 visible \
ASCII characters (field `Idempotency-Key`), or the key was used before with a different request",
            &[],
        ),
    );
    for op in operations_mut(api) {
        let mut takes_key = false;
        for p in op.parameters.iter_mut().flatten() {
            if let RefOr::T(p) = p
                && p.parameter_in == openapi::path::ParameterIn::Header
                && p.name.eq_ignore_ascii_case(crate::idempotency::HEADER)
            {
                takes_key = true;
                p.schema = Some(RefOr::T(openapi::schema::Schema::Object(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(255))
                        .pattern(Some(IDEMPOTENCY_KEY_PATTERN))
                        .build(),
                )));
            }
        }
        if takes_key {
            op.responses.responses.insert(
                "422".to_owned(),
                RefOr::Ref(openapi::Ref::new("#/components/responses/IdempotencyKeyRefused")),
            );
            op.responses
                .responses
                .entry("409".to_owned())
                .or_insert_with(|| RefOr::Ref(openapi::Ref::new("#/components/responses/IdempotencyKeyInFlight")));
        }
    }
}

/// Every operation of the document (the methods the API uses: GET, PUT, POST, DELETE,
/// PATCH), for the passes that complete each one.
fn operations_mut(api: &mut openapi::OpenApi) -> impl Iterator<Item = &mut openapi::path::Operation> {
    api.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
    })
}

fn problem_response(description: &str, headers: &[(&str, &str)]) -> RefOr<openapi::Response> {
    let mut b = ResponseBuilder::new().description(description).content(
        "application/problem+json",
        Content::new(Some(RefOr::Ref(openapi::Ref::from_schema_name("Problem")))),
    );
    for (name, desc) in headers {
        b = b.header(
            *name,
            HeaderBuilder::new()
                .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
                .description(Some(*desc))
                .build(),
        );
    }
    RefOr::T(b.build())
}

fn shared_responses() -> BTreeMap<&'static str, (&'static str, RefOr<openapi::Response>)> {
    BTreeMap::from([
        (
            "MalformedRequest",
            ("400", problem_response("Malformed JSON or query string", &[])),
        ),
        (
            "Unauthorized",
            (
                "401",
                problem_response(
                    "Missing, invalid or expired access token",
                    &[("WWW-Authenticate", "Bearer challenge")],
                ),
            ),
        ),
        ("PayloadTooLarge", ("413", problem_response("Body over 256 KiB", &[]))),
        (
            "UnsupportedMediaType",
            ("415", problem_response("Body is not application/json", &[])),
        ),
        (
            "Forbidden",
            (
                "403",
                problem_response(
                    "Refused for this caller; an account whose password an admin chose gets type \
/problems/password-change-required on everything but POST /v1/me/password until it sets its own",
                    &[],
                ),
            ),
        ),
        (
            "NotFound",
            (
                "404",
                problem_response("No such resource, or not yours to see (the two look the same)", &[]),
            ),
        ),
        (
            "ValidationFailed",
            (
                "422",
                problem_response("Validation failed; `errors` lists every field", &[]),
            ),
        ),
        (
            "InternalError",
            (
                "500",
                problem_response("Unexpected error; quote `instance` when reporting it", &[]),
            ),
        ),
        (
            "ServiceUnavailable",
            (
                "503",
                problem_response(
                    "Database unreachable; retry after the given seconds",
                    &[("Retry-After", "Seconds to wait")],
                ),
            ),
        ),
    ])
}

fn add_shared_responses(api: &mut openapi::OpenApi) {
    let shared = shared_responses();
    let components = api.components.get_or_insert_with(Default::default);
    for (name, (_, resp)) in &shared {
        components.responses.insert((*name).to_owned(), resp.clone());
    }
    for op in operations_mut(api) {
        let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
        let has_json_body = op
            .request_body
            .as_ref()
            .is_some_and(|b| matches!(b, RefOr::T(b) if b.content.keys().any(|c| c.ends_with("json"))));
        let has_path_param = op.parameters.as_ref().is_some_and(|ps| {
            ps.iter()
                .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == openapi::path::ParameterIn::Path))
        });
        let has_query = op.parameters.as_ref().is_some_and(|ps| {
            ps.iter()
                .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == openapi::path::ParameterIn::Query))
        });
        let mut wanted = vec!["InternalError", "ServiceUnavailable"];
        if secured {
            wanted.extend(["Unauthorized", "Forbidden"]);
            if has_path_param {
                wanted.push("NotFound");
            }
        }
        if has_json_body {
            wanted.extend([
                "MalformedRequest",
                "PayloadTooLarge",
                "UnsupportedMediaType",
                "ValidationFailed",
            ]);
        } else if has_query {
            wanted.extend(["MalformedRequest", "ValidationFailed"]);
        }
        for name in wanted {
            let (status, _) = &shared[name];
            op.responses
                .responses
                .entry((*status).to_owned())
                .or_insert_with(|| RefOr::Ref(openapi::Ref::new(format!("#/components/responses/{name}"))));
        }
        // Every response needs a description to be valid OpenAPI.
        for (status, resp) in &mut op.responses.responses {
            if let RefOr::T(r) = resp
                && r.description.is_empty()
            {
                r.description = status
                    .parse::<u16>()
                    .ok()
                    .and_then(|s| actix_web::http::StatusCode::from_u16(s).ok())
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Response")
                    .to_owned();
            }
        }
        if let Some(RefOr::T(body)) = &mut op.request_body
            && body.required.is_none()
        {
            body.required = Some(Required::True);
        }
    }
}

/// Which methods each documented path accepts, for 405 answers with `Allow`.
#[derive(Debug, Clone)]
pub struct RouteTable {
    routes: Vec<(Vec<Segment>, Vec<Method>)>,
}

#[derive(Debug, Clone)]
enum Segment {
    Literal(String),
    Param,
}

impl RouteTable {
    #[must_use]
    pub fn from_spec(api: &openapi::OpenApi) -> Self {
        let routes = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let segs = path
                    .split('/')
                    .map(|s| {
                        if s.starts_with('{') {
                            Segment::Param
                        } else {
                            Segment::Literal(s.to_owned())
                        }
                    })
                    .collect();
                let mut methods = Vec::new();
                for (m, op) in [
                    (HttpMethod::Get, &item.get),
                    (HttpMethod::Put, &item.put),
                    (HttpMethod::Post, &item.post),
                    (HttpMethod::Delete, &item.delete),
                    (HttpMethod::Patch, &item.patch),
                ] {
                    if op.is_some() {
                        methods.push(match m {
                            HttpMethod::Get => Method::GET,
                            HttpMethod::Put => Method::PUT,
                            HttpMethod::Post => Method::POST,
                            HttpMethod::Delete => Method::DELETE,
                            _ => Method::PATCH,
                        });
                    }
                }
                (segs, methods)
            })
            .collect();
        Self { routes }
    }

    /// The methods allowed on `path`, or `None` for an unknown path.
    #[must_use]
    pub fn allowed(&self, path: &str) -> Option<Vec<Method>> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut found: Option<Vec<Method>> = None;
        for (segs, methods) in &self.routes {
            let matches = segs.len() == parts.len()
                && segs.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Literal(l) => l == p,
                    Segment::Param => !p.is_empty(),
                });
            if matches {
                found.get_or_insert_with(Vec::new).extend(methods.iter().cloned());
            }
        }
        found
    }
}

/// Declares response sets that many operations share, each a unit struct to list in an
/// operation's `responses(...)` instead of spelling the same answers out again: problem
/// answers (`"status": "description"`), or `"status": plain "description"` for an answer
/// without a body.
macro_rules! response_sets {
    ($($(#[$doc:meta])* $name:ident => $($status:literal: $($plain:ident)? $description:literal),+;)+) => {$(
        $(#[$doc])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<openapi::Response>> {
                BTreeMap::from([$(($status.to_owned(), response_sets!(@response $($plain)? $description))),+])
            }
        }
    )+};
    (@response plain $description:literal) => {
        RefOr::T(ResponseBuilder::new().description($description).build())
    };
    (@response $description:literal) => {
        problem_response($description, &[])
    };
}

response_sets! {
    /// `403 Not an admin`, the refusal every admin-only operation documents.
    NotAnAdmin => "403": "Not an admin";
    /// `403`: admins and integration clients do not work cases; every case-work operation
    /// (cases, takedown requests, claims, orders) lists it.
    CaseWorkOnly => "403": "Admins and integrations do not work cases";
    /// `412`: the `If-Match` a change sent names a version that is no longer current.
    StaleIfMatch => "412": "Stale If-Match";
    /// `428`: a PATCH sent without the `If-Match` it requires.
    IfMatchMissing => "428": "If-Match missing";
    /// `304`: a GET whose `If-None-Match` already names the current ETag.
    NotModified => "304": plain "Not modified";
    /// `413` and `415`, the problem answers of the OAuth endpoints (token, revocation) to a
    /// body they do not read: too large, or neither form-encoded nor JSON.
    OAuthBodyRefused => "413": "Body over 256 KiB", "415": "Body neither form-encoded nor JSON";
}

/// The `Idempotency-Key` header every POST accepts.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IdempotencyKey {
    /// Makes a retry safe: the first response is stored for 24 h and replayed (with
    /// `Idempotent-Replayed: true`) to the same caller; 1–255 visible ASCII characters.
    #[param(rename = "Idempotency-Key", pattern = "^[!-~]{1,255}$")]
    pub idempotency_key: Option<String>,
}

/// A required `If-Match` (PATCH).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchRequired {
    /// The ETag of the version being changed (e.g. `"v3"`), or `*` for any current version.
    #[param(rename = "If-Match", pattern = "^(\\*|(W/)?\"v[0-9]+\")$")]
    pub if_match: String,
}

/// An optional `If-Match` (transitions, assignment).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
pub struct IfMatchOptional {
    /// Refuse (412) if the resource is no longer at this ETag (e.g. `"v3"`); `*` matches any.
    #[param(rename = "If-Match", pattern = "^(\\*|(W/)?\"v[0-9]+\")$")]
    pub if_match: Option<String>,
}
