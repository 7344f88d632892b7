//! Queries: staff search (BM25, filters, facets, snippets, paging), similar cases and duplicate
//! candidates (more-like-this), and the public FAQ search and suggestions.
//!
//! More-like-this is our own rather than tantivy's `MoreLikeThisQuery`: tantivy's defaults drop
//! every term seen in fewer than 5 documents or fewer than twice in the source (nothing is left on
//! a small board), its minimum word length counts bytes (a two-character Chinese word is 6), and it
//! cannot weight title words apart from body words, which the evaluation showed matters.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Bound;

use chrono::{DateTime, TimeZone, Utc};
use serde::Serialize;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhrasePrefixQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocAddress, Searcher, TantivyDocument, Term};

use super::schema::{KIND_CASE, KIND_FAQ, KIND_PUBLIC_CASE};
use super::tokenizer::{HighlightTokenizer, words_with_offsets};
use super::{SearchError, SearchIndex};
use crate::text::{mask_personal_data, normalise};

/// Field weights of the staff and public search: a word in the subject says more about what a
/// message is about than one in the body, and the reply's words are the office's, not the
/// citizen's.
const TITLE_BOOST: f32 = 2.0;
const BODY_BOOST: f32 = 1.0;
const REPLY_BOOST: f32 = 0.5;
const TAGS_BOOST: f32 = 1.5;
/// A query word found only inside a longer word (公积金 in 住房公积金, the `sub_words` field)
/// counts less than the word itself in any text field: the compound is about something more
/// specific than what was asked for.
const SUB_WORDS_BOOST: f32 = 0.5;

/// More-like-this settings, chosen on the evaluation split (docs/search.md has the figures).
#[derive(Debug, Clone, Copy)]
pub struct SimilarOptions {
    /// Most terms taken from the source text (by tf-idf).
    pub max_terms: usize,
    /// How much a title occurrence counts over a body one when choosing and weighting terms.
    pub title_weight: f32,
    /// Boost of a term's match in a candidate's title over one in its body.
    pub title_boost: f32,
    /// Score multiplier `1 + category_boost` for candidates in the preferred category.
    pub category_boost: f32,
    /// Candidates fetched by BM25 before re-ranking.
    pub pool: usize,
    /// Re-ranking mixes BM25 (scaled to the best candidate's) and cosine similarity:
    /// `(1 - cosine_weight) * bm25 + cosine_weight * cosine`.
    pub cosine_weight: f32,
}

impl Default for SimilarOptions {
    fn default() -> Self {
        SimilarOptions {
            max_terms: 60,
            title_weight: 2.0,
            title_boost: 1.5,
            category_boost: 1.0,
            pool: 50,
            cosine_weight: 1.0,
        }
    }
}

/// Cosine similarity (tf-idf over content words) above which a similar case is flagged as a
/// likely duplicate (并单 candidate). Chosen on data: docs/search.md, "Duplicate threshold".
pub const DUPLICATE_THRESHOLD: f32 = 0.5;

