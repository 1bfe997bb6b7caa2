//! Clients over a pool of servers: [`PoolClient`] (blocking) and [`AsyncPoolClient`]. A
//! submit goes where [`Pool::route`](crate::plan::Pool::route) says and moves on only
//! when a member provably created nothing ([`PoolSubmitPlan`](crate::plan::PoolSubmitPlan));
//! every task is known by its [`TaskHandle`] afterwards, and fetch, wait and press go to
//! the member that owns it.

use crate::transport::{AsyncTransport, Transport};

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
            pool: std::sync::Arc<std::sync::Mutex<$crate::plan::Pool>>,
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                Self { clients: self.clients.clone(), pool: self.pool.clone() }
            }
        }

        impl<T: $transport + Default> $name<T> {
            /// A client for `pool` over a default-configured transport.
            pub fn new(pool: $crate::plan::Pool) -> Self {
                Self::with_transport(T::default(), pool)
            }
        }

        impl<T: $transport> $name<T> {
            /// A client for `pool` over `transport`, shared by all members, with default
            /// [`Settings`]($crate::Settings).
            pub fn with_transport(transport: T, pool: $crate::plan::Pool) -> Self {
                let transport = std::sync::Arc::new(transport);
                let clients = pool
                    .members()
                    .iter()
                    .map(|m| $crate::$client::with_transport(transport.clone(), m.config.clone()))
                    .collect();
                Self { clients, pool: std::sync::Arc::new(std::sync::Mutex::new(pool)) }
            }

            /// The same pool with `settings` for every member (hooks included).
            pub fn with_settings(self, settings: $crate::Settings) -> Self {
                let clients = self.clients.iter().map(|c| c.clone().with_settings(settings.clone())).collect();
                Self { clients, pool: self.pool }
            }

            fn lock(&self) -> std::sync::MutexGuard<'_, $crate::plan::Pool> {
                self.pool.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
            }

            /// The client of member `name`, for anything on a task it owns (download,
            /// watch, modal, …).
            pub fn member(&self, name: &str) -> Option<&$crate::$client<std::sync::Arc<T>>> {
                let i = self.lock().index(name)?;
                self.clients.get(i)
            }

            /// The owner's client of `handle`, or an error naming the unknown member.
            fn owner(&self, handle: &$crate::model::TaskHandle) -> Result<(usize, &$crate::$client<std::sync::Arc<T>>), $crate::Error> {
                let i = self.lock().index(&handle.server);
                match i.and_then(|i| self.clients.get(i).map(|c| (i, c))) {
                    Some(found) => Ok(found),
                    None => Err($crate::Error::TaskNotFound { id: handle.to_string() }),
                }
            }

            /// Every member's health and load now.
            pub fn status(&self) -> Vec<$crate::plan::MemberStatus> {
                let now = self.clients.first().map_or_else(std::time::Instant::now, |c| c.transport().now());
                self.lock().status(now)
            }

            /// Stops counting the task of `handle` against its member's room.
            pub fn release(&self, handle: &$crate::model::TaskHandle) {
                let mut pool = self.lock();
                if let Some(i) = pool.index(&handle.server) {
                    pool.released(i);
                }
            }

            /// Submits `request` to the pool exactly once (see
            /// [`PoolSubmitPlan`]($crate::plan::PoolSubmitPlan)) and learns each member's
            /// health from it.
            pub $($async)? fn submit<S: $crate::endpoint::Submit + Clone>(&self, mut request: S) -> Result<$crate::plan::Placed, $crate::Error> {
                let Some(first) = self.clients.first() else { return Err($crate::ConfigError::EmptyPool.into()) };
                first.shared().hook(&mut request);
                let now = first.transport().now();
                // The first choice is reserved at once, so that concurrent submits spread.
                let (members, route) = {
                    let mut pool = self.lock();
                    let route = pool.route(request.name(), now);
                    if let Some(&first) = route.first() {
                        pool.took(first);
                    }
                    (pool.members(), route)
                };
                let reserved = route.first().copied();
                let settings = first.settings();
                let mut plan = $crate::plan::PoolSubmitPlan::new(&members, route, request, settings.retry.clone(), settings.submit.clone())
                    .until(first.call_deadline());
                let result = first.drive(&mut plan, |_| {}) $($await)*;
                let now = first.transport().now();
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
            pub $($async)? fn fetch(&self, handle: &$crate::model::TaskHandle) -> Result<Option<$crate::Task>, $crate::Error> {
                let (_, client) = self.owner(handle)?;
                client.fetch(&handle.id) $($await)*
            }

            /// Waits for task `handle` on its member, calling `on_progress` with every
            /// change; its room on the member is given back when the wait ends.
            pub $($async)? fn wait_with(&self, handle: &$crate::model::TaskHandle, on_progress: impl FnMut(&$crate::Task)) -> Result<$crate::Task, $crate::Error> {
                let (i, client) = self.owner(handle)?;
                let result = client.wait_with(&handle.id, on_progress) $($await)*;
                if !matches!(&result, Err(e) if e.kind() == $crate::ErrorKind::WaitTimeout) {
                    self.lock().released(i);
                }
                result
            }

            /// Follows `handles` on their members together (one list request per member
            /// per round), calling `on_update` with every change; finished tasks give
            /// their room back.
            pub $($async)? fn watch(
                &self,
                handles: &[$crate::model::TaskHandle],
                mut on_update: impl FnMut(&$crate::model::TaskHandle, &$crate::Task),
            ) -> Result<$crate::plan::PoolWatchReport, $crate::Error> {
                let Some(first) = self.clients.first() else { return Err($crate::ConfigError::EmptyPool.into()) };
                let members = self.lock().members();
                let plan = $crate::plan::PoolWatchPlan::new(&members, handles, first.settings().watch.clone(), first.settings().retry.clone())
                    .until(first.call_deadline());
                let report = first.drive(plan, |(server, task)| {
                    on_update(&$crate::model::TaskHandle::new(server, task.id.clone()), &task)
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
            pub $($async)? fn submit_and_wait<S: $crate::endpoint::Submit + Clone>(
                &self,
                request: S,
                mut on_progress: impl FnMut(&$crate::model::TaskHandle, &$crate::Task),
            ) -> Result<($crate::model::TaskHandle, $crate::Task), $crate::Error> {
                let placed = self.submit(request) $($await)* ?;
                let handle = placed.handle();
                let task = self.wait_with(&handle, |task| on_progress(&handle, task)) $($await)* ?;
                Ok((handle, task))
            }

            /// Presses the first button of `kind` on `task`, which member `handle.server`
            /// owns: the new task is created there, and its handle names it.
            pub $($async)? fn press(
                &self,
                handle: &$crate::model::TaskHandle,
                task: &$crate::Task,
                kind: &$crate::ButtonKind,
            ) -> Result<$crate::model::TaskHandle, $crate::Error> {
                let (i, client) = self.owner(handle)?;
                let submitted = client.press(task, kind) $($await)* ?;
                self.lock().took(i);
                Ok($crate::model::TaskHandle::new(handle.server.clone(), submitted.task_id))
            }
        }
    };
}

pool_client!(
    /// A blocking client over a [`Pool`](crate::plan::Pool) of servers.
    ///
    /// ```no_run
    /// use mj_proto::prelude::*;
    /// use mj_proto::plan::{Member, Pool};
    ///
    /// # fn run<T: mj_proto::Transport + Default>() -> Result<(), Box<dyn std::error::Error>> {
    /// let pool = Pool::new(vec![
    ///     Member::new("eu", Config::new("https://eu.example.com")?.with_profile(ServerProfile::Plus))?,
    ///     Member::new("us", Config::new("https://us.example.com")?.with_profile(ServerProfile::Trueai))?.weight(2),
    /// ])?;
    /// let client = mj_proto::PoolClient::<T>::new(pool);
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
    /// An async client over a [`Pool`](crate::plan::Pool) of servers: the same methods
    /// as [`PoolClient`].
    AsyncPoolClient,
    AsyncClient,
    AsyncTransport,
    async,
    .await
);
