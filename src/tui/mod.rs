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

use crate::cli::{exit, Global};
use crate::config::Config;
use std::sync::Arc;

/// Builds the initial state the way `madoguchi` starts: configuration, procedure set (a bad
/// set stops here with its diagnostics), clock. `Err` holds the exit code.
pub fn initial_state(g: &Global) -> Result<state::State, i32> {
    let config = Config::load(g.config.as_deref()).map_err(|e| {
        eprintln!("設定ファイルを読めません (cannot read the configuration): {e}");
        exit::BAD_INPUT
    })?;
    let set = crate::cli::procedures::load_set(g, None)?;
    let today = g.today();
    let now = clock(g.today);
    let mut s = state::State::new(config, Arc::new(set), today, now, g.training);
    s.set_dir = g.procedures.clone();
    s.fixed_today = g.today;
    let files = match &g.procedures {
        Some(d) => crate::rules::loader::read_dir_files(d).unwrap_or_default(),
        // The supervisor reads the definitions of the set in use: the published one when
        // the configuration says so.
        None => crate::cli::cases::published_files(g)
            .ok()
            .flatten()
            .unwrap_or_else(crate::rules::loader::embedded_files),
    };
    s.supervisor.scenarios = crate::rules::scenario::read_scenarios(&files).unwrap_or_default();
    s.supervisor.files = files;
    Ok(s)
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

/// The entry point of `madoguchi` with no subcommand.
pub fn run(g: &Global) -> i32 {
    let mut state = match initial_state(g) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let services = real::RealServices::new(
        state.config.clone(),
        state.set.clone(),
        g.db.clone(),
        g.templates.clone(),
        g.training,
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
    app.templates = g.templates.clone();
    match run_terminal(&mut app) {
        Ok(()) => exit::OK,
        Err(e) => crate::cli::internal_error(format!("terminal: {e}")),
    }
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
