//! What the counter screen needs from the rest of the program, as one trait.
//!
//! The card reader (issue 3), the QR codec (issue 4), forms and printing (issue 5) and the case
//! store (issue 6) are built in parallel; the screen is built against [`Services`] so that wiring
//! the real parts is one `impl` (by the lead, after the merge). The small types here mirror the
//! contracts those issues were given, so the impl is mostly `From` conversions.
//!
//! Slow, blocking work (reading a card, printing) never runs on the UI loop: the implementation
//! starts it and reports back on the [`EventTx`] it is handed, exactly as the device threads
//! do. Quick work (the store, the QR assembler) returns directly.
//!
//! [`FakeServices`] is the in-memory double used by the tests, by `--training` and, until the
//! merge, by plain `madoguchi`: a virtual card, a keyboard-scan detector, a QR assembler for a
//! simple test format, a bundle that lists the forms and a printer that always succeeds.

use crate::intake::{Intake, Sex};
use crate::rules::Determination;
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::mpsc::Sender;
use zeroize::Zeroizing;

/// Events from device threads and finished background jobs, on the loop's one channel.
#[derive(Clone, Debug)]
pub enum DeviceEvent {
    Reader(ReaderEvent),
    Scanner(ScannerEvent),
    /// The result of [`Services::read_basic4`].
    CardRead(Result<Basic4, CardError>),
    /// The result of [`Services::print`].
    Printed(Result<(), PrintError>),
}

/// Where device threads and background jobs send their events.
pub type EventTx = Sender<DeviceEvent>;

// ---------------------------------------------------------------------------------------------
// Card (issue 3)

/// The PC/SC reader watcher's events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReaderEvent {
    ReaderAdded(String),
    ReaderRemoved(String),
    CardInserted { reader: String, atr: Vec<u8> },
    CardRemoved { reader: String },
    ServiceUnavailable(String),
}

/// The 基本4情報 of a My Number card. Never the 個人番号: there is no field for it.
#[derive(Clone, PartialEq, Eq)]
pub struct Basic4 {
    pub name: String,
    pub address: String,
    pub birth_date: NaiveDate,
    pub sex: Option<Sex>,
}

impl fmt::Debug for Basic4 {
    // Personal data never reaches a log, even through `{:?}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Basic4(..)")
    }
}

/// The card issue's errors, each with its own plain-Japanese message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CardError {
    WrongPin { tries_left: u8 },
    Blocked,
    NotMyNumberCard,
    NoCard,
    NoReader,
    ServiceNotRunning,
    ReaderBusy,
    CardRemoved,
    Unresponsive,
    Other(String),
}

impl CardError {
    pub fn message_ja(&self) -> String {
        match self {
            CardError::WrongPin { tries_left } => {
                format!("暗証番号が違います。あと{tries_left}回間違えるとロックされます。")
            }
            CardError::Blocked => "暗証番号がロックされています。暗証番号の再設定は市民課の窓口でできます。今日は照合番号Bか手入力で進めます。".into(),
            CardError::NotMyNumberCard => "マイナンバーカードではないカードです。カードをご確認ください。".into(),
            CardError::NoCard => "カードが置かれていません。カードをリーダーに置いてください。".into(),
            CardError::NoReader => "カードリーダーが見つかりません。USBケーブルをご確認ください。".into(),
            CardError::ServiceNotRunning => "カード読取サービス (pcscd) が動いていません。係の者に連絡してください。".into(),
            CardError::ReaderBusy => "カードリーダーが他のプログラムで使用中です。少し待ってからもう一度お試しください。".into(),
            CardError::CardRemoved => "読み取り中にカードが外されました。もう一度カードを置いてください。".into(),
            CardError::Unresponsive => "カードが応答しません。カードを置き直してください。".into(),
            CardError::Other(s) => format!("カードを読み取れませんでした ({s})。"),
        }
    }
    pub fn message_en(&self) -> String {
        match self {
            CardError::WrongPin { tries_left } => {
                format!("Wrong PIN. {tries_left} more wrong tries lock the card.")
            }
            CardError::Blocked => "The PIN is locked (reset at the Citizens counter). Continue with the card-face code B or manual entry.".into(),
            CardError::NotMyNumberCard => "This is not a My Number card.".into(),
            CardError::NoCard => "No card on the reader.".into(),
            CardError::NoReader => "No card reader found. Check the USB cable.".into(),
            CardError::ServiceNotRunning => "The card service (pcscd) is not running. Call support.".into(),
            CardError::ReaderBusy => "The reader is busy. Try again in a moment.".into(),
            CardError::CardRemoved => "The card was removed while reading. Place it again.".into(),
            CardError::Unresponsive => "The card does not respond. Place it again.".into(),
            CardError::Other(s) => format!("The card could not be read ({s})."),
        }
    }
}

