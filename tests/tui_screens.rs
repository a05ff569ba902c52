//! How many checklist screens the counter opens for realistic households: a clerk simulated
//! over `determine` (answer what the screen asks, determine again, until nothing is pending),
//! with the shipped procedure set. The figures are the ones in `docs/tui.md`.
//!
//! Each household is given twice: what the counter knows when the questions start (the card
//! or the clerk's typing: names, birth dates, relations), and the truth the residents answer
//! from. A question the truth has no answer for is answered "no" (what Enter does).

use madoguchi::intake::{parse_intake, FactScope, FactType, FactValue, Intake, Vocabulary};
use madoguchi::rules::{questions::simulate, ProcedureSet, Question};

fn set() -> ProcedureSet {
    let forms = madoguchi::forms::template_ids(None);
    let known = (!forms.is_empty()).then_some(&forms);
    madoguchi::rules::load_embedded(known)
        .expect("the shipped set")
        .0
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
}

/// The truth's answer to a question, written into the case.
fn answer_from<'a>(
    truth: &Intake,
    set: &'a ProcedureSet,
) -> impl FnMut(&mut Intake, &Question) + 'a {
    let truth = truth.clone();
    move |case: &mut Intake, q: &Question| match q.fact.as_str() {
        "head" => case.household.head = truth.household.head.clone(),
        "deceased" => case.event.deceased = truth.event.deceased.clone(),
        "relation" | "sex" => {
            let id = q.member.clone().unwrap();
            let t = truth.member(&id).unwrap().clone();
            let m = case.member_mut(&id).unwrap();
            m.relation = t.relation.or(Some(madoguchi::intake::Relation::Cohabitant));
            m.sex = t.sex.or(Some(madoguchi::intake::Sex::NotApplicable));
        }
        fact => {
            let scope = if q.member.is_some() {
                FactScope::Member
            } else {
                FactScope::Household
            };
            let given = match &q.member {
                Some(id) => truth.member(id).unwrap().facts.get(fact),
                None => truth.household.facts.get(fact),
            };
            let v = given.unwrap_or_else(|| match set.vocabulary.get(scope, fact) {
                Some(FactType::Bool) => FactValue::Bool(false),
                Some(FactType::Count) => FactValue::Count(0),
                Some(FactType::CodeSet(_)) => FactValue::Codes(vec![]),
                // A code question with a "none" answer (運転免許なし, 通っていない).
                Some(FactType::Code(values)) if values.iter().any(|v| v == "none") => {
                    FactValue::Code("none".into())
                }
                other => panic!("the truth must say {fact} of {:?} ({other:?})", q.member),
            });
            let r = match &q.member {
                Some(id) => case.member_mut(id).unwrap().facts.set(fact, Some(v)),
                None => case.household.facts.set(fact, Some(v)),
            };
            r.unwrap();
        }
    }
}

/// The screens asked for a case (what the counter knows) answered from the truth.
fn screens(known: &str, truth: &str) -> (Vec<String>, madoguchi::rules::Determination) {
    let set = set();
    let vocab = Vocabulary::core();
    let mut case = parse_intake(known, &set.vocabulary).unwrap_or_else(|e| panic!("{e}"));
    let truth = parse_intake(truth, &set.vocabulary).unwrap_or_else(|e| panic!("{e}"));
    let _ = vocab;
    let mut answer = answer_from(&truth, &set);
    let mut asked: Vec<(Option<String>, String)> = vec![];
    let (screens, det) = simulate(&mut case, &set, today(), |c, q| {
        asked.push((q.member.clone(), q.fact.clone()));
        answer(c, q)
    });
    eprintln!("  {} questions: {asked:?}", asked.len());
    // The simulated counter reaches what the full truth gives.
    let full = madoguchi::rules::determine(&truth, &set, today());
    let ids = |d: &madoguchi::rules::Determination| {
        let mut v: Vec<(String, Vec<String>)> = d
            .procedures
            .iter()
            .map(|p| (p.id.clone(), p.members.clone()))
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        ids(&det),
        ids(&full),
        "the counter found what the truth gives"
    );
    assert!(det.pending.is_empty(), "{:?}", det.pending);
    (screens, det)
}

/// A member as JSON.
fn m(id: &str, name: &str, born: &str, sex: &str, rel: &str, facts: &str) -> String {
    format!(
        r#"{{"id":"{id}","name":"{name}","birth_date":"{born}","sex":"{sex}","relation":"{rel}","facts":{{{facts}}}}}"#
    )
}

