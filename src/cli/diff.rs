//! `madoguchi procedures diff OLD_DIR NEW_DIR [--intakes DIR] [--json]`: what changes for
//! residents if the new set is published. Both sets determine every scenario test of either
//! set and every intake of `--intakes`; the differences are listed per household
//! (`rules::impact`). Exit 0 whether or not anything changes (the output says which); 2 when
//! either set is broken (its diagnostics say where) or an intake cannot be read by either.

use super::{exit, Global};
use crate::rules::impact::{self, Household, HouseholdImpact, Source};
use crate::rules::{loader, scenario, Diagnostic, ProcedureSet};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The set in use now.
    pub old: PathBuf,
    /// The set to publish.
    pub new: PathBuf,
    /// More households: every intake (*.json) in this folder.
    #[arg(long, value_name = "DIR")]
    pub intakes: Option<PathBuf>,
    /// Machine output (JSON) instead of the report for people.
    #[arg(long)]
    pub json: bool,
}

/// A loaded set with its files (for the scenarios).
struct Loaded {
    dir: PathBuf,
    set: ProcedureSet,
    scenarios: Vec<scenario::Scenario>,
}

/// Loads one side, printing its problems under its label; `None` when it is broken.
fn load(g: &Global, dir: &Path, label: &str) -> Option<Loaded> {
    let forms = crate::forms::template_ids(g.templates.as_deref());
    let known = (!forms.is_empty()).then_some(&forms);
    let fail = |diags: &[Diagnostic]| {
        let n = diags.iter().filter(|d| d.is_error()).count().max(1);
        for d in diags {
            crate::say!("{d}");
        }
        crate::say!(
            "{label} {}: エラー{n}件のため比較できません (the set is broken: {n} error(s))",
            dir.display()
        );
    };
    let files = match loader::read_dir_files(dir) {
        Ok(f) => f,
        Err(d) => {
            fail(&d);
            return None;
        }
    };
    let set = match loader::load_files(&files, known) {
        Ok((s, _)) => s,
        Err(d) => {
            fail(&d);
            return None;
        }
    };
    match scenario::read_scenarios(&files) {
        Ok(scenarios) => Some(Loaded {
            dir: dir.to_path_buf(),
            set,
            scenarios,
        }),
        Err(d) => {
            fail(&d);
            None
        }
    }
}

