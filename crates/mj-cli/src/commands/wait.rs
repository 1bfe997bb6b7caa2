//! `mj wait ID...`: wait for tasks, with progress, and show them.

use mj_proto::prelude::*;
use serde_json::json;

use crate::exit::{self, Failure};
use crate::output;
use crate::progress::Progress;
use crate::session::Session;

pub(crate) fn run(s: &Session, ids: &[String]) -> Result<u8, Failure> {
    crate::interrupt::waiting_for_all(ids);
    let mut progress = Progress::new(s.json);
    let report = s.client.watch(ids.to_vec(), |task| progress.update(&s.client.config().redact_task(task.clone())));
    progress.finish();
    let report = report?;
    if s.json {
        let finished: Vec<Task> = report.finished.iter().map(|t| s.redacted(t)).collect();
        let unfinished: Vec<Task> = report.unfinished.iter().map(|t| s.redacted(t)).collect();
        output::result(json!({
            "finished": finished, "unfinished": unfinished, "unknown": report.unknown, "unseen": report.unseen,
        }));
    } else {
        for task in &report.finished {
            s.show(task);
        }
    }
    for task in &report.unfinished {
        eprintln!(
            "mj: gave up waiting for task {} ({} {})",
            task.id,
            task.status,
            task.progress.as_deref().unwrap_or("")
        );
    }
    for id in &report.unknown {
        eprintln!("mj: the server does not know task {}", crate::terminal::clean(id));
    }
    for id in &report.unseen {
        eprintln!("mj: timed out before the server said anything about task {}", crate::terminal::clean(id));
    }
    Ok(if !report.unfinished.is_empty() || !report.unseen.is_empty() {
        exit::GAVE_UP
    } else if !report.unknown.is_empty() {
        exit::REFUSED
    } else if report.all_succeeded() {
        exit::OK
    } else {
        exit::TASK_FAILED
    })
}
