//! Search: the full-text index of cases and FAQ entries (tantivy), kept in step with the database.
//!
//! - [`schema`]: fields and the saved version; [`tokenizer`]: the project's segmentation as a
//!   tantivy tokenizer;
//! - [`sync`]: following the database's change sequence, rebuilding;
//! - [`query`]: staff search with facets and snippets, similar cases and duplicate candidates, the
//!   public FAQ search and suggestions.
//!
//! Each service instance keeps its own index in its data directory. The database is the source
//! of truth: an index is a cache that can always be rebuilt from it (`wenzheng reindex`, or
//! automatically at start when it is missing, corrupt or of an older schema).
//!
//! Public documents (published cases and FAQ entries) are stored masked, in documents of their
//! own: the public search cannot match, rank or show personal data that the masked text lacks.

pub mod query;
pub mod schema;
pub mod sync;
pub mod tokenizer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tantivy::schema::Facet;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

pub use query::{
    DuplicateCandidate, FacetCount, PublicHit, PublicPage, SearchFilters, SearchHit, SearchPage,
    SimilarCase, SimilarOptions,
};
pub use schema::{Fields, SCHEMA_VERSION, VersionInfo};
pub use tokenizer::{Segments, WzTokenizer};

use crate::store::{FaqRecord, SearchCaseRow};
use crate::text::normalise;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index directory {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("{0} has no words to search for")]
    NoWords(&'static str),
    #[error(
        "the search index in {0} is in use by another process (a running server?); stop it first"
    )]
    Locked(String),
}

/// Memory the index writer may use before it flushes a segment.
const WRITER_MEMORY: usize = 50_000_000;

/// One index (on disk or in memory) with its reader and its single writer.
pub struct SearchIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    seg: Arc<dyn Segments>,
    dir: Option<PathBuf>,
}

impl std::fmt::Debug for SearchIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchIndex")
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// How [`SearchIndex::open`] found the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenState {
    /// A current index: follow the change sequence from its saved position.
    Current,
    /// Nothing usable was there (missing, corrupt, another version or dictionary): it was
    /// recreated empty and must be rebuilt from the database.
    Recreated,
}

