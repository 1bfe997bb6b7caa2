//! What each tool does, on mj's blocking client: one call, bounded by its deadline,
//! ending with a task's JSON or a typed tool error.

use std::time::{Duration, Instant};

use mj_client::Client;
use mj_proto::endpoint::{Blend, Describe, Imagine, Press, Query, Submit, Video};
use mj_proto::model::{BlendDimensions, TaskHandle, VideoMotion};
use mj_proto::{Error, Task, TaskStatus, Transport};
use serde_json::{Map, Value, json};

use crate::Options;
use crate::arguments::Arguments;
use crate::catalog::{self, SPENDING, ToolSpec};
use crate::exactly_once::{RequestIds, hold};
use crate::files;
use crate::outcome::{ToolError, task_json};

/// How long a wait lasts when the agent does not say: under the minute many MCP clients
/// give a tool call before they give up on it.
const DEFAULT_WAIT_S: u64 = 50;

/// Who waits for a call: where its progress goes (a percentage and a line), and whether
/// it may wait long (a protocol task, which no request timeout cuts, waits up to the call
/// limit unless it says otherwise).
#[derive(Clone, Copy)]
pub(crate) struct Waiter<'a> {
    pub progress: &'a (dyn Fn(f64, String) + Sync),
    pub patient: bool,
}

/// The tools over one mj client.
#[derive(Debug)]
pub(crate) struct Calls<T> {
    client: Client<T>,
    options: Options,
    ids: RequestIds,
    /// The tools, built once: what the handler lists and what each call is checked by.
    specs: Vec<ToolSpec>,
}

impl<T: Transport> Calls<T> {
    pub(crate) fn new(client: Client<T>, options: Options) -> Self {
        Self { client, options, ids: RequestIds::default(), specs: catalog::tools() }
    }

    /// Every tool, in the order they are listed.
    pub(crate) fn specs(&self) -> &[ToolSpec] {
        &self.specs
    }

    /// Runs tool `name` with `arguments`, telling `progress` how a wait goes.
    pub(crate) fn call(
        &self,
        name: &str,
        arguments: Option<Map<String, Value>>,
        waiter: Waiter<'_>,
    ) -> Result<Value, ToolError> {
        let Some(spec) = self.specs.iter().find(|t| t.name == name) else {
            return Err(ToolError::new(
                "unknown_tool",
                format!("there is no tool `{}`", crate::arguments::shown(name)),
            ));
        };
        if self.options.read_only && SPENDING.contains(&name) {
            return Err(ToolError::new(
                "read_only",
                format!("`{name}` creates a paid task, and mj mcp runs read-only (--read-only or MJ_MCP_READ_ONLY=1)"),
            ));
        }
        let args = Arguments::new(arguments, &catalog::accepted(&spec.schema))?;
        let deadline = Instant::now() + self.options.limit;
        let client = self.client.until(deadline);
        match name {
            "imagine" => self.spend(&client, &args, Imagine::new(args.text("prompt")?), waiter),
            "action" => {
                // Pressed on the server that has the task (found on each, for an id alone).
                let task = self.known(&client, &self.handle(&args.text("task")?)?)?;
                let owner = self.owner(&client, &task);
                let press =
                    Press::named(&task, &args.text("button")?, owner.config().profile()).map_err(|e| self.error(&e))?;
                self.spend(&owner, &args, press, waiter)
            }
            "describe" => {
                let image = files::image_ref(&args.text("image")?, &self.options.read_roots)?;
                self.spend(&client, &args, Describe::new(image), waiter)
            }
            "blend" => {
                let images = args.texts("images")?;
                if !(2..=5).contains(&images.len()) {
                    return Err(ToolError::arguments("`images` takes 2 to 5 images"));
                }
                let images = images
                    .iter()
                    .map(|i| files::image_ref(i, &self.options.read_roots))
                    .collect::<Result<Vec<_>, _>>()?;
                let dimensions = match args.optional_text("dimensions")?.as_deref() {
                    None | Some("square") => BlendDimensions::Square,
                    Some("portrait") => BlendDimensions::Portrait,
                    Some("landscape") => BlendDimensions::Landscape,
                    Some(_) => return Err(ToolError::arguments("`dimensions` is portrait, square or landscape")),
                };
                self.spend(&client, &args, Blend::new(images).dimensions(dimensions), waiter)
            }
            "video" => {
                let prompt = args.text("prompt")?;
                let mut on = client.clone();
                let video = match (args.optional_text("image")?, args.optional_text("extend")?) {
                    (None, Some(task)) => {
                        // Extended on the server that has the video.
                        let task = self.known(&client, &self.handle(&task)?)?;
                        on = self.owner(&client, &task);
                        Video::extend(prompt, task.id, 1)
                    }
                    (Some(image), None) => Video::new(prompt, files::image_ref(&image, &self.options.read_roots)?),
                    _ => {
                        return Err(ToolError::arguments(
                            "give `image` (a start image) or `extend` (a video task), one of them",
                        ));
                    }
                };
                let motion = match args.optional_text("motion")?.as_deref() {
                    None | Some("low") => VideoMotion::Low,
                    Some("high") => VideoMotion::High,
                    Some(_) => return Err(ToolError::arguments("`motion` is low or high")),
                };
                self.spend(&on, &args, video.motion(motion), waiter)
            }
            "task" => {
                let task = self.known(&client, &self.handle(&args.text("task")?)?)?;
                Ok(self.shown(&task, &[]))
            }
            "wait" => {
                let handle = self.handle(&args.text("task")?)?;
                self.finish(&client, &handle, &args, waiter)
            }
            "download" => {
                let task = self.known(&client, &self.handle(&args.text("task")?)?)?;
                if task.status != TaskStatus::Success {
                    return Err(ToolError::new(
                        "not_finished",
                        format!("the task is {}: call wait first", task.status),
                    ));
                }
                let task = client.redact_task(task);
                let saved = files::save_results(&client, &task, &self.options.out)?;
                Ok(task_json(&task, &saved))
            }
            "tasks" => self.recent(&client, &args),
            "servers" => Ok(crate::servers::report(&client, &self.options)),
            _ => Err(ToolError::new("unknown_tool", format!("there is no tool `{name}`"))),
        }
    }

