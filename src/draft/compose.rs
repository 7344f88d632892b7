//! Composing a final-reply draft from a message and the replies of similar cases.
//!
//! The draft is the unit's usual opening, a restatement of the citizen's matter (the title, which
//! names place and subject, and the first clauses of the message), explanation passages taken from
//! the precedents' replies, a blank for the handling result, and the unit's usual closing.
//!
//! Passages are chosen by expected overlap with the real reply (minimum Bayes risk): the replies of
//! the next most similar cases stand in for the unknown reply, and a passage enters the draft only
//! if it raises the draft's mean ROUGE-L against them. The passages come from the best few
//! precedents and the stand-ins from the following ones, so no passage is scored against its own
//! reply. Every number in a passage must occur in the message, and a final pass blanks any that
//! does not: a draft never states a phone number, date, amount or document number of another case.

use std::sync::LazyLock;

use regex::Regex;

use super::lcs::Pattern;
use super::numbers::{NUMBER_BLANK, blank_foreign_numbers, numbers_come_from};
use super::style::{StyleBook, detemplate, place_of, split_reply, strip_trailing_date, usable};
use super::{Draft, Message, Passage, Precedent};

/// The blank for the handler's findings and actions, which no precedent can know.
pub const RESULT_BLANK: &str = "【待填写:办理结果】";

static GREETING: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"您好|收悉|特此|感谢|谢谢|UU[0-9]").expect("static regex"));

/// The knobs of composition; the defaults were tuned on the tuning split (docs/drafts.md).
#[derive(Debug, Clone, PartialEq)]
pub struct ComposeOptions {
    /// Passages come from this many best precedents.
    pub sources: usize,
    /// The replies of this many following precedents stand in for the unknown reply.
    pub stand_ins: usize,
    /// At most this many passages enter the draft.
    pub max_passages: usize,
    /// A passage must raise the mean ROUGE-L against the stand-ins by at least this much.
    pub min_gain: f64,
    /// The restatement quotes the message's first clauses up to about this many characters.
    pub restate_chars: usize,
    /// Further passages offered to staff beside the draft.
    pub suggestions: usize,
    /// The opening is the one most like the openings of this many most similar cases (0: the
    /// unit's most common opening).
    pub opening_stand_ins: usize,
}

impl Default for ComposeOptions {
    fn default() -> Self {
        ComposeOptions {
            sources: 3,
            stand_ins: 10,
            max_passages: 4,
            min_gain: 0.002,
            restate_chars: 60,
            suggestions: 5,
            opening_stand_ins: 30,
        }
    }
}

