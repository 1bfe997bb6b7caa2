//! The methods both clients have, stamped out once for the blocking driver and once for
//! the async one (the same names, types and documentation; only `.await` differs).

/// The struct, constructors and accessors both clients share.
macro_rules! client_struct {
    ($(#[$doc:meta])* $name:ident, $transport:ident) => {
        $(#[$doc])*
        ///
        /// Cloning is cheap (two reference counts): clones share the transport, the
        /// settings and what the client learned of its server, so hand one to each task.
        #[derive(Debug)]
        pub struct $name<T> {
            transport: std::sync::Arc<T>,
            shared: std::sync::Arc<$crate::Shared>,
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                Self { transport: self.transport.clone(), shared: self.shared.clone() }
            }
        }

        impl<T: $transport + Default> $name<T> {
            /// A client for the server in `config` over a default-configured transport
            /// (`mj_ureq::Client::new(config)`, `mj_reqwest::Client::new(config)`).
            pub fn new(config: mj_proto::Config) -> Self {
                Self::with_transport(T::default(), config)
            }

            /// Builds a client over a default-configured transport step by step:
            /// `Client::builder().base_url(url).api_key(key).build()?`.
            pub fn builder() -> $crate::ClientBuilder<Self> {
                $crate::ClientBuilder::new(|config, settings| Self::new(config).with_settings(settings))
            }
        }

        impl<T: $transport> $name<T> {
            /// A client for the server in `config`, over `transport`, with default
            /// [`Settings`]($crate::Settings).
            pub fn with_transport(transport: T, config: mj_proto::Config) -> Self {
                Self {
                    transport: std::sync::Arc::new(transport),
                    shared: $crate::Shared::new(config, $crate::Settings::default(), Default::default(), None),
                }
            }

            /// The same client with every call ending by `deadline` at the latest (the
            /// earlier one kept, if it already had one): a run of many calls, such as a
            /// batch or a command-line tool's whole command, ends whole. Each call is
            /// still bounded by [`Settings::deadline`]($crate::Settings::deadline)
            /// too.
            pub fn until(&self, deadline: std::time::Instant) -> Self {
                let ends_at = Some(self.shared.ends_at.map_or(deadline, |at| at.min(deadline)));
                let shared = $crate::Shared::new(
                    self.shared.config.clone(),
                    self.shared.settings.clone(),
                    self.shared.learned.clone(),
                    ends_at,
                );
                Self { transport: self.transport.clone(), shared }
            }

            /// The same client with other settings (what it learned of the server, and
            /// the end [`until`](Self::until) set, are kept).
            pub fn with_settings(self, settings: $crate::Settings) -> Self {
                let shared = $crate::Shared::new(
                    self.shared.config.clone(),
                    settings,
                    self.shared.learned.clone(),
                    self.shared.ends_at,
                );
                Self { transport: self.transport, shared }
            }

            /// The instant a call starting now must end by, from [`Settings::deadline`]($crate::Settings::deadline)
            /// and the end [`until`](Self::until) set.
            pub(crate) fn call_deadline(&self) -> Option<std::time::Instant> {
                let own = self.transport.now().checked_add(self.shared.settings.deadline);
                match (own, self.shared.ends_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }

            /// The endpoints this client learned its server lacks (it answered 404, 405 or
            /// 501, announced as [`Notice::Fallback`](mj_proto::plan::Notice::Fallback)): later
            /// calls go straight to what works instead of asking again.
            pub fn missing_endpoints(&self) -> Vec<mj_proto::EndpointName> {
                self.shared.learned.missing()
            }

            /// What clones of this client share.
            pub(crate) fn shared(&self) -> &$crate::Shared {
                &self.shared
            }

            /// How this client retries, waits and reports.
            pub fn settings(&self) -> &$crate::Settings {
                &self.shared.settings
            }

            /// Where the server is and how this client reaches it.
            pub fn config(&self) -> &mj_proto::Config {
                &self.shared.config
            }

            /// The transport this client sends through (its own settings, or its simulator).
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
        /// Calls `endpoint`, retrying only what is safe (see [`RetryPlan`](mj_proto::plan::RetryPlan)).
        pub $($async)? fn execute<E: mj_proto::Endpoint>(&self, endpoint: &E) -> Result<E::Output, mj_proto::Error> {
            let plan = mj_proto::plan::RetryPlan::new(&self.shared.config, endpoint, self.shared.policy())
                .knowing(&self.shared.facts())
                .until(self.call_deadline());
            self.drive_as(endpoint.name().as_str(), plan, |_| {}) $($await)*
        }

        /// Submits a task exactly once (see [`SubmitPlan`](mj_proto::plan::SubmitPlan)): a lost
        /// answer is resolved by looking the task up by its `state` token, never by a
        /// blind re-send. Every task-creating endpoint goes through here:
        /// `client.submit(Imagine::new("a fox"))`, `client.submit(Blend::new(images))`, …;
        /// a button is pressed with [`press`](Self::press).
        ///
        /// With [`Settings::hooks`]($crate::Settings::hooks), the request carries the hook's
        /// URL as `notifyHook` unless it names its own.
        pub $($async)? fn submit<S: mj_proto::endpoint::Submit>(&self, mut request: S) -> Result<mj_proto::Submitted, mj_proto::Error> {
            self.shared.hook(&mut request);
            let name = request.name();
            let plan = self.shared.submit_plan(request, self.call_deadline());
            let submitted = self.drive_as(name.as_str(), plan, |_| {}) $($await)*;
            if let Ok(submitted) = &submitted {
                self.shared.submitted(submitted);
            }
            submitted
        }

        /// Completes a submit that an earlier run sent, or may have sent, with the token in
        /// `request`'s `state`, and whose answer it never recorded, `lost_for` ago (see
        /// [`SubmitPlan::resumed`](mj_proto::plan::SubmitPlan::resumed)): the task is found by
        /// the token, and the request goes out again only when the server provably has none.
        pub $($async)? fn resume_submit<S: mj_proto::endpoint::Submit>(&self, mut request: S, lost_for: std::time::Duration) -> Result<mj_proto::Submitted, mj_proto::Error> {
            self.shared.hook(&mut request);
            let name = request.name();
            let plan = self.shared.submit_plan(request, self.call_deadline()).resumed(lost_for, self.transport.now());
            let submitted = self.drive_as(name.as_str(), plan, |_| {}) $($await)*;
            if let Ok(submitted) = &submitted {
                self.shared.submitted(submitted);
            }
            submitted
        }

        /// Downloads a result image or video (retried within the call's deadline; see
        /// [`Download`](mj_proto::endpoint::Download) for the checks). Save it with
        /// `mj_ureq::save` or `mj_reqwest::save`, which write whole files or none.
        pub $($async)? fn download(&self, url: &str) -> Result<mj_proto::endpoint::Media, mj_proto::Error> {
            self.execute(&mj_proto::endpoint::Download::new(url)) $($await)*
        }

        /// Uploads images and returns their CDN URLs.
        pub $($async)? fn upload(&self, request: mj_proto::endpoint::UploadDiscordImages) -> Result<Vec<String>, mj_proto::Error> {
            self.execute(&request) $($await)*
        }

        /// One task, or `None` when the server does not know it.
        pub $($async)? fn fetch(&self, id: &str) -> Result<Option<mj_proto::Task>, mj_proto::Error> {
            self.execute(&mj_proto::endpoint::Fetch::new(id)) $($await)*
        }

        /// Many tasks in one request (`list-by-condition`); unknown ids are left out. On a
        /// server without that endpoint, one `GET fetch` per id instead (announced as a
        /// [`Notice::Fallback`](mj_proto::plan::Notice::Fallback)).
        pub $($async)? fn tasks<I: Into<String>>(&self, ids: impl IntoIterator<Item = I>) -> Result<Vec<mj_proto::Task>, mj_proto::Error> {
            let plan = mj_proto::plan::TasksPlan::new(&self.shared.config, ids, self.shared.policy())
                .knowing(&self.shared.facts())
                .until(self.call_deadline());
            self.drive_as("tasks", plan, |_| {}) $($await)*
        }

        /// The server's task list (`GET /mj/task/list`).
        pub $($async)? fn list(&self) -> Result<Vec<mj_proto::Task>, mj_proto::Error> {
            self.execute(&mj_proto::endpoint::ListTasks::new()) $($await)*
        }

        /// Queued and running tasks (`GET /mj/task/queue`).
        pub $($async)? fn queue(&self) -> Result<Vec<mj_proto::Task>, mj_proto::Error> {
            self.execute(&mj_proto::endpoint::Queue::new()) $($await)*
        }

        /// Cancels a task.
        pub $($async)? fn cancel(&self, id: &str) -> Result<(), mj_proto::Error> {
            self.execute(&mj_proto::endpoint::Cancel::new(id)) $($await)*
        }

        /// The Midjourney seed of a finished task.
        pub $($async)? fn image_seed(&self, id: &str) -> Result<String, mj_proto::Error> {
            self.execute(&mj_proto::endpoint::ImageSeed::new(id)) $($await)*
        }

        /// One page of the task search.
        pub $($async)? fn query(&self, query: &mj_proto::endpoint::Query) -> Result<mj_proto::Page<mj_proto::Task>, mj_proto::Error> {
            self.execute(query) $($await)*
        }

        /// Waits for task `id` with the client's [`WaitOptions`](mj_proto::plan::WaitOptions).
        pub $($async)? fn wait(&self, id: &str) -> Result<mj_proto::Task, mj_proto::Error> {
            self.wait_with(id, |_| {}) $($await)*
        }

        /// Waits for task `id`, calling `on_progress` with every change (status, progress,
        /// preview image). SUCCESS gives the task; FAILURE/CANCEL are
        /// [`Error::TaskFailed`](mj_proto::Error::TaskFailed), MODAL is
        /// [`Error::NeedsInput`](mj_proto::Error::NeedsInput), the deadline is
        /// [`Error::WaitTimeout`](mj_proto::Error::WaitTimeout).
        pub $($async)? fn wait_with(&self, id: &str, on_progress: impl FnMut(&mj_proto::Task)) -> Result<mj_proto::Task, mj_proto::Error> {
            self.wait_until(id, self.call_deadline(), on_progress) $($await)*
        }

        /// Waits for task `id` until `deadline`. A task this client just submitted with its
        /// hooks is expected to call back, so its first poll waits one interval.
        $($async)? fn wait_until(
            &self,
            id: &str,
            deadline: Option<std::time::Instant>,
            mut on_progress: impl FnMut(&mj_proto::Task),
        ) -> Result<mj_proto::Task, mj_proto::Error> {
            let mut plan = mj_proto::plan::WaitPlan::new(
                &self.shared.config,
                id,
                self.shared.wait_options(id),
                self.shared.policy(),
            )
            .knowing(&self.shared.facts())
            .until(deadline);
            if self.shared.expects_pushes(id) {
                plan = plan.expecting_pushes();
            }
            self.drive_as("wait", plan, |task| {
                $crate::trace::task(&task);
                on_progress(&task)
            }) $($await)*
        }

        /// Follows many tasks with one `list-by-condition` request per batch per round,
        /// calling `on_update` with every change.
        pub $($async)? fn watch<I: Into<String>>(
            &self,
            ids: impl IntoIterator<Item = I>,
            mut on_update: impl FnMut(&mj_proto::Task),
        ) -> Result<mj_proto::plan::WatchReport, mj_proto::Error> {
            let ids: Vec<String> = ids.into_iter().map(Into::into).collect();
            let options = self.shared.watch_options(&ids);
            let plan = mj_proto::plan::WatchPlan::new(
                &self.shared.config,
                ids,
                options,
                self.shared.policy(),
            )
            .knowing(&self.shared.facts())
            .until(self.call_deadline());
            self.drive_as("watch", plan, |task| {
                $crate::trace::task(&task);
                on_update(&task)
            }) $($await)*
        }

        /// Submits exactly once and waits for the result, within one deadline.
        ///
        /// `on_progress` is first called as soon as the submit is answered, with the new
        /// task's id and correlation token (status `SUBMITTED`, or `NOT_START` when
        /// queued), before waiting starts: a caller that gives up during the wait can
        /// resume with `wait(id)`. Then it is called with every change.
        ///
        /// The common flow in three lines:
        /// `let grid = client.submit_and_wait(Imagine::new("a fox"), |_| {})?;`
        /// `let upscale = client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {})?;`
        pub $($async)? fn submit_and_wait<S: mj_proto::endpoint::Submit>(
            &self,
            mut request: S,
            mut on_progress: impl FnMut(&mj_proto::Task),
        ) -> Result<mj_proto::Task, mj_proto::Error> {
            self.shared.hook(&mut request);
            let deadline = self.call_deadline();
            let name = request.name();
            let plan = self.shared.submit_plan(request, deadline);
            let token = plan.token().to_owned();
            let submitted = self.drive_as(name.as_str(), plan, |_| {}) $($await)* ?;
            self.shared.submitted(&submitted);
            on_progress(&$crate::first_sight(&submitted, &token));
            self.wait_until(&submitted.task_id, deadline, on_progress) $($await)*
        }

        /// Presses the first button of `kind` on `task` (exactly once). On a task with no
        /// buttons at all (novicezk), U1-U4, V1-V4 and reroll go through `/submit/change`.
        pub $($async)? fn press(&self, task: &mj_proto::Task, kind: &mj_proto::ButtonKind) -> Result<mj_proto::Submitted, mj_proto::Error> {
            let press = mj_proto::endpoint::Press::new(task, kind, self.shared.config.profile()).map_err(|e| self.shared.config.redact(e))?;
            self.submit(press) $($await)*
        }

        /// Presses the first button of `kind` on `task` and waits for the new task.
        pub $($async)? fn press_and_wait(
            &self,
            task: &mj_proto::Task,
            kind: &mj_proto::ButtonKind,
            on_progress: impl FnMut(&mj_proto::Task),
        ) -> Result<mj_proto::Task, mj_proto::Error> {
            let press = mj_proto::endpoint::Press::new(task, kind, self.shared.config.profile()).map_err(|e| self.shared.config.redact(e))?;
            self.submit_and_wait(press, on_progress) $($await)*
        }
    };
}
pub(crate) use client_methods;
