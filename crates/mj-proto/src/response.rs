//! Every HTTP status and every error body handled in one place (spec §9, §10).
//!
//! Endpoints call [`payload`] first: it turns any non-2xx answer or HTML page into the
//! right [`Error`], and hands back the 2xx body (or its absence) for the endpoint to decode.

use std::time::Duration;

use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;

use crate::error::{DecodeError, Error, Rejection, ServerAnswer, speaks_of_quota};
use crate::model::{ErrorEnvelope, ListedView, SubmitAnswer, Task, TaskList, TaskView, Wrapper};
use crate::wire::HttpResponse;

/// A successful answer's body.
pub(crate) enum Payload<'a> {
    /// No body (or only white space).
    Empty,
    /// A body to decode, trimmed of white space and a UTF-8 byte order mark.
    Json(&'a [u8]),
}

/// Maps every unsuccessful answer to an error; returns the body of a 2xx answer.
pub(crate) fn payload(response: &HttpResponse) -> Result<Payload<'_>, Error> {
    let status = response.status();
    let body = trim(response.body());
    if is_html(response.headers(), body) {
        let answer = Box::new(ServerAnswer::new(status, None, body));
        // A 5xx page comes from a proxy in trouble; other pages mean the URL is wrong.
        return Err(if status.is_server_error() { Error::Server(answer) } else { Error::Html(answer) });
    }
    if status.is_success() {
        return Ok(if body.is_empty() { Payload::Empty } else { Payload::Json(body) });
    }
    Err(status_error(status, response.headers(), body))
}

/// The error for a non-2xx answer.
fn status_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let envelope = ErrorEnvelope::parse(body);
    let message = envelope.as_ref().map(|e| e.message().to_owned()).filter(|m| !m.is_empty());
    // The words a refusal is classed by: the message and the error's type (`insufficient_quota`),
    // else the body itself (a plain-text answer).
    let words = match &envelope {
        Some(e) => format!("{} {}", e.message(), e.kind().unwrap_or_default()),
        None => String::from_utf8_lossy(&body[..body.len().min(4096)]).into_owned(),
    };
    let mut answer = ServerAnswer::new(status, message, body);
    answer.retry_after = retry_after(headers);
    let answer = Box::new(answer);
    match status.as_u16() {
        402 => Error::Quota(answer),
        403 | 429 if speaks_of_quota(&words) => Error::Quota(answer),
        401 | 403 => Error::Unauthorized(answer),
        429 => Error::RateLimited(answer),
        501 => Error::NotConfigured(answer),
        500..=599 if says_not_configured(&words) => Error::NotConfigured(answer),
        500..=599 => Error::Server(answer),
        _ => match envelope {
            Some(ErrorEnvelope::Mj { kind, .. }) => rejection(status, body, kind).unwrap_or(Error::Unexpected(answer)),
            _ => Error::Unexpected(answer),
        },
    }
}

/// True when a server error's words say it is not set up for the request: a platform not
/// configured, or an account that failed to log in. It lasts until the operator acts.
fn says_not_configured(words: &str) -> bool {
    const NOT_CONFIGURED: [&str; 6] =
        ["not configured", "未配置", "login fail", "failed to log in", "登录失败", "not implemented"];
    let lower = words.to_lowercase();
    NOT_CONFIGURED.iter().any(|w| lower.contains(w))
}

/// A 2xx body that is an error envelope instead of the expected content.
pub(crate) fn envelope_error(status: StatusCode, body: &[u8]) -> Option<Error> {
    match ErrorEnvelope::parse(body)? {
        // A wrapper that calls itself a success is no refusal, whatever it holds.
        ErrorEnvelope::Mj { .. } if Wrapper::parse(body).is_some_and(|w| w.says_success()) => None,
        ErrorEnvelope::Mj { kind, description, .. } => rejection(status, body, kind).map(|e| match e {
            // The envelope reads the message wherever the server put it (`msg`, `message`).
            Error::Rejected(mut r) if r.description.is_empty() => {
                r.description = description;
                Error::Rejected(r)
            }
            other => other,
        }),
        other => Some(Error::Unexpected(Box::new(ServerAnswer::new(status, Some(other.message().to_owned()), body)))),
    }
}

