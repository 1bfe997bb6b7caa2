//! # mj-hooks: the callback receiver for mj's clients
//!
//! A server of the Midjourney proxy API posts every change of a task to the submit's
//! `notifyHook`. This crate receives those callbacks and feeds them to a client's
//! [`Hooks`], so its waits learn of a change the instant the server calls back instead of
//! at the next poll. It serves both clients (mj-ureq's blocking one and mj-reqwest's async
//! one): the [`Hooks`] wake either kind of wait.
//!
//! - [`HookReceiver`]: a small listener of its own (std threads, no runtime, no server
//!   stack), for programs without a web server, and `mj listen`.
//! - `router` (feature `axum`): the same route to mount in your axum app.
//!
//! Both take one callback the same way: only `POST` to the hook's secret path (or a
//! pool member's scope below it), a body of at most [`MAX_CALLBACK_BODY`] bytes in within
//! [`READ_TIMEOUT`], answered as [`Callback::status`](mj_proto::plan::Callback::status)
//! says (204 for a task, 400 for a body that is not one). The transport crates do not
//! depend on this one: a program that never takes callbacks builds no receiver.
//!
//! ```no_run
//! use mj_hooks::HookReceiver;
//!
//! // Listen on all interfaces; the server reaches this machine as me.example.com.
//! let receiver = HookReceiver::start("0.0.0.0:9000", Some("http://me.example.com:9000"))?;
//! // Give the hooks to a client (`Settings::default().hooks(receiver.hooks())`): its
//! // submits carry the hook, and its waits end the moment the server calls back.
//! let hooks = receiver.hooks();
//! println!("callbacks come to {hooks}"); // the base only: the secret path is never shown
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Cargo features
//!
#![doc = document_features::document_features!()]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::io;
use std::time::Duration;

mod exchange;
mod receiver;
#[cfg(feature = "axum")]
mod route;

pub use mj_client::Hooks;
pub use mj_proto::plan::{Callback, Hub};
pub use receiver::{HookReceiver, Tap};
#[cfg(feature = "axum")]
pub use route::router;

/// The largest callback body read (a task is a few kilobytes): a bigger one is answered
/// 413, unread when its length is declared.
pub const MAX_CALLBACK_BODY: usize = 1024 * 1024;
/// The longest a caller may take to send one whole callback: a client that trickles its
/// bytes is cut off then (408).
pub const READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a caller may take to send a request's head: a server calls back at once,
/// so a connection that sends nothing (an idle one, opened to hold a slot) is closed
/// after this and holds one of [`MAX_CONNECTIONS`] at most this long. (Mounted in your
/// app, the route leaves this to your server.)
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(2);
/// Connections [`HookReceiver`] serves at once; more are answered 503 and closed.
pub const MAX_CONNECTIONS: usize = 256;

/// 128 bits from the OS for a hook's secret path ([`Hub::new`]), which is all that keeps
/// strangers from posting to it.
///
/// ```
/// let hooks = mj_hooks::Hooks::new(mj_hooks::Hub::new("https://app.example.com", mj_hooks::secret()?)?);
/// assert!(hooks.path().starts_with("/mj-hook/"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn secret() -> io::Result<u128> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| io::Error::other(e.to_string()))?;
    Ok(u128::from_le_bytes(bytes))
}
