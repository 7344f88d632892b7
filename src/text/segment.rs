//! Segmentation: jieba-rs with the project's domain dictionary and stop-word list.
//!
//! Before jieba runs, two kinds of span are cut out and kept whole, because jieba would split them
//! and they carry meaning for routing and for masking: anonymised place codes (`A市`, `A3区`) and
//! masked numbers (`138****1234`). Building a [`Segmenter`] costs ~150 ms and 32 MiB (the jieba
//! dictionary), so the process builds one and shares it.

use std::collections::HashSet;
use std::sync::LazyLock;

use jieba_rs::Jieba;
use regex::Regex;

const USER_DICT: &str = include_str!("userdict.txt");
const STOP_WORDS: &str = include_str!("stopwords.txt");

/// The stable spelling of a masked number in [`Segmenter::words`].
pub const MASKED_NUMBER: &str = "<号码>";

static SPECIAL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z][0-9]{0,3}(?:市|区|县|镇|乡)|[0-9]*\*{3,}[0-9]*").expect("static regex")
});

/// The first cut at or after byte `at` of normalised `text` that segmentation does not see:
/// [`Segmenter::tokens`] of `text[..cut]` are exactly the tokens of `text` that end by `cut`.
/// jieba segments runs of ideographs, ASCII letters and digits and `+#&._%-` each on its own and
/// emits any other character alone, and the place codes and masked numbers cut out first consist
/// of run characters and `*`; so a cut just after any other character (not a `\r`, which pairs
/// with a following `\n`) changes nothing before it. `text.len()` when there is none.
pub fn segment_boundary_after(text: &str, at: usize) -> usize {
    fn in_a_run(c: char) -> bool {
        if c.is_ascii() {
            c.is_ascii_alphanumeric() || matches!(c, '+' | '#' | '&' | '.' | '_' | '%' | '-')
        } else {
            matches!(c,
                '\u{4E00}'..='\u{9FFF}'
                | '\u{3400}'..='\u{4DBF}'
                | '\u{F900}'..='\u{FAFF}'
                | '\u{20000}'..='\u{2EBEF}'
                | '\u{2F800}'..='\u{2FA1F}')
        }
    }
    if at >= text.len() {
        return text.len();
    }
    let mut start = at;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    text[start..]
        .char_indices()
        .find(|&(_, c)| !in_a_run(c) && c != '*' && c != '\r')
        .map_or(text.len(), |(i, c)| start + i + c.len_utf8())
}

/// A short hash of the dictionary and stop-word list: saved indexes record it, and one built with
/// other words is rebuilt (index and query must cut text the same way).
pub fn dictionary_fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(USER_DICT.as_bytes());
    h.update([0]);
    h.update(STOP_WORDS.as_bytes());
    hex::encode(&h.finalize()[..8])
}

/// What a token is; the classifier and index use words, places and masked numbers, not punctuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TokenKind {
    Word,
    Place,
    MaskedNumber,
    Punctuation,
}

/// One token of normalised text, with byte offsets into that text.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Token<'a> {
    pub text: &'a str,
    pub byte_start: usize,
    pub byte_end: usize,
    pub kind: TokenKind,
}

/// Jieba with the domain dictionary, plus the stop-word list.
pub struct Segmenter {
    jieba: Jieba,
    stop_words: HashSet<&'static str>,
}

impl std::fmt::Debug for Segmenter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Segmenter").finish_non_exhaustive()
    }
}

impl Default for Segmenter {
    fn default() -> Self {
        Self::new()
    }
}

impl Segmenter {
    pub fn new() -> Self {
        let mut jieba = Jieba::new();
        for line in USER_DICT.lines() {
            let mut parts = line.split_whitespace();
            if let Some(word) = parts.next() {
                let freq = parts.next().and_then(|f| f.parse().ok());
                jieba.add_word(word, freq, parts.next());
            }
        }
        let stop_words = STOP_WORDS
            .lines()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .collect();
        Segmenter { jieba, stop_words }
    }

