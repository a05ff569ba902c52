//! Codec and assembler tests; every row of the bad-input table of `qr-format.md`.

use super::*;
use crate::intake::parse_intake;
use proptest::prelude::*;

fn vocab() -> Vocabulary {
    Vocabulary::core()
}

fn family() -> Intake {
    let text = include_str!("../../fixtures/intakes/move-in-family.json");
    parse_intake(text, &vocab()).expect("fixture is a valid intake")
}

/// The largest household we can imagine: 10 members, long addresses and names.
pub(crate) fn largest_household_json() -> String {
    include_str!("../../fixtures/qr/largest-household.intake.json").to_string()
}

fn assemble(parts: &[String]) -> Result<Intake, QrError> {
    let mut a = Assembler::new(vocab());
    let mut last = None;
    for p in parts {
        last = Some(a.feed(p)?);
    }
    match last {
        Some(Feed::Complete(i)) => Ok(i),
        other => panic!("not complete: {other:?}"),
    }
}

/// Parts of an arbitrary zlib stream (for bad payloads).
fn parts_of_json(json: &str, set_id: u32) -> Vec<String> {
    encode_stream(&compress(json.as_bytes()), set_id)
}

#[test]
fn family_round_trips() {
    let i = family();
    let parts = encode_parts(&i, 123_456);
    // 4 members: about 700 bytes of zlib, two parts.
    assert_eq!(parts.len(), 2);
    assert!(parts[0].starts_with("MDG10102123456"));
    assert!(parts[1].starts_with("MDG10202123456"));
    assert_eq!(assemble(&parts).unwrap(), i);
}

#[test]
fn edition2_fields_round_trip() {
    for text in [
        include_str!("../../fixtures/intakes/death-edition2.json"),
        include_str!("../../fixtures/intakes/move-in-foreign-resident.json"),
    ] {
        let i = parse_intake(text, &vocab()).expect("fixture is a valid intake");
        let parts = encode_parts(&i, 654_321);
        let back = assemble(&parts).unwrap();
        assert_eq!(back, i);
        assert_eq!(back.to_json(), i.to_json());
    }
    let foreign = parse_intake(
        include_str!("../../fixtures/intakes/move-in-foreign-resident.json"),
        &vocab(),
    )
    .unwrap();
    let r = foreign.household.members[0].residence.as_ref().unwrap();
    assert_eq!(r.card_number.as_ref().unwrap().as_str(), "AB12345678CD");
}

#[test]
fn part_layout_follows_the_spec() {
    // Bytes 0x78 0xDA 0x01 → "30938" (0x78DA) and "001".
    let p = encode_part(1, 1, 42, &[0x78, 0xDA, 0x01]);
    let crc = crc32fast::hash(&[0x78, 0xDA, 0x01]);
    assert_eq!(p, format!("MDG10101000042{crc:010}30938001"));
    let parsed = parse_part(&p).unwrap();
    assert_eq!(parsed.bytes, vec![0x78, 0xDA, 0x01]);
    assert_eq!((parsed.index, parsed.total, parsed.set_id), (1, 1, 42));
}

#[test]
fn largest_household_splits_into_even_parts_and_round_trips() {
    let i = parse_intake(&largest_household_json(), &vocab()).unwrap();
    let json_len = i.to_json().len();
    assert!(json_len > 5000, "the household is large: {json_len}");
    // Random-looking text compresses poorly: force several parts with an incompressible
    // stream as well.
    let parts = encode_parts(&i, 999_999);
    for (n, p) in parts.iter().enumerate() {
        let part = parse_part(p).unwrap();
        assert!(part.bytes.len() <= PART_BYTES);
        if n + 1 < parts.len() {
            assert_eq!(part.bytes.len() % 2, 0, "split on an even byte boundary");
        }
    }
    // Any order, with repeats.
    let mut a = Assembler::new(vocab());
    let mut order: Vec<usize> = (0..parts.len()).rev().collect();
    order.insert(1, parts.len() - 1);
    let mut done = None;
    for k in order {
        if let Feed::Complete(x) = a.feed(&parts[k]).unwrap() {
            done = Some(x);
        }
    }
    assert_eq!(done, Some(i));
}

