//! The API key appears in no `Debug`, `Display` or error text, even when a server echoes it.

mod common;

use common::{response, response_with};
use mj_proto::endpoint::{Fetch, Imagine};
use mj_proto::prelude::*;
use mj_proto::{ApiKey, TransportError, TransportErrorKind};

const KEY: &str = "sk-live-SECRET-7f3a9c1e5b";

fn config(auth: AuthStyle) -> Config {
    Config::new("https://gw.example.test").and_then(|c| c.with_api_key(KEY)).expect("config").with_auth_style(auth)
}

fn assert_clean(text: &str) {
    assert!(!text.contains(KEY), "the key leaked: {text}");
    assert!(!text.contains("SECRET-7f3a"), "part of the key leaked: {text}");
}

#[test]
fn config_key_and_requests_do_not_print_the_key() {
    for auth in [AuthStyle::Bearer, AuthStyle::MjApiSecret, AuthStyle::RawAuthorization, AuthStyle::Both] {
        let config = config(auth);
        assert_clean(&format!("{config:?}"));
        assert_clean(&format!("{:?}", config.api_key()));
        let request = config.build(&Imagine::new("x")).expect("builds");
        assert_clean(&format!("{request:?}"));
        assert_clean(&format!("{:?}", request.headers()));
    }
    assert_clean(&format!("{:?}", ApiKey::new(KEY).expect("key")));
}

#[test]
fn errors_that_echo_the_key_are_scrubbed() {
    let config = config(AuthStyle::Bearer);
    let echoes = [
        (401, format!("invalid token {KEY}")),
        (401, format!(r#"{{"error":{{"message":"无效的令牌 Bearer {KEY}","type":"new_api_error"}}}}"#)),
        (400, format!(r#"{{"code":4,"description":"bad key {KEY}","result":"{KEY}"}}"#)),
        (200, format!(r#"{{"code":4,"description":"{KEY}"}}"#)),
        (500, format!("<html>{KEY}</html>")),
        (503, format!("upstream said {KEY}")),
        (200, format!(r#"{{"code":1,"description":"{KEY}""#)),
        (200, format!(r#"{{"code":1,"description":"ok","result":{{"k":"{KEY}"}}}}"#)),
        (404, format!("no route for {KEY}")),
        (200, format!(r#"{{"code":24,"description":"x","properties":{{"promptEn":"{KEY}","n":[{{"k":"{KEY}"}}]}}}}"#)),
        (400, format!(r#"{{"code":4,"description":"x","type":"{KEY}","result":["{KEY}"]}}"#)),
        // A quota refusal, a server not set up, a wrapper over no task: each can echo it.
        (402, format!(r#"{{"error":"quota_exceeded","message":"no balance for {KEY}"}}"#)),
        (403, format!(r#"{{"error":{{"message":"Insufficient quota","type":"{KEY}"}}}}"#)),
        (501, format!(r#"{{"success":false,"message":"任务平台未配置: {KEY}"}}"#)),
        (200, format!(r#"{{"code":200,"description":"{KEY}","result":{{"code":9,"description":"{KEY}"}}}}"#)),
    ];
    for (status, body) in echoes {
        let error = config.parse(&Imagine::new("x"), response(status, body.clone())).expect_err(&body);
        assert_clean(&error.to_string());
        assert_clean(&format!("{error:?}"));
        if let Error::Html(a)
        | Error::Unexpected(a)
        | Error::Server(a)
        | Error::Unauthorized(a)
        | Error::Quota(a)
        | Error::NotConfigured(a) = &error
        {
            assert_clean(&String::from_utf8_lossy(&a.body));
        }
        if let Error::Decode(d) = &error {
            assert_clean(&String::from_utf8_lossy(&d.body));
        }
    }
    let error = config
        .parse(&Fetch::new("1"), response_with(429, ("retry-after", "1"), format!("slow down {KEY}")))
        .expect_err("429");
    assert_clean(&error.to_string());
}

#[test]
fn transport_errors_are_scrubbed_too() {
    let config = config(AuthStyle::Bearer);
    let error = Error::from(TransportError::new(
        TransportErrorKind::Connect,
        format!("connect to https://user:{KEY}@gw.example.test failed"),
    ));
    let error = config.redact(error);
    assert_clean(&error.to_string());
    assert_clean(&format!("{error:?}"));
}

#[test]
fn bad_keys_are_refused_without_echoing_them() {
    let error = Config::new("http://h").and_then(|c| c.with_api_key("sk-abc def")).expect_err("space");
    assert!(!error.to_string().contains("sk-abc"));
    assert!(Config::new("http://h").and_then(|c| c.with_api_key("  ")).is_err());
    let trimmed = ApiKey::new(" sk-file-key\n").expect("trimmed");
    assert_eq!(trimmed.expose_secret(), "sk-file-key");
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
        mj_proto::Client::with_transport(Echo { status, now }, config.clone())
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

/// A key with a slash, sent inside a task's text as `\/` or `\u002F` (escaped once more,
/// so the decoded text still holds the escape), is scrubbed from the decoded text that a
/// person sees, in every field.
#[test]
fn a_key_escaped_inside_decoded_text_is_scrubbed() {
    let key = "sk-a/b+c";
    let config = Config::new("https://gw.example.test").and_then(|c| c.with_api_key(key)).expect("config");
    for escaped in [r"sk-a\\/b+c", r"sk-a\\u002Fb\\u002bc", r"sk-a\\u002fb+c"] {
        let json = format!(
            r#"{{"id":"1","status":"FAILURE","failReason":"bad key {escaped}","prompt":"p {escaped}","properties":{{"note":"{escaped}"}},"odd":["{escaped}"]}}"#
        );
        let task: mj_proto::Task = serde_json::from_str(&json).expect("a task");
        assert!(task.fail_reason.as_deref().is_some_and(|r| r.contains('\\')), "the escape survives decoding");
        let shown = config.redact_task(task);
        let text = format!("{shown:?} {}", serde_json::to_string(&shown).expect("json"));
        for form in ["sk-a", "b+c", "002F", "002f"] {
            assert!(!text.contains(form), "{form} in {text}");
        }
        assert_eq!(shown.fail_reason.as_deref(), Some("bad key [redacted]"));
    }
}
