//! A batch journal that several `mj batch` workers share: jobs are claimed with
//! `FOR UPDATE SKIP LOCKED` under a lease; every claim bumps the job's fence, and every
//! write checks it, so a worker whose lease ran out cannot overwrite the new holder's
//! record. One database holds many batches, each named by its prompt file's fingerprint.

use std::collections::HashMap;
use std::time::Duration;

use mj_batch::{Claimed, Job, JobKey, JobState, Journal, JournalError, SavedFile};
use postgres::Row;
use serde::{Deserialize, Serialize};

use crate::database::{Database, DatabaseError, Link, oldest_open};
use crate::schema;

/// How long a claim holds a job by default: a submit of a shared run ends within three
/// quarters of it, and a dead worker's jobs are taken over this long after its last
/// renewal.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

/// How long the journal rides out the database's failures (a restart, a dropped
/// connection, a full disk) by default before the run stops; new claims wait meanwhile.
pub const DEFAULT_PATIENCE: Duration = Duration::from_secs(300);

/// The columns a job is read from, in [`job_of`]'s order.
const COLUMNS: &str =
    "item, step, prompt, images::text, state, token, sent_at_ms, server, task_id, reason, files::text";

/// A [`Journal`] in PostgreSQL, shared by every worker given the same database and prompt
/// file. Like the batch runner it serves, it blocks: use it from a thread, not from async
/// code.
///
/// ```no_run
/// use mj_postgres::{Database, PgJournal};
///
/// let db = Database::parse("postgres://mj@db.internal/mj")?;
/// let text = std::fs::read("prompts.txt")?;
/// let journal = PgJournal::connect(&db, &mj_batch::prompts::fingerprint(&text))?;
/// // mj_batch::Batch::new(&client, journal, "out").run(...) on each worker.
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PgJournal {
    link: Link,
    batch: String,
    worker: String,
    lease: Duration,
    /// The fence of each job this worker holds, as its claim left it.
    fences: HashMap<JobKey, i64>,
    /// The oldest transaction open at the last read: rows written by it or later are
    /// read again next time.
    seen_from: Option<i64>,
}

impl std::fmt::Debug for PgJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgJournal")
            .field("database", self.link.database())
            .field("worker", &self.worker)
            .field("lease", &self.lease)
            .finish_non_exhaustive()
    }
}

/// A saved file as the database keeps it.
#[derive(Serialize, Deserialize)]
struct StoredFile {
    path: String,
    sha256: String,
    #[serde(default)]
    worker: Option<String>,
}

impl PgJournal {
    /// The journal of the batch of the prompt file whose fingerprint is `fingerprint`, in
    /// `db` (mj's tables are created or migrated first). This worker is named
    /// `HOST:PID` (`HOST:PID.N` for the process's later journals).
    pub fn connect(db: &Database, fingerprint: &str) -> Result<Self, JournalError> {
        let mut link = Link::new(db.clone(), DEFAULT_PATIENCE);
        schema::migrate(&mut link).map_err(store)?;
        Ok(Self {
            link,
            batch: fingerprint.to_owned(),
            worker: worker_name(),
            lease: DEFAULT_LEASE,
            fences: HashMap::new(),
            seen_from: None,
        })
    }

    /// Holds claimed jobs for `lease` between renewals (at least 4 s; 60 s by default).
    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = lease.max(Duration::from_secs(4));
        self
    }

    /// Rides out the database's failures for `patience` (5 minutes by default).
    pub fn patience(mut self, patience: Duration) -> Self {
        self.link.patience = patience;
        self
    }

    /// The fingerprints of the batches `db` holds, oldest first.
    pub fn batches(db: &Database) -> Result<Vec<String>, JournalError> {
        let mut link = Link::new(db.clone(), Duration::from_secs(10));
        schema::migrate(&mut link).map_err(store)?;
        let rows = link
            .run(|client| client.query("SELECT fingerprint FROM mj_batches ORDER BY created_at, fingerprint", &[]))
            .map_err(store)?;
        Ok(rows.iter().map(|row| row.get(0)).collect())
    }

    fn lease_ms(&self) -> i64 {
        i64::try_from(self.lease.as_millis()).unwrap_or(i64::MAX)
    }

    fn damaged(&self, message: String) -> JournalError {
        JournalError::Damaged { path: self.location(), message }
    }

    /// The jobs of `rows`.
    fn jobs_of(&self, rows: &[Row]) -> Result<Vec<Job>, JournalError> {
        rows.iter().map(|row| job_of(row).map_err(|e| self.damaged(e))).collect()
    }
}