#[test]
fn a_multi_part_set_reports_progress_and_ignores_repeats() {
    // An incompressible payload long enough for three parts.
    let mut bytes = Vec::new();
    let mut x: u32 = 1;
    for _ in 0..1100 {
        x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
        bytes.push((x >> 16) as u8);
    }
    let parts = encode_stream(&bytes, 7);
    assert_eq!(parts.len(), 3);
    assert!(parts[0].starts_with("MDG10103000007"));
    let lens: Vec<usize> = parts
        .iter()
        .map(|p| parse_part(p).unwrap().bytes.len())
        .collect();
    assert_eq!(lens, vec![480, 480, 140]);
    let mut a = Assembler::new(vocab());
    assert_eq!(a.progress(), None);
    assert_eq!(a.feed(&parts[1]), Ok(Feed::Progress { read: 1, total: 3 }));
    assert_eq!(a.feed(&parts[1]), Ok(Feed::Duplicate { read: 1, total: 3 }));
    assert_eq!(a.feed(&parts[0]), Ok(Feed::Progress { read: 2, total: 3 }));
    assert_eq!(a.progress(), Some((2, 3)));
    assert_eq!(a.missing(), vec![3]);
    // Random bytes are not a zlib stream.
    assert_eq!(a.feed(&parts[2]), Err(QrError::SetDamaged));
    assert_eq!(a.progress(), None);
}

#[test]
fn whitespace_and_crlf_around_a_part_are_ignored_and_case_too() {
    let parts = encode_parts(&family(), 1);
    let each = |f: &dyn Fn(&String) -> String| parts.iter().map(f).collect::<Vec<_>>();
    assert!(assemble(&each(&|p| format!("  {p}\r\n"))).is_ok());
    assert!(assemble(&each(&|p| format!("\t{p}\n"))).is_ok());
    assert!(assemble(&each(&|p| format!("mdg1{}", &p[4..]))).is_ok());
    assert!(assemble(&each(&|p| format!("mDg1{}", &p[4..]))).is_ok());
}

// ---- the bad-input table, row by row ----

#[test]
fn row_not_madoguchi() {
    let mut a = Assembler::new(vocab());
    for t in [
        "",
        "   ",
        "4901234567894",
        "https://example.jp/",
        "MDG",
        "MDG2010100000100000000000",
        "ＭＤＧ１0101",
    ] {
        assert_eq!(a.feed(t), Err(QrError::NotMadoguchi), "{t:?}");
    }
    assert_eq!(QrError::NotMadoguchi.message_en(), "not a madoguchi code");
}

#[test]
fn row_part_damaged() {
    let good = encode_parts(&family(), 5).remove(0);
    let digits = &good[4..];
    let mut cases = vec![
        "MDG1".to_string(),
        format!("MDG1{}", &digits[..19]),       // header too short
        format!("MDG1{}", &digits[..20]) + "1", // 1 data digit
        format!("{good}1"),                     // data length 5k+1
        format!("{good}12"),                    // 5k+2
        format!("{good}1234"),                  // 5k+4
        format!("MDG1 {digits}"),               // inner space
        format!("{}x{}", &good[..30], &good[31..]), // a letter
        format!("{}-{}", &good[..30], &good[31..]), // a symbol
        format!("MDG1{}", "0".repeat(MAX_PART_CHARS)), // absurdly long
        "MDG1000112345600000000000".into(),     // index 00
        "MDG1030212345600000000000".into(),     // index > total
        "MDG1010012345600000000000".into(),     // total 00
        "MDG1010112345699999999990".into(),     // CRC > u32 (and 1 data digit)
        "MDG101011234569999999999".into(),      // CRC > u32, no data
        "MDG10101123456000000000065536".into(), // group > 65535
        "MDG10101123456000000000099999".into(), // group > 65535
        "MDG1010112345600000000000000256".into(), // final byte > 255
        format!("{}１{}", &good[..30], &good[31..]), // a full-width digit
    ];
    cases.push(format!("{good}\u{0}"));
    let mut a = Assembler::new(vocab());
    for t in &cases {
        assert_eq!(a.feed(t), Err(QrError::PartDamaged), "{t:?}");
    }
    assert_eq!(
        QrError::PartDamaged.message_en(),
        "part damaged: scan it again"
    );
}

