//! Triage: everything the office wants to know about a new message, from the loaded models.
//!
//! Loaded once per process and shared (`Arc<Triage>`): the segmenter dictionary and the models
//! take tens of megabytes and a few hundred milliseconds to build.

use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use super::urgency::UrgencySuggestion;
use super::{Classifier, DepartmentMap, LabelScore, Prediction};
use crate::text::Segmenter;

/// The department suggestion: the category the model predicted and the unit it maps to.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct DepartmentSuggestion {
    /// 一级标签, e.g. 城乡建设.
    pub category: String,
    /// The handling unit, from the editable mapping.
    pub department: String,
    pub confidence: f32,
    pub top3: Vec<LabelScore>,
    pub uncertain: bool,
    pub key_terms: Vec<String>,
}

/// The request-type suggestion (诉求类型).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TypeSuggestion {
    /// 咨询, 求助, 投诉, 举报, 建议 or 表扬.
    pub label: String,
    pub confidence: f32,
    pub top3: Vec<LabelScore>,
    pub uncertain: bool,
    pub key_terms: Vec<String>,
    /// The certain rule that decided the label instead of the model, if any (`praise_title`).
    pub rule: Option<String>,
}

impl TypeSuggestion {
    /// The model's prediction, overruled by a certain rule on the title when one fires
    /// (see [`super::request_type`]).
    pub fn decide(p: Prediction, title: &str) -> Self {
        let rule = super::request_type::fired_rule(title);
        let (label, confidence, uncertain) = match rule {
            Some(_) => (
                super::request_type::PRAISE_LABEL.to_string(),
                super::request_type::PRAISE_RULE_PRECISION,
                false,
            ),
            None => (p.label, p.confidence, p.uncertain),
        };
        TypeSuggestion {
            label,
            confidence,
            top3: p.top3,
            uncertain,
            key_terms: p.key_terms,
            rule: rule.map(str::to_string),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TriageResult {
    pub department: DepartmentSuggestion,
    /// Present when a request-type model is installed (models/type.wzm).
    pub request_type: Option<TypeSuggestion>,
    /// Present when an urgency model is installed (models/urgency.wzm).
    pub urgency: Option<UrgencySuggestion>,
    /// Version of the model that made the suggestion (`department@<sha256 prefix>`).
    pub model_version: String,
}

pub struct Triage {
    pub segmenter: Segmenter,
    pub department: Classifier,
    pub departments: DepartmentMap,
    pub request_type: Option<Classifier>,
    pub urgency: Option<Classifier>,
}

impl std::fmt::Debug for Triage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Triage")
            .field("department", &self.department.version)
            .finish_non_exhaustive()
    }
}

fn load_task(path: &Path, task: &str) -> anyhow::Result<Classifier> {
    let c = Classifier::load(path).with_context(|| format!("loading model {}", path.display()))?;
    anyhow::ensure!(
        c.header.task == task,
        "{} is a {} model, not a {task} model",
        path.display(),
        c.header.task
    );
    Ok(c)
}

impl Triage {
    /// Loads the department model and the label → department mapping, and the request-type and
    /// urgency models if they sit beside the department model (`type.wzm`, `urgency.wzm`).
    pub fn load(model: &Path, departments: &Path) -> anyhow::Result<Triage> {
        let department = load_task(model, "department")?;
        let departments = DepartmentMap::load(departments)?;
        departments.check_covers(department.labels())?;
        let dir = model.parent().unwrap_or(Path::new("."));
        let optional = |name: &str| -> anyhow::Result<Option<Classifier>> {
            let path = dir.join(format!("{name}.wzm"));
            if path.exists() {
                load_task(&path, name).map(Some)
            } else {
                Ok(None)
            }
        };
        Ok(Triage {
            segmenter: Segmenter::new(),
            department,
            departments,
            request_type: optional("type")?,
            urgency: optional("urgency")?,
        })
    }

    /// Flags urgency at another of the model's dev-chosen operating points (`urgent_recall` in the
    /// config); `None` keeps the model's default (90% recall).
    pub fn with_urgent_recall(mut self, recall: Option<f64>) -> anyhow::Result<Triage> {
        if let (Some(r), Some(model)) = (recall, self.urgency.as_mut()) {
            super::urgency::select_operating_point(model, r)?;
        }
        Ok(self)
    }

    /// Only the department model (the request-type and urgency suggestions are left out).
    pub fn without_type_and_urgency(mut self) -> Triage {
        self.request_type = None;
        self.urgency = None;
        self
    }

    /// Every model's version, e.g. `department@1a2b…,type@…,urgency@…`.
    pub fn model_version(&self) -> String {
        [
            Some(&self.department),
            self.request_type.as_ref(),
            self.urgency.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|c| c.version.as_str())
        .collect::<Vec<_>>()
        .join(",")
    }

