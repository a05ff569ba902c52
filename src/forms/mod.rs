//! Pre-filled forms, the guidance sheet and printing (issue 5).
//!
//! Template files live in `templates/` (one `<form id>.toml` per form); the set shipped with
//! the program is embedded.

use include_dir::{include_dir, Dir};
use std::collections::BTreeSet;
use std::path::Path;

/// The templates shipped inside the binary.
pub static EMBEDDED_TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// The form ids a template folder defines (file stems of `*.toml` at its top level), or of
/// the embedded templates when `dir` is `None`.
pub fn template_ids(dir: Option<&Path>) -> BTreeSet<String> {
    let stem = |p: &Path| -> Option<String> {
        (p.extension()? == "toml").then(|| p.file_stem()?.to_str().map(str::to_string))?
    };
    match dir {
        Some(d) => std::fs::read_dir(d)
            .map(|rd| rd.flatten().filter_map(|e| stem(&e.path())).collect())
            .unwrap_or_default(),
        None => EMBEDDED_TEMPLATES
            .files()
            .filter_map(|f| stem(f.path()))
            .collect(),
    }
}
