//! The working-day calendar: weekends, official holidays and make-up workdays (调休), per year,
//! from an editable data file (`models/holidays.toml`).
//!
//! Deadlines ("reply within 7 working days") count the working days *after* the day of receipt.
//! A deadline that would run into a year the calendar does not cover is refused: assuming plain
//! weekends there would silently give wrong dates around 元旦 and 春节.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    #[error(
        "the working-day calendar has no data for {0}; add the State Council's holiday notice for {0} to the calendar file"
    )]
    YearNotCovered(i32),
    #[error("calendar file: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calendar {
    years: BTreeSet<i32>,
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    years: BTreeMap<String, YearFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct YearFile {
    #[serde(default)]
    holidays: Vec<String>,
    #[serde(default)]
    workdays: Vec<String>,
}

fn parse_date(s: &str) -> Result<NaiveDate, CalendarError> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| CalendarError::Invalid(format!("{s:?} is not a date (YYYY-MM-DD)")))
}

/// "2026-02-15" or "2026-02-15..2026-02-23" (inclusive).
fn parse_days(s: &str) -> Result<Vec<NaiveDate>, CalendarError> {
    match s.split_once("..") {
        None => Ok(vec![parse_date(s)?]),
        Some((a, b)) => {
            let (a, b) = (parse_date(a)?, parse_date(b)?);
            if b < a || (b - a).num_days() > 40 {
                return Err(CalendarError::Invalid(format!(
                    "{s:?} is not a holiday range"
                )));
            }
            Ok(a.iter_days().take_while(|d| *d <= b).collect())
        }
    }
}

