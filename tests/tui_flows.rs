//! The counter's flows, driven key by key through the whole app on the fake services.

mod tui_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use madoguchi::intake::{Applicant, EventKind, FactValue};
use madoguchi::tui::action::Action;
use madoguchi::tui::app::App;
use madoguchi::tui::checklist::{self, Cell, RowKind};
use madoguchi::tui::services::{FakeServices, Step, Tries};
use madoguchi::tui::state::{Overlay, PrintStatus, Screen};
use tui_support::*;

/// Counts the clerk's keys of a flow (the resident's PIN and answers are not counted; a typed
/// name or address counts as one).
struct Counter(usize);
impl Counter {
    fn key(&mut self, app: &mut App<FakeServices>, code: KeyCode) {
        self.0 += 1;
        key(app, code);
    }
    fn ch(&mut self, app: &mut App<FakeServices>, c: char) {
        self.key(app, KeyCode::Char(c));
    }
    fn typed(&mut self, app: &mut App<FakeServices>, s: &str) {
        self.0 += 1;
        typed(app, s);
    }
}

/// The key that answers a question "no" on its row (Bool 2, Count 0, Codes 0, a code fact
/// the digit of its "none").
fn no_key(row: &checklist::Row) -> char {
    match &row.kind {
        RowKind::Bool => '2',
        RowKind::Code(o) => {
            let i = o
                .iter()
                .position(|x| x.0 == "none")
                .unwrap_or_else(|| panic!("{} has no \"no\"", row.fact));
            char::from_digit(i as u32 + 1, 10).unwrap()
        }
        _ => '0',
    }
}

/// Answers every checklist screen as a clerk would: the key of each answer that is not "no",
/// the "no" key to pass a cell when a later one needs a key, and Enter for the rest.
/// `want(member, fact)` gives the key of an answer, `None` for "no". Keys on a screen turned
/// to the resident are theirs, not the clerk's.
fn answer_screens(
    app: &mut App<FakeServices>,
    n: &mut Counter,
    want: impl Fn(Option<&str>, &str) -> Option<char>,
) -> Vec<String> {
    let mut screens: Vec<String> = vec![];
    let mut guard = 0;
    while app.state.screen == Screen::Confirm {
        guard += 1;
        assert!(guard < 200, "the questions never end: {screens:?}");
        let list = checklist::build(&app.state).expect("a checklist while on 3 確認");
        if screens.last() != Some(&list.screen.key) {
            screens.push(list.screen.key.clone());
        }
        let resident = list.screen.resident;
        let mut press = |app: &mut App<FakeServices>, k: KeyCode| {
            if resident {
                key(app, k)
            } else {
                n.key(app, k)
            }
        };
        let open: Vec<(usize, usize)> = (0..list.rows.len())
            .flat_map(|r| (0..list.cols.len()).map(move |c| (r, c)))
            .filter(|&(r, c)| list.cell(r, c).is_open())
            .collect();
        let wants =
            |&(r, c): &(usize, usize)| want(list.cols[c].member.as_deref(), &list.rows[r].fact);
        if open.iter().all(|x| wants(x).is_none()) {
            press(app, KeyCode::Enter);
            continue;
        }
        let (r, c) = list.focus.expect("an open cell has the focus");
        if std::env::var("FLOW_TRACE").is_ok() {
            eprintln!(
                "{} {:?} {:?}",
                list.screen.key,
                list.key(r, c),
                wants(&(r, c))
            );
        }
        match wants(&(r, c)) {
            Some(k) => press(app, KeyCode::Char(k)),
            None => press(app, KeyCode::Char(no_key(&list.rows[r]))),
        }
    }
    screens
}

#[test]
fn one_person_move_in_with_a_card_takes_at_most_10_keys() {
    let mut app = app();
    let mut n = Counter(0);
    assert_eq!(app.state.screen, Screen::Reception);
    assert!(app.state.case.code.is_some(), "a case is opened at start");
    insert_card(&mut app);
    assert!(matches!(app.state.overlay, Some(Overlay::Pin(_))));
    // The resident types the PIN (not counted).
    typed(&mut app, "1234");
    enter(&mut app);
    n.key(&mut app, KeyCode::Enter); // the card face matches
    let m = &app.state.case.intake.household.members[0];
    assert_eq!(m.name, "窓口　太郎");
    assert!(app.state.case.card_read.contains(&m.id.clone()));
    // The focus waits on the new address; the address text is one entry.
    assert_eq!(
        app.state.case.reception.focused().unwrap().key,
        "new_address"
    );
    n.typed(&mut app, "まどぐち市本町１丁目１番１号");
    n.key(&mut app, KeyCode::Enter); // to 世帯
    assert_eq!(app.state.screen, Screen::Household);
    n.key(&mut app, KeyCode::Enter); // to 確認
    assert_eq!(app.state.screen, Screen::Confirm);
    let screens = answer_screens(&mut app, &mut n, |_, fact| match fact {
        "health_insurance" => Some('1'), // 国保
        "mynumber_card" => panic!("the card read answered it"),
        _ => None,
    });
    assert!(screens.len() <= 5, "{screens:?}");
    assert_eq!(app.state.screen, Screen::Procedures, "all answered goes on");
    assert_applies(&app, &["resident.move_in", "nhi.enroll"]);
    print_and_finish(&mut app, &mut n);
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
    assert_keys_within(&n, 10, "1-person move-in with a card", &screens);
}

/// The ids of the procedures the case applies now.
fn applied(app: &App<FakeServices>) -> Vec<String> {
    let procedures = &app.state.case.det.procedures;
    procedures.iter().map(|p| p.id.clone()).collect()
}

