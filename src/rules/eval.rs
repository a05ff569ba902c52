//! Three-valued (Kleene) evaluation of checked conditions.
//!
//! A condition is true, false, or unknown because some fact is not known yet. When it is
//! unknown, the facts that could still change the outcome are collected as questions; a fact
//! whose answer cannot change the outcome (`false and <unknown>`) is never asked.
//! Explanations say, in words from the fact declarations, why a condition came out as it did.

use super::address::prefecture_of;
use super::lang::{CmpOp, MemberSet};
use super::model::{Attr, Cond, Derived, FactDecl, ProcedureSet, Val, Who};
use crate::calendar::{age, grade};
use crate::intake::{EventKind, FactScope, FactValue, Intake, Member};
use chrono::NaiveDate;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    fn from(b: bool) -> Self {
        if b {
            Tri::True
        } else {
            Tri::False
        }
    }
    fn not(self) -> Self {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
}

/// A fact that must be asked: of a member, or of the household (`member` is `None`).
/// The pseudo-fact `head` means the household's head is not known.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ask {
    pub member: Option<String>,
    pub fact: String,
}

/// What is known of a fact nobody gave.
enum Settled {
    /// The law decides it, or it cannot be asked here.
    Value(FactValue),
    /// Ask it.
    Ask,
    /// Not yet: the facts its inference or precondition needs are asked first.
    Open,
}

#[derive(Clone, Debug, PartialEq)]
enum V {
    Int(i64),
    Bool(bool),
    Str(String),
    Codes(Vec<String>),
    /// A count some of whose members are unknown: between lo and hi.
    Range(i64, i64),
}

/// What an evaluation can see.
pub struct Ctx<'a> {
    pub intake: &'a Intake,
    /// The declared facts: their preconditions (`asked_when`) and inferences.
    pub facts: &'a BTreeMap<(FactScope, String), FactDecl>,
    /// The member a per-member procedure is evaluated for.
    pub current: Option<&'a Member>,
    /// The date ages and grades are taken on (the event date).
    pub on: NaiveDate,
    /// The town's prefecture (`[municipality] prefecture`), for the derived facts.
    pub prefecture: Option<&'a str>,
    /// Results of `any`/`all`/`count` already evaluated in this determination (see [`Memo`]);
    /// `None` evaluates every time.
    pub memo: Option<&'a Memo>,
}

/// What a quantifier (`any`, `all`, `count`) came to, kept for one determination. Its body
/// sees only the member it iterates over (which shadows `member`) and household-level facts,
/// never the member a per-member procedure is evaluated for, so its result is the same for
/// every one of them: without this, a household-wide condition in a per-member procedure
/// was evaluated once per member, quadratic in the household's size (4,000 members: 2.3 s).
/// Keyed by the node's address in the procedure set, which outlives the determination.
#[derive(Default)]
pub struct Memo {
    conds: Kept<Tri>,
    counts: Kept<Option<V>>,
}

/// Results by node address, with the questions each evaluation asked (replayed on a hit).
type Kept<T> = std::cell::RefCell<std::collections::HashMap<usize, (T, Vec<Ask>)>>;

/// How a derived fact was settled, for reasons and explanations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DerivedSource {
    /// Read from the address: the prefecture found there.
    Address(&'static str),
    /// The clerk's answer (the address could not be read).
    Answer,
    /// Fixed by the kind of event (abroad: outside; a move within the town: inside).
    Event,
}

/// The value of a derived fact for a case, and how it was found; `None` when the address
/// is missing or unreadable and nobody has answered yet.
pub fn derived_value(
    intake: &Intake,
    prefecture: Option<&str>,
    d: Derived,
) -> Option<(bool, DerivedSource)> {
    let e = &intake.event;
    let (reads, abroad, address) = match d {
        Derived::FromOtherPrefecture => (
            EventKind::MoveIn,
            EventKind::MoveInFromAbroad,
            &e.previous_address,
        ),
        Derived::ToOtherPrefecture => {
            (EventKind::MoveOut, EventKind::MoveOutAbroad, &e.new_address)
        }
    };
    if e.kind == abroad {
        return Some((true, DerivedSource::Event));
    }
    if e.kind != reads {
        return Some((false, DerivedSource::Event));
    }
    if let (Some(town), Some(found)) = (prefecture, address.as_deref().and_then(prefecture_of)) {
        return Some((found != town, DerivedSource::Address(found)));
    }
    match intake.household.facts.get(d.name()) {
        Some(FactValue::Bool(b)) => Some((b, DerivedSource::Answer)),
        _ => None,
    }
}

