//! The driver: a coordinator that decides with [`plan`](crate::plan) and writes every step
//! to the journal, and one [lane](crate::lane) per server that makes that server's
//! requests. The coordinator never waits on a server: it hands work to the lanes that are
//! free and records their outcomes as they come, so a server that hangs, dies or refuses
//! the key holds up only its own jobs.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use mj_client::{Client, Hooks};
use mj_proto::plan::RetryPolicy;
use mj_proto::{Task, Transport};

use crate::blocked::blocked;
use crate::error::BatchError;
use crate::files;
use crate::journal::{Job, JobKey, JobState, Journal};
use crate::lane::{self, LaneClients, Report, Role};
use crate::plan::{self, Counts};
use crate::prompts::PromptLine;
use crate::report::{Progress, Summary};
use crate::run::{Lane, Run};

/// How often the run looks for a callback-reported end while tasks with hooks run.
const NAP: Duration = Duration::from_millis(10);

/// A batch run over a blocking client (of one server, or of a pool whose servers the
/// jobs are spread over) and a journal.
pub struct Batch<'c, T, J> {
    /// The client: its first server's clock, settings and checks are the run's.
    pub(crate) client: &'c Client<T>,
    /// Each server alone, named when the client's servers are (`None`: the only one):
    /// what a job is sent to, followed on, pressed and resumed on.
    members: Vec<(Option<String>, Client<T>)>,
    /// Each server's client for the run's own questions (following, a grid's fetch): one
    /// try each, since the next pass asks again.
    followers: Vec<(Option<String>, Client<T>)>,
    pub(crate) journal: J,
    pub(crate) out: PathBuf,
    pub(crate) concurrency: usize,
    pub(crate) interval: Duration,
    pub(crate) deadline: Option<Instant>,
    pub(crate) stall_after: Duration,
}

impl<'c, T: Transport + Send + Sync, J: Journal> Batch<'c, T, J> {
    /// A run on `client` (one server, or a pool: each job is sent to the server the pool
    /// routes it to, written in the journal before the send, and followed, pressed and
    /// resumed on that server only) that saves into `out`, four tasks in flight, following
    /// them every 2 s.
    pub fn new(client: &'c Client<T>, journal: J, out: impl Into<PathBuf>) -> Self {
        // A client of one `Config` has one unnamed member: its jobs name no server.
        let members: Vec<(Option<String>, Client<T>)> =
            client.members().into_iter().map(|m| (m.name().map(str::to_owned), m)).collect();
        let followers = members
            .iter()
            .map(|(name, client)| {
                let mut settings = client.settings().clone();
                settings.retry = RetryPolicy::none();
                (name.clone(), client.clone().with_settings(settings))
            })
            .collect();
        Self {
            client,
            members,
            followers,
            journal,
            out: out.into(),
            concurrency: 4,
            interval: Duration::from_secs(2),
            deadline: None,
            stall_after: Duration::from_secs(600),
        }
    }

