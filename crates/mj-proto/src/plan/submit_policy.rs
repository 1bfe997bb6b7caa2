//! What a submit is allowed: how long it waits out a full queue, which lookup resolves a
//! lost answer, how long the lookups go on.

use std::time::Duration;

use crate::profile::Lookup;

/// How a submit waits out a full queue and resolves a lost answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SubmitPolicy {
    /// Which lookup resolves a lost answer.
    pub lookup: Lookup,
    /// How long after a lost answer the lookups go on through their own failures before
    /// the outcome is called unknown.
    pub lookup_patience: Duration,
    /// "No such task" is trusted only when a lookup says so this long after the answer
    /// was lost: a request can still land after its connection died (a proxy that
    /// forwards late), and re-sending into that window would create a second task.
    pub absent_after: Duration,
    /// How long a full queue (code 23), a 429 or a gateway rate limit (code 30) is waited
    /// out before the submit gives up.
    pub queue_patience: Duration,
}

impl Default for SubmitPolicy {
    fn default() -> Self {
        Self {
            lookup: Lookup::Auto,
            lookup_patience: Duration::from_secs(300),
            absent_after: Duration::from_secs(10),
            queue_patience: Duration::from_secs(300),
        }
    }
}

impl SubmitPolicy {
    /// Sets the lookup.
    pub fn lookup(mut self, lookup: Lookup) -> Self {
        self.lookup = lookup;
        self
    }

    /// Sets how long a full queue is waited out.
    pub fn queue_patience(mut self, patience: Duration) -> Self {
        self.queue_patience = patience;
        self
    }

    /// Sets how long lookups go on through their own failures.
    pub fn lookup_patience(mut self, patience: Duration) -> Self {
        self.lookup_patience = patience;
        self
    }

    /// Sets how long after a lost answer "no such task" is trusted.
    pub fn absent_after(mut self, after: Duration) -> Self {
        self.absent_after = after;
        self
    }
}
