use jiff::civil::{Date, date};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::*;

fn ts(s: &str) -> Timestamp {
    s.parse().expect("valid timestamp literal")
}

fn d(s: &str) -> Date {
    s.parse().expect("valid date literal")
}

/// Kind implied by a holiday's (base) name, independent of the code under test.
fn expected_kind(name: &str) -> ClosureKind {
    if name.starts_with("Easter Monday") || name.starts_with("Boxing Day") {
        ClosureKind::PublicService
    } else {
        ClosureKind::Statutory
    }
}

const NY: &str = "New Year's Day";
const NY_O: &str = "New Year's Day (observed)";
const FAM: &str = "Family Day";
const GF: &str = "Good Friday";
const EM: &str = "Easter Monday";
const VIC: &str = "Victoria Day";
const CAN: &str = "Canada Day";
const CAN_O: &str = "Canada Day (observed)";
const BC: &str = "B.C. Day";
const LAB: &str = "Labour Day";
const TR: &str = "National Day for Truth and Reconciliation";
const TR_O: &str = "National Day for Truth and Reconciliation (observed)";
const THX: &str = "Thanksgiving Day";
const REM: &str = "Remembrance Day";
const REM_O: &str = "Remembrance Day (observed)";
const XMAS: &str = "Christmas Day";
const XMAS_O: &str = "Christmas Day (observed)";
const BOX: &str = "Boxing Day";
const BOX_O: &str = "Boxing Day (observed)";

