//! Counters behind `GET /sim/stats`: requests by route, faults by kind, tasks by action.

use std::collections::BTreeMap;

use serde::Serialize;

/// What the simulator has seen and done, so tests can prove a client did not submit twice.
/// `GET /sim/stats` serves it as JSON; it reads back with serde.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Stats {
    /// Requests by route (`submit/imagine`, `task/fetch`, …), counted before auth and faults;
    /// `sim/media` counts result downloads.
    pub requests: BTreeMap<String, u64>,
    /// Faults injected by kind (`500`, `429`, `slow`, `truncate`, `reset`, `html`, `late`).
    pub faults: BTreeMap<String, u64>,
    /// Tasks created by action (`IMAGINE`, `UPSCALE`, …).
    pub tasks_created: BTreeMap<String, u64>,
    /// Every task created, in order: what a test needs to find duplicates (two tasks with
    /// one correlation token) and orphans (a task the client never heard of).
    pub created: Vec<Created>,
    /// Requests refused for their credentials.
    pub unauthorized: u64,
    /// Submits refused for a banned word (code 24), and tasks failed by moderation
    /// (a banned word on trueai, a moderated word anywhere).
    pub moderated: u64,
    /// Submits refused because the queue was full (code 23; trueai's code 9).
    pub queue_full: u64,
    /// Requests to paths the flavor does not serve.
    pub not_found: u64,
    /// Webhook POSTs by what became of them: `sent` (each copy), `dropped` and
    /// `duplicated` (the `hook_drop` and `hook_dup` faults), `skipped (not loopback)`.
    pub notifications: BTreeMap<String, u64>,
}

/// One task the simulator created.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Created {
    /// The task id the simulator gave it.
    pub id: String,
    /// Its action (`IMAGINE`, …).
    pub action: String,
    /// The `state` it was submitted with (mj's correlation token).
    pub state: Option<String>,
    /// When its submit arrived, in milliseconds since the epoch on the simulator's clock:
    /// what a test of pacing reads the intervals between submits from.
    #[serde(default)]
    pub at_ms: u64,
}

impl Stats {
    /// Correlation tokens that more than one task carries: each is a duplicated submit.
    pub fn duplicated_states(&self) -> Vec<String> {
        let mut seen = BTreeMap::<&str, u32>::new();
        for state in self.created.iter().filter_map(|c| c.state.as_deref()) {
            *seen.entry(state).or_default() += 1;
        }
        seen.into_iter().filter(|(_, n)| *n > 1).map(|(s, _)| s.to_owned()).collect()
    }

    pub(crate) fn bump(map: &mut BTreeMap<String, u64>, key: &str) {
        *map.entry(key.to_owned()).or_default() += 1;
    }

    /// Tasks created in all.
    pub fn total_tasks(&self) -> u64 {
        self.tasks_created.values().sum()
    }

    /// Faults injected in all.
    pub fn total_faults(&self) -> u64 {
        self.faults.values().sum()
    }
}
