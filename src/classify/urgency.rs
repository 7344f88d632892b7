//! Urgency (紧急程度): the model's probabilities, a recall-first threshold, and certain rules.
//!
//! Missing an urgent message costs far more than looking at one too many, so the decision is not
//! the most probable label: a message is flagged urgent when P(特急) + P(紧急) reaches a threshold
//! chosen on the dev split so that at least 90% of urgent messages are flagged. A few phrases that
//! state a present danger outright (the guideline's 特急 signals) raise a message to 特急 whatever
//! the model says; the output names the rule that fired.

use serde::Serialize;

use super::LabelScore;
use super::classifier::{Classifier, MAX_TEXT_CHARS, truncate_chars};
use crate::text::Segmenter;

pub const URGENT_LABELS: [&str; 2] = ["特急", "紧急"];
pub const NOT_URGENT: &str = "一般";

/// Phrases that state a present threat to life outright. Each was checked on the labelled data:
/// docs/classifier.md gives how often it fires and how often the message was labelled 特急 or 紧急.
pub const RULES: [(&str, &str); 9] = [
    ("燃气泄漏", "gas_leak"),
    ("煤气泄漏", "gas_leak"),
    ("天然气泄漏", "gas_leak"),
    ("已经坍塌", "collapse"),
    ("房屋坍塌", "collapse"),
    ("轻生", "suicide"),
    ("要跳楼", "suicide"),
    ("食物中毒", "poisoning"),
    ("正在着火", "fire"),
];

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct UrgencySuggestion {
    /// 特急, 紧急 or 一般.
    pub label: String,
    /// Whether the message is flagged urgent (特急 or 紧急).
    pub urgent: bool,
    /// P(特急) + P(紧急), calibrated.
    pub urgent_probability: f32,
    /// The threshold on `urgent_probability` that flags a message.
    pub threshold: f32,
    pub top3: Vec<LabelScore>,
    /// The certain rule that fired, if any (e.g. `gas_leak`).
    pub rule: Option<String>,
    pub key_terms: Vec<String>,
}

/// Words that make the following phrase hypothetical or feared rather than happening
/// ("如果发生燃气泄漏", "担心坍塌"): the labelled data has such mentions, and they are 一般.
const HYPOTHETICAL: [&str; 12] = [
    "如果", "若", "一旦", "万一", "担心", "防止", "以免", "避免", "可能", "预防", "害怕", "恐",
];

/// Words after the phrase that make it a risk rather than an event ("存在燃气泄漏的风险").
const RISK_AFTER: [&str; 3] = ["风险", "隐患", "可能"];

/// The first certain rule whose phrase occurs in `text` stated as a fact, not a fear or a risk.
pub fn fired_rule(text: &str) -> Option<&'static str> {
    for (phrase, name) in RULES {
        for (at, _) in text.match_indices(phrase) {
            let before: String = text[..at]
                .chars()
                .rev()
                .take(6)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let after: String = text[at + phrase.len()..].chars().take(8).collect();
            // "减轻生产成本" contains 轻生.
            let inside_word = phrase == "轻生"
                && (before.ends_with('减') || after.starts_with('产') || after.starts_with('活'));
            if !inside_word
                && !HYPOTHETICAL.iter().any(|h| before.contains(h))
                && !RISK_AFTER.iter().any(|r| after.contains(r))
            {
                return Some(name);
            }
        }
    }
    None
}

/// The urgent recalls a model stores a dev-chosen threshold for (`urgent@0.80` …), besides the
/// default `urgent` (90%). A board whose staff cannot look at every flagged message chooses
/// another operating point in the config (`urgent_recall`); docs/classifier.md gives the
/// precision each costs.
pub const OPERATING_RECALLS: [f64; 7] = [0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95];

/// The threshold key of an operating point, e.g. `urgent@0.80`.
pub fn threshold_key(recall: f64) -> String {
    format!("urgent@{recall:.2}")
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum OperatingPointError {
    #[error(
        "urgent_recall {requested} is not an operating point of this urgency model (it has: {available})"
    )]
    Unknown { requested: f64, available: String },
}

/// Makes the dev-chosen threshold for `recall` the model's urgent threshold.
pub fn select_operating_point(
    model: &mut Classifier,
    recall: f64,
) -> Result<f32, OperatingPointError> {
    let thresholds = &mut model.header.thresholds;
    let Some(&t) = thresholds.get(&threshold_key(recall)) else {
        let available: Vec<&str> = thresholds
            .keys()
            .filter_map(|k| k.strip_prefix("urgent@"))
            .collect();
        return Err(OperatingPointError::Unknown {
            requested: recall,
            available: if available.is_empty() {
                "none: retrain it".into()
            } else {
                available.join(", ")
            },
        });
    };
    thresholds.insert("urgent".into(), t);
    Ok(t)
}

/// Decides urgency with the model's urgent threshold and the rules.
pub fn decide(
    model: &Classifier,
    segmenter: &Segmenter,
    text: &str,
    use_rules: bool,
) -> UrgencySuggestion {
    let text = truncate_chars(text, MAX_TEXT_CHARS);
    decide_words(model, &segmenter.words(text), text, use_rules)
}

