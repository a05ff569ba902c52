//! `madoguchi templates …` (issue: forms).

use super::Global;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Check every template.
    Check { dir: Option<std::path::PathBuf> },
    /// Render one form with sample data.
    Preview {
        id: String,
        #[arg(long, default_value = "preview.pdf")]
        out: std::path::PathBuf,
    },
}

pub fn run(_cmd: Cmd, _g: &Global) -> i32 {
    eprintln!("madoguchi templates: not built yet");
    super::exit::INTERNAL
}
