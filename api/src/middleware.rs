//! Per-request context: the request id (accepted or generated, echoed, logged and quoted
//! in problem documents), security headers, access log and metrics.

use std::time::Instant;

use actix_web::{
    Error, HttpMessage,
    body::MessageBody,
    dev::{ServiceRequest, ServiceResponse},
    http::header::{self, HeaderName, HeaderValue},
    middleware::Next,
    web,
};
use tracing::Instrument;

use crate::metrics::Metrics;

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

pub async fn request_context(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, Error> {
    let id = accept_request_id(req.headers().get(&X_REQUEST_ID)).unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = req.method().clone();
    let span = tracing::info_span!("request", request_id = %id, method = %method, route = tracing::field::Empty);
    let started = Instant::now();
    let result = REQUEST_ID
        .scope(id.clone(), next.call(req))
        .instrument(span.clone())
        .await;
    let mut res = result?;

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
}
