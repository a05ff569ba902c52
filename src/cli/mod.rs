//! The command line (`shared/spec/cli.md`): parse arguments, dispatch to one file per
//! subcommand. Messages go to stderr, machine output to stdout, and the exit codes are
//! those of the spec ([`exit`]).

pub mod card;
pub mod cases;
pub mod counter;
pub mod database;
pub mod determine;
pub mod diff;
pub mod output;
pub mod print;
pub mod procedures;
pub mod qr;
pub mod serve;
pub mod set;
pub mod templates;

use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// Exit codes of `cli.md`.
pub mod exit {
    pub const OK: i32 = 0;
    /// A bug: the message says so and asks for a report.
    pub const INTERNAL: i32 = 1;
    /// Bad input: usage, an invalid intake / QR / procedure file.
    pub const BAD_INPUT: i32 = 2;
    /// A device or service is unavailable: pcscd, reader, card, printer.
    pub const DEVICE: i32 = 3;
    /// The card refused: wrong PIN, blocked, not a My Number card.
    pub const CARD_REFUSED: i32 = 4;

    /// The exit code of an error kind: the one place where kinds become codes.
    pub fn of(kind: crate::error_kind::ErrorKind) -> i32 {
        use crate::error_kind::ErrorKind as K;
        match kind {
            K::BadInput => BAD_INPUT,
            K::Unavailable => DEVICE,
            K::CardRefused => CARD_REFUSED,
            K::Internal => INTERNAL,
        }
    }
}

/// madoguchi — 書かない窓口: My Number card, resident QR codes, every procedure of a move or a
/// death, and one bundle of pre-filled forms.
#[derive(Parser, Debug)]
#[command(name = "madoguchi", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every subcommand understands.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct Global {
    /// Procedure set folder (default: the set embedded in the program).
    #[arg(long, global = true, value_name = "DIR")]
    pub procedures: Option<PathBuf>,
    /// Form templates folder (default: the templates embedded in the program).
    #[arg(long, global = true, value_name = "DIR")]
    pub templates: Option<PathBuf>,
    /// Case database: a SQLite file or a postgresql:// URL (default: a file in the user's
    /// data directory).
    #[arg(long, global = true, value_name = "FILE|URL")]
    pub db: Option<PathBuf>,
    /// Configuration file (TOML).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Fix "today" (the date in Japan) for tests: YYYY-MM-DD.
    #[arg(long, global = true, value_name = "DATE", value_parser = parse_today)]
    pub today: Option<chrono::NaiveDate>,
    /// Training mode (練習モード): its own database and the virtual card.
    #[arg(long, global = true)]
    pub training: bool,
}

/// `--today`: a date an intake may hold (`intake::FIRST_DATE`..=`LAST_DATE`). A clock set
/// to year 0 or 9999 would print nonsense 和暦 and, worse, make retention purge every case.
fn parse_today(s: &str) -> Result<chrono::NaiveDate, String> {
    let shown = crate::text::quote(s);
    let d = crate::calendar::parse_date(s)
        .ok_or_else(|| format!("{shown} is not a date (YYYY-MM-DD)"))?;
    let ymd = |(y, m, d)| chrono::NaiveDate::from_ymd_opt(y, m, d);
    let (first, last) = (
        ymd(crate::intake::FIRST_DATE),
        ymd(crate::intake::LAST_DATE),
    );
    match (first, last) {
        (Some(first), Some(last)) if !(first..=last).contains(&d) => Err(format!(
            "{d} は範囲外です。{first} から {last} の日付を指定してください (out of range: {first}..={last})"
        )),
        _ => Ok(d),
    }
}

