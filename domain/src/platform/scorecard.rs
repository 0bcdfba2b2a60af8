//! How fast a platform removes what it is asked to remove, in office days.
//!
//! # Office days between two instants
//!
//! The office days (see [`crate::calendar`]: Monday to Friday in America/Vancouver, less
//! statutory, public-service and custom closures) that fall after the office-local date of
//! the submission, up to and including the office-local date of the removal. The time of
//! day does not matter, only the date, just as for deadlines:
//!
//! * submitted and removed on the same local date: 0;
//! * submitted Friday, removed Saturday: 0 (no office day in between);
//! * submitted Friday, removed Monday: 1; submitted Monday, removed the next Monday: 5;
//! * it is the inverse of [`OfficeCalendar::add_business_days`]: a request answered at its
//!   follow-up deadline `add_business_days(submitted, n)` took exactly `n` office days.
//!
//! A removal recorded before its submission is inconsistent data and is left out.

use jiff::Timestamp;
use uuid::Uuid;

use super::types::{OutcomeCounts, PlatformScorecard};
use crate::{
    calendar::{OfficeCalendar, local_date},
    takedown::TakedownStatus,
};

impl OutcomeCounts {
    /// Adds `n` requests in `status` (e.g. one row of a `GROUP BY status`).
    pub fn add(&mut self, status: TakedownStatus, n: u32) {
        let slot = match status {
            TakedownStatus::Draft => &mut self.draft,
            TakedownStatus::Submitted => &mut self.submitted,
            TakedownStatus::Acknowledged => &mut self.acknowledged,
            TakedownStatus::Removed => &mut self.removed,
            TakedownStatus::PartiallyRemoved => &mut self.partially_removed,
            TakedownStatus::Refused => &mut self.refused,
            TakedownStatus::Escalated => &mut self.escalated,
            TakedownStatus::Withdrawn => &mut self.withdrawn,
        };
        *slot = slot.saturating_add(n);
    }
}

/// A platform's scorecard from its counts by status and the `(submitted_at, resolved_at)`
/// of its requests that reached `removed`.
#[must_use]
pub fn scorecard(
    cal: &OfficeCalendar,
    platform_id: Uuid,
    counts: OutcomeCounts,
    removals: impl IntoIterator<Item = (Timestamp, Timestamp)>,
) -> PlatformScorecard {
    let (median, measured) = median_office_days(cal, removals);
    PlatformScorecard {
        platform_id,
        counts,
        median_business_days_to_removal: median,
        removals_measured: measured,
    }
}

/// Office days after `from`'s local date up to and including `to`'s local date; `None`
/// when `to` is before `from`.
#[must_use]
pub fn office_days_between(cal: &OfficeCalendar, from: Timestamp, to: Timestamp) -> Option<u32> {
    if to < from {
        return None;
    }
    let last = local_date(to);
    let mut day = local_date(from);
    let mut n = 0u32;
    loop {
        match cal.next_office_day_after(day) {
            Some(next) if next <= last => {
                n += 1;
                day = next;
            }
            _ => return Some(n),
        }
    }
}

