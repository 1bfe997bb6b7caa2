//! Every way a call can fail, in one enum; see [`Error::kind`] for the broad cause.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::config_error::ConfigError;
use crate::model::{Properties, ReturnCode, SubmitValue, Task};
use crate::secret::{scrub_bytes, scrub_text};
use crate::transport::{TransportError, TransportErrorKind};

/// Input that a request builder refused, so nothing was sent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A required text field is empty.
    #[error("`{field}` must not be empty")]
    Empty {
        /// The JSON field.
        field: &'static str,
    },
    /// A list has too few or too many items.
    #[error("`{field}` needs {min} to {max} items, got {got}")]
    Count {
        /// The JSON field.
        field: &'static str,
        /// Fewest allowed.
        min: usize,
        /// Most allowed.
        max: usize,
        /// How many there were.
        got: usize,
    },
    /// A number is out of range.
    #[error("`{field}` must be {min} to {max}, got {got}")]
    Range {
        /// The JSON field.
        field: &'static str,
        /// Smallest allowed.
        min: i64,
        /// Largest allowed.
        max: i64,
        /// The value.
        got: i64,
    },
    /// A text field is too long for the servers.
    #[error("`{field}` is {len} UTF-16 units long; servers take at most {max} (an emoji counts as 2)")]
    TooLong {
        /// The JSON field.
        field: &'static str,
        /// Its length in UTF-16 code units, as trueai counts (C# `string.Length`).
        len: usize,
        /// The limit.
        max: usize,
    },
    /// An image is neither a `data:<type>;base64,<data>` URL nor an http(s) URL.
    #[error("`{field}` item {index} is not a valid image: {reason}")]
    Image {
        /// The JSON field.
        field: &'static str,
        /// Which item (0 for single-image fields).
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A URL field does not hold an http(s) URL.
    #[error("`{field}` must be an http:// or https:// URL")]
    Url {
        /// The JSON field.
        field: &'static str,
    },
    /// The task has no button of the kind asked for.
    #[error("the task has no {wanted} button (it has: {available})")]
    NoSuchButton {
        /// The kind asked for.
        wanted: String,
        /// The buttons the task has.
        available: String,
    },
    /// The declared server profile lacks this endpoint.
    #[error("{server} servers do not offer `{endpoint}`")]
    NotOffered {
        /// The endpoint.
        endpoint: &'static str,
        /// The profile's name.
        server: &'static str,
    },
    /// The declared server profile serves no speed-mode path prefixes.
    #[error("{server} servers serve only under /mj: drop the speed mode (set it in accountFilter or the prompt)")]
    ModePrefix {
        /// The profile's name.
        server: &'static str,
    },
    /// The declared server profile refuses presses of this kind of button.
    #[error("{server} servers refuse {wanted} buttons")]
    ButtonRefused {
        /// The kind asked for.
        wanted: String,
        /// The profile's name.
        server: &'static str,
    },
    /// The declared server would silently ignore this option on this endpoint: refused
    /// rather than sent, so that a caller does not believe it took effect.
    #[error("{server} servers ignore `{field}` on this endpoint: leave it out")]
    Ignored {
        /// The option's JSON field.
        field: &'static str,
        /// The profile's name (`all` when no server reads it).
        server: &'static str,
    },
    /// The request could not be assembled (a path that is not a valid URI).
    #[error("could not assemble the request: {0}")]
    Http(String),
}

/// The server's answer, kept for diagnosis when it was not what the endpoint expects.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// The HTTP status.
    pub status: StatusCode,
    /// The message from a recognised error body.
    pub message: Option<String>,
    /// The server's `Retry-After`, in seconds.
    pub retry_after: Option<Duration>,
    /// The body as received (with the API key scrubbed).
    pub body: Vec<u8>,
    /// The endpoint that was asked (`list-by-condition`, …), when known.
    pub endpoint: Option<&'static str>,
}

impl Answer {
    pub(crate) fn new(status: StatusCode, message: Option<String>, body: &[u8]) -> Self {
        Self { status, message, retry_after: None, body: body.to_vec(), endpoint: None }
    }

