//! A transport that counts its exchanges, for the summary's "requests made".

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mj_proto::{HttpRequest, HttpResponse, Transport, TransportError};

/// Wraps a transport and counts the requests sent through it (clones share the count).
#[derive(Clone, Debug)]
pub(crate) struct Counted<T> {
    inner: T,
    sent: Arc<AtomicU64>,
}

impl<T> Counted<T> {
    /// Counts what `inner` sends.
    pub(crate) fn new(inner: T) -> Self {
        Self { inner, sent: Arc::default() }
    }

    /// The count, shared with every clone, to read after the transport moved into a
    /// client.
    pub(crate) fn counter(&self) -> Arc<AtomicU64> {
        self.sent.clone()
    }
}

impl<T: Transport> Transport for Counted<T> {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.fetch_add(1, Ordering::Relaxed);
        self.inner.send(request)
    }

    fn sleep(&self, duration: Duration) {
        self.inner.sleep(duration);
    }

    fn now(&self) -> Instant {
        self.inner.now()
    }
}