#[test]
fn row_crc_mismatch_names_the_part() {
    let mut bytes = vec![0u8; 1000];
    bytes[0] = 1;
    let parts = encode_stream(&bytes, 77);
    assert_eq!(parts.len(), 3);
    let mut a = Assembler::new(vocab());
    assert!(matches!(
        a.feed(&parts[0]),
        Ok(Feed::Progress { read: 1, total: 3 })
    ));
    // Flip one data digit of part 2 (stays a valid group).
    let p = &parts[1];
    let k = 30;
    let c = p.as_bytes()[k];
    let flipped = if c == b'0' { '1' } else { '0' };
    let bad = format!("{}{}{}", &p[..k], flipped, &p[k + 1..]);
    let e = a.feed(&bad).unwrap_err();
    assert_eq!(e, QrError::CrcMismatch { index: 2, total: 3 });
    assert_eq!(
        e.message_en(),
        "part 2 of 3 did not scan cleanly: scan that part again"
    );
    assert!(e.message_ja().contains("3枚中2枚目"));
    // Nothing lost: the half-read set is still there.
    assert_eq!(a.progress(), Some((1, 3)));
}

#[test]
fn row_other_set_is_never_mixed() {
    let mut bytes = vec![0u8; 600];
    bytes[3] = 9;
    let first = encode_stream(&bytes, 111_111);
    let other = encode_stream(&bytes, 222_222);
    let mut a = Assembler::new(vocab());
    assert_eq!(a.feed(&first[0]), Ok(Feed::Progress { read: 1, total: 2 }));
    assert_eq!(
        a.feed(&other[1]),
        Ok(Feed::OtherSet {
            current_set: 111_111,
            new_set: 222_222,
            conflict: Conflict::OtherSet { index: 2, total: 2 },
        })
    );
    assert_eq!(a.progress(), Some((1, 2)), "the current set is kept");
    // The clerk chooses to start over with the new set.
    a.start_over();
    assert_eq!(a.feed(&other[1]), Ok(Feed::Progress { read: 1, total: 2 }));
    assert_eq!(a.missing(), vec![1]);
    // Same id, other total: another set too.
    let three = encode_stream(&vec![5u8; 1200], 222_222);
    assert_eq!(
        a.feed(&three[0]),
        Ok(Feed::OtherSet {
            current_set: 222_222,
            new_set: 222_222,
            conflict: Conflict::OtherTotal {
                total: 3,
                expected: 2
            },
        })
    );
    // Same id and index, other bytes: a collision, said as such.
    let mut other_bytes = bytes.clone();
    other_bytes[500] = 1;
    let twin = encode_stream(&other_bytes, 222_222);
    let fed = a.feed(&twin[1]).unwrap();
    assert_eq!(
        fed,
        Feed::OtherSet {
            current_set: 222_222,
            new_set: 222_222,
            conflict: Conflict::PartDiffers { index: 2 },
        }
    );
    let (ja, en) = Conflict::PartDiffers { index: 2 }.message(222_222, 222_222, 1, 2);
    assert!(
        ja.contains("2枚目はすでに読み取っていますが、内容が違います"),
        "{ja}"
    );
    assert!(en.contains("another set with the same id"), "{en}");
}

#[test]
fn row_same_part_twice_is_ignored_even_after_completion() {
    let parts = encode_parts(&family(), 31);
    let mut a = Assembler::new(vocab());
    assert!(matches!(
        a.feed(&parts[0]),
        Ok(Feed::Progress { read: 1, total: 2 })
    ));
    assert!(matches!(a.feed(&parts[1]), Ok(Feed::Complete(_))));
    assert_eq!(a.feed(&parts[0]), Ok(Feed::Duplicate { read: 2, total: 2 }));
    assert_eq!(a.progress(), None);
    // A new household after a completed one starts a new set without asking.
    let next = encode_parts(&family(), 32);
    assert!(matches!(
        a.feed(&next[1]),
        Ok(Feed::Progress { read: 1, total: 2 })
    ));
}

