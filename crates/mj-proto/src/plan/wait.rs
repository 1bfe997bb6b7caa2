//! Waiting for one task: poll until SUCCESS, FAILURE or CANCEL, with a deadline.

use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use super::backoff::{Budget, Verdict, judge};
use super::{Interest, Notice, Plan, RetryPolicy, Step, exchange, hub};
use crate::config::Config;
use crate::endpoint::Fetch;
use crate::error::{Error, ErrorKind};
use crate::model::{Task, TaskStatus};
use crate::transport::TransportError;
use crate::wire::HttpResponse;

/// How a wait paces itself.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WaitOptions {
    /// Pause between polls. The servers recommend 3 to 5 s; tasks take 30 to 120 s.
    pub interval: Duration,
    /// How long an unknown id is tolerated (gateways list a task only after their own
    /// first poll); after that the wait ends with [`Error::TaskNotFound`].
    pub not_found_grace: Duration,
    /// The grace instead for ids this client did not just submit (`mj wait ID`, a task
    /// from elsewhere): such a task already exists if it exists at all, so a mistyped id is
    /// reported in seconds rather than after the full grace.
    pub unknown_id_grace: Duration,
    /// The longest pause between polls once callbacks arrive for the task: polling is then
    /// only a safety net for callbacks that go missing. While they come at a steady pace
    /// (progress every second or two), a poll is due three of their gaps after the last
    /// one (never sooner than [`interval`](Self::interval)), so a dropped final callback
    /// costs seconds, not the whole safety net.
    pub safety_net: Duration,
    /// Believe a callback that says the task finished. Callbacks are unsigned, so by
    /// default one fetch confirms it; trust them only when the hook's path is secret
    /// enough for your setting.
    pub trust_pushes: bool,
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(4),
            not_found_grace: Duration::from_secs(30),
            unknown_id_grace: Duration::from_secs(8),
            safety_net: Duration::from_secs(30),
            trust_pushes: false,
        }
    }
}

impl WaitOptions {
    /// Sets the pause between polls.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets how long "not found" is tolerated for a task just submitted.
    pub fn not_found_grace(mut self, grace: Duration) -> Self {
        self.not_found_grace = grace;
        self
    }

    /// Sets the poll interval while callbacks arrive.
    pub fn safety_net(mut self, every: Duration) -> Self {
        self.safety_net = every;
        self
    }

    /// Believes callbacks that say the task finished, without a confirming fetch.
    pub fn trust_pushes(mut self, trust: bool) -> Self {
        self.trust_pushes = trust;
        self
    }

    /// Sets the grace for ids this client did not just submit.
    pub fn unknown_id_grace(mut self, grace: Duration) -> Self {
        self.unknown_id_grace = grace;
        self
    }
}

/// Polls task `id` until it is done, reporting each change as a [`Step::Progress`].
///
/// SUCCESS gives the task; FAILURE and CANCEL give [`Error::TaskFailed`]; MODAL gives
/// [`Error::NeedsInput`]; the deadline gives [`Error::WaitTimeout`] with the last snapshot
/// and the last error. Transient fetch errors (connect failures, timeouts, dropped
/// connections, truncated bodies, 5xx, 429, codes 23/30) are ridden out until the
/// deadline, paced by the [`RetryPolicy`]'s backoff and announced as [`Notice::Retry`];
/// only errors another try cannot fix (401/403, a body that is not a task, an HTML page
/// from a wrong base URL) end the wait early.
#[derive(Debug)]
pub struct WaitPlan<'a> {
    config: &'a Config,
    fetch: Fetch,
    options: WaitOptions,
    budget: Budget,
    started: Option<Instant>,
    last: Option<Task>,
    /// The latest transient error since the last good answer.
    last_error: Option<Error>,
    failures: u32,
    event: Option<Task>,
    notice: Option<Notice>,
    phase: Phase,
    /// Whether a callback moved the task forward (then polls are only a safety net).
    pushed: bool,
    /// When the last callback that moved the task came, and the gap before it.
    last_push: Option<Instant>,
    push_gap: Option<Duration>,
    /// Whether a pushed end waits for a fetch sent after it (the next one is then no
    /// safety-net poll).
    confirming: bool,
    /// Whether the coming safety-net poll was announced.
    announced: bool,
    /// Whether callbacks are expected (the task was submitted with this client's hook):
    /// then the first poll waits one interval instead of going out at once.
    expecting: bool,
}

/// Where the wait stands: the exchange helper every polling plan shares.
type Phase = exchange::Phase<Task>;

/// The end of a wait.
fn finished(result: Result<Task, Error>) -> Phase {
    Phase::done(result)
}

