//! Roles — the one place that decides who stands in each person box of a form.
//!
//! A template binds a person box to a role (`claimant.name`, `new_head.name`, the signature's
//! `role = "claimant"`), never to "whoever is the applicant". The roles are resolved here from
//! the intake and the procedures the page serves, by these rules:
//!
//! | role | who |
//! |---|---|
//! | `applicant` | 届出人: `event.applicant` (a member, or a person outside the household); without one, the head after the event |
//! | `deceased` | `event.deceased` |
//! | `old_head` | the 世帯主 before the event |
//! | `new_head` | when the head changes (the head died; the head moves and members stay; a 世帯変更 naming another head): the remaining member whose `new_relation` is `head`, else the head's spouse aged 15 or over, else the eldest remaining member aged 15 or over |
//! | `head` | the 世帯主 after the event: `new_head` when there is one, else `old_head` |
//! | `claimant`, `recipient` | 請求者・受給者 of an allowance: the member (never the deceased) whose `child_allowance_recipient` (児童扶養手当 forms: `child_rearing_allowance_recipient`) is true; when that was the deceased, their spouse; else the applicant if they are the head or the spouse; else the head |
//! | `new_user` | 新しい使用者 (水道・名義の承継): the applicant when they are a remaining member of the household; else the head after the event — never someone outside the household |
//! | `heirs` | the remaining members who are the deceased's heirs (spouse and children; without them, parents) |
//! | `heir` | 相続人代表者: the applicant when they are an heir or a relative outside the household; else the first heir |
//! | `signer` | the role the template's `[signature]` names (default `applicant`); never the deceased: then the applicant, then the head after the event |
//!
//! `manifest.json` gives, per page, the roles its template uses: role → member id, or
//! `"event.applicant"` for a 届出人 from outside the household; `heirs` is a list.

use crate::calendar::age;
use crate::intake::{Applicant, EventKind, Intake, Member, OutsidePerson, Relation};
use crate::rules::Applied;
use std::collections::BTreeMap;

/// The roles a template may bind, with their Japanese names (for messages and docs).
pub const ROLES: &[(&str, &str)] = &[
    ("applicant", "届出人"),
    ("deceased", "亡くなった方"),
    ("old_head", "旧世帯主"),
    ("new_head", "新世帯主"),
    ("head", "世帯主"),
    ("claimant", "請求者"),
    ("recipient", "受給者"),
    ("new_user", "新しい使用者"),
    ("heir", "相続人代表者"),
    ("signer", "署名する方"),
];

/// A person in a role: a member, or the 届出人 from outside the household.
#[derive(Clone, Copy, Debug)]
pub enum Who<'a> {
    Member(&'a Member),
    Outside(&'a OutsidePerson),
}

impl<'a> Who<'a> {
    /// The manifest's id: the member id, or `event.applicant` for the outside 届出人.
    pub fn id(&self) -> String {
        match self {
            Who::Member(m) => m.id.clone(),
            Who::Outside(_) => "event.applicant".into(),
        }
    }
    fn member(&self) -> Option<&'a Member> {
        match self {
            Who::Member(m) => Some(m),
            Who::Outside(_) => None,
        }
    }
}

/// Who is in each role for one page.
#[derive(Clone, Debug, Default)]
pub struct Roles<'a> {
    map: BTreeMap<&'static str, Who<'a>>,
    pub heirs: Vec<&'a Member>,
}

impl<'a> Roles<'a> {
    pub fn get(&self, role: &str) -> Option<Who<'a>> {
        self.map.get(role).copied()
    }

    /// The manifest's `roles` for the roles a template uses (and always `signer`).
    pub fn manifest(&self, used: &[String]) -> BTreeMap<String, serde_json::Value> {
        let mut out = BTreeMap::new();
        for r in used.iter().map(String::as_str).chain(["signer"]) {
            if r == "heirs" {
                out.insert(
                    "heirs".into(),
                    serde_json::Value::from(
                        self.heirs.iter().map(|m| m.id.clone()).collect::<Vec<_>>(),
                    ),
                );
            } else if let Some(w) = self.get(r) {
                out.insert(r.to_string(), serde_json::Value::from(w.id()));
            }
        }
        out
    }
}

