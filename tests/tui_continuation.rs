//! Case continuation at the counter screen (issue #15), on the real store of both backends:
//! reception prints and closes a case; a section's counter opens it by a scanned page code or
//! a typed case code, sees what other sections did, and marks its own procedures; the
//! supervisor lists what is still in progress across counters. Every mark is checked in the
//! database through a second connection, as another counter would see it.

mod store_support;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use madoguchi::config::{Config, Role};
use madoguchi::intake::Intake;
use madoguchi::rules::{Determination, ProcedureSet};
use madoguchi::store::{self, ProcStatus, Station, Store};
use madoguchi::tui::action::Action;
use madoguchi::tui::app::App;
use madoguchi::tui::real::RealServices;
use madoguchi::tui::services::{DeviceEvent, ProcMark, ScannerEvent, Services};
use madoguchi::tui::state::{Overlay, State};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::sync::Arc;
use store_support::Target;

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 4, 6).unwrap()
}

fn set() -> Arc<ProcedureSet> {
    let forms = madoguchi::forms::template_ids(None);
    let known = (!forms.is_empty()).then_some(&forms);
    Arc::new(madoguchi::rules::load_embedded(known).unwrap().0)
}

fn intake(set: &ProcedureSet) -> Intake {
    let text = include_str!("../fixtures/intakes/move-in-family.json");
    madoguchi::intake::parse_intake(text, &set.vocabulary).unwrap()
}

/// Reception (市民課) takes the case and prints it, as `madoguchi print` does: the page
/// manifest, then the case closed. Returns the code and the determination.
fn reception(t: &Target, set: &ProcedureSet) -> (String, Determination) {
    reception_with(Store::open(&t.location()).unwrap(), set)
}

fn reception_with(mut st: Store, set: &ProcedureSet) -> (String, Determination) {
    st.set_counter("1番窓口 (市民課)");
    let i = intake(set);
    let det = madoguchi::rules::determine(&i, set, today());
    let id = st.open_case("受付 一郎", Some(i.event.kind)).unwrap();
    st.save_intake(&id, &i).unwrap();
    st.save_determination(&id, &set.digest, &det).unwrap();
    st.record_print(
        &id,
        r#"[{"page":1,"form":"guidance","procedure":null,"member":null}]"#,
        None,
        None,
    )
    .unwrap();
    st.close_case(&id).unwrap();
    (id.code, det)
}

/// A counter of `section` with its own screen on the shared store.
fn counter(t: &Target, set: &Arc<ProcedureSet>, section: &str, role: Role) -> App<RealServices> {
    let config = Config {
        counter: format!("5番窓口 ({section})"),
        section: Some(section.to_string()),
        clerk: "課 花子".into(),
        role,
        ..Config::default()
    };
    let services = RealServices::new(
        config.clone(),
        set.clone(),
        Some(t.location()),
        None,
        false,
        today(),
    );
    assert_eq!(services.store_problem(), None, "{}", t.label());
    let now = today().and_hms_opt(10, 15, 0).unwrap();
    App::new(
        State::new(config, set.clone(), today(), now, false),
        services,
    )
}

fn key(app: &mut App<RealServices>, code: KeyCode) {
    app.clock_ms += 200;
    app.key(KeyEvent::new(code, KeyModifiers::NONE));
    app.clock_ms += 200;
    app.tick_scan();
}

