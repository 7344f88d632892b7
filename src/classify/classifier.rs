//! A trained text classifier ready to predict: vectorizer + linear model + calibration, loaded
//! from a `.wzm` file. One type serves the department, request-type and urgency tasks.

use std::path::Path;

use serde::Serialize;
use sha2::Digest;

use super::features::{Vectorizer, display_term};
use super::linear::{LinearModel, softmax};
use super::model_file::{self, ModelFileError, ModelHeader};
use crate::text::Segmenter;

/// Longest text (in characters) that features are taken from. Real messages are far shorter
/// (the longest in the shared data is 9,000); the cap bounds the work one request can cause.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// How many key terms a prediction explains itself with.
const KEY_TERMS: usize = 6;

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct LabelScore {
    pub label: String,
    pub probability: f32,
}

/// One prediction, explained.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Prediction {
    pub label: String,
    /// Calibrated probability of `label`.
    pub confidence: f32,
    /// The three most probable labels, best first.
    pub top3: Vec<LabelScore>,
    /// True when the confidence is below the model's threshold (or the text had no known words):
    /// staff should choose.
    pub uncertain: bool,
    /// The words (and word pairs) that pushed the decision most, strongest first.
    pub key_terms: Vec<String>,
}

#[derive(Debug)]
pub struct Classifier {
    /// `task@` + the first 12 hex digits of the model file's SHA-256: stored with every suggestion
    /// so that a case says which model suggested what.
    pub version: String,
    pub header: ModelHeader,
    pub vectorizer: Vectorizer,
    pub model: LinearModel,
}

impl Classifier {
    pub fn load(path: &Path) -> Result<Self, ModelFileError> {
        let bytes = std::fs::read(path)?;
        let (header, vectorizer, model) = model_file::read(&mut bytes.as_slice())?;
        let digest = hex::encode(sha2::Sha256::digest(&bytes));
        Ok(Classifier {
            version: format!("{}@{}", header.task, &digest[..12]),
            header,
            vectorizer,
            model,
        })
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        // Write beside and rename, so a crash never leaves a half-written model in place.
        let tmp = path.with_extension("wzm.tmp");
        {
            let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
            model_file::write(&mut out, &self.header, &self.vectorizer, &self.model)?;
            std::io::Write::flush(&mut out)?;
        }
        std::fs::rename(tmp, path)
    }

    pub fn labels(&self) -> &[String] {
        &self.header.labels
    }

    /// Calibrated class probabilities for content words, in label order.
    pub fn probabilities(&self, words: &[String]) -> Vec<f32> {
        let x = self.vectorizer.transform(words);
        softmax(&self.model.logits(&x), self.header.temperature)
    }

    /// The word list this model expects for a message: its words, preceded by the marked title
    /// words when the model uses title features.
    pub fn message_words(&self, segmenter: &Segmenter, title: &str, body: &str) -> Vec<String> {
        let text = super::data::message_text(title, body);
        let words = segmenter.words(truncate_chars(&text, MAX_TEXT_CHARS));
        self.words_for(segmenter, title, words)
    }

    /// Adds the title words to already segmented message words if this model uses them.
    pub fn words_for(
        &self,
        segmenter: &Segmenter,
        title: &str,
        message_words: Vec<String>,
    ) -> Vec<String> {
        if self.header.feature_config.title_words {
            super::features::with_title(
                &segmenter.words(truncate_chars(title, 1000)),
                message_words,
            )
        } else {
            message_words
        }
    }

    /// Predicts from raw text (title and body joined).
    pub fn predict(&self, segmenter: &Segmenter, text: &str) -> Prediction {
        let words = segmenter.words(truncate_chars(text, MAX_TEXT_CHARS));
        self.predict_words(&words)
    }

    pub fn predict_words(&self, words: &[String]) -> Prediction {
        self.predict_vector(&self.vectorizer.transform(words)).0
    }

    /// The prediction and the calibrated probabilities of every label, from a feature vector.
    pub fn predict_vector(&self, x: &super::features::SparseVector) -> (Prediction, Vec<f32>) {
        let probs = softmax(&self.model.logits(x), self.header.temperature);
        let mut order: Vec<usize> = (0..probs.len()).collect();
        order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
        let best = order[0];
        let top3 = order
            .iter()
            .take(3)
            .map(|&c| LabelScore {
                label: self.header.labels[c].clone(),
                probability: probs[c],
            })
            .collect();
        let mut contributions: Vec<(f32, &str)> = x
            .indices
            .iter()
            .zip(&x.values)
            .filter_map(|(&f, &v)| {
                let term = display_term(&self.vectorizer.terms[f as usize])?;
                let c = v * self.model.weight(f as usize, best);
                (c > 0.0).then_some((c, term))
            })
            .collect();
        contributions.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut key_terms: Vec<String> = Vec::with_capacity(KEY_TERMS);
        for (_, term) in contributions {
            if key_terms.len() == KEY_TERMS {
                break;
            }
            if !key_terms.iter().any(|k| k == term) {
                key_terms.push(term.to_string());
            }
        }
        let prediction = Prediction {
            label: self.header.labels[best].clone(),
            confidence: probs[best],
            top3,
            uncertain: x.indices.is_empty() || probs[best] < self.header.uncertain_threshold,
            key_terms,
        };
        (prediction, probs)
    }
}

