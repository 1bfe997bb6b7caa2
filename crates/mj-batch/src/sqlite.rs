//! The journal in one SQLite file (bundled SQLite; WAL; every write committed before the
//! call returns).

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior, params};

use crate::journal::{Job, JobKey, JobState, Journal, JournalError, SavedFile};

/// What `meta.format` holds in journals this version writes.
const FORMAT: &str = "mj-batch/1";

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE jobs (
    item INTEGER NOT NULL,
    step INTEGER NOT NULL,
    prompt TEXT NOT NULL,
    images TEXT NOT NULL,
    state TEXT NOT NULL,
    token TEXT,
    sent_at_ms INTEGER,
    task_id TEXT,
    reason TEXT,
    files TEXT NOT NULL,
    server TEXT,
    PRIMARY KEY (item, step)
) STRICT;
";

/// Added when batches learned to run over a pool: journals written before lack it, and
/// gain it (empty: one server) when opened for writing.
const ADD_SERVER: &str = "ALTER TABLE jobs ADD COLUMN server TEXT";

/// A [`Journal`] in a SQLite file.
///
/// Opened for writing, it holds an exclusive OS lock on `PATH.lock` until dropped: one
/// runner per journal. A second runner on the same journal is refused at once with
/// [`JournalError::Busy`], naming the running one's pid, instead of sending the same
/// prompts a second time.
pub struct SqliteJournal {
    db: Connection,
    path: PathBuf,
    /// The lock file, locked for as long as this journal is open for writing.
    _lock: Option<std::fs::File>,
}

impl std::fmt::Debug for SqliteJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteJournal").field("path", &self.path).finish()
    }
}

impl SqliteJournal {
    /// Opens the journal at `path`, creating the file when there is none. A file that is
    /// not an mj batch journal, or is damaged, is refused.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        Self::open_with(path.as_ref(), OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE)
    }

    /// Opens an existing journal without writing to it (for `--status`).
    pub fn open_read_only(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(JournalError::Store { path: path.display().to_string(), message: "no such file".to_owned() });
        }
        Self::open_with(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
    }

    fn open_with(path: &Path, flags: OpenFlags) -> Result<Self, JournalError> {
        let shown = path.display().to_string();
        let damaged = |e: rusqlite::Error| JournalError::Damaged { path: shown.clone(), message: e.to_string() };
        let read_only = flags.contains(OpenFlags::SQLITE_OPEN_READ_ONLY);
        // Taken before the database is touched, so two runners never both create it.
        let lock = if read_only { None } else { Some(lock(path)?) };
        let db = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| JournalError::Store { path: shown.clone(), message: e.to_string() })?;
        db.busy_timeout(std::time::Duration::from_secs(10)).map_err(damaged)?;
        let mut journal = Self { db, path: path.to_owned(), _lock: lock };
        if !read_only {
            // WAL: a commit is one append; FULL: it is on disk when the call returns.
            journal.db.pragma_update(None, "journal_mode", "WAL").map_err(damaged)?;
            journal.db.pragma_update(None, "synchronous", "FULL").map_err(damaged)?;
        }
        let check: String = journal.db.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(damaged)?;
        if check != "ok" {
            return Err(JournalError::Damaged { path: shown, message: check });
        }
        if !read_only {
            // The schema in one transaction: a disk that fills up half way leaves no table,
            // not some of them, and the next run creates them all.
            let store = |e: rusqlite::Error| JournalError::Store { path: shown.clone(), message: e.to_string() };
            let tx = journal.db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(store)?;
            let tables: i64 = tx
                .query_row("SELECT count(*) FROM sqlite_master WHERE type = 'table'", [], |r| r.get(0))
                .map_err(damaged)?;
            if tables == 0 {
                tx.execute_batch(SCHEMA).map_err(store)?;
            } else if !has_server_column(&tx).map_err(damaged)? {
                tx.execute_batch(ADD_SERVER).map_err(store)?;
            }
            tx.commit().map_err(store)?;
        }
        let format: Option<String> = journal
            .db
            .query_row("SELECT value FROM meta WHERE key = 'format'", [], |r| r.get(0))
            .optional()
            .map_err(damaged)?;
        if let Some(format) = format
            && format != FORMAT
        {
            return Err(JournalError::Damaged { path: shown, message: format!("written as {format}, not {FORMAT}") });
        }
        Ok(journal)
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn store(&self, e: impl std::fmt::Display) -> JournalError {
        JournalError::Store { path: self.path.display().to_string(), message: e.to_string() }
    }

    fn damaged(&self, message: impl Into<String>) -> JournalError {
        JournalError::Damaged { path: self.path.display().to_string(), message: message.into() }
    }
}

