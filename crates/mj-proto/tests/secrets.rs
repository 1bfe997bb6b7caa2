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