#[test]
fn row_set_damaged_bad_zlib_and_compression_bomb() {
    // Not zlib at all.
    assert_eq!(
        assemble(&encode_stream(b"{\"format\":1}", 1)),
        Err(QrError::SetDamaged)
    );
    // Truncated stream.
    let z = compress(family().to_json().as_bytes());
    assert_eq!(
        assemble(&encode_stream(&z[..z.len() - 6], 1)),
        Err(QrError::SetDamaged)
    );
    // Bad Adler-32.
    let mut bad = z.clone();
    let n = bad.len();
    bad[n - 1] ^= 0xFF;
    assert_eq!(assemble(&encode_stream(&bad, 1)), Err(QrError::SetDamaged));
    // Trailing garbage after the stream.
    let mut trail = z.clone();
    trail.extend_from_slice(b"xx");
    assert_eq!(
        assemble(&encode_stream(&trail, 1)),
        Err(QrError::SetDamaged)
    );
    // A compression bomb: 16 MiB of spaces in a few kilobytes.
    let bomb = compress(&vec![b' '; 16 << 20]);
    assert!(bomb.len() < 20_000, "{}", bomb.len());
    let parts = encode_stream(&bomb, 666_666);
    assert_eq!(assemble(&parts), Err(QrError::SetDamaged));
    // Exactly at the limit is fine for the inflater (the JSON is then checked).
    let mut at_limit = family().to_json().into_bytes();
    at_limit.resize(INFLATE_LIMIT, b' ');
    assert_eq!(
        inflate(&compress(&at_limit)).map(|v| v.len()),
        Ok(INFLATE_LIMIT)
    );
    at_limit.push(b' ');
    assert_eq!(inflate(&compress(&at_limit)), Err(QrError::SetDamaged));
    assert_eq!(QrError::SetDamaged.message_en(), "code set damaged");
}

#[test]
fn row_intake_error_names_the_json_path() {
    let mut v: serde_json::Value = serde_json::from_str(&family().to_json()).unwrap();
    v["household"]["members"][1]["birth_date"] = "2026-02-30".into();
    let e = assemble(&parts_of_json(&v.to_string(), 3)).unwrap_err();
    match &e {
        QrError::Intake(ie) => assert_eq!(ie.path, "household.members[1].birth_date"),
        other => panic!("{other:?}"),
    }
    assert!(e
        .message_en()
        .starts_with("household.members[1].birth_date: "));
    // Not JSON, and not UTF-8.
    assert!(matches!(
        assemble(&parts_of_json("not json", 3)),
        Err(QrError::Intake(_))
    ));
    let latin = encode_stream(&compress(&[0xFF, 0xFE, b'{']), 3);
    assert!(matches!(assemble(&latin), Err(QrError::Intake(_))));
    // An unknown key.
    let mut v: serde_json::Value = serde_json::from_str(&family().to_json()).unwrap();
    v["event"]["colour"] = "blue".into();
    let e = assemble(&parts_of_json(&v.to_string(), 3)).unwrap_err();
    assert!(
        e.message_en().starts_with("event.colour"),
        "{}",
        e.message_en()
    );
}

#[test]
fn row_individual_number_is_refused_anywhere() {
    let base: serde_json::Value = serde_json::from_str(&family().to_json()).unwrap();
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let edits: Vec<Edit> = vec![
        Box::new(|v| v["household"]["members"][0]["my_number"] = "123".into()),
        Box::new(|v| v["household"]["members"][0]["kana"] = "123456789018".into()),
        Box::new(|v| v["household"]["address"] = "本町1-1 マイナンバー 1234 5678 9018".into()),
        Box::new(|v| v["household"]["members"][2]["name"] = "１２３４５６７８９０１８".into()),
        Box::new(|v| v["household"]["facts"]["dogs"] = 123_456_789_018u64.into()),
    ];
    for (n, edit) in edits.iter().enumerate() {
        let mut v = base.clone();
        edit(&mut v);
        let e = assemble(&parts_of_json(&v.to_string(), 9)).unwrap_err();
        assert_eq!(e, QrError::IndividualNumber, "edit {n}");
        assert!(e.message_ja().contains("個人番号"));
    }
    // Numbers that are not one: a phone number, 12 digits with a wrong check digit, 13 digits.
    assert!(!crate::intake::contains_individual_number("090-1234-5678"));
    assert!(!crate::intake::contains_individual_number("123456789012"));
    assert!(!crate::intake::contains_individual_number("1234567890185"));
    assert!(crate::intake::contains_individual_number("x123456789018y"));
}

