//! The counter's flows, driven key by key through the whole app on the fake services.

mod tui_support;

use crossterm::event::KeyCode;
use madoguchi::intake::{Applicant, EventKind, FactValue};
use madoguchi::tui::services::{FakeServices, Step, Tries};
use madoguchi::tui::state::{Overlay, PrintStatus, Screen};
use tui_support::*;

/// Counts the clerk's keys of a flow (the resident's PIN is not counted).
struct Counter(usize);
impl Counter {
    fn key(&mut self, app: &mut madoguchi::tui::app::App<FakeServices>, code: KeyCode) {
        self.0 += 1;
        key(app, code);
    }
}

#[test]
fn one_person_move_in_with_a_card_takes_few_keys() {
    let mut app = app();
    let mut n = Counter(0);
    assert_eq!(app.state.screen, Screen::Reception);
    assert!(app.state.case.code.is_some(), "a case is opened at start");
    insert_card(&mut app);
    assert!(matches!(app.state.overlay, Some(Overlay::Pin(_))));
    // The resident types the PIN (not counted).
    typed(&mut app, "1234");
    enter(&mut app);
    assert!(
        matches!(app.state.overlay, Some(Overlay::CardConfirm(_))),
        "{:?}",
        app.state.overlay
    );
    n.key(&mut app, KeyCode::Enter); // the card face matches
    let m = &app.state.case.intake.household.members[0];
    assert_eq!(m.name, "窓口　太郎");
    assert_eq!(app.state.case.intake.household.head.as_deref(), Some("m1"));
    assert_eq!(
        app.state.case.intake.event.previous_address.as_deref(),
        Some("北海道北見市北五条東２丁目１番地")
    );
    // The focus waits on the new address; the address text is one entry.
    assert_eq!(
        app.state.case.reception.focused().unwrap().key,
        "new_address"
    );
    typed(&mut app, "まどぐち市本町１丁目１番１号");
    n.0 += 1;
    n.key(&mut app, KeyCode::Enter); // to 世帯
    assert_eq!(app.state.screen, Screen::Household);
    n.key(&mut app, KeyCode::Enter); // to 確認
    assert_eq!(app.state.screen, Screen::Confirm);
    // Only the pending questions, one key each. The card already told us the resident holds
    // a My Number card; sensitive questions are answered by the resident (not counted).
    let mut asked = vec![];
    while app.state.screen == Screen::Confirm {
        let q = app.state.case.current_question().unwrap().clone();
        asked.push(q.fact.clone());
        assert_ne!(q.fact, "mynumber_card", "the card read answered it");
        let k = match q.fact.as_str() {
            "health_insurance" => '1', // 国保
            "dogs" | "disability_certificate" | "medical_certificates" => '0',
            _ => '2', // いいえ
        };
        if q.sensitive {
            key(&mut app, KeyCode::Char(k));
        } else {
            n.key(&mut app, KeyCode::Char(k));
        }
        assert!(asked.len() < 20, "questions never end: {asked:?}");
    }
    assert!(asked.contains(&"health_insurance".to_string()), "{asked:?}");
    assert!(
        asked.contains(&"public_assistance".to_string()),
        "{asked:?}"
    );
    assert_eq!(
        app.state.screen,
        Screen::Procedures,
        "all answered goes on by itself"
    );
    let ids: Vec<&str> = app
        .state
        .case
        .det
        .procedures
        .iter()
        .map(|p| p.id.as_str())
        .collect();
    assert!(
        ids.contains(&"resident.move_in") && ids.contains(&"nhi.enroll"),
        "{ids:?}"
    );
    n.key(&mut app, KeyCode::Enter); // to 印刷
    assert_eq!(app.state.screen, Screen::Print);
    assert!(app.state.case.bundle.is_some());
    n.key(&mut app, KeyCode::Enter); // print
    assert_eq!(app.state.case.print_status, PrintStatus::Printed);
    n.key(&mut app, KeyCode::Enter); // 完了
    assert_eq!(app.state.screen, Screen::Done);
    let code = app.state.last_code.clone().unwrap();
    assert!(
        app.state.case.intake.household.members.is_empty(),
        "personal data cleared"
    );
    let case = &app.services.cases[&code];
    assert!(case.closed);
    for s in [
        Step::CardRead,
        Step::Determined,
        Step::Printed,
        Step::Closed,
    ] {
        assert!(case.steps.contains(&s), "{s:?} in {:?}", case.steps);
    }
    n.key(&mut app, KeyCode::Enter); // next resident
    assert_eq!(app.state.screen, Screen::Reception);
    assert!(n.0 <= 15, "{} clerk keys", n.0);
    eprintln!(
        "1-person move-in with a card: {} clerk keys (PIN excluded)",
        n.0
    );
}

