//! The case store through its Rust API: a full case, page codes, the audit trail, file modes,
//! migrations from every earlier schema, error classes, retention (searching the raw file
//! bytes, WAL included), no 個人番号 or PIN in the files, and statistics against figures
//! computed by hand.

use chrono::{DateTime, Duration, FixedOffset};
use madoguchi::intake::{parse_intake, EventKind, Intake, Vocabulary};
use madoguchi::rules::{Applied, Determination, EventRef, ProcKind, SetRef};
use madoguchi::store::{
    migrate, page_code, CaseStatus, Clock, ErrorKind, Location, PageRef, Step, Store, StoreError,
};
use madoguchi::vals;
use std::path::{Path, PathBuf};

mod store_support;
use std::sync::{Arc, Mutex};
use store_support::targets;

/// A clock the test moves by hand.
#[derive(Clone)]
struct TestClock(Arc<Mutex<DateTime<FixedOffset>>>);

impl TestClock {
    fn at(s: &str) -> TestClock {
        TestClock(Arc::new(Mutex::new(
            DateTime::parse_from_rfc3339(s).unwrap(),
        )))
    }
    fn set(&self, s: &str) {
        *self.0.lock().unwrap() = DateTime::parse_from_rfc3339(s).unwrap();
    }
    fn advance(&self, secs: i64) {
        *self.0.lock().unwrap() += Duration::seconds(secs);
    }
    fn now(&self) -> DateTime<FixedOffset> {
        *self.0.lock().unwrap()
    }
    fn boxed(&self) -> Clock {
        let c = self.clone();
        Box::new(move || c.now())
    }
}

fn db(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("cases.sqlite3")
}

fn fixture() -> Intake {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/intakes/move-in-family.json"
    ))
    .unwrap();
    parse_intake(&text, &Vocabulary::core()).unwrap()
}

/// An intake of `kind` with `n` members; member 1 is named `name`, born `birth`, living at
/// `address`.
fn intake(kind: &str, n: usize, name: &str, birth: &str, address: &str) -> Intake {
    let members: Vec<String> = (1..=n)
        .map(|i| {
            let (nm, bd) = if i == 1 {
                (name.to_string(), birth.to_string())
            } else {
                (format!("家族　{i}"), format!("20{:02}-01-0{}", 10 + i, i))
            };
            format!(
                r#"{{"id":"m{i}","name":"{nm}","birth_date":"{bd}","relation":"{}"}}"#,
                if i == 1 { "head" } else { "child" }
            )
        })
        .collect();
    let text = format!(
        r#"{{"format":"madoguchi-intake/1","event":{{"kind":"{kind}","date":"2026-04-01","new_address":"{address}"}},
            "household":{{"address":"{address}","head":"m1","members":[{}],"facts":{{}}}}}}"#,
        members.join(",")
    );
    parse_intake(&text, &Vocabulary::core()).unwrap()
}

/// A determination with the given procedures: (id, counter, forms).
fn det(procs: &[(&str, &str, &[&str])]) -> Determination {
    Determination {
        procedure_set: SetRef {
            name: "test".into(),
            digest: "sha256:test".into(),
        },
        event: EventRef {
            kind: EventKind::MoveIn,
            date: chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap(),
        },
        procedures: procs
            .iter()
            .map(|(id, counter, forms)| Applied {
                id: id.to_string(),
                name: id.to_string(),
                kind: ProcKind::Form,
                section: "課".into(),
                counter: counter.to_string(),
                members: vec!["m1".into()],
                deadline: None,
                deadline_text: "速やかに".into(),
                deadlines: vec![],
                basis: "-".into(),
                reasons: vec!["理由".into()],
                bring: vec![],
                forms: forms.iter().map(|f| f.to_string()).collect(),
                extra: Default::default(),
            })
            .collect(),
        pending: vec![],
        excluded: vec![],
    }
}

fn real_determination(i: &Intake) -> (String, Determination) {
    let (set, _) = madoguchi::rules::load_embedded(None).unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 4, 6).unwrap();
    let d = madoguchi::rules::determine(i, &set, today);
    (set.digest.clone(), d)
}

fn contains(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    hay.windows(n.len()).any(|w| w == n)
}

#[test]
fn a_full_case_is_kept_found_by_page_code_and_audited() {
    for t in targets() {
        full_case(&t);
    }
}

