//! Web addresses: the check every stored http(s) URL passes, and the normal form two URLs
//! are compared in (a takedown URL against an evidence URL, or against another takedown
//! URL of the same request).
//!
//! # What is checked
//!
//! Every URL is parsed by the WHATWG URL Standard (the `url` crate, as browsers do) and
//! must be an absolute `http` or `https` URL (written with `://`) with a host, at most
//! [`URL_MAX_CHARS`] characters, without whitespace, control characters or the characters
//! RFC 3986 never allows unescaped (`<`, `>`, `"`, `\`, `^`, `` ` ``, `{`, `|`, `}`). Refused
//! everywhere, each with its own code:
//!
//! * user information (`http://user:pass@host/`, even an empty `@`): `userinfo_not_allowed`
//!   — it hides the real host from a reader (`https://bank.example@evil.example/`);
//! * an IPv4 address not written in dotted decimal (`0x7f.1`, `0177.0.0.1`, `127.1`,
//!   `2130706433`), which browsers accept and reviewers misread: `non_canonical_ip`;
//! * a port outside 0–65535: `invalid_url`.
//!
//! Where caseworkers are *sent* (the platform directory: websites and channel addresses),
//! [`HttpUrl::parse_directory`] also refuses a host label that mixes scripts (a Cyrillic
//! `а` among Latin letters): `mixed_script_host`. Latin may mix with Han and Japanese kana,
//! with Han and Bopomofo, or with Han and Hangul, as Unicode's "highly restrictive" level
//! (UTS #39) allows.
//!
//! # What is kept
//!
//! The URL as posted (trimmed), except an internationalised host, which is stored in its
//! ASCII (punycode) form; [`HttpUrl::display`] shows it with the Unicode host again.
//!
//! # The normal form
//!
//! * the scheme and the host are lower-cased, and an internationalised host is written in
//!   punycode (so `bücher.example` and `xn--bcher-kva.example` are the same host);
//! * the default port is dropped (80 for http, 443 for https), and a port written with
//!   leading zeros is written without them; an empty port (`host:`) counts as none;
//! * the fragment (`#...`) is dropped: it never reaches the server;
//! * one trailing `/` of the path is dropped, so `https://x.org/a/` equals
//!   `https://x.org/a` and `https://x.org/` equals `https://x.org`;
//! * the query is kept exactly as written (parameter order and case can matter);
//! * everything else is left untouched: the path's case, percent-encoding (`%41` and `A`
//!   stay different), user information, and `.`/`..` segments.
//!
//! Leaving those alone can only make two addresses of the same page look different,
//! never make two different pages look the same: a guard that compares takedown URLs with
//! evidence URLs then errs towards asking for evidence, not towards skipping it.

use crate::error::FieldError;

/// Longest URL accepted anywhere (contract §3, §5).
pub const URL_MAX_CHARS: usize = 2_048;

/// An absolute http(s) URL that passed [`HttpUrl::parse`]: as posted (trimmed), with an
/// internationalised host in punycode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpUrl {
    raw: String,
    normal: String,
}

/// Characters RFC 3986 never allows unescaped in a URL.
const FORBIDDEN: &[char] = &['<', '>', '"', '\\', '^', '`', '{', '|', '}'];

fn invalid(field: &str) -> FieldError {
    FieldError::new(
        field,
        "invalid_url",
        "must be an absolute http or https URL, e.g. https://example.org/post/1",
    )
}

/// The authority of `s` (`scheme://authority/...`): what lies between `://` and the path,
/// query or fragment.
fn authority(s: &str) -> Option<&str> {
    let rest = s.split_once("://")?.1;
    Some(&rest[..rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len())])
}

/// The host as written in an authority (no user information, no port).
fn written_host(authority: &str) -> &str {
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        return host_port.find(']').map_or(host_port, |i| &host_port[..=i]);
    }
    host_port.split_once(':').map_or(host_port, |(h, _)| h)
}

