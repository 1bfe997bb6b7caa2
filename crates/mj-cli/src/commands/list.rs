//! `mj list`: the server's tasks, a page at a time, newest first.

use mj_proto::prelude::*;
use serde_json::json;

use crate::cli::StatusArg;
use crate::exit::{self, Failure};
use crate::output;
use crate::render;
use crate::session::Session;

pub(crate) fn run(s: &Session, status: Option<StatusArg>, page: u32, size: u32) -> Result<u8, Failure> {
    let status = status.map(|st| match st {
        StatusArg::NotStart => TaskStatus::NotStart,
        StatusArg::Submitted => TaskStatus::Submitted,
        StatusArg::InProgress => TaskStatus::InProgress,
        StatusArg::Modal => TaskStatus::Modal,
        StatusArg::Success => TaskStatus::Success,
        StatusArg::Failure => TaskStatus::Failure,
        StatusArg::Cancel => TaskStatus::Cancel,
    });
    let mut query = Query::new().page(page, size.clamp(1, 100));
    if let Some(status) = status.clone() {
        query = query.status(status);
    }
    let (tasks, more) = match s.single()?.query(&query) {
        Ok(page) => {
            let more = !page.is_last();
            (page.content, more)
        }
        // No paged query on this server: page the plain list here.
        Err(e) if e.kind() == ErrorKind::Unexpected => {
            let all: Vec<Task> =
                s.single()?.list()?.into_iter().filter(|t| status.as_ref().is_none_or(|st| &t.status == st)).collect();
            let start = page as usize * size as usize;
            let more = all.len() > start + size as usize;
            (all.into_iter().skip(start).take(size as usize).collect(), more)
        }
        Err(e) => return Err(e.into()),
    };
    let tasks: Vec<Task> = tasks.iter().map(|t| s.shown(t)).collect();
    if s.json {
        output::result(json!({"tasks": tasks, "page": page, "size": size, "more": more}));
        return Ok(exit::OK);
    }
    for task in &tasks {
        println!("{}", render::list_line(task));
    }
    match (tasks.is_empty(), more) {
        (true, _) => eprintln!("no tasks on page {page}"),
        (false, true) => eprintln!("page {page}; more: mj list --page {}", page + 1),
        (false, false) => eprintln!("page {page}; the last one"),
    }
    Ok(exit::OK)
}
