//! `determine(intake, set, today)`: every procedure the event triggers, member by member,
//! with reasons, deadlines, places and what to bring; the pending ones with the questions
//! that would settle them; and the ones considered and excluded, with the reason.
//!
//! Pure and deterministic: the same intake, set and day give the same result.

use super::eval::{join, Ask, Ctx, Memo, Tri};
use super::model::{Procedure, ProcedureSet, Scope};
use super::{
    Applied, AppliedExtra, Determination, EventRef, Excluded, Pending, Question, SetRef, Text,
};
use crate::calendar::Anchors;
use crate::intake::{FactScope, Intake, Member};
use chrono::NaiveDate;

/// From how many members [`Memo`] keeps quantifier results (see there).
const MEMO_FROM_MEMBERS: usize = 16;

/// Determines the procedures of a case. `today` is the date in Japan (the default 届出日).
pub fn determine(intake: &Intake, set: &ProcedureSet, today: NaiveDate) -> Determination {
    determine_memo_from(intake, set, today, MEMO_FROM_MEMBERS)
}

/// [`determine`], keeping quantifier results ([`Memo`]) for households of more than
/// `memo_from` members (tests compare both ways on every scenario).
fn determine_memo_from(
    intake: &Intake,
    set: &ProcedureSet,
    today: NaiveDate,
    memo_from: usize,
) -> Determination {
    let anchors = Anchors {
        event_date: intake.event.date,
        notified_on: intake.notified_on(today),
        planned_move_out_date: intake.event.planned_move_out_date,
        funeral_date: intake.event.funeral_date,
    };
    let kind = intake.event.kind;
    let memo = Memo::default();
    let base = Ctx {
        intake,
        facts: &set.facts,
        current: None,
        on: intake.event.date,
        prefecture: set.municipality.prefecture.as_deref(),
        // Worth its bookkeeping only where a quantifier is re-evaluated for many members:
        // a real household of a few people is faster without it.
        memo: (intake.household.members.len() > memo_from).then_some(&memo),
    };
    let mut applied: Vec<(usize, Applied)> = vec![];
    let mut pending = vec![];
    let mut excluded = vec![];

    for (index, p) in set.procedures.iter().enumerate() {
        if !p.events.contains(&kind) || !p.in_force(intake.event.date) {
            continue;
        }
        let mut on = Outcome::default();
        let (cond, member_set) = p.rule_for(kind);
        match p.scope {
            Scope::Member => {
                let subjects = match member_set {
                    Some(ms) => base.members(ms),
                    None => intake.subjects(),
                };
                if subjects.is_empty() {
                    excluded.push(Excluded {
                        id: p.id.clone(),
                        members: vec![],
                        reason: "対象となる方がいません".into(),
                        reason_en: "no one this concerns".into(),
                    });
                    continue;
                }
                for m in subjects {
                    let ctx = Ctx {
                        current: Some(m),
                        ..base_ctx(&base)
                    };
                    evaluate(set, p, cond, &ctx, Some(m), &mut on, &mut excluded);
                }
            }
            Scope::Household => evaluate(set, p, cond, &base, None, &mut on, &mut excluded),
        }
        if on.applies {
            let section = place(p, &base, &mut on.asks);
            applied.push((
                index,
                applied_entry(set, p, section, intake, &anchors, on.members, on.reasons),
            ));
        }
        if !on.asks.is_empty() {
            pending.push(Pending {
                id: p.id.clone(),
                members: on.pending_members,
                questions: questions(set, intake, &on.asks),
            });
        }
    }

    // For the resident: by counter (visiting order), then deadline, then catalogue order.
    applied.sort_by(|(ia, a), (ib, b)| {
        (a.extra.counter_order, a.deadline.is_none(), a.deadline, *ia).cmp(&(
            b.extra.counter_order,
            b.deadline.is_none(),
            b.deadline,
            *ib,
        ))
    });
    Determination {
        procedure_set: SetRef {
            name: set.name.clone(),
            digest: set.digest.clone(),
        },
        event: EventRef {
            kind,
            date: intake.event.date,
        },
        procedures: applied.into_iter().map(|(_, a)| a).collect(),
        pending,
        excluded,
    }
}

fn base_ctx<'a>(b: &Ctx<'a>) -> Ctx<'a> {
    Ctx {
        intake: b.intake,
        facts: b.facts,
        current: b.current,
        on: b.on,
        prefecture: b.prefecture,
        memo: b.memo,
    }
}