    /// Every token of `normalised` (already passed through [`crate::text::normalise`]), in order,
    /// whitespace dropped, with byte offsets for highlighting.
    pub fn tokens<'a>(&self, normalised: &'a str) -> Vec<Token<'a>> {
        let mut out = Vec::with_capacity(normalised.len() / 3);
        let mut last = 0;
        for m in SPECIAL.find_iter(normalised) {
            self.cut_plain(normalised, last, m.start(), &mut out);
            let kind = if m.as_str().contains('*') {
                TokenKind::MaskedNumber
            } else {
                TokenKind::Place
            };
            out.push(Token {
                text: m.as_str(),
                byte_start: m.start(),
                byte_end: m.end(),
                kind,
            });
            last = m.end();
        }
        self.cut_plain(normalised, last, normalised.len(), &mut out);
        out
    }

    fn cut_plain<'a>(&self, text: &'a str, start: usize, end: usize, out: &mut Vec<Token<'a>>) {
        if start >= end {
            return;
        }
        for t in self.jieba.cut(&text[start..end], true) {
            if t.word.trim().is_empty() {
                continue;
            }
            let kind = if t.word.chars().all(|c| !c.is_alphanumeric()) {
                TokenKind::Punctuation
            } else {
                TokenKind::Word
            };
            out.push(Token {
                text: t.word,
                byte_start: start + t.byte_start,
                byte_end: start + t.byte_end,
                kind,
            });
        }
    }

    /// The content words of raw text: normalised, segmented, punctuation and stop words removed,
    /// Latin letters lower-cased, masked numbers spelled [`MASKED_NUMBER`].
    pub fn words(&self, raw: &str) -> Vec<String> {
        let normalised = super::normalise(raw);
        self.tokens(&normalised)
            .into_iter()
            .filter_map(|t| match t.kind {
                TokenKind::Punctuation => None,
                TokenKind::MaskedNumber => Some(MASKED_NUMBER.to_string()),
                TokenKind::Place => Some(t.text.to_string()),
                TokenKind::Word if self.stop_words.contains(t.text) => None,
                TokenKind::Word if t.text.bytes().any(|b| b.is_ascii_uppercase()) => {
                    Some(t.text.to_lowercase())
                }
                TokenKind::Word => Some(t.text.to_string()),
            })
            .collect()
    }

    pub fn is_stop_word(&self, word: &str) -> bool {
        self.stop_words.contains(word)
    }

    /// The dictionary words inside a longer word, as byte ranges of `word`, in order of start (then
    /// end): jieba's search mode (`cut_for_search`) — every 2-character substring of a word longer
    /// than 2 characters and every 3-character substring of one longer than 3 that is itself a
    /// dictionary word (住房公积金 → 住房, 公积, 公积金). The search index holds them beside the
    /// word so that a query for a shorter word finds the compound; [`Self::words`] (what the
    /// classifier reads) never includes them.
    ///
    /// Stop words and substrings with ASCII characters are left out: a stop word is never a query
    /// word, and a Latin or digit fragment (the `20` of `2024年`) is noise, not something anyone
    /// searches for.
    pub fn sub_words(&self, word: &str) -> Vec<(usize, usize)> {
        // Most words have one or two characters and no sub-words: answer without allocating
        // (the indexer asks for every word of every case).
        if word.chars().nth(2).is_none() {
            return Vec::new();
        }
        // Character boundaries, on the stack for any real word (the indexer calls this for every
        // word of three or more characters).
        let mut stack = [0usize; 32];
        let mut heap = Vec::new();
        let bounds: &[usize] = if word.len() < stack.len() {
            let mut n = 0;
            for (i, _) in word
                .char_indices()
                .chain(std::iter::once((word.len(), ' ')))
            {
                stack[n] = i;
                n += 1;
            }
            &stack[..n]
        } else {
            heap.extend(word.char_indices().map(|(i, _)| i));
            heap.push(word.len());
            &heap
        };
        let chars = bounds.len() - 1;
        let mut out: Vec<(usize, usize)> = Vec::new();
        for len in [2, 3] {
            if chars <= len {
                continue;
            }
            for i in 0..=chars - len {
                let (start, end) = (bounds[i], bounds[i + len]);
                let gram = &word[start..end];
                // The same substring twice in one word (哈哈 in 哈哈哈) is one occurrence: the
                // index puts every sub-word at the word's position, and a term counted twice
                // there would inflate its frequency.
                if gram.chars().all(|c| !c.is_ascii())
                    && !self.stop_words.contains(gram)
                    && !out.iter().any(|&(s, e)| &word[s..e] == gram)
                    && self.jieba.has_word(gram)
                {
                    out.push((start, end));
                }
            }
        }
        out.sort_unstable();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::LazyLock;

    static SEG: LazyLock<Segmenter> = LazyLock::new(Segmenter::new);

    fn check(raw: &str) -> String {
        SEG.words(raw).join(" ")
    }

    #[test]
    fn keeps_place_codes_and_masked_numbers_whole() {
        let n = crate::text::normalise("A市A3区联丰路,电话138****1234");
        let toks = SEG.tokens(&n);
        assert!(
            toks.iter()
                .any(|t| t.text == "A市" && t.kind == TokenKind::Place)
        );
        assert!(
            toks.iter()
                .any(|t| t.text == "A3区" && t.kind == TokenKind::Place)
        );
        assert!(
            toks.iter()
                .any(|t| t.text == "138****1234" && t.kind == TokenKind::MaskedNumber)
        );
        for t in &toks {
            assert_eq!(&n[t.byte_start..t.byte_end], t.text);
        }
    }

    #[test]
    fn domain_words_are_single_tokens() {
        let words = SEG.words("我想咨询住房公积金和社保卡的办理,还有不动产登记");
        for w in ["住房公积金", "社保卡", "不动产登记"] {
            assert!(words.iter().any(|x| x == w), "{w} missing from {words:?}");
        }
    }

    #[test]
    fn empty_and_symbol_only_text_give_no_words() {
        assert!(SEG.words("").is_empty());
        assert!(
            SEG.words("!!!???。。。😀😀")
                .iter()
                .all(|w| w.chars().any(char::is_alphanumeric))
        );
    }

    // Snapshots of real sentences from the TipDM board: review any change like code, since a
    // changed segmentation invalidates trained models and search indexes.
    #[test]
    fn snapshot_real_sentences() {
        let sentences = [
            "A市西湖建筑集团占道施工有安全隐患",
            "A3区大道西行便道,未管所路口至加油站路段,人行道包括路灯杆,被圈西湖建筑集团燕子山安置房项目施工围墙内。",
            "投诉A市A1区苑物业违规收停车费",
            "请问外地户口小孩在A市上小学需要哪些材料?",
            "A市住房公积金贷款额度为什么降低了?",
            "A7县春华镇金鼎村水泥路、自来水到户的问题",
            "家中老人瘫痪无人照料,恳请社区帮助申请低保",
            "我的电话是187*****221,请尽快联系",
            "ＡＢＣ小区的业委会乱收费，严重侵害业主权益！！",
        ];
        let out: Vec<String> = sentences
            .iter()
            .map(|s| format!("{s}\n=> {}", check(s)))
            .collect();
        insta::assert_snapshot!(out.join("\n"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    static SEG: LazyLock<Segmenter> = LazyLock::new(Segmenter::new);

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        /// Whatever a citizen types — any Unicode, control characters, half an HTML tag — the
        /// segmenter neither panics nor produces a token that is not a slice of its input.
        #[test]
        fn tokens_are_slices_of_the_normalised_text(raw in "\\PC{0,200}|[<>&a-zA-Z0-9*市区县 ,。!?\\n]{0,80}") {
            let n = crate::text::normalise(&raw);
            for t in SEG.tokens(&n) {
                prop_assert_eq!(&n[t.byte_start..t.byte_end], t.text);
            }
            let _ = SEG.words(&raw);
            let _ = crate::text::mask_personal_data(&raw);
        }

        /// Segmenting a prefix cut at [`segment_boundary_after`] gives the full text's tokens up
        /// to the cut: what lets a snippet segment only the part of a text it can show.
        #[test]
        fn a_prefix_cut_at_a_boundary_segments_like_the_whole(
            raw in "\\PC{0,200}|[住房公积金停车费物业小区A-Za-z0-9*市区县 ,。!?\\r\\n.+-]{0,80}",
            at in 0usize..400,
        ) {
            let n = crate::text::normalise(&raw);
            let cut = segment_boundary_after(&n, at);
            prop_assert!(cut >= at.min(n.len()) && n.is_char_boundary(cut));
            let whole: Vec<Token> = SEG.tokens(&n).into_iter().filter(|t| t.byte_end <= cut).collect();
            prop_assert_eq!(SEG.tokens(&n[..cut]), whole);
        }

        #[test]
        fn normalise_is_idempotent(raw in "\\PC{0,120}") {
            let once = crate::text::normalise(&raw);
            prop_assert_eq!(crate::text::normalise(&once), once);
        }
    }
}
