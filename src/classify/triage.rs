//! Triage: everything the office wants to know about a new message, from the loaded models.
//!
//! Loaded once per process and shared (`Arc<Triage>`): the segmenter dictionary and the models
//! take tens of megabytes and a few hundred milliseconds to build.

use std::path::Path;

use anyhow::Context;
use serde::Serialize;

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

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TriageResult {
    pub department: DepartmentSuggestion,
    /// Version of the model that made the suggestion (`department@<sha256 prefix>`).
    pub model_version: String,
}

pub struct Triage {
    pub segmenter: Segmenter,
    pub department: Classifier,
    pub departments: DepartmentMap,
}

impl std::fmt::Debug for Triage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Triage").field("department", &self.department.version).finish_non_exhaustive()
    }
}

impl Triage {
    pub fn load(model: &Path, departments: &Path) -> anyhow::Result<Triage> {
        let department = Classifier::load(model).with_context(|| format!("loading model {}", model.display()))?;
        anyhow::ensure!(
            department.header.task == "department",
            "{} is a {} model, not a department model",
            model.display(),
            department.header.task
        );
        let departments = DepartmentMap::load(departments)?;
        departments.check_covers(department.labels())?;
        Ok(Triage { segmenter: Segmenter::new(), department, departments })
    }

    pub fn triage(&self, title: &str, body: &str) -> TriageResult {
        let text = super::data::message_text(title, body);
        let p: Prediction = self.department.predict(&self.segmenter, &text);
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
            model_version: self.department.version.clone(),
        }
    }
}
