//! Early warning (舆情预警): a hot topic that grows fast, or that holds a 特急 message, is raised
//! to the supervisors before it becomes a crisis.
//!
//! Rule (defaults in [`WarningPolicy`], docs/supervision.md): over the topics of the last
//! `lookback_days` (found by `hot::detect`), a topic is a warning when
//! - 快速增长: at least `min_recent` of its messages arrived in the last `recent_hours`, and their
//!   rate per hour is at least `growth_factor` times the topic's rate before that window (from the
//!   start of the look-back); a topic with nothing earlier grows from zero and only needs
//!   `min_recent`; or
//! - 含特急: one of its messages is 特急 (confirmed urgency, else the suggestion).
//!
//! A topic is identified by its earliest message (`topic_key`); the store records a warning once
//! per topic and never again for a topic that shares a message with a recorded one.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::hot::Topic;

/// Early-warning thresholds (`[warnings]` in the config file).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct WarningPolicy {
    /// Topics are detected over the cases of this many days.
    pub lookback_days: u32,
    /// The "recent" window.
    pub recent_hours: u32,
    /// Least messages in the recent window for growth to count.
    pub min_recent: usize,
    /// Recent rate over earlier rate at or above which a topic grows fast.
    pub growth_factor: f64,
    /// Run the scan in the background (when `[jobs] enabled`), every `scan_every_secs`.
    pub scan_in_jobs: bool,
    pub scan_every_secs: u64,
}

impl Default for WarningPolicy {
    fn default() -> Self {
        WarningPolicy {
            lookback_days: 30,
            recent_hours: 72,
            min_recent: 3,
            growth_factor: 3.0,
            scan_in_jobs: true,
            scan_every_secs: 900,
        }
    }
}

impl WarningPolicy {
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=365).contains(&self.lookback_days) {
            return Err("warnings.lookback_days must be 1 to 365".into());
        }
        if self.recent_hours == 0
            || i64::from(self.recent_hours) >= i64::from(self.lookback_days) * 24
        {
            return Err(
                "warnings.recent_hours must be above 0 and shorter than lookback_days".into(),
            );
        }
        if self.min_recent == 0 || !self.growth_factor.is_finite() || self.growth_factor < 1.0 {
            return Err("warnings.min_recent must be ≥ 1 and warnings.growth_factor ≥ 1".into());
        }
        Ok(())
    }
}

pub const FAST_GROWTH: &str = "快速增长";
pub const URGENT: &str = "含特急留言";

/// A warning, before or after it is stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Warning {
    /// The topic's earliest case number: a topic keeps it while it grows.
    pub topic_key: String,
    /// 快速增长 and/or 含特急留言.
    pub reasons: Vec<String>,
    pub place: Option<String>,
    pub keywords: Vec<String>,
    /// Personal data masked.
    pub representative_titles: Vec<String>,
    pub case_numbers: Vec<String>,
    pub recent_messages: usize,
    pub earlier_messages: usize,
    pub urgent_messages: usize,
    pub first_time: DateTime<Utc>,
    pub last_time: DateTime<Utc>,
}

/// Per case: when it arrived and whether it is 特急.
pub type CaseFacts = HashMap<String, (DateTime<Utc>, bool)>;