    /// Submits `request` (exactly once for a `request_id`), then finishes as the
    /// arguments say.
    fn spend<S: Submit + Clone>(
        &self,
        client: &Client<T>,
        args: &Arguments,
        mut request: S,
        waiter: Waiter<'_>,
    ) -> Result<Value, ToolError> {
        // Every argument is checked before anything is paid for.
        let wait = args.flag("wait", true)?;
        self.how_to_wait(args, waiter)?;
        let Some(id) = args.request_id()? else {
            let submitted = client.submit(request).map_err(|e| self.error(&e))?;
            return self.after_submit(client, &submitted.handle(), args, wait, false, waiter);
        };
        let slot = self.ids.slot(&id);
        let mut slot = hold(&slot);
        slot.same_call(args.fingerprint(), &id)?;
        let (handle, repeated) = match &slot.task {
            Some(handle) => (handle.clone(), true),
            None => {
                let token = RequestIds::token(&id);
                match self.by_token(client, &token)? {
                    Some(handle) => (handle, true),
                    None => {
                        request.options_mut().state = Some(token);
                        (client.submit(request).map_err(|e| self.error(&e))?.handle(), false)
                    }
                }
            }
        };
        slot.task = Some(handle.clone());
        drop(slot);
        self.after_submit(client, &handle, args, wait, repeated, waiter)
    }

    fn after_submit(
        &self,
        client: &Client<T>,
        handle: &TaskHandle,
        args: &Arguments,
        wait: bool,
        repeated: bool,
        waiter: Waiter<'_>,
    ) -> Result<Value, ToolError> {
        let mut value = if wait {
            self.finish(client, handle, args, waiter)?
        } else {
            json!({"task": handle.to_string(), "status": "SUBMITTED", "next": format!("call wait with task {handle}")})
        };
        if repeated {
            value["repeated"] = true.into();
        }
        Ok(value)
    }

    /// The task of an earlier call with `token` (another process's, or one this process
    /// lost track of), searched for on every server; an error when a server cannot be
    /// searched, since sending then could pay twice.
    fn by_token(&self, client: &Client<T>, token: &str) -> Result<Option<TaskHandle>, ToolError> {
        let found = search(client, &Query::new().with_state(token).page(0, 10)).map_err(|e| {
            ToolError::new(
                "outcome_unknown",
                format!(
                    "cannot search the server for this request_id's task, so nothing was sent (call without request_id to submit anyway): {}",
                    client.redact_text(&e.to_string())
                ),
            )
        })?;
        Ok(found.into_iter().find(|t| t.state.as_deref() == Some(token)).map(|t| t.handle()))
    }

    /// Waits for `handle` up to the call's `timeout_s`, then saves its files: the task, or
    /// what it was doing when the wait ended.
    fn finish(
        &self,
        client: &Client<T>,
        handle: &TaskHandle,
        args: &Arguments,
        waiter: Waiter<'_>,
    ) -> Result<Value, ToolError> {
        let (timeout, download) = self.how_to_wait(args, waiter)?;
        let waiting = client.until(Instant::now() + Duration::from_secs(timeout));
        let mut last = String::new();
        let result = waiting.wait_with(handle, |task| {
            let line = format!("{} {}", task.status, task.progress.as_deref().unwrap_or(""));
            if line != last {
                (waiter.progress)(
                    f64::from(task.progress_percent().unwrap_or(0)),
                    crate::arguments::shown(line.trim()),
                );
                last = line;
            }
        });
        match result {
            Ok(task) => {
                let task = client.redact_task(task);
                let saved = if download { files::save_results(client, &task, &self.options.out)? } else { Vec::new() };
                Ok(task_json(&task, &saved))
            }
            Err(Error::WaitTimeout { last, .. }) => {
                let mut value = match last {
                    Some(task) => self.shown(&task, &[]),
                    None => json!({"task": handle.to_string(), "status": "UNKNOWN"}),
                };
                value["next"] = format!("still running: call wait with task {handle}").into();
                Ok(value)
            }
            Err(Error::NeedsInput(task)) => {
                let mut value = self.shown(&task, &[]);
                value["next"] = "the task waits for input in a dialog (MODAL): answer it with `mj modal`".into();
                Ok(value)
            }
            Err(e) => Err(self.error(&e)),
        }
    }