/// Every one of `ids` applies to the case.
fn assert_applies(app: &App<FakeServices>, ids: &[&str]) {
    let applied = applied(app);
    for id in ids {
        assert!(applied.iter().any(|a| a == id), "{id} in {applied:?}");
    }
}

/// `id` does not apply to the case, for the reason `why`.
fn assert_not_applied(app: &App<FakeServices>, id: &str, why: &str) {
    let applied = applied(app);
    assert!(
        !applied.iter().any(|a| a == id),
        "{why}: {id} in {applied:?}"
    );
}

/// The flow took at most `max` clerk keys (printed, for docs/keystrokes.md's table).
fn assert_keys_within(n: &Counter, max: usize, flow: &str, screens: &dyn std::fmt::Debug) {
    eprintln!("{flow}: {} clerk keys, screens {screens:?}", n.0);
    assert!(n.0 <= max, "{flow}: {} clerk keys, at most {max}", n.0);
}

/// From 4 手続一覧: on to 5 印刷 (the bundle rendered), print, 完了 — three clerk keys.
fn print_and_finish(app: &mut App<FakeServices>, n: &mut Counter) {
    n.key(app, KeyCode::Enter); // to 印刷
    assert_eq!(app.state.screen, Screen::Print);
    assert!(app.state.case.bundle.is_some());
    n.key(app, KeyCode::Enter); // print
    assert_eq!(app.state.case.print_status, PrintStatus::Printed);
    n.key(app, KeyCode::Enter); // 完了
    assert_eq!(app.state.screen, Screen::Done);
}

/// Adds a member by hand: A, the name, Tab, the birth date (8 digits go on by themselves), the
/// sex's digit, the 続柄's digit (none for the first: 世帯主), Enter.
fn add_member(
    app: &mut App<FakeServices>,
    n: &mut Counter,
    name: &str,
    born: &str,
    sex: char,
    rel: Option<char>,
) {
    n.ch(app, 'a');
    n.typed(app, name);
    n.key(app, KeyCode::Tab);
    n.typed(app, born);
    n.ch(app, sex);
    if let Some(r) = rel {
        n.ch(app, r);
    }
    n.key(app, KeyCode::Enter);
    assert!(app.state.overlay.is_none(), "{:?}", app.state.msg);
}

#[test]
fn a_family_of_four_typed_by_hand_takes_at_most_60_keys() {
    let mut app = app();
    let mut n = Counter(0);
    // 受付: a 転入 (the default); the dates and addresses.
    n.key(&mut app, KeyCode::Tab);
    n.typed(&mut app, "20260401"); // 転入した日; on to 従前の住所
    assert_eq!(
        app.state.case.reception.focused().unwrap().key,
        "previous_address"
    );
    n.typed(&mut app, "北海道北見市北五条東２丁目１番地");
    n.key(&mut app, KeyCode::Tab);
    n.typed(&mut app, "まどぐち市本町３丁目５番８号");
    n.key(&mut app, KeyCode::Tab);
    n.typed(&mut app, "20260331"); // 転出予定日
    n.key(&mut app, KeyCode::Enter);
    assert_eq!(app.state.screen, Screen::Household);
    let i = &app.state.case.intake;
    assert_eq!(i.event.date.to_string(), "2026-04-01");
    assert_eq!(
        i.event
            .planned_move_out_date
            .map(|d| d.to_string())
            .as_deref(),
        Some("2026-03-31")
    );
    add_member(&mut app, &mut n, "佐藤　健一", "19840610", '1', None);
    add_member(&mut app, &mut n, "佐藤　美咲", "19860903", '2', Some('2'));
    add_member(&mut app, &mut n, "佐藤　陽斗", "20160521", '1', Some('3'));
    add_member(&mut app, &mut n, "佐藤　結衣", "20220115", '2', Some('3'));
    let names: Vec<&str> = app
        .state
        .case
        .intake
        .household
        .members
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(
        names,
        ["佐藤　健一", "佐藤　美咲", "佐藤　陽斗", "佐藤　結衣"]
    );
    assert_eq!(app.state.case.intake.household.head.as_deref(), Some("m1"));
    n.key(&mut app, KeyCode::Enter); // to 確認
    let screens = answer_screens(&mut app, &mut n, |m, fact| match (m, fact) {
        (Some("m1"), "health_insurance") => Some('3'), // 会社の保険 (本人)
        (_, "health_insurance") => Some('4'),          // 扶養
        (Some("m3"), "public_school") => Some('1'),
        (Some("m4"), "childcare") => Some('1'), // 保育所
        (Some("m1"), "child_allowance_recipient") => Some('1'),
        (Some("m1" | "m2" | "m3"), "mynumber_card") => Some('1'),
        (None, "dogs") => Some('1'),
        (_, "pension") => Some('2'),
        // The parents hold licence cards (2:免許証); the father owns the car.
        (Some("m1" | "m2"), "drivers_license") => Some('2'),
        (Some("m1"), "vehicle_owner") => Some('1'),
        _ => None,
    });
    assert!(screens.len() <= 6, "{screens:?}");
    assert_applies(
        &app,
        &[
            "resident.move_in",
            "child_allowance.claim",
            "school.transfer_in",
            "dog.registration_change",
            "mynumber.card_update",
            "external.drivers_license",
            "external.vehicle",
        ],
    );
    assert_not_applied(&app, "nhi.enroll", "employee insurance");
    print_and_finish(&mut app, &mut n);
    assert_keys_within(&n, 60, "family of four typed by hand", &screens);
}