    /// What a 404 or 405 means: this server lacks the endpoint, or, when every endpoint
    /// answers so, the base URL is wrong.
    fn hint(&self) -> String {
        match (self.status.as_u16(), self.endpoint) {
            (404 | 405, Some(endpoint)) => format!(
                ": this server does not offer `{endpoint}` (if every call answers {}, check the base URL: it must end before /mj)",
                self.status.as_u16()
            ),
            (404 | 405, None) => {
                ": check the base URL (it must end before /mj) and that this server offers the endpoint".to_owned()
            }
            _ => String::new(),
        }
    }

    /// The message, else a short excerpt of the body.
    fn summary(&self) -> String {
        match &self.message {
            Some(m) => excerpt(m.as_bytes()),
            None if self.body.is_empty() => "empty body".to_owned(),
            None => format!("body starts `{}`", excerpt(&self.body)),
        }
    }

    fn redact(&mut self, secret: &str) {
        if let Some(m) = &mut self.message {
            scrub_text(m, secret);
        }
        scrub_bytes(&mut self.body, secret);
    }
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field("message", &self.message)
            .field("retry_after", &self.retry_after)
            .field("endpoint", &self.endpoint)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

/// A refusal in the servers' own `{code, description}` terms.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Rejection {
    /// The HTTP status it came with (200 on most servers, 400/404 on gateways and trueai).
    pub status: StatusCode,
    /// The code.
    pub code: ReturnCode,
    /// The server's text (trimmed).
    pub description: String,
    /// The gateway's error `type`, when present.
    pub kind: Option<String>,
    /// `properties` (`bannedWord`, `promptEn`, …).
    pub properties: Properties,
    /// `result`, when present.
    pub result: Option<SubmitValue>,
}

/// A body that did not decode as the expected type.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeError {
    /// What was being decoded (`task`, `submit result`, …).
    pub what: &'static str,
    /// The JSON path of the failure (`buttons[2].type`, `.` for the root).
    pub path: String,
    /// serde's message.
    pub message: String,
    /// True when the body ended early (a truncated answer).
    pub truncated: bool,
    /// The HTTP status.
    pub status: StatusCode,
    /// The body as received (with the API key scrubbed).
    pub body: Vec<u8>,
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("what", &self.what)
            .field("path", &self.path)
            .field("message", &self.message)
            .field("truncated", &self.truncated)
            .field("status", &self.status)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

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
    Unauthorized(Box<Answer>),
    /// HTTP 429.
    #[error("rate limited (HTTP 429: {}){}", .0.summary(), retry_hint(.0.retry_after))]
    RateLimited(Box<Answer>),
    /// The server refused the request with a `{code, description}` answer.
    #[error("the server refused the request (code {}{}): {}{}", .0.code, code_name(.0.code), .0.description, route_hint(.0.code))]
    Rejected(Box<Rejection>),
    /// HTTP 5xx.
    #[error("server error (HTTP {}: {})", .0.status.as_u16(), .0.summary())]
    Server(Box<Answer>),
    /// An HTML page instead of JSON: almost always a wrong base URL.
    #[error(
        "the server answered with an HTML page (HTTP {}): check the base URL, it must end before /mj ({})",
        .0.status.as_u16(), .0.summary()
    )]
    Html(Box<Answer>),
    /// Any other status, or a 2xx that is an error body of another shape.
    #[error("unexpected answer (HTTP {}: {}){}", .0.status.as_u16(), .0.summary(), .0.hint())]
    Unexpected(Box<Answer>),
    /// A 2xx with an empty body where content was required.
    #[error("the server answered HTTP {} with an empty body where {expected} was expected", status.as_u16())]
    EmptyBody {
        /// The status.
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
        /// The id.
        id: String,
    },
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

