//! The bodies of the `cargo fuzz` targets (`fuzz/fuzz_targets/card_*.rs`), kept in the
//! library so that the stable test suite runs them too (over the committed corpus and
//! random inputs: `tests/card_fuzz.rs`). Each panics only when a property is broken.

use super::apdu::Response;
use super::{record, tlv, CardError, Secret, Transport, VirtualCard};

/// The EF 0002 record parser and the BER-TLV reader never panic; a record that parses
/// survives a rebuild unchanged.
pub fn record(data: &[u8]) {
    let _ = record::record_len_from_header(data);
    if let Ok(b) = record::parse_basic4(data) {
        let rebuilt = record::build_record(
            &b.name,
            &b.address,
            b.birth_date,
            record::sex_code(b.sex),
            record::Layout::default(),
        );
        assert!(
            record::parse_basic4(&rebuilt).is_ok_and(|c| c == b),
            "rebuilt record differs"
        );
    }
    for t in tlv::children(data, 0).flatten() {
        assert!(t.end() <= data.len());
    }
}

/// Plays `data` back as a card's answers: each answer is a length byte and that many bytes;
/// when they run out the card is "removed".
struct Replay<'a> {
    data: &'a [u8],
    sent: usize,
}

impl Transport for Replay<'_> {
    fn transmit(&mut self, _capdu: &[u8]) -> Result<Vec<u8>, CardError> {
        self.sent += 1;
        let (&n, rest) = self.data.split_first().ok_or(CardError::CardRemoved)?;
        let n = usize::from(n).min(rest.len());
        let (r, rest) = rest.split_at(n);
        self.data = rest;
        Ok(r.to_vec())
    }
}

/// The response handling (status words, `61 xx`, `6C xx`, short reads, the header length)
/// never panics nor loops without end, whatever the card answers; the virtual card answers
/// any C-APDU with at least a status word.
pub fn response(data: &[u8]) {
    let _ = Response::parse(data);
    let pin = Secret::pin("1234").expect("valid PIN");
    // Each command consumes at least one input byte, or ends the read: bounded.
    let mut t = Replay { data, sent: 0 };
    let _ = super::read_basic4(&mut t, &pin);
    assert!(t.sent <= data.len() + 1, "more commands than answers");
    let mut t = Replay { data, sent: 0 };
    let _ = super::query_tries(&mut t, true);

    let birth = chrono::NaiveDate::from_ymd_opt(1980, 1, 1).expect("date");
    let mut v = VirtualCard::new("山田\u{3000}太郎", "東京都", birth, None);
    for apdu in data.split(|&b| b == 0xA5) {
        assert!(v.process(apdu).len() >= 2);
    }
}
