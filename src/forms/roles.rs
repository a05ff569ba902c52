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
//! | `claimant`, `recipient` | 請求者・受給者 of an allowance: the member (never the deceased) whose `child_allowance_recipient` (児童扶養手当 forms: `child_rearing_allowance_recipient`) is true; when that was the deceased, their spouse; else the applicant if they are the head or the spouse; else the head. Survivors' benefits after a death (`pension.*`, `insurance.*`: 寡婦年金・死亡一時金, 遺族年金, 未支給年金, 高額療養費): the deceased's surviving spouse, else the first heir. A loss of entitlement (`*.loss`: 児童扶養手当 資格喪失届): `recipient` is the member who held it, the deceased included (the deceased, else a mover, else a remaining member) |
//! | `heirs` | the remaining members who are the deceased's heirs (spouse and children; without them, parents) |
//! | `heir` | 相続人代表者: the applicant when they are an heir or a relative outside the household; else the first heir |
//! | `successor` (`new_user`) | 新しい使用者・名義人・承継者 (水道, 公営住宅, 犬): the applicant when they are a remaining member of the household; else the head after the event — never someone outside the household |
//! | `owner` | 所有者・名義人 of what the page is about (`dog_owner` for `dog.*`, `moped_owner` for `vehicle.moped`, `vehicle_owner` for `vehicle.*`, `water_contract_holder` for `water.*`): the page's member when they hold it, else the living member who does; when no living member does (the holder died): `successor` |
//! | `subject` | per-member forms: the page's member (本人) when living and aged 15 or over; under 15: their `guardian`; the deceased: `successor` |
//! | `guardian` | 保護者 (法定代理人) of the page's member, or on a household form of the household's first child: among the child's parents living in the household (a `child`: the head and the spouse; a `grandchild`: the members who are `child`), the applicant, else the one who is the `child_allowance_recipient`, else the head, else the first; without a parent in the household, the head after the event |
//! | `movers_head` | the 世帯主 of the movers after the move (the 世帯主 beside the new address): the mover whose `new_relation` is `head`; else the head before the event when they move or nobody stays; unknown (blank) when only some members move without the head. Not a move: the head after the event |
//! | `signer` | the role the template's `[signature]` names (default `applicant`); never the deceased: then the applicant, then the head after the event |
//!
//! `manifest.json` gives, per page, the roles its template uses: role → member id, or
//! `"event.applicant"` for a 届出人 from outside the household; `heirs` is a list.

use crate::calendar::age;
use crate::intake::{
    Applicant, ApplicantCapacity, EventKind, FactValue, Intake, Member, OutsidePerson, Relation,
    Sex,
};
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
    ("successor", "承継者"),
    ("owner", "所有者"),
    ("subject", "本人"),
    ("guardian", "保護者"),
    ("movers_head", "異動後の世帯主"),
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

/// The member's 続柄 to the new head as given by the intake (Edition 2 `new_relation`).
pub fn new_relation(m: &Member) -> Option<Relation> {
    m.new_relation
}

