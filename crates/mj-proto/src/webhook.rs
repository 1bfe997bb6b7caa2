//! notifyHook callbacks: the task a server POSTs on every status or progress change.

use http::StatusCode;

use crate::endpoint::shapes;
use crate::error::Error;
use crate::model::Task;

/// Parses a callback body (spec §6). Servers send the whole task, in their own shape, with
/// no signature; the same update may arrive twice and updates may arrive out of order, so
/// compare [`Task::status`] and [`Task::progress_percent`] before acting.
///
/// ```
/// let body = br#"{"id":"14001929738841620","status":"SUCCESS","progress":"100%","failReason":null}"#;
/// let task = mj_proto::webhook::parse(body)?;
/// assert!(task.is_terminal());
/// # Ok::<(), mj_proto::Error>(())
/// ```
pub fn parse(body: &[u8]) -> Result<Task, Error> {
    shapes::task(body, StatusCode::OK, "notification")
}

/// Parses a callback request as a web framework hands it over.
pub fn parse_request<B: AsRef<[u8]>>(request: &http::Request<B>) -> Result<Task, Error> {
    parse(request.body().as_ref())
}
