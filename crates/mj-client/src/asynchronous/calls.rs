//! The calls of the async client: every endpoint, submits exactly once, on the server that owns each task.

use std::time::Duration;

use mj_proto::endpoint::UploadDiscordImages;
use mj_proto::endpoint::{Cancel, Download, Fetch, ImageSeed, ListTasks, Media, Query, Queue, Submit};
use mj_proto::model::{Page, Submitted, Task, TaskHandle};
use mj_proto::plan::{PoolSubmitPlan, RetryPolicy};
use mj_proto::{AsyncTransport, ConfigError, Endpoint, Error};

use super::AsyncClient;
use crate::member_fed::MemberFed;
use crate::members::{Lane, Owner};
use crate::paced::Pace;
use crate::pacer::Claim;

impl<T: AsyncTransport> AsyncClient<T> {
    /// Calls `endpoint` on `lane`, retrying only what is safe, and learns from it.
    pub(super) async fn execute_on<E: Endpoint>(&self, lane: &Lane, endpoint: &E) -> Result<E::Output, Error> {
        let now = self.transport.now();
        let plan = lane.shared.retry_plan(endpoint, now);
        let result = self.drive_on(lane, endpoint.name().as_str(), plan, |_| {}).await;
        self.members.learn(lane, &result, self.transport.now());
        result
    }

    /// Calls `endpoint`, retrying only what is safe (see
    /// [`RetryPlan`](mj_proto::plan::RetryPlan)), on the server a submit to it would go
    /// to (the only one, or the pool's first choice).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let queued = client.execute(&Queue::new()).await?;
    /// # Ok(()) }
    /// ```
    pub async fn execute<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, Error> {
        let now = self.transport.now();
        let route = self.members.route(endpoint.name(), now);
        self.execute_on(route.first().copied().unwrap_or(self.members.first()), endpoint).await
    }

    /// Submits a task exactly once (see [`SubmitPlan`](mj_proto::plan::SubmitPlan)): a lost
    /// answer is resolved by looking the task up by its `state` token, never by a blind
    /// re-send. Every task-creating endpoint goes through here:
    /// `client.submit(Imagine::new("a fox"))`, `client.submit(Blend::new(images))`, …;
    /// a button is pressed with [`press`](Self::press).
    ///
    /// Over several servers the pool picks one and moves on to the next only when a
    /// server provably created nothing (see [`PoolSubmitPlan`]); the answer names the
    /// server ([`Submitted::handle`]). A named server alone (a [`member`](Self::member))
    /// is sent to as a pool of one: a refusal that proves nothing was created says so
    /// ([`Error::created_nothing`]), so that its caller may try another. With [`Settings::hooks`](crate::Settings::hooks), the request carries the
    /// hook's URL as `notifyHook` unless it names its own.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let submitted = client.submit(Imagine::new("a red fox in the snow")).await?;
    /// println!("{}", submitted.handle());
    /// # Ok(()) }
    /// ```
    pub async fn submit<S: Submit + Clone>(&self, request: S) -> Result<Submitted, Error> {
        match self.members.lone() {
            Some(lane) => self.submit_on(lane, request, None, |_| {}).await,
            None => self.place(request, |_| {}).await,
        }
    }

    /// Submits `request` on `lane` exactly once; `on_token` learns the correlation token
    /// before anything is sent.
    pub(super) async fn submit_on<S: Submit>(
        &self,
        lane: &Lane,
        mut request: S,
        lost_for: Option<Duration>,
        on_token: impl FnOnce(&str),
    ) -> Result<Submitted, Error> {
        lane.shared.hook(&mut request);
        let name = request.name();
        let deadline = lane.shared.call_deadline(self.transport.now());
        // A resumed submit was claimed by the run that first sent it.
        let (_, claim) = match lost_for {
            Some(_) => (Vec::new(), None),
            None => self.paced(&[lane.index], (request.images(), request.price_key()), deadline).await?,
        };
        let now = self.transport.now();
        let mut plan = lane.shared.submit_plan(request, deadline);
        if let Some(lost_for) = lost_for {
            plan = plan.resumed(lost_for, now);
        }
        on_token(plan.token());
        let result = self.drive_on(lane, name.as_str(), plan, |_| {}).await;
        self.members.learn(lane, &result, self.transport.now());
        self.members.after_submit(lane, claim, &result);
        result.map(|submitted| self.members.placed(lane, submitted))
    }

