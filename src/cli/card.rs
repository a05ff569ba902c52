//! `madoguchi card …` (issue: My Number card over PC/SC).

use super::Global;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// List PC/SC readers and whether a card is present.
    Readers {
        #[arg(long)]
        json: bool,
    },
    /// Read the 基本4情報 of the inserted card. The PIN (or 照合番号B) is one line on stdin.
    Read {
        #[arg(long)]
        reader: Option<String>,
        #[arg(long, conflicts_with = "code_b_stdin")]
        pin_stdin: bool,
        #[arg(long)]
        code_b_stdin: bool,
        #[arg(long)]
        json: bool,
    },
    /// Print reader and card events as JSON lines.
    Watch,
    /// Run a virtual My Number card against vpcd (demos, training, tests).
    Emulate { file: std::path::PathBuf },
}

pub fn run(_cmd: Cmd, _g: &Global) -> i32 {
    eprintln!("madoguchi card: not built yet");
    super::exit::INTERNAL
}
