//! Waiting: for one task, for many, and for the task a submit or a press makes.

use std::time::Instant;

use mj_proto::endpoint::Submit;
use mj_proto::model::{Submitted, Task, TaskHandle};
use mj_proto::plan::{PoolWatchPlan, WatchReport};
use mj_proto::{ButtonKind, Error, Transport};

use super::Client;
use crate::members::Lane;
use crate::{first_sight, trace};

impl<T: Transport> Client<T> {
    /// Waits for `task` with the client's [`WaitOptions`](mj_proto::plan::WaitOptions).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # fn run(client: mj_client::Client<impl mj_client::mj_proto::Transport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let task = client.wait("1747190313867714")?;
    /// # Ok(()) }
    /// ```
    pub fn wait(&self, task: impl Into<TaskHandle>) -> Result<Task, Error> {
        self.wait_with(task, |_| {})
    }

    /// Waits for `task` on its server, calling `on_progress` with every change (status,
    /// progress, preview image). SUCCESS gives the task; FAILURE/CANCEL are
    /// [`Error::TaskFailed`], MODAL is [`Error::NeedsInput`], the deadline is
    /// [`Error::WaitTimeout`].
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # fn run(client: mj_client::Client<impl mj_client::mj_proto::Transport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let task = client.wait_with("1747190313867714", |t| println!("{} {:?}", t.status, t.progress_percent()))?;
    /// # Ok(()) }
    /// ```
    pub fn wait_with(&self, task: impl Into<TaskHandle>, on_progress: impl FnMut(&Task)) -> Result<Task, Error> {
        let handle = task.into();
        let (lane, _) = self.locate(&handle)?;
        let deadline = lane.shared.call_deadline(self.transport.now());
        self.wait_on(lane, &handle.id, deadline, None, on_progress)
    }

    /// Waits for task `id` on `lane` until `deadline`, after the snapshot already `shown`
    /// (if any); the task stops counting against
    /// the server's room when the wait ends (but not when its deadline passes).
    fn wait_on(
        &self,
        lane: &Lane,
        id: &str,
        deadline: Option<Instant>,
        shown: Option<Task>,
        mut on_progress: impl FnMut(&Task),
    ) -> Result<Task, Error> {
        let mut plan = lane.shared.wait_plan(id, deadline);
        if let Some(first) = shown {
            // What on_progress was already shown: nothing older is reported after it.
            plan = plan.shown(first);
        }
        let result = self.drive_on(lane, "wait", plan, |task| {
            trace::task(&task);
            on_progress(&self.members.named_task(lane, task))
        });
        // A wait's end says nothing of the server's health (its deadline passes whether
        // the server answers or not): the pool learns from submits and lookups.
        self.members.ended(lane, id, &result);
        self.members.named_result(lane, result)
    }

    /// Follows many tasks with one `list-by-condition` request per batch per round (per
    /// server), calling `on_update` with every change; finished tasks give their room
    /// back. Over several servers, a bare id is first looked for on each server (one
    /// request each); name the server (a [`TaskHandle`] `name:id`, or a task this client
    /// returned) to spare that.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # fn run(client: mj_client::Client<impl mj_client::mj_proto::Transport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let report = client.watch(["1747190313867714", "1747190313867715"], |t| println!("{} {}", t.handle(), t.status))?;
    /// println!("{} finished", report.finished.len());
    /// # Ok(()) }
    /// ```
    pub fn watch<I: Into<TaskHandle>>(
        &self,
        tasks: impl IntoIterator<Item = I>,
        mut on_update: impl FnMut(&Task),
    ) -> Result<WatchReport, Error> {
        let handles: Vec<TaskHandle> = tasks.into_iter().map(Into::into).collect();
        let report = match self.members.single() {
            Some(lane) => {
                let ids = handles.into_iter().map(|h| h.id).collect();
                let plan = lane.shared.watch_plan(ids, self.transport.now());
                self.drive_on(lane, "watch", plan, |task| {
                    trace::task(&task);
                    on_update(&self.members.named_task(lane, task))
                })?
            }
            None => {
                // A bare id is looked for on each server first; one nobody knows is
                // reported unknown, one nobody could be asked about unseen.
                let (mut named, mut unknown, mut unseen) = (Vec::new(), Vec::new(), Vec::new());
                for handle in handles {
                    if handle.server.is_some() {
                        named.push(handle);
                        continue;
                    }
                    match self.locate(&handle) {
                        Ok((lane, _)) => named.push(TaskHandle::new(lane.name.as_str(), handle.id)),
                        Err(Error::TaskNotFound { .. }) => unknown.push(handle),
                        Err(e) if e.kind() == mj_proto::ErrorKind::Config => return Err(e),
                        Err(_) => unseen.push(handle),
                    }
                }
                let handles = named;
                let first = self.members.first();
                let members = self.members.pool_members();
                let settings = &first.shared.settings;
                let plan = PoolWatchPlan::new(&members, &handles)
                    .options(settings.watch.clone())
                    .retry(settings.retry.clone())
                    .until(first.shared.call_deadline(self.transport.now()))
                    .pushes_from(first.name.clone());
                let mut report = self.drive_on(first, "watch", plan, |task| {
                    trace::task(&task);
                    on_update(&task)
                })?;
                report.unknown.extend(unknown);
                report.unseen.extend(unseen);
                report
            }
        };
        Ok(self.members.watched(report))
    }

