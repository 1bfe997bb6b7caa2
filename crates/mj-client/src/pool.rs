//! Clients over a pool of servers: [`PoolClient`] (blocking) and [`AsyncPoolClient`]. A
//! submit goes where [`Pool::route`](mj_proto::plan::Pool::route) says and moves on only
//! when a member provably created nothing ([`PoolSubmitPlan`](mj_proto::plan::PoolSubmitPlan));
//! every task is known by its [`TaskHandle`] afterwards, and fetch, wait and press go to
//! the member that owns it.

use std::time::Instant;

use crate::Hooks;
use mj_proto::HttpResponse;
use mj_proto::endpoint::Submit;
use mj_proto::plan::{Placed, Plan, PoolSubmitPlan, Step};
use mj_proto::{AsyncTransport, Transport, TransportError};

/// A pool submit fed by the callbacks of the member it is on. Task ids and tokens speak
/// for one server only: a member's scope is listened to while the submit is on that
/// member, and a callback in another member's scope (a member that refused, or any other)
/// never names the task.
struct MemberFed<'p, 'a, S: Submit + Clone> {
    plan: &'p mut PoolSubmitPlan<'a, S>,
    /// Each member's hooks (its scope), by member index.
    scopes: Vec<Option<Hooks>>,
    /// The hub generation each scope was last read at.
    seen: Vec<u64>,
}

impl<'p, 'a, S: Submit + Clone> MemberFed<'p, 'a, S> {
    fn new(plan: &'p mut PoolSubmitPlan<'a, S>, scopes: Vec<Option<Hooks>>) -> Self {
        let seen = vec![0; scopes.len()];
        Self { plan, scopes, seen }
    }
}

impl<S: Submit + Clone> Plan for MemberFed<'_, '_, S> {
    type Output = Placed;
    type Progress = std::convert::Infallible;

    fn poll(&mut self, now: Instant) -> Step<Placed, Self::Progress> {
        if let Some(i) = self.plan.member()
            && let (Some(Some(hooks)), Some(seen)) = (self.scopes.get(i), self.seen.get_mut(i))
        {
            *seen = hooks.feed(&mut *self.plan, *seen, now);
        }
        self.plan.poll(now)
    }

    fn handle(&mut self, result: Result<HttpResponse, TransportError>, now: Instant) {
        self.plan.handle(result, now);
    }
}

