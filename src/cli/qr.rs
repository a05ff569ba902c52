//! `madoguchi qr …` (issue: MDG1 QR codes).

use super::Global;
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Encode an intake as MDG1 QR codes: DIR/part-01.png … and DIR/parts.txt.
    Encode {
        #[arg(long)]
        intake: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Assemble MDG1 parts (arguments, stdin lines, images) and print the intake JSON.
    Decode {
        texts: Vec<String>,
        #[arg(long = "image")]
        images: Vec<PathBuf>,
    },
}

pub fn run(_cmd: Cmd, _g: &Global) -> i32 {
    eprintln!("madoguchi qr: not built yet");
    super::exit::INTERNAL
}
