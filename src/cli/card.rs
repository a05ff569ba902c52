//! `madoguchi card …` (issue: My Number card over PC/SC).
//!
//! The PIN and the 照合番号B come only from stdin (`--pin-stdin`, `--code-b-stdin`): never
//! from an argument or the environment, where other users and logs could see them.

use super::{exit, Global};
use crate::card::{self, CardError, KeyKind, ReaderEvent, Secret, VirtualCard};
use serde_json::json;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use zeroize::Zeroizing;

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
    Emulate {
        file: std::path::PathBuf,
        /// vpcd port: 35963 is "Virtual PCD 00 00", 35964 is "Virtual PCD 00 01".
        #[arg(long, default_value_t = card::VPCD_PORT)]
        port: u16,
    },
}

pub fn run(cmd: Cmd, _g: &Global) -> i32 {
    match cmd {
        Cmd::Readers { json } => readers(json),
        Cmd::Read {
            reader,
            pin_stdin,
            code_b_stdin,
            json,
        } => read(reader.as_deref(), pin_stdin, code_b_stdin, json),
        Cmd::Watch => watch(),
        Cmd::Emulate { file, port } => emulate(&file, port),
    }
}

fn report(e: &CardError, key: KeyKind) -> i32 {
    crate::say!("{}\n{}", e.message_ja_for(key), e.message_en_for(key));
    let code = exit::of(e.kind());
    if code == exit::INTERNAL {
        crate::say!("This is a bug in madoguchi; please report it with the command you ran (never with personal data).");
    }
    code
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02X}")).collect()
}

fn readers(json: bool) -> i32 {
    let list = match card::list_readers() {
        Ok(l) => l,
        Err(e) => return report(&e, KeyKind::Pin),
    };
    if json {
        let v: Vec<_> = list
            .iter()
            .map(|r| json!({"name": r.name, "card_present": r.card_present, "atr": r.atr.as_deref().map(hex)}))
            .collect();
        super::output::stdout(format!("{}\n", serde_json::Value::Array(v)))
    } else if list.is_empty() {
        crate::say!("カードリーダーが接続されていません。 (no reader)");
        exit::OK
    } else {
        super::output::with_stdout(|out| {
            for r in &list {
                match &r.atr {
                    Some(atr) => writeln!(
                        out,
                        "{}\tカードあり (card present, ATR {})",
                        r.name,
                        hex(atr)
                    )?,
                    None if r.card_present => {
                        writeln!(out, "{}\tカードあり (card present)", r.name)?
                    }
                    None => writeln!(out, "{}\tカードなし (empty)", r.name)?,
                }
            }
            Ok(())
        })
    }
}

/// Longest line read for a PIN or 照合番号B (they are 4 and 14 digits).
const MAX_SECRET_LINE: usize = 64;

/// Reads one line of stdin into a zeroizing buffer. On a terminal, echo is turned off (raw
/// mode) so the digits are not shown while the resident types.
fn read_secret_line(prompt: &str) -> std::io::Result<Zeroizing<String>> {
    let mut line = Zeroizing::new(String::with_capacity(2 * MAX_SECRET_LINE));
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        let _ = write!(std::io::stderr(), "{prompt}");
        let _ = std::io::stderr().flush();
        crossterm::terminal::enable_raw_mode()?;
        let mut byte = [0u8; 1];
        let mut lock = stdin.lock();
        let r = loop {
            match lock.read(&mut byte) {
                Ok(0) => break Ok(()),
                Ok(_) => match byte[0] {
                    b'\r' | b'\n' => break Ok(()),
                    // Ctrl-C / Ctrl-D in raw mode.
                    3 | 4 => {
                        break Err(std::io::Error::new(
                            std::io::ErrorKind::Interrupted,
                            "cancelled",
                        ))
                    }
                    0x7F | 0x08 => {
                        line.pop();
                    }
                    b if line.len() < MAX_SECRET_LINE => line.push(char::from(b)),
                    _ => {}
                },
                Err(e) => break Err(e),
            }
        };
        zeroize::Zeroize::zeroize(&mut byte);
        let _ = crossterm::terminal::disable_raw_mode();
        crate::say!();
        r?;
    } else {
        // One line, bounded: an endless line (`yes | madoguchi card read --pin-stdin`) is
        // refused at the bound, and the buffer never grows (no copies of a secret are left
        // behind by a reallocation).
        let mut limited = stdin.lock().take(MAX_SECRET_LINE as u64 + 1);
        limited.read_line(&mut line)?;
        if line.len() > MAX_SECRET_LINE {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("the line is longer than {MAX_SECRET_LINE} characters"),
            ));
        }
    }
    let trimmed_len = line.trim_end_matches(['\r', '\n']).len();
    line.truncate(trimmed_len);
    Ok(line)
}

