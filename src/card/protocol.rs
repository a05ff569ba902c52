//! The My Number card protocol (`mynumber-card.md`, "Command sequence"), generic over a
//! [`Transport`]: the same code runs against the in-process virtual card, a scripted
//! transport in tests, and PC/SC.

use super::apdu::{self, Command, Ef, Response};
use super::error::CardError;
use super::record;
use super::secret::Secret;
use super::{Basic4, Transport, TriesLeft};

/// Bound on `61 xx` / `6C xx` rounds for one command, so a misbehaving card cannot keep us
/// looping.
const MAX_ROUNDS: usize = 32;
/// Bytes asked per READ BINARY. 255 rather than 256 (`Le = 00`) because some readers and
/// cards mishandle a 258-byte response.
const CHUNK: usize = 255;

/// Sends one command and returns (data, SW1, SW2), resolving `61 xx` (GET RESPONSE) and
/// `6C xx` (resend with the right Le) silently.
pub fn exchange<T: Transport + ?Sized>(
    t: &mut T,
    cmd: &Command,
) -> Result<(Vec<u8>, u8, u8), CardError> {
    // Defence in depth: the commands are built from `Ef`, which cannot name EF 0001/0014;
    // this check also stops a future change from sending anything else.
    let bytes = cmd.to_bytes();
    if !apdu::is_allowed(&bytes) {
        return Err(CardError::Pcsc(
            "refused to send a command outside the allowed sequence".into(),
        ));
    }
    let mut data = Vec::new();
    let mut rapdu = t.transmit(&bytes)?;
    for _ in 0..MAX_ROUNDS {
        let r = Response::parse(&rapdu).ok_or(CardError::Unresponsive)?;
        match r.sw1 {
            0x61 => {
                data.extend_from_slice(r.data);
                rapdu = t.transmit(&Command::get_response(apdu::le_from_byte(r.sw2)).to_bytes())?;
            }
            // Only a command with an Le can be resent with another one.
            0x6C if cmd.le.is_some() => {
                rapdu = t.transmit(&cmd.with_le(apdu::le_from_byte(r.sw2)).to_bytes())?;
            }
            _ => {
                data.extend_from_slice(r.data);
                return Ok((data, r.sw1, r.sw2));
            }
        }
    }
    Err(CardError::Unresponsive)
}

/// Maps a status word to the error the clerk sees, for any step.
fn status_error(sw1: u8, sw2: u8) -> CardError {
    match (sw1, sw2) {
        (0x63, 0xC0) | (0x69, 0x84) | (0x69, 0x83) => CardError::Blocked,
        (0x63, x) if x & 0xF0 == 0xC0 => CardError::WrongPin {
            tries_left: x & 0x0F,
        },
        (0x6A, 0x82) => CardError::NotMyNumberCard,
        _ => CardError::Status(sw1, sw2),
    }
}

fn expect_ok(t: &mut (impl Transport + ?Sized), cmd: &Command) -> Result<Vec<u8>, CardError> {
    match exchange(t, cmd)? {
        (data, 0x90, 0x00) => Ok(data),
        (_, a, b) => Err(status_error(a, b)),
    }
}

/// Selects the input support application and the key EF of `use_code_b`.
fn select_key(t: &mut (impl Transport + ?Sized), use_code_b: bool) -> Result<(), CardError> {
    expect_ok(t, &Command::select_app())?;
    expect_ok(
        t,
        &Command::select_ef(if use_code_b { Ef::CodeBKey } else { Ef::PinKey }),
    )?;
    Ok(())
}

/// VERIFY with no data on the selected key: the tries left, spending none.
fn ask_tries(t: &mut (impl Transport + ?Sized)) -> Result<TriesLeft, CardError> {
    match exchange(t, &Command::query_tries())? {
        // Already verified in this session: the card does not say how many are left.
        (_, 0x90, 0x00) => Ok(TriesLeft::NotReported),
        (_, 0x63, x) if x & 0xF0 == 0xC0 && x != 0xC0 => Ok(TriesLeft::Known(x & 0x0F)),
        (_, a, b) => Err(status_error(a, b)),
    }
}

/// The tries left of the PIN (or the 照合番号B), without spending one. A blocked key is
/// `Err(CardError::Blocked)`.
pub fn query_tries<T: Transport>(t: &mut T, use_code_b: bool) -> Result<TriesLeft, CardError> {
    select_key(t, use_code_b)?;
    ask_tries(t)
}

