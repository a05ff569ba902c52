//! Every screen and dialog in Japanese at 100 x 30, on a fixed clock and fixed data.
//! A missing or changed snapshot fails the test (review with `cargo insta review`).

mod tui_support;

use crossterm::event::KeyCode;
use madoguchi::config::Role;
use madoguchi::tui::action::Action;
use madoguchi::tui::services::{FakeServices, Services};
use tui_support::*;

fn family() -> madoguchi::tui::app::App<FakeServices> {
    let mut app = app();
    app.dispatch(Action::CaseLoaded(
        "7KQ2M9XD".into(),
        Box::new(intake("move-in-family")),
    ));
    app.state.msg = None;
    app
}

/// A one-person move-in just read from the card, with questions open.
fn single() -> madoguchi::tui::app::App<FakeServices> {
    let mut app = app();
    insert_card(&mut app);
    typed(&mut app, "1234");
    enter(&mut app);
    enter(&mut app);
    app
}

macro_rules! snap {
    ($name:literal, $app:expr) => {
        insta::assert_snapshot!($name, render(&$app));
    };
}

#[test]
fn reception() {
    let mut a = app();
    snap!("01_reception_empty", a);
    let mut b = single();
    snap!("02_reception_after_card", b);
    f(&mut a, 12);
    snap!("03_reception_english", a);
    b.state.training = false;
    snap!("04_reception_no_banner", b);
}

#[test]
fn card_dialogs() {
    let mut app = app();
    insert_card(&mut app);
    typed(&mut app, "12");
    snap!("10_pin_prompt", app);
    typed(&mut app, "99");
    enter(&mut app);
    typed(&mut app, "9999");
    enter(&mut app);
    snap!("11_pin_last_try", app);
    typed(&mut app, "9999");
    enter(&mut app);
    snap!("12_pin_blocked", app);
    ch(&mut app, 'b');
    typed(&mut app, "550217");
    snap!("13_code_b", app);
    let mut app = tui_support::app();
    insert_card(&mut app);
    typed(&mut app, "1234");
    enter(&mut app);
    snap!("14_card_confirm", app);
}

#[test]
fn household() {
    let mut app = family();
    key(&mut app, KeyCode::Down);
    snap!("20_household", app);
    ch(&mut app, 'e');
    snap!("21_member_edit", app);
    key(&mut app, KeyCode::Esc);
    ch(&mut app, 'd');
    snap!("22_confirm_remove", app);
    let empty = tui_support::app();
    let mut empty = empty;
    f(&mut empty, 2);
    snap!("23_household_empty", empty);
}

#[test]
fn questions() {
    let mut app = single();
    typed(&mut app, "まどぐち市本町１丁目１番１号");
    enter(&mut app);
    enter(&mut app);
    app.state.msg = None;
    snap!("30_checklist_insurance", app);
    ch(&mut app, '1');
    snap!("31_checklist_answered", app);
    enter(&mut app);
    app.state.msg = None;
    snap!("32_checklist_resident_view", app);
    ch(&mut app, '1');
    snap!("33_checklist_resident_multi", app);
    enter(&mut app);
    app.state.msg = None;
    snap!("34_checklist_belongings", app);
    ch(&mut app, 's');
    enter(&mut app);
    f(&mut app, 3);
    app.state.msg = None;
    snap!("35_no_questions", app);
    // A family: every member a column.
    let mut app = family();
    for m in app.state.case.intake.household.members.iter_mut() {
        m.facts.health_insurance = None;
    }
    app.state.redetermine();
    f(&mut app, 3);
    app.state.msg = None;
    snap!("36_checklist_family", app);
    insta::assert_snapshot!("37_checklist_family_80x24", render_at(&app, 80, 24));
}

#[test]
fn death() {
    let mut app = app();
    ch(&mut app, '7');
    snap!("38_reception_death", app);
    typed(&mut app, "20260403");
    typed(&mut app, "まどぐち市本町２丁目２番２号");
    enter(&mut app);
    ch(&mut app, 'a');
    typed(&mut app, "山本　茂");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "19480302");
    ch(&mut app, '1');
    enter(&mut app);
    ch(&mut app, 'a');
    typed(&mut app, "山本　和子");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "19500719");
    ch(&mut app, '2');
    ch(&mut app, '2');
    enter(&mut app);
    app.state.msg = None;
    snap!("39_household_death", app);
    enter(&mut app);
    app.state.msg = None;
    snap!("3a_checklist_death_past_tense", app);
    f(&mut app, 1);
    snap!("3b_reception_death_with_members", app);
}

#[test]
fn dates() {
    let mut app = app();
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "20260420");
    app.state.msg = None;
    snap!("05_reception_future_move_in", app);
}

#[test]
fn procedures_and_print() {
    let mut app = family();
    f(&mut app, 4);
    snap!("40_procedures", app);
    ch(&mut app, 'x');
    snap!("41_excluded", app);
    ch(&mut app, 'x');
    key(&mut app, KeyCode::Down);
    ch(&mut app, 'h');
    snap!("42_set_aside", app);
    ch(&mut app, '1');
    enter(&mut app);
    f(&mut app, 5);
    snap!("50_print", app);
    app.services.fail_next_print =
        Some("プリンタ madoguchi-pdf に接続できません (オフライン)".into());
    enter(&mut app);
    snap!("51_print_failed", app);
    ch(&mut app, 'r');
    snap!("52_printed", app);
    enter(&mut app);
    snap!("60_done", app);
}

#[test]
fn qr_and_resume() {
    let mut app = family();
    let mut i = intake("move-in-family");
    i.event.new_address = Some("まどぐち市別町１番".into());
    let parts = FakeServices::encode_parts(&i, 2);
    scanned(&mut app, &parts[0]);
    snap!("70_qr_progress", app);
    scanned(&mut app, &parts[1]);
    snap!("71_qr_merge", app);

    let mut services = FakeServices::default();
    let code = services.open_case().unwrap();
    services
        .save_intake(&code, &intake("move-in-family"))
        .unwrap();
    let mut app = madoguchi::tui::app::App::new(state(Role::Clerk, false), services);
    app.start();
    snap!("72_resume", app);
    ch(&mut app, 'd');
    snap!("73_resume_discard", app);
    let mut app = family();
    f(&mut app, 10);
    snap!("74_confirm_quit", app);
}

#[test]
fn compact() {
    let mut app = family();
    for (n, name) in [
        (1, "92_compact_reception"),
        (2, "93_compact_household"),
        (4, "94_compact_procedures"),
        (5, "95_compact_print"),
    ] {
        f(&mut app, n);
        app.state.msg = None;
        insta::assert_snapshot!(name, render_at(&app, 80, 24));
    }
}

#[test]
fn supervisor_help_and_small() {
    let mut app = app_with(Role::Supervisor, false);
    f(&mut app, 7);
    key(&mut app, KeyCode::Down);
    ch(&mut app, 't');
    snap!("80_supervisor", app);
    let mut app = family();
    f(&mut app, 11);
    snap!("90_help", app);
    insta::assert_snapshot!("91_too_small", render_at(&app, 79, 23));
    let mut app = app_with(Role::Supervisor, false);
    f(&mut app, 7);
    ch(&mut app, 'c');
    f(&mut app, 12);
    snap!("81_supervisor_english", app);
}
