//! Entry points of the cargo-fuzz targets (`fuzz/`), compiled only under `cfg(fuzzing)`
//! (which cargo-fuzz sets, and no dependent can) and in this crate's own tests, which replay
//! the corpora on stable Rust. Each takes arbitrary bytes, runs a parser, and checks what
//! must hold on success (a decoded value survives mj's own rendering unchanged).

use serde::de::DeserializeOwned;

use crate::endpoint::{Cancel, Fetch, ImageSeed, Imagine, ListByCondition, Query, UploadDiscordImages};
use crate::model::{
    AccountFilter, Button, ComponentValue, ErrorEnvelope, MediaUrl, Page, Properties, ReturnCode, SubmitAnswer, Task,
    TaskAction, TaskStatus,
};
use crate::wire::HttpResponse;

fn response(status: u16, body: &[u8]) -> HttpResponse {
    let mut response = http::Response::new(body.to_vec());
    *response.status_mut() = http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::OK);
    response
}

/// A config for a server without a key: the door every parse goes through.
fn plain() -> crate::Config {
    let Ok(config) = crate::Config::new("http://127.0.0.1:1") else { panic!("the fuzz config is valid") };
    config
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

/// `GET /mj/task/{id}/fetch` answers. The oracle of total decoding: any JSON object with
/// an id decodes as a task with that id, whatever its other members hold.
pub fn task(data: &[u8]) {
    let decoded = crate::endpoint::shapes::task_or_none(response(200, data));
    if let Ok(serde_json::Value::Object(members)) = serde_json::from_slice::<serde_json::Value>(data) {
        let id = match members.get("id") {
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(serde_json::Value::Number(n)) if n.is_u64() || n.is_i64() => Some(n.to_string()),
            _ => None,
        };
        if let Some(id) = id.filter(|id| !id.is_empty()) {
            match &decoded {
                Ok(Some(task)) => assert_eq!(task.id, id, "the id read differently"),
                other => panic!("an object with an id did not decode as a task: {other:?}"),
            }
        }
    }
    if let Ok(Some(task)) = decoded {
        round_trip(&task);
    }
}

/// `list-by-condition` answers; the borrowed bulk decoder must agree with the owned one:
/// when both accept a list, every field the [`TaskView`](crate::model::TaskView) types
/// reads the same as in the task. (A view refuses a task that repeats a typed member,
/// which the owned decoder reads with the last one used and reports.)
pub fn tasks(data: &[u8]) {
    let owned = crate::tasks_from_slice(data);
    let views = crate::task_views(data);
    if let (Ok(tasks), Ok(views)) = (&owned, &views) {
        assert_eq!(tasks.len(), views.len());
        for (task, view) in tasks.iter().zip(views) {
            let Ok(viewed) = view.to_task() else { panic!("a view always renders as a task") };
            let (Ok(serde_json::Value::Object(full)), Ok(serde_json::Value::Object(seen))) =
                (serde_json::to_value(task), serde_json::to_value(&viewed))
            else {
                panic!("tasks render as objects")
            };
            for (key, value) in &seen {
                assert_eq!(full.get(key), Some(value), "`{key}` reads differently through the view");
            }
        }
    }
    if let Ok(tasks) = crate::endpoint::shapes::task_list(response(200, data), "task list") {
        tasks.iter().for_each(round_trip);
    }
}

/// Submit answers.
pub fn submit(data: &[u8]) {
    if let Ok(submitted) = plain().parse(&Imagine::new("x"), response(200, data)) {
        assert!(!submitted.task_id.is_empty(), "an accepted submit names its task");
        assert!(submitted.raw.code.created_task());
    }
}

/// Paged query answers.
pub fn page(data: &[u8]) {
    if let Ok(page) = plain().parse(&Query::new(), response(200, data)) {
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

/// Error bodies of every shape: only a JSON object is an envelope, the same bytes always
/// classify the same, and the message is text the body held (never invented or longer).
pub fn envelope(data: &[u8]) {
    let parsed = ErrorEnvelope::parse(data);
    assert_eq!(parsed, ErrorEnvelope::parse(data), "the same body classifies the same");
    if let Some(envelope) = parsed {
        assert!(
            matches!(serde_json::from_slice::<serde_json::Value>(data), Ok(serde_json::Value::Object(_))),
            "only a JSON object is an error envelope"
        );
        let message = envelope.message();
        assert!(message.len() <= data.len(), "the message comes from the body");
    }
}

/// A lenient field decodes, renders, and decodes again to the same value.
fn field<T: DeserializeOwned + serde::Serialize + PartialEq + std::fmt::Debug>(data: &[u8]) {
    if let Ok(value) = serde_json::from_slice::<T>(data) {
        let Ok(json) = serde_json::to_vec(&value) else { panic!("a decoded field always renders") };
        match serde_json::from_slice::<T>(&json) {
            Ok(again) => assert_eq!(again, value, "a field changed through render and decode"),
            Err(e) => panic!("mj's own rendering of a field does not decode: {e}"),
        }
    }
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
        7 => field::<SubmitAnswer>(rest),
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

/// The key the exchange target configures; corpora may hold it anywhere in a body.
pub const SECRET: &str = "sk-fuzz-S3CRET-key";

/// A whole exchange: the first two bytes pick the HTTP status, the third the endpoint and
/// a content type; the rest is the body. Every endpoint's parse must give a value or a
/// typed error for any status, header and body; the same input always classifies the
/// same; and an error never carries the API key (the body is also tried with the key
/// spliced in) nor more than an excerpt of the body.
pub fn exchange(data: &[u8]) {
    exchange_once(data);
    if let [head @ .., last] = data {
        let mut planted = head.to_vec();
        planted.extend_from_slice(SECRET.as_bytes());
        planted.push(*last);
        exchange_once(&planted);
    }
}

fn exchange_once(data: &[u8]) {
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
    let Ok(config) = crate::Config::new("http://127.0.0.1:1").and_then(|c| c.with_api_key(SECRET)) else {
        panic!("the fuzz config is valid")
    };
    let classify = |response: HttpResponse| -> Option<crate::Error> {
        match pick % 8 {
            0 => config.parse(&Fetch::new("x"), response).err(),
            1 => config.parse(&ListByCondition::new(["x"]), response).err(),
            2 => config.parse(&Imagine::new("x"), response).err(),
            3 => config.parse(&Query::new(), response).err(),
            4 => config.parse(&Cancel::new("x"), response).err(),
            5 => config.parse(&ImageSeed::new("x"), response).err(),
            6 => config.parse(&UploadDiscordImages::new(["x"]), response).err(),
            _ => config.parse(&crate::endpoint::ListTasks, response).err(),
        }
    };
    let again = classify(response.clone());
    let error = classify(response);
    let sketch = |e: &Option<crate::Error>| e.as_ref().map(|e| (e.kind(), e.status(), e.retry_after(), e.to_string()));
    assert_eq!(sketch(&error), sketch(&again), "the same exchange classifies the same");
    if let Some(error) = error {
        // Every error describes itself briefly, whatever the body held, and never with the key.
        let text = format!("{error} {error:?}");
        assert!(text.len() < 4_000, "an error quotes only an excerpt ({} bytes)", text.len());
        assert!(!text.contains(SECRET), "the key reached an error: {text}");
        let _ = error.is_retryable();
    }
    let _: Option<Page> = None;
}

#[cfg(test)]
mod replay {
    use std::path::Path;

    type Target = fn(&[u8]);

    const TARGETS: [(&str, Target); 8] = [
        ("task", super::task),
        ("tasks", super::tasks),
        ("submit", super::submit),
        ("page", super::page),
        ("notification", super::notification),
        ("envelope", super::envelope),
        ("fields", super::fields),
        ("exchange", super::exchange),
    ];

    /// Every input of the cargo-fuzz corpora, and every crash kept as a regression, goes
    /// through the entry point its target uses, on stable Rust.
    #[test]
    fn every_corpus_input_replays_cleanly() {
        let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz");
        let mut replayed = 0;
        for (name, target) in TARGETS {
            let mut inputs = 0;
            for folder in [format!("corpus/{name}"), format!("regressions/{name}")] {
                let Ok(entries) = std::fs::read_dir(fuzz.join(folder)) else { continue };
                for entry in entries {
                    let path = entry.expect("a corpus entry").path();
                    let data = std::fs::read(&path).expect("a corpus file");
                    if std::panic::catch_unwind(|| target(&data)).is_err() {
                        panic!("the {name} target fails on {}", path.display());
                    }
                    inputs += 1;
                }
            }
            assert!(inputs > 0, "the {name} corpus is empty");
            replayed += inputs;
        }
        eprintln!("replayed {replayed} fuzz inputs");
    }
}