    /// Ends the whole run at `deadline`: nothing new is sent after it, the run's own
    /// questions end by then, and the run returns its summary with the jobs it did not
    /// finish in [`Summary::unfinished_jobs`] (they stay in the journal for the next run).
    /// Every call the run makes (submits and downloads included) ends by then.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
        for (_, client) in self.members.iter_mut().chain(self.followers.iter_mut()) {
            *client = client.until(deadline);
        }
        self
    }

    /// Fails a job whose task shows no change (status or progress) for `after` (10 minutes
    /// by default): a task a server stopped working on must not hold the batch forever.
    pub fn stall_after(mut self, after: Duration) -> Self {
        self.stall_after = after;
        self
    }

    /// At most `n` tasks in flight (at least one). Over a pool, each member also gets no
    /// more than its `max_in_flight`.
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// How often the running tasks are followed.
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Runs (or resumes) the batch of `lines`, whose file has `fingerprint`, until every
    /// job is done or failed, the deadline passes, or what is left can only wait (for a
    /// server that refused the key, or one this run does not have). Calls `on_progress`
    /// after each change.
    ///
    /// Each server's requests are made by a thread of its own. Jobs sent to a member the
    /// run does not have wait for a run that has it (counted in [`Summary::absent`]); a
    /// pool member that refuses the key is taken out of the run (its jobs wait, the
    /// others go on: [`Summary::refused`]); a single server that refuses it stops the run
    /// with [`BatchError::Unauthorized`].
    pub fn run(
        mut self,
        lines: &[PromptLine],
        fingerprint: &str,
        mut on_progress: impl FnMut(&Progress),
    ) -> Result<Summary, BatchError> {
        let started = Instant::now();
        let output = |source| BatchError::Output { path: self.out.display().to_string(), source };
        files::writable(&self.out).map_err(output)?;
        // The leftovers of killed runs: this batch's files only, of dead processes only.
        mj_files::sweep(&self.out, plan::is_batch_file);
        match self.journal.fingerprint()? {
            None => self.journal.create(fingerprint, &jobs_of(lines))?,
            Some(journal) if journal == fingerprint => {}
            Some(journal) => {
                return Err(crate::JournalError::OtherPrompts {
                    path: self.journal.location(),
                    journal: journal.chars().take(12).collect(),
                    file: fingerprint.chars().take(12).collect(),
                }
                .into());
            }
        }
        let lines_of = lines.iter().enumerate().map(|(i, l)| (i as u32, l.line)).collect();
        let mut run = if self.journal.shared() {
            // Shared: the run holds nothing until it claims; the finished jobs are known
            // (an upscale presses its grid, whoever made it), the rest counted elsewhere.
            let (finished, elsewhere): (Vec<Job>, Vec<Job>) =
                self.journal.jobs()?.into_iter().partition(|j| matches!(j.state, JobState::Done | JobState::Failed));
            let mut run = Run::new(finished.into_iter().map(|j| (j.key, j)).collect(), lines_of);
            run.elsewhere = elsewhere.into_iter().map(|j| (j.key, j)).collect();
            run.sharing = Some(Default::default());
            run
        } else {
            let mut run = Run::new(self.journal.jobs()?.into_iter().map(|j| (j.key, j)).collect(), lines_of);
            // Files a worker of a shared journal saved are that worker's to check.
            self.repair_files(&mut run)?;
            run
        };
        let followers = std::mem::take(&mut self.followers);
        let members = self.members.clone();
        let stop = AtomicBool::new(false);
        let lanes = std::thread::scope(|scope| {
            let (reports_to, reports) = mpsc::channel::<Report>();
            let mut lanes = Vec::new();
            for ((name, client), (_, follower)) in members.iter().zip(&followers) {
                let at = lanes.len();
                let spawn = |role: Role| {
                    let (work, passes) = mpsc::channel();
                    let clients = LaneClients { client, follower };
                    let (reports_to, stop) = (reports_to.clone(), &stop);
                    std::thread::Builder::new()
                        .name(format!("mj-batch-{}-{role:?}", name.as_deref().unwrap_or("server")))
                        .spawn_scoped(scope, move || lane::serve(at, role, &clients, &passes, &reports_to, stop))
                        .map(|_| work)
                        .map_err(|source| BatchError::Output { path: "a thread for a server".to_owned(), source })
                };
                let (sender, asker) = (spawn(Role::Sender)?, spawn(Role::Asker)?);
                lanes.push(Lane {
                    name: name.clone(),
                    sender: Some(sender),
                    asker: Some(asker),
                    sending: false,
                    asking: false,
                    refused: None,
                    held: None,
                });
            }
            drop(reports_to);
            let ended = self.coordinate(&mut run, &mut lanes, &reports, started, &mut on_progress);
            // The lanes finish what they are doing (their calls end by the deadline) and
            // skip the rest; what they still report is recorded, so that no submit's
            // answer is lost.
            stop.store(true, Ordering::Relaxed);
            for lane in &mut lanes {
                (lane.sender, lane.asker) = (None, None);
            }
            let mut drained = Ok(());
            for report in reports.iter() {
                let applied = self.apply(&mut run, &mut lanes, report);
                drained = drained.and(applied);
            }
            ended.and(drained).map(|()| lanes)
        })?;
        // Nothing of this run is on the wire now: what it holds and did not finish is
        // free for the other workers at once.
        self.journal.release()?;
        Ok(self.summary(run, &lanes, started))
    }

    /// Hands work to the free lanes and records what they report, until the run is over.
    fn coordinate(
        &mut self,
        run: &mut Run,
        lanes: &mut [Lane],
        reports: &Receiver<Report>,
        started: Instant,
        on_progress: &mut impl FnMut(&Progress),
    ) -> Result<(), BatchError> {
        let mut told: Option<(Counts, usize, Instant)> = None;
        loop {
            while let Ok(report) = reports.try_recv() {
                self.apply(run, lanes, report)?;
            }
            let now = self.now();
            if self.deadline.is_some_and(|d| now >= d) {
                return Ok(());
            }
            self.claim(run, lanes)?;
            self.fail_orphans(run)?;
            self.heard(run)?;
            self.dispatch(run, lanes)?;
            let counts = plan::counts(run.all_jobs());
            let refused = lanes.iter().filter(|l| l.refused.is_some()).count();
            let due = told.is_none_or(|(c, r, at)| c != counts || r != refused || now >= at + self.interval);
            if due {
                told = Some((counts, refused, now));
                on_progress(&Progress {
                    counts,
                    elapsed: started.elapsed(),
                    finished_now: run.finished_now,
                    refused: lanes
                        .iter()
                        .filter_map(|l| Some((l.name.clone().unwrap_or_default(), l.refused.clone()?)))
                        .collect(),
                });
            }
            if counts.running + counts.left == 0 {
                return Ok(());
            }
            if !lanes.iter().any(Lane::busy) && self.stuck(run, lanes) {
                return Ok(());
            }
            let wake = self.next_wake(run, lanes, now);
            if !lanes.iter().any(Lane::busy) {
                // No report can come: the pause is the transport's (a simulated clock
                // moves).
                self.client.transport().sleep(wake);
                continue;
            }
            match reports.recv_timeout(wake) {
                Ok(report) => self.apply(run, lanes, report)?,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return Ok(()),
            }
        }
    }

    /// How long the coordinator may sleep when no lane reports: until the next task is
    /// due to be asked about, a callback may have come, or the deadline.
    fn next_wake(&self, run: &Run, lanes: &[Lane], now: Instant) -> Duration {
        let hooked = run.running().any(|job| self.hooks(job.server.as_deref()).is_some());
        let free = lanes.iter().any(Lane::can_ask);
        let mut wake = if hooked && free {
            NAP
        } else {
            // A busy lane reports when it is done: only a free lane's jobs can fall due.
            let free = |server: &Option<String>| lanes.iter().any(|l| &l.name == server && l.can_ask());
            run.running()
                .filter(|job| free(&job.server))
                .filter_map(|job| run.asked.get(&job.key))
                .map(|at| (*at + self.interval).saturating_duration_since(now))
                .min()
                .unwrap_or(self.interval)
                .clamp(Duration::from_millis(1), self.interval)
        };
        if run.sharing.is_some() {
            // Leases are renewed and free slots filled on time.
            wake = wake.min(crate::run::CLAIM_EVERY);
        }
        if let Some(deadline) = self.deadline {
            wake = wake.min(deadline.saturating_duration_since(now).max(Duration::from_millis(1)));
        }
        wake
    }

    /// True when every unfinished job can only wait: its server refused the key or is not
    /// in this run, or (a job not sent yet) no server is left that may take it.
    fn stuck(&self, run: &Run, lanes: &[Lane]) -> bool {
        let unfinished = || run.jobs.values().filter(|j| !matches!(j.state, JobState::Done | JobState::Failed));
        let mine = unfinished().all(|job| blocked(run, lanes, job).is_some());
        match run.sharing {
            None => unfinished().next().is_some() && mine,
            // Shared: also nothing held by a live worker, and nothing left to claim.
            Some(_) => {
                mine && (unfinished().next().is_some() || !run.elsewhere.is_empty())
                    && Self::nothing_to_claim(run, lanes)
            }
        }
    }

    /// The servers a new submit to `endpoint` goes to, best first (healthy, with room),
    /// by name (`None`: the only server).
    pub(crate) fn route(&self, endpoint: mj_proto::EndpointName) -> Vec<Option<String>> {
        match self.pooled() {
            true => self.client.route(endpoint).into_iter().map(Some).collect(),
            false => vec![None],
        }
    }

    /// True over named servers (a pool, or one server of a servers file): a refusal that
    /// proves nothing was created sends the job back to wait for another server, and a
    /// server that refuses the key is taken out of the run instead of ending it.
    pub(crate) fn pooled(&self) -> bool {
        !self.client.server_names().is_empty()
    }

    /// The run's clock.
    pub(crate) fn now(&self) -> Instant {
        self.client.transport().now()
    }

    /// The hooks server `server` calls back to.
    pub(crate) fn hooks(&self, server: Option<&str>) -> Option<&Hooks> {
        let (_, client) = self.members.iter().find(|(name, _)| name.as_deref() == server)?;
        client.settings().hooks.as_ref()
    }

    /// What callbacks reported of `job`'s task, when its server calls back.
    pub(crate) fn pushed(&self, job: &Job) -> Option<Task> {
        self.hooks(job.server.as_deref())?.latest(job.task_id.as_deref()?)
    }

    /// Checks every file the journal says a finished job saved. A job whose file is gone
    /// or altered goes back to `running` (its task id is known), so this run downloads it
    /// again instead of claiming a file that is not there.
    fn repair_files(&mut self, run: &mut Run) -> Result<(), BatchError> {
        // Each file is read and hashed once.
        let broken: Vec<(JobKey, usize)> = run
            .jobs
            .values()
            .filter(|j| j.state == JobState::Done && j.task_id.is_some())
            .map(|j| (j.key, j.files.iter().filter(|f| !files::intact(f)).count()))
            .filter(|(_, missing)| *missing > 0)
            .collect();
        for (key, missing) in broken {
            let Some(mut job) = run.jobs.get(&key).cloned() else { continue };
            run.summary.files_repaired += missing;
            job.files.clear();
            job.state = JobState::Running;
            self.write(run, job)?;
        }
        Ok(())
    }

    /// Fails the upscales whose grid failed: they cannot run.
    fn fail_orphans(&mut self, run: &mut Run) -> Result<(), BatchError> {
        let jobs: Vec<Job> =
            run.jobs.values().filter(|j| j.state == JobState::Pending && j.key.step > 0).cloned().collect();
        let orphans: Vec<JobKey> = jobs
            .iter()
            .filter(|j| run.grid(j.key).is_none_or(|g| g.state == JobState::Failed))
            .map(|j| j.key)
            .collect();
        for key in orphans {
            self.fail(run, key, "its grid failed".to_owned())?;
        }
        Ok(())
    }

    /// Records job `key` as failed. The reason is a server's text (or holds its URLs), so
    /// every server's API key is scrubbed from it, in every form, before it reaches the
    /// journal.
    pub(crate) fn fail(&mut self, run: &mut Run, key: JobKey, reason: String) -> Result<(), BatchError> {
        let Some(mut job) = run.jobs.get(&key).cloned() else { return Ok(()) };
        job.state = JobState::Failed;
        job.reason = Some(self.client.redact_text(&reason));
        run.ready.remove(&key);
        run.built.remove(&key);
        if self.write(run, job)? {
            run.finished_now += 1;
        }
        Ok(())
    }
}

/// The jobs of a new batch: each prompt's grid, and each upscale it asks for.
fn jobs_of(lines: &[PromptLine]) -> Vec<Job> {
    let mut jobs = Vec::new();
    for (item, line) in lines.iter().enumerate() {
        let item = item as u32;
        jobs.push(Job::new(JobKey { item, step: 0 }, line.prompt.clone(), line.images.clone()));
        for &n in &line.upscale {
            jobs.push(Job::new(JobKey { item, step: n }, line.prompt.clone(), Vec::new()));
        }
    }
    jobs
}