/// A member's 続柄 after the event, as the 住民票 prints it. A mover's is to the movers'
/// head (`movers_head`: the same 続柄 when the head moves with them). Otherwise: `new_relation` when the intake
/// gives it; 世帯主 for the head after the event; the same 続柄 when the head does not
/// change; when it does, derived where the family tree leaves no doubt (the old head's spouse
/// becomes head: children stay 子, the old head's parents become 夫の父・妻の母; a child
/// becomes head: the old head's spouse becomes 母/父, the other children 兄・姉・弟・妹, the
/// old head's parents 祖父・祖母). Anything else is `None`: a blank the clerk fills in.
pub fn relation_after(i: &Intake, m: &Member) -> Option<String> {
    // A mover: the 続柄 in the movers' household (to `movers_head`).
    if i.event.kind.is_move() && m.moving {
        let mh = movers_head(i);
        if mh.is_some_and(|h| h.id == m.id) {
            return Some(super::labels::relation_ja(Relation::Head, m.sex, None).into());
        }
        if let Some(r) = m.new_relation {
            return super::labels::member_relation(m, Some(r), mh);
        }
        let old = i.household.head.as_deref();
        if mh.is_some_and(|h| Some(h.id.as_str()) == old) {
            if let Some(l) = &m.relation_label {
                return Some(l.clone());
            }
            return super::labels::member_relation(m, m.relation, mh);
        }
        return None;
    }
    let new_head = new_head(i);
    let head_after = new_head.or_else(|| i.household.head.as_deref().and_then(|h| i.member(h)));
    if head_after.is_some_and(|h| h.id == m.id) {
        return Some(super::labels::relation_ja(Relation::Head, m.sex, None).into());
    }
    if let Some(r) = m.new_relation {
        return super::labels::member_relation(m, Some(r), head_after);
    }
    let Some(h) = new_head else {
        if let Some(l) = &m.relation_label {
            return Some(l.clone());
        }
        return super::labels::member_relation(m, m.relation, head_after);
    };
    let old = i.household.head.as_deref().and_then(|id| i.member(id))?;
    use Relation::*;
    let rel = |r: Relation, older: Option<bool>| {
        Some(super::labels::relation_ja(r, m.sex, older).to_string())
    };
    match (h.relation?, m.relation?) {
        (Spouse, Child) => rel(Child, None),
        (Spouse, Grandchild) => rel(Grandchild, None),
        (Spouse, Parent) => {
            let of = match old.sex? {
                Sex::Male => "夫の",
                Sex::Female => "妻の",
                Sex::NotApplicable => return None,
            };
            Some(format!(
                "{of}{}",
                super::labels::relation_ja(Parent, m.sex, None)
            ))
        }
        (Child, Spouse) if m.id != old.id => rel(Parent, None),
        (Child, Child) => rel(Sibling, Some(m.birth_date < h.birth_date)),
        (Child, Parent) => match m.sex? {
            Sex::Male => Some("祖父".into()),
            Sex::Female => Some("祖母".into()),
            Sex::NotApplicable => None,
        },
        _ => None,
    }
}

/// 届出人の資格: `event.applicant_capacity` when the intake gives it; else from who the
/// applicant is — the head (before or after the event) 世帯主, a member the event is about
/// 本人, another member 世帯員, a person from outside the household 代理人 (the 委任状 box).
pub fn applicant_capacity(i: &Intake) -> Option<ApplicantCapacity> {
    if let Some(c) = i.event.applicant_capacity {
        return Some(c);
    }
    let head_after = new_head(i).map(|m| m.id.as_str());
    match &i.event.applicant {
        Some(Applicant::Person(_)) => Some(ApplicantCapacity::Agent),
        Some(Applicant::Member(id)) => {
            let m = i.member(id)?;
            if i.household.head.as_deref() == Some(id.as_str()) || head_after == Some(id.as_str()) {
                Some(ApplicantCapacity::Head)
            } else if i.is_subject(m) {
                Some(ApplicantCapacity::Myself)
            } else {
                Some(ApplicantCapacity::HouseholdMember)
            }
        }
        None => i.household.head.as_ref().map(|_| ApplicantCapacity::Head),
    }
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
pub fn heirs(i: &Intake) -> Vec<&Member> {
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

fn flag(m: &Member, fact: &str) -> bool {
    matches!(m.facts.get(fact), Some(FactValue::Bool(true)))
}

/// The parents of a child living in the household (see `guardian` above).
fn parents_of<'a>(i: &'a Intake, child: &Member) -> Vec<&'a Member> {
    let dead = i.event.deceased.as_deref();
    let alive = |m: &&Member| dead != Some(m.id.as_str()) && m.id != child.id;
    let want: &[Relation] = match child.relation {
        Some(Relation::Child) => &[Relation::Head, Relation::Spouse],
        Some(Relation::Grandchild) => &[Relation::Child],
        _ => &[],
    };
    i.household
        .members
        .iter()
        .filter(alive)
        .filter(|m| m.relation.is_some_and(|r| want.contains(&r)))
        .collect()
}

/// The fact that makes a member the `owner` of what a page is about.
fn owner_fact(procedures: &[&Applied]) -> Option<&'static str> {
    procedures.iter().find_map(|p| {
        let id = p.id.as_str();
        Some(if id.starts_with("dog.") {
            "dog_owner"
        } else if id.starts_with("vehicle.moped") {
            "moped_owner"
        } else if id.starts_with("vehicle.") || id == "external.vehicle" {
            "vehicle_owner"
        } else if id.starts_with("water.") {
            "water_contract_holder"
        } else {
            return None;
        })
    })
}