#[test]
fn wrong_pin_shows_tries_and_warns_at_the_last_one() {
    let mut app = app();
    insert_card(&mut app);
    let Some(Overlay::Pin(p)) = &app.state.overlay else {
        panic!()
    };
    assert_eq!(p.tries, Some(Tries::Known(3)));
    typed(&mut app, "9999");
    enter(&mut app);
    let Some(Overlay::Pin(p)) = &app.state.overlay else {
        panic!()
    };
    assert_eq!(p.tries, Some(Tries::Known(2)));
    assert!(p.secret.is_empty(), "the wrong PIN is forgotten");
    typed(&mut app, "9999");
    enter(&mut app);
    let Some(Overlay::Pin(p)) = &app.state.overlay else {
        panic!()
    };
    assert!(p.last_try());
    assert!(render(&app).contains("あと1回間違えるとカードがロックされます"));
    typed(&mut app, "9999");
    enter(&mut app);
    let Some(Overlay::Pin(p)) = &app.state.overlay else {
        panic!()
    };
    assert!(p.blocked);
    // The 照合番号B path.
    ch(&mut app, 'b');
    let Some(Overlay::Pin(p)) = &app.state.overlay else {
        panic!()
    };
    assert_eq!(p.secret.kind, madoguchi::tui::services::SecretKind::CodeB);
}

#[test]
fn blocked_card_offers_manual_entry() {
    let mut app = app();
    app.services.card.tries = 0;
    insert_card(&mut app);
    let Some(Overlay::Pin(p)) = &app.state.overlay else {
        panic!()
    };
    assert!(p.blocked);
    ch(&mut app, 'm');
    assert!(matches!(app.state.overlay, Some(Overlay::MemberEdit(_))));
    assert_eq!(app.state.screen, Screen::Household);
    typed(&mut app, "山田　一郎");
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "1990-01-02");
    enter(&mut app);
    assert_eq!(app.state.case.intake.household.members.len(), 1);
    assert_eq!(
        app.state.case.intake.household.members[0].name,
        "山田　一郎"
    );
}

#[test]
fn household_marks_and_a_death_with_a_sensitive_question() {
    let mut app = app();
    let mut i = intake("move-in-family");
    i.event.kind = EventKind::Death;
    i.household.members[0].facts.health_insurance = None;
    app.dispatch(madoguchi::tui::action::Action::CaseLoaded(
        "TESTCASE".into(),
        Box::new(i),
    ));
    assert_eq!(app.state.screen, Screen::Household);
    key(&mut app, KeyCode::Down);
    ch(&mut app, 'k'); // m2 deceased
    assert_eq!(app.state.case.intake.event.deceased.as_deref(), Some("m2"));
    ch(&mut app, 't'); // m2... applicant is a member; then an outside applicant
    ch(&mut app, 'o');
    typed(&mut app, "佐藤　次郎");
    enter(&mut app);
    assert!(matches!(
        app.state.case.intake.event.applicant,
        Some(Applicant::Person(_))
    ));
    ch(&mut app, 'm');
    assert!(!app.state.case.intake.household.members[1].moving);
}

