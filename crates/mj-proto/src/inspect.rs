//! What mj makes of a response body: runs it through the parse a client uses for one kind
//! of answer and renders the typed result as normalised JSON. Behind the `decode` example
//! and the CLI's `mj parse`.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;
use serde_json::Value;

use crate::endpoint::{Endpoint, ImageSeed, Imagine, Query, UploadDiscordImages};
use crate::error::Error;
use crate::webhook;
use crate::wire::HttpResponse;

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

impl FromStr for BodyKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|k| k.name() == s).ok_or_else(|| {
            let names: Vec<_> = Self::ALL.iter().map(|k| k.name()).collect();
            format!("unknown kind `{s}`: use one of {}", names.join(", "))
        })
    }
}

/// Parses `response` as a client would for `kind`, and renders the result as JSON in the
/// servers' camelCase shape with the values normalised.
pub fn decode(kind: BodyKind, response: HttpResponse) -> Result<Value, Error> {
    match kind {
        BodyKind::Task => render(crate::endpoint::shapes::task_or_none(response)?),
        BodyKind::Tasks => render(crate::endpoint::shapes::task_list(response, "task list")?),
        BodyKind::Submit => render(Imagine::new("-").parse(response)?),
        BodyKind::Page => render(Query::new().parse(response)?),
        BodyKind::Notification => render(webhook::parse(response.body())?),
        BodyKind::Seed => render(ImageSeed::new("-").parse(response)?),
        BodyKind::Upload => render(UploadDiscordImages::new(["-"]).parse(response)?),
    }
}

/// The members of the tasks in `response` (parsed as for `kind`) that had a shape mj does
/// not read, each kept as sent: what `mj parse` names on stderr. A list's and a page's
/// paths start with the entry's index (`[3].buttons[0].emoji`).
pub fn quirks(kind: BodyKind, response: HttpResponse) -> Vec<crate::model::Quirk> {
    let indexed = |tasks: Vec<crate::Task>| -> Vec<crate::model::Quirk> {
        let mut out = Vec::new();
        for (i, task) in tasks.iter().enumerate() {
            out.extend(task.quirks().iter().cloned().map(|q| q.within(&format!("[{i}]"))));
        }
        out
    };
    match kind {
        BodyKind::Task => crate::endpoint::shapes::task_or_none(response)
            .ok()
            .flatten()
            .map(|t| t.quirks().to_vec())
            .unwrap_or_default(),
        BodyKind::Tasks => crate::endpoint::shapes::task_list(response, "task list").map(indexed).unwrap_or_default(),
        BodyKind::Page => Query::new().parse(response).map(|p| indexed(p.content)).unwrap_or_default(),
        BodyKind::Notification => webhook::parse(response.body()).map(|t| t.quirks().to_vec()).unwrap_or_default(),
        BodyKind::Submit | BodyKind::Seed | BodyKind::Upload => Vec::new(),
    }
}

fn render<T: Serialize>(value: T) -> Result<Value, Error> {
    // The model's Serialize impls only write strings, numbers, bools and maps with string
    // keys, which cannot fail to become a `Value`; fall back to null rather than panic.
    Ok(serde_json::to_value(value).unwrap_or(Value::Null))
}
