//! Shared helpers of the TUI tests: a fixed clock, fixed data, the fake services, and the whole
//! app driven by keys as a terminal would send them.
#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use madoguchi::config::{Config, Role};
use madoguchi::tui::app::App;
use madoguchi::tui::services::{DeviceEvent, FakeServices, ReaderEvent};
use madoguchi::tui::state::State;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::sync::Arc;

pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 4, 6).unwrap()
}

pub fn state(role: Role, training: bool) -> State {
    let forms = madoguchi::forms::template_ids(None);
    // Like `load_set`: form ids are checked only when templates exist.
    let known = (!forms.is_empty()).then_some(&forms);
    let (set, _) = madoguchi::rules::load_embedded(known).expect("the embedded set loads");
    let now = today().and_hms_opt(10, 15, 0).unwrap();
    let config = Config {
        counter: "1番窓口 (総合窓口)".into(),
        clerk: "窓口 花子".into(),
        role,
        ..Config::default()
    };
    let mut s = State::new(config, Arc::new(set), today(), now, training);
    let files = madoguchi::rules::loader::embedded_files();
    s.supervisor.scenarios = madoguchi::rules::scenario::read_scenarios(&files).unwrap_or_default();
    s.supervisor.files = files;
    s
}

pub fn app_with(role: Role, training: bool) -> App<FakeServices> {
    let mut app = App::new(state(role, training), FakeServices::default());
    app.start();
    app
}

pub fn app() -> App<FakeServices> {
    app_with(Role::Clerk, true)
}

/// One key as a person types it (slower than a scanner), then the detector's tick.
pub fn key(app: &mut App<FakeServices>, code: KeyCode) {
    app.clock_ms += 200;
    app.key(KeyEvent::new(code, KeyModifiers::NONE));
    app.clock_ms += 200;
    app.tick_scan();
}

pub fn ch(app: &mut App<FakeServices>, c: char) {
    key(app, KeyCode::Char(c));
}

pub fn enter(app: &mut App<FakeServices>) {
    key(app, KeyCode::Enter);
}

pub fn f(app: &mut App<FakeServices>, n: u8) {
    key(app, KeyCode::F(n));
}

/// Types text as a person would (each char a key).
pub fn typed(app: &mut App<FakeServices>, s: &str) {
    for c in s.chars() {
        ch(app, c);
    }
}

/// Types text as a keyboard-mode scanner does: fast, then Enter.
pub fn scanned(app: &mut App<FakeServices>, s: &str) {
    for c in s.chars() {
        app.clock_ms += 3;
        app.key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.clock_ms += 3;
    app.key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
}

pub fn insert_card(app: &mut App<FakeServices>) {
    app.dispatch(madoguchi::tui::action::Action::Device(DeviceEvent::Reader(
        ReaderEvent::CardInserted {
            reader: "Virtual PCD 00 00".into(),
            atr: vec![0x3B],
        },
    )));
}

pub fn render(app: &App<FakeServices>) -> String {
    render_at(app, 100, 30)
}

pub fn render_at(app: &App<FakeServices>, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| madoguchi::tui::screens::draw(f, &app.state))
        .unwrap();
    let text = buffer_text(t.backend().buffer());
    assert_no_ambiguous(&text);
    // The set's digest changes with every edit of the catalogue; the screens do not.
    let digest = app.state.set.digest.trim_start_matches("sha256:");
    text.replace(&format!("[{}]", &digest[..8]), "[digest..]")
        .replace(&format!("(sha256:{})", &digest[..8]), "(sha256:digest..)")
}

/// No ambiguous-width character anywhere on screen: a CJK terminal would draw it two cells
/// wide and shift the rest of the line.
pub fn assert_no_ambiguous(text: &str) {
    use unicode_width::UnicodeWidthChar;
    for (n, line) in text.lines().enumerate() {
        for c in line.chars() {
            assert_eq!(
                c.width(),
                c.width_cjk(),
                "ambiguous-width {c:?} (U+{:04X}) on line {n}: {line}",
                c as u32
            );
        }
    }
}

/// The screen as text, one line per row, wide characters once (not followed by the blank
/// cell they cover), trailing spaces removed.
pub fn buffer_text(b: &ratatui::buffer::Buffer) -> String {
    use unicode_width::UnicodeWidthStr;
    let mut out = String::new();
    for y in 0..b.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..b.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = b[(x, y)].symbol();
            skip = sym.width().saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn intake(name: &str) -> madoguchi::intake::Intake {
    let text = std::fs::read_to_string(format!(
        "{}/fixtures/intakes/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    madoguchi::intake::parse_intake(&text, &madoguchi::intake::Vocabulary::core()).unwrap()
}
