//! `madoguchi qr encode|decode` end to end: every fixture, every row of the bad-input table
//! of `qr-format.md`, images through rxing, and the PNGs through an independent decoder
//! (`zbarimg`).
//!
//! The fixtures under `fixtures/qr/` are written by `write_fixtures` (ignored; run it with
//! `cargo test --test qr_cli -- --ignored write_fixtures` after a format change).

use madoguchi::intake::{parse_intake, Intake, Vocabulary};
use madoguchi::qr::{self, Assembler, Feed};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_madoguchi"))
}

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = bin()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("runs madoguchi");
    // Written on a thread, errors ignored: the program may stop reading early (a refused line).
    let mut input = child.stdin.take().unwrap();
    let bytes = stdin.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&bytes);
    });
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    out
}

fn read_intake(path: &Path) -> Intake {
    parse_intake(&std::fs::read_to_string(path).unwrap(), &Vocabulary::core())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The decoded stdout as an intake (it must be a valid one).
fn decoded(out: &Output) -> Intake {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    parse_intake(&String::from_utf8_lossy(&out.stdout), &Vocabulary::core()).unwrap()
}

fn decoded_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        stderr(out)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every sample intake of the project (fixtures and scenario tests).
fn sample_intakes() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for (dir, suffix) in [
        ("fixtures/intakes", ".json"),
        ("procedures/tests", ".intake.json"),
        ("fixtures/qr", ".intake.json"),
    ] {
        if let Ok(rd) = std::fs::read_dir(root().join(dir)) {
            for e in rd.flatten() {
                let p = e.path();
                if p.to_string_lossy().ends_with(suffix) {
                    v.push(p);
                }
            }
        }
    }
    v.sort();
    v
}

