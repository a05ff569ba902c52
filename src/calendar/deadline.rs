//! Counting a deadline: a period from an anchor date, by the 民法's rules.
//!
//! - 民法 第140条 (初日不算入): a period of days from an event starts the next day, so N days
//!   end on `anchor + N`. 戸籍法 第43条 counts the first day instead (初日算入): the 死亡届's
//!   7 days end on `death + 6`.
//! - 民法 第143条: months and years are counted on the calendar. The period ends on the day
//!   before the day of the last month that corresponds to its first day, or on the last day of
//!   that month when it has no such day: from 31 January, one month ends on 28 February; from
//!   28 February (first day 1 March), one month ends on 31 March — never "30-day months".
//!
//! Moving a last day past closed days is [`super::closed`]'s.

use super::closed::{ClosedReason, OfficeCalendar};
use chrono::{Datelike, Duration, Months, NaiveDate};
use serde::{Deserialize, Serialize};

/// What a deadline counts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// 異動日 (the move, or the death).
    EventDate,
    /// 届出日; today when the intake does not say.
    NotifiedOn,
    /// 転出予定日; the event date when the intake does not say.
    PlannedMoveOutDate,
    /// 葬儀の日 (death); the date of death when the intake does not say.
    FuneralDate,
}

impl Anchor {
    pub const NAMES: &'static [&'static str] = &[
        "event_date",
        "notified_on",
        "planned_move_out_date",
        "funeral_date",
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "event_date" => Anchor::EventDate,
            "notified_on" => Anchor::NotifiedOn,
            "planned_move_out_date" => Anchor::PlannedMoveOutDate,
            "funeral_date" => Anchor::FuneralDate,
            _ => return None,
        })
    }
}

/// The dates a deadline may be anchored on, resolved for one case.
#[derive(Clone, Copy, Debug)]
pub struct Anchors {
    pub event_date: NaiveDate,
    pub notified_on: NaiveDate,
    pub planned_move_out_date: Option<NaiveDate>,
    pub funeral_date: Option<NaiveDate>,
}

impl Anchors {
    /// The anchor's date; an absent 転出予定日 or 葬儀の日 falls back to the event date (see
    /// [`Anchors::fallback`]).
    pub fn get(&self, a: Anchor) -> NaiveDate {
        match a {
            Anchor::EventDate => self.event_date,
            Anchor::NotifiedOn => self.notified_on,
            Anchor::PlannedMoveOutDate => self.planned_move_out_date.unwrap_or(self.event_date),
            Anchor::FuneralDate => self.funeral_date.unwrap_or(self.event_date),
        }
    }

    /// When the anchor's own date is unknown and the event date stands in: the note that says
    /// so (ja, en).
    pub fn fallback(&self, a: Anchor) -> Option<(&'static str, &'static str)> {
        match a {
            Anchor::PlannedMoveOutDate if self.planned_move_out_date.is_none() => Some((
                "転出予定日が未入力のため、異動日から数えています",
                "counted from the date of the move: the planned move-out date is not given",
            )),
            Anchor::FuneralDate if self.funeral_date.is_none() => Some((
                "葬儀の日が未入力のため、亡くなった日から数えています",
                "counted from the date of death: the date of the funeral is not given",
            )),
            _ => None,
        }
    }
}

/// A period added to an anchor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Period {
    pub years: u32,
    pub months: u32,
    pub days: u32,
}

impl Period {
    pub fn is_zero(&self) -> bool {
        *self == Period::default()
    }
}

/// The last day of a period of `p` from `anchor` (民法 第140条・第143条). With
/// `count_first_day` (戸籍法 第43条) the anchor's own day is the first day of the period. A
/// zero period is the anchor itself ("by the move date").
pub fn last_day(anchor: NaiveDate, p: Period, count_first_day: bool) -> Option<NaiveDate> {
    if p.is_zero() {
        return Some(anchor);
    }
    let first = if count_first_day {
        anchor
    } else {
        anchor.succ_opt()?
    };
    let months = p.years.checked_mul(12)?.checked_add(p.months)?;
    // The day before the first day is where a pure-days period starts counting from.
    let mut end = first.pred_opt()?;
    if months > 0 {
        // 第143条第2項: the day before the corresponding day of the last month; without such a
        // day, the last day of that month.
        let month_start = first.with_day(1)?.checked_add_months(Months::new(months))?;
        end = match month_start.with_day(first.day()) {
            Some(corresponding) => corresponding.pred_opt()?,
            None => month_start.checked_add_months(Months::new(1))?.pred_opt()?,
        };
    }
    end.checked_add_signed(Duration::days(p.days as i64))
}

