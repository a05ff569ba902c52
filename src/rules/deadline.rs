//! The deadlines of an applied procedure: each period counted from its anchor
//! (`calendar::deadline`), moved past the town's closed days, and worded for the resident —
//! with the reason when it moved, the note when an anchor's date was unknown, and
//! "期限を過ぎています — 窓口でご相談ください" when it has passed on the 届出日 (never dropped).

use super::model::{DeadlineRule, Procedure};
use super::{DeadlineEntry, DeadlineExtra};
use crate::calendar::deadline::{count, moved_note};
use crate::calendar::{format_en, format_wareki_weekday, Anchors, OfficeCalendar};
use crate::intake::EventKind;
use chrono::NaiveDate;

/// What the resident reads when a deadline has passed.
pub const PAST_JA: &str = "期限を過ぎています — 窓口でご相談ください";
pub const PAST_EN: &str = "The deadline has passed — please ask at the counter";

/// The deadlines of `p` for an event, earliest first (those without a date last).
pub fn deadlines(
    p: &Procedure,
    kind: EventKind,
    anchors: &Anchors,
    cal: &OfficeCalendar,
) -> Vec<DeadlineEntry> {
    let mut out: Vec<DeadlineEntry> = p
        .deadlines_for(kind)
        .into_iter()
        .map(|r| entry(r, anchors, cal))
        .collect();
    out.sort_by_key(|e| (e.date.is_none(), e.date));
    out
}

fn entry(r: &DeadlineRule, anchors: &Anchors, cal: &OfficeCalendar) -> DeadlineEntry {
    let counted = r.anchor.and_then(|a| {
        count(
            anchors.get(a),
            r.period,
            r.count_first_day,
            r.on_closed_day,
            cal,
        )
    });
    let fallback = r
        .anchor
        .and_then(|a| anchors.fallback(a))
        .map(|(ja, en)| (ja.to_string(), en.to_string()));
    let moved = counted.as_ref().and_then(moved_note);
    let date = counted.map(|c| c.date);
    let past = date.is_some_and(|d| d < anchors.notified_on);
    let (ja, en) = match (date, &r.text) {
        (Some(d), _) if past => past_text(d),
        (Some(d), Some(t)) => with_notes(
            t.ja.replace("{date}", &format_wareki_weekday(d)),
            t.en().replace("{date}", &format_en(d)),
            [&fallback, &moved],
        ),
        (Some(d), None) => with_notes(
            format!("{}まで", format_wareki_weekday(d)),
            format!("by {}", format_en(d)),
            [&fallback, &moved],
        ),
        (None, Some(t)) => (t.ja.clone(), t.en().to_string()),
        (None, None) => (String::new(), String::new()),
    };
    DeadlineEntry {
        date,
        label: r.label.as_ref().map(|l| l.ja.clone()),
        text: ja,
        extra: DeadlineExtra {
            label_en: r.label.as_ref().map(|l| l.en().to_string()),
            text_en: en,
            last_day: counted.map(|c| c.last_day),
            moved,
            past,
            fallback,
        },
    }
}

fn past_text(d: NaiveDate) -> (String, String) {
    (
        format!("{PAST_JA} ({}まででした)", format_wareki_weekday(d)),
        format!("{PAST_EN} (it was {})", format_en(d)),
    )
}

/// "令和8年5月7日(木)まで (期限の5月3日が祝日のため)".
fn with_notes(ja: String, en: String, notes: [&Option<(String, String)>; 2]) -> (String, String) {
    let notes: Vec<&(String, String)> = notes.into_iter().flatten().collect();
    if notes.is_empty() {
        return (ja, en);
    }
    let nja: Vec<&str> = notes.iter().map(|n| n.0.as_str()).collect();
    let nen: Vec<&str> = notes.iter().map(|n| n.1.as_str()).collect();
    (
        format!("{ja} ({})", nja.join("。")),
        format!("{en} ({})", nen.join("; ")),
    )
}

/// The one-line summary of several deadlines: "国民年金: …まで／厚生年金: …まで" (ja, en).
pub fn summary(list: &[DeadlineEntry]) -> (String, String) {
    if let [one] = list {
        return (one.text.clone(), one.extra.text_en.clone());
    }
    let ja: Vec<String> = list
        .iter()
        .map(|e| match &e.label {
            Some(l) => format!("{l}: {}", e.text),
            None => e.text.clone(),
        })
        .collect();
    let en: Vec<String> = list
        .iter()
        .map(|e| match &e.extra.label_en {
            Some(l) => format!("{l}: {}", e.extra.text_en),
            None => e.extra.text_en.clone(),
        })
        .collect();
    (ja.join("／"), en.join("; "))
}
