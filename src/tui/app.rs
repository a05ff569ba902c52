//! The loop: keys and device events in, `update`, effects out through [`Services`], draw.
//!
//! Devices block, so they live on their own threads (inside the `Services` implementation)
//! and send [`DeviceEvent`]s on one channel; this loop never blocks on a device. It is generic
//! over the ratatui backend and the event source, so tests drive the whole program on a
//! `TestBackend` with scripted keys.

use super::action::{Action, Effect};
use super::keymap;
use super::screens;
use super::services::{DeviceEvent, KeyFeed, ReaderEvent, ScanKey, Services, Step};
use super::state::{ReaderState, State};
use crate::rules::loader::{self, SourceFile};
use crate::rules::{scenario, ProcedureSet};
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::backend::Backend;
use ratatui::Terminal;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The reader name the training mode's virtual card uses when no reader was reported.
pub const VIRTUAL_READER: &str = "Virtual PCD 00 00";

pub struct App<S: Services> {
    pub state: State,
    pub services: S,
    dev_tx: Sender<DeviceEvent>,
    dev_rx: Receiver<DeviceEvent>,
    /// Milliseconds on the loop's clock (real time in the loop, virtual in tests).
    pub clock_ms: u64,
    /// Form templates folder, for the supervisor's checks.
    pub templates: Option<PathBuf>,
}

impl<S: Services> App<S> {
    pub fn new(state: State, services: S) -> Self {
        let (dev_tx, dev_rx) = channel();
        App {
            state,
            services,
            dev_tx,
            dev_rx,
            clock_ms: 0,
            templates: None,
        }
    }

    /// Starts the devices and offers unfinished cases (or opens a new one).
    pub fn start(&mut self) {
        self.services.start_devices(self.dev_tx.clone());
        let printers = self.services.printers();
        self.dispatch(Action::Printers(printers));
        let unfinished = self.services.unfinished();
        self.dispatch(Action::Unfinished(unfinished));
        self.drain_devices();
    }

    /// Runs an action and every effect and follow-up it causes.
    pub fn dispatch(&mut self, action: Action) {
        let mut queue = VecDeque::from([action]);
        while let Some(a) = queue.pop_front() {
            for e in super::update::update(&mut self.state, a) {
                queue.extend(self.execute(e));
            }
        }
    }

    /// Handles everything the devices sent so far.
    pub fn drain_devices(&mut self) -> bool {
        let mut any = false;
        while let Ok(ev) = self.dev_rx.try_recv() {
            self.dispatch(Action::Device(ev));
            any = true;
        }
        any
    }

    /// A key from the terminal. Characters and Enter go through the scan detector first, so
    /// a keyboard-mode scanner is recognised on any screen and typing is never swallowed.
    pub fn key(&mut self, ev: KeyEvent) {
        if ev.kind == KeyEventKind::Release {
            return;
        }
        let plain = !ev
            .modifiers
            .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        let scan_key = match ev.code {
            KeyCode::Char(c) if plain => Some(ScanKey::Char(c)),
            KeyCode::Enter => Some(ScanKey::Enter),
            _ => None,
        };
        match scan_key {
            Some(k) => {
                let feed = self.services.scan_key(k, self.clock_ms);
                self.feed(feed);
            }
            None => {
                // Any other key ends a possible scan: release what was held first.
                let feed = self.services.scan_tick(u64::MAX);
                self.feed(feed);
                self.mapped(ev);
            }
        }
        self.drain_devices();
    }

    fn feed(&mut self, feed: KeyFeed) {
        match feed {
            KeyFeed::Pass(keys) => {
                for k in keys {
                    let code = match k {
                        ScanKey::Char(c) => KeyCode::Char(c),
                        ScanKey::Enter => KeyCode::Enter,
                    };
                    self.mapped(KeyEvent::new(code, KeyModifiers::NONE));
                }
            }
            KeyFeed::Hold => {}
            KeyFeed::Scan(text) => self.dispatch(Action::Scan(text)),
        }
    }

    fn mapped(&mut self, ev: KeyEvent) {
        if let Some(a) = keymap::map_key(&self.state, ev) {
            self.dispatch(a);
        }
    }

    /// Releases keys the scan detector held when no further key came.
    pub fn tick_scan(&mut self) -> bool {
        let feed = self.services.scan_tick(self.clock_ms);
        let any = !matches!(&feed, KeyFeed::Pass(k) if k.is_empty());
        self.feed(feed);
        any
    }

    /// Text pasted into the terminal (an IME may commit this way): typed into the field.
    pub fn paste(&mut self, text: &str) {
        if self.state.typing() {
            for c in text.chars().filter(|c| !c.is_control()) {
                self.dispatch(Action::Input(c));
            }
        }
    }

