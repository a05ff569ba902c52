//! `madoguchi qr …` (issue: MDG1 QR codes).
//!
//! `encode` is the reference encoder app makers test against; `decode` assembles parts from
//! arguments, stdin lines and images exactly as the counter does, so a script gets the same
//! verdict (and message) a clerk would. Payloads are personal data: only the decoded intake is
//! printed (it is the command's output), never a part's text in a message.

use super::{exit, read_input, Global};
use crate::intake::{parse_intake, Vocabulary};
use crate::qr::{self, Assembler, Feed, QrError};
use std::io::BufRead;
use std::path::{Path, PathBuf};

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

pub fn run(cmd: Cmd, g: &Global) -> i32 {
    let vocab = match super::set::load_set(g, None) {
        Ok(s) => s.vocabulary,
        Err(c) => return c,
    };
    match cmd {
        Cmd::Encode { intake, out } => encode(&intake, &out, &vocab),
        Cmd::Decode { texts, images } => decode(&texts, &images, vocab),
    }
}

fn encode(intake_path: &Path, out: &Path, vocab: &Vocabulary) -> i32 {
    let text = match read_input(intake_path) {
        Ok(t) => t,
        Err(e) => {
            crate::say!("{}: cannot read: {e}", intake_path.display());
            return super::output::io_exit(&e);
        }
    };
    let intake = match parse_intake(&text, vocab) {
        Ok(i) => i,
        Err(e) => {
            crate::say!("{}: {e}", intake_path.display());
            return exit::BAD_INPUT;
        }
    };
    let parts = match qr::try_encode_parts(&intake, qr::random_set_id()) {
        Ok(p) => p,
        Err(e) => {
            crate::say!("{}: {e}", intake_path.display());
            return exit::BAD_INPUT;
        }
    };
    // The codes carry the intake: folders we create are 0700, files 0600.
    if let Err(e) = super::output::create_private_dir_all(out) {
        crate::say!("{}: cannot create the folder: {e}", out.display());
        return super::output::io_exit(&e);
    }
    let mut list = String::new();
    for (i, p) in parts.iter().enumerate() {
        let file = out.join(format!("part-{:02}.png", i + 1));
        if let Err(e) = super::output::write_private_file(&file, &qr::render_png(p)) {
            crate::say!("{}: cannot write: {e}", file.display());
            return super::output::io_exit(&e);
        }
        list.push_str(p);
        list.push('\n');
    }
    let file = out.join("parts.txt");
    if let Err(e) = super::output::write_private_file(&file, list.as_bytes()) {
        crate::say!("{}: cannot write: {e}", file.display());
        return super::output::io_exit(&e);
    }
    crate::say!(
        "{}枚のQRコードを書き出しました ({} part(s) written to {})",
        parts.len(),
        parts.len(),
        out.display()
    );
    exit::OK
}

/// Where a text came from, for messages ("argument 2", "stdin line 3", "photo.jpg").
struct Source(String);

