//! The tantivy tokenizer over the project's own segmentation ([`crate::text::Segmenter`]), so the
//! index, the queries and the classifier all see the same words.
//!
//! The index holds, besides each word, the dictionary words inside it (jieba's search mode:
//! 住房, 公积, 公积金 inside 住房公积金), at the word's position, so that a query for 公积金 finds
//! a text that says 住房公积金 while phrase positions stay those of the words. Queries, more-like-
//! this and the classifier use the words alone ([`words_with_offsets`]).
//!
//! tantivy clones a tokenizer every time it fetches one, and cloning a `Jieba` copies its 32 MiB
//! dictionary: the tokenizer therefore holds an `Arc` to the one segmenter of the process.
//! Text is normalised ([`crate::text::normalise`]) before it reaches the index, so the byte offsets
//! of tokens point into the stored text and snippets highlight the right characters.

use std::collections::HashSet;
use std::sync::Arc;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::{MASKED_NUMBER, Segmenter, TokenKind};

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

/// The name the tokenizer is registered under in every index.
pub const TOKENIZER_NAME: &str = "wz";
/// The whole-words tokenizer (no sub-words), for the more-like-this fields.
pub const WORDS_TOKENIZER_NAME: &str = "wz-words";

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

/// Texts the index tokenizer cut lately, with their whole-word tokens, on this thread: a case's
/// title and body are indexed twice (with sub-words in `title`/`body`, as words in
/// `title_words`/`body_words`), and tantivy tokenizes a document's fields one after the other on
/// its indexing thread, so the second pass finds the first's segmentation here instead of running
/// jieba again. Purely a saving: a miss segments the text.
const RECENT: usize = 4;

thread_local! {
    static RECENT_WORDS: std::cell::RefCell<std::collections::VecDeque<(String, Vec<Token>)>> =
        const { std::cell::RefCell::new(std::collections::VecDeque::new()) };
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

/// The whole-word tokens of a text (the `*_words` fields), from the recent cache or segmented.
fn word_tokens(seg: &Segmenter, normalised: &str) -> Vec<Token> {
    let cached = RECENT_WORDS.with(|r| {
        let mut r = r.borrow_mut();
        let i = r.iter().position(|(t, _)| t == normalised)?;
        r.remove(i).map(|(_, tokens)| tokens)
    });
    cached.unwrap_or_else(|| {
        words_with_offsets(seg, normalised)
            .into_iter()
            .enumerate()
            .map(|(p, w)| word_token(p, w))
            .collect()
    })
}

/// What the index holds for a text: each word at its position, preceded by its sub-words
/// ([`Segmenter::sub_words`]) at the same position and with their own offsets. Sub-words come
/// first so that the last token of a position ends furthest (tantivy's snippets end a fragment at
/// the last token's end).
pub fn index_tokens(seg: &Segmenter, normalised: &str) -> Vec<Token> {
    index_and_word_tokens(seg, normalised).0
}

/// [`index_tokens`] and the whole-word tokens of the same segmentation.
fn index_and_word_tokens(seg: &Segmenter, normalised: &str) -> (Vec<Token>, Vec<Token>) {
    let mut out = Vec::new();
    let mut words = Vec::new();
    for (position, (text, start, end, is_word)) in
        content_tokens(seg, normalised).into_iter().enumerate()
    {
        words.push(word_token(position, (text.clone(), start, end)));
        if is_word {
            for (s, e) in seg.sub_words(&normalised[start..end]) {
                let sub = normalised[start + s..start + e].to_lowercase();
                out.push(word_token(position, (sub, start + s, start + e)));
            }
        }
        out.push(word_token(position, (text, start, end)));
    }
    (out, words)
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

/// The index's tokenizer: words and their sub-words ([`index_tokens`]), or, for the
/// more-like-this fields, the words alone ([`words_with_offsets`]).
#[derive(Clone)]
pub struct WzTokenizer {
    seg: Arc<dyn Segments>,
    sub_words: bool,
}

impl WzTokenizer {
    /// Words and their sub-words (the searched text fields).
    pub fn new(seg: Arc<dyn Segments>) -> Self {
        WzTokenizer {
            seg,
            sub_words: true,
        }
    }

    /// Words only (`title_words`, `body_words`).
    pub fn words_only(seg: Arc<dyn Segments>) -> Self {
        WzTokenizer {
            seg,
            sub_words: false,
        }
    }
}

/// The snippets' tokenizer: words, or the highlighted sub-words inside them ([`highlight_tokens`]).
#[derive(Clone)]
pub struct HighlightTokenizer {
    seg: Arc<dyn Segments>,
    terms: Arc<HashSet<String>>,
}

impl HighlightTokenizer {
    pub fn new(seg: Arc<dyn Segments>, terms: HashSet<String>) -> Self {
        HighlightTokenizer {
            seg,
            terms: Arc::new(terms),
        }
    }
}

pub struct WzTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for WzTokenizer {
    type TokenStream<'a> = WzTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WzTokenStream {
        let seg = self.seg.segmenter();
        let tokens = if self.sub_words {
            let (tokens, words) = index_and_word_tokens(seg, text);
            RECENT_WORDS.with(|r| {
                let mut r = r.borrow_mut();
                if r.len() == RECENT {
                    r.pop_front();
                }
                r.push_back((text.to_string(), words));
            });
            tokens
        } else {
            word_tokens(seg, text)
        };
        WzTokenStream { tokens, next: 0 }
    }
}

impl Tokenizer for HighlightTokenizer {
    type TokenStream<'a> = WzTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WzTokenStream {
        WzTokenStream {
            tokens: highlight_tokens(self.seg.segmenter(), text, &self.terms),
            next: 0,
        }
    }
}

