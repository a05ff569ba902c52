//! What the bad-input tests share: the checkout, a command's stderr, and the one outcome every
//! refusal must have (the right exit code, no panic, the message naming what and where).

use std::path::PathBuf;
use std::process::Output;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit `code` (2 bad input, 3 unavailable), no panic, every `what` in the message.
#[track_caller]
pub fn assert_refused(out: &Output, code: i32, what: &[&str]) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "a panic: {err}");
    assert_eq!(out.status.code(), Some(code), "stderr: {err}");
    for w in what {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
}
