//! Why a batch stops.

use crate::journal::JournalError;
use crate::prompts::PromptError;

/// What ends a batch run early. Tasks already sent stay in the journal; running the same
/// batch again picks them up.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// The prompt file cannot be used.
    #[error(transparent)]
    Prompts(#[from] PromptError),
    /// The journal cannot be used (or belongs to another prompt file).
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The output folder cannot take files.
    #[error("cannot write to {path}: {source}")]
    Output {
        /// The folder or file that could not be written.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The server refused the credentials: the batch stops at once, and no job is
    /// recorded as failed because of it.
    #[error("the server refused the API key; nothing was recorded as failed: {0}")]
    Unauthorized(#[source] mj_proto::Error),
    /// A job of the journal was sent to a server this run does not have: it can only be
    /// followed, or its lost answer resumed, where it was sent.
    #[error(
        "the job on line {line} was sent to {}, which this run does not have: run the batch with the servers it started with",
        server.as_deref().map_or_else(|| "a single server (not a pool member)".to_owned(), |s| format!("server `{s}`"))
    )]
    UnknownServer {
        /// The prompt's line.
        line: usize,
        /// The member the journal names (`None`: a run on one server).
        server: Option<String>,
    },
}
