//! What the drivers tell `tracing` (with the `tracing` feature; nothing without it): a
//! span per call, an event per exchange, retry, lookup, fallback, status change and
//! give-up. Everything logged was scrubbed of the API key first: requests are logged by
//! method and path (keys travel in headers), errors and notices only after redaction.

use mj_proto::Error;
use mj_proto::TransportError;
use mj_proto::model::Task;
use mj_proto::plan::{Callback, Notice};
use mj_proto::{HttpRequest, HttpResponse};

/// The span of one client call (`mj` with `call = "imagine"`), or nothing.
#[derive(Clone, Debug)]
pub(crate) struct CallSpan {
    #[cfg(feature = "tracing")]
    pub(crate) span: tracing::Span,
}

pub(crate) fn call(name: &'static str, host: &str) -> CallSpan {
    #[cfg(feature = "tracing")]
    {
        CallSpan { span: tracing::info_span!(target: "mj", "mj", call = name, host) }
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = (name, host);
        CallSpan {}
    }
}

/// An exchange about to start.
pub(crate) fn send(request: &HttpRequest) {
    #[cfg(feature = "tracing")]
    tracing::debug!(target: "mj", method = %request.method(), path = request.uri().path(), "send");
    #[cfg(not(feature = "tracing"))]
    let _ = request;
}

/// What came back: a status, or the transport's failure (scrubbed by `redact`).
pub(crate) fn answer(result: &Result<HttpResponse, TransportError>, redact: impl Fn(String) -> String) {
    #[cfg(feature = "tracing")]
    match result {
        Ok(response) => {
            tracing::debug!(target: "mj", status = response.status().as_u16(), bytes = response.body().len(), "answer")
        }
        Err(e) => tracing::debug!(target: "mj", kind = ?e.kind(), error = %redact(e.to_string()), "no answer"),
    }
    #[cfg(not(feature = "tracing"))]
    let _ = (result, redact);
}

/// A retry, lookup, fallback or re-send.
pub(crate) fn notice(notice: &Notice) {
    #[cfg(feature = "tracing")]
    match notice {
        Notice::Retry { endpoint, attempt, reason, delay } => tracing::warn!(
            target: "mj", endpoint = endpoint.as_str(), attempt, reason = reason.as_str(), delay_ms = delay.as_millis() as u64, "retry"
        ),
        Notice::Lookup { endpoint, attempt, reason, delay, .. } => tracing::warn!(
            target: "mj", endpoint = endpoint.as_str(), attempt, reason = reason.as_str(), delay_ms = delay.as_millis() as u64, "lookup"
        ),
        Notice::Fallback { missing, using } => tracing::info!(
            target: "mj", missing = missing.as_str(), using = using.map_or("", |u| u.as_str()), "fallback"
        ),
        Notice::Resend { endpoint, .. } => tracing::warn!(target: "mj", endpoint = endpoint.as_str(), "resend"),
        Notice::Failover { from, to, reason } => {
            tracing::warn!(target: "mj", from = from.as_str(), to = to.as_str(), reason = reason.as_str(), "failover")
        }
        Notice::SafetyNet { tasks } => tracing::debug!(target: "mj", tasks, "safety-net poll"),
        other => tracing::info!(target: "mj", notice = %other, "notice"),
    }
    #[cfg(not(feature = "tracing"))]
    let _ = notice;
}

/// A task seen by a wait or a watch (already scrubbed by the plan's redaction).
pub(crate) fn task(task: &Task) {
    #[cfg(feature = "tracing")]
    tracing::debug!(target: "mj", id = task.id.as_str(), status = %task.status, progress = task.progress_percent(), "task");
    #[cfg(not(feature = "tracing"))]
    let _ = task;
}

/// How the call ended (the error already redacted).
pub(crate) fn done<T>(result: &Result<T, Error>) {
    #[cfg(feature = "tracing")]
    match result {
        Ok(_) => tracing::debug!(target: "mj", "done"),
        Err(e) => tracing::warn!(target: "mj", kind = ?e.kind(), error = %e, "give up"),
    }
    #[cfg(not(feature = "tracing"))]
    let _ = result;
}

/// A callback taken by a hook (never its path, which is the hook's secret).
pub(crate) fn callback(callback: &Callback) {
    #[cfg(feature = "tracing")]
    match callback {
        Callback::Advanced(task) => tracing::info!(
            target: "mj", id = task.id.as_str(), status = %task.status, progress = task.progress_percent(), "callback"
        ),
        Callback::Stale { id } => tracing::debug!(target: "mj", id = id.as_str(), "callback (repeat or older)"),
        Callback::WrongPath => tracing::warn!(target: "mj", "callback on a wrong path refused"),
        Callback::Bad(e) => tracing::warn!(target: "mj", error = %e, "bad callback"),
        other => tracing::debug!(target: "mj", status = other.status(), "callback"),
    }
    #[cfg(not(feature = "tracing"))]
    let _ = callback;
}

/// A callback taken here that the bus could not pass on to the other processes (their
/// waits find the end by polling).
pub(crate) fn bus_failed(error: &std::io::Error) {
    #[cfg(feature = "tracing")]
    tracing::warn!(target: "mj", error = %error, "callback not passed on to the other processes");
    #[cfg(not(feature = "tracing"))]
    let _ = error;
}
