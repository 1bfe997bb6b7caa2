//! The tables mj keeps in a database, created and migrated by mj itself: each version's
//! step runs once, in order, under an advisory lock (workers starting together migrate
//! once), in the transaction that records the new version.

use postgres::Client;

use crate::database::{DatabaseError, Link};

/// The lock taken while migrating: "mj" in ASCII, as a number.
const MIGRATION_LOCK: i64 = 0x6d6a_0000_0001;

/// Each version's step, in order: version N is `STEPS[..N]` applied.
///
/// Row changes carry the writing transaction's id (`xid`): a worker reads what changed
/// since the oldest transaction that was still open at its last read
/// (`pg_snapshot_xmin`), so a write committed late is never missed, as it would be with
/// a sequence number taken before the commit.
const STEPS: &[&str] = &["
CREATE TABLE mj_batches (
    fingerprint text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE mj_jobs (
    batch text NOT NULL REFERENCES mj_batches (fingerprint) ON DELETE CASCADE,
    item integer NOT NULL,
    step smallint NOT NULL,
    prompt text NOT NULL,
    images jsonb NOT NULL,
    state text NOT NULL,
    token text,
    sent_at_ms bigint,
    server text,
    task_id text,
    reason text,
    files jsonb NOT NULL DEFAULT '[]',
    owner text,
    fence bigint NOT NULL DEFAULT 0,
    lease_until timestamptz,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    PRIMARY KEY (batch, item, step)
);
CREATE INDEX mj_jobs_unfinished ON mj_jobs (batch, item, step) WHERE state NOT IN ('done', 'failed');
CREATE TABLE mj_pacing (server text PRIMARY KEY, tally text NOT NULL);
CREATE TABLE mj_ledger (
    server text NOT NULL,
    task_id text NOT NULL,
    at_ms bigint NOT NULL,
    day bigint NOT NULL,
    action text NOT NULL,
    mode text,
    images bigint NOT NULL,
    estimate bigint NOT NULL,
    outcome text,
    PRIMARY KEY (server, task_id)
);
CREATE TABLE mj_hook_events (
    id bigserial PRIMARY KEY,
    origin text NOT NULL,
    scope text,
    body bytea NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX mj_hook_events_at ON mj_hook_events (at);
"];

/// The version this mj writes.
pub const VERSION: i32 = STEPS.len() as i32;

/// Brings the database to [`VERSION`], creating mj's tables in a database that has none.
/// A database a newer mj migrated further is refused (its tables may mean something this
/// mj does not know).
pub(crate) fn migrate(link: &mut Link) -> Result<(), DatabaseError> {
    let found = link.run(apply)?;
    if found > VERSION {
        return Err(DatabaseError {
            database: link.database().to_string(),
            message: format!("its mj tables are version {found}, newer than this mj's {VERSION}: use a newer mj"),
            transient: false,
        });
    }
    Ok(())
}

/// Applies the missing steps in one transaction; returns the version found.
fn apply(client: &mut Client) -> Result<i32, postgres::Error> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS mj_schema (version integer NOT NULL)")?;
    let found: Option<i32> = tx.query_opt("SELECT version FROM mj_schema", &[])?.map(|row| row.get(0));
    let from = found.unwrap_or(0);
    if from >= VERSION {
        tx.commit()?;
        return Ok(from);
    }
    for step in &STEPS[usize::try_from(from).unwrap_or(0)..] {
        tx.batch_execute(step)?;
    }
    match found {
        Some(_) => tx.execute("UPDATE mj_schema SET version = $1", &[&VERSION])?,
        None => tx.execute("INSERT INTO mj_schema (version) VALUES ($1)", &[&VERSION])?,
    };
    tx.commit()?;
    Ok(from)
}
