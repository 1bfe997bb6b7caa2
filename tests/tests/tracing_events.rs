//! With the `tracing` feature, a client call leaves a span and events that say what
//! happened (each exchange, the retry and its reason, the give-up), and never the key,
//! even when the server echoes it.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mj_client::prelude::*;
use mj_proto::{HttpRequest, HttpResponse, Transport, TransportError};

const KEY: &str = "sk-live-9f8e7d6c5b4a";

/// Answers 500 with the key in the body, then the task; the second client call gets a
/// 401 that echoes the key.
#[derive(Debug, Default)]
struct Echo {
    calls: Mutex<u32>,
    clock: Mutex<Duration>,
}

impl Transport for Echo {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let mut calls = self.calls.lock().expect("lock");
        *calls += 1;
        let (status, body) = match (*calls, request.uri().path()) {
            (1, _) => (500, format!("upstream rejected token {KEY}")),
            (2, _) => (200, r#"{"id":"7","status":"SUCCESS","progress":"100%"}"#.to_owned()),
            _ => (401, format!("{{\"error\":\"bad key {KEY}\"}}")),
        };
        Ok(http::Response::builder().status(status).body(body.into_bytes()).expect("response"))
    }

    fn sleep(&self, duration: Duration) {
        *self.clock.lock().expect("lock") += duration;
    }

    fn now(&self) -> Instant {
        static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
        *EPOCH.get_or_init(Instant::now) + *self.clock.lock().expect("lock")
    }
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_retried_call_leaves_events_that_say_so_and_never_the_key() {
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || sink.clone())
        .finish();
    let config = Config::new("https://user:pw@gw.example.test/v1").and_then(|c| c.with_api_key(KEY)).expect("config");
    let client = Client::with_transport(Echo::default(), config);
    tracing::subscriber::with_default(subscriber, || {
        assert_eq!(client.fetch("7").expect("retried, then found").map(|t| t.id), Some("7".to_owned()));
        assert_eq!(client.fetch("7").expect_err("401").kind(), ErrorKind::Unauthorized);
    });
    let log = String::from_utf8(captured.0.lock().expect("lock").clone()).expect("utf-8");
    assert!(!log.contains(KEY), "the key leaked:\n{log}");
    assert!(!log.contains("pw@"), "credentials in the base URL leaked:\n{log}");
    for expected in [
        r#"mj{call="fetch" host="gw.example.test"}"#,
        r#"send method=GET path="/v1/mj/task/7/fetch""#,
        "answer status=500",
        r#"retry endpoint="fetch" attempt=1 reason="server error (HTTP 500"#,
        "answer status=200",
        "done",
        "give up kind=Unauthorized",
    ] {
        assert!(log.contains(expected), "no `{expected}` in:\n{log}");
    }
}
