//! What can be wrong with a configuration before anything is sent: the lowest error, so
//! that the key and the wire types below the error layer can report it.

/// A setup mistake found before anything was sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The base URL cannot be used.
    #[error("invalid base URL: {reason}")]
    InvalidBaseUrl {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The API key is empty.
    #[error("the API key is empty: set MJ_API_KEY or leave the key out for servers without auth")]
    EmptyApiKey,
    /// The API key holds characters a header cannot carry.
    #[error("the API key holds spaces or non-ASCII characters; check that it was copied whole")]
    InvalidApiKey,
    /// The user agent holds characters a header cannot carry.
    #[error("the user agent holds characters a header cannot carry")]
    InvalidUserAgent,
    /// An environment variable read by [`Config::from_env`](crate::Config::from_env) holds
    /// something unusable.
    #[error("{name}: {reason}")]
    InvalidVar {
        /// The variable (`MJ_BASE_URL`, …).
        name: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An extra header cannot be sent.
    #[error("the extra header cannot be sent: {reason}")]
    InvalidHeader {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A pool member's name cannot be used in handles (`name:id`).
    #[error("`{name}` cannot name a server: use 1 to 32 letters, digits, `-` or `_`")]
    InvalidServerName {
        /// The name, shortened.
        name: String,
    },
    /// Two pool members share a name.
    #[error("two servers are named `{name}`: each needs its own name")]
    DuplicateServerName {
        /// The name.
        name: String,
    },
    /// A pool without members.
    #[error("a pool needs at least one server")]
    EmptyPool,
    /// No member of the pool has this name.
    #[error("no server of the pool is named `{name}`")]
    UnknownServer {
        /// The name, shortened.
        name: String,
    },
    /// A call that only one server can answer, made on a client of several: make it on
    /// that server's own client (`client.member(name)`).
    #[error("{call} goes to the server the task or submit is on: call it on that server (client.member(name))")]
    OneServerOnly {
        /// The call.
        call: &'static str,
    },
    /// The store of the servers' pacing tallies could not be read or written, so no submit
    /// goes to a server whose rules it cannot check.
    #[error("server {server}: the pacing state cannot be read or written ({reason}), so nothing was submitted")]
    PacingStore {
        /// The server.
        server: Box<str>,
        /// What failed.
        reason: Box<str>,
    },
    /// A bare task id that several servers of the pool know: it must be named `name:id`.
    #[error("task {id} is on several servers: name one ({})", servers.iter().map(|s| format!("{s}:{id}")).collect::<Vec<_>>().join(", "))]
    AmbiguousTask {
        /// The id, shortened.
        id: Box<str>,
        /// The servers that know it.
        servers: Box<[String]>,
    },
}