    /// How long a wait lasts (`timeout_s`, up to the call limit) and whether it saves the
    /// files (`download`).
    fn how_to_wait(&self, args: &Arguments, waiter: Waiter<'_>) -> Result<(u64, bool), ToolError> {
        let limit = self.options.limit.as_secs().max(1);
        let default = if waiter.patient { limit } else { DEFAULT_WAIT_S.min(limit) };
        Ok((args.number("timeout_s", (1, limit), default)?, args.flag("download", true)?))
    }

    /// The handle an agent gave: `SERVER:ID` on a server of this client, an id alone on
    /// the only server (or looked for on each).
    fn handle(&self, text: &str) -> Result<TaskHandle, ToolError> {
        let names = self.client.server_names();
        if names.is_empty() {
            return Ok(TaskHandle::bare(text));
        }
        let handle =
            text.parse::<TaskHandle>().map_err(|e| ToolError::arguments(crate::arguments::shown(&e.to_string())))?;
        match (&handle.server, names.as_slice()) {
            (Some(name), _) if names.contains(&name.as_str()) => Ok(handle),
            (_, [only]) => Ok(TaskHandle::new(*only, text)),
            (Some(name), _) => Err(ToolError::arguments(format!(
                "no server is named `{}` (there are {})",
                crate::arguments::shown(name),
                names.join(", ")
            ))),
            (None, _) => Ok(handle),
        }
    }

    /// The client of the server that has `task` alone (the client itself on one server).
    fn owner(&self, client: &Client<T>, task: &Task) -> Client<T> {
        task.server.as_deref().and_then(|name| client.member(name)).unwrap_or_else(|| client.clone())
    }

    /// The task `handle` names, as its server has it now.
    fn known(&self, client: &Client<T>, handle: &TaskHandle) -> Result<Task, ToolError> {
        client.fetch(handle).map_err(|e| self.error(&e))?.ok_or_else(|| {
            ToolError::new(
                "task_not_found",
                format!("no server knows task {}", crate::arguments::shown(&handle.to_string())),
            )
        })
    }

    /// Recent tasks, newest first: the servers' search, else their task lists.
    fn recent(&self, client: &Client<T>, args: &Arguments) -> Result<Value, ToolError> {
        let limit = args.number("limit", (1, 50), 10)?;
        let status = match args.optional_text("status")? {
            Some(s) => Some(serde_json::from_value::<TaskStatus>(s.clone().into()).map_err(|_| {
                ToolError::arguments(format!("`status` {} is not a task status", crate::arguments::shown(&s)))
            })?),
            None => None,
        };
        let mut query = Query::new().page(0, u32::try_from(limit).unwrap_or(10));
        if let Some(status) = &status {
            query = query.status(status.clone());
        }
        let mut tasks = search(client, &query).map_err(|e| self.error(&e))?;
        tasks.retain(|t| status.as_ref().is_none_or(|s| t.status == *s));
        tasks.sort_by_key(|t| std::cmp::Reverse(t.submit_time));
        tasks.truncate(usize::try_from(limit).unwrap_or(10));
        let list: Vec<Value> = tasks
            .into_iter()
            .map(|t| {
                let t = client.redact_task(t);
                let mut v = json!({"task": t.handle().to_string(), "status": t.status.to_string()});
                for (key, value) in [
                    ("action", t.action.as_ref().map(|a| a.to_string())),
                    ("progress", t.progress.clone()),
                    ("prompt", t.prompt.clone()),
                ] {
                    if let Some(value) = value {
                        v[key] = value.into();
                    }
                }
                v
            })
            .collect();
        Ok(json!({"tasks": list}))
    }

    /// `task` as the agent reads it, scrubbed.
    fn shown(&self, task: &Task, files: &[String]) -> Value {
        task_json(&self.client.redact_task(task.clone()), files)
    }

    /// `error` as a tool error, scrubbed.
    fn error(&self, error: &Error) -> ToolError {
        ToolError::from_mj(error, |text| self.client.redact_text(text), |task| self.shown(task, &[]))
    }
}

/// The tasks `query` finds: the servers' search, else (a server without it) their task
/// lists, which the caller filters as the query would.
fn search<T: Transport>(client: &Client<T>, query: &Query) -> Result<Vec<Task>, Error> {
    match client.query(query) {
        Ok(page) => Ok(page.content),
        Err(_) => client.list(),
    }
}