#[test]
fn a_death_typed_by_hand_takes_at_most_30_keys() {
    let mut app = app();
    let mut n = Counter(0);
    n.ch(&mut app, '7'); // 死亡; on to 死亡日
    assert_eq!(app.state.case.intake.event.kind, EventKind::Death);
    let r = &app.state.case.reception;
    assert_eq!(r.focused().unwrap().key, "date");
    assert_eq!(r.focused().unwrap().label.0, "死亡日", "not 異動日");
    assert!(
        r.get("previous_address").is_none() && r.get("new_address").is_none(),
        "no addresses to move"
    );
    n.typed(&mut app, "20260403"); // 死亡日; on to 住所
    n.typed(&mut app, "まどぐち市本町２丁目２番２号");
    n.key(&mut app, KeyCode::Enter);
    add_member(&mut app, &mut n, "山本　茂", "19480302", '1', None);
    let i = &app.state.case.intake;
    assert_eq!(
        i.event.deceased.as_deref(),
        Some("m1"),
        "the first entered is the deceased"
    );
    assert!(i.event.applicant.is_none(), "the deceased never reports");
    add_member(&mut app, &mut n, "山本　和子", "19500719", '2', Some('2'));
    assert_eq!(
        app.state.case.intake.event.applicant,
        Some(Applicant::Member("m2".into())),
        "the survivor reports"
    );
    n.key(&mut app, KeyCode::Enter); // to 確認
                                     // Questions about the deceased are in the past tense.
    let list = checklist::build(&app.state).unwrap();
    let (r, c) = list.focus.unwrap();
    if let Cell::Open(q) = list.cell(r, c) {
        if q.member.as_deref() == Some("m1") {
            assert!(
                q.text.contains("でしたか") || q.text.contains("ましたか"),
                "{}",
                q.text
            );
        }
    }
    let screens = answer_screens(&mut app, &mut n, |m, fact| match (m, fact) {
        (Some("m1"), "pension_recipient") => Some('1'),
        (Some("m1"), "seal_registered") => Some('1'),
        (Some("m1"), "owns_real_estate") => Some('1'),
        (Some("m1"), "owns_real_estate_in_city") => Some('1'),
        (Some("m1"), "water_contract_holder") => Some('1'),
        (None, "death_notice_filed") => Some('1'),
        (_, "pension") => Some('4'), // 加入なし
        (_, "health_insurance") => Some('2'),
        _ => None,
    });
    assert!(screens.len() <= 8, "{screens:?}");
    assert_applies(
        &app,
        &[
            "late_elderly.withdraw",
            "late_elderly.funeral_expenses",
            "pension.unpaid_benefit",
            "seal.abolished",
            "tax.heir_representative",
            "water.name_change",
        ],
    );
    assert_not_applied(&app, "koseki.death_notice", "already filed");
    print_and_finish(&mut app, &mut n);
    assert_keys_within(&n, 30, "death typed by hand", &screens);
}

/// A household loaded as the store would give it back.
fn loaded(name: &str) -> App<FakeServices> {
    let mut app = app();
    app.dispatch(Action::CaseLoaded(
        "TESTCASE".into(),
        Box::new(intake(name)),
    ));
    app
}

