//! What changes for residents between two procedure sets: both sets determine the same
//! households (the scenario tests, and any intakes a supervisor adds), and the differences a
//! resident would notice are listed per household — procedures added or removed, members
//! changed, deadlines changed, the guidance's wording changed (reason, what to bring, note,
//! counter, forms, basis), questions asked or no longer asked. Pure: the CLI reads the
//! files and prints (`madoguchi procedures diff`).

use super::model::ProcedureSet;
use super::{determine, Applied, DeadlineEntry, Determination};
use crate::calendar::parse_date;
use crate::intake::{parse_intake, FactScope, Intake};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Where a household comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A scenario test of either set (`tests/NAME.intake.json`).
    Scenario,
    /// A file of `--intakes DIR`.
    Intake,
}

/// One household both sets determine.
#[derive(Clone, Debug)]
pub struct Household {
    pub name: String,
    pub source: Source,
    /// The intake's path (relative to the set for a scenario).
    pub path: String,
    pub description: String,
    pub intake_text: String,
    /// The 届出日 both sets use ("today").
    pub today: NaiveDate,
}

/// The day a household is determined on when nothing else says: its 届出日, else the event
/// date (so the comparison never depends on the day it runs).
pub fn default_today(intake_text: &str) -> Option<NaiveDate> {
    let v: serde_json::Value = serde_json::from_str(intake_text).ok()?;
    let e = &v["event"];
    e["notified_on"]
        .as_str()
        .or(e["date"].as_str())
        .and_then(parse_date)
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProcRef {
    pub id: String,
    pub name: String,
    pub members: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MembersChange {
    pub id: String,
    pub name: String,
    pub old: Vec<String>,
    pub new: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeadlineState {
    pub deadline: Option<NaiveDate>,
    pub text: String,
    /// Each period when there are several.
    #[serde(skip_serializing_if = "at_most_one")]
    pub deadlines: Vec<DeadlineEntry>,
}

fn at_most_one(v: &[DeadlineEntry]) -> bool {
    v.len() <= 1
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeadlineChange {
    pub id: String,
    pub name: String,
    pub old: DeadlineState,
    pub new: DeadlineState,
}

/// A procedure both sets apply whose guidance reads differently (a staged law change often
/// changes only this: the same procedure, the same deadline, another note).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WordingChange {
    pub id: String,
    pub name: String,
    pub fields: Vec<FieldChange>,
}

/// One part of the guidance, old and new (lists joined with "、").
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FieldChange {
    /// `reasons`, `bring`, `note`, `counter`, `forms` or `basis`.
    pub field: &'static str,
    pub old: String,
    pub new: String,
}

impl FieldChange {
    /// How the guidance sheet calls it.
    pub fn label_ja(&self) -> &'static str {
        match self.field {
            "reasons" => "理由",
            "bring" => "持ち物",
            "note" => "注意",
            "counter" => "窓口",
            "forms" => "様式",
            _ => "根拠",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct QuestionRef {
    /// `null` for a household question.
    pub member: Option<String>,
    pub fact: String,
    pub text: String,
    /// The pending procedures that ask it.
    pub procedures: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Changes<T> {
    pub added: Vec<T>,
    pub removed: Vec<T>,
}

impl<T> Default for Changes<T> {
    fn default() -> Self {
        Changes {
            added: vec![],
            removed: vec![],
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ProcChanges {
    pub added: Vec<ProcRef>,
    pub removed: Vec<ProcRef>,
    pub members_changed: Vec<MembersChange>,
}

/// Something about how the household was read, per set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Note {
    /// `old` or `new`.
    pub set: &'static str,
    pub text: String,
}

/// The differences for one household.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HouseholdImpact {
    pub name: String,
    pub source: Source,
    pub path: String,
    pub description: String,
    pub today: NaiveDate,
    /// Whether anything a resident would notice changes.
    pub changed: bool,
    pub procedures: ProcChanges,
    pub deadlines: Vec<DeadlineChange>,
    pub wording: Vec<WordingChange>,
    /// Pending procedures (ids) that appear or disappear.
    pub pending: Changes<String>,
    pub questions: Changes<QuestionRef>,
    pub notes: Vec<Note>,
    /// Member id → "氏名 (m1)", for the text report (not in the JSON).
    #[serde(skip)]
    pub member_names: BTreeMap<String, String>,
}

/// A household neither set can read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unreadable {
    pub path: String,
    pub message: String,
}

/// Reads an intake for a set. Facts the set does not declare are dropped (that set's counter
/// would never ask them) and said in the returned notes.
fn read_for(set: &ProcedureSet, text: &str) -> Result<(Intake, Vec<String>), String> {
    let mut v: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut dropped = BTreeSet::new();
    let mut strip = |facts: &mut serde_json::Value, scope: FactScope, who: &str| {
        if let Some(obj) = facts.as_object_mut() {
            obj.retain(|k, _| {
                let known = set.vocabulary.get(scope, k).is_some();
                if !known {
                    dropped.insert(format!("{}.{k}{who}", scope.as_str()));
                }
                known
            });
        }
    };
    if let Some(members) = v["household"]["members"].as_array_mut() {
        for m in members {
            let who = m["id"]
                .as_str()
                .map(|i| format!(" ({i})"))
                .unwrap_or_default();
            strip(&mut m["facts"], FactScope::Member, &who);
        }
    }
    strip(&mut v["household"]["facts"], FactScope::Household, "");
    let intake = parse_intake(&v.to_string(), &set.vocabulary).map_err(|e| e.to_string())?;
    Ok((intake, dropped.into_iter().collect()))
}

/// Determines `h` with both sets and lists what changes. `Err` when neither set can read it.
pub fn compare(
    old: &ProcedureSet,
    new: &ProcedureSet,
    h: &Household,
) -> Result<HouseholdImpact, Unreadable> {
    let o = read_for(old, &h.intake_text);
    let n = read_for(new, &h.intake_text);
    let mut impact = HouseholdImpact {
        name: h.name.clone(),
        source: h.source,
        path: h.path.clone(),
        description: h.description.clone(),
        today: h.today,
        changed: false,
        procedures: ProcChanges::default(),
        deadlines: vec![],
        wording: vec![],
        pending: Changes::default(),
        questions: Changes::default(),
        notes: vec![],
        member_names: BTreeMap::new(),
    };
    let (old_d, new_d) = match (o, n) {
        (Err(a), Err(_)) => {
            return Err(Unreadable {
                path: h.path.clone(),
                message: a,
            })
        }
        (o, n) => {
            let mut run = |r: Result<(Intake, Vec<String>), String>,
                           set: &ProcedureSet,
                           which: &'static str| {
                match r {
                    Ok((intake, dropped)) => {
                        if !dropped.is_empty() {
                            impact.notes.push(Note {
                                set: which,
                                text: format!(
                                    "このセットにない事実を読み飛ばしました (facts this set does not declare were ignored): {}",
                                    dropped.join(", ")
                                ),
                            });
                        }
                        for m in &intake.household.members {
                            impact.member_names.insert(m.id.clone(), m.display());
                        }
                        Some(determine(&intake, set, h.today))
                    }
                    Err(e) => {
                        impact.notes.push(Note {
                            set: which,
                            text: format!(
                                "このセットでは読めません (this set cannot read it): {e}"
                            ),
                        });
                        None
                    }
                }
            };
            (run(o, old, "old"), run(n, new, "new"))
        }
    };
    match (&old_d, &new_d) {
        (Some(a), Some(b)) => diff(a, b, &mut impact),
        _ => impact.changed = true,
    }
    Ok(impact)
}

/// The parts of the guidance of one procedure that read differently (in Japanese, as printed
/// first on the sheet; an English-only edit shows nothing here).
/// When the members changed (said on their own), the reasons naming them are not repeated.
fn wording(o: &Applied, n: &Applied, members_changed: bool) -> Vec<FieldChange> {
    let note = |a: &Applied| {
        a.extra
            .note
            .as_ref()
            .map(|t| t.ja.clone())
            .unwrap_or_default()
    };
    let counter = |a: &Applied| format!("{} {}", a.counter, a.section);
    let parts: [(&'static str, String, String); 6] = [
        ("reasons", o.reasons.join("、"), n.reasons.join("、")),
        ("bring", o.bring.join("、"), n.bring.join("、")),
        ("note", note(o), note(n)),
        ("counter", counter(o), counter(n)),
        ("forms", o.forms.join("、"), n.forms.join("、")),
        ("basis", o.basis.clone(), n.basis.clone()),
    ];
    parts
        .into_iter()
        .filter(|(field, a, b)| a != b && !(members_changed && *field == "reasons"))
        .map(|(field, old, new)| FieldChange { field, old, new })
        .collect()
}

fn diff(a: &Determination, b: &Determination, out: &mut HouseholdImpact) {
    let index = |d: &Determination| -> BTreeMap<String, Applied> {
        d.procedures
            .iter()
            .map(|p| (p.id.clone(), p.clone()))
            .collect()
    };
    let (ia, ib) = (index(a), index(b));
    let proc_ref = |p: &Applied| ProcRef {
        id: p.id.clone(),
        name: p.name.clone(),
        members: p.members.clone(),
    };
    for (id, p) in &ib {
        match ia.get(id) {
            None => out.procedures.added.push(proc_ref(p)),
            Some(o) => {
                let sorted = |v: &[String]| {
                    let mut v = v.to_vec();
                    v.sort();
                    v
                };
                let members_changed = sorted(&o.members) != sorted(&p.members);
                if members_changed {
                    out.procedures.members_changed.push(MembersChange {
                        id: id.clone(),
                        name: p.name.clone(),
                        old: o.members.clone(),
                        new: p.members.clone(),
                    });
                }
                let state = |x: &Applied| DeadlineState {
                    deadline: x.deadline,
                    text: x.deadline_text.clone(),
                    deadlines: x.deadlines.clone(),
                };
                let (so, sn) = (state(o), state(p));
                let dates = |s: &DeadlineState| -> Vec<Option<NaiveDate>> {
                    s.deadlines.iter().map(|d| d.date).collect()
                };
                if so.deadline != sn.deadline || so.text != sn.text || dates(&so) != dates(&sn) {
                    out.deadlines.push(DeadlineChange {
                        id: id.clone(),
                        name: p.name.clone(),
                        old: so,
                        new: sn,
                    });
                }
                let fields = wording(o, p, members_changed);
                if !fields.is_empty() {
                    out.wording.push(WordingChange {
                        id: id.clone(),
                        name: p.name.clone(),
                        fields,
                    });
                }
            }
        }
    }
    for (id, p) in &ia {
        if !ib.contains_key(id) {
            out.procedures.removed.push(proc_ref(p));
        }
    }
    let pend = |d: &Determination| -> BTreeSet<String> {
        d.pending.iter().map(|p| p.id.clone()).collect()
    };
    let (pa, pb) = (pend(a), pend(b));
    out.pending.added = pb.difference(&pa).cloned().collect();
    out.pending.removed = pa.difference(&pb).cloned().collect();
    let questions = |d: &Determination| -> BTreeMap<(Option<String>, String), QuestionRef> {
        let mut m: BTreeMap<(Option<String>, String), QuestionRef> = BTreeMap::new();
        for p in &d.pending {
            for q in &p.questions {
                let e = m
                    .entry((q.member.clone(), q.fact.clone()))
                    .or_insert_with(|| QuestionRef {
                        member: q.member.clone(),
                        fact: q.fact.clone(),
                        text: q.text.clone(),
                        procedures: vec![],
                    });
                if !e.procedures.contains(&p.id) {
                    e.procedures.push(p.id.clone());
                }
            }
        }
        m
    };
    let (qa, qb) = (questions(a), questions(b));
    out.questions.added = qb
        .iter()
        .filter(|(k, _)| !qa.contains_key(*k))
        .map(|(_, q)| q.clone())
        .collect();
    out.questions.removed = qa
        .iter()
        .filter(|(k, _)| !qb.contains_key(*k))
        .map(|(_, q)| q.clone())
        .collect();
    out.changed = !(out.procedures.added.is_empty()
        && out.procedures.removed.is_empty()
        && out.procedures.members_changed.is_empty()
        && out.deadlines.is_empty()
        && out.wording.is_empty()
        && out.pending.added.is_empty()
        && out.pending.removed.is_empty()
        && out.questions.added.is_empty()
        && out.questions.removed.is_empty());
}