/// The struct and the methods both pool clients share; `$async`/`$await` make them
/// blocking or async.
macro_rules! pool_client {
    ($(#[$doc:meta])* $name:ident, $client:ident, $transport:ident, $($async:ident)?, $($await:tt)*) => {
        $(#[$doc])*
        ///
        /// A task counts against its member's `max_in_flight` from its submit until a wait
        /// on its handle ends (or [`release`](Self::release)). Cloning is cheap: clones
        /// share the members' clients and the pool's health.
        #[derive(Debug)]
        pub struct $name<T> {
            clients: std::sync::Arc<[$crate::$client<std::sync::Arc<T>>]>,
            pool: std::sync::Arc<std::sync::Mutex<mj_proto::plan::Pool>>,
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                Self { clients: self.clients.clone(), pool: self.pool.clone() }
            }
        }

        impl<T: $transport + Default> $name<T> {
            /// A client for `pool` over a default-configured transport.
            pub fn new(pool: mj_proto::plan::Pool) -> Self {
                Self::with_transport(T::default(), pool)
            }
        }

        impl<T: $transport> $name<T> {
            /// A client for `pool` over `transport`, shared by all members, with default
            /// [`Settings`]($crate::Settings).
            pub fn with_transport(transport: T, pool: mj_proto::plan::Pool) -> Self {
                let transport = std::sync::Arc::new(transport);
                let clients = pool
                    .members()
                    .iter()
                    .map(|m| $crate::$client::with_transport(transport.clone(), m.config.clone()))
                    .collect();
                Self { clients, pool: std::sync::Arc::new(std::sync::Mutex::new(pool)) }
            }

            /// The same pool with `settings` for every member. With hooks, each member is
            /// called back in a scope of its own ([`Hooks::scoped`]($crate::Hooks::scoped)),
            /// since task ids are only unique per server.
            pub fn with_settings(self, settings: $crate::Settings) -> Self {
                let members = self.lock().members();
                let clients = self
                    .clients
                    .iter()
                    .zip(members.iter())
                    .map(|(client, member)| {
                        let mut settings = settings.clone();
                        settings.hooks = settings.hooks.map(|hooks| hooks.scoped(&member.name));
                        client.clone().with_settings(settings)
                    })
                    .collect();
                Self { clients, pool: self.pool }
            }

            /// The same pool with every call on every member ending by `deadline` at the
            /// latest (each member client's [`until`]($crate::Client::until), the
            /// earlier one kept): a run of many calls, such as a batch, ends whole. The
            /// clone shares the pool's health and load with this one.
            pub fn until(&self, deadline: std::time::Instant) -> Self {
                let clients = self.clients.iter().map(|client| client.until(deadline)).collect();
                Self { clients, pool: self.pool.clone() }
            }

            fn lock(&self) -> std::sync::MutexGuard<'_, mj_proto::plan::Pool> {
                self.pool.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
            }

            fn now(&self) -> std::time::Instant {
                self.clients.first().map_or_else(std::time::Instant::now, |c| c.transport().now())
            }

            /// The client of member `name`, for anything on a task it owns (download,
            /// watch, modal, …). Tell the pool how its calls went with
            /// [`learn`](Self::learn).
            pub fn member(&self, name: &str) -> Option<&$crate::$client<std::sync::Arc<T>>> {
                let i = self.lock().index(name)?;
                self.clients.get(i)
            }

            /// Each member's name and client, in the pool's order.
            pub fn members(&self) -> Vec<(String, &$crate::$client<std::sync::Arc<T>>)> {
                let members = self.lock().members();
                members.iter().map(|m| m.name.clone()).zip(self.clients.iter()).collect()
            }

            /// Member `name`'s index and client, or an error naming it.
            fn named(&self, name: &str) -> Result<(usize, &$crate::$client<std::sync::Arc<T>>), mj_proto::Error> {
                let i = self.lock().index(name);
                i.and_then(|i| self.clients.get(i).map(|c| (i, c))).ok_or_else(|| {
                    mj_proto::ConfigError::UnknownServer { name: name.chars().take(40).collect() }.into()
                })
            }

            /// The owner's client of `handle`, or an error naming the unknown member.
            fn owner(&self, handle: &mj_proto::model::TaskHandle) -> Result<(usize, &$crate::$client<std::sync::Arc<T>>), mj_proto::Error> {
                self.named(&handle.server).map_err(|_| mj_proto::Error::TaskNotFound { id: handle.to_string() })
            }

            /// Every member's health and load now.
            pub fn status(&self) -> Vec<mj_proto::plan::MemberStatus> {
                let now = self.now();
                self.lock().status(now)
            }

            /// The members a submit to `endpoint` (an endpoint's
            /// [`name`](mj_proto::Endpoint::name), e.g. `EndpointName::IMAGINE`) would go to now, best
            /// first: healthy, with room, offering it (see
            /// [`Pool::route`](mj_proto::plan::Pool::route)).
            pub fn route(&self, endpoint: mj_proto::EndpointName) -> Vec<String> {
                let now = self.now();
                let pool = self.lock();
                let members = pool.members();
                pool.route(endpoint, now).into_iter().map(|i| members[i].name.clone()).collect()
            }

            /// Tells the pool how a call to member `server` made on its own client
            /// ([`member`](Self::member)) went: `Ok` when it answered, whatever it said.
            /// Connection failures put it in a cooldown, as the pool's own calls do.
            pub fn learn(&self, server: &str, outcome: Result<(), &mj_proto::Error>) {
                let now = self.now();
                let mut pool = self.lock();
                if let Some(i) = pool.index(server) {
                    pool.learn(i, outcome, now);
                }
            }

            /// Learns from the outcome of a call to member `i`.
            fn learned<R>(&self, i: usize, result: &Result<R, mj_proto::Error>) {
                let now = self.now();
                self.lock().learn(i, result.as_ref().map(|_| ()), now);
            }

            /// Counts a task placed earlier (by an earlier run, or another process) against
            /// its member's room until it is [`release`](Self::release)d.
            pub fn adopt(&self, handle: &mj_proto::model::TaskHandle) {
                let mut pool = self.lock();
                if let Some(i) = pool.index(&handle.server) {
                    pool.took(i);
                }
            }

            /// Stops counting the task of `handle` against its member's room.
            pub fn release(&self, handle: &mj_proto::model::TaskHandle) {
                let mut pool = self.lock();
                if let Some(i) = pool.index(&handle.server) {
                    pool.released(i);
                }
            }

            /// Submits `request` to the pool exactly once (see
            /// [`PoolSubmitPlan`](mj_proto::plan::PoolSubmitPlan)) and learns each member's
            /// health from it.
            pub $($async)? fn submit<S: mj_proto::endpoint::Submit + Clone>(&self, request: S) -> Result<mj_proto::plan::Placed, mj_proto::Error> {
                // The first choice is reserved at once, so that concurrent submits spread.
                let now = self.now();
                let route = {
                    let mut pool = self.lock();
                    let route = pool.route(request.name(), now);
                    if let Some(&first) = route.first() {
                        pool.took(first);
                    }
                    route
                };
                let reserved = route.first().copied();
                self.place(request, route, reserved) $($await)*
            }

            /// Submits `request` to member `server` only, exactly once there, with no
            /// failover: for a caller that writes down where each task goes before sending
            /// it, as a durable batch does. When the refusal proves that nothing was created
            /// ([`Error::created_nothing`](mj_proto::Error::created_nothing)), another member
            /// may be tried.
            pub $($async)? fn submit_to<S: mj_proto::endpoint::Submit + Clone>(&self, server: &str, request: S) -> Result<mj_proto::plan::Placed, mj_proto::Error> {
                let (i, _) = self.named(server)?;
                self.place(request, vec![i], None) $($await)*
            }

            /// Completes, on member `server`, a submit an earlier run sent there with the
            /// token in `request`'s `state` and whose answer it never recorded (see the
            /// member client's `resume_submit`): the task is found by its token, never
            /// sent to another member.
            pub $($async)? fn resume_submit<S: mj_proto::endpoint::Submit>(
                &self,
                server: &str,
                request: S,
                lost_for: std::time::Duration,
            ) -> Result<mj_proto::plan::Placed, mj_proto::Error> {
                let (i, client) = self.named(server)?;
                let result = client.resume_submit(request, lost_for) $($await)*;
                self.learned(i, &result);
                let submitted = result?;
                self.lock().took(i);
                Ok(mj_proto::plan::Placed::new(i, server, submitted))
            }

            /// Sends `request` along `route`, with member `reserved` counted as taken
            /// meanwhile, and learns from every member it tried.
            $($async)? fn place<S: mj_proto::endpoint::Submit + Clone>(
                &self,
                mut request: S,
                route: Vec<usize>,
                reserved: Option<usize>,
            ) -> Result<mj_proto::plan::Placed, mj_proto::Error> {
                let driver = route.first().and_then(|&i| self.clients.get(i)).or(self.clients.first());
                let Some(driver) = driver else { return Err(mj_proto::ConfigError::EmptyPool.into()) };
                // A request that names its own hook keeps it; else each member is called
                // back in its scope.
                let own_hook = request.options_mut().notify_hook.is_some();
                let hooks = self
                    .clients
                    .iter()
                    .map(|c| c.settings().hooks.as_ref().filter(|_| !own_hook).map(|h| h.url().to_owned()))
                    .collect();
                let members = self.lock().members();
                let settings = driver.settings();
                let mut plan = mj_proto::plan::PoolSubmitPlan::new(&members, route, request, settings.retry.clone(), settings.submit.clone())
                    .notify_hooks(hooks)
                    .until(driver.call_deadline());
                // Callbacks come from the scope of the member the submit is on, and no
                // other (a failover listens to the new member's): the driver itself
                // listens to none.
                let scopes = self.clients.iter().map(|c| c.settings().hooks.clone()).collect();
                let deaf = driver.clone().with_settings($crate::Settings { hooks: None, ..settings.clone() });
                let result = deaf.drive(MemberFed::new(&mut plan, scopes), |_| {}) $($await)*;
                let now = self.now();
                let mut pool = self.lock();
                if let Some(reserved) = reserved {
                    pool.released(reserved);
                }
                for (i, refusal) in plan.refusals() {
                    pool.learn(*i, Err(refusal), now);
                }
                match &result {
                    Ok(placed) => {
                        pool.learn(placed.member, Ok(()), now);
                        pool.took(placed.member);
                        if let Some(client) = self.clients.get(placed.member) {
                            client.shared().submitted(&placed.submitted);
                        }
                    }
                    Err(e) => {
                        if let Some(i) = plan.member() {
                            pool.learn(i, Err(e), now);
                        }
                    }
                }
                result
            }

            /// Task `handle` from the member that owns it; `None` when it does not know it.
            pub $($async)? fn fetch(&self, handle: &mj_proto::model::TaskHandle) -> Result<Option<mj_proto::Task>, mj_proto::Error> {
                let (i, client) = self.owner(handle)?;
                let result = client.fetch(&handle.id) $($await)*;
                self.learned(i, &result);
                result
            }

            /// Waits for task `handle` on its member, calling `on_progress` with every
            /// change; its room on the member is given back when the wait ends.
            pub $($async)? fn wait_with(&self, handle: &mj_proto::model::TaskHandle, on_progress: impl FnMut(&mj_proto::Task)) -> Result<mj_proto::Task, mj_proto::Error> {
                let (i, client) = self.owner(handle)?;
                let result = client.wait_with(&handle.id, on_progress) $($await)*;
                if !matches!(&result, Err(e) if e.kind() == mj_proto::ErrorKind::WaitTimeout) {
                    self.lock().released(i);
                }
                result
            }

            /// Follows `handles` on their members together (one list request per member
            /// per round), calling `on_update` with every change; finished tasks give
            /// their room back.
            pub $($async)? fn watch(
                &self,
                handles: &[mj_proto::model::TaskHandle],
                mut on_update: impl FnMut(&mj_proto::model::TaskHandle, &mj_proto::Task),
            ) -> Result<mj_proto::plan::PoolWatchReport, mj_proto::Error> {
                let Some(first) = self.clients.first() else { return Err(mj_proto::ConfigError::EmptyPool.into()) };
                let members = self.lock().members();
                // The driver's hooks are the first member's scope: only its callbacks come in.
                let mut plan = mj_proto::plan::PoolWatchPlan::new(&members, handles, first.settings().watch.clone(), first.settings().retry.clone())
                    .until(first.call_deadline());
                if let Some(member) = members.first() {
                    plan = plan.pushes_from(member.name.clone());
                }
                let report = first.drive(plan, |(server, task)| {
                    on_update(&mj_proto::model::TaskHandle::new(server, task.id.clone()), &task)
                }) $($await)* ?;
                let mut pool = self.lock();
                for (handle, _) in &report.finished {
                    if let Some(i) = pool.index(&handle.server) {
                        pool.released(i);
                    }
                }
                Ok(report)
            }

            /// Submits to the pool and waits on the member that took it; `on_progress`
            /// first sees the new task, then every change.
            pub $($async)? fn submit_and_wait<S: mj_proto::endpoint::Submit + Clone>(
                &self,
                request: S,
                mut on_progress: impl FnMut(&mj_proto::model::TaskHandle, &mj_proto::Task),
            ) -> Result<(mj_proto::model::TaskHandle, mj_proto::Task), mj_proto::Error> {
                let placed = self.submit(request) $($await)* ?;
                let handle = placed.handle();
                let task = self.wait_with(&handle, |task| on_progress(&handle, task)) $($await)* ?;
                Ok((handle, task))
            }

            /// Presses the first button of `kind` on `task`, which member `handle.server`
            /// owns: the new task is created there, and its handle names it.
            pub $($async)? fn press(
                &self,
                handle: &mj_proto::model::TaskHandle,
                task: &mj_proto::Task,
                kind: &mj_proto::ButtonKind,
            ) -> Result<mj_proto::model::TaskHandle, mj_proto::Error> {
                let (i, client) = self.owner(handle)?;
                let submitted = client.press(task, kind) $($await)* ?;
                self.lock().took(i);
                Ok(mj_proto::model::TaskHandle::new(handle.server.clone(), submitted.task_id))
            }
        }
    };
}

pool_client!(
    /// A blocking client over a [`Pool`](mj_proto::plan::Pool) of servers.
    ///
    /// ```no_run
    /// use mj_client::prelude::*;
    /// use mj_client::mj_proto::plan::{Member, Pool};
    ///
    /// # fn run<T: mj_client::mj_proto::Transport + Default>() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = Pool::new(vec![
    ///     Member::new("eu", Config::new("https://eu.example.com")?.with_profile(ServerProfile::Plus))?,
    ///     Member::new("us", Config::new("https://us.example.com")?.with_profile(ServerProfile::Trueai))?.weight(2),
    /// ])?;
    /// let client = mj_client::PoolClient::<T>::new(pool);
    /// let (handle, grid) = client.submit_and_wait(Imagine::new("a red fox"), |h, t| println!("{h} {}", t.status))?;
    /// println!("{handle}: {:?}", grid.image_url); // e.g. us:1747190313867714
    /// # Ok(()) }
    /// ```
    PoolClient,
    Client,
    Transport,
    ,
);

pool_client!(
    /// An async client over a [`Pool`](mj_proto::plan::Pool) of servers: the same methods
    /// as [`PoolClient`].
    AsyncPoolClient,
    AsyncClient,
    AsyncTransport,
    async,
    .await
);
