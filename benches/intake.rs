//! The intake parser on large inputs (issue 14: a 2 MB intake once took 47 s, the duplicate-id
//! check comparing every pair). Goal: a 2 MB intake of 10,000 members parsed in well under a
//! second; the 個人番号 detector linear in its text.
//!
//! `cargo bench --bench intake` (release, timed); under `cargo test` (as CI runs it) each
//! measure runs once, unoptimized, as a smoke test.

use madoguchi::intake::{contains_individual_number, parse_intake, Vocabulary};
use std::time::Instant;

/// A household of `n` members: about 230 bytes of JSON each (10,000 members ≈ 2.3 MB).
fn large_intake(n: usize, duplicate_last: bool) -> String {
    let members: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let id = if duplicate_last && i == n - 1 {
                "m1".to_string()
            } else {
                format!("m{}", i + 1)
            };
            serde_json::json!({
                "id": id, "name": format!("山田　太郎{i}"), "kana": "ヤマダ　タロウ",
                "birth_date": "1980-01-01", "sex": "male",
                "relation": if i == 0 { "head" } else { "child" },
                "facts": { "health_insurance": "employee", "mynumber_card": true, "pension": "category2" }
            })
        })
        .collect();
    serde_json::json!({
        "format": "madoguchi-intake/1",
        "event": { "kind": "move_in", "date": "2026-04-01", "notified_on": "2026-04-06" },
        "household": { "address": "まどぐち市本町３丁目５番８号", "head": "m1", "members": members }
    })
    .to_string()
}

/// CPU time of this thread in seconds: what the parser itself costs, without the time the
/// scheduler gives other processes on a loaded machine.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

fn main() {
    let vocab = Vocabulary::core();
    let runs = if cfg!(debug_assertions) { 1 } else { 10 };
    for (what, text, ok) in [
        ("10,000 members", large_intake(10_000, false), true),
        (
            "10,000 members, the last id a duplicate",
            large_intake(10_000, true),
            false,
        ),
    ] {
        let (mut best_cpu, mut best_wall) = (f64::MAX, f64::MAX);
        for _ in 0..runs {
            let (t, c) = (Instant::now(), thread_cpu());
            let r = parse_intake(std::hint::black_box(&text), &vocab);
            best_cpu = best_cpu.min(thread_cpu() - c);
            best_wall = best_wall.min(t.elapsed().as_secs_f64());
            assert_eq!(r.is_ok(), ok, "{what}");
        }
        println!(
            "parse_intake, {what} ({:.1} MB): best of {runs}: CPU {:.0} ms, wall {:.0} ms",
            text.len() as f64 / 1e6,
            best_cpu * 1e3,
            best_wall * 1e3
        );
        if !cfg!(debug_assertions) {
            assert!(
                best_cpu < 0.5,
                "a 2 MB intake must parse in well under a second"
            );
        }
    }
    // The detector over a megabyte of text full of digit groups.
    let text = "090-1234-5678 〒181-0004 ".repeat(40_000);
    let c = thread_cpu();
    assert!(!contains_individual_number(std::hint::black_box(&text)));
    println!(
        "contains_individual_number, {:.1} MB of phone numbers and postal codes: CPU {:.0} ms",
        text.len() as f64 / 1e6,
        (thread_cpu() - c) * 1e3
    );
}
