//! What a run tells its caller: progress after each round, and how it ended.

use std::time::Duration;

use crate::plan::Counts;
/// How a run is going, after each round.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Progress {
    /// Jobs by state.
    pub counts: Counts,
    /// Since the run started.
    pub elapsed: Duration,
    /// Jobs this run finished (done or failed).
    pub finished_now: usize,
}

/// How a run ended.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Summary {
    /// Jobs done (grids and upscales), this run or before.
    pub done: usize,
    /// Failed jobs: the prompt's line, the prompt and why.
    pub failed: Vec<(usize, String, String)>,
    /// Files this run wrote.
    pub files_written: usize,
    /// Submits this run sent or resumed.
    pub submitted: usize,
    /// Jobs in all.
    pub jobs: usize,
    /// How long the run took.
    pub elapsed: Duration,
    /// Jobs left unfinished because the run's deadline came first (still in the journal:
    /// running the batch again resumes them).
    pub unfinished: usize,
    /// Recorded files found missing or altered on disk, and so downloaded again.
    pub files_repaired: usize,
}