impl TokenStream for WzTokenStream {
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

    static SEG: LazyLock<Arc<Segmenter>> = LazyLock::new(|| Arc::new(Segmenter::new()));

    fn stream(text: &str) -> Vec<Token> {
        let mut tok = WzTokenizer::new(SEG.clone());
        let mut stream = tok.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().clone());
        }
        out
    }

    #[test]
    fn words_keep_their_positions_and_sub_words_share_them() {
        let text = crate::text::normalise("A市住房公积金贷款额度为什么降低了?电话138****1234");
        let tokens = stream(&text);
        for t in &tokens {
            if t.text != MASKED_NUMBER {
                let slice = &text[t.offset_from..t.offset_to];
                assert!(
                    slice == t.text || slice.to_lowercase() == t.text,
                    "{slice} vs {}",
                    t.text
                );
            }
        }
        // The last token of each position is the word; the words, in order, are the segmenter's
        // (what the classifier reads), at positions 0, 1, 2, …
        let mut words: Vec<(usize, String)> = Vec::new();
        for (i, t) in tokens.iter().enumerate() {
            if tokens.get(i + 1).is_none_or(|n| n.position != t.position) {
                words.push((t.position, t.text.clone()));
            }
        }
        let expected = SEG.words(&text);
        assert_eq!(
            words.iter().map(|(_, w)| w.clone()).collect::<Vec<_>>(),
            expected
        );
        assert!(words.iter().enumerate().all(|(i, (p, _))| *p == i));
        assert!(expected.contains(&"住房公积金".to_string()));
        assert!(!expected.contains(&"公积金".to_string()), "{expected:?}");

        let long = tokens.iter().find(|t| t.text == "住房公积金").unwrap();
        let subs: Vec<&Token> = tokens
            .iter()
            .filter(|t| t.position == long.position && t.text != long.text)
            .collect();
        let names: Vec<&str> = subs.iter().map(|t| t.text.as_str()).collect();
        assert!(
            names.contains(&"住房") && names.contains(&"公积金"),
            "{names:?}"
        );
        for t in &subs {
            assert!(t.offset_from >= long.offset_from && t.offset_to <= long.offset_to);
        }
        let gjj = subs.iter().find(|t| t.text == "公积金").unwrap();
        assert_eq!(gjj.offset_from, long.offset_from + "住房".len());
        assert_eq!(gjj.offset_to, long.offset_to);
        // Place codes and masked numbers stay whole.
        assert!(tokens.iter().all(|t| t.text != "A" && t.text != "138"));
    }

    #[test]
    fn the_words_stream_is_the_same_from_the_cache_or_segmented() {
        let text = crate::text::normalise("我想提取住房公积金,停车费太贵了ABC");
        let mut words = WzTokenizer::words_only(SEG.clone());
        let collect = |tok: &mut WzTokenizer| {
            let mut stream = tok.token_stream(&text);
            let mut out = Vec::new();
            while stream.advance() {
                let t = stream.token();
                out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
            }
            out
        };
        let segmented = collect(&mut words);
        let _ = stream(&text); // the index tokenizer leaves its words in the cache
        let cached = collect(&mut words);
        assert_eq!(segmented, cached);
        let expected: Vec<String> = SEG.words(&text);
        assert_eq!(
            cached.iter().map(|w| w.0.clone()).collect::<Vec<_>>(),
            expected
        );
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
        /// positions never go back, and the highlight stream's offsets never overlap — tantivy's
        /// snippet generator slices by them.
        #[test]
        fn index_and_highlight_tokens_are_well_formed(
            raw in "\\PC{0,120}|[住房公积金停车费管理中心小区物业哈A-Za-z0-9*市 ,。]{0,60}",
            pick in 0usize..8,
        ) {
            let text = crate::text::normalise(&raw);
            let tokens = index_tokens(&SEG, &text);
            let mut last_position = 0;
            for t in &tokens {
                proptest::prop_assert!(t.offset_from < t.offset_to && t.offset_to <= text.len());
                proptest::prop_assert!(text.is_char_boundary(t.offset_from) && text.is_char_boundary(t.offset_to));
                proptest::prop_assert!(t.position >= last_position);
                last_position = t.position;
            }
            let terms: HashSet<String> = tokens.iter().skip(pick).step_by(3).map(|t| t.text.clone()).collect();
            let hl = highlight_tokens(&SEG, &text, &terms);
            for pair in hl.windows(2) {
                proptest::prop_assert!(pair[0].offset_to <= pair[1].offset_from);
            }
        }
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
