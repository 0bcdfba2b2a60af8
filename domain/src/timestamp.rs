//! `Ts`: a `jiff::Timestamp` that PostgreSQL can store as `timestamptz`.
//!
//! sqlx has no jiff support, and we keep one date-time library (jiff, with its bundled
//! tz database) for everything. PostgreSQL keeps microseconds since 2000-01-01 UTC, so
//! values are truncated to microseconds on the way in; the [`crate::clock::Clock`] does the
//! same so that what we write is exactly what we read back.

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use sqlx::{
    Decode, Encode, Postgres, Type,
    encode::IsNull,
    error::BoxDynError,
    postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, PgValueFormat, PgValueRef},
};

/// Seconds between the Unix epoch and PostgreSQL's epoch (2000-01-01T00:00:00Z).
const PG_EPOCH_UNIX_SECONDS: i64 = 946_684_800;

/// An instant, stored as `timestamptz`, serialised as RFC 3339 in UTC (`...Z`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ts(pub Timestamp);

impl Ts {
    /// The instant truncated to microseconds (PostgreSQL precision).
    #[must_use]
    pub fn new(t: Timestamp) -> Self {
        Ts(truncate_to_micros(t))
    }

    #[must_use]
    pub fn get(self) -> Timestamp {
        self.0
    }

    #[must_use]
    pub fn plus(self, d: SignedDuration) -> Self {
        Ts::new(self.0.saturating_add(d).unwrap_or(self.0))
    }
}

/// Truncates to whole microseconds.
#[must_use]
pub fn truncate_to_micros(t: Timestamp) -> Timestamp {
    let micros = t.as_microsecond();
    Timestamp::from_microsecond(micros).unwrap_or(t)
}

impl From<Timestamp> for Ts {
    fn from(t: Timestamp) -> Self {
        Ts::new(t)
    }
}

impl From<Ts> for Timestamp {
    fn from(t: Ts) -> Self {
        t.0
    }
}

impl fmt::Display for Ts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl serde::Serialize for Ts {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("timestamptz")
    }
}

impl PgHasArrayType for Ts {
    fn array_type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("_timestamptz")
    }
}

impl Encode<'_, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        let micros = self
            .0
            .as_microsecond()
            .checked_sub(PG_EPOCH_UNIX_SECONDS * 1_000_000)
            .ok_or("timestamp out of range")?;
        <i64 as Encode<Postgres>>::encode(micros, buf)
    }

    fn size_hint(&self) -> usize {
        8
    }
}

impl<'r> Decode<'r, Postgres> for Ts {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        match value.format() {
            PgValueFormat::Binary => {
                let pg_micros = <i64 as Decode<Postgres>>::decode(value)?;
                let unix = pg_micros
                    .checked_add(PG_EPOCH_UNIX_SECONDS * 1_000_000)
                    .ok_or("timestamp out of range")?;
                Ok(Ts(Timestamp::from_microsecond(unix)?))
            }
            // sqlx uses the binary protocol for every prepared statement we issue.
            PgValueFormat::Text => Err("timestamptz in text format is not supported".into()),
        }
    }
}

/// The earliest and latest years an instant may fall in (UTC), and the widest offset it
/// may be written with: nothing the service records lies outside them, and a year 0001
/// or an offset of `+25:00` is a typo or a probe, never a date.
pub const EARLIEST_YEAR: i16 = 1900;
pub const LATEST_YEAR: i16 = 2100;
pub const MAX_OFFSET_SECS: i32 = 14 * 3600;

/// An RFC 3339 instant with an offset, in range ([`EARLIEST_YEAR`]–[`LATEST_YEAR`],
/// offset within ±14:00).
///
/// # Errors
/// What is wrong, for people.
pub fn parse_instant(raw: &str) -> Result<Timestamp, String> {
    let t: Timestamp = raw
        .parse()
        .map_err(|_| "must be an RFC 3339 instant with an offset, e.g. 2026-11-23T08:30:00-07:00".to_owned())?;
    check_instant(raw, t)
}

