#![no_main]
//! Fuzz target: see `kv::fuzzing::certificate_pem`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kv::fuzzing::certificate_pem(data));