fn full_case(t: &store_support::Target) {
    let clock = TestClock::at("2026-04-06T10:00:00+09:00");
    let mut s = Store::open_with_clock(&t.location(), clock.boxed()).unwrap();
    let id = s.open_case("窓口 花子", Some(EventKind::MoveIn)).unwrap();
    assert_eq!(id.code.len(), 8);
    assert_eq!(s.unfinished().unwrap()[0].code, id.code);

    clock.advance(40);
    s.record_step(&id, Step::CardRead).unwrap();
    let i = fixture();
    s.save_intake(&id, &i).unwrap();
    clock.advance(20);
    s.record_step(&id, Step::CardRead).unwrap(); // a second card (spouse): first time kept
    let (digest, d) = real_determination(&i);
    clock.advance(60);
    s.save_determination(&id, &digest, &d).unwrap();
    let manifest = r#"{"pages":[{"page":1,"form":"guidance","procedure":null,"member":null},
        {"page":2,"form":"juminido","procedure":"resident.move_in","member":null},
        {"page":3,"form":"nhi","procedure":"nhi.enroll","member":"m2"}]}"#;
    clock.advance(30);
    s.record_print(&id, manifest, Some("counter-1"), Some("42"))
        .unwrap();
    clock.advance(10);
    s.record_print(&id, manifest, Some("counter-2"), Some("43"))
        .unwrap();
    s.set_aside(&id, "dog.register", "犬は後日").unwrap();
    clock.advance(50);
    s.close_case(&id).unwrap();
    assert!(s.unfinished().unwrap().is_empty());

    let rec = s.load_case(&id.code.to_lowercase()).unwrap().unwrap();
    assert_eq!(rec.summary.status, CaseStatus::Closed);
    assert_eq!(rec.summary.household_size, Some(4));
    assert_eq!(rec.summary.event_kind.as_deref(), Some("move_in"));
    assert_eq!(rec.steps.opened_at, "2026-04-06T10:00:00+09:00");
    assert_eq!(
        rec.steps.card_read_at.as_deref(),
        Some("2026-04-06T10:00:40+09:00")
    );
    assert_eq!(
        rec.steps.determined_at.as_deref(),
        Some("2026-04-06T10:02:00+09:00")
    );
    assert_eq!(
        rec.steps.printed_at.as_deref(),
        Some("2026-04-06T10:02:30+09:00")
    );
    assert_eq!(
        rec.steps.closed_at.as_deref(),
        Some("2026-04-06T10:03:30+09:00")
    );
    assert_eq!(
        rec.intake.as_ref().unwrap(),
        &serde_json::from_str::<serde_json::Value>(&i.to_json()).unwrap()
    );
    assert_eq!(rec.set_digest.as_deref(), Some(digest.as_str()));
    assert_eq!(
        rec.determination.unwrap(),
        serde_json::to_value(&d).unwrap()
    );
    assert_eq!(
        rec.procedures,
        d.procedures
            .iter()
            .map(|p| p.id.clone())
            .collect::<Vec<_>>()
    );
    assert_eq!(rec.forms, d.form_ids());
    assert_eq!(rec.prints.len(), 2);
    assert_eq!(rec.set_asides[0].reason.as_deref(), Some("犬は後日"));
    // The resumed intake parses back to the same document.
    let back =
        madoguchi::intake::parse_intake_value(rec.intake.as_ref().unwrap(), &Vocabulary::core())
            .unwrap();
    assert_eq!(back, i);
    assert_eq!(
        s.load_case(&rec.summary.id.to_string())
            .unwrap()
            .unwrap()
            .summary
            .code,
        id.code
    );
    assert!(s.load_case("ZZZZZZZZ").unwrap().is_none());

    // Continuation from any page.
    let (found, page) = s
        .find_by_page_code(&page_code(&id.code, 3))
        .unwrap()
        .unwrap();
    assert_eq!(found.code, id.code);
    assert_eq!(
        page,
        Some(PageRef {
            page: 3,
            form: "nhi".into(),
            procedure: Some("nhi.enroll".into()),
            member: Some("m2".into())
        })
    );
    let (_, page) = s
        .find_by_page_code(&format!("mdgc{}p01", id.code.to_lowercase()))
        .unwrap()
        .unwrap();
    assert_eq!(page.unwrap().form, "guidance");
    let (_, page) = s
        .find_by_page_code(&page_code(&id.code, 9))
        .unwrap()
        .unwrap();
    assert_eq!(page, None, "a page the bundle does not have");
    assert!(s.find_by_page_code("MDGCZZZZZZZZP01").unwrap().is_none());
    assert!(s.find_by_page_code("garbage").unwrap().is_none());

    // The audit trail, in order, by the case's clerk, naming the case by code only.
    s.audit("supervisor", "procedure set loaded", &digest)
        .unwrap();
    let log = s.audit_log().unwrap();
    let actions: Vec<&str> = log.iter().map(|l| l.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "case opened",
            "card read",
            "intake saved",
            "card read",
            "determined",
            "printed",
            "reprinted",
            "procedure set aside",
            "closed",
            "procedure set loaded"
        ]
    );
    assert!(log[..9]
        .iter()
        .all(|l| l.actor == "窓口 花子" && l.case_code.as_deref() == Some(id.code.as_str())));
    for l in &log {
        assert!(
            !l.detail.contains("山田"),
            "personal data in the audit log: {l:?}"
        );
    }
    // Append-only, whatever SQL a tool runs (enforced in the database).
    assert!(s
        .with(|c| c.execute("UPDATE audit SET detail = 'x'", &[]))
        .is_err());
    assert!(s.with(|c| c.execute("DELETE FROM audit", &[])).is_err());
    if t.is_pg() {
        assert!(store_support::pg_exec(t, "TRUNCATE audit").is_err());
        assert!(store_support::pg_exec(t, "DELETE FROM audit").is_err());
    }
    assert_eq!(s.audit_log().unwrap().len(), log.len(), "{}", t.label());
    // No step can change a purged case, and a wrong id is refused.
    let wrong = madoguchi::store::CaseId {
        id: 999,
        code: "ZZZZZZZZ".into(),
    };
    assert!(matches!(
        s.record_step(&wrong, Step::QrRead),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        s.record_print(&id, "{\"x\":1}", None, None),
        Err(StoreError::Invalid(_))
    ));
}

