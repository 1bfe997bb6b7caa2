//! The test driver of the plans: a fake clock, a scripted server, and what a run saw.
//! Every plan test module imports all of it (and the crate items the tests name).

#![allow(unused_imports, dead_code, unreachable_pub)]

pub(crate) use std::time::{Duration, Instant};

pub(crate) use crate::common::{response, response_with};
pub(crate) use mj_proto::endpoint::{Fetch, Imagine};
pub(crate) use mj_proto::plan::{
    Interest, Lookup, Notice, Plan, RetryPlan, RetryPolicy, Step, SubmitPlan, SubmitPolicy, TasksPlan, WaitOptions,
    WaitPlan, WatchOptions, WatchPlan,
};
pub(crate) use mj_proto::prelude::*;
pub(crate) use mj_proto::{
    HttpRequest, HttpResponse, LookupFailure, RequestTimeout, TransportError, TransportErrorKind,
};
pub(crate) use serde_json::json;

/// What a scripted run saw.
pub(crate) struct Run<T, E> {
    pub(crate) result: Result<T, Error>,
    pub(crate) requests: Vec<String>,
    /// Each request's method and whole URL (host included), for plans over several servers.
    pub(crate) urls: Vec<String>,
    /// When each request was sent, since the start.
    pub(crate) sent_at: Vec<Duration>,
    pub(crate) sleeps: Vec<Duration>,
    pub(crate) events: Vec<E>,
    pub(crate) notices: Vec<Notice>,
    pub(crate) elapsed: Duration,
}

/// Drives `plan` on a fake clock; `answer` plays the server.
pub(crate) fn run<P: Plan>(
    plan: P,
    answer: impl FnMut(&HttpRequest, Duration) -> Result<HttpResponse, TransportError>,
) -> Run<P::Output, P::Progress> {
    run_at(Instant::now(), plan, answer)
}

/// [`run`] with the fake clock starting at `t0` (for a plan given a deadline after `t0`).
pub(crate) fn run_at<P: Plan>(
    t0: Instant,
    mut plan: P,
    mut answer: impl FnMut(&HttpRequest, Duration) -> Result<HttpResponse, TransportError>,
) -> Run<P::Output, P::Progress> {
    let mut now = t0;
    let (mut requests, mut urls, mut sent_at, mut sleeps, mut events, mut notices) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..100_000 {
        match plan.poll(now) {
            Step::Send(request) => {
                requests.push(format!("{} {}", request.method(), request.uri().path()));
                urls.push(format!("{} {}", request.method(), request.uri()));
                sent_at.push(now - t0);
                let result = answer(&request, now - t0);
                plan.handle(result, now);
            }
            Step::Sleep(until) => {
                assert!(until > now, "a plan never asks to sleep into the past");
                sleeps.push(until - now);
                now = until;
            }
            Step::Progress(e) => events.push(e),
            Step::Notice(n) => notices.push(n),
            Step::Done(result) => {
                return Run { result, requests, urls, sent_at, sleeps, events, notices, elapsed: now - t0 };
            }
        }
    }
    panic!("the plan never finished");
}

pub(crate) fn config() -> Config {
    Config::new("http://sim.test").expect("config")
}

pub(crate) fn ok(body: serde_json::Value) -> Result<HttpResponse, TransportError> {
    Ok(response(200, body.to_string()))
}

pub(crate) fn lost() -> Result<HttpResponse, TransportError> {
    Err(TransportError::new(TransportErrorKind::Interrupted, "connection reset"))
}

pub(crate) fn policy() -> RetryPolicy {
    RetryPolicy::default().seeded(7)
}

pub(crate) fn task(status: &str, progress: &str) -> serde_json::Value {
    json!({"id": "1", "status": status, "progress": progress})
}

/// One callback's task, as a receiver hands it to a wait.
pub(crate) fn pushed(status: &str, progress: &str) -> Task {
    mj_proto::webhook::parse(json!({"id": "1", "status": status, "progress": progress}).to_string()).expect("a task")
}

/// Steps a plan until it asks for something other than progress, collecting the progress.
pub(crate) fn next_step<P: Plan<Output = Task, Progress = Task>>(
    plan: &mut P,
    now: Instant,
    seen: &mut Vec<String>,
) -> Step<Task, Task> {
    loop {
        match plan.poll(now) {
            Step::Progress(task) => seen.push(format!("{} {}", task.status, task.progress.unwrap_or_default())),
            other => return other,
        }
    }
}
