//! The response handling (status words, `61 xx`, `6C xx`, short reads) must never panic nor
//! loop without end, whatever a card answers; the virtual card must answer any C-APDU.
//! Input: answers as (length byte, bytes)…. Body: `madoguchi::card::fuzzing::response`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| madoguchi::card::fuzzing::response(data));