/// The median of [`office_days_between`] over `(submitted_at, removed_at)` pairs, and how
/// many pairs it was taken over (inconsistent pairs are left out). With an even count the
/// median is the mean of the two middle values (so it may end in .5); with none, `None`.
#[must_use]
pub fn median_office_days(
    cal: &OfficeCalendar,
    pairs: impl IntoIterator<Item = (Timestamp, Timestamp)>,
) -> (Option<f64>, u32) {
    let mut days: Vec<u32> = pairs
        .into_iter()
        .filter_map(|(from, to)| office_days_between(cal, from, to))
        .collect();
    days.sort_unstable();
    let count = u32::try_from(days.len()).unwrap_or(u32::MAX);
    let mid = days.len() / 2;
    let median = match days.len() {
        0 => None,
        n if n % 2 == 1 => days.get(mid).map(|d| f64::from(*d)),
        _ => match (days.get(mid - 1), days.get(mid)) {
            (Some(a), Some(b)) => Some((f64::from(*a) + f64::from(*b)) / 2.0),
            _ => None,
        },
    };
    (median, count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::Closure;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn office_days_between_two_instants() {
        let cal = OfficeCalendar::standard();
        // Vancouver is UTC-7 all year from 2026-03-08.
        let table: &[(&str, &str, Option<u32>)] = &[
            // Same local day, whatever the hours.
            ("2026-11-23T16:00:00Z", "2026-11-24T06:59:59Z", Some(0)),
            // 23:59 local Monday to 00:00 local Tuesday: one office day.
            ("2026-11-24T06:59:00Z", "2026-11-24T07:00:00Z", Some(1)),
            // Friday to Saturday, to Sunday, to Monday.
            ("2026-11-27T17:00:00Z", "2026-11-28T17:00:00Z", Some(0)),
            ("2026-11-27T17:00:00Z", "2026-11-29T17:00:00Z", Some(0)),
            ("2026-11-27T17:00:00Z", "2026-11-30T17:00:00Z", Some(1)),
            // A whole week.
            ("2026-11-23T17:00:00Z", "2026-11-30T17:00:00Z", Some(5)),
            // Across Remembrance Day (Wed 2026-11-11): Mon 9th to Mon 16th is 4.
            ("2026-11-09T17:00:00Z", "2026-11-16T17:00:00Z", Some(4)),
            // Across Christmas, Boxing Day (Sat, observed Mon 28th) and New Year's Day:
            // Wed 23 Dec to Mon 4 Jan: 24, 29, 30, 31 Dec and 4 Jan.
            ("2026-12-23T17:00:00Z", "2027-01-04T17:00:00Z", Some(5)),
            // Submitted on a Saturday: counting starts with Monday.
            ("2026-11-28T17:00:00Z", "2026-11-30T17:00:00Z", Some(1)),
            // Backwards: left out.
            ("2026-11-24T17:00:00Z", "2026-11-23T17:00:00Z", None),
        ];
        for (from, to, want) in table {
            assert_eq!(office_days_between(&cal, t(from), t(to)), *want, "{from} -> {to}");
        }
    }

    #[test]
    fn custom_closures_count_too() {
        let closed = jiff::civil::date(2026, 11, 25);
        let cal = OfficeCalendar::new([Closure::custom(closed, "Storm")]);
        assert_eq!(
            office_days_between(&cal, t("2026-11-23T17:00:00Z"), t("2026-11-30T17:00:00Z")),
            Some(4)
        );
    }

    #[test]
    fn inverse_of_add_business_days() {
        let cal = OfficeCalendar::standard();
        for start in [
            "2026-11-23T17:00:00Z",
            "2026-11-27T23:30:00Z",
            "2026-12-24T01:00:00Z",
            "2026-03-06T20:00:00Z",
        ] {
            for n in 1..=30 {
                let due = cal.add_business_days(t(start), n);
                assert_eq!(office_days_between(&cal, t(start), due), Some(n), "{start} + {n}");
            }
        }
    }

    #[test]
    fn a_scorecard() {
        let cal = OfficeCalendar::standard();
        let mon = t("2026-11-23T17:00:00Z");
        let mut counts = OutcomeCounts::default();
        counts.add(TakedownStatus::Removed, 2);
        counts.add(TakedownStatus::Refused, 1);
        counts.add(TakedownStatus::Removed, 1);
        let id = Uuid::now_v7();
        let card = scorecard(
            &cal,
            id,
            counts,
            [
                (mon, cal.add_business_days(mon, 2)),
                (mon, cal.add_business_days(mon, 4)),
            ],
        );
        assert_eq!(card.counts.removed, 3);
        assert_eq!(card.counts.refused, 1);
        assert_eq!(card.counts.submitted, 0);
        assert_eq!(card.median_business_days_to_removal, Some(3.0));
        assert_eq!(card.removals_measured, 2);
        assert_eq!(card.platform_id, id);
    }

    #[test]
    fn medians() {
        let cal = OfficeCalendar::standard();
        let mon = t("2026-11-23T17:00:00Z");
        let days = |n: u32| cal.add_business_days(mon, n);
        assert_eq!(median_office_days(&cal, []), (None, 0));
        assert_eq!(median_office_days(&cal, [(mon, days(3))]), (Some(3.0), 1));
        assert_eq!(
            median_office_days(&cal, [(mon, days(1)), (mon, days(9)), (mon, days(2))]),
            (Some(2.0), 3)
        );
        assert_eq!(
            median_office_days(&cal, [(mon, days(4)), (mon, days(1)), (mon, days(2)), (mon, days(9))]),
            (Some(3.0), 4)
        );
        assert_eq!(
            median_office_days(&cal, [(mon, days(1)), (mon, days(2))]),
            (Some(1.5), 2)
        );
        // An inconsistent pair is left out of both the median and the count.
        assert_eq!(
            median_office_days(&cal, [(mon, days(2)), (days(5), mon)]),
            (Some(2.0), 1)
        );
    }
}