/// Text as the draft shows it: full-width digits and letters folded (so numbers compare exactly),
/// invisible characters dropped, whitespace removed (Chinese text has none that matters). Chinese
/// punctuation is kept: the draft is read by people, not segmented.
pub fn clean(text: &str) -> String {
    text.chars()
        .filter_map(|c| match c {
            '\u{FF10}'..='\u{FF19}' | '\u{FF21}'..='\u{FF3A}' | '\u{FF41}'..='\u{FF5A}' => {
                char::from_u32(c as u32 - 0xFEE0)
            }
            '\u{200B}'..='\u{200F}' | '\u{FEFF}' | '\u{2060}' => None,
            c if c.is_whitespace() || c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// The first clauses of `body`, about `limit` characters, ending with "。". Cut only at
/// punctuation, so no number is ever cut in two.
fn first_clauses(body: &str, limit: usize) -> String {
    if limit == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut count = 0;
    let mut start = 0;
    for (i, c) in body.char_indices() {
        if matches!(c, '。' | '!' | '?' | ';' | '！' | '？' | '；' | '，' | ',') {
            let clause = &body[start..i];
            out.push_str(clause);
            count += clause.chars().count();
            start = i + c.len_utf8();
            if count >= limit {
                break;
            }
            out.push(c);
            count += 1;
        }
    }
    if count < limit && start < body.len() {
        let rest: String = body[start..].chars().collect();
        if count + rest.chars().count() <= limit * 2 {
            out.push_str(&rest);
        }
    }
    let trimmed = out
        .trim_end_matches(['，', ',', '、', ':', '：'])
        .to_string();
    if trimmed.is_empty() {
        return trimmed;
    }
    if trimmed.ends_with(['。', '!', '?', '！', '？']) {
        trimmed
    } else {
        format!("{trimmed}。")
    }
}

/// The opening addressed to this citizen: "网友“<handle>”您好!…" when the unit opens with 网友.
fn address(opening: &str, handle: &str) -> String {
    match opening.strip_prefix("网友") {
        Some(rest) if !handle.is_empty() => {
            format!("网友“{handle}”{}", rest.trim_start_matches([':', '：']))
        }
        _ => opening.to_string(),
    }
}

struct Candidate {
    /// Position in its reply, 0..1, to keep the draft in the order replies are written.
    position: f64,
    source_rank: usize,
    text: String,
    source: usize,
    relevance: f64,
}

fn bigrams(s: &str) -> std::collections::HashSet<(char, char)> {
    let chars: Vec<char> = s.chars().filter(|c| c.is_alphanumeric()).collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// Composes the draft for `message` from `ranked` precedents (most similar first).
pub fn compose(
    message: &Message,
    ranked: &[&Precedent],
    style: &StyleBook,
    options: &ComposeOptions,
) -> Draft {
    let title = clean(&message.title);
    let body = clean(&message.body);
    let handle = clean(message.handle.as_deref().unwrap_or_default());
    // Every number the draft may state must be in here.
    let message_text = format!("{title}\n{body}\n{handle}");
    let place = place_of(&title, &body);
    let (opening, closing) = style.for_place(place.as_deref());

    let opening = choose_opening(&clean(opening), ranked, options.opening_stand_ins);
    let greeting = address(&opening, &handle);
    let restated_title = if title.is_empty() {
        String::new()
    } else {
        format!("您反映的“{title}”的问题已收悉。")
    };
    let restated_body = first_clauses(&body, options.restate_chars);
    let tail = format!("{RESULT_BLANK}{}", clean(closing));

    let sources = &ranked[..ranked.len().min(options.sources)];
    let stand_ins: Vec<Pattern> = ranked
        .iter()
        .skip(sources.len())
        .take(options.stand_ins)
        .map(|p| Pattern::new(&stand_in_reply(&p.reply, &p.handle, &handle)))
        .collect();

    let query = bigrams(&format!("{title}{body}"));
    let mut candidates: Vec<Candidate> = Vec::new();
    for (rank, p) in sources.iter().enumerate() {
        let reply = clean(&p.reply);
        let parts = split_reply(&reply);
        let n = parts.body.len().max(1) as f64;
        for (pos, s) in parts.body.iter().enumerate() {
            if s.chars().count() < 8
                || GREETING.is_match(s)
                || !numbers_come_from(s, &message_text)
                || candidates.iter().any(|c| c.text == *s)
            {
                continue;
            }
            let grams = bigrams(s);
            let relevance = if grams.is_empty() {
                0.0
            } else {
                grams.intersection(&query).count() as f64 / grams.len() as f64
            };
            candidates.push(Candidate {
                position: pos as f64 / n,
                source_rank: rank,
                text: s.to_string(),
                source: rank,
                relevance,
            });
        }
    }

    let score = |text: &str| -> f64 {
        let n = text.chars().count();
        stand_ins.iter().map(|p| p.f1_against(text, n)).sum::<f64>() / stand_ins.len() as f64
    };
    let head = format!("{greeting}{restated_title}{restated_body}");
    let build = |chosen: &[usize]| -> String {
        let mut order: Vec<usize> = chosen.to_vec();
        order.sort_by(|&a, &b| {
            candidates[a]
                .position
                .total_cmp(&candidates[b].position)
                .then(candidates[a].source_rank.cmp(&candidates[b].source_rank))
        });
        let mut s = head.clone();
        for i in order {
            s.push_str(&candidates[i].text);
        }
        s.push_str(&tail);
        s
    };
    let mut chosen: Vec<usize> = Vec::new();
    if !stand_ins.is_empty() {
        let mut current = score(&build(&chosen));
        while chosen.len() < options.max_passages {
            let mut best: Option<(f64, usize)> = None;
            for i in 0..candidates.len() {
                if chosen.contains(&i) {
                    continue;
                }
                let mut with = chosen.clone();
                with.push(i);
                let s = score(&build(&with));
                if s >= current + options.min_gain && best.is_none_or(|(b, _)| s > b) {
                    best = Some((s, i));
                }
            }
            match best {
                Some((s, i)) => {
                    current = s;
                    chosen.push(i);
                }
                None => break,
            }
        }
    }

    let (text, blanked) = blank_foreign_numbers(&build(&chosen), &message_text);
    let passage = |c: &Candidate| Passage {
        text: c.text.clone(),
        source_id: sources[c.source].id.clone(),
        source_title: sources[c.source].title.clone(),
    };
    let mut in_draft: Vec<&Candidate> = chosen.iter().map(|&i| &candidates[i]).collect();
    in_draft.sort_by(|a, b| a.position.total_cmp(&b.position));
    let mut others: Vec<&Candidate> = (0..candidates.len())
        .filter(|i| !chosen.contains(i))
        .map(|i| &candidates[i])
        .collect();
    others.sort_by(|a, b| {
        b.relevance
            .total_cmp(&a.relevance)
            .then(a.source_rank.cmp(&b.source_rank))
    });
    let mut blanks = vec!["办理结果".to_string()];
    if blanked > 0 || text.contains(NUMBER_BLANK) {
        blanks.push("数字".to_string());
    }
    Draft {
        text,
        place,
        passages: in_draft.into_iter().map(passage).collect(),
        suggestions: others
            .into_iter()
            .take(options.suggestions)
            .map(passage)
            .collect(),
        blanks,
    }
}

/// The opening most like the openings of the `n` most similar cases (minimum Bayes risk over
/// openings): the unit's `learned` opening or one of theirs. Replies to similar matters tend to
/// come from the same office, which may open differently from the place's most common opening.
/// Their openings are compared with their handles removed, and one with a number is never chosen;
/// ties keep the learned opening.
fn choose_opening(learned: &str, ranked: &[&Precedent], n: usize) -> String {
    let theirs: Vec<String> = ranked
        .iter()
        .take(n)
        .map(|p| detemplate(split_reply(&clean(&p.reply)).opening, &clean(&p.handle)))
        .filter(|o| !o.is_empty())
        .collect();
    let references: Vec<Pattern> = theirs.iter().map(|o| Pattern::new(o)).collect();
    let score = |c: &str| {
        let len = c.chars().count();
        references.iter().map(|r| r.f1_against(c, len)).sum::<f64>()
    };
    let mut best = (score(learned), learned);
    for candidate in theirs.iter().filter(|o| usable(o)) {
        let s = score(candidate);
        if s > best.0 {
            best = (s, candidate);
        }
    }
    best.1.to_string()
}

/// A precedent's reply as a stand-in for this case's reply: addressed to this citizen, without
/// its date, whitespace removed (as the draft has none).
fn stand_in_reply(reply: &str, their_handle: &str, our_handle: &str) -> String {
    let r = clean(strip_trailing_date(reply));
    if their_handle.is_empty() {
        r
    } else {
        r.replace(their_handle, our_handle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_are_cut_at_punctuation_only() {
        assert_eq!(
            first_clauses("路灯坏了,已经3个月,没人修。请尽快处理", 6),
            "路灯坏了,已经3个月。"
        );
        assert_eq!(first_clauses("", 60), "");
        assert_eq!(first_clauses("短", 60), "短。");
        assert_eq!(first_clauses("路灯坏了", 0), "");
    }

    #[test]
    fn the_opening_is_the_one_most_like_similar_cases_openings() {
        let p = |id: &str, reply: &str| Precedent {
            id: id.into(),
            reply: reply.into(),
            handle: format!("UU{id}"),
            ..Default::default()
        };
        let office = "网友“UU{}”您好!来信收悉,现将调查情况回复如下:经查属实。";
        let with_date = "2019年5月来信收悉,现将调查情况回复如下:经查属实。";
        let similar = [
            p("1", &office.replace("{}", "1")),
            p("2", &office.replace("{}", "2")),
            p("3", with_date),
            p("4", with_date),
            p("5", with_date),
        ];
        let ranked: Vec<&Precedent> = similar.iter().collect();
        let learned = "您好!您的留言已收悉。";
        assert_eq!(
            choose_opening(learned, &ranked, 30),
            "网友您好!来信收悉,现将调查情况回复如下:"
        );
        // Only the first n cases count; none at all keeps the learned opening.
        assert_eq!(choose_opening(learned, &ranked[2..], 30), learned);
        assert_eq!(choose_opening(learned, &ranked, 0), learned);
    }

    #[test]
    fn the_citizen_is_addressed_by_handle() {
        assert_eq!(address("网友:您好!", "A001"), "网友“A001”您好!");
        assert_eq!(address("您好!", "A001"), "您好!");
        assert_eq!(address("网友您好!", ""), "网友您好!");
    }

    fn assert_numbers_from_message(draft: &str, message: &Message) {
        let text = format!(
            "{}\n{}\n{}",
            clean(&message.title),
            clean(&message.body),
            clean(message.handle.as_deref().unwrap_or_default())
        );
        let allowed: Vec<&str> = crate::draft::numbers::numeric_runs(&text).collect();
        for run in crate::draft::numbers::numeric_runs(draft) {
            assert!(allowed.contains(&run), "{run:?} invented in {draft:?}");
        }
    }

    /// Real messages against real precedents: no draft states a number its message lacks, and
    /// every passage names its source.
    #[test]
    fn real_drafts_invent_no_numbers() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/training-data/tipdm2020/messages_with_replies.csv"
        );
        let table = crate::classify::data::Table::read_path(std::path::Path::new(path), &[])
            .expect("shipped data");
        let all = crate::draft::Precedent::from_table(&table).expect("columns");
        let (queries, precedents) = all.split_at(40);
        let templates =
            crate::draft::ReplyTemplates::parse(include_str!("../../models/reply_templates.toml"))
                .expect("templates");
        let seg = crate::text::Segmenter::new();
        let drafter = crate::draft::Drafter::new(precedents.to_vec(), templates, &seg);
        let mut with_passages = 0;
        for q in queries {
            let message = Message {
                title: q.title.clone(),
                body: q.body.clone(),
                handle: Some(q.handle.clone()),
            };
            let d = drafter.draft(&seg, &message);
            assert_numbers_from_message(&d.text, &message);
            assert!(d.text.contains(RESULT_BLANK));
            for p in d.passages.iter().chain(&d.suggestions) {
                assert!(precedents.iter().any(|x| x.id == p.source_id));
                assert_numbers_from_message(&p.text, &message);
            }
            with_passages += usize::from(!d.passages.is_empty());
        }
        assert!(with_passages > 0, "no draft used a precedent passage");
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn precedent(id: usize, (title, body, reply): (String, String, String)) -> Precedent {
            Precedent {
                id: id.to_string(),
                title,
                body,
                reply,
                handle: format!("UU00{id}"),
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            /// Whatever the precedents say (phone numbers, dates, amounts in any script), every
            /// numeric run of a draft is a numeric run of the message.
            #[test]
            fn drafts_invent_no_numbers(
                title in "[A-C0-9区路灯停车费号]{0,12}",
                body in "[0-9０-９a路灯坏了,。2019年]{0,40}",
                replies in proptest::collection::vec((
                    "[A-C][0-9]区[路灯停车]{1,4}",
                    "[路灯停车0-9]{0,10}",
                    "(网友“UU[0-9]{3}”您好!来信收悉。现回复如下:|您好,)([路灯已修复停车费标准为0-9０-９〇二三元年月日号,。]{5,30}。){1,5}(感谢您的支持!)?([0-9]{4}年[0-9]月[0-9]日)?",
                ), 0..14),
            ) {
                let precedents: Vec<Precedent> = replies.into_iter().enumerate().map(|(i, r)| precedent(i, r)).collect();
                let style = StyleBook::learn(precedents.iter().map(|p| (place_of(&p.title, &p.body), p.reply.as_str(), p.handle.as_str())).collect::<Vec<_>>().iter().map(|(pl, r, h)| (pl.as_deref(), *r, *h)));
                let ranked: Vec<&Precedent> = precedents.iter().collect();
                let message = Message { title, body, handle: None };
                let d = compose(&message, &ranked, &style, &ComposeOptions::default());
                assert_numbers_from_message(&d.text, &message);
            }
        }
    }
}
