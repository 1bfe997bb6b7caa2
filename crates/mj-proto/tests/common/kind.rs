//! What each kind of answer decodes to, through the parse a client uses (the CLI's
//! `mj parse` does the same for its users): the fixture snapshots and the property tests
//! run every kind over the same bodies.

use std::fmt;

use mj_proto::endpoint::{Fetch, ImageSeed, Imagine, ListTasks, Query, UploadDiscordImages};
use mj_proto::model::Quirk;
use mj_proto::{Error, HttpResponse, Task, webhook};
use serde_json::Value;

use super::Answer;

/// Which endpoint's parse to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BodyKind {
    /// `GET /mj/task/{id}/fetch`: one task, or `null` when not found.
    Task,
    /// `POST /mj/task/list-by-condition`: an array of tasks.
    Tasks,
    /// Any task-creating submit (imagine, action, …).
    Submit,
    /// `POST /mj/task/query`: a page of tasks.
    Page,
    /// A notifyHook callback body.
    Notification,
    /// `GET /mj/task/{id}/image-seed`.
    Seed,
    /// `POST /mj/submit/upload-discord-images`.
    Upload,
}

impl BodyKind {
    /// Every kind, in the order the help text lists them.
    pub const ALL: [BodyKind; 7] =
        [Self::Task, Self::Tasks, Self::Submit, Self::Page, Self::Notification, Self::Seed, Self::Upload];

    /// The kind's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Task => "task",
            Self::Tasks => "tasks",
            Self::Submit => "submit",
            Self::Page => "page",
            Self::Notification => "notification",
            Self::Seed => "seed",
            Self::Upload => "upload",
        }
    }
}

impl fmt::Display for BodyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Parses `response` as a client would for `kind`, and renders the result as JSON.
pub fn decode(kind: BodyKind, response: HttpResponse) -> Result<Value, Error> {
    let value = match kind {
        BodyKind::Task => serde_json::to_value(any_task_of(response)?),
        BodyKind::Tasks => serde_json::to_value(ListTasks::new().answer(response)?),
        BodyKind::Submit => serde_json::to_value(Imagine::new("-").answer(response)?),
        BodyKind::Page => serde_json::to_value(Query::new().answer(response)?),
        BodyKind::Notification => serde_json::to_value(webhook::parse(response.body())?),
        BodyKind::Seed => serde_json::to_value(ImageSeed::new("-").answer(response)?),
        BodyKind::Upload => serde_json::to_value(UploadDiscordImages::new(["-"]).answer(response)?),
    };
    Ok(value.expect("the model renders to JSON"))
}

/// The members of the tasks in `response` kept in an odd shape, paths prefixed with the
/// entry's index in lists and pages.
pub fn quirks(kind: BodyKind, response: HttpResponse) -> Vec<Quirk> {
    let indexed = |tasks: Vec<Task>| -> Vec<Quirk> {
        let each = tasks.iter().enumerate();
        each.flat_map(|(i, t)| t.quirks().iter().cloned().map(move |q| q.within(&format!("[{i}]")))).collect()
    };
    match kind {
        BodyKind::Task => any_task_of(response).ok().flatten().map(|t| t.quirks().to_vec()).unwrap_or_default(),
        BodyKind::Tasks => ListTasks::new().answer(response).map(indexed).unwrap_or_default(),
        BodyKind::Page => Query::new().answer(response).map(|p| indexed(p.content)).unwrap_or_default(),
        BodyKind::Notification => webhook::parse(response.body()).map(|t| t.quirks().to_vec()).unwrap_or_default(),
        BodyKind::Submit | BodyKind::Seed | BodyKind::Upload => Vec::new(),
    }
}

/// A fetch answer's task whatever its id (a second parse asks for the id it holds).
fn any_task_of(response: HttpResponse) -> Result<Option<Task>, Error> {
    match Fetch::new("-").answer(response.clone()) {
        Err(Error::ForeignTask { got, .. }) => Fetch::new(&*got).answer(response),
        other => other,
    }
}
