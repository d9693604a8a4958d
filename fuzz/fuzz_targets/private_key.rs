#![no_main]
//! Fuzz target: see `kv::fuzzing::private_key`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kv::fuzzing::private_key(data));
