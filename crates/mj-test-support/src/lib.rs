//! Test helpers shared by mj's crates (never published): loopback servers that answer as a
//! test tells them, the wire rules every transport keeps, a run of an example binary, and
//! one request of every endpoint. Servers bind 127.0.0.1 on port 0 and stop when dropped.
#![forbid(unsafe_code)]
#![allow(missing_docs, clippy::unwrap_used, clippy::new_without_default)]

pub mod every_request;
pub mod hostile;
pub mod noon;
pub mod postgres;
pub mod raw_server;
pub mod refused;
pub mod run_example;
pub mod shell;
pub mod wire_checks;
