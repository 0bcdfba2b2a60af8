//! The template engine: one template per letter kind and language, rendered from a
//! [`LetterFacts`] and nothing else.

use minijinja::{Environment, UndefinedBehavior};

use super::{Letter, LetterFacts};
use crate::error::DomainError;

/// The template of each letter kind and language.
const TEMPLATES: &[(&str, &str)] = &[
    ("email.en", include_str!("templates/email.en.txt")),
    ("email.fr", include_str!("templates/email.fr.txt")),
    (
        "copyright_notice_ca.en",
        include_str!("templates/copyright_notice_ca.en.txt"),
    ),
    (
        "copyright_notice_ca.fr",
        include_str!("templates/copyright_notice_ca.fr.txt"),
    ),
    ("dmca_notice.en", include_str!("templates/dmca_notice.en.txt")),
    ("dmca_notice.fr", include_str!("templates/dmca_notice.fr.txt")),
    ("cease_and_desist.en", include_str!("templates/cease_and_desist.en.txt")),
    ("cease_and_desist.fr", include_str!("templates/cease_and_desist.fr.txt")),
    ("order_service.en", include_str!("templates/order_service.en.txt")),
    ("order_service.fr", include_str!("templates/order_service.fr.txt")),
];

/// The template environment: plain text, so auto-escaping is off; an undefined value is an
/// error rather than an empty string, so a misspelt fact cannot vanish from a letter. Values
/// are data, never template source: a caseworker's `{{` is printed as written.
fn environment() -> &'static Environment<'static> {
    static ENV: std::sync::OnceLock<Environment<'static>> = std::sync::OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.set_keep_trailing_newline(true);
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                // A test renders every template: this cannot ship.
                tracing::error!(template = name, error = %e, "letter template does not parse");
            }
        }
        env
    })
}

/// Renders a letter from its facts.
///
/// # Errors
/// `Conflict` when the template fails (a test renders every template, so this is a bug).
pub fn render(f: &LetterFacts) -> Result<Letter, DomainError> {
    let name = format!("{}.{}", f.channel, f.lang);
    let text = environment()
        .get_template(&name)
        .and_then(|t| t.render(f))
        .map_err(|e| {
            tracing::error!(template = %name, error = %e, "letter template failed");
            DomainError::Conflict(format!("the {} letter could not be written", f.channel))
        })?;
    Ok(Letter { lang: f.lang, text })
}