#[cfg(unix)]
#[test]
fn files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub").join("cases.sqlite3");
    let mut s = Store::open(&path).unwrap();
    s.open_case("c", None).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&dir.path().join("sub/cases.sqlite3-wal")), 0o600);
    assert_eq!(mode(&dir.path().join("sub")), 0o700);
    drop(s);
    // An existing file readable by others is tightened at open.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _s = Store::open(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
}

#[test]
fn every_earlier_schema_version_is_upgraded() {
    let i = fixture();
    let (digest, d) = real_determination(&i);
    for from in 0..migrate::LATEST {
        for t in targets() {
            let clock = TestClock::at("2026-04-06T10:00:00+09:00");
            {
                let old = Store::open_location(
                    &Location::parse(&t.location()),
                    clock.boxed(),
                    Some(from),
                )
                .unwrap();
                assert_eq!(old.schema_version().unwrap(), from);
                if from >= 1 {
                    // A case as version 1 wrote it: JSON columns only, no anonymous columns.
                    old.with(|c| {
                        c.execute(
                            "INSERT INTO cases (code, clerk, event_kind, status, intake_json, set_digest, determination_json, opened_at, determined_at, closed_at)
                             VALUES ('ABCDEFGH', 'c', 'move_in', 'closed', ?1, ?2, ?3, '2026-01-05T10:00:00+09:00', '2026-01-05T10:02:00+09:00', '2026-01-05T10:05:00+09:00')",
                            vals![i.to_json(), digest.as_str(), serde_json::to_string(&d).unwrap()],
                        )?;
                        if from >= 2 {
                            // Version 2 wrote the anonymous columns itself.
                            let list = |v: Vec<String>| serde_json::to_string(&v).unwrap();
                            let counters: Vec<String> = d.procedures.iter().map(|p| p.counter.clone()).fold(vec![], |mut a, c| { if !a.contains(&c) { a.push(c) } a });
                            c.execute(
                                "UPDATE cases SET household_size = 4, procedures = ?1, forms = ?2, counters = ?3",
                                vals![
                                    list(d.procedures.iter().map(|p| p.id.clone()).collect()),
                                    list(d.form_ids().iter().map(|f| f.to_string()).collect()),
                                    list(counters)
                                ],
                            )?;
                        }
                        if from >= 3 {
                            // Version 3 wrote a status per applied procedure at its section.
                            c.execute("UPDATE cases SET updated_at = closed_at", &[])?;
                            for p in &d.procedures {
                                c.execute(
                                    "INSERT INTO procedure_status (case_id, procedure, section, status) \
                                     SELECT id, ?1, ?2, 'pending' FROM cases WHERE code = 'ABCDEFGH'",
                                    vals![p.id.as_str(), p.section.as_str()],
                                )?;
                            }
                        }
                        c.execute("INSERT INTO audit (at, actor, action, case_code) VALUES ('2026-01-05T10:00:00+09:00', 'c', 'case opened', 'ABCDEFGH')", &[])
                    })
                    .unwrap();
                }
            }
            let mut s = Store::open_with_clock(&t.location(), clock.boxed()).unwrap();
            let what = format!("from version {from} on {}", t.label());
            assert_eq!(s.schema_version().unwrap(), migrate::LATEST, "{what}");
            if from >= 1 {
                let rec = s.load_case("ABCDEFGH").unwrap().unwrap();
                assert_eq!(
                    rec.summary.household_size,
                    Some(4),
                    "backfilled from the intake ({what})"
                );
                assert_eq!(rec.forms, d.form_ids(), "backfilled from the determination");
                assert!(!rec.counters.is_empty());
                // Version 3: the old case's procedures have a status at their sections.
                let p = s.progress("ABCDEFGH").unwrap().unwrap();
                assert_eq!(p.procedures.len(), d.procedures.len(), "{what}");
                assert!(p
                    .procedures
                    .iter()
                    .all(|x| x.status == madoguchi::store::ProcStatus::Pending));
                // The old case can now be purged and still counts in the statistics.
                let r = s.purge(90, clock.now()).unwrap();
                assert_eq!(r.purged, ["ABCDEFGH"], "{what}");
                let st = s.stats(None).unwrap();
                assert_eq!((st.cases, st.forms_per_case.n), (1, 1));
                assert_eq!(st.case_seconds.median, 300.0);
                assert!(
                    s.with(|c| c.execute("DELETE FROM audit", &[])).is_err(),
                    "v1 triggers kept ({what})"
                );
            }
            // And the upgraded database works as a new one: every step of a case.
            let id = s.open_case("c", None).unwrap();
            s.save_intake(&id, &i).unwrap();
            s.record_step(&id, Step::QrRead).unwrap();
            s.save_determination(&id, &digest, &d).unwrap();
            s.record_print(&id, "[]", None, None).unwrap();
            let station = madoguchi::store::Station {
                counter: "2番窓口".into(),
                clerk: "c2".into(),
            };
            s.mark(
                &id,
                &d.procedures[0].id,
                madoguchi::store::ProcStatus::Done,
                None,
                &station,
            )
            .unwrap();
            s.close_case(&id).unwrap();
            // A mark of a procedure the case does not have changes nothing (one step, whole).
            let version = |s: &Store| {
                s.with(|c| c.query_one("SELECT version FROM cases WHERE id = ?1", vals![id.id]))
                    .unwrap()
            };
            let before = (s.audit_log().unwrap().len(), version(&s));
            let e = s
                .mark(
                    &id,
                    "no.such",
                    madoguchi::store::ProcStatus::Done,
                    None,
                    &station,
                )
                .unwrap_err();
            assert!(e.to_string().contains(&d.procedures[0].id), "{what}: {e}");
            assert_eq!(
                (s.audit_log().unwrap().len(), version(&s)),
                before,
                "{what}"
            );
            s.set_aside(&id, "x", "y").unwrap();
            let p = s.progress(&id.code).unwrap().unwrap();
            let marked = p
                .procedures
                .iter()
                .find(|x| x.id == d.procedures[0].id)
                .unwrap();
            assert_eq!(marked.status, madoguchi::store::ProcStatus::Done, "{what}");
            assert_eq!(marked.counter.as_deref(), Some("2番窓口"), "{what}");
            drop(s);
            // Opening again is a no-op.
            let s = Store::open(&t.location()).unwrap();
            assert_eq!(s.schema_version().unwrap(), migrate::LATEST);
        }
    }
}

