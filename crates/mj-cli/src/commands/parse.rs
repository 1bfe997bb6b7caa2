//! `mj parse KIND [FILE]`: what mj makes of a response body. It runs the body through the
//! parse a client uses for one kind of answer (the same door, `Config::parse`) and prints
//! the typed result as normalised JSON, and on stderr each member it kept in an odd shape.

use std::fmt;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;

use mj_proto::endpoint::{Fetch, ImageSeed, Imagine, ListTasks, Query, UploadDiscordImages};
use mj_proto::model::Quirk;
use mj_proto::{Config, Error, HttpResponse, Task, webhook};
use serde::Serialize;
use serde_json::{Value, json};

use crate::exit::{self, Failure};
use crate::output;

/// Which endpoint's parse to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub(super) enum BodyKind {
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
    pub(super) const ALL: [BodyKind; 7] =
        [Self::Task, Self::Tasks, Self::Submit, Self::Page, Self::Notification, Self::Seed, Self::Upload];

    /// The kind's name on the command line.
    pub(super) fn name(self) -> &'static str {
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
pub(crate) fn decode(kind: BodyKind, response: HttpResponse) -> Result<Value, Error> {
    let config = door();
    match kind {
        BodyKind::Task => render(any_task(&config, response)?),
        BodyKind::Tasks => render(config.parse(&ListTasks::new(), response)?),
        BodyKind::Submit => render(config.parse(&Imagine::new("-"), response)?),
        BodyKind::Page => render(config.parse(&Query::new(), response)?),
        BodyKind::Notification => render(webhook::parse(response.body())?),
        BodyKind::Seed => render(config.parse(&ImageSeed::new("-"), response)?),
        BodyKind::Upload => render(config.parse(&UploadDiscordImages::new(["-"]), response)?),
    }
}

/// The members of the tasks in `response` (parsed as for `kind`) that had a shape mj does
/// not read, each kept as sent. A list's and a page's paths start with the entry's index
/// (`[3].buttons[0].emoji`).
pub(crate) fn quirks(kind: BodyKind, response: HttpResponse) -> Vec<Quirk> {
    let indexed = |tasks: Vec<Task>| -> Vec<Quirk> {
        let mut out = Vec::new();
        for (i, task) in tasks.iter().enumerate() {
            out.extend(task.quirks().iter().cloned().map(|q| q.within(&format!("[{i}]"))));
        }
        out
    };
    let config = door();
    match kind {
        BodyKind::Task => any_task(&config, response).ok().flatten().map(|t| t.quirks().to_vec()).unwrap_or_default(),
        BodyKind::Tasks => config.parse(&ListTasks::new(), response).map(indexed).unwrap_or_default(),
        BodyKind::Page => config.parse(&Query::new(), response).map(|p| indexed(p.content)).unwrap_or_default(),
        BodyKind::Notification => webhook::parse(response.body()).map(|t| t.quirks().to_vec()).unwrap_or_default(),
        BodyKind::Submit | BodyKind::Seed | BodyKind::Upload => Vec::new(),
    }
}

/// A config for a server without a key: the parse is the same for every server.
fn door() -> Config {
    Config::new("http://127.0.0.1").unwrap_or_else(|_| unreachable!("a constant, valid base URL"))
}

/// The task in a fetch answer, whatever its id: a fetch answered with another id is
/// refused with the id the server sent ([`Error::ForeignTask`]), which the second parse
/// then asks for.
fn any_task(config: &Config, response: HttpResponse) -> Result<Option<Task>, Error> {
    match config.parse(&Fetch::new("-"), response.clone()) {
        Err(Error::ForeignTask { got, .. }) => config.parse(&Fetch::new(&*got), response),
        other => other,
    }
}

fn render<T: Serialize>(value: T) -> Result<Value, Error> {
    // The model's Serialize impls only write strings, numbers, bools and maps with string
    // keys, which cannot fail to become a `Value`; fall back to null rather than panic.
    Ok(serde_json::to_value(value).unwrap_or(Value::Null))
}

/// Runs `mj parse`.
pub(crate) fn run(kind: &str, file: Option<&Path>, status: u16, json: bool) -> Result<u8, Failure> {
    let kind: BodyKind = kind.parse().map_err(Failure::usage)?;
    let body = match file {
        Some(path) => {
            std::fs::read(path).map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?
        }
        None => {
            let mut body = Vec::new();
            std::io::stdin().read_to_end(&mut body).map_err(|e| Failure::usage(format!("cannot read stdin: {e}")))?;
            body
        }
    };
    let response = mj_proto::http::Response::builder()
        .status(status)
        .body(body)
        .map_err(|_| Failure::usage(format!("{status} is not an HTTP status")))?;
    let quirks = quirks(kind, response.clone());
    // A fetch answer that holds no task prints `null`; say which form of "not found" it was.
    let no_task = match kind {
        BodyKind::Task => Fetch::why_none(response.clone()).map(|why| crate::terminal::clean(&why.to_string())),
        _ => None,
    };
    let value = decode(kind, response)?;
    for quirk in quirks {
        eprintln!("mj: {}", crate::terminal::clean(&quirk.to_string()));
    }
    if let Some(why) = &no_task {
        eprintln!("mj: no task: a client reads this answer as \"no such task\" (fetch returns None): {why}");
    }
    if json {
        output::result(json!({"decoded": value, "noTask": no_task}));
    } else {
        println!("{}", serde_json::to_string_pretty(&value).unwrap_or_default());
    }
    Ok(exit::OK)
}
