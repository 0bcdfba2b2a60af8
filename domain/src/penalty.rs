//! Penalty exposure from dated legal parameters (contract §6). Pure arithmetic: no I/O, no
//! clock; the caller passes the parameters (see [`store`]) and the instant.
//!
//! A respondent is in breach from `max(comply_by, served_at)`: an order binds a respondent
//! once served, so one served after the deadline is in breach only from service, and one
//! not served by `as_of` is not in breach (0 days). Days non-compliant are every started
//! 24-hour period from that instant to `as_of`, or to the moment compliance was recorded
//! when that is earlier. The daily amount and the cap are the ones in force on the day the
//! breach began (office date): a penalty is governed by the law at the time of the breach. `max_exposure = min(days × daily, cap)`, no cap → no
//! minimum taken.
//!
//! BC (B.C. Reg. 293/2023): an individual at most CAD 500 a day and CAD 10,000 in all, an
//! internet intermediary CAD 5,000 a day and CAD 100,000. Quebec: CAD 500–5,000 a day for a
//! natural person, 5,000–50,000 for a legal person, doubled for a repeat offence, no cap. An
//! `individual` respondent is taken as a natural person and an `internet_intermediary` as a
//! legal person.

pub mod store;

use jiff::{SignedDuration, Timestamp, civil::Date};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{calendar, string_enum};

string_enum! {
    /// The penalty regime of an order: the forum's province.
    pub enum PenaltyJurisdiction { Bc = "bc", Qc = "qc" }
}

string_enum! {
    /// Who a claim is against.
    pub enum RespondentKind { Individual = "individual", InternetIntermediary = "internet_intermediary" }
}

string_enum! {
    pub enum ParameterUnit { Cents = "cents", Multiplier = "multiplier" }
}

/// One dated value of the law. `value: None` means "no limit".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct LegalParameter {
    /// e.g. `bc.penalty.individual.daily_max`.
    pub key: String,
    /// The first day (office date, America/Vancouver) the value applies.
    #[schema(value_type = String, format = Date)]
    pub effective_from: Date,
    /// In `unit`; `null` means no limit.
    pub value: Option<i64>,
}

/// Keys the domain reads.
pub mod keys {
    pub const CRT_DAMAGES_CAP: &str = "crt_bc.damages_cap";
    pub const QC_REPEAT_MULTIPLIER: &str = "qc.penalty.repeat_multiplier";
}

/// Every dated value, as loaded from `legal_parameters`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegalParameters(pub Vec<LegalParameter>);

impl LegalParameters {
    /// The value of `key` in force on `date`: the row with the latest `effective_from` on or
    /// before it; `None` when the law had no such value yet.
    #[must_use]
    pub fn in_force(&self, key: &str, date: Date) -> Option<&LegalParameter> {
        self.0
            .iter()
            .filter(|p| p.key == key && p.effective_from <= date)
            .max_by_key(|p| p.effective_from)
    }

    /// The CRT damages cap in force at `at` (office date), in cents.
    #[must_use]
    pub fn crt_damages_cap(&self, at: Timestamp) -> Option<&LegalParameter> {
        self.in_force(keys::CRT_DAMAGES_CAP, calendar::local_date(at))
    }
}

/// What the exposure of one binding depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BindingFacts {
    pub jurisdiction: PenaltyJurisdiction,
    pub respondent_kind: RespondentKind,
    pub comply_by: Timestamp,
    /// When compliance was recorded, if it was.
    pub complied_at: Option<Timestamp>,
    /// When the order was served on the respondent, if it was: a respondent is not in
    /// breach before service.
    pub served_at: Option<Timestamp>,
    /// Quebec only: a repeat offence doubles the daily range.
    pub repeat_offence: bool,
}

/// The exposure of one binding, with the figures used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exposure {
    pub days_non_compliant: i64,
    /// Quebec only: the lowest daily fine (after any doubling).
    pub daily_min_cents: Option<i64>,
    /// The most per day (after any doubling).
    pub daily_max_cents: i64,
    /// `None`: no cap.
    pub cap_cents: Option<i64>,
    pub max_exposure_cents: i64,
    /// Every legal parameter row read.
    pub parameters_used: Vec<LegalParameter>,
}

/// A value the law table does not hold for the date asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("no legal parameter `{key}` in force on {date}")]
pub struct MissingParameter {
    pub key: String,
    pub date: Date,
}

const DAY_SECONDS: i64 = 86_400;

