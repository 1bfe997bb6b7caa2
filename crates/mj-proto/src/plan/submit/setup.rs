//! How a submit plan is set up: its token, its policies (set in any order) and the lookup a
//! lost answer starts with.

use super::{Method, Next, Phase, SubmitPlan};
use crate::config::Config;
use crate::endpoint::Submit;
use crate::plan::backoff::Budget;
use crate::plan::{RetryPolicy, SubmitPolicy};
use crate::profile::Lookup;
use crate::profile::ServerProfile;

/// The lookups a driver saw the server lack, which an undeclared server is not asked again.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Lacks {
    pub(super) query: bool,
    pub(super) list: bool,
}

impl<'a, S: Submit> SubmitPlan<'a, S> {
    /// A plan for `request` with the default [`RetryPolicy`] and [`SubmitPolicy`] (the
    /// setters [`retry`](Self::retry) and [`policy`](Self::policy) change them, in any
    /// order). The token is the request's `state` when set, else drawn from the retry
    /// policy's seed.
    pub fn new(config: &'a Config, mut request: S) -> Self {
        let mut budget = Budget::new(RetryPolicy::default());
        let (token, drew_token) = match request.options().state.clone() {
            Some(state) => (state, false),
            None => (format!("mj-{:016x}", budget.random()), true),
        };
        request.options_mut().state = Some(token.clone());
        let plan = Self {
            config,
            request,
            token,
            drew_token,
            policy: SubmitPolicy::default(),
            budget,
            phase: Phase::Ready(Next::Submit),
            method: None,
            lacks: Lacks::default(),
            lost: None,
            lookups: 0,
            lookup_error: None,
            lookup_timeouts: 0,
            queued_since: None,
            early: None,
            refuted: Vec::new(),
            notice: None,
        };
        plan.policy(SubmitPolicy::default())
    }

    /// How refusals and lost answers are handled: queue patience, the lookup and how long
    /// before "absent" is believed.
    pub fn policy(mut self, policy: SubmitPolicy) -> Self {
        // A server whose lookup is known to lag behind its submits needs a longer wait
        // before "no such task" can be believed.
        let mut policy = policy;
        if let Some(lag) = self.config.profile().map(ServerProfile::lookup_lag) {
            policy.absent_after = policy.absent_after.max(lag);
        }
        self.policy = policy;
        self.method = self.first_method();
        self
    }

    /// How transient errors are retried; a drawn token is drawn again from its seed.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.budget.set_policy(retry);
        if self.drew_token {
            self.token = format!("mj-{:016x}", self.budget.random());
            self.request.options_mut().state = Some(self.token.clone());
        }
        self
    }

    /// The lookup a lost answer starts with: the declared profile's, else the policy's,
    /// less what the server was seen to lack.
    pub(super) fn first_method(&self) -> Option<Method> {
        // A declared server profile knows which lookup its server has.
        let lookup = match (self.policy.lookup, self.config.profile()) {
            (Lookup::Auto, Some(profile)) => profile.lookup(),
            (lookup, _) => lookup,
        };
        let mut method = match lookup {
            Lookup::Never => None,
            _ if self.request.continues_task().is_some() => Some(Method::Task),
            Lookup::Auto | Lookup::Query => Some(Method::Query),
            Lookup::List => Some(Method::List),
        };
        if self.policy.lookup == Lookup::Auto && self.config.profile().is_none() {
            if method == Some(Method::Query) && self.lacks.query {
                method = Some(Method::List);
            }
            if method == Some(Method::List) && self.lacks.list {
                method = None;
            }
        }
        method
    }
}
