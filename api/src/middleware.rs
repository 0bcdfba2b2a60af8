//! Per-request context: the request id (accepted or generated, echoed, logged and quoted
//! in problem documents), security headers (CSP, HSTS), refusal of over-long targets and
//! control characters in query strings, problem+json for errors the framework makes,
//! access log and metrics.

use std::time::Instant;

use actix_web::{
    Error, HttpMessage, ResponseError,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderName, HeaderValue},
    middleware::Next,
    web,
};
use casework_domain::text;
use tracing::Instrument;

use crate::{
    error::{ApiError, MAX_URI_BYTES},
    metrics::Metrics,
    startup::AppState,
};

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled on this task, if any.
#[must_use]
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// The request id, also stored in request extensions.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A caller-supplied id is kept when it is at most 64 characters of `[A-Za-z0-9-]`;
/// anything else is replaced, so log lines cannot be forged through it.
fn accept_request_id(v: Option<&HeaderValue>) -> Option<String> {
    let s = v?.to_str().ok()?;
    (!s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')).then(|| s.to_owned())
}

/// Content-Security-Policy of every API response: nothing may load, nothing may frame it.
pub const API_CSP: &str = "default-src 'none'; frame-ancestors 'none'";
/// Content-Security-Policy of the Swagger UI under `/docs`: its own bundled scripts, styles
/// and images (the stylesheet embeds SVG icons as `data:` URIs) and requests to this
/// origin (the spec, "try it out"); no inline script (its `index.html` has none; the
/// configuration is the file `swagger-initializer.js`), nothing from elsewhere, no framing.
pub const DOCS_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/// Sent only when the service is configured as served over HTTPS (`CASEWORK_PUBLIC_HTTPS`).
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

fn is_docs(path: &str) -> bool {
    path == "/docs" || path.starts_with("/docs/")
}

/// Requests refused before routing: an over-long target (414), or a query string holding
/// a control character or bidi override once percent-decoded (400). No query parameter
/// is free text, so none needs one; refusing here covers every endpoint, present or
/// future, before a value can reach the database or a log.
fn refuse_early(req: &ServiceRequest) -> Option<ApiError> {
    let target_len = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if target_len > MAX_URI_BYTES {
        return Some(ApiError::UriTooLong);
    }
    let query = req.query_string();
    if query.is_empty() {
        return None;
    }
    // Unparsable query strings are left to the endpoint's query extractor (400).
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    pairs
        .iter()
        .find(|(k, v)| k.chars().any(text::refused_in_label) || v.chars().any(text::refused_in_label))
        .map(|(k, _)| {
            ApiError::BadRequest(format!(
                "query parameter `{}` contains a control character or bidirectional override",
                k.escape_debug()
            ))
        })
}

/// Whether an error response was made by the framework or a middleware (plain text or
/// empty) rather than as a problem document or an OAuth error.
fn needs_problem(res: &ServiceResponse<BoxBody>) -> bool {
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return false;
    }
    let ct = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    !(ct.starts_with("application/problem+json") || ct.starts_with("application/json"))
}

/// Rewrites a framework-made error as problem+json, keeping its status and headers.
async fn as_problem(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let status = res.status();
    let (req, resp) = res.into_parts();
    let kept: Vec<(HeaderName, HeaderValue)> = resp
        .headers()
        .iter()
        .filter(|(k, _)| *k != header::CONTENT_TYPE && *k != header::CONTENT_LENGTH)
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // A short plain message (actix-cors explains its refusals) is worth passing on.
    let text = actix_web::body::to_bytes_limited(resp.into_body(), 256)
        .await
        .ok()
        .and_then(Result::ok)
        .and_then(|b| String::from_utf8(b.to_vec()).ok())
        .filter(|t| !t.is_empty() && t.chars().all(|c| c.is_ascii() && !c.is_ascii_control()));
    let detail = text.unwrap_or_else(|| status.canonical_reason().unwrap_or("Error").to_owned());
    let mut new = ApiError::Status(status, detail).error_response();
    for (k, v) in kept {
        new.headers_mut().insert(k, v);
    }
    ServiceResponse::new(req, new)
}

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = accept_request_id(req.headers().get(&X_REQUEST_ID)).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let public_https = req.app_data::<web::Data<AppState>>().is_some_and(|s| s.public_https);
    let method = req.method().clone();
    let docs = is_docs(req.path());
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = tracing::field::Empty);
    let started = Instant::now();
    // (A request cannot be cloned here, so an `Err` of an inner service, which the
    // framework renders later, passes through as it did before; CORS and handlers answer
    // with responses.)
    let mut res = REQUEST_ID
        .scope(id.clone(), async move {
            let res = match refuse_early(&req) {
                Some(e) => req.into_response(e.error_response()),
                None => next.call(req).await?.map_into_boxed_body(),
            };
            Ok::<_, Error>(if needs_problem(&res) {
                as_problem(res).await
            } else {
                res
            })
        })
        .instrument(span.clone())
        .await?;

    let route = res.request().match_pattern().unwrap_or_else(|| "unmatched".to_owned());
    let status = res.status().as_u16();
    let elapsed = started.elapsed();
    span.record("route", route.as_str());
    // The route pattern, never the concrete path or query: those can carry identifiers.
    tracing::info!(parent: &span, status, duration_ms = elapsed.as_secs_f64() * 1000.0, "handled");
    if let Some(m) = metrics {
        m.observe(method.as_str(), &route, status, elapsed);
    }

    let headers = res.headers_mut();
    headers.insert(
        X_REQUEST_ID,
        HeaderValue::from_str(&id).unwrap_or(HeaderValue::from_static("invalid")),
    );
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(if docs { DOCS_CSP } else { API_CSP }),
    );
    if public_https {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    if !route.starts_with("/docs") {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_id_acceptance() {
        let ok = HeaderValue::from_static("abc-123");
        assert_eq!(accept_request_id(Some(&ok)).as_deref(), Some("abc-123"));
        for bad in ["", "has space", "semi;colon", "tab\t"] {
            let v = HeaderValue::from_str(bad).unwrap_or(HeaderValue::from_static("x y"));
            assert_eq!(accept_request_id(Some(&v)), None, "{bad:?}");
        }
        let long = HeaderValue::from_str(&"a".repeat(65)).unwrap();
        assert_eq!(accept_request_id(Some(&long)), None);
    }

    #[test]
    fn query_strings_with_control_characters_are_refused() {
        use actix_web::test::TestRequest;
        for bad in ["reference=%00", "a=1&b=x%1By", "x%00=1", "r=%E2%80%AE", "r=%C2%85"] {
            let req = TestRequest::get().uri(&format!("/v1/cases?{bad}")).to_srv_request();
            assert!(matches!(refuse_early(&req), Some(ApiError::BadRequest(_))), "{bad}");
        }
        for ok in ["", "reference=IIPS-2026-000001", "q=caf%C3%A9&limit=2", "a=%20b"] {
            let req = TestRequest::get().uri(&format!("/v1/cases?{ok}")).to_srv_request();
            assert!(refuse_early(&req).is_none(), "{ok}");
        }
        let long = TestRequest::get()
            .uri(&format!("/v1/cases?x={}", "a".repeat(MAX_URI_BYTES)))
            .to_srv_request();
        assert!(matches!(refuse_early(&long), Some(ApiError::UriTooLong)));
    }
}