#[test]
fn unusable_files_get_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // A file from a newer program.
    let path = db(&dir);
    {
        // A newer madoguchi's file: ours (application_id), a schema we do not know.
        Store::open(&path).unwrap();
        let c = rusqlite::Connection::open(&path).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let e = Store::open(&path).unwrap_err();
    assert!(matches!(e, StoreError::TooNew { found: 99, .. }), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Unavailable);

    // Not a database.
    let junk = dir.path().join("junk.sqlite3");
    std::fs::write(&junk, vec![b'x'; 8192]).unwrap();
    let e = Store::open(&junk).unwrap_err();
    assert!(matches!(e, StoreError::Corrupt(_)), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Unavailable);
    assert!(e.to_string().contains("壊れて"));

    // A folder that cannot exist (its parent is a file).
    let e = Store::open(&junk.join("cases.sqlite3")).unwrap_err();
    assert!(matches!(e, StoreError::Unavailable(_)), "{e:?}");
    assert_eq!(e.kind(), ErrorKind::Unavailable);

    // Locked beyond the busy timeout: another connection holds the write lock.
    let path = dir.path().join("locked.sqlite3");
    let mut s = Store::open(&path).unwrap();
    let other = rusqlite::Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    s.connection()
        .busy_timeout(std::time::Duration::from_millis(50))
        .unwrap();
    let e = s.open_case("c", None).unwrap_err();
    assert!(matches!(e, StoreError::Unavailable(_)), "{e:?}");
    assert!(e.to_string().contains("別のプロセス"));
    other.execute_batch("ROLLBACK").unwrap();
    s.open_case("c", None).unwrap();
}

#[test]
fn purge_leaves_no_personal_data_in_the_files() {
    for t in targets() {
        purge_case(&t);
    }
}

