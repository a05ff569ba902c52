//! The shipped procedure set: it loads cleanly, every scenario passes, and together the
//! scenarios trigger and non-trigger every procedure of the catalogue.

use madoguchi::intake::parse_intake;
use madoguchi::rules::{determine, loader, scenario};
use std::collections::BTreeSet;

/// Every id of shared/spec/procedure-catalog.md (fixed ids: never renamed); one list,
/// shared with the template check.
use madoguchi::forms::template::CATALOGUE_PROCEDURES as CATALOGUE;

#[test]
fn the_shipped_set_has_every_catalogue_id_and_passes_its_scenarios() {
    let (set, warnings) = loader::load_embedded(None)
        .unwrap_or_else(|d| panic!("{}", d.iter().map(|x| x.to_string()).collect::<String>()));
    assert!(warnings.iter().all(|w| !w.is_error()));
    let ids: BTreeSet<&str> = set.procedures.iter().map(|p| p.id.as_str()).collect();
    for id in CATALOGUE {
        assert!(
            ids.contains(id),
            "catalogue id {id} is missing from procedures/"
        );
    }
    let scenarios = scenario::read_scenarios(&loader::embedded_files()).unwrap();
    assert!(
        scenarios.len() >= 40,
        "the suite needs at least 40 households, has {}",
        scenarios.len()
    );
    let mut failures = vec![];
    let mut triggered = BTreeSet::new();
    let mut not_triggered = BTreeSet::new();
    let mut absent_somewhere = BTreeSet::new();
    for s in &scenarios {
        let r = scenario::run(&set, s);
        if !r.passed() {
            failures.push(format!("{}:\n  {}", r.name, r.diff.join("\n  ")));
        }
        let intake = parse_intake(&s.intake_text, &set.vocabulary).unwrap();
        let d = determine(&intake, &set, s.today);
        triggered.extend(d.procedures.iter().map(|p| p.id.clone()));
        not_triggered.extend(d.excluded.iter().map(|p| p.id.clone()));
        for id in &ids {
            if !d.procedures.iter().any(|p| p.id == *id) {
                absent_somewhere.insert(id.to_string());
            }
        }
    }
    assert!(
        failures.is_empty(),
        "scenario failures:\n{}",
        failures.join("\n")
    );
    for p in &set.procedures {
        let id = &p.id;
        assert!(triggered.contains(id), "no scenario triggers {id}");
        if p.when_src.trim() == "true" {
            // Always applies to its events: the non-trigger is another event's household.
            assert!(
                absent_somewhere.contains(id),
                "no scenario shows {id} absent"
            );
        } else {
            assert!(
                not_triggered.contains(id),
                "no scenario shows {id} considered and excluded"
            );
        }
    }
}

#[test]
fn a_failing_scenario_prints_a_diff() {
    let (set, _) = loader::load_embedded(None).unwrap();
    let mut s = scenario::read_scenarios(&loader::embedded_files())
        .unwrap()
        .remove(0);
    s.procedures.insert("nhi.enroll".into(), vec!["m9".into()]);
    s.procedures.remove("seal.abolished");
    let r = scenario::run(&set, &s);
    assert!(!r.passed());
    assert!(
        r.diff
            .contains(&"- procedures: nhi.enroll [m9]".to_string()),
        "{:?}",
        r.diff
    );
    assert!(
        r.diff
            .contains(&"+ procedures: seal.abolished [m1]".to_string()),
        "{:?}",
        r.diff
    );
}

/// Completed years on `d`, the birthday completing the year (intake.md).
fn age(birth: chrono::NaiveDate, d: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut a = d.year() - birth.year();
    if (d.month(), d.day()) < (birth.month(), birth.day()) {
        a -= 1;
    }
    a
}

