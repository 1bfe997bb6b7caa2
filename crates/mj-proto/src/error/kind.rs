//! The broad cause of an error, and what it says about trying again.

use std::time::Duration;

use http::StatusCode;

use super::Error;
use crate::model::ReturnCode;
use crate::transport::TransportErrorKind;

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
    /// The account's quota or balance is spent; not retried.
    Quota,
    /// The server is not set up to serve this (HTTP 501, a platform not configured, an
    /// account that cannot log in); not retried.
    NotConfigured,
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
    /// A pacing rule held a submit beyond the call's deadline; nothing was sent.
    Paced,
    /// A plan was misused.
    Usage,
}

impl Error {
    /// The broad cause, for retry decisions and exit codes.
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
            Self::Quota(_) => ErrorKind::Quota,
            Self::NotConfigured(_) => ErrorKind::NotConfigured,
            Self::Rejected(r) if speaks_of_quota(&r.description) => ErrorKind::Quota,
            Self::Rejected(_) => ErrorKind::Rejected,
            Self::Server(_) => ErrorKind::Server,
            Self::Html(_) => ErrorKind::WrongBaseUrl,
            Self::Unexpected(_) | Self::ForeignTask { .. } => ErrorKind::Unexpected,
            Self::Decode(d) if d.truncated => ErrorKind::Interrupted,
            Self::EmptyBody { .. } | Self::Decode(_) | Self::BadCallback { .. } => ErrorKind::Decode,
            Self::OutcomeUnknown { .. } => ErrorKind::OutcomeUnknown,
            Self::TaskFailed(_) => ErrorKind::TaskFailed,
            Self::NeedsInput(_) => ErrorKind::NeedsInput,
            Self::WaitTimeout { .. } => ErrorKind::WaitTimeout,
            Self::TaskNotFound { .. } => ErrorKind::TaskNotFound,
            Self::Paced(_) => ErrorKind::Paced,
            Self::PlanMisuse => ErrorKind::Usage,
        }
    }

    /// True when moderation refused the content: a submit refused as a banned prompt (code
    /// 24, or a refusal in moderation's words) or a task that failed as moderated
    /// ([`Task::is_moderated`](crate::Task::is_moderated)). Never retried and never sent
    /// to another server: the same prompt would be refused again, and each refusal counts
    /// against the account.
    pub fn is_moderation(&self) -> bool {
        match self {
            Self::Rejected(r) => {
                r.code == ReturnCode::BannedPrompt || crate::model::speaks_of_moderation(&r.description)
            }
            Self::TaskFailed(task) => task.is_moderated(),
            _ => false,
        }
    }

    /// True when time ran out: an exchange the server did not answer in time, or a wait
    /// whose task had not finished by its deadline (as reqwest's `Error::is_timeout`).
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind(), ErrorKind::Timeout | ErrorKind::WaitTimeout)
    }

    /// True when no connection could be made (refused, unreachable, no such host), as
    /// reqwest's `Error::is_connect`.
    pub fn is_connect(&self) -> bool {
        self.kind() == ErrorKind::Connect
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
            ErrorKind::Rejected if self.is_moderation() => false,
            ErrorKind::Rejected => matches!(self, Self::Rejected(r) if r.code.is_transient()
                && (r.code != ReturnCode::Failure || ReturnCode::failure_may_pass(&r.description))),
            _ => false,
        }
    }

    /// True for a refusal that says "not now" about the server's capacity, not about this
    /// request: a full queue (code 23, or trueai's code 9 "队列已满"), a 429, a gateway's
    /// rate limit.
    pub fn is_backpressure(&self) -> bool {
        self.kind() == ErrorKind::RateLimited
            || matches!(self.code(), Some(ReturnCode::QueueRejected | ReturnCode::RateLimited))
            || matches!(self, Self::Rejected(r) if r.code == ReturnCode::Failure && r.description.contains("队列已满"))
    }

    /// True when this error from a submit proves that the server created no task, so the
    /// same request may go to another server: no connection was made (nothing was sent),
    /// the request was refused before sending (a profile that lacks the endpoint), the key
    /// was refused, or the server said its queue or rate is full
    /// ([`is_backpressure`](Self::is_backpressure)). A lost or unreadable answer proves
    /// nothing: that submit is resolved where it was sent.
    pub fn created_nothing(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Connect
                | ErrorKind::Config
                | ErrorKind::Unauthorized
                | ErrorKind::Quota
                | ErrorKind::NotConfigured
                | ErrorKind::Paced
        ) || self.is_backpressure()
    }

    /// True when the server will do no work for this account until a person acts: it
    /// refused the key, the account's quota or balance is spent, or the server is not set
    /// up for it. Retrying is pointless; another server (a pool's other member) may serve.
    pub fn needs_a_person(&self) -> bool {
        matches!(self.kind(), ErrorKind::Unauthorized | ErrorKind::Quota | ErrorKind::NotConfigured)
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
            Self::Unauthorized(a)
            | Self::Quota(a)
            | Self::NotConfigured(a)
            | Self::RateLimited(a)
            | Self::Server(a)
            | Self::Html(a)
            | Self::Unexpected(a) => Some(a.status),
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
            | Self::BadCallback { .. }
            | Self::Paced(_)
            | Self::PlanMisuse => None,
        }
    }

    /// The delay the server asked for (`Retry-After`), when it gave one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited(a) | Self::Server(a) | Self::Unexpected(a) | Self::Quota(a) => a.retry_after,
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
}

/// True when a refusal's words speak of the account's quota, balance or credit: such a
/// refusal lasts until the account is topped up.
pub(crate) fn speaks_of_quota(words: &str) -> bool {
    const QUOTA: [&str; 7] = ["quota", "balance", "credit", "billing", "额度", "余额", "欠费"];
    let lower = words.to_lowercase();
    QUOTA.iter().any(|w| lower.contains(w))
}