#[test]
fn set_ids_are_six_digits_and_vary() {
    let ids: std::collections::BTreeSet<u32> = (0..50).map(|_| random_set_id()).collect();
    assert!(ids.iter().all(|&i| i <= MAX_SET_ID));
    assert!(ids.len() > 40);
    assert_eq!(
        try_encode_parts(&family(), 1_000_000),
        Err(EncodeError::BadSetId(1_000_000))
    );
}

#[test]
fn png_is_a_qr_code_that_rxing_reads_back() {
    let parts = encode_parts(&family(), 4242);
    let png = render_png(&parts[0]);
    assert_eq!(&png[1..4], b"PNG");
    let img = ::image::load_from_memory(&png).unwrap();
    assert_eq!(decode_image(&img), vec![parts[0].clone()]);
}

// ---- generated households ----

fn member_strategy() -> impl Strategy<Value = serde_json::Value> {
    (
        "[山田川本佐藤鈴木髙﨑あ-んア-ン]{1,6}　[一-龠ぁ-んァ-ヶA-Za-z]{1,8}",
        "[ァ-ヶ]{1,10}",
        (1930i32..2025, 1u32..=12, 1u32..=28),
        prop::sample::select(vec!["male", "female", "not_applicable"]),
        prop::option::of(prop::sample::select(vec![
            "nhi",
            "late_elderly",
            "employee",
            "employee_dependent",
            "public_assistance",
            "none",
        ])),
        prop::option::of(any::<bool>()),
        any::<bool>(),
        edition2_member_strategy(),
    )
        .prop_map(|(name, kana, (y, m, d), sex, hi, card, moving, ed2)| {
            let mut facts = serde_json::Map::new();
            if let Some(h) = hi {
                facts.insert("health_insurance".into(), h.into());
            }
            if let Some(c) = card {
                facts.insert("mynumber_card".into(), c.into());
            }
            let mut m = serde_json::json!({
                "name": name, "kana": kana, "birth_date": format!("{y:04}-{m:02}-{d:02}"),
                "sex": sex, "moving": moving, "facts": facts
            });
            for (k, v) in ed2 {
                m[k] = v;
            }
            m
        })
}

/// Edition 2 member fields, each present or not.
fn edition2_member_strategy() -> impl Strategy<Value = Vec<(&'static str, serde_json::Value)>> {
    (
        prop::option::of("[一-龠]{2,8}[1-9]丁目[1-9]番地"),
        prop::option::of("[山田川本佐藤]{1,3}　[一-龠]{1,3}"),
        prop::option::of((
            prop::option::of(prop::sample::select(vec![
                "留学",
                "永住者",
                "技術・人文知識・国際業務",
            ])),
            prop::option::of((2026i32..2035, 1u32..=12, 1u32..=28)),
            prop::option::of("[A-Z]{2}[0-9]{8}[A-Z]{2}"),
            prop::option::of(prop::sample::select(
                crate::intake::ResidenceKubun::VALUES.to_vec(),
            )),
        )),
        prop::option::of(prop::sample::select(
            crate::intake::Relation::VALUES.to_vec(),
        )),
    )
        .prop_map(|(honseki, hittosha, residence, new_relation)| {
            let mut out = Vec::new();
            if let Some(h) = honseki {
                out.push(("honseki", h.into()));
            }
            if let Some(h) = hittosha {
                out.push(("hittosha", h.into()));
            }
            if let Some((status, until, card, kubun)) = residence {
                let mut r = serde_json::Map::new();
                if let Some(s) = status {
                    r.insert("status".into(), s.into());
                }
                if let Some((y, m, d)) = until {
                    r.insert(
                        "period_until".into(),
                        format!("{y:04}-{m:02}-{d:02}").into(),
                    );
                }
                if let Some(c) = card {
                    r.insert("card_number".into(), c.into());
                }
                if let Some(k) = kubun {
                    r.insert("kubun".into(), k.into());
                }
                out.push(("residence", r.into()));
            }
            if let Some(r) = new_relation {
                out.push(("new_relation", r.into()));
            }
            out
        })
}

