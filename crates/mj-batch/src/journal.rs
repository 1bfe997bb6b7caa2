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

/// A durable store of jobs. Each call returns only once what it wrote survives a crash of
/// the process; a shared database (several workers) can stand in for [`SqliteJournal`](crate::SqliteJournal).
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
}
