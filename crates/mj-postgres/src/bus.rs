//! Callbacks passed between the replicas of a deployment through PostgreSQL: the replica a
//! callback reaches checks it (its hooks' secret path and scope), stores its body in a row
//! and sends the row's id with `NOTIFY` (a body can exceed NOTIFY's 8000 bytes); every
//! replica `LISTEN`s and hands the rows it did not publish to its own hooks. After a
//! reconnect a replica reads every row it may have missed.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use mj_client::{HookBus, Hooks};
use postgres::fallible_iterator::FallibleIterator;

use crate::database::{Database, DatabaseError, Link, oldest_open};
use crate::schema;
use crate::worker::Worker;

/// The channel callbacks are announced on.
const CHANNEL: &str = "mj_hooks";

/// How long a published callback is kept for replicas that were disconnected.
const KEEP: &str = "10 minutes";

/// How often the listener looks up from waiting (to stop, or to see that its connection
/// broke).
const TICK: Duration = Duration::from_millis(100);

/// A bus on PostgreSQL, attached to a process's [`Hooks`]: what they accept is published
/// to every other process attached to the same database, and what the others publish is
/// delivered to them. Dropping it detaches the listener (what the hooks publish fails
/// quietly from then on: the waits fall back on their polls).
///
/// ```no_run
/// use mj_client::Hooks;
/// use mj_client::mj_proto::plan::Hub;
///
/// # fn secret() -> u128 { 7 }
/// let db = mj_postgres::Database::parse("postgres://mj@db.internal/mj")?;
/// // Every replica: the same public URL and secret (behind the load balancer).
/// let hooks = Hooks::new(Hub::new("https://app.example.com", secret())?);
/// let _bus = mj_postgres::PgBus::attach(&db, &hooks)?;
/// // mj_client::Settings::default().hooks(hooks) ... and a receiver that feeds `hooks`.
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PgBus {
    stop: Arc<AtomicBool>,
    listener: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for PgBus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBus").finish_non_exhaustive()
    }
}

/// The publishing half, which the hooks hold.
struct Publisher {
    worker: Worker,
    origin: String,
    published: AtomicU64,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher").field("origin", &self.origin).finish_non_exhaustive()
    }
}

impl HookBus for Publisher {
    fn publish(&self, scope: Option<&str>, body: &[u8]) -> std::io::Result<()> {
        let (origin, scope, body) = (self.origin.clone(), scope.map(str::to_owned), body.to_vec());
        // Now and then, rows older than any replica needs go.
        let prune = self.published.fetch_add(1, Ordering::Relaxed).is_multiple_of(200);
        self.worker
            .call(move |link| {
                link.run(|client| {
                    client.execute(
                        "WITH event AS (INSERT INTO mj_hook_events (origin, scope, body) VALUES ($1, $2, $3) RETURNING id)
                         SELECT pg_notify($4, id::text) FROM event",
                        &[&origin, &scope, &body, &CHANNEL],
                    )
                })?;
                if prune {
                    let query = format!("DELETE FROM mj_hook_events WHERE at < now() - interval '{KEEP}'");
                    link.run(|client| client.execute(&query, &[]))?;
                }
                Ok(())
            })
            .map_err(std::io::Error::from)
    }
}

impl PgBus {
    /// Attaches `hooks` to the bus in `db`: from now on, each callback they accept is
    /// published, and each one another process publishes is delivered to them. Fails when
    /// the database cannot be reached now.
    pub fn attach(db: &Database, hooks: &Hooks) -> Result<Self, DatabaseError> {
        let link = Link::new(db.clone(), Duration::from_secs(10));
        // This attachment's name: what it published is not delivered back to it.
        static ATTACHED: AtomicU64 = AtomicU64::new(0);
        let origin = format!("{}:{}:{:x}", std::process::id(), ATTACHED.fetch_add(1, Ordering::Relaxed), nanos());
        let spawn_error =
            |e: std::io::Error| DatabaseError { database: db.to_string(), message: e.to_string(), transient: false };
        let worker = Worker::start(link, "mj-postgres-publish").map_err(spawn_error)?;
        // Every query on threads of their own: this may be called from async code, where
        // the blocking driver must not start its runtime.
        worker.call(schema::migrate)?;
        // Listening before the hooks publish, so that nothing published after attach is
        // missed; the first read starts from what is there now.
        let mut listener = Listener::new(db.clone(), origin.clone(), hooks.clone());
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let (listening, first) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("mj-postgres-listen".to_owned())
            .spawn(move || {
                let connected = listener.connect().map_err(|e| listener.db.failure(&e));
                let ok = connected.is_ok();
                let _ = listening.send(connected);
                if ok {
                    listener.serve(&stopping);
                }
            })
            .map_err(spawn_error)?;
        let gone =
            || DatabaseError { database: db.to_string(), message: "its listener stopped".to_owned(), transient: false };
        first.recv().map_err(|_| gone())??;
        let publisher = Publisher { worker, origin, published: AtomicU64::new(0) };
        let _ = hooks.clone().with_bus(Arc::new(publisher));
        Ok(Self { stop, listener: Some(thread) })
    }
}

