//! madoguchi: a counter assistant for Japanese municipal front desks.
//!
//! The pure core (`intake`, `calendar`, `rules`, and the layout part of `forms`) never touches
//! a device, the database, the printer or the screen; those live at the edges (`card`, `qr`
//! scanners, `forms::printer`, `store`, `tui`, `cli`).

pub mod calendar;
pub mod card;
pub mod cli;
pub mod config;
pub mod error_kind;
pub mod forms;
pub mod intake;
pub mod qr;
pub mod rules;
pub mod store;
pub mod text;
pub mod tui;
