//! `madoguchi print` (issue: pre-filled forms, the guidance sheet and printing).

use super::Global;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[arg(long)]
    pub intake: PathBuf,
    #[arg(long)]
    pub out: PathBuf,
    /// CUPS queue to send the bundle to.
    #[arg(long)]
    pub printer: Option<String>,
    #[arg(long, value_enum, default_value = "ja")]
    pub lang: crate::rules::Lang,
    /// Do not record the case in the database.
    #[arg(long)]
    pub no_record: bool,
}

pub fn run(_a: Args, _g: &Global) -> i32 {
    eprintln!("madoguchi print: not built yet");
    super::exit::INTERNAL
}
