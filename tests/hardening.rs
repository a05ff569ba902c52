//! Issue 14 (hardening), through the command line as a user meets it: one test per numbered
//! defect this crate's CLI owns. Every bad input gets exit 2 with the place and the reason,
//! every unavailable device or file exit 3, never exit 1 or a panic.

use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
mod hardening_support;
use hardening_support::{assert_refused, root, stderr};
use std::process::{Command, Output, Stdio};

/// The process environment (TMPDIR) is shared by the tests of this binary, which run in
/// parallel threads: the one test that changes it holds this for writing, the others for
/// reading.
static ENV: std::sync::RwLock<()> = std::sync::RwLock::new(());

fn shared_env() -> std::sync::RwLockReadGuard<'static, ()> {
    ENV.read().unwrap_or_else(|e| e.into_inner())
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    c.arg("--today").arg("2026-04-06");
    c
}

/// Runs madoguchi with `stdin`, in a private HOME so no test touches a real database.
fn run_in(home: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = bin()
        .args(args)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs madoguchi");
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.to_vec();
    // Written on a thread: the program may stop reading early (that is what some tests check).
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    out
}

/// Runs madoguchi with `total` bytes of `byte` on stdin (far more than any bound), written
/// until the program stops reading.
fn run_with_endless_stdin(args: &[&str], byte: u8, total: usize) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let chunk = vec![byte; 1 << 16];
        for _ in 0..total / chunk.len() {
            if stdin.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    let _ = feeder.join();
    out
}

fn family_path() -> PathBuf {
    root().join("fixtures/intakes/move-in-family.json")
}

// ---- defect 4: full disk, closed pipe ----

#[test]
fn defect4_full_disk_and_closed_pipe_never_panic_nor_exit_0_silently() {
    let _env = shared_env();
    let home = tempfile::tempdir().unwrap();
    let family = family_path();
    let family = family.to_str().unwrap();
    let parts = std::fs::read(root().join("fixtures/qr/family.parts.txt")).unwrap();
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap()
    };
    let cases: Vec<(Vec<&str>, &[u8])> = vec![
        (vec!["determine", "--intake", family], b""),
        (
            vec!["determine", "--intake", family, "--format", "json"],
            b"",
        ),
        (vec!["qr", "decode"], &parts),
        (vec!["procedures", "list"], b""),
        (vec!["procedures", "check", "procedures/"], b""),
    ];
    for (args, stdin) in &cases {
        // stdout on a full disk: exit 3 and a message, never 0 with nothing written.
        let mut child = bin()
            .current_dir(root())
            .args(args)
            .env("HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(full())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_refused(&out, 3, &["cannot write the output", "No space left"]);

        // stdout a pipe nobody reads any more: a quiet end by SIGPIPE, like other Unix tools.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut child = bin()
            .current_dir(root())
            .args(args)
            .env("HOME", home.path())
            .stdin(Stdio::piped())
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.signal(),
            Some(libc::SIGPIPE),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(stderr(&out), "", "{args:?}: quiet");
    }
    // Messages to a full stderr: still the right exit code, no panic.
    let out = bin()
        .args(["determine", "--intake", "/nonexistent/intake.json"])
        .env("HOME", home.path())
        .stderr(full())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

// ---- defect 2: image decoding within a time and pixel budget ----

/// A deterministic pseudo-random household whose intake compresses badly: `members` members
/// with random kanji names and long random addresses (5–6 QR parts for 10 members).
fn incompressible_intake(members: usize, seed: u64) -> serde_json::Value {
    let mut s = seed;
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 33) as u32
    };
    let mut kanji = |n: usize| -> String {
        (0..n)
            .map(|_| char::from_u32(0x4E00 + next() % 0x4000).unwrap())
            .collect()
    };
    let address = format!("東京都まどぐち市{}町{}", kanji(40), kanji(30));
    let ms: Vec<serde_json::Value> = (0..members)
        .map(|i| {
            serde_json::json!({
                "id": format!("m{}", i + 1),
                "name": format!("{}　{}", kanji(6), kanji(8)),
                "birth_date": format!("{}-0{}-1{}", 1950 + i, 1 + i % 9, i % 9),
                "relation": if i == 0 { "head" } else { "child" },
                "honseki": kanji(30),
            })
        })
        .collect();
    serde_json::json!({
        "format": "madoguchi-intake/1",
        "event": { "kind": "move_in", "date": "2026-04-01", "new_address": address,
                   "previous_address": kanji(60) },
        "household": { "address": address, "head": "m1", "members": ms }
    })
}

