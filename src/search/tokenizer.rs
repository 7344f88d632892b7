//! The tantivy tokenizer over the project's own segmentation ([`crate::text::Segmenter`]), so the
//! index, the queries and the classifier all see the same words.
//!
//! tantivy clones a tokenizer every time it fetches one, and cloning a `Jieba` copies its 32 MiB
//! dictionary: the tokenizer therefore holds an `Arc` to the one segmenter of the process.
//! Text is normalised ([`crate::text::normalise`]) before it reaches the index, so the byte offsets
//! of tokens point into the stored text and snippets highlight the right characters.

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

/// Content words of already-normalised text, as `(word, byte_start, byte_end)`: punctuation and
/// stop words dropped, Latin letters lower-cased, masked numbers spelled [`MASKED_NUMBER`] — the
/// same words as [`Segmenter::words`], with offsets.
pub fn words_with_offsets(seg: &Segmenter, normalised: &str) -> Vec<(String, usize, usize)> {
    seg.tokens(normalised)
        .into_iter()
        .filter_map(|t| {
            let word = match t.kind {
                TokenKind::Punctuation => return None,
                TokenKind::MaskedNumber => MASKED_NUMBER.to_string(),
                TokenKind::Place => t.text.to_string(),
                TokenKind::Word if seg.is_stop_word(t.text) => return None,
                TokenKind::Word => t.text.to_lowercase(),
            };
            Some((word, t.byte_start, t.byte_end))
        })
        .collect()
}

#[derive(Clone)]
pub struct WzTokenizer {
    seg: Arc<dyn Segments>,
}

impl WzTokenizer {
    pub fn new(seg: Arc<dyn Segments>) -> Self {
        WzTokenizer { seg }
    }
}

pub struct WzTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl Tokenizer for WzTokenizer {
    type TokenStream<'a> = WzTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WzTokenStream {
        let tokens = words_with_offsets(self.seg.segmenter(), text)
            .into_iter()
            .enumerate()
            .map(|(position, (text, offset_from, offset_to))| Token {
                offset_from,
                offset_to,
                position,
                text,
                position_length: 1,
            })
            .collect();
        WzTokenStream { tokens, next: 0 }
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

    #[test]
    fn tokens_are_the_segmenters_words_with_offsets() {
        let text = crate::text::normalise("A市住房公积金贷款额度为什么降低了?电话138****1234");
        let mut tok = WzTokenizer::new(SEG.clone());
        let mut stream = tok.token_stream(&text);
        let mut words = Vec::new();
        while stream.advance() {
            let t = stream.token();
            if t.text != MASKED_NUMBER {
                let slice = &text[t.offset_from..t.offset_to];
                assert!(
                    slice == t.text || slice.to_lowercase() == t.text,
                    "{slice} vs {}",
                    t.text
                );
            }
            words.push(t.text.clone());
        }
        assert_eq!(words, SEG.words(&text));
        assert!(words.contains(&"住房公积金".to_string()));
    }
}
