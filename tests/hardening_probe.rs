//! Issue 14, second probe: the numbered defects re-probed with fresh inputs, as an outside
//! tester would, through the command line. Each test is one finding of that probe: bad input
//! is exit 2 with the place and the reason, an unavailable device or file exit 3, never
//! exit 1, a panic, a hang, or a 個人番号 repeated back.

use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
mod hardening_support;
use hardening_support::{assert_refused, root, stderr};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Where stdout goes.
enum Out {
    Piped,
    DevFull,
    /// A pipe whose reader is gone.
    Closed,
}

/// Runs madoguchi in a private HOME with `stdin`, stdout as asked, stderr piped; killed
/// after `limit` (then the test fails: a hang). Runs in its own session, with no controlling
/// terminal, so the counter screen can never take the terminal of whoever runs the tests.
fn madoguchi(home: &Path, args: &[&str], stdin: &[u8], out: Out, limit: Duration) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    cmd.current_dir(root())
        .arg("--today")
        .arg("2026-06-20")
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .stdin(Stdio::piped())
        .stderr(Stdio::piped());
    match out {
        Out::Piped => cmd.stdout(Stdio::piped()),
        Out::DevFull => cmd.stdout(
            std::fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .unwrap(),
        ),
        Out::Closed => {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            cmd.stdout(writer)
        }
    };
    // SAFETY: setsid is async-signal-safe and touches no memory of this process.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    let mut child = cmd.spawn().expect("runs madoguchi");
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    // On a thread: the program may stop reading early.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?}: still running after {limit:?} (a hang)");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    out
}

fn run(home: &Path, args: &[&str], stdin: &[u8]) -> Output {
    madoguchi(home, args, stdin, Out::Piped, Duration::from_secs(120))
}

/// A 個人番号 with a valid check digit (番号法施行令 第8条), made from 11 digits here so that
/// no fixture's number is reused.
fn individual_number(first11: &str) -> String {
    let d: Vec<u32> = first11.chars().map(|c| c.to_digit(10).unwrap()).collect();
    assert_eq!(d.len(), 11);
    let sum: u32 = (1..=11usize)
        .map(|n| d[11 - n] * if n <= 6 { n as u32 + 1 } else { n as u32 - 5 })
        .sum();
    let r = sum % 11;
    let check = if r <= 1 { 0 } else { 11 - r };
    format!("{first11}{check}")
}

fn intake(name: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(root().join("fixtures/intakes").join(name)).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Sets the string at a JSON pointer, adding its last key if the fixture does not have it.
fn put(v: &mut serde_json::Value, pointer: &str, text: String) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let obj = v.pointer_mut(parent).unwrap_or_else(|| panic!("{pointer}"));
    obj.as_object_mut().unwrap().insert(key.into(), text.into());
}