impl Journal for SqliteJournal {
    fn fingerprint(&mut self) -> Result<Option<String>, JournalError> {
        let value: Option<String> = self
            .db
            .query_row("SELECT value FROM meta WHERE key = 'prompts_sha256'", [], |r| r.get(0))
            .optional()
            .map_err(|e| self.damaged(e.to_string()))?;
        Ok(value)
    }

    fn create(&mut self, fingerprint: &str, jobs: &[Job]) -> Result<(), JournalError> {
        let path = self.path.display().to_string();
        let tx =
            self.db.transaction().map_err(|e| JournalError::Store { path: path.clone(), message: e.to_string() })?;
        let fail = |e: rusqlite::Error| JournalError::Store { path: path.clone(), message: e.to_string() };
        tx.execute("INSERT INTO meta (key, value) VALUES ('format', ?1)", params![FORMAT]).map_err(fail)?;
        tx.execute("INSERT INTO meta (key, value) VALUES ('prompts_sha256', ?1)", params![fingerprint])
            .map_err(fail)?;
        for job in jobs {
            write(&tx, job).map_err(fail)?;
        }
        tx.commit().map_err(fail)
    }

    fn jobs(&mut self) -> Result<Vec<Job>, JournalError> {
        // A journal from before pools, opened read-only, has no server column.
        let server =
            if has_server_column(&self.db).map_err(|e| self.damaged(e.to_string()))? { "server" } else { "NULL" };
        let mut query = self
            .db
            .prepare(&format!(
                "SELECT item, step, prompt, images, state, token, sent_at_ms, task_id, reason, files, {server} FROM jobs ORDER BY item, step",
            ))
            .map_err(|e| self.damaged(e.to_string()))?;
        let rows = query
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, Option<String>>(10)?,
                ))
            })
            .map_err(|e| self.damaged(e.to_string()))?;
        let mut jobs = Vec::new();
        for row in rows {
            let (item, step, prompt, images, state, token, sent_at_ms, task_id, reason, files, server) =
                row.map_err(|e| self.damaged(e.to_string()))?;
            let bad = |what: &str| self.damaged(format!("job {item}/{step}: {what}"));
            let key = JobKey {
                item: u32::try_from(item).map_err(|_| bad("item out of range"))?,
                step: u8::try_from(step).map_err(|_| bad("step out of range"))?,
            };
            let state = JobState::from_name(&state).ok_or_else(|| bad("unknown state"))?;
            let images: Vec<String> = serde_json::from_str(&images).map_err(|_| bad("images"))?;
            let files: Vec<(String, String)> = serde_json::from_str(&files).map_err(|_| bad("files"))?;
            let mut job = Job::new(key, prompt, images);
            job.state = state;
            job.token = token;
            job.sent_at_ms = sent_at_ms.and_then(|ms| u64::try_from(ms).ok());
            job.task_id = task_id;
            job.server = server;
            job.reason = reason;
            job.files = files.into_iter().map(|(path, sha256)| SavedFile { path, sha256, worker: None }).collect();
            jobs.push(job);
        }
        Ok(jobs)
    }

    fn save(&mut self, job: &Job) -> Result<(), JournalError> {
        write(&self.db, job).map_err(|e| self.store(e))
    }

    fn location(&self) -> String {
        self.path.display().to_string()
    }
}

/// Locks `PATH.lock` exclusively (created if need be) and writes this process's pid in it,
/// or says which process holds it.
fn lock(path: &Path) -> Result<std::fs::File, JournalError> {
    use std::io::{Read, Seek, Write};
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let lock_path = PathBuf::from(name);
    let store =
        |e: std::io::Error| JournalError::Store { path: lock_path.display().to_string(), message: e.to_string() };
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&lock_path)
        .map_err(store)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            return Err(JournalError::Busy { path: path.display().to_string(), pid: holder.trim().parse().ok() });
        }
        Err(std::fs::TryLockError::Error(e)) => return Err(store(e)),
    }
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| write!(file, "{}", std::process::id()))
        .map_err(store)?;
    Ok(file)
}

