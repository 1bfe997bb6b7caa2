//! Helpers for mj's end-to-end tests (in `tests/tests/`).

use std::future::Future;
use std::task::{Context, Poll, Waker};

/// Polls `future` to completion without a runtime: for futures whose transport never
/// really waits (a manual clock, canned answers).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

/// What one run of flows left behind, from the client's side: every task id it was
/// handed, every correlation token an `OutcomeUnknown` named, and every other failure.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Task ids the client returned (submits, waits, watches).
    pub returned: std::collections::BTreeSet<String>,
    /// Tokens named by `OutcomeUnknown` errors.
    pub unknown: Vec<String>,
    /// The `OutcomeUnknown` errors themselves, as `step: error`.
    pub unknown_errors: Vec<String>,
    /// Every other failure, as `step: error`.
    pub failures: Vec<String>,
}

impl Ledger {
    /// Records the result of `step`; `Some` when it succeeded.
    pub fn note<T: Ids>(&mut self, step: &str, result: Result<T, mj_proto::Error>) -> Option<T> {
        match result {
            Ok(value) => {
                value.ids(&mut self.returned);
                Some(value)
            }
            Err(e @ mj_proto::Error::OutcomeUnknown { .. }) => {
                let mj_proto::Error::OutcomeUnknown { token, cause, .. } = &e else { return None };
                assert!(cause.outcome_unknown(), "{step}: OutcomeUnknown only after a lost answer, not {cause}");
                self.unknown.push(token.clone());
                self.unknown_errors.push(format!("{step}: {e}"));
                None
            }
            Err(e) => {
                self.failures.push(format!("{step}: {e}"));
                None
            }
        }
    }

    /// Notes an error that the flow expects (a cancelled task, a modal), keeping its task.
    pub fn expect_err<T: std::fmt::Debug>(
        &mut self,
        step: &str,
        result: Result<T, mj_proto::Error>,
        kind: mj_proto::ErrorKind,
    ) -> bool {
        match result {
            Err(mj_proto::Error::TaskFailed(t) | mj_proto::Error::NeedsInput(t))
                if kind != mj_proto::ErrorKind::WaitTimeout =>
            {
                self.returned.insert(t.id.clone());
                true
            }
            other => {
                let _ = self.note(step, other.map(|_| ()));
                false
            }
        }
    }

    /// Checks the simulator's record against the ledger: no task created twice for one
    /// token, and no task the client never heard of (neither returned nor named by token).
    pub fn audit(&self, created: &[mj_sim::Created], label: &str) {
        let mut states = std::collections::BTreeMap::<&str, u32>::new();
        for task in created {
            if let Some(state) = task.state.as_deref() {
                *states.entry(state).or_default() += 1;
            }
        }
        let duplicates: Vec<_> = states.iter().filter(|(_, n)| **n > 1).collect();
        assert!(duplicates.is_empty(), "{label}: duplicated submits {duplicates:?}");
        let orphans: Vec<_> = created
            .iter()
            .filter(|t| !self.returned.contains(&t.id))
            .filter(|t| !t.state.as_ref().is_some_and(|s| self.unknown.contains(s)))
            .collect();
        assert!(orphans.is_empty(), "{label}: orphaned tasks {orphans:?}");
    }
}

/// Values that carry task ids.
pub trait Ids {
    /// Adds the ids to `into`.
    fn ids(&self, into: &mut std::collections::BTreeSet<String>);
}

impl Ids for () {
    fn ids(&self, _: &mut std::collections::BTreeSet<String>) {}
}

impl Ids for mj_proto::Task {
    fn ids(&self, into: &mut std::collections::BTreeSet<String>) {
        into.insert(self.id.clone());
    }
}

impl Ids for mj_proto::Submitted {
    fn ids(&self, into: &mut std::collections::BTreeSet<String>) {
        into.insert(self.task_id.clone());
    }
}

impl Ids for mj_proto::plan::WatchReport {
    fn ids(&self, into: &mut std::collections::BTreeSet<String>) {
        for t in self.finished.iter().chain(&self.unfinished) {
            into.insert(t.id.clone());
        }
    }
}

impl<T> Ids for Vec<T> {
    fn ids(&self, _: &mut std::collections::BTreeSet<String>) {}
}

/// The README's and `docs/`'s Rust blocks as doctests: `cargo test` compiles every one
/// (and runs those not marked `no_run`), so a snippet a user copies compiles. A page added
/// to `docs/` must be listed here; `tests/tests/docs.rs` checks that none is missing.
#[cfg(doctest)]
pub mod documentation {
    #[doc = include_str!("../../README.md")]
    pub struct Readme;
    #[doc = include_str!("../../docs/architecture.md")]
    pub struct Architecture;
    #[doc = include_str!("../../docs/batches.md")]
    pub struct Batches;
    #[doc = include_str!("../../docs/benchmarks.md")]
    pub struct Benchmarks;
    #[doc = include_str!("../../docs/cli.md")]
    pub struct Cli;
    #[doc = include_str!("../../docs/clients.md")]
    pub struct Clients;
    #[doc = include_str!("../../docs/embedding.md")]
    pub struct Embedding;
    #[doc = include_str!("../../docs/fuzzing.md")]
    pub struct Fuzzing;
    #[doc = include_str!("../../docs/mcp.md")]
    pub struct Mcp;
    #[doc = include_str!("../../docs/pools.md")]
    pub struct Pools;
    #[doc = include_str!("../../docs/reliability.md")]
    pub struct Reliability;
    #[doc = include_str!("../../docs/simulator.md")]
    pub struct Simulator;
    #[doc = include_str!("../../docs/webhooks.md")]
    pub struct Webhooks;
    // The crates' READMEs that mj-ureq's and mj-reqwest's own docs do not already include.
    #[doc = include_str!("../../crates/mj-hooks/README.md")]
    pub struct MjHooksReadme;
}