/// Tries left on the PIN, as the card reports them (a verified key reports nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tries {
    Known(u8),
    NotReported,
}

/// Which key a secret opens.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretKind {
    /// 券面事項入力補助用暗証番号: 4 digits.
    Pin,
    /// 照合番号B: 14 digits from the card face.
    CodeB,
}

impl SecretKind {
    pub fn digits(self) -> usize {
        match self {
            SecretKind::Pin => 4,
            SecretKind::CodeB => 14,
        }
    }
}

/// A PIN or 照合番号B: zeroed on drop, redacted in `Debug`, never logged or stored.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    pub kind: SecretKind,
    digits: Zeroizing<String>,
}

impl Secret {
    pub fn new(kind: SecretKind) -> Self {
        Secret {
            kind,
            digits: Zeroizing::new(String::with_capacity(14)),
        }
    }
    pub fn push(&mut self, c: char) {
        if c.is_ascii_digit() && self.digits.len() < self.kind.digits() {
            self.digits.push(c);
        }
    }
    pub fn pop(&mut self) {
        self.digits.pop();
    }
    pub fn len(&self) -> usize {
        self.digits.len()
    }
    pub fn is_empty(&self) -> bool {
        self.digits.is_empty()
    }
    pub fn is_complete(&self) -> bool {
        self.digits.len() == self.kind.digits()
    }
    /// The digits, for the card transport only.
    pub fn expose(&self) -> &str {
        &self.digits
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({:?}, ***)", self.kind)
    }
}

// ---------------------------------------------------------------------------------------------
// QR (issue 4)

/// A key as the keyboard-scan detector sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanKey {
    Char(char),
    Enter,
}

/// What the detector makes of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyFeed {
    /// Ordinary typing: handle these keys now (they may include keys held back before).
    Pass(Vec<ScanKey>),
    /// Held back: it may be the start of a scan.
    Hold,
    /// A complete scanned text.
    Scan(String),
}

/// A serial (CDC) scanner's events.
#[derive(Clone, PartialEq, Eq)]
pub enum ScannerEvent {
    Connected,
    Disconnected,
    Part(String),
}

impl fmt::Debug for ScannerEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScannerEvent::Connected => f.write_str("Connected"),
            ScannerEvent::Disconnected => f.write_str("Disconnected"),
            // A part carries personal data.
            ScannerEvent::Part(_) => f.write_str("Part(..)"),
        }
    }
}

/// What the QR assembler made of one part.
#[derive(Clone, Debug, PartialEq)]
pub enum QrFeed {
    Progress {
        read: u8,
        total: u8,
    },
    Duplicate {
        read: u8,
        total: u8,
    },
    Complete(Box<Intake>),
    /// A part of another set while one is half read: the clerk decides.
    OtherSet {
        read: u8,
        total: u8,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrError {
    pub message_ja: String,
    pub message_en: String,
}

// ---------------------------------------------------------------------------------------------
// Forms and printing (issue 5)

/// One form (or the guidance sheet) of a rendered bundle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleItem {
    pub form: String,
    pub title: String,
    pub procedure: Option<String>,
    pub member: Option<String>,
    pub pages: u32,
}

/// A rendered bundle: the PDF, what it holds, and glyphs the font lacks.
#[derive(Clone, PartialEq, Eq)]
pub struct Bundle {
    pub pdf: Vec<u8>,
    pub items: Vec<BundleItem>,
    pub missing_glyphs: Vec<String>,
    /// Where the PDF is kept until the case is closed (a private folder of this counter):
    /// printed from there, and opened from there when no printer works.
    pub path: Option<std::path::PathBuf>,
}

impl fmt::Debug for Bundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Bundle({} items, {} bytes)",
            self.items.len(),
            self.pdf.len()
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintError {
    pub message_ja: String,
    pub message_en: String,
}

// ---------------------------------------------------------------------------------------------
// Store (issue 6)

/// Steps of a case, as the store records them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    CardRead,
    QrRead,
    Determined,
    Printed,
    Closed,
}

