//! Errors the domain reports. The HTTP layer maps each to one status and problem type.

use serde::Serialize;

/// One rule broken by one field, reported in a 422's `errors` array.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// JSON-pointer-like path, e.g. `client.age`.
    pub field: String,
    /// Stable machine code, e.g. `too_short`.
    pub code: &'static str,
    /// Human-readable explanation.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// Collects field errors so that one response lists every problem at once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Validation(pub Vec<FieldError>);

impl Validation {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    /// Records the error of a fallible parse and returns its value, if any.
    pub fn check<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    /// `Ok(())` when nothing was recorded.
    ///
    /// # Errors
    /// Every recorded field error.
    pub fn finish(self) -> Result<(), DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(self.0))
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Unknown, or not visible to the caller: the two must look the same.
    #[error("not found")]
    NotFound,
    /// The request conflicts with existing state (duplicate, illegal transition).
    #[error("conflict: {0}")]
    Conflict(String),
    /// Guards not met for a transition; every unmet guard is listed.
    #[error("unmet guards: {0:?}")]
    Unmet(Vec<String>),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// `If-Match` names a version that is no longer current.
    #[error("stale version")]
    Stale,
    /// Password hashing is saturated; the caller should retry shortly (503).
    #[error(transparent)]
    Busy(#[from] crate::crypto::Busy),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    /// A failure of ours that is not the database's (a job the queue refused): a 500.
    #[error("internal: {0}")]
    Internal(String),
}

impl From<FieldError> for DomainError {
    fn from(e: FieldError) -> Self {
        DomainError::Validation(vec![e])
    }
}

/// Whether a database error is the violation of the named unique/foreign-key constraint.
#[must_use]
pub fn is_constraint(e: &sqlx::Error, name: &str) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.constraint() == Some(name))
}