fn typed(app: &mut App<RealServices>, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn screen(app: &App<RealServices>) -> String {
    let mut t = Terminal::new(TestBackend::new(120, 30)).unwrap();
    t.draw(|f| madoguchi::tui::screens::draw(f, &app.state))
        .unwrap();
    let b = t.backend().buffer();
    let mut out = String::new();
    for y in 0..b.area.height {
        for x in 0..b.area.width {
            out.push_str(b[(x, y)].symbol());
        }
        out.push('\n');
    }
    // Wide characters are followed by a blank cell: drop the padding for searching.
    out.replace(' ', "")
}

fn view(app: &App<RealServices>) -> &madoguchi::tui::state::ContinueView {
    match &app.state.overlay {
        Some(Overlay::Continue(v)) => v,
        other => panic!(
            "the case is not open: {other:?}, message {:?}",
            app.state.msg
        ),
    }
}

fn status_in_db(t: &Target, code: &str, procedure: &str) -> store::ProcedureState {
    let st = Store::open(&t.location()).unwrap();
    st.progress(code)
        .unwrap()
        .unwrap()
        .procedures
        .into_iter()
        .find(|p| p.id == procedure)
        .unwrap()
}

/// Two sections of the case: the one that does the most (this counter) and another.
fn sections(det: &Determination) -> (String, String) {
    let mine = det.procedures[0].section.clone();
    let other = det
        .procedures
        .iter()
        .find(|p| p.section != mine)
        .expect("the family's move touches two sections")
        .section
        .clone();
    (mine, other)
}

#[test]
fn a_section_types_the_case_code_and_marks_its_procedures_done_and_set_aside() {
    let set = set();
    for t in store_support::targets() {
        let (code, det) = reception(&t, &set);
        let (mine, other) = sections(&det);
        let ours: Vec<&str> = det
            .procedures
            .iter()
            .filter(|p| p.section == mine)
            .map(|p| p.id.as_str())
            .collect();
        let theirs = det
            .procedures
            .iter()
            .find(|p| p.section == other)
            .unwrap()
            .id
            .clone();
        let mut app = counter(&t, &set, &mine, Role::Clerk);
        // Something typed for the resident at this counter stays as it was.
        key(&mut app, KeyCode::Tab);
        key(&mut app, KeyCode::Tab);
        typed(&mut app, "札幌市");
        let before = app.state.case.intake.clone();
        assert_eq!(before.event.previous_address.as_deref(), Some("札幌市"));
        key(&mut app, KeyCode::F(9));
        assert!(matches!(app.state.overlay, Some(Overlay::OpenCode(_))));
        // Typed in lower case, as a clerk reads it off the paper.
        typed(&mut app, &code.to_lowercase());
        key(&mut app, KeyCode::Enter);
        let v = view(&app);
        assert_eq!(v.case.code, code, "{}", t.label());
        assert_eq!(v.case.status, "closed");
        assert_eq!(
            v.case.procedures.iter().filter(|p| p.ours).count(),
            ours.len(),
            "{}: this section's procedures are the ones it marks",
            t.label()
        );
        let first = v.case.procedures[v.selected].id.clone();
        assert!(ours.contains(&first.as_str()), "starts on this section's");

        // D: done, by this counter and clerk, in the database at once.
        key(&mut app, KeyCode::Char('d'));
        let s = status_in_db(&t, &code, &first);
        assert_eq!(s.status, ProcStatus::Done, "{}", t.label());
        assert_eq!(
            s.counter.as_deref(),
            Some(format!("5番窓口 ({mine})").as_str())
        );
        assert_eq!(s.clerk.as_deref(), Some("課 花子"));
        let shown = view(&app)
            .case
            .procedures
            .iter()
            .find(|p| p.id == first)
            .unwrap()
            .clone();
        assert_eq!(
            shown.status,
            ProcMark::Done,
            "the screen reads the mark back"
        );

        // Another section's procedure is shown, never marked from here.
        let at = view(&app)
            .case
            .procedures
            .iter()
            .position(|p| p.id == theirs)
            .unwrap();
        while view(&app).selected != at {
            key(&mut app, KeyCode::Down);
        }
        key(&mut app, KeyCode::Char('d'));
        assert_eq!(
            status_in_db(&t, &code, &theirs).status,
            ProcStatus::Pending,
            "{}: another section's procedure stays pending",
            t.label()
        );
        assert!(app.state.msg.as_ref().unwrap().ja.contains(&other));

        // H: set aside, with a reason (required: Enter on an empty one asks for it).
        if let Some(second) = ours.get(1) {
            let at = view(&app)
                .case
                .procedures
                .iter()
                .position(|p| p.id == *second)
                .unwrap();
            while view(&app).selected != at {
                key(&mut app, KeyCode::Down);
            }
            key(&mut app, KeyCode::Char('h'));
            key(&mut app, KeyCode::Enter);
            assert_eq!(
                status_in_db(&t, &code, second).status,
                ProcStatus::Pending,
                "no reason, no set aside"
            );
            typed(&mut app, "書類は後日");
            key(&mut app, KeyCode::Enter);
            let s = status_in_db(&t, &code, second);
            assert_eq!(s.status, ProcStatus::SetAside, "{}", t.label());
            assert_eq!(s.reason.as_deref(), Some("書類は後日"));
            // P: back to pending.
            key(&mut app, KeyCode::Char('p'));
            assert_eq!(status_in_db(&t, &code, second).status, ProcStatus::Pending);
        }

        // Esc closes the view; the resident's case on this screen was never touched.
        key(&mut app, KeyCode::Esc);
        assert!(app.state.overlay.is_none());
        assert_eq!(app.state.case.intake, before);
    }
}

#[test]
fn a_scanned_page_code_opens_the_case_with_what_other_counters_did_meanwhile() {
    let set = set();
    for t in store_support::targets() {
        let (code, det) = reception(&t, &set);
        let (mine, other) = sections(&det);
        let theirs = det
            .procedures
            .iter()
            .find(|p| p.section == other)
            .unwrap()
            .id
            .clone();
        // The other section marked its procedure first, from its own counter.
        let mut st = Store::open(&t.location()).unwrap();
        let id = st.resolve(&code).unwrap().unwrap();
        let station = Station {
            counter: "3番窓口 (他課)".into(),
            clerk: "他課 次郎".into(),
        };
        st.mark(&id, &theirs, ProcStatus::Done, None, &station)
            .unwrap();

        let mut app = counter(&t, &set, &mine, Role::Clerk);
        // A serial scanner sends the page's QR text as a part.
        app.dispatch(Action::Device(DeviceEvent::Scanner(ScannerEvent::Part(
            store::page_code(&code, 1),
        ))));
        let v = view(&app);
        assert_eq!(
            v.case.page,
            Some((1, "guidance".to_string())),
            "{}",
            t.label()
        );
        let p = v.case.procedures.iter().find(|p| p.id == theirs).unwrap();
        assert_eq!(p.status, ProcMark::Done);
        assert_eq!(p.counter.as_deref(), Some("3番窓口 (他課)"));
        assert!(!p.ours);
        let text = screen(&app);
        assert!(text.contains(&code), "{text}");
        assert!(
            text.contains("3番窓口(他課)"),
            "who did it is on screen:\n{text}"
        );

        // Meanwhile the other counter sets another of its procedures aside; this counter's
        // next mark reads the case again and shows it.
        if let Some(more) = det
            .procedures
            .iter()
            .find(|p| p.section == other && p.id != theirs)
        {
            st.mark(&id, &more.id, ProcStatus::SetAside, Some("後日"), &station)
                .unwrap();
        }
        key(&mut app, KeyCode::Char('d'));
        let v = view(&app);
        for p in det.procedures.iter().filter(|p| p.section == other) {
            let shown = v.case.procedures.iter().find(|x| x.id == p.id).unwrap();
            assert_ne!(
                shown.status,
                ProcMark::Pending,
                "{}: {} as the other counter left it",
                t.label(),
                p.id
            );
        }
        // A code nobody printed: the message says so, nothing opens.
        key(&mut app, KeyCode::Esc);
        app.dispatch(Action::Scan("MDGCZZZZZZZZP01".into()));
        assert!(app.state.overlay.is_none());
        assert!(app
            .state
            .msg
            .as_ref()
            .is_some_and(|m| m.ja.contains("見つかりません")));
    }
}

#[test]
fn the_supervisor_lists_cases_in_progress_across_counters_and_opens_one() {
    let set = set();
    for t in store_support::targets() {
        let (code, det) = reception(&t, &set);
        let (mine, _) = sections(&det);
        let mut app = counter(&t, &set, &mine, Role::Supervisor);
        key(&mut app, KeyCode::F(7));
        key(&mut app, KeyCode::Char('i'));
        let Some(Overlay::InProgress { cases, .. }) = &app.state.overlay else {
            panic!("{}: no list: {:?}", t.label(), app.state.msg);
        };
        let c = cases.iter().find(|c| c.code == code).expect("the case");
        assert_eq!(c.counter.as_deref(), Some("1番窓口 (市民課)"));
        assert_eq!(c.pending, det.procedures.len());
        let text = screen(&app);
        assert!(text.contains(&code), "{text}");
        key(&mut app, KeyCode::Enter);
        assert_eq!(view(&app).case.code, code);

        // Every procedure marked by the sections: the case is complete and leaves the list.
        let mut st = Store::open(&t.location()).unwrap();
        let id = st.resolve(&code).unwrap().unwrap();
        for p in &det.procedures {
            let station = Station {
                counter: format!("窓口 ({})", p.section),
                clerk: "職員".into(),
            };
            st.mark(&id, &p.id, ProcStatus::Done, None, &station)
                .unwrap();
        }
        assert!(app.services.in_progress().iter().all(|c| c.code != code));
    }
}

#[test]
fn a_counter_running_for_days_purges_what_fell_due_before_the_next_resident() {
    let set = set();
    for t in store_support::targets() {
        // A case closed three days ago, with a retention of one day: the counter's start
        // purges it...
        let (code, _) = reception_with(
            Store::open_with_clock(
                &t.location(),
                Box::new(|| madoguchi::calendar::jst_now() - chrono::Duration::days(3)),
            )
            .unwrap(),
            &set,
        );
        assert!(
            String::from_utf8_lossy(&t.dump()).contains("山田　花子"),
            "{}: the case holds the name until it is purged",
            t.label()
        );
        let mut services = RealServices::new(
            Config {
                counter: "1番窓口 (市民課)".into(),
                clerk: "窓口 花子".into(),
                retention_days: 1,
                ..Config::default()
            },
            set.clone(),
            Some(t.location()),
            None,
            false,
            today(),
        );
        let dump = t.dump();
        assert!(
            !String::from_utf8_lossy(&dump).contains("山田　花子"),
            "{}: purged at the counter's start",
            t.label()
        );
        let st = Store::open(&t.location()).unwrap();
        assert_eq!(
            st.progress(&code).unwrap().unwrap().status.as_str(),
            "purged"
        );
        // A second case falls due while the counter runs: the next resident purges it.
        let (code2, _) = reception_with(
            Store::open_with_clock(
                &t.location(),
                Box::new(|| madoguchi::calendar::jst_now() - chrono::Duration::days(3)),
            )
            .unwrap(),
            &set,
        );
        assert!(String::from_utf8_lossy(&t.dump()).contains("山田　花子"));
        let next = services.open_case().unwrap();
        assert_ne!(next, code2);
        assert!(
            !String::from_utf8_lossy(&t.dump()).contains("山田　花子"),
            "{}: no name left in {} after the next resident",
            t.label(),
            if t.is_pg() { "pg_dump" } else { "the file" }
        );
        assert_eq!(
            st.progress(&code2).unwrap().unwrap().status.as_str(),
            "purged"
        );
    }
}

#[test]
fn a_counter_on_the_published_set_reloads_the_newest_one_from_the_database() {
    let set = set();
    for t in store_support::targets() {
        let mut app = counter(&t, &set, "市民課", Role::Supervisor);
        app.state.config.procedures = Some("published".into());
        // Nothing published yet: the reload says so and the set in use stays.
        key(&mut app, KeyCode::F(7));
        key(&mut app, KeyCode::Char('r'));
        assert_eq!(app.state.set.digest, set.digest, "{}", t.label());
        assert_eq!(app.state.supervisor.output_ok, Some(false));

        // The supervisor publishes a new edition (one file changed: another digest).
        let mut files = madoguchi::rules::loader::embedded_files();
        let toml = files
            .iter_mut()
            .find(|f| f.path.ends_with(".toml"))
            .unwrap();
        toml.text.push_str("\n# 2026年11月 改訂\n");
        let forms = madoguchi::forms::template_ids(None);
        let (edition, _) =
            madoguchi::rules::loader::load_files(&files, (!forms.is_empty()).then_some(&forms))
                .unwrap();
        assert_ne!(edition.digest, set.digest);
        let map = files
            .iter()
            .map(|f| (f.path.clone(), f.text.clone()))
            .collect();
        let mut st = Store::open(&t.location()).unwrap();
        assert!(st
            .publish_set(&edition.name, &edition.digest, &map, "監督者")
            .unwrap());

        // R on this counter: checked, tested, and in use from now on.
        key(&mut app, KeyCode::Char('r'));
        assert_eq!(
            app.state.supervisor.output_ok,
            Some(true),
            "{}: {:?}",
            t.label(),
            app.state.supervisor.output
        );
        assert_eq!(app.state.set.digest, edition.digest, "{}", t.label());
        assert_eq!(app.state.set_dir, None, "still the published set");
    }
}

/// Keys as a keyboard-mode scanner types them: 3 ms apart, then Enter.
fn scanned(app: &mut App<RealServices>, s: &str) {
    for c in s.chars() {
        app.clock_ms += 3;
        app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.clock_ms += 3;
    app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
}

#[test]
fn a_keyboard_scanner_typing_a_page_code_opens_the_case_on_any_screen() {
    let set = set();
    for t in store_support::targets() {
        let (code, det) = reception(&t, &set);
        let (mine, _) = sections(&det);
        let mut app = counter(&t, &set, &mine, Role::Clerk);
        let page = store::page_code(&code, 1);

        // The clerk types the same text into the address field at a person's pace: it is
        // typing, every key reaches the field, nothing opens.
        key(&mut app, KeyCode::Tab);
        key(&mut app, KeyCode::Tab);
        let field = app.state.case.reception.focus;
        typed(&mut app, &page);
        assert!(app.state.overlay.is_none(), "{}", t.label());
        assert_eq!(app.state.case.reception.fields[field].value, page);

        // The scanner types it into that same field, outside F9: the case opens at this
        // counter's section, and the field keeps only what the clerk typed.
        scanned(&mut app, &page);
        let v = view(&app);
        assert_eq!(v.case.code, code, "{}", t.label());
        assert_eq!(v.case.page, Some((1, "guidance".to_string())));
        assert!(v
            .case
            .procedures
            .iter()
            .any(|p| p.ours && p.section == mine));
        assert_eq!(app.state.case.reception.fields[field].value, page);
        // And this section marks its procedure from the view the scan opened.
        let ours = v.case.procedures[v.selected].id.clone();
        key(&mut app, KeyCode::Char('d'));
        assert_eq!(status_in_db(&t, &code, &ours).status, ProcStatus::Done);
        assert_eq!(
            status_in_db(&t, &code, &ours).counter.as_deref(),
            Some(format!("5番窓口 ({mine})").as_str())
        );
        key(&mut app, KeyCode::Esc);
        assert!(app.state.overlay.is_none());

        // From another screen (the household), Caps Lock on: lower case opens it too.
        key(&mut app, KeyCode::F(2));
        let on = app.state.screen;
        scanned(&mut app, &page.to_lowercase());
        assert_eq!(view(&app).case.code, code, "{}", t.label());
        assert_eq!(app.state.screen, on, "the screen underneath stays");
    }
}
