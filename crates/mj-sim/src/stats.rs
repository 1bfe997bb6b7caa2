//! Counters behind `GET /sim/stats`: requests by route, faults by kind, tasks by action.

use std::collections::BTreeMap;

use serde::Serialize;

/// What the simulator has seen and done, so tests can prove a client did not submit twice.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Requests by route (`submit/imagine`, `task/fetch`, …), counted before auth and faults.
    pub requests: BTreeMap<String, u64>,
    /// Faults injected by kind (`500`, `429`, `slow`, `truncate`, `reset`, `html`).
    pub faults: BTreeMap<String, u64>,
    /// Tasks created by action (`IMAGINE`, `UPSCALE`, …).
    pub tasks_created: BTreeMap<String, u64>,
    /// Requests refused for their credentials.
    pub unauthorized: u64,
    /// Requests to paths the flavor does not serve.
    pub not_found: u64,
    /// Webhook deliveries made, and skipped (hooks outside the loopback range).
    pub notifications: BTreeMap<String, u64>,
}

impl Stats {
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
