//! Issue 14 (hardening), through the command line as a user meets it: one test per numbered
//! defect this crate's CLI owns. Every bad input gets exit 2 with the place and the reason,
//! every unavailable device or file exit 3, never exit 1 or a panic.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    c.arg("--today").arg("2026-04-06");
    c
}

/// Runs madoguchi with `stdin`, in a private HOME so no test touches a real database.
#[allow(dead_code)] // used by the tests of the next defects
fn run_in(home: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs madoguchi");
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    // Written on a thread: the program may stop reading early (that is what some tests check).
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The outcome every bad-input test expects: exit 2, no panic, the message naming `what`.
#[track_caller]
fn assert_refused(out: &Output, code: i32, what: &[&str]) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "a panic: {err}");
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    for w in what {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
}

fn family_path() -> PathBuf {
    root().join("fixtures/intakes/move-in-family.json")
}

// ---- defect 4: full disk, closed pipe ----

#[test]
fn defect4_full_disk_and_closed_pipe_never_panic_nor_exit_0_silently() {
    let home = tempfile::tempdir().unwrap();
    let family = family_path();
    let family = family.to_str().unwrap();
    let parts = std::fs::read(root().join("fixtures/qr/family.parts.txt")).unwrap();
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let cases: Vec<(Vec<&str>, &[u8])> = vec![
        (vec!["determine", "--intake", family], b""),
        (
            vec!["determine", "--intake", family, "--format", "json"],
            b"",
        ),
        (vec!["qr", "decode"], &parts),
        (vec!["procedures", "list"], b""),
        (vec!["procedures", "check", "procedures/"], b""),
    ];
    for (args, stdin) in &cases {
        // stdout on a full disk: exit 3 and a message, never 0 with nothing written.
        let mut child = bin()
            .current_dir(root())
            .args(args)
            .env("HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(full())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_refused(&out, 3, &["cannot write the output", "No space left"]);

        // stdout a pipe nobody reads any more: a quiet end by SIGPIPE, like other Unix tools.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut child = bin()
            .current_dir(root())
            .args(args)
            .env("HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGPIPE),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(stderr(&out), "", "{args:?}: quiet");
    }
    // Messages to a full stderr: still the right exit code, no panic.
    let out = bin()
        .args(["determine", "--intake", "/nonexistent/intake.json"])
        .env("HOME", home.path())
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
