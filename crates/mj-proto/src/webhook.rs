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
///
/// A body that is not a task is [`Error::BadCallback`]: whoever POSTed it (a
/// misconfigured server, or anyone who found the hook URL) is at fault, not a server's
/// answer to mj.
pub fn parse(body: impl AsRef<[u8]>) -> Result<Task, Error> {
    let body = body.as_ref();
    if body.trim_ascii().is_empty() {
        return Err(Error::BadCallback { reason: "the body is empty".to_owned() });
    }
    shapes::task(body, StatusCode::OK, "notification").map_err(|e| Error::BadCallback { reason: e.to_string() })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_body_that_is_not_a_task_is_a_bad_callback_not_a_server_answer() {
        for (body, says) in [
            (&b""[..], "a callback that is not a task: the body is empty"),
            (b"  \n", "a callback that is not a task: the body is empty"),
            (b"<html>", "a callback that is not a task: could not decode the notification"),
            (b"{\"status\":\"SUCCESS\"}", "a callback that is not a task: could not decode the notification"),
        ] {
            let e = super::parse(body).expect_err("not a task");
            assert!(e.to_string().starts_with(says), "{e}");
            assert!(!e.to_string().contains("server answered"), "{e}");
            assert_eq!(e.kind(), crate::ErrorKind::Decode);
        }
    }
}