/// The warnings among `topics` at `now`.
pub fn evaluate(
    topics: &[Topic],
    facts: &CaseFacts,
    policy: &WarningPolicy,
    now: DateTime<Utc>,
) -> Vec<Warning> {
    let recent_from = now - Duration::hours(i64::from(policy.recent_hours));
    let lookback_from = now - Duration::days(i64::from(policy.lookback_days));
    let earlier_hours = (recent_from - lookback_from).num_seconds() as f64 / 3600.0;
    topics
        .iter()
        .filter_map(|t| {
            let known: Vec<(DateTime<Utc>, bool)> = t
                .messages
                .iter()
                .filter_map(|m| facts.get(m).copied())
                .collect();
            let recent = known.iter().filter(|(at, _)| *at > recent_from).count();
            let earlier = known.len() - recent;
            let urgent = known.iter().filter(|(_, u)| *u).count();
            let recent_rate = recent as f64 / f64::from(policy.recent_hours);
            let earlier_rate = earlier as f64 / earlier_hours.max(1.0);
            let grows =
                recent >= policy.min_recent && recent_rate >= policy.growth_factor * earlier_rate;
            let mut reasons = Vec::new();
            if grows {
                reasons.push(FAST_GROWTH.to_string());
            }
            if urgent > 0 {
                reasons.push(URGENT.to_string());
            }
            if reasons.is_empty() {
                return None;
            }
            Some(Warning {
                topic_key: t.messages.first()?.clone(),
                reasons,
                place: t.place.clone(),
                keywords: t.keywords.clone(),
                representative_titles: t.representative_titles.clone(),
                case_numbers: t.messages.clone(),
                recent_messages: recent,
                earlier_messages: earlier,
                urgent_messages: urgent,
                first_time: t.first_time,
                last_time: t.last_time,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(ids: &[&str]) -> Topic {
        Topic {
            heat: 1.0,
            place: Some("丽发新城小区".into()),
            keywords: vec!["搅拌站".into()],
            first_time: DateTime::from_timestamp(0, 0).unwrap(),
            last_time: DateTime::from_timestamp(0, 0).unwrap(),
            people: ids.len(),
            likes: 0,
            dislikes: 0,
            messages: ids.iter().map(|s| s.to_string()).collect(),
            representative_titles: vec![],
            labels: vec![],
        }
    }

    #[test]
    fn growth_against_the_earlier_rate_and_urgency() {
        let now = DateTime::from_timestamp(1_780_000_000, 0).unwrap();
        let h = |hours: i64| now - Duration::hours(hours);
        let mut facts = CaseFacts::new();
        // Topic A: 3 in the last day, 1 three weeks ago → grows fast.
        for (id, t) in [("a1", h(500)), ("a2", h(20)), ("a3", h(10)), ("a4", h(2))] {
            facts.insert(id.into(), (t, false));
        }
        // Topic B: steady: 3 recent, but 20 spread over the weeks before.
        let mut b = Vec::new();
        for i in 0..20 {
            let id = format!("b{i}");
            facts.insert(id.clone(), (h(100 + i * 25), false));
            b.push(id);
        }
        for (i, t) in [h(5), h(30), h(60)].into_iter().enumerate() {
            let id = format!("br{i}");
            facts.insert(id.clone(), (t, false));
            b.push(id);
        }
        // Topic C: two old messages, one 特急.
        facts.insert("c1".into(), (h(300), true));
        facts.insert("c2".into(), (h(200), false));
        // Topic D: only two recent messages: below min_recent.
        facts.insert("d1".into(), (h(3), false));
        facts.insert("d2".into(), (h(4), false));
        let b_refs: Vec<&str> = b.iter().map(String::as_str).collect();
        let topics = vec![
            topic(&["a1", "a2", "a3", "a4"]),
            topic(&b_refs),
            topic(&["c1", "c2"]),
            topic(&["d1", "d2"]),
        ];
        let w = evaluate(&topics, &facts, &WarningPolicy::default(), now);
        let keys: Vec<(&str, &Vec<String>)> = w
            .iter()
            .map(|w| (w.topic_key.as_str(), &w.reasons))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("a1", &vec![FAST_GROWTH.to_string()]),
                ("c1", &vec![URGENT.to_string()]),
            ]
        );
        assert_eq!((w[0].recent_messages, w[0].earlier_messages), (3, 1));
        assert_eq!(w[1].urgent_messages, 1);
    }

    #[test]
    fn policies_are_checked() {
        assert!(WarningPolicy::default().validate().is_ok());
        for bad in [
            WarningPolicy {
                lookback_days: 0,
                ..Default::default()
            },
            WarningPolicy {
                recent_hours: 24 * 30,
                ..Default::default()
            },
            WarningPolicy {
                growth_factor: 0.5,
                ..Default::default()
            },
        ] {
            assert!(bad.validate().is_err());
        }
    }
}