#[test]
fn keyboard_scanner_parts_fill_the_case_on_any_screen() {
    let mut app = app();
    let parts = FakeServices::encode_parts(&intake("move-in-family"), 3);
    // Ordinary typing into the address field is not taken for a scan.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "MDG");
    assert_eq!(app.state.case.reception.focused().unwrap().value, "MDG");
    for _ in 0..3 {
        key(&mut app, KeyCode::Backspace);
    }
    scanned(&mut app, &parts[0]);
    assert_eq!(app.state.case.qr_progress, Some((1, 3)));
    scanned(&mut app, &parts[1]);
    assert!(app
        .state
        .msg
        .as_ref()
        .unwrap()
        .ja
        .contains("2 / 3 読み取り済み"));
    scanned(&mut app, &parts[1]);
    assert!(app
        .state
        .msg
        .as_ref()
        .unwrap()
        .ja
        .contains("読み取り済みです"));
    scanned(&mut app, &parts[2]);
    assert_eq!(app.state.case.intake.household.members.len(), 4);
    assert_eq!(app.state.screen, Screen::Household);
    assert!(app
        .state
        .case
        .reception
        .get("previous_address")
        .unwrap()
        .value
        .contains("北見市"));
    // Nothing of the scan leaked into a field.
    assert!(!app
        .state
        .case
        .reception
        .fields
        .iter()
        .any(|f| f.value.contains("MDG")));
}

#[test]
fn qr_conflicts_are_the_clerks_choice() {
    let mut app = app();
    let mut i = intake("move-in-family");
    app.dispatch(madoguchi::tui::action::Action::CaseLoaded(
        "TESTCASE".into(),
        Box::new(i.clone()),
    ));
    i.event.new_address = Some("まどぐち市別町１番".into());
    i.household.members[0].facts.pension = None;
    for p in FakeServices::encode_parts(&i, 1) {
        scanned(&mut app, &p);
    }
    let Some(Overlay::QrMerge(m)) = &app.state.overlay else {
        panic!("{:?}", app.state.overlay)
    };
    assert!(m.conflicts.iter().any(|(l, _)| l == "新住所"));
    ch(&mut app, 'n');
    assert_eq!(
        app.state.case.intake.event.new_address.as_deref(),
        Some("まどぐち市本町３丁目５番８号")
    );
    assert_eq!(
        app.state.case.intake.household.members.len(),
        4,
        "members matched, not doubled"
    );
}

