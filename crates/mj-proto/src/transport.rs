//! The seam between the core and the network: one HTTP exchange, blocking or async.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::secret::scrub_text;
use crate::wire::{HttpRequest, HttpResponse};

/// A blocking HTTP client that performs one exchange at a time: mj-ureq, mj-sim's
/// in-process transport, or your own.
///
/// A transport is a dumb pipe: it reads the whole body up to its size cap, copies every
/// header, follows no redirect, never retries and never turns a status into an error.
/// It also owns the clock's sleeping, so tests can run simulated time.
pub trait Transport {
    /// Sends `request` and returns the server's answer, whatever its status.
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
    /// Waits for `duration` (between retries and polls).
    fn sleep(&self, duration: Duration);
    /// The current time for deadlines and backoff; a simulated transport can return
    /// simulated time.
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// The async form of [`Transport`]: mj-reqwest, mj-sim's in-process transport, or your
/// own runtime.
#[async_trait::async_trait]
pub trait AsyncTransport: Send + Sync {
    /// Sends `request` and returns the server's answer, whatever its status.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
    /// Waits for `duration` on the runtime's timer.
    async fn sleep(&self, duration: Duration);
    /// The current time for deadlines and backoff; a simulated transport can return
    /// simulated time.
    fn now(&self) -> Instant {
        Instant::now()
    }
}

macro_rules! forward_transport {
    ($($ptr:ty),*) => {$(
        impl<T: Transport + ?Sized> Transport for $ptr {
            fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
                (**self).send(request)
            }
            fn sleep(&self, duration: Duration) {
                (**self).sleep(duration)
            }
            fn now(&self) -> Instant {
                (**self).now()
            }
        }
    )*};
}
forward_transport!(&T, Box<T>, Arc<T>);

#[async_trait::async_trait]
impl<T: AsyncTransport + ?Sized> AsyncTransport for Arc<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        (**self).send(request).await
    }
    async fn sleep(&self, duration: Duration) {
        (**self).sleep(duration).await
    }
    fn now(&self) -> Instant {
        (**self).now()
    }
}

#[async_trait::async_trait]
impl<T: AsyncTransport + ?Sized> AsyncTransport for Box<T> {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        (**self).send(request).await
    }
    async fn sleep(&self, duration: Duration) {
        (**self).sleep(duration).await
    }
    fn now(&self) -> Instant {
        (**self).now()
    }
}

/// What went wrong in an exchange, in terms a retry policy can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// No connection was made (refused, DNS, TLS handshake): the server saw nothing.
    Connect,
    /// No complete answer in time: the server may have handled the request.
    Timeout,
    /// The connection dropped or the body was cut short: the server may have handled it.
    Interrupted,
    /// The body was larger than the transport's cap.
    BodyTooLarge,
    /// Anything else.
    Other,
}

/// A failed exchange. Its message never holds the request URL's credentials or the key.
pub struct TransportError(Box<Inner>);

struct Inner {
    kind: TransportErrorKind,
    message: String,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    /// An error of `kind` with a lowercase message.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(Inner { kind, message: message.into(), source: None }))
    }

    /// Attaches the client library's error as the source.
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.0.source = Some(Box::new(source));
        self
    }

    /// A body that exceeded `limit` bytes.
    pub fn body_too_large(limit: u64) -> Self {
        Self::new(TransportErrorKind::BodyTooLarge, format!("the response body is larger than the {limit}-byte cap"))
    }

    /// The kind.
    pub fn kind(&self) -> TransportErrorKind {
        self.0.kind
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    pub(crate) fn redact(&mut self, secret: &str) {
        scrub_text(&mut self.0.message, secret);
        // A source error's text cannot be rewritten; drop it if it carries the secret.
        if self.0.source.as_ref().is_some_and(|s| s.to_string().contains(secret)) {
            self.0.source = None;
        }
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError").field("kind", &self.0.kind).field("message", &self.0.message).finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.0.kind {
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Interrupted => "connection interrupted",
            TransportErrorKind::BodyTooLarge => "response too large",
            TransportErrorKind::Other => "transport error",
        };
        write!(f, "{what}: {}", self.0.message)
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}
