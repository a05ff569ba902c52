//! A virtual My Number card that behaves as `mynumber-card.md` says: PIN with 3 tries
//! (`63 Cx`, `63 C0`, `69 84`), 照合番号B opening only EF 0002, reads refused before VERIFY
//! (`69 82`), other applications absent (`6A 82`), and a "not a My Number card" mode.
//!
//! One type serves two ways: in-process behind [`Transport`] (fast unit tests), and as a
//! vpcd client over TCP ([`run_vpcd`]) so the real path runs: the `pcsc` crate, libpcsclite,
//! pcscd and the vpcd driver. It holds no 個人番号 at all: selecting EF 0001 or 0014 answers
//! "not found" and raises [`CardProbe::forbidden_touched`], which the tests check.

use super::apdu::{le_from_byte, AID_INPUT_SUPPORT};
use super::error::CardError;
use super::record::{self, Layout};
use super::Transport;
use crate::intake::Sex;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroizing;

/// vpcd's first slot ("Virtual PCD 00 00").
pub const VPCD_PORT: u16 = 35963;
/// vpcd's second slot ("Virtual PCD 00 01").
pub const VPCD_PORT_2: u16 = 35964;
/// The ATR the virtual card presents (the spec's example).
pub const DEFAULT_ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
/// The PIN allows 3 tries (the spec). The 照合番号B limit is unverified on real cards; the
/// virtual card uses 10 so tests can tell the two keys apart.
pub const PIN_MAX_TRIES: u8 = 3;
pub const CODE_B_MAX_TRIES: u8 = 10;

const FID_PIN: u16 = 0x0011;
const FID_CODE_B: u16 = 0x0015;
const FID_BASIC4: u16 = 0x0002;
const FID_MY_NUMBER: u16 = 0x0001;
const FID_KEY_A: u16 = 0x0014;

/// A test-side view of a card that keeps working after the card was moved into a thread.
#[derive(Clone, Debug, Default)]
pub struct CardProbe {
    apdus: Arc<AtomicUsize>,
    forbidden: Arc<AtomicBool>,
}

impl CardProbe {
    /// C-APDUs the card has answered (control bytes of vpcd not counted).
    pub fn apdus(&self) -> usize {
        self.apdus.load(Ordering::SeqCst)
    }
    pub fn reset_count(&self) {
        self.apdus.store(0, Ordering::SeqCst);
    }
    /// Whether anyone tried to select the 個人番号 file or its key.
    pub fn forbidden_touched(&self) -> bool {
        self.forbidden.load(Ordering::SeqCst)
    }
}

/// A card identity as written in `fixtures/cards/*.toml`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardIdentity {
    pub name: String,
    pub address: String,
    /// `YYYY-MM-DD`, as a string or a TOML date.
    pub birth_date: toml::Value,
    /// `male`, `female`, `not_applicable` or `unknown`.
    pub sex: String,
    /// 4 digits.
    pub pin: String,
    #[serde(default = "default_tries")]
    pub tries_left: u8,
    #[serde(default)]
    pub blocked: bool,
    #[serde(default)]
    pub not_my_number: bool,
    /// Printed on the card face; with `security_code` they make the 照合番号B.
    pub expiry_year: Option<u16>,
    pub security_code: Option<String>,
    pub code_b_tries_left: Option<u8>,
    /// Write the record with long-form lengths (`81 xx`) throughout.
    #[serde(default)]
    pub long_form: bool,
    /// ATR as hex; the default is the spec's example.
    pub atr: Option<String>,
}

fn default_tries() -> u8 {
    PIN_MAX_TRIES
}

impl std::fmt::Debug for CardIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardIdentity { [redacted] }")
    }
}

