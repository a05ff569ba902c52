//! Bindings: the names a template may print (`member.name`, `event.notified_on`, …), their
//! types for the check, and their values for one case. Formats turn a value into the text a
//! form asks for (和暦 with 元年, full-width digits, katakana, the parts of an address, …).
//!
//! [`check_binding`] and [`resolve`] read the same table of names; a test resolves every name
//! the check accepts, so the two cannot drift apart.

use crate::calendar::{age, format_en, format_wareki, format_wareki_weekday, grade};
use crate::intake::{FactScope, FactType, FactValue, Intake, Member, Vocabulary};
use crate::rules::address::PREFECTURES;
use crate::rules::{Applied, Determination, ProcedureSet};
use chrono::NaiveDate;

/// The type of a bound value, for checking formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Text,
    Address,
    Date,
    Bool,
    Number,
    Code,
}

impl Ty {
    fn name(self) -> &'static str {
        match self {
            Ty::Text => "a text",
            Ty::Address => "an address",
            Ty::Date => "a date",
            Ty::Bool => "yes/no",
            Ty::Number => "a number",
            Ty::Code => "a code",
        }
    }
}

/// A value for one case. `Empty` is unknown: the form shows a boxed blank.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    Text(String),
    Date(NaiveDate),
    Bool(bool),
    Number(i64),
    /// A code with its Japanese label.
    Code(String, String),
}

/// Person attributes (`member.`, `head.`, `applicant.`, `deceased.`).
pub const PERSON: &[(&str, Ty)] = &[
    ("name", Ty::Text),
    ("kana", Ty::Text),
    ("birth_date", Ty::Date),
    ("sex", Ty::Code),
    ("relation", Ty::Code),
    ("nationality", Ty::Text),
    ("age", Ty::Number),
    ("grade", Ty::Number),
    ("address", Ty::Address),
    ("phone", Ty::Text),
    ("relation_to_deceased", Ty::Text),
    ("new_relation", Ty::Code),
    ("honseki", Ty::Text),
    ("hittosha", Ty::Text),
    ("foreign", Ty::Bool),
    ("residence.status", Ty::Text),
    ("residence.period_until", Ty::Date),
    ("residence.card_number", Ty::Text),
    ("residence.kubun", Ty::Code),
];

pub const EVENT: &[(&str, Ty)] = &[
    ("kind", Ty::Code),
    ("date", Ty::Date),
    ("notified_on", Ty::Date),
    ("planned_move_out_date", Ty::Date),
    ("previous_address", Ty::Address),
    ("new_address", Ty::Address),
    ("applicant_capacity", Ty::Code),
    ("funeral_date", Ty::Date),
    ("address_after", Ty::Address),
    ("address_before", Ty::Address),
];

pub const HOUSEHOLD: &[(&str, Ty)] = &[
    ("address", Ty::Address),
    ("remaining_address", Ty::Address),
    ("size", Ty::Number),
];

pub const PROCEDURE: &[(&str, Ty)] = &[
    ("name", Ty::Text),
    ("deadline", Ty::Date),
    ("deadline_text", Ty::Text),
    ("basis", Ty::Text),
    ("section", Ty::Text),
    ("counter", Ty::Text),
];

pub const TOWN: &[(&str, Ty)] = &[
    ("name", Ty::Text),
    ("name_en", Ty::Text),
    ("address", Ty::Address),
    ("phone", Ty::Text),
    ("code", Ty::Text),
];

pub const CASE: &[(&str, Ty)] = &[("code", Ty::Text)];

/// Formats and the types they take.
pub const FORMATS: &[(&str, &[Ty], &str)] = &[
    (
        "text",
        &[
            Ty::Text,
            Ty::Address,
            Ty::Date,
            Ty::Bool,
            Ty::Number,
            Ty::Code,
        ],
        "as it is (dates in 和暦)",
    ),
    (
        "wareki",
        &[Ty::Date],
        "令和8年4月1日 (元年 for the first year)",
    ),
    ("wareki_weekday", &[Ty::Date], "令和8年4月1日(水)"),
    ("date_en", &[Ty::Date], "Wed 1 Apr 2026"),
    (
        "fullwidth",
        &[Ty::Text, Ty::Address, Ty::Number],
        "digits and Latin letters full-width: １２３",
    ),
    (
        "halfwidth",
        &[Ty::Text, Ty::Address, Ty::Number],
        "digits and Latin letters half-width: 123",
    ),
    ("katakana", &[Ty::Text], "フリガナ in katakana"),
    ("hiragana", &[Ty::Text], "ふりがな in hiragana"),
    ("pref", &[Ty::Address], "都道府県 of an address"),
    ("city", &[Ty::Address], "市区町村 (with 郡 and 政令市の区)"),
    (
        "street",
        &[Ty::Address],
        "the rest: 町名・番地 (without 方書)",
    ),
    (
        "katagaki",
        &[Ty::Address],
        "方書: building and room (after a space)",
    ),
    ("yen", &[Ty::Number], "50,000円"),
    ("age", &[Ty::Number], "41歳"),
    (
        "school_grade",
        &[Ty::Number],
        "学年: 小学校3年 / 中学校1年 / 未就学",
    ),
];

