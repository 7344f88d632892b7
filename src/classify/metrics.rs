//! Classification metrics: confusion matrix, per-class precision/recall/F1, macro-F1, accuracy.
//!
//! Written here rather than taken from linfa because linfa 0.8.1's multi-class `f1_score` is the
//! F-score of macro-averaged precision and recall, not the mean of per-class F1 that the
//! competition, scikit-learn and our targets use.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClassScore {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// Evaluation of predictions against gold labels (both as indices into `labels`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Evaluation {
    pub labels: Vec<String>,
    /// `confusion[gold][predicted]`.
    pub confusion: Vec<Vec<usize>>,
    pub per_class: Vec<ClassScore>,
    pub macro_f1: f64,
    pub accuracy: f64,
    pub n: usize,
}

impl Evaluation {
    pub fn new(labels: &[String], gold: &[usize], predicted: &[usize]) -> Self {
        let k = labels.len();
        let mut confusion = vec![vec![0usize; k]; k];
        for (&g, &p) in gold.iter().zip(predicted) {
            confusion[g][p] += 1;
        }
        let per_class: Vec<ClassScore> = (0..k)
            .map(|c| {
                let tp = confusion[c][c] as f64;
                let support: usize = confusion[c].iter().sum();
                let predicted_c: usize = (0..k).map(|g| confusion[g][c]).sum();
                let precision = if predicted_c > 0 {
                    tp / predicted_c as f64
                } else {
                    0.0
                };
                let recall = if support > 0 {
                    tp / support as f64
                } else {
                    0.0
                };
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassScore {
                    label: labels[c].clone(),
                    precision,
                    recall,
                    f1,
                    support,
                }
            })
            .collect();
        // Classes absent from the gold labels would score 0 and distort the mean.
        let present: Vec<&ClassScore> = per_class.iter().filter(|c| c.support > 0).collect();
        let macro_f1 = if present.is_empty() {
            0.0
        } else {
            present.iter().map(|c| c.f1).sum::<f64>() / present.len() as f64
        };
        let n = gold.len();
        let correct = (0..k).map(|c| confusion[c][c]).sum::<usize>();
        let accuracy = if n > 0 {
            correct as f64 / n as f64
        } else {
            0.0
        };
        Evaluation {
            labels: labels.to_vec(),
            confusion,
            per_class,
            macro_f1,
            accuracy,
            n,
        }
    }

    /// A plain-text report: the per-class table, then the confusion matrix (rows gold, columns
    /// predicted).
    pub fn report(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "{:<12} {:>9} {:>9} {:>9} {:>8}\n",
            "label", "precision", "recall", "f1", "support"
        ));
        for c in &self.per_class {
            s.push_str(&format!(
                "{:<12} {:>9.4} {:>9.4} {:>9.4} {:>8}\n",
                pad(&c.label, 12),
                c.precision,
                c.recall,
                c.f1,
                c.support
            ));
        }
        s.push_str("\nconfusion matrix (rows: gold, columns: predicted)\n");
        s.push_str(&format!("{:<12}", ""));
        for i in 0..self.labels.len() {
            s.push_str(&format!(" {:>5}", format!("[{i}]")));
        }
        s.push('\n');
        for (g, row) in self.confusion.iter().enumerate() {
            s.push_str(&format!(
                "{:<12}",
                pad(&format!("[{g}]{}", self.labels[g]), 12)
            ));
            for v in row {
                s.push_str(&format!(" {v:>5}"));
            }
            s.push('\n');
        }
        s
    }
}

/// Pads by display width (CJK characters are two columns wide) so tables line up in a terminal.
fn pad(s: &str, width: usize) -> String {
    let w: usize = s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum();
    let spaces = (width + s.chars().count()).saturating_sub(w);
    format!("{s:<spaces$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macro_f1_is_mean_of_per_class_f1() {
        let labels: Vec<String> = ["a", "b"].iter().map(|s| s.to_string()).collect();
        let e = Evaluation::new(&labels, &[0, 0, 1, 1], &[0, 1, 1, 1]);
        // a: p=1 r=.5 f=.6667; b: p=.6667 r=1 f=.8
        assert!((e.per_class[0].f1 - 2.0 / 3.0).abs() < 1e-9);
        assert!((e.per_class[1].f1 - 0.8).abs() < 1e-9);
        assert!((e.macro_f1 - (2.0 / 3.0 + 0.8) / 2.0).abs() < 1e-9);
        assert!((e.accuracy - 0.75).abs() < 1e-9);
        assert_eq!(e.confusion, vec![vec![1, 1], vec![0, 2]]);
    }
}
