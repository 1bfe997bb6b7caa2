//! What a batch run holds in memory: the journal's jobs as last written, what each running
//! task last showed, the work handed to the servers' lanes, and which running tasks to ask
//! about next.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

use mj_client::Hooks;
use mj_proto::Task;

use crate::journal::{Job, JobKey, JobState};
use crate::lane::Work;
use crate::report::Summary;
use crate::request::Request;

/// Times a running task may be missing from its server's answers (or a submit may be
/// impossible to rebuild) before its job fails.
pub(crate) const MAX_MISSES: u32 = 15;

/// Passes whose download of a finished task's files failed, each after the client's own
/// retries, before the job fails.
pub(crate) const MAX_DOWNLOAD_ROUNDS: u32 = 2;

/// How long callback-reported ends are gathered before one request confirms them all:
/// tasks sent together end together, and each end alone would cost a request.
pub(crate) const GATHER: Duration = Duration::from_millis(100);

/// How often a shared run claims and renews: new jobs are taken within this of a free
/// slot, and a dead worker's jobs within this of its lease running out.
pub(crate) const CLAIM_EVERY: Duration = Duration::from_millis(250);

/// A shared journal as the run last saw it.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Sharing {
    /// When the run last claimed (and renewed its leases).
    pub(crate) at: Option<Instant>,
    /// Unfinished jobs other workers hold under a live lease.
    pub(crate) held_elsewhere: usize,
    /// Whether the last claim had room and still found nothing to take: what is left
    /// elsewhere is then for servers this run does not have.
    pub(crate) found_nothing: bool,
}

/// What a running task last showed, and since when it has shown that.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) status: String,
    pub(crate) progress: Option<String>,
    pub(crate) since: Instant,
}

/// A server the run sends to: its lane's two threads, and whether it is still in the run.
pub(crate) struct Lane {
    /// The member's name (`None`: the only server).
    pub(crate) name: Option<String>,
    /// Where its submits go; `None` once the run is ending.
    pub(crate) sender: Option<Sender<Vec<Work>>>,
    /// Where its questions and downloads go; `None` once the run is ending.
    pub(crate) asker: Option<Sender<Vec<Work>>>,
    /// True while its sender does a pass of work.
    pub(crate) sending: bool,
    /// True while its asker does a pass of work.
    pub(crate) asking: bool,
    /// Why it was taken out of the run (it refused the key): its jobs wait.
    pub(crate) refused: Option<String>,
    /// Why it takes no new submit in this run: a pacing rule holds them past the run's
    /// deadline (a daily cap, working hours, a rest). Its running tasks are still followed
    /// and downloaded.
    pub(crate) held: Option<String>,
}

impl Lane {
    /// True while it is in the run (not refused, not ended).
    pub(crate) fn open(&self) -> bool {
        self.refused.is_none() && self.sender.is_some() && self.asker.is_some()
    }

    /// True when it can take a submit now.
    pub(crate) fn can_send(&self) -> bool {
        self.open() && !self.sending && self.held.is_none()
    }

    /// True when it can take questions and downloads now.
    pub(crate) fn can_ask(&self) -> bool {
        self.open() && !self.asking
    }

    /// True while either thread works.
    pub(crate) fn busy(&self) -> bool {
        self.sending || self.asking
    }
}

/// What a run holds in memory: the journal's jobs as last written.
pub(crate) struct Run {
    /// The jobs this run works on (on a shared journal: those it holds), and the finished
    /// ones (an upscale needs its grid's, whoever made it).
    pub(crate) jobs: BTreeMap<JobKey, Job>,
    /// On a shared journal: the unfinished jobs this run does not hold (not claimed yet, or
    /// held by another worker), as last read. Counted, never worked on.
    pub(crate) elsewhere: BTreeMap<JobKey, Job>,
    /// On a shared journal: what the last claim found and when it was made.
    pub(crate) sharing: Option<Sharing>,
    /// Item index to its line in the prompt file.
    pub(crate) lines: HashMap<u32, usize>,
    pub(crate) summary: Summary,
    /// Times a job's task was missing (or its submit could not be rebuilt).
    pub(crate) unseen: HashMap<JobKey, u32>,
    /// Passes in which a job's download failed. Kept apart from `unseen`, which seeing the
    /// task clears: a task that is found but whose file never comes must still fail.
    pub(crate) download_failures: HashMap<JobKey, u32>,
    /// What each running task last showed, and since when.
    pub(crate) seen: HashMap<JobKey, Seen>,
    /// When the server was last asked about each running task.
    pub(crate) asked: HashMap<JobKey, Instant>,
    /// Running tasks whose callback-reported end a fetch was sent to confirm.
    pub(crate) confirmed: HashSet<JobKey>,
    /// When a callback first reported each running task's end: ends are confirmed
    /// together, [`GATHER`] after the first, in one request per server.
    pub(crate) reported_end: HashMap<JobKey, Instant>,
    pub(crate) finished_now: usize,
    /// Jobs whose work (a submit, a grid's fetch, a download) a lane has and has not
    /// reported back yet: never handed out twice.
    pub(crate) handed: HashSet<JobKey>,
    /// Finished tasks whose files are still to be downloaded.
    pub(crate) ready: BTreeMap<JobKey, Vec<String>>,
    /// Upscales whose request was built from their grid, waiting to be sent.
    pub(crate) built: HashMap<JobKey, Request>,
}