/// The members still in the household after the event (not the deceased; for a move, the
/// household the form is about: everyone but the deceased).
fn living(i: &Intake) -> impl Iterator<Item = &Member> {
    let dead = i.event.deceased.clone();
    i.household
        .members
        .iter()
        .filter(move |m| dead.as_deref() != Some(m.id.as_str()))
}

/// The member's 続柄 to the new head (intake Edition 2 `new_relation`).
pub fn new_relation(m: &Member) -> Option<Relation> {
    m.new_relation
}

/// Whether the head changes with this event.
fn head_changes(i: &Intake) -> bool {
    let head = i.household.head.as_deref();
    let head_m = head.and_then(|h| i.member(h));
    match i.event.kind {
        EventKind::Death => i.event.deceased.as_deref() == head && head.is_some(),
        EventKind::MoveOut | EventKind::MoveOutAbroad | EventKind::MoveWithin => {
            head_m.is_some_and(|h| h.moving) && i.remaining().next().is_some()
        }
        EventKind::HouseholdChange => i
            .household
            .members
            .iter()
            .any(|m| new_relation(m) == Some(Relation::Head) && Some(m.id.as_str()) != head),
        _ => false,
    }
}

/// The new head among the remaining members (see the table above).
fn new_head(i: &Intake) -> Option<&Member> {
    if !head_changes(i) {
        return None;
    }
    let d = i.event.date;
    let remaining: Vec<&Member> = match i.event.kind {
        EventKind::HouseholdChange => i.household.members.iter().collect(),
        _ => i.remaining().collect(),
    };
    if let Some(m) = remaining
        .iter()
        .find(|m| new_relation(m) == Some(Relation::Head))
    {
        return Some(m);
    }
    let adult = |m: &&&Member| age(m.birth_date, d) >= 15;
    if let Some(m) = remaining
        .iter()
        .filter(adult)
        .find(|m| m.relation == Some(Relation::Spouse))
    {
        return Some(m);
    }
    let mut by_age = remaining.clone();
    by_age.sort_by_key(|m| m.birth_date);
    by_age
        .iter()
        .find(|m| age(m.birth_date, d) >= 15)
        .or(by_age.first())
        .copied()
}

/// The deceased's spouse among the remaining members.
fn spouse_of_deceased(i: &Intake) -> Option<&Member> {
    let d = i.member(i.event.deceased.as_deref()?)?;
    let want = match d.relation {
        Some(Relation::Head) => Relation::Spouse,
        Some(Relation::Spouse) => Relation::Head,
        _ => return None,
    };
    living(i).find(|m| m.relation == Some(want))
}

/// The deceased's heirs among the remaining members.
fn heirs(i: &Intake) -> Vec<&Member> {
    let Some(d) = i.event.deceased.as_deref().and_then(|id| i.member(id)) else {
        return vec![];
    };
    let mut out: Vec<&Member> = spouse_of_deceased(i).into_iter().collect();
    let children: Vec<&Member> = match d.relation {
        Some(Relation::Head) | Some(Relation::Spouse) => living(i)
            .filter(|m| m.relation == Some(Relation::Child))
            .collect(),
        Some(Relation::Parent) => living(i)
            .filter(|m| matches!(m.relation, Some(Relation::Head) | Some(Relation::Sibling)))
            .collect(),
        _ => vec![],
    };
    out.extend(children);
    if out.is_empty() {
        let parents: Vec<&Member> = match d.relation {
            Some(Relation::Child) => living(i)
                .filter(|m| matches!(m.relation, Some(Relation::Head) | Some(Relation::Spouse)))
                .collect(),
            Some(Relation::Head) => living(i)
                .filter(|m| m.relation == Some(Relation::Parent))
                .collect(),
            _ => vec![],
        };
        out.extend(parents);
    }
    out
}

