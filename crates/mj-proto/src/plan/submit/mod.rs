//! Submitting exactly once: a correlation token in `state`, and a lookup instead of a
//! blind re-send when an answer is lost.

use crate::EndpointName;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

mod claims;
mod setup;

use setup::Lacks;

use super::backoff::{Budget, Verdict, judge};
use super::{Interest, Notice, Plan, Step, SubmitPolicy, exchange};
use crate::config::Config;
use crate::endpoint::{Fetch, ListTasks, Query, Submit};
use crate::error::{Error, ErrorKind, LookupFailure};
use crate::model::{Submitted, Task};
use crate::profile::Lookup;
use crate::transport::TransportError;
use crate::wire::HttpResponse;

/// How long to let a lost request land before the first lookup.
const SETTLE: Duration = Duration::from_secs(1);
/// The pace of lookups that find nothing yet.
const LOOKUP_EVERY: Duration = Duration::from_secs(2);
/// The longest exchange a lookup is given: a lookup is a small read, and a server that
/// cannot answer one in this time is better asked again than waited on.
const LOOKUP_EXCHANGE: Duration = Duration::from_secs(10);
/// Lookups in a row that may time out before the outcome is called unknown, while the
/// server has never answered: a server that answers none of them is down, and the call
/// should say so in tens of seconds.
const LOOKUP_TIMEOUTS: u32 = 3;
/// Claims by callback a submit checks at most: past them, only lookups resolve it (a
/// flood of forged claims costs at most this many fetches).
const MAX_REFUTED: usize = 8;

/// Submits `request` exactly once.
///
/// Every submit carries a correlation token in `state` (the caller's own `state` when
/// set; it should then be unique). Refusals that prove nothing was created are retried:
/// connect failures within the [`RetryPolicy`](super::RetryPolicy), a full queue (code 23), 429 and code 30
/// for [`SubmitPolicy::queue_patience`]. When the answer is lost (timeout, dropped
/// connection, truncated body, 5xx), the plan looks for a task with the token and adopts
/// it ([`SubmitOutcome::Recovered`](crate::model::SubmitOutcome::Recovered)), riding out
/// lookup failures for [`SubmitPolicy::lookup_patience`]; a callback naming the token is a
/// claim that a fetch from this server confirms before it counts. It sends again only when lookups made at least
/// [`SubmitPolicy::absent_after`] after the loss find nothing. Otherwise the result is
/// [`Error::OutcomeUnknown`] with the token and the reason (no lookup on this server, or
/// the lookups failed), never a silent duplicate and never an orphan: a task mj created
/// is either returned or named by the token in the error.
#[derive(Debug)]
pub struct SubmitPlan<'a, S: Submit> {
    config: &'a Config,
    request: S,
    token: String,
    /// Whether the token was drawn here (not the caller's `state`): drawn again when the
    /// retry policy's seed changes.
    drew_token: bool,
    policy: SubmitPolicy,
    budget: Budget,
    phase: Phase,
    /// The lookup in use; `None` once every lookup turned out unsupported.
    method: Option<Method>,
    /// The lookups the server was seen to lack before this call (`knowing`).
    lacks: Lacks,
    /// The error that lost the answer, and when.
    lost: Option<(Error, Instant)>,
    /// Lookups since the loss, and the last one's failure.
    lookups: u32,
    lookup_error: Option<Error>,
    /// Lookups in a row that timed out.
    lookup_timeouts: u32,
    /// Since when the queue has been full.
    queued_since: Option<Instant>,
    /// A callback that named this submit's task by its token, not yet adopted: a claim,
    /// believed once a fetch of that task from this server confirms it.
    early: Option<Task>,
    /// Task ids a callback claimed by the token and the server's fetch refuted: their
    /// later callbacks are not asked about again.
    refuted: Vec<String>,
    notice: Option<Notice>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Query,
    List,
    /// Fetch the task a modal continues: no longer MODAL means the modal landed.
    Task,
}

/// Where the plan stands, and which exchange comes next.
type Phase = exchange::Phase<Submitted, Next>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    Submit,
    Lookup,
    /// Fetches the task a callback named by the token, to confirm the claim.
    Confirm,
}

impl<'a, S: Submit> SubmitPlan<'a, S> {
    /// Ends the call at `deadline`: no retry or lookup starts after it, an exchange is
    /// cut at it, and a lost answer still unresolved then is [`Error::OutcomeUnknown`].
    pub fn until(mut self, deadline: Option<Instant>) -> Self {
        self.budget.until(deadline);
        self
    }

