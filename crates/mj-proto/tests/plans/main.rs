//! The plans with explicit instants: no sleeping, no sockets; a ten-minute wait runs in
//! microseconds. One module per plan; `driver` is the fake clock and scripted server.

#[path = "../common/mod.rs"]
mod common;

mod driver;

mod facts;
mod pool;
mod pushed;
mod retry;
mod submit;
mod wait;
mod watch;