/// A case left unfinished (offered again at start). No personal data: code and event only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unfinished {
    pub code: String,
    pub kind: crate::intake::EventKind,
    pub started: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoreError(pub String);

/// The status of an applied procedure at its section (case continuation, issue #15).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcMark {
    Pending,
    Done,
    SetAside,
}

/// One applied procedure of a case opened at this counter: what every section did with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcState {
    pub id: String,
    pub section: String,
    pub status: ProcMark,
    /// Who changed it last (counter, clerk) and when.
    pub counter: Option<String>,
    pub clerk: Option<String>,
    pub at: Option<String>,
    /// Free text (personal): shown at the counter, purged with the case.
    pub reason: Option<String>,
    /// Whether it belongs to this counter's section (`section` of the configuration): the
    /// ones this counter marks.
    pub ours: bool,
}

/// A case continued at this counter, from a scanned page code or a typed case code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Continued {
    pub code: String,
    /// The page scanned and its form, when a page code was scanned.
    pub page: Option<(u32, String)>,
    /// `open`, `closed`, `discarded`, `purged`.
    pub status: String,
    /// Nothing pending.
    pub complete: bool,
    pub procedures: Vec<ProcState>,
}

/// A case still in progress somewhere in the town (the supervisor's list). No personal data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InProgress {
    pub code: String,
    pub counter: Option<String>,
    pub event_kind: Option<String>,
    pub age_seconds: i64,
    pub pending: usize,
    pub waiting_at: Vec<String>,
}

const NO_CONTINUATION: &str =
    "この窓口では他の窓口の案件を開けません (case continuation is not available here)";

// ---------------------------------------------------------------------------------------------

/// Everything the counter screen needs from devices, forms and the store.
pub trait Services {
    /// Starts the device threads (reader watcher, serial scanner); they send on `tx` until the
    /// program ends.
    fn start_devices(&mut self, tx: EventTx);
    /// Tries left on the PIN (or 照合番号B) of the card in `reader`, spending none.
    fn query_tries(&mut self, reader: &str, kind: SecretKind) -> Tries;
    /// Starts reading the 基本4情報; the result arrives as [`DeviceEvent::CardRead`].
    fn read_basic4(&mut self, reader: &str, secret: Secret, tx: EventTx);

    /// The keyboard-scan detector: every Char/Enter key of every screen goes through it.
    fn scan_key(&mut self, key: ScanKey, at_ms: u64) -> KeyFeed;
    /// Releases held keys when no further key came (call on every tick).
    fn scan_tick(&mut self, now_ms: u64) -> KeyFeed;
    /// Feeds one scanned part to the assembler.
    fn qr_feed(&mut self, text: &str) -> Result<QrFeed, QrError>;
    /// Forgets a half-read set.
    fn qr_reset(&mut self);

    /// Renders the bundle (guidance sheet + forms) for the case.
    fn render_bundle(
        &mut self,
        intake: &Intake,
        det: &Determination,
        case_code: &str,
    ) -> Result<Bundle, String>;
    /// The CUPS queues to offer (the configured one first).
    fn printers(&mut self) -> Vec<String>;
    /// Starts printing the chosen items (indexes into `bundle.items`) of the bundle on
    /// `printer`; the result arrives as [`DeviceEvent::Printed`].
    fn print(&mut self, printer: &str, bundle: &Bundle, items: &[usize], tx: EventTx);

    fn open_case(&mut self) -> Result<String, StoreError>;
    fn load_case(&mut self, code: &str) -> Result<Intake, StoreError>;
    fn save_intake(&mut self, code: &str, intake: &Intake) -> Result<(), StoreError>;
    fn record_step(&mut self, code: &str, step: Step) -> Result<(), StoreError>;
    fn save_determination(&mut self, code: &str, det: &Determination) -> Result<(), StoreError>;
    /// Records what was printed (form ids, in order).
    fn record_print(&mut self, code: &str, forms: &[String]) -> Result<(), StoreError>;
    fn set_aside(&mut self, code: &str, procedure: &str, reason: &str) -> Result<(), StoreError>;
    fn close_case(&mut self, code: &str) -> Result<(), StoreError>;
    /// Discards an abandoned case: its personal data removed now, the anonymous record kept.
    fn discard_case(&mut self, code: &str) -> Result<(), StoreError>;
    fn unfinished(&mut self) -> Vec<Unfinished>;

