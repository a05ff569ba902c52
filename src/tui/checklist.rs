//! The checklist screens of 3 確認: one screen per `screen` of the procedure set, the facts as
//! rows and the members (and the household) as columns. What is on screen is derived from the
//! determination every time, so a follow-up question appears at once and an answer that
//! settles another member's question clears that cell.

use super::state::State;
use crate::intake::{FactScope, FactType, FactValue, Relation, Sex};
use crate::rules::model::{ScreenDecl, HOUSEHOLD_SCREEN};
use crate::rules::{Lang, Question};

/// How a row is answered.
#[derive(Clone, Debug, PartialEq)]
pub enum RowKind {
    Bool,
    Count,
    /// One of the options (code, ja, en).
    Code(Vec<(String, String, String)>),
    /// Any of the options.
    Codes(Vec<(String, String, String)>),
    /// 続柄, 性別 (pseudo-questions of the household screen).
    Relation,
    Sex,
    /// The head or the deceased: "this member".
    Mark,
}

impl RowKind {
    /// The answer options a digit picks: (key, ja, en).
    pub fn options(&self) -> Vec<(String, String, String)> {
        let num = |v: &[(String, String, String)]| {
            v.iter()
                .enumerate()
                .map(|(i, (_, ja, en))| ((i + 1).to_string(), ja.clone(), en.clone()))
                .collect::<Vec<_>>()
        };
        match self {
            RowKind::Bool => vec![
                ("1".into(), "はい".into(), "yes".into()),
                ("2".into(), "いいえ".into(), "no".into()),
            ],
            RowKind::Count => vec![("0-9".into(), "数".into(), "number".into())],
            RowKind::Code(v) => num(v),
            RowKind::Codes(v) => {
                let mut o = num(v);
                o.push(("0".into(), "どれもない".into(), "none".into()));
                o
            }
            RowKind::Relation => num(&relations()),
            RowKind::Sex => num(&sexes()),
            RowKind::Mark => vec![("1".into(), "この方".into(), "this person".into())],
        }
    }
}

pub fn relations() -> Vec<(String, String, String)> {
    let en = [
        "head",
        "spouse",
        "child",
        "parent",
        "grandchild",
        "sibling",
        "relative",
        "cohabitant",
    ];
    Relation::ALL
        .iter()
        .zip(en)
        .map(|(r, e)| {
            (
                r.as_str().to_string(),
                r.label_ja().to_string(),
                e.to_string(),
            )
        })
        .collect()
}

