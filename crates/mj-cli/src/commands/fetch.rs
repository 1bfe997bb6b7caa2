//! `mj fetch TASK...`: tasks by id (one fetch, or one batch request), or in a pool by
//! handle (`name:id`) from the member that owns each.

use mj_proto::model::TaskHandle;
use mj_proto::prelude::*;
use serde_json::json;

use crate::cli::FetchArgs;
use crate::exit::{self, Failure};
use crate::output;
use crate::session::Session;

/// Runs `mj fetch`.
pub(crate) fn run(s: &Session, args: FetchArgs) -> Result<u8, Failure> {
    let FetchArgs { ids } = args;
    let mut found: Vec<Task> = Vec::new();
    let mut unknown: Vec<String> = Vec::new();
    if s.client().server_names().len() < 2 && ids.len() > 1 {
        // Several on one server: one batch request (or per-id fetches where it lacks it).
        let located: Vec<TaskHandle> = ids.iter().map(|id| s.locate(id)).collect::<Result<_, _>>()?;
        let tasks = s.client().tasks(&located)?;
        for (arg, at) in ids.iter().zip(&located) {
            match tasks.iter().find(|t| t.id == at.id) {
                Some(task) => found.push(task.clone()),
                None => unknown.push(arg.clone()),
            }
        }
    } else {
        // One id (GET fetch, which every server has), or each task on its pool member.
        for id in &ids {
            match s.locate(id) {
                Ok(at) => match s.client().fetch(&at)? {
                    Some(task) => found.push(task),
                    None => unknown.push(id.clone()),
                },
                Err(e) if e.code == exit::REFUSED => unknown.push(id.clone()),
                Err(e) => return Err(e),
            }
        }
    }
    if s.json {
        let tasks: Vec<serde_json::Value> = found.iter().map(|t| s.task_json(t)).collect();
        output::result(json!({"tasks": tasks, "unknown": unknown}));
    } else {
        for task in &found {
            s.show(task);
        }
    }
    for id in &unknown {
        eprintln!("mj: the server does not know task {}", crate::terminal::clean(id));
    }
    Ok(if unknown.is_empty() { exit::OK } else { exit::REFUSED })
}
