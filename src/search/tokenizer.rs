//! The tantivy tokenizers over the project's own segmentation ([`crate::text::Segmenter`]), so the
//! index, the queries and the classifier all see the same words.
//!
//! The searched text fields (`title`, `body`, `reply`, `tags`) hold the words, one position each,
//! as the classifier and more-like-this read them. The dictionary words inside each word (jieba's
//! search mode: 住房, 公积, 公积金 inside 住房公积金) go to one extra field, `sub_words`, so that a
//! query for 公积金 finds a text that says 住房公积金 while the words' own statistics (term and
//! document frequencies, field lengths) stay those of whole words (docs/search.md, "Tokenizer").
//!
//! tantivy clones a tokenizer every time it fetches one, and cloning a `Jieba` copies its 32 MiB
//! dictionary: the tokenizers therefore hold an `Arc` to the one segmenter of the process.
//! Text is normalised ([`crate::text::normalise`]) before it reaches the index, so the byte offsets
//! of tokens point into the stored text and snippets highlight the right characters.

use std::cell::RefCell;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::{MASKED_NUMBER, Segmenter, TokenKind, segment_boundary_after};

/// Anything that owns the process's segmenter (the segmenter itself, or the triage models).
pub trait Segments: Send + Sync + 'static {
    fn segmenter(&self) -> &Segmenter;
}

impl Segments for Segmenter {
    fn segmenter(&self) -> &Segmenter {
        self
    }
}

impl Segments for crate::classify::Triage {
    fn segmenter(&self) -> &Segmenter {
        &self.segmenter
    }
}

/// The name the words tokenizer is registered under in every index (the searched text fields).
pub const TOKENIZER_NAME: &str = "wz";
/// The sub-words tokenizer, for the `sub_words` field.
pub const SUB_WORDS_TOKENIZER_NAME: &str = "wz-sub";

/// Content words of already-normalised text, as `(word, byte_start, byte_end)`: punctuation and
/// stop words dropped, Latin letters lower-cased, masked numbers spelled [`MASKED_NUMBER`] — the
/// same words as [`Segmenter::words`], with offsets.
pub fn words_with_offsets(seg: &Segmenter, normalised: &str) -> Vec<(String, usize, usize)> {
    content_tokens(seg, normalised)
        .into_iter()
        .map(|(w, s, e, _)| (w, s, e))
        .collect()
}

/// [`words_with_offsets`], each with whether it is a dictionary word (the only kind that has
/// sub-words; place codes and masked numbers are kept whole on purpose).
fn content_tokens(seg: &Segmenter, normalised: &str) -> Vec<(String, usize, usize, bool)> {
    seg.tokens(normalised)
        .into_iter()
        .filter_map(|t| {
            let (word, is_word) = match t.kind {
                TokenKind::Punctuation => return None,
                TokenKind::MaskedNumber => (MASKED_NUMBER.to_string(), false),
                TokenKind::Place => (t.text.to_string(), false),
                TokenKind::Word if seg.is_stop_word(t.text) => return None,
                TokenKind::Word => (t.text.to_lowercase(), true),
            };
            Some((word, t.byte_start, t.byte_end, is_word))
        })
        .collect()
}

/// How a token's text is spelled from its slice of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spelling {
    /// A word or sub-word: lower-cased.
    Lowercase,
    /// A place code, as written (A市).
    Verbatim,
    /// A masked number: [`MASKED_NUMBER`].
    Masked,
}

/// A token before it is spelled: the index tokenizers keep byte ranges and spell each token
/// into one reused buffer as tantivy reads it, instead of allocating a string per token.
#[derive(Debug, Clone, Copy)]
struct Span {
    from: usize,
    to: usize,
    position: usize,
    spelling: Spelling,
}

impl Span {
    fn spell_into(&self, text: &str, out: &mut String) {
        out.clear();
        let slice = &text[self.from..self.to];
        match self.spelling {
            Spelling::Masked => out.push_str(MASKED_NUMBER),
            Spelling::Verbatim => out.push_str(slice),
            Spelling::Lowercase => push_lowercase(slice, out),
        }
    }

    fn token(&self, text: &str) -> Token {
        let mut spelled = String::new();
        self.spell_into(text, &mut spelled);
        Token {
            offset_from: self.from,
            offset_to: self.to,
            position: self.position,
            text: spelled,
            position_length: 1,
        }
    }
}

