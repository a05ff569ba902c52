//! The one detector of 個人番号 (individual numbers) in text. The intake parser, the QR path
//! (through the parser) and the configuration loader all call it; nothing else decides what
//! looks like a 個人番号.
//!
//! The rule (documented in `docs/intake.md`):
//!
//! - **Digits** are every character Unicode gives a digit value 0–9: ASCII, full-width
//!   (`０`–`９`), the other scripts' decimal digits, mathematical, superscript, subscript and
//!   circled digits. 漢数字 (一二三) are not digits here: names such as 一二三 (ひふみ) are real.
//! - **Separators** join digit groups into one written number: white space of any kind (space,
//!   tab, NBSP, U+3000), hyphens and dashes (`-`, `－`, `ー`, `‐`, `–`, `—`, `−`, …) and dots
//!   (`.`, `．`, `・`, `･`, `·`), slashes, commas (`,`, `，`, `、`), underscores and round
//!   brackets (`/`, `_`, `(`, `)` and their full-width forms). Invisible format characters (zero-width space and joiners,
//!   soft hyphen, bidi controls, BOM) are skipped as if absent.
//! - A **chain** is digit groups joined only by separators. Any run of whole consecutive groups
//!   of a chain holding exactly **12 digits** whose last digit is the check digit of
//!   番号法施行令 第8条 is a 個人番号: `123456789018`, `1234 5678 9018`, `1234.5678.9018`,
//!   `１２３４－５６７８－９０１８`, and also `1-2-3 123456789018` or `1234 5678 9018 5`
//!   (a number beside it does not hide it).
//! - Not a 個人番号: a group longer than 12 digits (法人番号 13 digits, card numbers), digits
//!   inside a longer group, any 12 digits whose check digit does not match (10 in 11 of them),
//!   and a chain written as an international phone number (starting with `+`/`＋`:
//!   `+81 90 1234 5678` is 12 digits; a 個人番号 is never written with a `+`).
//!
//! Phone numbers (10–11 digits: `090-1234-5678`, `03-1234-5678`), postal codes (`181-0004`),
//! dates and 番地 never hold 12 digits in whole groups, so they pass; the false positives left
//! are 12-digit runs that happen to carry a valid check digit, which no personal text field
//! of an intake needs.

/// What a refusal says about a value holding a 個人番号 (never the value itself).
pub const HOLDS_ONE: &str = "holds what looks like an individual number (個人番号: 12 digits with a valid check digit), which is never accepted";

/// Characters with a digit value, as (first code point, count, value of the first).
/// Generated from Unicode 14's `Numeric_Type=Digit/Decimal` (Python's `unicodedata.digit`).
const DIGIT_RANGES: &[(u32, u32, u32)] = &[
    (0x30, 10, 0),
    (0xB2, 2, 2),
    (0xB9, 1, 1),
    (0x660, 10, 0),
    (0x6F0, 10, 0),
    (0x7C0, 10, 0),
    (0x966, 10, 0),
    (0x9E6, 10, 0),
    (0xA66, 10, 0),
    (0xAE6, 10, 0),
    (0xB66, 10, 0),
    (0xBE6, 10, 0),
    (0xC66, 10, 0),
    (0xCE6, 10, 0),
    (0xD66, 10, 0),
    (0xDE6, 10, 0),
    (0xE50, 10, 0),
    (0xED0, 10, 0),
    (0xF20, 10, 0),
    (0x1040, 10, 0),
    (0x1090, 10, 0),
    (0x1369, 9, 1),
    (0x17E0, 10, 0),
    (0x1810, 10, 0),
    (0x1946, 10, 0),
    (0x19D0, 10, 0),
    (0x19DA, 1, 1),
    (0x1A80, 10, 0),
    (0x1A90, 10, 0),
    (0x1B50, 10, 0),
    (0x1BB0, 10, 0),
    (0x1C40, 10, 0),
    (0x1C50, 10, 0),
    (0x2070, 1, 0),
    (0x2074, 6, 4),
    (0x2080, 10, 0),
    (0x2460, 9, 1),
    (0x2474, 9, 1),
    (0x2488, 9, 1),
    (0x24EA, 1, 0),
    (0x24F5, 9, 1),
    (0x24FF, 1, 0),
    (0x2776, 9, 1),
    (0x2780, 9, 1),
    (0x278A, 9, 1),
    (0xA620, 10, 0),
    (0xA8D0, 10, 0),
    (0xA900, 10, 0),
    (0xA9D0, 10, 0),
    (0xA9F0, 10, 0),
    (0xAA50, 10, 0),
    (0xABF0, 10, 0),
    (0xFF10, 10, 0),
    (0x104A0, 10, 0),
    (0x10A40, 4, 1),
    (0x10D30, 10, 0),
    (0x10E60, 9, 1),
    (0x11052, 9, 1),
    (0x11066, 10, 0),
    (0x110F0, 10, 0),
    (0x11136, 10, 0),
    (0x111D0, 10, 0),
    (0x112F0, 10, 0),
    (0x11450, 10, 0),
    (0x114D0, 10, 0),
    (0x11650, 10, 0),
    (0x116C0, 10, 0),
    (0x11730, 10, 0),
    (0x118E0, 10, 0),
    (0x11950, 10, 0),
    (0x11C50, 10, 0),
    (0x11D50, 10, 0),
    (0x11DA0, 10, 0),
    (0x16A60, 10, 0),
    (0x16AC0, 10, 0),
    (0x16B50, 10, 0),
    (0x1D7CE, 10, 0),
    (0x1D7D8, 10, 0),
    (0x1D7E2, 10, 0),
    (0x1D7EC, 10, 0),
    (0x1D7F6, 10, 0),
    (0x1E140, 10, 0),
    (0x1E2F0, 10, 0),
    (0x1E950, 10, 0),
    (0x1F100, 1, 0),
    (0x1F101, 10, 0),
    (0x1FBF0, 10, 0),
];