/// Every started 24-hour period from `comply_by` to `until`; none when `until` is not after
/// `comply_by`.
#[must_use]
pub fn days_non_compliant(comply_by: Timestamp, until: Timestamp) -> i64 {
    let late = until.duration_since(comply_by);
    if late <= SignedDuration::ZERO {
        return 0;
    }
    let whole = late.as_secs() / DAY_SECONDS;
    // A started period counts, even one a fraction of a second old.
    if late.as_secs() % DAY_SECONDS > 0 || late.subsec_nanos() > 0 {
        whole + 1
    } else {
        whole
    }
}

fn kind_key(j: PenaltyJurisdiction, k: RespondentKind) -> &'static str {
    match (j, k) {
        (PenaltyJurisdiction::Bc, RespondentKind::Individual) => "bc.penalty.individual",
        (PenaltyJurisdiction::Bc, RespondentKind::InternetIntermediary) => "bc.penalty.internet_intermediary",
        (PenaltyJurisdiction::Qc, RespondentKind::Individual) => "qc.penalty.natural_person",
        (PenaltyJurisdiction::Qc, RespondentKind::InternetIntermediary) => "qc.penalty.legal_person",
    }
}

impl BindingFacts {
    /// When the breach begins: the later of the deadline and service; `None` while the
    /// respondent is not served.
    #[must_use]
    pub fn breach_from(&self) -> Option<Timestamp> {
        self.served_at.map(|s| s.max(self.comply_by))
    }
}

