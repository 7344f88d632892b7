//! Department assessment (考核): per unit the 三率 — 响应率, 解决率, 满意率 — with the overdue and
//! returned (退单) counts, a weighted score and a ranking. Units with too few cases are shown as
//! 样本不足 and not ranked: a unit with two cases and one slow reply is not "worst".
//!
//! Definitions (also in docs/supervision.md), over the unit's cases of the month (the unit is the
//! case's lead unit, `cases.department`):
//! - 响应率: the unit's first action (签收, 退单 or 提交答复) after its assignment came within the
//!   first-response time of the case's urgency (`[sla] first_response_hours`), over the assigned
//!   cases whose response time has passed or that were acted on.
//! - 解决率: cases answered and not reopened since (已回复, 已办结, 已归档) over all its cases.
//! - 满意率: (满意 + 基本满意) over rated cases.
//! - Score: 100 × the weighted mean of the rates the unit has (weights re-normalised over the rates
//!   that have a denominator), minus penalty points per overdue case and per 退单; not below 0.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::report::{Rate, ReportCase, ReturnEvent, is_overdue, round2};
use crate::cases::{CaseRules, CaseStatus};

/// Weights and thresholds of the assessment (`[assessment]` in the config file).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct AssessmentPolicy {
    pub weight_response: f64,
    pub weight_resolution: f64,
    pub weight_satisfaction: f64,
    /// Points off per overdue case.
    pub overdue_penalty: f64,
    /// Points off per 退单.
    pub return_penalty: f64,
    /// Units with fewer cases in the month are 样本不足 and not ranked.
    pub min_cases: usize,
}

impl Default for AssessmentPolicy {
    fn default() -> Self {
        AssessmentPolicy {
            weight_response: 0.3,
            weight_resolution: 0.4,
            weight_satisfaction: 0.3,
            overdue_penalty: 2.0,
            return_penalty: 1.0,
            min_cases: 5,
        }
    }
}