fn purge_case(t: &store_support::Target) {
    let clock = TestClock::at("2026-01-05T09:00:00+09:00");
    let mut s = Store::open_with_clock(&t.location(), clock.boxed()).unwrap();

    // Case A: closed on 2026-01-05, due for purging on 2026-04-06 (91 days later).
    let (name, address, birth) = ("消去　対象子", "まどぐち市消去町９丁目８番", "1957-03-21");
    let a = s.open_case("c", None).unwrap();
    s.record_step(&a, Step::CardRead).unwrap();
    // Saved several times, as the TUI does on every change: older copies sit in the WAL.
    for n in 1..=3 {
        s.save_intake(&a, &intake("move_in", n, name, birth, address))
            .unwrap();
    }
    let ia = intake("move_in", 3, name, birth, address);
    let (digest, d) = real_determination(&ia);
    s.save_determination(&a, &digest, &d).unwrap();
    let reason = format!("{name}さんは後日");
    s.set_aside(&a, "dog.register", &reason).unwrap();
    // A manifest richer than the contract (a name on a page): purged down to the ids.
    let manifest = format!(
        r#"[{{"page":1,"form":"guidance","procedure":null,"member":null,"title":"{name}様"}}]"#
    );
    s.record_print(&a, &manifest, None, None).unwrap();
    s.close_case(&a).unwrap();

    // Case B: closed recently, kept.
    clock.set("2026-04-01T09:00:00+09:00");
    let (name_b, address_b, birth_b) = ("保存　継続子", "まどぐち市保存町１丁目", "1961-11-30");
    let b = s.open_case("c", None).unwrap();
    s.save_intake(&b, &intake("move_within", 2, name_b, birth_b, address_b))
        .unwrap();
    s.close_case(&b).unwrap();
    // Case C: opened long ago and never touched again (a failed print, a killed counter):
    // abandoned, its personal data goes with the retention too.
    clock.set("2026-01-02T09:00:00+09:00");
    let c = s.open_case("c", None).unwrap();
    let (name_c, address_c) = ("放置　案件子", "まどぐち市放置町３番");
    s.save_intake(&c, &intake("move_in", 1, name_c, "1970-07-07", address_c))
        .unwrap();
    // Case D: opened as long ago, but someone worked on it last week: kept, listed.
    let d_case = s.open_case("c", None).unwrap();
    clock.set("2026-04-01T10:00:00+09:00");
    s.record_step(&d_case, Step::QrRead).unwrap();

    let before = t.dump();
    assert!(
        contains(&before, name) && contains(&before, address) && contains(&before, birth),
        "the search finds the data before the purge"
    );

    let now = DateTime::parse_from_rfc3339("2026-04-06T12:00:00+09:00").unwrap();
    // 91 days after A's close; B closed 5 days ago.
    let r = s.purge(90, now).unwrap();
    let mut want = vec![a.code.clone(), c.code.clone()];
    want.sort();
    let mut got = r.purged.clone();
    got.sort();
    assert_eq!(got, want, "{}", t.label());
    assert_eq!(r.abandoned, vec![c.code.clone()]);
    assert_eq!(r.stale_open, vec![d_case.code.clone()]);
    assert!(r.wal_truncated, "{:?}", r.notes);
    // A second purge finds nothing more.
    assert!(s.purge(90, now).unwrap().purged.is_empty());

    // Search the files as they are on disk, with the store still open (WAL present) …
    let after = t.dump();
    for needle in [name, address, birth, "消去町", "対象子", name_c, address_c] {
        assert!(
            !contains(&after, needle),
            "{needle:?} is still in the database files"
        );
    }
    // … while the kept case is still there (the search would find it).
    assert!(contains(&after, name_b) && contains(&after, address_b) && contains(&after, birth_b));

    // The anonymous record stays.
    let rec = s.load_case(&a.code).unwrap().unwrap();
    assert_eq!(rec.summary.status, CaseStatus::Purged);
    assert!(rec.intake.is_none() && rec.determination.is_none());
    assert_eq!(rec.summary.household_size, Some(3));
    assert_eq!(rec.summary.event_kind.as_deref(), Some("move_in"));
    assert_eq!(rec.forms, d.form_ids());
    assert_eq!(rec.set_asides[0].procedure, "dog.register");
    assert_eq!(rec.set_asides[0].reason, None);
    assert!(rec.steps.card_read_at.is_some() && rec.steps.closed_at.is_some());
    assert_eq!(
        rec.prints[0].manifest,
        serde_json::json!([{"page": 1, "form": "guidance", "procedure": null, "member": null}])
    );
    assert!(s
        .audit_log()
        .unwrap()
        .iter()
        .any(|l| l.action == "purged" && l.case_code.as_deref() == Some(a.code.as_str())));
    // A purged case cannot take personal data again.
    assert!(matches!(
        s.save_intake(&a, &ia),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(s.stats(None).unwrap().cases, 4);
    assert_eq!(
        s.load_case(&c.code).unwrap().unwrap().summary.status,
        CaseStatus::Purged
    );

    // And after the store is closed, too.
    drop(s);
    let closed = t.dump();
    for needle in [name, address, birth, name_c] {
        assert!(!contains(&closed, needle));
    }
    let s = Store::open(&t.location()).unwrap();
    if !t.is_pg() {
        let ok: String = s
            .connection()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
    }
}

#[test]
fn no_individual_number_or_pin_after_a_full_case() {
    // What a card read hands over at the counter: the 4-digit PIN typed by the resident, and
    // the card also holds the 12-digit 個人番号. Neither may end up in the database.
    let pin = "4826";
    let kojin_bango = "318425609149"; // valid check digit
    for t in targets() {
        let clock = TestClock::at("2026-04-06T10:00:00+09:00");
        let mut s = Store::open_with_clock(&t.location(), clock.boxed()).unwrap();
        let id = s.open_case("c", None).unwrap();
        s.record_step(&id, Step::CardRead).unwrap();
        // The intake refuses the number, under any of its names and as a value.
        for bad in [
            format!(
                r#"{{"format":"madoguchi-intake/1","event":{{"kind":"move_in","date":"2026-04-01"}},"household":{{"members":[{{"id":"m1","name":"a","birth_date":"1980-01-01","my_number":"{kojin_bango}"}}],"facts":{{}}}}}}"#
            ),
            format!(
                r#"{{"format":"madoguchi-intake/1","event":{{"kind":"move_in","date":"2026-04-01","new_address":"{kojin_bango}"}},"household":{{"members":[{{"id":"m1","name":"a","birth_date":"1980-01-01"}}],"facts":{{}}}}}}"#
            ),
        ] {
            assert!(parse_intake(&bad, &Vocabulary::core()).is_err());
        }
        let i = fixture();
        s.save_intake(&id, &i).unwrap();
        let (digest, d) = real_determination(&i);
        s.save_determination(&id, &digest, &d).unwrap();
        s.record_print(
            &id,
            r#"[{"page":1,"form":"guidance","procedure":null,"member":null}]"#,
            Some("p"),
            Some("1"),
        )
        .unwrap();
        // A careless caller: the audit log redacts a number-shaped detail.
        s.audit("c", "note", &format!("card {kojin_bango}"))
            .unwrap();
        s.close_case(&id).unwrap();
        let bytes = t.dump();
        assert!(contains(&bytes, "山田"), "the search sees the case");
        assert!(
            !contains(&bytes, kojin_bango),
            "個人番号 in the database files"
        );
        assert!(!contains(&bytes, pin), "PIN in the database files");
        assert!(s
            .audit_log()
            .unwrap()
            .iter()
            .any(|l| l.detail == "card [redacted]"));
    }
}

#[test]
fn statistics_match_hand_computed_figures() {
    for t in targets() {
        statistics(&t);
    }
}

fn statistics(t: &store_support::Target) {
    let clock = TestClock::at("2026-04-06T10:00:00+09:00");
    let mut s = Store::open_with_clock(&t.location(), clock.boxed()).unwrap();
    let p = |n: usize, counters: usize, forms: usize| -> Vec<(String, String, Vec<String>)> {
        (0..n)
            .map(|k| {
                (
                    format!("p{k}"),
                    format!("{}番窓口", k % counters + 1),
                    if k < forms {
                        vec![format!("f{k}")]
                    } else {
                        vec![]
                    },
                )
            })
            .collect()
    };
    let to_det = |v: &[(String, String, Vec<String>)]| {
        let forms: Vec<Vec<&str>> = v
            .iter()
            .map(|x| x.2.iter().map(String::as_str).collect())
            .collect();
        let procs: Vec<(&str, &str, &[&str])> = v
            .iter()
            .zip(&forms)
            .map(|(x, f)| (x.0.as_str(), x.1.as_str(), f.as_slice()))
            .collect();
        det(&procs)
    };
    // (open time, kind, members, (procedures, counters, forms), steps as (step, seconds after the previous))
    type Plan<'a> = (
        &'a str,
        &'a str,
        usize,
        (usize, usize, usize),
        Vec<(Step, i64)>,
    );
    let plans: Vec<Plan> = vec![
        (
            "2026-04-06T10:00:00+09:00",
            "move_within",
            4,
            (5, 3, 4),
            vec![
                (Step::CardRead, 60),
                (Step::Determined, 120),
                (Step::Printed, 30),
                (Step::Closed, 90),
            ],
        ),
        (
            "2026-04-06T11:00:00+09:00",
            "move_within",
            1,
            (2, 1, 1),
            vec![
                (Step::QrRead, 30),
                (Step::Determined, 60),
                (Step::Printed, 60),
                (Step::Closed, 30),
            ],
        ),
        (
            "2026-04-07T09:00:00+09:00",
            "move_in",
            2,
            (4, 2, 3),
            vec![
                (Step::CardRead, 120),
                (Step::Determined, 240),
                (Step::Printed, 60),
                (Step::Closed, 180),
            ],
        ),
        (
            "2026-04-07T14:00:00+09:00",
            "household_change",
            3,
            (6, 4, 2),
            vec![(Step::CardRead, 90), (Step::Determined, 300)],
        ),
    ];
    for (open, kind, members, (np, nc, nf), steps) in &plans {
        clock.set(open);
        let id = s.open_case("c", None).unwrap();
        s.save_intake(
            &id,
            &intake(kind, *members, "統計　用", "1990-01-01", "まどぐち市"),
        )
        .unwrap();
        for (step, secs) in steps {
            clock.advance(*secs);
            match step {
                Step::Determined => s
                    .save_determination(&id, "sha256:test", &to_det(&p(*np, *nc, *nf)))
                    .unwrap(),
                st => s.record_step(&id, *st).unwrap(),
            }
        }
    }
    let st = s.stats(None).unwrap();
    assert_eq!((st.cases, st.closed), (4, 3));
    assert_eq!(st.kinds, ["move_in", "move_within", "household_change"]);
    assert_eq!((st.per_kind["move_in"], st.per_kind["move_within"]), (1, 2));
    assert_eq!(st.days.len(), 2);
    assert_eq!(st.days[0].date.to_string(), "2026-04-06");
    assert_eq!(
        (st.days[0].cases, st.days[0].per_kind["move_within"]),
        (2, 2)
    );
    assert_eq!(
        (st.days[1].cases, st.days[1].per_kind["household_change"]),
        (2, 1)
    );
    let f = |x: madoguchi::store::Summary| (x.n, x.mean, x.median, x.p90);
    // procedures [5,2,4,6]: mean 4.25, median (4+5)/2, p90 = ⌈3.6⌉ = 4th smallest = 6
    assert_eq!(f(st.procedures_per_case), (4, 4.25, 4.5, 6.0));
    assert_eq!(f(st.forms_per_case), (4, 2.5, 2.5, 4.0)); // [4,1,3,2]
    assert_eq!(f(st.counters_per_household), (4, 2.5, 2.5, 4.0)); // [3,1,2,4]
    assert_eq!(f(st.household_size), (4, 2.5, 2.5, 4.0)); // [4,1,2,3]
    let step = |s: Step| {
        f(st.step_seconds
            .iter()
            .find(|r| r.step == s)
            .unwrap()
            .seconds)
    };
    assert_eq!(step(Step::CardRead), (3, 90.0, 90.0, 120.0)); // [60,120,90]
    assert_eq!(step(Step::QrRead), (1, 30.0, 30.0, 30.0));
    assert_eq!(step(Step::Determined), (4, 180.0, 180.0, 300.0)); // [120,60,240,300] after card/QR
    assert_eq!(step(Step::Printed), (3, 50.0, 60.0, 60.0)); // [30,60,60]
    assert_eq!(step(Step::Closed), (3, 100.0, 90.0, 180.0)); // [90,30,180]
    assert_eq!(f(st.case_seconds), (3, 360.0, 300.0, 600.0)); // [300,180,600]
    assert_eq!(f(st.days[0].case_seconds), (2, 240.0, 240.0, 300.0));
    assert_eq!(f(st.days[1].case_seconds), (1, 600.0, 600.0, 600.0));
    // The 北見 anchors: a 4-person 転居 (case 1, 300 s); no 1-person 転入 here.
    let anchor = |k: &str| st.anchors.iter().find(|a| a.event_kind == k).unwrap();
    assert_eq!(
        (
            anchor("move_within").household_size,
            anchor("move_within").after_seconds
        ),
        (4, 150.0)
    );
    assert_eq!(f(anchor("move_within").measured), (1, 300.0, 300.0, 300.0));
    assert_eq!(anchor("move_in").measured.n, 0);

    let since = s
        .stats(Some(chrono::NaiveDate::from_ymd_opt(2026, 4, 7).unwrap()))
        .unwrap();
    assert_eq!(since.cases, 2);
    assert_eq!(f(since.procedures_per_case), (2, 5.0, 5.0, 6.0));

    let table = st.table_ja();
    assert!(table.contains("受付 4件 (完了 3件)"), "{table}");
    assert!(table.contains("2026-04-06"));
    assert!(table.contains("5分00秒"), "median per case: {table}");
    assert!(
        table.lines().any(|l| l.contains("北見市 4人の転居")
            && l.contains("7分00秒 → 2分30秒")
            && l.trim_end().ends_with("5分00秒     1")),
        "{table}"
    );
    let csv = st.csv();
    assert!(csv.starts_with("metric,key,n,value\n"));
    for line in [
        "cases,total,,4",
        "cases_per_day_kind,2026-04-07 household_change,,1",
        "procedures_per_case,mean,4,4.25",
        "seconds_to_determined,median,4,180",
        "seconds_per_case,p90,3,600",
    ] {
        assert!(csv.lines().any(|l| l == line), "{line} missing from\n{csv}");
    }
    let svg = st.svg();
    assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
    assert!(svg.contains("日別の受付件数") && svg.contains("04/07"));
}

#[test]
fn tls_is_used_when_the_url_asks_and_a_bad_url_is_bad_input() {
    let Some(t) = store_support::postgres() else {
        return;
    };
    let url = t.location().display().to_string();
    // The test cluster speaks no TLS: a URL that requires it must not fall back to plain.
    let e = Store::open(Path::new(&format!("{url}?sslmode=require"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    // Without sslmode (or disable), plain.
    Store::open(Path::new(&format!("{url}?sslmode=disable"))).unwrap();
    let e = Store::open(Path::new(&format!("{url}?sslmode=sometimes"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BadInput, "{e}");
    // The password never shows in a message.
    let (_, rest) = url.split_once("://").unwrap();
    let bad = format!(
        "postgresql://nobody:s3cret-pass@{}",
        rest.split_once('@').unwrap().1
    );
    let e = Store::open(Path::new(&format!("{bad}_missing"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unavailable, "{e}");
    assert!(!e.to_string().contains("s3cret-pass"), "{e}");
    assert!(e.to_string().contains("***"), "{e}");
}

/// Statistics across counters (issue #15) from marks really made on the store: cases per
/// counter and section, reception → last section, waiting between sections.
#[test]
fn statistics_across_counters_follow_the_marks_of_each_section() {
    use madoguchi::store::{ProcStatus, Station};
    for t in targets() {
        let clock = TestClock::at("2026-04-06T10:00:00+09:00");
        let mut s = Store::open_with_clock(&t.location(), clock.boxed()).unwrap();
        s.set_counter("1番窓口");
        let at = |hm: &str| format!("2026-04-06T{hm}:00+09:00");
        let station = |c: &str| Station {
            counter: c.into(),
            clerk: "職員".into(),
        };
        let with_sections = |procs: &[(&str, &str)]| {
            let mut d = det(&procs
                .iter()
                .map(|p| (p.0, "窓口", &[][..]))
                .collect::<Vec<_>>());
            for (a, p) in d.procedures.iter_mut().zip(procs) {
                a.section = p.1.into();
            }
            d
        };
        // Case 1: opened 10:00 at 1番窓口; 市民課 10:05; 保険年金課 10:20 and 10:30: complete.
        let one = s.open_case("受付", Some(EventKind::MoveIn)).unwrap();
        s.save_intake(&one, &fixture()).unwrap();
        s.save_determination(
            &one,
            "sha256:test",
            &with_sections(&[("a", "市民課"), ("b", "保険年金課"), ("c", "保険年金課")]),
        )
        .unwrap();
        clock.set(&at("10:05"));
        s.mark(&one, "a", ProcStatus::Done, None, &station("1番窓口"))
            .unwrap();
        clock.set(&at("10:20"));
        s.mark(&one, "b", ProcStatus::Done, None, &station("2番窓口"))
            .unwrap();
        clock.set(&at("10:30"));
        s.mark(
            &one,
            "c",
            ProcStatus::SetAside,
            Some("後日"),
            &station("2番窓口"),
        )
        .unwrap();
        s.close_case(&one).unwrap();
        // Case 2: opened 11:00 at 1番窓口; 市民課 done at 11:10, 子育て支援課 still pending.
        clock.set(&at("11:00"));
        let two = s.open_case("受付", Some(EventKind::MoveIn)).unwrap();
        s.save_determination(
            &two,
            "sha256:test",
            &with_sections(&[("a", "市民課"), ("d", "子育て支援課")]),
        )
        .unwrap();
        clock.set(&at("11:10"));
        s.mark(&two, "a", ProcStatus::Done, None, &station("1番窓口"))
            .unwrap();

        let f = s.stats(None).unwrap().flow;
        let l = t.label();
        assert_eq!(f.cases_per_counter.get("1番窓口"), Some(&2), "{l}");
        assert_eq!(f.cases_per_section.get("市民課"), Some(&2), "{l}");
        assert_eq!(f.cases_per_section.get("保険年金課"), Some(&1), "{l}");
        assert_eq!(f.cases_per_section.get("子育て支援課"), Some(&1), "{l}");
        assert_eq!(f.marks_per_counter.get("2番窓口"), Some(&2), "{l}");
        assert_eq!(f.marks_per_counter.get("1番窓口"), Some(&2), "{l}");
        assert_eq!((f.complete, f.in_progress), (1, 1), "{l}");
        // 10:00 → 10:30, the complete case only.
        assert_eq!(f.reception_to_last_section.n, 1, "{l}");
        assert_eq!(f.reception_to_last_section.median, 1800.0, "{l}");
        // 市民課's last mark 10:05 → 保険年金課's first 10:20.
        assert_eq!(f.waiting_between_sections.n, 1, "{l}");
        assert_eq!(f.waiting_between_sections.median, 900.0, "{l}");
        // The supervisor's list: only the case with something pending, with its age.
        let open = s.in_progress().unwrap();
        assert_eq!(
            open.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(),
            [two.code.as_str()],
            "{l}"
        );
        assert_eq!(open[0].age_seconds, 600, "{l}: opened 11:00, now 11:10");
        assert_eq!(open[0].waiting_at, ["子育て支援課"], "{l}");
    }
}
