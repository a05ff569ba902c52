//! The loaded, checked procedure set: what the engine evaluates.

use super::toml_walk::Text;
use crate::calendar::{Anchor, OfficeCalendar, OnClosedDay, Period};
use crate::intake::{EventKind, FactScope, FactType, FactValue, Vocabulary};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

/// A checked procedure set. Only the loader makes one, so a `ProcedureSet` is always valid.
#[derive(Clone, Debug)]
pub struct ProcedureSet {
    pub name: String,
    /// `sha256:<hex>` over every file of the set (path and bytes, in path order).
    pub digest: String,
    pub municipality: Municipality,
    pub facts: BTreeMap<(FactScope, String), FactDecl>,
    /// The checklist screens that ask the facts, in asking order.
    pub screens: Vec<ScreenDecl>,
    pub vocabulary: Vocabulary,
    /// In catalogue order (section order, then file path).
    pub procedures: Vec<Procedure>,
    /// Where each procedure came from (id → relative path), for `show` and the TUI.
    pub files: BTreeMap<String, String>,
}

/// `municipality.toml`: the town's parameters of the catalogue.
#[derive(Clone, Debug, Serialize)]
pub struct Municipality {
    pub name: Text,
    /// 全国地方公共団体コード (6 digits).
    pub code: String,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub hours: Option<Text>,
    pub sections: Vec<Section>,
    /// Numeric parameters (`param.x` in conditions).
    pub params: BTreeMap<String, i64>,
    /// The days the town's offices are closed besides the law's (`[calendar]`).
    pub calendar: OfficeCalendar,
}

/// A section (課) with its counter, or a place outside city hall.
#[derive(Clone, Debug, Serialize)]
pub struct Section {
    pub key: String,
    pub name: Text,
    pub counter: Text,
    /// Visiting order; places outside city hall come after every counter.
    pub order: i64,
    pub outside: bool,
    pub phone: Option<String>,
    pub location: Option<Text>,
}

/// A declared fact, with the question that asks it.
#[derive(Clone, Debug, Serialize)]
pub struct FactDecl {
    pub name: String,
    pub scope: FactScope,
    #[serde(skip)]
    pub ty: FactType,
    pub label: Text,
    pub question: Text,
    /// Asked on the resident's screen, never aloud (pregnancy, disability).
    pub sensitive: bool,
    /// Phrases for a yes / no answer (bool facts), used in reasons.
    pub yes: Option<Text>,
    pub no: Option<Text>,
    /// Phrases per code value (code facts), in declaration order.
    pub values: Vec<(String, Text)>,
    /// The question asked about the deceased, in the past tense (「…でしたか」).
    pub question_past: Option<Text>,
    /// When the fact can be asked at all (`asked_when`); `None`: always. When it is false,
    /// the fact is taken as `otherwise` and never asked.
    #[serde(skip)]
    pub asked_when: Option<Cond>,
    pub asked_when_src: Option<String>,
    /// The value taken when `asked_when` is false.
    pub otherwise: Option<FactValue>,
    /// Where the law decides, the value is inferred instead of asked (first rule that holds).
    #[serde(skip)]
    pub infer: Vec<Inference>,
    /// The checklist screen that asks it (a key of `[screens]`).
    pub screen: String,
    /// Its place in `facts.toml` (the row order on its screen).
    pub position: usize,
    /// Code values never offered on a clerk-read screen (e.g. 生活保護 among the insurances).
    pub sensitive_values: Vec<String>,
    /// Short words for the code values as answer options and in checklist cells (「国保」);
    /// a value without one uses its phrase.
    pub answers: Vec<(String, Text)>,
}

impl FactDecl {
    pub fn value_text(&self, code: &str) -> Option<&Text> {
        self.values.iter().find(|(k, _)| k == code).map(|(_, t)| t)
    }
    /// The question, in the past tense when it is about the deceased.
    pub fn question_for(&self, about_deceased: bool) -> &Text {
        match (&self.question_past, about_deceased) {
            (Some(p), true) => p,
            _ => &self.question,
        }
    }
    /// The short answer word of a code value (its phrase when it has none).
    pub fn answer_text(&self, code: &str) -> Option<&Text> {
        self.answers
            .iter()
            .find(|(k, _)| k == code)
            .map(|(_, t)| t)
            .or_else(|| self.value_text(code))
    }
    /// The code values a clerk may read aloud (all but the sensitive ones).
    pub fn spoken_values(&self) -> Vec<&str> {
        self.values
            .iter()
            .map(|(k, _)| k.as_str())
            .filter(|k| !self.sensitive_values.iter().any(|s| s == k))
            .collect()
    }
}

/// An inference rule of a fact: where `when` holds, the fact is `value` without asking.
#[derive(Clone, Debug)]
pub struct Inference {
    pub when: Cond,
    pub when_src: String,
    pub value: FactValue,
    /// Why the law decides it (shown to supervisors).
    pub basis: Option<String>,
}

/// A checklist screen: the facts that share it are asked together, of every member at once.
#[derive(Clone, Debug, Serialize)]
pub struct ScreenDecl {
    pub key: String,
    pub label: Text,
    /// Asking order (smaller first).
    pub order: i64,
    /// Turned to the resident (sensitive questions): never read aloud.
    pub resident: bool,
}

