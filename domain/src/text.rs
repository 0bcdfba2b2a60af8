//! Text hygiene for every value a person types: control characters never reach storage,
//! logs or another person's screen.
//!
//! Two kinds of text: *labels* (names, short identifiers: one line, no Unicode `Cc`
//! character at all) and *free text* (notes, summaries, descriptions: `\n`, `\r` and `\t`
//! allowed, every other `Cc` refused). Both refuse the bidirectional overrides and
//! isolates (U+202A–U+202E, U+2066–U+2069), which can make a displayed name read
//! differently from what is stored.

use crate::error::FieldError;

/// The error code of a value holding a refused character.
pub const CONTROL_CHARACTER: &str = "control_character";

/// U+202A–U+202E (embeddings and overrides) and U+2066–U+2069 (isolates).
#[must_use]
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Refused in any text: every `Cc` except `\n`, `\r`, `\t`, and the bidi controls.
#[must_use]
pub fn refused_in_free_text(c: char) -> bool {
    (c.is_control() && !matches!(c, '\n' | '\r' | '\t')) || is_bidi_control(c)
}

/// Refused in labels: every `Cc` and the bidi controls.
#[must_use]
pub fn refused_in_label(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

fn control_error(field: &str, free: bool) -> FieldError {
    FieldError::new(
        field,
        CONTROL_CHARACTER,
        if free {
            "must not contain control characters other than line breaks and tabs, nor bidirectional overrides"
        } else {
            "must not contain control characters, line breaks or bidirectional overrides"
        },
    )
}

/// The one check behind [`label`] and [`free`]: refuses the characters that kind of text
/// refuses (the message says whether line breaks are allowed), then trims and bounds.
fn checked(field: &str, raw: &str, max: usize, free: bool) -> Result<String, FieldError> {
    let refused = if free { refused_in_free_text } else { refused_in_label };
    if raw.chars().any(refused) {
        return Err(control_error(field, free));
    }
    trimmed(field, raw, max)
}

/// Trimmed, 1–`max` characters, with no character check. Only for the few fields that
/// have never refused control characters (a platform's instructions and notes, takedown
/// reasons); everything else goes through [`label`] or [`free`].
///
/// # Errors
/// `required` or `too_long`, naming `field`.
pub(crate) fn trimmed(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    let s = raw.trim();
    if s.is_empty() {
        return Err(FieldError::new(field, "required", "must not be empty"));
    }
    if s.chars().count() > max {
        return Err(FieldError::new(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        ));
    }
    Ok(s.to_owned())
}

/// A one-line label: trimmed, 1–`max` characters, no control or bidi characters.
///
/// # Errors
/// `required`, `too_long` or `control_character`, naming `field`.
pub fn label(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    checked(field, raw, max, false)
}

/// Free text: trimmed at both ends, 1–`max` characters, line breaks and tabs allowed.
///
/// # Errors
/// `required`, `too_long` or `control_character`, naming `field`.
pub fn free(field: &str, raw: &str, max: usize) -> Result<String, FieldError> {
    checked(field, raw, max, true)
}

/// Checks a value without changing it (identifiers, secrets, filters): `label` rules on
/// the characters only.
///
/// # Errors
/// `control_character`, naming `field`.
pub fn no_controls(field: &str, raw: &str) -> Result<(), FieldError> {
    if raw.chars().any(refused_in_label) {
        Err(control_error(field, false))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_refuse_every_control_and_bidi_character() {
        assert_eq!(label("n", "  Ana  ", 10).unwrap(), "Ana");
        for bad in [
            "a\u{0}b",
            "a\nb",
            "a\tb",
            "a\u{7f}b",
            "a\u{85}b",
            "a\u{202E}b",
            "a\u{2066}b",
            "a\u{2069}",
        ] {
            assert_eq!(label("n", bad, 10).unwrap_err().code, CONTROL_CHARACTER, "{bad:?}");
        }
        assert_eq!(label("n", "   ", 10).unwrap_err().code, "required");
        assert_eq!(label("n", "abcdefghijk", 10).unwrap_err().code, "too_long");
        // Letters of any script, and the zero-width joiner of emoji sequences, are fine.
        assert!(label("n", "Zoë 李 👩\u{200D}💻", 20).is_ok());
    }

    #[test]
    fn free_text_keeps_line_breaks_and_tabs_only() {
        assert_eq!(free("b", " line 1\r\n\tline 2 ", 100).unwrap(), "line 1\r\n\tline 2");
        for bad in ["a\u{0}", "a\u{1b}[31m", "a\u{7}", "a\u{202D}", "a\u{9f}"] {
            assert_eq!(free("b", bad, 100).unwrap_err().code, CONTROL_CHARACTER, "{bad:?}");
        }
        assert_eq!(free("b", "\n\n", 100).unwrap_err().code, "required");
    }

    #[test]
    fn no_controls_checks_without_trimming() {
        assert!(no_controls("x", " spaced ").is_ok());
        assert!(no_controls("x", "nul\u{0}").is_err());
    }
}
