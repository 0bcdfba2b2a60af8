//! When the Intimate Images Protection Service is open, and how deadlines that
//! are expressed in business days land on the clock.
//!
//! # Office hours
//!
//! The service answers 08:30–16:30, Monday to Friday, in `America/Vancouver`.
//! British Columbia moved to permanent UTC−7 after the 2026-03-08
//! spring-forward, so there is no fall-back on 2026-11-01. The operating
//! system's tz database on our hosts predates that change and would put every
//! deadline from November 2026 on an hour late, so the zone always comes from
//! the tz database compiled into `jiff` (`tzdb-bundle-always`, 2026e or
//! later), never from `jiff::tz::db()` or `TimeZone::system()`.
//!
//! # Closures
//!
//! The days the office is closed are derived by rule, for any year, rather
//! than read from a table, so that no one has to remember to type next
//! year's holidays in and a deadline never silently lands on one:
//!
//! * Statutory holidays under the B.C. *Employment Standards Act*: New
//!   Year's Day (Jan 1), Family Day (3rd Monday of February), Good Friday,
//!   Victoria Day (the Monday before May 25), Canada Day (Jul 1), B.C. Day
//!   (1st Monday of August), Labour Day (1st Monday of September), National
//!   Day for Truth and Reconciliation (Sep 30), Thanksgiving Day (2nd Monday
//!   of October), Remembrance Day (Nov 11) and Christmas Day (Dec 25).
//! * Days the B.C. Public Service closes although they are not statutory:
//!   Easter Monday and Boxing Day (Dec 26).
//! * Custom closures an administrator adds (a storm, a system move); they are
//!   stored elsewhere and handed to [`OfficeCalendar::new`].
//!
//! Easter is computed with the Anonymous Gregorian (Meeus/Jones/Butcher)
//! algorithm, which is exact for every Gregorian year.
//!
//! A fixed-date holiday that falls on a Saturday or Sunday is observed by the
//! public service on a weekday instead, so the staff (and our deadlines) lose
//! the day either way. The substitute is the next weekday that is not
//! already a closure. Holidays that fall on a weekday keep their own date
//! first, and weekend holidays are then moved in calendar order; this gives
//! the province's published pattern for the Christmas pair:
//!
//! * Christmas on a Saturday: Christmas observed Monday Dec 27, Boxing Day
//!   observed Tuesday Dec 28.
//! * Christmas on a Sunday: Boxing Day stays on Monday Dec 26 and Christmas is
//!   observed Tuesday Dec 27.
//! * Christmas on a Friday: Boxing Day (Saturday) is observed Monday Dec 28.
//!
//! Only the observed weekday is listed as a closure (named e.g.
//! "Christmas Day (observed)"); the weekend date itself is not, because the
//! office is closed on weekends anyway and listing it would show two closures
//! for one holiday. No substitute ever leaves the holiday's calendar year
//! (the latest is Dec 28), which lets lookups work one year at a time.
//!
//! Custom closures never move a statutory or public-service closure: they
//! are simply added to the closed days. A custom closure that coincides with
//! a public one is kept (both are listed) but changes nothing.
//!
//! # Business days
//!
//! A deadline of *n* business days is the close of business (16:30 local) on
//! the *n*-th office day after the local date of the starting instant: what
//! time of day something arrived does not matter, only on which day.
//!
//! # Bounds
//!
//! Every search is bounded. Finding the next office day gives up after
//! [`MAX_CLOSED_RUN_DAYS`] consecutive closed days (only a misconfigured
//! custom closure list can get there), and instants that cannot be
//! represented saturate to [`Timestamp::MAX`] instead of panicking. Callers
//! validate request ranges against [`MAX_BUSINESS_DAYS`] and
//! [`MAX_RANGE_YEARS`].

use std::borrow::Cow;
use std::sync::LazyLock;

use jiff::Timestamp;
use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{TimeZone, TimeZoneDatabase};
use serde::{Deserialize, Serialize};

pub mod store;

#[cfg(test)]
mod tests;

/// IANA name of the office's time zone.
pub const OFFICE_TZ_NAME: &str = "America/Vancouver";

/// Local time the office opens on an office day.
pub const OPENS_AT: Time = Time::constant(8, 30, 0, 0);

