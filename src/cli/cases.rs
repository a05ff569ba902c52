//! `madoguchi cases …` and `madoguchi stats` (issue: cases in SQLite).

use super::Global;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    List {
        #[arg(long)]
        json: bool,
    },
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    Export {
        #[arg(long, default_value = "json")]
        format: String,
    },
    Purge {
        #[arg(long)]
        older_than: Option<u32>,
    },
}

#[derive(clap::Args, Debug)]
pub struct StatsArgs {
    #[arg(long)]
    pub since: Option<String>,
    #[arg(long)]
    pub csv: Option<std::path::PathBuf>,
    #[arg(long)]
    pub chart: Option<std::path::PathBuf>,
}

pub fn run(_cmd: Cmd, _g: &Global) -> i32 {
    eprintln!("madoguchi cases: not built yet");
    super::exit::INTERNAL
}

pub fn stats(_a: StatsArgs, _g: &Global) -> i32 {
    eprintln!("madoguchi stats: not built yet");
    super::exit::INTERNAL
}
