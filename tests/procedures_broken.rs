//! A corpus of broken definition files (`tests/fixtures/broken/<case>/`): each case overlays
//! its files on a copy of the shipped set; `madoguchi procedures check` must refuse the set
//! (exit 2) and report the expected diagnostic at the expected `file:line:column`, with the
//! source line and a caret. `expect.txt` holds the location, then the message.

use std::path::{Path, PathBuf};
use std::process::Command;

use madoguchi::forms::template::CATALOGUE_FORMS as FORM_IDS;

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.path().is_dir() {
            copy_dir(&e.path(), &target);
        } else if e.file_name() != "expect.txt" {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

fn check(dir: &Path, templates: &Path) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_madoguchi"))
        .args(["procedures", "check"])
        .arg(dir)
        .arg("--templates")
        .arg(templates)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn every_broken_file_gets_its_located_diagnostic() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().unwrap();
    let templates = tmp.path().join("templates");
    std::fs::create_dir_all(&templates).unwrap();
    for id in FORM_IDS {
        std::fs::write(templates.join(format!("{id}.toml")), "").unwrap();
    }
    // The shipped set itself passes.
    let (code, err) = check(&root.join("procedures"), &templates);
    assert_eq!(code, 0, "the shipped set must pass: {err}");

    let mut cases: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures/broken"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let expect = std::fs::read_to_string(case.join("expect.txt")).unwrap();
        let mut lines = expect.lines();
        let (location, message) = (lines.next().unwrap(), lines.next().unwrap());
        let set = tmp.path().join(&name);
        copy_dir(&root.join("procedures"), &set);
        copy_dir(&case, &set);
        let (code, err) = check(&set, &templates);
        assert_eq!(
            code, 2,
            "{name}: a broken set is refused with exit 2\n{err}"
        );
        let block = err
            .split("\nerror: ")
            .map(|b| b.trim_start_matches("error: "))
            .find(|b| b.starts_with(message))
            .unwrap_or_else(|| panic!("{name}: no diagnostic `{message}` in:\n{err}"));
        assert!(
            block.contains(&format!("--> {location}\n")),
            "{name}: expected at {location}:\n{block}"
        );
        assert!(
            block.contains(" | ") && block.contains('^'),
            "{name}: the source line and a caret are shown:\n{block}"
        );
        assert!(
            err.contains("refused as a whole"),
            "{name}: the whole set is refused"
        );
    }
}