#[derive(Debug, Clone, Default)]
pub struct SearchFilters {
    pub unit: Option<String>,
    pub category: Option<String>,
    pub request_type: Option<String>,
    pub status: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// A handler's unit: only that unit's cases and public (published) cases match.
    pub visible_unit: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    pub case_number: String,
    pub title: String,
    /// The title with matched words in `<b>…</b>` (HTML-escaped otherwise).
    pub title_html: String,
    /// The best matching passage of the body (or the reply), highlighted the same way.
    pub snippet_html: String,
    pub unit: Option<String>,
    pub category: Option<String>,
    pub request_type: Option<String>,
    pub urgency: Option<String>,
    pub status: String,
    pub received_at: Option<DateTime<Utc>>,
    /// BM25 score (comparable within one result list only).
    pub score: f32,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SearchPage {
    /// All matching cases (not only this page).
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<SearchHit>,
    /// Matching cases per unit (department), most first.
    pub units: Vec<FacetCount>,
    /// Matching cases per category (一级标签), most first.
    pub categories: Vec<FacetCount>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SimilarCase {
    pub case_id: i64,
    pub case_number: String,
    pub title: String,
    pub category: Option<String>,
    pub unit: Option<String>,
    pub status: String,
    /// The ranking score: BM25 (relative to the best candidate) mixed with the cosine
    /// similarity, raised for the preferred category.
    pub score: f32,
    /// Cosine similarity of the two texts' tf-idf word vectors, 0–1; comparable across cases.
    pub similarity: f32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DuplicateCandidate {
    pub case_number: String,
    pub title: String,
    pub status: String,
    /// Cosine similarity, at or above the duplicate threshold.
    pub similarity: f32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicHit {
    /// `faq` or `case`.
    pub kind: String,
    /// FAQ id or case number.
    pub id: String,
    /// Question or subject (masked).
    pub title: String,
    /// Best matching passage, highlighted (masked).
    pub snippet_html: String,
    /// The FAQ answer or the published reply (masked).
    pub answer: String,
    pub unit: Option<String>,
    pub score: f32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicPage {
    pub total: usize,
    pub page: usize,
    pub per_page: usize,
    pub hits: Vec<PublicHit>,
}

/// A filter clause: must match, adds nothing to the score.
fn filter(q: Box<dyn Query>) -> (Occur, Box<dyn Query>) {
    (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
}

fn term_text(field: Field, value: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(
        Term::from_field_text(field, value),
        IndexRecordOption::Basic,
    ))
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn first_chars(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

fn doc_text(doc: &TantivyDocument, field: Field) -> Option<String> {
    doc.get_first(field)
        .and_then(|v| v.as_str().map(str::to_string))
}

fn doc_facet(doc: &TantivyDocument, field: Field) -> Option<String> {
    // Stored facets come back in their encoded form (path steps separated by NUL).
    let encoded = doc.get_first(field)?.as_facet()?;
    let facet = Facet::from_encoded(encoded.as_bytes().to_vec()).ok()?;
    facet.to_path().first().map(|s| s.to_string())
}

fn doc_u64(doc: &TantivyDocument, field: Field) -> Option<u64> {
    doc.get_first(field).and_then(|v| v.as_u64())
}

fn doc_date(doc: &TantivyDocument, field: Field) -> Option<DateTime<Utc>> {
    let d = doc.get_first(field).and_then(|v| v.as_datetime())?;
    Utc.timestamp_opt(d.into_timestamp_secs(), 0).single()
}

fn facet_counts(fc: &tantivy::collector::FacetCounts) -> Vec<FacetCount> {
    let mut out: Vec<FacetCount> = fc
        .get("/")
        .filter_map(|(facet, count)| {
            facet.to_path().first().map(|v| FacetCount {
                value: v.to_string(),
                count,
            })
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    out
}

/// Total length of the hits' texts from which their snippets are made on more than one thread
/// ([`in_parallel`]): about 1 ms of segmentation.
const PARALLEL_SNIPPET_BYTES: usize = 16 * 1024;

/// `f` of each item, in order, on up to as many threads as there are cores. A hit's snippets
/// segment its text up to the last query term (a long body whose common words recur to its end
/// is read whole), which made 20 hits most of a slow staff search; they are independent, so the
/// second core shortens the request. Order and content are those of a sequential loop.
fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    parallel: bool,
    f: impl Fn(&T) -> Result<R, SearchError> + Sync,
) -> Result<Vec<R>, SearchError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if !parallel || threads <= 1 {
        return items.iter().map(&f).collect();
    }
    // Hits are taken one at a time from a shared counter: bodies differ in length by 100×, so
    // fixed halves would leave one thread idle.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(item) = items.get(i) else {
                return done;
            };
            done.push((i, f(item)));
        }
    };
    let mut results: Vec<(usize, Result<R, SearchError>)> = std::thread::scope(|s| {
        let helpers: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut all = work();
        for h in helpers {
            all.extend(h.join().expect("snippet thread panicked"));
        }
        all
    });
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// A term's weight in a source text: sublinear tf times BM25's idf.
fn idf(doc_freq: u64, num_docs: u64) -> f32 {
    let n = num_docs.max(1) as f32;
    let df = doc_freq as f32;
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

impl SearchIndex {
    /// A handler's scope: their unit's cases and published ones (the same rule as
    /// `workflow::load_visible` for a case, plus what the public may read anyway).
    fn visible_to_unit(&self, unit: &str) -> Box<dyn Query> {
        let f = self.fields();
        let own: Box<dyn Query> = Box::new(TermQuery::new(
            Term::from_facet(f.unit, &Facet::from_path([unit])),
            IndexRecordOption::Basic,
        ));
        let public: Box<dyn Query> = Box::new(TermQuery::new(
            Term::from_field_u64(f.public, 1),
            IndexRecordOption::Basic,
        ));
        Box::new(BooleanQuery::new(vec![
            (Occur::Should, own),
            (Occur::Should, public),
        ]))
    }

    /// The distinct content words of a query, in order.
    pub fn query_words(&self, q: &str) -> Vec<String> {
        let normalised = normalise(q);
        let mut seen = HashSet::new();
        words_with_offsets(self.segmenter(), &normalised)
            .into_iter()
            .map(|(w, _, _)| w)
            .filter(|w| seen.insert(w.clone()))
            .collect()
    }

    /// Words matched in any of `fields`; at least two thirds of the words must match (all of them
    /// for one or two words), so a long query does not return everything that shares one word.
    fn text_query(&self, words: &[String], fields: &[(Field, f32)]) -> Box<dyn Query> {
        let clauses: Vec<(Occur, Box<dyn Query>)> = words
            .iter()
            .map(|w| {
                let per_field: Vec<(Occur, Box<dyn Query>)> = fields
                    .iter()
                    .map(|&(field, boost)| {
                        let q: Box<dyn Query> = Box::new(TermQuery::new(
                            Term::from_field_text(field, w),
                            IndexRecordOption::WithFreqs,
                        ));
                        (
                            Occur::Should,
                            Box::new(BoostQuery::new(q, boost)) as Box<dyn Query>,
                        )
                    })
                    .collect();
                (
                    Occur::Should,
                    Box::new(BooleanQuery::new(per_field)) as Box<dyn Query>,
                )
            })
            .collect();
        let n = clauses.len();
        let required = if n <= 2 { n } else { (n * 2).div_ceil(3) };
        Box::new(BooleanQuery::with_minimum_required_clauses(
            clauses, required,
        ))
    }

    /// Staff search over cases: BM25 with field boosts, filters, facet counts, paging (`page`
    /// from 1), highlighted snippets.
    pub fn search_cases(
        &self,
        q: &str,
        filters: &SearchFilters,
        page: usize,
        per_page: usize,
    ) -> Result<SearchPage, SearchError> {
        let f = *self.fields();
        let words = self.query_words(q);
        if words.is_empty() {
            return Err(SearchError::NoWords("q"));
        }
        let text = self.text_query(
            &words,
            &[
                (f.title, TITLE_BOOST),
                (f.body, BODY_BOOST),
                (f.reply, REPLY_BOOST),
                (f.sub_words, SUB_WORDS_BOOST),
            ],
        );
        let mut clauses = vec![
            (Occur::Must, text.box_clone()),
            filter(term_text(f.kind, KIND_CASE)),
        ];
        if let Some(u) = &filters.unit {
            clauses.push(filter(Box::new(TermQuery::new(
                Term::from_facet(f.unit, &Facet::from_path([u])),
                IndexRecordOption::Basic,
            ))));
        }
        if let Some(c) = &filters.category {
            clauses.push(filter(Box::new(TermQuery::new(
                Term::from_facet(f.category, &Facet::from_path([c])),
                IndexRecordOption::Basic,
            ))));
        }
        if let Some(u) = &filters.visible_unit {
            clauses.push(filter(self.visible_to_unit(u)));
        }
        if let Some(t) = &filters.request_type {
            clauses.push(filter(term_text(f.request_type, t)));
        }
        if let Some(s) = &filters.status {
            clauses.push(filter(term_text(f.status, s)));
        }
        if filters.from.is_some() || filters.to.is_some() {
            let date = |d: DateTime<Utc>| {
                Term::from_field_date(
                    f.received,
                    tantivy::DateTime::from_timestamp_secs(d.timestamp()),
                )
            };
            clauses.push(filter(Box::new(RangeQuery::new(
                filters
                    .from
                    .map_or(Bound::Unbounded, |d| Bound::Included(date(d))),
                filters
                    .to
                    .map_or(Bound::Unbounded, |d| Bound::Excluded(date(d))),
            ))));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.searcher();
        let mut units = FacetCollector::for_field("unit");
        units.add_facet("/");
        let mut categories = FacetCollector::for_field("category");
        categories.add_facet("/");
        let top = TopDocs::with_limit(per_page)
            .and_offset(per_page * (page.saturating_sub(1)))
            .order_by_score();
        let (top, total, units, categories) =
            searcher.search(&query, &(top, Count, units, categories))?;

        let title_gen = self.snippets(&searcher, &*text, f.title, 200)?;
        let body_gen = self.snippets(&searcher, &*text, f.body, 120)?;
        let reply_gen = self.snippets(&searcher, &*text, f.reply, 120)?;
        let docs = top
            .into_iter()
            .map(|(score, addr)| Ok((score, searcher.doc::<TantivyDocument>(addr)?)))
            .collect::<Result<Vec<_>, SearchError>>()?;
        // A second thread costs about as much as segmenting a few kilobytes: short hits (most
        // queries, and every small board) stay on this one.
        let text_bytes: usize = docs
            .iter()
            .flat_map(|(_, d)| [f.title, f.body, f.reply].map(|field| (d, field)))
            .map(|(d, field)| {
                d.get_first(field)
                    .and_then(|v| v.as_str())
                    .map_or(0, str::len)
            })
            .sum();
        let hit = |score: f32, doc: &TantivyDocument| -> Result<SearchHit, SearchError> {
            let title = doc_text(doc, f.title).unwrap_or_default();
            let mut title_html = title_gen.snippet_from_doc(doc).to_html();
            if title_html.is_empty() {
                title_html = escape_html(&title);
            }
            let mut snippet_html = body_gen.snippet_from_doc(doc).to_html();
            if snippet_html.is_empty() {
                snippet_html = reply_gen.snippet_from_doc(doc).to_html();
            }
            if snippet_html.is_empty() {
                snippet_html =
                    escape_html(first_chars(&doc_text(doc, f.body).unwrap_or_default(), 120));
            }
            Ok(SearchHit {
                case_number: doc_text(doc, f.case_number).unwrap_or_default(),
                title,
                title_html,
                snippet_html,
                unit: doc_facet(doc, f.unit),
                category: doc_facet(doc, f.category),
                request_type: doc_text(doc, f.request_type),
                urgency: doc_text(doc, f.urgency),
                status: doc_text(doc, f.status).unwrap_or_default(),
                received_at: doc_date(doc, f.received),
                score,
            })
        };
        let hits = in_parallel(
            &docs,
            text_bytes >= PARALLEL_SNIPPET_BYTES,
            |(score, doc)| hit(*score, doc),
        )?;
        Ok(SearchPage {
            total,
            page,
            per_page,
            hits,
            units: facet_counts(&units),
            categories: facet_counts(&categories),
        })
    }

    /// A snippet generator for `field`, highlighting the query's terms. tantivy's own
    /// (`SnippetGenerator::create`) would cut the text with the field's tokenizer, which knows
    /// nothing of sub-words; ours cuts it into words or highlighted sub-words
    /// ([`HighlightTokenizer`]), so 公积金 is marked inside 住房公积金. The term weights are
    /// tantivy's (rarer terms make a better passage), over the term as a word of the field or as
    /// a sub-word of any text (a term found only inside compounds is highlighted there too).
    fn snippets(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        field: Field,
        max_chars: usize,
    ) -> Result<SnippetGenerator, SearchError> {
        let mut terms: Vec<Term> = Vec::new();
        query.query_terms(&mut |term, _| {
            if term.field() == field {
                terms.push(term.clone());
            }
        });
        let mut weights: BTreeMap<String, f32> = BTreeMap::new();
        for term in terms {
            let Some(text) = term.value().as_str().map(str::to_string) else {
                continue;
            };
            let df = searcher.doc_freq(&term)?
                + searcher.doc_freq(&Term::from_field_text(self.fields().sub_words, &text))?;
            if df > 0 {
                weights.insert(text, 1.0 / (1.0 + df as f32));
            }
        }
        let highlight = HighlightTokenizer::new(
            self.seg.clone(),
            weights.keys().cloned().collect(),
            max_chars,
        );
        Ok(SnippetGenerator::new(
            weights,
            TextAnalyzer::from(highlight),
            field,
            max_chars,
        ))
    }

    /// The tf-idf weights of a text's words (title words counting `title_weight` times).
    fn text_vector(
        &self,
        searcher: &Searcher,
        title: &str,
        body: &str,
        title_weight: f32,
        cache: &mut HashMap<String, f32>,
    ) -> Result<HashMap<String, f32>, SearchError> {
        let seg = self.segmenter();
        let mut tf: HashMap<String, f32> = HashMap::new();
        for (w, _, _) in words_with_offsets(seg, &normalise(title)) {
            *tf.entry(w).or_default() += title_weight;
        }
        for (w, _, _) in words_with_offsets(seg, &normalise(body)) {
            *tf.entry(w).or_default() += 1.0;
        }
        // Whole words (the sub-words have a field of their own), as the similar-case evaluation
        // and the duplicate threshold were measured.
        let n = searcher.num_docs();
        let body_field = self.fields().body;
        let mut out = HashMap::with_capacity(tf.len());
        for (w, count) in tf {
            let weight = match cache.get(&w) {
                Some(&i) => i,
                None => {
                    let df = searcher.doc_freq(&Term::from_field_text(body_field, &w))?;
                    let i = idf(df, n);
                    cache.insert(w.clone(), i);
                    i
                }
            };
            out.insert(w, (1.0 + count.ln()) * weight);
        }
        Ok(out)
    }

    /// Cases like the given text (more-like-this): the source's `max_terms` best words by tf-idf,
    /// each searched in candidates' titles and bodies with its weight; cases of the preferred
    /// category are ranked up; `exclude` (the case itself and cases merged with it) never appear.
    pub fn similar_to_text(
        &self,
        title: &str,
        body: &str,
        preferred_category: Option<&str>,
        exclude: &[i64],
        limit: usize,
        opts: SimilarOptions,
    ) -> Result<Vec<SimilarCase>, SearchError> {
        self.similar_to_text_in(title, body, preferred_category, exclude, None, limit, opts)
    }

    /// [`Self::similar_to_text`] among the cases a handler of `visible_unit` may see (their
    /// unit's and published ones; every case when `None`). The scope is a filter of the query,
    /// so the list is as long as it would be otherwise.
    #[allow(clippy::too_many_arguments)]
    pub fn similar_to_text_in(
        &self,
        title: &str,
        body: &str,
        preferred_category: Option<&str>,
        exclude: &[i64],
        visible_unit: Option<&str>,
        limit: usize,
        opts: SimilarOptions,
    ) -> Result<Vec<SimilarCase>, SearchError> {
        let f = *self.fields();
        let searcher = self.searcher();
        let mut idf_cache = HashMap::new();
        let source = self.text_vector(&searcher, title, body, opts.title_weight, &mut idf_cache)?;
        let mut terms: Vec<(&String, f32)> = source
            .iter()
            .filter(|(w, _)| idf_cache.get(*w).is_some_and(|&i| i > 0.0))
            .map(|(w, &x)| (w, x))
            .collect();
        terms.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        terms.truncate(opts.max_terms);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let best = terms[0].1;
        let mut should: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(terms.len() * 2);
        for (w, weight) in &terms {
            let boost = weight / best;
            // Whole words: a source word matches the same word in a candidate, not a compound
            // containing it (`sub_words` is not searched), so the pool and the scores are those
            // measured (docs/search.md).
            for (field, field_boost) in [(f.title, opts.title_boost), (f.body, 1.0)] {
                let q: Box<dyn Query> = Box::new(TermQuery::new(
                    Term::from_field_text(field, w),
                    IndexRecordOption::WithFreqs,
                ));
                should.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(q, boost * field_boost)),
                ));
            }
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, Box::new(BooleanQuery::new(should))),
            filter(term_text(f.kind, KIND_CASE)),
        ];
        if let Some(u) = visible_unit {
            clauses.push(filter(self.visible_to_unit(u)));
        }
        for id in exclude {
            clauses.push((
                Occur::MustNot,
                Box::new(TermQuery::new(
                    Term::from_field_u64(f.entity_id, *id as u64),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        let query = BooleanQuery::new(clauses);
        let pool = opts.pool.max(limit);
        let top: Vec<(f32, DocAddress)> =
            searcher.search(&query, &TopDocs::with_limit(pool).order_by_score())?;
        let source_norm = source.values().map(|x| x * x).sum::<f32>().sqrt();
        let best_bm25 = top.first().map_or(1.0, |t| t.0.max(f32::MIN_POSITIVE));
        let mut out = Vec::with_capacity(top.len());
        for (bm25, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let category = doc_facet(&doc, f.category);
            let title = doc_text(&doc, f.title).unwrap_or_default();
            let body = doc_text(&doc, f.body).unwrap_or_default();
            let v =
                self.text_vector(&searcher, &title, &body, opts.title_weight, &mut idf_cache)?;
            let dot: f32 = v
                .iter()
                .filter_map(|(w, x)| source.get(w).map(|y| x * y))
                .sum();
            let norm = v.values().map(|x| x * x).sum::<f32>().sqrt() * source_norm;
            let similarity = if norm > 0.0 {
                (dot / norm).min(1.0)
            } else {
                0.0
            };
            let mut score =
                (1.0 - opts.cosine_weight) * bm25 / best_bm25 + opts.cosine_weight * similarity;
            if preferred_category.is_some() && category.as_deref() == preferred_category {
                score *= 1.0 + opts.category_boost;
            }
            out.push(SimilarCase {
                case_id: doc_u64(&doc, f.entity_id).unwrap_or(0) as i64,
                case_number: doc_text(&doc, f.case_number).unwrap_or_default(),
                title,
                category,
                unit: doc_facet(&doc, f.unit),
                status: doc_text(&doc, f.status).unwrap_or_default(),
                score,
                similarity,
            });
        }
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out.truncate(limit);
        Ok(out)
    }

    /// Likely duplicates (并单 candidates) of a text: similar cases at or above
    /// [`DUPLICATE_THRESHOLD`], most similar first; for a handler (`visible_unit`), only cases
    /// they may see — a candidate shows another case's number and title.
    pub fn duplicate_candidates(
        &self,
        title: &str,
        body: &str,
        exclude: &[i64],
        visible_unit: Option<&str>,
    ) -> Result<Vec<DuplicateCandidate>, SearchError> {
        let mut similar = self.similar_to_text_in(
            title,
            body,
            None,
            exclude,
            visible_unit,
            10,
            SimilarOptions::default(),
        )?;
        similar.retain(|s| s.similarity >= DUPLICATE_THRESHOLD);
        similar.sort_by(|a, b| b.similarity.total_cmp(&a.similarity));
        Ok(similar
            .into_iter()
            .map(|s| DuplicateCandidate {
                case_number: s.case_number,
                title: s.title,
                status: s.status,
                similarity: s.similarity,
            })
            .collect())
    }

    fn public_kinds(&self) -> Box<dyn Query> {
        let f = self.fields();
        Box::new(BooleanQuery::new(vec![
            (Occur::Should, term_text(f.kind, KIND_FAQ)),
            (Occur::Should, term_text(f.kind, KIND_PUBLIC_CASE)),
        ]))
    }

    /// The public FAQ search: active FAQ entries and published cases, masked.
    pub fn public_search(
        &self,
        q: &str,
        page: usize,
        per_page: usize,
    ) -> Result<PublicPage, SearchError> {
        let f = *self.fields();
        let words = self.query_words(q);
        if words.is_empty() {
            return Err(SearchError::NoWords("q"));
        }
        let text = self.text_query(
            &words,
            &[
                (f.title, TITLE_BOOST),
                (f.body, BODY_BOOST),
                (f.reply, BODY_BOOST),
                (f.tags, TAGS_BOOST),
                (f.sub_words, SUB_WORDS_BOOST),
            ],
        );
        let query = BooleanQuery::new(vec![
            (Occur::Must, text.box_clone()),
            filter(self.public_kinds()),
        ]);
        let searcher = self.searcher();
        let top = TopDocs::with_limit(per_page)
            .and_offset(per_page * (page.saturating_sub(1)))
            .order_by_score();
        let (top, total) = searcher.search(&query, &(top, Count))?;
        let body_gen = self.snippets(&searcher, &*text, f.body, 120)?;
        let reply_gen = self.snippets(&searcher, &*text, f.reply, 120)?;
        let mut hits = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let kind = doc_text(&doc, f.kind).unwrap_or_default();
            let is_faq = kind == KIND_FAQ;
            let mut snippet = body_gen.snippet_from_doc(&doc).to_html();
            if snippet.is_empty() {
                snippet = reply_gen.snippet_from_doc(&doc).to_html();
            }
            if snippet.is_empty() {
                snippet = escape_html(first_chars(
                    &doc_text(&doc, f.body).unwrap_or_default(),
                    120,
                ));
            }
            let answer = if is_faq {
                doc_text(&doc, f.body)
            } else {
                doc_text(&doc, f.reply)
            };
            hits.push(PublicHit {
                kind: if is_faq { "faq" } else { "case" }.to_string(),
                id: if is_faq {
                    doc_u64(&doc, f.entity_id).unwrap_or(0).to_string()
                } else {
                    doc_text(&doc, f.case_number).unwrap_or_default()
                },
                // Stored masked already; masked again so that nothing public bypasses the mask.
                title: mask_personal_data(&doc_text(&doc, f.title).unwrap_or_default()),
                snippet_html: mask_personal_data(&snippet),
                answer: mask_personal_data(&answer.unwrap_or_default()),
                unit: doc_facet(&doc, f.unit),
                score,
            });
        }
        Ok(PublicPage {
            total,
            page,
            per_page,
            hits,
        })
    }

    /// Suggestions while typing: titles of public documents that continue the typed text (its
    /// words as a phrase, the last one as a prefix: 公积金贷 → 公积金贷款…). Masked.
    pub fn suggest(&self, q: &str, limit: usize) -> Result<Vec<String>, SearchError> {
        let f = *self.fields();
        let normalised = normalise(q);
        let words: Vec<String> = words_with_offsets(self.segmenter(), &normalised)
            .into_iter()
            .map(|(w, _, _)| w)
            .collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        // The typed text ends in a word being typed, which the segmenter may have cut apart from
        // the words before it (住房公 → 住房 / 公, while titles hold 住房公积金): the last one, two
        // and three words joined are each tried as the prefix of a title word, longer joins
        // scoring higher; the earlier words rank titles that also contain them.
        let n = words.len();
        let prefixes: Vec<(Occur, Box<dyn Query>)> = (1..=n.min(3))
            .map(|k| {
                let joined: String = words[n - k..].concat();
                let mut q = PhrasePrefixQuery::new(vec![Term::from_field_text(f.title, &joined)]);
                q.set_max_expansions(50);
                (
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(q), k as f32)) as Box<dyn Query>,
                )
            })
            .collect();
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![
            (Occur::Must, Box::new(BooleanQuery::new(prefixes))),
            filter(self.public_kinds()),
        ];
        for w in &words[..n - 1] {
            clauses.push((
                Occur::Should,
                Box::new(TermQuery::new(
                    Term::from_field_text(f.title, w),
                    IndexRecordOption::WithFreqs,
                )),
            ));
        }
        let query = BooleanQuery::new(clauses);
        let searcher = self.searcher();
        let top = searcher.search(&query, &TopDocs::with_limit(limit * 3).order_by_score())?;
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(limit);
        for (_, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let title = mask_personal_data(&doc_text(&doc, f.title).unwrap_or_default());
            if seen.insert(title.clone()) {
                out.push(title);
            }
            if out.len() == limit {
                break;
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_parallel_keeps_order_and_errors_of_a_sequential_loop() {
        let items: Vec<u32> = (0..40).collect();
        // Uneven work, so threads finish out of order.
        let square = |&n: &u32| -> Result<u32, SearchError> {
            if n % 7 == 0 {
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            Ok(n * n)
        };
        let expected: Vec<u32> = items.iter().map(|n| n * n).collect();
        assert_eq!(in_parallel(&items, true, square).unwrap(), expected);
        assert_eq!(in_parallel(&items, false, square).unwrap(), expected);
        let failing = |&n: &u32| -> Result<u32, SearchError> {
            if n == 13 {
                Err(SearchError::NoWords("query"))
            } else {
                Ok(n)
            }
        };
        assert!(matches!(
            in_parallel(&items, true, failing),
            Err(SearchError::NoWords("query"))
        ));
        assert!(in_parallel(&[] as &[u32], true, square).unwrap().is_empty());
    }
}
