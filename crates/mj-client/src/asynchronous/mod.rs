//! The async client: one server or several, the same methods as the blocking one.

use std::sync::Arc;
use std::time::Instant;

use mj_proto::model::Task;
use mj_proto::plan::{MemberStatus, Plan, Pool, Step};
use mj_proto::{AsyncTransport, Config, EndpointName, Error};

use crate::members::{Lane, Members};
use crate::{ClientBuilder, Settings, named, trace};

mod calls;
mod streams;
mod waits;

pub use streams::AsyncPages;

/// An async client over any [`AsyncTransport`] (mj-reqwest's, mj-sim's, or your own),
/// for one server or a pool of several: the same methods, types and documentation as
/// the blocking [`Client`](crate::Client), each an `async fn`, plus streams.
///
/// Cloning is cheap: clones share the transport, the settings, what the client learned
/// of its servers, and the pool's health and load, so hand one to each task.
///
/// ```no_run
/// use mj_client::prelude::*;
///
/// # async fn run<T: mj_client::mj_proto::AsyncTransport + Default>() -> Result<(), mj_client::mj_proto::Error> {
/// let client = mj_client::AsyncClient::<T>::new(Config::new("http://127.0.0.1:8080")?);
/// let grid = client.submit_and_wait(Imagine::new("a red fox"), |t| println!("{} {}", t.handle(), t.status)).await?;
/// let upscale = client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {}).await?;
/// assert!(upscale.is_terminal());
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct AsyncClient<T> {
    transport: Arc<T>,
    members: Members,
}

impl<T> Clone for AsyncClient<T> {
    fn clone(&self) -> Self {
        Self { transport: self.transport.clone(), members: self.members.clone() }
    }
}

impl<T: AsyncTransport + Default> AsyncClient<T> {
    /// A client for `servers` (a [`Config`], or a [`Pool`] of named servers) over a
    /// default-configured transport (`mj_ureq::Client::new(config)`).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run<T: mj_client::mj_proto::AsyncTransport + Default>() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = mj_client::AsyncClient::<T>::new(Config::new("https://mj.example.com")?);
    /// # Ok(()) }
    /// ```
    pub fn new(servers: impl Into<Pool>) -> Self {
        Self::with_transport(T::default(), servers)
    }

    /// Builds a client of one server over a default-configured transport step by step:
    /// `Client::builder().base_url(url).api_key(key).build()?`.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run<T: mj_client::mj_proto::AsyncTransport + Default>() -> Result<(), Box<dyn std::error::Error>> {
    /// let client = mj_client::AsyncClient::<T>::builder().base_url("https://mj.example.com").api_key("sk-0123456789").build()?;
    /// # Ok(()) }
    /// ```
    pub fn builder() -> ClientBuilder<Self> {
        ClientBuilder::new(|config, settings| Self::new(config).with_settings(settings))
    }
}

