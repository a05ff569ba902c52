//! The counter TUI (issue 7): `madoguchi` with no subcommand.
//!
//! - [`state`]: everything on screen; [`action`]: what can happen and the effects asked for;
//! - [`update`]: the pure state machine; [`keymap`]: keys to actions (and the footer);
//! - [`checklist`]: the question screens of 3 確認, derived from the determination;
//! - [`screens`]: pure drawing; [`strings`]: texts in Japanese and English;
//! - [`services`]: what devices, forms and the store provide, as one trait, with a fake;
//! - [`app`]: the loop, generic over the ratatui backend.

pub mod action;
pub mod app;
pub mod checklist;
pub mod keymap;
pub mod real;
pub mod screens;
pub mod services;
pub mod state;
pub mod strings;
pub mod update;

use crate::config::Config;
use crate::error_kind::ErrorKind;
use crate::rules::{loader::SourceFile, ProcedureSet};
use std::path::PathBuf;
use std::sync::Arc;

/// What the counter starts with, loaded before the screen opens (by `cli::counter`: the
/// configuration and the procedure set, whose problems are the command line's to report).
pub struct Start {
    pub config: Config,
    pub set: Arc<ProcedureSet>,
    /// The definitions the set was read from, for the supervisor's screen.
    pub files: Vec<SourceFile>,
    /// The `--procedures` folder, if any (the supervisor checks and reloads it).
    pub set_dir: Option<PathBuf>,
    /// The case database (`--db`), else the configuration's.
    pub db: Option<PathBuf>,
    /// The form templates folder (`--templates`), else the embedded templates.
    pub templates: Option<PathBuf>,
    pub training: bool,
    /// Today in Japan (or the fixed date).
    pub today: chrono::NaiveDate,
    /// The date fixed by `--today`, for scripted sessions.
    pub fixed_today: Option<chrono::NaiveDate>,
}

/// How the counter ended other than by the clerk closing it.
#[derive(Debug)]
pub enum TuiError {
    /// The terminal failed (raw mode, drawing, reading keys).
    Terminal(std::io::Error),
}

impl TuiError {
    /// What kind of failure it is (the command line turns it into an exit code).
    pub fn kind(&self) -> ErrorKind {
        match self {
            // No terminal (run from a script, a service, a closed or redirected output) or
            // one that went away: an unavailable device, like a missing card reader.
            TuiError::Terminal(_) => ErrorKind::Unavailable,
        }
    }
}

impl std::fmt::Display for TuiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TuiError::Terminal(e) => write!(
                f,
                "端末を使えません。窓口画面は端末で起動してください (the counter screen needs a terminal; use a subcommand such as `madoguchi determine` in scripts): {e}"
            ),
        }
    }
}

impl std::error::Error for TuiError {}

/// The screen's initial state from what the counter starts with.
pub fn initial_state(start: &Start) -> state::State {
    let now = clock(start.fixed_today);
    let mut s = state::State::new(
        start.config.clone(),
        start.set.clone(),
        start.today,
        now,
        start.training,
    );
    s.set_dir = start.set_dir.clone();
    s.fixed_today = start.fixed_today;
    s.supervisor.scenarios =
        crate::rules::scenario::read_scenarios(&start.files).unwrap_or_default();
    s.supervisor.files = start.files.clone();
    s
}

/// The header's date and time: JST now, on the `--today` date when one is fixed (so scripted
/// sessions see the day they set).
fn clock(today: Option<chrono::NaiveDate>) -> chrono::NaiveDateTime {
    let now = crate::calendar::jst_now().naive_local();
    match today {
        Some(d) => d.and_time(now.time()),
        None => now,
    }
}

/// Runs the counter screen until the clerk closes it.
pub fn run(start: Start) -> Result<(), TuiError> {
    let mut state = initial_state(&start);
    let services = real::RealServices::new(
        state.config.clone(),
        state.set.clone(),
        start.db,
        start.templates.clone(),
        start.training,
        state.today,
    );
    if let Some(problem) = services.store_problem() {
        // The counter still works (nothing is lost on screen), but the clerk must know that
        // the case is not being kept.
        state.msg = Some(state::Msg::new(
            state::MsgKind::Error,
            format!("記録用データベースを開けません。案件は保存されません: {problem}"),
            format!("The case database cannot be opened; cases are not kept: {problem}"),
        ));
    }
    let mut app = app::App::new(state, services);
    app.templates = start.templates;
    run_terminal(&mut app).map_err(TuiError::Terminal)
}

fn run_terminal<S: services::Services>(app: &mut app::App<S>) -> std::io::Result<()> {
    use crossterm::terminal::{
        disable_raw_mode, enable_raw_mode, EnterAlternateScreen, LeaveAlternateScreen,
    };
    use crossterm::{event, execute};
    let restore = || {
        let _ = disable_raw_mode();
        let _ = execute!(
            std::io::stdout(),
            event::DisableBracketedPaste,
            LeaveAlternateScreen
        );
    };
    // Leave the terminal usable even if something panics.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = disable_raw_mode();
        let _ = execute!(std::io::stdout(), LeaveAlternateScreen);
        hook(info);
    }));
    enable_raw_mode()?;
    execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        event::EnableBracketedPaste
    )?;
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))?;
    app.start();
    let fixed = app.state.fixed_today;
    let r = app::run_loop(&mut terminal, app, &mut app::CrosstermEvents, || {
        clock(fixed)
    });
    restore();
    r
}
