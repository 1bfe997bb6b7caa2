//! What each kind of answer decodes to, through the parse a client uses (the CLI's
//! `mj parse` does the same for its users): the fixture snapshots and the property tests
//! run every kind over the same bodies.

use mj_proto::endpoint::{Fetch, ImageSeed, Imagine, ListTasks, Query, UploadDiscordImages};
use mj_proto::model::Quirk;
use mj_proto::{Error, HttpResponse, Task, webhook};
use serde_json::Value;

use super::Answer;

/// The kinds of answer, by the name the fixtures and `mj parse` use.
pub(crate) const KINDS: [&str; 7] = ["task", "tasks", "submit", "page", "notification", "seed", "upload"];

/// Parses `response` as a client would for `kind`, and renders the result as JSON.
pub(crate) fn decode(kind: &str, response: HttpResponse) -> Result<Value, Error> {
    let value = match kind {
        "task" => serde_json::to_value(any_task_of(response)?),
        "tasks" => serde_json::to_value(ListTasks::new().answer(response)?),
        "submit" => serde_json::to_value(Imagine::new("-").answer(response)?),
        "page" => serde_json::to_value(Query::new().answer(response)?),
        "notification" => serde_json::to_value(webhook::parse(response.body())?),
        "seed" => serde_json::to_value(ImageSeed::new("-").answer(response)?),
        "upload" => serde_json::to_value(UploadDiscordImages::new(["-"]).answer(response)?),
        other => panic!("no kind of answer `{other}`"),
    };
    Ok(value.expect("the model renders to JSON"))
}

/// The members of the tasks in `response` kept in an odd shape, paths prefixed with the
/// entry's index in lists and pages.
pub(crate) fn quirks(kind: &str, response: HttpResponse) -> Vec<Quirk> {
    let indexed = |tasks: Vec<Task>| -> Vec<Quirk> {
        let each = tasks.iter().enumerate();
        each.flat_map(|(i, t)| t.quirks().iter().cloned().map(move |q| q.within(&format!("[{i}]")))).collect()
    };
    match kind {
        "task" => any_task_of(response).ok().flatten().map(|t| t.quirks().to_vec()).unwrap_or_default(),
        "tasks" => ListTasks::new().answer(response).map(indexed).unwrap_or_default(),
        "page" => Query::new().answer(response).map(|p| indexed(p.content)).unwrap_or_default(),
        "notification" => webhook::parse(response.body()).map(|t| t.quirks().to_vec()).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// A fetch answer's task whatever its id: a fetch for another id is refused with the id
/// the server sent ([`Error::ForeignTask`]), which the second parse then asks for.
pub(crate) fn any_task_of(response: HttpResponse) -> Result<Option<Task>, Error> {
    match Fetch::new("-").answer(response.clone()) {
        Err(Error::ForeignTask { got, .. }) => Fetch::new(&*got).answer(response),
        other => other,
    }
}