impl Calendar {
    /// Parses the calendar file's text (TOML; see `models/holidays.toml`).
    pub fn parse(text: &str) -> Result<Calendar, CalendarError> {
        let file: File =
            toml::from_str(text).map_err(|e| CalendarError::Invalid(e.message().to_string()))?;
        let mut cal = Calendar::default();
        for (year, y) in file.years {
            let year: i32 = year
                .parse()
                .map_err(|_| CalendarError::Invalid(format!("year {year:?} is not a number")))?;
            cal.years.insert(year);
            for (list, set, what) in [
                (&y.holidays, &mut cal.holidays, "holiday"),
                (&y.workdays, &mut cal.workdays, "workday"),
            ] {
                for entry in list {
                    for d in parse_days(entry)? {
                        if d.year() != year {
                            return Err(CalendarError::Invalid(format!(
                                "{what} {d} is listed under {year}"
                            )));
                        }
                        set.insert(d);
                    }
                }
            }
        }
        if let Some(d) = cal.holidays.intersection(&cal.workdays).next() {
            return Err(CalendarError::Invalid(format!(
                "{d} is both a holiday and a make-up workday"
            )));
        }
        Ok(cal)
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    pub fn is_working_day(&self, d: NaiveDate) -> Result<bool, CalendarError> {
        if !self.covers(d.year()) {
            return Err(CalendarError::YearNotCovered(d.year()));
        }
        let weekend = matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        Ok(self.workdays.contains(&d) || (!weekend && !self.holidays.contains(&d)))
    }

    /// The date `days` working days after `received` (the day of receipt itself does not count).
    pub fn add_working_days(
        &self,
        received: NaiveDate,
        days: u32,
    ) -> Result<NaiveDate, CalendarError> {
        let mut d = received;
        let mut counted = 0;
        while counted < days {
            d += Duration::days(1);
            if self.is_working_day(d)? {
                counted += 1;
            }
        }
        Ok(d)
    }

    /// Working days from `from` to `to`, counted as deadlines are: the days after `from` up to
    /// and including `to` (so `add_working_days(a, n) == b` gives `working_days_between(a, b) ==
    /// n` for a working day `b`). Zero when `to` is not after `from`. Every year the span touches
    /// must be in the calendar.
    pub fn working_days_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<u32, CalendarError> {
        if to <= from {
            return Ok(0);
        }
        for year in from.year()..=to.year() {
            if !self.covers(year) {
                return Err(CalendarError::YearNotCovered(year));
            }
        }
        let mut n = 0;
        let mut d = from;
        while d < to {
            d += Duration::days(1);
            if self.is_working_day(d)? {
                n += 1;
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Calendar {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/holidays.toml");
        Calendar::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    /// The worked examples of shared/docs/holidays-cn.md.
    #[test]
    fn worked_examples() {
        let c = shipped();
        assert_eq!(
            c.add_working_days(day("2026-02-13"), 7).unwrap(),
            day("2026-03-02")
        );
        assert_eq!(
            c.add_working_days(day("2026-09-30"), 7).unwrap(),
            day("2026-10-15")
        );
    }

    #[test]
    fn make_up_workdays_and_holidays() {
        let c = shipped();
        assert!(
            c.is_working_day(day("2026-02-14")).unwrap(),
            "Saturday make-up workday"
        );
        assert!(
            !c.is_working_day(day("2026-02-16")).unwrap(),
            "Monday in 春节"
        );
        assert!(
            !c.is_working_day(day("2025-11-29")).unwrap(),
            "plain Saturday"
        );
        assert!(c.is_working_day(day("2025-10-11")).unwrap());
        assert_eq!(
            c.add_working_days(day("2026-03-02"), 0).unwrap(),
            day("2026-03-02")
        );
        // 15 working days from 2025-09-26 (Fri): 9-28 (Sun, make-up) is day 1; 10-01..10-08 off.
        assert_eq!(
            c.add_working_days(day("2025-09-26"), 15).unwrap(),
            day("2025-10-23")
        );
    }

    #[test]
    fn working_days_between_counts_like_deadlines() {
        let c = shipped();
        // The worked example backwards: 7 working days from 02-13 to 03-02 across 春节.
        assert_eq!(
            c.working_days_between(day("2026-02-13"), day("2026-03-02"))
                .unwrap(),
            7
        );
        assert_eq!(
            c.working_days_between(day("2026-03-02"), day("2026-03-02"))
                .unwrap(),
            0
        );
        assert_eq!(
            c.working_days_between(day("2026-03-05"), day("2026-03-02"))
                .unwrap(),
            0
        );
        // Friday to Saturday: no working day; to Monday: one.
        assert_eq!(
            c.working_days_between(day("2026-03-06"), day("2026-03-07"))
                .unwrap(),
            0
        );
        assert_eq!(
            c.working_days_between(day("2026-03-06"), day("2026-03-09"))
                .unwrap(),
            1
        );
        // Across the year end both years must be known.
        assert_eq!(
            c.working_days_between(day("2025-12-30"), day("2026-01-05"))
                .unwrap(),
            3,
            "12-31, then 01-01..01-03 off, 01-04 (Sun, make-up), 01-05"
        );
        assert_eq!(
            c.working_days_between(day("2024-12-30"), day("2025-01-02")),
            Err(CalendarError::YearNotCovered(2024))
        );
    }

    #[test]
    fn a_year_without_data_is_refused_by_name() {
        let c = shipped();
        let err = c.add_working_days(day("2026-12-24"), 7).unwrap_err();
        assert_eq!(err, CalendarError::YearNotCovered(2027));
        assert!(err.to_string().contains("2027"));
    }

    #[test]
    fn bad_files_are_rejected() {
        assert!(Calendar::parse("[years.2026]\nholidays = [\"2026-13-01\"]").is_err());
        assert!(Calendar::parse("[years.2026]\nholidays = [\"2025-01-01\"]").is_err());
        assert!(
            Calendar::parse(
                "[years.2026]\nholidays = [\"2026-01-05\"]\nworkdays = [\"2026-01-05\"]"
            )
            .is_err()
        );
        assert!(Calendar::parse("[years.2026]\nholiday = []").is_err());
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]
            /// Due dates fall after the start, never on a day off, and grow with N.
            #[test]
            fn due_dates_are_later_working_days_and_monotonic(start in 0i64..640, n in 0u32..40) {
                let c = shipped();
                let from = day("2025-01-01") + Duration::days(start);
                let a = c.add_working_days(from, n);
                let b = c.add_working_days(from, n + 1);
                // Near the end of 2026 a due date may need 2027, which the file lacks.
                if let (Ok(a), Ok(b)) = (a, b) {
                    prop_assert!(b > a);
                    prop_assert!(c.is_working_day(b).unwrap());
                    if n > 0 {
                        prop_assert!(a > from);
                        prop_assert!(c.is_working_day(a).unwrap());
                    } else {
                        prop_assert_eq!(a, from);
                    }
                }
            }

            /// Counting back the days a deadline added gives the same number.
            #[test]
            fn between_inverts_add(start in 0i64..640, n in 0u32..40) {
                let c = shipped();
                let from = day("2025-01-01") + Duration::days(start);
                if let Ok(due) = c.add_working_days(from, n) {
                    prop_assert_eq!(c.working_days_between(from, due).unwrap(), n);
                }
            }
        }
    }
}
