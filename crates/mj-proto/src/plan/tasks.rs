//! Many tasks at once: one `list-by-condition`, or one `GET fetch` per id where the
//! server lacks it. What `Client::tasks` runs.

use crate::EndpointName;
use std::ops::ControlFlow;
use std::time::Instant;

use super::backoff::{Budget, retry_or_give_up};
use super::exchange::Phase;
use super::{Notice, Plan, RetryPolicy, Step, endpoint_missing};
use crate::config::Config;
use crate::endpoint::{Endpoint, Fetch, ListByCondition};
use crate::model::Task;
use crate::transport::TransportError;
use crate::wire::HttpResponse;

/// Fetches the tasks with `ids` (unknown ids are left out, order follows the server for
/// the batch and `ids` for the fallback). Each request is retried like a
/// [`RetryPlan`](super::RetryPlan). When `list-by-condition` answers 404/405/501, or the
/// declared [`ServerProfile`](crate::ServerProfile) lacks it, the same ids are fetched
/// one `GET /mj/task/{id}/fetch` at a time, announced once as [`Notice::Fallback`].
#[derive(Debug)]
pub struct TasksPlan<'a> {
    config: &'a Config,
    ids: Vec<String>,
    policy: RetryPolicy,
    deadline: Option<Instant>,
    budget: Budget,
    /// `None` while the one batch request is used; the next id to fetch after the fallback.
    next_id: Option<usize>,
    found: Vec<Task>,
    notice: Option<Notice>,
    phase: Phase<Vec<Task>>,
}

impl<'a> TasksPlan<'a> {
    /// A plan for the tasks with `ids`.
    pub fn new<I: Into<String>>(config: &'a Config, ids: impl IntoIterator<Item = I>, policy: RetryPolicy) -> Self {
        let ids: Vec<String> = ids.into_iter().map(Into::into).collect();
        let next_id = (!config.offers(EndpointName::LIST_BY_CONDITION)).then_some(0);
        let phase = if ids.is_empty() { Phase::done(Ok(Vec::new())) } else { Phase::Ready(()) };
        Self {
            config,
            ids,
            budget: Budget::new(policy.clone()),
            policy,
            deadline: None,
            next_id,
            found: Vec::new(),
            notice: None,
            phase,
        }
    }

    /// Ends the call at `deadline` (no retry starts after it; an exchange is cut at it).
    pub fn until(mut self, deadline: Option<Instant>) -> Self {
        self.deadline = deadline;
        self.budget.until(deadline);
        self
    }

    /// Starts knowing what a driver learned of the server (see
    /// [`ServerFacts`](super::ServerFacts)): with one fetch per id when it lacks
    /// `list-by-condition`.
    pub fn knowing(mut self, facts: &super::ServerFacts) -> Self {
        self.policy.server_known = facts.answered();
        self.budget.knowing(facts);
        if facts.lacks(EndpointName::LIST_BY_CONDITION) {
            self.next_id.get_or_insert(0);
        }
        self
    }

    /// A fresh retry budget for the next request.
    fn next_request(&mut self) {
        self.budget = Budget::new(self.policy.clone());
        self.budget.until(self.deadline);
    }

    fn batch(&self) -> ListByCondition {
        ListByCondition::new(self.ids.clone())
    }
}

impl Plan for TasksPlan<'_> {
    type Output = Vec<Task>;
    type Progress = std::convert::Infallible;

    fn poll(&mut self, now: Instant) -> Step<Vec<Task>, Self::Progress> {
        if let Some(notice) = self.notice.take() {
            return Step::Notice(notice);
        }
        if let ControlFlow::Break(step) = self.phase.due(now) {
            return step;
        }
        let request = match self.next_id {
            None => self.config.build(&self.batch()),
            Some(i) => self.config.build(&Fetch::new(self.ids[i].clone())),
        };
        self.budget.attempt(now);
        self.phase.send((), request, now, self.budget.deadline())
    }

    fn handle(&mut self, result: Result<HttpResponse, TransportError>, now: Instant) {
        if self.phase.awaited().is_none() {
            return;
        }
        let (endpoint, parsed) = match (self.next_id, result) {
            (None, Err(e)) => (EndpointName::LIST_BY_CONDITION, Err(self.config.redact(e.into()))),
            (Some(_), Err(e)) => (EndpointName::FETCH, Err(self.config.redact(e.into()))),
            (None, Ok(response)) => (EndpointName::LIST_BY_CONDITION, self.config.parse(&self.batch(), response)),
            (Some(i), Ok(response)) => {
                let fetch = Fetch::new(self.ids[i].clone());
                (fetch.name(), self.config.parse(&fetch, response).map(Vec::from_iter))
            }
        };
        self.phase = match parsed {
            Ok(tasks) => {
                self.found.extend(tasks);
                match self.next_id.map(|i| i + 1) {
                    Some(next) if next < self.ids.len() => {
                        self.next_id = Some(next);
                        self.next_request();
                        Phase::Ready(())
                    }
                    _ => Phase::done(Ok(std::mem::take(&mut self.found))),
                }
            }
            Err(error) if self.next_id.is_none() && endpoint_missing(&error) => {
                self.notice = Some(Notice::Fallback {
                    missing: EndpointName::LIST_BY_CONDITION,
                    using: Some(EndpointName::FETCH),
                });
                self.next_id = Some(0);
                self.next_request();
                Phase::Ready(())
            }
            Err(error) => match retry_or_give_up(&mut self.budget, now, endpoint, true, self.config.profile(), error) {
                Ok((at, notice)) => {
                    self.notice = Some(notice);
                    Phase::Sleeping(at, ())
                }
                Err(error) => Phase::done(Err(error)),
            },
        };
    }
}