/// `s.to_lowercase()` appended to `out`. ASCII and the CJK ideographs (nearly every character
/// of a message) lower-case byte by byte; anything else takes the full Unicode mapping.
fn push_lowercase(s: &str, out: &mut String) {
    if s.chars()
        .all(|c| c.is_ascii() || ('\u{4E00}'..='\u{9FFF}').contains(&c))
    {
        let start = out.len();
        out.push_str(s);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str(&s.to_lowercase());
    }
}

/// One segmentation of a text: its words at positions 0, 1, 2, … (what the searched text fields
/// hold) and the sub-words of each ([`Segmenter::sub_words`]) at the position of their word, with
/// their own offsets, except those the text also has as words (what `sub_words` holds).
fn word_and_sub_word_spans(seg: &Segmenter, normalised: &str) -> (Vec<Span>, Vec<Span>) {
    let tokens = seg.tokens(normalised);
    let mut words = Vec::with_capacity(tokens.len());
    let mut subs = Vec::new();
    for t in tokens {
        let spelling = match t.kind {
            TokenKind::Punctuation => continue,
            TokenKind::MaskedNumber => Spelling::Masked,
            TokenKind::Place => Spelling::Verbatim,
            TokenKind::Word if seg.is_stop_word(t.text) => continue,
            TokenKind::Word => Spelling::Lowercase,
        };
        let position = words.len();
        // Place codes and masked numbers are kept whole on purpose: only words have sub-words.
        if spelling == Spelling::Lowercase {
            for (s, e) in seg.sub_words(t.text) {
                subs.push(Span {
                    from: t.byte_start + s,
                    to: t.byte_start + e,
                    position,
                    spelling,
                });
            }
        }
        words.push(Span {
            from: t.byte_start,
            to: t.byte_end,
            position,
            spelling,
        });
    }
    // A sub-word the text also has as a word of its own is found through the text field
    // already: listing the text under it in `sub_words` too would only make a query for a common
    // word (政府 in a text that also says 市政府) read two postings for one match.
    if !subs.is_empty() {
        let whole: HashSet<&str> = words.iter().map(|w| &normalised[w.from..w.to]).collect();
        subs.retain(|s| !whole.contains(&normalised[s.from..s.to]));
    }
    (words, subs)
}

/// The word tokens and the sub-word tokens of a text ([`word_and_sub_word_spans`], spelled):
/// what the two index tokenizers emit.
pub fn word_and_sub_word_tokens(seg: &Segmenter, normalised: &str) -> (Vec<Token>, Vec<Token>) {
    let (words, subs) = word_and_sub_word_spans(seg, normalised);
    let spell = |spans: Vec<Span>| spans.iter().map(|s| s.token(normalised)).collect();
    (spell(words), spell(subs))
}

/// Texts the words tokenizer cut lately, with their sub-words, on this thread: each text of a
/// document is indexed twice (as words in its own field, as sub-words in `sub_words`), and
/// tantivy tokenizes a document's fields in field order on its indexing thread (`sub_words` is the
/// last text field), so the second pass finds the first's segmentation here instead of running
/// jieba again. Purely a saving: a miss segments the text.
const RECENT: usize = 4;

thread_local! {
    static RECENT_SUB_WORDS: RefCell<VecDeque<(String, Vec<Span>)>> =
        const { RefCell::new(VecDeque::new()) };
}

/// The sub-words of a text, from the recent cache or segmented.
fn sub_word_spans(seg: &Segmenter, normalised: &str) -> Vec<Span> {
    let cached = RECENT_SUB_WORDS.with(|r| {
        let mut r = r.borrow_mut();
        let i = r.iter().position(|(t, _)| t == normalised)?;
        r.remove(i).map(|(_, spans)| spans)
    });
    cached.unwrap_or_else(|| word_and_sub_word_spans(seg, normalised).1)
}

fn word_token(position: usize, (text, offset_from, offset_to): (String, usize, usize)) -> Token {
    Token {
        offset_from,
        offset_to,
        position,
        text,
        position_length: 1,
    }
}