impl<'a> Ctx<'a> {
    fn with_current(&self, m: &'a Member) -> Ctx<'a> {
        Ctx {
            intake: self.intake,
            facts: self.facts,
            current: Some(m),
            on: self.on,
            prefecture: self.prefecture,
            memo: self.memo,
        }
    }

    fn who(&self, who: Who) -> Result<&'a Member, Ask> {
        match who {
            Who::Current => Ok(self
                .current
                .expect("the checker allows member. only with a current member")),
            Who::Deceased => self
                .intake
                .event
                .deceased
                .as_deref()
                .and_then(|id| self.intake.member(id))
                .ok_or(Ask {
                    member: None,
                    fact: "deceased".into(),
                }),
            Who::Head => self
                .intake
                .household
                .head
                .as_deref()
                .and_then(|id| self.intake.member(id))
                .ok_or(Ask {
                    member: None,
                    fact: "head".into(),
                }),
        }
    }

    pub fn members(&self, set: MemberSet) -> Vec<&'a Member> {
        let i = self.intake;
        match set {
            MemberSet::Members => i.household.members.iter().collect(),
            MemberSet::Movers => i.movers().collect(),
            MemberSet::Remaining => i.remaining().collect(),
            MemberSet::Subjects => i.subjects(),
        }
    }

    fn fact(&self, who: Who, scope: FactScope, name: &str) -> Result<Option<FactValue>, Ask> {
        match scope {
            FactScope::Household => Ok(self.intake.household.facts.get(name)),
            FactScope::Member => Ok(self.who(who)?.facts.get(name)),
        }
    }

    fn val(&self, v: &Val, asks: &mut Vec<Ask>) -> Option<V> {
        match v {
            Val::Int(n) => Some(V::Int(*n)),
            Val::Bool(b) => Some(V::Bool(*b)),
            Val::Code(s) | Val::Text(s) => Some(V::Str(s.clone())),
            Val::EmptySet => Some(V::Codes(vec![])),
            Val::EventKind => Some(V::Str(self.intake.event.kind.as_str().to_string())),
            Val::Derived(d) => match derived_value(self.intake, self.prefecture, *d) {
                Some((b, _)) => Some(V::Bool(b)),
                None => {
                    // Asked as the household fact that keeps the clerk's answer.
                    push_ask(
                        asks,
                        Ask {
                            member: None,
                            fact: d.name().to_string(),
                        },
                    );
                    None
                }
            },
            Val::Fact {
                who,
                scope,
                name,
                default,
            } => match self.fact(*who, *scope, name) {
                Err(ask) => {
                    push_ask(asks, ask);
                    None
                }
                Ok(Some(fv)) => Some(from_fact(fv)),
                Ok(None) => match self.settle(*who, *scope, name, asks) {
                    Settled::Value(fv) => Some(from_fact(fv)),
                    Settled::Open => None,
                    Settled::Ask => match default {
                        Some(d) => self.val(d, asks),
                        None => {
                            let member = match scope {
                                FactScope::Household => None,
                                FactScope::Member => self.who(*who).ok().map(|m| m.id.clone()),
                            };
                            push_ask(
                                asks,
                                Ask {
                                    member,
                                    fact: name.clone(),
                                },
                            );
                            None
                        }
                    },
                },
            },
            Val::Attr(who, attr) => {
                let m = match self.who(*who) {
                    Ok(m) => m,
                    Err(ask) => {
                        push_ask(asks, ask);
                        return None;
                    }
                };
                // A member whose 続柄 or sex the intake does not give is unknown there, and
                // asked, rather than silently failing every comparison.
                let missing = match attr {
                    Attr::Relation => {
                        m.relation.is_none()
                            && self.intake.household.head.as_deref() != Some(m.id.as_str())
                    }
                    Attr::Sex => m.sex.is_none(),
                    _ => false,
                };
                if missing {
                    let fact = if *attr == Attr::Relation {
                        "relation"
                    } else {
                        "sex"
                    };
                    push_ask(
                        asks,
                        Ask {
                            member: Some(m.id.clone()),
                            fact: fact.into(),
                        },
                    );
                    return None;
                }
                Some(self.attr(m, *attr))
            }
            Val::Count(set, body) => {
                let key = v as *const Val as usize;
                if let Some((r, kept)) =
                    self.memo.and_then(|m| m.counts.borrow().get(&key).cloned())
                {
                    asks.extend(kept);
                    return r;
                }
                let mark = asks.len();
                let r = self.count(*set, body.as_deref(), asks);
                if let Some(m) = self.memo {
                    m.counts
                        .borrow_mut()
                        .insert(key, (r.clone(), asks[mark..].to_vec()));
                }
                r
            }
        }
    }

    /// `count(set, body)`: exact, or a range while some members' answers are unknown.
    fn count(&self, set: MemberSet, body: Option<&Cond>, asks: &mut Vec<Ask>) -> Option<V> {
        let (mut lo, mut hi) = (0, 0);
        for m in self.members(set) {
            let t = match body {
                None => Tri::True,
                Some(b) => self.with_current(m).cond(b, asks),
            };
            match t {
                Tri::True => {
                    lo += 1;
                    hi += 1
                }
                Tri::Unknown => hi += 1,
                Tri::False => {}
            }
        }
        Some(if lo == hi {
            V::Int(lo)
        } else {
            V::Range(lo, hi)
        })
    }

    /// An unknown fact, before anyone is asked: the law may decide it (`infer`), or it may not
    /// be askable here at all (`asked_when` false: it is its `otherwise` value). Asks for the
    /// facts an open inference or precondition needs go to `asks`.
    fn settle(&self, who: Who, scope: FactScope, name: &str, asks: &mut Vec<Ask>) -> Settled {
        let Some(decl) = self.facts.get(&(scope, name.to_string())) else {
            return Settled::Ask;
        };
        // The fact's own conditions see the member it is about as `member`.
        let ctx = match scope {
            FactScope::Member => match self.who(who) {
                Ok(m) => self.with_current(m),
                Err(_) => return Settled::Ask,
            },
            FactScope::Household => Ctx {
                intake: self.intake,
                facts: self.facts,
                current: None,
                on: self.on,
                prefecture: self.prefecture,
                memo: self.memo,
            },
        };
        for rule in &decl.infer {
            match ctx.cond(&rule.when, asks) {
                Tri::True => return Settled::Value(rule.value.clone()),
                Tri::False => {}
                // An earlier rule that may still hold decides first: settle it before asking.
                Tri::Unknown => return Settled::Open,
            }
        }
        match &decl.asked_when {
            None => Settled::Ask,
            Some(c) => match ctx.cond(c, asks) {
                Tri::True => Settled::Ask,
                Tri::False => decl.otherwise.clone().map_or(Settled::Ask, Settled::Value),
                Tri::Unknown => Settled::Open,
            },
        }
    }

    /// A fact's value as the engine uses it: given, inferred, or its `otherwise` value where it
    /// cannot be asked; `None` while unknown.
    pub fn fact_value(&self, member: Option<&'a Member>, name: &str) -> Option<FactValue> {
        let (scope, who) = match member {
            Some(_) => (FactScope::Member, Who::Current),
            None => (FactScope::Household, Who::Current),
        };
        let ctx = match member {
            Some(m) => self.with_current(m),
            None => Ctx {
                intake: self.intake,
                facts: self.facts,
                current: self.current,
                on: self.on,
                prefecture: self.prefecture,
                memo: self.memo,
            },
        };
        if let Ok(Some(v)) = ctx.fact(who, scope, name) {
            return Some(v);
        }
        match ctx.settle(who, scope, name, &mut vec![]) {
            Settled::Value(v) => Some(v),
            _ => None,
        }
    }

    fn attr(&self, m: &Member, attr: Attr) -> V {
        let i = self.intake;
        match attr {
            Attr::Age => V::Int(age(m.birth_date, self.on)),
            Attr::Grade => V::Int(grade(m.birth_date, self.on)),
            Attr::Relation => V::Str(
                m.relation
                    .map(|r| r.as_str())
                    .unwrap_or(if i.household.head.as_deref() == Some(m.id.as_str()) {
                        "head"
                    } else {
                        ""
                    })
                    .to_string(),
            ),
            Attr::Sex => V::Str(m.sex.map(|s| s.as_str()).unwrap_or("").to_string()),
            Attr::Nationality => V::Str(m.nationality.clone()),
            Attr::Moving => V::Bool(i.event.kind.is_move() && m.moving),
            Attr::IsHead => V::Bool(i.household.head.as_deref() == Some(m.id.as_str())),
            Attr::IsDeceased => V::Bool(
                i.event.kind == EventKind::Death
                    && i.event.deceased.as_deref() == Some(m.id.as_str()),
            ),
            Attr::IsApplicant => V::Bool(
                matches!(&i.event.applicant, Some(crate::intake::Applicant::Member(a)) if *a == m.id),
            ),
        }
    }

    /// Evaluates a condition; when the result is unknown, `asks` holds the questions that
    /// could settle it.
    pub fn cond(&self, c: &Cond, asks: &mut Vec<Ask>) -> Tri {
        let key = c as *const Cond as usize;
        let memo = self
            .memo
            .filter(|_| matches!(c, Cond::Any(..) | Cond::All(..)));
        if let Some((r, kept)) = memo.and_then(|m| m.conds.borrow().get(&key).cloned()) {
            asks.extend(kept);
            return r;
        }
        let mark = asks.len();
        let r = match c {
            Cond::Const(b) => Tri::from(*b),
            Cond::Truth(v) => match self.val(v, asks) {
                Some(V::Bool(b)) => Tri::from(b),
                _ => Tri::Unknown,
            },
            Cond::Cmp(op, l, r) => {
                let l = self.val(l, asks);
                let r = self.val(r, asks);
                match (l, r) {
                    (Some(l), Some(r)) => compare(*op, &l, &r),
                    _ => Tri::Unknown,
                }
            }
            Cond::In(v, list) => match self.val(v, asks) {
                None => Tri::Unknown,
                Some(x) => {
                    let mut any_unknown = false;
                    let mut hit = false;
                    for item in list {
                        if let Some(iv) = self.val(item, asks) {
                            match compare(CmpOp::Eq, &x, &iv) {
                                Tri::True => hit = true,
                                Tri::Unknown => any_unknown = true,
                                Tri::False => {}
                            }
                        }
                    }
                    if hit {
                        Tri::True
                    } else if any_unknown {
                        Tri::Unknown
                    } else {
                        Tri::False
                    }
                }
            },
            Cond::Contains(v, code) => match self.val(v, asks) {
                Some(V::Codes(list)) => Tri::from(list.iter().any(|c| c == code)),
                _ => Tri::Unknown,
            },
            Cond::Not(inner) => self.cond(inner, asks).not(),
            Cond::And(items) => {
                let mut r = Tri::True;
                for i in items {
                    match self.cond(i, asks) {
                        Tri::False => {
                            r = Tri::False;
                            break;
                        }
                        Tri::Unknown => r = Tri::Unknown,
                        Tri::True => {}
                    }
                }
                r
            }
            Cond::Or(items) => {
                let mut r = Tri::False;
                for i in items {
                    match self.cond(i, asks) {
                        Tri::True => {
                            r = Tri::True;
                            break;
                        }
                        Tri::Unknown => r = Tri::Unknown,
                        Tri::False => {}
                    }
                }
                r
            }
            Cond::Any(set, body) => {
                let mut r = Tri::False;
                for m in self.members(*set) {
                    match self.with_current(m).cond(body, asks) {
                        Tri::True => {
                            r = Tri::True;
                            break;
                        }
                        Tri::Unknown => r = Tri::Unknown,
                        Tri::False => {}
                    }
                }
                r
            }
            Cond::All(set, body) => {
                let mut r = Tri::True;
                for m in self.members(*set) {
                    match self.with_current(m).cond(body, asks) {
                        Tri::False => {
                            r = Tri::False;
                            break;
                        }
                        Tri::Unknown => r = Tri::Unknown,
                        Tri::True => {}
                    }
                }
                r
            }
        };
        if r != Tri::Unknown {
            // A settled node needs no answer from any fact below it.
            asks.truncate(mark);
        }
        if let Some(m) = memo {
            m.conds.borrow_mut().insert(key, (r, asks[mark..].to_vec()));
        }
        r
    }

    fn tri(&self, c: &Cond) -> Tri {
        self.cond(c, &mut Vec::new())
    }

    /// The members of a top-level `any`/`all` that made a household condition true
    /// (e.g. the children who trigger 児童手当), for naming them in the reason: each once, in
    /// household order.
    pub fn witnesses(&self, c: &Cond, out: &mut Vec<&'a Member>) {
        let mut found = vec![];
        self.collect_witnesses(c, &mut found);
        let mut seen = std::collections::HashSet::new();
        out.extend(found.into_iter().filter(|m| seen.insert(m.id.as_str())));
    }

    fn collect_witnesses(&self, c: &Cond, out: &mut Vec<&'a Member>) {
        match c {
            Cond::And(items) => items.iter().for_each(|i| self.collect_witnesses(i, out)),
            Cond::Or(items) => {
                if let Some(i) = items.iter().find(|i| self.tri(i) == Tri::True) {
                    self.collect_witnesses(i, out)
                }
            }
            Cond::Any(set, body) => {
                for m in self.members(*set) {
                    if self.with_current(m).tri(body) == Tri::True {
                        out.push(m);
                    }
                }
            }
            _ => {}
        }
    }

    /// Why `c` came out as `want` (which it did): phrases in Japanese and English.
    pub fn explain(
        &self,
        set: &ProcedureSet,
        c: &Cond,
        want: bool,
        out: &mut Vec<(String, String)>,
    ) {
        let w = Tri::from(want);
        match c {
            Cond::Const(_) => {}
            Cond::Truth(v) => self.describe(set, v, out),
            Cond::Cmp(_, l, r) => {
                self.describe(set, l, out);
                self.describe(set, r, out);
            }
            Cond::In(v, _) | Cond::Contains(v, _) => self.describe(set, v, out),
            Cond::Not(inner) => self.explain(set, inner, !want, out),
            Cond::And(items) | Cond::Or(items) => {
                let decisive = matches!((c, want), (Cond::And(_), false) | (Cond::Or(_), true));
                for i in items {
                    if !decisive || self.tri(i) == w {
                        self.explain(set, i, want, out);
                        if decisive {
                            break;
                        }
                    }
                }
            }
            Cond::Any(ms, body) | Cond::All(ms, body) => {
                let members = self.members(*ms);
                if members.is_empty() {
                    out.push((
                        format!("{}がいない", ms.label_ja()),
                        format!("no one among {}", ms.label_en()),
                    ));
                    return;
                }
                let decisive = matches!((c, want), (Cond::Any(..), true) | (Cond::All(..), false));
                for m in members {
                    let ctx = self.with_current(m);
                    if !decisive || ctx.tri(body) == w {
                        let mut inner = vec![];
                        ctx.explain(set, body, want, &mut inner);
                        if inner.is_empty() {
                            continue;
                        }
                        let (ja, en) = join(&inner);
                        out.push((
                            format!("{} {}", m.display(), ja),
                            format!("{} {}", m.display(), en),
                        ));
                    }
                }
            }
        }
    }

    fn describe(&self, set: &ProcedureSet, v: &Val, out: &mut Vec<(String, String)>) {
        let prefix = |who: Who| -> String {
            match (who, self.who(who)) {
                (Who::Current, _) => String::new(),
                (_, Ok(m)) => format!("{} ", m.display()),
                (_, Err(_)) => String::new(),
            }
        };
        let push = |out: &mut Vec<(String, String)>, ja: String, en: String| {
            if !out.contains(&(ja.clone(), en.clone())) {
                out.push((ja, en))
            }
        };
        match v {
            Val::Fact {
                who,
                scope,
                name,
                default,
            } => {
                let Some(decl) = set.facts.get(&(*scope, name.clone())) else {
                    return;
                };
                let p = if *scope == FactScope::Member {
                    prefix(*who)
                } else {
                    String::new()
                };
                let known = match self.fact(*who, *scope, name) {
                    Ok(Some(fv)) => Ok(Some(fv)),
                    Ok(None) => match self.settle(*who, *scope, name, &mut vec![]) {
                        Settled::Value(fv) => Ok(Some(fv)),
                        _ => Ok(None),
                    },
                    Err(e) => Err(e),
                };
                match known {
                    // A sensitive fact (pregnancy, disability, 生活保護, …) is never stated in
                    // the negative: excluded reasons are printed on the resident's sheet.
                    Ok(Some(fv)) if decl.sensitive && is_negative(&fv) => {}
                    Ok(Some(fv)) => {
                        let (ja, en) = fact_phrase(decl, &fv);
                        push(out, format!("{p}{ja}"), format!("{p}{en}"));
                    }
                    Ok(None) if default.is_some() => push(
                        out,
                        format!("{p}{}: 未確認", decl.label.ja),
                        format!("{p}{}: not known", decl.label.en()),
                    ),
                    _ => {}
                }
            }
            Val::Attr(who, attr) => {
                let Ok(m) = self.who(*who) else { return };
                let p = prefix(*who);
                let (ja, en) = match (attr, self.attr(m, *attr)) {
                    (Attr::Age, V::Int(n)) => (format!("{n}歳"), format!("aged {n}")),
                    (Attr::Grade, V::Int(g)) => grade_label(g),
                    (Attr::Relation, _) => match m.relation {
                        Some(r) => (
                            format!("続柄: {}", r.label_ja()),
                            format!("relation: {}", r.as_str()),
                        ),
                        None => ("続柄: 未確認".into(), "relation: not known".into()),
                    },
                    (Attr::Sex, _) => match m.sex {
                        Some(s) => (
                            format!("性別: {}", s.label_ja()),
                            format!("sex: {}", s.as_str()),
                        ),
                        None => ("性別: 未確認".into(), "sex: not known".into()),
                    },
                    (Attr::Nationality, _) => (
                        format!("国籍: {}", m.nationality),
                        format!("nationality: {}", m.nationality),
                    ),
                    (Attr::Moving, V::Bool(b)) => {
                        yes_no(b, ("異動する", "moving"), ("異動しない", "not moving"))
                    }
                    (Attr::IsHead, V::Bool(b)) => yes_no(
                        b,
                        ("世帯主", "head of household"),
                        ("世帯主ではない", "not the head of household"),
                    ),
                    (Attr::IsDeceased, V::Bool(b)) => yes_no(
                        b,
                        ("亡くなった方", "the deceased"),
                        ("亡くなった方ではない", "not the deceased"),
                    ),
                    (Attr::IsApplicant, V::Bool(b)) => yes_no(
                        b,
                        ("届出人", "the applicant"),
                        ("届出人ではない", "not the applicant"),
                    ),
                    _ => return,
                };
                push(out, format!("{p}{ja}"), format!("{p}{en}"));
            }
            Val::EventKind => {
                let k = self.intake.event.kind;
                push(
                    out,
                    format!("届出: {}", k.label_ja()),
                    format!("event: {}", k.label_en()),
                );
            }
            Val::Derived(d) => {
                if let Some((b, how)) = derived_value(self.intake, self.prefecture, *d) {
                    let (ja, en) = derived_phrase(*d, b, &how, self.prefecture.unwrap_or(""));
                    push(out, ja, en);
                }
            }
            Val::Count(ms, body) => {
                let mut names = vec![];
                for m in self.members(*ms) {
                    let t = match body {
                        None => Tri::True,
                        Some(b) => self.with_current(m).tri(b),
                    };
                    if t == Tri::True {
                        names.push(m.display());
                    }
                }
                let list = if names.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", names.join("、"))
                };
                push(
                    out,
                    format!("{}のうち該当する方: {}人{list}", ms.label_ja(), names.len()),
                    format!(
                        "{} of {} meet the condition{list}",
                        names.len(),
                        ms.label_en()
                    ),
                );
            }
            Val::Int(_) | Val::Bool(_) | Val::Code(_) | Val::Text(_) | Val::EmptySet => {}
        }
    }
}

