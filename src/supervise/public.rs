//! Public statistics (公开统计): how many messages arrived, how many were answered and how fast,
//! per month and per unit. Counts and averages only — nothing here can carry a name, a phone
//! number or a message's words.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::report::{Month, UNASSIGNED, mean, reply_in_force, round4};
use crate::cases::CaseRules;

/// One case as public statistics see it: when it came, which unit leads it, when it was answered.
#[derive(Debug, Clone)]
pub struct PublicCase {
    pub received_at: DateTime<Utc>,
    pub unit: Option<String>,
    pub status: String,
    /// When its reply was published (see `report::reply_in_force`).
    pub replied_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PublicFigures {
    pub received: usize,
    /// Cases with a published reply.
    pub replied: usize,
    /// replied / received.
    pub reply_rate: Option<f64>,
    /// Mean working days from receipt to the published reply (cases the calendar covers).
    pub mean_reply_working_days: Option<f64>,
    /// Mean calendar days from receipt to the published reply.
    pub mean_reply_calendar_days: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PublicMonth {
    /// YYYY-MM.
    pub month: String,
    #[serde(flatten)]
    pub figures: PublicFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PublicUnit {
    /// The lead unit (未交办 for cases not yet assigned).
    pub unit: String,
    #[serde(flatten)]
    pub figures: PublicFigures,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PublicStats {
    /// First and last month covered (YYYY-MM).
    pub from_month: String,
    pub to_month: String,
    pub as_of: DateTime<Utc>,
    pub total: PublicFigures,
    /// Oldest month first; months without cases included.
    pub by_month: Vec<PublicMonth>,
    /// Most cases first.
    pub by_unit: Vec<PublicUnit>,
}

fn figures(cases: &[&PublicCase], rules: &CaseRules) -> PublicFigures {
    let replied: Vec<(&PublicCase, DateTime<Utc>)> = cases
        .iter()
        .filter_map(|c| reply_in_force(&c.status, c.replied_at).map(|r| (*c, r)))
        .collect();
    PublicFigures {
        received: cases.len(),
        replied: replied.len(),
        reply_rate: (!cases.is_empty()).then(|| round4(replied.len() as f64 / cases.len() as f64)),
        mean_reply_working_days: mean(replied.iter().filter_map(|(c, r)| {
            rules
                .working_days_elapsed(c.received_at, *r)
                .ok()
                .map(f64::from)
        })),
        mean_reply_calendar_days: mean(
            replied
                .iter()
                .map(|(c, r)| (*r - c.received_at).num_seconds().max(0) as f64 / 86_400.0),
        ),
    }
}

/// Statistics of the `months` months ending with `last` (inclusive).
pub fn public_stats(
    cases: &[PublicCase],
    last: Month,
    months: u32,
    rules: &CaseRules,
    as_of: DateTime<Utc>,
) -> PublicStats {
    let mut first = last;
    for _ in 1..months.max(1) {
        first = first.prev();
    }
    let in_range: Vec<&PublicCase> = cases
        .iter()
        .filter(|c| c.received_at >= first.start() && c.received_at < last.end())
        .collect();
    let mut by_month: Vec<PublicMonth> = Vec::new();
    let mut m = first;
    loop {
        let of_month: Vec<&PublicCase> = in_range
            .iter()
            .copied()
            .filter(|c| Month::of(c.received_at) == m)
            .collect();
        by_month.push(PublicMonth {
            month: m.to_string(),
            figures: figures(&of_month, rules),
        });
        if m == last {
            break;
        }
        m = m.next();
    }
    let mut units: BTreeMap<&str, Vec<&PublicCase>> = BTreeMap::new();
    for c in &in_range {
        units
            .entry(c.unit.as_deref().unwrap_or(UNASSIGNED))
            .or_default()
            .push(c);
    }
    let mut by_unit: Vec<PublicUnit> = units
        .into_iter()
        .map(|(u, cs)| PublicUnit {
            unit: u.to_string(),
            figures: figures(&cs, rules),
        })
        .collect();
    by_unit.sort_by(|a, b| {
        b.figures
            .received
            .cmp(&a.figures.received)
            .then_with(|| a.unit.cmp(&b.unit))
    });
    PublicStats {
        from_month: first.to_string(),
        to_month: last.to_string(),
        as_of,
        total: figures(&in_range, rules),
        by_month,
        by_unit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::report::tests::{at, rules};

    #[test]
    fn months_units_and_rates() {
        let c = |day: u32, unit: Option<&str>, replied: Option<u32>| PublicCase {
            received_at: at(day, 9),
            unit: unit.map(str::to_string),
            status: if replied.is_some() {
                "replied"
            } else {
                "in_progress"
            }
            .into(),
            replied_at: replied.map(|d| at(d, 9)),
        };
        let mut old = c(2, Some("教育局"), None);
        old.received_at = Month::parse("2025-01").unwrap().start();
        let cases = vec![
            c(2, Some("教育局"), Some(9)),
            c(3, Some("教育局"), None),
            c(4, None, Some(5)),
            old,
        ];
        let s = public_stats(
            &cases,
            Month::parse("2026-03").unwrap(),
            3,
            &rules(),
            at(20, 0),
        );
        assert_eq!(
            (s.from_month.as_str(), s.to_month.as_str()),
            ("2026-01", "2026-03")
        );
        assert_eq!(s.by_month.len(), 3);
        assert_eq!(s.by_month[0].figures.received, 0);
        assert_eq!(s.by_month[0].figures.reply_rate, None);
        assert_eq!(s.total.received, 3, "the 2025 case is outside the 3 months");
        assert_eq!(s.total.replied, 2);
        assert_eq!(s.total.reply_rate, Some(0.6667));
        // 5 working days (03-02 → 03-09) and 1 (03-04 → 03-05).
        assert_eq!(s.total.mean_reply_working_days, Some(3.0));
        assert_eq!(s.by_unit[0].unit, "教育局");
        assert_eq!(s.by_unit[1].unit, UNASSIGNED);
        assert_eq!(s.by_unit[0].figures.reply_rate, Some(0.5));
    }
}
