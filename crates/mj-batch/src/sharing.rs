//! A run on a journal several workers share: it works only on the jobs it holds a lease
//! on, claims more as it has room, renews its leases while it works, and lets a job go
//! the moment another worker has taken it over (its write is refused). On a journal of
//! one runner every job is held and none of this does anything.

use std::collections::HashSet;
use std::time::Instant;

use mj_proto::Transport;

use crate::blocked::blocked;
use crate::error::BatchError;
use crate::journal::{Job, JobKey, JobState, Journal, JournalError};
use crate::run::{CLAIM_EVERY, Lane, Run, Sharing};
use crate::runner::Batch;

fn finished(job: &Job) -> bool {
    matches!(job.state, JobState::Done | JobState::Failed)
}

impl<T: Transport + Send + Sync, J: Journal> Batch<'_, T, J> {
    /// Writes `job` and keeps it as the run's; false when another worker took it over
    /// meanwhile (its lease ran out): then the run lets it go, and whatever it was about
    /// to do with it is not done.
    pub(crate) fn write(&mut self, run: &mut Run, job: Job) -> Result<bool, BatchError> {
        match self.journal.save(&job) {
            Ok(()) => {
                run.jobs.insert(job.key, job);
                Ok(true)
            }
            Err(JournalError::Lost { key, .. }) => {
                run.summary.taken_over += 1;
                run.let_go(key);
                Ok(false)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// On a shared journal, at most every [`CLAIM_EVERY`]: renews this run's leases,
    /// claims jobs for its free slots, and takes in what the other workers did.
    pub(crate) fn claim(&mut self, run: &mut Run, lanes: &[Lane]) -> Result<(), BatchError> {
        let Some(sharing) = run.sharing else { return Ok(()) };
        let now = self.now();
        if sharing.at.is_some_and(|at| now < at + CLAIM_EVERY) {
            return Ok(());
        }
        // Servers that may take a new submit; with none, nothing new is claimed (the
        // leases are still renewed).
        let servers: Vec<Option<String>> =
            lanes.iter().filter(|l| l.open() && l.held.is_none()).map(|l| l.name.clone()).collect();
        // Jobs this run holds and cannot send in it (pacing holds every server past the
        // deadline, or every server refused the key), with nothing of it in flight: given
        // back, so that no worker waits on them and a worker that can send takes them.
        let unfinished = || run.jobs.values().filter(|j| !finished(j));
        let unsendable = |j: &Job| j.state == JobState::Pending && blocked(run, lanes, j).is_some();
        if unfinished().next().is_some() && unfinished().all(unsendable) {
            self.journal.release()?;
            let given: Vec<JobKey> = unfinished().map(|j| j.key).collect();
            given.into_iter().for_each(|key| run.let_go(key));
        }
        // Room within the concurrency, and no more jobs not yet sent than there are
        // servers free to send them now: a worker that takes more than it can send holds
        // them from the others (and, were it to die, for a whole lease).
        let unfinished = run.jobs.values().filter(|j| !finished(j)).count();
        let unsent = run.jobs.values().filter(|j| j.state == JobState::Pending).count();
        let senders = lanes.iter().filter(|l| l.can_send()).count();
        let room = self.concurrency.saturating_sub(unfinished).min(senders.saturating_sub(unsent));
        let claimed = self.journal.claim(room, &servers)?;
        let held: HashSet<JobKey> = claimed.held.iter().copied().collect();
        let mut taken = 0;
        for job in claimed.changed {
            let key = job.key;
            if held.contains(&key) {
                run.elsewhere.remove(&key);
                // A job the run already works on is as it wrote it.
                if run.jobs.get(&key).is_none_or(finished) {
                    taken += 1;
                    run.jobs.insert(key, job);
                }
            } else if finished(&job) {
                run.elsewhere.remove(&key);
                if run.jobs.get(&key).is_some_and(|j| !finished(j)) {
                    run.let_go(key);
                    run.elsewhere.remove(&key);
                }
                run.jobs.insert(key, job);
            } else {
                if run.jobs.contains_key(&key) {
                    run.summary.taken_over += 1;
                }
                run.let_go(key);
                run.elsewhere.insert(key, job);
            }
        }
        // A job the run worked on and no longer holds went to another worker.
        let lost: Vec<JobKey> =
            run.jobs.values().filter(|j| !finished(j) && !held.contains(&j.key)).map(|j| j.key).collect();
        for key in lost {
            run.summary.taken_over += 1;
            run.let_go(key);
        }
        run.summary.claimed += taken;
        run.sharing = Some(Sharing {
            at: Some(now),
            held_elsewhere: claimed.held_elsewhere,
            found_nothing: room > 0 && taken == 0,
        });
        Ok(())
    }

    /// Until when a submit handed over now may go on: well within the lease, so that no
    /// worker resumes a submit that is still on the wire; the run's deadline otherwise.
    pub(crate) fn submit_by(&self) -> Option<Instant> {
        let lease = self.journal.lease()?;
        let by = self.now() + lease * 3 / 4;
        Some(self.deadline.map_or(by, |deadline| deadline.min(by)))
    }

    /// True when the jobs left elsewhere can never be this run's: no other worker holds
    /// any, and either the last claim had room and found none it could take, or each of
    /// them is blocked here as a job of this run would be (its server refused the key or
    /// is not in this run, or pacing holds every server past the deadline).
    pub(crate) fn nothing_to_claim(run: &Run, lanes: &[Lane]) -> bool {
        run.sharing.is_none_or(|s| {
            run.elsewhere.is_empty()
                || (s.held_elsewhere == 0
                    && (s.found_nothing || run.elsewhere.values().all(|job| blocked(run, lanes, job).is_some())))
        })
    }
}
