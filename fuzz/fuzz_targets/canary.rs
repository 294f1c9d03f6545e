//! Tool canary for `.ci/fuzz.sh`: panics on inputs that start with `ryker`.
//!
//! Each byte is its own comparison, so libFuzzer can only get there by coverage feedback
//! (one new branch per byte), which proves instrumentation works; the panic proves that an
//! assertion failure in a target fails the fuzz run. The script requires this crash to be found.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() >= 5
        && data[0] == b'r'
        && data[1] == b'y'
        && data[2] == b'k'
        && data[3] == b'e'
        && data[4] == b'r'
    {
        panic!("fuzz canary reached: the fuzzer works");
    }
});