/// A derived fact in words: 「前の住所は県内 (山形県)」, 「転出先は県外 (東京都)」.
pub fn derived_phrase(
    d: Derived,
    value: bool,
    how: &DerivedSource,
    town: &str,
) -> (String, String) {
    let (ja_what, en_what) = match d {
        Derived::FromOtherPrefecture => ("前の住所", "the previous address"),
        Derived::ToOtherPrefecture => ("転出先", "the new address"),
    };
    let (ja_in, en_in) = if value {
        ("県外", "outside")
    } else {
        ("県内", "inside")
    };
    match how {
        DerivedSource::Address(p) => (
            format!("{ja_what}は{ja_in} ({p})"),
            format!("{en_what} is {en_in} {town} ({p})"),
        ),
        DerivedSource::Answer => (
            format!("{ja_what}は{ja_in} (窓口で確認)"),
            format!("{en_what} is {en_in} {town} (confirmed at the counter)"),
        ),
        DerivedSource::Event => match (d, value) {
            (Derived::FromOtherPrefecture, true) => {
                ("国外からの転入".into(), "moving in from abroad".into())
            }
            (Derived::ToOtherPrefecture, true) => ("国外への転出".into(), "moving abroad".into()),
            _ => (
                format!("{ja_what}は{ja_in}"),
                format!("{en_what} is {en_in} {town}"),
            ),
        },
    }
}

