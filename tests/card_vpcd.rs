//! The real path: `madoguchi card …` → the `pcsc` crate → libpcsclite → pcscd → the vpcd
//! driver → a virtual card (in a thread via `run_vpcd`, or the `card emulate` binary).
//!
//! Needs pcscd running with vsmartcard-vpcd (`scripts/services`). With
//! `MADOGUCHI_REQUIRE_SERVICES=1` (CI, `scripts/test-all`) a missing service fails the tests;
//! without it they are skipped with a loud message. vpcd has one virtual card slot per port,
//! so every test here holds one lock.

use madoguchi::card::{
    self, CardError, ReaderEvent, TriesLeft, VirtualCard, VPCD_PORT, VPCD_PORT_2,
};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// In-process lock (the tests of this binary run in parallel threads); `lock_vpcd` adds the
/// cross-process one.
static VPCD: Mutex<()> = Mutex::new(());

const READER_0: &str = "Virtual PCD 00 00";
const READER_1: &str = "Virtual PCD 00 01";

fn reader_of(port: u16) -> &'static str {
    if port == VPCD_PORT {
        READER_0
    } else {
        READER_1
    }
}

/// Takes the vpcd lock if pcscd with vpcd is there; otherwise fails (CI) or skips.
fn services() -> Option<(MutexGuard<'static, ()>, card::VpcdLock)> {
    let guard = VPCD.lock().unwrap_or_else(|e| e.into_inner());
    let guard = (guard, card::lock_vpcd().expect("vpcd lock file"));
    let problem = match card::list_readers() {
        Ok(l) if l.iter().any(|r| r.name == READER_0) && l.iter().any(|r| r.name == READER_1) => {
            None
        }
        Ok(l) => Some(format!(
            "vpcd readers missing (readers: {:?})",
            l.iter().map(|r| &r.name).collect::<Vec<_>>()
        )),
        Err(e) => Some(format!("pcscd: {}", e.message_en())),
    };
    match problem {
        None => Some(guard),
        Some(p) if std::env::var("MADOGUCHI_REQUIRE_SERVICES").as_deref() == Ok("1") => {
            panic!("MADOGUCHI_REQUIRE_SERVICES=1 but {p}; run scripts/services")
        }
        Some(p) => {
            eprintln!("\n*** SKIPPED: {p}. Install pcscd + vsmartcard-vpcd and run scripts/services. ***\n");
            None
        }
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/cards")
        .join(name)
}

fn wait_card(reader: &str, present: bool) {
    let t0 = Instant::now();
    loop {
        let l = card::list_readers().expect("list readers");
        if l.iter()
            .any(|r| r.name == reader && r.card_present == present)
        {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(15),
            "{reader}: card_present never became {present}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A virtual card inserted into a vpcd slot for the life of this value.
struct Inserted {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<Result<(), CardError>>>,
    reader: &'static str,
    probe: card::CardProbe,
}

fn insert_at(card: VirtualCard, port: u16) -> Inserted {
    let stop = Arc::new(AtomicBool::new(false));
    let probe = card.probe();
    let s = stop.clone();
    let thread = std::thread::spawn(move || card::run_vpcd(card, port, s));
    let reader = reader_of(port);
    wait_card(reader, true);
    probe.reset_count();
    Inserted {
        stop,
        thread: Some(thread),
        reader,
        probe,
    }
}

fn insert(card: VirtualCard) -> Inserted {
    insert_at(card, VPCD_PORT)
}

impl Inserted {
    fn remove(mut self) -> Result<(), CardError> {
        self.stop.store(true, Ordering::SeqCst);
        let r = self.thread.take().unwrap().join().unwrap();
        wait_card(self.reader, false);
        r
    }
}

impl Drop for Inserted {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
            wait_card(self.reader, false);
        }
    }
}

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn madoguchi(args: &[&str], stdin: &str) -> Out {
    let mut child = Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run madoguchi");
    // A command refusing its arguments exits before reading stdin: the pipe may be closed
    // by then, which is no failure of the command (its exit code and messages are checked).
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    let o = child.wait_with_output().unwrap();
    Out {
        code: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

fn read_json(reader: &str, pin: &str) -> Out {
    madoguchi(
        &["card", "read", "--reader", reader, "--pin-stdin", "--json"],
        &format!("{pin}\n"),
    )
}

#[test]
fn read_prints_the_four_facts_in_seven_apdus() {
    let Some(_g) = services() else { return };
    let c = VirtualCard::from_toml_file(&fixture("yamada-taro.toml")).unwrap();
    let ins = insert(c);
    let o = read_json(READER_0, "1234");
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"name": "山田　太郎", "address": "東京都千代田区霞が関１－１－１",
            "birth_date": "1980-01-01", "sex": "male", "reader": READER_0})
    );
    assert_eq!(ins.probe.apdus(), 7, "APDUs of a PIN read through pcscd");
    assert!(!ins.probe.forbidden_touched());
    // The PIN never reaches the output.
    assert!(!o.stdout.contains("1234") && !o.stderr.contains("1234"));
    // The read ended with a card reset: the next session is not verified, so the tries
    // query answers 63 C3, not 90 00 ("not reported").
    assert_eq!(
        card::query_tries_pcsc(Some(READER_0), false).unwrap().1,
        TriesLeft::Known(3)
    );
    ins.remove().unwrap();
}

#[test]
fn first_reader_with_a_card_is_chosen() {
    let Some(_g) = services() else { return };
    let c = VirtualCard::from_toml_file(&fixture("nakamura-not-applicable.toml")).unwrap();
    let _ins = insert_at(c, VPCD_PORT_2);
    let o = madoguchi(&["card", "read", "--pin-stdin", "--json"], "0505\n");
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(
        (
            v["sex"].as_str(),
            v["reader"].as_str(),
            v["birth_date"].as_str()
        ),
        (Some("not_applicable"), Some(READER_1), Some("1989-01-07"))
    );
}

#[test]
fn emulate_binary_serves_odd_characters() {
    let Some(_g) = services() else { return };
    let mut emu = Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(["card", "emulate"])
        .arg(fixture("takahashi-yoshiko.toml"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_card(READER_0, true);
    let o = read_json(READER_0, "2580");
    let _ = emu.kill();
    let _ = emu.wait();
    wait_card(READER_0, false);
    assert_eq!(o.code, 0, "{}", o.stderr);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    assert_eq!(v["name"], "髙﨑　𠮷子");
    assert_eq!(
        v["address"],
        "北海道札幌市中央区北一条西２丁目１２－７－２０２　サンハイツ髙﨑１０２号室"
    );
    assert_eq!(v["sex"], "female");
}

#[test]
fn wrong_pin_counts_down_then_blocks() {
    let Some(_g) = services() else { return };
    let c = VirtualCard::from_toml_file(&fixture("yamada-taro.toml")).unwrap();
    let _ins = insert(c);
    let o = read_json(READER_0, "0000");
    assert_eq!(o.code, 4);
    assert!(
        o.stderr.contains("暗証番号が違います") && o.stderr.contains("あと2回"),
        "{}",
        o.stderr
    );
    assert!(o.stdout.is_empty());
    let o = read_json(READER_0, "0000");
    assert_eq!(o.code, 4);
    assert!(
        o.stderr.contains("【注意】") && o.stderr.contains("あと1回"),
        "{}",
        o.stderr
    );
    assert_eq!(
        card::query_tries_pcsc(Some(READER_0), false).unwrap().1,
        TriesLeft::Known(1)
    );
    let o = read_json(READER_0, "0000");
    assert_eq!(o.code, 4);
    assert!(
        o.stderr.contains("ロックされています") && o.stderr.contains("市区町村の窓口"),
        "{}",
        o.stderr
    );
    // Now even the right PIN is refused.
    let o = read_json(READER_0, "1234");
    assert_eq!(o.code, 4);
    assert!(o.stderr.contains("ロックされています"));
}

#[test]
fn blocked_card_offers_code_b_which_still_reads() {
    let Some(_g) = services() else { return };
    let c = VirtualCard::from_toml_file(&fixture("suzuki-blocked.toml")).unwrap();
    let _ins = insert(c);
    let o = read_json(READER_0, "1111");
    assert_eq!(o.code, 4);
    assert!(
        o.stderr.contains("照合番号B") && o.stderr.contains("手入力"),
        "{}",
        o.stderr
    );
    assert_eq!(
        card::query_tries_pcsc(Some(READER_0), false).unwrap_err(),
        CardError::Blocked
    );
    // 照合番号B from the card face: 昭和30年6月15日 → 300615, expiry 2029, code 7777.
    let face = card::code_b_from_card_face(
        chrono::NaiveDate::from_ymd_opt(1955, 6, 15).unwrap(),
        2029,
        "7777",
    )
    .unwrap();
    drop(face);
    let o = madoguchi(
        &[
            "card",
            "read",
            "--reader",
            READER_0,
            "--code-b-stdin",
            "--json",
        ],
        "30061520297777\n",
    );
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("鈴木　一郎"));
    let o = madoguchi(
        &["card", "read", "--reader", READER_0, "--code-b-stdin"],
        "30061520290000\n",
    );
    assert_eq!(o.code, 4);
    assert!(o.stderr.contains("照合番号Bが違います"), "{}", o.stderr);
}

#[test]
fn last_try_is_warned_before_typing() {
    let Some(_g) = services() else { return };
    let c = VirtualCard::from_toml_file(&fixture("sato-last-try.toml")).unwrap();
    let _ins = insert(c);
    assert_eq!(
        card::query_tries_pcsc(Some(READER_0), false).unwrap().1,
        TriesLeft::Known(1)
    );
    let o = read_json(READER_0, "9876");
    assert_eq!(o.code, 0, "{}", o.stderr);
    assert!(o.stdout.contains("\"birth_date\":\"2019-05-01\""));
}

#[test]
fn not_a_my_number_card() {
    let Some(_g) = services() else { return };
    let c = VirtualCard::from_toml_file(&fixture("not-my-number.toml")).unwrap();
    let _ins = insert(c);
    let o = read_json(READER_0, "0000");
    assert_eq!(o.code, 4);
    assert!(
        o.stderr.contains("マイナンバーカードではありません"),
        "{}",
        o.stderr
    );
}

#[test]
fn card_pulled_mid_read() {
    let Some(_g) = services() else { return };
    // Answers the selects, the tries query and VERIFY, then leaves before the record.
    let c = VirtualCard::from_toml_file(&fixture("yamada-taro.toml"))
        .unwrap()
        .pull_after(5);
    let ins = insert(c);
    let o = read_json(READER_0, "1234");
    assert_eq!(o.code, 3, "{}", o.stderr);
    assert!(
        o.stderr.contains("読み取りの途中でカードが外れました"),
        "{}",
        o.stderr
    );
    assert!(o.stdout.is_empty());
    let _ = ins.remove();
}

#[test]
fn no_card_and_unknown_reader_are_device_errors() {
    let Some(_g) = services() else { return };
    wait_card(READER_0, false);
    let o = read_json(READER_0, "1234");
    assert_eq!(o.code, 3);
    assert!(
        o.stderr.contains("カードが置かれていません"),
        "{}",
        o.stderr
    );
    let o = read_json("No Such Reader 00 00", "1234");
    assert_eq!(o.code, 3);
    assert!(
        o.stderr.contains("カードリーダーが見つかりません"),
        "{}",
        o.stderr
    );
}

#[test]
fn bad_input_is_exit_2_and_touches_no_card() {
    let Some(_g) = services() else { return };
    let c = VirtualCard::from_toml_file(&fixture("yamada-taro.toml")).unwrap();
    let ins = insert(c);
    let o = madoguchi(&["card", "read", "--json"], "1234\n");
    assert_eq!(o.code, 2);
    let o = read_json(READER_0, "12345");
    assert_eq!(o.code, 2);
    assert!(o.stderr.contains("数字4桁"));
    let o = read_json(READER_0, "");
    assert_eq!(o.code, 2);
    assert_eq!(
        ins.probe.apdus(),
        0,
        "nothing may be sent for a malformed PIN"
    );
    // The PIN cannot be given as an argument.
    let o = madoguchi(&["card", "read", "--pin", "1234"], "");
    assert_eq!(o.code, 2);
}

#[test]
fn readers_lists_cards() {
    let Some(_g) = services() else { return };
    let _ins = insert(VirtualCard::from_toml_file(&fixture("yamada-taro.toml")).unwrap());
    let o = madoguchi(&["card", "readers", "--json"], "");
    assert_eq!(o.code, 0);
    let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap();
    let r0 = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == READER_0)
        .unwrap();
    assert_eq!(
        (r0["card_present"].as_bool(), r0["atr"].as_str()),
        (Some(true), Some("3BE000FF8131FE4514"))
    );
}

#[test]
fn watcher_reports_insert_and_remove_and_stops_promptly() {
    let Some(_g) = services() else { return };
    let (tx, rx) = std::sync::mpsc::channel();
    let w = card::spawn_watcher(tx);
    let next = |what: &str| -> ReaderEvent {
        rx.recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("no event: waited for {what}"))
    };
    // First the readers already there.
    let mut added = vec![];
    while added.len() < 2 {
        if let ReaderEvent::ReaderAdded(r) = next("reader_added") {
            added.push(r);
        }
    }
    assert!(added.contains(&READER_0.to_string()) && added.contains(&READER_1.to_string()));
    let ins = insert_at(
        VirtualCard::from_toml_file(&fixture("yamada-taro.toml")).unwrap(),
        VPCD_PORT_2,
    );
    loop {
        match next("card_inserted") {
            ReaderEvent::CardInserted { reader, atr } if reader == READER_1 => {
                assert_eq!(atr, card::virtual_card::DEFAULT_ATR);
                break;
            }
            _ => continue,
        }
    }
    ins.remove().unwrap();
    loop {
        if next("card_removed")
            == (ReaderEvent::CardRemoved {
                reader: READER_1.to_string(),
            })
        {
            break;
        }
    }
    let t0 = Instant::now();
    w.stop();
    assert!(
        t0.elapsed() < Duration::from_millis(700),
        "stop took {:?}",
        t0.elapsed()
    );
}

