//! The one error type at the HTTP edge. Every failure becomes RFC 9457
//! `application/problem+json` carrying the request id as `instance`; database and
//! internal errors are logged once and answered opaquely.

use actix_web::{
    HttpResponse, ResponseError,
    http::{Method, StatusCode, header},
};
use casework_domain::{DomainError, FieldError, transitions::TransitionError};
use serde::Serialize;
use utoipa::ToSchema;

use crate::middleware::current_request_id;

/// The longest request target (path and query) we read: longer ones are 414. (Past
/// 64 KiB the HTTP layer itself refuses the request before the application sees it.)
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A relative URI naming the kind of problem, e.g. `/problems/validation-failed`.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation-failed")]
    pub kind: String,
    /// Short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// The request id (also in `X-Request-Id`), to quote when asking for help.
    pub instance: String,
    /// For 422: every field that broke a rule.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<ProblemFieldError>>,
    /// For 409 on a guarded transition: every guard that is not met.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unmet: Option<Vec<String>>,
}

/// One field that broke a rule.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemFieldError {
    /// Path of the field, e.g. `client.age` or `urls[2]`.
    pub field: String,
    /// Stable machine-readable code, e.g. `too_short`.
    pub code: String,
    /// Human-readable explanation.
    pub message: String,
}

impl From<FieldError> for ProblemFieldError {
    fn from(e: FieldError) -> Self {
        Self {
            field: e.field,
            code: e.code.to_owned(),
            message: e.message,
        }
    }
}