impl Run {
    /// A run over the journal's `jobs`, for a prompt file whose items are on `lines`.
    pub(crate) fn new(jobs: BTreeMap<JobKey, Job>, lines: HashMap<u32, usize>) -> Self {
        Self {
            jobs,
            elsewhere: BTreeMap::new(),
            sharing: None,
            lines,
            summary: Summary::default(),
            unseen: HashMap::new(),
            download_failures: HashMap::new(),
            seen: HashMap::new(),
            asked: HashMap::new(),
            confirmed: HashSet::new(),
            reported_end: HashMap::new(),
            finished_now: 0,
            handed: HashSet::new(),
            ready: BTreeMap::new(),
            built: HashMap::new(),
        }
    }

    /// Counts one more time that `key` could not go on in `counter`; true once that has
    /// happened `limit` times.
    pub(crate) fn count(counter: &mut HashMap<JobKey, u32>, key: JobKey, limit: u32) -> bool {
        let misses = counter.entry(key).or_insert(0);
        *misses += 1;
        *misses >= limit
    }

    /// The grid job of `key`'s prompt (itself, for a grid).
    pub(crate) fn grid(&self, key: JobKey) -> Option<&Job> {
        self.jobs.get(&JobKey { item: key.item, step: 0 })
    }

    /// The prompt file's line of job `key`.
    pub(crate) fn line(&self, key: JobKey) -> usize {
        self.lines.get(&key.item).copied().unwrap_or(0)
    }

    /// Leaves job `key` to another worker (it took the job over): everything this run
    /// knew of it is dropped; it is counted with the jobs elsewhere.
    pub(crate) fn let_go(&mut self, key: JobKey) {
        if let Some(job) = self.jobs.remove(&key) {
            self.elsewhere.insert(key, job);
        }
        self.unseen.remove(&key);
        self.download_failures.remove(&key);
        self.seen.remove(&key);
        self.asked.remove(&key);
        self.confirmed.remove(&key);
        self.reported_end.remove(&key);
        self.ready.remove(&key);
        self.built.remove(&key);
    }

    /// Every job, this run's and those elsewhere.
    pub(crate) fn all_jobs(&self) -> impl Iterator<Item = &Job> {
        self.jobs.values().chain(self.elsewhere.values())
    }

    pub(crate) fn running(&self) -> impl Iterator<Item = &Job> {
        self.jobs.values().filter(|j| j.state == JobState::Running)
    }

    /// Notes what `task` of job `key` shows at `now`; returns since when it has shown it.
    pub(crate) fn saw(&mut self, key: JobKey, task: &Task, now: Instant) -> Instant {
        let (status, progress) = (task.status.as_str().to_owned(), task.progress.clone());
        match self.seen.get(&key) {
            Some(seen) if seen.status == status && seen.progress == progress => seen.since,
            _ => {
                self.seen.insert(key, Seen { status, progress, since: now });
                now
            }
        }
    }

    /// The running jobs of server `server` whose tasks to ask about now. A job whose
    /// server calls back to no hooks: every `interval`. With hooks, only those whose end a
    /// callback reported (to confirm it), those that never had a callback (a server that
    /// does not call back is polled every `interval`, as before), and those quiet for the
    /// `safety_net`. Jobs whose files are being fetched are not asked about.
    pub(crate) fn to_ask(
        &self,
        server: Option<&str>,
        hooks: Option<&Hooks>,
        interval: Duration,
        safety_net: Duration,
        now: Instant,
    ) -> Vec<JobKey> {
        let since = |at: Option<Instant>| at.map_or(Duration::MAX, |at| now.saturating_duration_since(at));
        let jobs = || {
            self.running()
                .filter(|job| job.server.as_deref() == server && !self.handed.contains(&job.key))
                .filter(|job| !self.ready.contains_key(&job.key))
        };
        let unconfirmed_end =
            |job: &Job| self.reported_end.contains_key(&job.key) && !self.confirmed.contains(&job.key);
        // Reported ends go together, once the first has waited GATHER.
        let confirm =
            jobs().filter(|j| unconfirmed_end(j)).any(|j| since(self.reported_end.get(&j.key).copied()) >= GATHER);
        jobs()
            .filter(|job| {
                let Some(id) = job.task_id.as_deref() else { return false };
                let asked = self.asked.get(&job.key).copied();
                let Some(hooks) = hooks else { return since(asked) >= interval };
                match hooks.latest(id) {
                    Some(_) if unconfirmed_end(job) => confirm,
                    Some(_) => since(self.seen.get(&job.key).map(|s| s.since).max(asked)) >= safety_net,
                    None => since(asked) >= interval,
                }
            })
            .map(|j| j.key)
            .collect()
    }
}

/// True when a task will not change on its own again (finished, or waiting for input).
pub(crate) fn ended(task: &Task) -> bool {
    task.is_terminal() || task.needs_input()
}
