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

/// A dated change of the set: a version of a procedure takes effect, or stops applying.
#[derive(Clone, Debug)]
pub struct StagedChange<'a> {
    /// The first day of events it concerns (for an end: the day after `valid_until`).
    pub date: NaiveDate,
    pub takes_effect: bool,
    pub procedure: &'a Procedure,
    /// Another version of the same id takes over on that day (a change, not a new or an
    /// ended procedure).
    pub replaced: bool,
}

impl ProcedureSet {
    /// Every dated change of the set, in date order (then id): what a supervisor stages
    /// with `valid_from` / `valid_until`.
    pub fn staged_changes(&self) -> Vec<StagedChange<'_>> {
        let mut out = vec![];
        for p in &self.procedures {
            let has = |d: NaiveDate| {
                self.procedures
                    .iter()
                    .any(|o| o.id == p.id && !std::ptr::eq(o, p) && o.in_force(d))
            };
            if let Some(f) = p.valid_from {
                out.push(StagedChange {
                    date: f,
                    takes_effect: true,
                    procedure: p,
                    replaced: f.pred_opt().is_some_and(has),
                });
            }
            if let Some(u) = p.valid_until {
                if let Some(next) = u.succ_opt() {
                    if !has(next) {
                        out.push(StagedChange {
                            date: next,
                            takes_effect: false,
                            procedure: p,
                            replaced: false,
                        });
                    }
                }
            }
        }
        out.sort_by(|a, b| {
            (a.date, &a.procedure.id, !a.takes_effect).cmp(&(
                b.date,
                &b.procedure.id,
                !b.takes_effect,
            ))
        });
        out
    }
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
    /// The town's 都道府県 (canonical name, e.g. "山形県"): what `event.from_other_prefecture`
    /// and `event.to_other_prefecture` compare the addresses with.
    pub prefecture: Option<String>,
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
    /// A last day the law fixes by date (相続登記 for inheritances before 2024-04-01: by
    /// 2027-03-31), instead of an anchor and a period.
    pub fixed: Option<chrono::NaiveDate>,
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
    /// The file it was read from, relative to the set (a staged version has its own).
    pub file: String,
    pub name: Text,
    pub section: String,
    pub kind: ProcKind,
    pub events: Vec<EventKind>,
    pub scope: Scope,
    /// Source text of the condition (for `show`).
    pub when_src: String,
    /// The condition for the events no rule of `rules` names.
    pub when: Cond,
    /// Whom a per-member procedure is evaluated for (default: the subjects of the event).
    pub members: Option<super::lang::MemberSet>,
    /// Conditions of their own for some events (e.g. 国保 加入 on a death: the remaining
    /// members who lose the deceased's insurance).
    pub rules: Vec<Rule>,
    /// Another section when a condition holds (the first that holds), e.g. 遺族基礎年金 at
    /// the town's 保険年金課 when the deceased was only a 第1号被保険者.
    pub places: Vec<Place>,
    pub deadlines: Vec<DeadlineRule>,
    pub basis: String,
    /// What to bring; an item may be limited to some events.
    pub bring: Vec<EventText>,
    pub forms: Vec<String>,
    /// The reason template, per event (an entry without events is the default).
    pub reason: Vec<EventText>,
    pub not_applicable: Option<Text>,
    /// The note, per event (an entry without events is the default).
    pub note: Vec<EventText>,
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// Order within its counter when deadlines tie (smaller first; default 100), so the main
    /// notification (転入届, 転居届, …) leads.
    pub order: i64,
}

/// A condition of a procedure for some of its events.
#[derive(Clone, Debug)]
pub struct Rule {
    pub events: Vec<EventKind>,
    pub members: Option<super::lang::MemberSet>,
    pub when_src: String,
    pub when: Cond,
}

/// A section chosen by a condition.
#[derive(Clone, Debug)]
pub struct Place {
    pub when_src: String,
    pub when: Cond,
    pub section: String,
}

/// A text for some events of a procedure (`events` empty: every event not given its own).
#[derive(Clone, Debug)]
pub struct EventText {
    pub events: Vec<EventKind>,
    pub text: Text,
}

/// The text for an event: the entry naming the event, else the default one.
pub fn text_for(list: &[EventText], kind: EventKind) -> Option<&Text> {
    list.iter()
        .find(|t| t.events.contains(&kind))
        .or_else(|| list.iter().find(|t| t.events.is_empty()))
        .map(|t| &t.text)
}

impl Procedure {
    /// The condition and the member set for an event.
    pub fn rule_for(&self, kind: EventKind) -> (&Cond, Option<super::lang::MemberSet>) {
        match self.rules.iter().find(|r| r.events.contains(&kind)) {
            Some(r) => (&r.when, r.members.or(self.members)),
            None => (&self.when, self.members),
        }
    }

    /// The reason template for an event (the loader checked every event has one).
    pub fn reason_for(&self, kind: EventKind) -> &Text {
        text_for(&self.reason, kind).expect("the loader checked every event has a reason")
    }
    /// The note for an event, if any.
    pub fn note_for(&self, kind: EventKind) -> Option<&Text> {
        text_for(&self.note, kind)
    }
    /// What to bring for an event.
    pub fn bring_for(&self, kind: EventKind) -> Vec<&Text> {
        self.bring
            .iter()
            .filter(|b| b.events.is_empty() || b.events.contains(&kind))
            .map(|b| &b.text)
            .collect()
    }

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

    /// The validity of a staged version in words: "2028-04-01 から", "2028-03-31 まで",
    /// "2027-04-01 から 2028-03-31 まで"; `None` when always in force.
    pub fn validity_ja(&self) -> Option<String> {
        match (self.valid_from, self.valid_until) {
            (None, None) => None,
            (Some(f), None) => Some(format!("{f} から")),
            (None, Some(u)) => Some(format!("{u} まで")),
            (Some(f), Some(u)) => Some(format!("{f} から {u} まで")),
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

/// Facts the engine derives from the event and the town rather than reading them from the
/// intake (`event.<name>` in conditions).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Derived {
    /// The previous address is outside the town's prefecture (move_in: read from
    /// `previous_address`; move_in_from_abroad: true; every other event: false).
    FromOtherPrefecture,
    /// The new address is outside the town's prefecture (move_out: read from `new_address`;
    /// move_out_abroad: true; every other event: false).
    ToOtherPrefecture,
}

impl Derived {
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "from_other_prefecture" => Derived::FromOtherPrefecture,
            "to_other_prefecture" => Derived::ToOtherPrefecture,
            _ => return None,
        })
    }
    /// The name in conditions (`event.<name>`), which is also the household fact that keeps
    /// the clerk's answer when the address cannot be read.
    pub fn name(self) -> &'static str {
        match self {
            Derived::FromOtherPrefecture => "from_other_prefecture",
            Derived::ToOtherPrefecture => "to_other_prefecture",
        }
    }
    pub const NAMES: &'static [&'static str] = &["from_other_prefecture", "to_other_prefecture"];
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
    /// A fact of the event derived from the intake and the town (bool).
    Derived(Derived),
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