impl CardIdentity {
    pub fn from_toml(text: &str) -> Result<CardIdentity, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }

    pub fn birth(&self) -> Result<chrono::NaiveDate, String> {
        let s = match &self.birth_date {
            toml::Value::String(s) => s.clone(),
            toml::Value::Datetime(d) => d.to_string(),
            _ => return Err("birth_date: expected YYYY-MM-DD".into()),
        };
        crate::calendar::parse_date(&s)
            .ok_or_else(|| format!("birth_date: {s:?} is not YYYY-MM-DD"))
    }

    pub fn sex_value(&self) -> Result<Option<Sex>, String> {
        match self.sex.as_str() {
            "unknown" => Ok(None),
            s => Sex::parse(s).map(Some).ok_or_else(|| {
                format!("sex: {s:?} is not male, female, not_applicable or unknown")
            }),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Verified {
    None,
    Pin,
    CodeB,
}

/// The virtual card. Build it with [`VirtualCard::new`] or [`VirtualCard::from_identity`],
/// then adjust it with the `with_*` methods.
#[derive(Clone)]
pub struct VirtualCard {
    ef_basic4: Vec<u8>,
    pin: Zeroizing<Vec<u8>>,
    pin_tries: u8,
    code_b: Option<Zeroizing<Vec<u8>>>,
    code_b_tries: u8,
    not_my_number: bool,
    atr: Vec<u8>,
    max_chunk: Option<usize>,
    chunk_6c: bool,
    use_61: bool,
    pull_after: Option<usize>,
    // Session state, cleared by a reset or power cycle.
    app_selected: bool,
    current: Option<u16>,
    verified: Verified,
    pending: Vec<u8>,
    probe: CardProbe,
}

impl std::fmt::Debug for VirtualCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VirtualCard { [redacted] }")
    }
}

impl VirtualCard {
    /// A fresh card (PIN "1234", 3 tries) holding these facts.
    pub fn new(
        name: &str,
        address: &str,
        birth: chrono::NaiveDate,
        sex: Option<Sex>,
    ) -> VirtualCard {
        VirtualCard {
            ef_basic4: record::build_record(
                name,
                address,
                birth,
                record::sex_code(sex),
                Layout::default(),
            ),
            pin: Zeroizing::new(b"1234".to_vec()),
            pin_tries: PIN_MAX_TRIES,
            code_b: None,
            code_b_tries: CODE_B_MAX_TRIES,
            not_my_number: false,
            atr: DEFAULT_ATR.to_vec(),
            max_chunk: None,
            chunk_6c: false,
            use_61: false,
            pull_after: None,
            app_selected: false,
            current: None,
            verified: Verified::None,
            pending: Vec::new(),
            probe: CardProbe::default(),
        }
    }