/// What a binding may refer to where it is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Where {
    /// A household form outside a table: no `member.`.
    Household,
    /// A per-member form, or a table row.
    Member,
}

/// Everything the checker needs to know about the names.
pub struct Env<'a> {
    pub vocab: &'a Vocabulary,
    pub params: Vec<String>,
    /// Procedure ids (of the set and the catalogue) for `applies.`.
    pub procedure_ids: Vec<String>,
}

fn list(t: &[(&str, Ty)]) -> String {
    t.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
}

fn fact_ty(t: &FactType) -> Ty {
    match t {
        FactType::Bool => Ty::Bool,
        FactType::Count => Ty::Number,
        FactType::Code(_) | FactType::CodeSet(_) => Ty::Code,
    }
}

/// The type of a binding, or an error message and a hint.
pub fn check_binding(path: &str, at: Where, env: &Env<'_>) -> Result<Ty, (String, String)> {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    let find = |table: &[(&str, Ty)], what: &str| -> Result<Ty, (String, String)> {
        table
            .iter()
            .find(|(n, _)| *n == rest)
            .map(|(_, t)| *t)
            .ok_or_else(|| {
                let hint = crate::intake::closest(rest, table.iter().map(|(n, _)| *n))
                    .map(|c| format!("did you mean `{head}.{c}`?"))
                    .unwrap_or_else(|| format!("{what} has: {}", list(table)));
                (format!("unknown value `{path}`"), hint)
            })
    };
    match head {
        "event" => find(EVENT, "event"),
        "household" => {
            if let Ok(t) = find(HOUSEHOLD, "household") {
                return Ok(t);
            }
            match env.vocab.household.get(rest) {
                Some(t) => Ok(fact_ty(t)),
                None => {
                    let names = HOUSEHOLD
                        .iter()
                        .map(|(n, _)| *n)
                        .chain(env.vocab.household.keys().map(String::as_str));
                    let hint = crate::intake::closest(rest, names)
                        .map(|c| format!("did you mean `household.{c}`?"))
                        .unwrap_or_else(|| "household has: address, size and the household facts".into());
                    Err((format!("unknown value `{path}`"), hint))
                }
            }
        }
        h if h == "member" || super::roles::ROLES.iter().any(|(r, _)| *r == h) => {
            if head == "subject" && at == Where::Household {
                return Err((
                    format!("`{path}` is the person a per-member form is about, and this is a household form"),
                    "use it on a form with `per = \"member\"`; on a household form name the role (head., applicant., claimant., …)".into(),
                ));
            }
            if head == "member" && at == Where::Household {
                return Err((
                    format!("`{path}` needs a member, and this is a household form"),
                    "use it in a [[table]] column, or set `per = \"member\"` in [form]; or use head./applicant./deceased.".into(),
                ));
            }
            if let Some((_, t)) = PERSON.iter().find(|(n, _)| *n == rest) {
                return Ok(*t);
            }
            match env.vocab.member.get(rest) {
                Some(t) => Ok(fact_ty(t)),
                None => {
                    let names = PERSON
                        .iter()
                        .map(|(n, _)| *n)
                        .chain(env.vocab.member.keys().map(String::as_str));
                    let hint = crate::intake::closest(rest, names)
                        .map(|c| format!("did you mean `{head}.{c}`?"))
                        .unwrap_or_else(|| format!("a person has: {} and the member facts", list(PERSON)));
                    Err((format!("unknown value `{path}`"), hint))
                }
            }
        }
        "procedure" => find(PROCEDURE, "procedure"),
        "town" => find(TOWN, "town"),
        "case" => find(CASE, "case"),
        "param" => {
            if env.params.iter().any(|p| p == rest) {
                Ok(Ty::Number)
            } else {
                let hint = crate::intake::closest(rest, env.params.iter().map(String::as_str))
                    .map(|c| format!("did you mean `param.{c}`?"))
                    .unwrap_or_else(|| format!("the set's parameters: {}", env.params.join(", ")));
                Err((format!("unknown parameter `{path}`"), hint))
            }
        }
        "applies" => {
            let known = env
                .procedure_ids
                .iter()
                .any(|id| id == rest || id.starts_with(&format!("{rest}.")));
            if known && !rest.is_empty() {
                Ok(Ty::Bool)
            } else {
                let hint = crate::intake::closest(rest, env.procedure_ids.iter().map(String::as_str))
                    .map(|c| format!("did you mean `applies.{c}`?"))
                    .unwrap_or_else(|| "give a procedure id (nhi.enroll) or its first part (nhi)".into());
                Err((format!("no procedure `{rest}` for `{path}`"), hint))
            }
        }
        _ => Err((
            format!("unknown value `{path}`"),
            format!(
                "a value starts with event., household., member., a role ({}), procedure., town., param., applies. or case.",
                super::roles::ROLES.iter().map(|(r, _)| *r).collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

/// Whether a format takes a type.
pub fn check_format(format: &str, ty: Ty) -> Result<(), (String, String)> {
    match FORMATS.iter().find(|(n, _, _)| *n == format) {
        None => Err((
            format!("unknown format `{format}`"),
            crate::intake::closest(format, FORMATS.iter().map(|(n, _, _)| *n))
                .map(|c| format!("did you mean `{c}`?"))
                .unwrap_or_else(|| {
                    format!(
                        "formats: {}",
                        FORMATS
                            .iter()
                            .map(|(n, _, _)| *n)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
        )),
        Some((_, tys, _)) if !tys.contains(&ty) => Err((
            format!("format `{format}` does not apply to {}", ty.name()),
            format!(
                "`{format}` takes {}",
                tys.iter()
                    .map(|t| t.name())
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
        )),
        Some(_) => Ok(()),
    }
}

/// The data one page is filled from.
#[derive(Clone)]
pub struct Ctx<'a> {
    pub intake: &'a Intake,
    pub det: &'a Determination,
    pub set: &'a ProcedureSet,
    pub today: NaiveDate,
    pub case_code: &'a str,
    /// The procedures that use this form.
    pub procedures: Vec<&'a Applied>,
    /// The member of a per-member form or a table row.
    pub member: Option<&'a Member>,
    /// Who is in each role on this page (`forms::roles`).
    pub roles: super::roles::Roles<'a>,
}

impl<'a> Ctx<'a> {
    fn person(&self, who: &str) -> Option<Person<'a>> {
        match who {
            "member" => self.member.map(Person::Member),
            role => self.roles.get(role).map(|w| match w {
                super::roles::Who::Member(m) => Person::Member(m),
                super::roles::Who::Outside(p) => Person::Outside(p),
            }),
        }
    }

    /// The address the household lives at after the event (the new one for a move in).
    fn household_address(&self) -> Option<String> {
        let i = self.intake;
        match i.event.kind {
            crate::intake::EventKind::MoveIn
            | crate::intake::EventKind::MoveInFromAbroad
            | crate::intake::EventKind::MoveWithin => i
                .event
                .new_address
                .clone()
                .or_else(|| i.household.address.clone()),
            _ => i
                .household
                .address
                .clone()
                .or_else(|| i.event.previous_address.clone()),
        }
    }
}

impl Ctx<'_> {
    /// Where the members who stay live after the event: the old address of a move (the
    /// movers leave it), the household's address otherwise.
    fn remaining_address(&self) -> Option<String> {
        let i = self.intake;
        match i.event.kind {
            crate::intake::EventKind::MoveWithin
            | crate::intake::EventKind::MoveOut
            | crate::intake::EventKind::MoveOutAbroad => i
                .event
                .previous_address
                .clone()
                .or_else(|| i.household.address.clone()),
            _ => self.household_address(),
        }
    }
}

enum Person<'a> {
    Member(&'a Member),
    Outside(&'a crate::intake::OutsidePerson),
}

fn text(s: Option<impl Into<String>>) -> Value {
    match s {
        Some(s) => {
            let s = s.into();
            if s.trim().is_empty() {
                Value::Empty
            } else {
                Value::Text(s)
            }
        }
        None => Value::Empty,
    }
}

fn fact_value(v: Option<FactValue>, label: impl Fn(&str) -> Option<String>) -> Value {
    match v {
        None => Value::Empty,
        Some(FactValue::Bool(b)) => Value::Bool(b),
        Some(FactValue::Count(n)) => Value::Number(n as i64),
        Some(FactValue::Code(c)) => {
            let l = label(&c).unwrap_or_else(|| c.clone());
            Value::Code(c, l)
        }
        Some(FactValue::Codes(cs)) => {
            let labels: Vec<String> = cs
                .iter()
                .map(|c| label(c).unwrap_or_else(|| c.clone()))
                .collect();
            Value::Code(cs.join(","), labels.join("・"))
        }
    }
}

/// The value of a binding for one case (the check has accepted the name).
pub fn resolve(path: &str, ctx: &Ctx<'_>) -> Value {
    let (head, rest) = path.split_once('.').unwrap_or((path, ""));
    let i = ctx.intake;
    match (head, rest) {
        ("event", "kind") => {
            Value::Code(i.event.kind.as_str().into(), i.event.kind.label_ja().into())
        }
        ("event", "date") => Value::Date(i.event.date),
        ("event", "notified_on") => Value::Date(i.notified_on(ctx.today)),
        ("event", "planned_move_out_date") => i
            .event
            .planned_move_out_date
            .map_or(Value::Empty, Value::Date),
        ("event", "previous_address") => text(i.event.previous_address.clone()),
        ("event", "new_address") => text(i.event.new_address.clone()),
        ("event", "applicant_capacity") => super::roles::applicant_capacity(i)
            .map_or(Value::Empty, |c| {
                Value::Code(c.as_str().into(), c.label_ja().into())
            }),
        ("event", "funeral_date") => i.event.funeral_date.map_or(Value::Empty, Value::Date),
        ("household", "address") => text(ctx.household_address()),
        ("household", "remaining_address") => text(ctx.remaining_address()),
        ("event", "address_after") => text(if i.event.kind.is_move() {
            i.event.new_address.clone()
        } else {
            ctx.household_address()
        }),
        ("event", "address_before") => text(if i.event.kind.is_move() {
            i.event.previous_address.clone().or_else(|| {
                (!matches!(
                    i.event.kind,
                    crate::intake::EventKind::MoveIn | crate::intake::EventKind::MoveInFromAbroad
                ))
                .then(|| i.household.address.clone())
                .flatten()
            })
        } else {
            ctx.household_address()
        }),
        ("household", "size") => Value::Number(i.household.members.len() as i64),
        ("household", fact) => {
            let decl = ctx.set.facts.get(&(FactScope::Household, fact.to_string()));
            fact_value(i.household.facts.get(fact), |c| {
                decl.and_then(|d| d.value_text(c)).map(|t| t.ja.clone())
            })
        }
        (who, attr) if who == "member" || super::roles::ROLES.iter().any(|(r, _)| *r == who) => {
            let Some(p) = ctx.person(head) else {
                return Value::Empty;
            };
            match p {
                Person::Member(m) => member_value(m, attr, ctx),
                Person::Outside(o) => match attr {
                    "name" => text(Some(o.name.clone())),
                    "kana" => text(o.kana.clone()),
                    "birth_date" => o.birth_date.map_or(Value::Empty, Value::Date),
                    "address" => text(o.address.clone()),
                    "phone" => text(o.phone.clone()),
                    "relation" | "relation_to_deceased" => text(o.relation_to_deceased.clone()),
                    "age" => o.birth_date.map_or(Value::Empty, |b| {
                        Value::Number(age(b, i.notified_on(ctx.today)))
                    }),
                    _ => Value::Empty,
                },
            }
        }
        ("procedure", f) => {
            let Some(p) = ctx.procedures.first() else {
                return Value::Empty;
            };
            match f {
                "name" => Value::Text(
                    ctx.procedures
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join("・"),
                ),
                "deadline" => ctx
                    .procedures
                    .iter()
                    .filter_map(|p| p.deadline)
                    .min()
                    .map_or(Value::Empty, Value::Date),
                "deadline_text" => text(Some(p.deadline_text.clone())),
                "basis" => text(Some(p.basis.clone())),
                "section" => text(Some(p.section.clone())),
                "counter" => text(Some(p.counter.clone())),
                _ => unchecked(path),
            }
        }
        ("town", f) => {
            let t = &ctx.set.municipality;
            match f {
                "name" => text(Some(t.name.ja.clone())),
                "name_en" => text(Some(t.name.en().to_string())),
                "address" => text(t.address.clone()),
                "phone" => text(t.phone.clone()),
                "code" => text(Some(t.code.clone())),
                _ => unchecked(path),
            }
        }
        ("param", p) => ctx
            .set
            .municipality
            .params
            .get(p)
            .map_or(Value::Empty, |v| Value::Number(*v)),
        ("applies", id) => Value::Bool(
            ctx.det
                .procedures
                .iter()
                .any(|p| p.id == id || p.id.starts_with(&format!("{id}."))),
        ),
        ("case", "code") => Value::Text(ctx.case_code.to_string()),
        _ => unchecked(path),
    }
}

/// A name the check accepted but `resolve` does not know: a bug (the test below resolves
/// every name the check accepts).
fn unchecked(path: &str) -> Value {
    debug_assert!(false, "binding `{path}` passed the check but has no value");
    Value::Empty
}

fn member_value(m: &Member, attr: &str, ctx: &Ctx<'_>) -> Value {
    let i = ctx.intake;
    match attr {
        "name" => text(Some(m.name.clone())),
        "kana" => text(m.kana.clone()),
        "birth_date" => Value::Date(m.birth_date),
        "sex" => m.sex.map_or(Value::Empty, |s| {
            Value::Code(s.as_str().into(), s.label_ja().into())
        }),
        "relation" => match (&m.relation_label, m.relation) {
            (Some(l), r) => Value::Code(r.map(|r| r.as_str()).unwrap_or("").into(), l.clone()),
            (None, Some(r)) => {
                let head = i.household.head.as_deref().and_then(|h| i.member(h));
                let label = super::labels::member_relation(m, Some(r), head).unwrap_or_default();
                Value::Code(r.as_str().into(), label)
            }
            (None, None) => Value::Empty,
        },
        "new_relation" => super::roles::relation_after(i, m).map_or(Value::Empty, |l| {
            let code = match super::roles::new_relation(m) {
                Some(r) => r.as_str(),
                None if l == "世帯主" => "head",
                None => "",
            };
            Value::Code(code.into(), l)
        }),
        "honseki" => text(m.honseki.clone()),
        "hittosha" => text(m.hittosha.clone()),
        "foreign" => Value::Bool(!m.nationality.trim().eq_ignore_ascii_case("JP")),
        "residence.status" => text(m.residence.as_ref().and_then(|r| r.status.clone())),
        "residence.period_until" => m
            .residence
            .as_ref()
            .and_then(|r| r.period_until)
            .map_or(Value::Empty, Value::Date),
        "residence.card_number" => text(
            m.residence
                .as_ref()
                .and_then(|r| r.card_number.as_ref())
                .map(|c| c.as_str().to_string()),
        ),
        "residence.kubun" => m
            .residence
            .as_ref()
            .and_then(|r| r.kubun)
            .map_or(Value::Empty, |k| {
                Value::Code(k.as_str().into(), k.label_ja().into())
            }),
        "nationality" => {
            super::labels::country_ja(&m.nationality).map_or(Value::Empty, Value::Text)
        }
        "age" => Value::Number(age(m.birth_date, i.event.date)),
        "grade" => Value::Number(grade(m.birth_date, i.event.date)),
        "address" => text(ctx.household_address()),
        "phone" => Value::Empty,
        "relation_to_deceased" => i
            .event
            .deceased
            .as_deref()
            .and_then(|d| i.member(d))
            .and_then(|d| super::labels::relation_to(m, d))
            .map_or(Value::Empty, |l| Value::Text(l.into())),
        fact => {
            let decl = ctx.set.facts.get(&(FactScope::Member, fact.to_string()));
            // A form prints the noun (国民健康保険), not the sheet's phrase (…に加入).
            fact_value(m.facts.get(fact), |c| {
                core_code_label(fact, c)
                    .map(str::to_string)
                    .or_else(|| decl.and_then(|d| d.value_text(c)).map(|t| t.ja.clone()))
            })
        }
    }
}

/// Japanese labels of the core code facts (used when the set declares none).
fn core_code_label(fact: &str, code: &str) -> Option<&'static str> {
    Some(match (fact, code) {
        ("health_insurance", "nhi") => "国民健康保険",
        ("health_insurance", "late_elderly") => "後期高齢者医療",
        ("health_insurance", "employee") => "被用者保険 (本人)",
        ("health_insurance", "employee_dependent") => "被用者保険 (被扶養者)",
        ("health_insurance", "public_assistance") => "生活保護",
        ("health_insurance", "none") => "なし",
        ("pension", "category1") => "第1号",
        ("pension", "category2") => "第2号",
        ("pension", "category3") => "第3号",
        ("pension", "none") => "なし",
        ("disability_certificate", "physical") => "身体障害者手帳",
        ("disability_certificate", "intellectual") => "療育手帳",
        ("disability_certificate", "mental") => "精神障害者保健福祉手帳",
        ("residence_status", "mid_long_term") => "中長期在留者",
        ("residence_status", "special_permanent") => "特別永住者",
        ("residence_status", "other") => "その他",
        _ => return None,
    })
}

/// Whether a value ticks a check box (`equals` compares the code).
pub fn is_checked(v: &Value, equals: Option<&str>) -> bool {
    match (v, equals) {
        (Value::Bool(b), None) => *b,
        (Value::Code(c, _), Some(e)) => c.split(',').any(|x| x == e),
        (Value::Text(t), Some(e)) => t == e,
        (Value::Number(n), Some(e)) => n.to_string() == e,
        (Value::Number(n), None) => *n > 0,
        (Value::Bool(b), Some(e)) => (*b && e == "true") || (!*b && e == "false"),
        _ => false,
    }
}

/// A binding formatted for this case: [`format_value`] of [`resolve`], except that an
/// address in the town written without its 都道府県 (「まどぐち市本町…」, as residents and
/// the card often give it) still fills a `pref` box with the town's prefecture.
pub fn format_for(path: &str, format: &str, ctx: &Ctx<'_>) -> Option<String> {
    let v = resolve(path, ctx);
    let s = format_value(&v, format);
    if format == "pref" && s.as_deref().is_none_or(str::is_empty) {
        if let Value::Text(addr) = &v {
            let town = &ctx.set.municipality;
            if split_address(addr).1 == town.name.ja {
                return town.prefecture.clone().or(s);
            }
        }
    }
    s
}

/// The text of a value in a format; `None` for an unknown value (a blank is left).
pub fn format_value(v: &Value, format: &str) -> Option<String> {
    let s = match v {
        Value::Empty => return None,
        Value::Date(d) => match format {
            "wareki_weekday" => format_wareki_weekday(*d),
            "date_en" => format_en(*d),
            _ => format_wareki(*d),
        },
        Value::Bool(b) => (if *b { "はい" } else { "いいえ" }).to_string(),
        Value::Number(n) => match format {
            "yen" => format!("{}円", group_thousands(*n)),
            "age" => format!("{n}歳"),
            "school_grade" => match *n {
                g if g <= 0 => "未就学".to_string(),
                g @ 1..=6 => format!("小学校{g}年"),
                g @ 7..=9 => format!("中学校{}年", g - 6),
                g @ 10..=12 => format!("高校{}年相当", g - 9),
                _ => String::new(),
            },
            _ => n.to_string(),
        },
        Value::Code(_, label) => label.clone(),
        Value::Text(t) => t.clone(),
    };
    Some(match format {
        "fullwidth" => to_fullwidth(&s),
        "halfwidth" => to_halfwidth(&s),
        "katakana" => to_katakana(&s),
        "hiragana" => to_hiragana(&s),
        "pref" => split_address(&s).0,
        "city" => split_address(&s).1,
        "street" => split_address(&s).2,
        "katagaki" => split_address(&s).3,
        _ => s,
    })
}

fn group_thousands(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// ASCII digits, letters and `-` to their full-width forms (and space to U+3000).
pub fn to_fullwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap_or(c),
            ' ' => '\u{3000}',
            _ => c,
        })
        .collect()
}

/// Full-width ASCII forms to ASCII (U+3000 stays: it separates family and given names).
pub fn to_halfwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21).unwrap_or(c),
            _ => c,
        })
        .collect()
}