/// Local time the office closes on an office day (exclusive).
pub const CLOSES_AT: Time = Time::constant(16, 30, 0, 0);

/// Largest business-day count the HTTP layer accepts.
pub const MAX_BUSINESS_DAYS: u32 = 365;

/// Longest date range, in years, the HTTP layer accepts for listings.
pub const MAX_RANGE_YEARS: i16 = 5;

/// How many consecutive closed days a search for the next office day walks
/// before giving up.
pub const MAX_CLOSED_RUN_DAYS: u32 = 400;

/// First and last year whose public closures are computed once and kept.
const TABLE_FIRST_YEAR: i16 = 2000;
const TABLE_LAST_YEAR: i16 = 2100;

static OFFICE_TZ: LazyLock<TimeZone> = LazyLock::new(|| {
    TimeZoneDatabase::bundled()
        .get(OFFICE_TZ_NAME)
        .expect("the tz database compiled into jiff (tzdb-bundle-always) contains America/Vancouver")
});

static PUBLIC_TABLE: LazyLock<Vec<Vec<Closure>>> = LazyLock::new(|| {
    (TABLE_FIRST_YEAR..=TABLE_LAST_YEAR)
        .map(compute_public_closures)
        .collect()
});

/// The office's time zone, `America/Vancouver` from jiff's bundled database.
pub fn office_tz() -> &'static TimeZone {
    &OFFICE_TZ
}

/// The office-local civil date and time of an instant.
pub fn local_datetime(t: Timestamp) -> DateTime {
    office_tz().to_datetime(t)
}

/// The office-local date of an instant.
pub fn local_date(t: Timestamp) -> Date {
    local_datetime(t).date()
}

/// The instant of an office-local date and time, if it is representable.
///
/// A local time skipped or repeated by a transition resolves like
/// `compatible` disambiguation does; office hours never touch one.
pub fn local_instant(date: Date, time: Time) -> Option<Timestamp> {
    office_tz()
        .to_ambiguous_timestamp(date.to_datetime(time))
        .compatible()
        .ok()
}

/// Why the office is closed on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClosureKind {
    /// A B.C. statutory holiday or its observed substitute.
    Statutory,
    /// A day the B.C. Public Service closes that is not statutory.
    PublicService,
    /// Added by an administrator.
    Custom,
}

/// A day the office is closed (besides weekends).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Closure {
    /// The local date the office is closed.
    pub date: Date,
    /// e.g. `Christmas Day (observed)`.
    pub name: String,
    pub kind: ClosureKind,
}

impl Closure {
    fn new(date: Date, name: impl Into<String>, kind: ClosureKind) -> Self {
        Self {
            date,
            name: name.into(),
            kind,
        }
    }

    /// An administrator-added closure.
    pub fn custom(date: Date, name: impl Into<String>) -> Self {
        Self::new(date, name, ClosureKind::Custom)
    }
}

/// Statutory and public-service closures of `year`, sorted by date.
///
/// Years outside what `jiff` can represent give an empty list.
pub fn public_closures(year: i16) -> Vec<Closure> {
    public_for_year(year).into_owned()
}

fn public_for_year(year: i16) -> Cow<'static, [Closure]> {
    if (TABLE_FIRST_YEAR..=TABLE_LAST_YEAR).contains(&year) {
        let index = usize::try_from(year - TABLE_FIRST_YEAR).unwrap_or(0);
        if let Some(list) = PUBLIC_TABLE.get(index) {
            return Cow::Borrowed(list.as_slice());
        }
    }
    Cow::Owned(compute_public_closures(year))
}

/// Easter Sunday by the Anonymous Gregorian (Meeus/Jones/Butcher) algorithm.
fn easter_sunday(year: i16) -> Option<Date> {
    let y = i32::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    Date::new(year, i8::try_from(month).ok()?, i8::try_from(day).ok()?).ok()
}