/// [`highlight_tokens`] for a snippet of at most `max_bytes` (tantivy's `max_num_chars`, which it
/// compares with byte offsets): the same fragments, from less segmentation. A fragment with a
/// highlighted token starts at or before that token and ends within `max_bytes` of its start, so
/// nothing after the last occurrence of a term plus `max_bytes` can be in one; the text is
/// segmented up to there (cut where segmentation is unaffected, [`segment_boundary_after`]), and
/// not at all when no term occurs in it (tantivy makes no snippet of a text without a highlight).
pub fn snippet_tokens(
    seg: &Segmenter,
    normalised: &str,
    terms: &HashSet<String>,
    max_bytes: usize,
) -> Vec<Token> {
    // A masked number is spelled otherwise than written: a query for one reads the whole text.
    if terms.contains(MASKED_NUMBER) {
        return highlight_tokens(seg, normalised, terms);
    }
    let lowered = normalised.to_lowercase();
    let Some(last) = terms.iter().filter_map(|t| lowered.rfind(t.as_str())).max() else {
        return Vec::new();
    };
    // Offsets into the lower-cased text are those of the text when lower-casing kept every
    // character's length (always, for Chinese and ASCII); otherwise read it all.
    if lowered.len() != normalised.len() {
        return highlight_tokens(seg, normalised, terms);
    }
    let cut = segment_boundary_after(normalised, last + max_bytes);
    highlight_tokens(seg, &normalised[..cut], terms)
}

/// The tokens a snippet is cut from, given the terms to highlight: every word, except that a word
/// which is not itself a term but contains sub-words that are is replaced by those sub-words
/// (non-overlapping, leftmost-longest). tantivy's snippet generator needs offsets that never go
/// back, which the index's overlapping tokens do not guarantee; this stream highlights 公积金
/// inside 住房公积金 and keeps the offsets in order.
pub fn highlight_tokens(seg: &Segmenter, normalised: &str, terms: &HashSet<String>) -> Vec<Token> {
    let mut out = Vec::new();
    for (position, (text, start, end, is_word)) in
        content_tokens(seg, normalised).into_iter().enumerate()
    {
        // Only a word that contains a query term can hold a highlighted sub-word; the query has a
        // handful of terms, so this test spares the dictionary lookups for almost every word.
        if is_word && !terms.contains(&text) && terms.iter().any(|t| text.contains(t.as_str())) {
            let mut subs: Vec<(usize, usize)> = seg
                .sub_words(&normalised[start..end])
                .into_iter()
                .filter(|&(s, e)| terms.contains(&normalised[start + s..start + e].to_lowercase()))
                .collect();
            if !subs.is_empty() {
                // Leftmost first, the longest of those starting at the same place; the rest of
                // the word as plain pieces, so that the tokens cover it whole (a fragment starts
                // and ends at token boundaries and must not cut the word).
                subs.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
                let piece = |from: usize, to: usize, out: &mut Vec<Token>| {
                    let text = normalised[start + from..start + to].to_lowercase();
                    out.push(word_token(position, (text, start + from, start + to)))
                };
                let mut covered = 0;
                for (s, e) in subs {
                    if s < covered {
                        continue;
                    }
                    if s > covered {
                        piece(covered, s, &mut out);
                    }
                    piece(s, e, &mut out);
                    covered = e;
                }
                if covered < end - start {
                    piece(covered, end - start, &mut out);
                }
                continue;
            }
        }
        out.push(word_token(position, (text, start, end)));
    }
    out
}

/// What a [`WzTokenizer`] emits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Emit {
    Words,
    SubWords,
}

/// The index's tokenizers: the words of a text ([`word_and_sub_word_tokens`], first half; the
/// searched text fields), or their sub-words (second half; the `sub_words` field).
#[derive(Clone)]
pub struct WzTokenizer {
    seg: Arc<dyn Segments>,
    emit: Emit,
}

impl WzTokenizer {
    /// Words, one position each (`title`, `body`, `reply`, `tags`).
    pub fn new(seg: Arc<dyn Segments>) -> Self {
        WzTokenizer {
            seg,
            emit: Emit::Words,
        }
    }

    /// The dictionary words inside the words (`sub_words`).
    pub fn sub_words(seg: Arc<dyn Segments>) -> Self {
        WzTokenizer {
            seg,
            emit: Emit::SubWords,
        }
    }
}

/// The snippets' tokenizer: words, or the highlighted sub-words inside them, as far as a snippet
/// of `max_bytes` can reach ([`snippet_tokens`]).
#[derive(Clone)]
pub struct HighlightTokenizer {
    seg: Arc<dyn Segments>,
    terms: Arc<HashSet<String>>,
    max_bytes: usize,
}

impl HighlightTokenizer {
    pub fn new(seg: Arc<dyn Segments>, terms: HashSet<String>, max_bytes: usize) -> Self {
        HighlightTokenizer {
            seg,
            terms: Arc::new(terms),
            max_bytes,
        }
    }
}