#[test]
fn every_answer_reruns_determine_and_undo_restores() {
    let mut app = app();
    // A household whose every fact is known but m2's health insurance.
    let text = std::fs::read_to_string(format!(
        "{}/procedures/tests/mi-03-family-of-four.intake.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let vocab = madoguchi::rules::load_embedded(None).unwrap().0.vocabulary;
    let mut i = madoguchi::intake::parse_intake(&text, &vocab).unwrap();
    i.household.members[1].facts.health_insurance = None;
    app.dispatch(madoguchi::tui::action::Action::CaseLoaded(
        "TESTCASE".into(),
        Box::new(i),
    ));
    f(&mut app, 3);
    let q = app.state.case.current_question().unwrap().clone();
    assert_eq!(q.fact, "health_insurance");
    ch(&mut app, '1');
    assert_eq!(
        app.state
            .case
            .intake
            .member("m2")
            .unwrap()
            .facts
            .get("health_insurance"),
        Some(FactValue::Code("nhi".into()))
    );
    assert!(app
        .state
        .case
        .det
        .procedures
        .iter()
        .any(|p| p.id == "nhi.enroll"));
    f(&mut app, 3);
    ch(&mut app, 'u');
    assert_eq!(
        app.state
            .case
            .intake
            .member("m2")
            .unwrap()
            .facts
            .get("health_insurance"),
        None
    );
    ch(&mut app, 's');
    assert!(app.state.case.current_question().is_none());
}

#[test]
fn set_aside_is_recorded_and_not_printed() {
    let mut app = app();
    app.dispatch(madoguchi::tui::action::Action::CaseLoaded(
        "TESTCASE".into(),
        Box::new(intake("move-in-family")),
    ));
    f(&mut app, 4);
    key(&mut app, KeyCode::Down);
    ch(&mut app, 's');
    ch(&mut app, '1');
    enter(&mut app);
    assert_eq!(app.state.case.set_aside.len(), 1);
    assert!(app.services.log.iter().any(|l| l.starts_with("set_aside")));
    let aside = app.state.case.set_aside[0].0.clone();
    f(&mut app, 5);
    let b = app.state.case.bundle.as_ref().unwrap();
    assert!(!b
        .items
        .iter()
        .any(|i| i.procedure.as_deref() == Some(aside.as_str())));
}

#[test]
fn print_failure_offers_retry() {
    let mut app = app();
    app.dispatch(madoguchi::tui::action::Action::CaseLoaded(
        "TESTCASE".into(),
        Box::new(intake("move-in-family")),
    ));
    app.services.fail_next_print = Some("プリンタがオフラインです".into());
    f(&mut app, 5);
    enter(&mut app);
    assert_eq!(app.state.case.print_status, PrintStatus::Failed);
    assert!(render(&app).contains("プリンタがオフラインです"));
    ch(&mut app, 'r');
    assert_eq!(app.state.case.print_status, PrintStatus::Printed);
}

#[test]
fn unfinished_cases_are_offered_at_start() {
    let mut services = FakeServices::default();
    let code = madoguchi::tui::services::Services::open_case(&mut services).unwrap();
    madoguchi::tui::services::Services::save_intake(
        &mut services,
        &code,
        &intake("move-in-family"),
    )
    .unwrap();
    let mut app =
        madoguchi::tui::app::App::new(state(madoguchi::config::Role::Clerk, false), services);
    app.start();
    assert!(matches!(app.state.overlay, Some(Overlay::Resume { .. })));
    enter(&mut app);
    assert_eq!(app.state.case.code.as_deref(), Some(code.as_str()));
    assert_eq!(app.state.case.intake.household.members.len(), 4);
}

#[test]
fn supervisor_only_and_a_bad_set_never_replaces_the_good_one() {
    let mut app = app();
    f(&mut app, 7);
    assert_ne!(app.state.screen, Screen::Supervisor);
    let mut app = app_with(madoguchi::config::Role::Supervisor, false);
    f(&mut app, 7);
    assert_eq!(app.state.screen, Screen::Supervisor);
    ch(&mut app, 'c');
    assert_eq!(
        app.state.supervisor.output_ok,
        Some(true),
        "{:?}",
        app.state.supervisor.output
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("municipality.toml"), "[set]\nname = 1\n").unwrap();
    let digest = app.state.set.digest.clone();
    ch(&mut app, 'r');
    let Some(Overlay::ReloadPath(_)) = &app.state.overlay else {
        panic!()
    };
    for _ in 0..20 {
        key(&mut app, KeyCode::Backspace);
    }
    app.paste(&dir.path().display().to_string());
    enter(&mut app);
    assert_eq!(app.state.supervisor.output_ok, Some(false));
    assert_eq!(app.state.set.digest, digest, "the good set stays");
}

#[test]
fn language_toggle_and_help() {
    let mut app = app();
    f(&mut app, 12);
    assert!(render(&app).contains("Event"));
    f(&mut app, 11);
    assert!(app.state.help);
    key(&mut app, KeyCode::Esc);
    assert!(!app.state.help);
}

#[test]
fn too_small_terminal_says_so() {
    let app = app();
    assert!(render_at(&app, 80, 24).contains("100 x 30"));
}

#[test]
fn a_card_after_a_scan_fills_the_same_person() {
    let mut app = app();
    let mut i = intake("move-in-family");
    i.household.members[0].name = "窓口 太郎".into();
    i.household.members[0].birth_date = chrono::NaiveDate::from_ymd_opt(1980, 2, 17).unwrap();
    for p in FakeServices::encode_parts(&i, 2) {
        scanned(&mut app, &p);
    }
    assert_eq!(app.state.case.intake.household.members.len(), 4);
    insert_card(&mut app);
    typed(&mut app, "1234");
    enter(&mut app);
    enter(&mut app);
    assert_eq!(
        app.state.case.intake.household.members.len(),
        4,
        "matched, not added"
    );
    assert_eq!(
        app.state.case.intake.household.members[0].name, "窓口　太郎",
        "the card's spelling wins"
    );
}