/// The broad cause of an [`Error`], for retry decisions and exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Bad configuration.
    Config,
    /// Bad request input.
    Build,
    /// Could not connect.
    Connect,
    /// No answer in time.
    Timeout,
    /// The connection dropped or the body was cut short: the request may have been handled.
    Interrupted,
    /// The body exceeded the size cap.
    BodyTooLarge,
    /// Another transport failure.
    Transport,
    /// Wrong key or auth style.
    Unauthorized,
    /// Rate limited.
    RateLimited,
    /// Refused with a return code.
    Rejected,
    /// A 5xx.
    Server,
    /// An HTML page: wrong base URL.
    WrongBaseUrl,
    /// Another status or error body.
    Unexpected,
    /// A body that did not decode, or was missing.
    Decode,
    /// A submit whose answer was lost, with no way to look it up.
    OutcomeUnknown,
    /// The task failed or was cancelled.
    TaskFailed,
    /// The task waits for modal input.
    NeedsInput,
    /// A wait's deadline passed.
    WaitTimeout,
    /// The server does not know the task.
    TaskNotFound,
    /// A plan was misused.
    Usage,
}

impl Error {
    /// The broad cause.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Config(_) => ErrorKind::Config,
            Self::Build(_) => ErrorKind::Build,
            Self::Transport(t) => match t.kind() {
                TransportErrorKind::Connect => ErrorKind::Connect,
                TransportErrorKind::Timeout => ErrorKind::Timeout,
                TransportErrorKind::Interrupted => ErrorKind::Interrupted,
                TransportErrorKind::BodyTooLarge => ErrorKind::BodyTooLarge,
                _ => ErrorKind::Transport,
            },
            Self::Unauthorized(_) => ErrorKind::Unauthorized,
            Self::RateLimited(_) => ErrorKind::RateLimited,
            Self::Rejected(_) => ErrorKind::Rejected,
            Self::Server(_) => ErrorKind::Server,
            Self::Html(_) => ErrorKind::WrongBaseUrl,
            Self::Unexpected(_) | Self::ForeignTask { .. } => ErrorKind::Unexpected,
            Self::Decode(d) if d.truncated => ErrorKind::Interrupted,
            Self::EmptyBody { .. } | Self::Decode(_) => ErrorKind::Decode,
            Self::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            Self::TaskFailed(_) => ErrorKind::TaskFailed,
            Self::NeedsInput(_) => ErrorKind::NeedsInput,
            Self::WaitTimeout { .. } => ErrorKind::WaitTimeout,
            Self::TaskNotFound { .. } => ErrorKind::TaskNotFound,
            Self::PlanMisuse => ErrorKind::Usage,
        }
    }

    /// True when the same request may succeed later: connect failures, timeouts, dropped
    /// connections, rate limits, 5xx and transient return codes (full queue, gateway
    /// errors). Whether a retry is *safe* also depends on the endpoint's idempotency.
    pub fn is_retryable(&self) -> bool {
        match self.kind() {
            ErrorKind::Connect
            | ErrorKind::Timeout
            | ErrorKind::Interrupted
            | ErrorKind::RateLimited
            | ErrorKind::Server => true,
            ErrorKind::Rejected => matches!(self, Self::Rejected(r) if r.code.is_transient()
                && (r.code != ReturnCode::Failure || ReturnCode::failure_may_pass(&r.description))),
            _ => false,
        }
    }

    /// True when the request may have reached the server and been handled although no
    /// usable answer came back (timeouts, dropped connections, truncated bodies, 5xx).
    /// A submit in this state must be looked up, not blindly re-sent.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self.kind(), ErrorKind::Timeout | ErrorKind::Interrupted | ErrorKind::Server)
    }

    /// The HTTP status, when an answer arrived.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Unauthorized(a) | Self::RateLimited(a) | Self::Server(a) | Self::Html(a) | Self::Unexpected(a) => {
                Some(a.status)
            }
            Self::Rejected(r) => Some(r.status),
            Self::EmptyBody { status, .. } => Some(*status),
            Self::Decode(d) => Some(d.status),
            Self::OutcomeUnknown { cause, .. } => cause.status(),
            Self::Config(_)
            | Self::Build(_)
            | Self::Transport(_)
            | Self::TaskFailed(_)
            | Self::NeedsInput(_)
            | Self::WaitTimeout { .. }
            | Self::TaskNotFound { .. }
            | Self::ForeignTask { .. }
            | Self::PlanMisuse => None,
        }
    }

    /// The delay the server asked for (`Retry-After`), when it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited(a) | Self::Server(a) | Self::Unexpected(a) => a.retry_after,
            _ => None,
        }
    }

    /// The return code, for [`Error::Rejected`].
    pub fn code(&self) -> Option<ReturnCode> {
        match self {
            Self::Rejected(r) => Some(r.code),
            _ => None,
        }
    }

    /// The same error, naming `endpoint` as the one asked (for the 404 hint).
    pub(crate) fn for_endpoint(mut self, endpoint: &'static str) -> Self {
        if let Self::Unexpected(a) | Self::Html(a) = &mut self {
            a.endpoint = Some(endpoint);
        }
        self
    }

    /// The same error with every occurrence of `secret` replaced by `[redacted]`: in
    /// messages, bodies, properties, and every field of the tasks that task errors carry.
    pub fn redacted(mut self, secret: &str) -> Self {
        if secret.is_empty() {
            return self;
        }
        match &mut self {
            Self::Unauthorized(a) | Self::RateLimited(a) | Self::Server(a) | Self::Html(a) | Self::Unexpected(a) => {
                a.redact(secret)
            }
            Self::Rejected(r) => {
                scrub_text(&mut r.description, secret);
                r.properties.scrub(secret);
                match &mut r.result {
                    Some(SubmitValue::Id(id)) => scrub_text(id, secret),
                    Some(SubmitValue::Urls(urls)) => urls.iter_mut().for_each(|u| scrub_text(u, secret)),
                    None => {}
                }
                if let Some(kind) = &mut r.kind {
                    scrub_text(kind, secret);
                }
            }
            Self::Decode(d) => {
                // The path names members, and a member's name can hold the key too.
                scrub_text(&mut d.path, secret);
                scrub_text(&mut d.message, secret);
                scrub_bytes(&mut d.body, secret);
            }
            Self::Transport(t) => t.redact(secret),
            Self::TaskFailed(task) | Self::NeedsInput(task) => task.scrub(secret),
            Self::WaitTimeout { last, cause, .. } => {
                if let Some(task) = last {
                    task.scrub(secret);
                }
                if let Some(cause) = cause {
                    redact_in_place(cause, secret);
                }
            }
            Self::OutcomeUnknown { token, why, cause } => {
                scrub_text(token, secret);
                redact_in_place(cause, secret);
                if let LookupFailure::Exhausted { last: Some(last), .. } = why.as_mut() {
                    redact_in_place(last, secret);
                }
            }
            Self::TaskNotFound { id } => scrub_text(id, secret),
            Self::ForeignTask { asked, got } => {
                for id in [asked, got] {
                    let mut text = id.to_string();
                    scrub_text(&mut text, secret);
                    *id = text.into_boxed_str();
                }
            }
            Self::Build(BuildError::NoSuchButton { wanted, available }) => {
                scrub_text(wanted, secret);
                scrub_text(available, secret);
            }
            Self::Config(_) | Self::Build(_) | Self::EmptyBody { .. } | Self::PlanMisuse => {}
        }
        self
    }
}

