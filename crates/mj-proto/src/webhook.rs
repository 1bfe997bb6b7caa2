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

/// The largest callback body whose task is kept whole: a real server's callback is a few
/// KiB. A larger one (whoever knows the hook's path can post up to the receiver's cap) is
/// kept as a summary (only the id, status, progress, state, times, image URL and failure),
/// so that what a client remembers of callbacks stays small whatever is posted to it.
pub const RETAINED_WHOLE: usize = 16 * 1024;

/// Where a summary's [`Quirk`](crate::model::Quirk) says the callback was cut down.
pub(crate) const SUMMARY_QUIRK: &str = "(callback)";

/// True when `task` is a callback's summary ([`retained`]): its end is never believed
/// without a fetch, and it is no task to hand a caller.
pub(crate) fn is_summary(task: &Task) -> bool {
    task.quirks().iter().any(|q| q.path == SUMMARY_QUIRK)
}

/// The task of a callback as a client keeps it: whole when the body is at most
/// [`RETAINED_WHOLE`] bytes; otherwise a summary (id, action, status, progress, state,
/// times, the image URL and the failure, each of a sane length), read without building
/// the body's other members, and marked by a quirk at [`SUMMARY_QUIRK`] so that an end
/// it reports is always confirmed by a fetch.
pub(crate) fn retained(body: &[u8]) -> Result<Task, Error> {
    if body.len() <= RETAINED_WHOLE {
        return parse(body);
    }
    let bad = |e: serde_json::Error| Error::BadCallback { reason: format!("could not decode the notification: {e}") };
    let view: crate::model::TaskView<'_> = serde_json::from_slice(body).map_err(bad)?;
    if view.id.as_str().is_empty() {
        return Err(Error::BadCallback { reason: "the task has no id".to_owned() });
    }
    let short = |text: &str, max: usize| -> Option<String> { (text.len() <= max).then(|| text.to_owned()) };
    let mut task = Task {
        id: view.id.as_str().chars().take(256).collect(),
        action: view.action.clone(),
        status: view.status.clone(),
        state: view.state.as_ref().and_then(|s| short(s.as_str(), 1024)),
        progress: view.progress.as_ref().and_then(|p| short(p.as_str(), 32)),
        image_url: view.image_url.as_ref().and_then(|u| short(u.as_str(), 4096)),
        fail_reason: view.fail_reason.as_ref().map(|r| r.as_str().chars().take(1024).collect()),
        submit_time: view.submit_time,
        start_time: view.start_time,
        finish_time: view.finish_time,
        ..Task::default()
    };
    task.note_summary(SUMMARY_QUIRK, body.len(), RETAINED_WHOLE);
    Ok(task)
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
