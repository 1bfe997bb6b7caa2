//! # mj-proto: the sans-IO core of the Midjourney proxy API
//!
//! `mj-proto` speaks the `/mj/...` protocol of the midjourney-proxy servers (novicezk,
//! PLUS, trueai) and the gateways that resell them (new-api, one-hub, hosted resellers),
//! without doing any I/O itself:
//!
//! - [`endpoint`]: one typed request per endpoint. [`Config::build`] turns it into an
//!   [`HttpRequest`]; [`Config::parse`] turns the server's [`HttpResponse`] into a typed
//!   value or a typed [`Error`], whatever the status and body shape.
//! - [`model`]: [`Task`], [`Button`], [`Submitted`], [`Page`]: decoded leniently, since
//!   servers disagree on JSON types (ints or strings, null or `""` or `0` or missing).
//! - [`Transport`] / [`AsyncTransport`]: the seam a transport crate (mj-ureq, mj-reqwest,
//!   or your own) implements.
//! - [`webhook`]: notifyHook callback bodies.
//!
//! ```
//! use mj_proto::http;
//! use mj_proto::prelude::*;
//!
//! let config = Config::new("http://127.0.0.1:8080")?.with_api_key("sk-secret")?;
//! let request = config.build(&Imagine::new("a red fox in the snow"))?;
//! assert_eq!(request.method(), "POST");
//!
//! // ...send it with any HTTP client, then:
//! let answer = http::Response::new(br#"{"code":22,"description":"queued","result":1320098173412546,
//!     "properties":{"numberOfQueues":2}}"#.to_vec());
//! let submitted = config.parse(&Imagine::new("a red fox in the snow"), answer)?;
//! assert_eq!(submitted.task_id, "1320098173412546");
//! assert_eq!(submitted.outcome, SubmitOutcome::Queued { ahead: Some(2) });
//! # Ok::<(), mj_proto::Error>(())
//! ```
//!
//! # Cargo features
//!
#![doc = document_features::document_features!()]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod address;
mod auth;
mod config;
mod config_error;
pub mod data_url;
pub mod endpoint;
mod endpoint_name;
mod error;
pub mod file_name;
#[cfg(any(fuzzing, test))]
#[doc(hidden)]
pub mod fuzzing;
mod json;
pub mod model;
mod multipart;
pub mod pacing;
pub mod plan;
mod profile;
mod response;
mod secret;
mod transport;
mod validate;
pub mod webhook;
mod wire;

/// `Result` with mj's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
pub use address::AddressCheck;
pub use auth::AuthStyle;
pub use config::{Config, DEFAULT_USER_AGENT};
pub use config_error::ConfigError;
pub use endpoint::Endpoint;
pub use endpoint_name::EndpointName;
pub use error::{BuildError, DecodeError, Error, ErrorKind, LookupFailure, Rejection, Report, ServerAnswer};
/// The `http` crate mj speaks, re-exported so transports and users match its version.
pub use http;
pub use model::{
    Button, ButtonKind, Page, Properties, ReturnCode, SpeedMode, SubmitOutcome, Submitted, Task, TaskAction, TaskStatus,
};
pub use profile::ServerProfile;
pub use response::{task_views, tasks_from_slice};
pub use secret::{ApiKey, scrub_text};
pub use transport::{
    AsyncTransport, DEFAULT_MAX_BODY, FromOptions, Transport, TransportBuilder, TransportError, TransportErrorKind,
    TransportOptions,
};
pub use wire::{HttpRequest, HttpResponse, MJ_API_SECRET, RequestTimeout};

/// The names most programs need: `use mj_proto::prelude::*;`.
pub mod prelude {
    pub use crate::endpoint::{
        Action, Blend, Cancel, Change, Describe, Edits, Fetch, ImageSeed, Imagine, ListByCondition, ListTasks, Modal,
        Query, Queue, Shorten, SimpleChange, Submit, SwapFace, UploadDiscordImages, Video, VideoSwap, VideoTarget,
    };
    pub use crate::model::{
        AccountFilter, BlendDimensions, BotType, Button, ButtonKind, Page, SpeedMode, SubmitOutcome, Submitted, Task,
        TaskAction, TaskStatus,
    };
    pub use crate::plan::{Lookup, Notice, RetryPolicy, SubmitPolicy, WaitOptions, WatchOptions};
    pub use crate::{AuthStyle, Config, Endpoint, Error, ErrorKind, Report, ServerProfile};
}
