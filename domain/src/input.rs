//! Parsing what callers send. Every write arrives as a lenient wire shape (fields the
//! contract requires are still `Option`, so that one answer can name every missing field)
//! and becomes a validated domain type through exactly one `parse`, which trims, checks
//! every rule and reports all field errors at once. Store functions accept only the
//! validated types; [`Parsed`] is the proof they carry.

use std::{collections::HashSet, hash::Hash};

use jiff::Timestamp;

use crate::{
    error::{FieldError, Validation},
    identity::Label,
};

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

    /// A required part parsed on its own (a nested object, a label): records `required`
    /// when absent, else hands the value to `parse`, which records its own errors.
    pub fn required_with<T, U>(
        &mut self,
        field: &str,
        value: Option<T>,
        parse: impl FnOnce(&mut Self, T) -> Option<U>,
    ) -> Option<U> {
        match value {
            None => self.required(field, None),
            Some(x) => parse(self, x),
        }
    }

    /// A required one-line label (names, titles, sites): `required` when absent, else the
    /// [`Label`] rules (trimmed, 1–200 characters, no control or bidi characters).
    pub fn required_label(&mut self, field: &str, value: Option<&str>) -> Option<String> {
        self.required_with(field, value, |v, s| {
            v.check(Label::parse(field, s)).map(Label::into_string)
        })
    }

    /// A list the contract requires to hold at least one item: `required` when absent,
    /// `too_few` with `message` when empty.
    pub fn non_empty<T>(&mut self, field: &str, value: Option<Vec<T>>, message: &str) -> Option<Vec<T>> {
        match value {
            Some(items) if items.is_empty() => {
                self.push(FieldError::new(field, "too_few", message));
                None
            }
            value => self.required(field, value),
        }
    }

    /// Records `too_many` ("at most `max` `what`") when a list holds more than `max`
    /// items; returns whether it fits.
    pub fn at_most(&mut self, field: &str, len: usize, max: usize, what: &str) -> bool {
        if len > max {
            self.push(FieldError::new(field, "too_many", format!("at most {max} {what}")));
        }
        len <= max
    }

    /// Parses every item of a list with `parse`, handing it the item's path
    /// (`field[i]`), so that each item's errors are recorded; `Some` only when every item
    /// parsed.
    pub fn each<T, U>(
        &mut self,
        field: &str,
        items: impl IntoIterator<Item = T>,
        mut parse: impl FnMut(&mut Self, &str, T) -> Option<U>,
    ) -> Option<Vec<U>> {
        let parsed: Vec<Option<U>> = items
            .into_iter()
            .enumerate()
            .map(|(i, item)| parse(self, &format!("{field}[{i}]"), item))
            .collect();
        parsed.into_iter().collect()
    }

    /// Records `in_future` with `message` when `at` is after `now`; returns whether `at`
    /// is fine (an absent value is).
    pub fn not_in_future(
        &mut self,
        field: &str,
        at: impl Into<Option<Timestamp>>,
        now: Timestamp,
        message: &str,
    ) -> bool {
        let late = at.into().is_some_and(|at| at > now);
        if late {
            self.push(FieldError::new(field, "in_future", message));
        }
        !late
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

    /// An optional text field checked by `parse`: absent stays absent; empty after
    /// trimming is refused (`empty`: omit the field instead).
    pub(crate) fn optional(
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

/// The positions of items equal to an earlier one, to report each repeat on its own path.
#[must_use]
pub fn duplicates<T: Eq + Hash + Copy>(items: impl IntoIterator<Item = T>) -> Vec<usize> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .enumerate()
        .filter_map(|(i, x)| (!seen.insert(x)).then_some(i))
        .collect()
}

/// For tests of a `parse`: the `(field, code)` of every error it reported, none when it
/// passed; any other error fails the test.
#[cfg(test)]
pub(crate) fn field_codes<T>(r: Result<T, crate::DomainError>) -> Vec<(String, &'static str)> {
    match r {
        Ok(_) => Vec::new(),
        Err(crate::DomainError::Validation(v)) => v.into_iter().map(|e| (e.field, e.code)).collect(),
        Err(e) => panic!("unexpected {e:?}"),
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
