//! The editable mapping from category labels (一级标签) to the departments that handle them.
//!
//! Kept in a TOML file (`models/departments.toml`) and not in code: departments are renamed and
//! merged by reorganisations far more often than models are retrained.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct DepartmentMap {
    pub departments: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DepartmentMapError {
    #[error("cannot read department mapping {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("department mapping {path} is not valid TOML: {message}")]
    Parse { path: String, message: String },
    #[error("department mapping has no department for label(s): {0}")]
    Missing(String),
}

impl DepartmentMap {
    pub fn load(path: &Path) -> Result<Self, DepartmentMapError> {
        let text = std::fs::read_to_string(path).map_err(|source| DepartmentMapError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text).map_err(|message| DepartmentMapError::Parse {
            path: path.display().to_string(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.message().to_string())
    }

    /// Every label must map somewhere: a model predicting a label with no department would route
    /// a citizen's case nowhere.
    pub fn check_covers(&self, labels: &[String]) -> Result<(), DepartmentMapError> {
        let missing: Vec<&str> = labels
            .iter()
            .filter(|l| !self.departments.contains_key(*l))
            .map(String::as_str)
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(DepartmentMapError::Missing(missing.join(", ")))
        }
    }

    pub fn department(&self, label: &str) -> Option<&str> {
        self.departments.get(label).map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_mapping_covers_the_seven_labels() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/departments.toml");
        let map = DepartmentMap::load(&path).unwrap();
        let labels: Vec<String> = [
            "城乡建设",
            "劳动和社会保障",
            "教育文体",
            "商贸旅游",
            "环境保护",
            "卫生计生",
            "交通运输",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        map.check_covers(&labels).unwrap();
    }

    #[test]
    fn missing_label_is_named() {
        let map =
            DepartmentMap::parse("[departments]\n\"城乡建设\" = \"住房和城乡建设局\"\n").unwrap();
        let err = map
            .check_covers(&["城乡建设".into(), "交通运输".into()])
            .unwrap_err();
        assert!(err.to_string().contains("交通运输"));
    }
}
