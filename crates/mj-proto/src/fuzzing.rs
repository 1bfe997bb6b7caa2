//! Entry points shared by the cargo-fuzz targets (`fuzz/`) and the stable test that replays
//! their corpora. Each takes arbitrary bytes, runs a parser, and checks what must hold on
//! success (a decoded value survives mj's own rendering unchanged). Not a stable API.

use serde::de::DeserializeOwned;

use crate::endpoint::{Cancel, Endpoint, Fetch, ImageSeed, Imagine, ListByCondition, Query, UploadDiscordImages};
use crate::model::{
    AccountFilter, Button, ComponentValue, ErrorEnvelope, MediaUrl, Page, Properties, ReturnCode, SubmitResult, Task,
    TaskAction, TaskStatus,
};
use crate::wire::HttpResponse;

fn response(status: u16, body: &[u8]) -> HttpResponse {
    let mut response = http::Response::new(body.to_vec());
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    response
}

/// A task decoded by mj renders to JSON that decodes to the same task.
fn round_trip(task: &Task) {
    let Ok(json) = serde_json::to_vec(task) else { panic!("a decoded task always renders") };
    let again: Task = match serde_json::from_slice(&json) {
        Ok(again) => again,
        Err(e) => panic!("mj's own rendering does not decode: {e}"),
    };
    assert_eq!(&again, task, "a task changed through render and decode");
}

/// `GET /mj/task/{id}/fetch` answers.
pub fn task(data: &[u8]) {
    if let Ok(Some(task)) = Fetch::new("x").parse(response(200, data)) {
        round_trip(&task);
    }
}

/// `list-by-condition` answers.
pub fn tasks(data: &[u8]) {
    if let Ok(tasks) = ListByCondition::new(["x"]).parse(response(200, data)) {
        tasks.iter().for_each(round_trip);
    }
}

/// Submit answers.
pub fn submit(data: &[u8]) {
    if let Ok(submitted) = Imagine::new("x").parse(response(200, data)) {
        assert!(!submitted.task_id.is_empty(), "an accepted submit names its task");
        assert!(submitted.raw.code.created_task());
    }
}

/// Paged query answers.
pub fn page(data: &[u8]) {
    if let Ok(page) = Query::new().parse(response(200, data)) {
        page.content.iter().for_each(round_trip);
        let _ = page.next_number();
    }
}

/// Webhook bodies.
pub fn notification(data: &[u8]) {
    if let Ok(task) = crate::webhook::parse(data) {
        assert!(!task.id.is_empty(), "a notification names its task");
        round_trip(&task);
    }
}

/// Error bodies of every shape.
pub fn envelope(data: &[u8]) {
    if let Some(envelope) = ErrorEnvelope::parse(data) {
        let _ = envelope.message();
    }
}

fn field<T: DeserializeOwned>(data: &[u8]) {
    let _ = serde_json::from_slice::<T>(data);
}

/// One lenient field type at a time; the first byte picks which.
pub fn fields(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else { return };
    match pick % 9 {
        0 => field::<ComponentValue>(rest),
        1 => field::<TaskStatus>(rest),
        2 => field::<TaskAction>(rest),
        3 => field::<MediaUrl>(rest),
        4 => field::<Properties>(rest),
        5 => field::<ReturnCode>(rest),
        6 => field::<Button>(rest),
        7 => field::<SubmitResult>(rest),
        _ => {
            if let Ok(task) = serde_json::from_slice::<Task>(rest) {
                let _ = (task.progress_percent(), task.result_image_urls(), task.upscale(1));
                let _ = task.properties.final_prompt();
                round_trip(&task);
            }
        }
    }
    let _ = AccountFilter::default();
}

/// A whole exchange: the first two bytes pick the HTTP status, the third the endpoint and
/// a content type; the rest is the body. Every endpoint's parse must give a value or a
/// typed error for any status, header and body.
pub fn exchange(data: &[u8]) {
    let [a, b, pick, body @ ..] = data else { return };
    let status = 100 + u16::from_be_bytes([*a, *b]) % 500;
    let mut response = response(status, body);
    let content_type = ["application/json", "text/html; charset=utf-8", "text/plain", ""][usize::from(pick >> 6)];
    if let Ok(value) = http::HeaderValue::from_str(content_type)
        && !content_type.is_empty()
    {
        response.headers_mut().insert(http::header::CONTENT_TYPE, value);
    }
    if pick & 0x20 != 0 {
        response.headers_mut().insert(http::header::RETRY_AFTER, http::HeaderValue::from_static("7"));
    }
    let error = match pick % 8 {
        0 => Fetch::new("x").parse(response).err(),
        1 => ListByCondition::new(["x"]).parse(response).err(),
        2 => Imagine::new("x").parse(response).err(),
        3 => Query::new().parse(response).err(),
        4 => Cancel::new("x").parse(response).err(),
        5 => ImageSeed::new("x").parse(response).err(),
        6 => UploadDiscordImages::new(["x"]).parse(response).err(),
        _ => crate::inspect::decode(crate::inspect::BodyKind::Page, response).err(),
    };
    if let Some(error) = error {
        // Every error describes itself briefly, whatever the body held.
        let text = error.to_string();
        assert!(text.len() < 2_000, "an error message quotes only an excerpt ({} bytes)", text.len());
        let _ = (error.kind(), error.is_retryable(), error.status(), error.retry_after());
    }
    let _: Option<Page> = None;
}
