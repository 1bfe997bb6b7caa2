//! Embedding the core in a custom runtime: a hand-rolled blocking and async transport
//! drive a whole imagine → poll → U1 flow through `Config::build` / `Config::parse`.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mj_client::prelude::*;
use mj_proto::{AsyncTransport, HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind};
use mj_tests::block_on;

/// Answers from a script and records what was asked.
struct Scripted {
    answers: RefCell<VecDeque<(u16, &'static str)>>,
    seen: RefCell<Vec<String>>,
    slept: RefCell<Duration>,
}

impl Scripted {
    fn new(answers: &[(u16, &'static str)]) -> Self {
        Self {
            answers: RefCell::new(answers.iter().copied().collect()),
            seen: RefCell::new(Vec::new()),
            slept: RefCell::new(Duration::ZERO),
        }
    }
}

impl Transport for Scripted {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.seen.borrow_mut().push(format!("{} {}", request.method(), request.uri().path()));
        let (status, body) = self
            .answers
            .borrow_mut()
            .pop_front()
            .ok_or_else(|| TransportError::new(TransportErrorKind::Connect, "script exhausted"))?;
        Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).expect("response"))
    }
    fn sleep(&self, duration: Duration) {
        *self.slept.borrow_mut() += duration;
    }
}

const GRID_DONE: &str = r#"{"id":"100","action":"IMAGINE","status":"SUCCESS","progress":"100%",
  "imageUrl":"https://cdn.example.test/grid.png",
  "buttons":[{"customId":"MJ::JOB::upsample::1::h","label":"U1","type":2,"style":2},
             {"customId":"MJ::JOB::variation::1::h","label":"V1","type":"2","style":"2"}]}"#;

fn call<E: Endpoint>(config: &Config, transport: &dyn Transport, endpoint: &E) -> Result<E::Output, Error> {
    let response = transport.send(config.build(endpoint)?)?;
    config.parse(endpoint, response)
}

#[test]
fn a_blocking_flow_through_a_trait_object() {
    let script = Scripted::new(&[
        (200, r#"{"code":1,"description":"提交成功","result":"100","properties":{}}"#),
        (200, r#"{"id":"100","status":"SUBMITTED","progress":"0%"}"#),
        (200, r#"{"id":"100","status":"IN_PROGRESS","progress":"53%"}"#),
        (200, GRID_DONE),
        (200, r#"{"code":22,"description":"排队中","result":101,"properties":{"numberOfQueues":1}}"#),
    ]);
    let boxed: Box<dyn Transport + '_> = Box::new(&script);
    let config = Config::new("http://127.0.0.1:9").expect("config");

    let submitted = call(&config, &*boxed, &Imagine::new("a red fox")).expect("submitted");
    let mut progress = Vec::new();
    let done = loop {
        let task = call(&config, &*boxed, &Fetch::new(&submitted.task_id)).expect("fetch").expect("exists");
        progress.push(task.progress_percent());
        if task.is_terminal() {
            break task;
        }
        boxed.sleep(Duration::from_secs(3));
    };
    assert_eq!(progress, [Some(0), Some(53), Some(100)]);
    assert_eq!(done.result_image_urls(), ["https://cdn.example.test/grid.png"]);
    let u1 = done.upscale(1).expect("U1");
    let child = call(&config, &*boxed, &u1).expect("U1 submitted");
    assert_eq!((child.task_id.as_str(), &child.outcome), ("101", &SubmitOutcome::Queued { ahead: Some(1) }));
    assert_eq!(*script.slept.borrow(), Duration::from_secs(6));
    assert_eq!(
        *script.seen.borrow(),
        [
            "POST /mj/submit/imagine",
            "GET /mj/task/100/fetch",
            "GET /mj/task/100/fetch",
            "GET /mj/task/100/fetch",
            "POST /mj/submit/action"
        ]
    );
    let exhausted = call(&config, &*boxed, &Fetch::new("100")).expect_err("no more answers");
    assert_eq!(exhausted.kind(), ErrorKind::Connect);
}

/// An async transport over the same script, shared as `Arc<dyn AsyncTransport>`.
struct AsyncScripted(Mutex<VecDeque<(u16, &'static str)>>);

#[async_trait::async_trait]
impl AsyncTransport for AsyncScripted {
    async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let next = self.0.lock().map_err(|_| TransportError::new(TransportErrorKind::Other, "poisoned"))?.pop_front();
        let (status, body) = next.ok_or_else(|| TransportError::new(TransportErrorKind::Timeout, "no answer"))?;
        Ok(http::Response::builder().status(status).body(body.as_bytes().to_vec()).expect("response"))
    }
    async fn sleep(&self, _duration: Duration) {}
}

#[test]
fn an_async_transport_is_object_safe_and_shareable() {
    let transport: Arc<dyn AsyncTransport> =
        Arc::new(AsyncScripted(Mutex::new([(200, GRID_DONE), (429, "")].into_iter().collect())));
    let config = Config::new("http://127.0.0.1:9").expect("config");
    let fetch = Fetch::new("100");
    let task = block_on(async {
        let response = transport.send(config.build(&fetch)?).await?;
        transport.sleep(Duration::from_secs(1)).await;
        config.parse(&fetch, response)
    })
    .expect("fetched")
    .expect("exists");
    assert_eq!(task.buttons.len(), 2);
    let limited = block_on(async {
        let response = transport.send(config.build(&fetch)?).await?;
        config.parse(&fetch, response)
    });
    assert_eq!(limited.expect_err("429").kind(), ErrorKind::RateLimited);
}
