//! Watching many tasks with one `list-by-condition` request per batch per round.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use super::backoff::{Budget, Verdict, judge};
use super::{Interest, Notice, Plan, RetryPolicy, Step, bounded, hub};
use crate::config::Config;
use crate::endpoint::{Fetch, ListByCondition};
use crate::error::{Error, ErrorKind};
use crate::model::{Task, TaskHandle, TaskStatus};
use crate::transport::TransportError;
use crate::wire::HttpResponse;

/// How a watch paces itself.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WatchOptions {
    /// Pause between rounds.
    pub interval: Duration,
    /// Ids per `list-by-condition` request.
    pub batch_size: usize,
    /// How long an id the server does not list is tolerated before it counts as unknown.
    pub not_found_grace: Duration,
    /// The grace instead for ids this client did not just submit (`mj wait ID`, a task
    /// from elsewhere): such a task already exists if it exists at all, so a mistyped id is
    /// reported in seconds rather than after the full grace.
    pub unknown_id_grace: Duration,
    /// The pause between rounds once callbacks arrive ([`WatchPlan::pushed`]): the rounds
    /// are then only a safety net for callbacks that go missing.
    pub safety_net: Duration,
    /// Believe a callback that says a task finished, without the confirming request.
    pub trust_pushes: bool,
}

impl Default for WatchOptions {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(4),
            batch_size: 100,
            not_found_grace: Duration::from_secs(30),
            unknown_id_grace: Duration::from_secs(8),
            safety_net: Duration::from_secs(30),
            trust_pushes: false,
        }
    }
}

impl WatchOptions {
    /// Sets the pause between rounds while callbacks arrive.
    pub fn safety_net(mut self, every: Duration) -> Self {
        self.safety_net = every;
        self
    }

    /// Believes callbacks that say a task finished, without a confirming request.
    pub fn trust_pushes(mut self, trust: bool) -> Self {
        self.trust_pushes = trust;
        self
    }

    /// Sets the pause between rounds.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets how long an id the server does not list is tolerated.
    pub fn not_found_grace(mut self, grace: Duration) -> Self {
        self.not_found_grace = grace;
        self
    }

    /// Sets the grace for ids this client did not just submit.
    pub fn unknown_id_grace(mut self, grace: Duration) -> Self {
        self.unknown_id_grace = grace;
        self
    }

    /// Sets the ids per request.
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size.max(1);
        self
    }
}

/// How a watch ended, task by task. Over several servers (a pool), each task carries its
/// server ([`Task::server`]) and each handle names it.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct WatchReport {
    /// Tasks that ended in SUCCESS, FAILURE or CANCEL, or wait in MODAL, in the order
    /// their ids were given.
    pub finished: Vec<Task>,
    /// Tasks still running at the deadline (last snapshot).
    pub unfinished: Vec<Task>,
    /// Tasks the server answered about without listing them, past the not-found grace:
    /// it does not know them (or, over a pool, no server of that name is in it).
    pub unknown: Vec<TaskHandle>,
    /// Tasks the watch learned nothing about before its deadline (no answer came in time
    /// to say whether they exist), or before their server's watch failed: a timeout, not
    /// an unknown task.
    pub unseen: Vec<TaskHandle>,
    /// Servers whose watch ended in an error, with it (a pool's other servers went on).
    pub failed: Vec<(String, Error)>,
    /// Requests made.
    pub requests: u64,
}

impl WatchReport {
    /// The finished task with `id`.
    pub fn task(&self, id: &str) -> Option<&Task> {
        self.finished.iter().find(|t| t.id == id)
    }

    /// True when every task ended in SUCCESS.
    pub fn all_succeeded(&self) -> bool {
        self.failed.is_empty()
            && self.unfinished.is_empty()
            && self.unknown.is_empty()
            && self.unseen.is_empty()
            && self.finished.iter().all(|t| t.status == TaskStatus::Success)
    }
}

/// Follows `ids` until each is finished, unknown, or the deadline passes; reports every
/// change as a [`Step::Progress`]. Ids the server omits are retried until the grace period
/// ends. Transient request errors are ridden out until the deadline (paced by the
/// [`RetryPolicy`]'s backoff, announced as [`Notice::Retry`]). A server without
/// `list-by-condition` (a reseller that serves only `GET /mj/task/{id}/fetch`) is watched
/// with one fetch per id per round instead ([`Notice::Fallback`]). Finishes with a
/// [`WatchReport`]; only an error another try cannot fix is an `Err`.
#[derive(Debug)]
pub struct WatchPlan<'a> {
    config: &'a Config,
    options: WatchOptions,
    budget: Budget,
    ids: Vec<String>,
    latest: HashMap<String, Task>,
    resolved: HashMap<String, Resolution>,
    round: VecDeque<Vec<String>>,
    inflight: Option<Vec<String>>,
    /// The server lacks `list-by-condition`: every id is fetched on its own.
    per_id: bool,
    events: VecDeque<Task>,
    notice: Option<Notice>,
    failures: u32,
    started: Option<Instant>,
    next_round: Option<Instant>,
    /// After a transient error, no request before this instant.
    paused_until: Option<Instant>,
    requests: u64,
    finished: Option<Result<WatchReport, Error>>,
    done: bool,
    /// Whether callbacks moved a watched task forward (then rounds are only a safety net).
    pushed: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resolution {
    Finished,
    Unknown,
}

