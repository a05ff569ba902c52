//! Printing: the printer double records its arguments and a failure keeps the bundle with
//! exit 3; `madoguchi print` writes bundle.pdf and manifest.json; and, with cupsd and the
//! cups-pdf queue `madoguchi-pdf` (`scripts/services`), a real job comes out with every page.
//!
//! With `MADOGUCHI_REQUIRE_SERVICES=1` (CI) a missing cupsd or queue is a failure, not a skip.

use madoguchi::cli::exit;
use madoguchi::cli::print::send;
use madoguchi::forms::printer::{Cups, PrintError, PrintJob, Printer, RecordingPrinter};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const QUEUE: &str = "madoguchi-pdf";

fn required() -> bool {
    std::env::var("MADOGUCHI_REQUIRE_SERVICES").as_deref() == Ok("1")
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_madoguchi"))
}

fn print_fixture(out: &Path, extra: &[&str]) -> std::process::Output {
    bin()
        .args([
            "--today",
            "2026-04-06",
            "print",
            "--intake",
            "fixtures/intakes/move-in-family.json",
            "--out",
        ])
        .arg(out)
        .arg("--no-record")
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn the_double_records_and_a_failure_keeps_the_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("bundle.pdf");
    std::fs::write(&pdf, b"%PDF-1.7").unwrap();
    let mut job = PrintJob::new("counter-2", "7K3M9QXA");
    job.copies = 2;
    let mut ok = RecordingPrinter::default();
    assert_eq!(send(&mut ok, &pdf, &job), exit::OK);
    let (path, j, args) = &ok.calls[0];
    assert_eq!(path, &pdf);
    assert_eq!(
        j.title, "madoguchi 7K3M9QXA",
        "no personal data in the job title"
    );
    assert_eq!(
        args[..8],
        [
            "-d",
            "counter-2",
            "-o",
            "media=A4",
            "-n",
            "2",
            "-t",
            "madoguchi 7K3M9QXA"
        ]
    );
    let mut off = RecordingPrinter {
        fail_with: Some(PrintError::Offline(
            "counter-2".into(),
            "printer counter-2 disabled".into(),
        )),
        ..Default::default()
    };
    assert_eq!(send(&mut off, &pdf, &job), exit::DEVICE);
    assert!(pdf.exists(), "the bundle is kept for a retry");
}

#[test]
fn print_writes_the_bundle_and_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let out = print_fixture(dir.path(), &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = std::fs::read(dir.path().join("bundle.pdf")).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["format"], "madoguchi-bundle/1");
    let pages = m["pages"].as_array().unwrap();
    assert_eq!(pages[0]["form"], "guidance");
    assert!(pages.iter().any(|p| p["form"] == "juminido"));
    let code = m["case_code"].as_str().unwrap();
    assert_eq!(pages[1]["code"], format!("MDGC{code}P02"));
    // Same intake, same bytes.
    let dir2 = tempfile::tempdir().unwrap();
    assert!(print_fixture(dir2.path(), &[]).status.success());
    assert!(pdf == std::fs::read(dir2.path().join("bundle.pdf")).unwrap());
}

#[test]
fn an_unknown_printer_is_exit_3_and_the_bundle_stays() {
    let dir = tempfile::tempdir().unwrap();
    let out = print_fixture(dir.path(), &["--printer", "no-such-queue-xyz"]);
    assert_eq!(
        out.status.code(),
        Some(exit::DEVICE),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no-such-queue-xyz"), "{err}");
    assert!(dir.path().join("bundle.pdf").exists());
}

fn cups_ready() -> bool {
    let running = Command::new("lpstat")
        .arg("-r")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("is running"))
        .unwrap_or(false);
    let queue = running
        && Command::new("lpstat")
            .args(["-p", QUEUE])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
    if !queue {
        if required() {
            panic!("cupsd with the {QUEUE} queue is required (run scripts/services)");
        }
        eprintln!("skipping: cupsd / {QUEUE} not available (scripts/services sets them up)");
    }
    queue
}