    /// Sends `request` along the pool's route, listening to the callbacks of the server
    /// it is on, and learns from every server it tried; `on_token` learns the correlation
    /// token before anything is sent.
    pub(super) async fn place<S: Submit + Clone>(
        &self,
        mut request: S,
        on_token: impl FnOnce(&str),
    ) -> Result<Submitted, Error> {
        let now = self.transport.now();
        // A server alone (a member of a pool, picked by the caller) is tried whatever its
        // health: the caller decided; several are tried in the pool's order.
        let (route, reserved) = match self.members.single() {
            Some(lane) => (vec![lane.index], None),
            None => self.members.reserve(request.name(), now),
        };
        let deadline = self.members.driver(&route).shared.call_deadline(now);
        let (route, claim) = match self.paced(&route, (request.images(), request.price_key()), deadline).await {
            Ok(paced) => paced,
            Err(e) => {
                self.members.unreserve(reserved);
                return Err(e);
            }
        };
        let driver = self.members.driver(&route);
        on_token(&driver.shared.token(&mut request));
        let members = self.members.pool_members();
        let (hooks, scopes) = self.members.scopes(&request);
        let settings = &driver.shared.settings;
        let mut plan = PoolSubmitPlan::new(&members, route, request)
            .retry(settings.retry.clone())
            .policy(settings.submit.clone())
            .notify_hooks(hooks)
            .until(driver.shared.call_deadline(now));
        // Callbacks come from the scope of the server the submit is on, and no other (a
        // failover listens to the new server's): the driver itself listens to none.
        let deaf = self.members.deaf(driver);
        let result = self.drive_on(&deaf, "submit", MemberFed::new(&mut plan, scopes), |_| {}).await;
        self.members.unreserve(reserved);
        let result = self.members.placed_in_pool(result, &plan, self.transport.now());
        if let Some(lane) = claim.as_ref().and(plan.member()).and_then(|i| self.members.at(i)) {
            self.members.after_submit(lane, claim, &result);
        }
        result
    }

    /// Claims the pacing of a submit of `images` images along `route` (pool indexes),
    /// waiting out holds that end within `deadline`: the route to send on, and the claim
    /// to give back if the submit creates nothing.
    pub(super) async fn paced(
        &self,
        route: &[usize],
        ask: (u32, &'static str),
        deadline: Option<std::time::Instant>,
    ) -> Result<(Vec<usize>, Option<Claim>), Error> {
        loop {
            match self.members.pace(route, ask, self.transport.now(), deadline) {
                Pace::Go(route, claim) => return Ok((route, claim)),
                Pace::Fail(e) => return Err(e),
                Pace::Wait(wait, held) => {
                    // A wait under a second is pacing's beat, not news.
                    if wait >= Duration::from_secs(1) {
                        self.members.driver(route).shared.notice(&mj_proto::plan::Notice::Paced(Box::new(held)));
                    }
                    self.transport.sleep(wait).await;
                }
            }
        }
    }

    /// Completes a submit that an earlier run sent, or may have sent, with the token in
    /// `request`'s `state`, and whose answer it never recorded, `lost_for` ago (see
    /// [`SubmitPlan::resumed`](mj_proto::plan::SubmitPlan::resumed)): the task is found by
    /// the token, and the request goes out again only when the server provably has none.
    ///
    /// A submit is resumed on the server it was sent to: over several servers, call it on
    /// that server's [`member`](Self::member) (here it is refused with
    /// [`ConfigError::OneServerOnly`]).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let mut request = Imagine::new("a red fox");
    /// request.options_mut().state = Some("my-run-line-7".to_owned());
    /// let submitted = client.resume_submit(request, std::time::Duration::from_secs(30)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn resume_submit<S: Submit>(&self, request: S, lost_for: Duration) -> Result<Submitted, Error> {
        match self.members.single() {
            Some(lane) => self.submit_on(lane, request, Some(lost_for), |_| {}).await,
            None => Err(ConfigError::OneServerOnly { call: "resume_submit" }.into()),
        }
    }

    /// Downloads a result image or video (retried within the call's deadline; see
    /// [`Download`] for the checks), through the server whose host the URL names, else
    /// the first. Save it with `mj_ureq::save` or `mj_reqwest::save`, which write whole files or none.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let media = client.download("https://cdn.example.com/grid.png").await?;
    /// # Ok(()) }
    /// ```
    pub async fn download(&self, url: &str) -> Result<Media, Error> {
        self.execute_on(self.members.for_url(url), &Download::new(url)).await
    }

    /// Uploads images and returns their CDN URLs (on the server a submit would go to).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let urls = client.upload(UploadDiscordImages::new(["data:image/png;base64,iVBORw0KGgo="])).await?;
    /// # Ok(()) }
    /// ```
    pub async fn upload(&self, request: UploadDiscordImages) -> Result<Vec<String>, Error> {
        self.execute(&request).await
    }

