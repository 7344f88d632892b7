//! Notice templates of the reply "四部曲" (受理 acknowledgement, 交办 assignment, progress,
//! 办结 completion), kept in an editable TOML file (`models/reply_templates.toml`) so the office
//! rewords them without a code change. A unit may override any of them.
//!
//! Rendering is plain `{placeholder}` substitution; a template naming an unknown placeholder is
//! refused when the file is loaded, not when a citizen is waiting for the notice.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Saved-format version of the templates file.
pub const TEMPLATES_VERSION: u32 = 1;

/// The placeholders a template may use.
pub const PLACEHOLDERS: [&str; 6] = [
    "case_number",
    "title",
    "received_date",
    "date",
    "unit",
    "deadline",
];

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct NoticeSet {
    pub acknowledgement: Option<String>,
    pub assignment: Option<String>,
    pub progress: Option<String>,
    pub completion: Option<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ReplyTemplates {
    pub version: u32,
    pub default: NoticeSet,
    /// Unit name (as in models/departments.toml) → the notices it words differently.
    #[serde(default)]
    pub units: BTreeMap<String, NoticeSet>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TemplateError {
    #[error("not valid TOML: {0}")]
    Parse(String),
    #[error("version {0} is not supported (this build reads version {TEMPLATES_VERSION})")]
    Version(u32),
    #[error("[default] must define {0}")]
    MissingDefault(&'static str),
    #[error("{template}: unknown placeholder {{{name}}} (known: {known})")]
    UnknownPlaceholder {
        template: String,
        name: String,
        known: String,
    },
    #[error("{0}: unclosed {{")]
    Unclosed(String),
}

/// The case fields a notice is rendered with; a missing value renders as a blank to fill.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NoticeFields {
    pub case_number: String,
    pub title: String,
    pub received_date: Option<String>,
    pub date: Option<String>,
    pub unit: Option<String>,
    pub deadline: Option<String>,
}

impl NoticeFields {
    fn value(&self, name: &str) -> String {
        let v = match name {
            "case_number" => Some(self.case_number.as_str()),
            "title" => Some(self.title.as_str()),
            "received_date" => self.received_date.as_deref(),
            "date" => self.date.as_deref(),
            "unit" => self.unit.as_deref(),
            "deadline" => self.deadline.as_deref(),
            _ => None,
        };
        match v {
            Some(v) if !v.trim().is_empty() => v.to_string(),
            _ => format!("【待填写:{name}】"),
        }
    }
}

/// The four notices of one case, rendered.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Notices {
    /// 受理: sent at once.
    pub acknowledgement: String,
    /// 交办: the case was assigned to the handling unit.
    pub assignment: String,
    /// 办理进度: the case is being handled.
    pub progress: String,
    /// 办结: handling is complete; the reply follows.
    pub completion: String,
}

/// Placeholder names of `template`, in order.
fn placeholders(template: &str) -> Result<Vec<&str>, ()> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after.find('}').ok_or(())?;
        if after[..end].contains('{') {
            return Err(());
        }
        out.push(&after[..end]);
        rest = &after[end + 1..];
    }
    Ok(out)
}