fn read(reader: Option<&str>, pin_stdin: bool, code_b_stdin: bool, json: bool) -> i32 {
    if !pin_stdin && !code_b_stdin {
        crate::say!("暗証番号は --pin-stdin、照合番号Bは --code-b-stdin を付けて標準入力から渡してください。\nGive the PIN with --pin-stdin (or 照合番号B with --code-b-stdin), one line on stdin.");
        return exit::BAD_INPUT;
    }
    let key = if code_b_stdin {
        KeyKind::CodeB
    } else {
        KeyKind::Pin
    };
    let prompt = match key {
        KeyKind::Pin => "暗証番号（数字4桁）: ",
        KeyKind::CodeB => "照合番号B（数字14桁）: ",
    };
    let line = match read_secret_line(prompt) {
        Ok(l) => l,
        Err(e) => {
            // Never the line itself: it may hold the PIN.
            let why = if e.kind() == std::io::ErrorKind::InvalidData {
                e.to_string()
            } else {
                e.kind().to_string()
            };
            crate::say!("標準入力を読めませんでした。 (could not read stdin: {why})");
            return exit::BAD_INPUT;
        }
    };
    let secret = match key {
        KeyKind::Pin => Secret::pin(&line),
        KeyKind::CodeB => Secret::code_b(&line),
    };
    drop(line);
    let secret = match secret {
        Ok(s) => s,
        Err(e) => return report(&e, key),
    };
    let (reader, b) = match card::read_basic4_pcsc(reader, &secret) {
        Ok(r) => r,
        Err(e) => return report(&e, key),
    };
    drop(secret);
    let sex = b.sex.map(|s| s.as_str());
    if json {
        let v = json!({
            "name": b.name,
            "address": b.address,
            "birth_date": b.birth_date.format("%Y-%m-%d").to_string(),
            "sex": sex,
            "reader": reader,
        });
        super::output::stdout(format!("{v}\n"))
    } else {
        let sex_ja = match b.sex {
            Some(crate::intake::Sex::Male) => "男",
            Some(crate::intake::Sex::Female) => "女",
            Some(crate::intake::Sex::NotApplicable) => "該当なし",
            None => "不明",
        };
        super::output::stdout(format!(
            "氏名\t{}\n住所\t{}\n生年月日\t{} ({})\n性別\t{sex_ja}\nリーダー\t{reader}\n",
            b.name,
            b.address,
            crate::calendar::format_wareki(b.birth_date),
            b.birth_date.format("%Y-%m-%d")
        ))
    }
}

fn event_json(e: &ReaderEvent) -> serde_json::Value {
    match e {
        ReaderEvent::ReaderAdded(r) => json!({"event": "reader_added", "reader": r}),
        ReaderEvent::ReaderRemoved(r) => json!({"event": "reader_removed", "reader": r}),
        ReaderEvent::CardInserted { reader, atr } => {
            json!({"event": "card_inserted", "reader": reader, "atr": hex(atr)})
        }
        ReaderEvent::CardRemoved { reader } => json!({"event": "card_removed", "reader": reader}),
        ReaderEvent::ServiceUnavailable(m) => json!({"event": "service_unavailable", "message": m}),
    }
}

fn watch() -> i32 {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = card::spawn_watcher(tx);
    let stdout = std::io::stdout();
    // Runs until killed (Ctrl-C) or stdout closes.
    for e in rx {
        let mut out = stdout.lock();
        if writeln!(out, "{}", event_json(&e))
            .and_then(|_| out.flush())
            .is_err()
        {
            break;
        }
    }
    handle.stop();
    exit::OK
}

fn emulate(file: &std::path::Path, port: u16) -> i32 {
    let card = match VirtualCard::from_toml_file(file) {
        Ok(c) => c,
        Err(e) => {
            crate::say!("カード定義ファイルが正しくありません。 (invalid card identity) {e}");
            return exit::BAD_INPUT;
        }
    };
    let stop = Arc::new(AtomicBool::new(false));
    // Ctrl-C: remove the card cleanly (close the socket) before exiting.
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register(sig, stop.clone());
    }
    crate::say!("仮想カードを vpcd (127.0.0.1:{port}) に接続します。Ctrl-C で取り外します。\nVirtual card on vpcd port {port}; Ctrl-C removes it.");
    match card::run_vpcd(card, port, stop.clone()) {
        Ok(()) => exit::OK,
        Err(_) if stop.load(Ordering::SeqCst) => exit::OK,
        Err(e) => {
            crate::say!(
                "{}\n{} (vpcd 127.0.0.1:{port}: is pcscd running with vsmartcard-vpcd installed?)",
                e.message_ja(),
                e.message_en()
            );
            exit::of(e.kind())
        }
    }
}
