//! 国民の祝日 and 休日, computed from 国民の祝日に関する法律 (昭和23年法律第178号) as amended,
//! and the special laws of single years. Nothing here is a typed-in list of dates: every rule
//! is the law's, with the year it took or lost effect, so future years follow the law as it
//! stands (see `docs/procedures.md`, 期限の数え方).
//!
//! - 第2条: the 国民の祝日 (fixed days, the Monday holidays of the ハッピーマンデー制度 since
//!   2000/2003, 春分日・秋分日 from [`super::equinox`]);
//! - 第3条第2項: 振替休日 (since 1973-04-12 the day after a 祝日 on Sunday; since 2007 the
//!   nearest following day that is not a 祝日);
//! - 第3条第3項: 国民の休日 (since 1985-12-27 a day between two 祝日; until 2006 not a Sunday
//!   nor a 振替休日);
//! - one-off days by special law (皇室の慶弔, 2019 即位, 2020–2021 東京オリンピック・パラリン
//!   ピック特措法 moves).

use super::equinox::{equinox_day, Equinox};
use chrono::{Datelike, NaiveDate, Weekday};

/// What kind of day off the law makes a date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HolidayKind {
    /// 国民の祝日 (第2条), including the one-off days a special law treats as 祝日.
    National,
    /// 振替休日 (第3条第2項).
    Substitute,
    /// 国民の休日 (第3条第3項).
    Citizens,
}

/// A holiday with its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Holiday {
    pub kind: HolidayKind,
    pub name_ja: &'static str,
    pub name_en: &'static str,
}

/// The first day the law was in force (昭和23年7月20日).
fn law_start() -> NaiveDate {
    ymd(1948, 7, 20)
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// The `n`th Monday of a month (1-based).
fn nth_monday(year: i32, month: u32, n: u8) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, n).expect("a Monday")
}

/// The 国民の祝日 on `d`, if any (第2条 and the special laws), with its names.
pub fn national_holiday(d: NaiveDate) -> Option<(&'static str, &'static str)> {
    if d < law_start() {
        return None;
    }
    let (y, m, day) = (d.year(), d.month(), d.day());
    let is = |date: NaiveDate| date == d;
    let found = match m {
        1 if day == 1 => Some(("元日", "New Year's Day")),
        1 if (y <= 1999 && day == 15) || (y >= 2000 && is(nth_monday(y, 1, 2))) => {
            Some(("成人の日", "Coming of Age Day"))
        }
        2 if y >= 1967 && day == 11 => Some(("建国記念の日", "National Foundation Day")),
        2 if y >= 2020 && day == 23 => Some(("天皇誕生日", "The Emperor's Birthday")),
        2 if y == 1989 && day == 24 => {
            Some(("昭和天皇の大喪の礼", "State Funeral of Emperor Showa"))
        }
        3 if y >= 1949 && is(equinox_day(y, Equinox::March)) => {
            Some(("春分の日", "Vernal Equinox Day"))
        }
        4 if y == 1959 && day == 10 => Some((
            "皇太子明仁親王の結婚の儀",
            "The Rite of Wedding of Crown Prince Akihito",
        )),
        4 if day == 29 => Some(match y {
            ..=1988 => ("天皇誕生日", "The Emperor's Birthday"),
            1989..=2006 => ("みどりの日", "Greenery Day"),
            _ => ("昭和の日", "Showa Day"),
        }),
        5 if day == 3 => Some(("憲法記念日", "Constitution Memorial Day")),
        5 if y >= 2007 && day == 4 => Some(("みどりの日", "Greenery Day")),
        5 if day == 5 => Some(("こどもの日", "Children's Day")),
        5 if y == 2019 && day == 1 => Some(("天皇の即位の日", "The Emperor's Enthronement Day")),
        6 if y == 1993 && day == 9 => Some((
            "皇太子徳仁親王の結婚の儀",
            "The Rite of Wedding of Crown Prince Naruhito",
        )),
        7 if marine_day(y) == Some(d) => Some(("海の日", "Marine Day")),
        7 if sports_day(y) == Some(d) => Some(("スポーツの日", "Sports Day")),
        8 if mountain_day(y) == Some(d) => Some(("山の日", "Mountain Day")),
        9 if respect_for_aged_day(y) == Some(d) => Some(("敬老の日", "Respect for the Aged Day")),
        9 if is(equinox_day(y, Equinox::September)) => Some(("秋分の日", "Autumnal Equinox Day")),
        10 if sports_day(y) == Some(d) => Some(match y {
            ..=2019 => ("体育の日", "Health and Sports Day"),
            _ => ("スポーツの日", "Sports Day"),
        }),
        10 if y == 2019 && day == 22 => Some((
            "即位礼正殿の儀の行われる日",
            "The Enthronement Ceremony Day",
        )),
        11 if day == 3 => Some(("文化の日", "Culture Day")),
        11 if y == 1990 && day == 12 => Some(("即位礼正殿の儀", "The Enthronement Ceremony Day")),
        11 if day == 23 => Some(("勤労感謝の日", "Labour Thanksgiving Day")),
        12 if (1989..=2018).contains(&y) && day == 23 => {
            Some(("天皇誕生日", "The Emperor's Birthday"))
        }
        _ => None,
    };
    // The law came into force on 20 July 1948: its 祝日 before that day were not kept.
    found.filter(|_| d >= law_start())
}

