//! Staged law changes: a second file of the same id with `valid_from`, shown by `procedures
//! list` and `show` with what takes effect when, and previewed by `procedures diff`.

use std::path::Path;

mod cli_support;
use cli_support::{copy_dir, run};

/// `text` with `key` as a key of the procedure itself. The start of a TOML document is always
/// the root table, so the key goes first: appended, it would land in whatever table comes last
/// (a `[[rules]]` entry, say).
fn top_level_key(text: &str, key: &str) -> String {
    format!("{key}\n{text}")
}

/// The shipped set as `old`, and `new` with a version of 国保 加入 from 2027-04-01 whose
/// deadline is 30 days (an invented change, to see it staged).
fn staged() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("procedures");
    copy_dir(&src, &d.path().join("old"));
    copy_dir(&src, &d.path().join("new"));
    let hoken = d.path().join("new/hoken");
    let current = std::fs::read_to_string(hoken.join("nhi.enroll.toml")).unwrap();
    std::fs::write(
        hoken.join("nhi.enroll.toml"),
        top_level_key(&current, "valid_until = 2027-03-31"),
    )
    .unwrap();
    let next = current.replace(
        "deadline = { from = \"event_date\", days = 14 }",
        "deadline = { from = \"event_date\", days = 30 }",
    );
    assert_ne!(next, current);
    std::fs::write(
        hoken.join("nhi.enroll@2027.toml"),
        top_level_key(&next, "valid_from = 2027-04-01"),
    )
    .unwrap();
    d
}

