//! The body of the `intake_parse` fuzz target (`fuzz/core`), shared with the stable tests
//! (`tests/intake_fuzz.rs`): any bytes as an intake. Parsing never panics, errors name a path
//! and never quote more than a bounded excerpt, and an accepted intake survives its own
//! serialization (parse → to_json → parse gives the same intake).

use super::{parse_intake, Vocabulary};

pub fn intake(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match parse_intake(text, &Vocabulary::core()) {
        Ok(i) => {
            let again = parse_intake(&i.to_json(), &Vocabulary::core())
                .expect("a serialized intake parses again");
            assert_eq!(again, i, "the round trip changes the intake");
            // The checks of the counter's screens agree with the parser's.
            assert!(super::check_text(&i).is_ok());
        }
        Err(e) => {
            assert!(!e.path.is_empty(), "an error names its place");
            // A message quotes at most a short excerpt of a value (plus fixed text).
            assert!(
                e.message.chars().count() <= 400,
                "a long message: {} characters",
                e.message.chars().count()
            );
        }
    }
}
