//! Pre-filled forms, the guidance sheet and printing (issue 5).
//!
//! Template files live in `templates/` (one `<form id>.toml` per form); the set shipped with
//! the program is embedded, with the primary font (`templates/fonts/`).
//!
//! - [`template`]: the template model, loader and check (`madoguchi templates check`);
//! - [`bind`]: the values a template may print and their formats;
//! - [`layout`], [`guidance`]: laying out forms and the guidance sheet;
//! - [`render`]: the bundle (PDF + manifest) with a QR code on every page;
//! - [`pdf`]: the only module that calls printpdf; [`fonts`]: faces and glyph coverage;
//! - [`printer`]: the `Printer` trait, CUPS (`lp`/`lpstat`) and a recording double.

use include_dir::{include_dir, Dir};
use std::collections::{BTreeMap, BTreeSet};
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

pub mod bind;
pub mod fit;
pub mod fonts;
pub mod guidance;
pub mod labels;
pub mod layout;
pub mod pdf;
pub mod printer;
pub mod render;
pub mod roles;
pub mod template;

pub use layout::Warning;
pub use render::{derived_case_code, page_code, render, Bundle, Input, Manifest, RenderError};
pub use template::Template;

use crate::rules::{Diagnostic, ProcedureSet, Severity};

/// The template files of a folder, or the embedded ones (`*.toml` at the top level).
pub fn template_files(dir: Option<&Path>) -> Result<Vec<template::TemplateFile>, Vec<Diagnostic>> {
    let mut out = vec![];
    match dir {
        None => {
            for f in EMBEDDED_TEMPLATES.files() {
                let p = f.path();
                if p.extension().is_some_and(|e| e == "toml") {
                    let id = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default();
                    out.push(template::TemplateFile {
                        path: format!("templates/{}", p.display()),
                        id: id.to_string(),
                        text: f.contents_utf8().unwrap_or_default().to_string(),
                    });
                }
            }
        }
        Some(d) => {
            let rd = std::fs::read_dir(d).map_err(|e| {
                vec![Diagnostic::file(
                    Severity::Error,
                    &d.display().to_string(),
                    format!("cannot read the templates folder: {e}"),
                    None,
                )]
            })?;
            let mut errs = vec![];
            for e in rd.flatten() {
                let p = e.path();
                if p.extension().is_some_and(|e| e == "toml") && p.is_file() {
                    let id = p
                        .file_stem()
                        .and_then(|s| s.to_str())
                        .unwrap_or_default()
                        .to_string();
                    match std::fs::read(&p).map(String::from_utf8) {
                        Ok(Ok(text)) => out.push(template::TemplateFile {
                            path: p.display().to_string(),
                            id,
                            text,
                        }),
                        Ok(Err(_)) => errs.push(Diagnostic::file(
                            Severity::Error,
                            &p.display().to_string(),
                            "the file is not UTF-8 text",
                            Some("save it as UTF-8 (not Shift_JIS)".into()),
                        )),
                        Err(e) => errs.push(Diagnostic::file(
                            Severity::Error,
                            &p.display().to_string(),
                            format!("cannot read: {e}"),
                            None,
                        )),
                    }
                }
            }
            if !errs.is_empty() {
                return Err(errs);
            }
        }
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The check environment for a procedure set.
pub fn check_env<'a>(
    set: &'a ProcedureSet,
    measure: &'a dyn Fn(&str, f32, bool) -> f32,
) -> template::CheckEnv<'a> {
    let mut ids: Vec<String> = set.procedures.iter().map(|p| p.id.clone()).collect();
    ids.extend(template::CATALOGUE_PROCEDURES.iter().map(|s| s.to_string()));
    ids.sort();
    ids.dedup();
    template::CheckEnv {
        bind: bind::Env {
            vocab: &set.vocabulary,
            params: set.municipality.params.keys().cloned().collect(),
            procedure_ids: ids,
        },
        used_forms: set
            .procedures
            .iter()
            .flat_map(|p| p.forms.iter().cloned())
            .collect(),
        measure,
    }
}

/// Checked templates by form id.
pub type Templates = BTreeMap<String, Template>;

/// Loads and checks the templates (a folder or the embedded ones) against a procedure set.
/// `Ok` holds the templates and the warnings; `Err` every diagnostic when any is an error.
pub fn load_templates(
    dir: Option<&Path>,
    set: &ProcedureSet,
    fonts: &fonts::Fonts,
) -> Result<(Templates, Vec<Diagnostic>), Vec<Diagnostic>> {
    let files = template_files(dir)?;
    let measure = |s: &str, size: f32, bold: bool| {
        fonts.width_mm(if bold { fonts::BOLD } else { fonts::PRIMARY }, s, size)
    };
    let env = check_env(set, &measure);
    let (list, diags) = template::load(&files, &env);
    if diags.iter().any(Diagnostic::is_error) {
        return Err(diags);
    }
    Ok((list.into_iter().map(|t| (t.id.clone(), t)).collect(), diags))
}
