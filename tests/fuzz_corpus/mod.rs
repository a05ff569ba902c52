//! The committed seed corpus of a fuzz target (`fuzz/corpus/<target>/seed-*`), for the stable
//! tests that replay the targets' bodies over it.

use std::path::Path;

pub fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut v: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("seed-"))
        })
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert!(!v.is_empty(), "empty corpus {}", dir.display());
    v.sort();
    v
}
