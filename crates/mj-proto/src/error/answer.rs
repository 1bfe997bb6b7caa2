//! What the server answered, kept for diagnosis: the answer, a refusal in the servers'
//! own terms, a body that did not decode.

use std::fmt;
use std::time::Duration;

use http::StatusCode;

use crate::model::{Properties, ResultMember, ReturnCode};
use crate::secret::{scrub_bytes, scrub_text};

/// The server's answer, kept for diagnosis when it was not what the endpoint expects.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ServerAnswer {
    /// The HTTP status the server answered with.
    pub status: StatusCode,
    /// The message from a recognised error body.
    pub message: Option<String>,
    /// The server's `Retry-After`, in seconds.
    pub retry_after: Option<Duration>,
    /// The body as received (with the API key scrubbed).
    pub body: Vec<u8>,
    /// The endpoint that was asked (`list-by-condition`, …), when known.
    pub endpoint: Option<crate::EndpointName>,
}

impl ServerAnswer {
    pub(crate) fn new(status: StatusCode, message: Option<String>, body: &[u8]) -> Self {
        Self { status, message, retry_after: None, body: body.to_vec(), endpoint: None }
    }

    /// What a 404 or 405 means: this server lacks the endpoint, or, when every endpoint
    /// answers so, the base URL is wrong.
    pub(super) fn hint(&self) -> String {
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
    pub(super) fn summary(&self) -> String {
        match &self.message {
            Some(m) => excerpt(m.as_bytes()),
            None if self.body.is_empty() => "empty body".to_owned(),
            None => format!("body starts `{}`", excerpt(&self.body)),
        }
    }

    pub(super) fn redact(&mut self, secret: &str) {
        if let Some(m) = &mut self.message {
            scrub_text(m, secret);
        }
        scrub_bytes(&mut self.body, secret);
    }
}

impl fmt::Debug for ServerAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerAnswer")
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
    /// The servers' own code (22 queued, 23 queue full, 24 banned prompt, …).
    pub code: ReturnCode,
    /// The server's text (trimmed).
    pub description: String,
    /// The gateway's error `type`, when present.
    pub kind: Option<String>,
    /// `properties` (`bannedWord`, `promptEn`, …).
    pub properties: Properties,
    /// `result`, when present.
    pub result: Option<ResultMember>,
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
    /// The HTTP status the body came with.
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
