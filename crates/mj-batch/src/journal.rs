//! What the journal keeps, and the trait a store implements.

/// A job: the imagine of one prompt (step 0), or one upscale of its grid (step n = Un).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct JobKey {
    /// The prompt's index in the file (from 0, blank lines not counted).
    pub item: u32,
    /// 0 for the grid; 1-4 for the upscale pressed on it.
    pub step: u8,
}

/// Where a job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Not sent yet.
    Pending,
    /// Its token is written down and the submit may have gone out; no answer recorded.
    Submitting,
    /// The server took it (its task id is recorded); running there.
    Running,
    /// Finished and its files saved.
    Done,
    /// Refused or failed, with the reason.
    Failed,
}

impl JobState {
    /// The name stored in the journal.
    pub fn name(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Submitting => "submitting",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }

    /// The state stored as `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "pending" => Self::Pending,
            "submitting" => Self::Submitting,
            "running" => Self::Running,
            "done" => Self::Done,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// A file a job saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SavedFile {
    /// Where it was written.
    pub path: String,
    /// The SHA-256 of its bytes, in hex.
    pub sha256: String,
    /// The worker that saved it, on a journal several workers share (each saves into its
    /// own `--out`, or a shared folder): `HOST:PID`. `None` on a journal of one runner.
    pub worker: Option<String>,
}

/// One row of the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Job {
    /// Which job.
    pub key: JobKey,
    /// The prompt (for an upscale, its grid's).
    pub prompt: String,
    /// Reference images of the imagine.
    pub images: Vec<String>,
    /// Where it is.
    pub state: JobState,
    /// The correlation token sent in `state`, written before the submit.
    pub token: Option<String>,
    /// When the submit was (or was about to be) sent, in ms since the epoch.
    pub sent_at_ms: Option<u64>,
    /// The pool member the submit was sent to, written before the send: the task is
    /// followed, pressed and resumed there only. `None` with one server.
    pub server: Option<String>,
    /// The server's task id.
    pub task_id: Option<String>,
    /// Why it failed.
    pub reason: Option<String>,
    /// What it saved.
    pub files: Vec<SavedFile>,
}

impl Job {
    /// A pending job.
    pub fn new(key: JobKey, prompt: impl Into<String>, images: Vec<String>) -> Self {
        Self {
            key,
            prompt: prompt.into(),
            images,
            state: JobState::Pending,
            token: None,
            sent_at_ms: None,
            server: None,
            task_id: None,
            reason: None,
            files: Vec::new(),
        }
    }
}

/// Why the journal cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The store failed (disk full, unreadable, locked).
    #[error("the journal {path}: {message}")]
    Store {
        /// The journal.
        path: String,
        /// What failed.
        message: String,
    },
    /// The file is not a journal, or is damaged.
    #[error("the journal {path} is damaged or is not an mj batch journal ({message}); move it away to start over")]
    Damaged {
        /// The journal.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// On a shared journal: another worker took job `key` over (this one's lease on it ran
    /// out), so this worker's write was refused and it must leave the job alone. The new
    /// holder resumes it by its token, on its recorded server.
    #[error("job {}/{} of the journal {path} was taken over by another worker (this worker's lease ran out)", key.item, key.step)]
    Lost {
        /// The journal.
        path: String,
        /// The job.
        key: JobKey,
    },
    /// Another runner holds the journal: running both would send the same prompts twice.
    #[error(
        "another mj batch ({}) is running on the journal {path}; wait for it to finish or stop it, then run again",
        pid.map_or_else(|| "pid unknown".to_owned(), |p| format!("pid {p}"))
    )]
    Busy {
        /// The journal.
        path: String,
        /// The process that holds it, when it wrote its pid.
        pid: Option<u32>,
    },
    /// It belongs to another prompt file.
    #[error(
        "the journal {path} belongs to another prompt file (its SHA-256 is {journal}…, this file's {file}…); give another --journal or --out to start a new batch"
    )]
    OtherPrompts {
        /// The journal.
        path: String,
        /// The start of the fingerprint it holds.
        journal: String,
        /// The start of this file's.
        file: String,
    },
}