impl HttpUrl {
    /// Checks `raw` (trimmed): see the module documentation for what is refused.
    ///
    /// # Errors
    /// `too_long` over [`URL_MAX_CHARS`]; `userinfo_not_allowed`; `non_canonical_ip`;
    /// `invalid_url` otherwise; each on `field`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        if s.chars().count() > URL_MAX_CHARS {
            return Err(FieldError::new(
                field,
                "too_long",
                format!("must be at most {URL_MAX_CHARS} characters"),
            ));
        }
        let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://"))
            || s.chars()
                .any(|c| c.is_whitespace() || c.is_control() || FORBIDDEN.contains(&c))
        {
            return Err(invalid(field));
        }
        let parsed = url::Url::parse(s).map_err(|_| invalid(field))?;
        let auth = authority(s).ok_or_else(|| invalid(field))?;
        if auth.contains('@') || !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(FieldError::new(
                field,
                "userinfo_not_allowed",
                "must not carry a user name or password before the host",
            ));
        }
        let written = written_host(auth);
        let host = match parsed.host() {
            Some(url::Host::Ipv4(ip)) if written != ip.to_string() => {
                return Err(FieldError::new(
                    field,
                    "non_canonical_ip",
                    format!("write the IPv4 address in dotted decimal ({ip})"),
                ));
            }
            Some(url::Host::Domain(ascii)) if !written.is_ascii() => Some(ascii.to_owned()),
            Some(_) => None,
            None => return Err(invalid(field)),
        };
        // What was posted, with an internationalised host in its ASCII form.
        let kept = match host {
            Some(ascii) => s.replacen(written, &ascii, 1),
            None => s.to_owned(),
        };
        let normal = normalise(&kept).ok_or_else(|| invalid(field))?;
        Ok(Self { raw: kept, normal })
    }

    /// [`HttpUrl::parse`], and no host label mixing scripts: for addresses caseworkers
    /// are sent to (the platform directory).
    ///
    /// # Errors
    /// As [`HttpUrl::parse`], and `mixed_script_host`.
    pub fn parse_directory(field: &str, raw: &str) -> Result<Self, FieldError> {
        let url = Self::parse(field, raw)?;
        let host = authority(&url.raw).map(written_host).unwrap_or_default();
        if mixes_scripts(host) {
            return Err(mixed_script(field));
        }
        Ok(url)
    }

    /// The URL as kept (an internationalised host in punycode).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The URL for people to read: the host in Unicode.
    #[must_use]
    pub fn display(&self) -> String {
        display(&self.raw)
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

/// A stored URL for people to read: a punycode host shown in Unicode; anything else as
/// it is.
#[must_use]
pub fn display(stored: &str) -> String {
    let Some(host) = authority(stored).map(written_host) else {
        return stored.to_owned();
    };
    if !host
        .split('.')
        .any(|l| l.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("xn--")))
    {
        return stored.to_owned();
    }
    match idna::domain_to_unicode(host) {
        (unicode, Ok(())) => stored.replacen(host, &unicode, 1),
        _ => stored.to_owned(),
    }
}

fn mixed_script(field: &str) -> FieldError {
    FieldError::new(
        field,
        "mixed_script_host",
        "the host mixes writing systems (e.g. a Cyrillic letter among Latin ones), as look-alike addresses do",
    )
}

/// The writing system of a letter, coarsely (by Unicode block); `None` for what every
/// script shares (digits, `-`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    Latin,
    Greek,
    Cyrillic,
    Han,
    Hiragana,
    Katakana,
    Bopomofo,
    Hangul,
    /// Any other block, by its first code point.
    Other(u32),
}

fn script(c: char) -> Option<Script> {
    let n = u32::from(c);
    Some(match n {
        0x30..=0x39 | 0x2D => return None,
        0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Script::Latin,
        0x370..=0x3FF | 0x1F00..=0x1FFF => Script::Greek,
        0x400..=0x52F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3FFFF => Script::Han,
        0x3040..=0x309F => Script::Hiragana,
        0x30A0..=0x30FF | 0x31F0..=0x31FF => Script::Katakana,
        0x3100..=0x312F | 0x31A0..=0x31BF => Script::Bopomofo,
        0x1100..=0x11FF | 0x3130..=0x318F | 0xAC00..=0xD7AF => Script::Hangul,
        _ => Script::Other(n & !0x7F),
    })
}

/// Whether a label's scripts are one, or one of the combinations UTS #39 calls highly
/// restrictive (Latin with Han and kana, with Han and Bopomofo, or with Han and Hangul).
fn label_mixes(label: &str) -> bool {
    use Script::{Bopomofo, Han, Hangul, Hiragana, Katakana, Latin};
    let mut seen: Vec<Script> = label.chars().filter_map(script).collect();
    seen.sort_by_key(|s| format!("{s:?}"));
    seen.dedup();
    if seen.len() <= 1 {
        return false;
    }
    let within = |allowed: &[Script]| seen.iter().all(|s| allowed.contains(s));
    !(within(&[Latin, Han, Hiragana, Katakana]) || within(&[Latin, Han, Bopomofo]) || within(&[Latin, Han, Hangul]))
}

