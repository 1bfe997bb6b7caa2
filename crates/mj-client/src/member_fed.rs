//! A pool submit fed by the callbacks of the server it is on.

use std::time::Instant;

use crate::Hooks;
use mj_proto::HttpResponse;
use mj_proto::TransportError;
use mj_proto::endpoint::Submit;
use mj_proto::plan::{Placed, Plan, PoolSubmitPlan, Step};

/// A pool submit fed by the callbacks of the member it is on. Task ids and tokens speak
/// for one server only: a member's scope is listened to while the submit is on that
/// member, and a callback in another member's scope (a member that refused, or any other)
/// never names the task.
pub(crate) struct MemberFed<'p, 'a, S: Submit + Clone> {
    plan: &'p mut PoolSubmitPlan<'a, S>,
    /// Each member's hooks (its scope), by member index.
    scopes: Vec<Option<Hooks>>,
    /// The hub generation each scope was last read at.
    seen: Vec<u64>,
}

impl<'p, 'a, S: Submit + Clone> MemberFed<'p, 'a, S> {
    pub(crate) fn new(plan: &'p mut PoolSubmitPlan<'a, S>, scopes: Vec<Option<Hooks>>) -> Self {
        let seen = vec![0; scopes.len()];
        Self { plan, scopes, seen }
    }
}

impl<S: Submit + Clone> Plan for MemberFed<'_, '_, S> {
    type Output = Placed;
    type Progress = std::convert::Infallible;

    fn poll(&mut self, now: Instant) -> Step<Placed, Self::Progress> {
        if let Some(i) = self.plan.member()
            && let (Some(Some(hooks)), Some(seen)) = (self.scopes.get(i), self.seen.get_mut(i))
        {
            *seen = hooks.feed(&mut *self.plan, *seen, now);
        }
        self.plan.poll(now)
    }

    fn handle(&mut self, result: Result<HttpResponse, TransportError>, now: Instant) {
        self.plan.handle(result, now);
    }
}
