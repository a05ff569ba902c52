//! `madoguchi procedures diff OLD NEW [--intakes DIR] [--json]`: what a supervisor sees before
//! publishing an edit — per household, the procedures, deadlines and questions that change.

use serde_json::Value;
use std::path::Path;

mod cli_support;
use cli_support::{copy_dir, run};

/// Two copies of the shipped set, `old` and `new`, in one temporary folder.
fn two_sets() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("procedures");
    copy_dir(&src, &dir.path().join("old"));
    copy_dir(&src, &dir.path().join("new"));
    dir
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{} has no {from:?}", file.display());
    std::fs::write(file, text.replace(from, to)).unwrap();
}

fn p(dir: &Path) -> &str {
    dir.to_str().unwrap()
}

#[test]
fn identical_sets_change_nothing() {
    let d = two_sets();
    let (old, new) = (d.path().join("old"), d.path().join("new"));
    let (code, out, err) = run(&["procedures", "diff", p(&old), p(&new)]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("手続セットの比較"), "{out}");
    assert!(out.contains("住民への案内は変わりません"), "{out}");
    let (code, out, _) = run(&["procedures", "diff", p(&old), p(&new), "--json"]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["summary"]["changed"], 0);
    assert_eq!(
        v["summary"]["households"],
        v["households"].as_array().unwrap().len()
    );
    assert!(v["households"]
        .as_array()
        .unwrap()
        .iter()
        .all(|h| h["changed"] == false && h["source"] == "scenario"));
}

/// The edit a supervisor might make by mistake: the 死亡届 counted without the day of death,
/// and 国保 加入 made to depend on 要介護認定.
fn edited() -> (tempfile::TempDir, tempfile::TempDir) {
    let d = two_sets();
    let new = d.path().join("new");
    edit(
        &new.join("shimin/koseki.death_notice.toml"),
        ", count_first_day = true",
        "",
    );
    edit(
        &new.join("hoken/nhi.enroll.toml"),
        "and member.age < 75",
        "and member.age < 75 and not member.ltc_certified",
    );
    // Two households of our own, moving in with 国保, whose 要介護認定 is not known. The 認定 is
    // asked from 40 on (`asked_when = 'member.age >= 40'`, a 介護保険 第2号被保険者):
    // - "ours", 44: the old set already asks it (for ltc.certification_transfer); the new one
    //   can no longer tell whether 国保 加入 applies until it is answered;
    // - "young", 35: it is not asked; the new condition reads the fact's `otherwise` value and
    //   nothing changes for them.
    let intakes = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("procedures/tests/mi-01-single-nhi.intake.json"),
    )
    .unwrap();
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["household"]["members"][0]["facts"]
        .as_object_mut()
        .unwrap()
        .remove("ltc_certified");
    std::fs::write(intakes.path().join("young.json"), v.to_string()).unwrap();
    v["household"]["members"][0]["birth_date"] = "1981-06-15".into();
    std::fs::write(intakes.path().join("ours.json"), v.to_string()).unwrap();
    (d, intakes)
}