impl SearchIndex {
    /// An empty index in memory (evaluation, benchmarks, tests).
    pub fn in_memory(seg: Arc<dyn Segments>) -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema::build();
        let index = Index::create_in_ram(schema);
        Self::from_index(index, fields, seg, None)
    }

    /// Opens the index in `dir`, or recreates it empty when it is missing, unreadable, or of
    /// another schema version or dictionary.
    pub fn open(
        dir: &Path,
        seg: Arc<dyn Segments>,
    ) -> Result<(SearchIndex, OpenState), SearchError> {
        let io = |source| SearchError::Io {
            path: dir.display().to_string(),
            source,
        };
        if VersionInfo::read(dir).as_ref() == Some(&VersionInfo::current()) {
            match Self::open_existing(dir, seg.clone()) {
                Ok(ix) => return Ok((ix, OpenState::Current)),
                Err(e @ SearchError::Locked(_)) => return Err(e),
                Err(e) => {
                    tracing::warn!(dir = %dir.display(), error = %e, "search index unreadable; rebuilding it")
                }
            }
        } else if dir.exists() {
            tracing::warn!(dir = %dir.display(), "search index missing or of another version; rebuilding it");
        }
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io)?;
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        let (schema, fields) = schema::build();
        let index = Index::create_in_dir(dir, schema)?;
        let ix = Self::from_index(index, fields, seg, Some(dir.to_path_buf()))?;
        VersionInfo::current().write(dir).map_err(io)?;
        Ok((ix, OpenState::Recreated))
    }

    /// Opens an index directory as it is (its version file already checked).
    pub fn open_existing(dir: &Path, seg: Arc<dyn Segments>) -> Result<SearchIndex, SearchError> {
        let index = Index::open_in_dir(dir)?;
        let fields = schema::fields_of(&index.schema()).ok_or_else(|| {
            SearchError::Index(tantivy::TantivyError::SchemaError(
                "index lacks a field of the current schema".into(),
            ))
        })?;
        Self::from_index(index, fields, seg, Some(dir.to_path_buf()))
    }

    fn from_index(
        index: Index,
        fields: Fields,
        seg: Arc<dyn Segments>,
        dir: Option<PathBuf>,
    ) -> Result<SearchIndex, SearchError> {
        index
            .tokenizers()
            .register(tokenizer::TOKENIZER_NAME, WzTokenizer::new(seg.clone()));
        index.tokenizers().register(
            tokenizer::SUB_WORDS_TOKENIZER_NAME,
            WzTokenizer::sub_words(seg.clone()),
        );
        // Two cores: one indexing thread leaves the other for requests.
        let writer = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(|e| match e {
                tantivy::TantivyError::LockFailure(..) => SearchError::Locked(
                    dir.as_ref()
                        .map_or_else(|| "memory".into(), |d| d.display().to_string()),
                ),
                other => other.into(),
            })?;
        // Manual reload: the sync task reloads right after each commit, so a reader never waits
        // for a polling interval (read-your-writes within one instance).
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
            seg,
            dir,
        })
    }

    pub fn fields(&self) -> &Fields {
        &self.fields
    }

    pub fn segmenter(&self) -> &crate::text::Segmenter {
        self.seg.segmenter()
    }

    pub fn searcher(&self) -> tantivy::Searcher {
        self.reader.searcher()
    }

    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Number of documents visible to readers.
    pub fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// The change-sequence position saved with the last commit (`None`: never committed here).
    pub fn saved_position(&self) -> Option<i64> {
        let meta = self.index.load_metas().ok()?;
        meta.payload.as_deref()?.trim().parse().ok()
    }

    fn lock_writer(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Replaces the documents of these cases (staff copy, and the masked public copy when the case
    /// is public). Not visible until [`Self::commit`].
    pub fn put_cases(&self, rows: &[SearchCaseRow]) -> Result<(), SearchError> {
        let w = self.lock_writer();
        for row in rows {
            self.delete_key(&w, &format!("case:{}", row.id));
            self.delete_key(&w, &format!("pcase:{}", row.id));
            w.add_document(self.case_doc(row, false))?;
            if row.is_public() {
                w.add_document(self.case_doc(row, true))?;
            }
        }
        Ok(())
    }

    /// Removes cases' documents (a case that no longer exists).
    pub fn delete_cases(&self, ids: &[i64]) {
        let w = self.lock_writer();
        for id in ids {
            self.delete_key(&w, &format!("case:{id}"));
            self.delete_key(&w, &format!("pcase:{id}"));
        }
    }

    /// Replaces FAQ entries' documents; retired entries leave the index.
    pub fn put_faqs(&self, rows: &[FaqRecord]) -> Result<(), SearchError> {
        let w = self.lock_writer();
        for row in rows {
            self.delete_key(&w, &format!("faq:{}", row.id));
            if row.status == "active" {
                w.add_document(self.faq_doc(row))?;
            }
        }
        Ok(())
    }

    pub fn delete_faqs(&self, ids: &[i64]) {
        let w = self.lock_writer();
        for id in ids {
            self.delete_key(&w, &format!("faq:{id}"));
        }
    }

    /// Empties the index (before a rebuild; takes effect at the next commit).
    pub fn clear(&self) -> Result<(), SearchError> {
        self.lock_writer().delete_all_documents()?;
        Ok(())
    }

    /// Commits pending changes with the change-sequence `position` they bring the index to, and
    /// makes them visible to readers at once.
    pub fn commit(&self, position: i64) -> Result<(), SearchError> {
        {
            let mut w = self.lock_writer();
            let mut prepared = w.prepare_commit()?;
            prepared.set_payload(&position.to_string());
            prepared.commit()?;
        }
        self.reader.reload()?;
        Ok(())
    }

    fn delete_key(&self, w: &IndexWriter, key: &str) {
        w.delete_term(Term::from_field_text(self.fields.key, key));
    }

    fn case_doc(&self, row: &SearchCaseRow, public: bool) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        let (kind, key) = if public {
            (schema::KIND_PUBLIC_CASE, format!("pcase:{}", row.id))
        } else {
            (schema::KIND_CASE, format!("case:{}", row.id))
        };
        let names: Vec<&str> = row.contact_name.as_deref().into_iter().collect();
        let text = |s: &str| {
            if public {
                normalise(&mask_public_text(s, &names))
            } else {
                normalise(s)
            }
        };
        doc.add_text(f.key, &key);
        doc.add_text(f.kind, kind);
        doc.add_u64(f.entity_id, row.id as u64);
        doc.add_text(f.case_number, &row.case_number);
        let (title, body) = (text(&row.title), text(&row.body));
        doc.add_text(f.sub_words, &title);
        doc.add_text(f.sub_words, &body);
        doc.add_text(f.title, title);
        doc.add_text(f.body, body);
        if let Some(r) = &row.reply_text {
            let reply = text(r);
            doc.add_text(f.sub_words, &reply);
            doc.add_text(f.reply, reply);
        }
        if let Some(u) = row.unit.as_deref().filter(|u| !u.is_empty()) {
            doc.add_facet(f.unit, Facet::from_path([u]));
        }
        if let Some(c) = row.category.as_deref().filter(|c| !c.is_empty()) {
            doc.add_facet(f.category, Facet::from_path([c]));
        }
        if let Some(t) = &row.request_type {
            doc.add_text(f.request_type, t);
        }
        if let Some(u) = &row.urgency {
            doc.add_text(f.urgency, u);
        }
        doc.add_text(f.status, &row.status);
        doc.add_date(
            f.received,
            tantivy::DateTime::from_timestamp_secs(row.received_at.timestamp()),
        );
        if let Some(r) = row.reply_published_at.or(row.replied_at) {
            doc.add_date(
                f.replied,
                tantivy::DateTime::from_timestamp_secs(r.timestamp()),
            );
        }
        doc.add_u64(f.public, u64::from(row.is_public()));
        doc.add_u64(f.merged_into, row.merged_into.unwrap_or(0) as u64);
        doc
    }

    fn faq_doc(&self, row: &FaqRecord) -> TantivyDocument {
        let f = &self.fields;
        let mut doc = TantivyDocument::default();
        let text = |s: &str| normalise(&mask_public_text(s, &[]));
        doc.add_text(f.key, format!("faq:{}", row.id));
        doc.add_text(f.kind, schema::KIND_FAQ);
        doc.add_u64(f.entity_id, row.id as u64);
        for (field, value) in [
            (f.title, text(&row.question)),
            (f.body, text(&row.answer)),
            (f.tags, text(&row.tag_list().join(" "))),
        ] {
            doc.add_text(f.sub_words, &value);
            doc.add_text(field, value);
        }
        if let Some(u) = row.unit.as_deref().filter(|u| !u.is_empty()) {
            doc.add_facet(f.unit, Facet::from_path([u]));
        }
        doc.add_text(f.status, &row.status);
        doc.add_date(
            f.received,
            tantivy::DateTime::from_timestamp_secs(row.updated_at.timestamp()),
        );
        doc.add_u64(f.public, 1);
        doc.add_u64(f.merged_into, 0);
        doc
    }
}

