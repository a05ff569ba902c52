//! Scenario tests: the supervisors' regression suite.
//!
//! Each scenario is two files in the set's `tests/` folder: `NAME.intake.json` (an intake,
//! usable as is with `madoguchi determine`) and `NAME.expect.toml`:
//!
//! ```toml
//! description = "単身の転入 (国保)"
//! today = "2026-04-06"
//! [procedures]            # exactly these apply (members for per-member procedures)
//! "resident.move_in" = []
//! "nhi.enroll" = ["m1"]
//! [pending]               # exactly these are pending
//! [excluded]              # at least these are excluded (with these members)
//! "late_elderly.enroll" = ["m1"]
//! [deadlines]             # these procedures' deadlines (moved past closed days)
//! "resident.move_in" = 2026-04-15
//! "pension.death_report" = [2026-04-13, 2026-04-17]   # several periods, earliest first
//! ```

use super::diagnostic::{Diagnostic, Severity};
use super::engine::determine;
use super::loader::SourceFile;
use super::model::ProcedureSet;
use super::toml_walk::{Fields, Source};
use super::Determination;
use crate::calendar::parse_date;
use crate::intake::parse_intake;
use chrono::NaiveDate;
use std::collections::BTreeMap;

/// id → members
pub type Expectation = BTreeMap<String, Vec<String>>;

#[derive(Clone, Debug)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub today: NaiveDate,
    pub intake_path: String,
    pub intake_text: String,
    pub procedures: Expectation,
    pub pending: Expectation,
    pub excluded: Expectation,
    /// id → the dates of its deadlines, earliest first.
    pub deadlines: BTreeMap<String, Vec<NaiveDate>>,
}

/// The outcome of one scenario.
#[derive(Clone, Debug)]
pub struct ScenarioResult {
    pub name: String,
    pub description: String,
    /// Lines of the diff: `- id [m1]` expected but missing, `+ id [m1]` not expected.
    pub diff: Vec<String>,
}

impl ScenarioResult {
    pub fn passed(&self) -> bool {
        self.diff.is_empty()
    }
}

/// Reads the scenarios of a set's files; problems are located diagnostics.
pub fn read_scenarios(files: &[SourceFile]) -> Result<Vec<Scenario>, Vec<Diagnostic>> {
    let mut out = vec![];
    let mut diags = vec![];
    for f in files
        .iter()
        .filter(|f| f.path.starts_with("tests/") && f.path.ends_with(".expect.toml"))
    {
        let name = f
            .path
            .trim_start_matches("tests/")
            .trim_end_matches(".expect.toml")
            .to_string();
        let intake_path = format!("tests/{name}.intake.json");
        let Some(intake) = files.iter().find(|x| x.path == intake_path) else {
            diags.push(Diagnostic::file(
                Severity::Error,
                &f.path,
                format!("no {intake_path} beside it"),
                Some("each scenario is NAME.intake.json + NAME.expect.toml".into()),
            ));
            continue;
        };
        let mut src = Source::new(&f.path, &f.text);
        let Some(doc) = src.parse() else {
            diags.append(&mut src.diags);
            continue;
        };
        let mut t = Fields::new(doc.as_table(), Some(0..0), "the scenario");
        let description = t
            .str(&mut src, "description")
            .map(|d| d.0)
            .unwrap_or_default();
        let today = match t.get("today") {
            None => None,
            Some(n) => match n.as_date_text().as_deref().and_then(parse_date) {
                Some(d) => Some(d),
                None => {
                    src.error_at(&n, "`today` must be a date", None);
                    None
                }
            },
        };
        let mut lists = [Expectation::new(), Expectation::new(), Expectation::new()];
        for (i, key) in ["procedures", "pending", "excluded"].iter().enumerate() {
            let Some(n) = t.get(key) else { continue };
            let Some(tbl) = n.table() else {
                src.error_at(&n, format!("[{key}] is a table: \"id\" = [\"m1\"]"), None);
                continue;
            };
            for (id, item) in tbl.iter() {
                let node = super::toml_walk::Node::Item(item);
                let members = node.array().map(|a| {
                    a.iter()
                        .filter_map(|m| m.as_str().map(str::to_string))
                        .collect::<Vec<_>>()
                });
                match members {
                    Some(m) => {
                        lists[i].insert(id.to_string(), m);
                    }
                    None => src.error_at(
                        &node,
                        "members are a list of ids ([] for a household procedure)",
                        None,
                    ),
                }
            }
        }
        let mut deadlines = BTreeMap::new();
        if let Some(n) = t.get("deadlines") {
            match n.table() {
                None => src.error_at(&n, "[deadlines] is a table: \"id\" = 2026-04-15", None),
                Some(tbl) => {
                    for (id, item) in tbl.iter() {
                        let node = super::toml_walk::Node::Item(item);
                        let items = node.array().unwrap_or_else(|| vec![node.clone()]);
                        let dates: Vec<Option<NaiveDate>> = items
                            .iter()
                            .map(|d| d.as_date_text().as_deref().and_then(parse_date))
                            .collect();
                        if dates.iter().any(Option::is_none) || dates.is_empty() {
                            src.error_at(
                                &node,
                                "a deadline is a date (2026-04-15), or a list of dates for several periods",
                                None,
                            );
                        } else {
                            deadlines.insert(id.to_string(), dates.into_iter().flatten().collect());
                        }
                    }
                }
            }
        }
        t.finish(&mut src);
        if src.has_errors() {
            diags.append(&mut src.diags);
            continue;
        }
        let [procedures, pending, excluded] = lists;
        let today = today.unwrap_or_else(|| {
            // Without `today`, the 届出日 or the event date stands in, so a scenario never
            // depends on the day it runs.
            serde_json::from_str::<serde_json::Value>(&intake.text)
                .ok()
                .and_then(|v| {
                    let e = &v["event"];
                    e["notified_on"]
                        .as_str()
                        .or(e["date"].as_str())
                        .and_then(parse_date)
                })
                .unwrap_or(NaiveDate::MIN)
        });
        out.push(Scenario {
            name,
            description,
            today,
            intake_path,
            intake_text: intake.text.clone(),
            procedures,
            pending,
            excluded,
            deadlines,
        });
    }
    for f in files
        .iter()
        .filter(|f| f.path.starts_with("tests/") && f.path.ends_with(".intake.json"))
    {
        let exp = f.path.replace(".intake.json", ".expect.toml");
        if !files.iter().any(|x| x.path == exp) {
            diags.push(Diagnostic::file(
                Severity::Error,
                &f.path,
                format!("no {exp} beside it"),
                Some("write what the scenario expects".into()),
            ));
        }
    }
    if diags.is_empty() {
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    } else {
        Err(diags)
    }
}

