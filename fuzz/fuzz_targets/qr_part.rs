//! Any text as one scanned part: parsing never panics, and a part that parses re-encodes to
//! the same digits (the codec is a bijection on valid parts).
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi::qr;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = qr::parse_part(text) {
        let again = qr::encode_part(p.index, p.total, p.set_id, &p.bytes);
        assert!(
            again[4..] == text.trim()[4..],
            "re-encoding changes the part"
        );
    }
});
