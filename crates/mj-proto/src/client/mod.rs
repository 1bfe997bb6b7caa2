//! The clients users call: one method per endpoint, plus waiting, watching and paging.
//!
//! [`Client`] (blocking) and [`AsyncClient`] have the same methods with the same types;
//! they differ only in their driver loop, the one place that reads the clock and sleeps
//! (through the transport, so a simulated transport runs simulated time).

mod asynchronous;
mod blocking;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub use asynchronous::{AsyncClient, AsyncPages};
pub use blocking::{Client, Pages};

use crate::plan::{Lookup, RetryPolicy, WaitOptions, WatchOptions};

/// How a client retries, resolves lost submits, waits and watches.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// Retry limits and pacing.
    pub retry: RetryPolicy,
    /// How a lost submit answer is looked up.
    pub lookup: Lookup,
    /// Polling pace and deadline of `wait`.
    pub wait: WaitOptions,
    /// Round pace, batch size and deadline of `watch`.
    pub watch: WatchOptions,
}

/// Per-plan jitter seeds: the clock at construction, then a counter, so two clients (or
/// two plans) never back off in lockstep.
#[derive(Debug)]
pub(crate) struct Seeds(AtomicU64);

impl Seeds {
    pub(crate) fn from_clock() -> Self {
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
        Self(AtomicU64::new(nanos ^ u64::from(std::process::id()).rotate_left(32)))
    }

    pub(crate) fn policy(&self, base: &RetryPolicy) -> RetryPolicy {
        let n = self.0.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        base.clone().seeded(base.seed ^ n)
    }
}

/// The struct, constructors and accessors both clients share.
macro_rules! client_struct {
    ($(#[$doc:meta])* $name:ident, $transport:ident) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name<T> {
            transport: T,
            config: $crate::Config,
            settings: $crate::client::Settings,
            seeds: $crate::client::Seeds,
        }

        impl<T: $transport + Default> $name<T> {
            /// A client for the server in `config` over a default-configured transport
            /// (`mj_ureq::Client::new(config)`, `mj_reqwest::Client::new(config)`).
            pub fn new(config: $crate::Config) -> Self {
                Self::with_transport(T::default(), config)
            }
        }

        impl<T: $transport> $name<T> {
            /// A client for the server in `config`, over `transport`, with default
            /// [`Settings`]($crate::client::Settings).
            pub fn with_transport(transport: T, config: $crate::Config) -> Self {
                Self {
                    transport,
                    config,
                    settings: $crate::client::Settings::default(),
                    seeds: $crate::client::Seeds::from_clock(),
                }
            }

            /// Replaces the settings.
            pub fn with_settings(mut self, settings: $crate::client::Settings) -> Self {
                self.settings = settings;
                self
            }

            /// The settings.
            pub fn settings(&self) -> &$crate::client::Settings {
                &self.settings
            }

            /// The server configuration.
            pub fn config(&self) -> &$crate::Config {
                &self.config
            }

            /// The transport.
            pub fn transport(&self) -> &T {
                &self.transport
            }
        }
    };
}
pub(crate) use client_struct;

