//! The answer shapes endpoints share: a submit result, one task, a task list, a page, an
//! acknowledgement. Each starts with [`response::payload`], which owns the status mapping.

use http::StatusCode;

use crate::model::task::TaskList;

use crate::error::Error;
use crate::model::{
    ErrorEnvelope, Page, ResultMember, ReturnCode, SubmitAnswer, SubmitOutcome, Submitted, Task, TaskStatus,
};
use crate::response::{self, Payload, decode, decode_failure, envelope_error, reject};
use crate::wire::HttpResponse;

const SUBMIT: &str = "submit result";

/// A submit answer, before judging its code. `Ok(None)` for a 2xx with no body.
fn submit_result(response: &HttpResponse) -> Result<(SubmitAnswer, &[u8]), Error> {
    let status = response.status();
    match response::payload(response)? {
        Payload::Empty => Err(Error::EmptyBody { status, expected: "a submit result" }),
        Payload::Json(body) => match decode::<SubmitAnswer>(body, SUBMIT, status) {
            Ok(raw) => Ok((raw, body)),
            Err(e) => Err(envelope_error(status, body).unwrap_or(e)),
        },
    }
}

/// A task-creating submit: codes 1, 22 and 21 are accepted, others are refusals.
pub(crate) fn submitted(response: HttpResponse) -> Result<Submitted, Error> {
    let status = response.status();
    let (raw, body) = submit_result(&response)?;
    let outcome = match raw.code {
        // new-api rewrites upstream 21 to 1; the modal still shows in what it passes on.
        ReturnCode::Success if hides_a_modal(&raw) => {
            SubmitOutcome::Existing { status: Some(TaskStatus::Modal), image_url: None }
        }
        ReturnCode::Success => SubmitOutcome::Accepted,
        ReturnCode::InQueue => SubmitOutcome::Queued { ahead: raw.properties.number_of_queues() },
        ReturnCode::Existed => SubmitOutcome::Existing {
            status: raw.properties.text("status").map(|s| TaskStatus::from_name(&s)),
            image_url: raw.properties.text("imageUrl").map(|s| s.into_owned()),
        },
        _ => return Err(refusal(status, raw, body)),
    };
    // trueai's "Imagine all" (PicReader::all) answers four comma-joined ids.
    let ids: Vec<String> = raw
        .id()
        .into_iter()
        .flat_map(|id| id.split(','))
        .map(str::trim)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .collect();
    match ids.first() {
        Some(first) => Ok(Submitted { task_id: first.clone(), task_ids: ids, outcome, raw }),
        None => Err(missing_result(&raw, status, body, "a task id")),
    }
}

/// A code-1 answer that is really a modal waiting for `/submit/modal`: trueai's
/// `properties.remix: true`, or the upstream's "waiting for window confirm" text, which
/// new-api passes through after rewriting code 21 to 1.
fn hides_a_modal(raw: &SubmitAnswer) -> bool {
    let text = raw.description.to_ascii_lowercase();
    raw.properties.flag("remix") == Some(true)
        || text.contains("waiting for window confirm")
        || raw.description.contains("窗口等待")
}

/// A `result` that must be one string (image-seed).
pub(crate) fn result_text(response: HttpResponse) -> Result<String, Error> {
    let status = response.status();
    let (raw, body) = submit_result(&response)?;
    if raw.code != ReturnCode::Success {
        return Err(refusal(status, raw, body));
    }
    match raw.result {
        Some(ResultMember::Id(text)) => Ok(text),
        // The Node reimplementation answers `{"code": 1, "description": …, "seed": "…"}`.
        _ => seed_member(body).ok_or_else(|| missing_result(&raw, status, body, "a string")),
    }
}