/// Whether a value says "no" / "none".
fn is_negative(fv: &FactValue) -> bool {
    match fv {
        FactValue::Bool(b) => !b,
        FactValue::Count(n) => *n == 0,
        FactValue::Code(c) => c == "none",
        FactValue::Codes(list) => list.is_empty(),
    }
}

fn yes_no(b: bool, yes: (&str, &str), no: (&str, &str)) -> (String, String) {
    let (ja, en) = if b { yes } else { no };
    (ja.to_string(), en.to_string())
}

/// 学年 in words: 未就学, 小学3年, 中学1年, 高校2年相当, 高校卒業年代以上.
pub fn grade_label(g: i64) -> (String, String) {
    match g {
        i64::MIN..=0 => ("未就学".into(), "preschool age".into()),
        1..=6 => (format!("小学{g}年"), format!("elementary school year {g}")),
        7..=9 => (
            format!("中学{}年", g - 6),
            format!("junior high school year {}", g - 6),
        ),
        10..=12 => (
            format!("高校{}年相当", g - 9),
            format!("high-school year {} (age group)", g - 9),
        ),
        _ => ("高校卒業年代以上".into(), "past high-school age".into()),
    }
}

/// How a known fact value reads in a reason.
pub fn fact_phrase(decl: &super::model::FactDecl, fv: &FactValue) -> (String, String) {
    match fv {
        FactValue::Bool(b) => {
            let t = if *b {
                decl.yes.as_ref()
            } else {
                decl.no.as_ref()
            };
            match t {
                Some(t) => (t.ja.clone(), t.en().to_string()),
                None => (
                    format!("{}: {}", decl.label.ja, if *b { "はい" } else { "いいえ" }),
                    format!("{}: {}", decl.label.en(), if *b { "yes" } else { "no" }),
                ),
            }
        }
        FactValue::Count(n) => (
            format!("{}: {n}", decl.label.ja),
            format!("{}: {n}", decl.label.en()),
        ),
        FactValue::Code(c) => match decl.value_text(c) {
            Some(t) => (t.ja.clone(), t.en().to_string()),
            None => (
                format!("{}: {c}", decl.label.ja),
                format!("{}: {c}", decl.label.en()),
            ),
        },
        FactValue::Codes(list) if list.is_empty() => (
            format!("{}: なし", decl.label.ja),
            format!("{}: none", decl.label.en()),
        ),
        FactValue::Codes(list) => {
            let ja: Vec<String> = list
                .iter()
                .map(|c| decl.value_text(c).map_or(c.clone(), |t| t.ja.clone()))
                .collect();
            let en: Vec<String> = list
                .iter()
                .map(|c| decl.value_text(c).map_or(c.clone(), |t| t.en().to_string()))
                .collect();
            (ja.join("・"), en.join(", "))
        }
    }
}