fn store(error: DatabaseError) -> JournalError {
    JournalError::Store { path: error.database, message: error.message }
}

/// A job from a row of [`COLUMNS`].
fn job_of(row: &Row) -> Result<Job, String> {
    let (item, step): (i32, i16) = (row.get(0), row.get(1));
    let bad = |what: &str| format!("job {item}/{step}: {what}");
    let key = JobKey {
        item: u32::try_from(item).map_err(|_| bad("item out of range"))?,
        step: u8::try_from(step).map_err(|_| bad("step out of range"))?,
    };
    let images: Vec<String> = serde_json::from_str(row.get(3)).map_err(|_| bad("images"))?;
    let mut job = Job::new(key, row.get::<_, String>(2), images);
    job.state = JobState::from_name(row.get(4)).ok_or_else(|| bad("unknown state"))?;
    job.token = row.get(5);
    job.sent_at_ms = row.get::<_, Option<i64>>(6).and_then(|ms| u64::try_from(ms).ok());
    job.server = row.get(7);
    job.task_id = row.get(8);
    job.reason = row.get(9);
    let files: Vec<StoredFile> = serde_json::from_str(row.get(10)).map_err(|_| bad("files"))?;
    job.files = files.into_iter().map(|f| SavedFile { path: f.path, sha256: f.sha256, worker: f.worker }).collect();
    Ok(job)
}

fn files_json(files: &[SavedFile]) -> String {
    let stored: Vec<StoredFile> = files
        .iter()
        .map(|f| StoredFile { path: f.path.clone(), sha256: f.sha256.clone(), worker: f.worker.clone() })
        .collect();
    serde_json::to_string(&stored).unwrap_or_else(|_| "[]".to_owned())
}

impl Journal for PgJournal {
    fn fingerprint(&mut self) -> Result<Option<String>, JournalError> {
        let batch = self.batch.clone();
        let row = self
            .link
            .run(|client| client.query_opt("SELECT fingerprint FROM mj_batches WHERE fingerprint = $1", &[&batch]))
            .map_err(store)?;
        Ok(row.map(|row| row.get(0)))
    }

    fn create(&mut self, fingerprint: &str, jobs: &[Job]) -> Result<(), JournalError> {
        self.batch = fingerprint.to_owned();
        let batch = self.batch.clone();
        self.link
            .run(|client| {
                let mut tx = client.transaction()?;
                // Workers starting together: the first creates it, the others find it.
                let created =
                    tx.execute("INSERT INTO mj_batches (fingerprint) VALUES ($1) ON CONFLICT DO NOTHING", &[&batch])?;
                if created == 1 {
                    let insert = tx.prepare(
                        "INSERT INTO mj_jobs (batch, item, step, prompt, images, state, files)
                         VALUES ($1, $2, $3, $4, $5::text::jsonb, 'pending', '[]')",
                    )?;
                    for job in jobs {
                        let images = serde_json::to_string(&job.images).unwrap_or_else(|_| "[]".to_owned());
                        let (item, step) = (i32::try_from(job.key.item).unwrap_or(i32::MAX), i16::from(job.key.step));
                        tx.execute(&insert, &[&batch, &item, &step, &job.prompt, &images])?;
                    }
                }
                tx.commit()
            })
            .map_err(store)
    }