fn check_instant(raw: &str, t: Timestamp) -> Result<Timestamp, String> {
    let year = t.to_zoned(jiff::tz::TimeZone::UTC).year();
    if !(EARLIEST_YEAR..=LATEST_YEAR).contains(&year) {
        return Err(format!("must fall between the years {EARLIEST_YEAR} and {LATEST_YEAR}"));
    }
    let offset = jiff::fmt::temporal::Pieces::parse(raw)
        .ok()
        .and_then(|p| p.offset())
        .map_or(0, |o| match o {
            jiff::fmt::temporal::PiecesOffset::Numeric(n) => n.offset().seconds(),
            _ => 0,
        });
    if offset.abs() > MAX_OFFSET_SECS {
        return Err("the UTC offset must be within -14:00 and +14:00".to_owned());
    }
    Ok(t)
}

/// The prefix [`strict_option`] gives its errors, so the API can name them
/// `out_of_range` rather than a type error.
pub const OUT_OF_RANGE: &str = "out of range: ";

/// Deserialises an optional instant of a request body with [`parse_instant`]'s checks
/// (`#[serde(default, deserialize_with = "crate::timestamp::strict_option")]`).
///
/// # Errors
/// A malformed instant, or one out of range (message prefixed with [`OUT_OF_RANGE`]).
pub fn strict_option<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Timestamp>, D::Error> {
    use serde::Deserialize;
    let Some(raw) = Option::<String>::deserialize(d)? else {
        return Ok(None);
    };
    let t: Timestamp = raw.parse().map_err(serde::de::Error::custom)?;
    check_instant(&raw, t)
        .map(Some)
        .map_err(|m| serde::de::Error::custom(format!("{OUT_OF_RANGE}{m}")))
}

/// A `date` column as a jiff civil date (PostgreSQL sends days since 2000-01-01).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DbDate(i32);

const PG_EPOCH_DATE: jiff::civil::Date = jiff::civil::Date::constant(2000, 1, 1);

impl DbDate {
    #[must_use]
    pub fn from_civil(d: jiff::civil::Date) -> Self {
        DbDate(PG_EPOCH_DATE.until(d).map_or(0, |s| s.get_days()))
    }

    /// `None` only for dates beyond what jiff represents.
    #[must_use]
    pub fn to_civil(self) -> Option<jiff::civil::Date> {
        PG_EPOCH_DATE
            .checked_add(jiff::Span::new().try_days(i64::from(self.0)).ok()?)
            .ok()
    }
}

impl Type<Postgres> for DbDate {
    fn type_info() -> PgTypeInfo {
        PgTypeInfo::with_name("date")
    }
}

impl Encode<'_, Postgres> for DbDate {
    fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <i32 as Encode<Postgres>>::encode(self.0, buf)
    }
}

impl<'r> Decode<'r, Postgres> for DbDate {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        match value.format() {
            PgValueFormat::Binary => Ok(DbDate(<i32 as Decode<Postgres>>::decode(value)?)),
            PgValueFormat::Text => Err("date in text format is not supported".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_lie_between_1900_and_2100_with_offsets_within_14_hours() {
        for ok in [
            "2026-11-23T08:30:00-07:00",
            "1900-01-01T00:00:00Z",
            "2100-12-31T23:59:59Z",
            "2026-01-01T00:00:00+14:00",
            "2026-01-01T00:00:00-12:00",
        ] {
            assert!(parse_instant(ok).is_ok(), "{ok}");
        }
        for bad in [
            "0001-01-01T00:00:00Z",
            "1899-12-31T23:59:59Z",
            "2101-01-01T00:00:00Z",
            "2026-01-01T00:00:00+25:00",
            "2026-01-01T00:00:00+14:01",
            "2026-01-01T00:00:00-14:30",
            "2026-01-01T00:00:00",
        ] {
            assert!(parse_instant(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_round_trip() {
        for s in ["2000-01-01", "1999-12-31", "2026-11-23", "2100-02-28"] {
            let d: jiff::civil::Date = s.parse().unwrap();
            assert_eq!(DbDate::from_civil(d).to_civil(), Some(d));
        }
        assert_eq!(DbDate::from_civil("2000-01-02".parse().unwrap()), DbDate(1));
    }
}
