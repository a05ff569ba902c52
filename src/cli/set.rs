//! The procedure set a command works on, and publishing one: a folder (`--procedures` or a
//! command's own argument), the set published on the case database (a counter configured with
//! `procedures = "published"`), or the set embedded in the program.

use super::database::{config, fail, open_store};
use super::{exit, Global};
use crate::rules::loader::{self, SourceFile};
use crate::rules::{Diagnostic, ProcedureSet};
use std::path::Path;

/// The set's files: a folder, or the embedded set.
pub fn files(dir: Option<&Path>) -> Result<Vec<SourceFile>, Vec<Diagnostic>> {
    match dir {
        Some(d) => loader::read_dir_files(d),
        None => Ok(loader::embedded_files()),
    }
}

pub fn print_diags(diags: &[Diagnostic]) {
    for d in diags {
        crate::say!("{d}");
    }
}

/// The form templates a set's form ids are checked against (none found: not checked).
pub fn known_forms(g: &Global) -> Option<std::collections::BTreeSet<String>> {
    let forms = crate::forms::template_ids(g.templates.as_deref());
    (!forms.is_empty()).then_some(forms)
}

/// Loads the set a command should use (`dir`, else `--procedures`, else the published or the
/// embedded one), printing problems; `Err` holds the exit code.
pub fn load_set(g: &Global, dir: Option<&Path>) -> Result<ProcedureSet, i32> {
    load_set_and_files(g, dir).map(|(set, _)| set)
}

/// [`load_set`], with the files the set was read from (the supervisor's screen shows them).
pub fn load_set_and_files(
    g: &Global,
    dir: Option<&Path>,
) -> Result<(ProcedureSet, Vec<SourceFile>), i32> {
    let dir = dir.or(g.procedures.as_deref());
    // A counter configured with `procedures = "published"` loads the newest set published
    // on the case database (no --procedures folder given).
    let published = match dir {
        None => published_files(g)?,
        Some(_) => None,
    };
    let files = match published {
        Some(f) => f,
        None => files(dir).map_err(|d| {
            print_diags(&d);
            exit::BAD_INPUT
        })?,
    };
    match loader::load_files(&files, known_forms(g).as_ref()) {
        Ok((set, _warnings)) => Ok((set, files)),
        Err(diags) => {
            print_diags(&diags);
            let n = diags.iter().filter(|d| d.is_error()).count();
            crate::say!("手続定義にエラーが{n}件あります。定義は読み込まれませんでした。 (the procedure set was refused: {n} error(s))");
            Err(exit::BAD_INPUT)
        }
    }
}

/// `madoguchi procedures publish DIR --db URL`: checks the set (as `procedures check`
/// does) and stores it with its digest for every counter with `procedures = "published"`.
pub fn publish(g: &Global, dir: &Path) -> i32 {
    let files = match loader::read_dir_files(dir) {
        Ok(f) => f,
        Err(diags) => {
            print_diags(&diags);
            return exit::BAD_INPUT;
        }
    };
    let set = match loader::load_files(&files, known_forms(g).as_ref()) {
        Ok((set, _)) => set,
        Err(diags) => {
            print_diags(&diags);
            let n = diags.iter().filter(|d| d.is_error()).count();
            crate::say!("手続定義にエラーが{n}件あります。公開しませんでした。 (not published: {n} error(s))");
            return exit::BAD_INPUT;
        }
    };
    let config = match config(g) {
        Ok(c) => c,
        Err(c) => return c,
    };
    let mut store = match open_store(g, &config) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let map: std::collections::BTreeMap<String, String> =
        files.into_iter().map(|f| (f.path, f.text)).collect();
    match store.publish_set(&set.name, &set.digest, &map, &config.clerk) {
        Ok(true) => {
            crate::say!(
                "手続セット「{}」を公開しました (published): {}",
                set.name,
                set.digest
            );
            exit::OK
        }
        Ok(false) => {
            crate::say!(
                "手続セット「{}」は公開済みです (already published): {}",
                set.name,
                set.digest
            );
            exit::OK
        }
        Err(e) => fail(store.path(), &e),
    }
}

/// The files of the newest published set, when the configuration says
/// `procedures = "published"` and no `--procedures` folder is given; `Ok(None)` otherwise.
pub fn published_files(g: &Global) -> Result<Option<Vec<SourceFile>>, i32> {
    if g.procedures.is_some() {
        return Ok(None);
    }
    let config = config(g)?;
    if !config.uses_published_set() {
        return Ok(None);
    }
    let store = open_store(g, &config)?;
    match store.latest_set() {
        Ok(Some(p)) => Ok(Some(
            p.files
                .into_iter()
                .map(|(path, text)| SourceFile { path, text })
                .collect(),
        )),
        Ok(None) => {
            crate::say!("{}: 公開された手続セットがありません。`madoguchi procedures publish DIR` で公開してください (no procedure set has been published)", store.path().display());
            Err(exit::DEVICE)
        }
        Err(e) => Err(fail(store.path(), &e)),
    }
}