fn intake(kind: &str, date: &str, extra: &str, head: &str, members: &[String], hh: &str) -> String {
    format!(
        r#"{{"format":"madoguchi-intake/1","event":{{"kind":"{kind}","date":"{date}"{extra}}},
        "household":{{"head":"{head}","members":[{}],"facts":{{{hh}}}}}}}"#,
        members.join(",")
    )
}

const FROM: &str = r#","previous_address":"北海道北見市北五条東２丁目１番地","new_address":"まどぐち市本町１丁目１番１号""#;

fn report(name: &str, s: &[String]) {
    eprintln!("{name}: {} screens: {}", s.len(), s.join(" > "));
}

#[test]
fn a_single_adult_moving_in_is_asked_at_most_5_screens() {
    // Read from his card: name, birth date, sex, address; the card says he holds one.
    let known = intake(
        "move_in",
        "2026-11-20",
        FROM,
        "m1",
        &[m(
            "m1",
            "窓口　太郎",
            "1980-02-17",
            "male",
            "head",
            r#""mynumber_card":true"#,
        )],
        "",
    );
    let truth = intake(
        "move_in",
        "2026-11-20",
        FROM,
        "m1",
        &[m(
            "m1",
            "窓口　太郎",
            "1980-02-17",
            "male",
            "head",
            r#""mynumber_card":true,"health_insurance":"nhi","pension":"category1","seal_registered":false"#,
        )],
        r#""public_assistance":false,"dogs":0"#,
    );
    let (s, det) = screens(&known, &truth);
    report("single adult moving in", &s);
    assert!(s.len() <= 5, "{s:?}");
    assert!(det.procedures.iter().any(|p| p.id == "nhi.enroll"));
    // Nothing a 46-year-old without children is asked about children or care.
    assert!(!s.contains(&"children".to_string()), "{s:?}");
}

#[test]
fn a_family_of_four_moving_in_is_asked_at_most_6_screens() {
    // Typed by hand: names, birth dates, sexes, relations.
    let members = |facts: [&str; 4]| {
        vec![
            m("m1", "佐藤　健一", "1984-06-10", "male", "head", facts[0]),
            m(
                "m2",
                "佐藤　美咲",
                "1986-09-03",
                "female",
                "spouse",
                facts[1],
            ),
            m("m3", "佐藤　陽斗", "2016-05-21", "male", "child", facts[2]),
            m(
                "m4",
                "佐藤　結衣",
                "2022-01-15",
                "female",
                "child",
                facts[3],
            ),
        ]
    };
    let known = intake(
        "move_in",
        "2026-11-20",
        FROM,
        "m1",
        &members(["", "", "", ""]),
        "",
    );
    let truth = intake(
        "move_in",
        "2026-11-20",
        FROM,
        "m1",
        &members([
            r#""health_insurance":"employee","pension":"category2","mynumber_card":true,"child_allowance_recipient":true"#,
            r#""health_insurance":"employee_dependent","pension":"category3","mynumber_card":true"#,
            r#""health_insurance":"employee_dependent","public_school":true,"mynumber_card":true"#,
            r#""health_insurance":"employee_dependent""#,
        ]),
        r#""public_assistance":false,"dogs":1"#,
    );
    let (s, det) = screens(&known, &truth);
    report("family of four moving in", &s);
    assert!(s.len() <= 6, "{s:?}");
    assert!(det.procedures.iter().any(|p| p.id == "school.transfer_in"));
    assert!(det
        .procedures
        .iter()
        .any(|p| p.id == "dog.registration_change"));
}

