//! Web addresses: the check every stored http(s) URL passes, and the normal form two URLs
//! are compared in (a takedown URL against an evidence URL, or against another takedown
//! URL of the same request).
//!
//! # What is checked
//!
//! An absolute `http` or `https` URL (scheme in any case) with a non-empty host, at most
//! [`URL_MAX_CHARS`] characters, without whitespace, control characters or the characters
//! RFC 3986 never allows unescaped (`<`, `>`, `"`, `\`, `^`, `` ` ``, `{`, `|`, `}`); a
//! port, when given, is a number up to 65535.
//!
//! # The normal form
//!
//! * the scheme and the host are lower-cased (ASCII only);
//! * the default port is dropped (80 for http, 443 for https), and a port written with
//!   leading zeros is written without them; an empty port (`host:`) counts as none;
//! * the fragment (`#...`) is dropped: it never reaches the server;
//! * one trailing `/` of the path is dropped, so `https://x.org/a/` equals
//!   `https://x.org/a` and `https://x.org/` equals `https://x.org`;
//! * the query is kept exactly as written (parameter order and case can matter);
//! * everything else is left untouched: the path's case, percent-encoding (`%41` and `A`
//!   stay different), user information, internationalised host names (Unicode letters are
//!   not case-folded and not converted to punycode), and `.`/`..` segments.
//!
//! Leaving those alone can only make two addresses of the same page look different,
//! never make two different pages look the same: a guard that compares takedown URLs with
//! evidence URLs then errs towards asking for evidence, not towards skipping it.

use crate::error::FieldError;

/// Longest URL accepted anywhere (contract §3, §5).
pub const URL_MAX_CHARS: usize = 2_048;

/// An absolute http(s) URL that passed [`HttpUrl::parse`], kept as written (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    raw: String,
    normal: String,
}

/// Characters RFC 3986 never allows unescaped in a URL.
const FORBIDDEN: &[char] = &['<', '>', '"', '\\', '^', '`', '{', '|', '}'];

impl HttpUrl {
    /// Checks `raw` (trimmed) and computes its normal form.
    ///
    /// # Errors
    /// `too_long` over [`URL_MAX_CHARS`], `invalid_url` otherwise, on `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.chars().count() > URL_MAX_CHARS {
            return Err(FieldError::new(
                field,
                "too_long",
                format!("must be at most {URL_MAX_CHARS} characters"),
            ));
        }
        let normal = normalise(s).ok_or_else(|| {
            FieldError::new(
                field,
                "invalid_url",
                "must be an absolute http or https URL, e.g. https://example.org/post/1",
            )
        })?;
        Ok(Self {
            raw: s.to_owned(),
            normal,
        })
    }

    /// The URL as written (trimmed).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The normal form (see the module documentation).
    #[must_use]
    pub fn normalised(&self) -> &str {
        &self.normal
    }

    #[must_use]
    pub fn into_string(self) -> String {
        self.raw
    }
}

/// The normal form of an http(s) URL, or `None` when `s` is not one (see the module
/// documentation for both).
#[must_use]
pub fn normalise(s: &str) -> Option<String> {
    if s.is_empty()
        || s.chars()
            .any(|c| c.is_whitespace() || c.is_control() || FORBIDDEN.contains(&c))
    {
        return None;
    }
    let (scheme, rest) = s.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    // The fragment goes first: a `?` or `/` inside it belongs to it.
    let rest = rest.split_once('#').map_or(rest, |(before, _)| before);
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path_and_query) = rest.split_at(authority_end);
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = split_host_port(host_port)?;
    if host.is_empty() || userinfo.is_some_and(|u| u.contains('@')) {
        return None;
    }
    let port = match port {
        None | Some("") => None,
        Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
            let n: u32 = p.trim_start_matches('0').parse().unwrap_or(0);
            if n > 65_535 {
                return None;
            }
            (n != default_port).then_some(n)
        }
        Some(_) => return None,
    };
    let path = path.strip_suffix('/').unwrap_or(path);
    let mut out = String::with_capacity(s.len());
    out.push_str(&scheme);
    out.push_str("://");
    if let Some(u) = userinfo {
        out.push_str(u);
        out.push('@');
    }
    out.push_str(&host.to_ascii_lowercase());
    if let Some(p) = port {
        out.push(':');
        out.push_str(&p.to_string());
    }
    out.push_str(path);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    Some(out)
}

