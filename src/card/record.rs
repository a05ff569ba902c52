//! The 基本4情報 record of EF 0002: parsing (by tag, checked against the offset table) and,
//! for the virtual card and tests, building.
//!
//! ```text
//! FF 20 L                 whole record
//!   DF 21 08              four big-endian u16 offsets (from the file start) of DF22..DF25
//!   DF 22 L name          UTF-8, family and given name separated by U+3000
//!   DF 23 L address       UTF-8, digits and hyphens as printed (often full-width)
//!   DF 24 08 birth        ASCII YYYYMMDD, Gregorian
//!   DF 25 01 sex          ASCII 1 male, 2 female, 9 not applicable, 0 unknown
//! ```

use super::error::CardError;
use super::tlv::{self, TlvError};
use super::Basic4;
use crate::intake::Sex;

pub const TAG_RECORD: u32 = 0xFF20;
pub const TAG_OFFSETS: u32 = 0xDF21;
pub const TAG_NAME: u32 = 0xDF22;
pub const TAG_ADDRESS: u32 = 0xDF23;
pub const TAG_BIRTH: u32 = 0xDF24;
pub const TAG_SEX: u32 = 0xDF25;

/// The record's offsets are 15-bit (READ BINARY's P1-P2): nothing larger is a valid record.
pub const MAX_RECORD_LEN: usize = 0x7FFF;

fn damaged(what: &str) -> CardError {
    CardError::Damaged(what.to_string())
}

fn tlv_err(what: &str, e: TlvError) -> CardError {
    let why = match e {
        TlvError::Truncated => "truncated",
        TlvError::TagTooLong => "bad tag",
        TlvError::BadLength => "bad length",
    };
    CardError::Damaged(format!("{what}: {why}"))
}

/// The whole size of the record from its first bytes (the header read), checking the tag.
pub fn record_len_from_header(header: &[u8]) -> Result<usize, CardError> {
    match tlv::total_len(header) {
        Ok((TAG_RECORD, n)) if n <= MAX_RECORD_LEN => Ok(n),
        Ok((TAG_RECORD, _)) => Err(damaged("EF0002 header: record too long")),
        Ok(_) => Err(damaged("EF0002 header: not an FF20 record")),
        Err(e) => Err(tlv_err("EF0002 header", e)),
    }
}

/// Parses the contents of EF 0002 (from offset 0; filler after the record is ignored).
/// Never panics; unusual characters are kept exactly as they come.
pub fn parse_basic4(file: &[u8]) -> Result<Basic4, CardError> {
    let rec = tlv::read_tlv(file, 0).map_err(|e| tlv_err("FF20 record", e))?;
    if rec.tag != TAG_RECORD {
        return Err(damaged("FF20 record: wrong tag"));
    }
    let base = rec.offset + rec.header_len;
    let mut found: [Option<tlv::Tlv>; 5] = [None; 5];
    for child in tlv::children(rec.value, base) {
        let child = child.map_err(|e| tlv_err("FF20 contents", e))?;
        let slot = match child.tag {
            TAG_OFFSETS => 0,
            TAG_NAME => 1,
            TAG_ADDRESS => 2,
            TAG_BIRTH => 3,
            TAG_SEX => 4,
            // Objects this program does not know are skipped: later cards may add some.
            _ => continue,
        };
        if found[slot].is_some() {
            return Err(CardError::Damaged(format!(
                "DF{:02X} repeated",
                0x21 + slot
            )));
        }
        found[slot] = Some(child);
    }
    let get = |slot: usize| {
        found[slot].ok_or_else(|| CardError::Damaged(format!("DF{:02X} missing", 0x21 + slot)))
    };
    let (offsets, name, address, birth, sex) = (get(0)?, get(1)?, get(2)?, get(3)?, get(4)?);

    // The offset table must point at the tags we found: a mismatch means the record was
    // written or read wrongly, and its contents cannot be trusted.
    if offsets.value.len() != 8 {
        return Err(damaged("DF21 offset table: length"));
    }
    for (i, t) in [name, address, birth, sex].iter().enumerate() {
        let off = usize::from(u16::from_be_bytes([
            offsets.value[2 * i],
            offsets.value[2 * i + 1],
        ]));
        if off != t.offset {
            return Err(CardError::Damaged(format!(
                "DF21 offset table: DF{:02X}",
                0x22 + i
            )));
        }
    }

    let name =
        String::from_utf8(name.value.to_vec()).map_err(|_| damaged("DF22 name: not UTF-8"))?;
    let address = String::from_utf8(address.value.to_vec())
        .map_err(|_| damaged("DF23 address: not UTF-8"))?;
    // Text from a chip reaches the terminal and the forms: no control or bidi characters.
    if crate::text::find_forbidden(&name).is_some() {
        return Err(damaged("DF22 name: a control character"));
    }
    if crate::text::find_forbidden(&address).is_some() {
        return Err(damaged("DF23 address: a control character"));
    }
    let birth_date = parse_birth(birth.value).ok_or_else(|| damaged("DF24 birth date"))?;
    let sex = match sex.value {
        b"1" => Some(Sex::Male),
        b"2" => Some(Sex::Female),
        b"9" => Some(Sex::NotApplicable),
        b"0" => None,
        _ => return Err(damaged("DF25 sex")),
    };
    Ok(Basic4 {
        name,
        address,
        birth_date,
        sex,
    })
}

