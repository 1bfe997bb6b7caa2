//! Sending a job: its request built, the server it goes to and its token written to the
//! journal before each send, and the answer recorded (or the lost answer resumed, on the
//! same server, by the token).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mj_proto::endpoint::{Change, Imagine, Submit};
use mj_proto::{Endpoint, Error, ErrorKind, Submitted};

use crate::error::BatchError;
use crate::journal::{Job, JobKey, JobState, Journal};
use crate::run::{MAX_MISSES, Run};
use crate::runner::Batch;
use crate::servers::Servers;

/// What a job sends.
#[derive(Clone)]
pub(crate) enum Request {
    Imagine(Imagine),
    Action(mj_proto::endpoint::Action),
    Change(Change),
}

impl Request {
    fn name(&self) -> &'static str {
        match self {
            Self::Imagine(r) => r.name(),
            Self::Action(r) => r.name(),
            Self::Change(r) => r.name(),
        }
    }
}

impl<S: Servers, J: Journal> Batch<'_, S, J> {
    /// Sends (or, with `resume`, resumes) the submit of job `key`, journaled first.
    pub(crate) fn submit(&mut self, run: &mut Run, key: JobKey, resume: bool) -> Result<(), BatchError> {
        let Some(mut job) = run.jobs.get(&key).cloned() else { return Ok(()) };
        let token = match (&job.token, resume) {
            (Some(token), true) => token.clone(),
            _ => new_token(key),
        };
        let grid = run.jobs.get(&JobKey { item: key.item, step: 0 }).cloned();
        let request = match self.request(&job, grid.as_ref()) {
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
        if resume {
            let lost_for = Duration::from_millis(now_ms().saturating_sub(job.sent_at_ms.unwrap_or_else(now_ms)));
            let result = send(self.servers, job.server.as_deref(), request, token, Some(lost_for));
            run.summary.submitted += 1;
            return self.record(run, job, result, true);
        }
        // An upscale goes where its grid is; a grid where the servers' routing says.
        let servers = match grid.filter(|_| key.step > 0) {
            Some(grid) => vec![grid.server],
            None => self.servers.route(request.name()),
        };
        let mut result = None;
        for server in servers {
            // Written down before the send: a crash from here on is resumed by the token,
            // on this server.
            job.token = Some(token.clone());
            job.sent_at_ms = Some(now_ms());
            job.state = JobState::Submitting;
            job.server = server;
            self.journal.save(&job)?;
            run.jobs.insert(key, job.clone());
            let sent = send(self.servers, job.server.as_deref(), request.clone(), token.clone(), None);
            // A refusal that proves nothing was created moves on to the next member.
            let next = matches!(&sent, Err(e) if self.servers.pooled() && moves_on(e));
            result = Some(sent);
            if !next {
                break;
            }
        }
        // Every server is full or cooling down: the job waits for the next round.
        let Some(result) = result else { return Ok(()) };
        run.summary.submitted += 1;
        self.record(run, job, result, false)
    }

    /// Writes what the submit of `job` came to.
    fn record(
        &mut self,
        run: &mut Run,
        mut job: Job,
        result: Result<Submitted, Error>,
        resume: bool,
    ) -> Result<(), BatchError> {
        let key = job.key;
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
                run.jobs.insert(key, job);
                Ok(())
            }
            Err(e) if e.kind() == ErrorKind::Unauthorized => {
                // Refused before anything was created: the job is as it was.
                if !resume {
                    not_sent(&mut job);
                    self.journal.save(&job)?;
                    run.jobs.insert(key, job);
                }
                Err(BatchError::Unauthorized(e))
            }
            // Still unknown: stays `submitting`, resumed by its token next round.
            Err(Error::OutcomeUnknown { .. }) => Ok(()),
            // Its server could not be reached to look the task up: it may hold it, so the
            // job waits for it (until the run's deadline), never sent elsewhere.
            Err(e) if resume && e.kind() == ErrorKind::Connect => Ok(()),
            Err(e)
                if (e.is_retryable() && !matches!(e, Error::Rejected(_)))
                    || (self.servers.pooled() && moves_on(&e)) =>
            {
                // Known not created (the submit gave up on a transient refusal, or every
                // member of the pool refused): the next round sends it again.
                not_sent(&mut job);
                self.journal.save(&job)?;
                run.jobs.insert(key, job);
                Ok(())
            }
            Err(e) => self.fail(run, key, reason(&e)),
        }
    }

    /// The request of `job`: an imagine, or an upscale of its `grid`, fetched from the
    /// server that has it.
    fn request(&self, job: &Job, grid: Option<&Job>) -> Result<Request, Error> {
        if job.key.step == 0 {
            let mut imagine = Imagine::new(job.prompt.clone());
            for image in &job.images {
                imagine = imagine.image(image.clone());
            }
            // Refused here (empty, too long, bad image) rather than by the server.
            self.lead.config().build(&imagine)?;
            return Ok(Request::Imagine(imagine));
        }
        let Some((grid_id, server)) = grid.and_then(|g| Some((g.task_id.as_deref()?, g.server.as_deref()))) else {
            return Err(Error::PlanMisuse);
        };
        let Some(follower) = self.follower(server) else { return Err(Error::PlanMisuse) };
        let fetched = follower.fetch(grid_id);
        self.servers.learn(server, fetched.as_ref().map(|_| ()));
        let task = fetched?.ok_or_else(|| Error::TaskNotFound { id: grid_id.to_owned() })?;
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
}

/// True when a member's refusal proves it created nothing and another member may take
/// the job (a refused key stops the batch instead).
fn moves_on(error: &Error) -> bool {
    error.created_nothing() && error.kind() != ErrorKind::Unauthorized
}

/// Sends `request` to `server` with `token` in its `state`; with `resumed`, as the resume
/// of a send whose answer was lost that long ago.
fn send<S: Servers>(
    servers: &S,
    server: Option<&str>,
    request: Request,
    token: String,
    resumed: Option<Duration>,
) -> Result<Submitted, Error> {
    fn go<S: Servers, R: Submit + Clone>(
        servers: &S,
        server: Option<&str>,
        mut request: R,
        token: String,
        resumed: Option<Duration>,
    ) -> Result<Submitted, Error> {
        request.options_mut().state = Some(token);
        match resumed {
            Some(lost_for) => servers.resume(server, request, lost_for),
            None => servers.submit(server, request),
        }
    }
    match request {
        Request::Imagine(imagine) => go(servers, server, imagine, token, resumed),
        Request::Action(action) => go(servers, server, action, token, resumed),
        Request::Change(change) => go(servers, server, change, token, resumed),
    }
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
