//! Dates as the counter sees them: "today" in Japan, 和暦, age, school grade and deadlines.
//!
//! - [`holidays`] and [`equinox`]: the 祝日 and 休日 of 国民の祝日に関する法律, computed;
//! - [`closed`]: the days the town's offices are closed (weekends, 祝日・休日, 年末年始, the
//!   town's own closed days) and moving a last day past them;
//! - [`deadline`]: counting a period from an anchor (民法 第140条・第143条, 戸籍法 第43条).
//!
//! Everything here is pure. "Today" is always passed in; [`jst_today`] is the one place that
//! reads the clock, and it uses UTC+9 explicitly so a counter PC set to another zone (or to
//! UTC, as many are) still agrees with the calendar on the wall.

use chrono::{Datelike, FixedOffset, NaiveDate, Utc, Weekday};

pub mod closed;
pub mod deadline;
pub mod equinox;
pub mod holidays;

pub use closed::{ClosedDay, ClosedReason, OfficeCalendar};
pub use deadline::{last_day, Anchor, Anchors, OnClosedDay, Period};
pub use holidays::{holiday, Holiday, HolidayKind};

/// Japan Standard Time, UTC+9, no daylight saving.
pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("UTC+9 is a valid offset")
}

/// The date in Japan right now, whatever the machine's zone.
pub fn jst_today() -> NaiveDate {
    Utc::now().with_timezone(&jst()).date_naive()
}

/// The date and time in Japan right now (for headers and step timestamps).
pub fn jst_now() -> chrono::DateTime<FixedOffset> {
    Utc::now().with_timezone(&jst())
}

/// Parses an ISO `YYYY-MM-DD` date strictly (no time, no other separators).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// A Japanese era (元号) of the modern calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Era {
    pub name: &'static str,
    pub name_en: &'static str,
    /// Single-letter abbreviation used on forms and on the card (M, T, S, H, R).
    pub letter: char,
    /// First day of the era (Gregorian).
    pub start: (i32, u32, u32),
}

/// The eras from 明治, newest last. 明治 started on 1868-10-23 (慶応4年9月8日); earlier
/// dates have no 和暦 here and are shown in the Gregorian calendar.
pub const ERAS: [Era; 5] = [
    Era {
        name: "明治",
        name_en: "Meiji",
        letter: 'M',
        start: (1868, 10, 23),
    },
    Era {
        name: "大正",
        name_en: "Taisho",
        letter: 'T',
        start: (1912, 7, 30),
    },
    Era {
        name: "昭和",
        name_en: "Showa",
        letter: 'S',
        start: (1926, 12, 25),
    },
    Era {
        name: "平成",
        name_en: "Heisei",
        letter: 'H',
        start: (1989, 1, 8),
    },
    Era {
        name: "令和",
        name_en: "Reiwa",
        letter: 'R',
        start: (2019, 5, 1),
    },
];

impl Era {
    pub fn start_date(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.start.0, self.start.1, self.start.2).expect("era start")
    }
}

/// A date in the Japanese calendar: era, era year (1 = 元年), month, day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wareki {
    pub era: Era,
    pub year: u32,
    pub month: u32,
    pub day: u32,
}

impl Wareki {
    /// The era year as printed: "元" for the first year, else the number.
    pub fn year_text(&self) -> String {
        if self.year == 1 {
            "元".to_string()
        } else {
            self.year.to_string()
        }
    }
}

/// Converts a Gregorian date to 和暦; `None` before 明治.
pub fn to_wareki(d: NaiveDate) -> Option<Wareki> {
    let era = ERAS.iter().rev().find(|e| d >= e.start_date())?;
    Some(Wareki {
        era: *era,
        year: (d.year() - era.start.0 + 1) as u32,
        month: d.month(),
        day: d.day(),
    })
}

/// Converts 和暦 back to a Gregorian date, checking that the date lies within the era.
pub fn from_wareki(era_letter: char, year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    let idx = ERAS
        .iter()
        .position(|e| e.letter == era_letter.to_ascii_uppercase())?;
    let era = ERAS[idx];
    if year == 0 {
        return None;
    }
    let d = NaiveDate::from_ymd_opt(era.start.0 + year as i32 - 1, month, day)?;
    let in_era =
        d >= era.start_date() && ERAS.get(idx + 1).is_none_or(|next| d < next.start_date());
    in_era.then_some(d)
}

/// The weekday as one kanji (日月火水木金土).
pub fn weekday_ja(d: NaiveDate) -> &'static str {
    match d.weekday() {
        Weekday::Mon => "月",
        Weekday::Tue => "火",
        Weekday::Wed => "水",
        Weekday::Thu => "木",
        Weekday::Fri => "金",
        Weekday::Sat => "土",
        Weekday::Sun => "日",
    }
}

/// `令和8年4月15日` (元年 for the first year); Gregorian `1850年1月1日` before 明治.
pub fn format_wareki(d: NaiveDate) -> String {
    match to_wareki(d) {
        Some(w) => format!("{}{}年{}月{}日", w.era.name, w.year_text(), w.month, w.day),
        None => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
    }
}

/// `令和8年4月15日(水)`.
pub fn format_wareki_weekday(d: NaiveDate) -> String {
    format!("{}({})", format_wareki(d), weekday_ja(d))
}