/// The screen of questions that are no fact of the vocabulary (the head, the deceased, a
/// member's 続柄 or sex): fixed on the household's own data, asked first.
pub const HOUSEHOLD_SCREEN: &str = "household";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcKind {
    Form,
    Notice,
    Guidance,
}

impl ProcKind {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "form" => ProcKind::Form,
            "notice" => ProcKind::Notice,
            "guidance" => ProcKind::Guidance,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            ProcKind::Form => "form",
            ProcKind::Notice => "notice",
            ProcKind::Guidance => "guidance",
        }
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            ProcKind::Form => "届出・申請",
            ProcKind::Notice => "お知らせ",
            ProcKind::Guidance => "ご案内",
        }
    }
}

/// Whether a procedure is evaluated once per member or once for the household.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    Member,
    Household,
}

/// A deadline rule: a date counted from an anchor, or a text only.
#[derive(Clone, Debug)]
pub struct DeadlineRule {
    /// The events this variant is for; empty = every event of the procedure.
    pub events: Vec<EventKind>,
    /// Names the period when a procedure has more than one for an event (国民年金 / 厚生年金).
    pub label: Option<Text>,
    pub anchor: Option<Anchor>,
    pub period: Period,
    /// 初日算入 (戸籍法 第43条): the anchor's day is the first day of the period.
    pub count_first_day: bool,
    /// What a last day on a closed day becomes (default: the next open day for a period,
    /// unchanged for a bare date such as "by the move date").
    pub on_closed_day: OnClosedDay,
    /// Text shown with the date (`{date}` is replaced by the 和暦 date with weekday), or
    /// alone when there is no anchor (速やかに).
    pub text: Option<Text>,
}

/// One procedure, checked.
#[derive(Clone, Debug)]
pub struct Procedure {
    pub id: String,
    pub name: Text,
    pub section: String,
    pub kind: ProcKind,
    pub events: Vec<EventKind>,
    pub scope: Scope,
    /// Source text of the condition (for `show`).
    pub when_src: String,
    pub when: Cond,
    pub deadlines: Vec<DeadlineRule>,
    pub basis: String,
    pub bring: Vec<Text>,
    pub forms: Vec<String>,
    pub reason: Text,
    pub not_applicable: Option<Text>,
    pub note: Option<Text>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Order within its counter when deadlines tie (smaller first; default 100), so the main
    /// notification (転入届, 転居届, …) leads.
    pub order: i64,
}

impl Procedure {
    /// The deadline rules for an event: those naming it, else those naming no event. More
    /// than one means several periods, each with its label (the loader checked).
    pub fn deadlines_for(&self, kind: EventKind) -> Vec<&DeadlineRule> {
        let named: Vec<&DeadlineRule> = self
            .deadlines
            .iter()
            .filter(|r| r.events.contains(&kind))
            .collect();
        if named.is_empty() {
            self.deadlines
                .iter()
                .filter(|r| r.events.is_empty())
                .collect()
        } else {
            named
        }
    }

    /// Whether this version of the procedure is in force for an event on `date`.
    pub fn in_force(&self, date: NaiveDate) -> bool {
        self.valid_from.is_none_or(|f| date >= f) && self.valid_until.is_none_or(|u| date <= u)
    }
}

/// Whose value a path reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    /// The member being evaluated (per-member scope, or inside a quantifier).
    Current,
    Deceased,
    Head,
}

/// Derived member attributes the language offers besides facts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attr {
    Age,
    Grade,
    Relation,
    Sex,
    Nationality,
    Moving,
    IsHead,
    IsDeceased,
    IsApplicant,
}

impl Attr {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "age" => Attr::Age,
            "grade" => Attr::Grade,
            "relation" => Attr::Relation,
            "sex" => Attr::Sex,
            "nationality" => Attr::Nationality,
            "moving" => Attr::Moving,
            "is_head" => Attr::IsHead,
            "is_deceased" => Attr::IsDeceased,
            "is_applicant" => Attr::IsApplicant,
            _ => return None,
        })
    }
    pub const NAMES: &'static [&'static str] = &[
        "age",
        "grade",
        "relation",
        "sex",
        "nationality",
        "moving",
        "is_head",
        "is_deceased",
        "is_applicant",
    ];
}

/// A checked value expression.
#[derive(Clone, Debug)]
pub enum Val {
    Int(i64),
    Bool(bool),
    Code(String),
    Text(String),
    Fact {
        who: Who,
        scope: FactScope,
        name: String,
        default: Option<Box<Val>>,
    },
    Attr(Who, Attr),
    EventKind,
    Count(super::lang::MemberSet, Option<Box<Cond>>),
    /// A list literal compared with a code set (only `[]` for "none").
    EmptySet,
}

/// A checked condition.
#[derive(Clone, Debug)]
pub enum Cond {
    Const(bool),
    /// A bool-valued expression (a bool fact or attribute).
    Truth(Val),
    Cmp(super::lang::CmpOp, Val, Val),
    In(Val, Vec<Val>),
    Contains(Val, String),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Any(super::lang::MemberSet, Box<Cond>),
    All(super::lang::MemberSet, Box<Cond>),
}
