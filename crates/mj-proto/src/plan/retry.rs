//! One endpoint call with retries: what `Client::execute` runs.

use std::ops::ControlFlow;
use std::time::Instant;

use super::backoff::{Budget, retry_or_give_up};
use super::exchange::Phase;
use super::{Notice, Plan, RetryPolicy, Step};
use crate::config::Config;
use crate::endpoint::Endpoint;
use crate::transport::TransportError;
use crate::wire::HttpResponse;

/// Calls `endpoint`, retrying what is safe to retry: connect failures and 429 always;
/// timeouts, dropped connections, truncated bodies and 5xx only when the endpoint is
/// idempotent; other 4xx never. The request is rebuilt for every try, and each try is
/// announced as a [`Notice::Retry`].
#[derive(Debug)]
pub struct RetryPlan<'a, E: Endpoint> {
    config: &'a Config,
    endpoint: &'a E,
    budget: Budget,
    notice: Option<Notice>,
    phase: Phase<E::Output>,
}

impl<'a, E: Endpoint> RetryPlan<'a, E> {
    /// A plan for one call of `endpoint`.
    pub fn new(config: &'a Config, endpoint: &'a E, policy: RetryPolicy) -> Self {
        Self { config, endpoint, budget: Budget::new(policy), notice: None, phase: Phase::Ready(()) }
    }

    /// Starts knowing what a driver learned of the server (see [`ServerFacts`](super::ServerFacts)).
    pub fn knowing(mut self, facts: &super::ServerFacts) -> Self {
        self.budget.knowing(facts);
        self
    }

    /// Ends the call at `deadline` (no retry starts after it; an exchange is cut at it).
    pub fn until(mut self, deadline: Option<Instant>) -> Self {
        self.budget.until(deadline);
        self
    }
}

impl<E: Endpoint> Plan for RetryPlan<'_, E> {
    type Output = E::Output;
    type Progress = std::convert::Infallible;

    fn poll(&mut self, now: Instant) -> Step<E::Output, Self::Progress> {
        if let Some(notice) = self.notice.take() {
            return Step::Notice(notice);
        }
        if let ControlFlow::Break(step) = self.phase.due(now) {
            return step;
        }
        self.budget.attempt(now);
        self.phase.send((), self.config.build(self.endpoint), now, self.budget.deadline())
    }

    fn handle(&mut self, result: Result<HttpResponse, TransportError>, now: Instant) {
        if self.phase.awaited().is_none() {
            return;
        }
        let parsed = match result {
            Ok(response) => self.config.parse(self.endpoint, response),
            Err(e) => Err(self.config.redact(e.into())),
        };
        self.phase = match parsed {
            Ok(output) => Phase::done(Ok(output)),
            Err(error) => {
                let (name, idempotent) = (self.endpoint.name(), self.endpoint.is_idempotent());
                match retry_or_give_up(&mut self.budget, now, name, idempotent, self.config.profile(), error) {
                    Ok((at, notice)) => {
                        self.notice = Some(notice);
                        Phase::Sleeping(at, ())
                    }
                    Err(error) => Phase::done(Err(error)),
                }
            }
        };
    }
}
