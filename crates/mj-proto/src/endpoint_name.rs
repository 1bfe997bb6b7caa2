//! The names of the endpoints: what a server profile offers, what a server was found to
//! lack, what a notice or an error is about. A type, not a string, so that a misspelt
//! name does not compile.

use std::fmt;

/// The name of an endpoint (`imagine`, `list-by-condition`, …): what
/// [`Endpoint::name`](crate::Endpoint::name) returns, what a server profile offers
/// ([`Config::offers`](crate::Config::offers)), what a server was found to lack, what a
/// notice or an error names.
///
/// mj's endpoints have constants here; an endpoint of your own names itself with
/// [`EndpointName::new`].
///
/// ```
/// use mj_proto::{Config, EndpointName, ServerProfile};
///
/// let novicezk = Config::new("http://127.0.0.1:8080")?.with_profile(ServerProfile::Novicezk);
/// assert!(!novicezk.offers(EndpointName::ACTION));
/// assert_eq!(EndpointName::LIST_BY_CONDITION.to_string(), "list-by-condition");
/// # Ok::<(), mj_proto::ConfigError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EndpointName(&'static str);

impl EndpointName {
    /// `POST /submit/imagine`.
    pub const IMAGINE: Self = Self("imagine");
    /// `POST /submit/change` (novicezk's buttons).
    pub const CHANGE: Self = Self("change");
    /// `POST /submit/simple-change`.
    pub const SIMPLE_CHANGE: Self = Self("simple-change");
    /// `POST /submit/describe`.
    pub const DESCRIBE: Self = Self("describe");
    /// `POST /submit/blend`.
    pub const BLEND: Self = Self("blend");
    /// `POST /submit/shorten`.
    pub const SHORTEN: Self = Self("shorten");
    /// `POST /submit/action` (a button).
    pub const ACTION: Self = Self("action");
    /// `POST /submit/modal` (the input a button asked for).
    pub const MODAL: Self = Self("modal");
    /// `POST /insight-face/swap`.
    pub const SWAP_FACE: Self = Self("swap-face");
    /// `POST /submit/video`.
    pub const VIDEO: Self = Self("video");
    /// The video face swap.
    pub const VIDEO_SWAP: Self = Self("video-swap");
    /// `POST /submit/edits` (trueai's and the gateways' image edits).
    pub const EDITS: Self = Self("edits");
    /// `POST /submit/retexture` (trueai).
    pub const RETEXTURE: Self = Self("retexture");
    /// `POST /submit/upload-discord-images`.
    pub const UPLOAD_DISCORD_IMAGES: Self = Self("upload-discord-images");
    /// `GET /task/{id}/fetch`.
    pub const FETCH: Self = Self("fetch");
    /// `POST /task/list-by-condition` (many tasks by id).
    pub const LIST_BY_CONDITION: Self = Self("list-by-condition");
    /// `GET /task/list`.
    pub const LIST: Self = Self("list");
    /// `GET /task/queue`.
    pub const QUEUE: Self = Self("queue");
    /// `POST /task/{id}/cancel`.
    pub const CANCEL: Self = Self("cancel");
    /// `GET /task/{id}/image-seed`.
    pub const IMAGE_SEED: Self = Self("image-seed");
    /// The paged task query (`POST /task/query`, trueai's and the resellers').
    pub const QUERY: Self = Self("query");
    /// A result file's download (from the server or its CDN).
    pub const DOWNLOAD: Self = Self("download");

    /// Every endpoint mj has.
    pub const ALL: [Self; 22] = [
        Self::IMAGINE,
        Self::CHANGE,
        Self::SIMPLE_CHANGE,
        Self::DESCRIBE,
        Self::BLEND,
        Self::SHORTEN,
        Self::ACTION,
        Self::MODAL,
        Self::SWAP_FACE,
        Self::VIDEO,
        Self::VIDEO_SWAP,
        Self::EDITS,
        Self::RETEXTURE,
        Self::UPLOAD_DISCORD_IMAGES,
        Self::FETCH,
        Self::LIST_BY_CONDITION,
        Self::LIST,
        Self::QUEUE,
        Self::CANCEL,
        Self::IMAGE_SEED,
        Self::QUERY,
        Self::DOWNLOAD,
    ];

    /// The name of an endpoint of your own (lowercase words joined by `-`, as mj's).
    pub const fn new(name: &'static str) -> Self {
        Self(name)
    }

    /// The name as text.
    pub const fn as_str(self) -> &'static str {
        self.0
    }
}

impl fmt::Display for EndpointName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Debug for EndpointName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

impl serde::Serialize for EndpointName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}