impl<'a> WatchPlan<'a> {
    /// A watch over `ids` (duplicates are watched once) with the default [`WatchOptions`]
    /// and [`RetryPolicy`]; the setters [`options`](Self::options) and
    /// [`retry`](Self::retry) change them.
    pub fn new<I: Into<String>>(config: &'a Config, ids: impl IntoIterator<Item = I>) -> Self {
        let mut unique = Vec::new();
        for id in ids.into_iter().map(Into::into) {
            if !unique.contains(&id) {
                unique.push(id);
            }
        }
        Self {
            config,
            options: WatchOptions::default(),
            budget: Budget::new(RetryPolicy::default()),
            ids: unique,
            latest: HashMap::new(),
            resolved: HashMap::new(),
            round: VecDeque::new(),
            inflight: None,
            per_id: !config.offers(crate::EndpointName::LIST_BY_CONDITION),
            events: VecDeque::new(),
            notice: None,
            failures: 0,
            started: None,
            next_round: None,
            paused_until: None,
            requests: 0,
            finished: None,
            done: false,
            pushed: false,
        }
    }

    fn report(&mut self) -> WatchReport {
        let mut report = WatchReport { requests: self.requests, ..WatchReport::default() };
        for id in &self.ids {
            match (self.resolved.get(id), self.latest.remove(id)) {
                (Some(Resolution::Finished), Some(task)) => report.finished.push(task),
                (_, Some(task)) => report.unfinished.push(task),
                (Some(Resolution::Unknown), None) => report.unknown.push(TaskHandle::bare(id.as_str())),
                (_, None) => report.unseen.push(TaskHandle::bare(id.as_str())),
            }
        }
        report
    }

    /// How often to ask, for how long, and what to trust.
    pub fn options(mut self, options: WatchOptions) -> Self {
        self.options = options;
        self
    }

    /// How transient errors are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.budget.set_policy(policy);
        self
    }

    /// Starts knowing what a driver learned of the server (see
    /// [`ServerFacts`](super::ServerFacts)): with one fetch per id when it lacks
    /// `list-by-condition`.
    pub fn knowing(mut self, facts: &super::ServerFacts) -> Self {
        self.budget.knowing(facts);
        self.per_id |= facts.lacks(crate::EndpointName::LIST_BY_CONDITION);
        self
    }

    /// Ends the watch at `deadline` (a client passes its call's deadline,
    /// mj-client's `Settings::deadline`); without one, the watch ends
    /// [`DEFAULT_DEADLINE`](super::DEFAULT_DEADLINE) after it started.
    pub fn until(mut self, deadline: Option<Instant>) -> Self {
        self.budget.until(deadline);
        self
    }

    /// The call's deadline, or the default one from the start of the watch.
    fn deadline(&self, started: Instant) -> Instant {
        self.budget.capped(started + super::DEFAULT_DEADLINE)
    }

    fn pending(&self) -> Vec<String> {
        self.ids.iter().filter(|id| !self.resolved.contains_key(*id)).cloned().collect()
    }
}