impl Global {
    /// Today in Japan, or the date fixed by `--today`.
    pub fn today(&self) -> chrono::NaiveDate {
        self.today.unwrap_or_else(crate::calendar::jst_today)
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the procedures a case triggers.
    Determine(determine::Args),
    /// Check, test and browse a procedure set.
    #[command(subcommand)]
    Procedures(procedures::Cmd),
    /// Render the guidance sheet and the pre-filled forms (and print them).
    Print(print::Args),
    /// Check and preview form templates.
    #[command(subcommand)]
    Templates(templates::Cmd),
    /// Read a My Number card (基本4情報 only) over PC/SC.
    #[command(subcommand)]
    Card(card::Cmd),
    /// Encode and decode MDG1 QR codes.
    #[command(subcommand)]
    Qr(qr::Cmd),
    /// Browse, export and purge stored cases.
    #[command(subcommand)]
    Cases(cases::Cmd),
    /// Statistics for measuring the counter's effect (効果測定).
    Stats(cases::StatsArgs),
    /// The resident's web page (手続ナビ) and its API, on this procedure set.
    Serve(serve::Args),
}

/// Runs the program; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // A usage error goes to stderr (dropped if stderr cannot take it, like `say!`).
            // `--help` and `--version` are the command's output: a full disk is exit 3 and a
            // closed pipe a quiet SIGPIPE, as for every other output (`cli::output`).
            if e.use_stderr() {
                // clap quotes an invalid value whole: as plain text, every line cut and
                // escaped, never a megabyte or an escape sequence back on the terminal.
                crate::say!("{}", clean_usage_error(&e.render().to_string()));
                return exit::BAD_INPUT;
            }
            let printed = e.print();
            return match printed {
                Ok(()) => exit::OK,
                Err(err) => output::stdout_failed(&err),
            };
        }
    };
    let g = cli.global;
    match cli.command {
        None => counter::run(&g),
        Some(Command::Determine(a)) => determine::run(a, &g),
        Some(Command::Procedures(c)) => procedures::run(c, &g),
        Some(Command::Print(a)) => print::run(a, &g),
        Some(Command::Templates(c)) => templates::run(c, &g),
        Some(Command::Card(c)) => card::run(c, &g),
        Some(Command::Qr(c)) => qr::run(c, &g),
        Some(Command::Cases(c)) => cases::run(c, &g),
        Some(Command::Stats(a)) => cases::stats(a, &g),
        Some(Command::Serve(a)) => serve::run(a, &g),
    }
}

/// Longest line of a usage error shown as it is.
const USAGE_LINE_CHARS: usize = 300;

/// A usage error with every line cut and its control and bidi characters escaped.
fn clean_usage_error(text: &str) -> String {
    let lines: Vec<String> = text
        .trim_end()
        .lines()
        .map(|l| {
            let escaped: String = l
                .chars()
                .map(|c| match crate::text::forbidden_kind(c) {
                    Some(_) => c.escape_unicode().to_string(),
                    None => c.to_string(),
                })
                .collect();
            crate::text::ellipsize(&escaped, USAGE_LINE_CHARS).into_owned()
        })
        .collect();
    lines.join("\n")
}

/// How messages name an input: its path, or "stdin" for `-`.
pub fn input_label(path: &std::path::Path) -> String {
    if path.as_os_str() == "-" {
        "stdin".into()
    } else {
        path.display().to_string()
    }
}

/// Reads an intake file, or stdin for `-`, up to `intake::MAX_INTAKE_BYTES`: a larger input
/// (`--intake /dev/zero`, an endless pipe) is refused after that many bytes, never read whole.
/// Pipes and process substitution (`<(…)`) are fine; a folder is not.
pub fn read_input(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let limit = crate::intake::MAX_INTAKE_BYTES as u64;
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(path)?
            .take(limit + 1)
            .read_to_end(&mut bytes)?;
    }
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("larger than {} MiB: not an intake", limit / (1024 * 1024)),
        ));
    }
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text (byte {})", e.utf8_error().valid_up_to()),
        )
    })
}

/// The procedure set and the intake a command works on: `--procedures` (or the embedded
/// set), then the intake file (`-` for stdin) checked against the set's vocabulary. Problems
/// are printed; `Err` holds the exit code.
pub fn load_set_and_intake(
    g: &Global,
    path: &std::path::Path,
) -> Result<(crate::rules::ProcedureSet, crate::intake::Intake), i32> {
    let set = set::load_set(g, None)?;
    let text = read_input(path).map_err(|e| {
        crate::say!("{}: cannot read: {e}", input_label(path));
        output::io_exit(&e)
    })?;
    let intake = crate::intake::parse_intake(&text, &set.vocabulary).map_err(|e| {
        crate::say!("{}: {e}", input_label(path));
        exit::BAD_INPUT
    })?;
    Ok((set, intake))
}

/// Reports a bug the way `cli.md` asks: say so, and ask for a report.
pub fn internal_error(what: impl std::fmt::Display) -> i32 {
    crate::say!("内部エラー (internal error): {what}\nThis is a bug in madoguchi; please report it with the command you ran (never with personal data).");
    exit::INTERNAL
}
