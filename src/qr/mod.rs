//! QR codes from resident apps: the `MDG1` format (`shared/spec/qr-format.md`).
//!
//! A resident's app shows one or more QR codes; each carries one *part*:
//!
//! ```text
//! MDG1 II TT SSSSSS CCCCCCCCCC DIGITS      (no spaces)
//! ```
//!
//! The bytes of all parts, in index order, are the zlib stream of the intake JSON. Only `MDG`
//! and digits appear on the wire because most counter scanners *type* what they read, and
//! only those characters come out the same on every keyboard layout.
//!
//! - [`encode_parts`] / [`parse_part`]: the codec;
//! - [`Assembler`]: collects the parts of one set in any order and yields the [`Intake`];
//! - [`keyboard`]: recognises a part typed by a keyboard-mode scanner amid ordinary typing;
//! - [`serial`]: a reader thread for serial (USB CDC) scanners;
//! - [`image`]: PNG rendering and decoding of photos and screenshots.
//!
//! Everything here is allocation-bounded and never panics on input: a part's text is checked
//! for length before anything is allocated, and inflating stops at 64 KiB. Payloads carry
//! personal data, so nothing here logs or prints them.

pub mod image;
pub mod keyboard;
pub mod serial;

pub use self::image::{
    decode_image, decode_image_file, decode_image_file_within, decode_image_within, render_png,
    Budget, Decoded, ImageError,
};

use crate::intake::{parse_intake, Intake, IntakeError, Vocabulary};
use std::io::Write;

/// Magic and format version; accepted in any letter case.
pub const MAGIC: &str = "MDG1";
/// Digits of `II TT SSSSSS CCCCCCCCCC`.
pub const HEADER_DIGITS: usize = 2 + 2 + 6 + 10;
/// The reference encoder's part size (bytes of the zlib stream per part).
pub const PART_BYTES: usize = 480;
/// The most characters a part can have: a version 40 QR code holds at most 7,089 digits, so
/// any longer text did not come from a QR code and is refused before anything is allocated.
pub const MAX_PART_CHARS: usize = MAGIC.len() + 7089;
/// The inflated intake may not exceed this (guards against compression bombs).
pub const INFLATE_LIMIT: usize = 64 * 1024;
/// Set ids are six digits.
pub const MAX_SET_ID: u32 = 999_999;
/// At most 99 parts in a set (`TT` is two digits).
pub const MAX_PARTS: usize = 99;

/// What is wrong with a scanned text or a set of parts; each has the spec's message for the
/// clerk ([`QrError::message_ja`]) and in English ([`QrError::message_en`]).
#[derive(Debug, Clone, PartialEq)]
pub enum QrError {
    /// The text does not start with `MDG1`: the caller treats it as something else (ordinary
    /// typing, another barcode).
    NotMadoguchi,
    /// Bad field lengths, a non-digit, a digit group out of range.
    PartDamaged,
    /// The part parsed but its CRC does not match: that part must be scanned again.
    CrcMismatch { index: u8, total: u8 },
    /// All parts were read but the zlib stream is bad or inflates past 64 KiB.
    SetDamaged,
    /// The payload is JSON (or should be) but fails the intake rules.
    Intake(IntakeError),
    /// The payload carries a 個人番号: refused.
    IndividualNumber,
}

impl QrError {
    /// The message for the clerk (Japanese).
    pub fn message_ja(&self) -> String {
        match self {
            QrError::NotMadoguchi => "窓口用のコード (MDG1) ではありません".to_string(),
            QrError::PartDamaged => {
                "コードが破損しています。もう一度読み取ってください".to_string()
            }
            QrError::CrcMismatch { index, total } => format!(
                "{total}枚中{index}枚目のコードが正しく読み取れませんでした。その1枚をもう一度読み取ってください"
            ),
            QrError::SetDamaged => {
                "コード一式が破損しています。アプリでコードを作り直してください".to_string()
            }
            QrError::Intake(e) => format!("コードの申請内容に誤りがあります: {e}"),
            QrError::IndividualNumber => {
                "個人番号が含まれているため、このコードは受け付けられません".to_string()
            }
        }
    }

