//! Short APDUs (ISO/IEC 7816-4): encoding commands and splitting responses.
//!
//! Only short APDUs are used: the card's input support application answers everything the
//! counter needs within 256 bytes, and some readers handle extended APDUs badly.

use zeroize::Zeroizing;

/// The AID of the 券面事項入力補助AP (card-info input support application).
pub const AID_INPUT_SUPPORT: [u8; 10] =
    [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];

/// The only elementary files this program may ever select. The 個人番号 file (EF 0001) and
/// its key (EF 0014, 照合番号A) are deliberately absent: no value of this type names them, so
/// no code path can select them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ef {
    /// The PIN key (券面事項入力補助用暗証番号, 4 digits).
    PinKey,
    /// The 照合番号B key (14 digits printed on the card face); opens EF 0002 only.
    CodeBKey,
    /// The 基本4情報 record.
    Basic4,
}

impl Ef {
    pub fn fid(self) -> [u8; 2] {
        match self {
            Ef::PinKey => [0x00, 0x11],
            Ef::CodeBKey => [0x00, 0x15],
            Ef::Basic4 => [0x00, 0x02],
        }
    }
}

/// A command APDU. `le` is the number of bytes expected (1..=256); `None` for no Le field.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    /// Zeroized on drop: the VERIFY command carries the PIN here.
    pub data: Zeroizing<Vec<u8>>,
    pub le: Option<u16>,
}

impl std::fmt::Debug for Command {
    // The data may be a PIN: never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Command({:02X} {:02X} {:02X} {:02X}, {} data bytes, le {:?})",
            self.cla,
            self.ins,
            self.p1,
            self.p2,
            self.data.len(),
            self.le
        )
    }
}

impl Command {
    fn new(ins: u8, p1: u8, p2: u8, data: &[u8], le: Option<u16>) -> Command {
        Command {
            cla: 0x00,
            ins,
            p1,
            p2,
            data: Zeroizing::new(data.to_vec()),
            le,
        }
    }

    /// SELECT the input support application by name, no response data (P2 = 0C).
    pub fn select_app() -> Command {
        Command::new(0xA4, 0x04, 0x0C, &AID_INPUT_SUPPORT, None)
    }

    /// SELECT an elementary file of the current application by its identifier.
    pub fn select_ef(ef: Ef) -> Command {
        Command::new(0xA4, 0x02, 0x0C, &ef.fid(), None)
    }

    /// VERIFY with no data: asks the tries left without spending one.
    pub fn query_tries() -> Command {
        Command::new(0x20, 0x00, 0x80, &[], None)
    }

    /// VERIFY the current key with the given ASCII digits.
    pub fn verify(digits: &[u8]) -> Command {
        Command::new(0x20, 0x00, 0x80, digits, None)
    }

    /// READ BINARY of the current EF at a 15-bit offset.
    pub fn read_binary(offset: u16, le: u16) -> Command {
        let [hi, lo] = (offset & 0x7FFF).to_be_bytes();
        Command::new(0xB0, hi, lo, &[], Some(le.clamp(1, 256)))
    }

    /// GET RESPONSE for the bytes announced by `61 xx`.
    pub fn get_response(le: u16) -> Command {
        Command::new(0xC0, 0x00, 0x00, &[], Some(le.clamp(1, 256)))
    }

    /// The same command with another Le (for `6C xx`).
    pub fn with_le(&self, le: u16) -> Command {
        let mut c = self.clone();
        c.le = Some(le.clamp(1, 256));
        c
    }

    /// Encodes as a short APDU (case 1–4). Data longer than 255 bytes is never built here.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(6 + self.data.len()));
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        if !self.data.is_empty() {
            out.push(self.data.len().min(255) as u8);
            out.extend_from_slice(&self.data[..self.data.len().min(255)]);
        }
        if let Some(le) = self.le {
            // Le = 256 is encoded as 00 in a short APDU.
            out.push(if le >= 256 { 0 } else { le as u8 });
        }
        out
    }
}

/// Decodes a short Le byte (00 means 256).
pub fn le_from_byte(b: u8) -> u16 {
    if b == 0 {
        256
    } else {
        u16::from(b)
    }
}

/// A response APDU split into its data and status word. Never panics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Response<'a> {
    pub data: &'a [u8],
    pub sw1: u8,
    pub sw2: u8,
}

