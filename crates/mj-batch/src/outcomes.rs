//! Recording what the lanes report: a submit's answer, a grid for an upscale, what the
//! running tasks show, a finished task's files. A server that refuses the key is taken
//! out of the run here.

use std::collections::HashMap;
use std::time::Instant;

use mj_proto::endpoint::Media;
use mj_proto::{Error, Task};

use crate::error::BatchError;
use crate::files;
use crate::journal::{JobKey, JobState, Journal};
use crate::lane::{Outcome, Report, Role};
use crate::plan::{self, Verdict};
use crate::request;
use crate::run::{Lane, MAX_DOWNLOAD_ROUNDS, MAX_MISSES, Run};
use crate::runner::Batch;
use mj_proto::Transport;

impl<T: Transport + Send + Sync, J: Journal> Batch<'_, T, J> {
    /// Records one report of a lane.
    pub(crate) fn apply(&mut self, run: &mut Run, lanes: &mut [Lane], report: Report) -> Result<(), BatchError> {
        let Report { lane, outcome } = report;
        let server = lanes.get(lane).and_then(|l| l.name.clone());
        match outcome {
            Outcome::Idle(role) => {
                if let Some(lane) = lanes.get_mut(lane) {
                    match role {
                        Role::Sender => lane.sending = false,
                        Role::Asker => lane.asking = false,
                    }
                }
                Ok(())
            }
            Outcome::Skipped { key } => {
                if let Some(key) = key {
                    run.handed.remove(&key);
                }
                Ok(())
            }
            Outcome::Submitted { key, result, resumed } => {
                run.handed.remove(&key);
                self.record(run, lanes, lane, key, *result, resumed)
            }
            Outcome::Grid { key, result } => {
                run.handed.remove(&key);
                self.grid(run, lanes, lane, key, *result)
            }
            Outcome::Followed { ids, result } => self.followed(run, lanes, lane, server, &ids, result),
            Outcome::Downloaded { key, result } => {
                run.handed.remove(&key);
                self.downloaded(run, lanes, lane, key, result)
            }
        }
    }

    /// Takes server `lane` out of the run: it refused the key, so its jobs wait and the
    /// others go on. A run on a single server stops instead.
    pub(crate) fn refuse(&mut self, lanes: &mut [Lane], lane: usize, error: Error) -> Result<(), BatchError> {
        if !self.pooled() {
            return Err(BatchError::Unauthorized(error));
        }
        if let Some(lane) = lanes.get_mut(lane) {
            lane.refused.get_or_insert_with(|| self.client.redact_text(&error.to_string()));
        }
        Ok(())
    }

    /// A grid fetched for the upscale of job `key`.
    fn grid(
        &mut self,
        run: &mut Run,
        lanes: &mut [Lane],
        lane: usize,
        key: JobKey,
        result: Result<Option<Task>, Error>,
    ) -> Result<(), BatchError> {
        let resume = run.jobs.get(&key).is_some_and(|j| j.state == JobState::Submitting);
        let Some(grid_id) = run.grid(key).and_then(|g| g.task_id.clone()) else {
            return Ok(());
        };
        let built = result
            .and_then(|task| task.ok_or_else(|| Error::TaskNotFound { id: grid_id.clone() }))
            .and_then(|task| request::upscale(&task, &grid_id, key.step));
        match built {
            Ok(request) => {
                run.built.insert(key, request);
                Ok(())
            }
            Err(e) if e.needs_a_person() => self.refuse(lanes, lane, e),
            Err(e) => self.could_not_build(run, key, resume, &e),
        }
    }

    /// What server `server` said of the running tasks `ids` it was asked about.
    fn followed(
        &mut self,
        run: &mut Run,
        lanes: &mut [Lane],
        lane: usize,
        server: Option<String>,
        ids: &[String],
        result: Result<Vec<Task>, Error>,
    ) -> Result<(), BatchError> {
        let asked: Vec<(JobKey, String)> = run
            .running()
            .filter(|j| j.server == server)
            .filter_map(|j| Some((j.key, j.task_id.clone()?)))
            .filter(|(_, id)| ids.contains(id))
            .collect();
        let found: HashMap<String, Task> = match result {
            Ok(tasks) => tasks.into_iter().map(|t| (t.id.clone(), t)).collect(),
            Err(e) => {
                // Asked again at the next pass; a reported end is confirmed then.
                for (key, _) in &asked {
                    run.confirmed.remove(key);
                }
                return if e.needs_a_person() { self.refuse(lanes, lane, e) } else { Ok(()) };
            }
        };
        let now = self.now();
        for (key, id) in asked {
            let Some(task) = found.get(&id) else {
                if Run::count(&mut run.unseen, key, MAX_MISSES) {
                    self.fail(run, key, format!("the server no longer knows task {id}"))?;
                }
                continue;
            };
            run.unseen.remove(&key);
            match plan::judge(task) {
                Verdict::Running => self.still_running(run, key, task, now)?,
                Verdict::Failed(reason) => self.fail(run, key, reason)?,
                Verdict::Succeeded(urls) => {
                    run.ready.insert(key, urls);
                }
            }
        }
        Ok(())
    }

    /// Notes that job `key`'s task still runs as `task` shows at `now`, and fails the job
    /// when it has shown the same for [`stall_after`](Batch::stall_after).
    pub(crate) fn still_running(
        &mut self,
        run: &mut Run,
        key: JobKey,
        task: &Task,
        now: Instant,
    ) -> Result<(), BatchError> {
        let since = run.saw(key, task, now);
        if now.saturating_duration_since(since) < self.stall_after {
            return Ok(());
        }
        let shown = format!("{} {}", task.status, task.progress.as_deref().unwrap_or_default());
        let reason = format!(
            "task {} stalled: still {} after {} s without a change",
            task.id,
            shown.trim_end(),
            self.stall_after.as_secs()
        );
        self.fail(run, key, reason)
    }

    /// Saves the files downloaded for job `key`, then records it done.
    fn downloaded(
        &mut self,
        run: &mut Run,
        lanes: &mut [Lane],
        lane: usize,
        key: JobKey,
        result: Result<Vec<Media>, (String, Error)>,
    ) -> Result<(), BatchError> {
        let Some(mut job) = run.jobs.get(&key).cloned().filter(|j| j.state == JobState::Running) else {
            run.ready.remove(&key);
            return Ok(());
        };
        let media = match result {
            Ok(media) => media,
            Err((_, e)) if e.needs_a_person() => return self.refuse(lanes, lane, e),
            // Retried within the call already; a transient failure gets a few more
            // passes, anything else (404, not an image, a refused host) fails the job.
            Err((_, e)) if e.is_retryable() && !Run::count(&mut run.download_failures, key, MAX_DOWNLOAD_ROUNDS) => {
                return Ok(());
            }
            Err((url, e)) => return self.fail(run, key, format!("download of {url} failed: {e}")),
        };
        let id = job.task_id.clone().unwrap_or_default();
        let line = run.line(key);
        let mut saved = Vec::with_capacity(media.len());
        for media in media {
            let path = self.out.join(plan::file_name(line, key.step, &id, media.extension()));
            match files::save(&path, &media.bytes, self.journal.worker()) {
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
        run.ready.remove(&key);
        if self.write(run, job)? {
            run.finished_now += 1;
        }
        Ok(())
    }
}

/// True when `error` says the disk (or the user's quota) is full: no job can be saved,
/// so the run stops and resumes later, instead of failing every job in turn.
fn storage_full(error: &std::io::Error) -> bool {
    matches!(error.kind(), std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded)
}
