#![no_main]
//! Fuzz target: see `kv::fuzzing::jwk`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kv::fuzzing::jwk(data));