    fn code(&self) -> Option<String> {
        self.state.case.code.clone()
    }

    fn store<T>(&mut self, r: Result<T, super::services::StoreError>) -> Vec<Action> {
        match r {
            Ok(_) => vec![],
            Err(e) => vec![Action::StoreFailed(e.0)],
        }
    }

    fn execute(&mut self, e: Effect) -> Vec<Action> {
        match e {
            Effect::OpenCase => match self.services.open_case() {
                Ok(code) => vec![Action::CaseOpened(code)],
                Err(e) => vec![Action::StoreFailed(e.0)],
            },
            Effect::LoadCase(code) => match self.services.load_case(&code) {
                Ok(i) => vec![Action::CaseLoaded(code, Box::new(i))],
                Err(e) => vec![Action::StoreFailed(e.0), Action::Unfinished(vec![])],
            },
            Effect::SaveIntake => match self.code() {
                Some(c) => {
                    let r = self.services.save_intake(&c, &self.state.case.intake);
                    self.store(r)
                }
                None => vec![],
            },
            Effect::RecordCardRead | Effect::RecordQrRead => match self.code() {
                Some(c) => {
                    let step = if e == Effect::RecordCardRead {
                        Step::CardRead
                    } else {
                        Step::QrRead
                    };
                    let r = self.services.record_step(&c, step);
                    self.store(r)
                }
                None => vec![],
            },
            Effect::SaveDetermination => match self.code() {
                Some(c) => {
                    let r = self
                        .services
                        .save_determination(&c, &self.state.case.det)
                        .and_then(|_| self.services.record_step(&c, Step::Determined));
                    self.store(r)
                }
                None => vec![],
            },
            Effect::SetAside { procedure, reason } => match self.code() {
                Some(c) => {
                    let r = self.services.set_aside(&c, &procedure, &reason);
                    self.store(r)
                }
                None => vec![],
            },
            Effect::TakeBack { procedure } => match self.code() {
                Some(c) => {
                    let r = self.services.mark(
                        &c,
                        &procedure,
                        super::services::ProcMark::Pending,
                        None,
                    );
                    self.store(r)
                }
                None => vec![],
            },
            Effect::DiscardCase(c) => {
                let r = self.services.discard_case(&c);
                let mut out = self.store(r);
                out.push(Action::Unfinished(self.services.unfinished()));
                out
            }
            Effect::CloseCase(c) => {
                let r = self
                    .services
                    .record_step(&c, Step::Closed)
                    .and_then(|_| self.services.close_case(&c));
                self.store(r)
            }
            Effect::QueryTries { reader, kind } => {
                vec![Action::TriesKnown(self.services.query_tries(&reader, kind))]
            }
            Effect::ReadCard { reader, secret } => {
                self.services
                    .read_basic4(&reader, secret, self.dev_tx.clone());
                vec![]
            }
            Effect::QrFeed(text) => vec![Action::QrResult(self.services.qr_feed(&text))],
            Effect::QrReset => {
                self.services.qr_reset();
                vec![]
            }
            Effect::RenderBundle => {
                let det = self.state.det_for_print();
                let code = self.code().unwrap_or_default();
                let r = self
                    .services
                    .render_bundle(&self.state.case.intake, &det, &code);
                vec![Action::BundleReady(r)]
            }
            Effect::NextPrinter => vec![Action::PrintersNext(self.services.printers())],
            Effect::Print => {
                // The list as it is now: a printer added or removed since start counts.
                let list = self.services.printers();
                super::update::update(&mut self.state, Action::Printers(list));
                let Some(printer) = self.state.printer().map(str::to_string) else {
                    return vec![Action::Device(DeviceEvent::Printed(Err(
                        super::services::PrintError {
                            message_ja: "プリンタが1台も見つかりません。係の者に連絡してください。PDF は下に出ている場所にあります。".into(),
                            message_en: "No printer found. The PDF is kept where shown below.".into(),
                        },
                    )))];
                };
                if let Some(b) = &self.state.case.bundle {
                    let items: Vec<usize> = self
                        .state
                        .case
                        .print_selected
                        .iter()
                        .enumerate()
                        .filter(|(_, on)| **on)
                        .map(|(i, _)| i)
                        .collect();
                    self.services
                        .print(&printer, b, &items, self.dev_tx.clone());
                }
                vec![]
            }
            Effect::RecordPrint(forms) => match self.code() {
                Some(c) => {
                    let r = self
                        .services
                        .record_print(&c, &forms)
                        .and_then(|_| self.services.record_step(&c, Step::Printed));
                    self.store(r)
                }
                None => vec![],
            },
            Effect::VirtualCard { insert } => {
                let reader = self
                    .state
                    .reader
                    .reader()
                    .unwrap_or(VIRTUAL_READER)
                    .to_string();
                if matches!(self.state.reader, ReaderState::None) {
                    let _ = self
                        .dev_tx
                        .send(DeviceEvent::Reader(ReaderEvent::ReaderAdded(
                            reader.clone(),
                        )));
                }
                let ev = if insert {
                    ReaderEvent::CardInserted {
                        reader,
                        atr: vec![0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14],
                    }
                } else {
                    ReaderEvent::CardRemoved { reader }
                };
                let _ = self.dev_tx.send(DeviceEvent::Reader(ev));
                vec![]
            }
            Effect::SupCheck(dir) => vec![check(dir.as_deref(), self.templates.as_deref())],
            Effect::SupTest(dir) => vec![test(dir.as_deref(), self.templates.as_deref(), None)],
            Effect::SupReload(dir) => vec![test(
                Some(&dir),
                self.templates.as_deref(),
                Some(Some(dir.clone())),
            )],
            Effect::SupReloadPublished => match self.services.published_set() {
                Ok(files) => vec![test_files(Ok(files), self.templates.as_deref(), Some(None))],
                Err(e) => vec![Action::SupResult {
                    ok: false,
                    lines: vec![(
                        format!("公開された手続セットを読めません: {}", e.0),
                        format!("The published set cannot be read: {}", e.0),
                    )],
                    reloaded: None,
                }],
            },
            Effect::ContinueCase(text) => {
                vec![Action::Continued(
                    self.services.continue_case(&text).map_err(|e| e.0),
                )]
            }
            Effect::Mark {
                code,
                procedure,
                mark,
                reason,
            } => {
                let r = self
                    .services
                    .mark(&code, &procedure, mark, reason.as_deref());
                let mut out = self.store(r);
                // Read again: what this counter just did, and what others did meanwhile.
                out.push(Action::Continued(
                    self.services.continue_case(&code).map_err(|e| e.0),
                ));
                out
            }
            Effect::InProgress => vec![Action::InProgressList(self.services.in_progress())],
            Effect::Quit => vec![],
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The supervisor's checks (the same as `madoguchi procedures check|test`)

fn set_files(dir: Option<&Path>) -> Result<Vec<SourceFile>, Vec<crate::rules::Diagnostic>> {
    match dir {
        Some(d) => loader::read_dir_files(d),
        None => Ok(loader::embedded_files()),
    }
}

/// A result line in both languages (diagnostics keep their own words and location).
fn both(t: String) -> (String, String) {
    (t.clone(), t)
}

type SupLines = Vec<(String, String)>;

fn load(
    dir: Option<&Path>,
    templates: Option<&Path>,
) -> Result<(ProcedureSet, Vec<SourceFile>, SupLines), SupLines> {
    load_files(set_files(dir), templates)
}

fn load_files(
    files: Result<Vec<SourceFile>, Vec<crate::rules::Diagnostic>>,
    templates: Option<&Path>,
) -> Result<(ProcedureSet, Vec<SourceFile>, SupLines), SupLines> {
    let forms = crate::forms::template_ids(templates);
    let known = (!forms.is_empty()).then_some(&forms);
    let lines = |d: Vec<crate::rules::Diagnostic>| {
        let mut out = vec![(
            format!("検査: 問題 {}件。この定義は使えません。", d.len()),
            format!("Check: {} problems; this set cannot be used.", d.len()),
        )];
        out.extend(d.iter().map(|x| both(x.to_string())));
        out
    };
    let files = files.map_err(lines)?;
    let (set, warnings) = loader::load_files(&files, known).map_err(lines)?;
    Ok((
        set,
        files,
        warnings.iter().map(|x| both(x.to_string())).collect(),
    ))
}

/// `check`: loads the set and reports its problems.
pub fn check(dir: Option<&Path>, templates: Option<&Path>) -> Action {
    match load(dir, templates) {
        Ok((set, files, warnings)) => {
            let digest = &set.digest[..set.digest.len().min(15)];
            let mut lines = vec![(
                format!(
                    "検査: 合格。手続 {}件・事実 {}件・警告 {}件 ({digest})",
                    set.procedures.len(),
                    set.facts.len(),
                    warnings.len(),
                ),
                format!(
                    "Check: OK. {} procedures, {} facts, {} warnings ({digest})",
                    set.procedures.len(),
                    set.facts.len(),
                    warnings.len(),
                ),
            )];
            if let Err(d) = scenario::read_scenarios(&files) {
                lines.push((
                    format!("シナリオテストの書き方に問題 {}件", d.len()),
                    format!("{} problems in the scenario tests", d.len()),
                ));
                lines.extend(d.iter().map(|x| both(x.to_string())));
                return Action::SupResult {
                    ok: false,
                    lines,
                    reloaded: None,
                };
            }
            lines.extend(warnings);
            Action::SupResult {
                ok: true,
                lines,
                reloaded: None,
            }
        }
        Err(lines) => Action::SupResult {
            ok: false,
            lines,
            reloaded: None,
        },
    }
}

/// `test`: loads the set and runs its scenarios. With `reload`, a set that passes both
/// replaces the one in use; anything else leaves it untouched.
/// `reload`: `Some(folder)` for a set read from a folder, `Some(None)` for the published one.
pub fn test(
    dir: Option<&Path>,
    templates: Option<&Path>,
    reload: Option<Option<PathBuf>>,
) -> Action {
    test_files(set_files(dir), templates, reload)
}

fn test_files(
    files: Result<Vec<SourceFile>, Vec<crate::rules::Diagnostic>>,
    templates: Option<&Path>,
    reload: Option<Option<PathBuf>>,
) -> Action {
    let (set, files, _) = match load_files(files, templates) {
        Ok(x) => x,
        Err(lines) => {
            return Action::SupResult {
                ok: false,
                lines,
                reloaded: None,
            }
        }
    };
    let scenarios = match scenario::read_scenarios(&files) {
        Ok(s) => s,
        Err(d) => {
            let mut lines = vec![(
                format!("シナリオテストの書き方に問題 {}件", d.len()),
                format!("{} problems in the scenario tests", d.len()),
            )];
            lines.extend(d.iter().map(|x| both(x.to_string())));
            return Action::SupResult {
                ok: false,
                lines,
                reloaded: None,
            };
        }
    };
    let mut failed: SupLines = vec![];
    let mut n_failed = 0;
    for sc in &scenarios {
        let r = scenario::run(&set, sc);
        if !r.passed() {
            n_failed += 1;
            failed.push((
                format!("不合格 {}  {}", r.name, r.description),
                format!("FAIL {}  {}", r.name, r.description),
            ));
            failed.extend(r.diff.iter().map(|d| both(format!("     {d}"))));
        }
    }
    let ok = failed.is_empty();
    let digest = &set.digest[..set.digest.len().min(15)];
    let mut lines = vec![(
        format!(
            "テスト: {}件合格・{n_failed}件不合格 ({digest})",
            scenarios.len() - n_failed
        ),
        format!(
            "Test: {} passed, {n_failed} failed ({digest})",
            scenarios.len() - n_failed
        ),
    )];
    lines.extend(failed);
    let reloaded = match reload {
        Some(dir) if ok => Some((Arc::new(set), files, dir)),
        _ => None,
    };
    Action::SupResult {
        ok,
        lines,
        reloaded,
    }
}

// ---------------------------------------------------------------------------------------------
// The loop

/// Where terminal events come from: crossterm in the program, a script in tests.
pub trait EventSource {
    /// The next event, or `None` when `timeout` passed without one.
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Event>>;
}

pub struct CrosstermEvents;

impl EventSource for CrosstermEvents {
    fn next(&mut self, timeout: Duration) -> std::io::Result<Option<Event>> {
        if crossterm::event::poll(timeout)? {
            crossterm::event::read().map(Some)
        } else {
            Ok(None)
        }
    }
}

/// Runs until the clerk quits (or the event source ends, for scripted runs).
pub fn run_loop<B: Backend, S: Services, E: EventSource>(
    terminal: &mut Terminal<B>,
    app: &mut App<S>,
    events: &mut E,
    clock: impl Fn() -> chrono::NaiveDateTime,
) -> std::io::Result<()> {
    let start = Instant::now();
    let mut last_clock = Instant::now();
    let mut dirty = true;
    loop {
        if dirty {
            terminal.draw(|f| screens::draw(f, &app.state))?;
            dirty = false;
        }
        if app.state.quit {
            return Ok(());
        }
        // Short polls keep the scan detector's timing and device events prompt.
        let ev = events.next(Duration::from_millis(25))?;
        app.clock_ms = start.elapsed().as_millis() as u64;
        match ev {
            Some(Event::Key(k)) => {
                app.key(k);
                dirty = true;
            }
            Some(Event::Paste(t)) => {
                app.paste(&t);
                dirty = true;
            }
            Some(Event::Resize(..)) => dirty = true,
            Some(_) => {}
            None => {}
        }
        dirty |= app.tick_scan();
        dirty |= app.drain_devices();
        if last_clock.elapsed() >= Duration::from_secs(1) {
            last_clock = Instant::now();
            app.dispatch(Action::Tick(clock()));
            dirty = true;
        }
    }
}