/// A `{code, description, …}` body as a [`Error::Rejected`], with its properties kept.
fn rejection(status: StatusCode, body: &[u8], kind: Option<String>) -> Option<Error> {
    let raw: SubmitAnswer = serde_json::from_slice(body).ok()?;
    Some(reject(status, raw, kind))
}

/// Turns a submit answer with a refusing code into an error.
pub(crate) fn reject(status: StatusCode, raw: SubmitAnswer, kind: Option<String>) -> Error {
    let description = raw.description.trim().to_owned();
    Error::Rejected(Box::new(Rejection {
        status,
        code: raw.code,
        description,
        kind,
        properties: raw.properties,
        result: raw.result,
    }))
}

/// Decodes `body` as `T`; on failure decodes again with path tracking to name where.
pub(crate) fn decode<'a, T: Deserialize<'a>>(
    body: &'a [u8],
    what: &'static str,
    status: StatusCode,
) -> Result<T, Error> {
    crate::json::from_slice(body).map_err(|first| locate::<T>(body, what, status, &first))
}

/// The decode error for `body`, naming the JSON path of the failure. Runs only on the
/// error path, so the fast path pays nothing for path tracking.
#[cold]
fn locate<'a, T: Deserialize<'a>>(
    body: &'a [u8],
    what: &'static str,
    status: StatusCode,
    first: &serde_json::Error,
) -> Error {
    let mut de = serde_json::Deserializer::from_slice(body);
    let path = match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Err(e) => e.path().to_string(),
        // The value decoded; what failed came after it (trailing characters).
        Ok(_) => ".".to_owned(),
    };
    decode_failure(what, path, first.to_string(), first.is_eof(), status, body)
}

/// A decode error with a known path and message.
pub(crate) fn decode_failure(
    what: &'static str,
    path: String,
    message: String,
    truncated: bool,
    status: StatusCode,
    body: &[u8],
) -> Error {
    // serde quotes offending values whole; keep the message (and a pathological path) short.
    let shorten = |text: String| match text.char_indices().nth(240) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    };
    let (message, path) = (shorten(message), shorten(path));
    Error::Decode(Box::new(DecodeError { what, path, message, truncated, status, body: body.to_vec() }))
}

fn trim(body: &[u8]) -> &[u8] {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    body.trim_ascii()
}

fn is_html(headers: &HeaderMap, body: &[u8]) -> bool {
    let declared = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("text/html"));
    let looks = body.first() == Some(&b'<');
    looks || (declared && !matches!(body.first(), Some(b'{' | b'[')))
}

/// `Retry-After` as delta-seconds (HTTP-dates would need a clock; they are ignored).
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let secs: f64 = value.parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}
/// Decodes a JSON array of tasks (`null` is empty) exactly as the list endpoints do, with
/// the vector trimmed to its length: for task lists a program holds as bytes (an archive,
/// a log, a body fetched by other means).
pub fn tasks_from_slice(body: &[u8]) -> Result<Vec<Task>, Error> {
    let mut tasks = decode::<TaskList>(body, "task list", StatusCode::OK)?.0;
    tasks.shrink_to_fit();
    Ok(tasks)
}

/// Decodes a JSON array of tasks as [`TaskView`]s borrowing from `body`: the cheapest read
/// of a large list when only some members are looked at.
pub fn task_views(body: &[u8]) -> Result<Vec<TaskView<'_>>, Error> {
    // `null` is an empty list, as for the owned decoder.
    let entries = decode::<Option<Vec<ListedView<'_>>>>(body, "task list", StatusCode::OK)?;
    let mut views: Vec<TaskView<'_>> = entries.unwrap_or_default().into_iter().filter_map(|e| e.0).collect();
    views.shrink_to_fit();
    Ok(views)
}