/// The digit value of a character, if it has one.
fn digit_value(c: char) -> Option<u8> {
    let cp = c as u32;
    if c.is_ascii() {
        return c.to_digit(10).map(|d| d as u8);
    }
    // The table is sorted: find the last range starting at or before `cp`.
    let i = DIGIT_RANGES.partition_point(|&(start, _, _)| start <= cp);
    let (start, len, first) = DIGIT_RANGES[i.checked_sub(1)?];
    (cp < start + len).then(|| (first + cp - start) as u8)
}

/// Characters that join digit groups into one written number.
fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '-' | '‐'
                | '‑'
                | '‒'
                | '–'
                | '—'
                | '―'
                | '−'
                | '－'
                | 'ー'
                | 'ｰ'
                | '﹣'
                | '﹘'
                | '.'
                | '．'
                | '・'
                | '･'
                | '·'
                | '‧'
                | '∙'
                // Slashes, commas, underscores and brackets, as people group digits when
                // they copy a number by hand: `1234/5678/9018`, `(1234)5678-9018`.
                | '/'
                | '／'
                | ','
                | '，'
                | '、'
                | '_'
                | '＿'
                | '('
                | ')'
                | '（'
                | '）'
        )
}

/// Invisible characters skipped as if absent (they cannot split a number).
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
    )
}

/// Whether a key or a fact's name would carry the 個人番号: after lower-casing and removing
/// `_`, `-`, `.` and spaces it is `mynumber`, `individualnumber`, `kojinbango(u)`,
/// `kojinnumber` or `個人番号`, or holds one of them with anything but `card` after it
/// (`my_number_value` is refused; `mynumber_card`, "holds a マイナンバーカード", is not).
pub fn is_individual_number_name(name: &str) -> bool {
    const STEMS: &[&str] = &[
        "mynumber",
        "individualnumber",
        "kojinbangou",
        "kojinbango",
        "kojinnumber",
        "個人番号",
        "マイナンバー",
    ];
    let k: String = name
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '.' | ' ' | '　'))
        .flat_map(char::to_lowercase)
        .collect();
    // A plain scan (keys are short): no searcher set up per key and stem.
    let k = k.as_bytes();
    STEMS.iter().any(|stem| {
        let stem = stem.as_bytes();
        (0..=k.len().saturating_sub(stem.len())).any(|i| {
            k[i..].starts_with(stem) && {
                let rest = &k[i + stem.len()..];
                !(rest.starts_with(b"card") || rest.starts_with("カード".as_bytes()))
            }
        })
    })
}

/// The check digit rule of 番号法施行令 第8条 over 12 digits.
pub fn check_digit_ok(d: &[u8; 12]) -> bool {
    let sum: u32 = (1..=11usize)
        .map(|n| {
            let p = u32::from(d[11 - n]);
            let q = if n <= 6 { n as u32 + 1 } else { n as u32 - 5 };
            p * q
        })
        .sum();
    let r = sum % 11;
    let check = if r <= 1 { 0 } else { 11 - r };
    check == u32::from(d[11])
}

/// Whether `text` holds a 個人番号 anywhere, by the rule of this module. Linear in the text.
pub fn contains_individual_number(text: &str) -> bool {
    let mut chain = Chain::default();
    let mut prev_plus = false; // the last visible non-separator character was a '+'
    for c in text.chars() {
        if is_invisible(c) {
            continue;
        }
        if let Some(d) = digit_value(c) {
            if chain.groups.is_empty() && chain.digits.is_empty() {
                chain.phone = prev_plus;
            }
            chain.push_digit(d);
            prev_plus = false;
        } else if is_separator(c) {
            chain.end_group();
            if chain.found {
                return true;
            }
        } else {
            chain.end_group();
            if chain.found {
                return true;
            }
            chain = Chain::default();
            prev_plus = matches!(c, '+' | '＋');
        }
    }
    chain.end_group();
    chain.found
}