#[derive(Default)]
struct Outcome {
    applies: bool,
    members: Vec<String>,
    reasons: Vec<(String, String)>,
    pending_members: Vec<String>,
    asks: Vec<Ask>,
    /// The asks already in `asks`: a set, so that collecting them stays linear in the members
    /// (10,000 members once made this quadratic).
    asked: std::collections::BTreeSet<Ask>,
}

/// The section of an applied procedure: the first `[[place]]` whose condition holds, else
/// its own. A place that depends on an unknown fact asks it (the procedure is then listed
/// at its own section until answered).
fn place<'p>(p: &'p Procedure, ctx: &Ctx<'_>, asks: &mut Vec<Ask>) -> &'p str {
    for pl in &p.places {
        let mut a = vec![];
        match ctx.cond(&pl.when, &mut a) {
            Tri::True => return &pl.section,
            Tri::False => {}
            Tri::Unknown => {
                for x in a {
                    if !asks.contains(&x) {
                        asks.push(x);
                    }
                }
                break;
            }
        }
    }
    &p.section
}

fn evaluate(
    set: &ProcedureSet,
    p: &Procedure,
    when: &super::model::Cond,
    ctx: &Ctx<'_>,
    member: Option<&Member>,
    on: &mut Outcome,
    excluded: &mut Vec<Excluded>,
) {
    let mut asks = vec![];
    match ctx.cond(when, &mut asks) {
        Tri::True => {
            on.applies = true;
            // A per-member procedure names its member; a household one the members who made
            // its condition true.
            let who = match member {
                Some(m) => {
                    on.members.push(m.id.clone());
                    vec![m]
                }
                None => {
                    let mut who = vec![];
                    ctx.witnesses(when, &mut who);
                    who
                }
            };
            on.reasons.push(fill(
                p.reason_for(ctx.intake.event.kind),
                ctx,
                member,
                &who,
                set,
            ));
        }
        Tri::Unknown => {
            if let Some(m) = member {
                on.pending_members.push(m.id.clone());
            }
            for a in asks {
                if on.asked.insert(a.clone()) {
                    on.asks.push(a);
                }
            }
        }
        Tri::False => {
            let (ja, en) = match &p.not_applicable {
                Some(t) => fill(t, ctx, member, &[], set),
                None => {
                    let mut why = vec![];
                    ctx.explain(set, when, false, &mut why);
                    if why.is_empty() {
                        (
                            "条件に該当しません".into(),
                            "the conditions are not met".into(),
                        )
                    } else {
                        join(&why)
                    }
                }
            };
            let (ja, en) = match member {
                Some(m) if p.not_applicable.is_none() => (
                    format!("{}: {ja}", m.display()),
                    format!("{}: {en}", m.display()),
                ),
                _ => (ja, en),
            };
            excluded.push(Excluded {
                id: p.id.clone(),
                members: member.map(|m| vec![m.id.clone()]).unwrap_or_default(),
                reason: ja,
                reason_en: en,
            });
        }
    }
}

/// Fills a reason template: {member}, {member.FACT}, {members}/{who}, {deceased}, {head},
/// {household}, {new_address}, {param.NAME}.
fn fill(
    t: &Text,
    ctx: &Ctx<'_>,
    member: Option<&Member>,
    who: &[&Member],
    set: &ProcedureSet,
) -> (String, String) {
    let intake = ctx.intake;
    let names = |list: &[&Member]| list.iter().map(|m| m.display()).collect::<Vec<_>>();
    let one = |id: Option<&str>| {
        id.and_then(|i| intake.member(i))
            .map(|m| m.display())
            .unwrap_or_default()
    };
    let apply = |s: &str, sep: &str| -> String {
        let mut out = s
            .replace("{member}", &member.map(|m| m.display()).unwrap_or_default())
            .replace("{members}", &names(who).join(sep))
            .replace("{who}", &names(who).join(sep))
            .replace("{deceased}", &one(intake.event.deceased.as_deref()))
            .replace("{head}", &one(intake.household.head.as_deref()))
            .replace("{household}", household_address(intake))
            .replace("{new_address}", new_address(intake));
        for (k, v) in &set.municipality.params {
            out = out.replace(&format!("{{param.{k}}}"), &grouped(*v));
        }
        out
    };
    let (ja, en) = (apply(&t.ja, "、"), apply(t.en(), ", "));
    match member {
        Some(m) => (
            member_facts(&ja, m, set, true),
            member_facts(&en, m, set, false),
        ),
        None => (ja, en),
    }
}

/// A parameter as a resident reads an amount: digits in groups of three (50,000円).
fn grouped(v: i64) -> String {
    let digits = v.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if v < 0 {
        out.insert(0, '-');
    }
    out
}