fn is_weekend(d: Date) -> bool {
    matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn nth_monday(year: i16, month: i8, nth: i8) -> Option<Date> {
    Date::new(year, month, 1)
        .ok()?
        .nth_weekday_of_month(nth, Weekday::Monday)
        .ok()
}

fn compute_public_closures(year: i16) -> Vec<Closure> {
    let mut closed: Vec<Closure> = Vec::with_capacity(14);
    let mut push = |date: Option<Date>, name: &str, kind: ClosureKind| {
        if let Some(date) = date {
            closed.push(Closure::new(date, name, kind));
        }
    };

    // Holidays defined by weekday: they always fall on a weekday and never move.
    let easter = easter_sunday(year);
    push(nth_monday(year, 2, 3), "Family Day", ClosureKind::Statutory);
    push(
        easter.and_then(|e| e.checked_sub(jiff::Span::new().days(2)).ok()),
        "Good Friday",
        ClosureKind::Statutory,
    );
    push(
        easter.and_then(|e| e.tomorrow().ok()),
        "Easter Monday",
        ClosureKind::PublicService,
    );
    push(
        Date::new(year, 5, 25)
            .ok()
            .and_then(|d| d.nth_weekday(-1, Weekday::Monday).ok()),
        "Victoria Day",
        ClosureKind::Statutory,
    );
    push(nth_monday(year, 8, 1), "B.C. Day", ClosureKind::Statutory);
    push(nth_monday(year, 9, 1), "Labour Day", ClosureKind::Statutory);
    push(nth_monday(year, 10, 2), "Thanksgiving Day", ClosureKind::Statutory);

    // Fixed-date holidays, in calendar order.
    let fixed: [(i8, i8, &str, ClosureKind); 6] = [
        (1, 1, "New Year's Day", ClosureKind::Statutory),
        (7, 1, "Canada Day", ClosureKind::Statutory),
        (
            9,
            30,
            "National Day for Truth and Reconciliation",
            ClosureKind::Statutory,
        ),
        (11, 11, "Remembrance Day", ClosureKind::Statutory),
        (12, 25, "Christmas Day", ClosureKind::Statutory),
        (12, 26, "Boxing Day", ClosureKind::PublicService),
    ];
    let fixed = fixed
        .iter()
        .filter_map(|&(m, d, name, kind)| Some((Date::new(year, m, d).ok()?, name, kind)));

    // Those on a weekday keep their date; the weekend ones are moved after,
    // in calendar order, to the next weekday not already closed.
    let mut moved = Vec::new();
    for (date, name, kind) in fixed {
        if is_weekend(date) || closed.iter().any(|c| c.date == date) {
            moved.push((date, name, kind));
        } else {
            closed.push(Closure::new(date, name, kind));
        }
    }
    for (date, name, kind) in moved {
        let mut day = date;
        // A substitute is at most a few days away; 14 is a generous bound.
        for _ in 0..14 {
            let Ok(next) = day.tomorrow() else { break };
            day = next;
            if !is_weekend(day) && !closed.iter().any(|c| c.date == day) {
                closed.push(Closure::new(day, format!("{name} (observed)"), kind));
                break;
            }
        }
    }

    closed.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.name.cmp(&b.name)));
    closed
}

/// The office calendar: public closures by rule plus custom closures.
#[derive(Clone, Debug, Default)]
pub struct OfficeCalendar {
    /// Sorted by date, then name.
    custom: Vec<Closure>,
}

impl OfficeCalendar {
    /// Statutory and public-service closures only.
    pub fn standard() -> Self {
        Self::default()
    }