    /// The card of a fixture identity.
    pub fn from_identity(id: &CardIdentity) -> Result<VirtualCard, String> {
        let birth = id.birth()?;
        let sex = id.sex_value()?;
        if id.pin.len() != 4 || !id.pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err("pin: expected 4 digits".into());
        }
        if id.tries_left > PIN_MAX_TRIES {
            return Err(format!("tries_left: at most {PIN_MAX_TRIES}"));
        }
        let mut card = VirtualCard::new(&id.name, &id.address, birth, sex)
            .with_pin(&id.pin)
            .with_tries(if id.blocked { 0 } else { id.tries_left });
        if id.long_form {
            card.ef_basic4 = record::build_record(
                &id.name,
                &id.address,
                birth,
                record::sex_code(sex),
                Layout {
                    long_form: true,
                    inner_filler: 0,
                },
            );
        }
        if let (Some(year), Some(code)) = (id.expiry_year, &id.security_code) {
            let b = super::code_b_from_card_face(birth, year, code)
                .map_err(|_| "expiry_year / security_code: not a valid card face".to_string())?;
            card.code_b = Some(Zeroizing::new(b.expose().to_vec()));
        }
        if let Some(t) = id.code_b_tries_left {
            card.code_b_tries = t.min(CODE_B_MAX_TRIES);
        }
        if let Some(hex) = &id.atr {
            card.atr = parse_hex(hex).ok_or("atr: expected hex bytes")?;
        }
        card.not_my_number = id.not_my_number;
        Ok(card)
    }

    /// Reads a `fixtures/cards/*.toml` identity.
    pub fn from_toml_file(path: &std::path::Path) -> Result<VirtualCard, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let id = CardIdentity::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        VirtualCard::from_identity(&id).map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn with_pin(mut self, pin: &str) -> VirtualCard {
        self.pin = Zeroizing::new(pin.as_bytes().to_vec());
        self
    }
    /// PIN tries left; 0 is blocked.
    pub fn with_tries(mut self, tries: u8) -> VirtualCard {
        self.pin_tries = tries.min(PIN_MAX_TRIES);
        self
    }
    /// The 14-digit 照合番号B and its tries left.
    pub fn with_code_b(mut self, digits: &str, tries: u8) -> VirtualCard {
        self.code_b = Some(Zeroizing::new(digits.as_bytes().to_vec()));
        self.code_b_tries = tries.min(CODE_B_MAX_TRIES);
        self
    }
    /// Answers `6A 82` to every SELECT, like a card without the application.
    pub fn not_my_number(mut self) -> VirtualCard {
        self.not_my_number = true;
        self
    }
    /// Replaces EF 0002 with these bytes (malformed records, padding).
    pub fn with_ef_basic4(mut self, bytes: Vec<u8>) -> VirtualCard {
        self.ef_basic4 = bytes;
        self
    }
    /// Returns at most `n` bytes per READ BINARY: short reads with `90 00`, or `6C n` when
    /// `with_6c` (then the reader must resend with Le = n).
    pub fn with_max_chunk(mut self, n: usize, with_6c: bool) -> VirtualCard {
        self.max_chunk = Some(n.clamp(1, 256));
        self.chunk_6c = with_6c;
        self
    }
    /// Answers READ BINARY with `61 xx`: the data must be fetched with GET RESPONSE.
    pub fn with_get_response(mut self) -> VirtualCard {
        self.use_61 = true;
        self
    }
    /// After answering `n` commands, the card is "pulled": in-process the next transmit
    /// fails with [`CardError::CardRemoved`]; through vpcd the socket is closed.
    pub fn pull_after(mut self, n: usize) -> VirtualCard {
        self.pull_after = Some(n);
        self
    }
    pub fn atr(&self) -> &[u8] {
        &self.atr
    }
    pub fn probe(&self) -> CardProbe {
        self.probe.clone()
    }
    pub fn pin_tries_left(&self) -> u8 {
        self.pin_tries
    }
    pub fn code_b_tries_left(&self) -> u8 {
        self.code_b_tries
    }

    /// A reset or power cycle: no selection, no verified key.
    pub fn reset(&mut self) {
        self.app_selected = false;
        self.current = None;
        self.verified = Verified::None;
        self.pending.clear();
    }

    /// Answers one C-APDU. Never panics on any input.
    pub fn process(&mut self, capdu: &[u8]) -> Vec<u8> {
        self.probe.apdus.fetch_add(1, Ordering::SeqCst);
        let Some(&[cla, ins, p1, p2]) = capdu.first_chunk::<4>() else {
            return sw(0x6700);
        };
        // Case 1 (no body), case 2 (Le), case 3 (Lc data), case 4 (Lc data Le).
        let body = &capdu[4..];
        let (data, le): (&[u8], Option<u16>) = match body.len() {
            0 => (&[], None),
            1 => (&[], Some(le_from_byte(body[0]))),
            _ => {
                let lc = usize::from(body[0]);
                match body.len() - 1 {
                    n if n == lc => (&body[1..], None),
                    n if n == lc + 1 => (&body[1..=lc], Some(le_from_byte(body[lc + 1]))),
                    _ => return sw(0x6700),
                }
            }
        };
        if cla != 0x00 {
            return sw(0x6E00);
        }
        if ins != 0xC0 {
            self.pending.clear();
        }
        match ins {
            0xA4 => self.select(p1, data),
            0x20 if p1 == 0x00 && p2 == 0x80 => self.verify(data),
            0x20 => sw(0x6A86),
            0xB0 => self.read_binary(p1, p2, le),
            0xC0 => self.get_response(le),
            _ => sw(0x6D00),
        }
    }

    fn select(&mut self, p1: u8, data: &[u8]) -> Vec<u8> {
        if self.not_my_number {
            return sw(0x6A82);
        }
        match p1 {
            0x04 => {
                if data == AID_INPUT_SUPPORT {
                    self.app_selected = true;
                    self.current = None;
                    sw(0x9000)
                } else {
                    // Other applications (JPKI, 券面AP) are absent from this card.
                    sw(0x6A82)
                }
            }
            0x02 | 0x00 if data.len() == 2 => {
                let fid = u16::from_be_bytes([data[0], data[1]]);
                if fid == FID_MY_NUMBER || fid == FID_KEY_A {
                    self.probe.forbidden.store(true, Ordering::SeqCst);
                    return sw(0x6A82);
                }
                if self.app_selected && matches!(fid, FID_PIN | FID_CODE_B | FID_BASIC4) {
                    self.current = Some(fid);
                    sw(0x9000)
                } else {
                    sw(0x6A82)
                }
            }
            _ => sw(0x6A86),
        }
    }

    fn verify(&mut self, data: &[u8]) -> Vec<u8> {
        let (key, kind) = match self.current {
            Some(FID_PIN) => (Some(&self.pin), Verified::Pin),
            Some(FID_CODE_B) => (self.code_b.as_ref(), Verified::CodeB),
            _ => return sw(0x6986),
        };
        let tries = if kind == Verified::Pin {
            self.pin_tries
        } else {
            self.code_b_tries
        };
        if data.is_empty() {
            return if self.verified == kind {
                sw(0x9000)
            } else {
                sw(0x63C0 | u16::from(tries))
            };
        }
        if tries == 0 {
            return sw(0x6984);
        }
        let expected_len = if kind == Verified::Pin { 4 } else { 14 };
        if data.len() != expected_len {
            return sw(0x6700);
        }
        let ok = key.is_some_and(|k| k.as_slice() == data);
        let max = if kind == Verified::Pin {
            PIN_MAX_TRIES
        } else {
            CODE_B_MAX_TRIES
        };
        let left = if ok { max } else { tries - 1 };
        if kind == Verified::Pin {
            self.pin_tries = left;
        } else {
            self.code_b_tries = left;
        }
        if ok {
            self.verified = kind;
            sw(0x9000)
        } else {
            self.verified = Verified::None;
            sw(0x63C0 | u16::from(left))
        }
    }

    fn read_binary(&mut self, p1: u8, p2: u8, le: Option<u16>) -> Vec<u8> {
        if p1 & 0x80 != 0 {
            // Reading by short file identifier is not offered (it could reach EF 0001).
            return sw(0x6A81);
        }
        match self.current {
            Some(FID_BASIC4) => {}
            Some(_) => return sw(0x6981),
            None => return sw(0x6986),
        }
        // Either key opens EF 0002 (照合番号B opens nothing else, and nothing else is here).
        if self.verified == Verified::None {
            return sw(0x6982);
        }
        let Some(le) = le else { return sw(0x6700) };
        let offset = usize::from(u16::from_be_bytes([p1, p2]));
        let file = &self.ef_basic4;
        if offset > file.len() {
            return sw(0x6B00);
        }
        let avail = file.len() - offset;
        let mut n = usize::from(le).min(avail);
        if let Some(max) = self.max_chunk {
            if n > max {
                if self.chunk_6c {
                    return sw(0x6C00 | (max as u16 & 0xFF));
                }
                n = max;
            }
        }
        let data = file[offset..offset + n].to_vec();
        let status = if usize::from(le) > avail && self.max_chunk.is_none() {
            0x6282
        } else {
            0x9000
        };
        if self.use_61 && status == 0x9000 && !data.is_empty() {
            let announce = (data.len().min(256) & 0xFF) as u16;
            self.pending = data;
            return sw(0x6100 | announce);
        }
        let mut out = data;
        out.extend_from_slice(&status_bytes(status));
        out
    }

    fn get_response(&mut self, le: Option<u16>) -> Vec<u8> {
        if self.pending.is_empty() {
            return sw(0x6985);
        }
        let n = usize::from(le.unwrap_or(256)).min(self.pending.len());
        let mut out: Vec<u8> = self.pending.drain(..n).collect();
        let rest = self.pending.len();
        out.extend_from_slice(&status_bytes(if rest == 0 {
            0x9000
        } else {
            0x6100 | (rest.min(256) & 0xFF) as u16
        }));
        out
    }
}

