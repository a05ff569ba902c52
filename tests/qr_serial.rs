//! The serial scanner path through a pseudo-terminal pair, as a real USB CDC scanner sends it:
//! `socat -d -d pty,raw,echo=0 pty,raw,echo=0` links two ptys; the reader thread opens one,
//! the test writes the parts into the other (in 64-byte USB packets, ending lines with CR LF,
//! CR, LF or nothing), then pulls the device away and plugs it back in.
//!
//! Needs `socat`; with `MADOGUCHI_REQUIRE_SERVICES=1` its absence is a failure, not a skip.

use madoguchi::intake::{parse_intake, Intake, Vocabulary};
use madoguchi::qr::serial::{spawn_serial_scanner, ScannerEvent};
use madoguchi::qr::{Assembler, Feed};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

fn socat_available() -> bool {
    let ok = Command::new("socat")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok && std::env::var("MADOGUCHI_REQUIRE_SERVICES").as_deref() == Ok("1") {
        panic!(
            "socat is required (MADOGUCHI_REQUIRE_SERVICES=1): install it with scripts/deps --test"
        );
    }
    ok
}

/// A socat pty pair: `scanner` is the device the reader opens, `feeder` is where the test
/// plays the scanner.
struct PtyPair {
    child: Child,
    feeder: PathBuf,
}

impl PtyPair {
    fn start(dir: &Path) -> PtyPair {
        let (scanner, feeder) = (dir.join("scanner"), dir.join("feeder"));
        let _ = std::fs::remove_file(&scanner);
        let _ = std::fs::remove_file(&feeder);
        let child = Command::new("socat")
            .arg("-d")
            .arg("-d")
            .arg(format!("pty,raw,echo=0,link={}", scanner.display()))
            .arg(format!("pty,raw,echo=0,link={}", feeder.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("socat starts");
        let until = Instant::now() + Duration::from_secs(5);
        while !(scanner.exists() && feeder.exists()) {
            assert!(Instant::now() < until, "socat made no ptys");
            std::thread::sleep(Duration::from_millis(20));
        }
        PtyPair { child, feeder }
    }

    /// Writes as a USB CDC device does: 64-byte packets, a moment apart.
    fn send(&self, bytes: &[u8]) {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(&self.feeder)
            .expect("feeder pty opens");
        for packet in bytes.chunks(64) {
            f.write_all(packet).unwrap();
            f.flush().unwrap();
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The device disappears (unplugged): socat ends and both ptys go away.
    fn unplug(mut self) {
        // SIGTERM (socat then removes its links); this is our own child, ended by its id.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let until = Instant::now() + Duration::from_secs(3);
        while self.child.try_wait().ok().flatten().is_none() {
            if Instant::now() > until {
                let _ = self.child.kill();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.wait();
    }
}

impl Drop for PtyPair {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn next(rx: &Receiver<ScannerEvent>) -> ScannerEvent {
    rx.recv_timeout(Duration::from_secs(5))
        .expect("an event from the scanner thread")
}

fn family() -> (Intake, Vec<String>) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let intake = parse_intake(
        &std::fs::read_to_string(root.join("fixtures/intakes/move-in-family.json")).unwrap(),
        &Vocabulary::core(),
    )
    .unwrap();
    let parts = std::fs::read_to_string(root.join("fixtures/qr/family.parts.txt"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    (intake, parts)
}

/// Reads parts until the set is complete.
fn assemble(rx: &Receiver<ScannerEvent>, n: usize) -> Intake {
    let mut a = Assembler::new(Vocabulary::core());
    for _ in 0..n {
        match next(rx) {
            ScannerEvent::Part(p) => {
                if let Ok(Feed::Complete(i)) = a.feed(&p) {
                    return i;
                }
            }
            other => panic!("expected a part, got {other:?}"),
        }
    }
    panic!("the set did not complete");
}

#[test]
fn serial_scanner_lines_assemble_and_survive_a_replug() {
    if !socat_available() {
        eprintln!("SKIPPED: socat not installed");
        return;
    }
    let (intake, parts) = family();
    let dir = tempfile::tempdir().unwrap();
    let pair = PtyPair::start(dir.path());
    let device = dir.path().join("scanner");
    let (tx, rx) = channel();
    let handle = spawn_serial_scanner(device.clone(), tx);
    assert_eq!(
        next(&rx),
        ScannerEvent::Connected(device.display().to_string())
    );

    // CR LF after the first part, CR after the second; a stray empty line in between.
    pair.send(format!("{}\r\n\r\n{}\r", parts[1], parts[0]).as_bytes());
    assert_eq!(assemble(&rx, 2), intake);

    // Another barcode (not ours) comes through as a line; the assembler says what it is.
    pair.send(b"4901234567894\n");
    assert_eq!(next(&rx), ScannerEvent::Part("4901234567894".into()));

    // Unplugged...
    pair.unplug();
    assert_eq!(
        next(&rx),
        ScannerEvent::Disconnected(device.display().to_string())
    );
    // ...and plugged back in: the thread reopens the same path by itself.
    std::thread::sleep(Duration::from_millis(400));
    let pair = PtyPair::start(dir.path());
    assert_eq!(
        next(&rx),
        ScannerEvent::Connected(device.display().to_string())
    );

    // A scanner set to send no suffix at all: lines end with the silence after them; and
    // one set to LF with Caps Lock on.
    pair.send(parts[0].as_bytes());
    std::thread::sleep(Duration::from_millis(500));
    pair.send(format!("mdg1{}\n", &parts[1][4..]).as_bytes());
    assert_eq!(assemble(&rx, 2), intake);

    handle.stop();
    drop(pair);
}

#[test]
fn a_missing_device_is_waited_for() {
    if !socat_available() {
        eprintln!("SKIPPED: socat not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let device = dir.path().join("scanner");
    let (tx, rx) = channel();
    let handle = spawn_serial_scanner(device.clone(), tx);
    // Nothing there yet: no event, no busy loop ending the thread.
    assert!(rx.recv_timeout(Duration::from_millis(500)).is_err());
    let pair = PtyPair::start(dir.path());
    assert_eq!(
        next(&rx),
        ScannerEvent::Connected(device.display().to_string())
    );
    let t = Instant::now();
    handle.stop();
    assert!(
        t.elapsed() < Duration::from_secs(2),
        "stop() returns promptly"
    );
    drop(pair);
}
