//! Draft replies (#6): the notices of the reply "四部曲" from editable templates, and a draft of
//! the final reply composed from the replies of similar past cases, for staff to check and
//! complete. Pure: callers read the files and pass text and rows in.
//!
//! A draft never invents a fact: what only the handler can know is a blank (【待填写:办理结果】),
//! and every number in a draft occurs in the citizen's message (see [`numbers`]).

pub mod compose;
pub mod lcs;
pub mod numbers;
pub mod retrieve;
pub mod style;
pub mod templates;

use serde::Serialize;

pub use compose::{ComposeOptions, RESULT_BLANK, compose};
pub use retrieve::PrecedentIndex;
pub use style::StyleBook;
pub use templates::{NoticeFields, Notices, ReplyTemplates, TemplateError};

use crate::classify::data::Table;
use crate::text::Segmenter;

/// The citizen's message a draft answers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Message {
    pub title: String,
    pub body: String,
    /// The name the citizen goes by on the board (留言用户), used to address them.
    pub handle: Option<String>,
}

/// A past case with its published reply. Plain data, so any retriever can supply it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Precedent {
    /// The case's id (留言编号 or case number), shown to staff as the passage's source.
    pub id: String,
    pub title: String,
    pub body: String,
    pub reply: String,
    /// The replied citizen's handle (留言用户): removed from learned phrases, never copied.
    pub handle: String,
}

/// A sentence taken from a precedent's reply, with where it came from.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Passage {
    pub text: String,
    pub source_id: String,
    pub source_title: String,
}

/// A composed draft.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Draft {
    pub text: String,
    /// The place code the message is about (`A3区`), which chose the unit's phrasing.
    pub place: Option<String>,
    /// Passages used in `text`, in order.
    pub passages: Vec<Passage>,
    /// Further passages of the precedents, most relevant first, for staff to add by hand.
    pub suggestions: Vec<Passage>,
    /// What staff must fill in (the names inside 【待填写:…】).
    pub blanks: Vec<String>,
}

/// Why a precedent file cannot be used.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PrecedentError {
    #[error("{file}: missing column(s) {0}", file = .1)]
    MissingColumns(String, String),
}

impl Precedent {
    /// The replied rows of a table with 留言编号, 留言主题, 留言详情 and 答复意见 (留言用户 if
    /// present); rows without a reply teach nothing and are skipped.
    pub fn from_table(table: &Table) -> Result<Vec<Precedent>, PrecedentError> {
        let missing: Vec<&str> = ["留言编号", "留言主题", "留言详情", "答复意见"]
            .into_iter()
            .filter(|c| !table.has_column(c))
            .collect();
        if !missing.is_empty() {
            return Err(PrecedentError::MissingColumns(
                missing.join(", "),
                table.file.clone(),
            ));
        }
        Ok(table
            .rows
            .iter()
            .filter(|r| !table.get(r, "答复意见").trim().is_empty())
            .map(|r| Precedent {
                id: table.get(r, "留言编号").trim().to_string(),
                title: table.get(r, "留言主题").to_string(),
                body: table.get(r, "留言详情").to_string(),
                reply: table.get(r, "答复意见").to_string(),
                handle: table.get(r, "留言用户").trim().to_string(),
            })
            .collect())
    }
}

/// Everything drafting needs, built once at start and shared.
#[derive(Debug)]
pub struct Drafter {
    pub index: PrecedentIndex,
    pub style: StyleBook,
    pub templates: ReplyTemplates,
    pub options: ComposeOptions,
    /// Score boost for precedents about the same place (their replies come from the same unit).
    pub place_boost: f32,
}

impl Drafter {
    pub fn new(precedents: Vec<Precedent>, templates: ReplyTemplates, seg: &Segmenter) -> Self {
        let cleaned: Vec<(Option<String>, String, String)> = precedents
            .iter()
            .map(|p| {
                (
                    style::place_of(&p.title, &p.body),
                    compose::clean(&p.reply),
                    compose::clean(&p.handle),
                )
            })
            .collect();
        let style = StyleBook::learn(
            cleaned
                .iter()
                .map(|(p, r, h)| (p.as_deref(), r.as_str(), h.as_str())),
        );
        Drafter {
            index: PrecedentIndex::build(precedents, seg),
            style,
            templates,
            options: ComposeOptions::default(),
            place_boost: 0.3,
        }
    }

    /// The precedents most similar to `message`, best first.
    pub fn precedents(&self, seg: &Segmenter, message: &Message, k: usize) -> Vec<&Precedent> {
        let place = style::place_of(&message.title, &message.body);
        self.index
            .search(
                seg,
                &message.title,
                &message.body,
                place.as_deref(),
                self.place_boost,
                k,
            )
            .into_iter()
            .map(|h| &self.index.precedents[h.index])
            .collect()
    }

    /// The final-reply draft for `message`.
    pub fn draft(&self, seg: &Segmenter, message: &Message) -> Draft {
        let k = (self.options.sources + self.options.stand_ins).max(self.options.opening_stand_ins);
        let ranked = self.precedents(seg, message, k);
        compose(message, &ranked, &self.style, &self.options)
    }
}
