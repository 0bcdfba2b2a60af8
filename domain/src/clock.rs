//! The injected source of "now".
//!
//! Nothing in the service reads the time except through a [`Clock`], so tests
//! and demo deployments (`CASEWORK_CLOCK_START`) can put the service at any
//! date, and deadline logic can be exercised across holidays and time-zone
//! rule changes without waiting for them.
//!
//! Every reading is truncated (floored) to whole microseconds, the precision
//! of PostgreSQL's `timestamptz`, so a value written to the database reads
//! back equal to the one that was computed with.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use jiff::{RoundMode, SignedDuration, Timestamp, TimestampRound, Unit};

/// A cheap-to-clone handle on a source of time. Clones share the same
/// source, so moving a fixed clock moves it for every holder.
#[derive(Clone)]
pub struct Clock(Arc<Inner>);

enum Inner {
    /// Real time.
    System,
    /// `base` at `origin`, advancing in real time from there.
    Running(Mutex<(Timestamp, Instant)>),
    /// Frozen at a value that only `set`/`advance` change.
    Fixed(Mutex<Timestamp>),
}

impl Clock {
    /// Real time.
    pub fn system() -> Self {
        Self(Arc::new(Inner::System))
    }

    /// Starts at `start` and advances in real time from the moment of this
    /// call.
    pub fn starting_at(start: Timestamp) -> Self {
        Self(Arc::new(Inner::Running(Mutex::new((start, Instant::now())))))
    }

    /// Frozen at `t` until [`set`](Self::set) or [`advance`](Self::advance).
    pub fn fixed(t: Timestamp) -> Self {
        Self(Arc::new(Inner::Fixed(Mutex::new(t))))
    }

    /// The current instant, floored to microseconds.
    pub fn now(&self) -> Timestamp {
        let raw = match &*self.0 {
            Inner::System => Timestamp::now(),
            Inner::Running(state) => {
                let (base, origin) = *state.lock().unwrap_or_else(PoisonError::into_inner);
                let elapsed = SignedDuration::try_from(origin.elapsed()).unwrap_or(SignedDuration::MAX);
                base.checked_add(elapsed).unwrap_or(Timestamp::MAX)
            }
            Inner::Fixed(t) => *t.lock().unwrap_or_else(PoisonError::into_inner),
        };
        to_microseconds(raw)
    }

    /// Whether this is the real clock (not `starting_at` or `fixed`).
    pub fn is_real(&self) -> bool {
        matches!(&*self.0, Inner::System)
    }

    /// Moves the clock to `t` (a running clock keeps running from there).
    /// Returns `false`, changing nothing, on the system clock.
    pub fn set(&self, t: Timestamp) -> bool {
        match &*self.0 {
            Inner::System => false,
            Inner::Running(state) => {
                *state.lock().unwrap_or_else(PoisonError::into_inner) = (t, Instant::now());
                true
            }
            Inner::Fixed(now) => {
                *now.lock().unwrap_or_else(PoisonError::into_inner) = t;
                true
            }
        }
    }

    /// Moves the clock by `d` (either direction), saturating at the ends of
    /// the representable range. Returns `false`, changing nothing, on the
    /// system clock.
    pub fn advance(&self, d: SignedDuration) -> bool {
        match &*self.0 {
            Inner::System => false,
            Inner::Running(state) => {
                let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
                state.0 = saturating_add(state.0, d);
                true
            }
            Inner::Fixed(now) => {
                let mut now = now.lock().unwrap_or_else(PoisonError::into_inner);
                *now = saturating_add(*now, d);
                true
            }
        }
    }
}

impl fmt::Debug for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match &*self.0 {
            Inner::System => "system",
            Inner::Running(_) => "starting_at",
            Inner::Fixed(_) => "fixed",
        };
        f.debug_struct("Clock")
            .field("kind", &kind)
            .field("now", &self.now())
            .finish()
    }
}

fn saturating_add(t: Timestamp, d: SignedDuration) -> Timestamp {
    t.checked_add(d).unwrap_or(if d.is_negative() {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

fn to_microseconds(t: Timestamp) -> Timestamp {
    // Flooring cannot go below `Timestamp::MIN` (a whole second), so the
    // fallback is never taken.
    t.round(TimestampRound::new().smallest(Unit::Microsecond).mode(RoundMode::Floor))
        .unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("valid timestamp literal")
    }

    #[test]
    fn fixed_clock_is_frozen_and_movable_through_clones() {
        let clock = Clock::fixed(ts("2026-11-23T15:30:00Z"));
        let shared = clock.clone();
        assert!(!clock.is_real());
        assert_eq!(clock.now(), ts("2026-11-23T15:30:00Z"));
        assert_eq!(clock.now(), clock.now());

        assert!(shared.advance(SignedDuration::from_hours(24)));
        assert_eq!(clock.now(), ts("2026-11-24T15:30:00Z"));
        assert!(shared.advance(SignedDuration::from_secs(-90)));
        assert_eq!(clock.now(), ts("2026-11-24T15:28:30Z"));

        assert!(shared.set(ts("2030-01-01T00:00:00Z")));
        assert_eq!(clock.now(), ts("2030-01-01T00:00:00Z"));
    }

    #[test]
    fn now_is_floored_to_microseconds() {
        let clock = Clock::fixed(ts("2026-01-02T03:04:05.123456789Z"));
        assert_eq!(clock.now(), ts("2026-01-02T03:04:05.123456Z"));
        let before_epoch = Clock::fixed(ts("1969-12-31T23:59:59.999999999Z"));
        assert_eq!(before_epoch.now(), ts("1969-12-31T23:59:59.999999Z"));
        assert_eq!(Clock::system().now().subsec_nanosecond() % 1_000, 0);
    }

    #[test]
    fn advance_saturates() {
        let clock = Clock::fixed(ts("2026-01-01T00:00:00Z"));
        assert!(clock.advance(SignedDuration::MAX));
        assert_eq!(clock.now(), ts("9999-12-30T22:00:00.999999Z"));
        assert!(clock.advance(SignedDuration::MIN));
        assert!(clock.advance(SignedDuration::MIN));
        assert_eq!(clock.now(), Timestamp::MIN);
    }

    #[test]
    fn starting_at_runs_from_its_start() {
        let start = ts("2026-11-23T15:30:00Z");
        let clock = Clock::starting_at(start);
        assert!(!clock.is_real());
        let first = clock.now();
        assert!(first >= start);
        assert!(first < start + SignedDuration::from_secs(60));
        assert!(clock.now() >= first);

        assert!(clock.advance(SignedDuration::from_hours(1)));
        assert!(clock.now() >= start + SignedDuration::from_hours(1));
        assert!(clock.set(ts("2030-06-01T00:00:00Z")));
        let later = clock.now();
        assert!(later >= ts("2030-06-01T00:00:00Z"));
        assert!(later < ts("2030-06-01T00:01:00Z"));
    }

    #[test]
    fn system_clock_is_real_and_cannot_be_moved() {
        let clock = Clock::system();
        assert!(clock.is_real());
        let before = clock.now();
        assert!(!clock.set(ts("2000-01-01T00:00:00Z")));
        assert!(!clock.advance(SignedDuration::from_hours(-24)));
        assert!(clock.now() >= before);
        assert!(format!("{clock:?}").contains("system"));
    }
}
