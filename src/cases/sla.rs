//! Service levels (时限): when the first response and the reply are due, from the urgency, the
//! working-day calendar and the time of receipt. Defaults follow the customer's plan: a reply
//! within 7 working days (15 for complex, multi-unit cases); a first response within 2 hours for
//! 特急 and 24 hours otherwise.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, FixedOffset, NaiveTime, TimeZone, Utc};
use serde::Deserialize;

use super::Calendar;

/// The service levels; editable in the config file's `[sla]` table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SlaPolicy {
    pub reply_working_days: u32,
    pub complex_reply_working_days: u32,
    /// Hours to the first response, by urgency (特急, 紧急, 一般).
    pub first_response_hours: BTreeMap<String, u32>,
    /// Reply limits that differ by request type (e.g. `咨询 = 5`) for cases that are not
    /// complex; a type not listed gets `reply_working_days`.
    pub reply_working_days_by_type: BTreeMap<String, u32>,
}

impl Default for SlaPolicy {
    fn default() -> Self {
        SlaPolicy {
            reply_working_days: 7,
            complex_reply_working_days: 15,
            first_response_hours: [("特急", 2), ("紧急", 24), ("一般", 24)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            reply_working_days_by_type: BTreeMap::new(),
        }
    }
}

/// A case's deadlines.
#[derive(Debug, Clone, PartialEq)]
pub struct Deadlines {
    pub first_response_due: DateTime<Utc>,
    /// `None` when the calendar does not cover the dates (see `note`).
    pub reply_due: Option<DateTime<Utc>>,
    /// Why `reply_due` is missing, for staff.
    pub note: Option<String>,
}

/// The calendar and the service levels together: everything needed to date a case.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseRules {
    pub calendar: Calendar,
    pub sla: SlaPolicy,
    pub workflow: super::WorkflowPolicy,
}

impl CaseRules {
    pub fn deadlines(
        &self,
        received: DateTime<Utc>,
        urgency: Option<&str>,
        complex: bool,
    ) -> Deadlines {
        self.deadlines_for(received, urgency, None, complex)
    }

    /// Deadlines with the request type's own reply limit, if the policy sets one.
    pub fn deadlines_for(
        &self,
        received: DateTime<Utc>,
        urgency: Option<&str>,
        request_type: Option<&str>,
        complex: bool,
    ) -> Deadlines {
        let mut sla = std::borrow::Cow::Borrowed(&self.sla);
        if let Some(days) = request_type.and_then(|t| self.sla.reply_working_days_by_type.get(t)) {
            sla.to_mut().reply_working_days = *days;
        }
        sla.deadlines(&self.calendar, received, urgency, complex)
    }

    /// The reply deadline of a case reopened (重新办理) at `now`: the full time limit again.
    pub fn reopened_reply_due(&self, now: DateTime<Utc>, complex: bool) -> Deadlines {
        self.sla.deadlines(&self.calendar, now, None, complex)
    }

    /// Handling time in working days between two instants, on China dates: the working days
    /// after `start`'s date up to and including `end`'s (a reply on the day of receipt took 0).
    pub fn working_days_elapsed(
        &self,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<u32, super::CalendarError> {
        self.calendar.working_days_between(
            start.with_timezone(&china()).date_naive(),
            end.with_timezone(&china()).date_naive(),
        )
    }

    /// End of the working day `days` working days after `now`'s local date (for instructions).
    pub fn end_of_working_day_after(&self, now: DateTime<Utc>, days: u32) -> Option<DateTime<Utc>> {
        let day = self
            .calendar
            .add_working_days(now.with_timezone(&china()).date_naive(), days)
            .ok()?;
        end_of_day(day)
    }

    /// A pause from `paused_at` to `resumed_at` moves `reply_due` by the working days it covered
    /// (those after the pause's local date, up to and including the resume date). Returns the new
    /// deadline and the number of working days.
    pub fn extend_for_pause(
        &self,
        reply_due: DateTime<Utc>,
        paused_at: DateTime<Utc>,
        resumed_at: DateTime<Utc>,
    ) -> Result<(DateTime<Utc>, u32), super::CalendarError> {
        let from = paused_at.with_timezone(&china()).date_naive();
        let to = resumed_at.with_timezone(&china()).date_naive();
        let mut days = 0;
        let mut d = from;
        while d < to {
            d += Duration::days(1);
            if self.calendar.is_working_day(d)? {
                days += 1;
            }
        }
        if days == 0 {
            return Ok((reply_due, 0));
        }
        let due_day = reply_due.with_timezone(&china()).date_naive();
        let new_day = self.calendar.add_working_days(due_day, days)?;
        Ok((end_of_day(new_day).unwrap_or(reply_due), days))
    }
}

fn end_of_day(day: chrono::NaiveDate) -> Option<DateTime<Utc>> {
    let end = day.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("valid time"));
    china()
        .from_local_datetime(&end)
        .single()
        .map(|d| d.with_timezone(&Utc))
}

fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

impl SlaPolicy {
    /// Deadlines for a case received at `received` with `urgency` (unknown urgency counts as 一般).
    /// The reply is due at the end (23:59:59, China time) of the last working day.
    pub fn deadlines(
        &self,
        calendar: &Calendar,
        received: DateTime<Utc>,
        urgency: Option<&str>,
        complex: bool,
    ) -> Deadlines {
        let hours = urgency
            .and_then(|u| self.first_response_hours.get(u))
            .or_else(|| self.first_response_hours.get("一般"))
            .copied()
            .unwrap_or(24);
        let days = if complex {
            self.complex_reply_working_days
        } else {
            self.reply_working_days
        };
        let local_day = received.with_timezone(&china()).date_naive();
        let (reply_due, note) = match calendar.add_working_days(local_day, days) {
            Ok(day) => (end_of_day(day), None),
            Err(e) => (None, Some(e.to_string())),
        };
        Deadlines {
            first_response_due: received + Duration::hours(i64::from(hours)),
            reply_due,
            note,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar() -> Calendar {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/holidays.toml");
        Calendar::parse(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn reply_due_counts_working_days_in_china_time() {
        // 2026-02-13 10:00 China time = 02:00 UTC, a Friday before 春节.
        let received = Utc.with_ymd_and_hms(2026, 2, 13, 2, 0, 0).unwrap();
        let d = SlaPolicy::default().deadlines(&calendar(), received, Some("一般"), false);
        assert_eq!(
            d.reply_due.unwrap().to_rfc3339(),
            "2026-03-02T15:59:59+00:00"
        );
        assert_eq!(d.first_response_due, received + Duration::hours(24));
        assert_eq!(d.note, None);
        // 2026-02-12 23:30 UTC is already 02-13 in China.
        let late = Utc.with_ymd_and_hms(2026, 2, 12, 23, 30, 0).unwrap();
        assert_eq!(
            SlaPolicy::default()
                .deadlines(&calendar(), late, None, false)
                .reply_due,
            d.reply_due
        );
    }

    #[test]
    fn urgency_and_complexity_choose_the_limits() {
        let received = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
        let p = SlaPolicy::default();
        assert_eq!(
            p.deadlines(&calendar(), received, Some("特急"), false)
                .first_response_due,
            received + Duration::hours(2)
        );
        let simple = p
            .deadlines(&calendar(), received, None, false)
            .reply_due
            .unwrap();
        let complex = p
            .deadlines(&calendar(), received, None, true)
            .reply_due
            .unwrap();
        assert!(complex > simple);
    }

    #[test]
    fn a_request_type_may_have_its_own_reply_limit() {
        let rules = CaseRules {
            calendar: calendar(),
            sla: SlaPolicy {
                reply_working_days_by_type: [("咨询".to_string(), 3)].into_iter().collect(),
                ..Default::default()
            },
            ..Default::default()
        };
        // Monday 2026-03-02: 3 working days → Thursday 03-05; 7 → Wednesday 03-11.
        let received = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
        let ask = rules.deadlines_for(received, None, Some("咨询"), false);
        let complaint = rules.deadlines_for(received, None, Some("投诉"), false);
        assert_eq!(
            ask.reply_due.unwrap().to_rfc3339(),
            "2026-03-05T15:59:59+00:00"
        );
        assert_eq!(
            complaint.reply_due.unwrap().to_rfc3339(),
            "2026-03-11T15:59:59+00:00"
        );
        // The complex limit wins over the type's.
        assert!(
            rules
                .deadlines_for(received, None, Some("咨询"), true)
                .reply_due
                > complaint.reply_due
        );
    }

    #[test]
    fn elapsed_working_days_use_china_dates() {
        let rules = CaseRules {
            calendar: calendar(),
            ..Default::default()
        };
        // Fri 2026-03-06 10:00 China time → Mon 03-09 07:30 China time (23:30 UTC on 03-08).
        let start = Utc.with_ymd_and_hms(2026, 3, 6, 2, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(2026, 3, 8, 23, 30, 0).unwrap();
        assert_eq!(rules.working_days_elapsed(start, end).unwrap(), 1);
        assert_eq!(rules.working_days_elapsed(start, start).unwrap(), 0);
    }

    #[test]
    fn uncovered_year_leaves_a_note_not_a_wrong_date() {
        let received = Utc.with_ymd_and_hms(2026, 12, 28, 2, 0, 0).unwrap();
        let d = SlaPolicy::default().deadlines(&calendar(), received, None, false);
        assert_eq!(d.reply_due, None);
        assert!(d.note.unwrap().contains("2027"));
    }
}