pub fn sexes() -> Vec<(String, String, String)> {
    Sex::ALL
        .iter()
        .zip(["male", "female", "n/a"])
        .map(|(s, e)| {
            (
                s.as_str().to_string(),
                s.label_ja().to_string(),
                e.to_string(),
            )
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub fact: String,
    /// A household fact (answered in the household column).
    pub household: bool,
    pub label: (String, String),
    pub kind: RowKind,
    /// The "no" Enter gives an open cell of this row: false, 0, none of a set; for a code
    /// fact, its `none` value when the set declares it as the fact's `otherwise` (what anyone
    /// not asked has: 運転免許なし, 通っていない). `None`: it must be answered (or skipped with S),
    /// e.g. the health insurance, where "none" means uninsured and is never assumed.
    pub no: Option<FactValue>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Col {
    /// `None`: the household column.
    pub member: Option<String>,
    pub name: String,
    pub deceased: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// Not asked of this member.
    Blank,
    /// To answer.
    Open(Question),
    /// "わからない": left pending.
    Skipped(Question),
    /// Answered, or known before (from the card, a QR code): the value as shown.
    Known { text: (String, String), here: bool },
}

impl Cell {
    pub fn is_open(&self) -> bool {
        matches!(self, Cell::Open(_))
    }
    /// A cell the focus may rest on.
    pub fn focusable(&self) -> bool {
        !matches!(self, Cell::Blank | Cell::Known { here: false, .. })
    }
}

/// One checklist screen as drawn and answered.
#[derive(Clone, Debug)]
pub struct Checklist {
    pub screen: ScreenDecl,
    pub rows: Vec<Row>,
    pub cols: Vec<Col>,
    /// `cells[row][col]`.
    pub cells: Vec<Vec<Cell>>,
    /// (this screen's number, the screens asked in all so far plus those still to come).
    pub progress: (usize, usize),
    /// The focused cell.
    pub focus: Option<(usize, usize)>,
}

impl Checklist {
    pub fn open_count(&self) -> usize {
        self.cells.iter().flatten().filter(|c| c.is_open()).count()
    }
    pub fn cell(&self, r: usize, c: usize) -> &Cell {
        &self.cells[r][c]
    }
    /// The key of a cell: (member, fact).
    pub fn key(&self, r: usize, c: usize) -> (Option<String>, String) {
        (self.cols[c].member.clone(), self.rows[r].fact.clone())
    }
    /// The first open cell at or after (r, c) in reading order, wrapping.
    pub fn next_open(&self, from: Option<(usize, usize)>) -> Option<(usize, usize)> {
        let w = self.cols.len();
        let n = self.rows.len() * w;
        if n == 0 {
            return None;
        }
        let start = from.map_or(0, |(r, c)| r * w + c);
        (0..n)
            .map(|k| (start + k) % n)
            .map(|i| (i / w, i % w))
            .find(|&(r, c)| self.cells[r][c].is_open())
    }
}

/// The screen declaration of a pending question's screen (the built-in ones included).
fn screen_decl(s: &State, key: &str) -> Option<ScreenDecl> {
    s.set.screens.iter().find(|x| x.key == key).cloned()
}

/// The questions still open (asked, not skipped).
pub fn open_questions(s: &State) -> Vec<Question> {
    s.case.open_questions().into_iter().cloned().collect()
}

/// The screen being asked now: the one the clerk is on, else the first with open questions.
pub fn current_screen(s: &State) -> Option<ScreenDecl> {
    if let Some(k) = &s.case.ask_screen {
        return screen_decl(s, k);
    }
    let open = s.case.open_questions();
    crate::rules::questions::next_screen(&s.set, &open).cloned()
}

fn member_name(s: &State, id: &str) -> String {
    s.case
        .intake
        .member(id)
        .map_or(id.to_string(), |m| m.name.clone())
}

fn fact_value(s: &State, member: Option<&str>, fact: &str) -> Option<FactValue> {
    match member {
        Some(id) => s.case.intake.member(id).and_then(|m| m.facts.get(fact)),
        None => s.case.intake.household.facts.get(fact),
    }
}

fn row_for(s: &State, fact: &str, household: bool, resident: bool) -> Row {
    let label = |ja: &str, en: &str| (ja.to_string(), en.to_string());
    match fact {
        "relation" => {
            return Row {
                fact: fact.into(),
                household: false,
                label: label("続柄", "Relation"),
                kind: RowKind::Relation,
                no: None,
            }
        }
        "sex" => {
            return Row {
                fact: fact.into(),
                household: false,
                label: label("性別", "Sex"),
                kind: RowKind::Sex,
                no: None,
            }
        }
        "head" | "deceased" => {
            return Row {
                fact: fact.into(),
                household: false,
                label: if fact == "head" {
                    label("世帯主", "Head of household")
                } else {
                    label("亡くなった方", "The deceased")
                },
                kind: RowKind::Mark,
                no: None,
            }
        }
        _ => {}
    }
    let scope = if household {
        FactScope::Household
    } else {
        FactScope::Member
    };
    let decl = s.set.facts.get(&(scope, fact.to_string()));
    let values = |codes: &[String]| -> Vec<(String, String, String)> {
        codes
            .iter()
            .filter(|c| {
                // A clerk-read screen never offers a sensitive value.
                resident || decl.is_none_or(|d| !d.sensitive_values.iter().any(|x| x == *c))
            })
            .map(|c| {
                let t = decl.and_then(|d| d.answer_text(c));
                (
                    c.clone(),
                    t.map_or(c.clone(), |t| t.ja.clone()),
                    t.map_or(c.clone(), |t| t.en().to_string()),
                )
            })
            .collect()
    };
    let (kind, no) = match s.set.vocabulary.get(scope, fact) {
        Some(FactType::Count) => (RowKind::Count, Some(FactValue::Count(0))),
        Some(FactType::Code(v)) => {
            let none = FactValue::Code("none".into());
            let no = decl
                .and_then(|d| d.otherwise.as_ref())
                .filter(|o| **o == none)
                .cloned();
            (RowKind::Code(values(v)), no)
        }
        Some(FactType::CodeSet(v)) => (RowKind::Codes(values(v)), Some(FactValue::Codes(vec![]))),
        _ => (RowKind::Bool, Some(FactValue::Bool(false))),
    };
    Row {
        no,
        fact: fact.into(),
        household,
        label: decl.map_or((fact.to_string(), fact.to_string()), |d| {
            (d.label.ja.clone(), d.label.en().to_string())
        }),
        kind,
    }
}

/// How a known value reads in a cell.
pub fn value_text(s: &State, row: &Row, v: &FactValue, resident: bool) -> (String, String) {
    let scope = if row.household {
        FactScope::Household
    } else {
        FactScope::Member
    };
    let decl = s.set.facts.get(&(scope, row.fact.clone()));
    let short = |code: &str| -> (String, String) {
        if !resident && decl.is_some_and(|d| d.sensitive_values.iter().any(|x| x == code)) {
            // Given on the resident's screen or a QR code: never shown to be read aloud.
            return ("回答済み".into(), "answered".into());
        }
        let opts = match &row.kind {
            RowKind::Code(o) | RowKind::Codes(o) => o.clone(),
            _ => vec![],
        };
        opts.iter()
            .find(|o| o.0 == code)
            .map(|o| (o.1.clone(), o.2.clone()))
            .or_else(|| {
                decl.and_then(|d| d.answer_text(code))
                    .map(|t| (t.ja.clone(), t.en().to_string()))
            })
            .unwrap_or((code.to_string(), code.to_string()))
    };
    match v {
        FactValue::Bool(true) => ("はい".into(), "yes".into()),
        FactValue::Bool(false) => ("いいえ".into(), "no".into()),
        FactValue::Count(n) => (n.to_string(), n.to_string()),
        FactValue::Code(c) => short(c),
        FactValue::Codes(list) if list.is_empty() => ("なし".into(), "none".into()),
        FactValue::Codes(list) => {
            let parts: Vec<(String, String)> = list.iter().map(|c| short(c)).collect();
            (
                parts
                    .iter()
                    .map(|p| p.0.clone())
                    .collect::<Vec<_>>()
                    .join("・"),
                parts
                    .iter()
                    .map(|p| p.1.clone())
                    .collect::<Vec<_>>()
                    .join(", "),
            )
        }
    }
}

/// The value of a pseudo-question cell (relation, sex, head, deceased) as shown.
fn pseudo_known(s: &State, fact: &str, member: &str) -> Option<(String, String)> {
    let m = s.case.intake.member(member)?;
    match fact {
        "relation" => m
            .relation
            .map(|r| (r.label_ja().to_string(), r.as_str().to_string())),
        "sex" => m
            .sex
            .map(|x| (x.label_ja().to_string(), x.as_str().to_string())),
        "head" => (s.case.intake.household.head.as_deref() == Some(member))
            .then(|| ("世帯主".to_string(), "head".to_string())),
        "deceased" => (s.case.intake.event.deceased.as_deref() == Some(member))
            .then(|| ("亡くなった方".to_string(), "deceased".to_string())),
        _ => None,
    }
}

/// The checklist of the current screen, or `None` when nothing is left to ask.
pub fn build(s: &State) -> Option<Checklist> {
    let screen = current_screen(s)?;
    let resident = screen.resident;
    let all = s.case.det.questions();
    let on_screen = |q: &&Question| q.screen == screen.key;
    let open: Vec<&Question> = all
        .iter()
        .copied()
        .filter(on_screen)
        .filter(|q| {
            !s.case
                .skipped
                .iter()
                .any(|(m, f)| *m == q.member && *f == q.fact)
        })
        .collect();
    let skipped: Vec<&Question> = all
        .iter()
        .copied()
        .filter(on_screen)
        .filter(|q| {
            s.case
                .skipped
                .iter()
                .any(|(m, f)| *m == q.member && *f == q.fact)
        })
        .collect();
    let here = &s.case.ask_here;
    // Rows: the facts asked here now or answered here in this visit, in facts.toml order.
    let mut facts: Vec<(String, bool)> = vec![];
    let mut add_fact = |f: &str, household: bool| {
        if !facts.iter().any(|(x, h)| x == f && *h == household) {
            facts.push((f.to_string(), household));
        }
    };
    for q in open.iter().chain(skipped.iter()) {
        add_fact(&q.fact, q.member.is_none() && !is_pseudo(&q.fact));
    }
    for (m, f) in here {
        add_fact(f, m.is_none() && !is_pseudo(f));
    }
    let order = |f: &(String, bool)| -> usize {
        match f.0.as_str() {
            "head" => 0,
            "deceased" => 1,
            "relation" => 2,
            "sex" => 3,
            name => {
                let scope = if f.1 {
                    FactScope::Household
                } else {
                    FactScope::Member
                };
                s.set
                    .facts
                    .get(&(scope, name.to_string()))
                    .map_or(10_000, |d| 10 + d.position)
            }
        }
    };
    facts.sort_by_key(|f| order(f));
    if facts.is_empty() {
        return None;
    }
    let rows: Vec<Row> = facts
        .iter()
        .map(|(f, h)| row_for(s, f, *h, resident))
        .collect();
    // Columns: the household (when a household fact is asked), then every member who is
    // asked, or was answered for, on this screen.
    let mut cols: Vec<Col> = vec![];
    if rows.iter().any(|r| r.household) {
        cols.push(Col {
            member: None,
            name: "世帯".into(),
            deceased: false,
        });
    }
    let deceased = s.case.intake.event.deceased.clone();
    for m in &s.case.intake.household.members {
        let asked = open
            .iter()
            .chain(skipped.iter())
            .any(|q| q.member.as_deref() == Some(&m.id) && !pseudo_household(q))
            || here
                .iter()
                .any(|(hm, f)| hm.as_deref() == Some(&m.id) && !is_household_mark(f))
            || rows.iter().any(|r| r.kind == RowKind::Mark);
        if asked {
            cols.push(Col {
                member: Some(m.id.clone()),
                name: member_name(s, &m.id),
                deceased: s.case.intake.event.kind == crate::intake::EventKind::Death
                    && deceased.as_deref() == Some(&m.id),
            });
        }
    }
    let mut cells = vec![];
    for row in &rows {
        let mut line = vec![];
        for col in &cols {
            let cell = cell_for(s, row, col, &open, &skipped, resident);
            line.push(cell);
        }
        cells.push(line);
    }
    // Progress: the screens done, this one, and those with open questions still to come.
    let later: Vec<&str> = s
        .set
        .screens
        .iter()
        .filter(|sc| sc.key != screen.key)
        .filter(|sc| !s.case.ask_visited.contains(&sc.key))
        .filter(|sc| all.iter().any(|q| q.screen == sc.key))
        .map(|sc| sc.key.as_str())
        .collect();
    let number = s.case.ask_visited.len() + 1;
    let progress = (number, number + later.len());
    let mut list = Checklist {
        screen,
        rows,
        cols,
        cells,
        progress,
        focus: None,
    };
    list.focus = focus_of(s, &list);
    Some(list)
}

fn is_pseudo(f: &str) -> bool {
    matches!(f, "head" | "deceased" | "relation" | "sex")
}

fn is_household_mark(f: &str) -> bool {
    matches!(f, "head" | "deceased")
}

fn pseudo_household(q: &Question) -> bool {
    q.member.is_none() && is_household_mark(&q.fact)
}

fn cell_for(
    s: &State,
    row: &Row,
    col: &Col,
    open: &[&Question],
    skipped: &[&Question],
    resident: bool,
) -> Cell {
    if row.kind == RowKind::Mark {
        // The head / the deceased: a household question answered in a member's column.
        let Some(id) = &col.member else {
            return Cell::Blank;
        };
        if let Some(q) = open.iter().find(|q| q.fact == row.fact) {
            return Cell::Open((*q).clone());
        }
        if let Some(q) = skipped.iter().find(|q| q.fact == row.fact) {
            return Cell::Skipped((*q).clone());
        }
        return match pseudo_known(s, &row.fact, id) {
            Some(t) => Cell::Known {
                text: t,
                here: true,
            },
            None => Cell::Blank,
        };
    }
    if row.household != col.member.is_none() {
        return Cell::Blank;
    }
    let m = col.member.clone();
    if let Some(q) = open.iter().find(|q| q.fact == row.fact && q.member == m) {
        return Cell::Open((*q).clone());
    }
    if let Some(q) = skipped.iter().find(|q| q.fact == row.fact && q.member == m) {
        return Cell::Skipped((*q).clone());
    }
    let here = s
        .case
        .ask_here
        .iter()
        .any(|(hm, f)| *hm == m && *f == row.fact);
    let known = match (&row.kind, &m) {
        (RowKind::Relation | RowKind::Sex, Some(id)) => pseudo_known(s, &row.fact, id),
        _ => fact_value(s, m.as_deref(), &row.fact).map(|v| value_text(s, row, &v, resident)),
    };
    match known {
        Some(text) => Cell::Known { text, here },
        None => Cell::Blank,
    }
}

/// The focused cell: the one the clerk moved to, if it is still there; else the first open.
fn focus_of(s: &State, list: &Checklist) -> Option<(usize, usize)> {
    if let Some((m, f)) = &s.case.ask_focus {
        let r = list.rows.iter().position(|r| &r.fact == f);
        let c = list.cols.iter().position(|c| &c.member == m);
        if let (Some(r), Some(c)) = (r, c) {
            if list.cells[r][c].focusable() {
                return Some((r, c));
            }
        }
    }
    list.next_open(None).or_else(|| {
        (0..list.rows.len())
            .flat_map(|r| (0..list.cols.len()).map(move |c| (r, c)))
            .find(|&(r, c)| list.cells[r][c].focusable())
    })
}

/// The text of a row label or question in the current language.
pub fn pick(lang: Lang, t: &(String, String)) -> &str {
    match lang {
        Lang::Ja => &t.0,
        Lang::En => &t.1,
    }
}

/// Whether the key of a screen is the household's own (the pseudo-questions).
pub fn is_household_screen(sc: &ScreenDecl) -> bool {
    sc.key == HOUSEHOLD_SCREEN
}