fn actual(d: &Determination) -> [Expectation; 2] {
    let mut procs = Expectation::new();
    for p in &d.procedures {
        procs.insert(p.id.clone(), p.members.clone());
    }
    let mut pend = Expectation::new();
    for p in &d.pending {
        pend.insert(p.id.clone(), p.members.clone());
    }
    [procs, pend]
}

fn excluded_map(d: &Determination) -> Expectation {
    let mut m = Expectation::new();
    for e in &d.excluded {
        m.entry(e.id.clone())
            .or_default()
            .extend(e.members.iter().cloned());
    }
    m
}

fn fmt(id: &str, members: &[String]) -> String {
    if members.is_empty() {
        id.to_string()
    } else {
        format!("{id} [{}]", members.join(", "))
    }
}

fn diff_exact(what: &str, expected: &Expectation, actual: &Expectation, out: &mut Vec<String>) {
    for (id, m) in expected {
        match actual.get(id) {
            None => out.push(format!("- {what}: {}", fmt(id, m))),
            Some(a) => {
                let (mut a2, mut m2) = (a.clone(), m.clone());
                a2.sort();
                m2.sort();
                if a2 != m2 {
                    out.push(format!("- {what}: {}", fmt(id, m)));
                    out.push(format!("+ {what}: {}", fmt(id, a)));
                }
            }
        }
    }
    for (id, a) in actual {
        if !expected.contains_key(id) {
            out.push(format!("+ {what}: {}", fmt(id, a)));
        }
    }
}

/// Runs one scenario against a set.
pub fn run(set: &ProcedureSet, s: &Scenario) -> ScenarioResult {
    let mut diff = vec![];
    match parse_intake(&s.intake_text, &set.vocabulary) {
        Err(e) => diff.push(format!("! {}: {e}", s.intake_path)),
        Ok(intake) => {
            let d = determine(&intake, set, s.today);
            let [procs, pend] = actual(&d);
            diff_exact("procedures", &s.procedures, &procs, &mut diff);
            diff_exact("pending", &s.pending, &pend, &mut diff);
            let ex = excluded_map(&d);
            for (id, m) in &s.excluded {
                let ok = ex.get(id).is_some_and(|a| m.iter().all(|x| a.contains(x)));
                if !ok {
                    diff.push(format!("- excluded: {}", fmt(id, m)));
                }
            }
            for (id, want) in &s.deadlines {
                let got: Option<Vec<NaiveDate>> = d
                    .procedures
                    .iter()
                    .find(|p| &p.id == id)
                    .map(|p| p.deadlines.iter().filter_map(|x| x.date).collect());
                let show = |v: &[NaiveDate]| {
                    v.iter()
                        .map(|d| d.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                match got {
                    None => diff.push(format!(
                        "- deadlines: {id} {} (the procedure does not apply)",
                        show(want)
                    )),
                    Some(g) if &g != want => {
                        diff.push(format!("- deadlines: {id} {}", show(want)));
                        diff.push(format!("+ deadlines: {id} {}", show(&g)));
                    }
                    Some(_) => {}
                }
            }
        }
    }
    ScenarioResult {
        name: s.name.clone(),
        description: s.description.clone(),
        diff,
    }
}
