//! What each created task was expected to cost and what became of it: a line of the
//! ledger a store keeps (`mj usage` reads it back).

use super::Money;

/// One created task, as the ledger records it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct LedgerEntry {
    /// When it was submitted, in milliseconds since the epoch.
    pub at_ms: i64,
    /// The day (in the server's pacing zone) it counts for.
    pub day: i64,
    /// The server (a pool member's name, or a lone server's base URL).
    pub server: String,
    /// The task's id on that server.
    pub task_id: String,
    /// What it was priced as (`imagine`, `upscale`, …).
    pub action: String,
    /// The speed mode it was submitted in (`fast`, `relax`, `turbo`), when the server's
    /// configuration names one.
    #[serde(default)]
    pub mode: Option<String>,
    /// The images it counts for against a daily image cap.
    pub images: u32,
    /// What it was estimated to cost, at the server's prices.
    pub estimate: Money,
}

impl LedgerEntry {
    /// A task `task_id` created on `server` at `at_ms` (day `day`).
    pub fn new(at_ms: i64, day: i64, server: impl Into<String>, task_id: impl Into<String>) -> Self {
        Self {
            at_ms,
            day,
            server: server.into(),
            task_id: task_id.into(),
            action: String::new(),
            mode: None,
            images: 0,
            estimate: Money::default(),
        }
    }

    /// Submitted in speed mode `mode`.
    pub fn mode(mut self, mode: Option<impl Into<String>>) -> Self {
        self.mode = mode.map(Into::into);
        self
    }

    /// Priced as `action`, counting `images` images, estimated at `estimate`.
    pub fn priced(mut self, action: impl Into<String>, images: u32, estimate: Money) -> Self {
        (self.action, self.images, self.estimate) = (action.into(), images, estimate);
        self
    }
}