fn intake_strategy() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(member_strategy(), 1..=10),
        "[一-龠ぁ-ん]{0,60}[1-9]丁目[1-9]番[1-9]号",
        prop::sample::select(vec![
            "move_in",
            "move_within",
            "move_out",
            "household_change",
        ]),
        0u32..5,
        prop::option::of(prop::sample::select(
            crate::intake::ApplicantCapacity::VALUES.to_vec(),
        )),
    )
        .prop_map(|(mut members, addr, kind, dogs, capacity)| {
            for (i, m) in members.iter_mut().enumerate() {
                m["id"] = format!("m{}", i + 1).into();
            }
            serde_json::json!({
                "format": "madoguchi-intake/1",
                "event": { "kind": kind, "date": "2026-04-01", "new_address": addr,
                           "applicant_capacity": capacity },
                "household": { "address": addr, "head": "m1", "members": members,
                               "facts": { "dogs": dogs } }
            })
            .to_string()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn generated_intakes_round_trip(json in intake_strategy(), set_id in 0u32..=MAX_SET_ID, rot in 0usize..8) {
        let intake = parse_intake(&json, &vocab()).expect("generated intakes are valid");
        let mut parts = encode_parts(&intake, set_id);
        let n = parts.len();
        parts.rotate_left(rot % n);
        prop_assert_eq!(assemble(&parts).unwrap(), intake);
    }

    #[test]
    fn random_bytes_round_trip_through_parts(bytes in prop::collection::vec(any::<u8>(), 0..3000), set_id in 0u32..=MAX_SET_ID) {
        let parts = encode_stream(&bytes, set_id);
        let mut back = Vec::new();
        for p in &parts {
            let q = parse_part(p).unwrap();
            prop_assert_eq!(q.set_id, set_id);
            back.extend(q.bytes);
        }
        prop_assert_eq!(back, bytes);
    }

    /// The fuzz target's body on arbitrary text: never panics.
    #[test]
    fn arbitrary_text_never_panics(texts in prop::collection::vec(".{0,80}|MDG1[0-9]{0,80}", 1..6)) {
        let mut a = Assembler::new(vocab());
        for t in &texts {
            let _ = a.feed(t);
        }
    }
}

/// A deterministic mutation fuzzer (a cheap stand-in for `cargo fuzz` in every test run):
/// damaged variants of real parts, and real sets whose zlib stream was damaged but re-split
/// with valid CRCs, so the inflater, the JSON reader and the intake rules all see garbage.
#[test]
fn mutated_parts_and_streams_never_panic() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut rnd = move |n: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n.max(1) as u64) as usize
    };
    let family = family();
    let largest = parse_intake(&largest_household_json(), &vocab()).unwrap();
    let sets = [encode_parts(&family, 1), encode_parts(&largest, 2)];
    let streams = [
        compress(family.to_json().as_bytes()),
        compress(largest.to_json().as_bytes()),
    ];
    let mut outcomes = std::collections::BTreeMap::<String, usize>::new();
    for round in 0..1200 {
        let set = &sets[round % 2];
        let mut a = Assembler::new(vocab());
        for p in set {
            let mut t: Vec<u8> = p.clone().into_bytes();
            for _ in 0..rnd(4) {
                if t.is_empty() {
                    break;
                }
                let i = rnd(t.len());
                match rnd(5) {
                    0 => t[i] = b'0' + rnd(10) as u8,
                    1 => {
                        t.remove(i);
                    }
                    2 => {
                        let alphabet = b"0123456789 MDGx\r\n";
                        t.insert(i, alphabet[rnd(alphabet.len())]);
                    }
                    3 => t.truncate(i),
                    _ => t[i] = rnd(256) as u8,
                }
            }
            let t = String::from_utf8_lossy(&t);
            let r = a.feed(&t);
            let key = match &r {
                Ok(f) => format!("{f:?}").chars().take(8).collect(),
                Err(e) => format!("{e:?}").chars().take(12).collect(),
            };
            *outcomes.entry(key).or_default() += 1;
        }
        // Damage the stream itself, then split it into valid parts.
        let mut z = streams[round % 2].clone();
        for _ in 0..1 + rnd(3) {
            let i = rnd(z.len());
            match rnd(3) {
                0 => z[i] ^= 1 << rnd(8),
                1 => z.truncate(i.max(1)),
                _ => z.insert(i, rnd(256) as u8),
            }
        }
        let r = assemble_any(&encode_stream(&z, 3));
        let key = match &r {
            Some(Ok(_)) => "stream ok".to_string(),
            Some(Err(e)) => format!("stream {e:?}").chars().take(19).collect(),
            None => "stream incomplete".into(),
        };
        *outcomes.entry(key).or_default() += 1;
        // Damage the JSON before compressing: the JSON reader and the intake rules.
        let mut j = if round % 2 == 0 {
            family.to_json()
        } else {
            largest.to_json()
        }
        .into_bytes();
        for _ in 0..1 + rnd(3) {
            let i = rnd(j.len());
            match rnd(3) {
                0 => {
                    let alphabet = b"{}[]\":,0123456789-.eE tfn\\u";
                    j[i] = alphabet[rnd(alphabet.len())];
                }
                1 => {
                    j.remove(i);
                }
                _ => {
                    let alphabet = b"{}[]\":,0123456789";
                    j.insert(i, alphabet[rnd(alphabet.len())]);
                }
            }
        }
        let r = assemble_any(&encode_stream(&compress(&j), 4));
        let key = match &r {
            Some(Ok(_)) => "stream ok".to_string(),
            Some(Err(e)) => format!("stream {e:?}").chars().take(19).collect(),
            None => "stream incomplete".into(),
        };
        *outcomes.entry(key).or_default() += 1;
    }
    // The mutations reach every kind of verdict, not just the first check.
    let keys: Vec<&String> = outcomes.keys().collect();
    for want in [
        "CrcMismatc",
        "PartDamaged",
        "Progress",
        "stream SetDamaged",
        "stream Intake",
    ] {
        assert!(
            keys.iter().any(|k| k.starts_with(want)),
            "{want} in {keys:?}"
        );
    }
}

