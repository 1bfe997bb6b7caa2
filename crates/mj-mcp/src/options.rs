//! How `mj mcp` serves: where files go, which local files it reads, whether it may spend,
//! and how long one call may last.

use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How the server serves an agent.
///
/// ```
/// let out = std::env::temp_dir().join(format!("mj-mcp-options-{}", std::process::id()));
/// let options = mj_mcp::Options::new(&out)?.read_only(true).call_limit(std::time::Duration::from_secs(300));
/// # std::fs::remove_dir_all(&out)?;
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Options {
    /// The output root: every file a call writes goes here (resolved, made if missing).
    pub(crate) out: PathBuf,
    /// The folders local images may be read from (the output root, and what
    /// [`allow_read`](Self::allow_read) adds), resolved.
    pub(crate) read_roots: Vec<PathBuf>,
    /// Whether the tools that create paid tasks are refused.
    pub(crate) read_only: bool,
    /// The longest one call may take, waits, retries and downloads together.
    pub(crate) limit: Duration,
    /// Whether the server is mj's built-in simulator (said to the agent, so that it knows
    /// nothing it makes is real).
    pub(crate) simulator: bool,
}

impl Options {
    /// Files go under `out`, made if missing; an error when it cannot be made or written,
    /// so that no paid task ends in a local error. Calls last at most 10 minutes.
    pub fn new(out: impl AsRef<Path>) -> io::Result<Self> {
        let out = out.as_ref();
        std::fs::create_dir_all(out)?;
        mj_files::check_writable(out)?;
        let out = out.canonicalize()?;
        Ok(Self {
            read_roots: vec![out.clone()],
            out,
            read_only: false,
            limit: Duration::from_secs(600),
            simulator: false,
        })
    }

    /// Refuses the tools that create paid tasks (`imagine`, `action`, `describe`, `blend`,
    /// `video`): an agent may look, wait and download, not spend.
    pub fn read_only(mut self, yes: bool) -> Self {
        self.read_only = yes;
        self
    }

    /// Lets `describe`, `blend` and `video` read local images under `dir` too (the
    /// output root always).
    pub fn allow_read(mut self, dir: impl AsRef<Path>) -> io::Result<Self> {
        self.read_roots.push(dir.as_ref().canonicalize()?);
        Ok(self)
    }

    /// The longest one call may last (a `timeout_s` beyond it is refused).
    pub fn call_limit(mut self, limit: Duration) -> Self {
        self.limit = limit.max(Duration::from_secs(1));
        self
    }

    /// Says that the server is mj's built-in simulator.
    pub fn simulator(mut self, yes: bool) -> Self {
        self.simulator = yes;
        self
    }
}