/// Replaces `{member.FACT}` with the phrase of the member's value (「自立支援医療」); an
/// unknown value leaves nothing.
fn member_facts(text: &str, m: &Member, set: &ProcedureSet, ja: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{member.") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "{member.".len()..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[i..]);
            return out;
        };
        let name = &after[..close];
        if let (Some(decl), Some(v)) = (
            set.facts.get(&(FactScope::Member, name.to_string())),
            m.facts.get(name),
        ) {
            let (pj, pe) = super::eval::fact_phrase(decl, &v);
            out.push_str(if ja { &pj } else { &pe });
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The household's address as reasons name it: the household's, else the new address of the
/// event (a counter screen may fill only the latter), else the previous one.
fn household_address(intake: &Intake) -> &str {
    let e = &intake.event;
    [
        &intake.household.address,
        &e.new_address,
        &e.previous_address,
    ]
    .into_iter()
    .find_map(|a| a.as_deref().filter(|s| !s.trim().is_empty()))
    .unwrap_or("")
}

/// Where the movers go: the event's new address, else the household's (after a move in,
/// the household's address is the new one).
fn new_address(intake: &Intake) -> &str {
    [&intake.event.new_address, &intake.household.address]
        .into_iter()
        .find_map(|a| a.as_deref().filter(|s| !s.trim().is_empty()))
        .unwrap_or("")
}

fn applied_entry(
    set: &ProcedureSet,
    p: &Procedure,
    section: &str,
    intake: &Intake,
    anchors: &Anchors,
    members: Vec<String>,
    reasons: Vec<(String, String)>,
) -> Applied {
    let section = set
        .municipality
        .sections
        .iter()
        .find(|s| s.key == section)
        .expect("the loader checked the section");
    let deadlines =
        super::deadline::deadlines(p, intake.event.kind, anchors, &set.municipality.calendar);
    let deadline = deadlines.iter().filter_map(|d| d.date).min();
    let (deadline_text, deadline_text_en) = super::deadline::summary(&deadlines);
    let bring = p.bring_for(intake.event.kind);
    Applied {
        id: p.id.clone(),
        name: p.name.ja.clone(),
        kind: p.kind,
        section: section.name.ja.clone(),
        counter: section.counter.ja.clone(),
        members,
        deadline,
        deadline_text,
        deadlines,
        basis: p.basis.clone(),
        reasons: reasons.iter().map(|r| r.0.clone()).collect(),
        bring: bring.iter().map(|b| b.ja.clone()).collect(),
        forms: p.forms.clone(),
        extra: AppliedExtra {
            name_en: p.name.en().to_string(),
            section_key: section.key.clone(),
            section_en: section.name.en().to_string(),
            counter_en: section.counter.en().to_string(),
            counter_order: section.order,
            outside: section.outside,
            deadline_text_en,
            reasons_en: reasons.into_iter().map(|r| r.1).collect(),
            bring_en: bring.iter().map(|b| b.en().to_string()).collect(),
            note: p.note_for(intake.event.kind).cloned(),
        },
    }
}

fn questions(set: &ProcedureSet, intake: &Intake, asks: &[Ask]) -> Vec<Question> {
    asks.iter()
        .map(|a| {
            let scope = if a.member.is_some() {
                FactScope::Member
            } else {
                FactScope::Household
            };
            let about_deceased = a.member.is_some()
                && intake.event.kind == crate::intake::EventKind::Death
                && intake.event.deceased == a.member;
            match set.facts.get(&(scope, a.fact.clone())) {
                Some(d) => {
                    let q = d.question_for(about_deceased);
                    Question {
                        member: a.member.clone(),
                        fact: a.fact.clone(),
                        text: q.ja.clone(),
                        text_en: q.en().to_string(),
                        screen: d.screen.clone(),
                        sensitive: d.sensitive,
                    }
                }
                None => {
                    let (ja, en) = match a.fact.as_str() {
                        "head" => ("世帯主はどなたですか", "Who is the head of the household?"),
                        "deceased" => ("亡くなった方はどなたですか", "Who is the person who died?"),
                        "relation" => (
                            "世帯主との続柄を確認してください",
                            "What is this person's relation to the head of household?",
                        ),
                        "sex" => (
                            "性別を確認してください (カードの券面のとおり)",
                            "Please confirm this person's sex (as on the card)",
                        ),
                        _ => ("確認してください", "Please confirm"),
                    };
                    Question {
                        member: a.member.clone(),
                        fact: a.fact.clone(),
                        text: ja.into(),
                        text_en: en.into(),
                        screen: super::model::HOUSEHOLD_SCREEN.into(),
                        sensitive: false,
                    }
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::parse_date;
    use crate::intake::{parse_intake, Vocabulary};
    use crate::rules::loader::{embedded_files, load_files, SourceFile};

    /// The shipped municipality and facts plus the given procedure files.
    fn set_with(procs: &[(&str, &str)]) -> Result<ProcedureSet, Vec<crate::rules::Diagnostic>> {
        let mut files: Vec<SourceFile> = embedded_files()
            .into_iter()
            .filter(|f| f.path == "municipality.toml" || f.path == "facts.toml")
            .collect();
        for (p, t) in procs {
            files.push(SourceFile {
                path: p.to_string(),
                text: t.to_string(),
            });
        }
        load_files(&files, None).map(|(s, _)| s)
    }

    fn proc_text(id: &str, extra: &str, when: &str) -> String {
        format!(
            "id = \"{id}\"\nname = {{ ja = \"テスト\", en = \"Test\" }}\nsection = \"shimin\"\nkind = \"notice\"\nevents = [\"move_in\", \"death\"]\nscope = \"household\"\nwhen = '{when}'\ndeadline = {{ from = \"event_date\", days = 14 }}\nbasis = \"テスト法\"\nreason = {{ ja = \"{extra}\", en = \"{extra}\" }}\n{}",
            ""
        )
    }

    /// The memo only saves work: with it on for every household and off for every one,
    /// every scenario of the shipped set gets the same determination (a quantifier whose
    /// result depended on the member a procedure is evaluated for would differ here).
    #[test]
    fn the_quantifier_memo_never_changes_a_determination() {
        let (set, _) = crate::rules::loader::load_embedded(None).unwrap();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("procedures/tests");
        let today = parse_date("2026-04-06").unwrap();
        let mut n = 0;
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let path = e.path();
            if !path.to_string_lossy().ends_with(".intake.json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let Ok(i) = parse_intake(&text, &set.vocabulary) else {
                continue;
            };
            assert_eq!(
                determine_memo_from(&i, &set, today, 0),
                determine_memo_from(&i, &set, today, usize::MAX),
                "{}",
                path.display()
            );
            n += 1;
        }
        assert!(n >= 60, "only {n} scenarios read");
    }

    fn intake(json: &str) -> Intake {
        parse_intake(json, &Vocabulary::core()).unwrap()
    }

    /// An intake with the facts the shipped set declares.
    fn intake_in(json: &str) -> Intake {
        let set = crate::rules::load_embedded(None).unwrap().0;
        parse_intake(json, &set.vocabulary).unwrap()
    }

    const ONE: &str = r#"{"format":"madoguchi-intake/1","event":{"kind":"move_in","date":"DATE"},
        "household":{"head":"m1","members":[{"id":"m1","name":"甲","birth_date":"1980-01-01","facts":{}},
        {"id":"m2","name":"乙","birth_date":"1990-01-01","facts":{}},{"id":"m3","name":"丙","birth_date":"2000-01-01","facts":{}}],"facts":{}}}"#;

    #[test]
    fn an_amount_in_a_reason_reads_with_grouped_digits() {
        let set = crate::rules::load_embedded(None).unwrap().0;
        let j = r#"{"format":"madoguchi-intake/1","event":{"kind":"death","date":"2026-06-01","deceased":"m1"},
          "household":{"head":"m1","members":[
          {"id":"m1","name":"甲","birth_date":"1950-01-01","facts":{"health_insurance":"nhi"}}],"facts":{}}}"#;
        let d = determine(&intake_in(j), &set, parse_date("2026-06-02").unwrap());
        let p = d
            .procedures
            .iter()
            .find(|p| p.id == "nhi.funeral_expenses")
            .unwrap();
        assert!(p.reasons[0].contains("葬祭費 50,000円"), "{:?}", p.reasons);
        assert_eq!(grouped(12), "12");
        assert_eq!(grouped(1_234_567), "1,234,567");
        assert_eq!(grouped(-5000), "-5,000");
    }

    #[test]
    fn a_staged_law_change_applies_from_its_date() {
        let old = proc_text("law.test", "旧", "true") + "valid_until = 2027-03-31\n";
        let new = proc_text("law.test", "新", "true") + "valid_from = 2027-04-01\n";
        let set = set_with(&[("a/law.test.toml", &old), ("a/law.test@2027.toml", &new)]).unwrap();
        let today = parse_date("2027-05-01").unwrap();
        let before = determine(&intake(&ONE.replace("DATE", "2027-03-31")), &set, today);
        assert_eq!(before.procedures[0].reasons, vec!["旧"]);
        let after = determine(&intake(&ONE.replace("DATE", "2027-04-01")), &set, today);
        assert_eq!(after.procedures[0].reasons, vec!["新"]);
        // Overlapping versions are refused.
        let clash = proc_text("law.test", "新", "true") + "valid_from = 2027-03-01\n";
        let err =
            set_with(&[("a/law.test.toml", &old), ("a/law.test@2027.toml", &clash)]).unwrap_err();
        assert!(
            err.iter()
                .any(|d| d.message.contains("overlapping validity")),
            "{err:?}"
        );
    }

    #[test]
    fn counts_with_unknown_members_ask_only_when_they_matter() {
        // Two of three must be mynumber card holders.
        let p = proc_text(
            "count.test",
            "x",
            "count(members, member.mynumber_card) >= 2",
        );
        let set = set_with(&[("a/count.test.toml", &p)]).unwrap();
        let today = parse_date("2026-04-01").unwrap();
        let with = |facts: [&str; 3]| {
            let mut j = ONE.replace("DATE", "2026-04-01");
            for (i, f) in facts.iter().enumerate() {
                j = j.replacen("\"facts\":{}}", &format!("\"facts\":{{{f}}}}}"), 1);
                let _ = i;
            }
            determine(&intake(&j), &set, today)
        };
        let yes = "\"mynumber_card\":true";
        let no = "\"mynumber_card\":false";
        assert_eq!(
            with([yes, yes, ""]).procedures.len(),
            1,
            "two known holders settle it"
        );
        let d = with([no, no, ""]);
        assert!(
            d.procedures.is_empty() && d.pending.is_empty(),
            "two known non-holders settle it: {d:?}"
        );
        let d = with([yes, no, ""]);
        assert_eq!(d.pending.len(), 1);
        assert_eq!(d.pending[0].questions.len(), 1, "only m3 is asked");
        assert_eq!(d.pending[0].questions[0].member.as_deref(), Some("m3"));
    }

    #[test]
    fn a_missing_head_is_asked_not_assumed() {
        let p = proc_text("head.test", "x", "head.age >= 18");
        let set = set_with(&[("a/head.test.toml", &p)]).unwrap();
        let j = ONE
            .replace("DATE", "2026-04-01")
            .replace("\"head\":\"m1\",", "");
        let d = determine(&intake(&j), &set, parse_date("2026-04-01").unwrap());
        assert_eq!(d.pending[0].questions[0].fact, "head");
        assert_eq!(d.pending[0].questions[0].text, "世帯主はどなたですか");
    }

    #[test]
    fn a_missing_relation_is_asked() {
        let p = proc_text(
            "rel.test",
            "x",
            "any(members, member.relation == \"child\")",
        );
        let set = set_with(&[("a/rel.test.toml", &p)]).unwrap();
        let d = determine(
            &intake(&ONE.replace("DATE", "2026-04-01")),
            &set,
            parse_date("2026-04-01").unwrap(),
        );
        let asked: Vec<(Option<String>, String)> = d.pending[0]
            .questions
            .iter()
            .map(|q| (q.member.clone(), q.fact.clone()))
            .collect();
        // The head's relation is known (head); the others are asked.
        assert_eq!(
            asked,
            vec![
                (Some("m2".into()), "relation".into()),
                (Some("m3".into()), "relation".into())
            ]
        );
    }

    /// A one-member move-in of a 76-year-old with the given previous address and household
    /// facts.
    fn elderly_move_in(kind: &str, previous: Option<&str>, new: Option<&str>, hh: &str) -> Intake {
        let addr =
            |k: &str, v: Option<&str>| v.map(|a| format!(",\"{k}\":\"{a}\"")).unwrap_or_default();
        intake_in(&format!(
            r#"{{"format":"madoguchi-intake/1","event":{{"kind":"{kind}","date":"2026-04-01"{}{}}},
            "household":{{"head":"m1","members":[{{"id":"m1","name":"甲","birth_date":"1950-01-01",
            "facts":{{"health_insurance":"late_elderly"}}}}],"facts":{{{hh}}}}}}}"#,
            addr("previous_address", previous),
            addr("new_address", new)
        ))
    }

    fn pref_set() -> ProcedureSet {
        let p = "id = \"pref.test\"\nname = { ja = \"県外\", en = \"x\" }\nsection = \"hoken\"\nkind = \"notice\"\nevents = [\"move_in\", \"move_in_from_abroad\", \"move_within\", \"move_out\", \"move_out_abroad\"]\nscope = \"member\"\nwhen = 'member.age >= 75 and (event.from_other_prefecture or event.to_other_prefecture)'\ndeadline = { text = \"速やかに\" }\nbasis = \"テスト法\"\nreason = \"{member}\"\n";
        set_with(&[("a/pref.test.toml", p)]).unwrap()
    }

    #[test]
    fn the_prefecture_is_read_from_the_address_and_asked_only_when_unreadable() {
        let set = pref_set();
        assert_eq!(set.municipality.prefecture.as_deref(), Some("山形県"));
        let today = parse_date("2026-04-06").unwrap();
        let run = |i: Intake| determine(&i, &set, today);
        // Another prefecture: applies; the explanation names the prefecture read.
        let d = run(elderly_move_in(
            "move_in",
            Some("〒181-0001 東京都三鷹市野崎"),
            None,
            "",
        ));
        assert_eq!(d.procedures.len(), 1, "{d:?}");
        // The same prefecture (full-width spaces and a postal code do not matter): excluded,
        // and the reason says why in words.
        let d = run(elderly_move_in(
            "move_in",
            Some("　〒９９４－８５１０　山形県天童市老野森"),
            None,
            "",
        ));
        assert!(d.procedures.is_empty() && d.pending.is_empty(), "{d:?}");
        assert!(
            d.excluded[0].reason.contains("前の住所は県内 (山形県)"),
            "{:?}",
            d.excluded
        );
        // Unreadable or missing: one question, of the household fact that keeps the answer.
        for prev in [Some("府中市宮西町"), None] {
            let d = run(elderly_move_in("move_in", prev, None, ""));
            assert_eq!(d.pending.len(), 1, "{d:?}");
            let q = &d.pending[0].questions[0];
            assert_eq!(
                (q.member.as_deref(), q.fact.as_str()),
                (None, "from_other_prefecture")
            );
            assert_eq!(q.text, "前の住所は県外 (山形県の外) ですか");
        }
        // The clerk's answer settles it; an address that can be read wins over it.
        let d = run(elderly_move_in(
            "move_in",
            Some("府中市宮西町"),
            None,
            "\"from_other_prefecture\":true",
        ));
        assert_eq!(d.procedures.len(), 1);
        let d = run(elderly_move_in(
            "move_in",
            Some("山形県山形市"),
            None,
            "\"from_other_prefecture\":true",
        ));
        assert!(d.procedures.is_empty());
        // Moving out: the new address; abroad is outside; within the town is inside.
        let d = run(elderly_move_in(
            "move_out",
            None,
            Some("北海道札幌市中央区"),
            "",
        ));
        assert_eq!(d.procedures.len(), 1);
        let d = run(elderly_move_in("move_out", None, Some("大阪市北区"), ""));
        assert_eq!(
            d.procedures.len(),
            1,
            "a designated city names its prefecture"
        );
        let d = run(elderly_move_in("move_out", None, Some("山形県酒田市"), ""));
        assert!(d.procedures.is_empty());
        let d = run(elderly_move_in("move_out_abroad", None, None, ""));
        assert_eq!(d.procedures.len(), 1);
        let d = run(elderly_move_in("move_in_from_abroad", None, None, ""));
        assert_eq!(d.procedures.len(), 1);
        let d = run(elderly_move_in("move_within", None, None, ""));
        assert!(d.procedures.is_empty() && d.pending.is_empty(), "{d:?}");
    }

    #[test]
    fn the_derived_facts_are_checked_at_load() {
        let bad = |when: &str| {
            let p = format!("id = \"pref.bad\"\nname = \"x\"\nsection = \"hoken\"\nkind = \"notice\"\nevents = [\"move_in\"]\nscope = \"household\"\nwhen = '{when}'\ndeadline = {{ text = \"速やかに\" }}\nbasis = \"x\"\nreason = \"x\"\n");
            set_with(&[("a/pref.bad.toml", &p)]).unwrap_err()
        };
        let e = bad("event.from_other_prefectur");
        assert!(
            e.iter().any(|d| d.message.contains("unknown event field")
                && d.hint.as_deref() == Some("did you mean `event.from_other_prefecture`?")),
            "{e:?}"
        );
        let e = bad("household.from_other_prefecture");
        assert!(
            e.iter()
                .any(|d| d.message.contains("only keeps the clerk's answer")),
            "{e:?}"
        );
        let e = bad("event.to_other_prefecture == 3");
        assert!(!e.is_empty());
        // Without the town's prefecture the derived facts cannot be used.
        let mut files: Vec<SourceFile> = embedded_files()
            .into_iter()
            .filter(|f| f.path == "municipality.toml" || f.path == "facts.toml")
            .collect();
        for f in &mut files {
            if f.path == "municipality.toml" {
                f.text = f.text.replace("prefecture = \"山形県\"", "");
            }
        }
        files.push(SourceFile {
            path: "a/pref.test.toml".into(),
            text: "id = \"pref.test\"\nname = \"x\"\nsection = \"hoken\"\nkind = \"notice\"\nevents = [\"move_in\"]\nscope = \"household\"\nwhen = 'event.from_other_prefecture'\ndeadline = { text = \"速やかに\" }\nbasis = \"x\"\nreason = \"x\"\n".into(),
        });
        let e = load_files(&files, None).unwrap_err();
        assert!(
            e.iter()
                .any(|d| d.message.contains("needs the town's prefecture")),
            "{e:?}"
        );
        // A prefecture that does not exist is refused.
        for f in &mut files {
            if f.path == "municipality.toml" {
                f.text = f.text.replace(
                    "code = \"999997\"",
                    "code = \"999997\"\nprefecture = \"山形\"",
                );
            }
        }
        let e = load_files(&files, None).unwrap_err();
        assert!(
            e.iter()
                .any(|d| d.message.contains("not one of the 47 都道府県")),
            "{e:?}"
        );
    }

    #[test]
    fn texts_rules_and_places_by_event() {
        let p = r#"id = "ev.test"
name = "x"
section = "shimin"
kind = "notice"
events = ["move_in", "death"]
scope = "member"
when = 'member.age >= 18'
deadline = { text = "速やかに" }
basis = "x"
bring = [
  { ja = "いつも" },
  { events = ["death"], ja = "死亡のとき" },
]
reason = [
  { events = ["death"], ja = "{member}: 死亡 ({deceased})" },
  { ja = "{member}: 転入 {member.health_insurance}" },
]

[[rules]]
events = ["death"]
members = "remaining"
when = 'member.age >= 18 and deceased.age >= 80'

[[place]]
when = 'any(members, member.age >= 100)'
section = "hoken"
"#;
        let set = set_with(&[("a/ev.test.toml", p)]).unwrap();
        let today = parse_date("2026-04-01").unwrap();
        let j = |kind: &str, deceased: &str| {
            intake(&format!(
                r#"{{"format":"madoguchi-intake/1","event":{{"kind":"{kind}","date":"2026-04-01"{deceased}}},
            "household":{{"head":"m1","members":[{{"id":"m1","name":"甲","birth_date":"1940-01-01","facts":{{"health_insurance":"nhi"}}}},
            {{"id":"m2","name":"乙","birth_date":"1970-01-01","facts":{{}}}},{{"id":"m3","name":"丙","birth_date":"2015-01-01","facts":{{}}}}],"facts":{{}}}}}}"#
            ))
        };
        let d = determine(&j("move_in", ""), &set, today);
        let a = &d.procedures[0];
        assert_eq!(a.members, vec!["m1", "m2"]);
        assert_eq!(a.reasons[0], "甲 (m1): 転入 国民健康保険に加入");
        assert_eq!(
            a.reasons[1], "乙 (m2): 転入 ",
            "an unknown fact leaves nothing"
        );
        assert_eq!(a.bring, vec!["いつも"]);
        assert_eq!(a.section, "市民課");
        // Death: the rule's members (the remaining ones) and condition, the death texts.
        let d = determine(&j("death", r#","deceased":"m1""#), &set, today);
        let a = &d.procedures[0];
        assert_eq!(a.members, vec!["m2"]);
        assert_eq!(a.reasons, vec!["乙 (m2): 死亡 (甲 (m1))"]);
        assert_eq!(a.bring, vec!["いつも", "死亡のとき"]);
        assert!(d.excluded.iter().any(|e| e.members == vec!["m3"]));
        // A text for an event the procedure lacks, or an event without a reason, is refused.
        let e = set_with(&[(
            "a/ev.test.toml",
            &p.replace(
                "{ events = [\"death\"], ja = \"死亡のとき\" }",
                "{ events = [\"move_out\"], ja = \"x\" }",
            ),
        )])
        .unwrap_err();
        assert!(
            e.iter()
                .any(|d| d.message.contains("not one of the procedure's events")),
            "{e:?}"
        );
        let e = set_with(&[(
            "a/ev.test.toml",
            &p.replace(
                "  { ja = \"{member}: 転入 {member.health_insurance}\" },\n",
                "",
            ),
        )])
        .unwrap_err();
        assert!(
            e.iter()
                .any(|d| d.message == "no reason for the event `move_in`"),
            "{e:?}"
        );
        let e = set_with(&[(
            "a/ev.test.toml",
            &p.replace("{member.health_insurance}", "{member.helth_insurance}"),
        )])
        .unwrap_err();
        assert!(
            e.iter()
                .any(|d| d.hint.as_deref() == Some("did you mean {member.health_insurance}?")),
            "{e:?}"
        );
        let e = set_with(&[(
            "a/ev.test.toml",
            &p.replace("section = \"hoken\"", "section = \"hokenn\""),
        )])
        .unwrap_err();
        assert!(
            e.iter()
                .any(|d| d.message.contains("unknown section `hokenn`")),
            "{e:?}"
        );
    }

    #[test]
    fn a_place_changes_the_section_when_it_holds() {
        let set = crate::rules::load_embedded(None).unwrap().0;
        let today = parse_date("2026-04-06").unwrap();
        let base = r#"{"format":"madoguchi-intake/1","event":{"kind":"death","date":"2026-04-01","deceased":"m1"},
          "household":{"head":"m1","members":[
          {"id":"m1","name":"甲","birth_date":"1980-01-01","facts":{"pension":"PENSION","pension_recipient":false,"employee_pension":EMP}},
          {"id":"m2","name":"乙","birth_date":"1982-01-01","relation":"spouse","facts":{}},
          {"id":"m3","name":"丙","birth_date":"2015-01-01","relation":"child","facts":{}}],"facts":{}}}"#;
        let section = |pension: &str, emp: &str| {
            let i = intake_in(&base.replace("PENSION", pension).replace("EMP", emp));
            let d = determine(&i, &set, today);
            let a = d
                .procedures
                .iter()
                .find(|p| p.id == "pension.survivors_basic");
            let pending = d.pending.iter().any(|p| p.id == "pension.survivors_basic");
            (a.map(|a| a.section.clone()), pending)
        };
        assert_eq!(
            section("category1", "false"),
            (Some("保険年金課".into()), false)
        );
        assert_eq!(
            section("category2", "true"),
            (Some("年金事務所".into()), false)
        );
        assert_eq!(
            section("category1", "true"),
            (Some("年金事務所".into()), false)
        );
        let i = intake_in(
            &base
                .replace("PENSION", "category1")
                .replace(",\"employee_pension\":EMP", ""),
        );
        let d = determine(&i, &set, today);
        assert!(d
            .procedures
            .iter()
            .any(|p| p.id == "pension.survivors_basic" && p.section == "年金事務所"));
        let q = &d
            .pending
            .iter()
            .find(|p| p.id == "pension.survivors_basic")
            .unwrap()
            .questions;
        assert_eq!(
            q[0].fact, "employee_pension",
            "where to claim depends on it: asked"
        );
    }

    #[test]
    fn sensitive_facts_are_never_stated_in_the_negative() {
        // Everything known and negative: the excluded reasons (printed on the resident's
        // sheet) must not say 妊娠していない, 手帳なし, 受給者証なし, 生活保護なし, ….
        let set = crate::rules::load_embedded(None).unwrap().0;
        let j = r#"{"format":"madoguchi-intake/1","event":{"kind":"move_in","date":"2026-04-01"},
          "household":{"head":"m1","members":[
          {"id":"m1","name":"甲","birth_date":"1990-01-01","sex":"female","relation":"head","facts":{
            "health_insurance":"nhi","pregnant":false,"disability_certificate":[],"medical_certificates":[],
            "child_rearing_allowance_recipient":false}}],
          "facts":{"public_assistance":false}}}"#;
        let d = determine(&intake_in(j), &set, parse_date("2026-04-06").unwrap());
        let sensitive: Vec<&crate::rules::model::FactDecl> =
            set.facts.values().filter(|f| f.sensitive).collect();
        assert!(sensitive.len() >= 5);
        for e in &d.excluded {
            for f in &sensitive {
                for t in [f.no.as_ref(), Some(&f.label)].into_iter().flatten() {
                    assert!(
                        !e.reason.contains(&t.ja),
                        "{}: {} says {}",
                        e.id,
                        e.reason,
                        t.ja
                    );
                    assert!(!e.reason_en.contains(t.en()), "{}: {}", e.id, e.reason_en);
                }
            }
        }
        // The procedures that depend on them were considered and excluded all the same.
        for id in [
            "child_health.transfer",
            "disability.certificate_address",
            "welfare_medical.apply",
            "public_assistance.consult",
        ] {
            assert!(d.excluded.iter().any(|e| e.id == id), "{id}");
        }
    }
}
