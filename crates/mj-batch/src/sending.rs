//! What a job sends, and what its submit came to: the request built (an imagine, or the
//! upscale of its grid), the token it is sent with, and the answer recorded (or the lost
//! answer left to be resumed, on the same server, by the token).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mj_proto::endpoint::{Imagine, Press};
use mj_proto::{Config, Error, ErrorKind, Submitted, Task};

use crate::error::BatchError;
use crate::journal::{Job, JobKey, JobState, Journal};
use crate::run::{Lane, MAX_MISSES, Run};
use crate::runner::Batch;
use crate::servers::Servers;

/// What a job sends.
#[derive(Clone)]
pub(crate) enum Request {
    Imagine(Imagine),
    /// An upscale: the grid's button, or novicezk's change.
    Press(Press),
}

/// The imagine of grid job `job`, checked against `config` here (empty, too long, a bad
/// image) rather than refused by the server.
pub(crate) fn imagine(config: &Config, job: &Job) -> Result<Request, Error> {
    let mut imagine = Imagine::new(job.prompt.clone());
    for image in &job.images {
        imagine = imagine.image(image.clone());
    }
    config.build(&imagine)?;
    Ok(Request::Imagine(imagine))
}

/// The upscale U`step` of `grid` (task `grid_id`), as `client.press` sends it: its button,
/// or on a server whose tasks carry no buttons, `/submit/change`.
pub(crate) fn upscale(grid: &Task, grid_id: &str, step: u8) -> Result<Request, Error> {
    if grid.id != grid_id {
        return Err(Error::Build(mj_proto::BuildError::Http(format!(
            "asked for grid {grid_id}, the server answered with another task"
        ))));
    }
    Ok(Request::Press(grid.upscale(step)?))
}

impl<S: Servers, J: Journal> Batch<'_, S, J> {
    /// Job `key`'s request could not be built: an upscale's grid could not be fetched just
    /// now, or a resumed submit (which may have created a task) cannot be rebuilt yet, and
    /// the next passes try again; anything else fails the job.
    pub(crate) fn could_not_build(
        &mut self,
        run: &mut Run,
        key: JobKey,
        resume: bool,
        error: &Error,
    ) -> Result<(), BatchError> {
        if error.is_retryable() || resume {
            if Run::count(&mut run.unseen, key, MAX_MISSES) {
                let token = run.jobs.get(&key).and_then(|j| j.token.clone()).unwrap_or_else(|| "none".to_owned());
                return self.fail(run, key, format!("{} (its correlation token: {token})", reason(error)));
            }
            return Ok(());
        }
        self.fail(run, key, reason(error))
    }

    /// Writes what the submit of job `key`, sent by lane `lane`, came to.
    pub(crate) fn record(
        &mut self,
        run: &mut Run,
        lanes: &mut [Lane],
        lane: usize,
        key: JobKey,
        result: Result<Submitted, Error>,
        resumed: bool,
    ) -> Result<(), BatchError> {
        let Some(mut job) = run.jobs.get(&key).cloned() else { return Ok(()) };
        let not_sent = |job: &mut Job| {
            job.state = JobState::Pending;
            job.token = None;
            job.sent_at_ms = None;
            job.server = None;
        };
        match result {
            Ok(submitted) => {
                job.task_id = Some(submitted.task_id);
                job.state = JobState::Running;
                self.journal.save(&job)?;
                // Just sent: first asked about after an interval (its callbacks, when its
                // server calls back, come before that).
                run.asked.insert(key, self.now());
                run.jobs.insert(key, job);
                Ok(())
            }
            Err(e) if e.needs_a_person() => {
                // Refused before anything was created: the job is as it was, free to go
                // to another server; this one is out of the run.
                if !resumed {
                    not_sent(&mut job);
                    self.journal.save(&job)?;
                    run.jobs.insert(key, job);
                }
                self.refuse(lanes, lane, e)
            }
            // Still unknown: stays `submitting`, resumed by its token on its server.
            Err(Error::OutcomeUnknown { .. }) => Ok(()),
            // Its server could not be reached to look the task up: it may hold it, so the
            // job waits for it (until the run's deadline), never sent elsewhere.
            Err(e) if resumed && matches!(e.kind(), ErrorKind::Connect | ErrorKind::Timeout) => Ok(()),
            Err(e)
                if (e.is_retryable() && !matches!(e, Error::Rejected(_)))
                    || (self.servers.pooled() && moves_on(&e)) =>
            {
                // Known not created (the submit gave up on a transient refusal, or a
                // member of the pool refused): a later pass sends it again, where the
                // pool then routes it.
                not_sent(&mut job);
                self.journal.save(&job)?;
                run.jobs.insert(key, job);
                Ok(())
            }
            Err(e) => self.fail(run, key, reason(&e)),
        }
    }
}

/// True when a member's refusal proves it created nothing and another member may take
/// the job (a refused key takes the member out of the run as well).
fn moves_on(error: &Error) -> bool {
    error.created_nothing()
}

/// A refusal in words; a banned prompt names the word.
pub(crate) fn reason(error: &Error) -> String {
    match error {
        Error::Rejected(rejection) => match rejection.properties.banned_word() {
            Some(word) => format!("{} (banned word: {word})", rejection.description),
            None => rejection.description.clone(),
        },
        other => other.to_string(),
    }
}

/// How long ago job `job`'s submit was sent, for the resume of its lost answer.
pub(crate) fn lost_for(job: &Job) -> Duration {
    Duration::from_millis(now_ms().saturating_sub(job.sent_at_ms.unwrap_or_else(now_ms)))
}

/// A correlation token unique to this job and send.
pub(crate) fn new_token(key: JobKey) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("mjb-{}-{}-{:x}{:x}", key.item, key.step, std::process::id(), nanos & 0xffff_ffff_ffff)
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