    /// The spec's message in English.
    pub fn message_en(&self) -> String {
        match self {
            QrError::NotMadoguchi => "not a madoguchi code".to_string(),
            QrError::PartDamaged => "part damaged: scan it again".to_string(),
            QrError::CrcMismatch { index, total } => {
                format!("part {index} of {total} did not scan cleanly: scan that part again")
            }
            QrError::SetDamaged => "code set damaged".to_string(),
            QrError::Intake(e) => e.to_string(),
            QrError::IndividualNumber => {
                "an individual number (個人番号) is in the code: refused".to_string()
            }
        }
    }
}

impl std::fmt::Display for QrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            // The intake error (path and reason) is already in the Japanese message.
            QrError::Intake(_) => f.write_str(&self.message_ja()),
            _ => write!(f, "{} ({})", self.message_ja(), self.message_en()),
        }
    }
}

impl std::error::Error for QrError {}

/// Why an intake cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("set id {0} is not six digits (0..=999999)")]
    BadSetId(u32),
    /// The decoder refuses more than 64 KiB of JSON, so the encoder must not produce it.
    #[error("the intake is {0} bytes of JSON; a QR set holds at most 65536")]
    TooLarge(usize),
    #[error("the intake compresses to {0} bytes; 99 parts of 480 bytes hold at most 47520")]
    TooManyParts(usize),
}

/// One parsed part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// `1..=total`.
    pub index: u8,
    /// `1..=99`.
    pub total: u8,
    pub set_id: u32,
    pub crc: u32,
    pub bytes: Vec<u8>,
}

/// A random six-digit set id. `RandomState` is seeded from the operating system's random
/// source, which is all a set id needs (it only keeps two households' sets apart) and spares
/// a dependency.
pub fn random_set_id() -> u32 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0),
    );
    (h.finish() % (u64::from(MAX_SET_ID) + 1)) as u32
}

/// Encodes an intake as the texts of its `MDG1` parts (the reference encoder).
///
/// # Panics
/// When `set_id` is above 999999, or the intake's JSON exceeds 64 KiB or compresses to more
/// than 99 parts (which no real household reaches); use [`try_encode_parts`] to get an error
/// instead.
pub fn encode_parts(intake: &Intake, set_id: u32) -> Vec<String> {
    match try_encode_parts(intake, set_id) {
        Ok(p) => p,
        Err(e) => panic!("cannot encode the intake as QR codes: {e}"),
    }
}

/// Encodes an intake as the texts of its `MDG1` parts, or says why it cannot.
pub fn try_encode_parts(intake: &Intake, set_id: u32) -> Result<Vec<String>, EncodeError> {
    if set_id > MAX_SET_ID {
        return Err(EncodeError::BadSetId(set_id));
    }
    let json = intake.to_json();
    if json.len() > INFLATE_LIMIT {
        return Err(EncodeError::TooLarge(json.len()));
    }
    let zlib = compress(json.as_bytes());
    if zlib.len() > MAX_PARTS * PART_BYTES {
        // Only text that hardly compresses gets here; 99 parts of 480 bytes is the format's
        // ceiling for the reference encoder.
        return Err(EncodeError::TooManyParts(zlib.len()));
    }
    Ok(encode_stream(&zlib, set_id))
}

/// zlib (RFC 1950) at level 9, as the spec asks.
pub fn compress(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(9));
    // Writing into a Vec cannot fail.
    let _ = enc.write_all(data);
    enc.finish().unwrap_or_default()
}

/// Splits a byte stream into part texts of at most 480 bytes. [`try_encode_parts`] never
/// passes more than 99 × 480 bytes; a longer stream (only from tests and tools) gets larger
/// parts rather than a part count that does not fit two digits.
pub fn encode_stream(zlib: &[u8], set_id: u32) -> Vec<String> {
    // PART_BYTES is even, so every part but the last splits on an even byte boundary.
    let needed = zlib.len().div_ceil(MAX_PARTS);
    let size = PART_BYTES.max(needed + needed % 2);
    let chunks: Vec<&[u8]> = if zlib.is_empty() {
        vec![&[][..]]
    } else {
        zlib.chunks(size).collect()
    };
    let total = chunks.len();
    chunks
        .iter()
        .enumerate()
        .map(|(i, c)| encode_part(i as u8 + 1, total as u8, set_id, c))
        .collect()
}

/// One part's text.
pub fn encode_part(index: u8, total: u8, set_id: u32, bytes: &[u8]) -> String {
    let mut s = String::with_capacity(MAGIC.len() + HEADER_DIGITS + bytes.len() * 5 / 2 + 3);
    s.push_str(MAGIC);
    let crc = crc32fast::hash(bytes);
    s.push_str(&format!("{index:02}{total:02}{set_id:06}{crc:010}"));
    for pair in bytes.chunks(2) {
        match pair {
            [a, b] => s.push_str(&format!("{:05}", u16::from_be_bytes([*a, *b]))),
            [a] => s.push_str(&format!("{a:03}")),
            _ => {}
        }
    }
    s
}