/// The index tokenizers' stream: spans of the text, spelled one at a time into one token.
pub struct WzTokenStream<'a> {
    text: &'a str,
    spans: Vec<Span>,
    next: usize,
    token: Token,
}

impl Tokenizer for WzTokenizer {
    type TokenStream<'a> = WzTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WzTokenStream<'a> {
        let seg = self.seg.segmenter();
        let spans = match self.emit {
            Emit::Words => {
                let (words, subs) = word_and_sub_word_spans(seg, text);
                RECENT_SUB_WORDS.with(|r| {
                    let mut r = r.borrow_mut();
                    if r.len() == RECENT {
                        r.pop_front();
                    }
                    r.push_back((text.to_string(), subs));
                });
                words
            }
            Emit::SubWords => sub_word_spans(seg, text),
        };
        WzTokenStream {
            text,
            spans,
            next: 0,
            token: Token::default(),
        }
    }
}

impl TokenStream for WzTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some(span) = self.spans.get(self.next) else {
            return false;
        };
        self.next += 1;
        span.spell_into(self.text, &mut self.token.text);
        self.token.offset_from = span.from;
        self.token.offset_to = span.to;
        self.token.position = span.position;
        self.token.position_length = 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The snippets' stream: tokens made beforehand.
pub struct HighlightTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for HighlightTokenizer {
    type TokenStream<'a> = HighlightTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> HighlightTokenStream {
        HighlightTokenStream {
            tokens: snippet_tokens(self.seg.segmenter(), text, &self.terms, self.max_bytes),
            next: 0,
        }
    }
}