/// Splits `host[:port]`, where the host may be a bracketed IPv6 literal.
fn split_host_port(s: &str) -> Option<(&str, Option<&str>)> {
    if s.starts_with('[') {
        let close = s.find(']')?;
        let (host, after) = s.split_at(close + 1);
        return match after {
            "" => Some((host, None)),
            _ => after.strip_prefix(':').map(|p| (host, Some(p))),
        };
    }
    Some(match s.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (s, None),
    })
}

/// Whether two URLs name the same page in the normal form. Anything that is not an http(s)
/// URL equals nothing.
#[must_use]
pub fn same_url(a: &str, b: &str) -> bool {
    matches!((normalise(a.trim()), normalise(b.trim())), (Some(x), Some(y)) if x == y)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_normal_form() {
        let table: &[(&str, &str)] = &[
            ("https://example.org/a", "https://example.org/a"),
            ("HTTPS://Example.ORG/a", "https://example.org/a"),
            ("https://example.org:443/a", "https://example.org/a"),
            ("http://example.org:80/a", "http://example.org/a"),
            ("http://example.org:0080/a", "http://example.org/a"),
            ("https://example.org:80/a", "https://example.org:80/a"),
            ("http://example.org:443/a", "http://example.org:443/a"),
            ("https://example.org:8443/a", "https://example.org:8443/a"),
            ("https://example.org:/a", "https://example.org/a"),
            ("https://example.org/a#comments", "https://example.org/a"),
            ("https://example.org/a?x=1#frag", "https://example.org/a?x=1"),
            ("https://example.org/a#frag?x=1", "https://example.org/a"),
            ("https://example.org/a/", "https://example.org/a"),
            ("https://example.org/", "https://example.org"),
            ("https://example.org", "https://example.org"),
            ("https://example.org?q=1", "https://example.org?q=1"),
            ("https://example.org/?q=1", "https://example.org?q=1"),
            ("https://example.org/a/?q=1", "https://example.org/a?q=1"),
            // Kept as written: query, path case, percent-encoding, IDN, user info.
            ("https://example.org/a?B=2&a=1", "https://example.org/a?B=2&a=1"),
            ("https://example.org/Photo/ABC", "https://example.org/Photo/ABC"),
            ("https://example.org/%41", "https://example.org/%41"),
            ("https://bücher.example/x", "https://bücher.example/x"),
            ("https://BÜCHER.example/x", "https://bÜcher.example/x"),
            ("https://User:Pw@Example.org/x", "https://User:Pw@example.org/x"),
            ("https://[2001:DB8::1]:443/x", "https://[2001:db8::1]/x"),
            ("https://[2001:db8::1]:8080/x", "https://[2001:db8::1]:8080/x"),
            ("https://example.org/a//", "https://example.org/a/"),
        ];
        for (input, want) in table {
            assert_eq!(normalise(input).as_deref(), Some(*want), "{input}");
        }
    }

    #[test]
    fn what_is_not_a_url() {
        for bad in [
            "",
            "example.org/a",
            "ftp://example.org/a",
            "javascript:alert(1)",
            "mailto:a@example.org",
            "https://",
            "https:///path",
            "https://:443/a",
            "https://example.org:99999/a",
            "https://example.org:8o/a",
            "https://exa mple.org/a",
            "https://example.org/a b",
            "https://example.org/<script>",
            "https://[::1/a",
            "https://[::1]x/a",
            "https://a@b@c/",
        ] {
            assert_eq!(normalise(bad), None, "{bad}");
        }
    }

    #[test]
    fn parse_reports_the_field() {
        let u = HttpUrl::parse("urls[2]", "  https://Example.org/a/  ").unwrap();
        assert_eq!(u.as_str(), "https://Example.org/a/");
        assert_eq!(u.normalised(), "https://example.org/a");
        let e = HttpUrl::parse("urls[2]", "ftp://x.org").unwrap_err();
        assert_eq!((e.field.as_str(), e.code), ("urls[2]", "invalid_url"));
        let long = format!("https://example.org/{}", "a".repeat(URL_MAX_CHARS));
        assert_eq!(HttpUrl::parse("website", &long).unwrap_err().code, "too_long");
        let exact = format!("https://e.org/{}", "a".repeat(URL_MAX_CHARS - 14));
        assert_eq!(exact.chars().count(), URL_MAX_CHARS);
        assert!(HttpUrl::parse("website", &exact).is_ok());
    }

    #[test]
    fn same_url_compares_normal_forms() {
        assert!(same_url("https://x.org/p/1/", "HTTPS://X.ORG:443/p/1#c"));
        assert!(!same_url("https://x.org/p/1", "http://x.org/p/1"));
        assert!(!same_url("https://x.org/p/1?a=1", "https://x.org/p/1"));
        assert!(!same_url("not a url", "not a url"));
    }
}
