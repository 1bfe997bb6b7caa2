//! Submitting exactly once: a correlation token in `state`, and a lookup instead of a
//! blind re-send when an answer is lost.

use std::time::{Duration, Instant};

use super::backoff::{Budget, Verdict, judge};
use super::{Plan, RetryPolicy, Step};
use crate::config::Config;
use crate::endpoint::{Fetch, ListTasks, Query, Submit};
use crate::error::{Error, ErrorKind};
use crate::model::{Properties, ReturnCode, SubmitOutcome, SubmitResult, SubmitValue, Submitted, Task};
use crate::transport::TransportError;
use crate::wire::HttpResponse;

/// How a lost submit answer is resolved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Lookup {
    /// The paged query filtered by `state` (PLUS, resellers), else the task list (novicezk,
    /// trueai), else give up with [`Error::OutcomeUnknown`].
    #[default]
    Auto,
    /// Only `POST /mj/task/query`.
    Query,
    /// Only `GET /mj/task/list`.
    List,
    /// No lookup: a lost answer is [`Error::OutcomeUnknown`] at once.
    Never,
}

/// How long to let a lost request land before looking for its task.
const SETTLE: Duration = Duration::from_secs(1);

/// Submits `request` exactly once.
///
/// Every submit carries a correlation token in `state` (the caller's own `state` when
/// set; it should then be unique). Refusals that prove nothing was created (connect
/// failures, 429, a full queue) are retried. When the answer is lost (timeout, dropped
/// connection, truncated body, 5xx), the plan looks for a task with the token and adopts
/// it ([`SubmitOutcome::Recovered`]); only when none exists does it send again. Where the
/// server offers no lookup, the result is [`Error::OutcomeUnknown`] with the token, never
/// a silent duplicate.
#[derive(Debug)]
pub struct SubmitPlan<'a, S: Submit> {
    config: &'a Config,
    request: S,
    token: String,
    lookup: Lookup,
    budget: Budget,
    phase: Phase,
    /// The lookup in use; `None` once every lookup turned out unsupported.
    method: Option<Method>,
    /// The error that made the outcome unknown.
    lost: Option<Error>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Query,
    List,
    /// Fetch the task a modal continues: no longer MODAL means the modal landed.
    Task,
}

#[derive(Debug)]
enum Phase {
    Ready(Next),
    Waiting(Next),
    Sleeping(Instant, Next),
    Finished(Option<Result<Submitted, Error>>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Next {
    Submit,
    Lookup,
}

impl<'a, S: Submit> SubmitPlan<'a, S> {
    /// A plan for `request`; the token is drawn from `policy.seed` unless `state` is set.
    pub fn new(config: &'a Config, mut request: S, policy: RetryPolicy, lookup: Lookup) -> Self {
        let mut budget = Budget::new(policy);
        let token = match request.options().state.clone() {
            Some(state) => state,
            None => {
                let token = format!("mj-{:016x}", budget.random());
                request.options_mut().state = Some(token.clone());
                token
            }
        };
        let method = match lookup {
            Lookup::Never => None,
            _ if request.continues_task().is_some() => Some(Method::Task),
            Lookup::Auto | Lookup::Query => Some(Method::Query),
            Lookup::List => Some(Method::List),
        };
        Self { config, request, token, lookup, budget, phase: Phase::Ready(Next::Submit), method, lost: None }
    }

    /// The correlation token sent in `state`.
    pub fn token(&self) -> &str {
        &self.token
    }

    fn outcome_unknown(&mut self) -> Phase {
        let cause = self.lost.take().unwrap_or(Error::PlanFinished);
        Phase::Finished(Some(Err(Error::OutcomeUnknown { token: self.token.clone(), cause: Box::new(cause) })))
    }

    /// After a lost answer: look the task up, or give up when there is no way to.
    fn start_lookup(&mut self, now: Instant) -> Phase {
        match self.method {
            Some(_) => Phase::Sleeping(now + SETTLE, Next::Lookup),
            None => self.outcome_unknown(),
        }
    }

    fn adopt(&self, task: &Task) -> Submitted {
        Submitted {
            task_id: task.id.clone(),
            outcome: SubmitOutcome::Recovered,
            raw: SubmitResult {
                code: ReturnCode::Success,
                description: "recovered by its state token after the answer was lost".to_owned(),
                result: Some(SubmitValue::Id(task.id.clone())),
                properties: Properties::default(),
            },
        }
    }

    fn handle_submit(&mut self, result: Result<Submitted, Error>, now: Instant) -> Phase {
        let error = match result {
            Ok(submitted) => return Phase::Finished(Some(Ok(submitted))),
            Err(error) => error,
        };
        match judge(&error, false) {
            Verdict::Retry(delay) => match self.budget.retry_at(now, delay) {
                Some(at) => Phase::Sleeping(at, Next::Submit),
                None => Phase::Finished(Some(Err(error))),
            },
            Verdict::Ambiguous => {
                self.lost = Some(error);
                self.start_lookup(now)
            }
            Verdict::GiveUp => Phase::Finished(Some(Err(error))),
        }
    }

    fn handle_lookup(&mut self, found: Result<Option<Task>, Error>, now: Instant) -> Phase {
        match found {
            Ok(Some(task)) => {
                let adopted = self.adopt(&task);
                Phase::Finished(Some(Ok(adopted)))
            }
            // Not there: the lost request never landed, so sending again is safe.
            Ok(None) => match self.budget.retry_at(now, None) {
                Some(at) => Phase::Sleeping(at, Next::Submit),
                None => self.outcome_unknown(),
            },
            Err(error) if unsupported(&error) => {
                self.method = match (self.method, self.lookup) {
                    (Some(Method::Query), Lookup::Auto) => Some(Method::List),
                    _ => None,
                };
                match self.method {
                    Some(_) => Phase::Ready(Next::Lookup),
                    None => self.outcome_unknown(),
                }
            }
            Err(error) => match judge(&error, true) {
                Verdict::Retry(delay) => match self.budget.retry_at(now, delay) {
                    Some(at) => Phase::Sleeping(at, Next::Lookup),
                    None => self.outcome_unknown(),
                },
                _ => self.outcome_unknown(),
            },
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
    type Event = std::convert::Infallible;

    fn poll(&mut self, now: Instant) -> Step<Submitted, Self::Event> {
        let next = match &mut self.phase {
            Phase::Sleeping(until, _) if now < *until => return Step::Sleep(*until),
            Phase::Ready(next) | Phase::Sleeping(_, next) => *next,
            Phase::Waiting(_) => return Step::Done(Err(Error::PlanFinished)),
            Phase::Finished(result) => return Step::Done(result.take().unwrap_or(Err(Error::PlanFinished))),
        };
        let request = match next {
            Next::Submit => self.config.build(&self.request),
            Next::Lookup => self.lookup_request(),
        };
        match request {
            Ok(request) => {
                self.budget.attempt(now);
                self.phase = Phase::Waiting(next);
                Step::Send(request)
            }
            Err(e) => {
                self.phase = Phase::Finished(None);
                Step::Done(Err(e))
            }
        }
    }

    fn handle(&mut self, result: Result<HttpResponse, TransportError>, now: Instant) {
        let Phase::Waiting(next) = self.phase else { return };
        self.phase = match next {
            Next::Submit => {
                let parsed = match result {
                    Ok(response) => self.config.parse(&self.request, response),
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
        };
    }
}
