//! A unit's habits, learned from its replies: how it opens ("网友“…”您好!您的留言已收悉。现将有关
//! 情况回复如下:") and how it closes ("感谢您对我们工作的关心、监督与支持。").
//!
//! The replying unit is known by the place the message is about: the board's messages name their
//! place with an anonymised code (`A3区`, `K8县`, `A市`), and a district's or county's replies are
//! written by that district's or county's offices. Openings and closings are learned per place,
//! then per city (the code's letter), then over all replies, taking the most common phrase that
//! carries no number (a unit's phrase with a date or phone number in it is another case's fact).

use std::collections::HashMap;
use std::sync::LazyLock;

use regex::Regex;

use super::numbers::numbers_come_from;

static PLACE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Z][0-9]{0,3}(?:市|区|县)").expect("static regex"));
/// A reply's trailing date: 2019年5月9日, 二〇一九年五月九日, 2019-05-09.
static TRAILING_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[\s。.]*(?:[0-9]{4}年[0-9]{1,2}月[0-9]{1,2}日|[二〇○零0-9O]{4}年[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}日|[0-9]{4}[-./][0-9]{1,2}[-./][0-9]{1,2})\s*$",
    )
    .expect("static regex")
});
/// Board handles in replies (网友“UU0081476”): another citizen's name, never copied.
static HANDLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"“?UU[0-9]+”?").expect("static regex"));
static AS_FOLLOWS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"如下[:：]").expect("static regex"));
static CLOSING_WORDS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"感谢|谢谢|特此").expect("static regex"));

/// The place a message is about: the first district or county code (`A3区`, `K8县`, `A9市`) of
/// its title, else of its body, else the first city code (`A市`). "A市A3区…" is about A3区,
/// whose offices reply.
pub fn place_of(title: &str, body: &str) -> Option<String> {
    let is_city = |p: &str| p.len() == 4 && p.ends_with('市');
    [title, body]
        .iter()
        .find_map(|t| PLACE.find_iter(t).map(|m| m.as_str()).find(|p| !is_city(p)))
        .or_else(|| {
            [title, body]
                .iter()
                .find_map(|t| PLACE.find(t).map(|m| m.as_str()))
        })
        .map(str::to_string)
}

/// The city a place belongs to (`A3区` → `A市`).
pub fn city_of(place: &str) -> Option<String> {
    place
        .chars()
        .next()
        .filter(char::is_ascii_uppercase)
        .map(|c| format!("{c}市"))
}

/// Sentences of `text`, each with its closing mark.
pub fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '。' | '!' | '?' | ';' | '！' | '？' | '；') {
            let end = i + c.len_utf8();
            if !text[start..end].trim().is_empty() {
                out.push(&text[start..end]);
            }
            start = end;
        }
    }
    if !text[start..].trim().is_empty() {
        out.push(&text[start..]);
    }
    out
}

/// `reply` without the date it ends with.
pub fn strip_trailing_date(reply: &str) -> &str {
    match TRAILING_DATE.find(reply) {
        Some(m) => &reply[..m.start()],
        None => reply,
    }
}

/// A reply cut into the unit's opening, the body sentences and the closing sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplyParts<'a> {
    pub opening: &'a str,
    pub body: Vec<&'a str>,
    pub closing: &'a str,
}

/// Splits a (normalised) reply: the opening runs to "如下:" when that comes early, else it is the
/// first sentence; the closing is the last sentence when it thanks or signs off; a trailing date
/// is dropped.
pub fn split_reply(reply: &str) -> ReplyParts<'_> {
    let reply = strip_trailing_date(reply);
    let early: usize = reply
        .char_indices()
        .nth(160)
        .map_or(reply.len(), |(i, _)| i);
    let opening_end = AS_FOLLOWS
        .find(&reply[..early])
        .map(|m| m.end())
        .or_else(|| sentences(reply).first().map(|s| s.len()))
        .unwrap_or(0);
    let opening = &reply[..opening_end];
    let mut body = sentences(&reply[opening_end..]);
    let closing = match body.last() {
        Some(last) if CLOSING_WORDS.is_match(last) => body.pop().unwrap_or_default(),
        _ => "",
    };
    ReplyParts {
        opening,
        body,
        closing,
    }
}

/// A phrase of another case made reusable: its citizen's handle removed, whitespace dropped.
pub fn detemplate(phrase: &str, handle: &str) -> String {
    let mut p = HANDLE.replace_all(phrase, "").into_owned();
    if !handle.is_empty() {
        p = p.replace(&format!("“{handle}”"), "").replace(handle, "");
    }
    p.chars().filter(|c| !c.is_whitespace()).collect()
}

#[derive(Debug, Default, Clone)]
struct Counts {
    openings: HashMap<String, u32>,
    closings: HashMap<String, u32>,
}

impl Counts {
    fn add(&mut self, opening: String, closing: String) {
        if usable(&opening) {
            *self.openings.entry(opening).or_default() += 1;
        }
        if usable(&closing) {
            *self.closings.entry(closing).or_default() += 1;
        }
    }
}

/// Whether a learned phrase may be reused: of an opening's or closing's length, and with no number
/// (a number in a unit's phrase is another case's fact).
pub fn usable(phrase: &str) -> bool {
    let n = phrase.chars().count();
    (4..=120).contains(&n) && numbers_come_from(phrase, "")
}

/// The opening of a precedent's (normalised) reply as a reusable phrase, its citizen's handle
/// removed; `None` when it cannot be reused (see [`usable`]).
pub fn reusable_opening(reply: &str, handle: &str) -> Option<String> {
    Some(detemplate(split_reply(reply).opening, handle)).filter(|o| usable(o))
}

