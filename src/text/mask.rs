//! Masking personal data in text that leaves the office: phone numbers, ID-card numbers, e-mail
//! addresses, bank-card numbers, people's names where the text marks them as names, and exact
//! addresses (building / unit / room numbers).
//!
//! Masking errs on the side of hiding: a long digit run is masked even when it may be a harmless
//! document number, because leaking one ID number costs more than hiding one file number.

use std::sync::LazyLock;

use regex::Regex;

struct Rule {
    re: Regex,
    replace: fn(&regex::Captures<'_>) -> String,
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    let r = |p: &str| Regex::new(p).expect("static regex");
    vec![
        // E-mail before digits, so the digits of an address are not masked twice.
        Rule {
            re: r(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
            replace: |_| "[邮箱]".into(),
        },
        // ID card: 17 digits + digit or X (also 15-digit old cards), bank cards 16-19 digits.
        Rule {
            re: r(r"[0-9]{17}[Xx]|[0-9]{15,19}"),
            replace: |_| "[证件号]".into(),
        },
        // Mobile numbers, with optional separators and partial masks already applied (138****1234).
        Rule {
            re: r(r"(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9*]{4}){2}"),
            replace: |_| "[电话]".into(),
        },
        // Landlines: area code + number, or 7-8 digit local numbers.
        Rule {
            re: r(r"0[0-9]{2,3}[- ]?[0-9]{7,8}|[0-9]{7,8}"),
            replace: |_| "[电话]".into(),
        },
        // Already-masked runs of the source data.
        Rule {
            re: r(r"[0-9]*\*{3,}[0-9]*"),
            replace: |_| "[电话]".into(),
        },
        // Names introduced as names: 我叫张三, 姓名:李四, 联系人 王五.
        Rule {
            re: r(r"(我叫|本人叫|我是|姓名[::]?|联系人[::]?|户主[::]?)\s?([\p{Han}]{2,3})"),
            replace: |c| format!("{}[姓名]", &c[1]),
        },
        // Family name + honorific: 张先生, 李女士, 王师傅 → 张** keeps the honorific, drops nothing else.
        Rule {
            re: r(r"([\p{Han}])(先生|女士|小姐|阿姨|师傅|老师)"),
            replace: |c| format!("*{}", &c[2]),
        },
        // Exact addresses: building / unit / floor / room numbers.
        Rule {
            re: r(
                r"[0-9A-Za-z]+(?:栋|幢|号楼|单元|楼|层|室|号房)(?:[0-9A-Za-z-]+(?:栋|幢|号楼|单元|楼|层|室|号房)?)*",
            ),
            replace: |_| "[地址]".into(),
        },
    ]
});

/// Returns `text` with personal data replaced by bracketed placeholders (`[电话]`, `[证件号]`, ...).
pub fn mask_personal_data(text: &str) -> String {
    let mut out = text.to_string();
    for rule in RULES.iter() {
        if rule.re.is_match(&out) {
            out = rule
                .re
                .replace_all(&out, |c: &regex::Captures<'_>| (rule.replace)(c))
                .into_owned();
        }
    }
    out
}

/// [`mask_personal_data`], after replacing every occurrence of the given names (the citizen's
/// name from the contact fields, which the text may repeat without marking it as a name) with
/// `[姓名]`. Names shorter than two characters are ignored: one character would mask ordinary words.
pub fn mask_personal_data_with_names(text: &str, names: &[&str]) -> String {
    let mut out = text.to_string();
    for name in names {
        let name = name.trim();
        if name.chars().count() >= 2 && out.contains(name) {
            out = out.replace(name, "[姓名]");
        }
    }
    mask_personal_data(&out)
}

#[cfg(test)]
mod tests {
    use super::mask_personal_data as m;

    #[test]
    fn masks_known_names_anywhere() {
        assert_eq!(
            super::mask_personal_data_with_names("张三反映:张三家门口积水", &["张三", "李"]),
            "[姓名]反映:[姓名]家门口积水"
        );
    }

    #[test]
    fn masks_numbers() {
        assert_eq!(m("电话13812345678或138-1234-5678"), "电话[电话]或[电话]");
        assert_eq!(m("联系0731-84567890"), "联系[电话]");
        assert_eq!(m("身份证430102199001011234"), "身份证[证件号]");
        assert_eq!(m("身份证43010219900101123X号"), "身份证[证件号]号");
        assert_eq!(m("卡号6222021234567890123"), "卡号[证件号]");
        assert_eq!(m("已脱敏187****2210"), "已脱敏[电话]");
        assert_eq!(m("邮箱 zhang.san@example.com"), "邮箱 [邮箱]");
    }

    #[test]
    fn masks_names_and_addresses() {
        assert_eq!(m("我叫张三丰,住在A市"), "我叫[姓名],住在A市");
        assert_eq!(m("请联系王先生"), "请联系*先生");
        assert_eq!(m("住在幸福小区3栋2单元501室"), "住在幸福小区[地址]");
    }

    #[test]
    fn keeps_ordinary_text() {
        assert_eq!(
            m("2019年4月以来,停车费涨了50元"),
            "2019年4月以来,停车费涨了50元"
        );
        assert_eq!(m("A市A3区联丰路"), "A市A3区联丰路");
    }
}
