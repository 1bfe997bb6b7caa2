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
    /// The only server refused to work for this account (the key refused, the quota or
    /// balance spent, the server not set up: [`mj_proto::Error::needs_a_person`]): the
    /// batch stops at once, and no job is recorded as failed because of it. (A pool member that refuses them is taken out of
    /// the run instead: [`Summary::refused`](crate::Summary::refused).)
    #[error("the server refused to work for this account; nothing was recorded as failed: {0}")]
    Unauthorized(#[source] mj_proto::Error),
}
