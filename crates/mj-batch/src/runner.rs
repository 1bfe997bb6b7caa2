//! The driver: carries out what [`plan`](crate::plan) decides with a blocking client,
//! writing every step to the journal before going on.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use mj_proto::plan::RetryPolicy;
use mj_proto::{Client, ErrorKind, Hooks, Task, Transport};

use crate::error::BatchError;
use crate::files;
use crate::journal::{Job, JobKey, JobState, Journal};
use crate::plan::{self, Verdict};
use crate::prompts::PromptLine;
use crate::report::{Progress, Summary};
use crate::run::{self, MAX_DOWNLOAD_ROUNDS, MAX_MISSES, Run};
use crate::servers::Servers;

/// A batch run over a blocking client (or a pool of servers) and a journal.
pub struct Batch<'c, S: Servers, J> {
    pub(crate) servers: &'c S,
    /// The client whose clock, settings and checks the run uses.
    pub(crate) lead: &'c Client<S::Transport>,
    /// Each server's client for the run's own requests (following, a grid's fetch): one
    /// try each, since the next round asks again, so that a server that died never holds
    /// the others' jobs up.
    followers: Vec<(Option<String>, Client<S::Transport>)>,
    pub(crate) journal: J,
    out: PathBuf,
    concurrency: usize,
    interval: Duration,
    deadline: Option<Instant>,
    stall_after: Duration,
}

impl<'c, S: Servers, J: Journal> Batch<'c, S, J> {
    /// A run on `servers` (a [`Client`], or a [`PoolClient`](mj_proto::PoolClient) whose
    /// members the jobs are spread over) that saves into `out`, four tasks in flight,
    /// following them every 2 s.
    pub fn new(servers: &'c S, journal: J, out: impl Into<PathBuf>) -> Self {
        let followers = servers
            .all()
            .into_iter()
            .map(|(name, client)| {
                let mut settings = client.settings().clone();
                settings.retry = RetryPolicy::none();
                (name, client.clone().with_settings(settings))
            })
            .collect();
        Self {
            servers,
            lead: servers.lead(),
            followers,
            journal,
            out: out.into(),
            concurrency: 4,
            interval: Duration::from_secs(2),
            deadline: None,
            stall_after: Duration::from_secs(600),
        }
    }

    /// Ends the whole run at `deadline`: no round starts after it, and the run returns its
    /// summary with the jobs it did not finish counted in [`Summary::unfinished`] (they stay
    /// in the journal for the next run). Give the client the same deadline
    /// ([`Settings::ends_at`](mj_proto::Settings::ends_at)) so that no single call outlasts it.
    pub fn deadline(mut self, deadline: Instant) -> Self {
        self.deadline = Some(deadline);
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
    /// job is done or failed, calling `on_progress` after each round.
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
        let mut run = Run::new(
            self.journal.jobs()?.into_iter().map(|j| (j.key, j)).collect(),
            lines.iter().enumerate().map(|(i, l)| (i as u32, l.line)).collect(),
        );
        self.repair_files(&mut run)?;
        self.check_servers(&run)?;
        for job in run.jobs.values().filter(|j| j.state == JobState::Running) {
            if let Some(id) = &job.task_id {
                self.servers.adopt(job.server.as_deref(), id);
            }
        }
        loop {
            if self.deadline.is_some_and(|d| self.now() >= d) {
                break;
            }
            self.round(&mut run)?;
            let jobs: Vec<Job> = run.jobs.values().cloned().collect();
            on_progress(&Progress {
                counts: plan::counts(&jobs),
                elapsed: started.elapsed(),
                finished_now: run.finished_now,
            });
            if plan::finished(&jobs) {
                break;
            }
            let pause = match self.deadline {
                Some(d) => self.interval.min(d.saturating_duration_since(self.now())),
                None => self.interval,
            };
            run.pause(self.lead.transport(), |job| self.hooks(job), pause);
        }
        let mut summary = run.summary;
        summary.jobs = run.jobs.len();
        summary.done = run.jobs.values().filter(|j| j.state == JobState::Done).count();
        summary.failed = run
            .jobs
            .values()
            .filter(|j| j.state == JobState::Failed)
            .map(|j| {
                (
                    run.lines.get(&j.key.item).copied().unwrap_or(0),
                    j.prompt.clone(),
                    j.reason.clone().unwrap_or_default(),
                )
            })
            .collect();
        summary.unfinished =
            run.jobs.values().filter(|j| !matches!(j.state, JobState::Done | JobState::Failed)).count();
        summary.elapsed = started.elapsed();
        Ok(summary)
    }