    fn jobs(&mut self) -> Result<Vec<Job>, JournalError> {
        let batch = self.batch.clone();
        let query = format!("SELECT {COLUMNS} FROM mj_jobs WHERE batch = $1 ORDER BY item, step");
        let rows = self.link.run(|client| client.query(&query, &[&batch])).map_err(store)?;
        self.jobs_of(&rows)
    }

    fn save(&mut self, job: &Job) -> Result<(), JournalError> {
        let path = self.location();
        let lost = || JournalError::Lost { path: path.clone(), key: job.key };
        let Some(fence) = self.fences.get(&job.key).copied() else { return Err(lost()) };
        let (batch, worker, lease) = (self.batch.clone(), self.worker.clone(), self.lease_ms());
        let (item, step) = (i32::try_from(job.key.item).unwrap_or(i32::MAX), i16::from(job.key.step));
        let images = serde_json::to_string(&job.images).unwrap_or_else(|_| "[]".to_owned());
        let files = files_json(&job.files);
        let sent = job.sent_at_ms.and_then(|ms| i64::try_from(ms).ok());
        let finished = matches!(job.state, JobState::Done | JobState::Failed);
        // A write renews the lease (a submit is written just before it is sent, and ends
        // within the lease from then); a finished job holds none.
        let written = self
            .link
            .run(|client| {
                client.execute(
                    "UPDATE mj_jobs SET prompt = $6, images = $7::text::jsonb, state = $8, token = $9, sent_at_ms = $10,
                         server = $11, task_id = $12, reason = $13, files = $14::text::jsonb,
                         lease_until = CASE WHEN $15 THEN NULL ELSE clock_timestamp() + $16::float8 * interval '1 millisecond' END,
                         xid = pg_current_xact_id()
                     WHERE batch = $1 AND item = $2 AND step = $3 AND fence = $4 AND owner = $5",
                    &[
                        &batch,
                        &item,
                        &step,
                        &fence,
                        &worker,
                        &job.prompt,
                        &images,
                        &job.state.name(),
                        &job.token,
                        &sent,
                        &job.server,
                        &job.task_id,
                        &job.reason,
                        &files,
                        &finished,
                        &(lease as f64),
                    ],
                )
            })
            .map_err(store)?;
        if written == 0 {
            self.fences.remove(&job.key);
            return Err(lost());
        }
        if finished {
            self.fences.remove(&job.key);
        }
        Ok(())
    }

    fn location(&self) -> String {
        self.link.database().to_string()
    }

    fn shared(&self) -> bool {
        true
    }

    fn lease(&self) -> Option<Duration> {
        Some(self.lease)
    }

    fn worker(&self) -> Option<String> {
        Some(self.worker.clone())
    }