impl Plan for WatchPlan<'_> {
    type Output = WatchReport;
    type Progress = Task;

    fn interests(&self) -> Vec<Interest<'_>> {
        self.ids.iter().filter(|id| !self.resolved.contains_key(*id)).map(|id| Interest::Task(id)).collect()
    }

    /// A callback's report of a watched task (from a [`Hub`](super::Hub) or any receiver),
    /// as a [`WaitPlan`](super::WaitPlan) takes one: shown at once when it
    /// moves the task forward, rounds slowed to [`WatchOptions::safety_net`], a reported end
    /// confirmed by a request for that task made at once (unless
    /// [`WatchOptions::trust_pushes`]). Reports about other tasks, about finished ones,
    /// repeats and older reports change nothing.
    fn pushed(&mut self, task: &Task, _now: Instant) {
        if self.done || !self.ids.contains(&task.id) || self.resolved.contains_key(&task.id) {
            return;
        }
        if hub::behind(self.latest.get(&task.id), task) {
            return;
        }
        self.pushed = true;
        // A summary of a large callback is never the task to hand back.
        if hub::settled(task) && (!self.options.trust_pushes || crate::webhook::is_summary(task)) {
            // Ask the server about this task first thing; its answer decides.
            if !self.round.iter().any(|batch| batch.as_slice() == [task.id.clone()]) {
                self.round.push_front(vec![task.id.clone()]);
            }
            return;
        }
        if hub::settled(task) {
            self.resolved.insert(task.id.clone(), Resolution::Finished);
        }
        self.events.push_back(task.clone());
        self.latest.insert(task.id.clone(), task.clone());
    }

    fn poll(&mut self, now: Instant) -> Step<WatchReport, Task> {
        if let Some(task) = self.events.pop_front() {
            return Step::Progress(task);
        }
        if let Some(notice) = self.notice.take() {
            return Step::Notice(notice);
        }
        if self.done {
            return Step::Done(self.finished.take().unwrap_or(Err(Error::PlanMisuse)));
        }
        if self.inflight.is_some() {
            return Step::Done(Err(Error::PlanMisuse));
        }
        let started = *self.started.get_or_insert(now);
        let deadline = self.deadline(started);
        let pending = self.pending();
        if pending.is_empty() || now >= deadline {
            self.done = true;
            let report = self.report();
            return Step::Done(Ok(report));
        }
        if let Some(at) = self.paused_until {
            if now < at {
                return Step::Sleep(at.min(deadline));
            }
            self.paused_until = None;
        }
        if self.round.is_empty() {
            if let Some(at) = self.next_round
                && now < at
            {
                return Step::Sleep(at.min(deadline));
            }
            let size = if self.per_id { 1 } else { self.options.batch_size };
            self.round = pending.chunks(size).map(<[String]>::to_vec).collect();
            if self.pushed {
                return Step::Notice(Notice::SafetyNet { tasks: pending.len() });
            }
        }
        let Some(batch) = self.round.pop_front() else { return Step::Sleep(now + self.options.interval) };
        let request = match batch.as_slice() {
            [id] if self.per_id => self.config.build(&Fetch::new(id.clone())),
            _ => self.config.build(&ListByCondition::new(batch.clone())),
        };
        match request {
            Ok(http) => {
                self.requests += 1;
                self.inflight = Some(batch);
                Step::Send(bounded(http, now, Some(deadline)))
            }
            Err(e) => {
                self.done = true;
                Step::Done(Err(e))
            }
        }
    }

    fn handle(&mut self, result: Result<HttpResponse, TransportError>, now: Instant) {
        let Some(ids) = self.inflight.take() else { return };
        let endpoint = if self.per_id { crate::EndpointName::FETCH } else { crate::EndpointName::LIST_BY_CONDITION };
        let listed = match (result, self.per_id) {
            (Err(e), _) => Err(self.config.redact(e.into())),
            (Ok(response), true) => self.config.parse(&Fetch::new(ids[0].clone()), response).map(Vec::from_iter),
            (Ok(response), false) => self.config.parse(&ListByCondition::new(ids.clone()), response),
        };
        let tasks = match listed {
            Ok(tasks) => tasks,
            Err(error) if !self.per_id && super::endpoint_missing(&error) => {
                // Watch the same ids one fetch at a time, starting with this batch.
                self.per_id = true;
                self.notice = Some(Notice::Fallback {
                    missing: crate::EndpointName::LIST_BY_CONDITION,
                    using: Some(crate::EndpointName::FETCH),
                });
                let singles: Vec<Vec<String>> = ids.into_iter().map(|id| vec![id]).collect();
                let rest: Vec<Vec<String>> = self.round.drain(..).flatten().map(|id| vec![id]).collect();
                self.round = singles.into_iter().chain(rest).collect();
                return;
            }
            // Nothing answered yet and connections refused for the connect patience: the
            // server is down, no point waiting to the deadline.
            Err(error)
                if !self.budget.ever_answered()
                    && error.kind() == ErrorKind::Connect
                    && self.budget.hopeless(now, &error) =>
            {
                self.done = true;
                self.finished = Some(Err(error));
                return;
            }
            Err(error) => {
                if let Verdict::Retry(_) = judge(&error, true, self.config.profile()) {
                    self.failures += 1;
                    let started = *self.started.get_or_insert(now);
                    let deadline = self.deadline(started);
                    let (at, notice) = self.budget.ride_out(now, deadline, endpoint, self.failures, &error);
                    self.notice = Some(notice);
                    self.round.push_front(ids);
                    self.paused_until = Some(at);
                    return;
                }
                self.done = true;
                self.finished = Some(Err(error));
                return;
            }
        };
        self.failures = 0;
        self.budget.calm();
        for task in tasks {
            if !ids.contains(&task.id) {
                continue;
            }
            // An answer older than a callback that came first never moves a task back;
            // an end is always taken.
            if hub::behind(self.latest.get(&task.id), &task) {
                continue;
            }
            let changed = self.latest.get(&task.id).is_none_or(|last| {
                last.status != task.status || last.progress != task.progress || last.image_url != task.image_url
            });
            if hub::settled(&task) {
                self.resolved.insert(task.id.clone(), Resolution::Finished);
            }
            if changed {
                self.events.push_back(task.clone());
            }
            self.latest.insert(task.id.clone(), task);
        }
        let since = self.started.map_or(Duration::ZERO, |s| now.saturating_duration_since(s));
        for id in &ids {
            if !self.latest.contains_key(id) && since >= self.options.not_found_grace {
                self.resolved.insert(id.clone(), Resolution::Unknown);
            }
        }
        if self.round.is_empty() {
            let pace = if self.pushed { self.options.safety_net } else { self.options.interval };
            self.next_round = Some(now + pace);
        }
    }
}
