//! Retry, exactly-once submit, waiting and batch watching as sans-IO state machines.
//!
//! A driver loops: `poll(now)` says what to do next ([`Step`]); after a `Send` the driver
//! performs the exchange and feeds the result to `handle(result, now)`. Plans never read
//! the clock or sleep, so tests run ten minutes of waiting in microseconds; the blocking
//! and async clients (mj-client's `Client` and `AsyncClient`) are the only code that does.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use mj_proto::plan::{Plan, RetryPlan, RetryPolicy, Step};
//! use mj_proto::{Config, endpoint::Fetch, http};
//!
//! let config = Config::new("http://127.0.0.1:8080")?;
//! let fetch = Fetch::new("1");
//! let mut plan = RetryPlan::new(&config, &fetch, RetryPolicy::default());
//! let t0 = Instant::now();
//! let Step::Send(_request) = plan.poll(t0) else { unreachable!() };
//! let busy = http::Response::builder().status(503).body(Vec::new())?;
//! plan.handle(Ok(busy), t0);
//! let Step::Notice(notice) = plan.poll(t0) else { unreachable!() }; // worth a log line
//! assert!(notice.to_string().starts_with("fetch: try 1 failed (server error (HTTP 503"));
//! assert!(matches!(plan.poll(t0), Step::Sleep(until) if until > t0)); // backing off
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod backoff;
mod exchange;
mod facts;
mod hub;
mod notice;
mod pool;
mod pool_submit;
mod pool_watch;
mod retry;
mod submit;
mod submit_policy;
mod tasks;
mod wait;
mod watch;

use std::time::{Duration, Instant};

pub use crate::profile::Lookup;
pub use backoff::RetryPolicy;
pub use facts::ServerFacts;
pub use hub::{Callback, Hub, REMEMBERED};
pub use notice::Notice;
pub use pool::{Member, MemberStatus, Pool};
pub use pool_submit::{Placed, PoolSubmitPlan};
pub use pool_watch::PoolWatchPlan;
pub use retry::RetryPlan;
pub use submit::SubmitPlan;
pub use submit_policy::SubmitPolicy;
pub use tasks::TasksPlan;
pub use wait::{WaitOptions, WaitPlan};
pub use watch::{WatchOptions, WatchPlan, WatchReport};

use crate::error::Error;
use crate::model::Task;
use crate::transport::TransportError;
use crate::wire::{HttpRequest, HttpResponse, RequestTimeout};

/// How long a call may take unless mj-client's `Settings::deadline` says
/// otherwise: retries, lookups and waiting together. A wait or watch plan driven without a
/// deadline ends this long after it started.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(600);

/// An endpoint this server does not offer: a 404, 405 or 501 that is not the task's own
/// "not found" (those are parsed as `None` where the endpoint has one).
pub(crate) fn endpoint_missing(error: &Error) -> bool {
    use crate::error::ErrorKind;
    matches!(error.kind(), ErrorKind::Unexpected | ErrorKind::WrongBaseUrl)
        && error.status().is_some_and(|s| matches!(s.as_u16(), 404 | 405 | 501))
}

/// Caps the exchange `request` starts at `now` by the call's `deadline`, so that one
/// hanging exchange cannot outlast the call: the transport reads [`RequestTimeout`].
pub(crate) fn bounded(mut request: HttpRequest, now: Instant, deadline: Option<Instant>) -> HttpRequest {
    if let Some(deadline) = deadline {
        let left = deadline.saturating_duration_since(now).max(Duration::from_millis(1));
        request.extensions_mut().insert(RequestTimeout(left));
    }
    request
}

/// What a plan wants next.
#[derive(Debug)]
pub enum Step<T, E = std::convert::Infallible> {
    /// Perform this exchange and feed the result to [`Plan::handle`].
    Send(HttpRequest),
    /// Wait until this instant, then poll again.
    Sleep(Instant),
    /// A progress update (the task as it stands) for the caller to show, then poll again.
    Progress(E),
    /// A retry, lookup or re-send worth logging, then poll again.
    Notice(Notice),
    /// Finished.
    Done(Result<T, Error>),
}

/// A sans-IO state machine driven by mj-client's clients or by your own loop.
pub trait Plan {
    /// What the plan produces.
    type Output;
    /// What it reports on the way.
    type Progress;

    /// The next step at `now`.
    fn poll(&mut self, now: Instant) -> Step<Self::Output, Self::Progress>;

    /// The result of the exchange the last [`Step::Send`] asked for.
    fn handle(&mut self, result: Result<HttpResponse, TransportError>, now: Instant);

    /// What callbacks this plan can use: the tasks it follows and the token of the submit
    /// it makes. A driver with a [`Hub`] hands it every report of them
    /// ([`pushed`](Self::pushed)); plans that make one read need none.
    fn interests(&self) -> Vec<Interest<'_>> {
        Vec::new()
    }

    /// A callback's report of one of its [`interests`](Self::interests), taken at `now`.
    /// Plans check it against what they know: a repeat or an older report changes
    /// nothing, and a report that a task finished is confirmed by a fetch unless the
    /// plan was told to trust pushes.
    fn pushed(&mut self, task: &Task, now: Instant) {
        let _ = (task, now);
    }
}

/// A plan driven by reference, so that its caller can look at it afterwards (which pool
/// members refused a submit, say).
impl<P: Plan + ?Sized> Plan for &mut P {
    type Output = P::Output;
    type Progress = P::Progress;

    fn poll(&mut self, now: Instant) -> Step<Self::Output, Self::Progress> {
        (**self).poll(now)
    }

    fn handle(&mut self, result: Result<HttpResponse, TransportError>, now: Instant) {
        (**self).handle(result, now)
    }

    fn interests(&self) -> Vec<Interest<'_>> {
        (**self).interests()
    }

    fn pushed(&mut self, task: &Task, now: Instant) {
        (**self).pushed(task, now)
    }
}

/// Something a plan wants to hear of from callbacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Interest<'a> {
    /// Every report of this task.
    Task(&'a str),
    /// The task whose submit carried this correlation token (`state`): a callback that
    /// names it resolves a submit whose answer was lost, without a lookup.
    Token(&'a str),
}
