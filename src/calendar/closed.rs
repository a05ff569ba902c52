//! The days the town's offices are closed, and moving a last day past them.
//!
//! 地方自治法 第4条の2 第4項: a 期限 of a filing with the town that falls on a day the town's
//! 休日条例 closes its offices is not a 期限; the next open day is. The same holds for national
//! offices (行政機関の休日に関する法律 第2条), tax (国税通則法 第10条第2項) and periods of the
//! 民法 (第142条). Closed days: Saturdays and Sundays, the 祝日 and 休日 of
//! 国民の祝日に関する法律, the year-end closure 12月29日–1月3日, and the town's own closed
//! days (`municipality.toml`, `[calendar] closed_days`).

use super::holidays::{holiday, Holiday, HolidayKind};
use chrono::{Datelike, NaiveDate, Weekday};
use serde::Serialize;

/// A closed day of the town besides the law's: one date, or a day every year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum ClosedDay {
    Date(NaiveDate),
    /// Month and day, every year (e.g. 6月23日 慰霊の日 in Okinawa).
    Yearly(u32, u32),
}

impl ClosedDay {
    fn matches(&self, d: NaiveDate) -> bool {
        match *self {
            ClosedDay::Date(x) => x == d,
            ClosedDay::Yearly(m, day) => d.month() == m && d.day() == day,
        }
    }

    /// Parses `2026-10-01` (one date) or `06-23` (every year).
    pub fn parse(s: &str) -> Option<Self> {
        if let Some(d) = super::parse_date(s) {
            return Some(ClosedDay::Date(d));
        }
        let b = s.as_bytes();
        if b.len() != 5 || b[2] != b'-' {
            return None;
        }
        let m: u32 = s[..2].parse().ok()?;
        let d: u32 = s[3..].parse().ok()?;
        // 2024 is a leap year: 02-29 is allowed (it then applies in leap years only).
        NaiveDate::from_ymd_opt(2024, m, d).map(|_| ClosedDay::Yearly(m, d))
    }
}

/// Why an office is closed on a day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClosedReason {
    Holiday(Holiday),
    /// 年末年始 (12月29日–1月3日).
    YearEnd,
    /// The town's own closed day.
    Town,
    Saturday,
    Sunday,
}

impl ClosedReason {
    /// As the sheet says it: "祝日", "振替休日", "土曜日", …
    pub fn ja(&self) -> &'static str {
        match self {
            ClosedReason::Holiday(h) => match h.kind {
                HolidayKind::National => "祝日",
                HolidayKind::Substitute => "振替休日",
                HolidayKind::Citizens => "休日",
            },
            ClosedReason::YearEnd => "年末年始の閉庁日",
            ClosedReason::Town => "閉庁日",
            ClosedReason::Saturday => "土曜日",
            ClosedReason::Sunday => "日曜日",
        }
    }

    pub fn en(&self) -> &'static str {
        match self {
            ClosedReason::Holiday(h) => match h.kind {
                HolidayKind::National => "a public holiday",
                HolidayKind::Substitute => "a substitute holiday",
                HolidayKind::Citizens => "a national day off",
            },
            ClosedReason::YearEnd => "in the year-end closure",
            ClosedReason::Town => "a day the office is closed",
            ClosedReason::Saturday => "a Saturday",
            ClosedReason::Sunday => "a Sunday",
        }
    }
}

/// The town's office calendar.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct OfficeCalendar {
    /// The town's own closed days, besides weekends, 祝日・休日 and the year-end closure.
    pub closed_days: Vec<ClosedDay>,
}

/// Whether `d` lies in the year-end closure (12月29日–1月3日).
pub fn in_year_end_closure(d: NaiveDate) -> bool {
    matches!((d.month(), d.day()), (12, 29..=31) | (1, 1..=3))
}

/// At most this many closed days in a row are crossed (the longest real run is about 9: the
/// year-end closure with a weekend on each side). A set cannot loop forever on a bad list.
const MAX_RUN: u32 = 366;

impl OfficeCalendar {
    /// Why the office is closed on `d`, or `None` when it is open. A 祝日 is named first (the
    /// resident knows it), then the year-end closure, the town's days, and the weekend.
    pub fn closed(&self, d: NaiveDate) -> Option<ClosedReason> {
        if let Some(h) = holiday(d) {
            return Some(ClosedReason::Holiday(h));
        }
        if in_year_end_closure(d) {
            return Some(ClosedReason::YearEnd);
        }
        if self.closed_days.iter().any(|c| c.matches(d)) {
            return Some(ClosedReason::Town);
        }
        match d.weekday() {
            Weekday::Sat => Some(ClosedReason::Saturday),
            Weekday::Sun => Some(ClosedReason::Sunday),
            _ => None,
        }
    }

    /// The first open day on or after `d`.
    pub fn next_open(&self, d: NaiveDate) -> NaiveDate {
        let mut x = d;
        for _ in 0..MAX_RUN {
            if self.closed(x).is_none() {
                return x;
            }
            x = x.succ_opt().unwrap_or(x);
        }
        d
    }

    /// The last open day on or before `d`.
    pub fn previous_open(&self, d: NaiveDate) -> NaiveDate {
        let mut x = d;
        for _ in 0..MAX_RUN {
            if self.closed(x).is_none() {
                return x;
            }
            x = x.pred_opt().unwrap_or(x);
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_date;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    #[test]
    fn golden_week_and_year_end() {
        let cal = OfficeCalendar::default();
        // 2026-05-03 (Sun, 憲法記念日) … 05-06 (振替休日) → Thursday 7 May.
        assert_eq!(cal.next_open(d("2026-05-03")), d("2026-05-07"));
        assert_eq!(cal.closed(d("2026-05-03")).unwrap().ja(), "祝日");
        assert_eq!(cal.closed(d("2026-05-06")).unwrap().ja(), "振替休日");
        // 2026-12-29 (Tue) … 2027-01-03 (Sun) → Monday 4 January.
        assert_eq!(cal.closed(d("2026-12-29")), Some(ClosedReason::YearEnd));
        assert_eq!(cal.next_open(d("2026-12-29")), d("2027-01-04"));
        // 2027-01-01 is named as the holiday it is.
        assert_eq!(cal.closed(d("2027-01-01")).unwrap().ja(), "祝日");
        // A weekend before the closure: 2027-12-25 (Sat) → Monday 27, still open.
        assert_eq!(cal.next_open(d("2027-12-25")), d("2027-12-27"));
        assert_eq!(cal.previous_open(d("2026-05-06")), d("2026-05-01"));
        assert_eq!(cal.closed(d("2026-05-07")), None);
    }

    #[test]
    fn the_towns_own_days() {
        let cal = OfficeCalendar {
            closed_days: vec![
                ClosedDay::parse("2026-05-07").unwrap(),
                ClosedDay::parse("06-23").unwrap(),
            ],
        };
        assert_eq!(cal.next_open(d("2026-05-03")), d("2026-05-08"));
        assert_eq!(cal.closed(d("2026-05-07")), Some(ClosedReason::Town));
        assert_eq!(cal.closed(d("2027-06-23")), Some(ClosedReason::Town));
        assert_eq!(cal.closed(d("2027-06-24")), None);
        assert_eq!(ClosedDay::parse("02-30"), None);
        assert_eq!(ClosedDay::parse("2026-02-30"), None);
        assert_eq!(ClosedDay::parse("6-23"), None);
    }
}