    /// Public closures plus the given custom closures (kept as given,
    /// including their `kind`).
    pub fn new(custom: impl IntoIterator<Item = Closure>) -> Self {
        let mut custom: Vec<Closure> = custom.into_iter().collect();
        custom.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.name.cmp(&b.name)));
        Self { custom }
    }

    /// The custom closures this calendar was built with, sorted by date.
    pub fn custom_closures(&self) -> &[Closure] {
        &self.custom
    }

    fn custom_on(&self, d: Date) -> &[Closure] {
        let start = self.custom.partition_point(|c| c.date < d);
        let end = self.custom.partition_point(|c| c.date <= d);
        self.custom.get(start..end).unwrap_or_default()
    }

    /// All closures (every kind) dated `from..=to`, sorted by date.
    pub fn closures_between(&self, from: Date, to: Date) -> Vec<Closure> {
        if from > to {
            return Vec::new();
        }
        let mut out: Vec<Closure> = (from.year()..=to.year())
            .flat_map(|year| public_for_year(year).into_owned())
            .filter(|c| c.date >= from && c.date <= to)
            .collect();
        let start = self.custom.partition_point(|c| c.date < from);
        let end = self.custom.partition_point(|c| c.date <= to);
        out.extend(self.custom.get(start..end).unwrap_or_default().iter().cloned());
        out.sort_by(|a, b| {
            a.date
                .cmp(&b.date)
                .then_with(|| a.kind.cmp(&b.kind))
                .then_with(|| a.name.cmp(&b.name))
        });
        out
    }

    /// The closure on `d`, if any; a public closure wins over a custom one.
    /// Weekends are not closures.
    pub fn closure_on(&self, d: Date) -> Option<Closure> {
        public_for_year(d.year())
            .iter()
            .find(|c| c.date == d)
            .or_else(|| self.custom_on(d).first())
            .cloned()
    }

    /// Whether `d` is a closure day (weekends aside).
    pub fn is_closure_day(&self, d: Date) -> bool {
        !self.custom_on(d).is_empty() || public_for_year(d.year()).iter().any(|c| c.date == d)
    }

    /// Monday to Friday and not closed.
    pub fn is_office_day(&self, d: Date) -> bool {
        !is_weekend(d) && !self.is_closure_day(d)
    }

    /// Whether the office is open at `t`: an office day, 08:30 <= local < 16:30.
    pub fn is_open(&self, t: Timestamp) -> bool {
        let local = local_datetime(t);
        let time = local.time();
        time >= OPENS_AT && time < CLOSES_AT && self.is_office_day(local.date())
    }

    /// The first office day strictly after `d`, within
    /// [`MAX_CLOSED_RUN_DAYS`] days.
    pub fn next_office_day_after(&self, d: Date) -> Option<Date> {
        let mut day = d;
        for _ in 0..MAX_CLOSED_RUN_DAYS {
            day = day.tomorrow().ok()?;
            if self.is_office_day(day) {
                return Some(day);
            }
        }
        None
    }

    /// `t` if the office is open then, else the next opening (08:30 local on
    /// an office day). Saturates to [`Timestamp::MAX`] if there is none
    /// within [`MAX_CLOSED_RUN_DAYS`] days or it is not representable.
    pub fn next_open(&self, t: Timestamp) -> Timestamp {
        self.checked_next_open(t).unwrap_or(Timestamp::MAX)
    }

    /// Like [`next_open`](Self::next_open), but `None` instead of saturating.
    pub fn checked_next_open(&self, t: Timestamp) -> Option<Timestamp> {
        if self.is_open(t) {
            return Some(t);
        }
        let local = local_datetime(t);
        let today = local.date();
        let day = if local.time() < OPENS_AT && self.is_office_day(today) {
            today
        } else {
            self.next_office_day_after(today)?
        };
        local_instant(day, OPENS_AT)
    }

    /// Close of business (16:30 local) on the `n`-th office day after the
    /// local date of `t`. `n == 0` is treated as 1. Saturates to
    /// [`Timestamp::MAX`] if the result is not representable.
    pub fn add_business_days(&self, t: Timestamp, n: u32) -> Timestamp {
        self.checked_add_business_days(t, n).unwrap_or(Timestamp::MAX)
    }

    /// Like [`add_business_days`](Self::add_business_days), but `None`
    /// instead of saturating.
    pub fn checked_add_business_days(&self, t: Timestamp, n: u32) -> Option<Timestamp> {
        let mut day = local_date(t);
        for _ in 0..n.max(1) {
            day = self.next_office_day_after(day)?;
        }
        local_instant(day, CLOSES_AT)
    }

    /// The open intervals `[open, close)` of office days, clipped to
    /// `[from, to)`, sorted and disjoint. Empty if `from >= to`.
    pub fn office_intervals(&self, from: Timestamp, to: Timestamp) -> Vec<(Timestamp, Timestamp)> {
        let mut out = Vec::new();
        if from >= to {
            return out;
        }
        let last = local_date(to);
        let mut day = local_date(from);
        loop {
            if self.is_office_day(day)
                && let (Some(open), Some(close)) = (local_instant(day, OPENS_AT), local_instant(day, CLOSES_AT))
            {
                let start = open.max(from);
                let end = close.min(to);
                if start < end {
                    out.push((start, end));
                }
            }
            if day >= last {
                break;
            }
            match day.tomorrow() {
                Ok(next) => day = next,
                Err(_) => break,
            }
        }
        out
    }
}
