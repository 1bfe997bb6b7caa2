//! A database as mj names it (a `postgres://` URL, never shown with its password) and a
//! link to it that rides out the database's own failures: a restart, a dropped
//! connection, a full disk. Work on a link is retried, on a fresh connection, for as long
//! as its patience lasts; an error in the work itself (SQL, a constraint) is not retried.

use std::fmt;
use std::str::FromStr;
use std::time::{Duration, Instant};

use postgres::config::Host;
use postgres::{Client, NoTls};

/// How long connecting may take before the try counts as failed.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A PostgreSQL database: where it is and how to log in.
///
/// `Display` and `Debug` show it without its password (`postgres://mj@db.internal:5432/mj`),
/// so it can be named in messages and logs.
///
/// ```
/// let db = mj_postgres::Database::parse("postgres://mj:s3cret@db.internal/mj")?;
/// assert_eq!(db.to_string(), "postgres://mj@db.internal:5432/mj");
/// assert!(!format!("{db:?}").contains("s3cret"));
/// # Ok::<(), mj_postgres::DatabaseError>(())
/// ```
#[derive(Clone)]
pub struct Database {
    config: postgres::Config,
    shown: String,
}

/// Why a database cannot be used: a connection string that does not read, or a database
/// that failed (and did not heal within the patience given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatabaseError {
    /// The database, without its password.
    pub database: String,
    /// What went wrong.
    pub message: String,
    /// True when it may heal by itself (the server restarting, a dropped connection, a
    /// full disk): what was asked was not done, and can be asked again.
    pub transient: bool,
}

impl fmt::Display for DatabaseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the database {}: {}", self.database, self.message)
    }
}

impl std::error::Error for DatabaseError {}

impl From<DatabaseError> for std::io::Error {
    fn from(error: DatabaseError) -> Self {
        std::io::Error::other(error.to_string())
    }
}

impl Database {
    /// Reads a connection string: a `postgres://` (or `postgresql://`) URL, or libpq's
    /// `key=value` form. TLS is not spoken: a string that requires it
    /// (`sslmode=require`) is refused here rather than at the first connection.
    pub fn parse(text: &str) -> Result<Self, DatabaseError> {
        let bad = |message: String| DatabaseError { database: shown_raw(text), message, transient: false };
        let config = postgres::Config::from_str(text).map_err(|e| bad(format!("not a connection string: {e}")))?;
        if config.get_ssl_mode() == postgres::config::SslMode::Require {
            return Err(bad(
                "sslmode=require asks for TLS, which mj does not speak to PostgreSQL: reach the database over a private network, a Unix socket or a tunnel".to_owned(),
            ));
        }
        let shown = shown(&config);
        Ok(Self { config, shown })
    }

    /// Whether `text` names a PostgreSQL database (a `postgres://` or `postgresql://`
    /// URL) rather than a file.
    pub fn is_url(text: &str) -> bool {
        let lower = text.trim_start().to_ascii_lowercase();
        lower.starts_with("postgres://") || lower.starts_with("postgresql://")
    }

    /// A new connection.
    pub(crate) fn connect(&self) -> Result<Client, postgres::Error> {
        let mut config = self.config.clone();
        config.connect_timeout(CONNECT_TIMEOUT);
        if config.get_application_name().is_none() {
            config.application_name("mj");
        }
        config.connect(NoTls)
    }

    /// A failure of this database in words (never the password).
    pub(crate) fn failure(&self, error: &postgres::Error) -> DatabaseError {
        DatabaseError { database: self.shown.clone(), message: error.to_string(), transient: transient(error) }
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.shown)
    }
}

impl fmt::Debug for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Database").field(&self.shown).finish()
    }
}

/// `postgres://USER@HOST:PORT/DB`, from what the string says (no password, no options).
fn shown(config: &postgres::Config) -> String {
    let user = config.get_user().map(|u| format!("{u}@")).unwrap_or_default();
    let ports = config.get_ports();
    let hosts: Vec<String> = config
        .get_hosts()
        .iter()
        .enumerate()
        .map(|(i, host)| {
            let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
            match host {
                Host::Tcp(name) => format!("{name}:{port}"),
                Host::Unix(path) => format!("{}:{port}", path.display()),
            }
        })
        .collect();
    let db = config.get_dbname().unwrap_or("");
    format!("postgres://{user}{}/{db}", hosts.join(","))
}