/// Joins explanation phrases: 「、」 in Japanese, "; " in English.
pub fn join(parts: &[(String, String)]) -> (String, String) {
    (
        parts
            .iter()
            .map(|p| p.0.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        parts
            .iter()
            .map(|p| p.1.as_str())
            .collect::<Vec<_>>()
            .join("; "),
    )
}

fn push_ask(asks: &mut Vec<Ask>, a: Ask) {
    if !asks.contains(&a) {
        asks.push(a);
    }
}

fn from_fact(fv: FactValue) -> V {
    match fv {
        FactValue::Bool(b) => V::Bool(b),
        FactValue::Count(n) => V::Int(n as i64),
        FactValue::Code(c) => V::Str(c),
        FactValue::Codes(v) => V::Codes(v),
    }
}

fn compare(op: CmpOp, l: &V, r: &V) -> Tri {
    use std::cmp::Ordering::*;
    let ord = match (l, r) {
        (V::Int(a), V::Int(b)) => a.cmp(b),
        (V::Range(lo, hi), V::Int(n)) => return range_cmp(op, *lo, *hi, *n),
        (V::Int(n), V::Range(lo, hi)) => return range_cmp(flip(op), *lo, *hi, *n),
        (V::Bool(a), V::Bool(b)) => a.cmp(b),
        (V::Str(a), V::Str(b)) => a.cmp(b),
        (V::Codes(a), V::Codes(b)) => {
            let mut a = a.clone();
            let mut b = b.clone();
            a.sort();
            b.sort();
            a.cmp(&b)
        }
        _ => return Tri::Unknown,
    };
    Tri::from(match op {
        CmpOp::Eq => ord == Equal,
        CmpOp::Ne => ord != Equal,
        CmpOp::Lt => ord == Less,
        CmpOp::Le => ord != Greater,
        CmpOp::Gt => ord == Greater,
        CmpOp::Ge => ord != Less,
    })
}

fn flip(op: CmpOp) -> CmpOp {
    match op {
        CmpOp::Lt => CmpOp::Gt,
        CmpOp::Le => CmpOp::Ge,
        CmpOp::Gt => CmpOp::Lt,
        CmpOp::Ge => CmpOp::Le,
        o => o,
    }
}

/// `count op n` when the count lies between lo and hi.
fn range_cmp(op: CmpOp, lo: i64, hi: i64, n: i64) -> Tri {
    let holds = |x: i64| match op {
        CmpOp::Eq => x == n,
        CmpOp::Ne => x != n,
        CmpOp::Lt => x < n,
        CmpOp::Le => x <= n,
        CmpOp::Gt => x > n,
        CmpOp::Ge => x >= n,
    };
    let all = (lo..=hi).all(holds);
    let none = !(lo..=hi).any(holds);
    if all {
        Tri::True
    } else if none {
        Tri::False
    } else {
        Tri::Unknown
    }
}