/// A `seed` member beside `code`, as text (a string or a number).
fn seed_member(body: &[u8]) -> Option<String> {
    match serde_json::from_slice::<serde_json::Value>(body).ok()?.get("seed")? {
        serde_json::Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A `result` that is a list of URLs (upload-discord-images); one string is a list of one.
pub(crate) fn result_urls(response: HttpResponse) -> Result<Vec<String>, Error> {
    let status = response.status();
    let (raw, body) = submit_result(&response)?;
    if raw.code != ReturnCode::Success {
        return Err(refusal(status, raw, body));
    }
    match raw.result {
        Some(ResultMember::Urls(urls)) => Ok(urls),
        Some(ResultMember::Id(url)) => Ok(vec![url]),
        None => Err(missing_result(&raw, status, body, "a list of URLs")),
    }
}

/// The error for a submit answer whose code refuses: trueai's `{success: false}` and the
/// gateways' typed envelopes take precedence over the bare code.
fn refusal(status: StatusCode, raw: SubmitAnswer, body: &[u8]) -> Error {
    envelope_error(status, body).unwrap_or_else(|| reject(status, raw, None))
}

fn missing_result(raw: &SubmitAnswer, status: StatusCode, body: &[u8], want: &str) -> Error {
    let message = format!("code {} needs {want} in `result`, found none", raw.code);
    decode_failure(SUBMIT, "result".to_owned(), message, false, status, body)
}

/// One task, or `None` when the server says it does not know it (spec §10.6): 200 with an
/// empty body (novicezk), 204 (trueai), a 400/404 `task_no_found` or code 3 (gateways), or
/// a task object without an id.
pub(crate) fn task_or_none(response: HttpResponse) -> Result<Option<Task>, Error> {
    let status = response.status();
    let body = match response::payload(&response) {
        Ok(Payload::Empty) => return Ok(None),
        Ok(Payload::Json(body)) => body,
        Err(e) if means_not_found(&e) => return Ok(None),
        Err(e) => return Err(e),
    };
    if body == b"null" {
        return Ok(None);
    }
    match decode::<Task>(body, "task", status) {
        Ok(task) => return Ok(Some(task)),
        // An object that is not a task: an error envelope, or `{}` for "no such task".
        Err(Error::Decode(d)) if d.message.starts_with("missing field `id`") => {}
        Err(e) => return Err(e),
    }
    match envelope_error(status, body) {
        Some(e) if !means_not_found(&e) => Err(e),
        _ => Ok(None),
    }
}

/// A webhook body or any context where a task is required.
pub(crate) fn task(body: &[u8], status: StatusCode, what: &'static str) -> Result<Task, Error> {
    let body = body.trim_ascii();
    if body.is_empty() {
        return Err(Error::EmptyBody { status, expected: "a task" });
    }
    // The task decoder itself refuses a task without an id.
    decode(body, what, status)
}

fn means_not_found(error: &Error) -> bool {
    const NOT_FOUND: [&str; 3] = ["task_no_found", "task_not_found", "midjourney_task_not_found"];
    match error {
        Error::Rejected(r) => r.code == ReturnCode::NotFound || NOT_FOUND.contains(&r.description.as_str()),
        Error::Unexpected(a) => a.message.as_deref().is_some_and(|m| NOT_FOUND.contains(&m)),
        _ => false,
    }
}

/// A JSON array of tasks (`null` or no body is empty).
pub(crate) fn task_list(response: HttpResponse, what: &'static str) -> Result<Vec<Task>, Error> {
    let status = response.status();
    let body = match response::payload(&response)? {
        Payload::Empty => return Ok(Vec::new()),
        Payload::Json(body) => body,
    };
    if body.first() == Some(&b'{')
        && let Some(e) = envelope_error(status, body)
    {
        return Err(e);
    }
    decode::<TaskList>(body, what, status).map(|l| l.0)
}

/// One page of the paged query.
pub(crate) fn page(response: HttpResponse) -> Result<Page<Task>, Error> {
    let status = response.status();
    let body = match response::payload(&response)? {
        Payload::Empty => return Err(Error::EmptyBody { status, expected: "a page of tasks" }),
        Payload::Json(body) => body,
    };
    let page: Page<Task> = decode(body, "page", status)?;
    if page.content.is_empty()
        && let Some(e) = envelope_error(status, body)
    {
        return Err(e);
    }
    Ok(page)
}

/// An acknowledgement: an empty 2xx (trueai), `{code: 1}` (PLUS), `{success: true}`.
pub(crate) fn ack(response: HttpResponse) -> Result<(), Error> {
    let status = response.status();
    match response::payload(&response)? {
        Payload::Empty => Ok(()),
        Payload::Json(body) => match ErrorEnvelope::parse(body) {
            Some(ErrorEnvelope::Mj { code: ReturnCode::Success, .. }) | None => Ok(()),
            Some(_) => Err(envelope_error(status, body).unwrap_or_else(|| {
                decode_failure("acknowledgement", ".".to_owned(), "unrecognised answer".to_owned(), false, status, body)
            })),
        },
    }
}