/// The exposure of a binding as of `as_of`.
///
/// # Errors
/// `MissingParameter` when the law table has no daily maximum or cap row in force on the
/// day of the breach (a cap row whose value is `null` means "no cap" and is fine).
pub fn exposure(params: &LegalParameters, f: &BindingFacts, as_of: Timestamp) -> Result<Exposure, MissingParameter> {
    let from = f.breach_from().unwrap_or(f.comply_by);
    let until = match (f.served_at, f.complied_at) {
        // Not served (by `as_of` or at all): no breach.
        (None, _) => from,
        (Some(s), _) if s > as_of => from,
        (Some(_), Some(c)) => c.min(as_of),
        (Some(_), None) => as_of,
    };
    let days = days_non_compliant(from, until);
    let date = calendar::local_date(from);
    let mut used = Vec::new();
    let mut get = |key: String, required: bool| -> Result<Option<i64>, MissingParameter> {
        match params.in_force(&key, date) {
            Some(p) => {
                used.push(p.clone());
                Ok(p.value)
            }
            None if required => Err(MissingParameter { key, date }),
            None => Ok(None),
        }
    };
    let base = kind_key(f.jurisdiction, f.respondent_kind);
    let mut daily_max = get(format!("{base}.daily_max"), true)?.unwrap_or(0);
    let mut daily_min = match f.jurisdiction {
        PenaltyJurisdiction::Qc => get(format!("{base}.daily_min"), false)?,
        PenaltyJurisdiction::Bc => None,
    };
    let cap = get(format!("{base}.cap"), true)?;
    if f.jurisdiction == PenaltyJurisdiction::Qc && f.repeat_offence {
        let m = get(keys::QC_REPEAT_MULTIPLIER.to_owned(), true)?.unwrap_or(1);
        daily_max = daily_max.saturating_mul(m);
        daily_min = daily_min.map(|d| d.saturating_mul(m));
    }
    let uncapped = days.saturating_mul(daily_max);
    let max_exposure_cents = cap.map_or(uncapped, |c| uncapped.min(c));
    Ok(Exposure {
        days_non_compliant: days,
        daily_min_cents: daily_min,
        daily_max_cents: daily_max,
        cap_cents: cap,
        max_exposure_cents,
        parameters_used: used,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(key: &str, from: &str, value: Option<i64>) -> LegalParameter {
        LegalParameter {
            key: key.into(),
            effective_from: from.parse().unwrap(),
            value,
        }
    }

    /// The rows the migration loads.
    fn law() -> LegalParameters {
        LegalParameters(vec![
            p("crt_bc.damages_cap", "2024-01-29", Some(500_000)),
            p("crt_bc.damages_cap", "2026-03-18", Some(7_500_000)),
            p("bc.penalty.individual.daily_max", "2024-01-29", Some(50_000)),
            p("bc.penalty.individual.cap", "2024-01-29", Some(1_000_000)),
            p(
                "bc.penalty.internet_intermediary.daily_max",
                "2024-01-29",
                Some(500_000),
            ),
            p("bc.penalty.internet_intermediary.cap", "2024-01-29", Some(10_000_000)),
            p("qc.penalty.natural_person.daily_min", "2025-06-04", Some(50_000)),
            p("qc.penalty.natural_person.daily_max", "2025-06-04", Some(500_000)),
            p("qc.penalty.natural_person.cap", "2025-06-04", None),
            p("qc.penalty.legal_person.daily_min", "2025-06-04", Some(500_000)),
            p("qc.penalty.legal_person.daily_max", "2025-06-04", Some(5_000_000)),
            p("qc.penalty.legal_person.cap", "2025-06-04", None),
            p("qc.penalty.repeat_multiplier", "2025-06-04", Some(2)),
        ])
    }

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    /// (regime, kind, repeat, complied after, as_of after, days, daily max, cap, exposure).
    type Row = (
        PenaltyJurisdiction,
        RespondentKind,
        bool,
        Option<SignedDuration>,
        SignedDuration,
        i64,
        i64,
        Option<i64>,
        i64,
    );

    const COMPLY_BY: &str = "2026-10-01T23:59:00Z";

    fn days(n: i64) -> SignedDuration {
        SignedDuration::from_hours(24 * n)
    }

    fn facts(j: PenaltyJurisdiction, k: RespondentKind) -> BindingFacts {
        BindingFacts {
            jurisdiction: j,
            respondent_kind: k,
            comply_by: t(COMPLY_BY),
            complied_at: None,
            served_at: Some(t("2026-09-30T09:00:00Z")),
            repeat_offence: false,
        }
    }

    #[test]
    fn the_exposure_table() {
        use PenaltyJurisdiction::{Bc, Qc};
        use RespondentKind::{Individual as Ind, InternetIntermediary as Int};
        let c = t(COMPLY_BY);
        // (regime, kind, repeat, complied after, as_of after, days, daily max, cap, exposure), by hand:
        #[rustfmt::skip]
        let table: &[Row] = &[
            // An individual 7 days late: 7 × 500 = CAD 3,500.
            (Bc, Ind, false, None, days(7), 7, 50_000, Some(1_000_000), 350_000),
            // An individual 30 days late: 30 × 500 = 15,000, capped at CAD 10,000.
            (Bc, Ind, false, None, days(30), 30, 50_000, Some(1_000_000), 1_000_000),
            // An intermediary 3 days late: 3 × 5,000 = CAD 15,000.
            (Bc, Int, false, None, days(3), 3, 500_000, Some(10_000_000), 1_500_000),
            // An intermediary 40 days late: 40 × 5,000 = 200,000, capped at CAD 100,000.
            (Bc, Int, false, None, days(40), 40, 500_000, Some(10_000_000), 10_000_000),
            // Late compliance stops the count: complied 2 days 1 hour late (3 started days),
            // looked at 30 days on: 3 × 500 = CAD 1,500.
            (Bc, Ind, false, Some(days(2) + SignedDuration::from_hours(1)), days(30), 3, 50_000, Some(1_000_000), 150_000),
            // Compliance on time: nothing.
            (Bc, Int, false, Some(SignedDuration::ZERO), days(30), 0, 500_000, Some(10_000_000), 0),
            // A Quebec legal person, repeat offence: 5 days × (50,000 × 2) = CAD 500,000, no cap.
            (Qc, Int, true, None, days(5), 5, 10_000_000, None, 50_000_000),
            // The same without the repeat: 5 × 50,000 = CAD 250,000.
            (Qc, Int, false, None, days(5), 5, 5_000_000, None, 25_000_000),
            // A Quebec natural person 100 days late: 100 × 5,000 = CAD 500,000, no cap.
            (Qc, Ind, false, None, days(100), 100, 500_000, None, 50_000_000),
            // Exactly on comply_by: 0 days; one second late: 1 day.
            (Bc, Ind, false, None, SignedDuration::ZERO, 0, 50_000, Some(1_000_000), 0),
            (Bc, Ind, false, None, SignedDuration::from_secs(1), 1, 50_000, Some(1_000_000), 50_000),
            // 24 hours late is one day; 24 hours and a second, two.
            (Bc, Ind, false, None, days(1), 1, 50_000, Some(1_000_000), 50_000),
            (Bc, Ind, false, None, days(1) + SignedDuration::from_secs(1), 2, 50_000, Some(1_000_000), 100_000),
            // Before the deadline: nothing.
            (Bc, Ind, false, None, -days(1), 0, 50_000, Some(1_000_000), 0),
        ];
        for (i, (j, k, repeat, complied, after, d, daily, cap, max)) in table.iter().enumerate() {
            let mut f = facts(*j, *k);
            f.repeat_offence = *repeat;
            f.complied_at = complied.map(|x| c + x);
            let e = exposure(&law(), &f, c + *after).unwrap();
            assert_eq!(e.days_non_compliant, *d, "row {i}: days");
            assert_eq!(e.daily_max_cents, *daily, "row {i}: daily");
            assert_eq!(e.cap_cents, *cap, "row {i}: cap");
            assert_eq!(e.max_exposure_cents, *max, "row {i}: exposure");
        }
    }

    #[test]
    fn a_respondent_served_late_is_in_breach_from_service() {
        // Deadline 1 November, served 10 November (the case).
        let mut f = facts(PenaltyJurisdiction::Bc, RespondentKind::Individual);
        f.comply_by = t("2026-11-01T23:59:00-07:00");
        f.served_at = Some(t("2026-11-10T10:00:00-07:00"));
        let as_of = |s: &str| exposure(&law(), &f, t(s)).unwrap();
        // As of 4 November, not yet served: nothing (not CAD 2,000).
        assert_eq!(as_of("2026-11-04T12:00:00-07:00").max_exposure_cents, 0);
        // Three days and an hour after service: four started days at CAD 500.
        let e = as_of("2026-11-13T11:00:00-07:00");
        assert_eq!((e.days_non_compliant, e.max_exposure_cents), (4, 200_000));
    }

    #[test]
    fn a_respondent_never_served_is_not_in_breach() {
        let mut f = facts(PenaltyJurisdiction::Bc, RespondentKind::InternetIntermediary);
        f.served_at = None;
        let e = exposure(&law(), &f, f.comply_by + days(10)).unwrap();
        assert_eq!((e.days_non_compliant, e.max_exposure_cents), (0, 0));
    }

    #[test]
    fn the_figures_used_are_listed() {
        let mut f = facts(PenaltyJurisdiction::Qc, RespondentKind::InternetIntermediary);
        f.repeat_offence = true;
        let e = exposure(&law(), &f, f.comply_by + days(1)).unwrap();
        let keys: Vec<&str> = e.parameters_used.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "qc.penalty.legal_person.daily_max",
                "qc.penalty.legal_person.daily_min",
                "qc.penalty.legal_person.cap",
                "qc.penalty.repeat_multiplier"
            ]
        );
        assert_eq!(e.daily_min_cents, Some(1_000_000));
        let bc = exposure(
            &law(),
            &facts(PenaltyJurisdiction::Bc, RespondentKind::Individual),
            f.comply_by,
        )
        .unwrap();
        assert_eq!(bc.parameters_used.len(), 2);
        assert_eq!(bc.daily_min_cents, None);
    }

    #[test]
    fn a_breach_before_the_law_has_no_figures() {
        let mut f = facts(PenaltyJurisdiction::Qc, RespondentKind::Individual);
        f.comply_by = t("2025-01-01T00:00:00Z");
        f.served_at = Some(t("2024-12-20T00:00:00Z"));
        let e = exposure(&law(), &f, t("2025-02-01T00:00:00Z")).unwrap_err();
        assert_eq!(e.key, "qc.penalty.natural_person.daily_max");
    }

    #[test]
    fn the_value_in_force_on_a_date() {
        let law = law();
        let cap = |at: &str| law.crt_damages_cap(t(at)).and_then(|p| p.value);
        assert_eq!(cap("2026-03-01T12:00:00Z"), Some(500_000));
        // The office date decides: 06:59Z on the 18th is still the 17th in Vancouver.
        assert_eq!(cap("2026-03-18T06:59:00Z"), Some(500_000));
        assert_eq!(cap("2026-03-18T07:00:00Z"), Some(7_500_000));
        assert_eq!(cap("2026-04-01T12:00:00Z"), Some(7_500_000));
        assert_eq!(cap("2023-01-01T12:00:00Z"), None);
        // A change in law is a new row.
        let mut changed = law.clone();
        changed.0.push(p("crt_bc.damages_cap", "2030-01-01", Some(10_000_000)));
        assert_eq!(
            changed.crt_damages_cap(t("2030-06-01T12:00:00Z")).and_then(|p| p.value),
            Some(10_000_000)
        );
    }
}
