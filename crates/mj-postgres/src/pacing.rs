//! The governor's tallies and ledger in PostgreSQL: intervals, daily caps and budgets hold
//! across every worker and replica that shares the database. A claim reads its server's
//! tally `FOR UPDATE`, so two processes never take the same slot.

use std::sync::mpsc;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use mj_batch::Usage;
use mj_client::PacingStore;
use mj_proto::pacing::{LedgerEntry, Money, Tally};
use postgres::Transaction;

use crate::database::{Database, DatabaseError, Link, patiently};
use crate::schema;
use crate::worker::Worker;

/// How long a pacing call rides out the database's failures.
const PATIENCE: Duration = Duration::from_secs(30);

/// Pacing tallies kept in PostgreSQL, one row per server, for
/// [`Settings::pacing_store`](mj_client::Settings::pacing_store). Usable from blocking and
/// async clients alike: its queries run on a thread of its own.
///
/// ```no_run
/// use std::sync::Arc;
///
/// let db = mj_postgres::Database::parse("postgres://mj@db.internal/mj")?;
/// let settings = mj_client::Settings::default().pacing_store(Arc::new(mj_postgres::PgPacing::connect(&db)?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PgPacing {
    worker: Worker,
    /// One claim at a time from this process (each is a short transaction).
    one: Mutex<()>,
}

impl std::fmt::Debug for PgPacing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgPacing").finish_non_exhaustive()
    }
}

impl PgPacing {
    /// The tallies in `db` (mj's tables are created or migrated first).
    pub fn connect(db: &Database) -> Result<Self, DatabaseError> {
        let link = Link::new(db.clone(), PATIENCE);
        let worker = Worker::start(link, "mj-postgres-pacing").map_err(|e| DatabaseError {
            database: db.to_string(),
            message: e.to_string(),
            transient: false,
        })?;
        // On the worker's thread too: this may be called from async code.
        worker.call(schema::migrate)?;
        Ok(Self { worker, one: Mutex::new(()) })
    }

    /// Every server's tally, by the name it is kept under.
    pub fn tallies(&self) -> Result<Vec<(String, Tally)>, DatabaseError> {
        self.worker.call(|link| {
            let rows = link.run(|client| client.query("SELECT server, tally FROM mj_pacing ORDER BY server", &[]))?;
            Ok(rows.iter().map(|row| (row.get(0), serde_json::from_str(row.get(1)).unwrap_or_default())).collect())
        })
    }

    /// Every server's days from day `since` on, oldest first, as the ledger tells them.
    pub fn usage(&self, since: i64) -> Result<Vec<Usage>, DatabaseError> {
        self.worker.call(move |link| {
            let rows = link.run(|client| {
                client.query(
                    "SELECT server, day, count(*), sum(images)::bigint,
                            count(*) FILTER (WHERE outcome IN ('failure', 'cancel')),
                            count(*) FILTER (WHERE outcome = 'moderated'), sum(estimate)::bigint
                     FROM mj_ledger WHERE day >= $1 GROUP BY server, day ORDER BY day, server",
                    &[&since],
                )
            })?;
            let count = |n: Option<i64>| u64::try_from(n.unwrap_or(0)).unwrap_or(0);
            Ok(rows
                .iter()
                .map(|row| {
                    let mut usage = Usage::new(row.get::<_, String>(0), row.get(1));
                    usage.tasks = count(row.get(2));
                    usage.images = count(row.get(3));
                    usage.failed = count(row.get(4));
                    usage.moderated = count(row.get(5));
                    usage.spent = Money(count(row.get(6)));
                    usage
                })
                .collect())
        })
    }

    /// One claim: the worker thread reads the tally under a row lock and hands it over;
    /// `change` runs here; the thread writes it back and commits.
    fn exchange(&self, server: &str, change: &mut dyn FnMut(&mut Tally)) -> Result<(), DatabaseError> {
        let (tally_to, tally) = mpsc::channel::<Result<Tally, DatabaseError>>();
        let (changed_to, changed) = mpsc::channel::<Tally>();
        let server = server.to_owned();
        let done = self.worker.send(move |link| {
            let result = link.once(|client| {
                let mut tx = client.transaction()?;
                let read = read_tally(&mut tx, &server)?;
                let _ = tally_to.send(Ok(read));
                // The caller gave up: nothing is written (the transaction rolls back).
                let Ok(new) = changed.recv() else { return Ok(()) };
                write_tally(&mut tx, &server, &new)?;
                tx.commit()
            });
            if let Err(e) = &result {
                // Read failed before the tally was handed over: say so (a second message
                // after the hand-over goes nowhere).
                let _ = tally_to.send(Err(e.clone()));
            }
            result
        })?;
        let mut read = tally.recv().map_err(|_| self.worker.gone())??;
        change(&mut read);
        let _ = changed_to.send(read);
        done.recv().map_err(|_| self.worker.gone())?
    }
}

