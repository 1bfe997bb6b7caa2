//! The key never reaches an error a client gives: a server that echoes it into every
//! field of a task, and into its error bodies, leaves only `[redacted]` in every error of
//! a wait, a submit and a press, and in the task as the client hands it over for logging.

use mj_client::prelude::*;
use mj_proto::{HttpResponse, TransportError, http};

const KEY: &str = "sk-live-SECRET-7f3a9c1e5b";

fn config(auth: AuthStyle) -> Config {
    Config::new("https://gw.example.test").and_then(|c| c.with_api_key(KEY)).expect("config").with_auth_style(auth)
}

fn assert_clean(text: &str) {
    assert!(!text.contains(KEY), "the key leaked: {text}");
    assert!(!text.contains("SECRET-7f3a"), "part of the key leaked: {text}");
}

fn response(status: u16, body: impl Into<Vec<u8>>) -> HttpResponse {
    http::Response::builder().status(status).body(body.into()).expect("valid status")
}

/// A server that echoes the key into every place a task has: prompt, promptEn,
/// description, failReason, state, properties, buttons, image URL; and into error bodies.
struct Echo {
    status: &'static str,
    /// A manual clock: sleeping advances it, so a ten-minute wait takes no time.
    now: std::sync::Mutex<std::time::Instant>,
}

impl mj_proto::Transport for Echo {
    fn send(&self, request: mj_proto::HttpRequest) -> Result<mj_proto::HttpResponse, TransportError> {
        let task = serde_json::json!({
            "id": "1", "status": self.status, "progress": "42%",
            "prompt": format!("a fox {KEY}"), "promptEn": KEY, "description": format!("/imagine {KEY}"),
            "failReason": format!("refused for key {KEY}"), "state": KEY, "imageUrl": format!("https://cdn.test/{KEY}.png"),
            "properties": {"finalPrompt": KEY, "nested": {"deep": [KEY]}},
            "buttons": [{"customId": format!("MJ::JOB::upsample::1::{KEY}"), "label": KEY, "emoji": KEY, "type": 2, "style": 2}],
        });
        let body = match request.uri().path() {
            "/mj/submit/imagine" => return Ok(response(502, format!("<p>bad gateway for {KEY}</p>"))),
            "/mj/task/query" => return Ok(response(503, format!(r#"{{"error":"down, key {KEY}"}}"#))),
            _ => task.to_string(),
        };
        Ok(response(200, body))
    }
    fn sleep(&self, d: std::time::Duration) {
        *self.now.lock().expect("clock") += d;
    }
    fn now(&self) -> std::time::Instant {
        *self.now.lock().expect("clock")
    }
}

/// Display, Debug and every `source()` of `error`, in one text.
fn surfaces(error: &Error) -> String {
    let mut text = format!("{error} {error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(" {cause} {cause:?}"));
        source = cause.source();
    }
    text
}

#[test]
fn a_key_echoed_anywhere_in_a_task_reaches_no_error() {
    let config = config(AuthStyle::Bearer);
    let with = |status| {
        let now = std::sync::Mutex::new(std::time::Instant::now());
        mj_client::Client::with_transport(Echo { status, now }, config.clone())
            .with_settings(Settings::default().deadline(std::time::Duration::from_secs(60)))
    };
    let failed = with("FAILURE").wait("1").expect_err("failed");
    assert_eq!(failed.kind(), ErrorKind::TaskFailed);
    let modal = with("MODAL").wait("1").expect_err("modal");
    assert_eq!(modal.kind(), ErrorKind::NeedsInput);
    let stuck = with("IN_PROGRESS").wait("1").expect_err("stuck");
    assert_eq!(stuck.kind(), ErrorKind::WaitTimeout);
    let lost = with("SUCCESS").submit(Imagine::new("a fox")).expect_err("lost");
    assert_eq!(lost.kind(), ErrorKind::OutcomeUnknown);
    let no_button = with("SUCCESS").press(&with("SUCCESS").wait("1").expect("task"), &ButtonKind::Reroll);
    for error in [failed, modal, stuck, lost, no_button.expect_err("no reroll")] {
        let text = surfaces(&error);
        assert_clean(&text);
        assert!(text.contains("[redacted]"), "the echo is visible as redacted: {text}");
    }
    // The task itself, for logging: every field scrubbed, the shape kept.
    let task = with("SUCCESS").wait("1").expect("task");
    let clean = config.redact_task(task.clone());
    assert_clean(&format!("{clean:?} {}", serde_json::to_string(&clean).expect("json")));
    assert_eq!((clean.buttons.len(), clean.properties.get("nested").is_some()), (task.buttons.len(), true));
}
