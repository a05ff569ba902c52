//! The case store across processes: a writer killed with SIGKILL at arbitrary moments loses
//! nothing it reported, the unfinished case is offered again and can be finished, two
//! processes write to one file at once without "database is locked", and the `cases` and
//! `stats` commands.

use madoguchi::store::{page_code, CaseStatus, Step, Store};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

mod store_support;
use store_support::targets;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_madoguchi"))
}

/// Starts the hidden test writer; it prints "<code> <step>" after each committed step.
fn writer(db: &Path, args: &[&str]) -> Child {
    bin()
        .arg("--db")
        .arg(db)
        .args(["cases", "test-writer"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

fn run(db: &Path, args: &[&str]) -> Output {
    bin().arg("--db").arg(db).args(args).output().unwrap()
}

fn integrity(s: &Store) {
    if s.dialect() == madoguchi::store::db::Dialect::Postgres {
        return; // the server checks its own pages
    }
    let ok: String = s
        .connection()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
}

/// Checks that every reported step is in the database.
fn check_reported(s: &Store, reported: &[(String, String)]) {
    for (code, step) in reported {
        let rec = s
            .load_case(code)
            .unwrap()
            .unwrap_or_else(|| panic!("case {code} reported opened, not in the database"));
        let there = match step.as_str() {
            "opened" => true,
            "intake" => rec.intake.is_some(),
            "qr_read" => rec.steps.qr_read_at.is_some(),
            "determined" => rec.determination.is_some() && rec.steps.determined_at.is_some(),
            "printed" => !rec.prints.is_empty(),
            "closed" => rec.summary.status == CaseStatus::Closed,
            other => panic!("unknown step {other}"),
        };
        assert!(
            there,
            "step {step} of {code} was reported committed but is missing"
        );
    }
}

#[test]
fn killing_a_writer_loses_nothing_it_reported() {
    for t in targets() {
        killing(&t.location());
    }
}

fn killing(db: &Path) {
    let mut reported: Vec<(String, String)> = vec![];
    // Kill at different points, on the same file each time.
    for kill_after in [7usize, 20, 33, 4] {
        let mut child = writer(db, &[]);
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        for _ in 0..kill_after {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "writer ended early");
            let (code, step) = line.trim().split_once(' ').unwrap();
            reported.push((code.into(), step.into()));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        // Lines printed before the kill are reports too.
        let mut rest = String::new();
        out.read_to_string(&mut rest).unwrap();
        for l in rest.lines() {
            let (code, step) = l.split_once(' ').unwrap();
            reported.push((code.into(), step.into()));
        }
        let s = Store::open(db).unwrap();
        integrity(&s);
        check_reported(&s, &reported);
        // Every case not closed is offered again.
        let unfinished: Vec<String> = s
            .unfinished()
            .unwrap()
            .into_iter()
            .map(|c| c.code)
            .collect();
        for c in s.list().unwrap() {
            if c.status != CaseStatus::Closed {
                assert!(unfinished.contains(&c.code));
            }
        }
        // At most the case in flight was opened without being reported.
        let opened: std::collections::BTreeSet<&str> = reported
            .iter()
            .filter(|r| r.1 == "opened")
            .map(|r| r.0.as_str())
            .collect();
        assert!(s.list().unwrap().len() <= opened.len() + 1);
    }
}

#[test]
fn an_interrupted_case_is_resumed_printed_found_and_purged() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cases.sqlite3");
    // One full case (6 steps), then opened, intake and QR read of the second: then it hangs
    // and is killed, like a counter PC losing power mid-case.
    let mut child = writer(&db, &["--hang-after", "9"]);
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut lines = vec![];
    for _ in 0..9 {
        let mut l = String::new();
        out.read_line(&mut l).unwrap();
        lines.push(l.trim().to_string());
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let code = lines[8].split_once(' ').unwrap().0.to_string();
    assert_eq!(lines[8], format!("{code} qr_read"));

    // Offered again at start (the CLI shows it as 受付中 too).
    let mut s = Store::open(&db).unwrap();
    integrity(&s);
    let unfinished = s.unfinished().unwrap();
    assert_eq!(unfinished.len(), 1);
    assert_eq!(unfinished[0].code, code);
    assert_eq!(unfinished[0].last_step, "qr_read");
    let list = run(&db, &["cases", "list"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains(&format!("{code}  受付中")));

    // Resume: the stored intake is the case; determine, print, find from a page, close.
    let id = unfinished[0].case_id();
    let rec = s.load_case(&code).unwrap().unwrap();
    let (set, _) = madoguchi::rules::load_embedded(None).unwrap();
    let intake =
        madoguchi::intake::parse_intake_value(rec.intake.as_ref().unwrap(), &set.vocabulary)
            .unwrap();
    let d = madoguchi::rules::determine(
        &intake,
        &set,
        chrono::NaiveDate::from_ymd_opt(2026, 4, 6).unwrap(),
    );
    s.save_determination(&id, &set.digest, &d).unwrap();
    s.record_print(
        &id,
        r#"[{"page":1,"form":"guidance","procedure":null,"member":null},{"page":2,"form":"juminido","procedure":"resident.move_in","member":"m1"}]"#,
        Some("counter-1"),
        Some("7"),
    )
    .unwrap();
    let (found, page) = s.find_by_page_code(&page_code(&code, 2)).unwrap().unwrap();
    assert_eq!(found.code, code);
    assert_eq!(page.unwrap().form, "juminido");
    s.close_case(&id).unwrap();
    assert!(s.unfinished().unwrap().is_empty());
    drop(s);

    // Purged on schedule (the CLI, with the date fixed 3 days on and 1 day of retention).
    let later = (madoguchi::calendar::jst_today() + chrono::Duration::days(3)).to_string();
    let purge = run(
        &db,
        &["--today", &later, "cases", "purge", "--older-than", "1"],
    );
    assert!(
        purge.status.success(),
        "{}",
        String::from_utf8_lossy(&purge.stderr)
    );
    assert!(String::from_utf8_lossy(&purge.stdout).contains(": 2件"));
    let bytes = std::fs::read(&db).unwrap();
    assert!(
        !bytes.windows("試験".len()).any(|w| w == "試験".as_bytes()),
        "the test household's name is gone"
    );

    // And counted in the statistics.
    let st = run(&db, &["stats"]);
    assert!(st.status.success());
    assert!(String::from_utf8_lossy(&st.stdout).contains("受付 2件 (完了 2件)"));
}

#[test]
fn two_processes_write_at_once() {
    for t in targets() {
        two_processes(&t.location());
    }
}

/// Four counters started at the same moment on a new file, many times over: none may fail
/// with "database is locked" (SQLite answers a journal-mode change at once, without the busy
/// wait) or take the half-created file for another application's database.
#[test]
fn counters_starting_together_on_a_new_file_all_open_it() {
    let dir = tempfile::tempdir().unwrap();
    for round in 0..40 {
        let db = dir.path().join(format!("round{round}.sqlite3"));
        let writers: Vec<Child> = (0..4).map(|_| writer(&db, &["--cases", "1"])).collect();
        for c in writers {
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        assert_eq!(Store::open(&db).unwrap().list().unwrap().len(), 4);
    }
}

fn two_processes(db: &Path) {
    // Both start on a database that does not exist yet (SQLite) or is empty (PostgreSQL):
    // they race through creation and migration.
    let a = writer(db, &["--cases", "25"]);
    let b = writer(db, &["--cases", "25"]);
    let mut per_writer = vec![];
    for c in [a, b] {
        let out = c.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "writer failed: {err}");
        assert!(!err.contains("locked"), "{err}");
        per_writer.push(String::from_utf8_lossy(&out.stdout).lines().count());
    }
    assert_eq!(per_writer, [150, 150]);
    let s = Store::open(db).unwrap();
    integrity(&s);
    let cases = s.list().unwrap();
    assert_eq!(cases.len(), 50);
    assert!(cases.iter().all(|c| c.status == CaseStatus::Closed));
    let mut per_action: BTreeMap<String, usize> = BTreeMap::new();
    for l in s.audit_log().unwrap() {
        *per_action.entry(l.action).or_default() += 1;
    }
    for action in [
        "case opened",
        "intake saved",
        "QR read",
        "determined",
        "printed",
        "closed",
    ] {
        assert_eq!(per_action[action], 50, "{action}");
    }
}

#[test]
fn cases_and_stats_commands() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cases.sqlite3");
    let w = writer(&db, &["--cases", "3"]).wait_with_output().unwrap();
    assert!(w.status.success());
    let first = String::from_utf8_lossy(&w.stdout)
        .lines()
        .next()
        .unwrap()
        .split_once(' ')
        .unwrap()
        .0
        .to_string();

    let list = run(&db, &["cases", "list", "--json"]);
    assert!(list.status.success());
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 3);
    assert!(
        !String::from_utf8_lossy(&list.stdout).contains("試験"),
        "the list holds no names"
    );

    let show = run(&db, &["cases", "show", &first.to_lowercase(), "--json"]);
    assert!(show.status.success());
    let v: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(v["code"], first.as_str());
    assert_eq!(v["intake"]["household"]["members"][0]["name"], "試験　太郎");
    let show = run(&db, &["cases", "show", "1"]);
    assert!(String::from_utf8_lossy(&show.stdout).contains("入力内容"));
    let by_page = run(&db, &["cases", "show", &page_code(&first, 1)]);
    assert!(by_page.status.success());
    assert!(String::from_utf8_lossy(&by_page.stderr).contains("1ページ: 様式 guidance"));
    assert!(String::from_utf8_lossy(&by_page.stdout).contains(&first));
    let missing = run(&db, &["cases", "show", "ZZZZZZZZ"]);
    assert_eq!(missing.status.code(), Some(2));

    // Anonymous export: no name, no address, no case code.
    for format in ["csv", "json"] {
        let out = run(&db, &["cases", "export", "--format", format]);
        assert!(out.status.success());
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("試験") && !text.contains(&first), "{text}");
        assert!(text.contains("move_in") && text.contains("juminido"));
        if format == "csv" {
            assert_eq!(text.lines().count(), 4);
        }
    }
    assert_eq!(
        run(&db, &["cases", "export", "--format", "xml"])
            .status
            .code(),
        Some(2)
    );

    let csv = dir.path().join("stats.csv");
    let svg = dir.path().join("chart.svg");
    let st = run(
        &db,
        &[
            "stats",
            "--since",
            "2020-01-01",
            "--csv",
            csv.to_str().unwrap(),
            "--chart",
            svg.to_str().unwrap(),
        ],
    );
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    assert!(String::from_utf8_lossy(&st.stdout).contains("■ 1件あたり"));
    assert!(std::fs::read_to_string(&csv)
        .unwrap()
        .contains("cases,total,,3"));
    assert!(std::fs::read_to_string(&svg).unwrap().starts_with("<svg"));
    assert_eq!(
        run(&db, &["stats", "--since", "2026-13-01"]).status.code(),
        Some(2)
    );

    // Viewing and exporting are in the audit trail.
    let s = Store::open(&db).unwrap();
    let actions: Vec<String> = s
        .audit_log()
        .unwrap()
        .into_iter()
        .map(|l| l.action)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "case viewed").count(), 3);
    assert!(actions.iter().any(|a| a == "exported"));
    let _ = Step::ALL;

    // Retention applies whenever a command opens the file: 100 days on, nothing personal.
    let later = (madoguchi::calendar::jst_today() + chrono::Duration::days(100)).to_string();
    let out = run(&db, &["--today", &later, "cases", "show", &first, "--json"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("3件の個人情報を消去しました"));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["status"].as_str(), &v["intake"]),
        (Some("purged"), &serde_json::Value::Null)
    );

    // An unusable database file: one message, exit 3.
    let junk = dir.path().join("junk.sqlite3");
    std::fs::write(&junk, vec![b'x'; 4096]).unwrap();
    let out = run(&junk, &["cases", "list"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("junk.sqlite3") && err.contains("壊れて"),
        "{err}"
    );
}