/// Whether the jobs table has the `server` column.
fn has_server_column(db: &Connection) -> rusqlite::Result<bool> {
    let mut columns = db.prepare("SELECT name FROM pragma_table_info('jobs')")?;
    let names = columns.query_map([], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(names.iter().any(|n| n == "server"))
}

fn write(db: &Connection, job: &Job) -> rusqlite::Result<()> {
    let images = serde_json::to_string(&job.images).unwrap_or_else(|_| "[]".to_owned());
    let files: Vec<(&str, &str)> = job.files.iter().map(|f| (f.path.as_str(), f.sha256.as_str())).collect();
    let files = serde_json::to_string(&files).unwrap_or_else(|_| "[]".to_owned());
    db.execute(
        "INSERT OR REPLACE INTO jobs (item, step, prompt, images, state, token, sent_at_ms, task_id, reason, files, server)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            job.key.item,
            job.key.step,
            job.prompt,
            images,
            job.state.name(),
            job.token,
            job.sent_at_ms.and_then(|ms| i64::try_from(ms).ok()),
            job.task_id,
            job.reason,
            files,
            job.server
        ],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("mj-batch-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir.join("journal")
    }

    #[test]
    fn jobs_survive_reopening() {
        let path = temp("reopen");
        let mut journal = SqliteJournal::open(&path).expect("opens");
        assert_eq!(journal.fingerprint().expect("reads"), None);
        let mut job = Job::new(JobKey { item: 0, step: 0 }, "a fox", vec!["https://x.test/a.png".to_owned()]);
        journal.create("abc", std::slice::from_ref(&job)).expect("creates");
        job.state = JobState::Done;
        job.task_id = Some("17".to_owned());
        job.server = Some("eu".to_owned());
        job.files.push(SavedFile { path: "out/0001.png".to_owned(), sha256: "ff".to_owned(), worker: None });
        journal.save(&job).expect("saves");
        drop(journal);
        let mut again = SqliteJournal::open(&path).expect("reopens");
        assert_eq!(again.fingerprint().expect("reads").as_deref(), Some("abc"));
        assert_eq!(again.jobs().expect("jobs"), [job]);
    }

    /// A journal written before pools (no `server` column) is read as one server's, and
    /// gains the column when a run opens it.
    #[test]
    fn a_journal_from_before_pools_reads_and_upgrades() {
        let path = temp("old");
        let old = Connection::open(&path).expect("creates");
        old.execute_batch(&SCHEMA.replace("    server TEXT,\n", "")).expect("old schema");
        old.execute("INSERT INTO meta (key, value) VALUES ('format', ?1)", params![FORMAT]).expect("format");
        old.execute(
            "INSERT INTO jobs (item, step, prompt, images, state, task_id, files) VALUES (0, 0, 'a fox', '[]', 'running', '17', '[]')",
            [],
        )
        .expect("a job");
        drop(old);
        let jobs = SqliteJournal::open_read_only(&path).expect("reads").jobs().expect("jobs");
        assert_eq!((jobs[0].task_id.as_deref(), jobs[0].server.as_deref()), (Some("17"), None));
        let mut journal = SqliteJournal::open(&path).expect("upgrades");
        let mut job = jobs[0].clone();
        job.server = Some("us".to_owned());
        journal.save(&job).expect("saves with a member");
        assert_eq!(journal.jobs().expect("jobs"), [job]);
    }

    /// One runner per journal: a second open for writing is refused at once, naming the
    /// first's pid, and succeeds once the first is gone. Reading (`--status`) still works.
    #[test]
    fn a_second_runner_is_refused_while_the_first_holds_the_journal() {
        let path = temp("busy");
        let first = SqliteJournal::open(&path).expect("opens");
        let error = SqliteJournal::open(&path).expect_err("busy");
        assert!(matches!(error, JournalError::Busy { pid: Some(pid), .. } if pid == std::process::id()), "{error}");
        assert!(error.to_string().contains(&format!("pid {}", std::process::id())), "{error}");
        assert!(SqliteJournal::open_read_only(&path).is_ok(), "status reads while a run holds it");
        drop(first);
        SqliteJournal::open(&path).expect("free again");
    }

    #[test]
    fn a_file_that_is_not_a_journal_is_refused() {
        let path = temp("garbage");
        std::fs::write(&path, b"this is not a database, just text that is long enough to have a header....")
            .expect("writes");
        let error = SqliteJournal::open(&path).expect_err("refused");
        assert!(matches!(error, JournalError::Damaged { .. }), "{error}");
        assert!(error.to_string().contains("damaged"), "{error}");
    }
}