/// A case in the database at `db`, made by printing to a file; returns its code.
fn a_case(home: &Path, db: &str) -> String {
    let out_dir = home.join("bundle");
    let out = run(
        home,
        &[
            "--db",
            db,
            "print",
            "--intake",
            "fixtures/intakes/move-in-single.json",
            "--out",
            out_dir.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let list = run(home, &["--db", db, "cases", "list", "--json"], b"");
    let v: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    v[0]["code"].as_str().unwrap().to_string()
}

#[test]
fn a_number_grouped_by_hand_is_refused_in_every_text_field() {
    let home = tempfile::tempdir().unwrap();
    let n = individual_number("52601815908");
    let (a, b, c) = (&n[..4], &n[4..8], &n[8..]);
    let full: String = n
        .chars()
        .map(|ch| char::from_u32(ch as u32 - '0' as u32 + '０' as u32).unwrap())
        .collect();
    let written = [
        format!("{a}/{b}/{c}"),
        format!("{}／{}／{}", &full[..12], &full[12..24], &full[24..]),
        format!("{a},{b},{c}"),
        format!("{a}、{b}、{c}"),
        format!("{a}_{b}_{c}"),
        format!("({a}){b}-{c}"),
    ];
    // Every personal text field of the first edition and of Edition 2.
    let fields: [(&str, &str); 8] = [
        ("move-in-family.json", "/event/previous_address"),
        ("move-in-family.json", "/household/members/0/name"),
        ("move-in-family.json", "/household/members/1/relation_label"),
        ("death-edition2.json", "/household/members/0/honseki"),
        ("death-edition2.json", "/household/members/1/hittosha"),
        (
            "move-in-foreign-resident.json",
            "/household/members/0/residence/status",
        ),
        (
            "death-with-outside-applicant.json",
            "/event/applicant/phone",
        ),
        (
            "death-with-outside-applicant.json",
            "/event/applicant/address",
        ),
    ];
    for (i, (file, pointer)) in fields.iter().enumerate() {
        let w = &written[i % written.len()];
        let mut v = intake(file);
        put(&mut v, pointer, format!("連絡 {w} まで"));
        let out = run(
            home.path(),
            &["determine", "--intake", "-"],
            v.to_string().as_bytes(),
        );
        let path = pointer
            .trim_start_matches('/')
            .split('/')
            .fold(String::new(), |p, k| match k.parse::<usize>() {
                Ok(i) => format!("{p}[{i}]"),
                Err(_) if p.is_empty() => k.to_string(),
                Err(_) => format!("{p}.{k}"),
            });
        assert_refused(&out, 2, &[&path, "individual number"]);
    }
    // Times and date ranges are not read as one number.
    let mut v = intake("move-in-family.json");
    put(
        &mut v,
        "/household/members/1/relation_label",
        "妻 2026/04/01 12:34 〜 2026/04/30".into(),
    );
    let out = run(
        home.path(),
        &["determine", "--intake", "-"],
        v.to_string().as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn a_key_holding_a_number_is_refused_without_repeating_it() {
    let home = tempfile::tempdir().unwrap();
    let n = individual_number("07162021832");
    // A fact named with the number, and the same key twice (refused while reading the JSON).
    let mut v = intake("move-in-family.json");
    v["household"]["facts"][format!("x{n}")] = 1.into();
    let text = v.to_string();
    let twice = format!(r#"{{"format":"madoguchi-intake/1","a{n}":1,"a{n}":2}}"#);
    for doc in [text, twice] {
        let out = run(home.path(), &["determine", "--intake", "-"], doc.as_bytes());
        assert_refused(&out, 2, &["(a key holding an individual number)"]);
        assert!(!stderr(&out).contains(&n[4..]), "{}", stderr(&out));
    }
    // The configuration: a key that is no setting, and a line toml cannot read.
    let config = home.path().join("config.toml");
    for text in [
        format!("[\"山田 {n}\"]\nclerk = \"x\"\n"),
        format!("clerk = \"山田 {n}\n"),
    ] {
        std::fs::write(&config, text).unwrap();
        let out = run(
            home.path(),
            &["--config", config.to_str().unwrap(), "procedures", "list"],
            b"",
        );
        assert_refused(&out, 2, &["config.toml: line 1", "individual number"]);
        assert!(!stderr(&out).contains(&n[4..]), "{}", stderr(&out));
    }
}

#[test]
fn a_set_aside_reason_holds_no_number_and_no_control_character() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("cases.db");
    let db = db.to_str().unwrap();
    let code = a_case(home.path(), db);
    let n = individual_number("65326948469");
    let spaced = format!("{} {} {}", &n[..4], &n[4..8], &n[8..]);
    let hyphens = format!("{}-{}-{}", &n[..4], &n[4..8], &n[8..]);
    let zero_width: String = n.chars().flat_map(|c| [c, '\u{200B}']).collect();
    for (reason, why) in [
        (spaced.as_str(), "no individual number is stored"),
        (hyphens.as_str(), "no individual number is stored"),
        (zero_width.as_str(), "no individual number is stored"),
        ("再来庁\u{1b}[2J予定", "U+001B"),
        ("本人\u{202E}不在", "U+202E"),
    ] {
        let out = run(
            home.path(),
            &[
                "--db",
                db,
                "cases",
                "mark",
                &code,
                "resident.move_in",
                "set_aside",
                "--reason",
                reason,
            ],
            b"",
        );
        assert_refused(&out, 2, &["reason", why]);
    }
    // Nothing was recorded.
    let out = run(
        home.path(),
        &["--db", db, "cases", "status", &code, "--json"],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        v["procedures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "pending" && p["reason"].is_null()),
        "{v}"
    );
}

#[test]
fn long_arguments_come_back_cut() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("cases.db");
    let db = db.to_str().unwrap();
    let code = a_case(home.path(), db);
    let long = "x".repeat(100_000);
    for args in [
        vec!["--db", db, "cases", "show", &long],
        vec!["--db", db, "cases", "status", &long],
        vec!["--db", db, "cases", "mark", &code, &long, "done"],
        vec!["serve", "--listen", &long],
    ] {
        let out = run(home.path(), &args, b"");
        // Quoted and cut after 40 characters.
        assert_refused(&out, 2, &["xxxx\"…"]);
        assert!(out.stderr.len() < 2_000, "{} bytes", out.stderr.len());
    }
    // Values the argument parser refuses: cut too, and never an escape sequence raw.
    let digits = "9".repeat(100_000);
    let escape = "\u{1b}[2J\u{1b}]0;title\u{7}".to_string();
    for args in [
        vec!["--db", db, "cases", "purge", "--older-than", &digits],
        vec!["determine", "--intake", "-", "--format", &long],
        vec!["determine", "--intake", "-", "--format", &escape],
    ] {
        let out = run(home.path(), &args, b"");
        assert_refused(&out, 2, &["invalid value"]);
        assert!(out.stderr.len() < 2_000, "{} bytes", out.stderr.len());
        assert!(!out.stderr.contains(&0x1b), "{}", stderr(&out));
    }
}

#[test]
fn today_out_of_the_calendar_is_refused_and_purges_nothing() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("cases.db");
    let db = db.to_str().unwrap();
    a_case(home.path(), db);
    for day in ["0000-01-01", "1800-01-01", "2100-01-01", "9999-12-31"] {
        // `--today` given twice would be a usage error: this one replaces the default.
        let out = Command::new(env!("CARGO_BIN_EXE_madoguchi"))
            .args(["--db", db, "--today", day, "stats"])
            .env("HOME", home.path())
            .output()
            .unwrap();
        assert_refused(&out, 2, &["--today", "out of range"]);
    }
    let out = run(home.path(), &["--db", db, "cases", "list", "--json"], b"");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["status"], "closed", "the case is still there: {v}");
    assert!(v[0]["purged_at"].is_null(), "{v}");
}

#[test]
fn every_output_on_a_full_disk_or_a_closed_pipe() {
    let home = tempfile::tempdir().unwrap();
    let db = home.path().join("cases.db");
    let db = db.to_str().unwrap();
    a_case(home.path(), db);
    let limit = Duration::from_secs(120);
    for args in [
        vec!["--db", db, "cases", "export"],
        vec!["--db", db, "cases", "export", "--format", "csv"],
        vec!["--help"],
        vec!["--version"],
        vec!["cases", "--help"],
    ] {
        let out = madoguchi(home.path(), &args, b"", Out::DevFull, limit);
        assert_refused(&out, 3, &["No space left"]);
        let out = madoguchi(home.path(), &args, b"", Out::Closed, limit);
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGPIPE),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(stderr(&out), "", "{args:?}: quiet");
    }
    // Files named on the command line: a full disk is exit 3 too.
    for flag in ["--csv", "--chart"] {
        let out = run(home.path(), &["--db", db, "stats", flag, "/dev/full"], b"");
        assert_refused(&out, 3, &["/dev/full", "No space left"]);
    }
}

#[test]
fn the_counter_without_a_terminal_is_an_unavailable_device() {
    let home = tempfile::tempdir().unwrap();
    let limit = Duration::from_secs(60);
    let out = madoguchi(home.path(), &[], b"", Out::Piped, limit);
    assert_refused(&out, 3, &["端末", "needs a terminal"]);
    assert!(!stderr(&out).contains("internal error"), "{}", stderr(&out));
    // Its output a full disk or a closed pipe: the same, never a panic.
    for how in [Out::DevFull, Out::Closed] {
        let out = madoguchi(home.path(), &[], b"", how, limit);
        assert_refused(&out, 3, &["needs a terminal"]);
    }
}

#[test]
fn endless_stdin_for_qr_decode_ends_with_an_answer() {
    let home = tempfile::tempdir().unwrap();
    let limit = Duration::from_secs(60);
    // One line without end (`cat /dev/zero`), and blank lines without end (`yes ''`).
    let zeros = vec![0u8; 64 << 20];
    let out = madoguchi(home.path(), &["qr", "decode"], &zeros, Out::Piped, limit);
    assert_refused(&out, 2, &["stdin line 1"]);
    let blank = vec![b'\n'; 64 << 20];
    let out = madoguchi(home.path(), &["qr", "decode"], &blank, Out::Piped, limit);
    assert_refused(&out, 2, &["more than 10000 lines"]);
}

#[test]
fn an_image_thinner_than_a_qr_code_is_refused_from_its_header() {
    let home = tempfile::tempdir().unwrap();
    // 40 million pixels by 1: under the pixel budget, but the search took gigabytes.
    let png = home.path().join("line.png");
    std::fs::write(&png, grey_png(40_000_000, 1)).unwrap();
    let out = madoguchi(
        home.path(),
        &["qr", "decode", "--image", png.to_str().unwrap()],
        b"",
        Out::Piped,
        Duration::from_secs(30),
    );
    assert_refused(
        &out,
        2,
        &["line.png", "40000000×1", "cannot hold a QR code"],
    );
}

/// A white greyscale PNG, 1 bit per pixel.
fn grey_png(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
    }
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let mut row = vec![0xFFu8; 1 + w.div_ceil(8) as usize];
    row[0] = 0;
    for _ in 0..h {
        z.write_all(&row).unwrap();
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &z.finish().unwrap());
    chunk(&mut out, b"IEND", &[]);
    out
}