impl<T: AsyncTransport> AsyncClient<T> {
    /// A client for `servers` (a [`Config`], or a [`Pool`] of named servers) over
    /// `transport`, with default [`Settings`].
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(transport: impl mj_client::mj_proto::AsyncTransport) -> Result<(), Box<dyn std::error::Error>> {
    /// let client = mj_client::AsyncClient::with_transport(transport, Config::new("https://mj.example.com")?);
    /// # Ok(()) }
    /// ```
    pub fn with_transport(transport: T, servers: impl Into<Pool>) -> Self {
        Self { transport: Arc::new(transport), members: Members::new(servers.into(), Settings::default()) }
    }

    /// The same client with other settings for every server (what it learned of them,
    /// and the end [`until`](Self::until) set, are kept). With hooks over named servers,
    /// each is called back in a scope of its own ([`Hooks::scoped`](crate::Hooks::scoped)),
    /// since task ids are only unique per server.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let client = client.with_settings(Settings::default().deadline(std::time::Duration::from_secs(600)));
    /// # Ok(()) }
    /// ```
    pub fn with_settings(self, settings: Settings) -> Self {
        Self { members: self.members.rebuilt(Some(&settings), None), transport: self.transport }
    }

    /// The same client with every call ending by `deadline` at the latest (the earlier
    /// one kept, if it already had one): a run of many calls, such as a batch or a
    /// command-line tool's whole command, ends whole. Each call is still bounded by
    /// [`Settings::deadline`] too. The clone shares the pool's health and load.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let run = client.until(std::time::Instant::now() + std::time::Duration::from_secs(3600));
    /// # Ok(()) }
    /// ```
    pub fn until(&self, deadline: Instant) -> Self {
        Self { members: self.members.rebuilt(None, Some(deadline)), transport: self.transport.clone() }
    }

    /// This client's server `name` alone (sharing the pool's health and load), or `None`
    /// when it has no server of that name: for a caller that decides where each task goes,
    /// as a durable batch does.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// if let Some(eu) = client.member("eu") {
    ///     eu.submit(Imagine::new("a red fox")).await?;
    /// }
    /// # Ok(()) }
    /// ```
    pub fn member(&self, name: &str) -> Option<Self> {
        Some(Self { members: self.members.only(name)?, transport: self.transport.clone() })
    }

    /// Each of this client's servers alone, in order (see [`member`](Self::member)).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// for server in client.members() {
    ///     println!("{:?}: {}", server.name(), server.config().base_url());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn members(&self) -> Vec<Self> {
        self.members.lanes().iter().filter_map(|lane| self.member(&lane.name)).collect()
    }

