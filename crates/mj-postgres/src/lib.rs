//! PostgreSQL for mj's workers: what lets several processes (on one machine or many) work
//! as one.
//!
//! - [`PgJournal`]: a batch journal several `mj batch` workers share. Jobs are claimed
//!   with `FOR UPDATE SKIP LOCKED` under a lease; each claim bumps the job's fence and
//!   every write checks it, so a worker whose lease ran out cannot overwrite the new
//!   holder's record; a job whose worker died is taken over when its lease runs out and
//!   resumed by its correlation token on its recorded server.
//! - [`PgPacing`]: the governor's tallies and ledger, so intervals, daily caps and budgets
//!   hold across every worker and replica.
//! - [`PgBus`]: callbacks passed between replicas with `LISTEN/NOTIFY`, so a callback the
//!   load balancer hands to one replica ends the wait in another.
//!
//! mj creates and migrates its tables itself (versioned, [`SCHEMA_VERSION`]). The API key
//! is never stored, and a [`Database`] is never shown with its password. Each part rides
//! out the database's own failures (a restart, a dropped connection, a full disk): work
//! waits and resumes after reconnecting, with nothing lost.
//!
//! The blocking `postgres` client is used throughout; the calls that may come from async
//! code ([`PgPacing`], [`PgBus`]) run on threads of their own, so async and blocking
//! clients use them alike.
#![forbid(unsafe_code)]

mod bus;
mod database;
mod journal;
mod pacing;
mod schema;
mod worker;

pub use bus::PgBus;
pub use database::{Database, DatabaseError};
pub use journal::{DEFAULT_LEASE, DEFAULT_PATIENCE, PgJournal};
pub use pacing::PgPacing;
pub use schema::VERSION as SCHEMA_VERSION;
