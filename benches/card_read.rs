//! A full PIN read of the 基本4情報 through pcscd + vpcd (the real path: `pcsc` crate,
//! libpcsclite, pcscd, the vpcd driver, a virtual card on a TCP socket), and the same read
//! against the in-process virtual card (the protocol's own cost). Prints median and p99,
//! and the APDUs per read.
//!
//! `cargo bench --bench card_read` (add `-- --samples N`, default 200). Under `cargo test`
//! (no `--bench` argument) it runs a few samples as a smoke test. Without pcscd/vpcd the
//! PC/SC part is skipped, or fails with `MADOGUCHI_REQUIRE_SERVICES=1`.

use madoguchi::card::{self, Secret, VirtualCard, VPCD_PORT_2};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const READER: &str = "Virtual PCD 00 01";

fn identity() -> VirtualCard {
    let birth = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).unwrap();
    VirtualCard::new(
        "山田\u{3000}太郎",
        "東京都千代田区霞が関１－１－１",
        birth,
        Some(madoguchi::intake::Sex::Male),
    )
}

fn report(what: &str, mut t: Vec<Duration>, apdus: usize) {
    t.sort();
    let slow = t.iter().filter(|d| **d > Duration::from_millis(10)).count();
    let q = |p: f64| t[((t.len() as f64 * p).ceil() as usize).clamp(1, t.len()) - 1];
    println!(
        "{what}: {} reads, median {:.3} ms, p99 {:.3} ms, min {:.3} ms, max {:.3} ms, {slow} over 10 ms, {apdus} APDUs per read",
        t.len(),
        q(0.5).as_secs_f64() * 1e3,
        q(0.99).as_secs_f64() * 1e3,
        t[0].as_secs_f64() * 1e3,
        t[t.len() - 1].as_secs_f64() * 1e3,
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bench = args.iter().any(|a| a == "--bench");
    let samples = args
        .iter()
        .position(|a| a == "--samples")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(if bench { 200 } else { 3 });
    let pin = Secret::pin("1234").unwrap();

    // In process: the protocol and the parser alone.
    let mut c = identity();
    let probe = c.probe();
    let mut t = Vec::with_capacity(samples * 10);
    for _ in 0..samples * 10 {
        c.reset();
        probe.reset_count();
        let t0 = Instant::now();
        let b = card::read_basic4(&mut c, &pin).unwrap();
        t.push(t0.elapsed());
        assert_eq!(b.birth_date.to_string(), "1980-01-01");
    }
    report("in-process virtual card", t, probe.apdus());

    // Through pcscd + vpcd.
    let require = std::env::var("MADOGUCHI_REQUIRE_SERVICES").as_deref() == Ok("1");
    let ready = card::list_readers().is_ok_and(|l| l.iter().any(|r| r.name == READER));
    if !ready {
        assert!(
            !require,
            "MADOGUCHI_REQUIRE_SERVICES=1 but pcscd/vpcd ({READER}) is not there"
        );
        eprintln!("*** SKIPPED the pcscd + vpcd benchmark: no {READER} (run scripts/services) ***");
        return;
    }
    let _vpcd = card::lock_vpcd().expect("vpcd lock file");
    let card = identity();
    let probe = card.probe();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let th = std::thread::spawn(move || card::run_vpcd(card, VPCD_PORT_2, s));
    let t0 = Instant::now();
    while !card::list_readers()
        .unwrap()
        .iter()
        .any(|r| r.name == READER && r.card_present)
    {
        assert!(
            t0.elapsed() < Duration::from_secs(15),
            "virtual card never appeared"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // One read to warm up (pcscd's first connect powers the card).
    card::read_basic4_pcsc(Some(READER), &pin).unwrap();
    let mut t = Vec::with_capacity(samples);
    let mut apdus = 0;
    for _ in 0..samples {
        probe.reset_count();
        let t0 = Instant::now();
        let (_, b) = card::read_basic4_pcsc(Some(READER), &pin).unwrap();
        t.push(t0.elapsed());
        apdus = probe.apdus();
        assert_eq!(b.birth_date.to_string(), "1980-01-01");
    }
    stop.store(true, Ordering::SeqCst);
    let _ = th.join();
    report(
        "pcscd + vpcd (establish, connect, transaction, 7 APDUs, reset)",
        t,
        apdus,
    );
}
