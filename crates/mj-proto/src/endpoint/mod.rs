//! One pure build/parse pair per endpoint of the `/mj` API (spec §5).
//!
//! Build a request with [`Config::build`](crate::Config::build), send it with any
//! transport, and hand the answer to [`Config::parse`](crate::Config::parse):
//!
//! ```
//! use mj_proto::{Config, Endpoint, endpoint::Fetch, http};
//!
//! let config = Config::new("http://127.0.0.1:8080")?;
//! let fetch = Fetch::new("1747190313867714");
//! let request = config.build(&fetch)?;
//! assert_eq!(request.uri(), "http://127.0.0.1:8080/mj/task/1747190313867714/fetch");
//!
//! let answer = http::Response::builder()
//!     .status(200)
//!     .body(br#"{"id":"1747190313867714","status":"IN_PROGRESS","progress":"45%"}"#.to_vec())?;
//! let task = config.parse(&fetch, answer)?.expect("the task exists");
//! assert_eq!(task.progress_percent(), Some(45));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod action;
mod blend;
mod cancel;
mod change;
mod describe;
mod download;
mod edits;
mod fetch;
mod image_seed;
mod imagine;
mod list;
mod list_by_condition;
mod modal;
mod no_task;
mod query;
pub(crate) mod shapes;
mod shorten;
pub(crate) mod submit;
mod swap_face;
mod upload;
mod video;
mod video_swap;

pub use action::{Action, Press};
pub use blend::Blend;
pub use cancel::Cancel;
pub use change::{Change, ChangeAction, SimpleChange};
pub use describe::Describe;
#[cfg(feature = "grid")]
pub use download::GridError;
pub use download::{DEFAULT_MAX_MEDIA, Download, Media};
pub use edits::Edits;
pub use fetch::Fetch;
pub use image_seed::ImageSeed;
pub use imagine::Imagine;
pub use list::{ListTasks, Queue};
pub use list_by_condition::ListByCondition;
pub use modal::Modal;
pub use no_task::NoTask;
pub use query::Query;
pub use shorten::Shorten;
pub use submit::{Submit, SubmitOptions};
pub use swap_face::SwapFace;
pub use upload::UploadDiscordImages;
pub use video::Video;
pub use video_swap::{VideoSwap, VideoTarget};

use crate::config::Config;
use crate::error::{BuildError, Error};
use crate::wire::{HttpRequest, HttpResponse};

/// One endpoint: a typed request that builds its HTTP request and parses the answer.
///
/// Both halves are pure; requests are rebuilt for every attempt, never replayed.
pub trait Endpoint {
    /// What a successful call returns.
    type Output;

    /// A short stable name (`imagine`, `fetch`, …) for logs and statistics.
    fn name(&self) -> crate::EndpointName;

    /// True when sending the request twice has the effect of sending it once (fetch, list,
    /// query, seed, cancel). Submits are not: a repeated submit can create and bill a
    /// second task.
    fn is_idempotent(&self) -> bool;

    /// Validates the input and builds the request. Called through [`Config::build`], the
    /// one door, which first refuses what the server's profile would refuse.
    fn build(&self, config: &Config, door: Door) -> Result<HttpRequest, Error>;

    /// Interprets the server's answer, whatever its status. Called through
    /// [`Config::parse`], the one door, which scrubs the key and adds the route hint.
    fn parse(&self, response: HttpResponse, door: Door) -> Result<Self::Output, Error>;
}

/// Proof that an endpoint is called through [`Config::build`] or [`Config::parse`]: only
/// they can make one, so no caller skips the profile's refusals, the redaction of the key
/// or the hints. An endpoint of your own implements [`Endpoint`] as mj's do, and is
/// called through the same door.
pub struct Door(());

/// The one door to every endpoint.
impl Config {
    /// Builds the request for `endpoint` (validating its input first).
    pub fn build<E: Endpoint + ?Sized>(&self, endpoint: &E) -> Result<HttpRequest, Error> {
        if let Some(profile) = self.profile() {
            if !profile.offers(endpoint.name()) {
                return Err(BuildError::NotOffered { endpoint: endpoint.name(), server: profile.name() }.into());
            }
            if self.mode().is_some() && !profile.accepts_mode_prefix() {
                return Err(BuildError::ModePrefix { server: profile.name() }.into());
            }
        }
        endpoint.build(self, Door(()))
    }

    /// Parses the answer to `endpoint`, with the API key scrubbed from any error.
    pub fn parse<E: Endpoint + ?Sized>(&self, endpoint: &E, response: HttpResponse) -> Result<E::Output, Error> {
        endpoint.parse(response, Door(())).map_err(|e| self.redact(e).for_endpoint(endpoint.name()))
    }
}