fn render(template: &str, fields: &NoticeFields) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                out.push_str(&fields.value(&after[..end]));
                rest = &after[end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

impl ReplyTemplates {
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let t: ReplyTemplates =
            toml::from_str(text).map_err(|e| TemplateError::Parse(e.message().to_string()))?;
        if t.version != TEMPLATES_VERSION {
            return Err(TemplateError::Version(t.version));
        }
        let d = &t.default;
        for (name, v) in [
            ("acknowledgement", &d.acknowledgement),
            ("assignment", &d.assignment),
            ("progress", &d.progress),
            ("completion", &d.completion),
        ] {
            if v.is_none() {
                return Err(TemplateError::MissingDefault(name));
            }
        }
        let sets = std::iter::once(("default".to_string(), d))
            .chain(t.units.iter().map(|(u, s)| (format!("units.{u}"), s)));
        for (set, s) in sets {
            for (name, v) in [
                ("acknowledgement", &s.acknowledgement),
                ("assignment", &s.assignment),
                ("progress", &s.progress),
                ("completion", &s.completion),
            ] {
                let Some(v) = v else { continue };
                let where_ = format!("[{set}] {name}");
                for p in placeholders(v).map_err(|()| TemplateError::Unclosed(where_.clone()))? {
                    if !PLACEHOLDERS.contains(&p) {
                        return Err(TemplateError::UnknownPlaceholder {
                            template: where_,
                            name: p.to_string(),
                            known: PLACEHOLDERS.join(", "),
                        });
                    }
                }
            }
        }
        Ok(t)
    }

    /// The four notices for a case handled by `fields.unit`, with that unit's wording where it
    /// has its own.
    pub fn notices(&self, fields: &NoticeFields) -> Notices {
        let unit = fields.unit.as_deref().and_then(|u| self.units.get(u));
        let pick = |f: fn(&NoticeSet) -> &Option<String>| -> String {
            let t = unit
                .and_then(|s| f(s).as_deref())
                .or(f(&self.default).as_deref())
                .unwrap_or_default();
            render(t, fields)
        };
        Notices {
            acknowledgement: pick(|s| &s.acknowledgement),
            assignment: pick(|s| &s.assignment),
            progress: pick(|s| &s.progress),
            completion: pick(|s| &s.completion),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
version = 1
[default]
acknowledgement = "您的留言(编号{case_number})已受理。"
assignment = "已于{date}交{unit}办理,{deadline}前答复。"
progress = "{unit}正在办理。"
completion = "已办结。"
[units."教育局"]
completion = "教育局已办结《{title}》。"
"#;

    fn fields() -> NoticeFields {
        NoticeFields {
            case_number: "2026-000123".into(),
            title: "校车".into(),
            date: Some("2026年3月2日".into()),
            unit: Some("教育局".into()),
            ..Default::default()
        }
    }

    #[test]
    fn renders_with_unit_overrides_and_blanks_for_missing_values() {
        let t = ReplyTemplates::parse(FILE).unwrap();
        let n = t.notices(&fields());
        assert_eq!(n.acknowledgement, "您的留言(编号2026-000123)已受理。");
        assert_eq!(
            n.assignment,
            "已于2026年3月2日交教育局办理,【待填写:deadline】前答复。"
        );
        assert_eq!(n.completion, "教育局已办结《校车》。");
        let other = NoticeFields {
            unit: Some("商务局".into()),
            ..fields()
        };
        assert_eq!(t.notices(&other).completion, "已办结。");
    }

    #[test]
    fn bad_files_are_refused_with_the_reason() {
        assert!(matches!(
            ReplyTemplates::parse(&FILE.replace("{unit}正在", "{unti}正在")),
            Err(TemplateError::UnknownPlaceholder { name, .. }) if name == "unti"
        ));
        assert!(matches!(
            ReplyTemplates::parse(&FILE.replace("version = 1", "version = 9")),
            Err(TemplateError::Version(9))
        ));
        assert!(matches!(
            ReplyTemplates::parse(&FILE.replace("completion = \"已办结。\"", "")),
            Err(TemplateError::MissingDefault("completion"))
        ));
        assert!(matches!(
            ReplyTemplates::parse(&FILE.replace("{date}", "{date")),
            Err(TemplateError::Unclosed(_))
        ));
    }

    /// Every committed templates file loads.
    #[test]
    fn committed_templates_load() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/models/reply_templates.toml");
        let text = std::fs::read_to_string(path).expect("models/reply_templates.toml");
        let t = ReplyTemplates::parse(&text).expect("valid templates");
        let n = t.notices(&fields());
        assert!(n.acknowledgement.contains("2026-000123"));
    }
}
