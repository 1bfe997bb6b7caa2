//! `mj fetch ID...`: tasks by id (one fetch, or one batch request).

use mj_proto::prelude::*;
use serde_json::json;

use crate::cli::FetchArgs;
use crate::exit::{self, Failure};
use crate::output;
use crate::session::Session;

/// Runs `mj fetch`.
pub(crate) fn run(s: &Session, args: FetchArgs) -> Result<u8, Failure> {
    let FetchArgs { ids } = args;
    // One id: GET fetch, which every server has; several: one batch request (or
    // per-id fetches where the server lacks it).
    let tasks = match ids.as_slice() {
        [id] => s.client.fetch(id)?.into_iter().collect(),
        _ => s.client.tasks(ids.clone())?,
    };
    let unknown: Vec<&String> = ids.iter().filter(|id| !tasks.iter().any(|t| &t.id == *id)).collect();
    if s.json {
        let tasks: Vec<Task> = tasks.iter().map(|t| s.redacted(t)).collect();
        output::result(json!({"tasks": tasks, "unknown": unknown}));
    } else {
        for id in &ids {
            if let Some(task) = tasks.iter().find(|t| &t.id == id) {
                s.show(task);
            }
        }
    }
    for id in unknown {
        eprintln!("mj: the server does not know task {}", crate::terminal::clean(id));
    }
    Ok(if tasks.len() == ids.len() { exit::OK } else { exit::REFUSED })
}
