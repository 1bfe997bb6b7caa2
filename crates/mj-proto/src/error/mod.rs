//! Every way a call can fail, in one enum; see [`Error::kind`] for the broad cause.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::config_error::ConfigError;
use crate::model::{ReturnCode, Task};
use crate::transport::TransportError;

mod answer;
mod build;
mod kind;
mod redact;
mod report;

pub(crate) use answer::excerpt;
pub use answer::{DecodeError, Rejection, ServerAnswer};
pub use build::BuildError;
pub use kind::ErrorKind;
pub(crate) use kind::speaks_of_quota;
pub use report::Report;

/// Any failure of a call to a Midjourney proxy server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The request input was refused before sending (the text says why; there is no
    /// deeper source).
    #[error("invalid request: {0}")]
    Build(BuildError),
    /// The exchange itself failed (connect, timeout, dropped connection, oversized body).
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// HTTP 401/403: wrong key or wrong auth style.
    #[error(
        "the server refused the credentials (HTTP {}: {}): check the API key and the auth style (bearer, mj-api-secret, raw or both)",
        .0.status.as_u16(), .0.summary()
    )]
    Unauthorized(Box<ServerAnswer>),
    /// The account's quota or balance is spent: HTTP 402, a 403 or 429 whose words speak
    /// of quota, balance or credit (`Insufficient quota`, `quota_exceeded`, `额度不足`,
    /// `余额不足`). Not retried: nothing changes until the account is topped up.
    #[error(
        "the account's quota or balance is spent (HTTP {}: {}): top up the account's balance at this server or gateway (the key is not the problem); retrying will not help",
        .0.status.as_u16(), .0.summary()
    )]
    Quota(Box<ServerAnswer>),
    /// The server is not set up to do this at all: HTTP 501, or a 5xx saying the platform
    /// is not configured (`任务平台未配置: midjourney`) or that its account failed to log in.
    /// Not retried: it lasts until the server's operator mends it.
    #[error(
        "the server is not set up to serve this (HTTP {}: {}): its operator must configure it (a Midjourney channel or account); retrying will not help",
        .0.status.as_u16(), .0.summary()
    )]
    NotConfigured(Box<ServerAnswer>),
    /// HTTP 429.
    #[error("rate limited (HTTP 429: {}){}", .0.summary(), retry_hint(.0.retry_after))]
    RateLimited(Box<ServerAnswer>),
    /// The server refused the request with a `{code, description}` answer.
    #[error("the server refused the request (code {}{}): {}{}", .0.code, code_name(.0.code), .0.description, route_hint(.0))]
    Rejected(Box<Rejection>),
    /// HTTP 5xx.
    #[error("server error (HTTP {}: {})", .0.status.as_u16(), .0.summary())]
    Server(Box<ServerAnswer>),
    /// An HTML page instead of JSON: almost always a wrong base URL.
    #[error(
        "the server answered with an HTML page (HTTP {}): check the base URL, it must end before /mj ({})",
        .0.status.as_u16(), .0.summary()
    )]
    Html(Box<ServerAnswer>),
    /// Any other status, or a 2xx that is an error body of another shape.
    #[error("unexpected answer (HTTP {}: {}){}", .0.status.as_u16(), .0.summary(), .0.hint())]
    Unexpected(Box<ServerAnswer>),
    /// A 2xx with an empty body where content was required.
    #[error("the server answered HTTP {} with an empty body where {expected} was expected", status.as_u16())]
    EmptyBody {
        /// The 2xx status the empty answer came with.
        status: StatusCode,
        /// What the endpoint expected.
        expected: &'static str,
    },
    /// A submit's answer was lost (timeout, dropped connection, 5xx) and looking the task
    /// up by its correlation token could not settle whether it exists: the server offers
    /// no lookup, or the lookups kept failing. Re-sending could create and bill a second
    /// task, so mj does not; the token names the task if it exists.
    /// What lost the answer is its [`source`](std::error::Error::source).
    #[error(
        "the submit's outcome is unknown: its answer was lost and {why}; \
         look for a task with state `{token}` before submitting again"
    )]
    OutcomeUnknown {
        /// The correlation token sent in `state`.
        token: String,
        /// Why the lookups could not tell.
        why: Box<LookupFailure>,
        /// What lost the answer.
        #[source]
        cause: Box<Error>,
    },
    /// The task ended in FAILURE or CANCEL.
    #[error("task {} ended in {}: {}", .0.id, .0.status, .0.fail_reason.as_deref().unwrap_or("no reason given"))]
    TaskFailed(Box<Task>),
    /// The task waits in MODAL for `/mj/submit/modal` (Custom Zoom, Vary (Region), remix).
    #[error("task {} needs input: confirm it with a modal request (a prompt, or a mask for Vary (Region))", .0.id)]
    NeedsInput(Box<Task>),
    /// The wait's deadline passed first. The last poll's error, when the deadline came
    /// during a failure streak, is the [`source`](std::error::Error::source).
    #[error(
        "gave up waiting after {} s: {}",
        waited.as_secs(),
        last.as_ref().map_or_else(|| "the task was never seen".to_owned(), |t| format!("task {} was {} at {}", t.id, t.status, t.progress.as_deref().unwrap_or("?")))
    )]
    WaitTimeout {
        /// The last state seen, if any.
        last: Option<Box<Task>>,
        /// How long the wait lasted.
        waited: Duration,
        /// The transient error of the last poll, when the deadline came during a failure
        /// streak.
        #[source]
        cause: Option<Box<Error>>,
    },
    /// The server answered a request about task `asked` with another task, `got`. A
    /// server is untrusted input: acting on the task it sent (pressing its button, waiting
    /// on it) could bill work on a task the caller never named, so the answer is refused.
    #[error("the server answered for task {asked} with task {got}: refusing to act on a task that was not asked for")]
    ForeignTask {
        /// The id asked for.
        asked: Box<str>,
        /// The id of the task the server sent.
        got: Box<str>,
    },
    /// The server does not know the task (after the grace period a new task gets).
    #[error("the server does not know task {id}")]
    TaskNotFound {
        /// The task id the server does not know.
        id: String,
    },
    /// A pacing rule of the server ([`Pacing`](crate::pacing::Pacing): its interval, a
    /// daily cap, its working hours or a rest after moderation strikes) holds the submit
    /// past the call's deadline, or for good. Nothing was sent.
    #[error("{0}")]
    Paced(Box<crate::pacing::Held>),
    /// A plan was polled after it returned [`Step::Done`](crate::plan::Step::Done), or
    /// without the answer to its last [`Step::Send`](crate::plan::Step::Send): a mistake
    /// in a hand-written driver loop. mj's clients never return it.
    #[error("the plan was driven out of order: polled after Done, or before the answer to its last Send")]
    PlanMisuse,
    /// The body did not decode.
    #[error(
        "could not decode the {} at `{}`: {}{} (body starts `{}`)",
        .0.what, .0.path, .0.message, if .0.truncated { "; the body was cut short" } else { "" }, excerpt(&.0.body)
    )]
    Decode(Box<DecodeError>),
    /// A webhook callback whose body is not a task (empty, not JSON, or without an id):
    /// the sender's mistake, not an answer from the server to a request of mj's.
    #[error("a callback that is not a task: {reason}")]
    BadCallback {
        /// What is wrong with the body.
        reason: String,
    },
}