/// 海の日: 20 July from 1996, the third Monday of July from 2003; moved for the Olympic
/// Games (2020: 23 July; 2021: 22 July).
fn marine_day(y: i32) -> Option<NaiveDate> {
    match y {
        ..=1995 => None,
        1996..=2002 => Some(ymd(y, 7, 20)),
        2020 => Some(ymd(2020, 7, 23)),
        2021 => Some(ymd(2021, 7, 22)),
        _ => Some(nth_monday(y, 7, 3)),
    }
}

/// 山の日: 11 August from 2016; moved for the Olympic Games (2020: 10 August; 2021: 8 August).
fn mountain_day(y: i32) -> Option<NaiveDate> {
    match y {
        ..=2015 => None,
        2020 => Some(ymd(2020, 8, 10)),
        2021 => Some(ymd(2021, 8, 8)),
        _ => Some(ymd(y, 8, 11)),
    }
}

/// 敬老の日: 15 September from 1966, the third Monday of September from 2003.
fn respect_for_aged_day(y: i32) -> Option<NaiveDate> {
    match y {
        ..=1965 => None,
        1966..=2002 => Some(ymd(y, 9, 15)),
        _ => Some(nth_monday(y, 9, 3)),
    }
}

/// 体育の日 (スポーツの日 from 2020): 10 October from 1966, the second Monday of October from
/// 2000; moved for the Olympic Games (2020: 24 July; 2021: 23 July).
fn sports_day(y: i32) -> Option<NaiveDate> {
    match y {
        ..=1965 => None,
        1966..=1999 => Some(ymd(y, 10, 10)),
        2020 => Some(ymd(2020, 7, 24)),
        2021 => Some(ymd(2021, 7, 23)),
        _ => Some(nth_monday(y, 10, 2)),
    }
}

fn is_national(d: NaiveDate) -> bool {
    national_holiday(d).is_some()
}

/// 振替休日 (第3条第2項) on `d`.
fn is_substitute(d: NaiveDate) -> bool {
    if is_national(d) || d < ymd(1973, 4, 12) {
        return false;
    }
    let prev = d.pred_opt().expect("a previous day");
    if d.year() < 2007 {
        // 1973–2006: the day after a 祝日 falling on a Sunday (from 1973-04-12, when the
        // amendment took effect; 29 April 1973 was the first).
        return prev >= ymd(1973, 4, 12) && prev.weekday() == Weekday::Sun && is_national(prev);
    }
    // Since 2007: the nearest following day that is not a 祝日. Walk back over the run of
    // 祝日 just before `d`; one of them on a Sunday makes `d` the 振替休日.
    let mut x = prev;
    while is_national(x) {
        if x.weekday() == Weekday::Sun {
            return true;
        }
        x = x.pred_opt().expect("a previous day");
    }
    false
}

/// 国民の休日 (第3条第3項) on `d`.
fn is_citizens(d: NaiveDate) -> bool {
    if d < ymd(1985, 12, 27) || is_national(d) {
        return false;
    }
    let (prev, next) = (
        d.pred_opt().expect("a previous day"),
        d.succ_opt().expect("a next day"),
    );
    if !(is_national(prev) && is_national(next)) {
        return false;
    }
    // Until 2006 the rule excluded Sundays and 振替休日.
    d.year() >= 2007 || (d.weekday() != Weekday::Sun && !is_substitute(d))
}

/// The holiday the law makes of `d`: a 国民の祝日, a 振替休日 or a 国民の休日.
pub fn holiday(d: NaiveDate) -> Option<Holiday> {
    if let Some((ja, en)) = national_holiday(d) {
        return Some(Holiday {
            kind: HolidayKind::National,
            name_ja: ja,
            name_en: en,
        });
    }
    if is_substitute(d) {
        return Some(Holiday {
            kind: HolidayKind::Substitute,
            name_ja: "振替休日",
            name_en: "Substitute holiday",
        });
    }
    if is_citizens(d) {
        return Some(Holiday {
            kind: HolidayKind::Citizens,
            name_ja: "国民の休日",
            name_en: "Citizens' holiday",
        });
    }
    None
}