/// `Wed 15 Apr 2026` for English guidance.
pub fn format_en(d: NaiveDate) -> String {
    d.format("%a %-d %b %Y").to_string()
}

/// Completed years on `on`; the birthday itself completes the year
/// (born 1961-04-10 is 65 on 2026-04-10). A 29 February birthday completes the year on
/// 1 March in common years.
pub fn age(birth: NaiveDate, on: NaiveDate) -> i64 {
    let mut years = on.year() as i64 - birth.year() as i64;
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    years
}

/// The school cohort year: children born 2 April – 31 December belong to their birth year's
/// cohort, those born 1 January – 1 April to the year before (早生まれ).
pub fn cohort_year(birth: NaiveDate) -> i64 {
    if (birth.month(), birth.day()) >= (4, 2) {
        birth.year() as i64
    } else {
        birth.year() as i64 - 1
    }
}

/// The Japanese fiscal (school) year of a date: April to March.
pub fn fiscal_year(d: NaiveDate) -> i64 {
    if d.month() >= 4 {
        d.year() as i64
    } else {
        d.year() as i64 - 1
    }
}

/// School grade on `on`: 1–6 elementary, 7–9 junior high, 10–12 high-school years,
/// ≤ 0 preschool (`intake.md`, "Derived notions").
pub fn grade(birth: NaiveDate, on: NaiveDate) -> i64 {
    fiscal_year(on) - cohort_year(birth) - 6
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn era_boundaries() {
        assert_eq!(format_wareki(d("1989-01-07")), "昭和64年1月7日");
        assert_eq!(format_wareki(d("1989-01-08")), "平成元年1月8日");
        assert_eq!(format_wareki(d("2019-04-30")), "平成31年4月30日");
        assert_eq!(format_wareki(d("2019-05-01")), "令和元年5月1日");
        assert_eq!(format_wareki(d("1926-12-24")), "大正15年12月24日");
        assert_eq!(format_wareki(d("1926-12-25")), "昭和元年12月25日");
        assert_eq!(format_wareki(d("1912-07-29")), "明治45年7月29日");
        assert_eq!(format_wareki(d("1912-07-30")), "大正元年7月30日");
        assert_eq!(format_wareki(d("1868-10-23")), "明治元年10月23日");
        assert_eq!(format_wareki(d("1868-10-22")), "1868年10月22日");
        assert_eq!(format_wareki(d("2020-01-01")), "令和2年1月1日");
    }

    #[test]
    fn weekday_in_japanese() {
        assert_eq!(format_wareki_weekday(d("2026-04-15")), "令和8年4月15日(水)");
        assert_eq!(
            format_wareki_weekday(d("2026-11-21")),
            "令和8年11月21日(土)"
        );
    }

    #[test]
    fn wareki_round_trip_and_bounds() {
        assert_eq!(from_wareki('S', 55, 2, 17), Some(d("1980-02-17")));
        assert_eq!(from_wareki('H', 1, 1, 8), Some(d("1989-01-08")));
        assert_eq!(
            from_wareki('H', 1, 1, 7),
            None,
            "昭和64年1月7日 is not 平成"
        );
        assert_eq!(from_wareki('S', 64, 1, 7), Some(d("1989-01-07")));
        assert_eq!(from_wareki('S', 64, 1, 8), None);
        assert_eq!(from_wareki('R', 1, 4, 30), None);
        assert_eq!(from_wareki('R', 1, 5, 1), Some(d("2019-05-01")));
        assert_eq!(from_wareki('X', 1, 5, 1), None);
        let mut day = d("1868-10-23");
        while day < d("2030-01-01") {
            let w = to_wareki(day).unwrap();
            assert_eq!(from_wareki(w.era.letter, w.year, w.month, w.day), Some(day));
            day += chrono::Duration::days(17);
        }
    }

    #[test]
    fn age_counts_the_birthday() {
        assert_eq!(age(d("1961-04-10"), d("2026-04-09")), 64);
        assert_eq!(age(d("1961-04-10"), d("2026-04-10")), 65);
        assert_eq!(age(d("1951-06-01"), d("2026-06-01")), 75);
        assert_eq!(age(d("2000-02-29"), d("2021-02-28")), 20);
        assert_eq!(age(d("2000-02-29"), d("2021-03-01")), 21);
    }

    #[test]
    fn first_of_april_cohort() {
        assert_eq!(grade(d("2019-04-01"), d("2025-04-01")), 1);
        assert_eq!(grade(d("2019-04-02"), d("2025-04-01")), 0);
        assert_eq!(grade(d("2019-04-02"), d("2026-04-01")), 1);
        assert_eq!(grade(d("2019-04-01"), d("2025-03-31")), 0);
        assert_eq!(grade(d("2008-04-01"), d("2026-03-31")), 12);
        assert_eq!(grade(d("2008-04-01"), d("2026-04-01")), 13);
        assert_eq!(grade(d("2008-04-02"), d("2026-04-01")), 12);
    }

    #[test]
    fn strict_iso_dates() {
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-2-3").is_none());
        assert!(parse_date("2026/02/03").is_none());
        assert_eq!(parse_date("2026-02-03"), Some(d("2026-02-03")));
    }
}
