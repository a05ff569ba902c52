//! Staged law changes: a second file of the same id with `valid_from`, shown by `procedures
//! list` and `show` with what takes effect when, and previewed by `procedures diff`.

use std::path::Path;
use std::process::{Command, Stdio};

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

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