/// What [`Journal::claim`] gives a runner of a shared journal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claimed {
    /// The jobs that changed since this runner's previous claim (every job the first
    /// time), as the store has them now.
    pub changed: Vec<Job>,
    /// Every job this runner holds a lease on now (the ones just claimed included): the
    /// only jobs it may send, follow or write.
    pub held: Vec<JobKey>,
    /// Unfinished jobs other workers hold under a live lease: this runner does not end
    /// while there are some, so that it takes them over if their worker dies.
    pub held_elsewhere: usize,
}

impl Claimed {
    /// What a shared journal's claim found: the jobs that `changed`, the ones `held`, and
    /// how many other workers hold.
    pub fn new(changed: Vec<Job>, held: Vec<JobKey>, held_elsewhere: usize) -> Self {
        Self { changed, held, held_elsewhere }
    }

    /// A claim of every job in `jobs`: what a journal of one runner gives.
    pub fn all(jobs: Vec<Job>) -> Self {
        let held = jobs.iter().map(|j| j.key).collect();
        Self { changed: jobs, held, held_elsewhere: 0 }
    }
}

/// A durable store of jobs. Each call returns only once what it wrote survives a crash of
/// the process.
///
/// A journal is either one runner's ([`SqliteJournal`](crate::SqliteJournal): a second
/// runner is refused) or shared by several workers (a database: [`shared`](Self::shared)
/// is true). A shared journal hands out jobs under leases through [`claim`](Self::claim):
/// a job is worked on only by the worker that holds it, each claim of a job makes the
/// previous holder's writes of it fail with [`JournalError::Lost`], and a job whose
/// worker died is claimed again once its lease runs out.
pub trait Journal {
    /// The fingerprint of the prompt file this journal was started for; `None` when new.
    fn fingerprint(&mut self) -> Result<Option<String>, JournalError>;
    /// Starts a new journal for `fingerprint` with `jobs`, all at once.
    fn create(&mut self, fingerprint: &str, jobs: &[Job]) -> Result<(), JournalError>;
    /// Every job, in key order (by item, then step).
    fn jobs(&mut self) -> Result<Vec<Job>, JournalError>;
    /// Writes `job` (replacing the row with its key).
    fn save(&mut self, job: &Job) -> Result<(), JournalError>;
    /// Where it is, for messages (a path, a database name).
    fn location(&self) -> String {
        "the journal".to_owned()
    }
    /// Whether other workers run on this journal at the same time (then the runner works
    /// only on what [`claim`](Self::claim) gives it).
    fn shared(&self) -> bool {
        false
    }
    /// How long a claim holds a job without being renewed: each submit of a shared run
    /// must end well within it, so that no other worker resumes a submit still on the
    /// wire. `None` for a journal of one runner.
    fn lease(&self) -> Option<std::time::Duration> {
        None
    }
    /// This worker's name on a shared journal (`HOST:PID`), recorded with its files.
    fn worker(&self) -> Option<String> {
        None
    }
    /// Renews the leases this runner holds and claims up to `room` more unfinished jobs
    /// (those nobody holds, or whose holder's lease ran out; an upscale once its grid is
    /// done), only jobs whose server (or grid's server) is one of `servers` (`None`: the
    /// single server). A journal of one runner holds every job.
    fn claim(&mut self, room: usize, servers: &[Option<String>]) -> Result<Claimed, JournalError> {
        let _ = (room, servers);
        Ok(Claimed::all(self.jobs()?))
    }
    /// Gives back the unfinished jobs this runner holds (at the end of its run, once
    /// nothing of them is on the wire), so that other workers need not wait for the
    /// leases to run out.
    fn release(&mut self) -> Result<(), JournalError> {
        Ok(())
    }
}
