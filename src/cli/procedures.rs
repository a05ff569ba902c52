//! `madoguchi procedures check|test|list|show`: the supervisor's tools.

use super::{exit, Global};
use crate::rules::{loader, scenario, Diagnostic, ProcedureSet};
use std::fmt::Write as _;
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Check a procedure set: every problem with file:line:column.
    Check { dir: Option<PathBuf> },
    /// Run the set's scenario tests (tests/*.intake.json + *.expect.toml).
    Test { dir: Option<PathBuf> },
    /// List the procedures of the set.
    List,
    /// Show one procedure's definition and the scenarios that exercise it.
    Show { id: String },
    /// Check a set and store it on the case database (--db URL) for every counter with
    /// `procedures = "published"` in its configuration.
    Publish { dir: PathBuf },
}

/// The set's files: a folder, or the embedded set.
fn files(dir: Option<&std::path::Path>) -> Result<Vec<loader::SourceFile>, Vec<Diagnostic>> {
    match dir {
        Some(d) => loader::read_dir_files(d),
        None => Ok(loader::embedded_files()),
    }
}

fn print_diags(diags: &[Diagnostic]) {
    for d in diags {
        crate::say!("{d}");
    }
}

/// Loads the set a command should use (`--procedures` or the embedded one), printing
/// problems; `Err` holds the exit code.
pub fn load_set(g: &Global, dir: Option<&std::path::Path>) -> Result<ProcedureSet, i32> {
    let dir = dir.or(g.procedures.as_deref());
    let forms = crate::forms::template_ids(g.templates.as_deref());
    let known = (!forms.is_empty()).then_some(&forms);
    // A counter configured with `procedures = "published"` loads the newest set published
    // on the case database (no --procedures folder given).
    let published = match dir {
        None => super::cases::published_files(g)?,
        Some(_) => None,
    };
    let files = match published {
        Some(f) => f,
        None => files(dir).map_err(|d| {
            print_diags(&d);
            exit::BAD_INPUT
        })?,
    };
    match loader::load_files(&files, known) {
        Ok((set, _warnings)) => Ok(set),
        Err(diags) => {
            print_diags(&diags);
            let n = diags.iter().filter(|d| d.is_error()).count();
            crate::say!("手続定義にエラーが{n}件あります。定義は読み込まれませんでした。 (the procedure set was refused: {n} error(s))");
            Err(exit::BAD_INPUT)
        }
    }
}

pub fn run(cmd: Cmd, g: &Global) -> i32 {
    match cmd {
        Cmd::Check { dir } => check(g, dir),
        Cmd::Test { dir } => test(g, dir),
        Cmd::List => list(g),
        Cmd::Show { id } => show(g, &id),
        Cmd::Publish { dir } => super::cases::publish(g, &dir),
    }
}

fn check(g: &Global, dir: Option<PathBuf>) -> i32 {
    let dir = dir.or(g.procedures.clone());
    let forms = crate::forms::template_ids(g.templates.as_deref());
    let known = (!forms.is_empty()).then_some(&forms);
    let files = match files(dir.as_deref()) {
        Ok(f) => f,
        Err(d) => {
            print_diags(&d);
            return exit::BAD_INPUT;
        }
    };
    let label = dir
        .as_ref()
        .map_or("(embedded)".to_string(), |d| d.display().to_string());
    match loader::load_files(&files, known) {
        Ok((set, warnings)) => {
            print_diags(&warnings);
            if known.is_none() {
                crate::say!("warning: no form templates found; form ids were not checked");
            }
            if let Err(d) = scenario::read_scenarios(&files) {
                print_diags(&d);
                return exit::BAD_INPUT;
            }
            super::output::stdout(format!(
                "OK: {label}: {} procedures, {} facts, {} warnings — {} ({})\n",
                set.procedures.len(),
                set.facts.len(),
                warnings.len(),
                set.name,
                set.digest
            ))
        }
        Err(diags) => {
            print_diags(&diags);
            let errors = diags.iter().filter(|d| d.is_error()).count();
            crate::say!("{label}: {errors} error(s); the set is refused as a whole (手続定義は読み込まれません)");
            exit::BAD_INPUT
        }
    }
}

fn test(g: &Global, dir: Option<PathBuf>) -> i32 {
    let dir = dir.or(g.procedures.clone());
    let set = match load_set(g, dir.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let files = files(dir.as_deref()).unwrap_or_default();
    let scenarios = match scenario::read_scenarios(&files) {
        Ok(s) => s,
        Err(d) => {
            print_diags(&d);
            return exit::BAD_INPUT;
        }
    };
    let mut failed = 0;
    let written = super::output::with_stdout(|out| {
        for s in &scenarios {
            let r = scenario::run(&set, s);
            if r.passed() {
                writeln!(out, "ok    {}  {}", r.name, r.description)?;
            } else {
                failed += 1;
                writeln!(out, "FAIL  {}  {}", r.name, r.description)?;
                for line in &r.diff {
                    writeln!(out, "        {line}")?;
                }
            }
        }
        writeln!(
            out,
            "{} passed, {} failed",
            scenarios.len() - failed,
            failed
        )
    });
    if written != exit::OK {
        written
    } else if failed == 0 {
        exit::OK
    } else {
        exit::BAD_INPUT
    }
}

fn list(g: &Global) -> i32 {
    let set = match load_set(g, None) {
        Ok(s) => s,
        Err(c) => return c,
    };
    super::output::with_stdout(|out| {
        writeln!(out, "{} ({})", set.name, set.digest)?;
        for p in &set.procedures {
            let section = set
                .municipality
                .sections
                .iter()
                .find(|s| s.key == p.section)
                .map_or("", |s| s.name.ja.as_str());
            let events: Vec<&str> = p.events.iter().map(|e| e.as_str()).collect();
            writeln!(
                out,
                "{:<36} {:<8} {:<10} {}  [{}]",
                p.id,
                p.kind.as_str(),
                section,
                p.name.ja,
                events.join(", ")
            )?;
        }
        Ok(())
    })
}

fn show(g: &Global, id: &str) -> i32 {
    let set = match load_set(g, None) {
        Ok(s) => s,
        Err(c) => return c,
    };
    let Some(p) = set.procedures.iter().find(|p| p.id == id) else {
        let hint = crate::intake::closest(id, set.procedures.iter().map(|p| p.id.as_str()))
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        let id = crate::text::ellipsize(id, crate::text::QUOTE_CHARS);
        crate::say!("no procedure `{id}`{hint}");
        return exit::BAD_INPUT;
    };
    let file = set.files.get(id).cloned().unwrap_or_default();
    let mut text = format!("# {} — {} / {} ({})\n", p.id, p.name.ja, p.name.en(), file);
    let files = files(g.procedures.as_deref()).unwrap_or_default();
    if let Some(f) = files.iter().find(|f| f.path == file) {
        text.push_str(&f.text);
    }
    let scenarios = scenario::read_scenarios(&files).unwrap_or_default();
    let using: Vec<String> = scenarios
        .iter()
        .filter(|s| {
            s.procedures.contains_key(id)
                || s.pending.contains_key(id)
                || s.excluded.contains_key(id)
        })
        .map(|s| format!("{}  {}", s.name, s.description))
        .collect();
    let _ = writeln!(text, "\n# scenarios that exercise {id} ({}):", using.len());
    for u in using {
        let _ = writeln!(text, "  {u}");
    }
    super::output::stdout(text)
}
