//! Eight counters writing at once, through in-process store calls (not whole prints): each
//! writer thread has its own connection and, case after case, opens a case, saves the
//! intake, records a QR read, saves the determination, records the print, closes it — and
//! marks its own procedure of one case shared by all eight, the way sections mark a case
//! continued from reception. On SQLite (one file) and on PostgreSQL (a throwaway cluster).
//! Prints step writes per second and the median/p99 latency of one write; checks that no
//! update was lost (every mark of every writer is in the shared case's history, and each
//! writer's last mark is its procedure's status).
//!
//! `cargo bench --bench store_writers` (add `-- --cases N`, default 100 per writer). Under
//! `cargo test` (no `--bench` argument) it runs 3 cases per writer as a check. PostgreSQL:
//! `MADOGUCHI_TEST_PG`, else a cluster from `scripts/pg-test-cluster`; without one the
//! PostgreSQL half is skipped, or fails with `MADOGUCHI_REQUIRE_SERVICES=1`.

use madoguchi::store::{ProcStatus, Station, Step, Store};
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

#[path = "../tests/store_support/mod.rs"]
mod store_support;

const WRITERS: usize = 8;

fn intake_and_determination() -> (
    madoguchi::intake::Intake,
    String,
    madoguchi::rules::Determination,
) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/intakes/move-in-family.json"
    ))
    .unwrap();
    let (set, _) = madoguchi::rules::load_embedded(None).unwrap();
    let i = madoguchi::intake::parse_intake(&text, &set.vocabulary).unwrap();
    let d = madoguchi::rules::determine(
        &i,
        &set,
        chrono::NaiveDate::from_ymd_opt(2026, 4, 6).unwrap(),
    );
    (i, set.digest.clone(), d)
}

struct Outcome {
    label: &'static str,
    writes: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

fn run(label: &'static str, location: &Path, cases: usize) -> Outcome {
    let (intake, digest, det) = intake_and_determination();
    let (intake, det) = (Arc::new(intake), Arc::new(det));
    // Writers mark procedure w mod n (two writers may share one: both marks must stay).
    let n_procs = det.procedures.len();
    assert!(n_procs >= 2);
    // The shared case, continued by every writer.
    let shared = {
        let mut s = Store::open(location).unwrap();
        let id = s.open_case("受付", None).unwrap();
        s.save_intake(&id, &intake).unwrap();
        s.save_determination(&id, &digest, &det).unwrap();
        id
    };
    let barrier = Arc::new(Barrier::new(WRITERS));
    let start = Instant::now();
    let threads: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (location, intake, det, digest, shared, barrier) = (
                location.to_path_buf(),
                intake.clone(),
                det.clone(),
                digest.clone(),
                shared.clone(),
                barrier.clone(),
            );
            std::thread::spawn(move || {
                let mut s = Store::open(&location).unwrap();
                let station = Station {
                    counter: format!("{}番窓口", w + 1),
                    clerk: format!("職員{w}"),
                };
                s.set_counter(&station.counter);
                let mine = det.procedures[w % det.procedures.len()].id.clone();
                let manifest = r#"[{"page":1,"form":"guidance","procedure":null,"member":null}]"#;
                let mut lat = Vec::with_capacity(cases * 8);
                let mut timed = |f: &mut dyn FnMut()
                    -> Result<(), madoguchi::store::StoreError>| {
                    let t = Instant::now();
                    f().unwrap();
                    lat.push(t.elapsed());
                };
                barrier.wait();
                for n in 0..cases {
                    let mut id = None;
                    timed(&mut || {
                        id = Some(s.open_case(&station.clerk, None)?);
                        Ok(())
                    });
                    let id = id.unwrap();
                    timed(&mut || s.save_intake(&id, &intake));
                    timed(&mut || s.record_step(&id, Step::QrRead));
                    timed(&mut || s.save_determination(&id, &digest, &det));
                    timed(&mut || s.record_print(&id, manifest, Some("p"), None));
                    timed(&mut || s.close_case(&id));
                    // This section's procedure of the shared case: done, then pending again.
                    let st = if n.is_multiple_of(2) {
                        ProcStatus::Done
                    } else {
                        ProcStatus::Pending
                    };
                    timed(&mut || s.mark(&shared, &mine, st, None, &station).map(|_| ()));
                }
                lat
            })
        })
        .collect();
    let mut latencies = vec![];
    for t in threads {
        latencies.extend(t.join().unwrap());
    }
    let elapsed = start.elapsed();

    // Zero lost updates: every mark is in the history, each writer's last one is the status.
    let s = Store::open(location).unwrap();
    let recs = s.anonymous_records().unwrap();
    let shared_rec = recs.iter().find(|r| !r.marks.is_empty()).unwrap();
    assert_eq!(
        shared_rec.marks.len(),
        WRITERS * cases,
        "{label}: marks lost"
    );
    let p = s.progress(&shared.code).unwrap().unwrap();
    for w in 0..WRITERS {
        let st = p
            .procedures
            .iter()
            .find(|x| x.id == det.procedures[w % n_procs].id)
            .unwrap();
        let want = if (cases - 1).is_multiple_of(2) {
            ProcStatus::Done
        } else {
            ProcStatus::Pending
        };
        assert_eq!(st.status, want, "{label}: writer {w}'s last mark lost");
        // Writers sharing a procedure: the status is the last of their marks.
        let sharing: Vec<String> = (0..WRITERS)
            .filter(|v| v % n_procs == w % n_procs)
            .map(|v| format!("{}番窓口", v + 1))
            .collect();
        assert!(sharing.contains(st.counter.as_ref().unwrap()), "{label}");
    }
    assert_eq!(recs.len(), 1 + WRITERS * cases, "{label}: cases lost");
    Outcome {
        label,
        writes: latencies.len(),
        elapsed,
        latencies,
    }
}

fn report(o: &mut Outcome) {
    o.latencies.sort();
    let q = |p: f64| {
        let t = &o.latencies;
        t[((t.len() as f64 * p).ceil() as usize).clamp(1, t.len()) - 1]
    };
    println!(
        "{}: {WRITERS} writers, {} step writes in {:.2} s: {:.0} writes/s, median {:.2} ms, p99 {:.2} ms, max {:.2} ms, 0 lost updates",
        o.label,
        o.writes,
        o.elapsed.as_secs_f64(),
        o.writes as f64 / o.elapsed.as_secs_f64(),
        q(0.5).as_secs_f64() * 1e3,
        q(0.99).as_secs_f64() * 1e3,
        o.latencies[o.latencies.len() - 1].as_secs_f64() * 1e3,
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let timed = args.iter().any(|a| a == "--bench");
    let cases = args
        .iter()
        .position(|a| a == "--cases")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(if timed { 100 } else { 3 });
    let sqlite = store_support::sqlite();
    let mut out = vec![run("SQLite", &sqlite.location(), cases)];
    if let Some(pg) = store_support::postgres() {
        out.push(run("PostgreSQL", &pg.location(), cases));
    }
    for o in &mut out {
        report(o);
    }
}
