//! Fuzzes `mj_proto::fuzzing::backends`: serde_json and sonic-rs, under the same lenient
//! decoders, must accept and refuse the same inputs and give the same values.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| mj_proto::fuzzing::backends(data));