/// Every holiday of a year, in date order.
pub fn holidays_of_year(year: i32) -> Vec<(NaiveDate, Holiday)> {
    let mut out = vec![];
    let mut d = ymd(year, 1, 1);
    while d.year() == year {
        if let Some(h) = holiday(d) {
            out.push((d, h));
        }
        d = d.succ_opt().expect("a next day");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// The published list (see the header of the fixture for where each year comes from).
    const PUBLISHED: &str = include_str!("../../tests/fixtures/calendar/syukujitsu-2000-2030.csv");

    fn published() -> BTreeMap<NaiveDate, String> {
        PUBLISHED
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with("date,"))
            .map(|l| {
                let (d, n) = l.split_once(',').expect("date,name");
                (super::super::parse_date(d).expect("a date"), n.to_string())
            })
            .collect()
    }

    /// The published list calls 振替休日 and 国民の休日 "休日", the 2019 one-off days
    /// "休日（祝日扱い）", and 2019's 体育の日 "体育の日（スポーツの日）".
    fn published_name(h: &Holiday, d: NaiveDate) -> String {
        match h.kind {
            HolidayKind::Substitute | HolidayKind::Citizens => "休日".into(),
            HolidayKind::National if d == ymd(2019, 5, 1) || d == ymd(2019, 10, 22) => {
                "休日（祝日扱い）".into()
            }
            HolidayKind::National if d == ymd(2019, 10, 14) => "体育の日（スポーツの日）".into(),
            HolidayKind::National => h.name_ja.into(),
        }
    }

    #[test]
    fn year_by_year_2000_to_2030_matches_the_published_list() {
        let list = published();
        for year in 2000..=2030 {
            let expected: Vec<(NaiveDate, String)> = list
                .iter()
                .filter(|(d, _)| d.year() == year)
                .map(|(d, n)| (*d, n.clone()))
                .collect();
            let computed: Vec<(NaiveDate, String)> = holidays_of_year(year)
                .into_iter()
                .map(|(d, h)| (d, published_name(&h, d)))
                .collect();
            assert!(!expected.is_empty(), "no published data for {year}");
            assert_eq!(computed, expected, "holidays of {year}");
        }
    }

    #[test]
    fn the_rule_changes() {
        // 2007 振替休日: 4 May 2008 (Sunday, みどりの日) → 6 May, over 5 May.
        assert_eq!(
            holiday(ymd(2008, 5, 6)).unwrap().kind,
            HolidayKind::Substitute
        );
        // Before 2007 only the next day: 3 May 1998 (Sunday) → 4 May.
        assert_eq!(
            holiday(ymd(1998, 5, 4)).unwrap().kind,
            HolidayKind::Substitute
        );
        // 国民の休日 between 敬老の日 and 秋分の日 (2026-09-22, a Tuesday).
        assert_eq!(
            holiday(ymd(2026, 9, 22)).unwrap().kind,
            HolidayKind::Citizens
        );
        // 2019: 即位の日 is a 祝日 and makes 30 April and 2 May 国民の休日.
        assert_eq!(holiday(ymd(2019, 5, 1)).unwrap().name_ja, "天皇の即位の日");
        assert_eq!(
            holiday(ymd(2019, 4, 30)).unwrap().kind,
            HolidayKind::Citizens
        );
        assert_eq!(
            holiday(ymd(2019, 5, 2)).unwrap().kind,
            HolidayKind::Citizens
        );
        // No 天皇誕生日 in 2019 (neither 23 December nor 23 February).
        assert!(holiday(ymd(2019, 12, 23)).is_none());
        assert!(holiday(ymd(2019, 2, 23)).is_none());
        // Olympic moves: 2021 山の日 on Sunday 8 August → 9 August 振替休日; no 11 August.
        assert_eq!(
            holiday(ymd(2021, 8, 9)).unwrap().kind,
            HolidayKind::Substitute
        );
        assert!(holiday(ymd(2021, 8, 11)).is_none());
        assert!(holiday(ymd(2020, 10, 12)).is_none());
        // Before the law, nothing; the first 振替休日 was 30 April 1973.
        assert!(holiday(ymd(1948, 5, 3)).is_none());
        assert_eq!(
            holiday(ymd(1973, 4, 30)).unwrap().kind,
            HolidayKind::Substitute
        );
        assert!(
            holiday(ymd(1972, 1, 2)).is_none(),
            "1972-01-01 was a Saturday"
        );
        // 1988 first 国民の休日 (4 May, Wednesday).
        assert_eq!(
            holiday(ymd(1988, 5, 4)).unwrap().kind,
            HolidayKind::Citizens
        );
        // A future year follows the rules: 2032 (9/20 敬老の日, 9/22 秋分の日 → 9/21 休日).
        assert_eq!(
            holiday(ymd(2032, 9, 21)).unwrap().kind,
            HolidayKind::Citizens
        );
    }
}