/// A string that did not parse, shown without anything that may be a password: the
/// scheme and what follows the last `@` up to the first `/` or `?`.
fn shown_raw(text: &str) -> String {
    let rest = text.split_once("://").map_or(text, |(_, rest)| rest);
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    let host: String = host.chars().take_while(|c| !matches!(c, '/' | '?' | ' ')).take(100).collect();
    format!("postgres://{host}/…")
}

/// True for failures that may heal by themselves: a connection that broke or could not
/// be made, a server shutting down or starting, resources (disk, memory, connections)
/// running out, a transaction that lost a race.
pub(crate) fn transient(error: &postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    match error.code() {
        Some(code) => {
            let code = code.code();
            ["08", "53", "57P", "58"].iter().any(|class| code.starts_with(class)) || matches!(code, "40001" | "40P01")
        }
        // No SQLSTATE: the socket (refused, reset, timed out).
        None => std::error::Error::source(error).is_some_and(|s| s.is::<std::io::Error>()),
    }
}

/// A connection that is made again when it breaks.
pub(crate) struct Link {
    db: Database,
    client: Option<Client>,
    /// How long work may keep failing transiently before the failure is returned.
    pub(crate) patience: Duration,
}

impl Link {
    /// A link to `db` (connected at the first work).
    pub(crate) fn new(db: Database, patience: Duration) -> Self {
        Self { db, client: None, patience }
    }

    /// The database, for messages.
    pub(crate) fn database(&self) -> &Database {
        &self.db
    }

    /// Does `work` once, on a connection made if need be. A transient failure drops the
    /// connection, so that the next work makes a new one.
    pub(crate) fn once<R>(
        &mut self,
        work: impl FnOnce(&mut Client) -> Result<R, postgres::Error>,
    ) -> Result<R, DatabaseError> {
        let client = match &mut self.client {
            Some(client) if !client.is_closed() => client,
            _ => {
                self.client = None;
                self.client.insert(self.db.connect().map_err(|e| self.db.failure(&e))?)
            }
        };
        work(client).map_err(|e| {
            let failure = self.db.failure(&e);
            if failure.transient {
                self.client = None;
            }
            failure
        })
    }

    /// Does `work` until it succeeds, fails for good, or has failed transiently for the
    /// link's patience (waiting a little longer after each failure, at most 2 s).
    /// `work` must be safe to do again after a failure (a transaction, or idempotent).
    pub(crate) fn run<R>(
        &mut self,
        mut work: impl FnMut(&mut Client) -> Result<R, postgres::Error>,
    ) -> Result<R, DatabaseError> {
        let patience = self.patience;
        patiently(patience, || self.once(&mut work))
    }
}

/// Makes `attempt` until it succeeds, fails for good, or has failed transiently for
/// `patience`, waiting a little longer after each failure (at most 2 s): the one retry of
/// the database's failures, for a link's work and for a pacing claim alike.
pub(crate) fn patiently<R>(
    patience: Duration,
    mut attempt: impl FnMut() -> Result<R, DatabaseError>,
) -> Result<R, DatabaseError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(100);
    loop {
        match attempt() {
            Err(e) if e.transient && started.elapsed() + pause < patience => {
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_secs(2));
            }
            done => return done,
        }
    }
}

/// The oldest transaction still open, as a number: rows written by it or later
/// (`xid >= this`) are read again at the next read, so a write committed late is never
/// missed.
pub(crate) fn oldest_open(client: &mut impl postgres::GenericClient) -> Result<i64, postgres::Error> {
    Ok(client.query_one("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint", &[])?.get(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_is_never_shown() {
        for text in [
            "postgres://mj:hunter2@db.internal:6543/jobs",
            "postgresql://mj:hunter2@db.internal/jobs?connect_timeout=3",
            "host=db.internal user=mj password=hunter2 dbname=jobs",
        ] {
            let db = Database::parse(text).expect("reads");
            for shown in [db.to_string(), format!("{db:?}")] {
                assert!(!shown.contains("hunter2"), "{shown}");
                assert!(shown.contains("db.internal") && shown.contains("jobs"), "{shown}");
            }
        }
        let bad = Database::parse("postgres://mj:hunter2@db.internal:notaport/jobs").expect_err("a bad port");
        assert!(!bad.to_string().contains("hunter2"), "{bad}");
        assert!(!bad.transient);
        let tls = Database::parse("postgres://mj:hunter2@db/jobs?sslmode=require").expect_err("no TLS");
        assert!(tls.message.contains("TLS") && !tls.to_string().contains("hunter2"), "{tls}");
        assert!(Database::is_url("postgres://x/y") && Database::is_url("PostgreSQL://x") && !Database::is_url("out/j"));
    }
}