impl Transport for VirtualCard {
    fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, CardError> {
        if self.pull_after.is_some_and(|n| self.probe.apdus() >= n) {
            return Err(CardError::CardRemoved);
        }
        Ok(self.process(capdu))
    }
}

fn status_bytes(sw: u16) -> [u8; 2] {
    sw.to_be_bytes()
}

fn sw(sw: u16) -> Vec<u8> {
    status_bytes(sw).to_vec()
}

fn parse_hex(s: &str) -> Option<Vec<u8>> {
    let s: String = s
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Reads exactly `buf.len()` bytes, waking every read timeout to check `stop`.
/// `Ok(false)` when stopped; an error when the peer closed.
fn read_full(s: &mut TcpStream, buf: &mut [u8], stop: &AtomicBool) -> std::io::Result<bool> {
    let mut got = 0;
    while got < buf.len() {
        if stop.load(Ordering::SeqCst) {
            return Ok(false);
        }
        quick_ack(s);
        match s.read(&mut buf[got..]) {
            Ok(0) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => got += n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock
                        | std::io::ErrorKind::TimedOut
                        | std::io::ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

/// vpcd writes a message's length and payload as two small segments; with Nagle on its side
/// and delayed ACKs on ours, each exchange would wait ~40 ms for our ACK. Acknowledging at
/// once (re-armed before every read: Linux clears the flag) removes that wait.
#[cfg(target_os = "linux")]
fn quick_ack(s: &TcpStream) {
    use std::os::fd::AsRawFd;
    let one: libc::c_int = 1;
    // SAFETY: a valid socket descriptor and a pointer to a c_int of the stated size.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_QUICKACK,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

#[cfg(not(target_os = "linux"))]
fn quick_ack(_: &TcpStream) {}

fn send(s: &mut TcpStream, payload: &[u8]) -> std::io::Result<()> {
    let mut msg = Vec::with_capacity(payload.len() + 2);
    msg.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    msg.extend_from_slice(payload);
    s.write_all(&msg)
}

/// An exclusive, cross-process hold on the vpcd slots: vpcd takes one card per port, and
/// tests or benchmarks in several processes (other test binaries, other checkouts on the
/// same machine) would otherwise insert cards into each other's reads. Released on drop.
pub struct VpcdLock {
    _file: std::fs::File,
}

/// Waits for [`VpcdLock`] (a `flock` on a file in the temp directory).
pub fn lock_vpcd() -> std::io::Result<VpcdLock> {
    let path = std::env::temp_dir().join("madoguchi-vpcd.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    #[cfg(unix)]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: flock on a descriptor this function owns.
        if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(VpcdLock { _file: file })
}

/// Serves `card` to vpcd at 127.0.0.1:`port` until `stop` is set (then the socket closes:
/// the card is removed), vpcd closes the connection, or the card is "pulled"
/// ([`VirtualCard::pull_after`]).
///
/// vpcd's protocol: each message is a 2-byte big-endian length and a payload. A 1-byte
/// payload is a control byte (0 power off, 1 power on, 2 reset: no reply; 4: reply with the
/// ATR); anything longer is a C-APDU, answered with the R-APDU.
pub fn run_vpcd(mut card: VirtualCard, port: u16, stop: Arc<AtomicBool>) -> Result<(), CardError> {
    let mut s =
        TcpStream::connect(("127.0.0.1", port)).map_err(|_| CardError::ServiceNotRunning)?;
    let _ = s.set_nodelay(true);
    s.set_read_timeout(Some(Duration::from_millis(50)))
        .map_err(|e| CardError::Pcsc(e.to_string()))?;
    let result = serve(&mut card, &mut s, &stop);
    let _ = s.shutdown(Shutdown::Both);
    result
}

fn serve(card: &mut VirtualCard, s: &mut TcpStream, stop: &AtomicBool) -> Result<(), CardError> {
    let io = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            // vpcd went away (pcscd stopped or restarted).
            CardError::ServiceNotRunning
        } else {
            CardError::Pcsc(e.to_string())
        }
    };
    loop {
        let mut len = [0u8; 2];
        if !read_full(s, &mut len, stop).map_err(io)? {
            return Ok(());
        }
        let mut payload = Zeroizing::new(vec![0u8; usize::from(u16::from_be_bytes(len))]);
        if !read_full(s, &mut payload, stop).map_err(io)? {
            return Ok(());
        }
        match payload.as_slice() {
            [] => {}
            [0] | [1] | [2] => card.reset(),
            [4] => send(s, &card.atr).map_err(io)?,
            [_] => {}
            apdu => match card.transmit(apdu) {
                Ok(r) => send(s, &r).map_err(io)?,
                // Pulled: close without answering, as a card leaving the field would.
                Err(_) => return Ok(()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::{query_tries, read_basic4, Secret, TriesLeft};
    use chrono::NaiveDate;

    fn card() -> VirtualCard {
        VirtualCard::new(
            "山田\u{3000}太郎",
            "東京都千代田区霞が関１－１－１",
            NaiveDate::from_ymd_opt(1980, 1, 1).unwrap(),
            Some(Sex::Male),
        )
    }

    fn pin(s: &str) -> Secret {
        Secret::pin(s).unwrap()
    }

    #[test]
    fn golden_record_and_seven_apdus() {
        let mut c = card();
        assert_eq!(c.ef_basic4, crate::card::record::tests::GOLDEN);
        let b = read_basic4(&mut c, &pin("1234")).unwrap();
        assert_eq!(
            (b.name.as_str(), b.sex),
            ("山田\u{3000}太郎", Some(Sex::Male))
        );
        assert_eq!(c.probe().apdus(), 7);
        assert!(!c.probe().forbidden_touched());
    }

    #[test]
    fn wrong_pin_counts_down_then_blocks() {
        let mut c = card();
        assert_eq!(query_tries(&mut c, false).unwrap(), TriesLeft::Known(3));
        assert_eq!(
            read_basic4(&mut c, &pin("0000")).unwrap_err(),
            CardError::WrongPin { tries_left: 2 }
        );
        assert_eq!(
            read_basic4(&mut c, &pin("0000")).unwrap_err(),
            CardError::WrongPin { tries_left: 1 }
        );
        assert_eq!(query_tries(&mut c, false).unwrap(), TriesLeft::Known(1));
        assert_eq!(
            read_basic4(&mut c, &pin("0000")).unwrap_err(),
            CardError::Blocked
        );
        assert_eq!(query_tries(&mut c, false).unwrap_err(), CardError::Blocked);
        // Even the right PIN cannot open a blocked key (and is not even sent).
        assert_eq!(
            read_basic4(&mut c, &pin("1234")).unwrap_err(),
            CardError::Blocked
        );
        assert_eq!(c.pin_tries_left(), 0);
    }

    #[test]
    fn right_pin_restores_tries() {
        let mut c = card().with_tries(1);
        assert!(read_basic4(&mut c, &pin("1234")).is_ok());
        assert_eq!(c.pin_tries_left(), 3);
        // Verified in this session: the query answers 90 00, "not reported".
        assert_eq!(query_tries(&mut c, false).unwrap(), TriesLeft::NotReported);
        c.reset();
        assert_eq!(query_tries(&mut c, false).unwrap(), TriesLeft::Known(3));
    }

    #[test]
    fn blocked_answers_6984_to_verify() {
        let mut c = card().with_tries(0);
        let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, 0x0A];
        apdu.extend_from_slice(&AID_INPUT_SUPPORT);
        assert_eq!(c.process(&apdu), sw(0x9000));
        assert_eq!(
            c.process(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x11]),
            sw(0x9000)
        );
        assert_eq!(c.process(&[0x00, 0x20, 0x00, 0x80]), sw(0x63C0));
        assert_eq!(
            c.process(&[0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4']),
            sw(0x6984)
        );
        assert_eq!(
            c.process(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x02]),
            sw(0x9000)
        );
        assert_eq!(c.process(&[0x00, 0xB0, 0x00, 0x00, 0x07]), sw(0x6982));
        // The forbidden files answer "not found" and are flagged.
        assert_eq!(
            c.process(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01]),
            sw(0x6A82)
        );
        assert!(c.probe().forbidden_touched());
    }

    #[test]
    fn code_b_opens_basic4() {
        let birth = NaiveDate::from_ymd_opt(1980, 1, 1).unwrap();
        let b = crate::card::code_b_from_card_face(birth, 2031, "4321").unwrap();
        let digits = String::from_utf8(b.expose().to_vec()).unwrap();
        let mut c = card().with_code_b(&digits, 10).with_tries(0);
        assert_eq!(query_tries(&mut c, true).unwrap(), TriesLeft::Known(10));
        let bad = Secret::code_b("55021720301234").unwrap();
        assert_eq!(
            read_basic4(&mut c, &bad).unwrap_err(),
            CardError::WrongPin { tries_left: 9 }
        );
        assert_eq!(read_basic4(&mut c, &b).unwrap().birth_date, birth);
        assert_eq!(c.code_b_tries_left(), 10);
    }

    #[test]
    fn not_my_number_card() {
        let mut c = card().not_my_number();
        assert_eq!(
            read_basic4(&mut c, &pin("1234")).unwrap_err(),
            CardError::NotMyNumberCard
        );
        assert_eq!(
            query_tries(&mut c, false).unwrap_err(),
            CardError::NotMyNumberCard
        );
    }

    #[test]
    fn short_reads_6c_and_61_through_the_virtual_card() {
        for c in [
            card().with_max_chunk(16, false),
            card().with_max_chunk(5, true),
            card().with_get_response(),
            card().with_get_response().with_max_chunk(9, true),
        ] {
            let mut c = c;
            let b = read_basic4(&mut c, &pin("1234")).unwrap();
            assert_eq!(b.address, "東京都千代田区霞が関１－１－１");
        }
    }

    #[test]
    fn padded_long_form_file() {
        let birth = NaiveDate::from_ymd_opt(1989, 1, 7).unwrap();
        let mut file = record::build_record(
            "髙橋　𠮷",
            "福岡県福岡市博多区１２－７－２０２",
            birth,
            b'9',
            Layout {
                long_form: true,
                inner_filler: 1,
            },
        );
        file.extend(std::iter::repeat_n(0xFF, 200));
        let mut c = card().with_ef_basic4(file);
        let b = read_basic4(&mut c, &pin("1234")).unwrap();
        assert_eq!(
            (b.name.as_str(), b.birth_date, b.sex),
            ("髙橋　𠮷", birth, Some(Sex::NotApplicable))
        );
    }

    #[test]
    fn pulled_mid_read() {
        let mut c = card().pull_after(5);
        assert_eq!(
            read_basic4(&mut c, &pin("1234")).unwrap_err(),
            CardError::CardRemoved
        );
    }

    #[test]
    fn never_panics_on_odd_apdus() {
        let mut c = card();
        for a in [
            &[][..],
            &[0],
            &[0, 0xB0],
            &[0, 0xB0, 0, 0],
            &[0, 0xA4, 2, 0x0C, 5, 1],
            &[0, 0xC0, 0, 0, 0],
            &[0, 0xB0, 0xFF, 0xFF, 0],
        ] {
            let r = c.process(a);
            assert_eq!(r.len(), 2, "{a:02X?}");
        }
    }

    #[test]
    fn fixtures_load() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cards");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "toml") {
                VirtualCard::from_toml_file(&p).unwrap();
                n += 1;
            }
        }
        assert!(
            n >= 5,
            "expected the fixture identities in {}",
            dir.display()
        );
    }
}
