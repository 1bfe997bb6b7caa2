//! What a job's submit came to, written to the journal: the task it created, or the job
//! free to be sent again (known not created), or left `submitting` to be resumed by its
//! token on the same server (the answer was lost), or failed with the server's words.

use mj_proto::{Error, ErrorKind, Submitted};

use crate::error::BatchError;
use crate::journal::{Job, JobKey, JobState, Journal};
use crate::run::{Lane, MAX_MISSES, Run};
use crate::runner::Batch;
use mj_proto::Transport;

impl<T: Transport + Send + Sync, J: Journal> Batch<'_, T, J> {
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
            Err(e) if e.kind() == ErrorKind::Paced => {
                // Held by the server's pacing, nothing sent: the job waits, and the server
                // takes no new submit in this run (its running tasks are still followed).
                if !resumed {
                    not_sent(&mut job);
                    self.write(run, job)?;
                }
                if let Some(lane) = lanes.get_mut(lane) {
                    lane.held.get_or_insert_with(|| self.client.redact_text(&e.to_string()));
                }
                Ok(())
            }
            Ok(submitted) => {
                job.task_id = Some(submitted.task_id);
                job.state = JobState::Running;
                if self.write(run, job)? {
                    // Just sent: first asked about after an interval (its callbacks, when
                    // its server calls back, come before that).
                    run.asked.insert(key, self.now());
                }
                Ok(())
            }
            Err(e) if e.needs_a_person() => {
                // Refused before anything was created: the job is as it was, free to go
                // to another server; this one is out of the run.
                if !resumed {
                    not_sent(&mut job);
                    self.write(run, job)?;
                }
                self.refuse(lanes, lane, e)
            }
            // Still unknown: stays `submitting`, resumed by its token on its server.
            Err(Error::OutcomeUnknown { .. }) => Ok(()),
            // Its server could not be reached to look the task up: it may hold it, so the
            // job waits for it (until the run's deadline), never sent elsewhere.
            Err(e) if resumed && matches!(e.kind(), ErrorKind::Connect | ErrorKind::Timeout) => Ok(()),
            Err(e) if (e.is_retryable() && !matches!(e, Error::Rejected(_))) || (self.pooled() && moves_on(&e)) => {
                // Known not created (the submit gave up on a transient refusal, or a
                // member of the pool refused): a later pass sends it again, where the
                // pool then routes it.
                not_sent(&mut job);
                self.write(run, job)?;
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