/// Runs madoguchi, killing it after `limit`: `None` when it had to be killed (a hang).
fn run_with_limit(args: &[&str], limit: std::time::Duration) -> Option<Output> {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return Some(child.wait_with_output().unwrap());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn defect2_images_with_many_codes_or_many_pixels_end_with_an_answer() {
    let _env = shared_env();
    let tmp = tempfile::tempdir().unwrap();
    // One picture holding every part of a 5- or 6-part set, as the docs advertise.
    let intake = incompressible_intake(10, 14);
    let intake_path = tmp.path().join("big.json");
    std::fs::write(&intake_path, intake.to_string()).unwrap();
    let out_dir = tmp.path().join("codes");
    let enc = bin()
        .args([
            "qr",
            "encode",
            "--intake",
            intake_path.to_str().unwrap(),
            "--out",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert!(enc.status.success(), "{}", stderr(&enc));
    let parts: Vec<String> = std::fs::read_to_string(out_dir.join("parts.txt"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert!((4..=6).contains(&parts.len()), "{} parts", parts.len());
    let codes: Vec<image::GrayImage> = parts
        .iter()
        .map(|p| {
            image::load_from_memory(&madoguchi::qr::render_png(p))
                .unwrap()
                .to_luma8()
        })
        .collect();
    let side = codes.iter().map(|c| c.width()).max().unwrap();
    let cols = 3u32;
    let rows = (parts.len() as u32).div_ceil(cols);
    let mut canvas = image::GrayImage::from_pixel(
        cols * (side + 60) + 60,
        rows * (side + 60) + 60,
        image::Luma([235]),
    );
    for (k, c) in codes.iter().enumerate() {
        let (cx, cy) = (k as u32 % cols, k as u32 / cols);
        image::imageops::overlay(
            &mut canvas,
            c,
            i64::from(60 + cx * (side + 60)),
            i64::from(60 + cy * (side + 60)),
        );
    }
    let canvas = image::imageops::blur(&canvas, 0.8);
    let png = tmp.path().join("all-parts.png");
    canvas.save(&png).unwrap();
    if let Ok(keep) = std::env::var("MADOGUCHI_KEEP_IMAGE") {
        std::fs::copy(&png, keep).unwrap();
    }
    let out = run_with_limit(
        &["qr", "decode", "--image", png.to_str().unwrap()],
        std::time::Duration::from_secs(300),
    )
    .expect("decoding one picture of a whole set must end (it hung for > 10 minutes before)");
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    match out.status.code() {
        Some(0) => {
            let back: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(back["household"]["members"].as_array().unwrap().len(), 10);
        }
        // Or a clear message: the budget ran out, give the codes one by one.
        Some(2) => assert!(err.contains("time"), "{err}"),
        other => panic!("exit {other:?}: {err}"),
    }

    // A 20000 × 20000 picture: refused from its header, without decoding 400 megapixels.
    let huge = tmp.path().join("huge.png");
    std::fs::write(&huge, white_png(20_000, 20_000)).unwrap();
    let out = run_with_limit(
        &["qr", "decode", "--image", huge.to_str().unwrap()],
        std::time::Duration::from_secs(120),
    )
    .expect("a huge picture is refused, not decoded for minutes");
    assert_refused(&out, 2, &["huge.png", "20000", "pixels"]);
}

/// A valid, all-white, 1-bit greyscale PNG of any size, written without holding its pixels:
/// a 20000² picture is about 60 KB on disk (a decompression bomb for a careless decoder).
fn white_png(w: u32, h: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut h = crc32fast::Hasher::new();
        h.update(kind);
        h.update(data);
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&h.finalize().to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // 1 bit, greyscale, deflate, filter 0, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let mut row = vec![0xFFu8; 1 + w.div_ceil(8) as usize];
    row[0] = 0; // filter: none
    for _ in 0..h {
        z.write_all(&row).unwrap();
    }
    chunk(&mut out, b"IDAT", &z.finish().unwrap());
    chunk(&mut out, b"IEND", &[]);
    out
}

// ---- defect 1: a 個人番号 inside any personal text field ----

fn family() -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(family_path()).unwrap()).unwrap()
}

fn death() -> serde_json::Value {
    serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/intakes/death-with-outside-applicant.json"))
            .unwrap(),
    )
    .unwrap()
}

/// Sets `value` at a JSON pointer, creating objects on the way.
fn set(v: &mut serde_json::Value, pointer: &str, value: serde_json::Value) {
    let mut cur = v;
    for key in pointer.trim_start_matches('/').split('/') {
        cur = match key.parse::<usize>() {
            Ok(i) => &mut cur[i],
            Err(_) => &mut cur[key],
        };
    }
    *cur = value;
}

/// `determine` and `print` on an intake given on stdin.
fn determine(home: &Path, intake: &serde_json::Value) -> Output {
    run_in(
        home,
        &["determine", "--intake", "-"],
        intake.to_string().as_bytes(),
    )
}

#[test]
fn defect1_an_individual_number_in_any_text_field_is_refused_with_its_path() {
    let _env = shared_env();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    // 123456789018 has a valid check digit (番号法施行令 第8条).
    let written = [
        "山田太郎 123456789018",
        "1234.5678.9018",
        "1234-5678-9018",
        "1234\u{a0}5678\u{a0}9018",
        "１２３４５６７８９０１８",
        "１２３４　５６７８　９０１８",
        "マイナンバー 1234 5678 9018",
    ];
    type Base = fn() -> serde_json::Value;
    let fields: &[(&str, Base, &str)] = &[
        (
            "/household/members/0/name",
            family,
            "household.members[0].name",
        ),
        (
            "/household/members/1/kana",
            family,
            "household.members[1].kana",
        ),
        ("/household/address", family, "household.address"),
        ("/event/new_address", family, "event.new_address"),
        (
            "/household/members/2/relation_label",
            family,
            "household.members[2].relation_label",
        ),
        (
            "/household/members/0/honseki",
            family,
            "household.members[0].honseki",
        ),
        (
            "/household/members/0/hittosha",
            family,
            "household.members[0].hittosha",
        ),
        (
            "/household/members/1/residence",
            family,
            "household.members[1].residence.status",
        ),
        ("/event/applicant/phone", death, "event.applicant.phone"),
        ("/event/applicant/name", death, "event.applicant.name"),
        (
            "/event/applicant/relation_to_deceased",
            death,
            "event.applicant.relation_to_deceased",
        ),
    ];
    for (pointer, base, path) in fields {
        for w in written {
            let mut v = base();
            let value = if pointer.ends_with("/residence") {
                serde_json::json!({ "status": w })
            } else {
                w.into()
            };
            set(&mut v, pointer, value);
            let out = determine(home, &v);
            assert_refused(&out, 2, &[path, "個人番号"]);
            // Never echoed back.
            assert!(!stderr(&out).contains("9018"), "{}", stderr(&out));
        }
    }
    // `print` refuses it before anything is rendered or recorded.
    let mut v = family();
    set(
        &mut v,
        "/household/members/0/name",
        "山田太郎 1234.5678.9018".into(),
    );
    let out_dir = home.join("out");
    let db = home.join("cases.sqlite3");
    let out = run_in(
        home,
        &[
            "print",
            "--intake",
            "-",
            "--out",
            out_dir.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
        ],
        v.to_string().as_bytes(),
    );
    assert_refused(&out, 2, &["household.members[0].name", "個人番号"]);
    assert!(!out_dir.join("bundle.pdf").exists());
    // The QR path refuses it too (the same detector, through the parser).
    let mut bad = family();
    set(
        &mut bad,
        "/household/members/3/kana",
        "ヤマダ 1234 5678 9018".into(),
    );
    let parts = qr_parts_of(&bad.to_string());
    let out = run_in(home, &["qr", "decode"], parts.join("\n").as_bytes());
    assert_refused(&out, 2, &["個人番号"]);
    // The configured clerk name.
    let config = home.join("counter.toml");
    std::fs::write(&config, "clerk = \"窓口 花子 1234 5678 9018\"\n").unwrap();
    let out = run_in(
        home,
        &[
            "print",
            "--intake",
            "-",
            "--out",
            out_dir.to_str().unwrap(),
            "--db",
            db.to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ],
        family().to_string().as_bytes(),
    );
    assert_refused(&out, 2, &["counter.toml", "clerk", "個人番号"]);
    assert!(!out_dir.join("bundle.pdf").exists());

    // Ordinary phone numbers, postal codes, 番地 and dates pass.
    let mut v = death();
    set(
        &mut v,
        "/event/applicant/phone",
        "090-1234-5678 / 0422-12-3456".into(),
    );
    set(
        &mut v,
        "/event/applicant/address",
        "〒181-0004 東京都三鷹市野崎1-2-3 ４５６号室".into(),
    );
    let out = determine(home, &v);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut v = family();
    set(
        &mut v,
        "/household/members/0/relation_label",
        "世帯主 (+81 90 1234 5678)".into(),
    );
    let out = determine(home, &v);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

/// The MDG1 parts of any JSON text (the reference encoder's layout), for payloads that the
/// encoder itself would refuse.
fn qr_parts_of(json: &str) -> Vec<String> {
    madoguchi::qr::encode_stream(&madoguchi::qr::compress(json.as_bytes()), 424_242)
}

// ---- defect 6: silent acceptance ----

#[test]
fn defect6_dates_keys_controls_nationality_size_are_checked() {
    let _env = shared_env();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let cases: Vec<(&str, serde_json::Value, &[&str])> = vec![
        (
            "/household/members/0/birth_date",
            "1868-01-24".into(),
            &["household.members[0].birth_date", "1873-01-01"],
        ),
        (
            "/household/members/0/birth_date",
            "1872-12-31".into(),
            &["household.members[0].birth_date", "1873-01-01"],
        ),
        (
            "/household/members/0/birth_date",
            "0000-01-01".into(),
            &["household.members[0].birth_date", "outside"],
        ),
        (
            "/event/date",
            "9999-01-01".into(),
            &["event.date", "2099-12-31"],
        ),
        (
            "/event/notified_on",
            "9999-12-31".into(),
            &["event.notified_on", "2099-12-31"],
        ),
        (
            "/household/members/0/name",
            "山田\u{1b}[31m太郎".into(),
            &["household.members[0].name", "U+001B"],
        ),
        (
            "/household/members/0/name",
            "山田\u{7}太郎".into(),
            &["household.members[0].name", "U+0007"],
        ),
        (
            "/household/members/0/kana",
            "ヤマダ\rタロウ".into(),
            &["household.members[0].kana", "U+000D"],
        ),
        (
            "/household/members/0/name",
            "\u{202e}山田太郎".into(),
            &["household.members[0].name", "U+202E", "bidirectional"],
        ),
        (
            "/household/members/0/name",
            "山田\u{9b}太郎".into(),
            &["household.members[0].name", "U+009B"],
        ),
        (
            "/household/address",
            "本町\u{2066}1\u{2069}".into(),
            &["household.address", "U+2066"],
        ),
        (
            "/household/members/0/nationality",
            "XX".into(),
            &["household.members[0].nationality", "ISO 3166-1"],
        ),
        (
            "/household/members/0/nationality",
            "UK".into(),
            &["household.members[0].nationality", "ISO 3166-1"],
        ),
        (
            "/household/members/0/nationality",
            "jp".into(),
            &["household.members[0].nationality"],
        ),
    ];
    for (pointer, value, what) in cases {
        let mut v = family();
        set(&mut v, pointer, value);
        let out = determine(home, &v);
        assert_refused(&out, 2, what);
        // Nothing raw reaches the terminal.
        for c in ['\u{1b}', '\u{7}', '\r', '\u{202e}', '\u{9b}', '\u{2066}'] {
            assert!(
                !stderr(&out).contains(c),
                "raw U+{:04X} in {:?}",
                c as u32,
                stderr(&out)
            );
        }
    }
    // Real codes, 異体字 with a variation selector and U+3000 pass.
    let mut v = family();
    set(&mut v, "/household/members/1/nationality", "PH".into());
    set(
        &mut v,
        "/household/members/0/name",
        "山田　太郎\u{e0100}".into(),
    );
    set(
        &mut v,
        "/household/members/2/birth_date",
        "1873-01-01".into(),
    );
    assert_eq!(determine(home, &v).status.code(), Some(0));

    // A key given twice: refused with its path, not "the last wins".
    let text = std::fs::read_to_string(family_path()).unwrap().replacen(
        "\"name\": \"山田　太郎\",",
        "\"name\": \"山田　太郎\", \"name\": \"別人\",",
        1,
    );
    let out = run_in(home, &["determine", "--intake", "-"], text.as_bytes());
    assert_refused(&out, 2, &["household.members[0].name", "twice"]);
    let text = std::fs::read_to_string(family_path()).unwrap().replacen(
        "\"kind\": \"move_in\",",
        "\"kind\": \"move_in\", \"kind\": \"death\",",
        1,
    );
    let out = run_in(home, &["determine", "--intake", "-"], text.as_bytes());
    assert_refused(&out, 2, &["event.kind", "twice"]);
    // The QR path reads JSON the same way.
    let out = run_in(
        home,
        &["qr", "decode"],
        qr_parts_of(&text).join("\n").as_bytes(),
    );
    assert_refused(&out, 2, &["event.kind", "twice"]);

    // An endless stdin is refused after a bound, not read until memory runs out.
    let out = run_with_limit(
        &["determine", "--intake", "/dev/zero"],
        std::time::Duration::from_secs(120),
    )
    .expect("/dev/zero is not read forever");
    assert_refused(&out, 2, &["/dev/zero", "larger than 8 MiB"]);
    let out = run_with_endless_stdin(&["determine", "--intake", "-"], b' ', 64 << 20);
    assert_refused(&out, 2, &["stdin", "larger than 8 MiB"]);

    // A large household (2 MB of JSON, 10,000 members) with a duplicate id at the very end:
    // the check is linear (it took 47 s when it compared every pair).
    let mut v = family();
    let m = v["household"]["members"][0].clone();
    let members: Vec<serde_json::Value> = (0..10_000)
        .map(|i| {
            let mut m = m.clone();
            m["id"] = format!("m{}", i + 1).into();
            m["relation"] = if i == 0 { "head" } else { "child" }.into();
            m
        })
        .chain(std::iter::once({
            let mut m = m.clone();
            m["id"] = "m1".into();
            m["relation"] = "child".into();
            m
        }))
        .collect();
    v["household"]["members"] = members.into();
    let text = v.to_string();
    assert!(text.len() > 2_000_000, "{}", text.len());
    let out = run_in(home, &["determine", "--intake", "-"], text.as_bytes());
    assert_refused(
        &out,
        2,
        &[
            "household.members[10000].id",
            "\"m1\" is used by another member",
        ],
    );
}

// ---- defect 8: QR sets ----

#[test]
fn defect8_a_second_set_is_reported_and_conflicts_say_what_happened() {
    let _env = shared_env();
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    let single = qr_parts_of(
        &std::fs::read_to_string(root().join("fixtures/intakes/move-in-single.json")).unwrap(),
    );
    let fam = madoguchi::qr::encode_stream(
        &madoguchi::qr::compress(std::fs::read_to_string(family_path()).unwrap().as_bytes()),
        171_717,
    );
    assert!(fam.len() >= 2);
    // Two complete sets, one after the other: never one of them silently.
    let both = [single.clone(), fam.clone()].concat().join("\n");
    let out = run_in(home, &["qr", "decode"], both.as_bytes());
    assert_refused(&out, 2, &["second complete code set", "171717", "424242"]);
    assert!(out.stdout.is_empty());
    // A complete set, then part of another.
    let text = format!("{}\n{}", single.join("\n"), fam[0]);
    let out = run_in(home, &["qr", "decode"], text.as_bytes());
    assert_refused(&out, 2, &["424242 was complete", "1 of", "171717"]);
    // A part of another set while one is half read: says which part of which set.
    let text = format!("{}\n{}", fam[0], single[0]);
    let out = run_in(home, &["qr", "decode"], text.as_bytes());
    assert_refused(
        &out,
        2,
        &[
            "stdin line 2",
            "part 1 of",
            "of another code set (424242)",
            "171717 is half read (1 of",
        ],
    );
    // Same set id and index, other content: said as such, not as "another set".
    let mut other = std::fs::read_to_string(family_path()).unwrap();
    other = other.replace("山田　太郎", "山田　次郎");
    let twin = madoguchi::qr::encode_stream(&madoguchi::qr::compress(other.as_bytes()), 171_717);
    let text = format!("{}\n{}", fam[0], twin[0]);
    let out = run_in(home, &["qr", "decode"], text.as_bytes());
    assert_refused(
        &out,
        2,
        &["part 1 of set 171717 was already read with other content"],
    );
    // The same set twice is still fine (a scanner reading every code again).
    let text = [fam.clone(), fam.clone()].concat().join("\n");
    let out = run_in(home, &["qr", "decode"], text.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

// ---- defect 4 (conditions) and defect 9 (procedure files, smaller items) ----

/// A copy of the shipped procedure set to break.
fn procedure_copy(to: &Path) -> PathBuf {
    fn copy_dir(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            if e.path().is_dir() {
                copy_dir(&e.path(), &to.join(e.file_name()));
            } else {
                std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
            }
        }
    }
    let dir = to.join("procedures");
    copy_dir(&root().join("procedures"), &dir);
    dir
}

/// Replaces the `when = '''…'''` condition of a procedure file.
fn set_condition(file: &Path, condition: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let start = text.find("when = '''").expect("a multi-line condition");
    let body = start + "when = '''".len();
    let end = body + text[body..].find("'''").unwrap() + 3;
    let new = format!(
        "{}when = '''\n{condition}\n'''{}",
        &text[..start],
        &text[end..]
    );
    std::fs::write(file, new).unwrap();
}

fn check(dir: &Path) -> Output {
    run_with_limit(
        &["procedures", "check", dir.to_str().unwrap()],
        std::time::Duration::from_secs(120),
    )
    .expect("procedures check ends")
}

#[test]
fn defect4_deeply_nested_conditions_get_a_located_diagnostic() {
    let _env = shared_env();
    let tmp = tempfile::tempdir().unwrap();
    let dir = procedure_copy(tmp.path());
    let file = dir.join("hoken/nhi.enroll.toml");
    for condition in [
        format!("{}member.age < 75{}", "(".repeat(5000), ")".repeat(5000)),
        format!("{}member.moving", "not ".repeat(5000)),
    ] {
        set_condition(&file, &condition);
        let out = check(&dir);
        // file:line:column of the spot where the nesting goes too deep.
        assert_refused(
            &out,
            2,
            &["hoken/nhi.enroll.toml:", "nested more than 64 levels"],
        );
        assert!(
            stderr(&out).len() < 4000,
            "the line is shown cut: {}",
            stderr(&out).len()
        );
    }
}

#[test]
fn defect9_procedure_files_pins_and_long_values_are_bounded() {
    let _env = shared_env();
    let tmp = tempfile::tempdir().unwrap();
    // A fact named like the individual number.
    let dir = procedure_copy(tmp.path());
    let facts = dir.join("facts.toml");
    let mut text = std::fs::read_to_string(&facts).unwrap();
    text.push_str("\n[member.my_number]\ntype = \"count\"\nlabel = { ja = \"番号\", en = \"number\" }\nquestion = { ja = \"番号は\", en = \"number?\" }\n");
    std::fs::write(&facts, text).unwrap();
    let out = check(&dir);
    assert_refused(&out, 2, &["facts.toml:", "my_number", "個人番号"]);

    // A text with an escape sequence (it would reach the clerk's terminal): in a reason (a
    // table, or since Edition 2 a list of tables per event), a thing to bring, the basis.
    for (i, (key, opening)) in [
        ("\nreason = ", "ja = \""),
        ("\nbring = ", "en = \""),
        ("\nbasis = ", "\""),
    ]
    .into_iter()
    .enumerate()
    {
        let dir = procedure_copy(&tmp.path().join(format!("esc{i}")));
        let file = dir.join("hoken/nhi.enroll.toml");
        let text = std::fs::read_to_string(&file).unwrap();
        // Into the first such text after the key: the escape goes into a text the check must
        // read, never silently nowhere.
        let at = text.find(key).expect(key) + key.len();
        let open = at + text[at..].find(opening).expect(opening) + opening.len();
        let text = format!("{}\\u001b[2J{}", &text[..open], &text[open..]);
        std::fs::write(&file, text).unwrap();
        let out = check(&dir);
        assert_refused(&out, 2, &["hoken/nhi.enroll.toml:", "U+001B"]);
        assert!(
            !stderr(&out).contains('\u{1b}'),
            "never raw on the terminal"
        );
    }

    // A FIFO among the procedure files: refused, never blocking the check.
    let dir = procedure_copy(&tmp.path().join("fifo"));
    let fifo = dir.join("hoken/blocking.toml");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let out = check(&dir);
    assert_refused(&out, 2, &["hoken/blocking.toml", "not a regular file"]);

    // 100,000 unknown keys: the first few, then a count, in moments.
    let dir = procedure_copy(&tmp.path().join("keys"));
    let file = dir.join("hoken/nhi.enroll.toml");
    let mut text = std::fs::read_to_string(&file).unwrap();
    let at = text.find("\nwhen = ").unwrap();
    let junk: String = (0..100_000).map(|i| format!("junk_{i} = {i}\n")).collect();
    text.insert_str(at + 1, &junk);
    std::fs::write(&file, text).unwrap();
    let out = check(&dir);
    assert_refused(
        &out,
        2,
        &["unknown key `junk_0`", "99995 more unknown key(s)"],
    );
    assert!(stderr(&out).len() < 20_000, "{}", stderr(&out).len());

    // A megabyte value in a message: cut, by characters.
    let home = tmp.path();
    let mut v = family();
    set(
        &mut v,
        "/household/members/0/sex",
        "男".repeat(1_000_000).into(),
    );
    let out = determine(home, &v);
    assert_refused(&out, 2, &["household.members[0].sex", "…"]);
    assert!(stderr(&out).len() < 1000, "{}", stderr(&out).len());
    let mut v = family();
    v["household"]["members"][0][&"k".repeat(1_000_000)] = 1.into();
    let out = determine(home, &v);
    assert_refused(&out, 2, &["household.members[0].kkkk", "…", "unknown key"]);
    assert!(stderr(&out).len() < 1000, "{}", stderr(&out).len());
    let dir = procedure_copy(&tmp.path().join("long"));
    let file = dir.join("hoken/nhi.enroll.toml");
    set_condition(&file, &format!("member.{} < 75", "x".repeat(1_000_000)));
    let out = check(&dir);
    assert_refused(&out, 2, &["hoken/nhi.enroll.toml:"]);
    assert!(stderr(&out).len() < 4000, "{}", stderr(&out).len());

    // `--pin-stdin` with an endless line: refused at a bound (never the reader's business).
    let out = run_with_endless_stdin(&["card", "read", "--pin-stdin"], b'1', 640 << 20);
    assert_refused(&out, 2, &["longer than 64 characters"]);
    assert!(!stderr(&out).contains("1111"), "never the line back");
}

#[test]
fn defect9_fifos_and_devices_named_as_input_files_are_refused_never_waited_on() {
    let _env = shared_env();
    let tmp = tempfile::tempdir().unwrap();
    let fifo = |name: &str| {
        let p = tmp.path().join(name);
        let c = std::ffi::CString::new(p.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        p
    };
    let limit = std::time::Duration::from_secs(60);
    // A QR photo: a FIFO (opening it would wait for a writer) or a device.
    let photo = fifo("photo.png");
    for image in [photo.to_str().unwrap(), "/dev/zero"] {
        let out = run_with_limit(&["qr", "decode", "--image", image], limit)
            .expect("never waits on the image");
        assert_refused(&out, 2, &[image, "not a regular file"]);
    }
    // The configuration file.
    let config = fifo("config.toml");
    for config in [config.to_str().unwrap(), "/dev/zero"] {
        let db = tmp.path().join("cases.sqlite3");
        let out = run_with_limit(
            &[
                "cases",
                "list",
                "--config",
                config,
                "--db",
                db.to_str().unwrap(),
            ],
            limit,
        )
        .expect("never waits on the configuration");
        assert_refused(&out, 2, &[config, "not a regular file"]);
    }
    // An intake of `procedures diff --intakes`, among ordinary ones.
    let intakes = tmp.path().join("intakes");
    std::fs::create_dir(&intakes).unwrap();
    std::fs::copy(family_path(), intakes.join("a.json")).unwrap();
    let c = std::ffi::CString::new(intakes.join("b.json").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let procedures = root().join("procedures");
    let procedures = procedures.to_str().unwrap();
    let out = run_with_limit(
        &[
            "procedures",
            "diff",
            procedures,
            procedures,
            "--intakes",
            intakes.to_str().unwrap(),
        ],
        std::time::Duration::from_secs(300),
    )
    .expect("never waits on an intake");
    assert_refused(&out, 2, &["b.json", "not a regular file"]);
}

// ---- defect 7: files ----

#[test]
fn defect7_outputs_are_private_and_the_counter_leaves_no_print_folder() {
    // It points TMPDIR elsewhere for a while: no other test may make a temp folder then.
    let _env = ENV.write().unwrap_or_else(|e| e.into_inner());
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // `print` into a folder it creates: 0700, the bundle and manifest 0600.
    let out_dir = home.join("new/out");
    let out = run_in(
        home,
        &[
            "print",
            "--intake",
            family_path().to_str().unwrap(),
            "--out",
            out_dir.to_str().unwrap(),
            "--no-record",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(mode(&out_dir), 0o700);
    assert_eq!(mode(&home.join("new")), 0o700);
    assert_eq!(mode(&out_dir.join("bundle.pdf")), 0o600);
    assert_eq!(mode(&out_dir.join("manifest.json")), 0o600);
    // Into an existing folder holding an old 0644 bundle: replaced by a 0600 one.
    let shared = home.join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(shared.join("bundle.pdf"), b"old").unwrap();
    std::fs::set_permissions(
        shared.join("bundle.pdf"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = run_in(
        home,
        &[
            "print",
            "--intake",
            family_path().to_str().unwrap(),
            "--out",
            shared.to_str().unwrap(),
            "--no-record",
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(mode(&shared), 0o755, "an existing folder keeps its mode");
    assert_eq!(mode(&shared.join("bundle.pdf")), 0o600);
    assert!(std::fs::read(shared.join("bundle.pdf"))
        .unwrap()
        .starts_with(b"%PDF"));
    // `qr encode` too.
    let codes = home.join("codes");
    let out = run_in(
        home,
        &[
            "qr",
            "encode",
            "--intake",
            family_path().to_str().unwrap(),
            "--out",
            codes.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(mode(&codes), 0o700);
    assert_eq!(mode(&codes.join("parts.txt")), 0o600);
    assert_eq!(mode(&codes.join("part-01.png")), 0o600);

    // The counter prints through a private temporary folder, removed afterwards, and ignores
    // a folder someone else made at the old guessable name.
    let tmpdir = home.join("tmp");
    std::fs::create_dir(&tmpdir).unwrap();
    std::env::set_var("TMPDIR", &tmpdir);
    let trap = tmpdir.join(format!("madoguchi-print-{}", std::process::id()));
    std::fs::create_dir(&trap).unwrap();
    std::fs::set_permissions(&trap, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (set, _) = madoguchi::rules::load_embedded(None).unwrap();
    let set = std::sync::Arc::new(set);
    let intake = madoguchi::intake::parse_intake(
        &std::fs::read_to_string(family_path()).unwrap(),
        &set.vocabulary,
    )
    .unwrap();
    let today = chrono::NaiveDate::from_ymd_opt(2026, 4, 6).unwrap();
    let det = madoguchi::rules::determine(&intake, &set, today);
    let config = madoguchi::config::Config::default();
    let mut services = madoguchi::tui::real::RealServices::new(
        config,
        set.clone(),
        Some(home.join("counter.sqlite3")),
        None,
        false,
        today,
    );
    use madoguchi::tui::services::Services;
    let bundle = services.render_bundle(&intake, &det, "7K3P9QXA").unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let all: Vec<usize> = (0..bundle.items.len()).collect();
    services.print("no-such-queue-for-this-test", &bundle, &all, tx);
    let event = rx.recv_timeout(std::time::Duration::from_secs(60)).unwrap();
    assert!(
        matches!(event, madoguchi::tui::services::DeviceEvent::Printed(_)),
        "{event:?}"
    );
    std::env::remove_var("TMPDIR");
    // The PDF the print screen shows stays in a private folder of its own while the case is
    // open, and goes, folder and all, when the case closes (or the counter exits).
    let kept = bundle
        .path
        .clone()
        .expect("the PDF is kept while the case is open");
    assert!(kept.starts_with(&tmpdir) && kept.exists(), "{kept:?}");
    assert_eq!(mode(kept.parent().unwrap()), 0o700);
    assert_eq!(mode(&kept), 0o600);
    let _ = services.close_case("7K3P9QXA");
    assert!(!kept.parent().unwrap().exists(), "{kept:?}");
    assert_eq!(
        std::fs::read_dir(&trap).unwrap().count(),
        0,
        "the shared folder is never used"
    );
    let left: Vec<String> = std::fs::read_dir(&tmpdir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("madoguchi-print-") && tmpdir.join(n) != trap)
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");

    // And the counter refuses to print or store an intake holding a 個人番号.
    let mut bad = intake.clone();
    bad.household.members[0].name = "山田 太郎 1234 5678 9018".into();
    let e = services.render_bundle(&bad, &det, "7K3P9QXA").unwrap_err();
    assert!(
        e.contains("household.members[0].name") && e.contains("個人番号"),
        "{e}"
    );
}