#[test]
fn the_death_of_a_78_year_old_survived_by_a_spouse_is_asked_at_most_8_screens() {
    let members = |facts: [&str; 2]| {
        vec![
            m("m1", "山本　茂", "1948-03-02", "male", "head", facts[0]),
            m(
                "m2",
                "山本　和子",
                "1950-07-19",
                "female",
                "spouse",
                facts[1],
            ),
        ]
    };
    let ev = r#","deceased":"m1","applicant":"m2""#;
    let known = intake("death", "2026-11-25", ev, "m1", &members(["", ""]), "");
    let truth = intake(
        "death",
        "2026-11-25",
        ev,
        "m1",
        &members([
            r#""pension_recipient":true,"pension":"none","seal_registered":true,"owns_real_estate":true,"water_contract_holder":true"#,
            r#""pension_recipient":true,"pension":"none""#,
        ]),
        r#""public_assistance":false,"death_notice_filed":true,"dogs":0"#,
    );
    let (s, det) = screens(&known, &truth);
    report("death of a 78-year-old survived by a spouse", &s);
    assert!(s.len() <= 8, "{s:?}");
    // The law decides their pension and health insurance (70+: no pension category; 75+:
    // 後期高齢者医療): never asked.
    let qs = first_questions(&known);
    for fact in ["pension", "health_insurance"] {
        assert!(asked_of(&qs, fact).is_empty(), "{fact}: {qs:?}");
    }
    assert!(det
        .procedures
        .iter()
        .any(|p| p.id == "late_elderly.funeral_expenses"));
    assert!(det
        .procedures
        .iter()
        .any(|p| p.id == "pension.unpaid_benefit"));
}

#[test]
fn a_single_adult_moving_out_is_asked_at_most_3_screens() {
    let to = r#","previous_address":"まどぐち市本町１丁目１番１号","new_address":"東京都三鷹市野崎一丁目１番１号""#;
    let known = intake(
        "move_out",
        "2026-12-10",
        to,
        "m1",
        &[m("m1", "田中　誠", "1991-08-08", "male", "head", "")],
        "",
    );
    let truth = intake(
        "move_out",
        "2026-12-10",
        to,
        "m1",
        &[m(
            "m1",
            "田中　誠",
            "1991-08-08",
            "male",
            "head",
            r#""health_insurance":"nhi","seal_registered":true"#,
        )],
        r#""public_assistance":false"#,
    );
    let (s, det) = screens(&known, &truth);
    report("single adult moving out", &s);
    assert!(s.len() <= 3, "{s:?}");
    assert!(det.procedures.iter().any(|p| p.id == "nhi.withdraw"));
}

/// Every question of the first determination, as (member, fact, screen).
fn first_questions(known: &str) -> Vec<(Option<String>, String, String)> {
    let set = set();
    let case = parse_intake(known, &set.vocabulary).unwrap_or_else(|e| panic!("{e}"));
    let det = madoguchi::rules::determine(&case, &set, today());
    det.questions()
        .into_iter()
        .map(|q| (q.member.clone(), q.fact.clone(), q.screen.clone()))
        .collect()
}

fn asked_of(qs: &[(Option<String>, String, String)], fact: &str) -> Vec<String> {
    qs.iter()
        .filter(|q| q.1 == fact)
        .map(|q| q.0.clone().unwrap_or_else(|| "household".into()))
        .collect()
}

fn screen_of(qs: &[(Option<String>, String, String)], fact: &str) -> String {
    qs.iter()
        .find(|q| q.1 == fact)
        .map(|q| q.2.clone())
        .unwrap_or_else(|| panic!("{fact} is asked: {qs:?}"))
}