    /// The name of this client's server when it has exactly one named server (a pool
    /// member, or a [`member`](Self::member) view); `None` for a client over one
    /// [`Config`] or over several servers.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// println!("{}", client.name().unwrap_or("(one server)"));
    /// # Ok(()) }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.members.single().filter(|_| self.members.is_named()).map(|lane| lane.name.as_str())
    }

    /// The names of this client's servers, in order; empty for a client over one
    /// [`Config`], whose tasks are named by their bare ids.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// println!("{}", client.server_names().join(", "));
    /// # Ok(()) }
    /// ```
    pub fn server_names(&self) -> Vec<&str> {
        match self.members.is_named() {
            true => self.members.lanes().iter().map(|lane| lane.name.as_str()).collect(),
            false => Vec::new(),
        }
    }

    /// Every server's health and load now.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// for server in client.status() {
    ///     println!("{}: {} in flight", server.name, server.in_flight);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn status(&self) -> Vec<MemberStatus> {
        self.members.status(self.transport.now())
    }

    /// What pacing counted so far: each server with pacing rules or prices and its counts
    /// for today (tasks, images, spend), and this client's budget with what it spent: what
    /// is left before a cap or a budget refuses the next submit.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) {
    /// let spending = client.spending();
    /// for (server, today) in &spending.today {
    ///     println!("{server}: {} tasks, {} spent today", today.tasks, today.spent);
    /// }
    /// # }
    /// ```
    pub fn spending(&self) -> crate::Spending {
        self.members.spending()
    }

    /// The servers a submit to `endpoint` (e.g. `EndpointName::IMAGINE`) would go to now,
    /// best first: healthy, with room, offering it (see [`Pool::route`]).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let next = client.route(mj_client::mj_proto::EndpointName::IMAGINE);
    /// # Ok(()) }
    /// ```
    pub fn route(&self, endpoint: EndpointName) -> Vec<String> {
        self.members.route(endpoint, self.transport.now()).into_iter().map(|l| l.name.clone()).collect()
    }

    /// How this client retries, waits and reports (its first server's, with its hooks
    /// scope over named servers).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let deadline = client.settings().deadline;
    /// # Ok(()) }
    /// ```
    pub fn settings(&self) -> &Settings {
        &self.members.first().shared.settings
    }

    /// Where the (first) server is and how this client reaches it.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// println!("{}", client.config().base_url());
    /// # Ok(()) }
    /// ```
    pub fn config(&self) -> &Config {
        &self.members.first().shared.config
    }

    /// Where each server is and how this client reaches it, in order.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// for config in client.configs() {
    ///     println!("{}", config.base_url());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn configs(&self) -> Vec<&Config> {
        self.members.lanes().iter().map(|lane| &lane.shared.config).collect()
    }

    /// `text` with every server's API key, and the hooks' secret path, scrubbed from it:
    /// for anything a server sent that is shown or written.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let shown = client.redact_text("what a server echoed");
    /// # Ok(()) }
    /// ```
    pub fn redact_text(&self, text: &str) -> String {
        self.members.redact_text(text)
    }

    /// `task` with every server's API key, and the hooks' secret path, scrubbed wherever
    /// a server echoed them (new-api echoes `properties.notifyHook`).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let task = client.redact_task(client.wait("1747190313867714").await?);
    /// # Ok(()) }
    /// ```
    pub fn redact_task(&self, task: Task) -> Task {
        self.members.redact_task(task)
    }

    /// The transport this client sends through (its own settings, or its simulator).
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let transport = client.transport();
    /// # Ok(()) }
    /// ```
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The endpoints this client learned its (first) server lacks (it answered 404, 405
    /// or 501, announced as [`Notice::Fallback`](mj_proto::plan::Notice::Fallback)): later
    /// calls go straight to what works instead of asking again.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// println!("{:?}", client.missing_endpoints());
    /// # Ok(()) }
    /// ```
    pub fn missing_endpoints(&self) -> Vec<EndpointName> {
        self.members.first().shared.learned.missing()
    }

    /// Runs `plan` to completion on the (first) server: the whole async driver, for a plan
    /// of your own.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    ///
    /// # async fn run(client: mj_client::AsyncClient<impl mj_client::mj_proto::AsyncTransport>) -> Result<(), Box<dyn std::error::Error>> {
    /// let fetch = Fetch::new("1747190313867714");
    /// let plan = mj_client::mj_proto::plan::RetryPlan::new(client.config(), &fetch, RetryPolicy::default());
    /// let task = client.drive(plan, |_| {}).await?;
    /// # Ok(()) }
    /// ```
    pub async fn drive<P: Plan>(&self, plan: P, on_progress: impl FnMut(P::Progress)) -> Result<P::Output, Error> {
        self.drive_on(self.members.first(), "plan", plan, on_progress).await
    }

    /// Runs `plan` on `lane` inside the tracing span of call `name`.
    async fn drive_on<P: Plan>(
        &self,
        lane: &Lane,
        name: &'static str,
        mut plan: P,
        mut on_progress: impl FnMut(P::Progress),
    ) -> Result<P::Output, Error> {
        let shared = &lane.shared;
        let host = shared.config.host();
        let span = trace::call(name, &host);
        let hooks = shared.settings.hooks.as_ref();
        let run = async {
            let mut seen = 0;
            loop {
                let now = self.transport.now();
                if let Some(hooks) = hooks {
                    seen = hooks.feed(&mut plan, seen, now);
                }
                match plan.poll(now) {
                    Step::Send(request) => {
                        trace::send(&request);
                        let to = crate::host_of(&request, &host);
                        let result = self.transport.send(request).await.map_err(|e| named(e, &to));
                        trace::answer(&result, |text| shared.config.redact_text(text));
                        if result.is_ok() {
                            shared.learned.heard();
                        }
                        plan.handle(result, self.transport.now());
                    }
                    Step::Sleep(until) => {
                        let sleep = self.transport.sleep(until.saturating_duration_since(now));
                        let interests = if hooks.is_some() { plan.interests() } else { Vec::new() };
                        crate::hooks::sleep_or_ring(sleep, hooks, &interests, seen).await
                    }
                    Step::Progress(task) => on_progress(task),
                    Step::Notice(notice) => shared.notice(&notice),
                    Step::Done(result) => return shared.finish(result),
                }
            }
        };
        #[cfg(feature = "tracing")]
        let run = tracing::Instrument::instrument(run, span.span);
        #[cfg(not(feature = "tracing"))]
        let _ = span;
        run.await
    }
}
