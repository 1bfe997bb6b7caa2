//! The driver: carries out what [`plan`](crate::plan) decides with a blocking client,
//! writing every step to the journal before going on.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mj_proto::endpoint::{Change, Imagine, Submit};
use mj_proto::{Client, Error, ErrorKind, Transport};

use crate::error::BatchError;
use crate::files;
use crate::journal::{Job, JobKey, JobState, Journal};
use crate::plan::{self, Verdict};
use crate::prompts::PromptLine;
use crate::report::{Progress, Summary};
use crate::run::{self, MAX_DOWNLOAD_ROUNDS, MAX_MISSES, Run};

/// A batch run over a blocking client and a journal.
pub struct Batch<'c, T, J> {
    client: &'c Client<T>,
    journal: J,
    out: PathBuf,
    concurrency: usize,
    interval: Duration,
    deadline: Option<Instant>,
    stall_after: Duration,
}

impl<'c, T: Transport, J: Journal> Batch<'c, T, J> {
    /// A run that saves into `out`, four tasks in flight, following them every 2 s.
    pub fn new(client: &'c Client<T>, journal: J, out: impl Into<PathBuf>) -> Self {
        Self {
            client,
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

    /// At most `n` tasks in flight (at least one).
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
        loop {
            if self.deadline.is_some_and(|d| self.client.transport().now() >= d) {
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
                Some(d) => self.interval.min(d.saturating_duration_since(self.client.transport().now())),
                None => self.interval,
            };
            run.pause(self.client.transport(), self.client.settings().hooks.as_ref(), pause);
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
        let ids = plan::running_ids(&jobs);
        if ids.is_empty() {
            return Ok(());
        }
        let now = self.client.transport().now();
        let settings = self.client.settings();
        let asked = run.to_ask(settings.hooks.as_ref(), self.interval, settings.watch.safety_net, now);
        if let Some(hooks) = &settings.hooks {
            // What is asked about besides confirmations is a safety net for lost callbacks.
            let quiet = asked.iter().filter(|id| hooks.latest(id).is_some_and(|t| !run::ended(&t))).count();
            if quiet > 0 {
                settings.observer.notify(&mj_proto::plan::Notice::SafetyNet { tasks: quiet });
            }
        }
        let tasks = if asked.is_empty() {
            Vec::new()
        } else {
            match self.client.tasks(&asked) {
                Ok(tasks) => tasks,
                Err(e) if e.kind() == ErrorKind::Unauthorized => return Err(BatchError::Unauthorized(e)),
                // The next round asks again.
                Err(_) => return Ok(()),
            }
        };
        for job in jobs.iter().filter(|j| j.task_id.as_ref().is_some_and(|id| asked.contains(id))) {
            run.asked.insert(job.key, now);
            if job.task_id.as_deref().and_then(|id| self.pushed(id)).is_some_and(|t| run::ended(&t)) {
                // Its reported end is being confirmed: a fetch that says otherwise wins,
                // and the report does not trigger another.
                run.confirmed.insert(job.key);
            }
        }
        let by_id: HashMap<&str, &mj_proto::Task> = tasks.iter().map(|t| (t.id.as_str(), t)).collect();
        for job in jobs.iter().filter(|j| j.state == JobState::Running) {
            let Some(id) = job.task_id.as_deref() else { continue };
            // Not asked this round: what callbacks said keeps the stall clock honest.
            let was_asked = asked.iter().any(|a| a == id);
            let pushed = if was_asked { None } else { self.pushed(id) };
            let Some(task) = by_id.get(id).copied().or(pushed.as_ref()) else {
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

    /// What callbacks reported of task `id`, with hooks.
    fn pushed(&self, id: &str) -> Option<mj_proto::Task> {
        self.client.settings().hooks.as_ref()?.latest(id)
    }

    /// Sends (or, with `resume`, resumes) the submit of job `key`, journaled first.
    fn submit(&mut self, run: &mut Run, key: JobKey, resume: bool) -> Result<(), BatchError> {
        let Some(mut job) = run.jobs.get(&key).cloned() else { return Ok(()) };
        let token = match (&job.token, resume) {
            (Some(token), true) => token.clone(),
            _ => new_token(key),
        };
        let grid_id = run.jobs.get(&JobKey { item: key.item, step: 0 }).and_then(|g| g.task_id.clone());
        let request = match self.request(&job, grid_id.as_deref()) {
            Ok(request) => request,
            Err(e) if e.kind() == ErrorKind::Unauthorized => return Err(BatchError::Unauthorized(e)),
            // An upscale's grid could not be fetched just now, or a resumed submit (which
            // may have created a task) cannot be rebuilt yet: the next rounds try again.
            Err(e) if e.is_retryable() || resume => {
                if Run::count(&mut run.unseen, key, MAX_MISSES) {
                    let token = job.token.as_deref().unwrap_or("none");
                    return self.fail(run, key, format!("{} (its correlation token: {token})", reason(&e)));
                }
                return Ok(());
            }
            Err(e) => return self.fail(run, key, reason(&e)),
        };
        if !resume {
            // Written down before the send: a crash from here on is resumed by the token.
            job.token = Some(token.clone());
            job.sent_at_ms = Some(now_ms());
            job.state = JobState::Submitting;
            self.journal.save(&job)?;
            run.jobs.insert(key, job.clone());
        }
        let lost_for = Duration::from_millis(now_ms().saturating_sub(job.sent_at_ms.unwrap_or_else(now_ms)));
        let resumed = resume.then_some(lost_for);
        let result = match request {
            Request::Imagine(imagine) => send(self.client, imagine, token, resumed),
            Request::Action(action) => send(self.client, action, token, resumed),
            Request::Change(change) => send(self.client, change, token, resumed),
        };
        run.summary.submitted += 1;
        match result {
            Ok(submitted) => {
                job.task_id = Some(submitted.task_id);
                job.state = JobState::Running;
                self.journal.save(&job)?;
                run.jobs.insert(key, job);
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::Unauthorized => {
                // Refused before anything was created: the job is as it was.
                if !resume {
                    job.state = JobState::Pending;
                    job.token = None;
                    job.sent_at_ms = None;
                    self.journal.save(&job)?;
                    run.jobs.insert(key, job);
                }
                Err(BatchError::Unauthorized(e))
            }
            // Still unknown: stays `submitting`, resumed by its token next round.
            Err(Error::OutcomeUnknown { .. }) => Ok(()),
            Err(e) if e.is_retryable() && !matches!(e, Error::Rejected(_)) => {
                // Known not created (the submit plan gave up on a transient refusal): next round sends again.
                job.state = JobState::Pending;
                job.token = None;
                self.journal.save(&job)?;
                run.jobs.insert(key, job);
                Ok(())
            }
            Err(e) => self.fail(run, key, reason(&e)),
        }
    }

    /// The request of `job`: an imagine, or an upscale of its grid `grid_id`.
    fn request(&self, job: &Job, grid_id: Option<&str>) -> Result<Request, Error> {
        if job.key.step == 0 {
            let mut imagine = Imagine::new(job.prompt.clone());
            for image in &job.images {
                imagine = imagine.image(image.clone());
            }
            // Refused here (empty, too long, bad image) rather than by the server.
            self.client.config().build(&imagine)?;
            return Ok(Request::Imagine(imagine));
        }
        let Some(grid_id) = grid_id else { return Err(Error::PlanMisuse) };
        let task = self.client.fetch(grid_id)?.ok_or_else(|| Error::TaskNotFound { id: grid_id.to_owned() })?;
        Ok(match task.upscale(job.key.step) {
            Some(action) => Request::Action(action),
            // A server whose tasks carry no buttons takes U1-U4 through /submit/change.
            None if task.buttons.is_empty() => Request::Change(Change::upscale(grid_id, job.key.step)),
            None => {
                return Err(Error::Build(mj_proto::BuildError::Http(format!(
                    "task {grid_id} has no U{} button",
                    job.key.step
                ))));
            }
        })
    }

    /// Downloads and saves `urls` for job `key` (task `id`), then records it done.
    fn save(&mut self, run: &mut Run, key: JobKey, id: &str, urls: &[String]) -> Result<(), BatchError> {
        let Some(mut job) = run.jobs.get(&key).cloned() else { return Ok(()) };
        let line = run.lines.get(&key.item).copied().unwrap_or(0);
        let mut saved = Vec::new();
        for url in urls {
            let media = match self.client.download(url) {
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
        run.jobs.insert(key, job);
        run.finished_now += 1;
        Ok(())
    }

    /// Records job `key` as failed. The reason is a server's text (or holds its URLs), so
    /// the API key is scrubbed from it, in every form, before it reaches the journal.
    fn fail(&mut self, run: &mut Run, key: JobKey, reason: String) -> Result<(), BatchError> {
        let Some(mut job) = run.jobs.get(&key).cloned() else { return Ok(()) };
        job.state = JobState::Failed;
        job.reason = Some(self.client.config().redact_text(reason));
        self.journal.save(&job)?;
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

enum Request {
    Imagine(Imagine),
    Action(mj_proto::endpoint::Action),
    Change(Change),
}

/// Sends `request` with `token` in its `state`; with `resumed`, as the resume of a send
/// whose answer was lost that long ago.
fn send<T: Transport, S: Submit>(
    client: &Client<T>,
    mut request: S,
    token: String,
    resumed: Option<Duration>,
) -> Result<mj_proto::Submitted, Error> {
    request.options_mut().state = Some(token);
    match resumed {
        Some(lost_for) => client.resume_submit(request, lost_for),
        None => client.submit(request),
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

/// A refusal in words; a banned prompt names the word.
fn reason(error: &Error) -> String {
    match error {
        Error::Rejected(rejection) => match rejection.properties.banned_word() {
            Some(word) => format!("{} (banned word: {word})", rejection.description),
            None => rejection.description.clone(),
        },
        other => other.to_string(),
    }
}

/// A correlation token unique to this job and send.
fn new_token(key: JobKey) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("mjb-{}-{}-{:x}{:x}", key.item, key.step, std::process::id(), nanos & 0xffff_ffff_ffff)
}

fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
