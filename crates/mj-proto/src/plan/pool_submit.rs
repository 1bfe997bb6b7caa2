//! Submitting to a pool: to the best member first, to the next only when the first
//! provably did not create the task.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::pool::Member;
use super::{Interest, Notice, Plan, RetryPolicy, Step, SubmitPlan, SubmitPolicy};
use crate::endpoint::Submit;
use crate::error::Error;
use crate::model::{Submitted, Task, TaskHandle};
use crate::transport::TransportError;
use crate::wire::HttpResponse;

/// A submit placed on a pool member.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Placed {
    /// The member that created the task (index into the pool's members).
    pub member: usize,
    /// Its name.
    pub server: String,
    /// What it answered.
    pub submitted: Submitted,
}

impl Placed {
    /// The submit placed on member `member` (its index), named `server`, as it answered.
    pub fn new(member: usize, server: impl Into<String>, submitted: Submitted) -> Self {
        Self { member, server: server.into(), submitted }
    }

    /// The new task's handle (`name:id`).
    pub fn handle(&self) -> TaskHandle {
        TaskHandle::new(self.server.clone(), self.submitted.task_id.clone())
    }
}

/// Submits `request` to the members of a pool in `route` order (from
/// [`Pool::route`](super::Pool::route)), exactly once across all of them.
///
/// Each member gets one [`SubmitPlan`] with one correlation token shared by all. A member
/// is left for the next only when its refusal proves it created nothing: no connection
/// (nothing was sent), the key refused, a full queue (code 23, 429, code 30), or a local
/// refusal (its profile lacks the endpoint); such a refusal is not waited out on that
/// member, since another one may have room now. A lost answer (timeout, dropped
/// connection, 5xx) is resolved on the member it was sent to, by the token, as a single
/// server's submit is: it is never sent to a second member. When every member refused,
/// the last refusal is the error. [`refusals`](Self::refusals) tells the driver whom to
/// learn from.
#[derive(Debug)]
pub struct PoolSubmitPlan<'a, S: Submit + Clone> {
    members: &'a [Member],
    route: VecDeque<usize>,
    request: S,
    retry: RetryPolicy,
    policy: SubmitPolicy,
    deadline: Option<Instant>,
    current: Option<(usize, SubmitPlan<'a, S>)>,
    refusals: Vec<(usize, Error)>,
    /// The member the submit went to last.
    last: Option<usize>,
    /// Each member's `notifyHook`, when it has one of its own.
    hooks: Vec<Option<String>>,
}

impl<'a, S: Submit + Clone> PoolSubmitPlan<'a, S> {
    /// A plan for `request` over `members`, tried in `route` order (indexes into
    /// `members`, as [`Pool::route`](super::Pool::route) gives them), with the default
    /// [`RetryPolicy`] and [`SubmitPolicy`]; the setters [`retry`](Self::retry) and
    /// [`policy`](Self::policy) change them.
    pub fn new(members: &'a [Member], route: Vec<usize>, request: S) -> Self {
        let route = route.into_iter().filter(|&i| i < members.len()).collect();
        Self {
            members,
            route,
            request,
            retry: RetryPolicy::default(),
            policy: SubmitPolicy::default().queue_patience(Duration::ZERO),
            deadline: None,
            current: None,
            refusals: Vec::new(),
            last: None,
            hooks: Vec::new(),
        }
    }

    /// How each member's transient errors are retried.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// How each member's refusals and lost answers are handled. A full queue is not
    /// waited out on a member: the next member is tried instead.
    pub fn policy(mut self, policy: SubmitPolicy) -> Self {
        self.policy = policy.queue_patience(Duration::ZERO);
        self
    }

    /// Gives the request each member's own `notifyHook` (by member index; `None` leaves
    /// the request's as it is): the pool clients call each member back in a scope of its
    /// own, since task ids are only unique per server.
    pub fn notify_hooks(mut self, hooks: Vec<Option<String>>) -> Self {
        self.hooks = hooks;
        self
    }

    /// Ends the call at `deadline`, on every member.
    pub fn until(mut self, deadline: Option<Instant>) -> Self {
        self.deadline = deadline;
        self
    }

    /// The members that refused, with their refusals, in the order tried; when every
    /// member refused, the last one's refusal is the plan's error instead.
    pub fn refusals(&self) -> &[(usize, Error)] {
        &self.refusals
    }

    /// The member the submit went to last: the one that created the task, the one whose
    /// lost answer could not be resolved, or the last to refuse.
    pub fn member(&self) -> Option<usize> {
        self.last
    }

    /// Starts the submit on the next member of the route; false when none is left.
    fn next_member(&mut self) -> bool {
        let Some(i) = self.route.pop_front() else { return false };
        // Connection failures are this plan's to move on from, not the member plan's to
        // ride out; the first member's plan draws the token the others reuse.
        let retry = self.retry.clone().attempts(1);
        if let Some(Some(hook)) = self.hooks.get(i) {
            self.request.options_mut().notify_hook = Some(hook.clone());
        }
        let plan = SubmitPlan::new(&self.members[i].config, self.request.clone())
            .retry(retry)
            .policy(self.policy.clone())
            .until(self.deadline);
        self.request.options_mut().state = Some(plan.token().to_owned());
        (self.current, self.last) = (Some((i, plan)), Some(i));
        true
    }
}

impl<S: Submit + Clone> Plan for PoolSubmitPlan<'_, S> {
    type Output = Placed;
    type Progress = std::convert::Infallible;

    fn poll(&mut self, now: Instant) -> Step<Placed, Self::Progress> {
        loop {
            if self.current.is_none() && !self.next_member() {
                return Step::Done(Err(match self.refusals.pop() {
                    Some((_, last)) => last,
                    None => Error::Config(crate::ConfigError::EmptyPool),
                }));
            }
            let Some((i, plan)) = self.current.as_mut() else { continue };
            let i = *i;
            match plan.poll(now) {
                Step::Done(Ok(submitted)) => {
                    let server = self.members[i].name.clone();
                    let submitted = Submitted { server: Some(server.clone()), ..submitted };
                    return Step::Done(Ok(Placed { member: i, server, submitted }));
                }
                Step::Done(Err(error)) if error.created_nothing() => {
                    // The next member is announced; after the last, its refusal is the end.
                    let notice = self.route.front().map(|&next| Notice::Failover {
                        from: self.members[i].name.clone(),
                        to: self.members[next].name.clone(),
                        reason: error.to_string(),
                    });
                    self.refusals.push((i, error));
                    self.current = None;
                    if let Some(notice) = notice {
                        return Step::Notice(notice);
                    }
                }
                Step::Done(Err(error)) => return Step::Done(Err(error)),
                Step::Send(request) => return Step::Send(request),
                Step::Sleep(until) => return Step::Sleep(until),
                Step::Notice(notice) => return Step::Notice(notice),
                Step::Progress(never) => match never {},
            }
        }
    }

    fn handle(&mut self, result: Result<HttpResponse, TransportError>, now: Instant) {
        if let Some((_, plan)) = self.current.as_mut() {
            plan.handle(result, now);
        }
    }

    fn interests(&self) -> Vec<Interest<'_>> {
        self.current.as_ref().map(|(_, plan)| plan.interests()).unwrap_or_default()
    }

    fn pushed(&mut self, task: &Task, now: Instant) {
        if let Some((_, plan)) = self.current.as_mut() {
            plan.pushed(task, now);
        }
    }
}
