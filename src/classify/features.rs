//! Features: word unigrams, word bigrams and character n-grams, weighted by sublinear TF-IDF and
//! L2-normalised. The vocabulary and IDF weights are fitted on the training text and saved in the
//! model file, so run time uses exactly the feature space the model was trained in.
//!
//! Character n-grams are taken over the content words joined together (stop words removed), not over
//! the raw text: the labelled training data only survives as stop-word-filtered tokens, and this
//! makes raw messages at run time produce the same kind of n-grams.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Which features are extracted; saved in the model header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureConfig {
    pub word_bigrams: bool,
    pub char_ngram_min: usize,
    pub char_ngram_max: usize,
    pub min_df: u32,
    pub max_features: usize,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig { word_bigrams: true, char_ngram_min: 2, char_ngram_max: 3, min_df: 2, max_features: 150_000 }
    }
}

/// Feature terms carry a one-letter prefix so that the word `公积金` and the character trigram
/// `公积金` are different features: `w:` word, `b:` word bigram, `c:` character n-gram.
pub fn terms(words: &[String], config: &FeatureConfig) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len() * 4);
    for w in words {
        out.push(format!("w:{w}"));
    }
    if config.word_bigrams {
        for pair in words.windows(2) {
            out.push(format!("b:{} {}", pair[0], pair[1]));
        }
    }
    if config.char_ngram_max > 0 {
        let chars: Vec<char> = words.iter().flat_map(|w| w.chars()).collect();
        for n in config.char_ngram_min.max(1)..=config.char_ngram_max {
            for gram in chars.windows(n) {
                let mut s = String::with_capacity(2 + n * 3);
                s.push_str("c:");
                s.extend(gram);
                out.push(s);
            }
        }
    }
    out
}

/// The human-readable part of a feature term, or `None` for character n-grams (which mean little
/// to a member of staff reading "why this department").
pub fn display_term(term: &str) -> Option<&str> {
    match term.split_at_checked(2) {
        Some(("w:", rest)) | Some(("b:", rest)) => Some(rest),
        _ => None,
    }
}

/// A sparse, L2-normalised feature vector (indices ascending).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVector {
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

/// Vocabulary plus inverse document frequencies.
#[derive(Debug, Clone)]
pub struct Vectorizer {
    pub config: FeatureConfig,
    pub terms: Vec<String>,
    pub idf: Vec<f32>,
    index: HashMap<String, u32>,
}

impl Vectorizer {
    /// Builds from saved parts (model file).
    pub fn from_parts(config: FeatureConfig, terms: Vec<String>, idf: Vec<f32>) -> Self {
        let index = terms.iter().enumerate().map(|(i, t)| (t.clone(), i as u32)).collect();
        Vectorizer { config, terms, idf, index }
    }

    /// Fits the vocabulary on documents given as their word lists.
    pub fn fit(docs: &[Vec<String>], config: FeatureConfig) -> Self {
        let mut df: HashMap<String, u32> = HashMap::new();
        for words in docs {
            let mut t = terms(words, &config);
            t.sort_unstable();
            t.dedup();
            for term in t {
                *df.entry(term).or_insert(0) += 1;
            }
        }
        let mut kept: Vec<(String, u32)> = df.into_iter().filter(|(_, d)| *d >= config.min_df).collect();
        // Most frequent first, ties by term, so the vocabulary is deterministic.
        kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        kept.truncate(config.max_features);
        kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let n = docs.len() as f32;
        let idf = kept.iter().map(|(_, d)| ((1.0 + n) / (1.0 + *d as f32)).ln() + 1.0).collect();
        let terms = kept.into_iter().map(|(t, _)| t).collect();
        Self::from_parts(config, terms, idf)
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Sublinear TF-IDF (1 + ln tf) · idf, L2-normalised; unknown terms are dropped.
    pub fn transform(&self, words: &[String]) -> SparseVector {
        let mut counts: HashMap<u32, f32> = HashMap::new();
        for term in terms(words, &self.config) {
            if let Some(&i) = self.index.get(&term) {
                *counts.entry(i).or_insert(0.0) += 1.0;
            }
        }
        let mut pairs: Vec<(u32, f32)> =
            counts.into_iter().map(|(i, tf)| (i, (1.0 + tf.ln()) * self.idf[i as usize])).collect();
        pairs.sort_unstable_by_key(|p| p.0);
        let norm = pairs.iter().map(|p| p.1 * p.1).sum::<f32>().sqrt();
        let scale = if norm > 0.0 { 1.0 / norm } else { 0.0 };
        SparseVector {
            indices: pairs.iter().map(|p| p.0).collect(),
            values: pairs.iter().map(|p| p.1 * scale).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(String::from).collect()
    }

    #[test]
    fn terms_have_prefixes_and_ngrams() {
        let t = terms(&words("物业 收费"), &FeatureConfig::default());
        assert!(t.contains(&"w:物业".to_string()));
        assert!(t.contains(&"b:物业 收费".to_string()));
        assert!(t.contains(&"c:业收".to_string()));
        assert!(t.contains(&"c:物业收".to_string()));
        assert_eq!(display_term("c:业收"), None);
        assert_eq!(display_term("b:物业 收费"), Some("物业 收费"));
    }

    #[test]
    fn transform_is_unit_length_and_drops_unknown_terms() {
        let docs = vec![words("物业 收费"), words("物业 停车"), words("学校 收费")];
        let v = Vectorizer::fit(&docs, FeatureConfig::default());
        let x = v.transform(&words("物业 收费 火星"));
        let norm: f32 = x.values.iter().map(|v| v * v).sum();
        assert!((norm - 1.0).abs() < 1e-5);
        assert!(x.indices.windows(2).all(|w| w[0] < w[1]));
        assert!(v.transform(&words("火星")).indices.is_empty());
    }
}