/// The longest prefix of `s` with at most `max` characters.
pub fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::classify::model_file::READABLE_VERSIONS;

    /// Every committed model must load with this build: a saved format is a promise.
    #[test]
    fn every_committed_model_loads_and_predicts() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("models");
        let segmenter = Segmenter::new();
        let mut seen = 0;
        let mut versions = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "wzm") {
                let c =
                    Classifier::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                versions.insert(c.header.format_version);
                assert!(
                    c.header.dev_metrics.contains_key("dev_split"),
                    "{} has no dev metrics",
                    path.display()
                );
                assert_eq!(c.header.training_data_sha256.len(), 64);
                let p = c.predict(&segmenter, "请问A市住房公积金贷款额度是多少?");
                assert!(c.labels().contains(&p.label));
                assert!((p.top3.iter().map(|l| l.probability).sum::<f32>() - 1.0).abs() < 0.5);
                seen += 1;
            }
        }
        assert!(seen >= 1, "no committed model found");
        // Each readable version has a committed model that loads (department.wzm is version 1).
        assert_eq!(versions.into_iter().collect::<Vec<_>>(), READABLE_VERSIONS);
    }

    #[test]
    fn shipped_department_model_routes_obvious_messages() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/department.wzm");
        let c = Classifier::load(&path).unwrap();
        let s = Segmenter::new();
        for (text, label) in [
            ("小区物业违规收取停车费,业主多次反映无果", "城乡建设"),
            (
                "公司拖欠农民工工资半年,要求人社局督促支付",
                "劳动和社会保障",
            ),
            ("学校强制学生购买教辅资料,违规补课收费", "教育文体"),
            ("化工厂夜间偷排污水,河水发黑发臭", "环境保护"),
            ("医院乱收费,看病贵,医生态度恶劣", "卫生计生"),
            ("出租车司机拒载还绕路,网约车也乱收费", "交通运输"),
        ] {
            assert_eq!(c.predict(&s, text).label, label, "{text}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]
        /// Any text gets a prediction whose probabilities are a distribution; odd text is uncertain
        /// rather than confidently wrong when it has no known words.
        #[test]
        fn any_text_gets_a_sane_prediction(text in "\\PC{0,300}") {
            static MODEL: std::sync::LazyLock<(Classifier, Segmenter)> = std::sync::LazyLock::new(|| {
                let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/department.wzm");
                (Classifier::load(&path).unwrap(), Segmenter::new())
            });
            let (c, s) = &*MODEL;
            let words = s.words(&text);
            let probs = c.probabilities(&words);
            proptest::prop_assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-3);
            proptest::prop_assert!(probs.iter().all(|p| p.is_finite() && *p >= 0.0));
            let p = c.predict(s, &text);
            if c.vectorizer.transform(&words).indices.is_empty() {
                proptest::prop_assert!(p.uncertain);
            }
        }
    }

    #[test]
    fn save_and_load_round_trip() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/department.wzm");
        let c = Classifier::load(&path).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let copy = dir.path().join("m.wzm");
        c.save(&copy).unwrap();
        let d = Classifier::load(&copy).unwrap();
        assert_eq!(d.model, c.model);
        assert_eq!(d.vectorizer.terms, c.vectorizer.terms);
        let mut bytes = std::fs::read(&copy).unwrap();
        bytes.truncate(bytes.len() - 3);
        std::fs::write(&copy, &bytes).unwrap();
        assert!(matches!(
            Classifier::load(&copy),
            Err(ModelFileError::BadBody(_))
        ));
        std::fs::write(&copy, b"not a model").unwrap();
        assert!(matches!(
            Classifier::load(&copy),
            Err(ModelFileError::BadMagic) | Err(ModelFileError::BadBody(_))
        ));
    }

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate_chars("公积金贷款", 3), "公积金");
        assert_eq!(truncate_chars("ab", 5), "ab");
    }
}