impl AssessmentPolicy {
    /// Checks the values make sense (weights not negative, not all zero).
    pub fn validate(&self) -> Result<(), String> {
        let w = [
            self.weight_response,
            self.weight_resolution,
            self.weight_satisfaction,
        ];
        let p = [self.overdue_penalty, self.return_penalty];
        if w.iter().chain(&p).any(|x| !x.is_finite() || *x < 0.0) {
            return Err("assessment weights and penalties must be numbers ≥ 0".into());
        }
        if w.iter().sum::<f64>() <= 0.0 {
            return Err("at least one assessment weight must be above 0".into());
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UnitAssessment {
    pub unit: String,
    pub cases: usize,
    /// 响应率.
    pub response: Rate,
    /// 解决率.
    pub resolution: Rate,
    /// 满意率.
    pub satisfaction: Rate,
    pub overdue: usize,
    /// 退单 in the month.
    pub returned: usize,
    /// `null` for 样本不足.
    pub score: Option<f64>,
    /// 1 = best; `null` for 样本不足.
    pub rank: Option<usize>,
    /// 样本不足 (fewer cases than `min_cases`), else empty.
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Assessment {
    pub policy: AssessmentPolicy,
    /// Ranked units first (by rank), then 样本不足 units by name.
    pub units: Vec<UnitAssessment>,
}

pub const TOO_FEW: &str = "样本不足";

fn resolved(c: &ReportCase) -> bool {
    matches!(
        CaseStatus::parse(&c.status),
        Some(CaseStatus::Replied | CaseStatus::Closed | CaseStatus::Archived)
    )
}

/// The unit's response to its assignment: (on time, decided) or `None` while undecided.
fn response(c: &ReportCase, rules: &CaseRules, as_of: DateTime<Utc>) -> Option<bool> {
    let assigned = c.assigned_at?;
    let sla = &rules.sla;
    let hours = c
        .urgency
        .as_deref()
        .and_then(|u| sla.first_response_hours.get(u))
        .or_else(|| sla.first_response_hours.get("一般"))
        .copied()
        .unwrap_or(24);
    let due = assigned + Duration::hours(i64::from(hours));
    match c.unit_action_at {
        Some(a) => Some(a <= due),
        None if due < as_of => Some(false),
        None => None,
    }
}

/// Assesses every unit that led a case of the month or returned one in it.
pub fn assess(
    cases: &[ReportCase],
    returns: &[ReturnEvent],
    rules: &CaseRules,
    policy: &AssessmentPolicy,
    as_of: DateTime<Utc>,
) -> Assessment {
    let mut by_unit: BTreeMap<&str, Vec<&ReportCase>> = BTreeMap::new();
    for c in cases {
        if let Some(u) = c.unit.as_deref() {
            by_unit.entry(u).or_default().push(c);
        }
    }
    let mut returned: BTreeMap<&str, usize> = BTreeMap::new();
    for r in returns {
        if let Some(u) = r.unit.as_deref() {
            *returned.entry(u).or_insert(0) += 1;
        }
    }
    let units: BTreeSet<&str> = by_unit.keys().chain(returned.keys()).copied().collect();
    let mut rows: Vec<UnitAssessment> = units
        .into_iter()
        .map(|unit| {
            let cs = by_unit.get(unit).map(Vec::as_slice).unwrap_or(&[]);
            let responses: Vec<bool> = cs
                .iter()
                .filter_map(|c| response(c, rules, as_of))
                .collect();
            let response = Rate::new(responses.iter().filter(|r| **r).count(), responses.len());
            let resolution = Rate::new(cs.iter().filter(|c| resolved(c)).count(), cs.len());
            let rated: Vec<&str> = cs
                .iter()
                .filter_map(|c| c.satisfaction.as_deref())
                .collect();
            let satisfaction = Rate::new(
                rated
                    .iter()
                    .filter(|s| **s == "满意" || **s == "基本满意")
                    .count(),
                rated.len(),
            );
            let overdue = cs.iter().filter(|c| is_overdue(c, as_of)).count();
            let returned = returned.get(unit).copied().unwrap_or(0);
            let enough = cs.len() >= policy.min_cases;
            UnitAssessment {
                unit: unit.to_string(),
                cases: cs.len(),
                score: enough
                    .then(|| {
                        score(
                            policy,
                            &response,
                            &resolution,
                            &satisfaction,
                            overdue,
                            returned,
                        )
                    })
                    .flatten(),
                response,
                resolution,
                satisfaction,
                overdue,
                returned,
                rank: None,
                note: if enough {
                    String::new()
                } else {
                    TOO_FEW.to_string()
                },
            }
        })
        .collect();
    // Best score first; ties go to the unit that handled more cases, then by name.
    rows.sort_by(|a, b| match (a.score, b.score) {
        (Some(x), Some(y)) => y
            .total_cmp(&x)
            .then_with(|| b.cases.cmp(&a.cases))
            .then_with(|| a.unit.cmp(&b.unit)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.unit.cmp(&b.unit),
    });
    for (i, row) in rows.iter_mut().enumerate() {
        if row.score.is_some() {
            row.rank = Some(i + 1);
        }
    }
    Assessment {
        policy: policy.clone(),
        units: rows,
    }
}

/// The weighted score, or `None` when no rate has a denominator.
pub fn score(
    policy: &AssessmentPolicy,
    response: &Rate,
    resolution: &Rate,
    satisfaction: &Rate,
    overdue: usize,
    returned: usize,
) -> Option<f64> {
    let parts = [
        (policy.weight_response, response.rate),
        (policy.weight_resolution, resolution.rate),
        (policy.weight_satisfaction, satisfaction.rate),
    ];
    let (mut sum, mut weights) = (0.0, 0.0);
    for (w, r) in parts {
        if let Some(r) = r {
            sum += w * r;
            weights += w;
        }
    }
    if weights <= 0.0 {
        return None;
    }
    let raw = 100.0 * sum / weights
        - policy.overdue_penalty * overdue as f64
        - policy.return_penalty * returned as f64;
    Some(round2(raw.max(0.0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::supervise::report::tests::{at, case, rules};

    fn unit_case(n: u32, unit: &str, resolved: bool, rating: Option<&str>) -> ReportCase {
        let mut c = case(n, Some(unit));
        c.assigned_at = Some(at(2, 10));
        c.unit_action_at = Some(at(2, 12)); // signed for in 2 hours
        if resolved {
            c.status = "closed".into();
            c.replied_at = Some(at(6, 10));
        } else {
            c.status = "in_progress".into();
        }
        c.satisfaction = rating.map(str::to_string);
        c
    }

    #[test]
    fn score_weights_and_penalties() {
        let p = AssessmentPolicy::default();
        let full = Rate::new(1, 1);
        assert_eq!(score(&p, &full, &full, &full, 0, 0), Some(100.0));
        assert_eq!(score(&p, &full, &full, &full, 1, 2), Some(96.0));
        // No ratings: the other two weights carry the score.
        let none = Rate::new(0, 0);
        let half = Rate::new(1, 2);
        assert_eq!(score(&p, &full, &half, &none, 0, 0), Some(71.43));
        assert_eq!(score(&p, &none, &none, &none, 0, 0), None);
        assert_eq!(
            score(&p, &Rate::new(0, 4), &Rate::new(0, 4), &none, 100, 0),
            Some(0.0)
        );
    }

    #[test]
    fn ranking_leaves_small_units_unranked() {
        let mut cases = Vec::new();
        // 教育局: 5 cases, all resolved and satisfied.
        for n in 0..5 {
            cases.push(unit_case(n, "教育局", true, Some("满意")));
        }
        // 住建局: 6 cases, 3 resolved, one unsatisfied, one acted on late.
        for n in 10..16 {
            cases.push(unit_case(
                n,
                "住建局",
                n < 13,
                (n == 10).then_some("不满意"),
            ));
        }
        cases[6].unit_action_at = Some(at(4, 12));
        // 交通运输局: 2 cases, perfect — but too few to rank.
        for n in 20..22 {
            cases.push(unit_case(n, "交通运输局", true, Some("满意")));
        }
        let returns = vec![
            ReturnEvent {
                unit: Some("住建局".into()),
                at: at(3, 9),
            },
            ReturnEvent {
                unit: Some("水务局".into()),
                at: at(3, 9),
            },
        ];
        let a = assess(
            &cases,
            &returns,
            &rules(),
            &AssessmentPolicy::default(),
            at(20, 12),
        );
        let names: Vec<&str> = a.units.iter().map(|u| u.unit.as_str()).collect();
        assert_eq!(names, ["教育局", "住建局", "交通运输局", "水务局"]);
        assert_eq!(a.units[0].rank, Some(1));
        assert_eq!(a.units[0].score, Some(100.0));
        let h = &a.units[1];
        assert_eq!(h.rank, Some(2));
        assert_eq!(h.response, Rate::new(5, 6));
        assert_eq!(h.resolution, Rate::new(3, 6));
        assert_eq!(h.satisfaction, Rate::new(0, 1));
        // in-progress cases with the 03-11 deadline passed at 03-20: 3 overdue; 1 return.
        assert_eq!((h.overdue, h.returned), (3, 1));
        let expected = 100.0 * (0.3 * (5.0 / 6.0) + 0.4 * 0.5 + 0.3 * 0.0) - 2.0 * 3.0 - 1.0;
        assert_eq!(h.score, Some(round2(expected)));
        for small in &a.units[2..] {
            assert_eq!((small.rank, small.score), (None, None));
            assert_eq!(small.note, TOO_FEW);
        }
        assert_eq!(a.units[3].returned, 1);
        assert_eq!(a.units[3].cases, 0);
    }

    #[test]
    fn response_waits_for_its_time() {
        let mut c = case(1, Some("教育局"));
        c.assigned_at = Some(at(20, 10));
        assert_eq!(
            response(&c, &rules(), at(20, 12)),
            None,
            "24 h not yet passed"
        );
        assert_eq!(response(&c, &rules(), at(22, 12)), Some(false));
        c.urgency = Some("特急".into());
        c.unit_action_at = Some(at(20, 13));
        assert_eq!(
            response(&c, &rules(), at(22, 12)),
            Some(false),
            "特急: 2 hours"
        );
        c.assigned_at = None;
        assert_eq!(response(&c, &rules(), at(22, 12)), None);
    }

    #[test]
    fn policies_are_checked() {
        assert!(AssessmentPolicy::default().validate().is_ok());
        let bad = AssessmentPolicy {
            weight_response: -1.0,
            ..Default::default()
        };
        assert!(bad.validate().is_err());
        let zero = AssessmentPolicy {
            weight_response: 0.0,
            weight_resolution: 0.0,
            weight_satisfaction: 0.0,
            ..Default::default()
        };
        assert!(zero.validate().is_err());
    }
}