    /// Opens a case at this counter's section by a scanned page code (`MDGC…P..`) or a
    /// typed case code: every applied procedure with what each section did (issue #15).
    fn continue_case(&mut self, _code_or_page: &str) -> Result<Continued, StoreError> {
        Err(StoreError(NO_CONTINUATION.into()))
    }
    /// Marks one procedure of a case as done, set aside (a reason is required) or pending
    /// again, by this counter and clerk.
    fn mark(
        &mut self,
        _code: &str,
        _procedure: &str,
        _mark: ProcMark,
        _reason: Option<&str>,
    ) -> Result<(), StoreError> {
        Err(StoreError(NO_CONTINUATION.into()))
    }
    /// Cases still in progress across every counter, oldest first (the supervisor's view).
    fn in_progress(&mut self) -> Vec<InProgress> {
        vec![]
    }
    /// The files of the newest procedure set published on the case database (`procedures
    /// publish`), for a counter configured with `procedures = "published"` to reload.
    fn published_set(&mut self) -> Result<Vec<crate::rules::loader::SourceFile>, StoreError> {
        Err(StoreError(NO_CONTINUATION.into()))
    }
}

// ---------------------------------------------------------------------------------------------
// The stand-in keyboard-scan detector

/// Tells a keyboard-mode scanner from a person typing: a scanner types `MDG1…` at machine
/// speed and ends with Enter. Keys that could start a scan are held back and released
/// unchanged as soon as the text stops looking like one, so ordinary typing is never lost.
#[derive(Debug, Default)]
pub struct LocalScanDetector {
    held: Vec<ScanKey>,
    last_ms: u64,
}

impl LocalScanDetector {
    /// A person rarely types two keys within this; a scanner always does.
    pub const GAP_MS: u64 = 40;
    const MAGIC: &'static str = "MDG1";

    fn held_text(&self) -> String {
        self.held
            .iter()
            .filter_map(|k| match k {
                ScanKey::Char(c) => Some(*c),
                ScanKey::Enter => None,
            })
            .collect()
    }

    fn release(&mut self) -> KeyFeed {
        KeyFeed::Pass(std::mem::take(&mut self.held))
    }

    pub fn feed(&mut self, key: ScanKey, at_ms: u64) -> KeyFeed {
        let fast = !self.held.is_empty() && at_ms.saturating_sub(self.last_ms) <= Self::GAP_MS;
        if !self.held.is_empty() && !fast {
            // Too slow for a scanner: what was held was typing. Release it with this key.
            let mut out = std::mem::take(&mut self.held);
            let again = self.feed(key, at_ms);
            return match again {
                KeyFeed::Pass(mut rest) => {
                    out.append(&mut rest);
                    KeyFeed::Pass(out)
                }
                // This key starts a new possible scan: release the old keys only.
                KeyFeed::Hold => KeyFeed::Pass(out),
                KeyFeed::Scan(s) => KeyFeed::Scan(s),
            };
        }
        self.last_ms = at_ms;
        match key {
            ScanKey::Enter => {
                let text = self.held_text();
                if text.len() > Self::MAGIC.len() {
                    self.held.clear();
                    KeyFeed::Scan(text)
                } else {
                    self.held.push(key);
                    self.release()
                }
            }
            ScanKey::Char(c) => {
                self.held.push(key);
                let text = self.held_text().to_ascii_uppercase();
                let n = text.len().min(Self::MAGIC.len());
                if text[..n] == Self::MAGIC[..n] && text.is_ascii() {
                    if text.len() > Self::MAGIC.len() && !c.is_ascii_digit() {
                        return self.release();
                    }
                    KeyFeed::Hold
                } else {
                    self.release()
                }
            }
        }
    }

