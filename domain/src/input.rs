//! Parsing what callers send. Every write arrives as a lenient wire shape (fields the
//! contract requires are still `Option`, so that one answer can name every missing field)
//! and becomes a validated domain type through exactly one `parse`, which trims, checks
//! every rule and reports all field errors at once. Store functions accept only the
//! validated types; [`Parsed`] is the proof they carry.

use crate::error::{FieldError, Validation};

/// Proof that a value came out of a `parse` in this crate: its field is private, so code
/// outside the domain cannot build a validated type by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Parsed(());

/// Only the domain's parsers (and its stores, reading what was validated before) mint it.
pub(crate) const PARSED: Parsed = Parsed(());

impl Validation {
    /// A field the contract requires: records `required` when absent.
    pub fn required<T>(&mut self, field: &str, value: Option<T>) -> Option<T> {
        if value.is_none() {
            self.push(FieldError::new(field, "required", "this field is required"));
        }
        value
    }

    /// Optional free text (line breaks and tabs allowed): trimmed; absent stays absent;
    /// empty after trimming is refused (omit the field instead); at most `max` characters.
    pub fn optional_text(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        self.optional(field, value, |s| crate::text::free(field, s, max))
    }

    /// An optional one-line label (no control or bidi characters), trimmed; absent stays
    /// absent; empty after trimming is refused; at most `max` characters.
    pub fn optional_label(&mut self, field: &str, value: Option<&str>, max: usize) -> Option<String> {
        self.optional(field, value, |s| crate::text::label(field, s, max))
    }

    fn optional(
        &mut self,
        field: &str,
        value: Option<&str>,
        parse: impl FnOnce(&str) -> Result<String, FieldError>,
    ) -> Option<String> {
        let raw = value?;
        if raw.trim().is_empty() {
            self.push(FieldError::new(
                field,
                "empty",
                "omit the field instead of sending it empty",
            ));
            return None;
        }
        self.check(parse(raw))
    }

    /// Required free text (notes, descriptions): trimmed, not empty, at most `max`.
    pub fn required_text(&mut self, field: &str, value: Option<&str>, max: usize, what: &str) -> Option<String> {
        let raw = value.unwrap_or_default();
        if raw.trim().is_empty() {
            self.push(FieldError::new(field, "required", what));
            return None;
        }
        self.check(crate::text::free(field, raw, max))
    }

    /// `Ok(value)` when nothing was recorded, else every recorded field error.
    ///
    /// # Errors
    /// Every recorded field error.
    pub fn into_result<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, crate::DomainError> {
        if !self.0.is_empty() {
            return Err(crate::DomainError::Validation(self.0));
        }
        // With no error recorded every required part is present.
        value().ok_or_else(|| {
            crate::DomainError::Validation(vec![FieldError::new("", "invalid", "the request is incomplete")])
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_is_reported() {
        let mut v = Validation::new();
        let a: Option<u8> = v.required("a", None);
        let b = v.optional_text("b", Some("   "), 10);
        let c = v.required_text("c", Some(&"x".repeat(11)), 10, "say something");
        assert!(a.is_none() && b.is_none() && c.is_none());
        let codes: Vec<_> = v.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(codes, [("a", "required"), ("b", "empty"), ("c", "too_long")]);
    }
}
