//! `madoguchi procedures check|test|list|show|diff`: the supervisor's tools (`diff` is in
//! `cli::diff`).

use super::set::{files, known_forms, load_set, print_diags};
use super::{exit, Global};
use crate::rules::{loader, scenario, ProcedureSet};
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
    /// What changes for residents between two sets (per household: procedures, deadlines,
    /// questions), over both sets' scenario tests and any --intakes.
    Diff(super::diff::Args),
    /// Check a set and store it on the case database (--db URL) for every counter with
    /// `procedures = "published"` in its configuration.
    Publish { dir: PathBuf },
}

pub fn run(cmd: Cmd, g: &Global) -> i32 {
    match cmd {
        Cmd::Check { dir } => check(g, dir),
        Cmd::Test { dir } => test(g, dir),
        Cmd::List => list(g),
        Cmd::Show { id } => show(g, &id),
        Cmd::Diff(a) => super::diff::run(a, g),
        Cmd::Publish { dir } => super::set::publish(g, &dir),
    }
}

fn check(g: &Global, dir: Option<PathBuf>) -> i32 {
    let dir = dir.or(g.procedures.clone());
    let forms = known_forms(g);
    let known = forms.as_ref();
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
            let validity = p
                .validity_ja()
                .map(|v| format!("  〔{v}〕"))
                .unwrap_or_default();
            writeln!(
                out,
                "{:<36} {:<8} {:<10} {}  [{}]{validity}",
                p.id,
                p.kind.as_str(),
                section,
                p.name.ja,
                events.join(", ")
            )?;
        }
        write!(out, "{}", staged_report(&set, g.today()))
    })
}

/// What takes effect when: every `valid_from` / `valid_until` of the set, in date order,
/// marked as already in force or still to come on `today`.
pub fn staged_report(set: &ProcedureSet, today: chrono::NaiveDate) -> String {
    let changes = set.staged_changes();
    let mut s = String::new();
    if changes.is_empty() {
        let _ = writeln!(
            s,
            "\n法改正などの予定: なし (no staged changes: no valid_from / valid_until)"
        );
        return s;
    }
    let _ = writeln!(
        s,
        "\n法改正などの予定 (staged changes, by the date of the event; 今日 {today}):"
    );
    for c in changes {
        let p = c.procedure;
        let what = match (c.takes_effect, c.replaced) {
            (true, true) => "新しい版に変わる (a new version applies)",
            (true, false) => "案内を始める (starts to apply)",
            (false, _) => "案内を終える (no longer applies)",
        };
        let when = if c.date <= today {
            "施行済み (in force)"
        } else {
            "予定 (to come)"
        };
        let _ = writeln!(
            s,
            "  {} から  {} {} — {what}  [{when}]  ({})",
            c.date, p.id, p.name.ja, p.file
        );
    }
    s
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
    let files = files(g.procedures.as_deref()).unwrap_or_default();
    let mut text = String::new();
    // Every version of the id (staged law changes have one file each), in date order.
    for v in set.procedures.iter().filter(|x| x.id == p.id) {
        let validity = v
            .validity_ja()
            .map(|x| format!(" 〔{x}〕"))
            .unwrap_or_default();
        let _ = writeln!(
            text,
            "# {} — {} / {} ({}){validity}",
            v.id,
            v.name.ja,
            v.name.en(),
            v.file
        );
        if let Some(f) = files.iter().find(|f| f.path == v.file) {
            text.push_str(&f.text);
        }
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