#[test]
fn the_edition_2_facts_are_asked_only_where_they_can_matter() {
    // Three generations moving in from another prefecture: a grandmother of 80, parents, a
    // 17-year-old, a 12-year-old, a child of 4.
    let members = [
        m("m1", "佐藤　健一", "1984-06-10", "male", "head", ""),
        m("m2", "佐藤　美咲", "1986-09-03", "female", "spouse", ""),
        m("m3", "佐藤　蓮", "2009-05-21", "male", "child", ""),
        m("m4", "佐藤　陽斗", "2014-05-21", "male", "child", ""),
        m("m5", "佐藤　結衣", "2022-01-15", "female", "child", ""),
        m("m6", "佐藤　ハナ", "1946-02-01", "female", "parent", ""),
    ];
    let qs = first_questions(&intake("move_in", "2026-11-20", FROM, "m1", &members, ""));
    // 保育所・幼稚園: only the child not yet at school.
    assert_eq!(asked_of(&qs, "childcare"), ["m5"], "{qs:?}");
    assert_eq!(screen_of(&qs, "childcare"), "children");
    // 原付 and 運転免許 from 16, 自動車 from 18, all on "お持ちのもの".
    for fact in ["moped_owner", "drivers_license"] {
        assert_eq!(
            asked_of(&qs, fact),
            ["m1", "m2", "m3", "m6"],
            "{fact}: {qs:?}"
        );
        assert_eq!(screen_of(&qs, fact), "belongings");
    }
    assert_eq!(asked_of(&qs, "vehicle_owner"), ["m1", "m2", "m6"], "{qs:?}");
    assert_eq!(screen_of(&qs, "vehicle_owner"), "belongings");
    // 医療費助成の受給者証: sensitive, so only on the resident's own screen.
    assert!(!asked_of(&qs, "medical_certificates").is_empty(), "{qs:?}");
    let sc = screen_of(&qs, "medical_certificates");
    let shipped = set();
    assert!(
        shipped.screens.iter().any(|s| s.key == sc && s.resident),
        "{sc} is turned to the resident"
    );
    // The prefecture is read from the address: not asked. Nothing about a death is asked.
    for fact in [
        "from_other_prefecture",
        "dependent_of_deceased",
        "employee_pension",
        "owns_real_estate",
        "public_housing",
    ] {
        assert!(asked_of(&qs, fact).is_empty(), "{fact}: {qs:?}");
    }

    // A death: the spouse is asked whether she was a dependant only once the insurance says
    // she could have been, and the real estate in the city only of an owner.
    let ev = r#","deceased":"m1","applicant":"m2""#;
    let dead = |f1: &str, f2: &str| {
        first_questions(&intake(
            "death",
            "2026-11-25",
            ev,
            "m1",
            &[
                m("m1", "山本　茂", "1968-03-02", "male", "head", f1),
                m("m2", "山本　和子", "1970-07-19", "female", "spouse", f2),
            ],
            "",
        ))
    };
    let qs = dead("", "");
    assert!(asked_of(&qs, "dependent_of_deceased").is_empty(), "{qs:?}");
    assert!(
        asked_of(&qs, "owns_real_estate_in_city").is_empty(),
        "{qs:?}"
    );
    assert_eq!(asked_of(&qs, "owns_real_estate"), ["m1"], "{qs:?}");
    assert_eq!(screen_of(&qs, "owns_real_estate"), "deceased");
    assert_eq!(asked_of(&qs, "employee_pension"), ["m1"], "{qs:?}");
    assert_eq!(screen_of(&qs, "employee_pension"), "insurance");
    assert_eq!(asked_of(&qs, "public_housing"), ["household"], "{qs:?}");
    let qs = dead(
        r#""health_insurance":"employee","owns_real_estate":true"#,
        r#""health_insurance":"employee_dependent""#,
    );
    assert_eq!(asked_of(&qs, "dependent_of_deceased"), ["m2"], "{qs:?}");
    assert_eq!(screen_of(&qs, "dependent_of_deceased"), "insurance");
    assert_eq!(asked_of(&qs, "owns_real_estate_in_city"), ["m1"], "{qs:?}");
    assert_eq!(screen_of(&qs, "owns_real_estate_in_city"), "deceased");
    // In the past tense for the deceased.
    let case = parse_intake(
        &intake(
            "death",
            "2026-11-25",
            ev,
            "m1",
            &[
                m("m1", "山本　茂", "1968-03-02", "male", "head", ""),
                m("m2", "山本　和子", "1970-07-19", "female", "spouse", ""),
            ],
            "",
        ),
        &shipped.vocabulary,
    )
    .unwrap();
    let det = madoguchi::rules::determine(&case, &shipped, today());
    for q in det.questions() {
        if q.member.as_deref() == Some("m1")
            && [
                "drivers_license",
                "vehicle_owner",
                "moped_owner",
                "employee_pension",
            ]
            .contains(&q.fact.as_str())
        {
            assert!(
                q.text.contains("でしたか") || q.text.contains("ましたか"),
                "{}",
                q.text
            );
        }
    }

    // An address the prefecture cannot be read from: asked, on the insurance screen, and only
    // where 後期高齢者医療 depends on it (a member of 75 or over).
    let vague =
        r#","previous_address":"本町１丁目１番１号","new_address":"まどぐち市本町１丁目１番１号""#;
    let qs = first_questions(&intake(
        "move_in",
        "2026-11-20",
        vague,
        "m1",
        &[m("m1", "佐藤　ハナ", "1946-02-01", "female", "head", "")],
        "",
    ));
    assert_eq!(
        asked_of(&qs, "from_other_prefecture"),
        ["household"],
        "{qs:?}"
    );
    assert_eq!(screen_of(&qs, "from_other_prefecture"), "insurance");
}
