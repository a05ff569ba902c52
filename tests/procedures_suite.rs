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