/// Worked out by hand from each year's weekday of January 1 and checked
/// against published B.C. holiday calendars.
const EXPECTED: &[(i16, [(&str, &str); 13])] = &[
    (
        2022,
        [
            ("2022-01-03", NY_O),
            ("2022-02-21", FAM),
            ("2022-04-15", GF),
            ("2022-04-18", EM),
            ("2022-05-23", VIC),
            ("2022-07-01", CAN),
            ("2022-08-01", BC),
            ("2022-09-05", LAB),
            ("2022-09-30", TR),
            ("2022-10-10", THX),
            ("2022-11-11", REM),
            ("2022-12-26", BOX),
            ("2022-12-27", XMAS_O),
        ],
    ),
    (
        2024,
        [
            ("2024-01-01", NY),
            ("2024-02-19", FAM),
            ("2024-03-29", GF),
            ("2024-04-01", EM),
            ("2024-05-20", VIC),
            ("2024-07-01", CAN),
            ("2024-08-05", BC),
            ("2024-09-02", LAB),
            ("2024-09-30", TR),
            ("2024-10-14", THX),
            ("2024-11-11", REM),
            ("2024-12-25", XMAS),
            ("2024-12-26", BOX),
        ],
    ),
    (
        2025,
        [
            ("2025-01-01", NY),
            ("2025-02-17", FAM),
            ("2025-04-18", GF),
            ("2025-04-21", EM),
            ("2025-05-19", VIC),
            ("2025-07-01", CAN),
            ("2025-08-04", BC),
            ("2025-09-01", LAB),
            ("2025-09-30", TR),
            ("2025-10-13", THX),
            ("2025-11-11", REM),
            ("2025-12-25", XMAS),
            ("2025-12-26", BOX),
        ],
    ),
    (
        2026,
        [
            ("2026-01-01", NY),
            ("2026-02-16", FAM),
            ("2026-04-03", GF),
            ("2026-04-06", EM),
            ("2026-05-18", VIC),
            ("2026-07-01", CAN),
            ("2026-08-03", BC),
            ("2026-09-07", LAB),
            ("2026-09-30", TR),
            ("2026-10-12", THX),
            ("2026-11-11", REM),
            ("2026-12-25", XMAS),
            ("2026-12-28", BOX_O),
        ],
    ),
    (
        2027,
        [
            ("2027-01-01", NY),
            ("2027-02-15", FAM),
            ("2027-03-26", GF),
            ("2027-03-29", EM),
            ("2027-05-24", VIC),
            ("2027-07-01", CAN),
            ("2027-08-02", BC),
            ("2027-09-06", LAB),
            ("2027-09-30", TR),
            ("2027-10-11", THX),
            ("2027-11-11", REM),
            ("2027-12-27", XMAS_O),
            ("2027-12-28", BOX_O),
        ],
    ),
    (
        2028,
        [
            ("2028-01-03", NY_O),
            ("2028-02-21", FAM),
            ("2028-04-14", GF),
            ("2028-04-17", EM),
            ("2028-05-22", VIC),
            ("2028-07-03", CAN_O),
            ("2028-08-07", BC),
            ("2028-09-04", LAB),
            ("2028-10-02", TR_O),
            ("2028-10-09", THX),
            ("2028-11-13", REM_O),
            ("2028-12-25", XMAS),
            ("2028-12-26", BOX),
        ],
    ),
    (
        2029,
        [
            ("2029-01-01", NY),
            ("2029-02-19", FAM),
            ("2029-03-30", GF),
            ("2029-04-02", EM),
            ("2029-05-21", VIC),
            ("2029-07-02", CAN_O),
            ("2029-08-06", BC),
            ("2029-09-03", LAB),
            ("2029-10-01", TR_O),
            ("2029-10-08", THX),
            ("2029-11-12", REM_O),
            ("2029-12-25", XMAS),
            ("2029-12-26", BOX),
        ],
    ),
    (
        2030,
        [
            ("2030-01-01", NY),
            ("2030-02-18", FAM),
            ("2030-04-19", GF),
            ("2030-04-22", EM),
            ("2030-05-20", VIC),
            ("2030-07-01", CAN),
            ("2030-08-05", BC),
            ("2030-09-02", LAB),
            ("2030-09-30", TR),
            ("2030-10-14", THX),
            ("2030-11-11", REM),
            ("2030-12-25", XMAS),
            ("2030-12-26", BOX),
        ],
    ),
    (
        2031,
        [
            ("2031-01-01", NY),
            ("2031-02-17", FAM),
            ("2031-04-11", GF),
            ("2031-04-14", EM),
            ("2031-05-19", VIC),
            ("2031-07-01", CAN),
            ("2031-08-04", BC),
            ("2031-09-01", LAB),
            ("2031-09-30", TR),
            ("2031-10-13", THX),
            ("2031-11-11", REM),
            ("2031-12-25", XMAS),
            ("2031-12-26", BOX),
        ],
    ),
    (
        2032,
        [
            ("2032-01-01", NY),
            ("2032-02-16", FAM),
            ("2032-03-26", GF),
            ("2032-03-29", EM),
            ("2032-05-24", VIC),
            ("2032-07-01", CAN),
            ("2032-08-02", BC),
            ("2032-09-06", LAB),
            ("2032-09-30", TR),
            ("2032-10-11", THX),
            ("2032-11-11", REM),
            ("2032-12-27", XMAS_O),
            ("2032-12-28", BOX_O),
        ],
    ),
    (
        2033,
        [
            ("2033-01-03", NY_O),
            ("2033-02-21", FAM),
            ("2033-04-15", GF),
            ("2033-04-18", EM),
            ("2033-05-23", VIC),
            ("2033-07-01", CAN),
            ("2033-08-01", BC),
            ("2033-09-05", LAB),
            ("2033-09-30", TR),
            ("2033-10-10", THX),
            ("2033-11-11", REM),
            ("2033-12-26", BOX),
            ("2033-12-27", XMAS_O),
        ],
    ),
    (
        2034,
        [
            ("2034-01-02", NY_O),
            ("2034-02-20", FAM),
            ("2034-04-07", GF),
            ("2034-04-10", EM),
            ("2034-05-22", VIC),
            ("2034-07-03", CAN_O),
            ("2034-08-07", BC),
            ("2034-09-04", LAB),
            ("2034-10-02", TR_O),
            ("2034-10-09", THX),
            ("2034-11-13", REM_O),
            ("2034-12-25", XMAS),
            ("2034-12-26", BOX),
        ],
    ),
    (
        2035,
        [
            ("2035-01-01", NY),
            ("2035-02-19", FAM),
            ("2035-03-23", GF),
            ("2035-03-26", EM),
            ("2035-05-21", VIC),
            ("2035-07-02", CAN_O),
            ("2035-08-06", BC),
            ("2035-09-03", LAB),
            ("2035-10-01", TR_O),
            ("2035-10-08", THX),
            ("2035-11-12", REM_O),
            ("2035-12-25", XMAS),
            ("2035-12-26", BOX),
        ],
    ),
];

#[test]
fn public_closures_match_hand_computed_table() {
    for (year, expected) in EXPECTED {
        let expected: Vec<Closure> = expected
            .iter()
            .map(|(date, name)| Closure::new(d(date), *name, expected_kind(name)))
            .collect();
        assert_eq!(public_closures(*year), expected, "closures of {year}");
    }
}

