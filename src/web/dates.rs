//! Dates as residents type them. The intake wants ISO `YYYY-MM-DD`; people write
//! `2026/4/1`, `20260401`, `２０２６年４月１日`, `令和8年4月1日`, `S55.1.1` or `平成元年…`.
//! A date picker would dodge this for the event date, but birth dates decades back are painful
//! to pick on a phone, and a text field behaves the same in every browser (and under test).

use crate::calendar::{from_wareki, ERAS};
use chrono::NaiveDate;

/// Reads a date the way a resident may write it; `None` when it is not a real date.
pub fn parse_resident_date(input: &str) -> Option<NaiveDate> {
    let s: String = input.trim().chars().map(half_width).collect();
    let s = s.trim();
    if s.is_empty() || s.len() > 40 {
        return None;
    }
    // An era prefix: the kanji name or its letter (M T S H R, either case).
    let mut era: Option<char> = None;
    let mut rest = s;
    for e in ERAS.iter() {
        if let Some(r) = s.strip_prefix(e.name) {
            era = Some(e.letter);
            rest = r;
        }
    }
    if era.is_none() {
        if let Some(c) = s.chars().next().filter(|c| c.is_ascii_alphabetic()) {
            let up = c.to_ascii_uppercase();
            if ERAS.iter().any(|e| e.letter == up) {
                era = Some(up);
                rest = &s[1..];
            } else {
                return None;
            }
        }
    }
    let rest = rest.trim_start_matches(['.', ' ']);
    // 元年 is year 1.
    let rest = rest
        .strip_prefix('元')
        .map_or(rest.to_string(), |r| format!("1{r}"));
    let groups: Vec<&str> = rest
        .split(|c: char| !c.is_ascii_digit())
        .filter(|g| !g.is_empty())
        .collect();
    // Anything but digits and separators (年月日 / - . space) is not a date.
    if rest
        .chars()
        .any(|c| !(c.is_ascii_digit() || matches!(c, '年' | '月' | '日' | '/' | '-' | '.' | ' ')))
    {
        return None;
    }
    let num = |g: &str| g.parse::<u32>().ok();
    match (era, groups.as_slice()) {
        (Some(letter), [y, m, d]) => from_wareki(letter, num(y)?, num(m)?, num(d)?),
        (None, [y, m, d]) if y.len() == 4 => {
            NaiveDate::from_ymd_opt(num(y)? as i32, num(m)?, num(d)?)
        }
        (None, [ymd]) if ymd.len() == 8 => {
            NaiveDate::from_ymd_opt(num(&ymd[..4])? as i32, num(&ymd[4..6])?, num(&ymd[6..])?)
        }
        _ => None,
    }
}

/// Full-width ASCII (Ｒ８．４．１, ２０２６／４／１) and the ideographic space, as half-width.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        'ー' | '—' | '‐' => '-',
        _ => c,
    }
}

/// Hiragana typed into a フリガナ field, as katakana (the intake's kana are katakana).
pub fn to_katakana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<String> {
        parse_resident_date(s).map(|d| d.to_string())
    }

    #[test]
    fn gregorian_forms() {
        for s in [
            "2026-04-01",
            "2026/4/1",
            "2026.4.1",
            "20260401",
            "2026年4月1日",
            "２０２６年４月１日",
            " 2026 / 04 / 01 ",
        ] {
            assert_eq!(d(s).as_deref(), Some("2026-04-01"), "{s}");
        }
    }

    #[test]
    fn wareki_forms() {
        assert_eq!(d("令和8年4月1日").as_deref(), Some("2026-04-01"));
        assert_eq!(d("R8.4.1").as_deref(), Some("2026-04-01"));
        assert_eq!(d("ｓ５５．１．１").as_deref(), Some("1980-01-01"));
        assert_eq!(d("昭和55年1月1日").as_deref(), Some("1980-01-01"));
        assert_eq!(d("平成元年1月8日").as_deref(), Some("1989-01-08"));
        assert_eq!(d("H1.1.8").as_deref(), Some("1989-01-08"));
    }

    #[test]
    fn not_dates() {
        for s in [
            "",
            "2026-02-30",
            "昭和65年1月1日", // 昭和 ended in its 64th year
            "平成1年1月7日",  // still 昭和
            "X8.4.1",
            "2026-4",
            "26/4/1",
            "123456789012",
            "2026年4月1日ごろ",
        ] {
            assert_eq!(d(s), None, "{s}");
        }
    }

    #[test]
    fn kana() {
        assert_eq!(to_katakana("やまだ たろう"), "ヤマダ タロウ");
        assert_eq!(to_katakana("ヤマダ"), "ヤマダ");
    }
}
