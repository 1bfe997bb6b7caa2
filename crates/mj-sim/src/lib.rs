//! # mj-sim: a faithful local Midjourney proxy
//!
//! Nobody can run a real Midjourney proxy on a build machine (it needs Discord accounts),
//! so mj ships its own. It behaves like the real servers, quirks included, serves real
//! PNGs, and misbehaves on purpose when asked. It comes in three layers:
//!
//! - [`Simulator`]: sans-IO. A request and the time in, an answer out. It owns the task
//!   store and lifecycle, so tests can play ten minutes of task time in microseconds.
//! - [`SimTransport`]: the simulator as an in-process [`mj_proto::Transport`] and
//!   [`mj_proto::AsyncTransport`], optionally on a manual [`Clock`].
//! - [`Server`]: the simulator on 127.0.0.1, used by the `mj-sim` binary, the CLI and
//!   the end-to-end tests.
//!
//! [`Flavor`] picks whose wire quirks to imitate; [`FaultPlan`] picks what goes wrong.
//! Prompt markers steer a task: `--sim-fail` ends it in FAILURE, `--sim-stall` keeps it
//! IN_PROGRESS forever.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod buttons;
mod clock;
mod config;
mod cors;
mod faults;
mod flavor;
mod image;
mod lifecycle;
mod reply;
mod rng;
mod server;
mod simulator;
mod stats;
mod task;
mod transport;
mod upload;

pub use clock::Clock;
pub use config::SimConfig;
pub use faults::{FaultKind, FaultPlan};
pub use flavor::{Flavor, Route};
/// The core the simulator speaks (for [`SimTransport`] with a client).
pub use mj_proto;
/// The `http` crate the simulator's requests and answers are made of.
pub use mj_proto::http;
pub use server::Server;
pub use simulator::{Notification, Simulator};
pub use stats::{Created, Stats};
pub use transport::SimTransport;