#[test]
fn table_covers_every_year_2024_to_2035() {
    for year in 2024..=2035 {
        assert!(
            EXPECTED.iter().any(|(y, _)| *y == year),
            "no expected closures for {year}"
        );
    }
}

#[test]
fn easter_sundays() {
    let known = [
        (2000, "2000-04-23"),
        (2024, "2024-03-31"),
        (2025, "2025-04-20"),
        (2026, "2026-04-05"),
        (2027, "2027-03-28"),
        (2028, "2028-04-16"),
        (2029, "2029-04-01"),
        (2030, "2030-04-21"),
        (2031, "2031-04-13"),
        (2032, "2032-03-28"),
        (2033, "2033-04-17"),
        (2034, "2034-04-09"),
        (2035, "2035-03-25"),
        (2038, "2038-04-25"),
        (2285, "2285-03-22"),
    ];
    for (year, easter) in known {
        assert_eq!(easter_sunday(year), Some(d(easter)), "Easter {year}");
    }
}

#[test]
fn public_closures_are_sane_for_1900_to_2200() {
    for year in 1900..=2200 {
        let list = public_closures(year);
        assert_eq!(list.len(), 13, "{year}");
        for pair in list.windows(2) {
            assert!(pair[0].date < pair[1].date, "{year}: {pair:?}");
        }
        for c in &list {
            assert_eq!(c.date.year(), year, "{c:?}");
            assert!(!is_weekend(c.date), "{c:?} on a weekend");
            assert_eq!(c.kind, expected_kind(&c.name), "{c:?}");
        }
    }
}

#[test]
fn public_closures_never_panic_at_the_edges() {
    for year in [i16::MIN, -9999, -1, 0, 1, 1582, 9998, 9999, i16::MAX] {
        let _ = public_closures(year);
    }
    assert!(public_closures(i16::MAX).is_empty());
    assert!(public_closures(i16::MIN).is_empty());
}

