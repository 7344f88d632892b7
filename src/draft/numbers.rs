//! Numbers in drafts: the composer must never invent a phone number, date, amount or document
//! number. Every run of numeric characters in a draft has to occur in the citizen's message;
//! anything else becomes a blank for the handler to fill.

use std::sync::LazyLock;

use regex::Regex;

/// The blank that replaces a number the message does not contain.
pub const NUMBER_BLANK: &str = "【待填写:数字】";

/// Chinese-numeral quantities and dates (二〇一九年, 三十万元, 十五个工作日): numbers as much as
/// digits are, but enumerations (一是, 二、) are not matched.
static CHINESE_QUANTITY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[〇零一二三四五六七八九十百千万两○]{1,}(?:年|月|日|号|元|万|亿|户|人|个|米|平方|亩|天|小时|分钟|%|％|层|栋|期|批)",
    )
    .expect("static regex")
});

/// Maximal runs of numeric characters (`char::is_numeric`: ASCII and full-width digits, 〇, ①…).
pub fn numeric_runs(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find(|c: char| c.is_numeric())?;
        let tail = &rest[start..];
        let len = tail.find(|c: char| !c.is_numeric()).unwrap_or(tail.len());
        let run = &tail[..len];
        rest = &tail[len..];
        Some(run)
    })
}

/// True when `run` is one of the numeric runs of `message` (a whole run: `20` does not come from
/// `2019`).
fn is_run_of(run: &str, message: &str) -> bool {
    numeric_runs(message).any(|m| m == run)
}

/// True when every numeric run of `text` is a numeric run of `message`, and `text` states no
/// quantity or date in Chinese numerals that `message` does not contain.
pub fn numbers_come_from(text: &str, message: &str) -> bool {
    numeric_runs(text).all(|run| is_run_of(run, message))
        && CHINESE_QUANTITY
            .find_iter(text)
            .all(|m| message.contains(m.as_str()))
}

/// Replaces every numeric run that does not occur in `message` with [`NUMBER_BLANK`]. The
/// composer only picks passages whose numbers come from the message; this is the last guard.
pub fn blank_foreign_numbers(text: &str, message: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut blanked = 0;
    let mut last = 0;
    let mut rest_start = 0;
    for run in numeric_runs(text) {
        // Runs are subslices of `text`: their offset is the pointer difference.
        let start = run.as_ptr() as usize - text.as_ptr() as usize;
        debug_assert!(start >= rest_start);
        rest_start = start + run.len();
        if !is_run_of(run, message) {
            out.push_str(&text[last..start]);
            out.push_str(NUMBER_BLANK);
            last = start + run.len();
            blanked += 1;
        }
    }
    out.push_str(&text[last..]);
    (out, blanked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_runs_of_every_kind_of_digit() {
        let runs: Vec<&str> = numeric_runs("电话0731-8888,２０１９年,〇号").collect();
        assert_eq!(runs, ["0731", "8888", "２０１９", "〇"]);
    }

    #[test]
    fn numbers_must_come_from_the_message() {
        let msg = "我家在3栋,2019年交了500元";
        assert!(numbers_come_from("您反映3栋的问题", msg));
        assert!(numbers_come_from("一是加强管理,二是完善制度", msg));
        assert!(!numbers_come_from("请拨打12345", msg));
        assert!(!numbers_come_from("20", msg));
        assert!(!numbers_come_from("于二〇一九年五月答复", msg));
        assert!(!numbers_come_from("补贴三千元", msg));
    }

    #[test]
    fn foreign_numbers_become_blanks() {
        let (out, n) = blank_foreign_numbers("3栋于2018年整改,电话0731", "3栋");
        assert_eq!(out, "3栋于【待填写:数字】年整改,电话【待填写:数字】");
        assert_eq!(n, 2);
    }
}