impl<'a> WaitPlan<'a> {
    /// A wait for task `id` with the default [`WaitOptions`] and [`RetryPolicy`]; the
    /// setters [`options`](Self::options) and [`retry`](Self::retry) change them.
    pub fn new(config: &'a Config, id: impl Into<String>) -> Self {
        Self {
            config,
            fetch: Fetch::new(id),
            options: WaitOptions::default(),
            budget: Budget::new(RetryPolicy::default()),
            started: None,
            last: None,
            last_error: None,
            failures: 0,
            event: None,
            notice: None,
            phase: Phase::Ready(()),
            pushed: false,
            last_push: None,
            push_gap: None,
            confirming: false,
            announced: false,
            expecting: false,
        }
    }

    /// How often to poll, for how long, and what to trust.
    pub fn options(mut self, options: WaitOptions) -> Self {
        self.options = options;
        self
    }

    /// How transient errors are retried.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.budget.set_policy(policy);
        self
    }

    /// Starts knowing what a driver learned of the server (see [`ServerFacts`](super::ServerFacts)).
    pub fn knowing(mut self, facts: &super::ServerFacts) -> Self {
        self.budget.knowing(facts);
        self
    }

    /// Continues from `task`, a snapshot the caller already showed (the first sight of a
    /// task a submit just made): a later report older than it (a server that lists the new
    /// task as `NOT_START` after the submit said it was submitted) is not reported, so
    /// progress never goes backwards.
    pub fn shown(mut self, task: Task) -> Self {
        self.last = Some(task);
        self
    }

    /// Expects callbacks for this task (it was submitted with the hook of the
    /// [`Hub`](super::Hub) that feeds this plan): the first poll comes after one
    /// [`WaitOptions::interval`] rather than at once, so that a task whose callbacks arrive
    /// costs no poll beyond the fetch that confirms its end. A server that never calls
    /// back is polled as usual from then on.
    pub fn expecting_pushes(mut self) -> Self {
        self.expecting = true;
        self
    }

    /// Ends the wait at `deadline` with [`Error::WaitTimeout`] and the last snapshot (a
    /// client passes its call's deadline, mj-client's `Settings::deadline`);
    /// without one, the wait ends [`DEFAULT_DEADLINE`](super::DEFAULT_DEADLINE) after it
    /// started.
    pub fn until(mut self, deadline: Option<Instant>) -> Self {
        self.budget.until(deadline);
        self
    }

    fn timed_out(&mut self, now: Instant) -> Phase {
        let waited = self.started.map_or(Duration::ZERO, |s| now.saturating_duration_since(s));
        let cause = self.last_error.take().map(Box::new);
        finished(Err(Error::WaitTimeout { last: self.last.take().map(Box::new), waited, cause }))
    }

    /// The pause before the next poll: the interval until callbacks reach this wait; then
    /// three of their gaps (within the interval and the safety net), or the whole safety
    /// net after the first, since a poll only has to catch a callback that went missing.
    fn pace(&self) -> Duration {
        match (self.pushed, self.push_gap) {
            (false, _) => self.options.interval,
            (true, None) => self.options.safety_net,
            (true, Some(gap)) => gap.saturating_mul(3).max(self.options.interval).min(self.options.safety_net),
        }
    }

    /// The call's deadline, or the default one from the start of the wait.
    fn deadline(&self, started: Instant) -> Instant {
        self.budget.capped(started + super::DEFAULT_DEADLINE)
    }

    fn observe(&mut self, task: Task, now: Instant) -> Phase {
        // A report older than what is known (a fetch answered before a callback that came
        // first) never moves the task backwards; only the end, which a fetch confirms, is
        // always taken.
        if hub::behind(self.last.as_ref(), &task) {
            return Phase::Sleeping(now + self.pace(), ());
        }
        let changed = self.last.as_ref().is_none_or(|last| {
            last.status != task.status || last.progress != task.progress || last.image_url != task.image_url
        });
        if changed {
            self.event = Some(task.clone());
        }
        let phase = match task.status {
            TaskStatus::Success => return finished(Ok(task)),
            TaskStatus::Failure | TaskStatus::Cancel => {
                return finished(Err(Error::TaskFailed(Box::new(task))));
            }
            TaskStatus::Modal => return finished(Err(Error::NeedsInput(Box::new(task)))),
            _ => Phase::Sleeping(now + self.pace(), ()),
        };
        self.last = Some(task);
        phase
    }
}