/// The index directory under a data directory.
pub fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("search-index")
}

/// Opens (or recreates) the index in `dir`, brings it up to date with the database, and starts
/// the task that keeps it in step.
pub async fn start(
    dir: &Path,
    store: &crate::store::Store,
    seg: Arc<dyn Segments>,
) -> Result<Arc<SearchIndex>, SearchError> {
    let dir_owned = dir.to_path_buf();
    let (index, state) = tokio::task::spawn_blocking(move || SearchIndex::open(&dir_owned, seg))
        .await
        .map_err(|e| SearchError::Index(tantivy::TantivyError::InternalError(e.to_string())))??;
    let index = Arc::new(index);
    let follower = sync::catch_up(&index, store, state).await?;
    tokio::spawn(sync::follow(index.clone(), store.clone(), follower));
    Ok(index)
}

/// Text for the public: the citizen's own name (from the contact fields) wherever it appears,
/// then everything [`crate::text::mask_personal_data`] masks.
pub fn mask_public_text(text: &str, known_names: &[&str]) -> String {
    crate::text::mask_personal_data_with_names(text, known_names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Segmenter;
    use std::sync::LazyLock;

    static SEG: LazyLock<Arc<Segmenter>> = LazyLock::new(|| Arc::new(Segmenter::new()));

    fn seg() -> Arc<dyn Segments> {
        SEG.clone()
    }

    pub(crate) fn row(id: i64, title: &str, body: &str, category: &str) -> SearchCaseRow {
        SearchCaseRow {
            id,
            case_number: format!("2026-{id:06}"),
            title: title.into(),
            body: body.into(),
            reply_text: None,
            unit: Some("住房和城乡建设局".into()),
            category: Some(category.into()),
            request_type: Some("投诉".into()),
            urgency: Some("一般".into()),
            status: "received".into(),
            received_at: chrono::Utc::now(),
            replied_at: None,
            publish_consent: false,
            reply_published_at: None,
            merged_into: None,
            contact_name: None,
            location: None,
        }
    }

    const FIXTURE: &str = "src/search/fixtures/index-v1";

    fn fixture_rows() -> Vec<SearchCaseRow> {
        vec![
            row(
                1,
                "小区物业乱收停车费",
                "物业擅自把停车费从100元涨到300元",
                "城乡建设",
            ),
            row(
                2,
                "公积金贷款额度咨询",
                "请问公积金贷款最高额度是多少",
                "城乡建设",
            ),
        ]
    }

    /// Writes the committed fixture of the current schema version (run by hand when the version
    /// changes: `cargo test write_index_fixture -- --ignored`, then commit the new directory).
    #[test]
    #[ignore]
    fn write_index_fixture() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("src/search/fixtures/index-v{SCHEMA_VERSION}"));
        let _ = std::fs::remove_dir_all(&dir);
        let (ix, _) = SearchIndex::open(&dir, seg()).unwrap();
        ix.put_cases(&fixture_rows()).unwrap();
        ix.commit(2).unwrap();
        drop(ix);
        let _ = std::fs::remove_file(dir.join(".tantivy-writer.lock"));
        let _ = std::fs::remove_file(dir.join(".tantivy-meta.lock"));
    }

    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }

    /// The saved-format rule: the committed version-1 index loads and answers while version 1 is
    /// current, and is detected as old (and recreated) once the version moves on.
    #[test]
    fn committed_version_1_index_loads() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ix");
        copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE), &dir);
        let info = VersionInfo::read(&dir).expect("fixture has a version file");
        assert_eq!(info.schema_version, 1);
        if SCHEMA_VERSION == 1 {
            let ix = SearchIndex::open_existing(&dir, seg()).unwrap();
            assert_eq!(ix.saved_position(), Some(2));
            let page = ix
                .search_cases("停车费", &SearchFilters::default(), 1, 10)
                .unwrap();
            assert_eq!(page.total, 1);
            assert_eq!(page.hits[0].case_number, "2026-000001");
        } else {
            let (ix, state) = SearchIndex::open(&dir, seg()).unwrap();
            assert_eq!(state, OpenState::Recreated);
            assert_eq!(ix.num_docs(), 0);
        }
    }

    /// A committed index of schema `version` (two cases, the first with 停车费 in its title) loads
    /// while that version is current — 停车 finds the case (a sub-word), highlighted inside the
    /// word, and the whole word still matches — and is detected as old and recreated once the
    /// version moves on.
    fn committed_fixture_loads_or_is_recreated(fixture: &str, version: u32) {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ix");
        copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("src/search/fixtures")
                .join(fixture),
            &dir,
        );
        let info = VersionInfo::read(&dir).expect("fixture has a version file");
        assert_eq!(info.schema_version, version);
        let (ix, state) = SearchIndex::open(&dir, seg()).unwrap();
        if SCHEMA_VERSION != version {
            assert_eq!(state, OpenState::Recreated);
            assert_eq!(ix.num_docs(), 0);
            return;
        }
        assert_eq!(state, OpenState::Current);
        assert_eq!(ix.saved_position(), Some(2));
        let page = ix
            .search_cases("停车", &SearchFilters::default(), 1, 10)
            .unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.hits[0].case_number, "2026-000001");
        assert!(
            page.hits[0].title_html.contains("<b>停车</b>费"),
            "{}",
            page.hits[0].title_html
        );
        let page = ix
            .search_cases("停车费", &SearchFilters::default(), 1, 10)
            .unwrap();
        assert_eq!(page.total, 1);
    }

    /// Version 2: sub-words beside words in the text fields, plus whole-word fields.
    #[test]
    fn committed_version_2_index_loads() {
        committed_fixture_loads_or_is_recreated("index-v2", 2);
    }

    /// Version 3: whole words in the text fields, sub-words in `sub_words`.
    #[test]
    fn committed_version_3_index_loads() {
        committed_fixture_loads_or_is_recreated("index-v3", 3);
    }

    #[test]
    fn an_index_of_another_version_or_garbage_is_recreated() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("ix");
        let (ix, state) = SearchIndex::open(&dir, seg()).unwrap();
        assert_eq!(state, OpenState::Recreated);
        ix.put_cases(&fixture_rows()).unwrap();
        ix.commit(7).unwrap();
        drop(ix);
        let (ix, state) = SearchIndex::open(&dir, seg()).unwrap();
        assert_eq!(state, OpenState::Current);
        assert_eq!((ix.num_docs(), ix.saved_position()), (2, Some(7)));
        drop(ix);
        let old = VersionInfo {
            schema_version: 0,
            ..VersionInfo::current()
        };
        old.write(&dir).unwrap();
        let (ix, state) = SearchIndex::open(&dir, seg()).unwrap();
        assert_eq!(state, OpenState::Recreated);
        assert_eq!((ix.num_docs(), ix.saved_position()), (0, None));
        drop(ix);
        std::fs::write(dir.join("meta.json"), b"garbage").unwrap();
        let (_, state) = SearchIndex::open(&dir, seg()).unwrap();
        assert_eq!(state, OpenState::Recreated);
    }

    /// Sub-words make a compound findable by its parts (ranked below the word itself), keep
    /// phrase positions those of the words, and leave the similar-case and duplicate scores
    /// (whole words) as they were.
    #[test]
    fn a_sub_word_query_finds_the_compound_and_phrases_still_work() {
        let ix = SearchIndex::in_memory(seg()).unwrap();
        ix.put_cases(&[
            row(
                1,
                "住房公积金提取",
                "我想提取住房公积金用于还房贷",
                "城乡建设",
            ),
            row(2, "公积金贷款", "公积金贷款额度是多少", "城乡建设"),
            row(3, "路灯不亮", "小区路灯坏了", "城乡建设"),
        ])
        .unwrap();
        ix.commit(1).unwrap();
        let f = SearchFilters::default();
        let page = ix.search_cases("公积金", &f, 1, 10).unwrap();
        let mut found: Vec<&str> = page.hits.iter().map(|h| h.case_number.as_str()).collect();
        found.sort();
        assert_eq!(found, ["2026-000001", "2026-000002"]);
        // The case saying the word itself ranks above the one saying it inside a compound.
        assert_eq!(page.hits[0].case_number, "2026-000002");
        assert!(page.hits[0].score > page.hits[1].score);
        let one = page
            .hits
            .iter()
            .find(|h| h.case_number == "2026-000001")
            .unwrap();
        assert!(
            one.title_html.contains("住房<b>公积金</b>"),
            "{}",
            one.title_html
        );
        assert!(
            one.snippet_html.contains("<b>公积金</b>"),
            "{}",
            one.snippet_html
        );
        // The whole word finds only the case that says it.
        let page = ix.search_cases("住房公积金", &f, 1, 10).unwrap();
        assert_eq!(page.total, 1);

        // Phrases count positions in words: the text fields hold the words alone, so the
        // compound followed by the next word is a phrase.
        let searcher = ix.searcher();
        let body = ix.fields().body;
        let words = ix.query_words("提取住房公积金用于");
        assert!(words.contains(&"住房公积金".to_string()), "{words:?}");
        let after = &words[words.iter().position(|w| w == "住房公积金").unwrap() + 1];
        let phrase = tantivy::query::PhraseQuery::new(vec![
            Term::from_field_text(body, "住房公积金"),
            Term::from_field_text(body, after),
        ]);
        let n = searcher
            .search(&phrase, &tantivy::collector::Count)
            .unwrap();
        assert_eq!(n, 1);

        // Duplicates are scored on whole words: an identical text is similarity 1.
        let dup = ix
            .duplicate_candidates("住房公积金提取", "我想提取住房公积金用于还房贷", &[], None)
            .unwrap();
        assert_eq!(dup[0].case_number, "2026-000001");
        assert!((dup[0].similarity - 1.0).abs() < 1e-4, "{dup:?}");
        // More-like-this reads whole words: 公积金 does not pull in the case that only says
        // 住房公积金 (the search does, above).
        let similar = ix
            .similar_to_text("公积金", "公积金", None, &[], 10, SimilarOptions::default())
            .unwrap();
        let numbers: Vec<&str> = similar.iter().map(|s| s.case_number.as_str()).collect();
        assert_eq!(numbers, ["2026-000002"]);
    }

    #[test]
    fn a_handlers_duplicate_candidates_are_their_units_or_public() {
        let ix = SearchIndex::in_memory(seg()).unwrap();
        let mut other = row(
            2,
            "小区物业乱收停车费",
            "物业擅自把停车费从100元涨到300元",
            "城乡建设",
        );
        other.unit = Some("交通运输局".into());
        let mut public = row(
            3,
            "小区物业乱收停车费",
            "物业擅自把停车费从100元涨到300元",
            "城乡建设",
        );
        public.unit = Some("交通运输局".into());
        public.publish_consent = true;
        public.reply_text = Some("已责令整改".into());
        public.reply_published_at = Some(chrono::Utc::now());
        let own = row(
            4,
            "小区物业乱收停车费",
            "物业擅自把停车费从100元涨到300元",
            "城乡建设",
        );
        ix.put_cases(&[other, public, own]).unwrap();
        ix.commit(1).unwrap();
        let numbers = |unit: Option<&str>| {
            let mut v: Vec<String> = ix
                .duplicate_candidates(
                    "小区物业乱收停车费",
                    "物业擅自把停车费从100元涨到300元",
                    &[],
                    unit,
                )
                .unwrap()
                .into_iter()
                .map(|d| d.case_number)
                .collect();
            v.sort();
            v
        };
        assert_eq!(numbers(None), ["2026-000002", "2026-000003", "2026-000004"]);
        assert_eq!(
            numbers(Some("住房和城乡建设局")),
            ["2026-000003", "2026-000004"]
        );
    }

    #[test]
    fn a_replaced_case_is_found_only_in_its_new_form() {
        let ix = SearchIndex::in_memory(seg()).unwrap();
        ix.put_cases(&fixture_rows()).unwrap();
        ix.commit(1).unwrap();
        let mut changed = fixture_rows().remove(0);
        changed.title = "小区路灯不亮".into();
        changed.body = "晚上小区路灯全部不亮".into();
        ix.put_cases(&[changed]).unwrap();
        ix.commit(2).unwrap();
        let f = SearchFilters::default();
        assert_eq!(ix.search_cases("停车费", &f, 1, 10).unwrap().total, 0);
        assert_eq!(ix.search_cases("路灯", &f, 1, 10).unwrap().total, 1);
    }
}