/// The catalogue's "must not" rules (first edition and Edition 2), checked on every household
/// of the shipped suite. Each rule must be put to the test by at least one household, so a
/// suite that stops exercising a rule fails here instead of passing vacuously.
#[test]
fn no_household_of_the_suite_breaks_a_must_not_rule() {
    use chrono::NaiveDate;
    use serde_json::Value;
    let (set, _) = loader::load_embedded(None).unwrap();
    let town = set.municipality.prefecture.clone().unwrap();
    let scenarios = scenario::read_scenarios(&loader::embedded_files()).unwrap();
    let mut broken = vec![];
    let mut exercised: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut hit = |rule: &'static str| *exercised.entry(rule).or_default() += 1;
    for s in &scenarios {
        let intake = parse_intake(&s.intake_text, &set.vocabulary).unwrap();
        let d = determine(&intake, &set, s.today);
        let raw: Value = serde_json::from_str(&s.intake_text).unwrap();
        let ev = &raw["event"];
        let kind = ev["kind"].as_str().unwrap();
        let date = NaiveDate::parse_from_str(ev["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        let hh = &raw["household"];
        let members = hh["members"].as_array().unwrap();
        let member = |id: &str| members.iter().find(|m| m["id"] == id).unwrap();
        let fact = |m: &Value, f: &str| m["facts"][f].clone();
        let nationality = |m: &Value| m["nationality"].as_str().unwrap_or("JP").to_string();
        let age_of = |m: &Value| {
            age(
                NaiveDate::parse_from_str(m["birth_date"].as_str().unwrap(), "%Y-%m-%d").unwrap(),
                date,
            )
        };
        let applied = |id: &str| d.procedures.iter().find(|p| p.id == id);
        let on_assistance = hh["facts"]["public_assistance"] == Value::Bool(true);
        let deceased = ev["deceased"].as_str();
        let moving = |m: &Value| kind != "death" && m["moving"] != Value::Bool(false);
        let remaining: Vec<&Value> = members
            .iter()
            .filter(|m| match kind {
                "death" => Some(m["id"].as_str().unwrap()) != deceased,
                "move_out" | "move_out_abroad" | "move_within" => !moving(m),
                _ => false,
            })
            .collect();
        let mut fail = |what: String| broken.push(format!("{}: {what}", s.name));

        // Nothing per member for a member who does not move (move kinds).
        if kind.starts_with("move_") {
            hit("movers only");
            for p in &d.procedures {
                for id in &p.members {
                    if !moving(member(id)) {
                        fail(format!("{} for {id}, who does not move", p.id));
                    }
                }
            }
        }
        // nhi.enroll: never 75+, never employee-insured or on assistance (moves); on a death
        // only for the deceased's dependants.
        if let Some(p) = applied("nhi.enroll") {
            hit("nhi.enroll");
            for id in &p.members {
                let m = member(id);
                let hi = fact(m, "health_insurance");
                if age_of(m) >= 75 || on_assistance || hi == "public_assistance" {
                    fail(format!("nhi.enroll for {id} (75+ or on assistance)"));
                }
                if kind != "death" && (hi == "employee" || hi == "employee_dependent") {
                    fail(format!("nhi.enroll for {id}, insured by an employer"));
                }
                if kind == "death" && fact(m, "dependent_of_deceased") != Value::Bool(true) {
                    fail(format!(
                        "nhi.enroll on a death for {id}, not the deceased's dependant"
                    ));
                }
            }
        }
        if kind == "death"
            && remaining
                .iter()
                .any(|m| fact(m, "dependent_of_deceased") == Value::Bool(false))
        {
            hit("nhi.enroll on death, not a dependant");
        }
        // resident.head_change: two remaining members aged 15 or over.
        let grown_remaining = remaining.iter().filter(|m| age_of(m) >= 15).count();
        if ["death", "move_out", "move_out_abroad", "move_within"].contains(&kind)
            && grown_remaining < 2
        {
            hit("head_change");
            if applied("resident.head_change").is_some() {
                fail(format!(
                    "resident.head_change with {grown_remaining} remaining aged 15+"
                ));
            }
        }
        // koseki.*: never once the 死亡届 is filed.
        if hh["facts"]["death_notice_filed"] == Value::Bool(true) {
            hit("koseki");
            for id in ["koseki.death_notice", "koseki.cremation_permit"] {
                if applied(id).is_some() {
                    fail(format!("{id} though the death notice is filed"));
                }
            }
        }
        // 寡婦年金・死亡一時金 and 遺族基礎年金 exclude each other.
        if kind == "death" {
            hit("widow_or_lump_sum");
            if applied("pension.widow_or_lump_sum").is_some()
                && applied("pension.survivors_basic").is_some()
            {
                fail("pension.widow_or_lump_sum together with pension.survivors_basic".into());
            }
        }
        // 任意加入 only for Japanese nationals, 脱退一時金 only for foreign nationals.
        if kind == "move_out_abroad" {
            hit("abroad pensions");
            for id in applied("pension.abroad").map_or(&[][..], |p| &p.members[..]) {
                if nationality(member(id)) != "JP" {
                    fail(format!("pension.abroad for {id}, a foreign national"));
                }
            }
            for id in applied("pension.lump_sum_withdrawal").map_or(&[][..], |p| &p.members[..]) {
                if nationality(member(id)) == "JP" {
                    fail(format!(
                        "pension.lump_sum_withdrawal for {id}, a Japanese national"
                    ));
                }
            }
        }
        // Sensitive facts (妊娠, 手帳, 受給者証, 生活保護, 児童扶養手当) are never told as
        // negatives in what the resident is given: the reasons of what was ruled out.
        for e in &d.excluded {
            for f in set.facts.values().filter(|f| f.sensitive) {
                hit("sensitive");
                // A positive statement may name the fact (生活保護を受給している世帯); a
                // negative one may not (妊娠していない, 手帳: なし).
                if let Some(no) = &f.no {
                    if e.reason.contains(&no.ja) || e.reason_en.contains(no.en()) {
                        fail(format!("{} says {:?} ({})", e.id, no.ja, e.reason));
                    }
                }
                for none in [
                    format!("{}なし", f.label.ja),
                    format!("{}: なし", f.label.ja),
                ] {
                    if e.reason.contains(&none) {
                        fail(format!("{} says {none:?} ({})", e.id, e.reason));
                    }
                }
            }
        }
        // 後期高齢者医療 加入 never on a move from within the prefecture.
        if kind == "move_in" {
            let from = ev["previous_address"]
                .as_str()
                .and_then(madoguchi::rules::address::prefecture_of);
            if from == Some(town.as_str()) {
                hit("late_elderly.enroll");
                if applied("late_elderly.enroll").is_some() {
                    fail("late_elderly.enroll on a move from the same prefecture".into());
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "must-not rules broken:\n{}",
        broken.join("\n")
    );
    for rule in [
        "movers only",
        "nhi.enroll",
        "nhi.enroll on death, not a dependant",
        "head_change",
        "koseki",
        "widow_or_lump_sum",
        "abroad pensions",
        "late_elderly.enroll",
        "sensitive",
    ] {
        assert!(
            exercised.get(rule).copied().unwrap_or(0) > 0,
            "no household of the suite puts the must-not rule {rule:?} to the test"
        );
    }
}

/// The expect files themselves record, for every procedure, a household where it applies and
/// one where it was considered and excluded (the exact `[procedures]` lists already show an
/// always-applying one absent for other events), so a reader of `procedures/tests/` sees both.
#[test]
fn every_procedure_has_a_recorded_positive_and_negative_household() {
    let (set, _) = loader::load_embedded(None).unwrap();
    let scenarios = scenario::read_scenarios(&loader::embedded_files()).unwrap();
    let mut missing = vec![];
    for p in &set.procedures {
        let applied = scenarios.iter().find(|s| s.procedures.contains_key(&p.id));
        let excluded = scenarios.iter().find(|s| s.excluded.contains_key(&p.id));
        if applied.is_none() {
            missing.push(format!("{}: no expect file lists it as applying", p.id));
        }
        if excluded.is_none() && p.when_src.trim() != "true" {
            missing.push(format!("{}: no expect file lists it as excluded", p.id));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