#[test]
fn every_sample_intake_round_trips_through_encode_and_decode() {
    let tmp = tempfile::tempdir().unwrap();
    let mut n = 0;
    for path in sample_intakes() {
        // Samples that are deliberately invalid (bad-input fixtures) are not round-tripped;
        // the embedded procedure set's vocabulary is what `qr` uses.
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let determine = [
            "determine",
            "--intake",
            "-",
            "--format",
            "json",
            "--today",
            "2026-04-06",
        ];
        let first = run(&determine, &text);
        if !first.status.success() {
            continue;
        }
        let out = tmp.path().join(format!("set{n}"));
        let enc = run(
            &[
                "qr",
                "encode",
                "--intake",
                path.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            "",
        );
        assert!(enc.status.success(), "{}: {}", path.display(), stderr(&enc));
        let parts = std::fs::read_to_string(out.join("parts.txt")).unwrap();
        let count = parts.lines().count();
        assert!(count >= 1);
        for i in 1..=count {
            assert!(out.join(format!("part-{i:02}.png")).is_file());
        }
        // Parts as arguments, in reverse order; the decoded intake is the same case:
        // `determine` gives byte-identical output for it.
        let args: Vec<&str> = ["qr", "decode"]
            .into_iter()
            .chain(parts.lines().rev())
            .collect();
        let json = decoded_json(&run(&args, ""));
        let again = run(&determine, &json.to_string());
        assert_eq!(again.stdout, first.stdout, "{}", path.display());
        // Parts on stdin, and the images.
        assert_eq!(decoded_json(&run(&["qr", "decode"], &parts)), json);
        let mut img_args = vec!["qr".to_string(), "decode".to_string()];
        for i in 1..=count {
            img_args.push("--image".into());
            img_args.push(out.join(format!("part-{i:02}.png")).display().to_string());
        }
        let img_args: Vec<&str> = img_args.iter().map(String::as_str).collect();
        assert_eq!(decoded_json(&run(&img_args, "")), json);
        n += 1;
    }
    assert!(n >= 2, "at least the family and the largest household");
}

#[test]
fn largest_household_needs_several_parts_and_round_trips() {
    let path = fixture("qr/largest-household.intake.json");
    let original = read_intake(&path);
    assert_eq!(original.household.members.len(), 10);
    let tmp = tempfile::tempdir().unwrap();
    let enc = run(
        &[
            "qr",
            "encode",
            "--intake",
            path.to_str().unwrap(),
            "--out",
            tmp.path().to_str().unwrap(),
        ],
        "",
    );
    assert!(enc.status.success(), "{}", stderr(&enc));
    let parts = std::fs::read_to_string(tmp.path().join("parts.txt")).unwrap();
    assert!(
        parts.lines().count() >= 2,
        "{} part(s)",
        parts.lines().count()
    );
    for l in parts.lines() {
        assert!(l.len() <= 4 + 20 + 1200, "a part is at most 480 bytes");
    }
    assert_eq!(decoded(&run(&["qr", "decode"], &parts)), original);
}

#[test]
fn the_documented_example_decodes_and_matches_the_docs() {
    let parts = std::fs::read_to_string(fixture("qr/example.parts.txt")).unwrap();
    let intake = decoded(&run(&["qr", "decode"], &parts));
    assert_eq!(intake, read_intake(&fixture("qr/example.intake.json")));
    let docs = std::fs::read_to_string(root().join("docs/qr-format.md")).unwrap();
    for line in parts.lines() {
        assert!(
            docs.contains(line),
            "docs/qr-format.md shows the example part"
        );
    }
}

#[test]
fn good_fixture_sets_decode() {
    let family = read_intake(&fixture("intakes/move-in-family.json"));
    for name in [
        "family.parts.txt",
        "family-shuffled-repeated.parts.txt",
        "family-crlf-lowercase.parts.txt",
    ] {
        let text = std::fs::read_to_string(fixture(&format!("qr/{name}"))).unwrap();
        assert_eq!(decoded(&run(&["qr", "decode"], &text)), family, "{name}");
    }
    // Each part also as an argument, plus `-` for stdin in addition.
    let text = std::fs::read_to_string(fixture("qr/family.parts.txt")).unwrap();
    let mut lines = text.lines();
    let first = lines.next().unwrap();
    let rest: String = lines.map(|l| format!("{l}\n")).collect();
    assert_eq!(decoded(&run(&["qr", "decode", first], &rest)), family);
    assert_eq!(decoded(&run(&["qr", "decode", first, "-"], &rest)), family);
}

/// Every row of the bad-input table: (fixture, the English message, the Japanese one).
const BAD: &[(&str, &str, &str)] = &[
    ("not-madoguchi", "not a madoguchi code", "窓口用のコード"),
    (
        "damaged-length",
        "part damaged: scan it again",
        "もう一度読み取って",
    ),
    (
        "damaged-letter",
        "part damaged: scan it again",
        "もう一度読み取って",
    ),
    (
        "damaged-field",
        "part damaged: scan it again",
        "もう一度読み取って",
    ),
    (
        "damaged-group",
        "part damaged: scan it again",
        "もう一度読み取って",
    ),
    (
        "damaged-final-byte",
        "part damaged: scan it again",
        "もう一度読み取って",
    ),
    (
        "crc-mismatch",
        "part 2 of 2 did not scan cleanly: scan that part again",
        "2枚中2枚目",
    ),
    (
        "other-set",
        "of another code set (271828) while set 314159 is half read",
        "別のコード一式",
    ),
    ("bad-zlib", "code set damaged", "コード一式が破損"),
    ("compression-bomb", "code set damaged", "コード一式が破損"),
    (
        "intake-error",
        "household.members[1].birth_date: ",
        "申請内容に誤り",
    ),
    (
        "individual-number",
        "an individual number (個人番号) is in the code: refused",
        "個人番号が含まれている",
    ),
    (
        "incomplete",
        "incomplete: 1 of 2 parts read; missing part(s) 2",
        "足りないのは 2 枚目",
    ),
];

#[test]
fn every_bad_input_gets_its_own_message_and_exit_2() {
    for (name, en, ja) in BAD {
        let text = std::fs::read_to_string(fixture(&format!("qr/bad/{name}.parts.txt")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let out = run(&["qr", "decode"], &text);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(err.contains(en), "{name}: {err}");
        assert!(err.contains(ja), "{name}: {err}");
        assert!(out.stdout.is_empty(), "{name}: nothing on stdout");
        // Never a panic, never the payload in the message.
        assert!(!err.contains("panicked"), "{name}: {err}");
        for l in text.lines().filter(|l| l.len() > 40) {
            assert!(
                !err.contains(l.trim()),
                "{name}: the message repeats a part"
            );
        }
    }
}

#[test]
fn the_compression_bomb_is_small_on_the_wire() {
    let text = std::fs::read_to_string(fixture("qr/bad/compression-bomb.parts.txt")).unwrap();
    assert!(text.len() < 100_000);
}

#[test]
fn an_absurd_stdin_line_is_refused_without_reading_it_whole() {
    let huge = format!("MDG1{}\n", "1".repeat(5_000_000));
    let out = run(&["qr", "decode"], &huge);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("part damaged"));
    let huge = format!("{}\n", "x".repeat(5_000_000));
    let out = run(&["qr", "decode"], &huge);
    assert!(stderr(&out).contains("not a madoguchi code"));
}

/// A line that never ends (a stuck scanner, `cat /dev/zero`): refused at the bound, not read
/// forever. The feeder counts what the program took before it stopped reading.
#[test]
fn an_endless_stdin_line_is_refused_at_the_bound() {
    let mut child = bin()
        .args(["qr", "decode"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let feeder = std::thread::spawn(move || {
        let chunk = vec![b'0'; 1 << 16];
        let mut written = 0usize;
        // 4 GiB at most: far more than any bound; a program reading forever fails the test.
        while written < 4 << 30 && input.write_all(&chunk).is_ok() {
            written += chunk.len();
        }
        written
    });
    let out = child.wait_with_output().unwrap();
    let written = feeder.join().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("stdin line 1"), "{}", stderr(&out));
    assert!(written < 16 << 20, "read {written} bytes before refusing");
}

#[test]
fn several_codes_in_one_image_and_a_photo_like_image() {
    let parts: Vec<String> = std::fs::read_to_string(fixture("qr/family.parts.txt"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    // Both codes side by side on one grey, slightly blurred, scaled "screenshot", with an
    // unrelated QR code (a URL) between them, which is ignored.
    let texts = [
        parts[1].clone(),
        "https://example.jp/moving".to_string(),
        parts[0].clone(),
    ];
    let imgs: Vec<image::GrayImage> = texts
        .iter()
        .map(|p| {
            image::load_from_memory(&qr::render_png(p))
                .unwrap()
                .to_luma8()
        })
        .collect();
    let w: u32 = imgs.iter().map(|i| i.width()).sum::<u32>() + 400;
    let h = imgs.iter().map(|i| i.height()).max().unwrap() + 400;
    let mut canvas = image::GrayImage::from_pixel(w, h, image::Luma([230]));
    let mut x = 120;
    for i in &imgs {
        image::imageops::overlay(&mut canvas, i, x, 200);
        x += i.width() as i64 + 80;
    }
    // A hand-held photo: tilted, soft, uneven light, sensor noise.
    let canvas = photo_like(&canvas, 7.0);
    let canvas = image::imageops::blur(&canvas, 1.2);
    let canvas = image::imageops::resize(
        &canvas,
        w * 2 / 3,
        h * 2 / 3,
        image::imageops::FilterType::Triangle,
    );
    let tmp = tempfile::tempdir().unwrap();
    let png = tmp.path().join("screenshot.png");
    canvas.save(&png).unwrap();
    let jpg = tmp.path().join("photo.jpg");
    image::DynamicImage::ImageLuma8(canvas)
        .to_rgb8()
        .save(&jpg)
        .unwrap();
    let family = read_intake(&fixture("intakes/move-in-family.json"));
    for f in [&png, &jpg] {
        assert_eq!(
            decoded(&run(&["qr", "decode", "--image", f.to_str().unwrap()], "")),
            family,
            "{}",
            f.display()
        );
    }
    // A 12-megapixel photo of a printed page with the three codes of a large household.
    let big: Vec<String> = {
        let out = tmp.path().join("big");
        let path = fixture("qr/largest-household.intake.json");
        let enc = run(
            &[
                "qr",
                "encode",
                "--intake",
                path.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            "",
        );
        assert!(enc.status.success());
        std::fs::read_to_string(out.join("parts.txt"))
            .unwrap()
            .lines()
            .map(String::from)
            .collect()
    };
    let mut page = image::GrayImage::from_pixel(4000, 3000, image::Luma([215]));
    for (k, p) in big.iter().enumerate() {
        let code = image::load_from_memory(&qr::render_png(p))
            .unwrap()
            .to_luma8();
        let code = image::imageops::resize(&code, 700, 700, image::imageops::FilterType::Triangle);
        image::imageops::overlay(
            &mut page,
            &code,
            300 + k as i64 * 1200,
            1000 + k as i64 * 150,
        );
    }
    let page = image::imageops::blur(&page, 2.0);
    let photo = tmp.path().join("page.jpg");
    image::DynamicImage::ImageLuma8(page)
        .to_rgb8()
        .save(&photo)
        .unwrap();
    let out = run(&["qr", "decode", "--image", photo.to_str().unwrap()], "");
    assert_eq!(
        decoded(&out),
        read_intake(&fixture("qr/largest-household.intake.json"))
    );

    // An image without any code.
    let blank = tmp.path().join("blank.png");
    image::GrayImage::from_pixel(200, 200, image::Luma([255]))
        .save(&blank)
        .unwrap();
    let out = run(&["qr", "decode", "--image", blank.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no madoguchi QR code found"));
}

/// Rotates by `deg` about the centre (bilinear), darkens towards one corner and adds a little
/// deterministic noise.
fn photo_like(img: &image::GrayImage, deg: f64) -> image::GrayImage {
    let (w, h) = (img.width() as f64, img.height() as f64);
    let (sin, cos) = deg.to_radians().sin_cos();
    let (cx, cy) = (w / 2.0, h / 2.0);
    let mut seed: u32 = 7;
    image::GrayImage::from_fn(img.width(), img.height(), |x, y| {
        let (dx, dy) = (x as f64 - cx, y as f64 - cy);
        let (sx, sy) = (cos * dx + sin * dy + cx, -sin * dx + cos * dy + cy);
        let sample = |x: f64, y: f64| -> f64 {
            if x < 0.0 || y < 0.0 || x >= w - 1.0 || y >= h - 1.0 {
                return 230.0;
            }
            let (x0, y0) = (x.floor(), y.floor());
            let (fx, fy) = (x - x0, y - y0);
            let p = |a: f64, b: f64| f64::from(img.get_pixel(a as u32, b as u32).0[0]);
            p(x0, y0) * (1.0 - fx) * (1.0 - fy)
                + p(x0 + 1.0, y0) * fx * (1.0 - fy)
                + p(x0, y0 + 1.0) * (1.0 - fx) * fy
                + p(x0 + 1.0, y0 + 1.0) * fx * fy
        };
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        let noise = f64::from((seed >> 16) % 31) - 15.0;
        let light = 0.75 + 0.25 * (x as f64 / w);
        image::Luma([(sample(sx, sy) * light + noise).clamp(0.0, 255.0) as u8])
    })
}

fn zbarimg_available() -> bool {
    let ok = Command::new("zbarimg")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var("MADOGUCHI_REQUIRE_SERVICES").as_deref() == Ok("1") {
        panic!("zbarimg (zbar-tools) is required (MADOGUCHI_REQUIRE_SERVICES=1): install it with scripts/deps --test");
    }
    ok
}

#[test]
fn zbarimg_decodes_the_pngs_of_qr_encode() {
    if !zbarimg_available() {
        eprintln!("SKIPPED: zbarimg not installed");
        return;
    }
    for intake_path in [
        fixture("intakes/move-in-family.json"),
        fixture("qr/largest-household.intake.json"),
    ] {
        let original = read_intake(&intake_path);
        let tmp = tempfile::tempdir().unwrap();
        let enc = run(
            &[
                "qr",
                "encode",
                "--intake",
                intake_path.to_str().unwrap(),
                "--out",
                tmp.path().to_str().unwrap(),
            ],
            "",
        );
        assert!(enc.status.success(), "{}", stderr(&enc));
        let expected: Vec<String> = std::fs::read_to_string(tmp.path().join("parts.txt"))
            .unwrap()
            .lines()
            .map(String::from)
            .collect();
        let mut asm = Assembler::new(Vocabulary::core());
        let mut done = None;
        // Newest part first: order must not matter.
        for i in (1..=expected.len()).rev() {
            let png = tmp.path().join(format!("part-{i:02}.png"));
            let out = Command::new("zbarimg")
                .args(["--quiet", "--raw", "-Sdisable", "-Sqrcode.enable"])
                .arg(&png)
                .output()
                .unwrap();
            assert!(out.status.success(), "zbarimg failed on {}", png.display());
            let text = String::from_utf8(out.stdout).unwrap();
            assert_eq!(
                text.trim_end(),
                expected[i - 1],
                "zbarimg reads exactly the part"
            );
            if let Feed::Complete(x) = asm.feed(&text).unwrap() {
                done = Some(x);
            }
        }
        assert_eq!(done, Some(original));
    }
}

/// Writes the fixtures under `fixtures/qr/` (run by hand; the files are committed).
#[test]
#[ignore]
fn write_fixtures() {
    let dir = fixture("qr");
    let w = |name: &str, lines: &[String]| {
        let mut s = lines.join("\n");
        s.push('\n');
        std::fs::write(dir.join(name), s).unwrap();
    };
    std::fs::write(
        dir.join("largest-household.intake.json"),
        largest_household_json(),
    )
    .unwrap();
    let ex = read_intake(&dir.join("example.intake.json"));
    w("example.parts.txt", &qr::encode_parts(&ex, 271_828));
    let family = read_intake(&fixture("intakes/move-in-family.json"));
    let parts = qr::encode_parts(&family, 314_159);
    assert_eq!(parts.len(), 2);
    w("family.parts.txt", &parts);
    w(
        "family-shuffled-repeated.parts.txt",
        &[
            parts[1].clone(),
            parts[1].clone(),
            parts[0].clone(),
            parts[1].clone(),
        ],
    );
    std::fs::write(
        dir.join("family-crlf-lowercase.parts.txt"),
        format!(
            "  mdg1{}\r\n\r\n\tMdG1{}  \r\n",
            &parts[0][4..],
            &parts[1][4..]
        ),
    )
    .unwrap();
    let bad = |name: &str, lines: &[String]| w(&format!("bad/{name}.parts.txt"), lines);
    bad("not-madoguchi", &["4901234567894".into()]);
    let p2 = &parts[1];
    bad(
        "damaged-length",
        &[parts[0].clone(), format!("{}{}", &p2[..100], &p2[101..])],
    );
    bad(
        "damaged-letter",
        &[parts[0].clone(), format!("{}O{}", &p2[..100], &p2[101..])],
    );
    // Part index 03 of a 2-part set.
    bad("damaged-field", &[format!("MDG10302{}", &p2[8..])]);
    bad("damaged-group", &[format!("MDG10101123456{:010}99999", 0)]);
    bad(
        "damaged-final-byte",
        &[format!("MDG10101123456{:010}00000256", 0)],
    );
    let k = 60;
    let flipped = if &p2[k..=k] == "0" { "1" } else { "0" };
    bad(
        "crc-mismatch",
        &[
            parts[0].clone(),
            format!("{}{}{}", &p2[..k], flipped, &p2[k + 1..]),
        ],
    );
    let other = qr::encode_parts(&family, 271_828);
    bad("other-set", &[parts[0].clone(), other[1].clone()]);
    bad(
        "bad-zlib",
        &qr::encode_stream(&[0x78, 0xDA, 1, 2, 3, 4, 5, 6, 7, 8, 9], 1),
    );
    let bomb = qr::compress(&vec![b' '; 16 << 20]);
    bad("compression-bomb", &qr::encode_stream(&bomb, 666_666));
    let mut v: serde_json::Value = serde_json::from_str(&family.to_json()).unwrap();
    v["household"]["members"][1]["birth_date"] = "2026-02-30".into();
    bad(
        "intake-error",
        &qr::encode_stream(&qr::compress(v.to_string().as_bytes()), 2),
    );
    let mut v: serde_json::Value = serde_json::from_str(&family.to_json()).unwrap();
    v["household"]["address"] = "まどぐち市本町３丁目５番８号 (個人番号 1234 5678 9018)".into();
    bad(
        "individual-number",
        &qr::encode_stream(&qr::compress(v.to_string().as_bytes()), 3),
    );
    bad("incomplete", &[parts[0].clone()]);
}

fn largest_household_json() -> String {
    let long_addr = "北海道札幌市中央区北一条西二丁目一番地一　札幌市役所本庁舎前通り沿い大規模集合住宅まどぐちレジデンス東棟二十三階二千三百四十五号室（管理組合気付）";
    let rel = [
        "head",
        "spouse",
        "child",
        "child",
        "child",
        "parent",
        "parent",
        "grandchild",
        "sibling",
        "cohabitant",
    ];
    let members: Vec<serde_json::Value> = (0..10)
        .map(|i| {
            serde_json::json!({
                "id": format!("m{}", i + 1),
                "name": format!("長谷川部　龍之介太郎左衛門{}", "髙﨑".repeat(i % 3 + 1)),
                "kana": "ハセガワベ　リュウノスケタロウザエモン",
                "birth_date": format!("{}-0{}-1{}", 1940 + i * 8, i % 9 + 1, i % 9),
                "sex": if i % 2 == 0 { "male" } else { "female" },
                "relation": rel[i],
                "relation_label": if i == 9 { Some("同居人（内縁の配偶者の母）") } else { None },
                "nationality": "JP",
                "moving": i != 9,
                "facts": {
                    "health_insurance": "nhi", "pension": "category1", "pension_recipient": false,
                    "mynumber_card": true, "seal_registered": true, "ltc_certified": false,
                    "disability_certificate": ["physical", "intellectual", "mental"],
                    "public_school": false, "pregnant": false, "child_allowance_recipient": false,
                    "child_rearing_allowance_recipient": false, "owns_real_estate": true,
                    "water_contract_holder": false, "dog_owner": i == 0
                }
            })
        })
        .map(|mut m| {
            if m["relation_label"].is_null() {
                m.as_object_mut().unwrap().remove("relation_label");
            }
            m
        })
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "format": "madoguchi-intake/1",
        "event": {
            "kind": "move_in", "date": "2026-04-01", "notified_on": "2026-04-06",
            "planned_move_out_date": "2026-03-31",
            "previous_address": format!("{long_addr}（旧）"), "new_address": long_addr, "applicant": "m1"
        },
        "household": {
            "address": long_addr, "head": "m1", "members": members,
            "facts": { "dogs": 3, "public_assistance": false }
        }
    }))
    .unwrap()
}
