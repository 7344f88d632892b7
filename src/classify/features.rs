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
    /// Title words as separate features (`t:`), marked with [`TITLE_MARK`] in the word list. The
    /// department model cannot use them (its training text has no separate title); the request-type
    /// and urgency models do: "举报…", "建议…", "感谢…" in a title say much about the request.
    #[serde(default)]
    pub title_words: bool,
    /// With title words: the title's terms form their own block, L2-normalised apart from the
    /// rest and scaled by this weight. Pooled into one vector, five title words weigh almost
    /// nothing against a few hundred body terms; measured on the request-type dev split the
    /// separate block helps (docs/classifier.md). `None` (older models): one pooled vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_weight: Option<f32>,
}

/// Prefix marking a word of the title in a word list (see [`with_title`]).
pub const TITLE_MARK: char = '\u{1}';

/// The word list a title-aware model sees: the title's words, marked, then all the message's words.
pub fn with_title(title_words: &[String], message_words: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = title_words
        .iter()
        .map(|w| format!("{TITLE_MARK}{w}"))
        .collect();
    out.extend(message_words);
    out
}

/// Splits a word list into (title words without their mark, other words).
fn split_title(words: &[String]) -> (Vec<&str>, &[String]) {
    let n = words
        .iter()
        .take_while(|w| w.starts_with(TITLE_MARK))
        .count();
    (
        words[..n]
            .iter()
            .map(|w| &w[TITLE_MARK.len_utf8()..])
            .collect(),
        &words[n..],
    )
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            word_bigrams: true,
            char_ngram_min: 2,
            char_ngram_max: 3,
            min_df: 2,
            max_features: 150_000,
            title_words: false,
            title_weight: None,
        }
    }
}

/// Feature terms carry a one-letter prefix so that the word `公积金` and the character trigram
/// `公积金` are different features: `w:` word, `b:` word bigram, `c:` character n-gram.
pub fn terms(words: &[String], config: &FeatureConfig) -> Vec<String> {
    let mut out = Vec::with_capacity(words.len() * 4);
    let (title, words) = split_title(words);
    if config.title_words {
        out.extend(title.iter().map(|w| format!("t:{w}")));
    }
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
        Some(("w:", rest)) | Some(("b:", rest)) | Some(("t:", rest)) => Some(rest),
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
    /// Term hash → term index. Run time hashes n-grams straight from the text instead of
    /// building a `String` per n-gram (a message has a few thousand), which made feature extraction
    /// five times slower.
    index: HashMap<u64, u32, BuildFnv>,
    /// Whether each term is a title term (`t:`), for [`FeatureConfig::title_weight`].
    is_title: Vec<bool>,
}

/// FNV-1a, 64-bit: stable across runs and platforms (unlike the std hasher), fast on the short
/// strings that terms are. Collisions among 150k terms have probability ~1e-9.
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    const fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn finish(self) -> u64 {
        self.0
    }
}

fn term_hash(parts: &[&[u8]]) -> u64 {
    let mut h = Fnv::new();
    for p in parts {
        h.write(p);
    }
    h.finish()
}

/// Identity hashing for keys that are already FNV hashes.
#[derive(Clone, Copy, Default)]
struct BuildFnv;

impl std::hash::BuildHasher for BuildFnv {
    type Hasher = PassThrough;
    fn build_hasher(&self) -> PassThrough {
        PassThrough(0)
    }
}

struct PassThrough(u64);

impl std::hash::Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// Calls `f` with the hash of every feature term of `words`, in the same order and with the same
/// meaning as [`terms`] (which spells them out; the two must agree, a test checks it).
fn for_each_term_hash(words: &[String], config: &FeatureConfig, mut f: impl FnMut(u64)) {
    let (title, words) = split_title(words);
    if config.title_words {
        for w in title {
            f(term_hash(&[b"t:", w.as_bytes()]));
        }
    }
    for w in words {
        f(term_hash(&[b"w:", w.as_bytes()]));
    }
    if config.word_bigrams {
        for pair in words.windows(2) {
            f(term_hash(&[
                b"b:",
                pair[0].as_bytes(),
                b" ",
                pair[1].as_bytes(),
            ]));
        }
    }
    if config.char_ngram_max > 0 {
        let joined: String = words.concat();
        let mut bounds: Vec<usize> = joined.char_indices().map(|(i, _)| i).collect();
        bounds.push(joined.len());
        let n_chars = bounds.len() - 1;
        let bytes = joined.as_bytes();
        for n in config.char_ngram_min.max(1)..=config.char_ngram_max {
            for start in 0..n_chars.saturating_sub(n - 1) {
                f(term_hash(&[
                    b"c:",
                    &bytes[bounds[start]..bounds[start + n]],
                ]));
            }
        }
    }
}

