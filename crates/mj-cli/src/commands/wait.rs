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

/// What a wait found.
#[derive(Default)]
struct Outcome {
    finished: Vec<Task>,
    unfinished: Vec<Task>,
    unknown: Vec<String>,
    unseen: Vec<String>,
}

pub(crate) fn run(s: &Session, ids: &[String]) -> Result<u8, Failure> {
    crate::interrupt::waiting_for_all(ids);
    let mut progress = Progress::new(s.json);
    let mut outcome = Outcome::default();
    let mut handles: Vec<TaskHandle> = Vec::new();
    for id in ids {
        match s.locate(id) {
            Ok(at) => handles.push(at),
            Err(e) if e.code == exit::REFUSED => outcome.unknown.push(id.clone()),
            Err(e) => return Err(e),
        }
    }
    // One list request per server per round.
    let report = s.client().watch(&handles, |task| progress.update(&s.shown(task)));
    progress.finish();
    let report = report?;
    outcome.finished = report.finished;
    outcome.unfinished = report.unfinished;
    outcome.unknown.extend(report.unknown.iter().map(ToString::to_string));
    outcome.unseen = report.unseen.iter().map(ToString::to_string).collect();
    for (server, error) in &report.failed {
        eprintln!("mj: could not follow the tasks on {server}: {}", s.redact_text(&error.to_string()));
    }
    report_outcome(s, &outcome)
}

/// Shows what the wait found; the exit code says the worst of it.
fn report_outcome(s: &Session, outcome: &Outcome) -> Result<u8, Failure> {
    if s.json {
        let tasks = |list: &[Task]| -> Vec<serde_json::Value> { list.iter().map(|t| s.task_json(t)).collect() };
        output::result(json!({
            "finished": tasks(&outcome.finished), "unfinished": tasks(&outcome.unfinished),
            "unknown": outcome.unknown, "unseen": outcome.unseen,
        }));
    } else {
        for task in &outcome.finished {
            s.show(task);
        }
    }
    for task in &outcome.unfinished {
        let task = s.shown(task);
        eprintln!(
            "mj: gave up waiting for task {} ({} {})",
            crate::terminal::clean(&task.handle().to_string()),
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
    let succeeded = outcome.finished.iter().all(|t| t.status == TaskStatus::Success);
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
