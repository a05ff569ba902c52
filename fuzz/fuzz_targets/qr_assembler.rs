//! Any sequence of texts (one per line) fed to the assembler: never panics, progress stays
//! within the set, and a completed set yields an intake that is valid again when re-parsed.
//! Lines that are raw bytes are also tried as a whole zlib stream, which reaches the inflate
//! limit, the JSON and the intake rules far sooner than random digits do.
#![no_main]

use libfuzzer_sys::fuzz_target;
use madoguchi::intake::{parse_intake, Vocabulary};
use madoguchi::qr::{self, Assembler, Feed};

fuzz_target!(|data: &[u8]| {
    let vocab = Vocabulary::core();
    let _ = qr::decode_stream(data, &vocab);
    let text = String::from_utf8_lossy(data);
    let mut a = Assembler::new(vocab.clone());
    for line in text.split('\n') {
        match a.feed(line) {
            Ok(Feed::Progress { read, total }) | Ok(Feed::Duplicate { read, total }) => {
                assert!(read >= 1 && read <= total);
            }
            Ok(Feed::Complete(intake)) => {
                assert!(parse_intake(&intake.to_json(), &vocab).is_ok());
            }
            Ok(Feed::OtherSet { .. }) => a.start_over(),
            Err(_) => {}
        }
        if let Some((read, total)) = a.progress() {
            assert!(read < total);
        }
    }
});
