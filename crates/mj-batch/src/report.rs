//! What a run tells its caller: progress as it goes, and how it ended, naming the server
//! behind whatever is left.

use std::time::Duration;

use crate::journal::JobState;
use crate::plan::Counts;

/// How a run is going, after each change.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Progress {
    /// Jobs by state.
    pub counts: Counts,
    /// Since the run started.
    pub elapsed: Duration,
    /// Jobs this run finished (done or failed).
    pub finished_now: usize,
    /// Servers taken out of this run because they refused the key, with the refusal:
    /// their jobs wait, the others go on.
    pub refused: Vec<(String, String)>,
}

/// A server that refused the key and was taken out of the run.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refused {
    /// The pool member (`None`: the only server).
    pub server: Option<String>,
    /// Its refusal, with every server's key scrubbed from it.
    pub reason: String,
    /// Its jobs left waiting (sent to it, or upscales of its grids).
    pub jobs: usize,
}

/// A job the run did not finish, and where it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unfinished {
    /// The prompt's line in the file.
    pub line: usize,
    /// The prompt.
    pub prompt: String,
    /// 0 for the grid; 1-4 for an upscale.
    pub step: u8,
    /// Where it is in the journal (pending, submitting or running).
    pub state: JobState,
    /// The member it was sent to (`None`: not sent, or the only server).
    pub server: Option<String>,
    /// Its task, once the server took it.
    pub task_id: Option<String>,
    /// The task's status when last seen (`IN_PROGRESS`), if it was seen this run.
    pub status: Option<String>,
    /// Its progress when last seen (`42%`).
    pub progress: Option<String>,
    /// How long it had shown that status and progress without a change.
    pub unchanged_for: Option<Duration>,
    /// Why it could not go on in this run, when something other than time stopped it:
    /// its server refused the key, or this run does not have its server.
    pub blocked: Option<String>,
}

/// How a run ended.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Summary {
    /// Jobs done (grids and upscales), this run or before.
    pub done: usize,
    /// Failed jobs: the prompt's line, the prompt and why.
    pub failed: Vec<(usize, String, String)>,
    /// Files this run wrote.
    pub files_written: usize,
    /// Submits this run sent or resumed.
    pub submitted: usize,
    /// Jobs in all.
    pub jobs: usize,
    /// How long the run took.
    pub elapsed: Duration,
    /// Jobs left unfinished (still in the journal: running the batch again resumes them):
    /// the run's deadline came first, their server refused the key, or this run does not
    /// have their server.
    pub unfinished: usize,
    /// Each unfinished job, in file order, with its server and where its task stands.
    pub unfinished_jobs: Vec<Unfinished>,
    /// Servers that refused the key in this run.
    pub refused: Vec<Refused>,
    /// Servers whose pacing (a daily cap, working hours, a rest after moderation strikes)
    /// held new submits past the run's deadline, with the hold's words and the jobs left
    /// unsent: the same command resumes once the hold ends.
    pub paced: Vec<Refused>,
    /// Members the journal sent jobs to that this run does not have, with how many of
    /// their jobs wait for them (`None`: the single server a journal started with).
    pub absent: Vec<(Option<String>, usize)>,
    /// Recorded files found missing or altered on disk, and so downloaded again.
    pub files_repaired: usize,
    /// On a shared journal: jobs this worker claimed (new ones, and those of workers whose
    /// lease ran out).
    pub claimed: usize,
    /// On a shared journal: jobs another worker took over from this one (its lease ran
    /// out while it was slow): it left them alone from then on.
    pub taken_over: usize,
}
