//! How a run ended, job by job, and why a job could not go on in it.

use std::collections::BTreeMap;
use std::time::Instant;

use mj_proto::Transport;

use crate::blocked::{Blocked, blocked};
use crate::journal::{JobState, Journal};
use crate::report::{Refused, Summary, Unfinished};
use crate::run::{Lane, Run};
use crate::runner::Batch;

impl<T: Transport + Send + Sync, J: Journal> Batch<'_, T, J> {
    /// How the run ended, job by job.
    pub(crate) fn summary(&self, mut run: Run, lanes: &[Lane], started: Instant) -> Summary {
        let now = self.now();
        let mut summary = std::mem::take(&mut run.summary);
        summary.jobs = run.jobs.len() + run.elsewhere.len();
        summary.done = run.jobs.values().filter(|j| j.state == JobState::Done).count();
        summary.failed = run
            .jobs
            .values()
            .filter(|j| j.state == JobState::Failed)
            .map(|j| (run.line(j.key), j.prompt.clone(), j.reason.clone().unwrap_or_default()))
            .collect();
        let mut absent: BTreeMap<Option<String>, usize> = BTreeMap::new();
        let mut refused: BTreeMap<Option<String>, usize> = BTreeMap::new();
        for job in run.all_jobs().filter(|j| !matches!(j.state, JobState::Done | JobState::Failed)) {
            let seen = run.seen.get(&job.key).filter(|_| job.state == JobState::Running);
            let blocked = match run.elsewhere.contains_key(&job.key) {
                true => Some(Blocked::Elsewhere),
                false => blocked(&run, lanes, job),
            };
            match &blocked {
                Some(Blocked::Absent(server)) => *absent.entry(server.clone()).or_default() += 1,
                Some(Blocked::Refused(server)) => *refused.entry(server.clone()).or_default() += 1,
                Some(Blocked::NoServer | Blocked::Held(_) | Blocked::Elsewhere) | None => {}
            }
            summary.unfinished_jobs.push(Unfinished {
                line: run.line(job.key),
                prompt: job.prompt.clone(),
                step: job.key.step,
                state: job.state,
                server: job.server.clone(),
                task_id: job.task_id.clone(),
                status: seen.map(|s| s.status.clone()),
                progress: seen.and_then(|s| s.progress.clone()),
                unchanged_for: seen.map(|s| now.saturating_duration_since(s.since)),
                blocked: blocked.map(|b| b.to_string()),
            });
        }
        summary.unfinished = summary.unfinished_jobs.len();
        summary.absent = absent.into_iter().collect();
        summary.refused = lanes
            .iter()
            .filter_map(|lane| {
                Some(Refused {
                    server: lane.name.clone(),
                    reason: lane.refused.clone()?,
                    jobs: refused.get(&lane.name).copied().unwrap_or(0),
                })
            })
            .collect();
        summary.paced = lanes
            .iter()
            .filter_map(|lane| {
                let held = lane.held.clone()?;
                let waiting = summary.unfinished_jobs.iter().filter(|u| u.state == JobState::Pending).count();
                Some(Refused { server: lane.name.clone(), reason: held, jobs: waiting })
            })
            .collect();
        summary.elapsed = started.elapsed();
        summary
    }
}
