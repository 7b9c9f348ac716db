//! Fuzz bandmated's packet decoder and dispatcher: an input is a sequence of packets (each
//! after a 2-byte big-endian length) handed to a fresh daemon with the rule-based drum machine
//! and one subscriber, as if they came over UDP, with the clock moving between them. A panic or
//! a malformed packet sent back is a bug. See bandmate_osc::fuzz.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    bandmate_osc::fuzz::dispatch(data);
});
