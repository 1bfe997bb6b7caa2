//! The answer shapes endpoints share: a submit result, one task, a task list, a page, an
//! acknowledgement. Each starts with [`response::payload`], which owns the status mapping.

use http::StatusCode;

use crate::model::task::TaskList;

use crate::error::Error;
use crate::model::{
    ErrorEnvelope, Page, ResultMember, ReturnCode, SubmitAnswer, SubmitOutcome, Submitted, Task, TaskStatus, Wrapper,
};
use crate::response::{self, Payload, decode, decode_failure, envelope_error, reject};
use crate::wire::HttpResponse;

use super::NoTask;

const SUBMIT: &str = "submit result";

/// A submit answer, before judging its code. `Ok(None)` for a 2xx with no body.
fn submit_result(response: &HttpResponse) -> Result<(SubmitAnswer, &[u8]), Error> {
    let status = response.status();
    match response::payload(response)? {
        Payload::Empty => Err(Error::EmptyBody { status, expected: "a submit result" }),
        Payload::Json(body) => match decode::<SubmitAnswer>(body, SUBMIT, status) {
            Ok(raw) => Ok((unwrapped_answer(raw, body, status)?, body)),
            Err(e) => Err(envelope_error(status, body).unwrap_or(e)),
        },
    }
}

/// A submit answer whose code is none of the servers' own (`200`, `0`) but whose wrapper
/// calls itself a success: the answer it wraps (`{"code": 200, "result": {"code": 1, …}}`),
/// or the id it carries as code 1.
fn unwrapped_answer(mut raw: SubmitAnswer, body: &[u8], status: StatusCode) -> Result<SubmitAnswer, Error> {
    if !matches!(raw.code, ReturnCode::Other(_)) {
        return Ok(raw);
    }
    let Some(wrapper) = Wrapper::parse(body).filter(Wrapper::says_success) else {
        return Ok(raw);
    };
    if let Some(inner) = wrapper.inner_answer() {
        return decode_value(inner, SUBMIT, status);
    }
    raw.code = ReturnCode::Success;
    if raw.result.is_none() {
        raw.result = match wrapper.payload {
            Some(serde_json::Value::String(id)) if !id.trim().is_empty() => {
                Some(ResultMember::Id(id.trim().to_owned()))
            }
            Some(serde_json::Value::Number(id)) => Some(ResultMember::Id(id.to_string())),
            _ => None,
        };
    }
    Ok(raw)
}

/// Decodes a member of an already parsed body as `T`, naming paths inside it on failure.
fn decode_value<T: serde::de::DeserializeOwned>(
    value: &serde_json::Value,
    what: &'static str,
    status: StatusCode,
) -> Result<T, Error> {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    decode::<T>(&bytes, what, status)
}

/// What a body that is not a task means when it is a wrapper: the task it wraps, or, when
/// it calls itself a success over no task, an answer without a task id. `None` when it is
/// no wrapper, or one whose code refuses (its words are read as an error body's).
fn wrapped_task(body: &[u8], status: StatusCode, what: &'static str) -> Option<Result<Task, Error>> {
    let wrapper = Wrapper::parse(body)?;
    if let Some(task) = wrapper.task() {
        return Some(decode_value(task, what, status));
    }
    wrapper.says_success().then(|| Err(no_task_id(&wrapper, status, body, what)))
}

/// A success answer (`{"code": 1, "status": …}`) that holds no task id.
fn no_task_id(wrapper: &Wrapper, status: StatusCode, body: &[u8], what: &'static str) -> Error {
    let words = wrapper.words.as_deref().map(|w| format!(" (`{w}`)")).unwrap_or_default();
    let message = format!(
        "an answer without a task id: its code {}{words} says success, but it holds no task",
        wrapper.code_text()
    );
    decode_failure(what, "id".to_owned(), message, false, status, body)
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
        Some(first) => Ok(Submitted { task_id: first.clone(), task_ids: ids, outcome, raw, server: None }),
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
    task_or_absence(response).map(Result::ok)
}

/// [`task_or_none`], saying which form of "no such task" the answer took.
pub(crate) fn task_or_absence(response: HttpResponse) -> Result<Result<Task, NoTask>, Error> {
    let status = response.status();
    let body = match response::payload(&response) {
        Ok(Payload::Empty) => return Ok(Err(NoTask::Empty { status: status.as_u16() })),
        Ok(Payload::Json(body)) => body,
        Err(e) if means_not_found(&e) => return Ok(Err(NoTask::NotFound { said: e.to_string() })),
        Err(e) => return Err(e),
    };
    if body == b"null" {
        return Ok(Err(NoTask::Null));
    }
    match decode::<Task>(body, "task", status) {
        Ok(task) => return Ok(Ok(task)),
        // An object that is not a task: a wrapper around one, an error envelope, or `{}`
        // for "no such task".
        Err(Error::Decode(d)) if d.message.starts_with("missing field `id`") => {}
        Err(e) => return Err(e),
    }
    if let Some(wrapped) = wrapped_task(body, status, "task") {
        return wrapped.map(Ok);
    }
    match envelope_error(status, body) {
        Some(e) if !means_not_found(&e) => Err(e),
        Some(e) => Ok(Err(NoTask::NotFound { said: e.to_string() })),
        None => Ok(Err(NoTask::WithoutId)),
    }
}

/// A webhook body or any context where a task is required.
pub(crate) fn task(body: &[u8], status: StatusCode, what: &'static str) -> Result<Task, Error> {
    let body = body.trim_ascii();
    if body.is_empty() {
        return Err(Error::EmptyBody { status, expected: "a task" });
    }
    // The task decoder itself refuses a task without an id.
    match decode(body, what, status) {
        Err(Error::Decode(d)) if d.message.starts_with("missing field `id`") => {
            wrapped_task(body, status, what).unwrap_or(Err(Error::Decode(d)))
        }
        other => other,
    }
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
    if body.first() == Some(&b'{') {
        // A wrapper around the list (`{"code": 0, "message": "", "data": […]}`).
        if let Some(wrapper) = Wrapper::parse(body) {
            if let Some(list) = wrapper.list() {
                return decode_value::<TaskList>(list, what, status).map(|l| l.0);
            }
            if wrapper.says_success() && wrapper.payload.is_none() {
                return Ok(Vec::new());
            }
        }
        if let Some(e) = envelope_error(status, body) {
            return Err(e);
        }
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
    if !page.content.is_empty() {
        return Ok(page);
    }
    // A wrapper around the page (`{"code": 200, "data": {"content": […], …}}`).
    if let Some(Some(inner)) = Wrapper::parse(body).map(|w| w.payload.filter(|p| p.get("content").is_some())) {
        return decode_value(&inner, "page", status);
    }
    match envelope_error(status, body) {
        Some(e) => Err(e),
        None => Ok(page),
    }
}

/// An acknowledgement: an empty 2xx (trueai), `{code: 1}` (PLUS), `{success: true}`.
pub(crate) fn ack(response: HttpResponse) -> Result<(), Error> {
    let status = response.status();
    match response::payload(&response)? {
        Payload::Empty => Ok(()),
        Payload::Json(body) => match ErrorEnvelope::parse(body) {
            Some(ErrorEnvelope::Mj { code: ReturnCode::Success, .. }) | None => Ok(()),
            Some(ErrorEnvelope::Mj { .. }) if Wrapper::parse(body).is_some_and(|w| w.says_success()) => Ok(()),
            Some(_) => Err(envelope_error(status, body).unwrap_or_else(|| {
                decode_failure("acknowledgement", ".".to_owned(), "unrecognised answer".to_owned(), false, status, body)
            })),
        },
    }
}