/// A family of four whose every fact is known (a scenario of the shipped set), but the ones
/// `forget` names.
fn known_family(forget: &[(&str, &str)]) -> App<FakeServices> {
    let text = std::fs::read_to_string(format!(
        "{}/procedures/tests/mi-03-family-of-four.intake.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut app = app();
    // The set's own vocabulary: the scenario uses its facts (Edition 2).
    let mut i = madoguchi::intake::parse_intake(&text, &app.state.set.vocabulary).unwrap();
    for (m, fact) in forget {
        i.member_mut(m).unwrap().facts.set(fact, None).unwrap();
    }
    app.dispatch(Action::CaseLoaded("TESTCASE".into(), Box::new(i)));
    app
}

/// Enter (the rest "no") on every screen before `key`.
fn until_screen(app: &mut App<FakeServices>, screen: &str) {
    f(app, 3);
    for _ in 0..10 {
        let list = checklist::build(&app.state).expect("that screen comes");
        if list.screen.key == screen {
            return;
        }
        enter(app);
    }
    panic!("no screen {screen}");
}

#[test]
fn a_checklist_asks_every_member_at_once_and_enter_takes_the_rest_as_no() {
    let mut app = loaded("move-in-family");
    // Forget what the fixture knows about cards and seals: the belongings screen asks it.
    for m in app.state.case.intake.household.members.iter_mut() {
        m.facts.mynumber_card = None;
        m.facts.seal_registered = None;
    }
    app.state.case.intake.household.facts.dogs = None;
    app.state.redetermine();
    until_screen(&mut app, "belongings");
    let list = checklist::build(&app.state).unwrap();
    let members: Vec<&str> = list
        .cols
        .iter()
        .filter_map(|c| c.member.as_deref())
        .collect();
    assert_eq!(members.len(), 4, "every member is a column: {members:?}");
    // One key answers the focused cell (m1's card) and moves on to m2's.
    ch(&mut app, '1');
    let m1 = app.state.case.intake.member("m1").unwrap();
    assert_eq!(m1.facts.mynumber_card, Some(true));
    let list = checklist::build(&app.state).unwrap();
    let (r, c) = list.focus.unwrap();
    assert_eq!(list.key(r, c), (Some("m2".into()), "mynumber_card".into()));
    // A dog: the count is one key.
    let dogs_row = list.rows.iter().position(|r| r.fact == "dogs").unwrap();
    assert_eq!(list.rows[dogs_row].kind, RowKind::Count);
    // Enter: the rest is "no" (and no dogs), and on to the next screen (or the list).
    enter(&mut app);
    let i = &app.state.case.intake;
    assert_eq!(i.member("m2").unwrap().facts.mynumber_card, Some(false));
    assert_eq!(i.household.facts.dogs, Some(0));
    assert!(app
        .state
        .case
        .ask_visited
        .contains(&"belongings".to_string()));
    // U takes the last answer back and its screen returns.
    f(&mut app, 3);
    ch(&mut app, 'u');
    assert_eq!(app.state.screen, Screen::Confirm);
    assert!(app.state.case.ask_screen.as_deref() == Some("belongings"));
}

#[test]
fn a_follow_up_appears_on_the_same_screen() {
    // ltc for a 40-year-old is asked only from 40: a 39-year-old is never asked.
    let app = loaded("move-in-family");
    let ages: Vec<i64> = app
        .state
        .case
        .intake
        .household
        .members
        .iter()
        .map(|m| madoguchi::calendar::age(m.birth_date, app.state.case.intake.event.date))
        .collect();
    for (m, age) in app
        .state
        .case
        .intake
        .household
        .members
        .clone()
        .iter()
        .zip(&ages)
    {
        let asked = app
            .state
            .case
            .det
            .questions()
            .iter()
            .any(|q| q.member.as_deref() == Some(&m.id) && q.fact == "ltc_certified");
        if *age < 40 {
            assert!(!asked, "{} ({age}) is never asked about care", m.name);
        }
    }
    // The dog owner is asked only once there is a dog: answered on the same screen.
    let mut app = loaded("move-in-family");
    app.state.case.intake.household.facts.dogs = None;
    app.state.redetermine();
    until_screen(&mut app, "belongings");
    let list = checklist::build(&app.state).unwrap();
    let r = list.rows.iter().position(|r| r.fact == "dogs").unwrap();
    let c = list.cols.iter().position(|c| c.member.is_none()).unwrap();
    app.state.case.ask_focus = Some(list.key(r, c));
    ch(&mut app, '2');
    assert_eq!(app.state.case.intake.household.facts.dogs, Some(2));
}

#[test]
fn sensitive_options_never_reach_a_screen_the_clerk_reads() {
    let mut app = loaded("move-in-family");
    app.state.case.intake.household.members[0]
        .facts
        .health_insurance = None;
    app.state.case.intake.household.facts.public_assistance = None;
    app.state.redetermine();
    f(&mut app, 3);
    let list = checklist::build(&app.state).unwrap();
    assert_eq!(list.screen.key, "insurance");
    assert!(!list.screen.resident);
    let row = list
        .rows
        .iter()
        .find(|r| r.fact == "health_insurance")
        .unwrap();
    let options: Vec<String> = row.kind.options().into_iter().map(|o| o.1).collect();
    assert!(
        !options.iter().any(|o| o.contains("生活保護")),
        "{options:?}"
    );
    let screen = render(&app);
    assert!(!screen.contains("生活保護"), "{screen}");
    // The household's public assistance is asked on the resident's own screen: no clerk
    // keys in its footer, and a true progress.
    ch(&mut app, '1');
    enter(&mut app);
    let list = checklist::build(&app.state).unwrap();
    assert_eq!(list.screen.key, "benefits");
    assert!(list.screen.resident);
    let screen = render(&app);
    assert!(screen.contains("画面でお答えください"), "{screen}");
    let (k, total) = list.progress;
    assert!(screen.contains(&format!("{k} / {total}")), "{screen}");
    let footer: String = screen.lines().rev().take(2).collect::<Vec<_>>().join("\n");
    for clerk_key in ["F10", "F12", "BS", "U 元に戻す"] {
        assert!(!footer.contains(clerk_key), "{clerk_key} in {footer}");
    }
    assert!(!screen.contains("F1 受付"), "the clerk's tabs are hidden");
}

#[test]
fn the_progress_counts_the_screens_really_asked() {
    let mut app = app();
    insert_card(&mut app);
    typed(&mut app, "1234");
    enter(&mut app);
    enter(&mut app);
    f(&mut app, 3);
    let first = checklist::build(&app.state).unwrap().progress;
    assert_eq!(first.0, 1);
    let mut seen = vec![first];
    while app.state.screen == Screen::Confirm {
        let list = checklist::build(&app.state).unwrap();
        if list.rows.iter().any(|r| r.fact == "health_insurance") {
            let (r, c) = list.focus.unwrap();
            if list.rows[r].fact == "health_insurance" && list.cell(r, c).is_open() {
                ch(&mut app, '1');
                continue;
            }
        }
        enter(&mut app);
        if let Some(l) = checklist::build(&app.state) {
            seen.push(l.progress);
        }
    }
    let last = seen.last().unwrap();
    assert_eq!(last.0, last.1, "the last screen is n / n: {seen:?}");
    assert_eq!(app.state.case.ask_visited.len(), last.1, "{seen:?}");
}

#[test]
fn skip_and_clear_on_a_checklist() {
    let mut app = known_family(&[("m2", "health_insurance")]);
    f(&mut app, 3);
    ch(&mut app, 's');
    assert!(app
        .state
        .case
        .skipped
        .contains(&(Some("m2".into()), "health_insurance".into())));
    assert!(
        app.state
            .case
            .det
            .pending
            .iter()
            .any(|p| p.id == "nhi.enroll"),
        "a skipped question stays pending"
    );
    // Enter with only a skipped code question: on to the list.
    enter(&mut app);
    assert_eq!(app.state.screen, Screen::Procedures);
    // Back: R asks the skipped again, a digit answers, BS clears it.
    f(&mut app, 3);
    ch(&mut app, 'r');
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
}

#[test]
fn a_death_on_the_reception_screen() {
    let mut app = loaded("move-in-family");
    f(&mut app, 1);
    let form = &app.state.case.reception;
    assert_eq!(form.get("date").unwrap().label.0, "転入した日");
    // Change the event to a death: the form says 死亡日 and offers the members.
    app.state.case.reception.focus = 0;
    ch(&mut app, '7');
    let form = &app.state.case.reception;
    assert_eq!(form.get("date").unwrap().label.0, "死亡日");
    assert!(form.get("new_address").is_none());
    let deceased = form
        .get("deceased")
        .expect("亡くなった方 on the reception screen");
    let madoguchi::tui::state::FieldKind::Choice(opts) = &deceased.kind else {
        panic!()
    };
    assert_eq!(opts.len(), 5, "未選択 and the four members: {opts:?}");
    // m1 reported the move; as the deceased m1 cannot stay 届出人.
    assert_eq!(
        app.state.case.intake.event.applicant,
        Some(Applicant::Member("m1".into()))
    );
    let k = form
        .fields
        .iter()
        .position(|f| f.key == "deceased")
        .unwrap();
    app.state.case.reception.focus = k;
    ch(&mut app, '1');
    let ev = &app.state.case.intake.event;
    assert_eq!(ev.deceased.as_deref(), Some("m1"));
    assert_ne!(ev.applicant, Some(Applicant::Member("m1".into())));
    // T on the deceased is refused.
    f(&mut app, 2);
    app.state.case.selected_member = 0;
    ch(&mut app, 't');
    assert_ne!(
        app.state.case.intake.event.applicant,
        Some(Applicant::Member("m1".into()))
    );
    assert!(app
        .state
        .msg
        .as_ref()
        .unwrap()
        .ja
        .contains("届出人になれません"));
}

#[test]
fn dates_say_what_they_are_and_a_future_move_in_is_flagged() {
    let mut app = app();
    key(&mut app, KeyCode::Tab);
    let f0 = app.state.case.reception.focused().unwrap();
    assert_eq!(f0.label.0, "転入した日");
    assert!(f0.hint.unwrap().0.contains("住み始めた日"));
    typed(&mut app, "20260420"); // after 届出日 (today, 2026-04-06)
    let d = app.state.case.reception.get("date").unwrap();
    assert!(d.warn.as_ref().unwrap().0.contains("届出日より後"), "{d:?}");
    assert!(render(&app).contains("届出日より後"));
    // A 転出 may be dated ahead: not flagged, and its deadlines count from that day.
    app.state.case.reception.focus = 0;
    ch(&mut app, '4');
    let d = app.state.case.reception.get("date").unwrap();
    assert_eq!(d.label.0, "転出する日");
    assert!(d.warn.is_none());
    let p = app
        .state
        .case
        .det
        .procedures
        .iter()
        .find(|p| p.id == "resident.move_out")
        .unwrap();
    assert_eq!(
        p.deadline.map(|d| d.to_string()).as_deref(),
        Some("2026-04-20"),
        "{}",
        p.deadline_text
    );
}

#[test]
fn names_and_lists_are_never_cut_silently() {
    let mut app = loaded("move-in-family");
    f(&mut app, 4);
    let screen = render(&app);
    // child_allowance.claim concerns the two children (household scope): names or 他N名.
    assert!(!screen.contains("…"));
    // 対象 of a procedure for many members says how many are left out.
    let p = app.state.case.det.procedures[0].clone();
    let names = madoguchi::tui::screens::procedures_member_names(
        &app.state,
        &["m1".into(), "m2".into(), "m3".into(), "m4".into()],
        10,
    );
    assert!(names.contains("他"), "{names}");
    let _ = p;
    // The excluded list scrolls and says where it is.
    ch(&mut app, 'x');
    let n = app.state.case.det.excluded.len();
    for _ in 0..n {
        key(&mut app, KeyCode::Down);
    }
    let screen = render(&app);
    assert!(
        screen.contains(&format!("/ {n})")),
        "a position indicator: {screen}"
    );
    // The option lists wrap: 8:同居人 is on screen at 80 columns.
    let mut app = app_at_member_form();
    for _ in 0..3 {
        key(&mut app, KeyCode::Tab);
    }
    assert_eq!(
        match &app.state.overlay {
            Some(Overlay::MemberEdit(m)) => m.form.focused().unwrap().key,
            _ => panic!(),
        },
        "relation"
    );
    assert!(render_at(&app, 80, 24).contains("8:同居人"));
    assert!(render(&app).contains("8:同居人"));
}

fn app_at_member_form() -> App<FakeServices> {
    let mut app = app();
    f(&mut app, 2);
    ch(&mut app, 'a');
    app
}

#[test]
fn eighty_by_twenty_four_is_a_usable_compact_layout() {
    let mut app = loaded("move-in-family");
    for screen in [1, 2, 3, 4, 5] {
        f(&mut app, screen);
        let text = render_at(&app, 80, 24);
        assert!(!text.contains("小さすぎます"), "{text}");
        assert!(text.contains("F1受付"), "compact tabs: {text}");
    }
    assert!(render_at(&app, 79, 24).contains("80 x 24"));
    assert!(render_at(&app, 80, 23).contains("80 x 24"));
}

#[test]
fn the_family_name_is_offered_not_inserted() {
    let mut app = loaded("move-in-family");
    f(&mut app, 2);
    ch(&mut app, 'a');
    let Some(Overlay::MemberEdit(m)) = &app.state.overlay else {
        panic!()
    };
    assert_eq!(m.form.fields[0].value, "", "nothing inserted");
    assert_eq!(m.form.fields[0].suggest.as_deref(), Some("山田\u{3000}"));
    assert!(render(&app).contains("(右キーで入力)"));
    // Typing the full name gives the full name.
    typed(&mut app, "山田　美咲");
    let Some(Overlay::MemberEdit(m)) = &app.state.overlay else {
        panic!()
    };
    assert_eq!(m.form.fields[0].value, "山田　美咲");
    // Or → takes the offer, then the given name.
    key(&mut app, KeyCode::Esc);
    ch(&mut app, 'a');
    key(&mut app, KeyCode::Right);
    typed(&mut app, "次郎");
    let Some(Overlay::MemberEdit(m)) = &app.state.overlay else {
        panic!()
    };
    assert_eq!(m.form.fields[0].value, "山田\u{3000}次郎");
}

#[test]
fn home_end_delete_and_clearing_a_field() {
    let mut app = app();
    key(&mut app, KeyCode::Tab); // 転入した日: today, put there before
    typed(&mut app, "2026-04-01");
    assert_eq!(
        app.state.case.reception.get("date").unwrap().value,
        "2026-04-01",
        "a value put there before is replaced by typing, not added to"
    );
    key(&mut app, KeyCode::Tab); // 従前の住所
    typed(&mut app, "北見市");
    key(&mut app, KeyCode::Home);
    key(&mut app, KeyCode::Delete);
    assert_eq!(
        app.state
            .case
            .reception
            .get("previous_address")
            .unwrap()
            .value,
        "見市"
    );
    key(&mut app, KeyCode::End);
    typed(&mut app, "北");
    assert_eq!(
        app.state
            .case
            .reception
            .get("previous_address")
            .unwrap()
            .value,
        "見市北"
    );
    app.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
    assert_eq!(
        app.state
            .case
            .reception
            .get("previous_address")
            .unwrap()
            .value,
        ""
    );
    assert_eq!(app.state.case.intake.event.previous_address, None);
}

#[test]
fn the_card_mark_is_only_for_a_card_read_here() {
    let mut app = loaded("move-in-family");
    // The fixture says m1 holds a card, but no card was read.
    assert_eq!(
        app.state
            .case
            .intake
            .member("m1")
            .unwrap()
            .facts
            .mynumber_card,
        Some(true)
    );
    f(&mut app, 2);
    let screen = render(&app);
    assert!(!screen.contains("[主][届][カ]"), "{screen}");
    assert!(app.state.case.card_read.is_empty());
}

#[test]
fn f10_with_an_open_case_asks_first() {
    let mut app = loaded("move-in-family");
    f(&mut app, 10);
    assert!(!app.state.quit);
    assert!(matches!(app.state.overlay, Some(Overlay::ConfirmQuit)));
    assert!(render(&app).contains("まだ完了していません"));
    ch(&mut app, 'n');
    assert!(!app.state.quit && app.state.overlay.is_none());
    f(&mut app, 10);
    ch(&mut app, 'y');
    assert!(app.state.quit);
    // Nothing open: F10 quits at once.
    let mut app = tui_support::app();
    f(&mut app, 10);
    assert!(app.state.quit);
}

#[test]
fn the_key_that_answers_questions_never_sets_aside() {
    let mut app = known_family(&[("m2", "health_insurance")]);
    f(&mut app, 3);
    ch(&mut app, '1'); // the last answer: on to the list by itself
    assert_eq!(app.state.screen, Screen::Procedures);
    ch(&mut app, 's'); // a second "わからない" by habit
    assert!(app.state.overlay.is_none(), "{:?}", app.state.overlay);
    assert!(app.state.case.set_aside.is_empty());
    ch(&mut app, 'h'); // 保留
    assert!(matches!(app.state.overlay, Some(Overlay::SetAside { .. })));
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
fn an_abandoned_case_is_discarded_from_the_start_screen() {
    let mut services = FakeServices::default();
    let code = madoguchi::tui::services::Services::open_case(&mut services).unwrap();
    madoguchi::tui::services::Services::save_intake(
        &mut services,
        &code,
        &intake("move-in-family"),
    )
    .unwrap();
    let mut app = App::new(state(madoguchi::config::Role::Clerk, false), services);
    app.start();
    assert!(matches!(app.state.overlay, Some(Overlay::Resume { .. })));
    ch(&mut app, 'd');
    assert!(render(&app).contains("を破棄しますか"));
    ch(&mut app, 'y');
    assert!(app.services.log.contains(&format!("discard {code}")));
    assert!(
        app.services.cases[&code].intake.is_none(),
        "personal data gone"
    );
    // Nothing else unfinished: a new case starts.
    assert!(app.state.overlay.is_none());
    assert!(app.state.case.code.is_some());
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
    let mut app = App::new(state(madoguchi::config::Role::Clerk, false), services);
    app.start();
    assert!(matches!(app.state.overlay, Some(Overlay::Resume { .. })));
    enter(&mut app);
    assert_eq!(app.state.case.code.as_deref(), Some(code.as_str()));
    assert_eq!(app.state.case.intake.household.members.len(), 4);
}

#[test]
fn printers_are_read_when_printing_and_errors_say_what_to_do() {
    let mut app = loaded("move-in-family");
    // A printer added after start is used: the list is read when printing.
    app.services.printers = vec!["counter-2".into()];
    f(&mut app, 5);
    let screen = render(&app);
    assert!(
        screen.contains("/tmp/madoguchi-fake/TESTCASE.pdf"),
        "{screen}"
    );
    app.services.fail_next_print = Some("プリンタ「counter-2」は止まっています。R で再試行".into());
    enter(&mut app);
    assert!(app.services.log.contains(&"lp counter-2".to_string()));
    assert_eq!(app.state.case.print_status, PrintStatus::Failed);
    assert!(render(&app).contains("止まっています"));
    // Another printer: the list is read again and the next one chosen.
    app.services.printers = vec!["counter-2".into(), "counter-3".into()];
    ch(&mut app, 'o');
    assert_eq!(app.state.printer(), Some("counter-3"));
    ch(&mut app, 'r');
    assert_eq!(app.state.case.print_status, PrintStatus::Printed);
    assert!(app.services.log.contains(&"lp counter-3".to_string()));
    // No printer at all: said, and the PDF stays where the screen says.
    let mut app = loaded("move-in-family");
    app.services.printers = vec![];
    f(&mut app, 5);
    enter(&mut app);
    assert_eq!(app.state.case.print_status, PrintStatus::Failed);
    assert!(render(&app).contains("プリンタが1台も見つかりません"));
}

#[test]
fn help_lists_every_key_of_the_screen() {
    let mut app = app();
    key(&mut app, KeyCode::Tab);
    f(&mut app, 11);
    let screen = render(&app);
    for k in [
        "Home", "End", "Del", "C-U", "Tab", "S-Tab", "F1", "F6", "F10", "F12",
    ] {
        assert!(screen.contains(k), "{k} in the help: {screen}");
    }
    key(&mut app, KeyCode::Esc);
    assert!(!app.state.help);
    // Every binding of every main screen has a text in the help.
    let mut app = loaded("move-in-family");
    for s in [1, 2, 3, 4, 5] {
        f(&mut app, s);
        for (k, label) in madoguchi::tui::keymap::help_entries(&app.state) {
            assert!(!label.0.is_empty(), "{k} has a text");
        }
        let bound: Vec<String> = madoguchi::tui::keymap::bindings_without_help(&app.state)
            .iter()
            .map(|b| b.key_text.clone().unwrap_or_else(|| b.key.label()))
            .collect();
        let listed: Vec<String> = madoguchi::tui::keymap::help_entries(&app.state)
            .into_iter()
            .map(|e| e.0)
            .collect();
        for k in bound {
            let digit = k.len() == 1 && k.chars().all(|c| c.is_ascii_digit());
            assert!(
                digit || listed.contains(&k),
                "{k} missing from the help on F{s}"
            );
        }
    }
}

#[test]
fn supervisor_results_in_the_current_language_and_visible() {
    let mut app = app();
    f(&mut app, 7);
    assert_ne!(app.state.screen, Screen::Supervisor, "clerks cannot");
    let mut app = app_with(madoguchi::config::Role::Supervisor, false);
    f(&mut app, 7);
    assert_eq!(app.state.screen, Screen::Supervisor);
    ch(&mut app, 't');
    assert_eq!(app.state.supervisor.output_ok, Some(true));
    let screen = render(&app);
    assert!(
        screen.contains("テスト:") && screen.contains("件合格"),
        "{screen}"
    );
    f(&mut app, 12);
    let screen = render(&app);
    assert!(
        screen.contains("Test:") && screen.contains("passed"),
        "{screen}"
    );
    // A bad set never replaces the good one, and its problems are readable at 100 x 30.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("municipality.toml"), "[set]\nname = 1\n").unwrap();
    let digest = app.state.set.digest.clone();
    ch(&mut app, 'r');
    for _ in 0..40 {
        key(&mut app, KeyCode::Backspace);
    }
    app.paste(&dir.path().display().to_string());
    enter(&mut app);
    assert_eq!(app.state.supervisor.output_ok, Some(false));
    assert_eq!(app.state.set.digest, digest, "the good set stays");
    let screen = render(&app);
    assert!(screen.contains("municipality.toml:"), "{screen}");
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
    ch(&mut app, 'm');
    assert!(matches!(app.state.overlay, Some(Overlay::MemberEdit(_))));
    assert_eq!(app.state.screen, Screen::Household);
    typed(&mut app, "山田　一郎");
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "1990-01-02");
    enter(&mut app);
    assert_eq!(app.state.case.intake.household.members.len(), 1);
    assert_eq!(
        app.state.case.intake.household.members[0].name,
        "山田　一郎"
    );
    assert!(app.state.case.card_read.is_empty(), "typed, not read");
}

#[test]
fn keyboard_scanner_parts_fill_the_case_on_any_screen() {
    let mut app = app();
    let parts = FakeServices::encode_parts(&intake("move-in-family"), 3);
    // Ordinary typing into the address field is not taken for a scan.
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Tab);
    typed(&mut app, "MDG");
    assert_eq!(app.state.case.reception.focused().unwrap().value, "MDG");
    app.key(KeyEvent::new(KeyCode::Char('u'), KeyModifiers::CONTROL));
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
    app.dispatch(Action::CaseLoaded("TESTCASE".into(), Box::new(i.clone())));
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
    assert_eq!(app.state.case.intake.household.members.len(), 4);
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
    insert_card(&mut app);
    typed(&mut app, "1234");
    enter(&mut app);
    enter(&mut app);
    assert_eq!(app.state.case.intake.household.members.len(), 4);
    assert_eq!(
        app.state.case.intake.household.members[0].name,
        "窓口　太郎"
    );
    assert_eq!(app.state.case.card_read, vec!["m1".to_string()]);
}

#[test]
fn language_toggle() {
    let mut app = app();
    f(&mut app, 12);
    assert!(render(&app).contains("Event"));
}

// The behaviours of the one-question screen's tests, on the checklists.

#[test]
fn every_answer_reruns_determine_and_undo_restores() {
    let mut app = known_family(&[("m2", "health_insurance")]);
    let m2_enrols = |app: &App<FakeServices>| {
        app.state
            .case
            .det
            .procedures
            .iter()
            .any(|p| p.id == "nhi.enroll" && p.members.contains(&"m2".to_string()))
    };
    assert!(!m2_enrols(&app));
    f(&mut app, 3);
    let list = checklist::build(&app.state).unwrap();
    let (r, c) = list.focus.unwrap();
    assert_eq!(
        list.key(r, c),
        (Some("m2".into()), "health_insurance".into())
    );
    // One key: the answer is in the case and the procedures follow at once.
    ch(&mut app, '1');
    let hi = |app: &App<FakeServices>| {
        app.state
            .case
            .intake
            .member("m2")
            .unwrap()
            .facts
            .get("health_insurance")
    };
    assert_eq!(hi(&app), Some(FactValue::Code("nhi".into())));
    assert!(m2_enrols(&app), "{:?}", app.state.case.det.procedures);
    assert!(app.state.case.det.pending.is_empty());
    // U: the answer is taken back, the determination with it, and the question is open again.
    f(&mut app, 3);
    ch(&mut app, 'u');
    assert_eq!(hi(&app), None);
    assert!(!m2_enrols(&app));
    assert!(app
        .state
        .case
        .det
        .pending
        .iter()
        .any(|p| p.id == "nhi.enroll"));
    assert_eq!(app.state.screen, Screen::Confirm);
    let list = checklist::build(&app.state).unwrap();
    let (r, c) = list.focus.unwrap();
    assert!(list.cell(r, c).is_open());
    // S: not known; it stays pending and the checklist has nothing left to ask.
    ch(&mut app, 's');
    assert_eq!(hi(&app), None);
    enter(&mut app);
    assert_eq!(app.state.screen, Screen::Procedures);
}

#[test]
fn set_aside_is_recorded_and_not_printed() {
    let mut app = loaded("move-in-family");
    f(&mut app, 4);
    key(&mut app, KeyCode::Down);
    ch(&mut app, 'h');
    assert!(matches!(app.state.overlay, Some(Overlay::SetAside { .. })));
    ch(&mut app, '1'); // ご本人の希望で後日手続
    enter(&mut app);
    assert_eq!(app.state.case.set_aside.len(), 1);
    let aside = app.state.case.set_aside[0].0.clone();
    assert!(
        app.services
            .log
            .iter()
            .any(|l| l.starts_with("set_aside") && l.contains(&aside)),
        "{:?}",
        app.services.log
    );
    f(&mut app, 5);
    let b = app.state.case.bundle.as_ref().unwrap();
    assert!(!b.items.is_empty());
    assert!(!b
        .items
        .iter()
        .any(|i| i.procedure.as_deref() == Some(aside.as_str())));
    // H again takes it back: printed again.
    f(&mut app, 4);
    let at = app
        .state
        .case
        .det
        .procedures
        .iter()
        .position(|p| p.id == aside)
        .unwrap();
    while app.state.case.proc_selected != at {
        key(&mut app, KeyCode::Down);
    }
    ch(&mut app, 'h');
    assert!(app.state.case.set_aside.is_empty());
    assert!(
        app.services
            .log
            .contains(&format!("mark TESTCASE {aside} Pending")),
        "pending again in the store: {:?}",
        app.services.log
    );
}

#[test]
fn print_failure_offers_retry() {
    let mut app = loaded("move-in-family");
    app.services.fail_next_print = Some("プリンタがオフラインです".into());
    f(&mut app, 5);
    enter(&mut app);
    assert_eq!(app.state.case.print_status, PrintStatus::Failed);
    let screen = render(&app);
    assert!(screen.contains("プリンタがオフラインです"), "{screen}");
    assert!(screen.contains("R"), "the retry key is offered: {screen}");
    ch(&mut app, 'r');
    assert_eq!(app.state.case.print_status, PrintStatus::Printed);
}

#[test]
fn supervisor_only_and_a_bad_set_never_replaces_the_good_one() {
    let mut app = app();
    f(&mut app, 7);
    assert_ne!(app.state.screen, Screen::Supervisor, "clerks cannot");
    let mut app = app_with(madoguchi::config::Role::Supervisor, false);
    f(&mut app, 7);
    assert_eq!(app.state.screen, Screen::Supervisor);
    // C: the shipped set passes its check.
    ch(&mut app, 'c');
    assert_eq!(
        app.state.supervisor.output_ok,
        Some(true),
        "{:?}",
        app.state.supervisor.output
    );
    // R with a broken set: refused, and the good one stays in use.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("municipality.toml"), "[set]\nname = 1\n").unwrap();
    let digest = app.state.set.digest.clone();
    ch(&mut app, 'r');
    let Some(Overlay::ReloadPath(_)) = &app.state.overlay else {
        panic!("R asks for the folder: {:?}", app.state.overlay)
    };
    for _ in 0..40 {
        key(&mut app, KeyCode::Backspace);
    }
    app.paste(&dir.path().display().to_string());
    enter(&mut app);
    assert_eq!(app.state.supervisor.output_ok, Some(false));
    assert_eq!(app.state.set.digest, digest, "the good set stays");
}

#[test]
fn too_small_terminal_says_so() {
    let app = loaded("move-in-family");
    for (w, h) in [(79, 24), (80, 23), (60, 20)] {
        let text = render_at(&app, w, h);
        assert!(text.contains("80 x 24"), "{w} x {h}: {text}");
        assert!(
            !text.contains("山田"),
            "no case data half drawn at {w} x {h}: {text}"
        );
    }
    let text = render_at(&app, 80, 24);
    assert!(!text.contains("小さすぎます"), "{text}");
}