fn assemble_any(parts: &[String]) -> Option<Result<Intake, QrError>> {
    let mut a = Assembler::new(vocab());
    for p in parts {
        match a.feed(p) {
            Ok(Feed::Complete(i)) => return Some(Ok(i)),
            Ok(_) => {}
            Err(e) => return Some(Err(e)),
        }
    }
    None
}

#[test]
fn an_intake_too_large_for_a_set_is_refused_by_the_encoder() {
    let mut i = family();
    // Hardly compressible text: 3,000 pseudo-random kanji in an address.
    let mut x: u32 = 99;
    let addr: String = (0..3000)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            char::from_u32(0x4E00 + (x >> 16) % 0x5000).unwrap_or('山')
        })
        .collect();
    i.household.address = Some(addr.clone());
    assert!(try_encode_parts(&i, 1).is_ok(), "9 KB of kanji still fits");
    i.event.previous_address = Some(addr.repeat(3));
    i.event.new_address = Some(addr.repeat(3));
    i.household.address = Some(addr.repeat(3));
    let big = i.to_json().len();
    assert!(big > INFLATE_LIMIT);
    assert_eq!(try_encode_parts(&i, 1), Err(EncodeError::TooLarge(big)));
}

#[test]
fn an_intake_that_hardly_compresses_is_refused_past_99_parts() {
    let mut i = family();
    let mut x: u32 = 7;
    let alphabet: Vec<char> = ('!'..='~').filter(|c| !matches!(c, '"' | '\\')).collect();
    let mut noise = |n: usize| -> String {
        (0..n)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                alphabet[(x >> 16) as usize % alphabet.len()]
            })
            .collect()
    };
    i.event.previous_address = Some(noise(20_800));
    i.event.new_address = Some(noise(20_800));
    i.household.address = Some(noise(20_800));
    assert!(i.to_json().len() <= INFLATE_LIMIT);
    assert!(matches!(
        try_encode_parts(&i, 1),
        Err(EncodeError::TooManyParts(_))
    ));
}

#[test]
fn a_stream_past_99_parts_gets_larger_even_parts() {
    let parts = encode_stream(&vec![7u8; 99 * 480 + 1], 1);
    assert_eq!(parts.len(), 99);
    let first = parse_part(&parts[0]).unwrap();
    assert_eq!(first.bytes.len() % 2, 0);
    assert_eq!(first.total, 99);
}