impl Plan for WaitPlan<'_> {
    type Output = Task;
    type Progress = Task;

    fn interests(&self) -> Vec<Interest<'_>> {
        vec![Interest::Task(&self.fetch.id)]
    }

    /// A callback's report of the task (from a [`Hub`](super::Hub) or any receiver): a
    /// report that moves the task forward is shown as progress at once, and from then on
    /// polls are only a safety net (paced as [`WaitOptions::safety_net`] says). One that says the task finished
    /// is confirmed by a fetch made now (a forged or mistaken callback is not believed),
    /// unless [`WaitOptions::trust_pushes`] is set. Reports about another task, repeats and
    /// reports older than what is known change nothing.
    fn pushed(&mut self, task: &Task, now: Instant) {
        if task.id != self.fetch.id || matches!(self.phase, Phase::Finished(_)) {
            return;
        }
        if hub::behind(self.last.as_ref(), task) {
            return;
        }
        self.pushed = true;
        self.push_gap = self.last_push.map(|last| now.saturating_duration_since(last));
        self.last_push = Some(now);
        // A summary of a large callback is never the task to hand back.
        if hub::settled(task) && (!self.options.trust_pushes || crate::webhook::is_summary(task)) {
            // Ask the server now (or as soon as the answer on its way is in, which may
            // predate the end); its answer decides.
            self.confirming = true;
            if matches!(self.phase, Phase::Sleeping(..)) {
                self.phase = Phase::Ready(());
            }
            return;
        }
        let phase = self.observe(task.clone(), now);
        // An answer on its way still arrives; the plan ignores it once finished.
        if self.phase.awaited().is_none() || matches!(phase, Phase::Finished(_)) {
            self.phase = phase;
        }
    }

    fn poll(&mut self, now: Instant) -> Step<Task, Task> {
        if let Some(task) = self.event.take() {
            return Step::Progress(task);
        }
        if let Some(notice) = self.notice.take() {
            return Step::Notice(notice);
        }
        if self.started.is_none() && self.expecting && matches!(self.phase, Phase::Ready(())) {
            self.phase = Phase::Sleeping(now + self.options.interval, ());
        }
        let started = *self.started.get_or_insert(now);
        let deadline = self.deadline(started);
        if matches!(self.phase, Phase::Ready(()) | Phase::Sleeping(..)) && now >= deadline {
            self.phase = self.timed_out(now);
            return self.poll(now);
        }
        match self.phase.due(now) {
            ControlFlow::Break(Step::Sleep(until)) => return Step::Sleep(until.min(deadline)),
            ControlFlow::Break(step) => return step,
            ControlFlow::Continue(()) => {}
        }
        if self.pushed && !self.confirming && !self.announced {
            self.announced = true;
            return Step::Notice(Notice::SafetyNet { tasks: 1 });
        }
        (self.announced, self.confirming) = (false, false);
        self.phase.send((), self.config.build(&self.fetch), now, Some(deadline))
    }

    fn handle(&mut self, result: Result<HttpResponse, TransportError>, now: Instant) {
        if self.phase.awaited().is_none() {
            return;
        }
        let fetched = match result {
            Ok(response) => self.config.parse(&self.fetch, response),
            Err(e) => Err(self.config.redact(e.into())),
        };
        self.phase = match fetched {
            Ok(Some(task)) => {
                self.failures = 0;
                self.last_error = None;
                self.budget.calm();
                self.observe(task, now)
            }
            Ok(None) => {
                self.budget.heard();
                let since = self.started.map_or(Duration::ZERO, |s| now.saturating_duration_since(s));
                if since >= self.options.not_found_grace {
                    finished(Err(Error::TaskNotFound { id: self.fetch.id.clone() }))
                } else {
                    Phase::Sleeping(now + self.options.interval, ())
                }
            }
            // A server that has not answered once in this wait and has refused connections
            // for the connect patience is down (or the URL is wrong): say so now, not at the
            // deadline. Anything else is ridden out until the deadline.
            Err(error)
                if !self.budget.ever_answered()
                    && error.kind() == ErrorKind::Connect
                    && self.budget.hopeless(now, &error) =>
            {
                finished(Err(error))
            }
            Err(error) => match judge(&error, true, self.config.profile()) {
                Verdict::Retry(_) => {
                    self.failures += 1;
                    let started = *self.started.get_or_insert(now);
                    let deadline = self.deadline(started);
                    let (at, notice) =
                        self.budget.ride_out(now, deadline, crate::EndpointName::FETCH, self.failures, &error);
                    self.notice = Some(notice);
                    self.last_error = Some(error);
                    Phase::Sleeping(at, ())
                }
                Verdict::Ambiguous | Verdict::GiveUp => finished(Err(error)),
            },
        };
        // An end was pushed while this answer was on its way: confirm it now.
        if self.confirming && matches!(self.phase, Phase::Sleeping(_, ())) && self.failures == 0 {
            self.phase = Phase::Ready(());
        }
    }
}