impl From<BuildError> for Error {
    fn from(error: BuildError) -> Self {
        Self::Build(error)
    }
}

/// Why the lookups after a lost submit answer could not tell whether the task exists.
#[derive(Debug)]
#[non_exhaustive]
pub enum LookupFailure {
    /// The server offers no lookup by state (neither `/mj/task/query` nor
    /// `/mj/task/list`, as on new-api and one-hub), or [`Lookup::Never`](crate::plan::Lookup::Never) was chosen.
    Unavailable,
    /// The lookups failed until the lookup patience or the call's deadline ran out.
    Exhausted {
        /// Lookups made.
        attempts: u32,
        /// The last lookup's failure; `None` when every lookup answered "not yet" and the
        /// deadline came before "no such task" could be trusted.
        last: Option<Error>,
    },
}

impl fmt::Display for LookupFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable => f.write_str("this server offers no lookup by state"),
            Self::Exhausted { attempts, last: Some(e) } => {
                write!(f, "{attempts} lookup(s) by state could not tell, the last failing with: {e}")
            }
            Self::Exhausted { attempts, last: None } => {
                write!(f, "the deadline passed while {attempts} lookup(s) by state had not found it yet")
            }
        }
    }
}

fn retry_hint(after: Option<Duration>) -> String {
    after.map(|d| format!(", retry after {} s", d.as_secs())).unwrap_or_default()
}

/// An answer whose own code is 404 (an HTTP 200 `{"code": 404, "msg": "API 404 Not Found"}`
/// from a server that serves other things at that path) says the route is missing there.
/// A refusal whose words speak of quota (new-api's `quota_not_enough`) names the balance.
fn route_hint(rejection: &Rejection) -> &'static str {
    match rejection.code {
        ReturnCode::Other(404) => {
            ": the server at this base URL has no such /mj route; check that the base URL ends before /mj and that the server offers the endpoint"
        }
        _ if speaks_of_quota(&rejection.description) => {
            ": the account's quota or balance is spent; top it up at this server or gateway (retrying will not help)"
        }
        _ => "",
    }
}

fn code_name(code: ReturnCode) -> &'static str {
    match code {
        ReturnCode::NotFound => ", not found",
        ReturnCode::ValidationError => ", invalid request",
        ReturnCode::GatewayError => ", gateway error",
        ReturnCode::Failure => ", server failure",
        ReturnCode::QueueRejected => ", queue full",
        ReturnCode::BannedPrompt => ", banned prompt",
        ReturnCode::RateLimited => ", rate limited",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_is_short_and_escaped() {
        let long = "x".repeat(500);
        let e = excerpt(long.as_bytes());
        assert_eq!(e.chars().count(), 81);
        assert_eq!(excerpt(b"a\nb"), "a\\nb");
        assert_eq!(excerpt("猫".repeat(100).as_bytes()).chars().count(), 81);
        assert_eq!(excerpt(&[0xff, 0xfe]), "\u{fffd}\u{fffd}");
    }

    #[test]
    fn error_stays_small() {
        assert!(std::mem::size_of::<Error>() <= 48, "{}", std::mem::size_of::<Error>());
    }
}