/// What a last day on a closed day becomes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OnClosedDay {
    /// The next open day (the law's rule for the end of a period).
    #[default]
    Next,
    /// The last open day before (for "before the move" limits that are no period).
    Previous,
    /// Unchanged (a date that is no office's deadline).
    Keep,
}

impl OnClosedDay {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "next" => OnClosedDay::Next,
            "previous" => OnClosedDay::Previous,
            "keep" => OnClosedDay::Keep,
            _ => return None,
        })
    }
}

/// A deadline counted and moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counted {
    /// The last day of the period, as the law counts it.
    pub last_day: NaiveDate,
    /// The day the resident must come by: `last_day`, moved past closed days.
    pub date: NaiveDate,
    /// Why it moved (the closed day `last_day` fell on).
    pub moved: Option<ClosedReason>,
}

/// Counts a deadline and moves it off a closed day.
pub fn count(
    anchor: NaiveDate,
    p: Period,
    count_first_day: bool,
    on_closed: OnClosedDay,
    cal: &OfficeCalendar,
) -> Option<Counted> {
    let last = last_day(anchor, p, count_first_day)?;
    let reason = match on_closed {
        OnClosedDay::Keep => None,
        _ => cal.closed(last),
    };
    let date = match (reason, on_closed) {
        (None, _) => last,
        (Some(_), OnClosedDay::Previous) => cal.previous_open(last),
        (Some(_), _) => cal.next_open(last),
    };
    Some(Counted {
        last_day: last,
        date,
        moved: reason.filter(|_| date != last),
    })
}