pub fn to_katakana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

pub fn to_hiragana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Splits an address into 都道府県, 市区町村, the rest (町名・番地) and 方書 (what follows the
/// first space). 市区町村 includes a 郡 and the 区 of a 政令指定都市 (札幌市中央区).
pub fn split_address(addr: &str) -> (String, String, String, String) {
    let addr = addr.trim();
    let (main, katagaki) = match addr.find([' ', '\u{3000}']) {
        Some(p) => (
            &addr[..p],
            addr[p..].trim_start_matches([' ', '\u{3000}']).to_string(),
        ),
        None => (addr, String::new()),
    };
    let (pref, rest) = match PREFECTURES.iter().find(|p| main.starts_with(**p)) {
        Some(p) => (p.to_string(), &main[p.len()..]),
        None => (String::new(), main),
    };
    let chars: Vec<(usize, char)> = rest.char_indices().collect();
    let end_after = |from: usize, set: &[char]| -> Option<usize> {
        chars
            .iter()
            .skip(from)
            .find(|(_, c)| set.contains(c))
            .map(|(b, c)| b + c.len_utf8())
    };
    // 郡 then 町/村; else 市 (and a ward of a designated city right after); else 区; else 町/村.
    let city_end =
        if let Some(g) = end_after(0, &['郡']).filter(|&g| g > '郡'.len_utf8() && g <= 24) {
            let from = rest[..g].chars().count();
            end_after(from, &['町', '村'])
        } else if let Some(s) = end_after(0, &['市']) {
            let from = rest[..s].chars().count();
            let ward = chars
                .iter()
                .skip(from)
                .take(5)
                .find(|(_, c)| *c == '区')
                .map(|(b, c)| b + c.len_utf8());
            Some(ward.unwrap_or(s))
        } else {
            end_after(0, &['区']).or_else(|| end_after(0, &['町', '村']))
        };
    let (city, street) = match city_end {
        Some(e) => (rest[..e].to_string(), rest[e..].to_string()),
        None => (String::new(), rest.to_string()),
    };
    // Without a space (as the card writes it), the 方書 starts where the 番地 ends.
    let (street, katagaki) = match katagaki.is_empty().then(|| banchi_end(&street)).flatten() {
        Some(e) => (street[..e].to_string(), street[e..].to_string()),
        None => (street, katagaki),
    };
    (pref, city, street, katagaki)
}

/// Where the 番地 of a 町名・番地 ends when a building name follows without a space
/// (「本町３丁目５番８号まどぐちレジデンス２０１」, 「本町3-5-8まどぐち…」): after a 号, an Arabic
/// digit, or a 番/番地 right after a number, once a 丁目, a hyphen or an Arabic digit has shown
/// that the numbering began (so 「一番町」 and 「北五条東」 are not split). `None`: nothing follows.
fn banchi_end(street: &str) -> Option<usize> {
    let arabic = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let kanji_digit = |c: char| "〇一二三四五六七八九十百千".contains(c);
    let continues = |c: char| arabic(c) || kanji_digit(c) || "丁目番地号のノ之-－ー‐−".contains(c);
    let chars: Vec<(usize, char)> = street.char_indices().collect();
    let mut numbered = false;
    for (k, &(b, c)) in chars.iter().enumerate() {
        if k > 0 && !continues(c) && numbered {
            let prev = chars[k - 1].1;
            let before = k.checked_sub(2).map(|j| chars[j].1);
            let ends = prev == '号'
                || arabic(prev)
                || (prev == '番' && before.is_some_and(|x| arabic(x) || kanji_digit(x)))
                || (prev == '地'
                    && before == Some('番')
                    && k >= 3
                    && (arabic(chars[k - 3].1) || kanji_digit(chars[k - 3].1)));
            if ends {
                return Some(b);
            }
        }
        if arabic(c) || c == '目' || "-－‐−".contains(c) {
            numbered = true;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn address_parts() {
        let p = split_address("北海道北見市北五条東２丁目１番地");
        assert_eq!(
            (p.0.as_str(), p.1.as_str(), p.2.as_str()),
            ("北海道", "北見市", "北五条東２丁目１番地")
        );
        let p = split_address("東京都三鷹市野崎一丁目１番１号　メゾン野崎２０１");
        assert_eq!(p.1, "三鷹市");
        assert_eq!(p.2, "野崎一丁目１番１号");
        assert_eq!(p.3, "メゾン野崎２０１");
        let p = split_address("北海道札幌市中央区北一条西２丁目");
        assert_eq!(p.1, "札幌市中央区");
        let p = split_address("東京都千代田区霞が関１丁目");
        assert_eq!((p.1.as_str(), p.2.as_str()), ("千代田区", "霞が関１丁目"));
        let p = split_address("長野県北佐久郡軽井沢町大字軽井沢１３２３");
        assert_eq!(p.1, "北佐久郡軽井沢町");
        let p = split_address("まどぐち市本町３丁目５番８号");
        assert_eq!(
            (p.0.as_str(), p.1.as_str(), p.2.as_str()),
            ("", "まどぐち市", "本町３丁目５番８号")
        );
        let p = split_address("京都府京都市左京区吉田本町");
        assert_eq!((p.0.as_str(), p.1.as_str()), ("京都府", "京都市左京区"));
        let p = split_address("福島県郡山市朝日一丁目２３番７号");
        assert_eq!(p.1, "郡山市");
        // No space before the building (as on the card): the 方書 still goes to its box.
        let p = split_address("山形県まどぐち市本町三丁目五番八号まどぐちレジデンス２０１");
        assert_eq!(
            (p.2.as_str(), p.3.as_str()),
            ("本町三丁目五番八号", "まどぐちレジデンス２０１")
        );
        let p = split_address("まどぐち市若葉台２丁目１番市営若葉台住宅５号棟２０４");
        assert_eq!(
            (p.2.as_str(), p.3.as_str()),
            ("若葉台２丁目１番", "市営若葉台住宅５号棟２０４")
        );
        let p = split_address("まどぐち市本町3-5-8コーポ本町");
        assert_eq!((p.2.as_str(), p.3.as_str()), ("本町3-5-8", "コーポ本町"));
        let p = split_address("宮城県仙台市青葉区一番町１丁目１番地の３");
        assert_eq!((p.2.as_str(), p.3.as_str()), ("一番町１丁目１番地の３", ""));
        let p = split_address("北海道北見市北五条東２丁目１番地");
        assert_eq!(p.3, "");
        let p = split_address("長野県北佐久郡軽井沢町大字軽井沢１３２３");
        assert_eq!((p.2.as_str(), p.3.as_str()), ("大字軽井沢１３２３", ""));
    }

    #[test]
    fn every_name_the_check_accepts_resolves() {
        let set = crate::rules::load_embedded(None).unwrap().0;
        let text = crate::forms::EMBEDDED_TEMPLATES
            .get_file("samples/move-in.json")
            .unwrap()
            .contents_utf8()
            .unwrap();
        let intake = crate::intake::parse_intake(text, &set.vocabulary).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 4, 6).unwrap();
        let det = crate::rules::determine(&intake, &set, today);
        let env = Env {
            vocab: &set.vocabulary,
            params: set.municipality.params.keys().cloned().collect(),
            procedure_ids: vec!["nhi.enroll".into()],
        };
        let ctx = Ctx {
            intake: &intake,
            det: &det,
            set: &set,
            today,
            case_code: "7K3M9QXA",
            procedures: det.procedures.iter().collect(),
            member: intake.household.members.first(),
            roles: crate::forms::roles::resolve(&intake, &[], None, "applicant"),
        };
        let mut names: Vec<String> = vec![];
        for (p, t) in [
            ("event", EVENT),
            ("household", HOUSEHOLD),
            ("procedure", PROCEDURE),
            ("town", TOWN),
            ("case", CASE),
        ] {
            names.extend(t.iter().map(|(n, _)| format!("{p}.{n}")));
        }
        let roles = crate::forms::roles::ROLES.iter().map(|(r, _)| *r);
        for who in std::iter::once("member").chain(roles) {
            names.extend(PERSON.iter().map(|(n, _)| format!("{who}.{n}")));
            names.extend(set.vocabulary.member.keys().map(|n| format!("{who}.{n}")));
        }
        names.extend(
            set.vocabulary
                .household
                .keys()
                .map(|n| format!("household.{n}")),
        );
        names.extend(env.params.iter().map(|n| format!("param.{n}")));
        names.push("applies.nhi".into());
        for n in &names {
            assert!(check_binding(n, Where::Member, &env).is_ok(), "{n}");
            let _ = resolve(n, &ctx);
        }
        assert_eq!(
            resolve("member.name", &ctx),
            Value::Text("見本　太郎".into())
        );
        assert_eq!(resolve("town.name", &ctx), Value::Text("まどぐち市".into()));
        assert_eq!(
            format_value(&resolve("event.new_address", &ctx), "katagaki").unwrap(),
            "まどぐちレジデンス２０１"
        );
    }

    #[test]
    fn widths_and_kana() {
        assert_eq!(to_fullwidth("3-5-8 A"), "３－５－８　Ａ");
        assert_eq!(to_halfwidth("３丁目５番"), "3丁目5番");
        assert_eq!(to_hiragana("ヤマダ　タロウ"), "やまだ　たろう");
        assert_eq!(to_katakana("やまだ"), "ヤマダ");
        assert_eq!(
            format_value(&Value::Number(50000), "yen").unwrap(),
            "50,000円"
        );
        let d = NaiveDate::from_ymd_opt(2019, 5, 1).unwrap();
        assert_eq!(
            format_value(&Value::Date(d), "wareki").unwrap(),
            "令和元年5月1日"
        );
    }
}