/// [`decide`] for text already segmented (`words`); `text` is only searched for the rules.
pub fn decide_words(
    model: &Classifier,
    words: &[String],
    text: &str,
    use_rules: bool,
) -> UrgencySuggestion {
    decide_vector(model, &model.vectorizer.transform(words), text, use_rules)
}

/// [`decide`] from the message's feature vector in this model's space.
pub fn decide_vector(
    model: &Classifier,
    x: &super::features::SparseVector,
    text: &str,
    use_rules: bool,
) -> UrgencySuggestion {
    let (p, probs) = model.predict_vector(x);
    let prob_of = |label: &str| {
        model
            .labels()
            .iter()
            .position(|l| l == label)
            .map_or(0.0, |i| probs[i])
    };
    let urgent_probability = prob_of("特急") + prob_of("紧急");
    let threshold = model
        .header
        .thresholds
        .get("urgent")
        .copied()
        .unwrap_or(0.5);
    let rule = if use_rules {
        fired_rule(&crate::text::normalise(text))
    } else {
        None
    };
    let (label, urgent) = if rule.is_some() {
        ("特急".to_string(), true)
    } else if urgent_probability >= threshold {
        let label = if prob_of("特急") > prob_of("紧急") {
            "特急"
        } else {
            "紧急"
        };
        (label.to_string(), true)
    } else {
        (NOT_URGENT.to_string(), false)
    };
    UrgencySuggestion {
        label,
        urgent,
        urgent_probability,
        threshold,
        top3: p.top3,
        rule: rule.map(str::to_string),
        key_terms: p.key_terms,
    }
}

/// The highest threshold that still flags at least `target_recall` of the urgent messages, given
/// (urgent probability, is urgent) pairs: the most precise setting that meets the recall target.
pub fn choose_threshold(scored: &[(f32, bool)], target_recall: f64) -> f32 {
    let positives = scored.iter().filter(|s| s.1).count();
    if positives == 0 {
        return 0.5;
    }
    let mut urgent_scores: Vec<f32> = scored.iter().filter(|s| s.1).map(|s| s.0).collect();
    urgent_scores.sort_by(|a, b| b.total_cmp(a));
    let needed = ((target_recall * positives as f64).ceil() as usize).clamp(1, positives);
    urgent_scores[needed - 1]
}

/// Recall and precision of the urgent flag.
pub fn recall_precision(flagged_and_gold: &[(bool, bool)]) -> (f64, f64) {
    let tp = flagged_and_gold.iter().filter(|(f, g)| *f && *g).count() as f64;
    let gold = flagged_and_gold.iter().filter(|(_, g)| *g).count() as f64;
    let flagged = flagged_and_gold.iter().filter(|(f, _)| *f).count() as f64;
    (
        if gold > 0.0 { tp / gold } else { 0.0 },
        if flagged > 0.0 { tp / flagged } else { 0.0 },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_meets_recall_with_best_precision() {
        let scored = vec![
            (0.9, true),
            (0.8, false),
            (0.7, true),
            (0.4, true),
            (0.3, false),
            (0.1, true),
        ];
        // 4 urgent; 90% recall needs all 4 flagged → threshold at the lowest urgent score.
        assert_eq!(choose_threshold(&scored, 0.9), 0.1);
        assert_eq!(choose_threshold(&scored, 0.75), 0.4);
        assert_eq!(choose_threshold(&scored, 0.5), 0.7);
    }

    #[test]
    fn rules_fire_on_explicit_danger_only() {
        assert_eq!(fired_rule("楼道里有燃气泄漏的味道"), Some("gas_leak"));
        assert_eq!(fired_rule("老人多次说要轻生"), Some("suicide"));
        assert_eq!(fired_rule("路灯坏了半年"), None);
        assert_eq!(
            fired_rule("如果发生燃气泄漏而酿成安全事故,后果不堪设想"),
            None
        );
        assert_eq!(fired_rule("担心有人轻生"), None);
        assert_eq!(fired_rule("为了减轻生产成本"), None);
        assert_eq!(fired_rule("存在燃气泄漏串气的风险"), None);
    }

    #[test]
    fn an_operating_point_replaces_the_threshold_and_an_unknown_one_is_refused() {
        let mut model = Classifier::load(std::path::Path::new("models/urgency.wzm")).unwrap();
        let default = model.header.thresholds["urgent"];
        let t80 = select_operating_point(&mut model, 0.8).unwrap();
        assert_eq!(model.header.thresholds["urgent"], t80);
        assert!(
            t80 > default,
            "a lower recall flags less: {t80} vs {default}"
        );
        let err = select_operating_point(&mut model, 0.42).unwrap_err();
        assert!(
            err.to_string().contains("0.42") && err.to_string().contains("0.80"),
            "{err}"
        );
        assert_eq!(
            model.header.thresholds["urgent"], t80,
            "a refused choice changes nothing"
        );
    }

    #[test]
    fn recall_and_precision() {
        let (r, p) =
            recall_precision(&[(true, true), (true, false), (false, true), (false, false)]);
        assert_eq!((r, p), (0.5, 0.5));
    }
}