/// Parses one part's text: whitespace (and CR/LF) around it is ignored, anything else is an
/// error. Checks the CRC.
pub fn parse_part(text: &str) -> Result<Part, QrError> {
    let t = text.trim();
    let raw = t.as_bytes();
    if raw.len() < MAGIC.len() || !raw[..MAGIC.len()].eq_ignore_ascii_case(MAGIC.as_bytes()) {
        return Err(QrError::NotMadoguchi);
    }
    // Length first: nothing is allocated for an absurd input.
    if raw.len() > MAX_PART_CHARS {
        return Err(QrError::PartDamaged);
    }
    let digits = &raw[MAGIC.len()..];
    if digits.len() < HEADER_DIGITS || !digits.iter().all(u8::is_ascii_digit) {
        return Err(QrError::PartDamaged);
    }
    let data = &digits[HEADER_DIGITS..];
    if !matches!(data.len() % 5, 0 | 3) {
        return Err(QrError::PartDamaged);
    }
    let num = |d: &[u8]| d.iter().fold(0u64, |n, c| n * 10 + u64::from(c - b'0'));
    let index = num(&digits[0..2]) as u8;
    let total = num(&digits[2..4]) as u8;
    let set_id = num(&digits[4..10]) as u32;
    let crc = num(&digits[10..20]);
    if total == 0 || index == 0 || index > total || crc > u64::from(u32::MAX) {
        return Err(QrError::PartDamaged);
    }
    let mut bytes = Vec::with_capacity(data.len() / 5 * 2 + 1);
    let mut groups = data.chunks_exact(5);
    for g in &mut groups {
        let v = num(g);
        if v > 0xFFFF {
            return Err(QrError::PartDamaged);
        }
        bytes.extend_from_slice(&(v as u16).to_be_bytes());
    }
    let rest = groups.remainder();
    if !rest.is_empty() {
        // Only 3 digits can be left here: the length was checked above.
        let v = num(rest);
        if v > 0xFF {
            return Err(QrError::PartDamaged);
        }
        bytes.push(v as u8);
    }
    if crc32fast::hash(&bytes) != crc as u32 {
        return Err(QrError::CrcMismatch { index, total });
    }
    Ok(Part {
        index,
        total,
        set_id,
        crc: crc as u32,
        bytes,
    })
}

/// Inflates a zlib stream, refusing anything past [`INFLATE_LIMIT`], a truncated stream,
/// a bad checksum or bytes after the end of the stream.
pub fn inflate(zlib: &[u8]) -> Result<Vec<u8>, QrError> {
    use flate2::{Decompress, FlushDecompress, Status};
    let mut d = Decompress::new(true);
    // One byte more than the limit: if it fills, the stream is too large.
    let mut out = vec![0u8; INFLATE_LIMIT + 1];
    loop {
        let (in_pos, out_pos) = (d.total_in() as usize, d.total_out() as usize);
        if out_pos > INFLATE_LIMIT {
            return Err(QrError::SetDamaged);
        }
        let status = d
            .decompress(
                &zlib[in_pos.min(zlib.len())..],
                &mut out[out_pos..],
                FlushDecompress::Finish,
            )
            .map_err(|_| QrError::SetDamaged)?;
        match status {
            Status::StreamEnd => break,
            Status::Ok | Status::BufError => {
                let progressed =
                    d.total_in() as usize != in_pos || d.total_out() as usize != out_pos;
                if !progressed {
                    // Truncated: no more input and the stream has not ended.
                    return Err(QrError::SetDamaged);
                }
            }
        }
    }
    if d.total_in() as usize != zlib.len() || d.total_out() as usize > INFLATE_LIMIT {
        return Err(QrError::SetDamaged);
    }
    out.truncate(d.total_out() as usize);
    Ok(out)
}