fn parse_birth(v: &[u8]) -> Option<chrono::NaiveDate> {
    if v.len() != 8 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n =
        |r: std::ops::Range<usize>| v[r].iter().fold(0u32, |a, &b| a * 10 + u32::from(b - b'0'));
    let (first, last) = (crate::intake::FIRST_DATE, crate::intake::LAST_DATE);
    let range = chrono::NaiveDate::from_ymd_opt(first.0, first.1, first.2)?
        ..=chrono::NaiveDate::from_ymd_opt(last.0, last.1, last.2)?;
    // The dates an intake may hold (1873–2099): a card claiming year 0 is damaged.
    chrono::NaiveDate::from_ymd_opt(n(0..4) as i32, n(4..6), n(6..8)).filter(|d| range.contains(d))
}

/// Options for [`build_record`]: how a card might lay the same facts out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    /// Use the long length form (`81 xx`) even where the short form fits.
    pub long_form: bool,
    /// Filler bytes (`00`) between the objects inside the record.
    pub inner_filler: usize,
}

fn push_len(out: &mut Vec<u8>, len: usize, long: bool) {
    if len < 0x80 && !long {
        out.push(len as u8);
    } else if len <= 0xFF {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.push(0x82);
        out.extend_from_slice(&(len.min(0xFFFF) as u16).to_be_bytes());
    }
}

fn tlv_bytes(tag: u16, value: &[u8], long: bool) -> Vec<u8> {
    let mut out = tag.to_be_bytes().to_vec();
    push_len(&mut out, value.len(), long);
    out.extend_from_slice(value);
    out
}

/// Builds an EF 0002 record with a correct offset table. `sex_code` is the ASCII code
/// (`b'1'`, `b'2'`, `b'9'`, `b'0'`).
pub fn build_record(
    name: &str,
    address: &str,
    birth: chrono::NaiveDate,
    sex_code: u8,
    layout: Layout,
) -> Vec<u8> {
    let long = layout.long_form;
    let fields = [
        tlv_bytes(0xDF22, name.as_bytes(), long),
        tlv_bytes(0xDF23, address.as_bytes(), long),
        tlv_bytes(0xDF24, birth.format("%Y%m%d").to_string().as_bytes(), long),
        tlv_bytes(0xDF25, &[sex_code], long),
    ];
    let offsets_len = tlv_bytes(0xDF21, &[0; 8], long).len();
    let filler = layout.inner_filler;
    let inner_len = offsets_len + fields.iter().map(|f| f.len() + filler).sum::<usize>();
    let mut header = vec![0xFF, 0x20];
    push_len(&mut header, inner_len, long);
    // Offsets from the start of the file: header, offset table, then each field after its filler.
    let mut pos = header.len() + offsets_len;
    let mut table = Vec::with_capacity(8);
    for f in &fields {
        pos += filler;
        table.extend_from_slice(&(pos.min(0xFFFF) as u16).to_be_bytes());
        pos += f.len();
    }
    let mut out = header;
    out.extend_from_slice(&tlv_bytes(0xDF21, &table, long));
    for f in &fields {
        out.extend(std::iter::repeat_n(0x00, filler));
        out.extend_from_slice(f);
    }
    out
}