    /// Starts knowing what a driver learned of the server (see
    /// [`ServerFacts`](super::ServerFacts)): the lookups it lacks (`query`, `list`) are
    /// skipped, so an undeclared server that answered 404 once is not asked again.
    pub fn knowing(mut self, facts: &super::ServerFacts) -> Self {
        self.budget.knowing(facts);
        self.lacks = Lacks { query: facts.lacks(EndpointName::QUERY), list: facts.lacks(EndpointName::LIST) };
        self.method = self.first_method();
        self
    }

    /// Picks up a submit that an earlier run sent, or may have sent, with this plan's token
    /// (its `state`) and whose answer it never recorded, `lost_for` ago. The plan starts by
    /// looking the task up, as after an answer lost in this process: it adopts the task it
    /// finds ([`SubmitOutcome::Recovered`](crate::model::SubmitOutcome::Recovered)) and sends only when lookups made at least
    /// [`SubmitPolicy::absent_after`] after the loss find nothing. On a server with no
    /// lookup the result is [`Error::OutcomeUnknown`], never a blind send. This is how a
    /// caller that writes the token down before each send (a journal) resumes after a crash.
    pub fn resumed(mut self, lost_for: Duration, now: Instant) -> Self {
        let lost = Error::Transport(TransportError::new(
            crate::transport::TransportErrorKind::Interrupted,
            "an earlier run sent this submit and stopped before recording the answer",
        ));
        self.lost = Some((lost, now.checked_sub(lost_for).unwrap_or(now)));
        self.lookups = 0;
        self.lookup_error = None;
        self.phase = Phase::Ready(Next::Lookup);
        self
    }

    /// The correlation token sent in `state`.
    pub fn token(&self) -> &str {
        &self.token
    }

    fn outcome_unknown(&mut self, why: LookupFailure) -> Phase {
        let cause = self.lost.take().map_or(Error::PlanMisuse, |(e, _)| e);
        Phase::done(Err(Error::OutcomeUnknown {
            token: self.token.clone(),
            why: Box::new(why),
            cause: Box::new(cause),
        }))
    }

    /// The lookups could not tell: unknown, with how many were made and the last failure.
    fn lookups_exhausted(&mut self) -> Phase {
        let why = LookupFailure::Exhausted { attempts: self.lookups, last: self.lookup_error.take() };
        self.outcome_unknown(why)
    }

    /// Looks again at `at` (announced), or gives up when that is past the deadline.
    fn look_again(&mut self, now: Instant, at: Instant, reason: String) -> Phase {
        match self.budget.within_deadline(at) {
            Some(at) => {
                self.notice = Some(Notice::Lookup {
                    endpoint: self.request.name(),
                    token: self.token.clone(),
                    attempt: self.lookups,
                    reason,
                    delay: at.saturating_duration_since(now),
                });
                Phase::Sleeping(at, Next::Lookup)
            }
            None => self.lookups_exhausted(),
        }
    }

    /// Sends again after `error`, if the budget allows, announcing it.
    fn retry_after(&mut self, now: Instant, error: Error, delay: Option<Duration>) -> Phase {
        self.budget.attempt(now);
        if self.budget.hopeless(now, &error) {
            return Phase::done(Err(error));
        }
        match self.budget.retry_at(now, delay).map(|at| self.budget.within_patience(at)) {
            Some(at) => {
                self.notice = Some(Notice::Retry {
                    endpoint: self.request.name(),
                    attempt: self.budget.attempts(),
                    reason: error.to_string(),
                    delay: at - now,
                });
                Phase::Sleeping(at, Next::Submit)
            }
            None => Phase::done(Err(error)),
        }
    }

    fn handle_submit(&mut self, result: Result<Submitted, Error>, now: Instant) -> Phase {
        let error = match result {
            Ok(submitted) => return Phase::done(Ok(submitted)),
            Err(error) => error,
        };
        match judge(&error, false, self.config.profile()) {
            Verdict::Retry(delay) if error.is_backpressure() => {
                let since = *self.queued_since.get_or_insert(now);
                let at = self.budget.pause_until(now, delay);
                match at.filter(|at| at.saturating_duration_since(since) <= self.policy.queue_patience) {
                    Some(at) => {
                        self.notice = Some(Notice::Retry {
                            endpoint: self.request.name(),
                            attempt: self.budget.attempts() + 1,
                            reason: error.to_string(),
                            delay: at - now,
                        });
                        Phase::Sleeping(at, Next::Submit)
                    }
                    None => Phase::done(Err(error)),
                }
            }
            Verdict::Retry(delay) => self.retry_after(now, error, delay),
            Verdict::Ambiguous => {
                self.budget.attempt(now);
                if self.method.is_none() {
                    self.lost = Some((error, now));
                    return self.outcome_unknown(LookupFailure::Unavailable);
                }
                let reason = error.to_string();
                self.lost = Some((error, now));
                self.lookups = 0;
                self.lookup_error = None;
                self.look_again(now, now + SETTLE, reason)
            }
            Verdict::GiveUp => Phase::done(Err(error)),
        }
    }

