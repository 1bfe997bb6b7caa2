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
    /// The TLS handshake failed (a plain-HTTP server behind an `https://` URL, a
    /// certificate refused): nothing was sent, and trying again cannot mend it.
    Tls,
    /// Anything else.
    Other,
}

/// A failed exchange: its kind, a short message, the server's host (set by mj's clients)
/// and, as its [`source`](std::error::Error::source), the client library's own error.
/// Nothing in it holds the request's path, query, credentials or the key.
pub struct TransportError(Box<Inner>);

struct Inner {
    kind: TransportErrorKind,
    message: String,
    host: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl TransportError {
    /// An error of `kind` with a lowercase message.
    pub fn new(kind: TransportErrorKind, message: impl Into<String>) -> Self {
        Self(Box::new(Inner { kind, message: message.into(), host: None, source: None }))
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

    /// Marks a failure during an https handshake: nothing was sent, and it will fail the
    /// same way every time, so it is a [`TransportErrorKind::Tls`] (never retried), and the
    /// message suggests the likeliest cause (a plain-HTTP server behind an `https://` base
    /// URL).
    pub fn in_tls_handshake(mut self) -> Self {
        self.0.kind = TransportErrorKind::Tls;
        self.0
            .message
            .push_str(" (during the TLS handshake: if the server speaks plain HTTP, use an http:// base URL)");
        self
    }

    /// What failed, for retry decisions ([`TransportErrorKind`]).
    pub fn kind(&self) -> TransportErrorKind {
        self.0.kind
    }

    /// A short, key-free description of the failure.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The host (and port) the exchange was with, when known: what a failover log names.
    pub fn host(&self) -> Option<&str> {
        self.0.host.as_deref()
    }

    /// Names the host the exchange was with (mj's clients do, for every transport).
    pub fn with_host(mut self, host: impl Into<String>) -> Self {
        self.0.host = Some(host.into());
        self
    }

    /// Another transport's classification of a DNS failure, in one wording: the server
    /// saw nothing, so it is a [`TransportErrorKind::Connect`].
    pub fn host_not_found() -> Self {
        Self::new(TransportErrorKind::Connect, "the host name did not resolve (DNS)")
    }

    pub(crate) fn redact(&mut self, secret: &str) {
        scrub_text(&mut self.0.message, secret);
        // A source error's text cannot be rewritten; drop it if it carries the secret.
        if self.0.source.as_ref().is_some_and(|s| crate::secret::contains(s.to_string().as_bytes(), secret)) {
            self.0.source = None;
        }
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransportError")
            .field("kind", &self.0.kind)
            .field("message", &self.0.message)
            .field("host", &self.0.host)
            .finish()
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.0.kind {
            TransportErrorKind::Connect => "could not connect",
            TransportErrorKind::Timeout => "timed out",
            TransportErrorKind::Interrupted => "connection interrupted",
            TransportErrorKind::BodyTooLarge => "response too large",
            TransportErrorKind::Tls => "tls handshake failed",
            TransportErrorKind::Other => "transport error",
        };
        match &self.0.host {
            Some(host) => write!(f, "{what} ({host}): {}", self.0.message),
            None => write!(f, "{what}: {}", self.0.message),
        }
    }
}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// Bodies larger than this are refused unless the options say otherwise.
pub const DEFAULT_MAX_BODY: u64 = 32 * 1024 * 1024;

/// What every transport is configured with: timeouts, the body cap and a proxy. Transport
/// crates turn these into their client library's settings (see [`FromOptions`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TransportOptions {
    /// How long connecting (DNS, TCP, TLS) may take.
    pub connect_timeout: Duration,
    /// How long a whole exchange may take.
    pub timeout: Duration,
    /// The largest body read; larger ones are [`TransportErrorKind::BodyTooLarge`].
    pub max_body: u64,
    /// Send everything through this proxy; `None` leaves the client library's default
    /// (usually the `HTTPS_PROXY`/`ALL_PROXY` environment).
    pub proxy: Option<String>,
}

impl Default for TransportOptions {
    fn default() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body: DEFAULT_MAX_BODY,
            proxy: None,
        }
    }
}

/// A transport built from [`TransportOptions`].
pub trait FromOptions: Sized {
    /// The transport for `options`.
    fn from_options(options: &TransportOptions) -> Self;
}

/// Chainable [`TransportOptions`] ending in [`build`](TransportBuilder::build):
/// `UreqTransport::builder().timeout(Duration::from_secs(5)).build()`.
#[derive(Clone, Debug)]
pub struct TransportBuilder<T> {
    options: TransportOptions,
    transport: std::marker::PhantomData<fn() -> T>,
}

impl<T: FromOptions> Default for TransportBuilder<T> {
    fn default() -> Self {
        Self { options: TransportOptions::default(), transport: std::marker::PhantomData }
    }
}

impl<T: FromOptions> TransportBuilder<T> {
    /// How long connecting may take (10 s unless set).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.options.connect_timeout = timeout;
        self
    }

    /// How long a whole exchange may take (30 s unless set).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = timeout;
        self
    }

    /// The largest body read (32 MiB unless set).
    pub fn max_body(mut self, bytes: u64) -> Self {
        self.options.max_body = bytes;
        self
    }

    /// Sends everything through this proxy.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.options.proxy = Some(url.into());
        self
    }

    /// The options set so far, for a transport crate's own `build`.
    pub fn options(&self) -> &TransportOptions {
        &self.options
    }

    /// The transport, with the options set so far and the crate's defaults for the rest.
    pub fn build(self) -> T {
        T::from_options(&self.options)
    }
}

#[cfg(test)]
mod defaults {
    use super::*;

    /// The README's figures for every transport.
    #[test]
    fn connect_10_s_exchange_30_s_body_32_mib() {
        let options = TransportOptions::default();
        assert_eq!(
            (options.connect_timeout, options.timeout, options.max_body),
            (Duration::from_secs(10), Duration::from_secs(30), 32 * 1024 * 1024)
        );
    }
}
