//! Any bytes as an intake document: `madoguchi::intake::fuzzing::intake`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| madoguchi_fuzz_core::intake::fuzzing::intake(data));