    fn handle_lookup(&mut self, found: Result<Option<Task>, Error>, now: Instant) -> Phase {
        self.lookups += 1;
        let lost_at = self.lost.as_ref().map_or(now, |(_, at)| *at);
        match found {
            Ok(Some(task)) => Phase::done(Ok(self.adopt(&task))),
            // Nothing yet. Trusted only late enough after the loss: then the request never
            // landed, and sending again is safe.
            Ok(None) if now.saturating_duration_since(lost_at) >= self.policy.absent_after => {
                self.notice = Some(Notice::Resend {
                    endpoint: self.request.name(),
                    token: self.token.clone(),
                    after: now.saturating_duration_since(lost_at),
                    absent_after: self.policy.absent_after,
                });
                let Some((lost, _)) = self.lost.take() else { return Phase::done(Err(Error::PlanMisuse)) };
                self.budget.restart_clock(now);
                match self.budget.retry_at(now, None) {
                    Some(at) => Phase::Sleeping(at, Next::Submit),
                    // Known not created: the loss itself is the answer.
                    None => Phase::done(Err(lost)),
                }
            }
            Ok(None) => {
                let at = (now + LOOKUP_EVERY).min(lost_at + self.policy.absent_after);
                self.look_again(now, at, "no task has the token yet".to_owned())
            }
            Err(error) if unsupported(&error) => {
                let (missing, next) = match (self.method, self.policy.lookup) {
                    (Some(Method::Query), Lookup::Auto) => (EndpointName::QUERY, Some(Method::List)),
                    (Some(Method::Query), _) => (EndpointName::QUERY, None),
                    (Some(Method::List), _) => (EndpointName::LIST, None),
                    (Some(Method::Task) | None, _) => (EndpointName::FETCH, None),
                };
                let using = next.map(|_| EndpointName::LIST);
                self.notice = Some(Notice::Fallback { missing, using });
                self.method = next;
                match self.method {
                    Some(_) => Phase::Ready(Next::Lookup),
                    None => self.outcome_unknown(LookupFailure::Unavailable),
                }
            }
            Err(error) => {
                let verdict = judge(&error, true, self.config.profile());
                let reason = error.to_string();
                // Lookups ride out the failures of a flaky server, but not a dead one:
                // refused for the connect patience, or LOOKUP_TIMEOUTS lookups in a row
                // unanswered. `RetryPolicy::none()` means one lookup and no more.
                self.lookup_timeouts = if error.kind() == ErrorKind::Timeout { self.lookup_timeouts + 1 } else { 0 };
                let silent = !self.budget.ever_answered();
                let dead = (silent && self.lookup_timeouts >= LOOKUP_TIMEOUTS)
                    || (error.kind() == ErrorKind::Connect && self.budget.hopeless(now, &error));
                let more = !dead && self.budget.retries_allowed();
                self.lookup_error = Some(error);
                let patience_left = now.saturating_duration_since(lost_at) < self.policy.lookup_patience;
                match verdict {
                    Verdict::Retry(delay) if patience_left && more => match self.budget.pause_until(now, delay) {
                        Some(at) => self.look_again(now, at, reason),
                        None => self.lookups_exhausted(),
                    },
                    _ => self.lookups_exhausted(),
                }
            }
        }
    }

    fn lookup_request(&self) -> Result<crate::HttpRequest, Error> {
        match self.method {
            Some(Method::Query) => self.config.build(&self.query()),
            Some(Method::Task) => self.config.build(&self.continued()),
            Some(Method::List) | None => self.config.build(&ListTasks::new()),
        }
    }

    fn continued(&self) -> Fetch {
        Fetch::new(self.request.continues_task().unwrap_or_default())
    }

    fn query(&self) -> Query {
        Query::new().with_state(self.token.clone()).page(0, 10)
    }
}

/// An answer whose body could not be read as a submit answer at all (as opposed to a
/// refusal the server stated): for a 2xx, the submit's outcome is unknown.
fn unreadable(error: &Error) -> bool {
    matches!(error.kind(), ErrorKind::Decode | ErrorKind::Unexpected | ErrorKind::Interrupted)
}

/// A lookup endpoint this server does not offer (404, 405, 501, or gateway routing errors).
fn unsupported(error: &Error) -> bool {
    match error.kind() {
        ErrorKind::Unexpected | ErrorKind::WrongBaseUrl => {
            error.status().is_some_and(|s| matches!(s.as_u16(), 400 | 404 | 405 | 501))
        }
        ErrorKind::Decode => true,
        _ => false,
    }
}

