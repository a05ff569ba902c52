//! Deadlines as residents and scripts see them: `determine` (JSON and text) and the printed
//! guidance sheet — counted as the law counts, moved past closed days with the reason, several
//! periods each with its label, and past deadlines said, never dropped.

use serde_json::Value;
use std::path::Path;

mod cli_support;
use cli_support::{copy_dir, run};
mod pdf_support;
use pdf_support::{have, pdftotext};

const GOLDEN_WEEK: &str = "procedures/tests/dl-01-death-before-golden-week.intake.json";
const YEAR_END_LATE: &str =
    "procedures/tests/dl-02-death-before-year-end-notified-late.intake.json";

fn determine_json(intake: &str, extra: &[&str]) -> Value {
    let mut args = vec!["determine", "--intake", intake, "--format", "json"];
    args.extend_from_slice(extra);
    let (code, out, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

fn procedure<'a>(v: &'a Value, id: &str) -> &'a Value {
    v["procedures"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .unwrap_or_else(|| panic!("{id} applies"))
}

#[test]
fn death_notice_counts_the_day_of_death_and_moves_past_golden_week() {
    let v = determine_json(GOLDEN_WEEK, &[]);
    let p = procedure(&v, "koseki.death_notice");
    // 27 April + 6 days = Sunday 3 May (憲法記念日); 4–6 May are closed too.
    assert_eq!(p["deadline"], "2026-05-07");
    assert_eq!(
        p["deadline_text"],
        "令和8年5月7日(木)まで (死亡を知った日を含めて7日以内) (期限の5月3日が祝日のため)"
    );
    assert!(p.get("deadlines").is_none(), "one period: no `deadlines`");
    // A deadline on an open day says nothing more.
    let nhi = procedure(&v, "nhi.withdraw");
    assert_eq!(nhi["deadline"], "2026-05-11");
    assert_eq!(nhi["deadline_text"], "令和8年5月11日(月)まで");
}

#[test]
fn two_periods_two_dates_in_json_and_text() {
    let v = determine_json(GOLDEN_WEEK, &[]);
    let p = procedure(&v, "pension.death_report");
    assert_eq!(p["deadline"], "2026-05-07", "the earliest");
    let list = p["deadlines"]
        .as_array()
        .expect("several periods are listed");
    assert_eq!(list.len(), 2);
    let keys: Vec<&str> = list[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["date", "label", "text"]);
    assert_eq!(
        list[0],
        serde_json::json!({"date": "2026-05-07", "label": "厚生年金", "text": "令和8年5月7日(木)まで"})
    );
    assert_eq!(
        list[1],
        serde_json::json!({"date": "2026-05-11", "label": "国民年金", "text": "令和8年5月11日(月)まで"})
    );

    let (code, out, _) = run(&["determine", "--intake", GOLDEN_WEEK]);
    assert_eq!(code, 0);
    assert!(out.contains("厚生年金: 令和8年5月7日(木)まで"), "{out}");
    assert!(out.contains("国民年金: 令和8年5月11日(月)まで"), "{out}");
    assert!(out.contains("(期限の5月3日が祝日のため)"), "{out}");
}

#[test]
fn past_deadlines_are_said_and_kept() {
    // Notified on 12 January: the 死亡届 was due on 4 January (12/29 is in the year-end
    // closure), the 10-day pension report too (2 January → 4 January).
    let v = determine_json(YEAR_END_LATE, &[]);
    let p = procedure(&v, "koseki.death_notice");
    assert_eq!(p["deadline"], "2027-01-04");
    assert_eq!(
        p["deadline_text"],
        "期限を過ぎています — 窓口でご相談ください (令和9年1月4日(月)まででした)"
    );
    let pension = procedure(&v, "pension.death_report");
    let texts: Vec<&str> = pension["deadlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["text"].as_str().unwrap())
        .collect();
    assert!(
        texts
            .iter()
            .all(|t| t.starts_with("期限を過ぎています — 窓口でご相談ください")),
        "{texts:?}"
    );
    // Still in time: the 相続放棄 (3 months).
    let r = procedure(&v, "external.inheritance_renunciation");
    assert_eq!(r["deadline"], "2027-03-23");
    assert!(r["deadline_text"]
        .as_str()
        .unwrap()
        .starts_with("令和9年3月23日(火)まで"));

    let (_, out, _) = run(&["determine", "--intake", YEAR_END_LATE]);
    assert!(
        out.contains(
            "期限: 期限を過ぎています — 窓口でご相談ください (令和9年1月4日(月)まででした)"
        ),
        "{out}"
    );
    // The same case notified in time says the moved day and why.
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(YEAR_END_LATE))
        .unwrap()
        .replace(
            "\"notified_on\": \"2027-01-12\"",
            "\"notified_on\": \"2026-12-24\"",
        );
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("in-time.json");
    std::fs::write(&f, text).unwrap();
    let v = determine_json(f.to_str().unwrap(), &[]);
    let p = procedure(&v, "koseki.death_notice");
    assert_eq!(
        p["deadline_text"],
        "令和9年1月4日(月)まで (死亡を知った日を含めて7日以内) (期限の12月29日が年末年始の閉庁日のため)"
    );
}

#[test]
fn funeral_grant_counts_from_the_funeral_or_says_it_counts_from_the_death() {
    // Funeral on 30 April 2026: two years end on Sunday 30 April 2028 → Monday 1 May.
    let v = determine_json(GOLDEN_WEEK, &[]);
    let p = procedure(&v, "nhi.funeral_expenses");
    assert_eq!(p["deadline"], "2028-05-01");
    assert_eq!(
        p["deadline_text"],
        "令和10年5月1日(月)まで (葬儀の翌日から2年で時効) (期限の4月30日が日曜日のため)"
    );
    // No funeral date: counted from the death (23 December 2026), and the text says so.
    let v = determine_json(YEAR_END_LATE, &[]);
    let p = procedure(&v, "nhi.funeral_expenses");
    assert_eq!(p["deadline"], "2028-12-25");
    let t = p["deadline_text"].as_str().unwrap();
    assert!(t.contains("葬儀の翌日から2年"), "{t}");
    assert!(
        t.contains("葬儀の日が未入力のため、亡くなった日から数えています"),
        "{t}"
    );
}

/// A copy of the shipped set with the town's own closed days.
fn set_with_closed_days(list: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("procedures");
    copy_dir(&src, dir.path());
    let m = dir.path().join("municipality.toml");
    let mut text = std::fs::read_to_string(&m).unwrap();
    text.push_str(&format!("\n[calendar]\nclosed_days = {list}\n"));
    std::fs::write(&m, text).unwrap();
    dir
}

#[test]
fn the_towns_own_closed_days_move_deadlines_too() {
    // 11 May 2026 (the 14-day deadlines) closed by the town; 12 May every year as well.
    let set = set_with_closed_days("[2026-05-11, \"05-12\"]");
    let dir = set.path().to_str().unwrap();
    let v = determine_json(GOLDEN_WEEK, &["--procedures", dir]);
    let p = procedure(&v, "nhi.withdraw");
    assert_eq!(p["deadline"], "2026-05-13");
    assert_eq!(
        p["deadline_text"],
        "令和8年5月13日(水)まで (期限の5月11日が閉庁日のため)"
    );
    let (code, out, err) = run(&["procedures", "check", dir]);
    assert_eq!(code, 0, "{out}{err}");

    // A wrong entry is refused with its place.
    let bad = set_with_closed_days("[2026-05-11, \"5/12\"]");
    let (code, _, err) = run(&["procedures", "check", bad.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("municipality.toml:"), "{err}");
    assert!(err.contains("a closed day is a date"), "{err}");
}

/// Whether poppler is there; with MADOGUCHI_REQUIRE_SERVICES=1 its absence fails the test.
/// The guidance sheet's text with every space removed (lines wrap anywhere).
fn sheet_text(intake: &str, lang: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_str().unwrap();
    // A database of its own: the test never touches the user's case store.
    let db = dir.path().join("cases.db");
    let (code, _, err) = run(&[
        "print",
        "--intake",
        intake,
        "--out",
        out,
        "--lang",
        lang,
        "--db",
        db.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let pdf = dir.path().join("bundle.pdf");
    pdftotext(&pdf, None)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[test]
fn the_guidance_sheet_shows_every_deadline_the_move_and_the_past() {
    if !have("pdftotext") {
        return;
    }
    let ja = sheet_text(GOLDEN_WEEK, "ja");
    for s in [
        "令和8年5月7日(木)まで(死亡を知った日を含めて7日以内)(期限の5月3日が祝日のため)",
        "厚生年金:令和8年5月7日(木)まで",
        "国民年金:令和8年5月11日(月)まで",
    ] {
        assert!(ja.contains(s), "{s} not on the sheet:\n{ja}");
    }
    let en = sheet_text(GOLDEN_WEEK, "en");
    for s in [
        "byThu7May2026(within7days,countingthedayofdeath)(thedeadline,3May,isapublicholiday)",
        "EmployeePension:byThu7May2026",
        "NationalPension:byMon11May2026",
    ] {
        assert!(en.contains(s), "{s} not on the English sheet:\n{en}");
    }
    let late = sheet_text(YEAR_END_LATE, "ja");
    assert!(
        late.contains("期限を過ぎています—窓口でご相談ください(令和9年1月4日(月)まででした)"),
        "{late}"
    );
}
