//! The index schema and its saved version.
//!
//! An index directory holds tantivy's files plus `wz-search.json`: the schema version and the
//! fingerprint of the segmentation dictionary it was built with. An index whose file is missing,
//! unreadable, of another version or of another dictionary is rebuilt from the database at start
//! (the database is the source of truth; the index is a cache of it).

use std::path::Path;

use serde::{Deserialize, Serialize};
use tantivy::schema::{
    FAST, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};

use super::tokenizer::{SUB_WORDS_TOKENIZER_NAME, TOKENIZER_NAME};

/// Bump when the fields, their options or what the tokenizer emits change; older indexes are
/// then rebuilt. 2: sub-words indexed beside each word in the searched fields, whole words in
/// `title_words` / `body_words` for more-like-this. 3: the searched fields hold whole words again
/// (what more-like-this reads), the sub-words of all of them one field of their own, `sub_words`
/// (docs/search.md, "Tokenizer" and "Speed").
pub const SCHEMA_VERSION: u32 = 3;
/// The version file in an index directory.
pub const VERSION_FILE: &str = "wz-search.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionInfo {
    pub schema_version: u32,
    pub dictionary: String,
}

impl VersionInfo {
    pub fn current() -> Self {
        VersionInfo {
            schema_version: SCHEMA_VERSION,
            dictionary: crate::text::dictionary_fingerprint(),
        }
    }

    /// The version file of `dir`, or `None` when it is missing or unreadable.
    pub fn read(dir: &Path) -> Option<VersionInfo> {
        let text = std::fs::read_to_string(dir.join(VERSION_FILE)).ok()?;
        serde_json::from_str(&text).ok()
    }

    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string(self).expect("plain struct serialises");
        std::fs::write(dir.join(VERSION_FILE), text)
    }
}

/// Document kinds: a case as staff see it, the masked public copy of a published case, and an
/// active FAQ entry (which is written masked too).
pub const KIND_CASE: &str = "case";
pub const KIND_PUBLIC_CASE: &str = "pcase";
pub const KIND_FAQ: &str = "faq";

/// The fields of the schema, looked up once.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// `case:ID`, `pcase:ID` or `faq:ID`; unique, used to replace a document.
    pub key: Field,
    pub kind: Field,
    /// Case or FAQ id.
    pub entity_id: Field,
    pub case_number: Field,
    pub title: Field,
    pub body: Field,
    pub reply: Field,
    /// FAQ tags.
    pub tags: Field,
    /// The sub-words (dictionary words inside longer words) of the document's title, body, reply
    /// and tags, with frequencies, without positions, not stored: searched beside the text fields
    /// with a lower boost so that 公积金 finds 住房公积金, while the text fields keep the whole
    /// words' statistics that more-like-this and the duplicate score were measured on.
    pub sub_words: Field,
    /// Department (confirmed or suggested) as a facet `/单位`.
    pub unit: Field,
    /// 一级标签 as a facet `/类别`.
    pub category: Field,
    pub request_type: Field,
    pub urgency: Field,
    pub status: Field,
    pub received: Field,
    pub replied: Field,
    /// 1 when the document may be shown to the public.
    pub public: Field,
    /// The main case this one was merged into (0: none).
    pub merged_into: Field,
}

pub fn build() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_stored().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(TOKENIZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let sub_words = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(SUB_WORDS_TOKENIZER_NAME)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        key: b.add_text_field("key", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        entity_id: b.add_u64_field("entity_id", INDEXED | STORED | FAST),
        case_number: b.add_text_field("case_number", STRING | STORED),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text.clone()),
        reply: b.add_text_field("reply", text.clone()),
        tags: b.add_text_field("tags", text),
        // After the text fields: tantivy tokenizes a document's fields in field order, and the
        // sub-words tokenizer reuses the segmentation the words tokenizer just made.
        sub_words: b.add_text_field("sub_words", sub_words),
        unit: b.add_facet_field("unit", FacetOptions::default().set_stored()),
        category: b.add_facet_field("category", FacetOptions::default().set_stored()),
        request_type: b.add_text_field("type", STRING | STORED),
        urgency: b.add_text_field("urgency", STRING | STORED),
        status: b.add_text_field("status", STRING | STORED),
        received: b.add_date_field("received", INDEXED | STORED | FAST),
        replied: b.add_date_field("replied", STORED),
        public: b.add_u64_field("public", INDEXED),
        merged_into: b.add_u64_field("merged_into", INDEXED | STORED),
    };
    (b.build(), fields)
}

/// The fields of an existing index's schema, or `None` if one is missing (an index of another
/// layout).
pub fn fields_of(schema: &Schema) -> Option<Fields> {
    let f = |name: &str| schema.get_field(name).ok();
    Some(Fields {
        key: f("key")?,
        kind: f("kind")?,
        entity_id: f("entity_id")?,
        case_number: f("case_number")?,
        title: f("title")?,
        body: f("body")?,
        reply: f("reply")?,
        tags: f("tags")?,
        sub_words: f("sub_words")?,
        unit: f("unit")?,
        category: f("category")?,
        request_type: f("type")?,
        urgency: f("urgency")?,
        status: f("status")?,
        received: f("received")?,
        replied: f("replied")?,
        public: f("public")?,
        merged_into: f("merged_into")?,
    })
}