/// `server`'s tally, locked until the transaction ends (a default one when it has none).
fn read_tally(tx: &mut Transaction<'_>, server: &str) -> Result<Tally, postgres::Error> {
    tx.execute("INSERT INTO mj_pacing (server, tally) VALUES ($1, '{}') ON CONFLICT DO NOTHING", &[&server])?;
    let row = tx.query_one("SELECT tally FROM mj_pacing WHERE server = $1 FOR UPDATE", &[&server])?;
    // A tally that does not read (a newer mj's, a damaged row) starts afresh rather than
    // stopping every submit; the caps then count from now.
    Ok(serde_json::from_str(row.get(0)).unwrap_or_default())
}

fn write_tally(tx: &mut Transaction<'_>, server: &str, tally: &Tally) -> Result<(), postgres::Error> {
    let json = serde_json::to_string(tally).unwrap_or_else(|_| "{}".to_owned());
    tx.execute("UPDATE mj_pacing SET tally = $2 WHERE server = $1", &[&server, &json])?;
    Ok(())
}

fn io(error: DatabaseError) -> std::io::Error {
    error.into()
}

impl PacingStore for PgPacing {
    fn update(&self, server: &str, change: &mut dyn FnMut(&mut Tally)) -> std::io::Result<()> {
        let _one = self.one.lock().unwrap_or_else(PoisonError::into_inner);
        // A failed exchange committed nothing: the change is made again on the tally read
        // afresh.
        patiently(PATIENCE, || self.exchange(server, change)).map_err(io)
    }

    fn record(&self, entry: &LedgerEntry) -> std::io::Result<()> {
        let entry = entry.clone();
        self.worker
            .call(move |link| {
                let estimate = i64::try_from(entry.estimate.0).unwrap_or(i64::MAX);
                link.run(|client| {
                    client.execute(
                        "INSERT INTO mj_ledger (server, task_id, at_ms, day, action, mode, images, estimate)
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                        &[
                            &entry.server,
                            &entry.task_id,
                            &entry.at_ms,
                            &entry.day,
                            &entry.action,
                            &entry.mode,
                            &i64::from(entry.images),
                            &estimate,
                        ],
                    )
                })
                .map(|_| ())
            })
            .map_err(io)
    }

    fn settle(&self, server: &str, task_id: &str, outcome: &str, cost: Option<Money>) -> std::io::Result<()> {
        let (server, task_id, outcome) = (server.to_owned(), task_id.to_owned(), outcome.to_owned());
        self.worker
            .call(move |link| {
                link.run(|client| {
                    let mut tx = client.transaction()?;
                    let row = tx.query_opt(
                        "UPDATE mj_ledger SET outcome = $3 WHERE server = $1 AND task_id = $2
                         RETURNING estimate, day",
                        &[&server, &task_id, &outcome],
                    )?;
                    if let (Some(cost), Some(row)) = (cost, row) {
                        let (estimate, day): (i64, i64) = (row.get(0), row.get(1));
                        let written = i64::try_from(cost.0).unwrap_or(i64::MAX);
                        tx.execute(
                            "UPDATE mj_ledger SET estimate = $3 WHERE server = $1 AND task_id = $2",
                            &[&server, &task_id, &written],
                        )?;
                        // The day's spend holds the estimate: the cost replaces it, on that day.
                        let mut tally = read_tally(&mut tx, &server)?;
                        if tally.day == day {
                            let estimate = Money(u64::try_from(estimate).unwrap_or(0));
                            tally.spent = tally.spent.minus(estimate).plus(cost);
                        }
                        write_tally(&mut tx, &server, &tally)?;
                    }
                    tx.commit()
                })
            })
            .map_err(io)
    }
}
