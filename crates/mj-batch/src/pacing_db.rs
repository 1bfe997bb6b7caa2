//! The servers' pacing tallies in a SQLite file that every process on the machine shares:
//! what paces a shell loop of single `mj imagine` calls like a batch, and a batch beside
//! them. Each claim is one write transaction, so two processes never take the same slot.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use mj_client::PacingStore;
use mj_proto::pacing::{LedgerEntry, Money, Tally};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

/// Pacing tallies kept in a SQLite file (WAL, `synchronous=FULL`), one row per server.
///
/// ```no_run
/// use std::sync::Arc;
///
/// let store = mj_batch::PacingDb::open(mj_batch::PacingDb::default_path().expect("a home"))?;
/// let settings = mj_client::Settings::default().pacing_store(Arc::new(store));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Debug)]
pub struct PacingDb {
    path: PathBuf,
    db: Mutex<Connection>,
}

impl PacingDb {
    /// Opens (or creates, with its folder) the state file at `path`.
    pub fn open(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref().to_owned();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let fail = failure(&path);
        let db = Connection::open(&path).map_err(fail)?;
        db.busy_timeout(Duration::from_secs(10)).map_err(fail)?;
        db.pragma_update(None, "journal_mode", "WAL").map_err(fail)?;
        db.pragma_update(None, "synchronous", "FULL").map_err(fail)?;
        db.execute_batch(
            "CREATE TABLE IF NOT EXISTS pacing (server TEXT PRIMARY KEY, tally TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS ledger (
                 server TEXT NOT NULL, task_id TEXT NOT NULL, at_ms INTEGER NOT NULL, day INTEGER NOT NULL,
                 action TEXT NOT NULL, mode TEXT, images INTEGER NOT NULL, estimate INTEGER NOT NULL, outcome TEXT,
                 PRIMARY KEY (server, task_id))",
        )
        .map_err(fail)?;
        Ok(Self { path, db: Mutex::new(db) })
    }

    /// Where `mj` keeps its state: `MJ_STATE`, else `$XDG_STATE_HOME/mj/state.sqlite3`, else
    /// `~/.local/state/mj/state.sqlite3`; `None` without a home.
    pub fn default_path() -> Option<PathBuf> {
        if let Some(path) = std::env::var_os("MJ_STATE").filter(|p| !p.is_empty()) {
            return Some(PathBuf::from(path));
        }
        let dir = match std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
            Some(dir) => PathBuf::from(dir),
            None => PathBuf::from(std::env::var_os("HOME")?).join(".local").join("state"),
        };
        Some(dir.join("mj").join("state.sqlite3"))
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every server's tally, by the name it is kept under.
    pub fn tallies(&self) -> std::io::Result<Vec<(String, Tally)>> {
        let db = self.db.lock().unwrap_or_else(PoisonError::into_inner);
        let fail = failure(&self.path);
        let mut rows = db.prepare("SELECT server, tally FROM pacing ORDER BY server").map_err(fail)?;
        let read = rows
            .query_map([], |row| Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?)))
            .map_err(fail)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        Ok(read.into_iter().map(|(server, json)| (server, serde_json::from_str(&json).unwrap_or_default())).collect())
    }
}

/// One server's day, as the ledger tells it (`mj usage`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Usage {
    /// The server (a pool member's name, or a lone server's base URL).
    pub server: String,
    /// The day, counted from 1970-01-01 in the server's pacing zone.
    pub day: i64,
    /// Tasks created.
    pub tasks: u64,
    /// Images they count for.
    pub images: u64,
    /// Tasks that failed or were cancelled.
    pub failed: u64,
    /// Tasks moderation refused.
    pub moderated: u64,
    /// What they were estimated to cost.
    pub spent: Money,
}

impl Usage {
    /// Server `server`'s day `day`, with nothing counted yet: what another store of the
    /// ledger (a shared database) fills in.
    pub fn new(server: impl Into<String>, day: i64) -> Self {
        Self { server: server.into(), day, tasks: 0, images: 0, failed: 0, moderated: 0, spent: Money(0) }
    }
}

impl PacingDb {
    /// Every server's days from day `since` on, oldest first.
    pub fn usage(&self, since: i64) -> std::io::Result<Vec<Usage>> {
        let db = self.db.lock().unwrap_or_else(PoisonError::into_inner);
        let fail = failure(&self.path);
        let mut rows = db
            .prepare(
                "SELECT server, day, COUNT(*), SUM(images), SUM(outcome IN ('failure', 'cancel')),
                        SUM(outcome = 'moderated'), SUM(estimate)
                 FROM ledger WHERE day >= ?1 GROUP BY server, day ORDER BY day, server",
            )
            .map_err(fail)?;
        let count = |n: Option<i64>| u64::try_from(n.unwrap_or(0)).unwrap_or(0);
        rows.query_map([since], |row| {
            Ok(Usage {
                server: row.get(0)?,
                day: row.get(1)?,
                tasks: count(row.get(2)?),
                images: count(row.get(3)?),
                failed: count(row.get(4)?),
                moderated: count(row.get(5)?),
                spent: Money(count(row.get(6)?)),
            })
        })
        .map_err(fail)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)
    }
}

