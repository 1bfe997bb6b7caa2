//! `mj wait TASK...`: wait for tasks, with progress, and show them. In a pool, each task
//! (`name:id`, or an id one member knows) is followed on its member: one list request per
//! member per round.

use mj_proto::model::TaskHandle;
use mj_proto::prelude::*;
use serde_json::json;

use crate::exit::{self, Failure};
use crate::output;
use crate::progress::Progress;
use crate::session::Session;

/// What a wait found, each task with the member that has it.
#[derive(Default)]
struct Outcome {
    finished: Vec<(Option<String>, Task)>,
    unfinished: Vec<(Option<String>, Task)>,
    unknown: Vec<String>,
    unseen: Vec<String>,
}

pub(crate) fn run(s: &Session, ids: &[String]) -> Result<u8, Failure> {
    crate::interrupt::waiting_for_all(ids);
    let mut progress = Progress::new(s.json);
    let outcome = match s.pool() {
        None => {
            let located: Vec<_> = ids.iter().map(|id| s.locate(id)).collect::<Result<_, _>>()?;
            let server = located.first().and_then(|at| at.server.clone());
            let report = s.single()?.watch(located.iter().map(|at| at.id.clone()), |task| {
                progress.update(&s.shown(server.as_deref(), task))
            });
            progress.finish();
            let report = report?;
            let at = |tasks: Vec<Task>| tasks.into_iter().map(|t| (server.clone(), t)).collect();
            Outcome {
                finished: at(report.finished),
                unfinished: at(report.unfinished),
                unknown: report.unknown,
                unseen: report.unseen,
            }
        }
        Some(pool) => {
            let mut outcome = Outcome::default();
            let mut handles = Vec::new();
            for id in ids {
                match s.locate(id) {
                    Ok(at) => handles.push(TaskHandle::new(at.server.unwrap_or_default(), at.id)),
                    Err(e) if e.code == exit::REFUSED => outcome.unknown.push(id.clone()),
                    Err(e) => return Err(e),
                }
            }
            let report = pool.watch(&handles, |handle, task| progress.update(&s.shown(Some(&handle.server), task)));
            progress.finish();
            let report = report?;
            let at = |tasks: Vec<(TaskHandle, Task)>| tasks.into_iter().map(|(h, t)| (Some(h.server), t)).collect();
            outcome.finished = at(report.finished);
            outcome.unfinished = at(report.unfinished);
            outcome.unknown.extend(report.unknown.iter().map(ToString::to_string));
            outcome.unseen = report.unseen.iter().map(ToString::to_string).collect();
            for (server, error) in &report.failed {
                eprintln!("mj: could not follow the tasks on {server}: {error}");
            }
            outcome
        }
    };
    report(s, &outcome)
}

/// Shows what the wait found; the exit code says the worst of it.
fn report(s: &Session, outcome: &Outcome) -> Result<u8, Failure> {
    if s.json {
        let tasks = |list: &[(Option<String>, Task)]| -> Vec<serde_json::Value> {
            list.iter().map(|(server, t)| s.task_json(server.as_deref(), t)).collect()
        };
        output::result(json!({
            "finished": tasks(&outcome.finished), "unfinished": tasks(&outcome.unfinished),
            "unknown": outcome.unknown, "unseen": outcome.unseen,
        }));
    } else {
        for (server, task) in &outcome.finished {
            s.show(server.as_deref(), task);
        }
    }
    for (server, task) in &outcome.unfinished {
        let task = s.shown(server.as_deref(), task);
        eprintln!(
            "mj: gave up waiting for task {} ({} {})",
            task.id,
            task.status,
            task.progress.as_deref().unwrap_or("")
        );
    }
    for id in &outcome.unknown {
        eprintln!("mj: the server does not know task {}", crate::terminal::clean(id));
    }
    for id in &outcome.unseen {
        eprintln!("mj: timed out before the server said anything about task {}", crate::terminal::clean(id));
    }
    let succeeded = outcome.finished.iter().all(|(_, t)| t.status == TaskStatus::Success);
    Ok(if !outcome.unfinished.is_empty() || !outcome.unseen.is_empty() {
        exit::GAVE_UP
    } else if !outcome.unknown.is_empty() {
        exit::REFUSED
    } else if succeeded {
        exit::OK
    } else {
        exit::TASK_FAILED
    })
}
