//! The pure core's modules, compiled from the main crate's files: the same code the program
//! runs, without the program's devices, database, printer and screen (and their dependencies).
//! The module paths match the main crate's (`crate::calendar`, `crate::text`), so the files
//! compile unchanged.
#![allow(dead_code)]

#[path = "../../../src/calendar/mod.rs"]
pub mod calendar;
#[path = "../../../src/intake/mod.rs"]
pub mod intake;
#[path = "../../../src/text.rs"]
pub mod text;

/// `rules::lang`, the condition parser (a leaf file of `src/rules`).
pub mod rules {
    pub use super::condition_lang as lang;
}
#[path = "../../../src/rules/lang.rs"]
pub mod condition_lang;
