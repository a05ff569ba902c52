//! Procedure definitions and the engine: which procedures a life event triggers.
//!
//! - [`address`]: reads the 都道府県 of an address (derived facts `event.from_other_prefecture`
//!   and `event.to_other_prefecture`).
//! - [`lang`]: the condition language (parser); [`check`]: its type checker against the fact
//!   vocabulary; [`eval`]: three-valued evaluation.
//! - [`loader`]: reads a procedure set (a directory, or the embedded default) into a checked
//!   [`ProcedureSet`], or refuses it with located [`Diagnostic`]s.
//! - [`engine`]: `determine(intake, set, today) -> Determination`, pure and deterministic.
//! - [`scenario`]: the supervisors' regression suite (`procedures/tests/`).

pub mod address;
pub mod check;
pub mod deadline;
pub mod diagnostic;
pub mod engine;
pub mod eval;
pub mod impact;
pub mod lang;
pub mod loader;
pub mod model;
pub mod questions;
pub mod scenario;
pub mod toml_walk;

pub use diagnostic::{Diagnostic, Severity};
pub use engine::determine;
pub use loader::{load_dir, load_embedded, load_files, SourceFile};
pub use model::{ProcKind, Procedure, ProcedureSet, Scope, Section};
pub use toml_walk::Text;

use chrono::NaiveDate;
use serde::Serialize;

/// The language of resident-facing output.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Ja,
    En,
}

/// The result of `determine`, shaped as `shared/spec/cli.md` specifies. Fields marked
/// `serde(skip)` are extras for the guidance sheet and the TUI (English texts, counter order);
/// the JSON carries exactly the spec's fields.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Determination {
    pub procedure_set: SetRef,
    pub event: EventRef,
    pub procedures: Vec<Applied>,
    pub pending: Vec<Pending>,
    pub excluded: Vec<Excluded>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetRef {
    pub name: String,
    pub digest: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventRef {
    pub kind: crate::intake::EventKind,
    pub date: NaiveDate,
}

/// A procedure that applies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Applied {
    pub id: String,
    pub name: String,
    pub kind: ProcKind,
    pub section: String,
    pub counter: String,
    /// Member ids; empty for household procedures.
    pub members: Vec<String>,
    /// The earliest deadline (moved past closed days).
    pub deadline: Option<NaiveDate>,
    /// Every deadline in words; several are joined ("国民年金: …／厚生年金: …").
    pub deadline_text: String,
    /// Each deadline with its label, earliest first; in the JSON only when there are several
    /// (`cli.md`, Edition 2).
    #[serde(skip_serializing_if = "at_most_one")]
    pub deadlines: Vec<DeadlineEntry>,
    pub basis: String,
    pub reasons: Vec<String>,
    pub bring: Vec<String>,
    pub forms: Vec<String>,
    #[serde(skip)]
    pub extra: AppliedExtra,
}

fn at_most_one(v: &[DeadlineEntry]) -> bool {
    v.len() <= 1
}

/// One deadline of a procedure: `{ "date", "label", "text" }` in the JSON.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DeadlineEntry {
    /// The day to come by (the law's last day, moved past closed days); `null` for a text
    /// only (速やかに).
    pub date: Option<NaiveDate>,
    /// Which period (国民年金 / 厚生年金); `null` when the procedure has one.
    pub label: Option<String>,
    /// In words, with why it moved and whether it has passed.
    pub text: String,
    #[serde(skip)]
    pub extra: DeadlineExtra,
}

/// The rest of a deadline, for the sheet and the TUI (not in the JSON).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DeadlineExtra {
    pub label_en: Option<String>,
    pub text_en: String,
    /// The last day as the law counts it, before moving past closed days.
    pub last_day: Option<NaiveDate>,
    /// Why it moved: ("期限の5月3日が祝日のため", "the deadline, 3 May, is a public holiday").
    pub moved: Option<(String, String)>,
    /// Already past on the 届出日: the text says "期限を過ぎています — 窓口でご相談ください".
    pub past: bool,
    /// The anchor's own date was unknown and the event date stood in (ja, en note).
    pub fallback: Option<(String, String)>,
}

/// Resident-facing extras of an applied procedure (not in the JSON).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppliedExtra {
    pub name_en: String,
    pub section_key: String,
    pub section_en: String,
    pub counter_en: String,
    /// Visiting order of the counter (places outside city hall last).
    pub counter_order: i64,
    /// Done at a place outside city hall (年金事務所, 税務署, 法務局, 家庭裁判所).
    pub outside: bool,
    pub deadline_text_en: String,
    pub reasons_en: Vec<String>,
    pub bring_en: Vec<String>,
    pub note: Option<Text>,
}

/// A procedure that may apply once questions are answered.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Pending {
    pub id: String,
    pub members: Vec<String>,
    pub questions: Vec<Question>,
}

/// One question that would settle a pending procedure.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Question {
    /// The member asked about; `null` for a household fact.
    pub member: Option<String>,
    pub fact: String,
    pub text: String,
    #[serde(skip)]
    pub text_en: String,
    /// The checklist screen that asks it (a key of the set's `[screens]`): the questions of one
    /// screen are asked together.
    pub screen: String,
    /// Shown on the resident's screen, never asked aloud.
    #[serde(skip)]
    pub sensitive: bool,
}

/// A procedure of the event that was considered and does not apply.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Excluded {
    pub id: String,
    pub members: Vec<String>,
    pub reason: String,
    #[serde(skip)]
    pub reason_en: String,
}

impl Determination {
    /// Deterministic JSON, as `determine --format json` prints it.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("a determination always serializes")
    }

    /// Every question of every pending procedure, once each, in order.
    pub fn questions(&self) -> Vec<&Question> {
        let mut out: Vec<&Question> = vec![];
        for p in &self.pending {
            for q in &p.questions {
                if !out.iter().any(|x| x.member == q.member && x.fact == q.fact) {
                    out.push(q);
                }
            }
        }
        out
    }

    /// The form ids to print, in procedure order, once each.
    pub fn form_ids(&self) -> Vec<&str> {
        let mut out: Vec<&str> = vec![];
        for p in &self.procedures {
            for f in &p.forms {
                if !out.contains(&f.as_str()) {
                    out.push(f);
                }
            }
        }
        out
    }
}