/// Redacts a boxed error where it stands.
fn redact_in_place(error: &mut Error, secret: &str) {
    let taken = std::mem::replace(error, Error::PlanMisuse);
    *error = taken.redacted(secret);
}

fn retry_hint(after: Option<Duration>) -> String {
    after.map(|d| format!(", retry after {} s", d.as_secs())).unwrap_or_default()
}

/// An answer whose own code is 404 (an HTTP 200 `{"code": 404, "msg": "API 404 Not Found"}`
/// from a server that serves other things at that path) says the route is missing there.
fn route_hint(code: ReturnCode) -> &'static str {
    match code {
        ReturnCode::Other(404) => {
            ": the server at this base URL has no such /mj route; check that the base URL ends before /mj and that the server offers the endpoint"
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

/// At most 80 characters of `bytes`, lossily decoded, with control characters escaped.
pub(crate) fn excerpt(bytes: &[u8]) -> String {
    const MAX_CHARS: usize = 80;
    let head = &bytes[..bytes.len().min(MAX_CHARS * 4)];
    let text = String::from_utf8_lossy(head);
    let mut out = String::new();
    for (chars, c) in text.trim().chars().enumerate() {
        if chars == MAX_CHARS {
            out.push('…');
            return out;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    if head.len() < bytes.len() {
        out.push('…');
    }
    out
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
