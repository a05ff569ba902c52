//! The case store through the command line, as a clerk or a script hits it: one regression
//! test per store defect of issue #14 (a damaged database, a huge retention, orphaned
//! personal data, symlinked and foreign database files), and issue #15's "done when" on both
//! backends: several processes printing at once, two counters marking one case at the same
//! moment, `cases status`/`mark`/`close`/`discard`, a published procedure set, statistics
//! across counters.

use madoguchi::store::Store;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod store_support;
use store_support::{targets, Target};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/intakes/move-in-family.json"
);

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    // Never read the developer's own configuration.
    c.env("XDG_CONFIG_HOME", "/nonexistent-madoguchi-test");
    c
}

fn run(db: &Path, args: &[&str]) -> Output {
    bin().arg("--db").arg(db).args(args).output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
fn code_of(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// A counter's configuration file.
fn config(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join(format!("{name}.toml"));
    std::fs::write(&p, body).unwrap();
    p
}

fn print_case(db: &Path, out: &Path, extra: &[&str]) -> Output {
    bin()
        .arg("--db")
        .arg(db)
        .args(["print", "--intake", FIXTURE, "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

fn case_codes(db: &Path) -> Vec<String> {
    let o = run(db, &["cases", "list", "--json"]);
    assert_eq!(code_of(&o), 0, "{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap().to_string())
        .collect()
}

// ------------------------------------------------------------------ issue #14, defect 3

#[test]
fn a_damaged_database_is_refused_with_exit_3_by_print_and_cases() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cases.sqlite3");
    let w = bin()
        .arg("--db")
        .arg(&db)
        .args(["cases", "test-writer", "--cases", "12"])
        .output()
        .unwrap();
    assert!(w.status.success(), "{}", text(&w.stderr));
    // Damage the middle of the file (the writer closed it: the WAL is checkpointed).
    let mut bytes = std::fs::read(&db).unwrap();
    assert!(bytes.len() > 5 * 4096, "a file of several pages");
    for b in &mut bytes[3 * 4096 + 100..4 * 4096] {
        *b = 0xA5;
    }
    std::fs::write(&db, &bytes).unwrap();

    let out = dir.path().join("out");
    let p = print_case(&db, &out, &[]);
    assert_eq!(code_of(&p), 3, "print must refuse: {}", text(&p.stderr));
    let err = text(&p.stderr);
    assert!(
        err.contains("cases.sqlite3") && err.contains("壊れて"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(&db).unwrap(),
        bytes,
        "nothing written into it"
    );
    for args in [&["cases", "list"][..], &["stats"], &["cases", "purge"]] {
        let o = run(&db, args);
        assert_eq!(code_of(&o), 3, "{args:?}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains("cases.sqlite3"));
    }
}

// ------------------------------------------------------------------ issue #14, defect 4

#[test]
fn a_huge_retention_is_exit_2_with_the_allowed_range() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cases.sqlite3");
    let o = run(&db, &["cases", "purge", "--older-than", "100000000"]);
    assert_eq!(code_of(&o), 2, "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("36500"), "{}", text(&o.stderr));
    let c = config(dir.path(), "c", "retention_days = 100000000\n");
    for args in [&["cases", "list"][..], &["stats"], &["cases", "purge"]] {
        let o = bin()
            .arg("--config")
            .arg(&c)
            .arg("--db")
            .arg(&db)
            .args(args)
            .output()
            .unwrap();
        assert_eq!(code_of(&o), 2, "{args:?}: {}", text(&o.stderr));
        let err = text(&o.stderr);
        assert!(
            err.contains("retention_days") && err.contains("36500"),
            "{err}"
        );
    }
}

// ------------------------------------------------------------------ issue #14, defect 5

#[test]
fn a_print_that_cannot_start_opens_no_case_and_discard_removes_personal_data() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cases.sqlite3");
    // --out under a file: refused before anything is recorded.
    let file = dir.path().join("a-file");
    std::fs::write(&file, "x").unwrap();
    let o = print_case(&db, &file.join("out"), &[]);
    assert_eq!(code_of(&o), 2, "{}", text(&o.stderr));
    // An unknown printer: the bundle is kept, but no case holds the intake.
    let out = dir.path().join("out");
    let o = print_case(&db, &out, &["--printer", "no-such-queue-madoguchi"]);
    assert_eq!(code_of(&o), 3, "{}", text(&o.stderr));
    assert!(out.join("bundle.pdf").exists());
    assert!(
        case_codes(&db).is_empty(),
        "no case for prints that could not start"
    );

    // A print that works: one case, closed.
    let o = print_case(&db, &out, &[]);
    assert_eq!(code_of(&o), 0, "{}", text(&o.stderr));
    let codes = case_codes(&db);
    assert_eq!(codes.len(), 1);
    let code = &codes[0];

    // Discard: personal data gone now, the anonymous record kept, audited.
    let o = run(&db, &["cases", "discard", code]);
    assert_eq!(code_of(&o), 0, "{}", text(&o.stderr));
    let o = run(&db, &["cases", "show", code, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "discarded");
    assert!(v["intake"].is_null() && v["determination"].is_null());
    assert!(
        !v["procedures"].as_array().unwrap().is_empty(),
        "anonymous record kept"
    );
    let bytes = store_support::file_bytes(&db);
    assert!(
        !bytes.windows("山田".len()).any(|w| w == "山田".as_bytes()),
        "the household's name is gone from the files"
    );
    let s = Store::open(&db).unwrap();
    assert!(s
        .audit_log()
        .unwrap()
        .iter()
        .any(|l| l.action == "discarded" && l.case_code.as_deref() == Some(code.as_str())));
    drop(s);
    // A discarded case takes no more marks; an unknown code is bad input.
    let o = run(&db, &["cases", "close", "ZZZZZZZZ"]);
    assert_eq!(code_of(&o), 2);
    let o = run(&db, &["cases", "discard", "ZZZZZZZZ"]);
    assert_eq!(code_of(&o), 2);

    // An open case left by a killed counter can be closed by hand …
    let mut s = Store::open(&db).unwrap();
    let id = s.open_case("c", None).unwrap();
    drop(s);
    let o = run(&db, &["cases", "close", &id.code]);
    assert_eq!(code_of(&o), 0, "{}", text(&o.stderr));
    let o = run(&db, &["cases", "show", &id.code, "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["status"], "closed");
    // … and one nobody touches is purged with the retention (the purge reports it).
    let mut s = Store::open(&db).unwrap();
    let left = s.open_case("c", None).unwrap();
    drop(s);
    let later = (madoguchi::calendar::jst_today() + chrono::Duration::days(10)).to_string();
    let o = run(
        &db,
        &["--today", &later, "cases", "purge", "--older-than", "5"],
    );
    assert_eq!(code_of(&o), 0, "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains(&left.code), "{}", text(&o.stdout));
}

// ------------------------------------------------------------------ issue #14, defect 7

#[cfg(unix)]
#[test]
fn symlinked_and_foreign_databases_are_refused_untouched() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    // A symlink: refused, its target neither opened for writing nor chmod-ed.
    let target = dir.path().join("someone-elses.txt");
    std::fs::write(&target, "not yours\n").unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = dir.path().join("cases.sqlite3");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let o = run(&link, &["cases", "list"]);
    assert_eq!(code_of(&o), 3, "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("シンボリックリンク"),
        "{}",
        text(&o.stderr)
    );
    let m = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(m, 0o644, "the target's mode was changed");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "not yours\n");
    let o = print_case(&link, &dir.path().join("out"), &[]);
    assert_eq!(code_of(&o), 3, "{}", text(&o.stderr));

    // Another application's SQLite file: refused, never migrated.
    let foreign = dir.path().join("notes.sqlite3");
    {
        let c = rusqlite::Connection::open(&foreign).unwrap();
        c.execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hello');")
            .unwrap();
    }
    let before = std::fs::read(&foreign).unwrap();
    for args in [&["cases", "list"][..], &["stats"]] {
        let o = run(&foreign, args);
        assert_eq!(code_of(&o), 3, "{}", text(&o.stderr));
        assert!(text(&o.stderr).contains("madoguchi"), "{}", text(&o.stderr));
    }
    assert_eq!(
        std::fs::read(&foreign).unwrap(),
        before,
        "the foreign file changed"
    );
    assert!(!Path::new(&format!("{}-wal", foreign.display())).exists());
}

// ----------------------------------------------------------------------------- issue #15

/// Prints one case at the reception counter; returns its code.
fn reception_case(t: &Target, dir: &Path) -> String {
    let reception = config(
        dir,
        "reception",
        "counter = \"1番窓口\"\nclerk = \"受付 一郎\"\nsection = \"市民課\"\n",
    );
    let o = bin()
        .arg("--config")
        .arg(&reception)
        .arg("--db")
        .arg(t.location())
        .args(["print", "--intake", FIXTURE, "--out"])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(code_of(&o), 0, "{}: {}", t.label(), text(&o.stderr));
    let codes = case_codes(&t.location());
    assert_eq!(codes.len(), 1);
    codes[0].clone()
}

fn status_json(db: &Path, code: &str) -> serde_json::Value {
    let o = run(db, &["cases", "status", code, "--json"]);
    assert_eq!(code_of(&o), 0, "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn two_counters_mark_one_case_at_the_same_moment_and_both_marks_stay() {
    for t in targets() {
        let dir = tempfile::tempdir().unwrap();
        let code = reception_case(&t, dir.path());
        let db = t.location();
        // Closed at reception (print closes it), every procedure pending.
        let st = status_json(&db, &code);
        assert_eq!(st["status"], "closed", "{}", t.label());
        assert_eq!(st["complete"], false);
        let procs: Vec<String> = st["procedures"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                assert_eq!(p["status"], "pending");
                p["id"].as_str().unwrap().to_string()
            })
            .collect();
        assert!(procs.len() >= 2, "{procs:?}");

        // Two counters mark different procedures at the same moment, many times over: every
        // mark is there, with its counter (real parallel processes).
        let a = config(
            dir.path(),
            "a",
            "counter = \"2番窓口\"\nclerk = \"保険 花子\"\n",
        );
        let b = config(
            dir.path(),
            "b",
            "counter = \"3番窓口\"\nclerk = \"子育 次郎\"\n",
        );
        let mark = |cfg: &Path, p: &str, status: &str| {
            bin()
                .arg("--config")
                .arg(cfg)
                .arg("--db")
                .arg(&db)
                .args(["cases", "mark", &code, p, status])
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        };
        for round in 0..3 {
            let status = if round == 2 { "done" } else { "pending" };
            let ca = mark(&a, &procs[0], if round == 2 { status } else { "done" });
            let cb = mark(&b, &procs[1], status);
            for mut c in [ca, cb] {
                assert!(c.wait().unwrap().success(), "{}", t.label());
            }
        }
        let st = status_json(&db, &code);
        let find = |id: &str| {
            st["procedures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == id)
                .unwrap()
                .clone()
        };
        let (pa, pb) = (find(&procs[0]), find(&procs[1]));
        assert_eq!(
            (&pa["status"], &pa["counter"], &pa["clerk"]),
            (&"done".into(), &"2番窓口".into(), &"保険 花子".into()),
            "{}",
            t.label()
        );
        assert_eq!(
            (&pb["status"], &pb["counter"]),
            (&"done".into(), &"3番窓口".into())
        );
        assert!(pa["at"].is_string() && pa["section"].is_string());
        // Every change is in the history (6 marks), none lost.
        let s = Store::open(&db).unwrap();
        let recs = s.anonymous_records().unwrap();
        assert_eq!(recs[0].marks.len(), 6, "{}", t.label());

        // Set aside needs a reason; a procedure that does not apply is bad input.
        let o = run(&db, &["cases", "mark", &code, &procs[0], "set_aside"]);
        assert_eq!(code_of(&o), 2);
        let o = run(&db, &["cases", "mark", &code, "no.such.procedure", "done"]);
        assert_eq!(code_of(&o), 2);
        assert!(text(&o.stderr).contains(&procs[0]), "lists what applies");
        let o = run(
            &db,
            &[
                "cases",
                "mark",
                &code,
                &procs[0],
                "set_aside",
                "--reason",
                "本人が後日来庁",
            ],
        );
        assert_eq!(code_of(&o), 0, "{}", text(&o.stderr));
        // The page code of a printed page finds the case too.
        let o = run(&db, &["cases", "status", &format!("MDGC{code}P01")]);
        assert_eq!(code_of(&o), 0);
        assert!(text(&o.stdout).contains("本人が後日来庁"));

        // Marking everything makes the case complete; the supervisor's list then drops it.
        for p in &procs {
            if p != &procs[0] {
                let o = run(&db, &["cases", "mark", &code, p, "done"]);
                assert_eq!(code_of(&o), 0, "{}", text(&o.stderr));
            }
        }
        let o = run(&db, &["cases", "in-progress", "--json"]);
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 0, "{v}");
        assert_eq!(status_json(&db, &code)["complete"], true);

        // Statistics across counters.
        let o = run(&db, &["stats"]);
        assert_eq!(code_of(&o), 0, "{}", text(&o.stderr));
        let table = text(&o.stdout);
        assert!(
            table.contains("受付窓口 1番窓口") && table.contains("処理記録 2番窓口"),
            "{table}"
        );
        assert!(table.contains("受付→最後の課"), "{table}");

        // Once purged, nobody marks it any more.
        let later = (madoguchi::calendar::jst_today() + chrono::Duration::days(3)).to_string();
        let o = run(
            &db,
            &["--today", &later, "cases", "purge", "--older-than", "1"],
        );
        assert_eq!(code_of(&o), 0, "{}", text(&o.stderr));
        let o = run(&db, &["cases", "mark", &code, &procs[0], "done"]);
        assert_eq!(code_of(&o), 2, "{}", text(&o.stderr));
        if t.is_pg() {
            let dump = t.dump();
            for needle in ["山田", "本人が後日来庁"] {
                assert!(
                    !dump.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "{needle} in pg_dump after the purge"
                );
            }
        }
    }
}

#[test]
fn eight_processes_printing_at_once_give_eight_cases() {
    for t in targets() {
        if !t.is_pg() {
            continue; // SQLite: two_processes_write_at_once in store_process
        }
        let dir = tempfile::tempdir().unwrap();
        // Spawned for real in parallel:
        let procs: Vec<_> = (0..8)
            .map(|i| {
                bin()
                    .arg("--db")
                    .arg(t.location())
                    .args(["print", "--intake", FIXTURE, "--out"])
                    .arg(dir.path().join(format!("par{i}")))
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for p in procs {
            let o = p.wait_with_output().unwrap();
            assert!(o.status.success(), "{}", text(&o.stderr));
        }
        let codes = case_codes(&t.location());
        assert_eq!(codes.len(), 8);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 8);
    }
}

#[test]
fn a_published_set_is_loaded_by_counters_and_recorded_with_each_case() {
    for t in targets() {
        let dir = tempfile::tempdir().unwrap();
        let db = t.location();
        // A broken set is refused, not published.
        let broken = dir.path().join("broken");
        std::fs::create_dir(&broken).unwrap();
        std::fs::write(broken.join("municipality.toml"), "[set]\nname = 1\n").unwrap();
        let o = bin()
            .arg("--db")
            .arg(&db)
            .args(["procedures", "publish"])
            .arg(&broken)
            .output()
            .unwrap();
        assert_eq!(code_of(&o), 2, "{}", text(&o.stderr));
        // A counter configured for the published set, before anything was published.
        let cfg = config(
            dir.path(),
            "c",
            &format!(
                "procedures = \"published\"\ndatabase = \"{}\"\n",
                db.display()
            ),
        );
        let o = bin()
            .arg("--config")
            .arg(&cfg)
            .args(["determine", "--intake", FIXTURE, "--format", "json"])
            .output()
            .unwrap();
        assert_eq!(code_of(&o), 3, "{}", text(&o.stderr));

        let set = Path::new(env!("CARGO_MANIFEST_DIR")).join("procedures");
        let o = bin()
            .arg("--db")
            .arg(&db)
            .args(["procedures", "publish"])
            .arg(&set)
            .output()
            .unwrap();
        assert_eq!(code_of(&o), 0, "{}", text(&o.stderr));
        let s = Store::open(&db).unwrap();
        let published = s.latest_set().unwrap().unwrap();
        drop(s);
        assert!(published.digest.starts_with("sha256:"));
        let o = bin()
            .arg("--config")
            .arg(&cfg)
            .args([
                "--today",
                "2026-04-06",
                "determine",
                "--intake",
                FIXTURE,
                "--format",
                "json",
            ])
            .output()
            .unwrap();
        assert_eq!(code_of(&o), 0, "{}", text(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(v["procedure_set"]["digest"], published.digest.as_str());
        // Print records the digest it was decided with.
        let o = bin()
            .arg("--config")
            .arg(&cfg)
            .args(["print", "--intake", FIXTURE, "--out"])
            .arg(dir.path().join("out"))
            .output()
            .unwrap();
        assert_eq!(code_of(&o), 0, "{}", text(&o.stderr));
        let code = &case_codes(&db)[0];
        assert_eq!(
            status_json(&db, code)["set_digest"],
            published.digest.as_str()
        );
    }
}