impl Vectorizer {
    /// Builds from saved parts (model file).
    pub fn from_parts(config: FeatureConfig, terms: Vec<String>, idf: Vec<f32>) -> Self {
        let is_title = terms.iter().map(|t| t.starts_with("t:")).collect();
        let index = terms
            .iter()
            .enumerate()
            .map(|(i, t)| (term_hash(&[t.as_bytes()]), i as u32))
            .collect();
        Vectorizer {
            config,
            terms,
            idf,
            index,
            is_title,
        }
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
        let mut kept: Vec<(String, u32)> = df
            .into_iter()
            .filter(|(_, d)| *d >= config.min_df)
            .collect();
        // Most frequent first, ties by term, so the vocabulary is deterministic.
        kept.sort_unstable_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        if config.title_weight.is_some() {
            // The title block is small (a few thousand terms) and must not lose its rarer words
            // to the body's many character n-grams: only the body terms are capped.
            let (title, mut body): (Vec<_>, Vec<_>) =
                kept.into_iter().partition(|(t, _)| t.starts_with("t:"));
            body.truncate(config.max_features);
            kept = body;
            kept.extend(title);
        } else {
            kept.truncate(config.max_features);
        }
        kept.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let n = docs.len() as f32;
        let idf = kept
            .iter()
            .map(|(_, d)| ((1.0 + n) / (1.0 + *d as f32)).ln() + 1.0)
            .collect();
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
        self.transform_hashes(&self.term_hashes(words))
    }

    /// The hash of every feature term of `words` under this vectorizer's configuration. Models
    /// with the same configuration share them: triage hashes a message once for three models.
    pub fn term_hashes(&self, words: &[String]) -> Vec<u64> {
        let mut out = Vec::with_capacity(words.len() * 8);
        for_each_term_hash(words, &self.config, |h| out.push(h));
        out
    }

    /// [`Vectorizer::transform`] from precomputed term hashes.
    pub fn transform_hashes(&self, hashes: &[u64]) -> SparseVector {
        let mut hits: Vec<u32> = hashes
            .iter()
            .filter_map(|h| self.index.get(h).copied())
            .collect();
        hits.sort_unstable();
        let mut pairs: Vec<(u32, f32)> = Vec::with_capacity(hits.len());
        for chunk in hits.chunk_by(|a, b| a == b) {
            let tf = chunk.len() as f32;
            pairs.push((chunk[0], (1.0 + tf.ln()) * self.idf[chunk[0] as usize]));
        }
        let scale_of = |norm2: f32, weight: f32| {
            if norm2 > 0.0 {
                weight / norm2.sqrt()
            } else {
                0.0
            }
        };
        let (title_scale, body_scale) = match self.config.title_weight {
            Some(w) => {
                let (mut t2, mut b2) = (0.0f32, 0.0f32);
                for &(i, v) in &pairs {
                    if self.is_title[i as usize] {
                        t2 += v * v;
                    } else {
                        b2 += v * v;
                    }
                }
                (scale_of(t2, w), scale_of(b2, 1.0))
            }
            None => {
                let s = scale_of(pairs.iter().map(|p| p.1 * p.1).sum::<f32>(), 1.0);
                (s, s)
            }
        };
        SparseVector {
            indices: pairs.iter().map(|p| p.0).collect(),
            values: pairs
                .iter()
                .map(|&(i, v)| {
                    v * if self.is_title[i as usize] {
                        title_scale
                    } else {
                        body_scale
                    }
                })
                .collect(),
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
    fn hashed_terms_match_spelled_terms() {
        let w = with_title(&words("举报 物业"), words("A市 物业 收费 停车费"));
        let config = FeatureConfig {
            title_words: true,
            ..FeatureConfig::default()
        };
        assert!(terms(&w, &config).contains(&"t:举报".to_string()));
        let mut hashes = Vec::new();
        for_each_term_hash(&w, &config, |h| hashes.push(h));
        let spelled: Vec<u64> = terms(&w, &config)
            .iter()
            .map(|t| term_hash(&[t.as_bytes()]))
            .collect();
        assert_eq!(hashes, spelled);
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

    #[test]
    fn title_block_has_its_own_norm_and_survives_the_cap() {
        let docs: Vec<Vec<String>> = ["物业 收费", "物业 停车", "学校 收费"]
            .iter()
            .map(|b| with_title(&words("举报 物业"), words(b)))
            .collect();
        let config = FeatureConfig {
            title_words: true,
            title_weight: Some(0.5),
            min_df: 1,
            max_features: 3,
            ..FeatureConfig::default()
        };
        let v = Vectorizer::fit(&docs, config);
        // The cap of 3 applies to body terms only; both title terms are kept.
        assert!(v.terms.contains(&"t:举报".to_string()));
        assert!(v.terms.contains(&"t:物业".to_string()));
        assert_eq!(v.terms.iter().filter(|t| !t.starts_with("t:")).count(), 3);
        let x = v.transform(&docs[0]);
        let (mut title, mut body) = (0.0f32, 0.0f32);
        for (&i, &val) in x.indices.iter().zip(&x.values) {
            if v.terms[i as usize].starts_with("t:") {
                title += val * val;
            } else {
                body += val * val;
            }
        }
        assert!(
            (title.sqrt() - 0.5).abs() < 1e-5,
            "title block norm {}",
            title.sqrt()
        );
        assert!(
            (body.sqrt() - 1.0).abs() < 1e-5,
            "body block norm {}",
            body.sqrt()
        );
    }
}