#[test]
fn list_and_show_say_what_takes_effect_when() {
    let d = staged();
    let new = d.path().join("new");
    let dir = new.to_str().unwrap();
    let (code, out, err) = run(&[
        "procedures",
        "list",
        "--procedures",
        dir,
        "--today",
        "2026-11-20",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("〔2027-03-31 まで〕"), "{out}");
    assert!(out.contains("〔2027-04-01 から〕"), "{out}");
    assert!(
        out.contains("2027-04-01 から  nhi.enroll 国民健康保険 加入 — 新しい版に変わる (a new version applies)  [予定 (to come)]  (hoken/nhi.enroll@2027.toml)"),
        "{out}"
    );
    let (_, out, _) = run(&[
        "procedures",
        "list",
        "--procedures",
        dir,
        "--today",
        "2027-04-01",
    ]);
    assert!(out.contains("[施行済み (in force)]"), "{out}");
    let (_, shipped, _) = run(&["procedures", "list"]);
    assert!(shipped.contains("法改正などの予定"), "{shipped}");

    let (code, out, _) = run(&["procedures", "show", "nhi.enroll", "--procedures", dir]);
    assert_eq!(code, 0);
    assert!(
        out.contains("(hoken/nhi.enroll.toml) 〔2027-03-31 まで〕"),
        "{out}"
    );
    assert!(
        out.contains("(hoken/nhi.enroll@2027.toml) 〔2027-04-01 から〕"),
        "{out}"
    );
    assert!(out.contains("days = 30"), "{out}");
}

#[test]
fn diff_previews_a_staged_change_for_the_households_it_concerns() {
    let d = staged();
    let (old, new) = (d.path().join("old"), d.path().join("new"));
    // The scenarios are all before 2027-04: nothing changes for them.
    let (code, out, err) = run(&[
        "procedures",
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("住民への案内は変わりません"), "{out}");
    // A move on 2027-04-05 gets the new version's deadline.
    let intakes = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("procedures/tests/mi-01-single-nhi.intake.json"),
    )
    .unwrap()
    .replace("\"date\": \"2026-04-01\"", "\"date\": \"2027-04-05\"");
    std::fs::write(intakes.path().join("after.json"), text).unwrap();
    let (code, out, err) = run(&[
        "procedures",
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--intakes",
        intakes.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("~ 期限が変わる: nhi.enroll 国民健康保険 加入")
            && out.contains("旧: 令和9年4月19日(月)まで")
            && out.contains("新: 令和9年5月6日(木)まで (期限の5月5日が祝日のため)"),
        "{out}"
    );
}

/// The shipped set stages the 2028-04 遺族厚生年金 change (令和7年の年金制度改正法): a death from
/// 2028-04-01 gets the new version's guidance, a death the day before the old one; `procedures
/// list` says when it takes effect.
#[test]
fn the_shipped_set_stages_the_2028_survivors_pension_change() {
    let (code, out, err) = run(&["procedures", "list", "--today", "2026-11-30"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("2028-04-01 から  pension.survivors_employee 遺族厚生年金 請求 — 新しい版に変わる (a new version applies)  [予定 (to come)]  (nenkin_jimusho/pension.survivors_employee@2028.toml)"),
        "{out}"
    );
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("procedures/tests/d-02-two-survivors.intake.json"),
    )
    .unwrap();
    // The sheet's block of 遺族厚生年金 (from its line to the next procedure or counter).
    let guidance = |death: &str| -> String {
        let path = dir.path().join(format!("{death}.json"));
        std::fs::write(
            &path,
            src.replace(
                "\"date\": \"2026-06-10\"",
                &format!("\"date\": \"{death}\""),
            ),
        )
        .unwrap();
        let (code, out, err) = run(&[
            "determine",
            "--intake",
            path.to_str().unwrap(),
            "--today",
            death,
        ]);
        assert_eq!(code, 0, "{err}");
        let lines: Vec<&str> = out
            .lines()
            .skip_while(|l| !l.trim_start().starts_with("・遺族厚生年金 請求"))
            .collect();
        assert!(
            !lines.is_empty(),
            "遺族厚生年金 for a death on {death}: {out}"
        );
        // Its own lines are indented deeper than the next procedure's or counter's.
        let block: Vec<&str> = std::iter::once(lines[0])
            .chain(
                lines[1..]
                    .iter()
                    .copied()
                    .take_while(|l| l.starts_with("      ")),
            )
            .collect();
        block.join("\n")
    };
    let before = guidance("2028-03-31");
    let after = guidance("2028-04-03");
    assert!(!before.contains("2028年4月からの制度"), "{before}");
    assert!(
        after.contains("注意: 2028年4月からの制度")
            && after.contains("夫・妻とも原則5年間の受給です"),
        "{after}"
    );
    // The 時効 is 5 years under both; 2033-04-03 is a Sunday.
    assert!(
        before.contains("期限: 令和15年3月31日(木)まで (5年で時効)"),
        "{before}"
    );
    assert!(
        after.contains("期限: 令和15年4月4日(月)まで (5年で時効) (期限の4月3日が日曜日のため)"),
        "{after}"
    );
}

/// Publishing the staged 2028 change, previewed: the set without it (the current file with no
/// end) against the shipped one. A death from 2028-04-01 reads another note; one before does not.
#[test]
fn diff_previews_the_2028_survivors_pension_change() {
    let d = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("procedures");
    let old = d.path().join("old");
    copy_dir(&src, &old);
    let nenkin = old.join("nenkin_jimusho");
    std::fs::remove_file(nenkin.join("pension.survivors_employee@2028.toml")).unwrap();
    let current = std::fs::read_to_string(nenkin.join("pension.survivors_employee.toml")).unwrap();
    let without_end = current.replace("valid_until = 2028-03-31\n", "");
    assert_ne!(without_end, current);
    std::fs::write(nenkin.join("pension.survivors_employee.toml"), without_end).unwrap();

    let intakes = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(src.join("tests/d-02-two-survivors.intake.json")).unwrap();
    for (name, date) in [("before", "2028-03-31"), ("after", "2028-04-03")] {
        std::fs::write(
            intakes.path().join(format!("{name}.json")),
            text.replace("\"date\": \"2026-06-10\"", &format!("\"date\": \"{date}\"")),
        )
        .unwrap();
    }
    let (code, out, err) = run(&[
        "procedures",
        "diff",
        old.to_str().unwrap(),
        src.to_str().unwrap(),
        "--intakes",
        intakes.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("住民への案内が変わる世帯: 1件"), "{out}");
    assert!(
        out.contains("■ after")
            && out.contains(
                "~ 案内の文が変わる: pension.survivors_employee 遺族厚生年金 請求 (注意)"
            )
            && out.contains("新 注意: 2028年4月からの制度"),
        "{out}"
    );
    assert!(!out.contains("■ before"), "{out}");
}