impl TokenStream for HighlightTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::LazyLock;
    use tantivy::snippet::SnippetGenerator;
    use tantivy::tokenizer::TextAnalyzer;

    static SEG: LazyLock<Arc<Segmenter>> = LazyLock::new(|| Arc::new(Segmenter::new()));

    fn stream(tok: &mut WzTokenizer, text: &str) -> Vec<Token> {
        let mut stream = tok.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().clone());
        }
        out
    }

    fn cached_texts() -> Vec<String> {
        RECENT_SUB_WORDS.with(|r| r.borrow().iter().map(|(t, _)| t.clone()).collect())
    }

    #[test]
    fn words_keep_their_positions_and_sub_words_share_them() {
        let text = crate::text::normalise("A市住房公积金贷款额度为什么降低了?电话138****1234");
        let words = stream(&mut WzTokenizer::new(SEG.clone()), &text);
        let subs = stream(&mut WzTokenizer::sub_words(SEG.clone()), &text);
        for t in words.iter().chain(&subs) {
            if t.text != MASKED_NUMBER {
                let slice = &text[t.offset_from..t.offset_to];
                assert!(
                    slice == t.text || slice.to_lowercase() == t.text,
                    "{slice} vs {}",
                    t.text
                );
            }
        }
        // The words, in order, are the segmenter's (what the classifier reads), at positions
        // 0, 1, 2, …
        let expected = SEG.words(&text);
        assert_eq!(
            words.iter().map(|t| t.text.clone()).collect::<Vec<_>>(),
            expected
        );
        assert!(words.iter().enumerate().all(|(i, t)| t.position == i));
        assert!(expected.contains(&"住房公积金".to_string()));
        assert!(!expected.contains(&"公积金".to_string()), "{expected:?}");

        // The sub-words of 住房公积金 sit at its position, inside its offsets.
        let long = words.iter().find(|t| t.text == "住房公积金").unwrap();
        let inside: Vec<&Token> = subs
            .iter()
            .filter(|t| t.position == long.position)
            .collect();
        let names: Vec<&str> = inside.iter().map(|t| t.text.as_str()).collect();
        assert!(
            names.contains(&"住房") && names.contains(&"公积金"),
            "{names:?}"
        );
        assert!(!names.contains(&"住房公积金"), "{names:?}");
        for t in &inside {
            assert!(t.offset_from >= long.offset_from && t.offset_to <= long.offset_to);
        }
        let gjj = inside.iter().find(|t| t.text == "公积金").unwrap();
        assert_eq!(gjj.offset_from, long.offset_from + "住房".len());
        assert_eq!(gjj.offset_to, long.offset_to);
        // Every sub-word belongs to a dictionary word; place codes and masked numbers have none.
        for t in &subs {
            let word = &words[t.position];
            assert!(word.text != "A市" && word.text != MASKED_NUMBER, "{t:?}");
        }
    }

    #[test]
    fn the_sub_words_stream_is_the_same_from_the_cache_or_segmented() {
        let text = crate::text::normalise("我想提取住房公积金,停车费太贵了ABC");
        let mut subs = WzTokenizer::sub_words(SEG.clone());
        let collect = |tok: &mut WzTokenizer| {
            stream(tok, &text)
                .into_iter()
                .map(|t| (t.text, t.offset_from, t.offset_to, t.position))
                .collect::<Vec<_>>()
        };
        assert!(!cached_texts().contains(&text));
        let segmented = collect(&mut subs);
        // The words tokenizer leaves the text's sub-words in the cache; the sub-words tokenizer
        // takes them from there.
        let _ = stream(&mut WzTokenizer::new(SEG.clone()), &text);
        assert!(cached_texts().contains(&text));
        let cached = collect(&mut subs);
        assert!(!cached_texts().contains(&text));
        assert_eq!(segmented, cached);
        let names: Vec<&str> = cached.iter().map(|t| t.0.as_str()).collect();
        assert!(
            names.contains(&"公积金") && names.contains(&"停车"),
            "{names:?}"
        );
    }

    /// A text that says 公积金 itself is found by 公积金 through its text field: it is not
    /// listed under 公积金 in `sub_words` as well, while a text saying only 住房公积金 is.
    #[test]
    fn a_sub_word_the_text_has_as_a_word_is_left_out() {
        let names = |raw: &str| {
            let text = crate::text::normalise(raw);
            let (words, subs) = word_and_sub_word_tokens(&SEG, &text);
            let texts = |t: Vec<Token>| t.into_iter().map(|t| t.text).collect::<Vec<_>>();
            (texts(words), texts(subs))
        };
        let (words, subs) = names("提取住房公积金");
        assert!(words.contains(&"住房公积金".to_string()), "{words:?}");
        assert!(subs.contains(&"公积金".to_string()), "{subs:?}");
        let (words, subs) = names("提取住房公积金,公积金贷款");
        assert!(words.contains(&"公积金".to_string()), "{words:?}");
        assert!(!subs.contains(&"公积金".to_string()), "{subs:?}");
        assert!(subs.contains(&"住房".to_string()), "{subs:?}");
    }

    #[test]
    fn short_words_have_no_sub_words_and_a_repeated_one_counts_once() {
        assert!(SEG.sub_words("住房").is_empty());
        assert!(SEG.sub_words("").is_empty());
        assert!(SEG.sub_words("wifi密码").iter().all(|&(s, _)| s >= 4));
        let ha = SEG.sub_words("哈哈哈哈");
        let texts: Vec<&str> = ha.iter().map(|&(s, e)| &"哈哈哈哈"[s..e]).collect();
        let unique: HashSet<&str> = texts.iter().copied().collect();
        assert_eq!(texts.len(), unique.len(), "{texts:?}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Whatever is indexed or highlighted: every token is a slice of the text (lower-cased),
        /// words take positions 0, 1, 2, …, a sub-word lies inside the word at its position, and
        /// the highlight stream's offsets never overlap — tantivy's snippet generator slices by
        /// them.
        #[test]
        fn index_and_highlight_tokens_are_well_formed(
            raw in "\\PC{0,120}|[住房公积金停车费管理中心小区物业哈A-Za-z0-9*市 ,。]{0,60}",
            pick in 0usize..8,
        ) {
            let text = crate::text::normalise(&raw);
            let (words, subs) = word_and_sub_word_tokens(&SEG, &text);
            for t in words.iter().chain(&subs) {
                proptest::prop_assert!(t.offset_from < t.offset_to && t.offset_to <= text.len());
                proptest::prop_assert!(text.is_char_boundary(t.offset_from) && text.is_char_boundary(t.offset_to));
            }
            for (i, w) in words.iter().enumerate() {
                proptest::prop_assert_eq!(w.position, i);
            }
            let whole: HashSet<&str> = words.iter().map(|w| w.text.as_str()).collect();
            for s in &subs {
                let w = &words[s.position];
                proptest::prop_assert!(w.offset_from <= s.offset_from && s.offset_to <= w.offset_to);
                proptest::prop_assert!(!whole.contains(s.text.as_str()), "{} is a word too", s.text);
            }
            let terms: HashSet<String> = words
                .iter()
                .chain(&subs)
                .skip(pick)
                .step_by(3)
                .map(|t| t.text.clone())
                .collect();
            let hl = highlight_tokens(&SEG, &text, &terms);
            for pair in hl.windows(2) {
                proptest::prop_assert!(pair[0].offset_to <= pair[1].offset_from);
            }
        }
    }

    /// The whole text through [`highlight_tokens`], to compare [`snippet_tokens`] with.
    #[derive(Clone)]
    struct WholeText(Arc<HashSet<String>>);

    impl Tokenizer for WholeText {
        type TokenStream<'a> = HighlightTokenStream;

        fn token_stream<'a>(&'a mut self, text: &'a str) -> HighlightTokenStream {
            HighlightTokenStream {
                tokens: highlight_tokens(&SEG, text, &self.0),
                next: 0,
            }
        }
    }

    fn snippet_html(
        tokenizer: TextAnalyzer,
        terms: &HashSet<String>,
        text: &str,
        max: usize,
    ) -> String {
        let weights = terms
            .iter()
            .map(|t| (t.clone(), 1.0 / t.len() as f32))
            .collect();
        let field = tantivy::schema::Field::from_field_id(0);
        SnippetGenerator::new(weights, tokenizer, field, max)
            .snippet(text)
            .to_html()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(200))]

        /// Segmenting only as far as a snippet can reach gives tantivy's snippet of the whole text.
        #[test]
        fn snippets_of_the_reachable_part_are_those_of_the_whole_text(
            raw in "[住房公积金停车费管理中心小区物业提取贷款A-Za-z0-9*市 ,。]{0,300}",
            pick in 0usize..12,
            max in 10usize..200,
        ) {
            let text = crate::text::normalise(&raw);
            let (words, subs) = word_and_sub_word_tokens(&SEG, &text);
            let mut terms: HashSet<String> = words
                .iter()
                .chain(&subs)
                .skip(pick)
                .step_by(7)
                .map(|t| t.text.clone())
                .collect();
            terms.insert("公积金".to_string());
            let terms = Arc::new(terms);
            let cut = snippet_html(
                TextAnalyzer::from(HighlightTokenizer { seg: SEG.clone(), terms: terms.clone(), max_bytes: max }),
                &terms,
                &text,
                max,
            );
            let whole = snippet_html(TextAnalyzer::from(WholeText(terms.clone())), &terms, &text, max);
            proptest::prop_assert_eq!(cut, whole);
        }
    }

    #[test]
    fn a_snippet_segments_only_what_it_can_reach() {
        let mut text = String::from("我想提取住房公积金,");
        for _ in 0..50 {
            text.push_str("小区物业乱收停车费,");
        }
        let text = crate::text::normalise(&text);
        let terms: HashSet<String> = ["公积金".to_string()].into();
        let tokens = snippet_tokens(&SEG, &text, &terms, 120);
        let whole = highlight_tokens(&SEG, &text, &terms);
        assert!(
            tokens.len() < whole.len() / 4,
            "{} of {}",
            tokens.len(),
            whole.len()
        );
        assert_eq!(tokens[..], whole[..tokens.len()]);
        assert!(tokens.iter().any(|t| t.text == "公积金"));
        // No term in the text: nothing to segment.
        let terms: HashSet<String> = ["路灯".to_string()].into();
        assert!(snippet_tokens(&SEG, &text, &terms, 120).is_empty());
    }

    #[test]
    fn highlight_tokens_mark_a_sub_word_and_never_go_back() {
        let text = crate::text::normalise("我想提取住房公积金,住房公积金中心不接电话");
        let terms: HashSet<String> = ["公积金".to_string()].into();
        let tokens = highlight_tokens(&SEG, &text, &terms);
        let hits: Vec<&str> = tokens
            .iter()
            .filter(|t| terms.contains(&t.text))
            .map(|t| &text[t.offset_from..t.offset_to])
            .collect();
        assert_eq!(hits, ["公积金", "公积金"]);
        for pair in tokens.windows(2) {
            assert!(pair[0].offset_to <= pair[1].offset_from, "{pair:?}");
        }
        // The word is covered whole (a snippet must not end inside it): 住房 | 公积金.
        let first = &tokens[tokens.iter().position(|t| t.text == "公积金").unwrap() - 1];
        assert_eq!(first.text, "住房");
        // A query for the whole word highlights the whole word.
        let terms: HashSet<String> = ["住房公积金".to_string()].into();
        let tokens = highlight_tokens(&SEG, &text, &terms);
        assert!(tokens.iter().any(|t| t.text == "住房公积金"));
    }
}
