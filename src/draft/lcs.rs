//! Character-level longest common subsequence and ROUGE-L F1, used by the composer to choose
//! passages (expected overlap with the replies of similar cases) and by tests and evaluation.
//!
//! The LCS length is computed bit-parallel (Hyyrö 2004): one pass over `b` with a bit vector as
//! long as `a`, so a 300 × 300 character comparison costs about 300 × 5 word operations rather
//! than 90,000 cell updates.

use std::collections::HashMap;

/// Length of the longest common subsequence of the characters of `a` and `b`.
pub fn lcs_len(a: &str, b: &str) -> usize {
    Pattern::new(a).lcs_len(b)
}

/// One side of many LCS computations, prepared once (the composer compares every candidate draft
/// with the same replies of similar cases).
#[derive(Debug, Clone)]
pub struct Pattern {
    len: usize,
    words: usize,
    masks: HashMap<char, Vec<u64>>,
}

impl Pattern {
    pub fn new(a: &str) -> Self {
        let chars: Vec<char> = a.chars().collect();
        let words = chars.len().div_ceil(64);
        let mut masks: HashMap<char, Vec<u64>> = HashMap::new();
        for (i, &c) in chars.iter().enumerate() {
            masks.entry(c).or_insert_with(|| vec![0; words])[i / 64] |= 1 << (i % 64);
        }
        Pattern {
            len: chars.len(),
            words,
            masks,
        }
    }

    /// Length in characters.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// LCS length of this pattern and `b`.
    pub fn lcs_len(&self, b: &str) -> usize {
        if self.len == 0 || b.is_empty() {
            return 0;
        }
        let words = self.words;
        let mut v = vec![u64::MAX; words];
        let zero = vec![0u64; words];
        let a_len = self.len;
        for c in b.chars() {
            let m = self.masks.get(&c).unwrap_or(&zero);
            // V' = (V + (V & M)) | (V & !M), with the addition carried across words.
            let mut carry = 0u64;
            for w in 0..words {
                let u = v[w] & m[w];
                let (s1, c1) = v[w].overflowing_add(u);
                let (s2, c2) = s1.overflowing_add(carry);
                carry = u64::from(c1 || c2);
                v[w] = s2 | (v[w] & !m[w]);
            }
        }
        let mut zeros = 0usize;
        for (w, &x) in v.iter().enumerate() {
            let bits = if w + 1 == words && !a_len.is_multiple_of(64) {
                a_len % 64
            } else {
                64
            };
            let mask = if bits == 64 {
                u64::MAX
            } else {
                (1u64 << bits) - 1
            };
            zeros += (!x & mask).count_ones() as usize;
        }
        zeros
    }

    /// ROUGE-L F1 of `candidate` against this pattern as the reference (no whitespace in either).
    pub fn f1_against(&self, candidate: &str, candidate_len: usize) -> f64 {
        let l = self.lcs_len(candidate) as f64;
        if l == 0.0 {
            return 0.0;
        }
        2.0 * l / (candidate_len + self.len) as f64
    }
}

/// ROUGE-L F1 over characters (whitespace is not a character of Chinese text and is skipped).
pub fn rouge_l_f1(candidate: &str, reference: &str) -> f64 {
    let c: String = candidate.chars().filter(|c| !c.is_whitespace()).collect();
    let r: String = reference.chars().filter(|c| !c.is_whitespace()).collect();
    let l = lcs_len(&c, &r) as f64;
    if l == 0.0 {
        return 0.0;
    }
    let p = l / c.chars().count() as f64;
    let q = l / r.chars().count() as f64;
    2.0 * p * q / (p + q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn naive(a: &str, b: &str) -> usize {
        let a: Vec<char> = a.chars().collect();
        let b: Vec<char> = b.chars().collect();
        let mut dp = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                dp[i][j] = if a[i - 1] == b[j - 1] {
                    dp[i - 1][j - 1] + 1
                } else {
                    dp[i - 1][j].max(dp[i][j - 1])
                };
            }
        }
        dp[a.len()][b.len()]
    }

    #[test]
    fn known_values() {
        assert_eq!(lcs_len("您好感谢支持", "您好,感谢您的支持"), 6);
        assert_eq!(lcs_len("", "abc"), 0);
        assert!((rouge_l_f1("abcd", "abcd") - 1.0).abs() < 1e-9);
        assert_eq!(rouge_l_f1("xyz", "abc"), 0.0);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// The bit-parallel LCS equals the textbook dynamic programme, including across the
        /// 64-character word boundaries.
        #[test]
        fn matches_dynamic_programme(a in "[abc一二]{0,150}", b in "[abc一二]{0,150}") {
            prop_assert_eq!(lcs_len(&a, &b), naive(&a, &b));
        }
    }
}
