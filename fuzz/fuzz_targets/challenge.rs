#![no_main]
//! Fuzz target: see `kv::fuzzing::challenge`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kv::fuzzing::challenge(data));
