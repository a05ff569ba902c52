//! The EF 0002 record parser and the BER-TLV reader must never panic, whatever the card
//! sends. The body lives in the library (`madoguchi::card::fuzzing`) so stable tests run it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| madoguchi::card::fuzzing::record(data));
