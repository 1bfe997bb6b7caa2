//! Why a job cannot go on in a run: its server refused the key or is not in the run,
//! pacing holds every server, or (on a shared journal) another worker has it. A pure
//! reading of the run's jobs and lanes, for deciding when a run is over and for saying
//! why in its summary.

use crate::journal::{Job, JobState};
use crate::run::{Lane, Run};

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