    pub fn tick(&mut self, now_ms: u64) -> KeyFeed {
        if !self.held.is_empty() && now_ms.saturating_sub(self.last_ms) > Self::GAP_MS {
            self.release()
        } else {
            KeyFeed::Pass(vec![])
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The in-memory double

/// The virtual card of the fake services and training mode.
#[derive(Clone)]
pub struct VirtualCard {
    pub basic4: Basic4,
    pub pin: String,
    pub code_b: String,
    pub tries: u8,
}

impl VirtualCard {
    /// A fictional resident (the same identity as the virtual card of issue 3's fixtures).
    pub fn sample() -> Self {
        VirtualCard {
            basic4: Basic4 {
                name: "窓口　太郎".into(),
                address: "北海道北見市北五条東２丁目１番地".into(),
                birth_date: NaiveDate::from_ymd_opt(1980, 2, 17).expect("valid date"),
                sex: Some(Sex::Male),
            },
            pin: "1234".into(),
            // 昭和55年2月17日 → 550217, expiry 2030, security code 1234.
            code_b: "55021720301234".into(),
            tries: 3,
        }
    }
}

/// In-memory services: deterministic, no devices, no files.
pub struct FakeServices {
    pub card: VirtualCard,
    pub detector: LocalScanDetector,
    /// The set being assembled: index → text.
    qr_parts: BTreeMap<u8, String>,
    qr_total: u8,
    pub printers: Vec<String>,
    /// When set, the next print fails with this message (tests of the retry path).
    pub fail_next_print: Option<String>,
    next_case: u32,
    pub cases: BTreeMap<String, FakeCase>,
    /// What the store was asked to do, for tests (no personal data).
    pub log: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct FakeCase {
    pub intake: Option<Intake>,
    pub steps: Vec<Step>,
    pub closed: bool,
}

impl Default for FakeServices {
    fn default() -> Self {
        FakeServices {
            card: VirtualCard::sample(),
            detector: LocalScanDetector::default(),
            qr_parts: BTreeMap::new(),
            qr_total: 0,
            printers: vec!["madoguchi-pdf".into()],
            fail_next_print: None,
            next_case: 0,
            cases: BTreeMap::new(),
            log: vec![],
        }
    }
}

/// Crockford base32 alphabet (no I, L, O, U): case codes are read aloud and typed.
const CROCKFORD: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A deterministic 8-character case code for the fake store.
pub fn fake_case_code(n: u32) -> String {
    let mut x = (n as u64)
        .wrapping_mul(2_654_435_761)
        .wrapping_add(0x5A5A_1234)
        & 0xFF_FFFF_FFFF;
    let mut out = [0u8; 8];
    for slot in out.iter_mut().rev() {
        *slot = CROCKFORD[(x & 31) as usize];
        x >>= 5;
    }
    String::from_utf8(out.to_vec()).expect("ascii")
}

impl FakeServices {
    /// The fake assembler's part format: `MDG1 II TT` then the intake JSON's UTF-8 bytes as
    /// 3-digit decimals. Good enough to drive the screen; the real assembler (issue 4) reads
    /// the `qr-format.md` parts.
    pub fn encode_parts(intake: &Intake, parts: u8) -> Vec<String> {
        let bytes = intake.to_json().into_bytes();
        let chunk = bytes.len().div_ceil(parts as usize).max(1);
        bytes
            .chunks(chunk)
            .enumerate()
            .map(|(i, c)| {
                let digits: String = c.iter().map(|b| format!("{b:03}")).collect();
                format!("MDG1{:02}{:02}{digits}", i + 1, parts)
            })
            .collect()
    }

    fn step(&mut self, code: &str, step: Step) {
        self.cases.entry(code.into()).or_default().steps.push(step);
    }
}

fn qr_err(ja: &str, en: &str) -> QrError {
    QrError {
        message_ja: ja.into(),
        message_en: en.into(),
    }
}

impl Services for FakeServices {
    fn start_devices(&mut self, tx: EventTx) {
        // The virtual reader is there from the start; the card comes with `card emulate` (or
        // the V key in training mode).
        let _ = tx.send(DeviceEvent::Reader(ReaderEvent::ReaderAdded(
            "Virtual PCD 00 00".into(),
        )));
    }

    fn query_tries(&mut self, _reader: &str, _kind: SecretKind) -> Tries {
        Tries::Known(self.card.tries)
    }

    fn read_basic4(&mut self, _reader: &str, secret: Secret, tx: EventTx) {
        let expected = match secret.kind {
            SecretKind::Pin => &self.card.pin,
            SecretKind::CodeB => &self.card.code_b,
        };
        let result = if self.card.tries == 0 {
            Err(CardError::Blocked)
        } else if secret.expose() == expected {
            self.card.tries = 3;
            Ok(self.card.basic4.clone())
        } else {
            self.card.tries -= 1;
            if self.card.tries == 0 {
                Err(CardError::Blocked)
            } else {
                Err(CardError::WrongPin {
                    tries_left: self.card.tries,
                })
            }
        };
        let _ = tx.send(DeviceEvent::CardRead(result));
    }

    fn scan_key(&mut self, key: ScanKey, at_ms: u64) -> KeyFeed {
        self.detector.feed(key, at_ms)
    }

    fn scan_tick(&mut self, now_ms: u64) -> KeyFeed {
        self.detector.tick(now_ms)
    }

    fn qr_feed(&mut self, text: &str) -> Result<QrFeed, QrError> {
        let t = text.trim();
        if t.len() < 8 || !t[..4].eq_ignore_ascii_case("MDG1") {
            return Err(qr_err(
                "まどぐちのQRコードではありません。",
                "Not a madoguchi code.",
            ));
        }
        let damaged = || {
            qr_err(
                "QRコードが読み取れませんでした。もう一度読み取ってください。",
                "Part damaged: scan it again.",
            )
        };
        let idx: u8 = t[4..6].parse().map_err(|_| damaged())?;
        let total: u8 = t[6..8].parse().map_err(|_| damaged())?;
        if idx == 0 || total == 0 || idx > total {
            return Err(damaged());
        }
        if self.qr_total != 0 && self.qr_total != total {
            return Ok(QrFeed::OtherSet {
                read: self.qr_parts.len() as u8,
                total: self.qr_total,
            });
        }
        self.qr_total = total;
        if self.qr_parts.contains_key(&idx) {
            return Ok(QrFeed::Duplicate {
                read: self.qr_parts.len() as u8,
                total,
            });
        }
        self.qr_parts.insert(idx, t[8..].to_string());
        let read = self.qr_parts.len() as u8;
        if read < total {
            return Ok(QrFeed::Progress { read, total });
        }
        let digits: String = self.qr_parts.values().cloned().collect();
        self.qr_reset();
        let bytes: Option<Vec<u8>> = digits
            .as_bytes()
            .chunks(3)
            .map(|c| std::str::from_utf8(c).ok()?.parse::<u8>().ok())
            .collect();
        let json = bytes
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| qr_err("QRコードの組が壊れています。", "Code set damaged."))?;
        let intake = crate::intake::parse_intake(&json, &crate::intake::Vocabulary::core())
            .map_err(|e| {
                qr_err(
                    &format!("QRコードの内容に誤りがあります: {e}"),
                    &format!("The code's content is invalid: {e}"),
                )
            })?;
        Ok(QrFeed::Complete(Box::new(intake)))
    }

    fn qr_reset(&mut self) {
        self.qr_parts.clear();
        self.qr_total = 0;
    }

    fn render_bundle(
        &mut self,
        _intake: &Intake,
        det: &Determination,
        case_code: &str,
    ) -> Result<Bundle, String> {
        let mut items = vec![BundleItem {
            form: "guidance".into(),
            title: "窓口案内シート".into(),
            procedure: None,
            member: None,
            pages: 1,
        }];
        for p in &det.procedures {
            for f in &p.forms {
                if !items.iter().any(|i| &i.form == f) {
                    items.push(BundleItem {
                        form: f.clone(),
                        title: p.name.clone(),
                        procedure: Some(p.id.clone()),
                        member: p.members.first().cloned(),
                        pages: 1,
                    });
                }
            }
        }
        Ok(Bundle {
            pdf: format!("%PDF-1.7 fake bundle {case_code}").into_bytes(),
            items,
            missing_glyphs: vec![],
            path: Some(format!("/tmp/madoguchi-fake/{case_code}.pdf").into()),
        })
    }

    fn printers(&mut self) -> Vec<String> {
        self.printers.clone()
    }

    fn print(&mut self, printer: &str, _bundle: &Bundle, _items: &[usize], tx: EventTx) {
        self.log.push(format!("lp {printer}"));
        let r = match self.fail_next_print.take() {
            Some(m) => Err(PrintError {
                message_ja: m.clone(),
                message_en: m,
            }),
            None => Ok(()),
        };
        let _ = tx.send(DeviceEvent::Printed(r));
    }

    fn open_case(&mut self) -> Result<String, StoreError> {
        self.next_case += 1;
        let code = fake_case_code(self.next_case);
        self.cases.insert(code.clone(), FakeCase::default());
        self.log.push(format!("open {code}"));
        Ok(code)
    }

    fn load_case(&mut self, code: &str) -> Result<Intake, StoreError> {
        self.cases
            .get(code)
            .and_then(|c| c.intake.clone())
            .ok_or_else(|| StoreError(format!("no case {code}")))
    }

    fn save_intake(&mut self, code: &str, intake: &Intake) -> Result<(), StoreError> {
        self.cases.entry(code.into()).or_default().intake = Some(intake.clone());
        Ok(())
    }

    fn record_step(&mut self, code: &str, step: Step) -> Result<(), StoreError> {
        self.step(code, step);
        self.log.push(format!("step {code} {step:?}"));
        Ok(())
    }

    fn save_determination(&mut self, code: &str, _det: &Determination) -> Result<(), StoreError> {
        self.log.push(format!("determination {code}"));
        Ok(())
    }

    fn record_print(&mut self, code: &str, forms: &[String]) -> Result<(), StoreError> {
        self.log.push(format!("print {code} {}", forms.join(",")));
        Ok(())
    }

    fn set_aside(&mut self, code: &str, procedure: &str, _reason: &str) -> Result<(), StoreError> {
        self.log.push(format!("set_aside {code} {procedure}"));
        Ok(())
    }

    fn mark(
        &mut self,
        code: &str,
        procedure: &str,
        mark: ProcMark,
        _reason: Option<&str>,
    ) -> Result<(), StoreError> {
        self.log.push(format!("mark {code} {procedure} {mark:?}"));
        Ok(())
    }

    fn close_case(&mut self, code: &str) -> Result<(), StoreError> {
        self.cases.entry(code.into()).or_default().closed = true;
        self.log.push(format!("close {code}"));
        Ok(())
    }

    fn discard_case(&mut self, code: &str) -> Result<(), StoreError> {
        let c = self.cases.entry(code.into()).or_default();
        c.intake = None;
        c.closed = true;
        self.log.push(format!("discard {code}"));
        Ok(())
    }

    fn unfinished(&mut self) -> Vec<Unfinished> {
        self.cases
            .iter()
            .filter(|(_, c)| !c.closed && c.intake.is_some())
            .map(|(code, c)| Unfinished {
                code: code.clone(),
                kind: c
                    .intake
                    .as_ref()
                    .map(|i| i.event.kind)
                    .unwrap_or(crate::intake::EventKind::MoveIn),
                started: String::new(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_passes_and_scans_are_caught() {
        let mut d = LocalScanDetector::default();
        // A person types "MD" slowly: held, then released with the next key.
        assert_eq!(d.feed(ScanKey::Char('M'), 0), KeyFeed::Hold);
        assert_eq!(
            d.feed(ScanKey::Char('a'), 500),
            KeyFeed::Pass(vec![ScanKey::Char('M'), ScanKey::Char('a')])
        );
        assert_eq!(
            d.feed(ScanKey::Char('x'), 600),
            KeyFeed::Pass(vec![ScanKey::Char('x')])
        );
        // A scanner types fast and ends with Enter.
        let mut t = 1000;
        for c in "mdg10102123".chars() {
            assert_eq!(d.feed(ScanKey::Char(c), t), KeyFeed::Hold);
            t += 5;
        }
        assert_eq!(
            d.feed(ScanKey::Enter, t),
            KeyFeed::Scan("mdg10102123".into())
        );
        // A lone M then silence is released by the tick.
        assert_eq!(d.feed(ScanKey::Char('M'), 5000), KeyFeed::Hold);
        assert_eq!(d.tick(5100), KeyFeed::Pass(vec![ScanKey::Char('M')]));
    }

    #[test]
    fn secrets_are_redacted() {
        let mut s = Secret::new(SecretKind::Pin);
        for c in "12345".chars() {
            s.push(c);
        }
        assert_eq!(s.len(), 4);
        assert!(!format!("{s:?}").contains("1234"));
    }

    #[test]
    fn case_codes_are_crockford() {
        let c = fake_case_code(1);
        assert_eq!(c.len(), 8);
        assert!(c.bytes().all(|b| CROCKFORD.contains(&b)));
        assert_ne!(c, fake_case_code(2));
    }
}