    fn claim(&mut self, room: usize, servers: &[Option<String>]) -> Result<Claimed, JournalError> {
        let (batch, worker, lease) = (self.batch.clone(), self.worker.clone(), self.lease_ms() as f64);
        let single = servers.iter().any(Option::is_none);
        let names: Vec<String> = servers.iter().flatten().cloned().collect();
        let room = i64::try_from(room).unwrap_or(i64::MAX);
        let seen_from = self.seen_from;
        let query = format!(
            "SELECT {COLUMNS} FROM mj_jobs WHERE batch = $1 AND ($2::bigint IS NULL OR xid >= $2::bigint::text::xid8) ORDER BY item, step"
        );
        let (held, changed, held_elsewhere, next_from) = self
            .link
            .run(|client| {
                let mut tx = client.transaction()?;
                // Renew what this worker holds.
                let mut held: Vec<(i32, i16, i64)> = tx
                    .query(
                        "UPDATE mj_jobs SET lease_until = clock_timestamp() + $3::float8 * interval '1 millisecond'
                         WHERE batch = $1 AND owner = $2 AND state NOT IN ('done', 'failed')
                         RETURNING item, step, fence",
                        &[&batch, &worker, &lease],
                    )?
                    .iter()
                    .map(|r| (r.get(0), r.get(1), r.get(2)))
                    .collect();
                if room > 0 {
                    // Unfinished jobs nobody holds (or whose holder's lease ran out) that a
                    // server of this worker can take: a submit or a task on its recorded
                    // server, an upscale on its grid's (or whose grid failed, to fail it);
                    // lost submits and running tasks first.
                    let claimed = tx.query(
                        "WITH free AS (
                             SELECT j.item, j.step FROM mj_jobs j
                             WHERE j.batch = $1 AND j.state NOT IN ('done', 'failed')
                               AND (j.owner IS NULL OR j.lease_until IS NULL OR j.lease_until < clock_timestamp())
                               AND CASE
                                   WHEN j.state = 'pending' AND j.step = 0 THEN true
                                   WHEN j.state = 'pending' THEN EXISTS (
                                       SELECT 1 FROM mj_jobs g WHERE g.batch = j.batch AND g.item = j.item AND g.step = 0
                                         AND (g.state = 'failed'
                                              OR (g.state = 'done' AND ((g.server IS NULL AND $5) OR g.server = ANY($6)))))
                                   ELSE (j.server IS NULL AND $5) OR j.server = ANY($6)
                               END
                             ORDER BY (j.state = 'pending'), j.item, j.step
                             LIMIT $4
                             FOR UPDATE SKIP LOCKED)
                         UPDATE mj_jobs j SET owner = $2, fence = j.fence + 1,
                             lease_until = clock_timestamp() + $3::float8 * interval '1 millisecond', xid = pg_current_xact_id()
                         FROM free WHERE j.batch = $1 AND j.item = free.item AND j.step = free.step
                         RETURNING j.item, j.step, j.fence",
                        &[&batch, &worker, &lease, &room, &single, &names],
                    )?;
                    held.extend(claimed.iter().map(|r| (r.get(0), r.get(1), r.get(2))));
                }
                let elsewhere: i64 = tx
                    .query_one(
                        "SELECT count(*) FROM mj_jobs WHERE batch = $1 AND state NOT IN ('done', 'failed')
                           AND owner IS NOT NULL AND owner <> $2 AND lease_until >= clock_timestamp()",
                        &[&batch, &worker],
                    )?
                    .get(0);
                let changed = tx.query(&query, &[&batch, &seen_from])?;
                let next = oldest_open(&mut tx)?;
                tx.commit()?;
                Ok((held, changed, elsewhere, next))
            })
            .map_err(store)?;
        let changed = self.jobs_of(&changed)?;
        self.seen_from = Some(next_from);
        self.fences.clear();
        let mut keys = Vec::with_capacity(held.len());
        for (item, step, fence) in held {
            let (Ok(item), Ok(step)) = (u32::try_from(item), u8::try_from(step)) else { continue };
            let key = JobKey { item, step };
            self.fences.insert(key, fence);
            keys.push(key);
        }
        Ok(Claimed::new(changed, keys, usize::try_from(held_elsewhere).unwrap_or(0)))
    }

    fn release(&mut self) -> Result<(), JournalError> {
        let (batch, worker) = (self.batch.clone(), self.worker.clone());
        self.link
            .run(|client| {
                client.execute(
                    "UPDATE mj_jobs SET owner = NULL, lease_until = NULL, xid = pg_current_xact_id()
                     WHERE batch = $1 AND owner = $2 AND state NOT IN ('done', 'failed')",
                    &[&batch, &worker],
                )
            })
            .map_err(store)?;
        self.fences.clear();
        Ok(())
    }
}

/// `HOST:PID`, and `HOST:PID.N` for a process's later journals (a program may run two
/// workers): each worker's claims are its own.
fn worker_name() -> String {
    static OPENED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("{}:{}", host_name(), std::process::id());
    if n == 0 { name } else { format!("{name}.{n}") }
}

/// This machine's name, for the worker's: `HOSTNAME`, `/etc/hostname`, or `localhost`.
fn host_name() -> String {
    let name: String = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|n| n.trim().chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')).collect())
        .unwrap_or_default();
    if name.is_empty() { "localhost".to_owned() } else { name }
}