    /// Refuses a journal whose running jobs were sent to a server this run does not have:
    /// they can only be followed (or resumed) where they were sent.
    fn check_servers(&self, run: &Run) -> Result<(), BatchError> {
        let live = |j: &&Job| matches!(j.state, JobState::Submitting | JobState::Running);
        match run.jobs.values().filter(live).find(|j| self.servers.client(j.server.as_deref()).is_none()) {
            Some(job) => Err(BatchError::UnknownServer {
                line: run.lines.get(&job.key.item).copied().unwrap_or(0),
                server: job.server.clone(),
            }),
            None => Ok(()),
        }
    }

    /// The run's clock.
    pub(crate) fn now(&self) -> Instant {
        self.lead.transport().now()
    }

    /// The hooks the server of `job` calls back to.
    fn hooks(&self, job: &Job) -> Option<&Hooks> {
        self.servers.client(job.server.as_deref())?.settings().hooks.as_ref()
    }

    /// The one-try client for the jobs of `server`.
    pub(crate) fn follower(&self, server: Option<&str>) -> Option<&Client<S::Transport>> {
        self.followers.iter().find(|(name, _)| name.as_deref() == server).map(|(_, client)| client)
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
            self.journal.save(&job)?;
            run.jobs.insert(key, job);
        }
        Ok(())
    }

    /// One round: fail orphans, resume lost submits, send within the concurrency, follow
    /// the running tasks and save what finished.
    fn round(&mut self, run: &mut Run) -> Result<(), BatchError> {
        let jobs: Vec<Job> = run.jobs.values().cloned().collect();
        for key in plan::orphaned(&jobs) {
            self.fail(run, key, "its grid failed".to_owned())?;
        }
        for key in plan::to_resume(&jobs) {
            self.submit(run, key, true)?;
        }
        let jobs: Vec<Job> = run.jobs.values().cloned().collect();
        for key in plan::to_send(&jobs, self.concurrency) {
            self.submit(run, key, false)?;
        }
        let jobs: Vec<Job> = run.jobs.values().cloned().collect();
        if plan::running_ids(&jobs).is_empty() {
            return Ok(());
        }
        let now = self.now();
        let lead = self.lead.settings();
        let asked = run.to_ask(|job| self.hooks(job), self.interval, lead.watch.safety_net, now);
        // What is asked about besides confirmations is a safety net for lost callbacks.
        let quiet = asked
            .iter()
            .filter_map(|key| run.jobs.get(key))
            .filter(|job| self.pushed(job).is_some_and(|t| !run::ended(&t)))
            .count();
        if quiet > 0 {
            lead.observer.notify(&mj_proto::plan::Notice::SafetyNet { tasks: quiet });
        }
        // One request per server that has jobs to ask about; a server that does not
        // answer holds up only its own jobs, and is asked again next round.
        let mut by_server: BTreeMap<Option<String>, Vec<String>> = BTreeMap::new();
        for job in asked.iter().filter_map(|key| run.jobs.get(key)) {
            if let Some(id) = &job.task_id {
                by_server.entry(job.server.clone()).or_default().push(id.clone());
            }
        }
        let mut found: HashMap<(Option<String>, String), Task> = HashMap::new();
        let mut answered: HashSet<Option<String>> = HashSet::new();
        for (server, ids) in by_server {
            let Some(follower) = self.follower(server.as_deref()) else { continue };
            let result = follower.tasks(&ids);
            self.servers.learn(server.as_deref(), result.as_ref().map(|_| ()));
            match result {
                Ok(tasks) => {
                    found.extend(tasks.into_iter().map(|t| ((server.clone(), t.id.clone()), t)));
                    answered.insert(server);
                }
                Err(e) if e.kind() == ErrorKind::Unauthorized => return Err(BatchError::Unauthorized(e)),
                Err(_) => {}
            }
        }
        let asked: HashSet<JobKey> =
            asked.into_iter().filter(|key| run.jobs.get(key).is_some_and(|j| answered.contains(&j.server))).collect();
        for job in jobs.iter().filter(|j| asked.contains(&j.key)) {
            run.asked.insert(job.key, now);
            if self.pushed(job).is_some_and(|t| run::ended(&t)) {
                // Its reported end is being confirmed: a fetch that says otherwise wins,
                // and the report does not trigger another.
                run.confirmed.insert(job.key);
            }
        }
        for job in jobs.iter().filter(|j| j.state == JobState::Running) {
            let Some(id) = job.task_id.as_deref() else { continue };
            // Not asked this round: what callbacks said keeps the stall clock honest.
            let was_asked = asked.contains(&job.key);
            let pushed = if was_asked { None } else { self.pushed(job) };
            let Some(task) = found.get(&(job.server.clone(), id.to_owned())).or(pushed.as_ref()) else {
                if was_asked && Run::count(&mut run.unseen, job.key, MAX_MISSES) {
                    self.fail(run, job.key, format!("the server no longer knows task {id}"))?;
                }
                continue;
            };
            if pushed.is_none() {
                run.unseen.remove(&job.key);
            }
            // A pushed end is only believed once a fetch confirms it (the next round).
            let verdict = match plan::judge(task) {
                Verdict::Running => Verdict::Running,
                _ if pushed.is_some() => continue,
                verdict => verdict,
            };
            match verdict {
                Verdict::Running => {
                    let seen = format!("{} {}", task.status, task.progress.as_deref().unwrap_or_default());
                    let since = match run.changed.get(&job.key) {
                        Some((last, since)) if *last == seen => *since,
                        _ => {
                            run.changed.insert(job.key, (seen.clone(), now));
                            now
                        }
                    };
                    if now.saturating_duration_since(since) >= self.stall_after {
                        let reason = format!(
                            "task {id} stalled: still {seen} after {} s without a change",
                            self.stall_after.as_secs()
                        );
                        self.fail(run, job.key, reason)?;
                    }
                }
                Verdict::Failed(reason) => self.fail(run, job.key, reason)?,
                Verdict::Succeeded(urls) => self.save(run, job.key, id, &urls)?,
            }
        }
        Ok(())
    }

    /// What callbacks reported of `job`'s task, when its server calls back.
    fn pushed(&self, job: &Job) -> Option<Task> {
        self.hooks(job)?.latest(job.task_id.as_deref()?)
    }

    /// Downloads and saves `urls` for job `key` (task `id`), then records it done.
    fn save(&mut self, run: &mut Run, key: JobKey, id: &str, urls: &[String]) -> Result<(), BatchError> {
        let Some(mut job) = run.jobs.get(&key).cloned() else { return Ok(()) };
        let Some(client) = self.servers.client(job.server.as_deref()) else { return Ok(()) };
        let line = run.lines.get(&key.item).copied().unwrap_or(0);
        let mut saved = Vec::new();
        for url in urls {
            let media = match client.download(url) {
                Ok(media) => media,
                Err(e) if e.kind() == ErrorKind::Unauthorized => return Err(BatchError::Unauthorized(e)),
                // Retried within the call already; a transient failure gets a few more
                // rounds, anything else (404, not an image, a refused host) fails the job.
                Err(e) if e.is_retryable() && !Run::count(&mut run.download_failures, key, MAX_DOWNLOAD_ROUNDS) => {
                    return Ok(());
                }
                Err(e) => return self.fail(run, key, format!("download of {url} failed: {e}")),
            };
            let path = self.out.join(plan::file_name(line, key.step, id, media.extension()));
            match files::save(&path, &media.bytes) {
                Ok(file) => saved.push(file),
                // A full disk stops the run (the job stays running, resumed next time)...
                Err(source) if storage_full(&source) => {
                    return Err(BatchError::Output { path: path.display().to_string(), source });
                }
                // ...any other trouble with this one file fails this job only.
                Err(e) => return self.fail(run, key, format!("cannot write {}: {e}", path.display())),
            }
        }
        run.summary.files_written += saved.len();
        job.files = saved;
        job.state = JobState::Done;
        self.journal.save(&job)?;
        self.servers.release(job.server.as_deref(), id);
        run.jobs.insert(key, job);
        run.finished_now += 1;
        Ok(())
    }

    /// Records job `key` as failed. The reason is a server's text (or holds its URLs), so
    /// every server's API key is scrubbed from it, in every form, before it reaches the
    /// journal.
    pub(crate) fn fail(&mut self, run: &mut Run, key: JobKey, reason: String) -> Result<(), BatchError> {
        let Some(mut job) = run.jobs.get(&key).cloned() else { return Ok(()) };
        let was_running = job.state == JobState::Running;
        job.state = JobState::Failed;
        job.reason = Some(self.servers.redact(reason));
        self.journal.save(&job)?;
        if let (true, Some(id)) = (was_running, &job.task_id) {
            self.servers.release(job.server.as_deref(), id);
        }
        run.jobs.insert(key, job);
        run.finished_now += 1;
        Ok(())
    }
}

/// True when `error` says the disk (or the user's quota) is full: no job can be saved,
/// so the run stops and resumes later, instead of failing every job in turn.
fn storage_full(error: &std::io::Error) -> bool {
    matches!(error.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded)
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
