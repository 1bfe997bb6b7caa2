//! # mj-client: the drivers of the mj SDK
//!
//! The clients users call, over any transport: one method per endpoint, plus waiting,
//! watching, paging, pressing and downloading, over one server or a pool, with callback
//! hooks and streams. It holds no runtime and no HTTP client: mj-ureq and mj-reqwest give
//! it their transports (`mj_ureq::Client` is `mj_client::Client<UreqTransport>`), and the
//! protocol (requests, answers, plans) is mj-proto's. Its drivers are the only code that
//! reads the clock; they sleep through the transport, so a simulated transport runs
//! simulated time.
//!
//! [`Client`] (blocking) and [`AsyncClient`] have the same methods with the same types;
//! they differ only in their driver loop, the one place that reads the clock and sleeps
//! (through the transport, so a simulated transport runs simulated time).
//!
//! # Deadlines
//!
//! [`Settings::deadline`] bounds each call as a whole: retries, lookups, waiting, and
//! each exchange (a request carries the time left as a [`RequestTimeout`](mj_proto::RequestTimeout),
//! which the transports honour). `submit_and_wait` and `press_and_wait` count as one call.
//!
//! # Cancelling an async call
//!
//! Dropping a future of [`AsyncClient`] stops it at its current `.await`; nothing runs in
//! the background afterwards. What that leaves behind depends on where it stopped:
//!
//! - **Reads** (`fetch`, `tasks`, `list`, `queue`, `query`, `image_seed`, `wait`,
//!   `watch`, `pages`): nothing. A wait can be started again with the same id.
//! - **Submits** (`submit`, `resume_submit`, `press`): dropped while sleeping before the
//!   first send, nothing was sent. Dropped during a send or afterwards (a backoff or a
//!   lookup), the server may have created the task: its id is lost with the future, but
//!   its `state` holds the correlation token. Set your own unique
//!   [`state`](mj_proto::endpoint::SubmitOptions::state) to be able to find it with
//!   [`Query::with_state`](mj_proto::endpoint::Query::with_state) or the task list.
//! - **`submit_and_wait` / `press_and_wait`**: the same until the submit is answered;
//!   from then on `on_progress` has already been called once with the new task's id and
//!   token (status `SUBMITTED`, or `NOT_START` when queued), so a caller that cancels
//!   during the wait resumes with [`AsyncClient::wait`].
//! - **`cancel`**: the cancel may or may not have reached the server; calling it again
//!   is harmless.
//!
//! The blocking [`Client`] cannot be cancelled half-way; bound it with
//! [`Settings::deadline`].

//! # Cargo features
//!
#![doc = document_features::document_features!()]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod asynchronous;
mod blocking;
mod builder;
mod hook_bus;
mod hooks;
mod member_fed;
mod members;
mod paced;
mod pacer;
mod settings;
mod shared;
mod stream;
mod trace;

pub use asynchronous::{AsyncClient, AsyncPages};
pub use blocking::{Client, Pages};
pub use stream::{PageStream, TaskUpdates};

pub use builder::ClientBuilder;
pub use hook_bus::HookBus;
pub use hooks::Hooks;
pub use pacer::{PacingStore, Spending};
pub use settings::{NoticeObserver, Settings};
pub(crate) use shared::{first_sight, host_of, named};

pub use futures_core::Stream;
pub use mj_proto;

/// The names most programs need: mj-proto's prelude and the clients.
pub mod prelude {
    pub use mj_proto::prelude::*;

    pub use crate::{AsyncClient, Client, Hooks, Settings};
}