/// Resolves every role for a page serving `procedures`; `signature_role` is the role the
/// template's signature box names.
pub fn resolve<'a>(i: &'a Intake, procedures: &[&Applied], signature_role: &str) -> Roles<'a> {
    let mut map: BTreeMap<&'static str, Who<'a>> = BTreeMap::new();
    let dead = i.event.deceased.as_deref();
    let is_dead = |m: &Member| dead == Some(m.id.as_str());
    let old_head = i.household.head.as_deref().and_then(|h| i.member(h));
    let new_head = new_head(i);
    let head = new_head.or(old_head.filter(|h| !is_dead(h)));
    if let Some(d) = dead.and_then(|d| i.member(d)) {
        map.insert("deceased", Who::Member(d));
    }
    if let Some(h) = old_head {
        map.insert("old_head", Who::Member(h));
    }
    if let Some(h) = new_head {
        map.insert("new_head", Who::Member(h));
    }
    if let Some(h) = head.or(old_head) {
        map.insert("head", Who::Member(h));
    }
    let applicant: Option<Who<'a>> = match &i.event.applicant {
        Some(Applicant::Member(id)) => i
            .member(id)
            .filter(|m| !is_dead(m))
            .map(Who::Member)
            .or(head.map(Who::Member)),
        Some(Applicant::Person(p)) => Some(Who::Outside(p)),
        None => head.map(Who::Member),
    };
    if let Some(a) = applicant {
        map.insert("applicant", a);
    }

    // 請求者・受給者 of the allowance this page is about.
    let rearing = procedures
        .iter()
        .any(|p| p.id.starts_with("child_rearing_allowance"));
    let fact = if rearing {
        "child_rearing_allowance_recipient"
    } else {
        "child_allowance_recipient"
    };
    let flagged = |m: &Member| {
        matches!(
            m.facts.get(fact),
            Some(crate::intake::FactValue::Bool(true))
        )
    };
    let parent_applicant = applicant
        .and_then(|a| a.member())
        .filter(|m| matches!(m.relation, Some(Relation::Head) | Some(Relation::Spouse)));
    let claimant = living(i)
        .find(|m| flagged(m))
        .or_else(|| {
            dead.and_then(|d| i.member(d))
                .filter(|d| flagged(d))
                .and_then(|_| spouse_of_deceased(i))
        })
        .or(parent_applicant)
        .or(head);
    if let Some(c) = claimant {
        map.insert("claimant", Who::Member(c));
        map.insert("recipient", Who::Member(c));
    }

    // 新しい使用者: a remaining member, never someone outside the household.
    let remaining_applicant = applicant.and_then(|a| a.member()).and_then(|m| {
        let stays = match i.event.kind {
            EventKind::Death | EventKind::HouseholdChange => !is_dead(m),
            _ => !m.moving || i.remaining().next().is_none(),
        };
        stays.then_some(m)
    });
    if let Some(u) = remaining_applicant.or(head) {
        map.insert("new_user", Who::Member(u));
    }

    let heirs = heirs(i);
    let heir = match applicant {
        Some(Who::Outside(p)) => Some(Who::Outside(p)),
        Some(Who::Member(m)) if heirs.iter().any(|h| h.id == m.id) => Some(Who::Member(m)),
        _ => heirs.first().map(|m| Who::Member(m)).or(applicant),
    };
    if let Some(h) = heir {
        map.insert("heir", h);
    }

    let signer = map
        .get(signature_role)
        .copied()
        .filter(|w| w.member().is_none_or(|m| !is_dead(m)))
        .or(applicant)
        .or(head.map(Who::Member));
    if let Some(s) = signer {
        map.insert("signer", s);
    }
    Roles { map, heirs }
}