#[test]
fn an_edit_shows_per_household_what_residents_would_see() {
    let (d, intakes) = edited();
    let (old, new) = (d.path().join("old"), d.path().join("new"));
    let (code, out, err) = run(&[
        "procedures",
        "diff",
        p(&old),
        p(&new),
        "--intakes",
        p(intakes.path()),
    ]);
    assert_eq!(code, 0, "changes are no failure: {err}");
    assert!(out.contains("住民への案内が変わる世帯:"), "{out}");
    // 6 June 2026 + 7 days: the deadline is one day later than the law allows.
    assert!(
        out.contains("■ d-02-two-survivors")
            && out.contains("~ 期限が変わる: koseki.death_notice 死亡届")
            && out.contains("旧: 令和8年6月16日(火)まで")
            && out.contains("新: 令和8年6月17日(水)まで"),
        "{out}"
    );
    // The same 7 days counted without the day of death move the last day from 5/3 to 5/4:
    // both 祝日, so the printed date stays 5/7 but the reason changes.
    assert!(
        out.contains("■ dl-01-death-before-golden-week")
            && out.contains("旧: 令和8年5月7日(木)まで (死亡を知った日を含めて7日以内) (期限の5月3日が祝日のため)")
            && out.contains("新: 令和8年5月7日(木)まで (死亡を知った日を含めて7日以内) (期限の5月4日が祝日のため)"),
        "{out}"
    );
    let ours = out
        .split("■ ")
        .find(|h| h.starts_with("ours"))
        .unwrap_or_else(|| panic!("ours changes: {out}"));
    assert!(
        ours.contains("- 案内しなくなる手続: nhi.enroll 国民健康保険 加入 — 佐藤　健 (m1)")
            && ours.contains("+ 確認が必要になる手続: nhi.enroll"),
        "{out}"
    );
    // d-06: the 61-year-old survivor, of whom nothing is known, is now asked the 認定.
    assert!(
        out.contains(
            "+ 新しい質問: 松田　浩 (m2): 要介護・要支援の認定を受けていますか [nhi.enroll]"
        ),
        "{out}"
    );
    assert!(!out.contains("■ young"), "{out}");

    let (code, out, _) = run(&[
        "procedures",
        "diff",
        p(&old),
        p(&new),
        "--intakes",
        p(intakes.path()),
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: Value = serde_json::from_str(&out).unwrap();
    let hs = v["households"].as_array().unwrap();
    let d02 = hs
        .iter()
        .find(|h| h["name"] == "d-02-two-survivors")
        .unwrap();
    assert_eq!(d02["changed"], true);
    assert_eq!(d02["deadlines"][0]["id"], "koseki.death_notice");
    assert_eq!(d02["deadlines"][0]["old"]["deadline"], "2026-06-16");
    assert_eq!(d02["deadlines"][0]["new"]["deadline"], "2026-06-17");
    let ours = hs.iter().find(|h| h["name"] == "ours").unwrap();
    assert_eq!(ours["source"], "intake");
    assert_eq!(ours["procedures"]["removed"][0]["id"], "nhi.enroll");
    assert_eq!(ours["pending"]["added"], serde_json::json!(["nhi.enroll"]));
    // Asked already by the old set: no new question for them.
    assert_eq!(ours["questions"]["added"], serde_json::json!([]));
    let d06 = hs
        .iter()
        .find(|h| h["name"] == "d-06-unknown-facts")
        .unwrap();
    let q = &d06["questions"]["added"][0];
    assert_eq!(q["fact"], "ltc_certified");
    assert_eq!(q["member"], "m2");
    assert_eq!(q["procedures"], serde_json::json!(["nhi.enroll"]));
    let young = hs.iter().find(|h| h["name"] == "young").unwrap();
    assert_eq!(young["source"], "intake");
    assert_eq!(young["changed"], false);
    // Unchanged households are listed too, marked as such.
    let unchanged = hs.iter().filter(|h| h["changed"] == false).count();
    assert_eq!(v["summary"]["unchanged"], unchanged);
    assert!(unchanged > 0);
    // Same inputs, same bytes.
    let (_, again, _) = run(&[
        "procedures",
        "diff",
        p(&old),
        p(&new),
        "--intakes",
        p(intakes.path()),
        "--json",
    ]);
    assert_eq!(out, again);
}

#[test]
fn a_fact_only_the_new_set_knows_is_ignored_by_the_old_one_and_said() {
    let d = two_sets();
    let (old, new) = (d.path().join("old"), d.path().join("new"));
    let facts = new.join("facts.toml");
    let mut text = std::fs::read_to_string(&facts).unwrap();
    text.push_str("\n[member.diff_test_fact]\ntype = \"bool\"\nlabel = { ja = \"テスト\", en = \"Test\" }\nquestion = { ja = \"テストですか\", en = \"Test?\" }\n");
    std::fs::write(&facts, text).unwrap();
    let intakes = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("procedures/tests/mi-01-single-nhi.intake.json"),
    )
    .unwrap();
    let mut v: Value = serde_json::from_str(&src).unwrap();
    v["household"]["members"][0]["facts"]["diff_test_fact"] = true.into();
    std::fs::write(intakes.path().join("new-fact.json"), v.to_string()).unwrap();
    let (code, out, err) = run(&[
        "procedures",
        "diff",
        p(&old),
        p(&new),
        "--intakes",
        p(intakes.path()),
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let h = v["households"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "new-fact")
        .unwrap();
    assert_eq!(h["changed"], false, "{h}");
    assert_eq!(h["notes"][0]["set"], "old");
    assert!(
        h["notes"][0]["text"]
            .as_str()
            .unwrap()
            .contains("member.diff_test_fact (m1)"),
        "{h}"
    );
}

#[test]
fn a_broken_set_exits_2_with_its_diagnostics() {
    let d = two_sets();
    let (old, new) = (d.path().join("old"), d.path().join("new"));
    edit(
        &new.join("hoken/nhi.enroll.toml"),
        "member.age < 75",
        "member.agee < 75",
    );
    let (code, out, err) = run(&["procedures", "diff", p(&old), p(&new)]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(out.is_empty(), "no report for a broken set: {out}");
    assert!(err.contains("hoken/nhi.enroll.toml:"), "{err}");
    assert!(err.contains("新セット (new)"), "{err}");
    // Both sides are checked: a broken old set is named too.
    edit(&old.join("municipality.toml"), "[set]", "[set");
    let (code, _, err) = run(&["procedures", "diff", p(&old), p(&new), "--json"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("旧セット (old)") && err.contains("新セット (new)"),
        "{err}"
    );
    // A folder that is not there is a broken set as well.
    let (code, _, err) = run(&["procedures", "diff", "/nonexistent/old", p(&new)]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no such folder"), "{err}");
}

#[test]
fn an_intake_neither_set_can_read_is_bad_input() {
    let d = two_sets();
    let (old, new) = (d.path().join("old"), d.path().join("new"));
    let intakes = tempfile::tempdir().unwrap();
    std::fs::write(
        intakes.path().join("bad.json"),
        r#"{"format":"madoguchi-intake/1","event":{"kind":"move_in","date":"2026-02-30"}}"#,
    )
    .unwrap();
    let (code, _, err) = run(&[
        "procedures",
        "diff",
        p(&old),
        p(&new),
        "--intakes",
        p(intakes.path()),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("bad.json"), "{err}");
}

/// A reworded note is a change residents read: same procedure, same deadline, other words.
#[test]
fn a_reworded_note_is_shown_old_and_new() {
    let d = two_sets();
    let (old, new) = (d.path().join("old"), d.path().join("new"));
    edit(
        &new.join("hoken/nhi.enroll.toml"),
        "note = { ja = \"保険証は2024年12月2日から発行されていません。",
        "note = { ja = \"保険料は加入した月の分からかかります。保険証は2024年12月2日から発行されていません。",
    );
    let (code, out, err) = run(&["procedures", "diff", p(&old), p(&new)]);
    assert_eq!(code, 0, "{err}");
    let mi01 = out
        .split("■ ")
        .find(|h| h.starts_with("mi-01-single-nhi"))
        .unwrap_or_else(|| panic!("mi-01 changes: {out}"));
    assert!(
        mi01.contains("~ 案内の文が変わる: nhi.enroll 国民健康保険 加入 (注意)")
            && mi01.contains("旧 注意: 保険証は2024年12月2日から発行されていません。")
            && mi01.contains("新 注意: 保険料は加入した月の分からかかります。保険証は"),
        "{out}"
    );
    // Only the note: no deadline, procedure or question change is reported for it.
    assert!(
        !mi01.contains("期限が変わる") && !mi01.contains("新しい質問"),
        "{mi01}"
    );
    // mi-02 (employee insurance) has no 国保 加入: unchanged.
    assert!(!out.contains("■ mi-02-single-employee"), "{out}");
    let (_, out, _) = run(&["procedures", "diff", p(&old), p(&new), "--json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    let h = v["households"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == "mi-01-single-nhi")
        .unwrap()
        .clone();
    assert_eq!(h["changed"], true);
    assert_eq!(h["wording"][0]["id"], "nhi.enroll");
    assert_eq!(h["wording"][0]["fields"][0]["field"], "note");
    assert_eq!(h["wording"][0]["fields"].as_array().unwrap().len(), 1);
    assert_eq!(h["deadlines"], serde_json::json!([]));
}