impl<S: Submit> Plan for SubmitPlan<'_, S> {
    type Output = Submitted;
    type Progress = std::convert::Infallible;

    fn interests(&self) -> Vec<Interest<'_>> {
        vec![Interest::Token(&self.token)]
    }

    /// A callback naming this submit's token: a claim. Once the answer is known lost, the
    /// claimed task is fetched from this server and, when the server has it under the
    /// token, resolves the submit
    /// ([`SubmitOutcome::Recovered`](crate::model::SubmitOutcome::Recovered)) without a
    /// lookup. While the answer may still come, or for a modal (whose callbacks name the
    /// task it continues), it changes nothing.
    fn pushed(&mut self, task: &Task, _now: Instant) {
        let ours = task.state.as_deref() == Some(self.token.as_str())
            && !task.id.is_empty()
            && !self.refuted.contains(&task.id)
            && self.refuted.len() < MAX_REFUTED;
        if ours && self.request.continues_task().is_none() && !matches!(self.phase, Phase::Finished(_)) {
            // Kept until the answer is known lost (it may still come).
            self.early = Some(task.clone());
            self.adopt_pushed();
        }
    }

    fn poll(&mut self, now: Instant) -> Step<Submitted, Self::Progress> {
        if let Some(notice) = self.notice.take() {
            return Step::Notice(notice);
        }
        let next = match self.phase.due(now) {
            ControlFlow::Continue(next) => next,
            ControlFlow::Break(step) => return step,
        };
        let request = match next {
            Next::Submit => self.config.build(&self.request),
            // A resumed submit on a server without any lookup cannot tell.
            Next::Lookup if self.method.is_none() => {
                self.phase = self.outcome_unknown(LookupFailure::Unavailable);
                return self.poll(now);
            }
            Next::Lookup => self.lookup_request(),
            Next::Confirm => match &self.early {
                Some(claimed) => self.config.build(&Fetch::new(claimed.id.clone())),
                None => self.lookup_request(),
            },
        };
        // A lookup's exchange is cut sooner: a silent server must not eat the patience.
        let deadline = match next {
            Next::Submit => self.budget.deadline(),
            Next::Lookup | Next::Confirm => {
                Some(self.budget.deadline().map_or(now + LOOKUP_EXCHANGE, |d| d.min(now + LOOKUP_EXCHANGE)))
            }
        };
        self.phase.send(next, request, now, deadline)
    }

    fn handle(&mut self, result: Result<HttpResponse, TransportError>, now: Instant) {
        let Some(next) = self.phase.awaited() else { return };
        if result.is_ok() {
            // Whatever it said, the server is alive: its silences are passing faults now.
            self.budget.heard();
        }
        self.phase = match next {
            Next::Submit => {
                let parsed = match result {
                    Ok(response) => {
                        let success = response.status().is_success();
                        match self.config.parse(&self.request, response) {
                            // A 2xx whose body mj cannot read (trailing garbage, NaN, code 1
                            // without an id) may well have created the task: that is a lost
                            // answer, resolved by the token, never a refusal.
                            Err(e) if success && unreadable(&e) => Err(Error::Transport(TransportError::new(
                                crate::transport::TransportErrorKind::Interrupted,
                                format!("the server accepted the submit but its answer could not be read ({e})"),
                            ))),
                            parsed => parsed,
                        }
                    }
                    Err(e) => Err(self.config.redact(e.into())),
                };
                self.handle_submit(parsed, now)
            }
            Next::Lookup => {
                let token = self.token.clone();
                let with_token = |tasks: Vec<Task>| tasks.into_iter().find(|t| t.state.as_deref() == Some(&token));
                let found = match (result, self.method) {
                    (Err(e), _) => Err(self.config.redact(e.into())),
                    (Ok(response), Some(Method::Task)) => {
                        // Still MODAL: the confirmation did not land, send it again.
                        self.config.parse(&self.continued(), response).map(|task| task.filter(|t| !t.needs_input()))
                    }
                    (Ok(response), Some(Method::Query)) => {
                        self.config.parse(&self.query(), response).map(|page| with_token(page.content))
                    }
                    (Ok(response), _) => self.config.parse(&ListTasks::new(), response).map(with_token),
                };
                self.handle_lookup(found, now)
            }
            Next::Confirm => {
                let claimed = self.early.as_ref().map(|t| Fetch::new(t.id.clone()));
                let fetched = match (result, claimed) {
                    (Ok(response), Some(fetch)) => self.config.parse(&fetch, response),
                    (Ok(_), None) => Ok(None),
                    (Err(e), _) => Err(self.config.redact(e.into())),
                };
                self.handle_confirm(fetched, now)
            }
        };
        self.adopt_pushed();
    }
}