    /// The server that owns `handle`'s task; a bare id over several servers is looked for
    /// on each (one try each), and the task found is returned too.
    pub(super) async fn locate(&self, handle: &TaskHandle) -> Result<(&Lane, Option<Task>), Error> {
        let lanes = match self.members.owner(handle)? {
            Owner::On(lane) => return Ok((lane, None)),
            Owner::AnyOf(lanes) => lanes,
        };
        let (mut holders, mut failure) = (Vec::new(), None);
        for lane in lanes {
            let now = self.transport.now();
            let fetch = Fetch::new(&handle.id);
            let plan = lane.shared.retry_plan_with(&fetch, RetryPolicy::none(), now);
            let result = self.drive_on(lane, "fetch", plan, |_| {}).await;
            self.members.learn(lane, &result, self.transport.now());
            match result {
                Ok(Some(task)) => holders.push((lane, task)),
                Ok(None) => {}
                Err(e) => failure = Some(e),
            }
        }
        match holders.len() {
            1 => {
                let (lane, task) = holders.remove(0);
                Ok((lane, Some(self.members.seen(lane, task))))
            }
            0 => Err(failure.unwrap_or_else(|| Error::TaskNotFound { id: handle.id.chars().take(80).collect() })),
            _ => Err(ConfigError::AmbiguousTask {
                id: handle.id.chars().take(80).collect::<String>().into(),
                servers: holders.iter().map(|(lane, _)| lane.name.clone()).collect(),
            }
            .into()),
        }
    }

    /// One task, or `None` when its server does not know it. `task` is an id, a
    /// [`TaskHandle`] (`name:id` over several servers), or a task or submit answer this
    /// client returned.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// if let Some(task) = client.fetch("1747190313867714").await? {
    ///     println!("{} {}", task.handle(), task.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn fetch(&self, task: impl Into<TaskHandle>) -> Result<Option<Task>, Error> {
        let handle = task.into();
        let (lane, found) = match self.locate(&handle).await {
            Err(Error::TaskNotFound { .. }) if handle.server.is_none() => return Ok(None),
            located => located?,
        };
        if let Some(task) = found {
            return Ok(Some(task));
        }
        let task = self.execute_on(lane, &Fetch::new(&handle.id)).await?;
        Ok(task.map(|task| self.members.seen(lane, task)))
    }

    /// Many tasks in one request per server (`list-by-condition`); unknown ones are left
    /// out. On a server without that endpoint, one `GET fetch` per id instead (announced
    /// as a [`Notice::Fallback`](mj_proto::plan::Notice::Fallback)).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let tasks = client.tasks(["1747190313867714", "1747190313867715"]).await?;
    /// # Ok(()) }
    /// ```
    pub async fn tasks<I: Into<TaskHandle>>(&self, tasks: impl IntoIterator<Item = I>) -> Result<Vec<Task>, Error> {
        let mut found = Vec::new();
        for (lane, ids) in self.members.by_owner(tasks.into_iter().map(Into::into))? {
            let plan = lane.shared.tasks_plan(ids, self.transport.now());
            let result = self.drive_on(lane, "tasks", plan, |_| {}).await;
            self.members.learn(lane, &result, self.transport.now());
            found.extend(result?.into_iter().map(|task| self.members.seen(lane, task)));
        }
        Ok(found)
    }

    /// Every server's task list (`GET /mj/task/list`), one after the other.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// for task in client.list().await? {
    ///     println!("{} {}", task.handle(), task.status);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn list(&self) -> Result<Vec<Task>, Error> {
        self.each(&ListTasks::new()).await
    }

    /// Every server's queued and running tasks (`GET /mj/task/queue`).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// println!("{} queued or running", client.queue().await?.len());
    /// # Ok(()) }
    /// ```
    pub async fn queue(&self) -> Result<Vec<Task>, Error> {
        self.each(&Queue::new()).await
    }

    /// `endpoint`'s tasks from every server, each named by its server.
    async fn each<E: Endpoint<Output = Vec<Task>>>(&self, endpoint: &E) -> Result<Vec<Task>, Error> {
        let mut all = Vec::new();
        for lane in self.members.lanes() {
            let tasks = self.execute_on(lane, endpoint).await?;
            all.extend(tasks.into_iter().map(|task| self.members.named_task(lane, task)));
        }
        Ok(all)
    }

    /// Cancels a task on its server.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// client.cancel("1747190313867714").await?;
    /// # Ok(()) }
    /// ```
    pub async fn cancel(&self, task: impl Into<TaskHandle>) -> Result<(), Error> {
        let handle = task.into();
        let (lane, _) = self.locate(&handle).await?;
        self.execute_on(lane, &Cancel::new(&handle.id)).await?;
        self.members.ended(lane, &handle.id, &Ok(Task::default()));
        Ok(())
    }

    /// The Midjourney seed of a finished task.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let seed = client.image_seed("1747190313867714").await?;
    /// # Ok(()) }
    /// ```
    pub async fn image_seed(&self, task: impl Into<TaskHandle>) -> Result<String, Error> {
        let handle = task.into();
        let (lane, _) = self.locate(&handle).await?;
        self.execute_on(lane, &ImageSeed::new(&handle.id)).await
    }

    /// One page of the task search; over several servers, that page of each, together
    /// (the last page when every server's is).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let page = client.query(&Query::new().page(0, 20)).await?;
    /// # Ok(()) }
    /// ```
    pub async fn query(&self, query: &Query) -> Result<Page<Task>, Error> {
        let mut pages = Vec::new();
        for lane in self.members.lanes() {
            pages.push((lane, self.execute_on(lane, query).await?));
        }
        Ok(self.members.merge_pages(pages))
    }
}