fn decode(texts: &[String], images: &[PathBuf], vocab: Vocabulary) -> i32 {
    let mut asm = Assembler::new(vocab);
    let mut done = None;
    // Stdin is read when nothing else is given, where an argument is `-`, and in addition
    // to arguments and images when they left the set incomplete and stdin is not a terminal
    // (`echo PART2 | madoguchi qr decode PART1`). A set completed by the arguments never
    // waits on stdin.
    let only_stdin = texts.is_empty() && images.is_empty();
    let explicit_stdin = texts.iter().any(|t| t == "-");
    let complete = std::cell::Cell::new(false);
    let mut feed_one = |src: &Source, text: &str, from_image: bool| -> Result<(), i32> {
        if text.trim().is_empty() {
            return Ok(());
        }
        match asm.feed(text) {
            Ok(Feed::Complete(i)) => {
                let id = asm.set_id().unwrap_or_default();
                if let Some((first, _)) = &done {
                    // Two households in one run: never pick one silently.
                    crate::say!(
                        "{}: 2つ目のコード一式 ({id:06}) も揃いました。先に揃った一式 ({first:06}) とどちらの世帯か決められません。1世帯ずつ読み取ってください (a second complete code set, {id:06}, after set {first:06}: which household is meant is unclear; decode one set at a time)",
                        src.0
                    );
                    return Err(exit::BAD_INPUT);
                }
                done = Some((id, i));
                complete.set(true);
                Ok(())
            }
            Ok(Feed::Progress { .. } | Feed::Duplicate { .. }) => Ok(()),
            Ok(Feed::OtherSet {
                current_set,
                new_set,
                conflict,
            }) => {
                let (read, total) = asm.progress().unwrap_or((0, 0));
                let (ja, en) = conflict.message(current_set, new_set, read, total);
                crate::say!("{}: {ja} ({en})", src.0);
                Err(exit::BAD_INPUT)
            }
            // Photos often hold other codes too (a URL, a ticket); only MDG1 parts count.
            Err(QrError::NotMadoguchi) if from_image => Ok(()),
            Err(e) => {
                crate::say!("{}: {e}", src.0);
                Err(exit::BAD_INPUT)
            }
        }
    };
    let budget_secs = qr::Budget::default().time.as_secs();
    let mut slow_images: Vec<String> = Vec::new();
    let mut run = || -> Result<(), i32> {
        for (n, t) in texts.iter().enumerate() {
            if t == "-" {
                feed_stdin(&mut feed_one)?;
            } else {
                feed_one(&Source(format!("argument {}", n + 1)), t, false)?;
            }
        }
        for path in images {
            let decoded = qr::decode_image_file(path).map_err(|e| {
                crate::say!("{}: {e}", path.display());
                exit::of(e.kind())
            })?;
            if decoded.timed_out {
                slow_images.push(path.display().to_string());
            }
            let found = decoded.codes;
            if !found
                .iter()
                .any(|t| qr::parse_part(t) != Err(QrError::NotMadoguchi))
            {
                if decoded.timed_out {
                    crate::say!(
                        "{}: {}秒以内に窓口用のQRコードが見つかりませんでした。コードを1つずつ撮影してください (no madoguchi QR code found within the time budget of {} s: photograph the codes one at a time)",
                        path.display(),
                        budget_secs,
                        budget_secs
                    );
                } else {
                    crate::say!(
                        "{}: 窓口用のQRコードが見つかりません (no madoguchi QR code found in the image)",
                        path.display()
                    );
                }
                return Err(exit::BAD_INPUT);
            }
            let src = Source(path.display().to_string());
            for t in &found {
                feed_one(&src, t, true)?;
            }
        }
        let piped = !std::io::IsTerminal::is_terminal(&std::io::stdin());
        if only_stdin || (!explicit_stdin && !complete.get() && piped) {
            feed_stdin(&mut feed_one)?;
        }
        Ok(())
    };
    if let Err(code) = run() {
        return code;
    }
    if let (Some((first, _)), Some((read, total))) = (&done, asm.progress()) {
        let other = asm.set_id().unwrap_or_default();
        crate::say!(
            "コード一式 ({first:06}) が揃った後に、別の一式 ({other:06}) のコードが{total}枚中{read}枚読み取られました。どちらの世帯か決められません。1世帯ずつ読み取ってください (set {first:06} was complete, then {read} of {total} parts of another set {other:06} were read: which household is meant is unclear; decode one set at a time)"
        );
        return exit::BAD_INPUT;
    }
    if let Some((_, intake)) = done {
        return super::output::stdout(intake.to_json_pretty() + "\n");
    }
    match (asm.progress(), asm.missing()) {
        (Some((read, total)), missing) => {
            let missing: Vec<String> = missing.iter().map(u8::to_string).collect();
            crate::say!(
                "コードが揃っていません: {total}枚中{read}枚を読み取りました。足りないのは {} 枚目です (incomplete: {read} of {total} parts read; missing part(s) {})",
                missing.join("・"),
                missing.join(", ")
            );
            for p in &slow_images {
                crate::say!(
                    "{p}: 画像の読み取りを{budget_secs}秒で打ち切りました。コードを1つずつ撮影してください (the search in this image stopped at its time budget of {budget_secs} s: photograph fewer codes at a time)"
                );
            }
        }
        (None, _) => crate::say!("コードが与えられていません (no MDG1 part given)"),
    }
    exit::BAD_INPUT
}

/// Longest stdin line kept: a QR code holds at most ~7,100 characters; a longer line is
/// damaged whatever it holds, so it is not read into memory whole.
const MAX_LINE: usize = qr::MAX_PART_CHARS + 1024;

fn feed_stdin(
    feed_one: &mut impl FnMut(&Source, &str, bool) -> Result<(), i32>,
) -> Result<(), i32> {
    let stdin = std::io::stdin();
    if std::io::IsTerminal::is_terminal(&stdin) {
        // A person at a terminal (or a keyboard-mode scanner typing into it).
        crate::say!("パートを1行ずつ読み取ってください。終わりは Ctrl-D (scan or paste parts, one per line; Ctrl-D ends)");
    }
    let mut input = stdin.lock();
    let mut line = Vec::new();
    for n in 1.. {
        line.clear();
        let mut too_long = false;
        // Read up to the newline, but keep at most MAX_LINE bytes of it.
        loop {
            let buf = match input.fill_buf() {
                Ok(b) => b,
                Err(e) => {
                    crate::say!("stdin: cannot read: {e}");
                    return Err(exit::BAD_INPUT);
                }
            };
            if buf.is_empty() {
                break;
            }
            let (chunk, end) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], Some(i + 1)),
                None => (buf, None),
            };
            // Keep the start (it tells a damaged part from something else), drop the rest.
            let room = MAX_LINE - line.len();
            if chunk.len() > room {
                too_long = true;
            }
            line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            let used = end.unwrap_or(buf.len());
            input.consume(used);
            // A too-long line is refused as soon as it is seen: an endless one (a stuck
            // scanner, `/dev/zero`) must not keep the command reading forever.
            if end.is_some() || too_long {
                break;
            }
        }
        let src = Source(format!("stdin line {n}"));
        if too_long {
            // Never a QR code's text; say which of the two the start suggests.
            let e = if qr::parse_part(&String::from_utf8_lossy(&line)) == Err(QrError::NotMadoguchi)
            {
                QrError::NotMadoguchi
            } else {
                QrError::PartDamaged
            };
            crate::say!("{}: {e}", src.0);
            return Err(exit::BAD_INPUT);
        } else if line.is_empty() {
            match input.fill_buf() {
                Ok([]) => return Ok(()),
                _ => continue,
            }
        } else {
            // Invalid UTF-8 becomes U+FFFD: a damaged part if it starts with MDG1.
            feed_one(&src, &String::from_utf8_lossy(&line), false)?;
        }
    }
    Ok(())
}