impl<'a> Response<'a> {
    /// `None` when the response is shorter than a status word.
    pub fn parse(r: &'a [u8]) -> Option<Response<'a>> {
        let n = r.len().checked_sub(2)?;
        Some(Response {
            data: &r[..n],
            sw1: r[n],
            sw2: r[n + 1],
        })
    }

    pub fn sw(&self) -> u16 {
        u16::from_be_bytes([self.sw1, self.sw2])
    }
}

/// Whether a C-APDU is one this program is allowed to send. Every transport checks this, so
/// that even a future bug cannot reach the 個人番号: only the exact commands of the spec's
/// sequence pass (SELECT of the application or of EF 0011/0015/0002, VERIFY of the current key,
/// READ BINARY by offset — never by short file identifier — and GET RESPONSE).
pub fn is_allowed(capdu: &[u8]) -> bool {
    let Some((&[cla, ins, p1, p2], rest)) = capdu.split_first_chunk::<4>() else {
        return false;
    };
    if cla != 0x00 {
        return false;
    }
    match (ins, p1, p2) {
        (0xA4, 0x04, 0x0C) => {
            rest.first() == Some(&10)
                && rest.get(1..11) == Some(&AID_INPUT_SUPPORT[..])
                && rest.len() == 11
        }
        (0xA4, 0x02, 0x0C) => {
            rest.len() == 3
                && rest[0] == 2
                && [Ef::PinKey, Ef::CodeBKey, Ef::Basic4]
                    .iter()
                    .any(|ef| rest[1..] == ef.fid())
        }
        (0x20, 0x00, 0x80) => {
            rest.is_empty() || (rest.len() == 1 + rest[0] as usize && matches!(rest[0], 4 | 14))
        }
        // Bit 8 of P1 set would address an EF by short identifier (EF 0001 is SFI 1): refused.
        (0xB0, p1, _) => p1 & 0x80 == 0 && rest.len() == 1,
        (0xC0, 0x00, 0x00) => rest.len() == 1,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_bytes() {
        assert_eq!(
            &Command::select_app().to_bytes()[..],
            &[
                0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04,
                0x08
            ]
        );
        assert_eq!(
            &Command::select_ef(Ef::PinKey).to_bytes()[..],
            &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x11]
        );
        assert_eq!(
            &Command::select_ef(Ef::Basic4).to_bytes()[..],
            &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x02]
        );
        assert_eq!(
            &Command::select_ef(Ef::CodeBKey).to_bytes()[..],
            &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x15]
        );
        assert_eq!(
            &Command::query_tries().to_bytes()[..],
            &[0x00, 0x20, 0x00, 0x80]
        );
        assert_eq!(
            &Command::verify(b"1234").to_bytes()[..],
            &[0x00, 0x20, 0x00, 0x80, 0x04, 0x31, 0x32, 0x33, 0x34]
        );
        assert_eq!(
            &Command::read_binary(0, 7).to_bytes()[..],
            &[0x00, 0xB0, 0x00, 0x00, 0x07]
        );
        assert_eq!(
            &Command::read_binary(0x0107, 256).to_bytes()[..],
            &[0x00, 0xB0, 0x01, 0x07, 0x00]
        );
        assert_eq!(
            &Command::get_response(0x10).to_bytes()[..],
            &[0x00, 0xC0, 0x00, 0x00, 0x10]
        );
    }

    #[test]
    fn command_debug_hides_data() {
        let s = format!("{:?}", Command::verify(b"9876"));
        assert!(!s.contains("9876") && !s.contains("39"), "{s}");
    }

    #[test]
    fn response_parse() {
        assert_eq!(Response::parse(&[]), None);
        assert_eq!(Response::parse(&[0x90]), None);
        let r = Response::parse(&[1, 2, 0x90, 0x00]).unwrap();
        assert_eq!((r.data, r.sw()), (&[1u8, 2][..], 0x9000));
    }

    #[test]
    fn allowlist() {
        for c in [
            Command::select_app(),
            Command::select_ef(Ef::PinKey),
            Command::select_ef(Ef::CodeBKey),
            Command::select_ef(Ef::Basic4),
            Command::query_tries(),
            Command::verify(b"1234"),
            Command::verify(b"12345678901234"),
            Command::read_binary(7, 255),
            Command::get_response(3),
        ] {
            assert!(is_allowed(&c.to_bytes()), "{c:?}");
        }
        // The 個人番号 and its key, by FID, by short file identifier, by path: all refused.
        for bad in [
            &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x01][..],
            &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x14],
            &[0x00, 0xA4, 0x00, 0x0C, 0x02, 0x00, 0x01],
            &[0x00, 0xA4, 0x08, 0x0C, 0x02, 0x00, 0x01],
            &[0x00, 0xB0, 0x81, 0x00, 0x00],
            &[0x00, 0x20, 0x00, 0x94],
            &[0x00, 0xA4, 0x04, 0x0C, 0x02, 0xD3, 0x92],
            &[0x80, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x02],
            &[0x00, 0xA4],
            &[],
        ] {
            assert!(!is_allowed(bad), "{bad:02X?}");
        }
    }
}