/// The households: the new set's scenarios, then the old set's that the new one dropped, then
/// the intakes of `--intakes` in path order.
fn households(
    g: &Global,
    old: &Loaded,
    new: &Loaded,
    intakes: Option<&Path>,
) -> Result<Vec<Household>, i32> {
    let mut out: Vec<Household> = vec![];
    for s in new.scenarios.iter().chain(&old.scenarios) {
        if out.iter().any(|h| h.name == s.name) {
            continue;
        }
        out.push(Household {
            name: s.name.clone(),
            source: Source::Scenario,
            path: s.intake_path.clone(),
            description: s.description.clone(),
            intake_text: s.intake_text.clone(),
            today: s.today,
        });
    }
    let Some(dir) = intakes else { return Ok(out) };
    let mut paths = vec![];
    collect_json(dir, &mut paths).map_err(|e| {
        crate::say!("{}: cannot read the folder: {e}", dir.display());
        super::output::io_exit(&e)
    })?;
    paths.sort();
    for p in paths {
        // A FIFO or device named *.json would block or never end: refused, not opened.
        if !std::fs::metadata(&p).is_ok_and(|m| m.is_file()) {
            crate::say!(
                "{}: not a regular file (a FIFO, socket or device): refused",
                p.display()
            );
            return Err(exit::BAD_INPUT);
        }
        let text = super::read_input(&p).map_err(|e| {
            crate::say!("{}: cannot read: {e}", p.display());
            super::output::io_exit(&e)
        })?;
        let Some(today) = g.today.or_else(|| impact::default_today(&text)) else {
            crate::say!(
                "{}: not an intake (no event.date; see shared/spec/intake.md)",
                p.display()
            );
            return Err(exit::BAD_INPUT);
        };
        out.push(Household {
            name: p
                .file_name()
                .map(|n| n.to_string_lossy().trim_end_matches(".json").to_string())
                .unwrap_or_default(),
            source: Source::Intake,
            path: p.display().to_string(),
            description: String::new(),
            intake_text: text,
            today,
        });
    }
    Ok(out)
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for e in std::fs::read_dir(dir)? {
        let p = e?.path();
        if p.is_dir() {
            collect_json(&p, out)?;
        } else if p.extension().and_then(|x| x.to_str()) == Some("json") {
            out.push(p);
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct SetInfo {
    dir: String,
    name: String,
    digest: String,
}

#[derive(Serialize)]
struct Summary {
    households: usize,
    changed: usize,
    unchanged: usize,
}

#[derive(Serialize)]
struct Report<'a> {
    old: SetInfo,
    new: SetInfo,
    summary: Summary,
    households: &'a [HouseholdImpact],
}

pub fn run(a: Args, g: &Global) -> i32 {
    // Both sides are checked before giving up, so one run shows every problem.
    let old = load(g, &a.old, "旧セット (old)");
    let new = load(g, &a.new, "新セット (new)");
    let (Some(old), Some(new)) = (old, new) else {
        return exit::BAD_INPUT;
    };
    let list = match households(g, &old, &new, a.intakes.as_deref()) {
        Ok(l) => l,
        Err(code) => return code,
    };
    let mut impacts = vec![];
    for h in &list {
        match impact::compare(&old.set, &new.set, h) {
            Ok(i) => impacts.push(i),
            Err(u) => {
                crate::say!(
                    "{}: 旧セットでも新セットでも読めません (neither set can read this intake): {}",
                    u.path,
                    u.message
                );
                return exit::BAD_INPUT;
            }
        }
    }
    let info = |l: &Loaded| SetInfo {
        dir: l.dir.display().to_string(),
        name: l.set.name.clone(),
        digest: l.set.digest.clone(),
    };
    let changed = impacts.iter().filter(|i| i.changed).count();
    let report = Report {
        old: info(&old),
        new: info(&new),
        summary: Summary {
            households: impacts.len(),
            changed,
            unchanged: impacts.len() - changed,
        },
        households: &impacts,
    };
    if a.json {
        let json = serde_json::to_string_pretty(&report).expect("the report serializes");
        super::output::stdout(json + "\n")
    } else {
        super::output::stdout(text_report(&report))
    }
}

fn short(digest: &str) -> &str {
    &digest[..digest.len().min(19)]
}

fn members(i: &HouseholdImpact, ids: &[String]) -> String {
    if ids.is_empty() {
        return "世帯".into();
    }
    ids.iter()
        .map(|m| i.member_names.get(m).cloned().unwrap_or_else(|| m.clone()))
        .collect::<Vec<_>>()
        .join("、")
}

/// The report for people: Japanese first, the English gist beside the headings.
fn text_report(r: &Report<'_>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "手続セットの比較 (what changes for residents)");
    for (label, x) in [("旧 (old)", &r.old), ("新 (new)", &r.new)] {
        let _ = writeln!(
            s,
            "  {label}: {}  {}  ({})",
            x.name,
            short(&x.digest),
            x.dir
        );
    }
    let scenarios = r
        .households
        .iter()
        .filter(|h| h.source == Source::Scenario)
        .count();
    let _ = writeln!(
        s,
        "  世帯: {}件 (シナリオ {}件、--intakes {}件)",
        r.summary.households,
        scenarios,
        r.summary.households - scenarios
    );
    if r.summary.changed == 0 {
        let _ = writeln!(
            s,
            "\n住民への案内は変わりません: {}世帯のどれも、手続・対象者・期限・案内の文・質問が同じです。\n(no change for residents: every household gets the same procedures, deadlines, wording and questions)",
            r.summary.households
        );
        return s;
    }
    let _ = writeln!(
        s,
        "\n住民への案内が変わる世帯: {}件 / 変わらない世帯: {}件\n({} of {} households change)",
        r.summary.changed, r.summary.unchanged, r.summary.changed, r.summary.households
    );
    for i in r.households.iter().filter(|i| i.changed) {
        let _ = writeln!(s, "\n■ {}  {}", i.name, i.description);
        let _ = writeln!(s, "  ({}, 届出日 {})", i.path, i.today);
        for (mark, what, list) in [
            ("+", "新たに案内する手続", &i.procedures.added),
            ("-", "案内しなくなる手続", &i.procedures.removed),
        ] {
            for p in list {
                let (id, name) = (&p.id, &p.name);
                let who = members(i, &p.members);
                let _ = writeln!(s, "  {mark} {what}: {id} {name} — {who}");
            }
        }
        for c in &i.procedures.members_changed {
            let _ = writeln!(
                s,
                "  ~ 対象者が変わる: {} {}: {} → {}",
                c.id,
                c.name,
                members(i, &c.old),
                members(i, &c.new)
            );
        }
        for c in &i.deadlines {
            let _ = writeln!(
                s,
                "  ~ 期限が変わる: {} {}\n      旧: {}\n      新: {}",
                c.id, c.name, c.old.text, c.new.text
            );
        }
        for w in &i.wording {
            let fields: Vec<&str> = w.fields.iter().map(|f| f.label_ja()).collect();
            let _ = writeln!(
                s,
                "  ~ 案内の文が変わる: {} {} ({})",
                w.id,
                w.name,
                fields.join("・")
            );
            for f in &w.fields {
                let _ = writeln!(
                    s,
                    "      旧 {}: {}\n      新 {}: {}",
                    f.label_ja(),
                    f.old,
                    f.label_ja(),
                    f.new
                );
            }
        }
        for id in &i.pending.added {
            let _ = writeln!(s, "  + 確認が必要になる手続: {id}");
        }
        for id in &i.pending.removed {
            let _ = writeln!(s, "  - 確認が要らなくなる手続: {id}");
        }
        for q in &i.questions.added {
            let who = q
                .member
                .as_ref()
                .map(|m| format!("{}: ", members(i, std::slice::from_ref(m))))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  + 新しい質問: {who}{} [{}]",
                q.text,
                q.procedures.join(", ")
            );
        }
        for q in &i.questions.removed {
            let who = q
                .member
                .as_ref()
                .map(|m| format!("{}: ", members(i, std::slice::from_ref(m))))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "  - 聞かなくなる質問: {who}{} [{}]",
                q.text,
                q.procedures.join(", ")
            );
        }
        for n in &i.notes {
            let which = if n.set == "old" { "旧" } else { "新" };
            let _ = writeln!(s, "  ! {which}: {}", n.text);
        }
    }
    s
}
