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
///
/// It takes the body as any web framework hands it over (axum's `Bytes`, a `Vec<u8>`, a
/// `String`) and accepts exactly what `serde_json::from_slice::<Task>` accepts: a task
/// object with an id.
pub fn parse(body: impl AsRef<[u8]>) -> Result<Task, Error> {
    shapes::task(body.as_ref(), StatusCode::OK, "notification")
}