/// The most common phrase, if at least two replies share it (one reply's phrase is that reply's,
/// not the unit's); ties go to the shorter, then the alphabetically first, so learning is
/// deterministic.
fn most_common(counts: &HashMap<String, u32>) -> Option<&str> {
    counts
        .iter()
        .filter(|(_, n)| **n >= 2)
        .max_by(|a, b| {
            a.1.cmp(b.1)
                .then(b.0.chars().count().cmp(&a.0.chars().count()))
                .then(b.0.cmp(a.0))
        })
        .map(|(p, _)| p.as_str())
}

/// Openings and closings per place, per city and overall.
/// A unit's learned (opening, closing); either may be unknown.
type Phrases = (Option<String>, Option<String>);

#[derive(Debug, Default, Clone)]
pub struct StyleBook {
    by_key: HashMap<String, Phrases>,
    overall: Phrases,
}

/// Used when no precedent teaches anything (an empty precedent file).
pub const DEFAULT_OPENING: &str = "网友您好!您的留言已收悉。现将有关情况回复如下:";
pub const DEFAULT_CLOSING: &str = "感谢您对我们工作的关心、监督与支持。";

impl StyleBook {
    /// Learns from (place, reply, the replied citizen's handle) triples; replies normalised.
    pub fn learn<'a>(
        replies: impl IntoIterator<Item = (Option<&'a str>, &'a str, &'a str)>,
    ) -> Self {
        let mut by_key: HashMap<String, Counts> = HashMap::new();
        let mut overall = Counts::default();
        for (place, reply, handle) in replies {
            let parts = split_reply(reply);
            let opening = detemplate(parts.opening, handle);
            let closing = detemplate(parts.closing, handle);
            if let Some(place) = place {
                by_key
                    .entry(place.to_string())
                    .or_default()
                    .add(opening.clone(), closing.clone());
                if let Some(city) = city_of(place).filter(|c| c != place) {
                    by_key
                        .entry(city)
                        .or_default()
                        .add(opening.clone(), closing.clone());
                }
            }
            overall.add(opening, closing);
        }
        let pick = |c: &Counts| {
            (
                most_common(&c.openings).map(str::to_string),
                most_common(&c.closings).map(str::to_string),
            )
        };
        StyleBook {
            by_key: by_key.iter().map(|(k, c)| (k.clone(), pick(c))).collect(),
            overall: pick(&overall),
        }
    }

    /// The opening and closing for a message about `place`.
    pub fn for_place(&self, place: Option<&str>) -> (&str, &str) {
        let keys: Vec<String> = place
            .into_iter()
            .flat_map(|p| [Some(p.to_string()), city_of(p)])
            .flatten()
            .collect();
        let find = |get: fn(&Phrases) -> &Option<String>| {
            keys.iter()
                .filter_map(|k| self.by_key.get(k))
                .chain(std::iter::once(&self.overall))
                .find_map(|e| get(e).as_deref())
        };
        (
            find(|e| &e.0).unwrap_or(DEFAULT_OPENING),
            find(|e| &e.1).unwrap_or(DEFAULT_CLOSING),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_and_cities() {
        assert_eq!(place_of("A3区潇楚南路", "").as_deref(), Some("A3区"));
        assert_eq!(place_of("路灯不亮", "我住在K8县").as_deref(), Some("K8县"));
        assert_eq!(place_of("路灯不亮", "路灯"), None);
        assert_eq!(place_of("A市A3区物业", "").as_deref(), Some("A3区"));
        assert_eq!(place_of("A市物业", "在A9市").as_deref(), Some("A9市"));
        assert_eq!(place_of("A市物业", "").as_deref(), Some("A市"));
        assert_eq!(city_of("A3区").as_deref(), Some("A市"));
    }

    #[test]
    fn splits_a_real_reply() {
        let r = "网友“UU0081057”您好!您的留言已收悉。现将有关情况回复如下:经查,该路段未移交。待移交后完善。感谢您对我们工作的支持、理解与监督!2019年1月9日";
        let p = split_reply(r);
        assert_eq!(
            p.opening,
            "网友“UU0081057”您好!您的留言已收悉。现将有关情况回复如下:"
        );
        assert_eq!(p.body, ["经查,该路段未移交。", "待移交后完善。"]);
        assert_eq!(p.closing, "感谢您对我们工作的支持、理解与监督!");
    }

    #[test]
    fn learns_the_most_common_phrases_per_place_without_handles_or_numbers() {
        let a = "网友“UU001”您好!来信收悉。现回复如下:经查属实。感谢您的监督!2019年1月1日";
        let b = "网友“UU002”您好!来信收悉。现回复如下:已整改。感谢您的监督!";
        let c = "网友“A0001”您好!您的留言已收悉。现将有关情况回复如下:已处理。请拨打12345。";
        let d = "您好,2018年来信收悉,现回复如下:已处理。感谢支持!";
        let book = StyleBook::learn([
            (Some("A3区"), a, ""),
            (Some("A3区"), b, ""),
            (Some("K1区"), c, "A0001"),
            (Some("K1区"), c, "A0001"),
            (Some("K1区"), d, ""),
            (Some("K1区"), d, ""),
        ]);
        assert_eq!(
            book.for_place(Some("A3区")),
            ("网友您好!来信收悉。现回复如下:", "感谢您的监督!")
        );
        // A2区 has no replies of its own: its city's (A市, learned from A3区) apply.
        assert_eq!(
            book.for_place(Some("A2区")).0,
            "网友您好!来信收悉。现回复如下:"
        );
        // The K1区 opening with a year is never learned; the one without a handle is.
        assert_eq!(
            book.for_place(Some("K1区")).0,
            "网友您好!您的留言已收悉。现将有关情况回复如下:"
        );
    }
}
