//! Any text as a procedure condition: `madoguchi::rules::lang::fuzz_condition`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| madoguchi_fuzz_core::rules::lang::fuzz_condition(data));