/// Reads `len` bytes of the current EF from `offset`, looping while the card returns less
/// than asked.
fn read_binary(
    t: &mut (impl Transport + ?Sized),
    offset: usize,
    len: usize,
) -> Result<Vec<u8>, CardError> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        let at = offset + out.len();
        if at > record::MAX_RECORD_LEN {
            return Err(CardError::Damaged(
                "EF0002: beyond the 15-bit offset range".into(),
            ));
        }
        let want = (len - out.len()).min(CHUNK);
        let (data, sw1, sw2) = exchange(t, &Command::read_binary(at as u16, want as u16))?;
        match (sw1, sw2) {
            (0x90, 0x00) => {}
            // End of file reached before Le bytes: keep what came, then stop.
            (0x62, 0x82) => {
                out.extend_from_slice(&data[..data.len().min(want)]);
                break;
            }
            (0x6B, 0x00) => {
                return Err(CardError::Damaged(
                    "EF0002: shorter than its header says".into(),
                ))
            }
            (a, b) => return Err(status_error(a, b)),
        }
        if data.is_empty() {
            break;
        }
        // A card answering more than asked is not trusted beyond what was asked.
        out.extend_from_slice(&data[..data.len().min(want)]);
    }
    if out.len() < len {
        return Err(CardError::Damaged(
            "EF0002: shorter than its header says".into(),
        ));
    }
    Ok(out)
}