/// Turns an assembled zlib stream into a validated intake: the intake parser's own strict
/// JSON reading and checks (duplicate keys, control characters, the 個人番号 detector of
/// `intake::individual_number`, which finds a number anywhere in the payload, even inside a
/// longer string such as "マイナンバー 1234 5678 9018" in an address).
pub fn decode_stream(zlib: &[u8], vocab: &Vocabulary) -> Result<Intake, QrError> {
    let json = inflate(zlib)?;
    let text = std::str::from_utf8(&json).map_err(|e| {
        QrError::Intake(IntakeError::new(
            "$",
            format!("not UTF-8 text (byte {})", e.valid_up_to()),
        ))
    })?;
    parse_intake(text, vocab).map_err(|e| {
        // The spec's own refusal for a 個人番号, rather than an ordinary intake error.
        if e.is_individual_number() {
            QrError::IndividualNumber
        } else {
            QrError::Intake(e)
        }
    })
}

/// What feeding a part did.
// `Complete` is large, but a `Feed` is returned once per scan and never stored in bulk;
// boxing it would only make every caller's match noisier.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Feed {
    /// Accepted; `read` of `total` parts are in.
    Progress { read: u8, total: u8 },
    /// This part was already read (a scanner reading the same code twice, also just after the
    /// set completed, then `read == total`): nothing changed.
    Duplicate { read: u8, total: u8 },
    /// The last part: the household.
    Complete(Intake),
    /// A part of another set while one is half read. The assembler keeps the current set;
    /// the caller asks the clerk and, to switch, calls [`Assembler::start_over`] and feeds
    /// the part again. Never mixes the two.
    OtherSet {
        current_set: u32,
        new_set: u32,
        /// How the part conflicts with the set being read.
        conflict: Conflict,
    },
}

/// Why a part cannot join the set being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    /// It belongs to another set (another set id): part `index` of `total`.
    OtherSet { index: u8, total: u8 },
    /// Same set id, but it says the set has `total` parts, not `expected`.
    OtherTotal { total: u8, expected: u8 },
    /// Same set id and index, but other bytes than the part already read: two sets whose
    /// random ids collided (or a code altered after it was made).
    PartDiffers { index: u8 },
}

impl Conflict {
    /// What happened, for the clerk (Japanese) and in English; `read`/`total` describe the
    /// set being read.
    pub fn message(&self, current_set: u32, new_set: u32, read: u8, total: u8) -> (String, String) {
        match *self {
            Conflict::OtherSet { index, total: t } => (
                format!("別のコード一式 ({new_set:06}) の{t}枚中{index}枚目です。読み取り中の一式 ({current_set:06}、{total}枚中{read}枚読み取り済み) とは混ぜません。1世帯ずつ読み取ってください"),
                format!("this is part {index} of {t} of another code set ({new_set:06}) while set {current_set:06} is half read ({read} of {total} parts); the two are never mixed: give one household's codes at a time"),
            ),
            Conflict::OtherTotal { total: t, expected } => (
                format!("一式 ({new_set:06}) のコードですが、全{t}枚とあり、読み取り中の全{expected}枚と合いません。別の一式として扱い、混ぜません"),
                format!("this part says set {new_set:06} has {t} parts, but the set being read under that id has {expected}: they are different sets and are never mixed"),
            ),
            Conflict::PartDiffers { index } => (
                format!("一式 ({current_set:06}) の{index}枚目はすでに読み取っていますが、内容が違います。同じ番号の別の一式です。混ぜずに、1世帯ずつ読み取ってください"),
                format!("part {index} of set {current_set:06} was already read with other content: this is another set with the same id, and the two are never mixed"),
            ),
        }
    }
}

/// The question to ask the clerk on [`Feed::OtherSet`].
pub fn other_set_question_ja(read: u8, total: u8) -> String {
    format!("別のコード一式が読み取られました。読み取り中の一式 ({total}枚中{read}枚) を破棄して、新しい一式から読み直しますか")
}

/// English of [`other_set_question_ja`].
pub fn other_set_question_en(read: u8, total: u8) -> String {
    format!("a part of another code set was scanned; discard the set being read ({read} of {total}) and start over with the new one?")
}

#[derive(Debug, Clone)]
enum State {
    Idle,
    Reading {
        set_id: u32,
        total: u8,
        /// Indexed by `index - 1`; at most 99 parts of at most ~2.8 KB each.
        parts: Vec<Option<Part>>,
    },
    /// The last set completed: a scanner reading one of its codes again is a duplicate, not
    /// the start of a new set.
    Done {
        set_id: u32,
        crcs: Vec<u32>,
    },
}

/// Collects the parts of one set, in any order, and yields the intake when all are in.
/// Keeps everything in memory only.
#[derive(Debug, Clone)]
pub struct Assembler {
    vocab: Vocabulary,
    state: State,
}