impl Drop for PgBus {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.listener.take() {
            let _ = thread.join();
        }
    }
}

fn nanos() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos())
}

/// The listening half: its own connection, and what it delivered.
struct Listener {
    db: Database,
    origin: String,
    hooks: Hooks,
    client: Option<postgres::Client>,
    /// The oldest transaction open at the last read: events written by it or later are
    /// read again, so one committed late is not missed.
    seen_from: Option<i64>,
    /// Events read since `seen_from`, with their transaction, not to deliver twice.
    delivered: HashMap<i64, i64>,
}

impl Listener {
    fn new(db: Database, origin: String, hooks: Hooks) -> Self {
        Self { db, origin, hooks, client: None, seen_from: None, delivered: HashMap::new() }
    }

    /// Connects and listens; the first time, starts from the events there are now.
    fn connect(&mut self) -> Result<(), postgres::Error> {
        let mut client = self.db.connect()?;
        client.batch_execute(&format!("LISTEN {CHANNEL}"))?;
        if self.seen_from.is_none() {
            let now = oldest_open(&mut client)?;
            let known = client.query(
                "SELECT id, xid::text::bigint FROM mj_hook_events WHERE xid >= $1::bigint::text::xid8",
                &[&now],
            )?;
            self.delivered = known.iter().map(|row| (row.get(0), row.get(1))).collect();
            self.seen_from = Some(now);
        }
        self.client = Some(client);
        Ok(())
    }

    /// Delivers what was published since the last read (by the other processes).
    fn catch_up(&mut self) -> Result<(), postgres::Error> {
        let Some(client) = &mut self.client else { return Ok(()) };
        let mut tx = client.transaction()?;
        let rows = tx.query(
            "SELECT id, xid::text::bigint, origin, scope, body FROM mj_hook_events
             WHERE $1::bigint IS NULL OR xid >= $1::bigint::text::xid8 ORDER BY id",
            &[&self.seen_from],
        )?;
        let next = oldest_open(&mut tx)?;
        tx.commit()?;
        for row in &rows {
            let (id, xid, origin): (i64, i64, &str) = (row.get(0), row.get(1), row.get(2));
            if self.delivered.insert(id, xid).is_some() || origin == self.origin {
                continue;
            }
            let scope: Option<&str> = row.get(3);
            let _ = self.hooks.deliver(scope, row.get::<_, &[u8]>(4));
        }
        self.seen_from = Some(next);
        self.delivered.retain(|_, xid| *xid >= next);
        Ok(())
    }

    /// Waits for announcements until `stop`, reconnecting (and catching up) whenever the
    /// connection breaks.
    fn serve(mut self, stop: &AtomicBool) {
        while !stop.load(Ordering::Relaxed) {
            if self.client.is_none() {
                if self.connect().and_then(|()| self.catch_up()).is_err() {
                    self.client = None;
                    std::thread::sleep(TICK * 5);
                }
                continue;
            }
            let Some(client) = &mut self.client else { continue };
            // One announcement is enough: the read takes every new row.
            let (heard, broken) = match client.notifications().timeout_iter(TICK).next() {
                Ok(Some(_)) => (true, false),
                Ok(None) => (false, false),
                Err(_) => (false, true),
            };
            if broken || client.is_closed() {
                self.client = None;
                continue;
            }
            if heard && self.catch_up().is_err() {
                self.client = None;
            }
        }
    }
}
