//! Opening the case database for a command: the configuration, the database's location
//! (`--db`, else the configuration's), the clock the store records with, and the one message
//! when any of it fails. Shared by `cases`, `stats`, `print` and the published procedure set
//! (`cli::set`).

use super::{exit, Global};
use crate::config::Config;
use crate::store::{Store, StoreError};
use std::path::Path;

/// Loads the configuration, or prints the one message and returns exit 2.
pub fn config(g: &Global) -> Result<Config, i32> {
    Config::load(g.config.as_deref()).map_err(|e| {
        crate::say!("{e}");
        exit::BAD_INPUT
    })
}

/// Opens the case database of `config` (`--db`, else the config's `database`), speaking
/// for the config's counter, or prints the one message and returns the exit code.
pub fn open_store(g: &Global, config: &Config) -> Result<Store, i32> {
    let location = config.db_location(g.db.as_deref(), g.training);
    let mut store = Store::open_location(&location, clock(g), Some(crate::store::migrate::LATEST))
        .map_err(|e| fail(Path::new(&location.display()), &e))?;
    store.set_counter(&config.counter);
    Ok(store)
}

/// The JST clock, or noon of `--today` (tests fix the date; the purge then runs as at noon).
pub fn clock(g: &Global) -> crate::store::Clock {
    let fixed = g.today.and_then(|d| {
        d.and_hms_opt(12, 0, 0)?
            .and_local_timezone(crate::calendar::jst())
            .single()
    });
    match fixed {
        Some(t) => Box::new(move || t),
        None => Box::new(crate::calendar::jst_now),
    }
}

/// Prints a store failure naming the database, and returns its exit code.
pub fn fail(path: &Path, e: &StoreError) -> i32 {
    let shown = path.display().to_string();
    let msg = e.to_string();
    if msg.contains(&shown) {
        crate::say!("{msg}");
    } else {
        crate::say!("{shown}: {msg}");
    }
    exit::of(e.kind())
}