    fn department_suggestion(&self, p: Prediction) -> DepartmentSuggestion {
        let department = self
            .departments
            .department(&p.label)
            .unwrap_or(&p.label)
            .to_string();
        DepartmentSuggestion {
            category: p.label,
            department,
            confidence: p.confidence,
            top3: p.top3,
            uncertain: p.uncertain,
            key_terms: p.key_terms,
        }
    }

    /// The department suggestion alone: for systems that only route (a third of the work).
    pub fn triage_department(&self, title: &str, body: &str) -> TriageResult {
        let p = self
            .department
            .predict(&self.segmenter, &super::data::message_text(title, body));
        TriageResult {
            department: self.department_suggestion(p),
            request_type: None,
            urgency: None,
            model_version: self.department.version.clone(),
        }
    }

    pub fn triage(&self, title: &str, body: &str) -> TriageResult {
        let text = super::data::message_text(title, body);
        let text = super::classifier::truncate_chars(&text, super::classifier::MAX_TEXT_CHARS);
        // One segmentation and one hashing of the message's terms serve all three models; the
        // title-aware models add the title's terms.
        let words = self.segmenter.words(text);
        let base = self.department.vectorizer.term_hashes(&words);
        let p: Prediction = self
            .department
            .predict_vector(&self.department.vectorizer.transform_hashes(&base))
            .0;
        let title_words: Vec<String> = self
            .segmenter
            .words(super::classifier::truncate_chars(title, 1000));
        let dept = &self.department.vectorizer.config;
        let vector_for = |m: &Classifier| {
            let c = &m.vectorizer.config;
            let same_base = c.word_bigrams == dept.word_bigrams
                && c.char_ngram_min == dept.char_ngram_min
                && c.char_ngram_max == dept.char_ngram_max
                && !dept.title_words;
            match (same_base, c.title_words) {
                (true, false) => m.vectorizer.transform_hashes(&base),
                (true, true) => {
                    let mut hashes = m
                        .vectorizer
                        .term_hashes(&super::features::with_title(&title_words, Vec::new()));
                    hashes.extend_from_slice(&base);
                    m.vectorizer.transform_hashes(&hashes)
                }
                (false, _) => {
                    m.vectorizer
                        .transform(&m.words_for(&self.segmenter, title, words.clone()))
                }
            }
        };
        let request_type = self
            .request_type
            .as_ref()
            .map(|m| TypeSuggestion::decide(m.predict_vector(&vector_for(m)).0, title));
        let urgency = self
            .urgency
            .as_ref()
            .map(|m| super::urgency::decide_vector(m, &vector_for(m), text, true));
        TriageResult {
            department: self.department_suggestion(p),
            request_type,
            urgency,
            model_version: self.model_version(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Triage shares one hashing of the message among the models; the result must be exactly what
    /// each model gives on its own.
    #[test]
    fn shared_hashing_gives_each_models_own_answer() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let t = Triage::load(
            &root.join("models/department.wzm"),
            &root.join("models/departments.toml"),
        )
        .unwrap();
        for (title, body) in [
            (
                "举报小区违建",
                "A3区某小区一楼住户私自搭建违章建筑,严重影响消防通道",
            ),
            (
                "小区停水三天",
                "从周一开始一直停水,老人小孩无法生活,请尽快处理",
            ),
            ("感谢交警", "感谢交警大队帮我找回钱包"),
        ] {
            let r = t.triage(title, body);
            let d =
                t.department
                    .predict_words(&t.department.message_words(&t.segmenter, title, body));
            assert_eq!(
                (r.department.category.as_str(), r.department.confidence),
                (d.label.as_str(), d.confidence)
            );
            let m = t.request_type.as_ref().expect("type model shipped");
            let p = TypeSuggestion::decide(
                m.predict_words(&m.message_words(&t.segmenter, title, body)),
                title,
            );
            let rt = r.request_type.unwrap();
            assert_eq!(
                (rt.label.as_str(), rt.confidence),
                (p.label.as_str(), p.confidence)
            );
            let u = t.urgency.as_ref().expect("urgency model shipped");
            let text = super::super::data::message_text(title, body);
            let alone = super::super::urgency::decide_words(
                u,
                &u.message_words(&t.segmenter, title, body),
                &text,
                true,
            );
            assert_eq!(r.urgency.unwrap(), alone);
        }
    }

    #[test]
    fn a_thankful_title_is_praise_by_the_rule_and_says_so() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let t = Triage::load(
            &root.join("models/department.wzm"),
            &root.join("models/departments.toml"),
        )
        .unwrap();
        let r = t.triage(
            "感谢交警大队",
            "交警大队的同志帮我找回了丢失的钱包,特此感谢",
        );
        let rt = r.request_type.expect("type model shipped");
        assert_eq!(
            (rt.label.as_str(), rt.rule.as_deref()),
            ("表扬", Some("praise_title"))
        );
        assert!(!rt.uncertain);
        let r = t.triage(
            "举报小区违建",
            "A3区某小区一楼住户私自搭建违章建筑,严重影响消防通道",
        );
        assert_eq!(r.request_type.expect("type model shipped").rule, None);
    }
}