/// Where cups-pdf writes: `Out` in cups-pdf.conf (`${HOME}/PDF` by default) or the spool.
fn cups_pdf_dirs() -> Vec<PathBuf> {
    let mut dirs = vec![];
    if let Ok(d) = std::env::var("MADOGUCHI_CUPS_PDF_OUT") {
        dirs.push(PathBuf::from(d));
    }
    if let Ok(h) = std::env::var("HOME") {
        dirs.push(Path::new(&h).join("PDF"));
    }
    dirs.push("/root/PDF".into());
    dirs.push("/var/spool/cups-pdf/ANONYMOUS".into());
    if let Ok(user) = std::env::var("USER") {
        dirs.push(Path::new("/var/spool/cups-pdf").join(user));
    }
    dirs
}

#[test]
fn a_real_job_through_cups_pdf() {
    if !cups_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = print_fixture(dir.path(), &[]);
    assert!(out.status.success());
    let m: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("manifest.json")).unwrap())
            .unwrap();
    let code = m["case_code"].as_str().unwrap().to_string();
    let pages = m["pages"].as_array().unwrap().len();
    let started = std::time::SystemTime::now() - Duration::from_secs(2);

    let mut cups = Cups::default();
    let printed = cups
        .print(&dir.path().join("bundle.pdf"), &PrintJob::new(QUEUE, &code))
        .expect("the job prints");
    assert!(printed.job_id.starts_with(QUEUE), "{printed:?}");

    // cups-pdf names the file after the job title ("madoguchi <code>").
    let deadline = Instant::now() + Duration::from_secs(30);
    let found = loop {
        let hit = cups_pdf_dirs().into_iter().find_map(|d| {
            std::fs::read_dir(&d)
                .ok()?
                .flatten()
                .map(|e| e.path())
                .find(|p| {
                    p.file_name()
                        .is_some_and(|n| n.to_string_lossy().contains(&code))
                        && p.metadata()
                            .and_then(|m| m.modified())
                            .is_ok_and(|t| t >= started)
                })
        });
        if let Some(p) = hit {
            // Wait until cups-pdf has finished writing it.
            std::thread::sleep(Duration::from_millis(500));
            break p;
        }
        assert!(
            Instant::now() < deadline,
            "no cups-pdf output for {code} in {:?}",
            cups_pdf_dirs()
        );
        std::thread::sleep(Duration::from_millis(250));
    };
    let info = Command::new("pdfinfo").arg(&found).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(
        info.contains(&format!("Pages:           {pages}")),
        "{info}"
    );
    assert!(info.contains("A4"), "{info}");
    let _ = std::fs::remove_file(&found);
}

#[test]
fn a_disabled_queue_is_reported_before_sending() {
    if !cups_ready() {
        return;
    }
    // A queue of our own, disabled: the check refuses it with the reason.
    let q = "madoguchi-test-off";
    let _ = Command::new("lpadmin")
        .args(["-p", q, "-E", "-v", "file:/dev/null", "-m", "raw"])
        .output();
    let made = Command::new("lpstat")
        .args(["-p", q])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !made {
        eprintln!("skipping: cannot add a test queue (lpadmin)");
        return;
    }
    let _ = Command::new("cupsdisable").arg(q).output();
    let r = Cups::default().check_queue(q);
    let _ = Command::new("lpadmin").args(["-x", q]).output();
    assert!(matches!(r, Err(PrintError::Offline(..))), "{r:?}");
}

#[test]
fn missing_glyphs_are_shown_and_stop_printing_until_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let mut v: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("fixtures/intakes/move-in-family.json").unwrap(),
    )
    .unwrap();
    v["household"]["members"][0]["name"] = "山田　\u{E000}郎".into();
    let intake = dir.path().join("gaiji.json");
    std::fs::write(&intake, v.to_string()).unwrap();
    let out = bin()
        .args(["--today", "2026-04-06", "print", "--intake"])
        .arg(&intake)
        .arg("--out")
        .arg(dir.path())
        .args(["--no-record", "--printer", "queue-not-reached"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(exit::BAD_INPUT), "{err}");
    assert!(err.contains("U+E000") && err.contains("氏名"), "{err}");
    assert!(err.contains("--accept-missing-glyphs"), "{err}");
    assert!(
        !err.contains("queue-not-reached"),
        "nothing was sent: {err}"
    );
    assert!(dir.path().join("bundle.pdf").exists());
}