impl Assembler {
    /// `vocab`: the procedure set's vocabulary (declared facts are valid in an intake).
    pub fn new(vocab: Vocabulary) -> Self {
        Assembler {
            vocab,
            state: State::Idle,
        }
    }

    /// Forgets the set being read (or the last completed one).
    pub fn start_over(&mut self) {
        self.state = State::Idle;
    }

    /// `(read, total)` while a set is half read.
    pub fn progress(&self) -> Option<(u8, u8)> {
        match &self.state {
            State::Reading { total, parts, .. } => Some((count(parts), *total)),
            _ => None,
        }
    }

    /// The id of the set being read, or of the set just completed.
    pub fn set_id(&self) -> Option<u32> {
        match &self.state {
            State::Reading { set_id, .. } | State::Done { set_id, .. } => Some(*set_id),
            State::Idle => None,
        }
    }

    /// The indexes (1-based) still missing from the set being read.
    pub fn missing(&self) -> Vec<u8> {
        match &self.state {
            State::Reading { parts, .. } => parts
                .iter()
                .enumerate()
                .filter(|(_, p)| p.is_none())
                .map(|(i, _)| i as u8 + 1)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// Feeds one scanned text. An error about the text itself (not ours, damaged, CRC) leaves
    /// the set being read as it was; an error found once all parts are in (damaged set, bad
    /// intake, 個人番号) clears it, since scanning the same codes again cannot help.
    pub fn feed(&mut self, text: &str) -> Result<Feed, QrError> {
        let part = parse_part(text)?;
        let slot = usize::from(part.index - 1);
        match &mut self.state {
            State::Done { set_id, crcs }
                if *set_id == part.set_id
                    && crcs.len() == usize::from(part.total)
                    && crcs[slot] == part.crc =>
            {
                let total = part.total;
                return Ok(Feed::Duplicate { read: total, total });
            }
            State::Reading {
                set_id,
                total,
                parts,
            } => {
                if *set_id != part.set_id || *total != part.total {
                    let conflict = if *set_id != part.set_id {
                        Conflict::OtherSet {
                            index: part.index,
                            total: part.total,
                        }
                    } else {
                        Conflict::OtherTotal {
                            total: part.total,
                            expected: *total,
                        }
                    };
                    return Ok(Feed::OtherSet {
                        current_set: *set_id,
                        new_set: part.set_id,
                        conflict,
                    });
                }
                match &parts[slot] {
                    Some(p) if *p == part => {
                        return Ok(Feed::Duplicate {
                            read: count(parts),
                            total: *total,
                        });
                    }
                    // Same set id and index but other bytes: a different set whose id
                    // happens to collide. Never mix them.
                    Some(_) => {
                        return Ok(Feed::OtherSet {
                            current_set: *set_id,
                            new_set: part.set_id,
                            conflict: Conflict::PartDiffers { index: part.index },
                        });
                    }
                    None => parts[slot] = Some(part),
                }
            }
            State::Idle | State::Done { .. } => {
                let mut parts = vec![None; usize::from(part.total)];
                let (set_id, total) = (part.set_id, part.total);
                parts[slot] = Some(part);
                self.state = State::Reading {
                    set_id,
                    total,
                    parts,
                };
            }
        }
        self.finish_if_complete()
    }

    fn finish_if_complete(&mut self) -> Result<Feed, QrError> {
        let State::Reading {
            set_id,
            total,
            parts,
        } = &self.state
        else {
            return Ok(Feed::Progress { read: 0, total: 0 });
        };
        let read = count(parts);
        if read < *total {
            return Ok(Feed::Progress {
                read,
                total: *total,
            });
        }
        let set_id = *set_id;
        let mut zlib = Vec::new();
        let mut crcs = Vec::with_capacity(parts.len());
        for p in parts.iter().flatten() {
            zlib.extend_from_slice(&p.bytes);
            crcs.push(p.crc);
        }
        match decode_stream(&zlib, &self.vocab) {
            Ok(intake) => {
                self.state = State::Done { set_id, crcs };
                Ok(Feed::Complete(intake))
            }
            Err(e) => {
                self.state = State::Idle;
                Err(e)
            }
        }
    }
}

fn count(parts: &[Option<Part>]) -> u8 {
    parts.iter().filter(|p| p.is_some()).count() as u8
}

#[cfg(test)]
mod tests;
