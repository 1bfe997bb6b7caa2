//! What a batch run holds in memory between rounds, and which running tasks it asks the
//! server about next.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use mj_proto::{Hooks, Task, Transport};

use crate::journal::{Job, JobKey, JobState};
use crate::report::Summary;

/// Rounds a running task may be missing from the server's answers (or a submit may be
/// impossible to rebuild) before its job fails.
pub(crate) const MAX_MISSES: u32 = 15;

/// Rounds whose download of a finished task's files failed, each after the client's own
/// retries, before the job fails.
pub(crate) const MAX_DOWNLOAD_ROUNDS: u32 = 2;

/// How often a pause with hooks looks for a reported end.
const NAP: Duration = Duration::from_millis(10);

/// What a run holds in memory: the journal's jobs as last written.
pub(crate) struct Run {
    pub(crate) jobs: BTreeMap<JobKey, Job>,
    /// Item index to its line in the prompt file.
    pub(crate) lines: HashMap<u32, usize>,
    pub(crate) summary: Summary,
    /// Rounds in which a job's task was missing (or its submit could not be rebuilt).
    pub(crate) unseen: HashMap<JobKey, u32>,
    /// Rounds in which a job's download failed. Kept apart from `unseen`, which seeing the
    /// task clears: a task that is found but whose file never comes must still fail.
    pub(crate) download_failures: HashMap<JobKey, u32>,
    /// What each running task last showed (status and progress), and since when.
    pub(crate) changed: HashMap<JobKey, (String, Instant)>,
    /// When the server was last asked about each running task.
    pub(crate) asked: HashMap<JobKey, Instant>,
    /// Running tasks whose callback-reported end a fetch was sent to confirm.
    pub(crate) confirmed: HashSet<JobKey>,
    pub(crate) finished_now: usize,
}

impl Run {
    /// A run over the journal's `jobs`, for a prompt file whose items are on `lines`.
    pub(crate) fn new(jobs: BTreeMap<JobKey, Job>, lines: HashMap<u32, usize>) -> Self {
        Self {
            jobs,
            lines,
            summary: Summary::default(),
            unseen: HashMap::new(),
            download_failures: HashMap::new(),
            changed: HashMap::new(),
            asked: HashMap::new(),
            confirmed: HashSet::new(),
            finished_now: 0,
        }
    }

    /// Counts one more round in which `key` could not go on in `counter`; true once that
    /// has happened `limit` times.
    pub(crate) fn count(counter: &mut HashMap<JobKey, u32>, key: JobKey, limit: u32) -> bool {
        let misses = counter.entry(key).or_insert(0);
        *misses += 1;
        *misses >= limit
    }

    fn running(&self) -> impl Iterator<Item = &Job> {
        self.jobs.values().filter(|j| j.state == JobState::Running)
    }

    /// The running jobs whose tasks to ask their server about this round. A job whose
    /// server calls back to no hooks: every round. With hooks, only those whose end a
    /// callback reported (to confirm it), those that never had a callback (a server that
    /// does not call back is polled every `interval`, as before), and those quiet for the
    /// `safety_net`.
    pub(crate) fn to_ask<'h>(
        &self,
        hooks: impl Fn(&Job) -> Option<&'h Hooks>,
        interval: Duration,
        safety_net: Duration,
        now: Instant,
    ) -> Vec<JobKey> {
        let since = |at: Option<Instant>| at.map_or(Duration::MAX, |at| now.saturating_duration_since(at));
        self.running()
            .filter(|job| {
                let Some(id) = job.task_id.as_deref() else { return false };
                let Some(hooks) = hooks(job) else { return true };
                let asked = self.asked.get(&job.key).copied();
                match hooks.latest(id) {
                    Some(task) => {
                        let heard = self.changed.get(&job.key).map(|(_, at)| *at).max(asked);
                        (ended(&task) && !self.confirmed.contains(&job.key)) || since(heard) >= safety_net
                    }
                    None => since(asked) >= interval,
                }
            })
            .map(|j| j.key)
            .collect()
    }

    /// Sleeps until the next round: `pause`, or less when a callback reports that a
    /// running task ended (it is then confirmed at once).
    pub(crate) fn pause<'h>(
        &self,
        transport: &impl Transport,
        hooks: impl Fn(&Job) -> Option<&'h Hooks>,
        pause: Duration,
    ) {
        let until = transport.now() + pause;
        let unconfirmed: Vec<(&Hooks, &str)> = self
            .running()
            .filter(|j| !self.confirmed.contains(&j.key))
            .filter_map(|j| Some((hooks(j)?, j.task_id.as_deref()?)))
            .collect();
        if unconfirmed.is_empty() {
            return transport.sleep(pause);
        }
        let any_ended = || unconfirmed.iter().any(|(hooks, id)| hooks.latest(id).is_some_and(|t| ended(&t)));
        while transport.now() < until && !any_ended() {
            transport.sleep(NAP.min(until.saturating_duration_since(transport.now())));
        }
    }
}

/// True when a task will not change on its own again (finished, or waiting for input).
pub(crate) fn ended(task: &Task) -> bool {
    task.is_terminal() || task.needs_input()
}
