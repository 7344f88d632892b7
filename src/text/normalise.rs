//! Normalisation of raw message text before segmentation.
//!
//! Citizens type on phones and PCs with every input method: full-width digits and letters, mixed
//! Chinese and ASCII punctuation, HTML pasted from other sites, zero-width characters. Two spellings of
//! the same word must become one token, so everything is folded into one canonical form here.

/// Returns the canonical form of `raw`: full-width ASCII folded to half-width, Chinese punctuation
/// unified to ASCII, HTML tags and entities removed, every whitespace run collapsed to one space.
///
/// Masked phone numbers (`138****1234`, `*****`) and anonymised place codes (`A市`, `A1区`) pass
/// through unchanged so that [`crate::text::Segmenter`] can keep each as one token.
pub fn normalise(raw: &str) -> String {
    // One pass can make new markup: `&lt;b&gt;` decodes to `<b>`, and `《A》` unifies to `<A>`.
    // Repeating until nothing changes makes normalisation idempotent (search and masking may
    // normalise text that was normalised before). Each further pass only removes characters, so
    // this ends; real messages need one pass, rarely two.
    let mut text = normalise_once(raw);
    for _ in 0..8 {
        let again = normalise_once(&text);
        if again == text {
            break;
        }
        text = again;
    }
    text
}

fn normalise_once(raw: &str) -> String {
    let without_html = strip_html(raw);
    let mut out = String::with_capacity(without_html.len());
    let mut pending_space = false;
    for c in without_html.chars() {
        let c = fold_char(c);
        match c {
            None => continue,
            Some(c) if c.is_whitespace() => pending_space = !out.is_empty(),
            Some(c) => {
                if pending_space {
                    out.push(' ');
                    pending_space = false;
                }
                push_unified(&mut out, c);
            }
        }
    }
    out
}

/// Folds full-width forms to ASCII and drops invisible characters; `None` means "drop".
fn fold_char(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{3000}' | '\u{00A0}' => Some(' '),
        '\u{200B}'..='\u{200F}' | '\u{FEFF}' | '\u{2060}' => None,
        c if c.is_control() && !c.is_whitespace() => None,
        c => Some(c),
    }
}

/// Unifies Chinese punctuation to one ASCII spelling so that `，` and `,` are the same token.
fn push_unified(out: &mut String, c: char) {
    let mapped = match c {
        '。' | '｡' => '.',
        '、' => ',',
        '“' | '”' | '„' | '「' | '」' | '『' | '』' => '"',
        '‘' | '’' => '\'',
        '【' | '〔' => '[',
        '】' | '〕' => ']',
        '《' | '〈' => '<',
        '》' | '〉' => '>',
        '—' | '–' | '―' | '－' => '-',
        '～' | '〜' => '~',
        '·' | '•' => '.',
        '…' => {
            // "……" (the usual Chinese ellipsis, two characters) becomes one "...".
            if !out.ends_with("...") {
                out.push_str("...");
            }
            return;
        }
        c => c,
    };
    out.push(mapped);
}

/// Removes HTML tags and decodes the handful of entities that appear in pasted text.
///
/// Only a `<` followed by a letter, `/` or `!` opens a tag: a citizen writing "收费<100元" keeps
/// the text.
fn strip_html(raw: &str) -> std::borrow::Cow<'_, str> {
    if !raw.contains('<') && !raw.contains('&') {
        return std::borrow::Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(pos) = rest.find(['<', '&']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after_lt) = tail.strip_prefix('<') {
            let opens_tag = after_lt
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
            match tail.find('>') {
                Some(end) if opens_tag && end < 512 => {
                    let tag = tail[1..end].trim_start_matches('/').to_ascii_lowercase();
                    // Block-level tags separate words; inline tags do not.
                    if ["br", "p", "div", "li", "tr", "td"]
                        .iter()
                        .any(|t| tag.starts_with(t))
                    {
                        out.push(' ');
                    }
                    rest = &tail[end + 1..];
                }
                _ => {
                    out.push('<');
                    rest = &tail[1..];
                }
            }
        } else {
            const ENTITIES: [(&str, &str); 7] = [
                ("&nbsp;", " "),
                ("&amp;", "&"),
                ("&lt;", "<"),
                ("&gt;", ">"),
                ("&quot;", "\""),
                ("&#39;", "'"),
                ("&apos;", "'"),
            ];
            match ENTITIES.iter().find(|(e, _)| tail.starts_with(e)) {
                Some((e, r)) => {
                    out.push_str(r);
                    rest = &tail[e.len()..];
                }
                None => {
                    out.push('&');
                    rest = &tail[1..];
                }
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn folds_full_width_and_punctuation() {
        assert_eq!(normalise("ＡＢＣ１２３，你好！"), "ABC123,你好!");
        assert_eq!(normalise("《条例》、“规定”。"), "<条例>,\"规定\".");
        assert_eq!(normalise("等了……"), "等了...");
    }

    #[test]
    fn strips_html_and_collapses_whitespace() {
        assert_eq!(
            normalise("<p>停车费&nbsp;太贵</p>\r\n\t<br/>请  处理"),
            "停车费 太贵 请 处理"
        );
        assert_eq!(normalise("  前后空白\u{3000}"), "前后空白");
        assert_eq!(normalise("零宽\u{200B}字符"), "零宽字符");
    }

    #[test]
    fn keeps_text_that_only_looks_like_html() {
        assert_eq!(normalise("收费<100元 & 合理"), "收费<100元 & 合理");
    }

    #[test]
    fn keeps_masked_numbers_and_place_codes() {
        assert_eq!(
            normalise("A市A1区 电话138****1234"),
            "A市A1区 电话138****1234"
        );
        assert_eq!(normalise("ａ市Ａ３区"), "a市A3区");
    }
}
