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
    fn dates_round_trip() {
        for s in ["2000-01-01", "1999-12-31", "2026-11-23", "2100-02-28"] {
            let d: jiff::civil::Date = s.parse().unwrap();
            assert_eq!(DbDate::from_civil(d).to_civil(), Some(d));
        }
        assert_eq!(DbDate::from_civil("2000-01-02".parse().unwrap()), DbDate(1));
    }
}