/// "期限の5月3日が祝日のため" / "the deadline, 3 May, is a public holiday".
pub fn moved_note(c: &Counted) -> Option<(String, String)> {
    let r = c.moved?;
    let d = c.last_day;
    let verb = match r {
        ClosedReason::YearEnd => "falls",
        _ => "is",
    };
    Some((
        format!("期限の{}月{}日が{}のため", d.month(), d.day(), r.ja()),
        format!("the deadline, {}, {verb} {}", d.format("%-d %b"), r.en()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_date;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }
    fn days(n: u32) -> Period {
        Period {
            days: n,
            ..Default::default()
        }
    }
    fn months(n: u32) -> Period {
        Period {
            months: n,
            ..Default::default()
        }
    }
    fn years(n: u32) -> Period {
        Period {
            years: n,
            ..Default::default()
        }
    }

    #[test]
    fn days_exclude_the_first_day_unless_told() {
        assert_eq!(
            last_day(d("2026-04-01"), days(14), false),
            Some(d("2026-04-15"))
        );
        // 戸籍法 第43条: 死亡届 7 days from a death on 1 April end on 7 April.
        assert_eq!(
            last_day(d("2026-04-01"), days(7), true),
            Some(d("2026-04-07"))
        );
        assert_eq!(
            last_day(d("2026-12-28"), days(7), true),
            Some(d("2027-01-03"))
        );
        assert_eq!(
            last_day(d("2026-04-01"), Period::default(), false),
            Some(d("2026-04-01"))
        );
    }

    #[test]
    fn months_and_years_on_the_calendar() {
        // 民法 第143条: 1/31 + 1 month → 2/28 (no 2/31... the period from 2/1 ends 2/28).
        assert_eq!(
            last_day(d("2026-01-31"), months(1), false),
            Some(d("2026-02-28"))
        );
        assert_eq!(
            last_day(d("2028-01-31"), months(1), false),
            Some(d("2028-02-29"))
        );
        // From 28 February the period starts on 1 March and ends on 31 March.
        assert_eq!(
            last_day(d("2026-02-28"), months(1), false),
            Some(d("2026-03-31"))
        );
        assert_eq!(
            last_day(d("2026-02-28"), months(3), false),
            Some(d("2026-05-31"))
        );
        // From 30 January: first day 31 January, no 31 February → end of February.
        assert_eq!(
            last_day(d("2026-01-30"), months(1), false),
            Some(d("2026-02-28"))
        );
        // From 15 March: 3 months end on 15 June.
        assert_eq!(
            last_day(d("2026-03-15"), months(3), false),
            Some(d("2026-06-15"))
        );
        assert_eq!(
            last_day(d("2026-03-15"), months(10), false),
            Some(d("2027-01-15"))
        );
        // Years: from 29 February 2024, two years end on 28 February 2026 (the period
        // starts on 1 March 2024).
        assert_eq!(
            last_day(d("2024-02-29"), years(2), false),
            Some(d("2026-02-28"))
        );
        assert_eq!(
            last_day(d("2023-02-28"), years(1), false),
            Some(d("2024-02-29"))
        );
        assert_eq!(
            last_day(d("2026-04-10"), years(2), false),
            Some(d("2028-04-10"))
        );
        assert_eq!(
            last_day(d("2026-04-10"), years(5), false),
            Some(d("2031-04-10"))
        );
        // 初日算入 with months: first day 31 January → ends 28 February.
        assert_eq!(
            last_day(d("2026-01-31"), months(1), true),
            Some(d("2026-02-28"))
        );
        assert_eq!(
            last_day(d("2026-03-15"), months(1), true),
            Some(d("2026-04-14"))
        );
        // Months and days: the months first, then the days.
        let p = Period {
            months: 1,
            days: 3,
            ..Default::default()
        };
        assert_eq!(last_day(d("2026-01-31"), p, false), Some(d("2026-03-03")));
    }

    #[test]
    fn moving_past_closed_days() {
        let cal = OfficeCalendar::default();
        // A death on 27 April 2026: 7 days counting the day end on Sunday 3 May (憲法記念日).
        let c = count(d("2026-04-27"), days(7), true, OnClosedDay::Next, &cal).unwrap();
        assert_eq!(c.last_day, d("2026-05-03"));
        assert_eq!(c.date, d("2026-05-07"));
        let (ja, en) = moved_note(&c).unwrap();
        assert_eq!(ja, "期限の5月3日が祝日のため");
        assert_eq!(en, "the deadline, 3 May, is a public holiday");
        // An open last day does not move and says nothing.
        let c = count(d("2026-04-01"), days(14), false, OnClosedDay::Next, &cal).unwrap();
        assert_eq!((c.date, c.moved), (d("2026-04-15"), None));
        assert!(moved_note(&c).is_none());
        // Saturday 18 April 2026 → Monday 20 April.
        let c = count(d("2026-04-04"), days(14), false, OnClosedDay::Next, &cal).unwrap();
        assert_eq!(c.date, d("2026-04-20"));
        assert_eq!(moved_note(&c).unwrap().0, "期限の4月18日が土曜日のため");
        // The year-end closure.
        let c = count(d("2026-12-16"), days(14), false, OnClosedDay::Next, &cal).unwrap();
        assert_eq!(c.date, d("2027-01-04"));
        assert_eq!(
            moved_note(&c).unwrap().0,
            "期限の12月30日が年末年始の閉庁日のため"
        );
        // "Before the move": back to Friday; or kept.
        let c = count(
            d("2026-04-05"),
            Period::default(),
            false,
            OnClosedDay::Previous,
            &cal,
        )
        .unwrap();
        assert_eq!(c.date, d("2026-04-03"));
        let c = count(
            d("2026-04-05"),
            Period::default(),
            false,
            OnClosedDay::Keep,
            &cal,
        )
        .unwrap();
        assert_eq!((c.date, c.moved), (d("2026-04-05"), None));
    }

    #[test]
    fn anchors_fall_back_and_say_so() {
        let a = Anchors {
            event_date: d("2026-04-01"),
            notified_on: d("2026-04-03"),
            planned_move_out_date: None,
            funeral_date: None,
        };
        assert_eq!(a.get(Anchor::FuneralDate), d("2026-04-01"));
        assert!(a.fallback(Anchor::FuneralDate).is_some());
        assert!(a.fallback(Anchor::EventDate).is_none());
        let a = Anchors {
            funeral_date: Some(d("2026-04-05")),
            ..a
        };
        assert_eq!(a.get(Anchor::FuneralDate), d("2026-04-05"));
        assert!(a.fallback(Anchor::FuneralDate).is_none());
    }
}
