//! The counter TUI (issue 7). Until it exists, `madoguchi` with no subcommand shows how to
//! use the subcommands.

pub fn run(_g: &crate::cli::Global) -> i32 {
    eprintln!("The counter screen is not built yet. Try: madoguchi determine --intake fixtures/intakes/<case>.json");
    0
}
