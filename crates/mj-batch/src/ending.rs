//! How a run ended, job by job, and why a job could not go on in it.

use std::collections::BTreeMap;
use std::time::Instant;

use mj_proto::Transport;

use crate::journal::{Job, JobState, Journal};
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

/// Why a job cannot go on in this run.
pub(crate) enum Blocked {
    /// Its server (or its grid's) is not in this run.
    Absent(Option<String>),
    /// Its server (or its grid's) refused the key.
    Refused(Option<String>),
    /// Not sent yet, and every server of the run refused the key.
    NoServer,
    /// Not sent yet, and the pacing of every server left holds new submits past the run's
    /// deadline (the first hold's words).
    Held(String),
    /// On a shared journal: another worker holds it, or no worker has claimed it yet.
    Elsewhere,
}

impl std::fmt::Display for Blocked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = |s: &Option<String>| {
            s.as_deref().map_or_else(|| "the single server".to_owned(), |s| format!("server `{s}`"))
        };
        match self {
            Self::Absent(server) => write!(f, "it was sent to {}, which this run does not have", name(server)),
            Self::Refused(server) => {
                write!(f, "{} refused to work for this account (its key, its balance or its setup)", name(server))
            }
            Self::NoServer => f.write_str("every server of this run refused to work for this account"),
            Self::Held(hold) => write!(f, "pacing holds new submits: {hold}"),
            Self::Elsewhere => f.write_str("another worker of the shared journal holds it, or none has taken it yet"),
        }
    }
}

/// Why `job` cannot go on in this run, if it cannot.
pub(crate) fn blocked(run: &Run, lanes: &[Lane], job: &Job) -> Option<Blocked> {
    let lane = |server: &Option<String>| lanes.iter().find(|l| &l.name == server);
    let on = |server: &Option<String>| match lane(server) {
        None => Some(Blocked::Absent(server.clone())),
        Some(l) if l.refused.is_some() => Some(Blocked::Refused(server.clone())),
        Some(_) => None,
    };
    match job.state {
        JobState::Submitting | JobState::Running => on(&job.server),
        JobState::Pending if job.key.step > 0 => {
            let grid = run.grid(job.key)?;
            if grid.state != JobState::Done {
                return None;
            }
            on(&grid.server).or_else(|| Some(Blocked::Held(lane(&grid.server)?.held.clone()?)))
        }
        JobState::Pending => {
            if lanes.iter().all(|l| l.refused.is_some()) {
                return Some(Blocked::NoServer);
            }
            let mut open = lanes.iter().filter(|l| l.refused.is_none());
            let first_hold = open.clone().find_map(|l| l.held.clone());
            open.all(|l| l.held.is_some()).then(|| Blocked::Held(first_hold.unwrap_or_default()))
        }
        JobState::Done | JobState::Failed => None,
    }
}
