//! The PostgreSQL database a command shares with the other processes of a deployment:
//! the batch's journal (`--journal postgres://…`, `MJ_JOURNAL`), or the state
//! (`MJ_STATE=postgres://…`). Pacing is kept there, and callbacks are passed through it to
//! whichever process waits. Without the `postgres` feature a database is refused by name.

use std::sync::Arc;

use mj_client::{Hooks, PacingStore};

use crate::exit::Failure;

#[cfg(feature = "postgres")]
pub(crate) use mj_postgres::Database;

/// No database can be named in a build without PostgreSQL.
#[cfg(not(feature = "postgres"))]
#[derive(Clone, Debug)]
pub(crate) enum Database {}

/// Whether `text` names a database rather than a file.
pub(crate) fn is_url(text: &str) -> bool {
    let lower = text.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// The database `text` names (`what` says where it was given).
pub(crate) fn parse(text: &str, what: &str) -> Result<Database, Failure> {
    #[cfg(feature = "postgres")]
    return Database::parse(text).map_err(|e| Failure::usage(format!("{what}: {e}")));
    #[cfg(not(feature = "postgres"))]
    {
        let _ = text;
        Err(Failure::usage(format!("{what}: this mj was built without PostgreSQL (the `postgres` feature)")))
    }
}

/// The database `MJ_STATE` names, when it names one.
pub(crate) fn of_state() -> Result<Option<Database>, Failure> {
    match std::env::var("MJ_STATE") {
        Ok(state) if is_url(&state) => parse(&state, "MJ_STATE").map(Some),
        _ => Ok(None),
    }
}

/// The pacing store in `db`, shared by every process that uses it.
pub(crate) fn pacing(db: &Database) -> Result<Arc<dyn PacingStore>, Failure> {
    #[cfg(feature = "postgres")]
    return mj_postgres::PgPacing::connect(db)
        .map(|store| Arc::new(store) as Arc<dyn PacingStore>)
        .map_err(|e| Failure::io(format!("the pacing state: {e}")));
    #[cfg(not(feature = "postgres"))]
    match *db {}
}

/// Keeps `hooks` on the bus in `db` while it lives.
pub(crate) struct Bus {
    #[cfg(feature = "postgres")]
    _bus: mj_postgres::PgBus,
}

/// Attaches `hooks` to the bus in `db`: the callbacks they take reach the other processes,
/// and theirs reach these hooks.
pub(crate) fn attach(db: &Database, hooks: &Hooks) -> Result<Bus, Failure> {
    #[cfg(feature = "postgres")]
    return mj_postgres::PgBus::attach(db, hooks)
        .map(|bus| Bus { _bus: bus })
        .map_err(|e| Failure::io(format!("the callback bus: {e}")));
    #[cfg(not(feature = "postgres"))]
    {
        let _ = hooks;
        match *db {}
    }
}

/// The hook's secret shared by the replicas of a deployment: `--hook-secret-file`, else
/// `MJ_HOOK_SECRET`; 32 hex digits (`openssl rand -hex 16`). Never shown.
pub(crate) fn hook_secret(file: Option<&std::path::Path>) -> Result<Option<u128>, Failure> {
    let (text, from) = match file {
        Some(path) => (
            std::fs::read_to_string(path)
                .map_err(|e| Failure::usage(format!("cannot read the hook secret file {}: {e}", path.display())))?,
            format!("the hook secret file {}", path.display()),
        ),
        None => match std::env::var("MJ_HOOK_SECRET") {
            Ok(text) if !text.trim().is_empty() => (text, "MJ_HOOK_SECRET".to_owned()),
            _ => return Ok(None),
        },
    };
    let text = text.trim();
    if text.len() != 32 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Failure::usage(format!(
            "{from} must hold 32 hex digits (128 bits; make one with `openssl rand -hex 16`)"
        )));
    }
    u128::from_str_radix(text, 16).map(Some).map_err(|_| Failure::usage(format!("{from}: not hex")))
}