/// Digit groups of the current chain (only the last 12 digits' worth are kept: a window of
/// whole groups holding exactly 12 digits never spans more).
#[derive(Default)]
struct Chain {
    /// Digits of the group being read (up to 13: longer is "too long" either way).
    digits: Vec<u8>,
    /// Recent whole groups, oldest first, each at most 12 digits.
    groups: std::collections::VecDeque<Vec<u8>>,
    /// Groups of this chain so far (the first one may be exempt as a phone number).
    seen_groups: usize,
    /// The chain starts with '+': an international phone number.
    phone: bool,
    found: bool,
}

impl Chain {
    fn push_digit(&mut self, d: u8) {
        if self.digits.len() <= 12 {
            self.digits.push(d);
        }
    }

    /// Closes the group being read and checks every window of whole groups ending with it.
    fn end_group(&mut self) {
        if self.digits.is_empty() {
            return;
        }
        let group = std::mem::take(&mut self.digits);
        self.seen_groups += 1;
        if group.len() > 12 {
            // A longer number: no window may cross it.
            self.groups.clear();
            self.phone = false;
            return;
        }
        self.groups.push_back(group);
        // Drop groups that can no longer be part of a 12-digit window.
        while self.groups.iter().map(Vec::len).sum::<usize>() > 12 + self.groups[0].len() {
            self.groups.pop_front();
        }
        let first_index = self.seen_groups - self.groups.len(); // index of groups[0] in the chain
        let mut total = 0;
        let mut run = [0u8; 12];
        for (k, g) in self.groups.iter().enumerate().rev() {
            total += g.len();
            if total > 12 {
                break;
            }
            if total == 12 {
                let exempt = self.phone && first_index + k == 0;
                let mut n = 0;
                for g in self.groups.iter().skip(k) {
                    for &d in g {
                        run[n] = d;
                        n += 1;
                    }
                }
                if !exempt && check_digit_ok(&run) {
                    self.found = true;
                }
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_every_way_it_is_found() {
        for s in [
            "123456789018",
            "山田太郎 123456789018",
            "1234 5678 9018",
            "1234.5678.9018",
            "1234-5678-9018",
            "1234\t5678\t9018",
            "1234\u{A0}5678\u{A0}9018",
            "１２３４５６７８９０１８",
            "１２３４－５６７８－９０１８",
            "1234　5678　9018",
            "1234 - 5678 - 9018",
            "12\u{200B}3456789018",
            "x123456789018y",
            "1-2-3 123456789018",
            "1234 5678 9018 5",
            "本町 1234 5678 9018 番地",
            "\u{1D7CF}23456789018",
            "①２3456789018",
            "tel 090-1234-5678 / 1234.5678.9018",
            "1234/5678/9018",
            "１２３４／５６７８／９０１８",
            "1234,5678,9018",
            "1234、5678、9018",
            "1234_5678_9018",
            "(1234)5678-9018",
            "（１２３４）５６７８－９０１８",
        ] {
            assert!(contains_individual_number(s), "{s:?}");
        }
    }

    #[test]
    fn ordinary_numbers_pass() {
        for s in [
            "090-1234-5678",
            "03-1234-5678",
            "0422-12-3456",
            "〒181-0004 東京都三鷹市野崎一丁目１番１号",
            "〒181-0004 0422-12-3456",
            "03-1234-5678, 090-1234-5678",
            "03-1234-5678/090-1234-5678",
            "(03)1234-5678",
            "2026/04/01",
            "1,234,567 円",
            "2026-04-01",
            "123456789012",     // wrong check digit
            "1234567890185",    // 13 digits
            "1234567890180000", // a card number
            "+81 90 1234 5678",
            "+81-90-1234-5678",
            "+123456789018",
            "一二三四五六七八九〇一八",
            "本町1丁目2番3号",
            "1234番地の5678",
            "",
        ] {
            assert!(!contains_individual_number(s), "{s:?}");
        }
        // A '+' only exempts the chain it starts: a number after it is still found.
        assert!(contains_individual_number(
            "+81 90 1234 5678 / 123456789018"
        ));
        assert!(contains_individual_number("+81 (123456789018)"));
    }

    #[test]
    fn names_of_the_number() {
        for n in [
            "mynumber",
            "my_number",
            "My-Number",
            "individual_number",
            "KOJIN_BANGO",
            "kojin_bangou",
            "個人番号",
            "my_number_value",
            "resident.my_number",
            "マイナンバー",
        ] {
            assert!(is_individual_number_name(n), "{n}");
        }
        for n in [
            "mynumber_card",
            "my_number_card",
            "マイナンバーカード",
            "health_insurance",
            "number",
            "dogs",
        ] {
            assert!(!is_individual_number_name(n), "{n}");
        }
    }

    #[test]
    fn digit_values() {
        assert_eq!(digit_value('7'), Some(7));
        assert_eq!(digit_value('７'), Some(7));
        assert_eq!(digit_value('\u{0663}'), Some(3)); // Arabic-Indic three
        assert_eq!(digit_value('⑨'), Some(9));
        assert_eq!(digit_value('a'), None);
        assert_eq!(digit_value('一'), None);
        assert_eq!(digit_value('\u{10FFFF}'), None);
    }
}
