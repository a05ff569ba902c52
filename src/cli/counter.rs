//! `madoguchi` with no subcommand: the counter screen. Its start-up is the command line's
//! work (configuration, procedure set, exit codes); the screen (`crate::tui`) gets what it
//! needs already loaded and reports how it ended, so it never imports `cli`.

use super::{exit, Global};
use crate::config::Config;

/// Starts the counter; returns the exit code.
pub fn run(g: &Global) -> i32 {
    let start = match start(g) {
        Ok(s) => s,
        Err(code) => return code,
    };
    match crate::tui::run(start) {
        Ok(()) => exit::OK,
        Err(e) => match e.kind() {
            crate::error_kind::ErrorKind::Internal => super::internal_error(&e),
            kind => {
                crate::say!("{e}");
                exit::of(kind)
            }
        },
    }
}

/// What the counter starts with: the configuration, then the procedure set (a bad set stops
/// here with its diagnostics) and the files it was read from (the supervisor's screen).
/// `Err` holds the exit code.
pub fn start(g: &Global) -> Result<crate::tui::Start, i32> {
    let config = Config::load(g.config.as_deref()).map_err(|e| {
        crate::say!("設定ファイルを読めません (cannot read the configuration): {e}");
        exit::BAD_INPUT
    })?;
    let (set, files) = super::set::load_set_and_files(g, None)?;
    Ok(crate::tui::Start {
        config,
        set: std::sync::Arc::new(set),
        files,
        set_dir: g.procedures.clone(),
        db: g.db.clone(),
        templates: g.templates.clone(),
        training: g.training,
        today: g.today(),
        fixed_today: g.today,
    })
}
