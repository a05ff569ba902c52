//! `determine(intake, set, today)`: every procedure the event triggers, member by member,
//! with reasons, deadlines, places and what to bring; the pending ones with the questions
//! that would settle them; and the ones considered and excluded, with the reason.
//!
//! Pure and deterministic: the same intake, set and day give the same result.

use super::eval::{join, Ask, Ctx, Tri};
use super::model::{Procedure, ProcedureSet, Scope};
use super::{
    Applied, AppliedExtra, Determination, EventRef, Excluded, Pending, Question, SetRef, Text,
};
use crate::calendar::Anchors;
use crate::intake::{FactScope, Intake, Member};
use chrono::NaiveDate;

/// Determines the procedures of a case. `today` is the date in Japan (the default 届出日).
pub fn determine(intake: &Intake, set: &ProcedureSet, today: NaiveDate) -> Determination {
    let anchors = Anchors {
        event_date: intake.event.date,
        notified_on: intake.notified_on(today),
        planned_move_out_date: intake.event.planned_move_out_date,
        funeral_date: intake.event.funeral_date,
    };
    let kind = intake.event.kind;
    let base = Ctx {
        intake,
        facts: &set.facts,
        current: None,
        on: intake.event.date,
    };
    let mut applied: Vec<(usize, Applied)> = vec![];
    let mut pending = vec![];
    let mut excluded = vec![];

    for (index, p) in set.procedures.iter().enumerate() {
        if !p.events.contains(&kind) || !p.in_force(intake.event.date) {
            continue;
        }
        let mut on = Outcome::default();
        match p.scope {
            Scope::Member => {
                let subjects = intake.subjects();
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
                    evaluate(set, p, &ctx, Some(m), &mut on, &mut excluded);
                }
            }
            Scope::Household => evaluate(set, p, &base, None, &mut on, &mut excluded),
        }
        if on.applies {
            applied.push((
                index,
                applied_entry(set, p, intake, &anchors, on.members, on.reasons),
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
    }
}

#[derive(Default)]
struct Outcome {
    applies: bool,
    members: Vec<String>,
    reasons: Vec<(String, String)>,
    pending_members: Vec<String>,
    asks: Vec<Ask>,
}

fn evaluate(
    set: &ProcedureSet,
    p: &Procedure,
    ctx: &Ctx<'_>,
    member: Option<&Member>,
    on: &mut Outcome,
    excluded: &mut Vec<Excluded>,
) {
    let mut asks = vec![];
    match ctx.cond(&p.when, &mut asks) {
        Tri::True => {
            on.applies = true;
            let mut who = vec![];
            ctx.witnesses(&p.when, &mut who);
            if let Some(m) = member {
                on.members.push(m.id.clone());
                who = vec![m];
            }
            on.reasons.push(fill(&p.reason, ctx, member, &who, set));
        }
        Tri::Unknown => {
            if let Some(m) = member {
                on.pending_members.push(m.id.clone());
            }
            for a in asks {
                if !on.asks.contains(&a) {
                    on.asks.push(a);
                }
            }
        }
        Tri::False => {
            let (ja, en) = match &p.not_applicable {
                Some(t) => fill(t, ctx, member, &[], set),
                None => {
                    let mut why = vec![];
                    ctx.explain(set, &p.when, false, &mut why);
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

/// Fills a reason template: {member}, {members}/{who}, {deceased}, {head}, {household},
/// {param.NAME}.
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
            .replace("{household}", household_address(intake));
        for (k, v) in &set.municipality.params {
            out = out.replace(&format!("{{param.{k}}}"), &v.to_string());
        }
        out
    };
    (apply(&t.ja, "、"), apply(t.en(), ", "))
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

fn applied_entry(
    set: &ProcedureSet,
    p: &Procedure,
    intake: &Intake,
    anchors: &Anchors,
    members: Vec<String>,
    reasons: Vec<(String, String)>,
) -> Applied {
    let section = set
        .municipality
        .sections
        .iter()
        .find(|s| s.key == p.section)
        .expect("the loader checked the section");
    let deadlines =
        super::deadline::deadlines(p, intake.event.kind, anchors, &set.municipality.calendar);
    let deadline = deadlines.iter().filter_map(|d| d.date).min();
    let (deadline_text, deadline_text_en) = super::deadline::summary(&deadlines);
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
        bring: p.bring.iter().map(|b| b.ja.clone()).collect(),
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
            bring_en: p.bring.iter().map(|b| b.en().to_string()).collect(),
            note: p.note.clone(),
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

    fn intake(json: &str) -> Intake {
        parse_intake(json, &Vocabulary::core()).unwrap()
    }

    const ONE: &str = r#"{"format":"madoguchi-intake/1","event":{"kind":"move_in","date":"DATE"},
        "household":{"head":"m1","members":[{"id":"m1","name":"甲","birth_date":"1980-01-01","facts":{}},
        {"id":"m2","name":"乙","birth_date":"1990-01-01","facts":{}},{"id":"m3","name":"丙","birth_date":"2000-01-01","facts":{}}],"facts":{}}}"#;

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
}
