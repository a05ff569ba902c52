//! Reading rendered PDFs in tests, as a person checking the paper would: poppler's `pdftotext`.
//! In CI (`MADOGUCHI_REQUIRE_SERVICES=1`) a missing tool is a failure, never a skip.

use std::path::Path;
use std::process::Command;

/// Whether `tool` (pdftotext, zbarimg) runs here; panics in CI when it does not.
pub fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("-v").output().is_ok();
    if !ok {
        if std::env::var("MADOGUCHI_REQUIRE_SERVICES").as_deref() == Ok("1") {
            panic!("{tool} is required (MADOGUCHI_REQUIRE_SERVICES=1): install poppler-utils and zbar-tools");
        }
        eprintln!("skipping: {tool} is not installed");
    }
    ok
}

/// The text of one page (1-based) with its layout, as pdftotext prints it (U+3000 kept), or
/// of the whole document with `None`.
pub fn pdftotext(pdf: &Path, page: Option<usize>) -> String {
    let mut cmd = Command::new("pdftotext");
    if let Some(p) = page {
        let p = p.to_string();
        cmd.args(["-f", &p, "-l", &p, "-layout"]);
    }
    let out = cmd.arg(pdf).arg("-").output().expect("pdftotext runs");
    assert!(
        out.status.success(),
        "pdftotext {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