/// Reads the 基本4情報 with the PIN or the 照合番号B: the spec's seven commands.
///
/// The caller ends the session with a card reset (the PC/SC path does) so that no verified
/// state outlives the read.
pub fn read_basic4<T: Transport>(t: &mut T, secret: &Secret) -> Result<Basic4, CardError> {
    select_key(t, secret.is_code_b())?;
    match ask_tries(t)? {
        TriesLeft::Known(_) | TriesLeft::NotReported => {}
    }
    expect_ok(t, &Command::verify(secret.expose()))?;
    expect_ok(t, &Command::select_ef(Ef::Basic4))?;
    // The header: FF 20 and the length (at most 1 + 4 bytes), plus the start of DF21.
    let header = read_binary(t, 0, 7)?;
    let total = record::record_len_from_header(&header)?;
    let mut file = header;
    if total > file.len() {
        let rest = read_binary(t, file.len(), total - file.len())?;
        file.extend_from_slice(&rest);
    }
    record::parse_basic4(&file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::card::record::tests::GOLDEN;

    /// A transport that checks each command against a script and answers from it.
    struct Scripted {
        steps: Vec<(Vec<u8>, Vec<u8>)>,
        at: usize,
    }

    impl Scripted {
        fn new(steps: &[(&str, &str)]) -> Scripted {
            let h = |s: &str| -> Vec<u8> {
                let s: String = s.split_whitespace().collect();
                (0..s.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
                    .collect()
            };
            Scripted {
                steps: steps.iter().map(|(c, r)| (h(c), h(r))).collect(),
                at: 0,
            }
        }
        fn done(&self) {
            assert_eq!(
                self.at,
                self.steps.len(),
                "not every scripted command was sent"
            );
        }
    }

    impl Transport for Scripted {
        fn transmit(&mut self, capdu: &[u8]) -> Result<Vec<u8>, CardError> {
            let (want, answer) = self
                .steps
                .get(self.at)
                .unwrap_or_else(|| panic!("unexpected command {capdu:02X?}"));
            assert_eq!(capdu, &want[..], "command #{}", self.at);
            self.at += 1;
            Ok(answer.clone())
        }
    }

    const SEL_APP: &str = "00A4040C0AD3921000310001010408";
    const SEL_PIN: &str = "00A4020C020011";
    const SEL_B: &str = "00A4020C020015";
    const QUERY: &str = "00200080";
    const VERIFY_1234: &str = "002000800431323334";
    const SEL_4: &str = "00A4020C020002";

    fn hex(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02X}")).collect()
    }

    fn pin() -> Secret {
        Secret::pin("1234").unwrap()
    }

    #[test]
    fn golden_read_in_seven_commands() {
        let rest = hex(&GOLDEN[7..]) + "9000";
        let head = hex(&GOLDEN[..7]) + "9000";
        let mut t = Scripted::new(&[
            (SEL_APP, "9000"),
            (SEL_PIN, "9000"),
            (QUERY, "63C3"),
            (VERIFY_1234, "9000"),
            (SEL_4, "9000"),
            ("00B0000007", &head),
            ("00B0000758", &rest),
        ]);
        let b = read_basic4(&mut t, &pin()).unwrap();
        t.done();
        assert_eq!(b.name, "山田\u{3000}太郎");
    }

    #[test]
    fn code_b_uses_key_0015() {
        let mut t = Scripted::new(&[(SEL_APP, "9000"), (SEL_B, "9000"), (QUERY, "63CA")]);
        assert_eq!(query_tries(&mut t, true).unwrap(), TriesLeft::Known(10));
        t.done();
    }

    #[test]
    fn wrong_pin_and_blocked_paths() {
        for (verify_sw, want) in [
            ("63C2", CardError::WrongPin { tries_left: 2 }),
            ("63C1", CardError::WrongPin { tries_left: 1 }),
            ("63C0", CardError::Blocked),
            ("6984", CardError::Blocked),
            ("6983", CardError::Blocked),
            ("6A82", CardError::NotMyNumberCard),
            ("6F00", CardError::Status(0x6F, 0x00)),
        ] {
            let mut t = Scripted::new(&[
                (SEL_APP, "9000"),
                (SEL_PIN, "9000"),
                (QUERY, "63C3"),
                (VERIFY_1234, verify_sw),
            ]);
            assert_eq!(
                read_basic4(&mut t, &pin()).unwrap_err(),
                want,
                "{verify_sw}"
            );
            t.done();
        }
    }

    #[test]
    fn tries_query_paths() {
        for (sw, want) in [
            ("63C3", Ok(TriesLeft::Known(3))),
            ("63C1", Ok(TriesLeft::Known(1))),
            ("9000", Ok(TriesLeft::NotReported)),
            ("63C0", Err(CardError::Blocked)),
            ("6984", Err(CardError::Blocked)),
            ("6983", Err(CardError::Blocked)),
            ("6A88", Err(CardError::Status(0x6A, 0x88))),
        ] {
            let mut t = Scripted::new(&[(SEL_APP, "9000"), (SEL_PIN, "9000"), (QUERY, sw)]);
            assert_eq!(query_tries(&mut t, false), want, "{sw}");
            t.done();
        }
        // A blocked key is never sent a VERIFY.
        let mut t = Scripted::new(&[(SEL_APP, "9000"), (SEL_PIN, "9000"), (QUERY, "63C0")]);
        assert_eq!(read_basic4(&mut t, &pin()).unwrap_err(), CardError::Blocked);
        t.done();
    }

    #[test]
    fn not_a_my_number_card() {
        let mut t = Scripted::new(&[(SEL_APP, "6A82")]);
        assert_eq!(
            read_basic4(&mut t, &pin()).unwrap_err(),
            CardError::NotMyNumberCard
        );
        t.done();
        let mut t = Scripted::new(&[(SEL_APP, "6D00")]);
        assert_eq!(
            read_basic4(&mut t, &pin()).unwrap_err(),
            CardError::Status(0x6D, 0x00)
        );
    }

    #[test]
    fn read_before_verify_is_internal() {
        let mut t = Scripted::new(&[
            (SEL_APP, "9000"),
            (SEL_PIN, "9000"),
            (QUERY, "9000"),
            (VERIFY_1234, "9000"),
            (SEL_4, "9000"),
            ("00B0000007", "6982"),
        ]);
        let e = read_basic4(&mut t, &pin()).unwrap_err();
        assert_eq!(
            (e.clone(), e.kind()),
            (
                CardError::Status(0x69, 0x82),
                crate::error_kind::ErrorKind::Internal
            )
        );
    }

    #[test]
    fn get_response_and_wrong_le_and_short_reads() {
        let g = GOLDEN;
        let mut t = Scripted::new(&[
            (SEL_APP, "9000"),
            (SEL_PIN, "9000"),
            (QUERY, "63C3"),
            (VERIFY_1234, "9000"),
            (SEL_4, "9000"),
            // 61 xx: the header comes in two parts through GET RESPONSE.
            ("00B0000007", "6104"),
            ("00C0000004", &(hex(&g[..4]) + "6103")),
            ("00C0000003", &(hex(&g[4..7]) + "9000")),
            // A short read: 0x58 asked, 0x20 given, then the loop asks for the rest.
            ("00B0000758", &(hex(&g[7..0x27]) + "9000")),
            // 6C xx: resend with the Le the card wants.
            ("00B0002738", "6C10"),
            ("00B0002710", &(hex(&g[0x27..0x37]) + "9000")),
            ("00B0003728", &(hex(&g[0x37..]) + "9000")),
        ]);
        assert_eq!(
            read_basic4(&mut t, &pin()).unwrap().birth_date.to_string(),
            "1980-01-01"
        );
        t.done();
    }

    #[test]
    fn end_of_file_and_empty_chunks_are_damaged_not_loops() {
        let g = GOLDEN;
        let base = [
            (SEL_APP, "9000"),
            (SEL_PIN, "9000"),
            (QUERY, "63C3"),
            (VERIFY_1234, "9000"),
            (SEL_4, "9000"),
        ];
        let head = hex(&g[..7]) + "9000";
        for last in [
            "9000".to_string(),
            hex(&g[7..20]) + "6282",
            "6B00".to_string(),
        ] {
            let mut steps = base.to_vec();
            steps.push(("00B0000007", &head));
            steps.push(("00B0000758", &last));
            let mut t = Scripted::new(&steps);
            assert!(
                matches!(read_basic4(&mut t, &pin()), Err(CardError::Damaged(_))),
                "{last}"
            );
        }
    }

    #[test]
    fn endless_61_is_bounded() {
        struct Endless;
        impl Transport for Endless {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, CardError> {
                Ok(vec![0x61, 0x01])
            }
        }
        assert_eq!(
            query_tries(&mut Endless, false),
            Err(CardError::Unresponsive)
        );
        struct Mute;
        impl Transport for Mute {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, CardError> {
                Ok(vec![0x90])
            }
        }
        assert_eq!(query_tries(&mut Mute, false), Err(CardError::Unresponsive));
    }

    #[test]
    fn transport_errors_pass_through() {
        struct Gone;
        impl Transport for Gone {
            fn transmit(&mut self, _: &[u8]) -> Result<Vec<u8>, CardError> {
                Err(CardError::CardRemoved)
            }
        }
        assert_eq!(
            read_basic4(&mut Gone, &pin()).unwrap_err(),
            CardError::CardRemoved
        );
    }
}
