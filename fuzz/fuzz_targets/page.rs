#![no_main]
//! Fuzz target: see `kv::fuzzing::page`.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| kv::fuzzing::page(data));