/// An OAuth 2.0 error (RFC 6749 §5.2), used only by the token endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct OAuthError {
    /// `invalid_request`, `invalid_client`, `invalid_grant`, `unauthorized_client`,
    /// `unsupported_grant_type` or `invalid_scope`.
    pub error: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("malformed request: {0}")]
    BadRequest(String),
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed(Vec<Method>),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("unmet guards")]
    Unmet(Vec<String>),
    #[error("precondition failed")]
    PreconditionFailed,
    #[error("precondition required")]
    PreconditionRequired,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("idempotency key reused with a different request")]
    IdempotencyMismatch,
    #[error("idempotency key in use by a concurrent request")]
    IdempotencyInProgress,
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    #[error("database unavailable")]
    Unavailable,
    /// Too many password hashes at once; retry shortly.
    #[error("busy")]
    Busy,
    /// A token of an account whose password an admin chose: it opens only
    /// `POST /v1/me/password`.
    #[error("password change required")]
    PasswordChangeRequired,
    #[error("OAuth error {error}")]
    OAuth {
        status: StatusCode,
        error: &'static str,
        description: Option<String>,
    },
    #[error("URI too long")]
    UriTooLong,
    /// An error answered by the framework or a middleware rather than by us (a refused
    /// CORS preflight), rewritten as a problem document.
    #[error("{1}")]
    Status(StatusCode, String),
    #[error("internal error: {0}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// A single-field 422.
    pub fn field(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(field, code, message)])
    }

    pub fn oauth(error: &'static str, description: impl Into<String>) -> Self {
        let status = if error == "invalid_client" {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        ApiError::OAuth {
            status,
            error,
            description: Some(description.into()),
        }
    }

    fn kind(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("malformed-request", "Malformed request"),
            ApiError::Unauthorized(_) => ("unauthorized", "Authentication required"),
            ApiError::Forbidden => ("forbidden", "Not allowed for your role"),
            ApiError::NotFound => ("not-found", "Not found"),
            ApiError::MethodNotAllowed(_) => ("method-not-allowed", "Method not allowed"),
            ApiError::Conflict(_) => ("conflict", "Conflict"),
            ApiError::Unmet(_) => ("unmet-guards", "Guards not met"),
            ApiError::PreconditionFailed => ("precondition-failed", "Stale version"),
            ApiError::PreconditionRequired => ("precondition-required", "If-Match required"),
            ApiError::PayloadTooLarge => ("payload-too-large", "Request body too large"),
            ApiError::UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type"),
            ApiError::Validation(_) => ("validation-failed", "Validation failed"),
            ApiError::IdempotencyMismatch => ("idempotency-key-mismatch", "Idempotency-Key reused"),
            ApiError::IdempotencyInProgress => ("idempotency-key-in-progress", "Request in progress"),
            ApiError::RateLimited { .. } => ("rate-limited", "Too many requests"),
            ApiError::Unavailable => ("service-unavailable", "Service unavailable"),
            ApiError::Busy => ("busy", "Too busy"),
            ApiError::PasswordChangeRequired => ("password-change-required", "Password change required"),
            ApiError::OAuth { .. } => ("oauth", "OAuth error"),
            ApiError::UriTooLong => ("uri-too-long", "URI too long"),
            ApiError::Status(status, _) => match status.as_u16() {
                400 => ("malformed-request", "Malformed request"),
                401 => ("unauthorized", "Authentication required"),
                403 => ("forbidden", "Forbidden"),
                404 => ("not-found", "Not found"),
                405 => ("method-not-allowed", "Method not allowed"),
                413 => ("payload-too-large", "Request body too large"),
                414 => ("uri-too-long", "URI too long"),
                431 => ("headers-too-large", "Request headers too large"),
                500..=599 => ("internal", "Internal error"),
                _ => ("error", "Error"),
            },
            ApiError::Internal(_) => ("internal", "Internal error"),
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::BadRequest(d) => d.clone(),
            ApiError::Unauthorized(d) => (*d).to_owned(),
            ApiError::Forbidden => "your role may not use this function".into(),
            ApiError::NotFound => "no such resource".into(),
            ApiError::MethodNotAllowed(_) => "this resource does not support that method".into(),
            ApiError::Conflict(d) => d.clone(),
            ApiError::Unmet(_) => "the transition's guards are not met".into(),
            ApiError::PreconditionFailed => "the resource changed since you read it; fetch it again".into(),
            ApiError::PreconditionRequired => "send If-Match with the ETag you last read".into(),
            ApiError::PayloadTooLarge => "request bodies are limited to 256 KiB".into(),
            ApiError::UnsupportedMediaType => "send the body as application/json".into(),
            ApiError::Validation(_) => "one or more fields are invalid".into(),
            ApiError::IdempotencyMismatch => "this Idempotency-Key was used with a different request".into(),
            ApiError::IdempotencyInProgress => "a request with this Idempotency-Key is still being processed".into(),
            ApiError::RateLimited { .. } => "slow down and retry later".into(),
            ApiError::Unavailable => "the database is unreachable; retry shortly".into(),
            ApiError::Busy => "too many sign-ins are being checked at once; retry shortly".into(),
            ApiError::PasswordChangeRequired => {
                "set your own password first (POST /v1/me/password); until then this token opens nothing else".into()
            }
            ApiError::OAuth { .. } => String::new(),
            ApiError::UriTooLong => format!("request targets are limited to {} bytes", MAX_URI_BYTES),
            ApiError::Status(_, d) => d.clone(),
            ApiError::Internal(_) => "something went wrong on our side; quote the instance when reporting it".into(),
        }
    }

    fn problem(&self) -> Problem {
        let (slug, title) = self.kind();
        Problem {
            kind: format!("/problems/{slug}"),
            title: title.to_owned(),
            status: self.status_code().as_u16(),
            detail: self.detail(),
            instance: current_request_id().unwrap_or_default(),
            errors: match self {
                ApiError::Validation(errs) => Some(errs.iter().cloned().map(Into::into).collect()),
                _ => None,
            },
            unmet: match self {
                ApiError::Unmet(u) => Some(u.clone()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden => StatusCode::FORBIDDEN,
            ApiError::NotFound => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) | ApiError::Unmet(_) | ApiError::IdempotencyInProgress => StatusCode::CONFLICT,
            ApiError::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            ApiError::PreconditionRequired => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) | ApiError::IdempotencyMismatch => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable | ApiError::Busy => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::PasswordChangeRequired => StatusCode::FORBIDDEN,
            ApiError::OAuth { status, .. } | ApiError::Status(status, _) => *status,
            ApiError::UriTooLong => StatusCode::URI_TOO_LONG,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let ApiError::Internal(e) = self {
            // Logged once, here; the caller sees only the request id.
            tracing::error!(error = %e, "internal error");
        }
        if let ApiError::OAuth {
            status,
            error,
            description,
        } = self
        {
            let mut res = HttpResponse::build(*status);
            if *status == StatusCode::UNAUTHORIZED {
                res.insert_header((header::WWW_AUTHENTICATE, "Basic realm=\"casework\""));
            }
            return res.json(OAuthError {
                error: (*error).to_owned(),
                error_description: description.clone(),
            });
        }
        let mut res = HttpResponse::build(self.status_code());
        res.content_type("application/problem+json");
        match self {
            ApiError::Unauthorized(_) => {
                res.insert_header((
                    header::WWW_AUTHENTICATE,
                    "Bearer realm=\"casework\", error=\"invalid_token\"",
                ));
            }
            ApiError::MethodNotAllowed(methods) => {
                let allow = methods.iter().map(Method::as_str).collect::<Vec<_>>().join(", ");
                res.insert_header((header::ALLOW, allow));
            }
            ApiError::RateLimited { retry_after_secs } => {
                res.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::Unavailable => {
                res.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::Busy => {
                res.insert_header((header::RETRY_AFTER, "1"));
            }
            _ => {}
        }
        res.body(serde_json::to_vec(&self.problem()).unwrap_or_default())
    }
}

/// Whether a database error means "cannot reach the database" rather than "bad query".
fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        // A protocol error means the link to the server is broken (e.g. a proxy that
        // accepts and hangs up), which is an outage, not a bug of ours.
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|c| {
            // Class 08 connection exceptions; 57P01-57P03 shutdown / cannot connect now.
            c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        if is_unavailable(&e) {
            tracing::warn!(error = %e, "database unavailable");
            ApiError::Unavailable
        } else {
            ApiError::Internal(anyhow::Error::new(e))
        }
    }
}

impl From<casework_domain::crypto::Busy> for ApiError {
    fn from(_: casework_domain::crypto::Busy) -> Self {
        ApiError::Busy
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound => ApiError::NotFound,
            DomainError::Conflict(d) => ApiError::Conflict(d),
            DomainError::Unmet(u) => ApiError::Unmet(u),
            DomainError::Validation(v) => ApiError::Validation(v),
            DomainError::Stale => ApiError::PreconditionFailed,
            DomainError::Busy(_) => ApiError::Busy,
            DomainError::Db(e) => e.into(),
            DomainError::Internal(e) => ApiError::Internal(anyhow::anyhow!(e)),
        }
    }
}

impl From<TransitionError> for ApiError {
    fn from(e: TransitionError) -> Self {
        match e {
            TransitionError::Invalid(errors) => ApiError::Validation(errors),
            TransitionError::NotAllowed { .. } => ApiError::Conflict(e.to_string()),
            TransitionError::Forbidden => ApiError::Forbidden,
            TransitionError::Unmet(u) => ApiError::Unmet(u.into_iter().map(str::to_owned).collect()),
        }
    }
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> Self {
        ApiError::Validation(vec![e])
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