/// The methods both clients share; `$async`/`$await` make them blocking or async.
macro_rules! client_methods {
    ($($async:ident)?, $($await:tt)*) => {
        /// Calls `endpoint`, retrying only what is safe (see [`RetryPlan`](crate::plan::RetryPlan)).
        pub $($async)? fn execute<E: $crate::Endpoint>(&self, endpoint: &E) -> Result<E::Output, $crate::Error> {
            let plan = $crate::plan::RetryPlan::new(&self.config, endpoint, self.seeds.policy(&self.settings.retry));
            self.drive(plan, |_| {}) $($await)*
        }

        /// Submits a task exactly once (see [`SubmitPlan`](crate::plan::SubmitPlan)): a lost
        /// answer is resolved by looking the task up by its `state` token, never by a
        /// blind re-send.
        pub $($async)? fn submit<S: $crate::endpoint::Submit>(&self, request: S) -> Result<$crate::Submitted, $crate::Error> {
            let plan = $crate::plan::SubmitPlan::new(
                &self.config,
                request,
                self.seeds.policy(&self.settings.retry),
                self.settings.lookup,
            );
            self.drive(plan, |_| {}) $($await)*
        }

        /// `/imagine` (exactly once).
        pub $($async)? fn imagine(&self, request: $crate::endpoint::Imagine) -> Result<$crate::Submitted, $crate::Error> {
            self.submit(request) $($await)*
        }

        /// Presses a button (exactly once); see [`Task::press`]($crate::Task::press).
        pub $($async)? fn action(&self, request: $crate::endpoint::Action) -> Result<$crate::Submitted, $crate::Error> {
            self.submit(request) $($await)*
        }

        /// Confirms a task waiting in MODAL (exactly once).
        pub $($async)? fn modal(&self, request: $crate::endpoint::Modal) -> Result<$crate::Submitted, $crate::Error> {
            self.submit(request) $($await)*
        }

        /// `/describe` (exactly once).
        pub $($async)? fn describe(&self, request: $crate::endpoint::Describe) -> Result<$crate::Submitted, $crate::Error> {
            self.submit(request) $($await)*
        }

        /// `/blend` (exactly once).
        pub $($async)? fn blend(&self, request: $crate::endpoint::Blend) -> Result<$crate::Submitted, $crate::Error> {
            self.submit(request) $($await)*
        }

        /// `/shorten` (exactly once).
        pub $($async)? fn shorten(&self, request: $crate::endpoint::Shorten) -> Result<$crate::Submitted, $crate::Error> {
            self.submit(request) $($await)*
        }

        /// `/submit/change` (exactly once).
        pub $($async)? fn change(&self, request: $crate::endpoint::Change) -> Result<$crate::Submitted, $crate::Error> {
            self.submit(request) $($await)*
        }

        /// `/submit/video` (exactly once).
        pub $($async)? fn video(&self, request: $crate::endpoint::Video) -> Result<$crate::Submitted, $crate::Error> {
            self.submit(request) $($await)*
        }

        /// `/submit/edits` (exactly once).
        pub $($async)? fn edits(&self, request: $crate::endpoint::Edits) -> Result<$crate::Submitted, $crate::Error> {
            self.submit(request) $($await)*
        }

        /// InsightFace swap (exactly once).
        pub $($async)? fn swap_face(&self, request: $crate::endpoint::SwapFace) -> Result<$crate::Submitted, $crate::Error> {
            self.submit(request) $($await)*
        }

        /// Uploads images and returns their CDN URLs.
        pub $($async)? fn upload(&self, request: $crate::endpoint::UploadDiscordImages) -> Result<Vec<String>, $crate::Error> {
            self.execute(&request) $($await)*
        }

        /// One task, or `None` when the server does not know it.
        pub $($async)? fn fetch(&self, id: &str) -> Result<Option<$crate::Task>, $crate::Error> {
            self.execute(&$crate::endpoint::Fetch::new(id)) $($await)*
        }

        /// Many tasks in one request (`list-by-condition`); unknown ids are left out.
        pub $($async)? fn tasks<I: Into<String>>(&self, ids: impl IntoIterator<Item = I>) -> Result<Vec<$crate::Task>, $crate::Error> {
            self.execute(&$crate::endpoint::ListByCondition::new(ids)) $($await)*
        }

        /// The server's task list (`GET /mj/task/list`).
        pub $($async)? fn list(&self) -> Result<Vec<$crate::Task>, $crate::Error> {
            self.execute(&$crate::endpoint::ListTasks::new()) $($await)*
        }

        /// Queued and running tasks (`GET /mj/task/queue`).
        pub $($async)? fn queue(&self) -> Result<Vec<$crate::Task>, $crate::Error> {
            self.execute(&$crate::endpoint::Queue::new()) $($await)*
        }

        /// Cancels a task.
        pub $($async)? fn cancel(&self, id: &str) -> Result<(), $crate::Error> {
            self.execute(&$crate::endpoint::Cancel::new(id)) $($await)*
        }

        /// The Midjourney seed of a finished task.
        pub $($async)? fn image_seed(&self, id: &str) -> Result<String, $crate::Error> {
            self.execute(&$crate::endpoint::ImageSeed::new(id)) $($await)*
        }

        /// One page of the task search.
        pub $($async)? fn query(&self, query: &$crate::endpoint::Query) -> Result<$crate::Page<$crate::Task>, $crate::Error> {
            self.execute(query) $($await)*
        }

        /// Waits for task `id` with the client's [`WaitOptions`](crate::plan::WaitOptions).
        pub $($async)? fn wait(&self, id: &str) -> Result<$crate::Task, $crate::Error> {
            self.wait_with(id, |_| {}) $($await)*
        }

        /// Waits for task `id`, calling `on_progress` with every change (status, progress,
        /// preview image). SUCCESS gives the task; FAILURE/CANCEL are
        /// [`Error::TaskFailed`]($crate::Error::TaskFailed), MODAL is
        /// [`Error::NeedsInput`]($crate::Error::NeedsInput), the deadline is
        /// [`Error::WaitTimeout`]($crate::Error::WaitTimeout).
        pub $($async)? fn wait_with(&self, id: &str, mut on_progress: impl FnMut(&$crate::Task)) -> Result<$crate::Task, $crate::Error> {
            let plan = $crate::plan::WaitPlan::new(
                &self.config,
                id,
                self.settings.wait.clone(),
                self.seeds.policy(&self.settings.retry),
            );
            self.drive(plan, |task| on_progress(&task)) $($await)*
        }

        /// Follows many tasks with one `list-by-condition` request per batch per round,
        /// calling `on_update` with every change.
        pub $($async)? fn watch<I: Into<String>>(
            &self,
            ids: impl IntoIterator<Item = I>,
            mut on_update: impl FnMut(&$crate::Task),
        ) -> Result<$crate::plan::WatchReport, $crate::Error> {
            let plan = $crate::plan::WatchPlan::new(
                &self.config,
                ids,
                self.settings.watch.clone(),
                self.seeds.policy(&self.settings.retry),
            );
            self.drive(plan, |task| on_update(&task)) $($await)*
        }

        /// Submits exactly once and waits for the result.
        ///
        /// The common flow in three lines:
        /// `let grid = client.submit_and_wait(Imagine::new("a fox"), |_| {})?;`
        /// `let upscale = client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {})?;`
        pub $($async)? fn submit_and_wait<S: $crate::endpoint::Submit>(
            &self,
            request: S,
            on_progress: impl FnMut(&$crate::Task),
        ) -> Result<$crate::Task, $crate::Error> {
            let submitted = self.submit(request) $($await)* ?;
            self.wait_with(&submitted.task_id, on_progress) $($await)*
        }

        /// Presses the first button of `kind` on `task` (exactly once).
        pub $($async)? fn press(&self, task: &$crate::Task, kind: &$crate::ButtonKind) -> Result<$crate::Submitted, $crate::Error> {
            let action = $crate::client::button_action(task, kind)?;
            self.submit(action) $($await)*
        }

        /// Presses the first button of `kind` on `task` and waits for the new task.
        pub $($async)? fn press_and_wait(
            &self,
            task: &$crate::Task,
            kind: &$crate::ButtonKind,
            on_progress: impl FnMut(&$crate::Task),
        ) -> Result<$crate::Task, $crate::Error> {
            let action = $crate::client::button_action(task, kind)?;
            self.submit_and_wait(action, on_progress) $($await)*
        }
    };
}
pub(crate) use client_methods;

/// The action for `kind` on `task`, or a build error listing the buttons it has.
pub(crate) fn button_action(
    task: &crate::Task,
    kind: &crate::ButtonKind,
) -> Result<crate::endpoint::Action, crate::Error> {
    task.action(kind).ok_or_else(|| {
        let available: Vec<&str> = task.buttons.iter().map(crate::Button::display_name).collect();
        crate::BuildError::NoSuchButton { wanted: format!("{kind:?}"), available: available.join(", ") }.into()
    })
}
