//! How a letter writes values: dates and instants in its language and the case's zone,
//! and values from the record made safe for one line or set off as a quotation.

use jiff::{Timestamp, civil::Date, tz::TimeZone};

use super::Lang;
use crate::calendar;

/// Collapses line breaks and other control characters of a one-line value into spaces, so
/// that nothing read from the record can open a new header line in a letter.
pub(super) fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control())
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Multi-line caseworker text as lines, each printed by the template behind a quotation
/// mark so that none can pass for a header or a signature.
pub(super) fn quoted(s: &str) -> Vec<String> {
    s.lines().map(one_line).collect()
}

const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// "23 November 2026" or "23 novembre 2026" ("1er" for the first of a month in French).
#[must_use]
pub fn long_date(d: Date, lang: Lang) -> String {
    let m = usize::try_from(d.month() - 1).unwrap_or(0);
    match lang {
        Lang::En => format!("{} {} {}", d.day(), MONTHS_EN[m], d.year()),
        Lang::Fr if d.day() == 1 => format!("1er {} {}", MONTHS_FR[m], d.year()),
        Lang::Fr => format!("{} {} {}", d.day(), MONTHS_FR[m], d.year()),
    }
}

/// An instant in the case's zone, named: "23 November 2026 at 10:00 (America/Vancouver,
/// UTC-08:00)" or "23 novembre 2026 à 10 h 00 (America/Vancouver, UTC-08:00)".
#[must_use]
pub fn local_instant(t: Timestamp, zone: &str, lang: Lang) -> String {
    let tz = TimeZone::get(zone).unwrap_or_else(|_| calendar::office_tz().clone());
    let z = t.to_zoned(tz);
    let offset = z.strftime("%:z");
    let date = long_date(z.date(), lang);
    match lang {
        Lang::En => format!("{date} at {:02}:{:02} ({zone}, UTC{offset})", z.hour(), z.minute()),
        Lang::Fr => format!("{date} à {} h {:02} ({zone}, UTC{offset})", z.hour(), z.minute()),
    }
}

pub(super) fn tz(zone: &str) -> TimeZone {
    TimeZone::get(zone).unwrap_or_else(|_| calendar::office_tz().clone())
}