    /// Submits exactly once and waits for the result, within one deadline.
    ///
    /// `on_progress` is first called as soon as the submit is answered, with the new
    /// task's id and correlation token (status `SUBMITTED`, or `NOT_START` when queued),
    /// before waiting starts: a caller that gives up during the wait can resume with
    /// `wait(&task)`. Then it is called with every change.
    ///
    /// The common flow in three lines:
    /// `let grid = client.submit_and_wait(Imagine::new("a fox"), |_| {})?;`
    /// `let upscale = client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {})?;`
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # fn run(client: mj_client::Client<impl mj_client::mj_proto::Transport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let grid = client.submit_and_wait(Imagine::new("a red fox"), |t| println!("{} {}", t.handle(), t.status))?;
    /// # Ok(()) }
    /// ```
    pub fn submit_and_wait<S: Submit + Clone>(
        &self,
        request: S,
        mut on_progress: impl FnMut(&Task),
    ) -> Result<Task, Error> {
        let deadline = self.members.first().shared.call_deadline(self.transport.now());
        let mut token = String::new();
        let submitted = match self.members.lone() {
            Some(lane) => self.submit_on(lane, request, None, |t| token = t.to_owned())?,
            None => self.place(request, |t| token = t.to_owned())?,
        };
        let lane = self.members.owner_of(&submitted);
        let first = first_sight(&submitted, &token);
        on_progress(&self.members.named_task(lane, first.clone()));
        self.wait_on(lane, &submitted.task_id, deadline, Some(first), on_progress)
    }

    /// Presses the first button of `kind` on `task` (exactly once), on the server that
    /// owns it. On a task with no buttons at all (novicezk), U1-U4, V1-V4 and reroll go
    /// through `/submit/change`.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # fn run(client: mj_client::Client<impl mj_client::mj_proto::Transport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let grid = client.wait("1747190313867714")?;
    /// let submitted = client.press(&grid, &ButtonKind::Upscale(1))?;
    /// # Ok(()) }
    /// ```
    pub fn press(&self, task: &Task, kind: &ButtonKind) -> Result<Submitted, Error> {
        let (lane, _) = self.locate(&task.handle())?;
        let press = lane.shared.press(task, kind)?;
        self.submit_on(lane, press, None, |_| {})
    }

    /// Presses the first button of `kind` on `task` and waits for the new task, on the
    /// server that owns it.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # fn run(client: mj_client::Client<impl mj_client::mj_proto::Transport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let grid = client.wait("1747190313867714")?;
    /// let upscale = client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {})?;
    /// # Ok(()) }
    /// ```
    pub fn press_and_wait(
        &self,
        task: &Task,
        kind: &ButtonKind,
        mut on_progress: impl FnMut(&Task),
    ) -> Result<Task, Error> {
        let (lane, _) = self.locate(&task.handle())?;
        let deadline = lane.shared.call_deadline(self.transport.now());
        let press = lane.shared.press(task, kind)?;
        let mut token = String::new();
        let submitted = self.submit_on(lane, press, None, |t| token = t.to_owned())?;
        let first = first_sight(&submitted, &token);
        on_progress(&self.members.named_task(lane, first.clone()));
        self.wait_on(lane, &submitted.task_id, deadline, Some(first), on_progress)
    }
}