/// Whether any label of `host` (ASCII or Unicode; punycode is decoded) mixes scripts.
#[must_use]
pub fn mixes_scripts(host: &str) -> bool {
    let (unicode, _) = idna::domain_to_unicode(host);
    unicode.split('.').any(label_mixes)
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
    let host = if host.is_ascii() {
        host.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(host).ok()?
    };
    let path = path.strip_suffix('/').unwrap_or(path);
    let mut out = String::with_capacity(s.len());
    out.push_str(&scheme);
    out.push_str("://");
    if let Some(u) = userinfo {
        out.push_str(u);
        out.push('@');
    }
    out.push_str(&host);
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
            ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
            ("https://BÜCHER.example/x", "https://xn--bcher-kva.example/x"),
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
    fn what_is_refused_everywhere() {
        let table: &[(&str, &str)] = &[
            ("http://user:pass@example.org/", "userinfo_not_allowed"),
            ("https://user@example.org/", "userinfo_not_allowed"),
            ("https://@example.org/", "userinfo_not_allowed"),
            ("https://bank.example@evil.example/", "userinfo_not_allowed"),
            ("http://0x7f.1/", "non_canonical_ip"),
            ("http://0x7f000001/", "non_canonical_ip"),
            ("http://0177.0.0.1/", "non_canonical_ip"),
            ("http://127.1/", "non_canonical_ip"),
            ("http://2130706433/", "non_canonical_ip"),
            ("http://1.2.3.04/", "non_canonical_ip"),
            ("http://example.org:99999/", "invalid_url"),
            ("http://example.org:65536/", "invalid_url"),
            ("http:example.org/", "invalid_url"),
            ("https://exa mple.org/", "invalid_url"),
            ("ftp://example.org/", "invalid_url"),
        ];
        for (raw, code) in table {
            assert_eq!(
                HttpUrl::parse("url", raw).map(|u| u.into_string()).unwrap_err().code,
                *code,
                "{raw}"
            );
        }
        for ok in [
            "http://127.0.0.1:8080/a",
            "https://[2001:db8::1]/x",
            "https://example.org:65535/x",
            "https://Example.org/Path?q=%41#frag",
        ] {
            assert_eq!(HttpUrl::parse("url", ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn idn_hosts_are_kept_in_punycode_and_shown_in_unicode() {
        let u = HttpUrl::parse("url", "https://bücher.example/Regal?x=1").unwrap();
        assert_eq!(u.as_str(), "https://xn--bcher-kva.example/Regal?x=1");
        assert_eq!(u.display(), "https://bücher.example/Regal?x=1");
        let p = HttpUrl::parse("url", "https://xn--bcher-kva.example/Regal").unwrap();
        assert_eq!(p.as_str(), "https://xn--bcher-kva.example/Regal");
        assert_eq!(p.normalised(), u.normalised().split('?').next().unwrap());
        assert!(same_url("https://bücher.example/a", "https://XN--BCHER-KVA.example/a/"));
        assert_eq!(display("https://example.org/a"), "https://example.org/a");
    }

    #[test]
    fn the_directory_refuses_hosts_that_mix_scripts() {
        // A Cyrillic "а" (U+0430) in an otherwise Latin name, written or in punycode.
        for bad in [
            "https://\u{430}pple.com/",
            "https://xn--pple-43d.com/",
            "https://p\u{430}ypal.example/",
        ] {
            assert_eq!(
                HttpUrl::parse_directory("website", bad).unwrap_err().code,
                "mixed_script_host",
                "{bad}"
            );
            // Elsewhere (evidence of what was posted) it is kept, in punycode.
            assert!(HttpUrl::parse("url", bad).is_ok(), "{bad}");
        }
        for ok in [
            "https://example.org/",
            "https://bücher.example/",
            "https://пример.рф/",
            "https://пример.com/",
            "https://日本語テキスト.jp/",
            "https://abc日本.jp/",
            "https://한국어abc.kr/",
        ] {
            assert!(HttpUrl::parse_directory("website", ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn same_url_compares_normal_forms() {
        assert!(same_url("https://x.org/p/1/", "HTTPS://X.ORG:443/p/1#c"));
        assert!(!same_url("https://x.org/p/1", "http://x.org/p/1"));
        assert!(!same_url("https://x.org/p/1?a=1", "https://x.org/p/1"));
        assert!(!same_url("not a url", "not a url"));
    }
}
