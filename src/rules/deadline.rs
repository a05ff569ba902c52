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

#[cfg(test)]
mod tests {
    use crate::calendar::parse_date;
    use crate::intake::{parse_intake, Vocabulary};
    use crate::rules::loader::{embedded_files, load_files, SourceFile};
    use crate::rules::{determine, Diagnostic, ProcedureSet};

    fn set_with(deadline: &str, events: &str) -> Result<ProcedureSet, Vec<Diagnostic>> {
        let mut files: Vec<SourceFile> = embedded_files()
            .into_iter()
            .filter(|f| f.path == "municipality.toml" || f.path == "facts.toml")
            .collect();
        files.push(SourceFile {
            path: "a/dl.test.toml".into(),
            text: format!(
                "id = \"dl.test\"\nname = {{ ja = \"テスト\", en = \"Test\" }}\nsection = \"shimin\"\nkind = \"notice\"\nevents = {events}\nscope = \"household\"\nwhen = 'true'\ndeadline = {deadline}\nbasis = \"テスト法\"\nreason = {{ ja = \"x\", en = \"x\" }}\n"
            ),
        });
        load_files(&files, None).map(|(s, _)| s)
    }

    fn errors(r: Result<ProcedureSet, Vec<Diagnostic>>) -> String {
        r.expect_err("refused")
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn several_periods_need_labels() {
        let e = errors(set_with(
            "[{ from = \"event_date\", days = 14 }, { from = \"event_date\", days = 10 }]",
            "[\"death\"]",
        ));
        assert!(e.contains("has 2 deadlines; each needs a `label`"), "{e}");
        assert!(set_with(
            "[{ label = { ja = \"甲\", en = \"A\" }, from = \"event_date\", days = 14 }, { label = { ja = \"乙\", en = \"B\" }, from = \"event_date\", days = 10 }]",
            "[\"death\"]",
        )
        .is_ok());
    }

    #[test]
    fn bad_deadline_keys_are_refused_with_a_hint() {
        let e = errors(set_with(
            "{ from = \"funeral_date\", years = 2 }",
            "[\"death\", \"move_in\"]",
        ));
        assert!(
            e.contains("`funeral_date` is only known for a death"),
            "{e}"
        );
        let e = errors(set_with(
            "{ from = \"funeral_day\", years = 2 }",
            "[\"death\"]",
        ));
        assert!(
            e.contains("unknown anchor `funeral_day`") && e.contains("funeral_date"),
            "{e}"
        );
        let e = errors(set_with(
            "{ from = \"event_date\", days = 7, on_closed_day = \"later\" }",
            "[\"death\"]",
        ));
        assert!(e.contains("unknown on_closed_day `later`"), "{e}");
        let e = errors(set_with(
            "{ from = \"event_date\", days = 7, count_first_day = \"yes\" }",
            "[\"death\"]",
        ));
        assert!(e.contains("`count_first_day` is true or false"), "{e}");
    }

    #[test]
    fn a_bare_date_stays_and_can_be_told_to_go_before() {
        let intake = |date: &str| {
            parse_intake(
                &format!(r#"{{"format":"madoguchi-intake/1","event":{{"kind":"death","date":"{date}","deceased":"m1"}},
                "household":{{"head":"m1","members":[{{"id":"m1","name":"甲","birth_date":"1950-01-01","facts":{{}}}}],"facts":{{}}}}}}"#),
                &Vocabulary::core(),
            )
            .unwrap()
        };
        let today = parse_date("2026-04-01").unwrap();
        // Sunday 5 April 2026.
        let keep = set_with("{ from = \"event_date\" , days = 0 }", "[\"death\"]").unwrap();
        let d = determine(&intake("2026-04-05"), &keep, today);
        assert_eq!(d.procedures[0].deadline, parse_date("2026-04-05"));
        let before = set_with(
            "{ from = \"event_date\", days = 0, on_closed_day = \"previous\" }",
            "[\"death\"]",
        )
        .unwrap();
        let d = determine(&intake("2026-04-05"), &before, today);
        assert_eq!(d.procedures[0].deadline, parse_date("2026-04-03"));
        assert_eq!(
            d.procedures[0].deadline_text,
            "令和8年4月3日(金)まで (期限の4月5日が日曜日のため)"
        );
    }
}
