//! Fuzzes `mj_proto::fuzzing::page`: no input may panic, and decoded values must survive
//! mj's own rendering.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mj_proto::fuzzing::page(data));
