#![no_main]
//! Fuzz target: see `kv::fuzzing::error_body`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kv::fuzzing::error_body(data));
