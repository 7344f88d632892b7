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
        f.debug_struct("Triage").field("department", &self.department.version).finish_non_exhaustive()
    }
}

fn load_task(path: &Path, task: &str) -> anyhow::Result<Classifier> {
    let c = Classifier::load(path).with_context(|| format!("loading model {}", path.display()))?;
    anyhow::ensure!(c.header.task == task, "{} is a {} model, not a {task} model", path.display(), c.header.task);
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
            if path.exists() { load_task(&path, name).map(Some) } else { Ok(None) }
        };
        Ok(Triage {
            segmenter: Segmenter::new(),
            department,
            departments,
            request_type: optional("type")?,
            urgency: optional("urgency")?,
        })
    }

    /// Every model's version, e.g. `department@1a2b…,type@…,urgency@…`.
    pub fn model_version(&self) -> String {
        [Some(&self.department), self.request_type.as_ref(), self.urgency.as_ref()]
            .into_iter()
            .flatten()
            .map(|c| c.version.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn triage(&self, title: &str, body: &str) -> TriageResult {
        let text = super::data::message_text(title, body);
        let text = super::classifier::truncate_chars(&text, super::classifier::MAX_TEXT_CHARS);
        // One segmentation serves all three models.
        let words = self.segmenter.words(text);
        let p: Prediction = self.department.predict_words(&words);
        let request_type = self.request_type.as_ref().map(|m| {
            let t = m.predict_words(&m.words_for(&self.segmenter, title, words.clone()));
            TypeSuggestion { label: t.label, confidence: t.confidence, top3: t.top3, uncertain: t.uncertain, key_terms: t.key_terms }
        });
        let urgency = self.urgency.as_ref().map(|m| super::urgency::decide_words(m, &m.words_for(&self.segmenter, title, words.clone()), text, true));
        let department = self.departments.department(&p.label).unwrap_or(&p.label).to_string();
        TriageResult {
            department: DepartmentSuggestion {
                category: p.label,
                department,
                confidence: p.confidence,
                top3: p.top3,
                uncertain: p.uncertain,
                key_terms: p.key_terms,
            },
            request_type,
            urgency,
            model_version: self.model_version(),
        }
    }
}