/// The sex code the card uses.
pub fn sex_code(sex: Option<Sex>) -> u8 {
    match sex {
        Some(Sex::Male) => b'1',
        Some(Sex::Female) => b'2',
        Some(Sex::NotApplicable) => b'9',
        None => b'0',
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// The synthetic record of `mynumber-card.md`, byte for byte.
    pub const GOLDEN: &[u8] = &[
        0xFF, 0x20, 0x5C, //
        0xDF, 0x21, 0x08, 0x00, 0x0E, 0x00, 0x20, 0x00, 0x50, 0x00, 0x5B, //
        0xDF, 0x22, 0x0F, 0xE5, 0xB1, 0xB1, 0xE7, 0x94, 0xB0, 0xE3, 0x80, 0x80, 0xE5, 0xA4, 0xAA,
        0xE9, 0x83, 0x8E, //
        0xDF, 0x23, 0x2D, 0xE6, 0x9D, 0xB1, 0xE4, 0xBA, 0xAC, 0xE9, 0x83, 0xBD, 0xE5, 0x8D, 0x83,
        0xE4, 0xBB, 0xA3, 0xE7, 0x94, 0xB0, 0xE5, 0x8C, 0xBA, 0xE9, 0x9C, 0x9E, 0xE3, 0x81, 0x8C,
        0xE9, 0x96, 0xA2, 0xEF, 0xBC, 0x91, 0xEF, 0xBC, 0x8D, 0xEF, 0xBC, 0x91, 0xEF, 0xBC, 0x8D,
        0xEF, 0xBC, 0x91, //
        0xDF, 0x24, 0x08, 0x31, 0x39, 0x38, 0x30, 0x30, 0x31, 0x30, 0x31, //
        0xDF, 0x25, 0x01, 0x31,
    ];

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn golden_record() {
        assert_eq!(GOLDEN.len(), 3 + 0x5C);
        let b = parse_basic4(GOLDEN).unwrap();
        assert_eq!(b.name, "山田\u{3000}太郎");
        assert_eq!(b.address, "東京都千代田区霞が関１－１－１");
        assert_eq!(b.birth_date, d(1980, 1, 1));
        assert_eq!(b.sex, Some(Sex::Male));
        assert_eq!(record_len_from_header(&GOLDEN[..7]).unwrap(), GOLDEN.len());
    }

    #[test]
    fn builder_reproduces_golden() {
        let built = build_record(
            "山田　太郎",
            "東京都千代田区霞が関１－１－１",
            d(1980, 1, 1),
            b'1',
            Layout::default(),
        );
        assert_eq!(built, GOLDEN);
    }

    #[test]
    fn padding_after_record() {
        for pad in [0x00u8, 0xFF] {
            let mut f = GOLDEN.to_vec();
            f.extend(std::iter::repeat_n(pad, 40));
            assert_eq!(parse_basic4(&f).unwrap().name, "山田\u{3000}太郎");
        }
    }

    #[test]
    fn long_form_and_filler() {
        let long_addr = "北海道札幌市中央区北一条西二丁目".repeat(4) + "１２－７－２０２";
        let r = build_record(
            "髙橋　𠮷子",
            &long_addr,
            d(1989, 1, 8),
            b'2',
            Layout {
                long_form: true,
                inner_filler: 2,
            },
        );
        assert_eq!(&r[..2], &[0xFF, 0x20]);
        assert!(r[2] == 0x81 || r[2] == 0x82, "long form");
        assert_eq!(r[r[2] as usize - 0x80 + 3..][..3], [0xDF, 0x21, 0x81]);
        assert_eq!(record_len_from_header(&r[..7]).unwrap(), r.len());
        let b = parse_basic4(&r).unwrap();
        assert_eq!(b.name, "髙橋\u{3000}𠮷子");
        assert_eq!(b.address, long_addr);
        assert_eq!(b.sex, Some(Sex::Female));
        // A record over 255 bytes takes the 82 xx xx form.
        let huge = "𠮷".repeat(80);
        let r = build_record(&huge, "住所", d(2019, 5, 1), b'9', Layout::default());
        assert_eq!(&r[..2], &[0xFF, 0x20]);
        assert_eq!(r[2], 0x82);
        let b = parse_basic4(&r).unwrap();
        assert_eq!((b.name, b.sex), (huge, Some(Sex::NotApplicable)));
    }

    #[test]
    fn odd_characters_kept_as_they_are() {
        // 異体字 (髙, 𠮷, 﨑), a private-use 外字, full-width digits and hyphen.
        let name = "髙﨑　𠮷\u{E000}郎";
        let addr = "大阪府大阪市北区梅田３丁目１－１　ハイツ１０２号";
        let r = build_record(name, addr, d(1950, 12, 31), b'0', Layout::default());
        let b = parse_basic4(&r).unwrap();
        assert_eq!(
            (b.name.as_str(), b.address.as_str(), b.sex),
            (name, addr, None)
        );
    }

    #[test]
    fn parse_by_tag_not_position() {
        // Unknown objects are skipped, and DF25 may come before DF24 when the table agrees.
        let mut r = build_record("A", "B", d(2000, 2, 29), b'1', Layout::default());
        let extra = [0xDF, 0x30, 0x02, 0xAA, 0xBB];
        r.extend_from_slice(&extra);
        r[2] += extra.len() as u8;
        assert_eq!(parse_basic4(&r).unwrap().birth_date, d(2000, 2, 29));
    }

    #[test]
    fn damaged_records() {
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (vec![], "FF20"),
            (GOLDEN[..50].to_vec(), "FF20 record: truncated"),
            (
                {
                    let mut g = GOLDEN.to_vec();
                    g[0] = 0xEF;
                    g
                },
                "wrong tag",
            ),
            (
                {
                    let mut g = GOLDEN.to_vec();
                    g[7] = 0x0F;
                    g
                },
                "DF21 offset table: DF22",
            ),
            (
                {
                    let mut g = GOLDEN.to_vec();
                    g[95 - 1] = b'5';
                    g
                },
                "DF25 sex",
            ),
            (
                {
                    let mut g = GOLDEN.to_vec();
                    g[87] = b'3';
                    g
                },
                "DF24 birth date",
            ),
            (
                {
                    let mut g = GOLDEN.to_vec();
                    g[17] = 0xC0;
                    g
                },
                "DF22 name: not UTF-8",
            ),
            (
                {
                    let mut g = GOLDEN.to_vec();
                    g[92] = 0x26;
                    g
                },
                "DF25 missing",
            ),
        ];
        for (bytes, want) in cases {
            match parse_basic4(&bytes) {
                Err(CardError::Damaged(w)) => assert!(w.contains(want), "{w} vs {want}"),
                other => panic!("{want}: {other:?}"),
            }
        }
        assert!(matches!(
            record_len_from_header(&[0xFF, 0x20, 0x82, 0xFF, 0xFF]),
            Err(CardError::Damaged(_))
        ));
        assert!(matches!(
            record_len_from_header(&[0xDF, 0x20, 0x05]),
            Err(CardError::Damaged(_))
        ));
    }

    /// Text a card may hold: no control characters, no bidi controls, no line separators.
    fn printable(max: usize) -> impl proptest::prelude::Strategy<Value = String> {
        use proptest::prelude::Strategy;
        proptest::string::string_regex(&format!("\\PC{{0,{max}}}"))
            .expect("a valid pattern")
            .prop_filter("text a card may hold", |s| {
                crate::text::find_forbidden(s).is_none()
            })
    }

    #[test]
    fn control_characters_and_impossible_dates_are_damaged() {
        let r = build_record(
            "山田\u{1b}[2J太郎",
            "東京都",
            d(1999, 12, 31),
            b'2',
            Layout::default(),
        );
        assert_eq!(
            parse_basic4(&r),
            Err(CardError::Damaged("DF22 name: a control character".into()))
        );
        let r = build_record(
            "山田太郎",
            "東京都\u{202e}",
            d(1999, 12, 31),
            b'2',
            Layout::default(),
        );
        assert_eq!(
            parse_basic4(&r),
            Err(CardError::Damaged(
                "DF23 address: a control character".into()
            ))
        );
        let r = build_record("山田太郎", "東京都", d(1, 1, 1), b'2', Layout::default());
        assert_eq!(
            parse_basic4(&r),
            Err(CardError::Damaged("DF24 birth date".into()))
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]
        #[test]
        fn never_panics_on_random_bytes(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)) {
            let _ = parse_basic4(&bytes);
            let _ = record_len_from_header(&bytes);
            let _ = crate::card::apdu::Response::parse(&bytes);
            for t in tlv::children(&bytes, 0) { let _ = t; }
        }

        #[test]
        fn never_panics_on_mutated_golden(pos in 0usize..95, byte in proptest::prelude::any::<u8>(), cut in 0usize..96) {
            let mut g = GOLDEN.to_vec();
            g[pos] = byte;
            g.truncate(cut);
            let _ = parse_basic4(&g);
        }

        #[test]
        fn roundtrip(name in printable(60), addr in printable(90), long in proptest::prelude::any::<bool>(), filler in 0usize..3) {
            let r = build_record(&name, &addr, d(1999, 12, 31), b'2', Layout { long_form: long, inner_filler: filler });
            let b = parse_basic4(&r).unwrap();
            proptest::prop_assert_eq!(b.name, name);
            proptest::prop_assert_eq!(b.address, addr);
        }
    }
}