/// The 世帯主 of the movers after the move (see `movers_head` above).
fn movers_head(i: &Intake) -> Option<&Member> {
    if !i.event.kind.is_move() {
        return None;
    }
    if let Some(m) = i.movers().find(|m| m.new_relation == Some(Relation::Head)) {
        return Some(m);
    }
    let old = i.household.head.as_deref().and_then(|h| i.member(h))?;
    (old.moving || i.remaining().next().is_none()).then_some(old)
}

/// Resolves every role for a page serving `procedures` (about `member` on a per-member
/// form); `signature_role` is the role the template's signature box names.
pub fn resolve<'a>(
    i: &'a Intake,
    procedures: &[&Applied],
    member: Option<&'a Member>,
    signature_role: &str,
) -> Roles<'a> {
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
    // A survivors' benefit (寡婦年金・死亡一時金, 遺族年金, 未支給年金, 高額療養費 for the
    // heirs): the surviving spouse, else the first heir.
    let survivors = dead.is_some()
        && procedures
            .iter()
            .any(|p| p.id.starts_with("pension.") || p.id.starts_with("insurance."));
    let claimant = if survivors {
        spouse_of_deceased(i)
            .or_else(|| heirs(i).first().copied())
            .or(parent_applicant)
            .or(head)
    } else {
        living(i)
            .find(|m| flagged(m))
            .or_else(|| {
                dead.and_then(|d| i.member(d))
                    .filter(|d| flagged(d))
                    .and_then(|_| spouse_of_deceased(i))
            })
            .or(parent_applicant)
            .or(head)
    };
    if let Some(c) = claimant {
        map.insert("claimant", Who::Member(c));
        map.insert("recipient", Who::Member(c));
    }
    // A loss of entitlement (児童扶養手当 資格喪失届) names the one who received it, even
    // when that was the deceased: the deceased, else a mover, else a remaining member who
    // holds it. (The signature then falls to the applicant: never the deceased.)
    if procedures.iter().any(|p| p.id.ends_with(".loss")) {
        let all = &i.household.members;
        let holder = all
            .iter()
            .find(|m| is_dead(m) && flagged(m))
            .or_else(|| all.iter().find(|m| m.moving && flagged(m)))
            .or_else(|| living(i).find(|m| flagged(m)));
        if let Some(r) = holder {
            map.insert("recipient", Who::Member(r));
        }
    }

    // 新しい使用者: a remaining member, never someone outside the household.
    let remaining_applicant = applicant.and_then(|a| a.member()).and_then(|m| {
        let stays = match i.event.kind {
            EventKind::Death | EventKind::HouseholdChange => !is_dead(m),
            _ => !m.moving || i.remaining().next().is_none(),
        };
        stays.then_some(m)
    });
    let successor = remaining_applicant.or(head);
    if let Some(u) = successor {
        map.insert("new_user", Who::Member(u));
        map.insert("successor", Who::Member(u));
    }

    // 所有者: the page's member or the living member who holds it, else the successor.
    if let Some(fact) = owner_fact(procedures) {
        let holder = member
            .filter(|m| !is_dead(m) && flag(m, fact))
            .or_else(|| living(i).find(|m| flag(m, fact)))
            .or(successor);
        if let Some(o) = holder {
            map.insert("owner", Who::Member(o));
        }
    }

    // 保護者 of the page's member (a household form: of the first child).
    let child = member.or_else(|| {
        living(i).find(|m| {
            m.birth_date <= i.event.date && crate::calendar::grade(m.birth_date, i.event.date) <= 12
        })
    });
    let guardian = child.and_then(|c| {
        let parents = parents_of(i, c);
        let app = applicant.and_then(|a| a.member());
        parents
            .iter()
            .find(|p| app.is_some_and(|a| a.id == p.id))
            .or_else(|| {
                parents
                    .iter()
                    .find(|p| flag(p, "child_allowance_recipient"))
            })
            .or_else(|| parents.iter().find(|p| head.is_some_and(|h| h.id == p.id)))
            .or(parents.first())
            .copied()
    });
    if let Some(g) = guardian.or(head) {
        map.insert("guardian", Who::Member(g));
    }

    // 本人 of a per-member form: the member when living and 15 or over.
    if let Some(m) = member {
        let who = if is_dead(m) {
            successor
        } else if age(m.birth_date, i.event.date) >= 15 {
            Some(m)
        } else {
            guardian.or(head)
        };
        if let Some(w) = who {
            map.insert("subject", Who::Member(w));
        }
    }

    if let Some(h) = movers_head(i).or(if i.event.kind.is_move() { None } else { head }) {
        map.insert("movers_head", Who::Member(h));
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