#[test]
fn closure_kind_serializes_snake_case() {
    let json = serde_json::to_string(&[ClosureKind::Statutory, ClosureKind::PublicService, ClosureKind::Custom])
        .expect("serializes");
    assert_eq!(json, r#"["statutory","public_service","custom"]"#);
    let c = Closure::custom(date(2026, 12, 24), "Office move");
    let json = serde_json::to_string(&c).expect("serializes");
    assert_eq!(json, r#"{"date":"2026-12-24","name":"Office move","kind":"custom"}"#);
    let back: Closure = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, c);
}

#[test]
fn pinned_utc_offsets() {
    let at = |s: &str| local_instant(d(s), OPENS_AT).expect("representable");
    // Permanent UTC-7 after the 2026 spring-forward: no fall-back in November.
    assert_eq!(at("2026-11-23"), ts("2026-11-23T15:30:00Z"));
    // Standard time (UTC-8) the year before.
    assert_eq!(at("2025-11-24"), ts("2025-11-24T16:30:00Z"));
    assert_eq!(at("2026-03-09"), ts("2026-03-09T15:30:00Z"));
    assert_eq!(at("2027-01-11"), ts("2027-01-11T15:30:00Z"));

    let cal = OfficeCalendar::standard();
    assert!(cal.is_open(ts("2026-11-23T15:30:00Z")));
    assert!(!cal.is_open(ts("2026-11-23T15:29:59Z")));
    assert!(cal.is_open(ts("2026-11-23T23:29:59.999999Z")));
    assert!(!cal.is_open(ts("2026-11-23T23:30:00Z")));
    assert_eq!(local_date(ts("2026-11-24T06:59:59Z")), d("2026-11-23"));
    assert_eq!(local_date(ts("2026-11-24T07:00:00Z")), d("2026-11-24"));
}

#[test]
fn office_days() {
    let cal = OfficeCalendar::standard();
    assert!(cal.is_office_day(d("2026-11-23"))); // Monday
    assert!(!cal.is_office_day(d("2026-11-28"))); // Saturday
    assert!(!cal.is_office_day(d("2026-11-29"))); // Sunday
    assert!(!cal.is_office_day(d("2026-11-11"))); // Remembrance Day
    assert!(!cal.is_office_day(d("2026-12-28"))); // Boxing Day observed
    assert!(!cal.is_open(ts("2026-11-11T18:00:00Z")));
    assert_eq!(cal.closure_on(d("2026-11-23")), None);
    assert_eq!(cal.closure_on(d("2026-12-26")), None); // Saturday itself not listed
    assert_eq!(
        cal.closure_on(d("2026-12-28")),
        Some(Closure::new(d("2026-12-28"), BOX_O, ClosureKind::PublicService))
    );
}

#[test]
fn custom_closures() {
    let storm = Closure::custom(d("2026-11-12"), "Snow day");
    let on_holiday = Closure::custom(d("2026-11-11"), "Duplicate");
    let cal = OfficeCalendar::new([storm.clone(), on_holiday.clone()]);
    assert!(!cal.is_office_day(d("2026-11-12")));
    assert!(cal.is_closure_day(d("2026-11-12")));
    assert_eq!(cal.closure_on(d("2026-11-12")), Some(storm.clone()));
    // The public closure wins on a shared day.
    assert_eq!(
        cal.closure_on(d("2026-11-11")).map(|c| c.kind),
        Some(ClosureKind::Statutory)
    );
    assert_eq!(
        cal.closures_between(d("2026-11-01"), d("2026-11-30")),
        vec![
            Closure::new(d("2026-11-11"), REM, ClosureKind::Statutory),
            on_holiday,
            storm,
        ]
    );
    // The standard calendar is unaffected.
    assert!(OfficeCalendar::standard().is_office_day(d("2026-11-12")));
}

#[test]
fn closures_between_spans_years_inclusive() {
    let cal = OfficeCalendar::new([Closure::custom(d("2027-01-05"), "Move")]);
    let got: Vec<(Date, String)> = cal
        .closures_between(d("2026-12-25"), d("2027-01-05"))
        .into_iter()
        .map(|c| (c.date, c.name))
        .collect();
    assert_eq!(
        got,
        vec![
            (d("2026-12-25"), XMAS.to_owned()),
            (d("2026-12-28"), BOX_O.to_owned()),
            (d("2027-01-01"), NY.to_owned()),
            (d("2027-01-05"), "Move".to_owned()),
        ]
    );
    assert!(cal.closures_between(d("2027-01-06"), d("2027-01-05")).is_empty());
    assert_eq!(cal.closures_between(d("2024-01-01"), d("2028-12-31")).len(), 5 * 13 + 1);
}

#[test]
fn add_business_days_cases() {
    let cal = OfficeCalendar::standard();
    let cases = [
        // Friday before B.C. Day (Mon 2026-08-03), 10:00 PDT -> Tuesday 16:30.
        ("2026-07-31T17:00:00Z", 1, "2026-08-04T23:30:00Z"),
        // Wed 2026-12-23 + 3: Thu 24, (Fri 25, Mon 28 closed) Tue 29, Wed 30.
        ("2026-12-23T18:00:00Z", 3, "2026-12-30T23:30:00Z"),
        // Across New Year: Thu 31, (Fri Jan 1 closed) Mon Jan 4.
        ("2026-12-30T18:00:00Z", 2, "2027-01-04T23:30:00Z"),
        // 2027: Christmas observed Mon 27, Boxing Day observed Tue 28.
        ("2027-12-24T18:00:00Z", 1, "2027-12-29T23:30:00Z"),
        // Friday 16:29 and 16:31 local count from the same day.
        ("2026-11-27T23:29:00Z", 1, "2026-11-30T23:30:00Z"),
        ("2026-11-27T23:31:00Z", 1, "2026-11-30T23:30:00Z"),
        // Friday 17:30 local is already Saturday in UTC; still Friday locally.
        ("2026-11-28T00:30:00Z", 1, "2026-11-30T23:30:00Z"),
        // From a Saturday, the first office day after is Monday.
        ("2026-11-28T18:00:00Z", 1, "2026-11-30T23:30:00Z"),
        ("2026-11-28T18:00:00Z", 5, "2026-12-04T23:30:00Z"),
        // Thursday before Easter: Good Friday and Easter Monday are closed.
        ("2026-04-02T17:00:00Z", 1, "2026-04-07T23:30:00Z"),
        // Across the end of daylight time in 2025 (UTC-8 in November).
        ("2025-10-31T17:00:00Z", 1, "2025-11-04T00:30:00Z"),
        // n == 0 is treated as 1.
        ("2026-11-23T18:00:00Z", 0, "2026-11-24T23:30:00Z"),
        // Ten business days over Remembrance Day.
        ("2026-11-02T18:00:00Z", 10, "2026-11-17T23:30:00Z"),
    ];
    for (from, n, want) in cases {
        assert_eq!(cal.add_business_days(ts(from), n), ts(want), "{from} + {n}");
    }
}

#[test]
fn add_business_days_respects_custom_closures() {
    let cal = OfficeCalendar::new([Closure::custom(d("2026-11-24"), "Move")]);
    assert_eq!(
        cal.add_business_days(ts("2026-11-23T18:00:00Z"), 1),
        ts("2026-11-25T23:30:00Z")
    );
}

#[test]
fn next_open_cases() {
    let cal = OfficeCalendar::new([Closure::custom(d("2026-11-12"), "Snow day")]);
    let cases = [
        // Inside hours: unchanged.
        ("2026-11-23T18:00:00.123456Z", "2026-11-23T18:00:00.123456Z"),
        ("2026-11-23T15:30:00Z", "2026-11-23T15:30:00Z"),
        // Before hours: 08:30 the same day.
        ("2026-11-23T14:00:00Z", "2026-11-23T15:30:00Z"),
        // After hours (17:00 local): next day 08:30.
        ("2026-11-24T00:00:00Z", "2026-11-24T15:30:00Z"),
        // Exactly at closing.
        ("2026-11-23T23:30:00Z", "2026-11-24T15:30:00Z"),
        // Friday evening: Monday 08:30.
        ("2026-11-28T01:00:00Z", "2026-11-30T15:30:00Z"),
        // Remembrance Day (Wed), then the custom closure on Thursday.
        ("2026-11-11T17:00:00Z", "2026-11-13T15:30:00Z"),
        // On the custom closure itself, before hours.
        ("2026-11-12T14:00:00Z", "2026-11-13T15:30:00Z"),
        // Thursday evening before Good Friday: Tuesday after Easter Monday.
        ("2026-04-03T01:00:00Z", "2026-04-07T15:30:00Z"),
        // Christmas Eve evening 2027: Wednesday Dec 29.
        ("2027-12-25T02:00:00Z", "2027-12-29T15:30:00Z"),
        // Before hours, Monday after fall-back in 2025 (UTC-8).
        ("2025-11-03T10:00:00Z", "2025-11-03T16:30:00Z"),
    ];
    for (t, want) in cases {
        assert_eq!(cal.next_open(ts(t)), ts(want), "next_open({t})");
    }
}

#[test]
fn office_intervals_cases() {
    let cal = OfficeCalendar::standard();
    // Thu Dec 24 12:00 local to Tue Dec 29 12:00 local, 2026.
    assert_eq!(
        cal.office_intervals(ts("2026-12-24T19:00:00Z"), ts("2026-12-29T19:00:00Z")),
        vec![
            (ts("2026-12-24T19:00:00Z"), ts("2026-12-24T23:30:00Z")),
            (ts("2026-12-29T15:30:00Z"), ts("2026-12-29T19:00:00Z")),
        ]
    );
    // A whole week in November 2026 with Remembrance Day.
    let week = cal.office_intervals(ts("2026-11-09T00:00:00Z"), ts("2026-11-16T00:00:00Z"));
    assert_eq!(
        week,
        ["09", "10", "12", "13"]
            .iter()
            .map(|day| (
                ts(&format!("2026-11-{day}T15:30:00Z")),
                ts(&format!("2026-11-{day}T23:30:00Z"))
            ))
            .collect::<Vec<_>>()
    );
    // Empty and reversed ranges.
    let t = ts("2026-11-23T18:00:00Z");
    assert!(cal.office_intervals(t, t).is_empty());
    assert!(cal.office_intervals(t, ts("2026-11-23T17:00:00Z")).is_empty());
    // Entirely outside hours.
    assert!(
        cal.office_intervals(ts("2026-11-23T23:30:00Z"), ts("2026-11-24T15:30:00Z"))
            .is_empty()
    );
}

#[test]
fn long_custom_closure_saturates_instead_of_looping() {
    let mut closures = Vec::new();
    let mut day = d("2026-01-01");
    for _ in 0..500 {
        closures.push(Closure::custom(day, "Closed"));
        day = day.tomorrow().expect("in range");
    }
    let cal = OfficeCalendar::new(closures);
    let t = ts("2026-01-05T18:00:00Z");
    assert_eq!(cal.next_open(t), Timestamp::MAX);
    assert_eq!(cal.checked_next_open(t), None);
    assert_eq!(cal.add_business_days(t, 1), Timestamp::MAX);
}

#[test]
fn extreme_instants_do_not_panic() {
    let cal = OfficeCalendar::standard();
    for t in [
        Timestamp::MIN,
        Timestamp::MAX,
        ts("1900-01-01T00:00:00Z"),
        ts("2200-12-31T23:59:59Z"),
    ] {
        let _ = cal.is_open(t);
        let _ = cal.next_open(t);
        let _ = cal.add_business_days(t, MAX_BUSINESS_DAYS);
        let _ = cal.add_business_days(t, 1);
    }
    let _ = cal.office_intervals(ts("9999-12-01T00:00:00Z"), Timestamp::MAX);
    let _ = cal.office_intervals(Timestamp::MIN, ts("-009999-02-01T00:00:00Z"));
}

/// Instants in 2000-01-01..2101-01-01, microsecond precision.
fn instant_2000_2100() -> impl Strategy<Value = Timestamp> {
    (946_684_800_000_000_i64..4_133_980_800_000_000_i64)
        .prop_map(|us| Timestamp::from_microsecond(us).expect("in range"))
}

fn is_close_of_business(cal: &OfficeCalendar, t: Timestamp) -> bool {
    let local = local_datetime(t);
    local.time() == CLOSES_AT && cal.is_office_day(local.date())
}

fn custom_calendar() -> impl Strategy<Value = OfficeCalendar> {
    prop::collection::vec((2000_i16..=2100, 1_i16..=366), 0..20).prop_map(|days| {
        OfficeCalendar::new(days.into_iter().filter_map(|(year, n)| {
            let start = Date::new(year, 1, 1).ok()?;
            let date = start.checked_add(jiff::Span::new().days(n - 1)).ok()?;
            Some(Closure::custom(date, "Custom"))
        }))
    })
}

proptest! {
    #[test]
    fn next_open_is_an_open_fixpoint(cal in custom_calendar(), t in instant_2000_2100()) {
        let open = cal.next_open(t);
        prop_assert!(open >= t);
        prop_assert!(cal.is_open(open));
        prop_assert_eq!(cal.next_open(open), open);
        if cal.is_open(t) {
            prop_assert_eq!(open, t);
        } else {
            // Nothing open strictly between t and the answer.
            prop_assert!(cal.office_intervals(t, open).is_empty());
        }
    }

    #[test]
    fn add_business_days_is_increasing_close_of_business(
        cal in custom_calendar(),
        t in instant_2000_2100(),
        n in 1_u32..=MAX_BUSINESS_DAYS,
    ) {
        let a = cal.add_business_days(t, n);
        let b = cal.add_business_days(t, n + 1);
        prop_assert!(a < b);
        prop_assert!(a > t);
        prop_assert!(is_close_of_business(&cal, a));
        prop_assert!(is_close_of_business(&cal, b));
        // Exactly n office days lie between t's local date (exclusive) and a.
        let first = cal.add_business_days(t, 1);
        prop_assert!(local_date(first) > local_date(t));
        prop_assert!(first <= a);
    }

    #[test]
    fn add_business_days_counts_office_days(
        t in instant_2000_2100(),
        n in 1_u32..=40,
    ) {
        let cal = OfficeCalendar::standard();
        let end = cal.add_business_days(t, n);
        let start = local_date(t);
        let mut count = 0_u32;
        let mut day = start;
        while day < local_date(end) {
            day = day.tomorrow().expect("in range");
            if cal.is_office_day(day) {
                count += 1;
            }
        }
        prop_assert_eq!(count, n);
    }

    #[test]
    fn office_intervals_are_sorted_disjoint_and_open(
        cal in custom_calendar(),
        from in instant_2000_2100(),
        len_minutes in 0_i64..(60 * 24 * 45),
    ) {
        let to = from + SignedDuration::from_mins(len_minutes);
        let intervals = cal.office_intervals(from, to);
        let mut previous_end: Option<Timestamp> = None;
        for &(start, end) in &intervals {
            prop_assert!(from <= start && start < end && end <= to);
            if let Some(prev) = previous_end {
                prop_assert!(prev < start);
            }
            previous_end = Some(end);
            prop_assert!(cal.is_open(start));
            prop_assert!(cal.is_open(end - SignedDuration::from_micros(1)));
            prop_assert_eq!(local_date(start), local_date(end));
            // Each interval is maximal: the edges are `from`/`to` or office hours.
            prop_assert!(start == from || local_datetime(start).time() == OPENS_AT);
            prop_assert!(end == to || local_datetime(end).time() == CLOSES_AT);
        }
        // Every open instant in range is covered.
        let open = cal.next_open(from);
        if open < to {
            prop_assert!(intervals.first().is_some_and(|&(s, _)| s == open));
        } else {
            prop_assert!(intervals.is_empty());
        }
    }
}
