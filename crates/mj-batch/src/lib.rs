//! Durable batch runs: a file of prompts through a Midjourney proxy, journaled so that a
//! crash at any instant (SIGKILL included) loses nothing and bills nothing twice.
//!
//! - [`prompts`] reads the prompt file (one prompt per line, or JSON lines with images and
//!   upscales).
//! - [`Journal`] is where every step is written down: the correlation token before each
//!   submit, the task id after, the files and their SHA-256 when saved.
//!   [`SqliteJournal`] keeps it in one SQLite file (WAL).
//! - [`plan`] decides, from the journal's jobs alone, what to do next.
//! - [`Batch`] does it with a blocking [`mj_client::Client`], of one server or of a pool
//!   whose servers the jobs are spread over: submits (or resumes lost submits by
//!   their token, on the server they were sent to), follows running tasks together (one
//!   request per server per round), downloads, and writes each outcome to the journal
//!   before going on.
//!
//! ```no_run
//! use mj_batch::{Batch, SqliteJournal, prompts};
//!
//! fn run<T: mj_proto::Transport + Send + Sync>(client: &mj_client::Client<T>) -> Result<(), Box<dyn std::error::Error>> {
//!     let text = std::fs::read("prompts.txt")?;
//!     let lines = prompts::parse(&text, false)?;
//!     let journal = SqliteJournal::open("out/mj-batch.journal")?;
//!     let summary = Batch::new(client, journal, "out").concurrency(4).run(&lines, &prompts::fingerprint(&text), |_| {})?;
//!     println!("{} done, {} failed", summary.done, summary.failed.len());
//!     Ok(())
//! }
//! ```
#![forbid(unsafe_code)]

mod blocked;
mod dispatch;
mod ending;
mod error;
mod files;
mod journal;
mod lane;
mod outcomes;
mod pacing_db;
pub mod plan;
pub mod prompts;
mod recording;
mod report;
mod request;
mod run;
mod runner;
mod sharing;
mod sqlite;

pub use error::BatchError;
pub use journal::{Claimed, Job, JobKey, JobState, Journal, JournalError, SavedFile};
pub use pacing_db::{PacingDb, Usage};
pub use report::{Progress, Refused, Summary, Unfinished};
pub use runner::Batch;
pub use sqlite::SqliteJournal;

/// Whether a file a job recorded is still on disk as it was saved (same SHA-256): what
/// `--status` counts, and what a resumed run checks before trusting a finished job.
pub fn file_intact(file: &SavedFile) -> bool {
    files::intact(file)
}