impl PacingStore for PacingDb {
    fn record(&self, entry: &LedgerEntry) -> std::io::Result<()> {
        let db = self.db.lock().unwrap_or_else(PoisonError::into_inner);
        let fail = failure(&self.path);
        db.execute(
            "INSERT OR IGNORE INTO ledger (server, task_id, at_ms, day, action, mode, images, estimate) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            rusqlite::params![
                entry.server,
                entry.task_id,
                entry.at_ms,
                entry.day,
                entry.action,
                entry.mode,
                entry.images,
                i64::try_from(entry.estimate.0).unwrap_or(i64::MAX)
            ],
        )
        .map_err(fail)?;
        Ok(())
    }

    fn settle(&self, server: &str, task_id: &str, outcome: &str, cost: Option<Money>) -> std::io::Result<()> {
        let mut db = self.db.lock().unwrap_or_else(PoisonError::into_inner);
        let fail = failure(&self.path);
        let tx = db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail)?;
        let row: Option<(i64, i64)> = tx
            .query_row("SELECT estimate, day FROM ledger WHERE server = ?1 AND task_id = ?2", [server, task_id], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()
            .map_err(fail)?;
        tx.execute("UPDATE ledger SET outcome = ?3 WHERE server = ?1 AND task_id = ?2", [server, task_id, outcome])
            .map_err(fail)?;
        if let (Some(cost), Some((estimate, day))) = (cost, row) {
            let estimate = Money(u64::try_from(estimate).unwrap_or(0));
            let written = i64::try_from(cost.0).unwrap_or(i64::MAX);
            tx.execute(
                "UPDATE ledger SET estimate = ?3 WHERE server = ?1 AND task_id = ?2",
                rusqlite::params![server, task_id, written],
            )
            .map_err(fail)?;
            // The day's spend holds the estimate: the cost replaces it, on that day.
            change_tally(&tx, server, &mut |tally| {
                if tally.day == day {
                    tally.spent = tally.spent.minus(estimate).plus(cost);
                }
            })
            .map_err(fail)?;
        }
        tx.commit().map_err(fail)
    }

    fn update(&self, server: &str, change: &mut dyn FnMut(&mut Tally)) -> std::io::Result<()> {
        let mut db = self.db.lock().unwrap_or_else(PoisonError::into_inner);
        let fail = failure(&self.path);
        // IMMEDIATE: the write lock is taken before the read, so no other process reads
        // the same tally in between.
        let tx = db.transaction_with_behavior(TransactionBehavior::Immediate).map_err(fail)?;
        change_tally(&tx, server, change).map_err(fail)?;
        tx.commit().map_err(fail)
    }
}

/// A SQLite failure on the state file at `path`, naming the file.
fn failure(path: &Path) -> impl Fn(rusqlite::Error) -> std::io::Error + Copy + '_ {
    move |e| std::io::Error::other(format!("{}: {e}", path.display()))
}

/// Runs `change` on `server`'s tally within `tx` and writes it back: the one read and write
/// of a tally, for a claim and for a settled cost alike.
fn change_tally(
    tx: &rusqlite::Transaction<'_>,
    server: &str,
    change: &mut dyn FnMut(&mut Tally),
) -> rusqlite::Result<()> {
    let stored: Option<String> =
        tx.query_row("SELECT tally FROM pacing WHERE server = ?1", [server], |row| row.get(0)).optional()?;
    // A tally that does not read (a newer mj's, a damaged row) starts afresh rather than
    // stopping every submit; the caps then count from now.
    let mut tally: Tally = stored.and_then(|json| serde_json::from_str(&json).ok()).unwrap_or_default();
    change(&mut tally);
    let json = serde_json::to_string(&tally).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    tx.execute(
        "INSERT INTO pacing (server, tally) VALUES (?1, ?2) ON CONFLICT(server) DO UPDATE SET tally = excluded.tally",
        [server, json.as_str()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_survive_the_process_and_are_shared_by_two_handles() {
        let path = std::env::temp_dir().join(format!("mj-pacing-db-{}/state.sqlite3", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let (one, two) = (PacingDb::open(&path).expect("opens"), PacingDb::open(&path).expect("opens again"));
        one.update("a", &mut |t| t.tasks += 1).expect("written");
        two.update("a", &mut |t| t.tasks += 1).expect("written");
        drop((one, two));
        let again = PacingDb::open(&path).expect("reopens");
        let tallies = again.tallies().expect("read");
        assert_eq!(tallies.len(), 1);
        assert_eq!((tallies[0].0.as_str(), tallies[0].1.tasks), ("a", 2));
        let _ = std::fs::remove_dir_all(path.parent().expect("its folder"));
    }

    #[test]
    fn a_video_priced_by_the_second_is_corrected_to_its_length() {
        let path = std::env::temp_dir().join(format!("mj-pacing-db-video-{}/state.sqlite3", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let db = PacingDb::open(&path).expect("opens");
        // A clip's 5 s estimated at 0.02 a second: 0.1; it made 4 clips of 5 s: 0.4.
        db.update("a", &mut |t| (t.day, t.spent) = (7, Money(100_000))).expect("claimed");
        db.record(&LedgerEntry::new(0, 7, "a", "v1").priced("video", 0, Money(100_000))).expect("recorded");
        db.settle("a", "v1", "success", Some(Money(400_000))).expect("settled");
        let usage = db.usage(0).expect("read");
        assert_eq!((usage[0].spent, usage[0].tasks), (Money(400_000), 1));
        assert_eq!(db.tallies().expect("read")[0].1.spent, Money(400_000), "the day's spend holds the cost");
        let _ = std::fs::remove_dir_all(path.parent().expect("its folder"));
    }
}