#[test]
fn watch_command_prints_json_lines() {
    let Some(_g) = services() else { return };
    let mut child = Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(["card", "watch"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for l in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(l).is_err() {
                break;
            }
        }
    });
    let wait_for = |needle: &str| loop {
        let l = rx
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| panic!("no line with {needle}"));
        let v: serde_json::Value = serde_json::from_str(&l).unwrap();
        if v["event"] == needle && v["reader"] == READER_0 {
            return v;
        }
    };
    wait_for("reader_added");
    let ins = insert(VirtualCard::from_toml_file(&fixture("yamada-taro.toml")).unwrap());
    assert_eq!(wait_for("card_inserted")["atr"], "3BE000FF8131FE4514");
    ins.remove().unwrap();
    wait_for("card_removed");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn reader_held_exclusively_is_busy() {
    let Some(_g) = services() else { return };
    let _ins = insert(VirtualCard::from_toml_file(&fixture("yamada-taro.toml")).unwrap());
    let ctx = pcsc::Context::establish(pcsc::Scope::User).unwrap();
    let name = std::ffi::CString::new(READER_0).unwrap();
    let held = ctx
        .connect(&name, pcsc::ShareMode::Exclusive, pcsc::Protocols::ANY)
        .unwrap();
    let o = read_json(READER_0, "1234");
    drop(held);
    assert_eq!(o.code, 3, "{}", o.stderr);
    assert!(o.stderr.contains("使用中"), "{}", o.stderr);
}

#[test]
fn no_service_is_a_device_error() {
    // libpcsclite finds pcscd through this socket path: point it nowhere.
    let mut child = Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(["card", "read", "--pin-stdin", "--json"])
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"1234\n").unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(3));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("pcscd") && err.contains("動いていません"),
        "{err}"
    );
    let o = Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(["card", "readers"])
        .env("PCSCLITE_CSOCK_NAME", "/nonexistent/pcscd.comm")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(3));
}
