//! The monthly report (月报): what happened to the cases received in one month, as of a given
//! time — counts by channel, category, unit, request type and urgency; on-time acknowledgement
//! and reply rates; handling time in working days; the overdue list; satisfaction and reopening;
//! leader instructions; and the department assessment (`super::assessment`).
//!
//! Pure: the caller reads the rows (`store::reports`) and passes the time the figures are "as of".
//! Definitions of every figure are in docs/supervision.md; the doc comments here say the same.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use super::assessment::{Assessment, AssessmentPolicy, assess};
use crate::cases::{CaseRules, CaseStatus};
use crate::text::mask_personal_data;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportError {
    #[error("month {0:?} is not a month: write YYYY-MM (e.g. 2026-03), year 2000 to 2100")]
    BadMonth(String),
}

/// A calendar month in China time, the unit of the monthly report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

pub(crate) fn china() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

impl Month {
    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Result<Month, ReportError> {
        let bad = || ReportError::BadMonth(s.to_string());
        let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let (year, month): (i32, u32) =
            (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if !(2000..=2100).contains(&year) || !(1..=12).contains(&month) {
            return Err(bad());
        }
        Ok(Month { year, month })
    }

    /// The month (China time) an instant falls in.
    pub fn of(t: DateTime<Utc>) -> Month {
        let local = t.with_timezone(&china());
        Month {
            year: local.year(),
            month: local.month(),
        }
    }

    pub fn next(self) -> Month {
        if self.month == 12 {
            Month {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Month {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    pub fn prev(self) -> Month {
        if self.month == 1 {
            Month {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Month {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// Midnight China time on the first day of the month.
    pub fn start(self) -> DateTime<Utc> {
        let day = NaiveDate::from_ymd_opt(self.year, self.month, 1).expect("valid month");
        china()
            .from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
            .single()
            .expect("fixed offset is unambiguous")
            .with_timezone(&Utc)
    }

    /// The start of the next month (the period is `[start, end)`).
    pub fn end(self) -> DateTime<Utc> {
        self.next().start()
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// One case of the month, as the report needs it.
#[derive(Debug, Clone, Default)]
pub struct ReportCase {
    pub case_number: String,
    pub title: String,
    pub channel: String,
    /// Confirmed category, else the suggested one.
    pub category: Option<String>,
    /// The lead unit (`cases.department`); `None` until the case is assigned or triage confirmed.
    pub unit: Option<String>,
    pub request_type: Option<String>,
    pub urgency: Option<String>,
    pub status: String,
    pub received_at: DateTime<Utc>,
    pub first_response_due: Option<DateTime<Utc>>,
    /// The first handling action by staff (交办, 并单, 签收, 退单, 挂起, 提交/发布答复, 办结).
    pub first_action_at: Option<DateTime<Utc>>,
    pub reply_due: Option<DateTime<Utc>>,
    /// When the (latest) reply was published; the report counts it only while it answers the
    /// case ([`reply_in_force`]).
    pub replied_at: Option<DateTime<Utc>>,
    pub satisfaction: Option<String>,
    pub reopen_count: i32,
    /// When the case was last assigned (交办 / 改派) to its lead unit.
    pub assigned_at: Option<DateTime<Utc>>,
    /// The lead unit's first action (签收, 退单 or 提交答复) after `assigned_at`.
    pub unit_action_at: Option<DateTime<Utc>>,
}

/// A leader's instruction (批示) issued in the month.
#[derive(Debug, Clone)]
pub struct ReportInstruction {
    pub case_number: String,
    pub case_title: String,
    pub case_status: String,
    pub unit: Option<String>,
    pub leader: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub reported_at: Option<DateTime<Utc>>,
}

/// A 退单 (return) in the month: the unit that returned the case (its lead unit at that moment).
#[derive(Debug, Clone)]
pub struct ReturnEvent {
    pub unit: Option<String>,
    pub at: DateTime<Utc>,
}

/// Everything the report is computed from.
#[derive(Debug, Clone, Default)]
pub struct ReportInput {
    pub cases: Vec<ReportCase>,
    pub instructions: Vec<ReportInstruction>,
    pub returns: Vec<ReturnEvent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Count {
    pub key: String,
    pub count: usize,
}

/// A share: `numerator` of `denominator`; `rate` is `null` when the denominator is 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Rate {
    pub numerator: usize,
    pub denominator: usize,
    pub rate: Option<f64>,
}

impl Rate {
    pub fn new(numerator: usize, denominator: usize) -> Rate {
        Rate {
            numerator,
            denominator,
            rate: (denominator > 0).then(|| round4(numerator as f64 / denominator as f64)),
        }
    }
}

pub(crate) fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// An on-time rate with the cases not yet decided either way.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Timeliness {
    /// On time / cases whose deadline has passed or that were answered.
    pub on_time: Rate,
    /// Not answered yet, deadline not passed: not counted either way.
    pub pending: usize,
    /// Cases without that deadline (e.g. the calendar lacks the year): not counted.
    pub no_deadline: usize,
}

/// Handling time: receipt → reply published.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct HandlingTime {
    /// Cases with a published reply.
    pub replied: usize,
    /// Of those, the ones measured in working days (the calendar covers their dates).
    pub measured: usize,
    pub mean_working_days: Option<f64>,
    /// 90th percentile (nearest rank).
    pub p90_working_days: Option<u32>,
    /// Mean in calendar days (24 h), over every replied case.
    pub mean_calendar_days: Option<f64>,
    /// Years the working-day calendar lacks, which left cases unmeasured.
    pub uncovered_years: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OverdueCase {
    pub case_number: String,
    /// Personal data masked.
    pub title: String,
    pub unit: Option<String>,
    pub status: String,
    pub status_name: String,
    pub received_at: DateTime<Utc>,
    pub reply_due: DateTime<Utc>,
    /// `null`: still unanswered.
    pub replied_at: Option<DateTime<Utc>>,
    /// Working days past the deadline (to the reply, or to the report's time); `null` when the
    /// calendar lacks a year of the span.
    pub working_days_overdue: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SatisfactionFigures {
    pub rated: usize,
    pub satisfied: usize,
    pub basically_satisfied: usize,
    pub unsatisfied: usize,
    /// (满意 + 基本满意) / rated.
    pub satisfaction_rate: Rate,
    pub unsatisfied_rate: Rate,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct InstructionItem {
    pub case_number: String,
    pub case_title: String,
    pub case_status: String,
    pub case_status_name: String,
    pub unit: Option<String>,
    pub leader: String,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub reported_at: Option<DateTime<Utc>>,
    /// 已反馈 (reported by the due time), 逾期反馈 (reported late), 逾期未反馈, 待反馈.
    pub state: String,
}

/// The monthly report (月报).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MonthlyReport {
    /// YYYY-MM.
    pub month: String,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// The state of every case is taken at this time.
    pub as_of: DateTime<Utc>,
    /// Cases received in the month.
    pub total: usize,
    pub by_channel: Vec<Count>,
    pub by_category: Vec<Count>,
    pub by_unit: Vec<Count>,
    pub by_request_type: Vec<Count>,
    pub by_urgency: Vec<Count>,
    pub by_status: Vec<Count>,
    /// First handling action (or reply) by the first-response deadline.
    pub acknowledgement: Timeliness,
    /// Reply published by the reply deadline.
    pub reply: Timeliness,
    pub handling: HandlingTime,
    pub overdue: Vec<OverdueCase>,
    pub satisfaction: SatisfactionFigures,
    /// Replied cases that were reopened at least once.
    pub reopen: Rate,
    /// Instructions (批示) issued in the month.
    pub instructions: Vec<InstructionItem>,
    pub assessment: Assessment,
}

pub const UNASSIGNED: &str = "未交办";
pub const UNKNOWN: &str = "未标注";

pub fn channel_name(code: &str) -> &str {
    match code {
        "web" => "网站",
        "wechat" => "微信",
        "phone" => "电话",
        "email" => "电子邮件",
        "letter" => "信件",
        other => other,
    }
}

pub fn status_name(code: &str) -> String {
    CaseStatus::parse(code).map_or_else(|| code.to_string(), |s| s.chinese().to_string())
}

fn counts<'a>(keys: impl Iterator<Item = &'a str>) -> Vec<Count> {
    let mut map: BTreeMap<&str, usize> = BTreeMap::new();
    for k in keys {
        *map.entry(k).or_insert(0) += 1;
    }
    let mut v: Vec<Count> = map
        .into_iter()
        .map(|(k, c)| Count {
            key: k.to_string(),
            count: c,
        })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    v
}

/// The 90th percentile by nearest rank: the smallest value with at least 90% of the values at
/// or below it. `None` for no values.
pub fn p90(values: &[u32]) -> Option<u32> {
    percentile(values, 0.9)
}

/// Nearest-rank percentile (`q` in (0, 1]).
pub fn percentile(values: &[u32], q: f64) -> Option<u32> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    let rank = (q * v.len() as f64).ceil().max(1.0) as usize;
    Some(v[rank.min(v.len()) - 1])
}

pub fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| round2(sum / n as f64))
}

/// Timeliness of one kind of answer: `answered` is when it came, `due` the deadline.
/// A case whose clock is stopped (`waiting`) and unanswered is pending whatever its deadline.
fn timeliness(
    rows: impl Iterator<Item = (Option<DateTime<Utc>>, Option<DateTime<Utc>>, bool)>,
    as_of: DateTime<Utc>,
) -> Timeliness {
    let (mut on_time, mut decided, mut pending, mut no_deadline) = (0, 0, 0, 0);
    for (answered, due, waiting) in rows {
        let Some(due) = due else {
            no_deadline += 1;
            continue;
        };
        match answered {
            Some(a) if a <= due => {
                on_time += 1;
                decided += 1;
            }
            Some(_) => decided += 1,
            None if due < as_of && !waiting => decided += 1,
            None => pending += 1,
        }
    }
    Timeliness {
        on_time: Rate::new(on_time, decided),
        pending,
        no_deadline,
    }
}

/// The published reply that answers the case now: a reopened case (重新办理) is back with its
/// unit and waits for its next reply, so its earlier one no longer counts.
pub fn reply_in_force(status: &str, published: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match CaseStatus::parse(status) {
        Some(CaseStatus::Replied | CaseStatus::Closed | CaseStatus::Archived) => published,
        _ => None,
    }
}

/// The case's first response: its first handling action or its reply, whichever came first.
pub fn first_response(c: &ReportCase) -> Option<DateTime<Utc>> {
    match (c.first_action_at, c.replied_at) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Whether the case is on the overdue list at `as_of`: replied after its deadline, or not
/// replied and past it while its clock runs (a paused case waits on the citizen; a merged case
/// is answered with its main case, which carries the delay).
pub fn is_overdue(c: &ReportCase, as_of: DateTime<Utc>) -> bool {
    let Some(due) = c.reply_due else {
        return false;
    };
    match c.replied_at {
        Some(r) => r > due,
        None => !clock_stopped(c) && due < as_of,
    }
}

/// A paused case waits on the citizen; a merged one is answered with its main case.
fn clock_stopped(c: &ReportCase) -> bool {
    matches!(
        CaseStatus::parse(&c.status),
        Some(CaseStatus::Paused | CaseStatus::Merged)
    )
}

/// Working days a case is late, to its reply or to `as_of`.
fn working_days_late(c: &ReportCase, rules: &CaseRules, as_of: DateTime<Utc>) -> Option<u32> {
    let due = c.reply_due?;
    rules
        .working_days_elapsed(due, c.replied_at.unwrap_or(as_of))
        .ok()
}

/// Computes the report of `month` from its rows, with every state as of `as_of`.
pub fn monthly_report(
    month: Month,
    input: &ReportInput,
    rules: &CaseRules,
    policy: &AssessmentPolicy,
    as_of: DateTime<Utc>,
) -> MonthlyReport {
    let cases: Vec<ReportCase> = input
        .cases
        .iter()
        .map(|c| ReportCase {
            replied_at: reply_in_force(&c.status, c.replied_at),
            ..c.clone()
        })
        .collect();
    let cases = &cases;
    let acknowledgement = timeliness(
        cases
            .iter()
            .map(|c| (first_response(c), c.first_response_due, false)),
        as_of,
    );
    let reply = timeliness(
        cases
            .iter()
            .map(|c| (c.replied_at, c.reply_due, clock_stopped(c))),
        as_of,
    );

    let mut working = Vec::new();
    let mut calendar_days = Vec::new();
    let mut uncovered = std::collections::BTreeSet::new();
    for c in cases {
        let Some(r) = c.replied_at else { continue };
        calendar_days.push((r - c.received_at).num_seconds().max(0) as f64 / 86_400.0);
        match rules.working_days_elapsed(c.received_at, r) {
            Ok(d) => working.push(d),
            Err(crate::cases::CalendarError::YearNotCovered(y)) => {
                uncovered.insert(y);
            }
            Err(_) => {}
        }
    }
    let handling = HandlingTime {
        replied: calendar_days.len(),
        measured: working.len(),
        mean_working_days: mean(working.iter().map(|&d| f64::from(d))),
        p90_working_days: p90(&working),
        mean_calendar_days: mean(calendar_days.iter().copied()),
        uncovered_years: uncovered.into_iter().collect(),
    };

    let mut overdue: Vec<OverdueCase> = cases
        .iter()
        .filter(|c| is_overdue(c, as_of))
        .map(|c| OverdueCase {
            case_number: c.case_number.clone(),
            title: mask_personal_data(&c.title),
            unit: c.unit.clone(),
            status: c.status.clone(),
            status_name: status_name(&c.status),
            received_at: c.received_at,
            reply_due: c.reply_due.expect("overdue cases have a deadline"),
            replied_at: c.replied_at,
            working_days_overdue: working_days_late(c, rules, as_of),
        })
        .collect();
    // Still unanswered first, then the longest overdue.
    overdue.sort_by(|a, b| {
        a.replied_at
            .is_some()
            .cmp(&b.replied_at.is_some())
            .then_with(|| b.working_days_overdue.cmp(&a.working_days_overdue))
            .then_with(|| a.reply_due.cmp(&b.reply_due))
            .then_with(|| a.case_number.cmp(&b.case_number))
    });

    let rated: Vec<&str> = cases
        .iter()
        .filter_map(|c| c.satisfaction.as_deref())
        .collect();
    let n = |s: &str| rated.iter().filter(|r| **r == s).count();
    let (satisfied, basically, unsatisfied) = (n("满意"), n("基本满意"), n("不满意"));
    let satisfaction = SatisfactionFigures {
        rated: rated.len(),
        satisfied,
        basically_satisfied: basically,
        unsatisfied,
        satisfaction_rate: Rate::new(satisfied + basically, rated.len()),
        unsatisfied_rate: Rate::new(unsatisfied, rated.len()),
    };
    // A reopened case has had a reply (reopening needs one), even if it now waits for the next.
    let ever_replied: Vec<&ReportCase> = cases
        .iter()
        .filter(|c| c.replied_at.is_some() || c.reopen_count > 0)
        .collect();
    let reopen = Rate::new(
        ever_replied.iter().filter(|c| c.reopen_count > 0).count(),
        ever_replied.len(),
    );

    let mut instructions: Vec<InstructionItem> = input
        .instructions
        .iter()
        .map(|i| InstructionItem {
            case_number: i.case_number.clone(),
            case_title: mask_personal_data(&i.case_title),
            case_status: i.case_status.clone(),
            case_status_name: status_name(&i.case_status),
            unit: i.unit.clone(),
            leader: i.leader.clone(),
            text: i.text.clone(),
            created_at: i.created_at,
            due_at: i.due_at,
            reported_at: i.reported_at,
            state: match i.reported_at {
                Some(r) if r <= i.due_at => "已反馈",
                Some(_) => "逾期反馈",
                None if i.due_at < as_of => "逾期未反馈",
                None => "待反馈",
            }
            .to_string(),
        })
        .collect();
    instructions.sort_by_key(|a| a.created_at);

    let assessment = assess(cases, &input.returns, rules, policy, as_of);
    MonthlyReport {
        month: month.to_string(),
        period_start: month.start(),
        period_end: month.end(),
        as_of,
        total: cases.len(),
        by_channel: counts(cases.iter().map(|c| channel_name(&c.channel))),
        by_category: counts(
            cases
                .iter()
                .map(|c| c.category.as_deref().unwrap_or(UNKNOWN)),
        ),
        by_unit: counts(
            cases
                .iter()
                .map(|c| c.unit.as_deref().unwrap_or(UNASSIGNED)),
        ),
        by_request_type: counts(
            cases
                .iter()
                .map(|c| c.request_type.as_deref().unwrap_or(UNKNOWN)),
        ),
        by_urgency: counts(
            cases
                .iter()
                .map(|c| c.urgency.as_deref().unwrap_or(UNKNOWN)),
        ),
        by_status: counts(
            cases
                .iter()
                .map(|c| CaseStatus::parse(&c.status).map_or(c.status.as_str(), |s| s.chinese())),
        ),
        acknowledgement,
        reply,
        handling,
        overdue,
        satisfaction,
        reopen,
        instructions,
        assessment,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::Duration;

    pub(crate) fn rules() -> CaseRules {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("models/holidays.toml");
        CaseRules {
            calendar: crate::cases::Calendar::parse(&std::fs::read_to_string(path).unwrap())
                .unwrap(),
            ..Default::default()
        }
    }

    /// China time on a day of March 2026.
    pub(crate) fn at(day: u32, hour: u32) -> DateTime<Utc> {
        china()
            .with_ymd_and_hms(2026, 3, day, hour, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    pub(crate) fn case(n: u32, unit: Option<&str>) -> ReportCase {
        ReportCase {
            case_number: format!("2026-{n:06}"),
            title: format!("标题{n}"),
            channel: "web".into(),
            unit: unit.map(str::to_string),
            status: "received".into(),
            received_at: at(2, 9),
            first_response_due: Some(at(3, 9)),
            reply_due: Some(at(11, 23)),
            ..Default::default()
        }
    }

    #[test]
    fn months_parse_and_bound_in_china_time() {
        let m = Month::parse("2026-03").unwrap();
        assert_eq!(m.start().to_rfc3339(), "2026-02-28T16:00:00+00:00");
        assert_eq!(m.end().to_rfc3339(), "2026-03-31T16:00:00+00:00");
        assert_eq!(
            Month::parse("2026-12").unwrap().next().to_string(),
            "2027-01"
        );
        assert_eq!(
            Month::parse("2026-01").unwrap().prev().to_string(),
            "2025-12"
        );
        for bad in [
            "2026-13", "2026-00", "2026-3", "26-03", "2026/03", "", "abcd-ef", "1999-12",
        ] {
            assert!(Month::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Month::of(at(1, 0)).to_string(), "2026-03");
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(p90(&[]), None);
        assert_eq!(p90(&[4]), Some(4));
        assert_eq!(p90(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), Some(9));
        assert_eq!(p90(&[10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11]), Some(10));
        assert_eq!(percentile(&[3, 1, 2], 0.5), Some(2));
        assert_eq!(mean([1.0, 2.0, 4.0].into_iter()), Some(2.33));
    }

    #[test]
    fn rates_timeliness_and_overdue() {
        let as_of = at(20, 12);
        let mut a = case(1, Some("教育局"));
        a.first_action_at = Some(at(2, 15)); // acknowledged in 6 hours
        a.replied_at = Some(at(9, 10)); // Mon 03-09: 5 working days after Mon 03-02
        a.status = "closed".into();
        a.satisfaction = Some("满意".into());
        let mut b = case(2, Some("教育局"));
        b.first_action_at = Some(at(4, 9)); // late acknowledgement
        b.replied_at = Some(at(13, 10)); // after the 03-11 deadline: 9 working days
        b.status = "replied".into();
        b.satisfaction = Some("不满意".into());
        b.reopen_count = 1;
        let c = case(3, None); // never touched; deadline long past
        let mut d = case(4, None);
        d.received_at = at(20, 8);
        d.first_response_due = Some(at(21, 8));
        d.reply_due = Some(at(31, 23)); // neither deadline passed yet
        let mut e = case(5, Some("交通运输局"));
        e.status = "paused".into(); // past the deadline but waiting on the citizen
        e.first_action_at = Some(at(2, 10));
        let mut f = case(6, None);
        f.reply_due = None; // the calendar lacked the year
        f.first_response_due = None;
        let input = ReportInput {
            cases: vec![a, b, c, d, e, f],
            ..Default::default()
        };
        let r = monthly_report(
            Month::parse("2026-03").unwrap(),
            &input,
            &rules(),
            &AssessmentPolicy::default(),
            as_of,
        );
        assert_eq!(r.total, 6);
        assert_eq!(
            r.acknowledgement.on_time,
            Rate::new(2, 4),
            "a and e on time; b late; c never"
        );
        assert_eq!(r.acknowledgement.pending, 1);
        assert_eq!(r.acknowledgement.no_deadline, 1);
        assert_eq!(
            r.reply.on_time,
            Rate::new(1, 3),
            "a on time; b late; c unanswered"
        );
        assert_eq!(r.reply.pending, 2, "d is not due yet; e's clock is stopped");
        assert_eq!(r.handling.replied, 2);
        assert_eq!(r.handling.measured, 2);
        assert_eq!(r.handling.mean_working_days, Some(7.0));
        assert_eq!(r.handling.p90_working_days, Some(9));
        let overdue: Vec<&str> = r.overdue.iter().map(|o| o.case_number.as_str()).collect();
        assert_eq!(
            overdue,
            ["2026-000003", "2026-000002"],
            "unanswered first; paused excluded"
        );
        // 03-11 → 03-13: Thursday and Friday.
        assert_eq!(r.overdue[1].working_days_overdue, Some(2));
        assert_eq!(r.satisfaction.rated, 2);
        assert_eq!(r.satisfaction.satisfaction_rate, Rate::new(1, 2));
        assert_eq!(r.reopen, Rate::new(1, 2));
        assert_eq!(
            r.by_unit[0],
            Count {
                key: UNASSIGNED.into(),
                count: 3
            }
        );
        assert_eq!(
            r.by_channel,
            vec![Count {
                key: "网站".into(),
                count: 6
            }]
        );
    }

    #[test]
    fn a_reopened_case_waits_for_its_next_reply() {
        let mut c = case(1, Some("教育局"));
        c.replied_at = Some(at(3, 9));
        c.reopen_count = 1;
        c.status = "in_progress".into();
        let input = ReportInput {
            cases: vec![c],
            ..Default::default()
        };
        let r = monthly_report(
            Month::parse("2026-03").unwrap(),
            &input,
            &rules(),
            &AssessmentPolicy::default(),
            at(20, 12),
        );
        assert_eq!(r.handling.replied, 0);
        assert_eq!(r.reopen, Rate::new(1, 1));
        assert_eq!(
            r.overdue.len(),
            1,
            "past its deadline with no reply in force"
        );
    }

    #[test]
    fn instruction_states() {
        let as_of = at(20, 12);
        let mk = |due: DateTime<Utc>, reported: Option<DateTime<Utc>>| ReportInstruction {
            case_number: "2026-000001".into(),
            case_title: "电话13812345678".into(),
            case_status: "in_progress".into(),
            unit: None,
            leader: "王局长".into(),
            text: "请尽快办理".into(),
            created_at: at(2, 9),
            due_at: due,
            reported_at: reported,
        };
        let input = ReportInput {
            instructions: vec![
                mk(at(5, 23), Some(at(4, 9))),
                mk(at(5, 23), Some(at(6, 9))),
                mk(at(5, 23), None),
                mk(at(25, 23), None),
            ],
            ..Default::default()
        };
        let r = monthly_report(
            Month::parse("2026-03").unwrap(),
            &input,
            &rules(),
            &AssessmentPolicy::default(),
            as_of,
        );
        let states: Vec<&str> = r.instructions.iter().map(|i| i.state.as_str()).collect();
        assert_eq!(states, ["已反馈", "逾期反馈", "逾期未反馈", "待反馈"]);
        assert!(!r.instructions[0].case_title.contains("13812345678"));
        let _ = Duration::hours(1);
    }

    #[test]
    fn uncovered_years_are_named_not_guessed() {
        let mut c = case(1, None);
        c.received_at = Utc.with_ymd_and_hms(2019, 5, 6, 1, 0, 0).unwrap();
        c.replied_at = Some(Utc.with_ymd_and_hms(2019, 5, 9, 1, 0, 0).unwrap());
        c.status = "replied".into();
        c.reply_due = None;
        let input = ReportInput {
            cases: vec![c],
            ..Default::default()
        };
        let r = monthly_report(
            Month::parse("2019-05").unwrap(),
            &input,
            &rules(),
            &AssessmentPolicy::default(),
            at(20, 0),
        );
        assert_eq!(r.handling.replied, 1);
        assert_eq!(r.handling.measured, 0);
        assert_eq!(r.handling.mean_working_days, None);
        assert_eq!(r.handling.mean_calendar_days, Some(3.0));
        assert_eq!(r.handling.uncovered_years, vec![2019]);
    }
}
