//! The clients users call: one method per endpoint, plus waiting, watching and paging.
//!
//! [`Client`] (blocking) and [`AsyncClient`] have the same methods with the same types;
//! they differ only in their driver loop, the one place that reads the clock and sleeps
//! (through the transport, so a simulated transport runs simulated time).
//!
//! # Deadlines
//!
//! [`Settings::deadline`] bounds each call as a whole: retries, lookups, waiting, and
//! each exchange (a request carries the time left as a [`RequestTimeout`](crate::RequestTimeout),
//! which the transports honour). `submit_and_wait` and `press_and_wait` count as one call.
//!
//! # Cancelling an async call
//!
//! Dropping a future of [`AsyncClient`] stops it at its current `.await`; nothing runs in
//! the background afterwards. What that leaves behind depends on where it stopped:
//!
//! - **Reads** (`fetch`, `tasks`, `list`, `queue`, `query`, `image_seed`, `wait`,
//!   `watch`, `pages`): nothing. A wait can be started again with the same id.
//! - **Submits** (`submit`, `imagine`, `action`, `modal`, `describe`, `blend`, `shorten`,
//!   `change`, `video`, `edits`, `swap_face`, `video_swap`, `press`): dropped while sleeping before the
//!   first send, nothing was sent. Dropped during a send or afterwards (a backoff or a
//!   lookup), the server may have created the task: its id is lost with the future, but
//!   its `state` holds the correlation token. Set your own unique
//!   [`state`](crate::endpoint::SubmitOptions::state) to be able to find it with
//!   [`Query::with_state`](crate::endpoint::Query::with_state) or the task list.
//! - **`submit_and_wait` / `press_and_wait`**: the same until the submit is answered;
//!   from then on `on_progress` has already been called once with the new task's id and
//!   token (status `SUBMITTED`, or `NOT_START` when queued), so a caller that cancels
//!   during the wait resumes with [`AsyncClient::wait`].
//! - **`cancel`**: the cancel may or may not have reached the server; calling it again
//!   is harmless.
//!
//! The blocking [`Client`] cannot be cancelled half-way; bound it with
//! [`Settings::deadline`].

mod asynchronous;
mod blocking;
mod stream;
mod trace;

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub use asynchronous::{AsyncClient, AsyncPages};
pub use blocking::{Client, Pages};
pub use stream::{PageStream, TaskUpdates};

use crate::model::{SubmitOutcome, Submitted, Task, TaskStatus};
use crate::plan::{Notice, RetryPolicy, SubmitPolicy, WaitOptions, WatchOptions};

/// How a client retries, resolves lost submits, waits, watches and reports.
///
/// Every field has a setter, so settings are built by chaining (the structs are
/// `#[non_exhaustive]`, so `..Default::default()` does not compile outside mj):
///
/// ```
/// use std::time::Duration;
/// use mj_proto::Settings;
/// use mj_proto::plan::{Lookup, RetryPolicy, SubmitPolicy, WaitOptions, WatchOptions};
///
/// let settings = Settings::default()
///     .retry(RetryPolicy::default().attempts(5).backoff(Duration::from_millis(200), Duration::from_secs(5)))
///     .submit(SubmitPolicy::default().lookup(Lookup::List).queue_patience(Duration::from_secs(60)))
///     .wait(WaitOptions::default().interval(Duration::from_secs(3)).not_found_grace(Duration::from_secs(60)))
///     .watch(WatchOptions::default().batch_size(50).not_found_grace(Duration::from_secs(60)))
///     .deadline(Duration::from_secs(300))
///     .seed(7)
///     .observer(|notice| eprintln!("mj: {notice}"));
/// assert_eq!(settings.wait.not_found_grace, Duration::from_secs(60));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// Retry limits and pacing of one request.
    pub retry: RetryPolicy,
    /// How a submit waits out a full queue and resolves a lost answer.
    pub submit: SubmitPolicy,
    /// Polling pace and deadline of `wait`.
    pub wait: WaitOptions,
    /// Round pace, batch size and deadline of `watch`.
    pub watch: WatchOptions,
    /// Bounds every call as a whole (retries, lookups, waits, each exchange); `None`
    /// leaves each part to its own limit.
    pub deadline: Option<Duration>,
    /// Every call ends by this instant (on the transport's clock), whatever
    /// [`deadline`](Self::deadline) says: one limit for a run of several calls, such as
    /// a command-line tool's whole command.
    pub ends_at: Option<Instant>,
    /// Seeds the backoff jitter and correlation tokens, so that a run can be replayed;
    /// `None` seeds from the clock, so that clients never back off in lockstep.
    pub seed: Option<u64>,
    /// Told of every retry, lookup and re-send.
    pub observer: Observer,
}

impl Settings {
    /// Sets the retry limits and pacing.
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Sets how submits wait out a full queue and resolve a lost answer.
    pub fn submit(mut self, submit: SubmitPolicy) -> Self {
        self.submit = submit;
        self
    }

    /// Sets the pace and deadline of `wait`.
    pub fn wait(mut self, wait: WaitOptions) -> Self {
        self.wait = wait;
        self
    }

    /// Sets the pace, batch size and deadline of `watch`.
    pub fn watch(mut self, watch: WatchOptions) -> Self {
        self.watch = watch;
        self
    }

    /// Sets the per-call deadline.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Ends every call by `at` (see [`Settings::ends_at`]).
    pub fn ends_at(mut self, at: Instant) -> Self {
        self.ends_at = Some(at);
        self
    }

    /// Seeds jitter and tokens (for reproducible runs).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Calls `observe` with every [`Notice`].
    pub fn observer(mut self, observe: impl Fn(&Notice) + Send + Sync + 'static) -> Self {
        self.observer = Observer(Some(Arc::new(observe)));
        self
    }
}

/// The function told of retries, lookups and re-sends (none by default).
#[derive(Clone, Default)]
pub struct Observer(Option<Arc<ObserveFn>>);

/// What an [`Observer`] calls.
type ObserveFn = dyn Fn(&Notice) + Send + Sync;

impl Observer {
    /// Tells the observer, if there is one.
    pub fn notify(&self, notice: &Notice) {
        if let Some(observe) = &self.0 {
            observe(notice);
        }
    }
}

impl fmt::Debug for Observer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "Observer(set)" } else { "Observer(none)" })
    }
}

/// Two observers are equal when they are the same function (or both absent).
impl PartialEq for Observer {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl Eq for Observer {}

/// Per-plan jitter seeds: the settings' seed (or the clock), then a counter, so two
/// plans never back off in lockstep and a seeded client replays exactly.
#[derive(Debug)]
pub(crate) struct Seeds(AtomicU64);

impl Seeds {
    pub(crate) fn new(seed: Option<u64>) -> Self {
        let seed = seed.unwrap_or_else(|| {
            let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
            nanos ^ u64::from(std::process::id()).rotate_left(32)
        });
        Self(AtomicU64::new(seed))
    }

    pub(crate) fn policy(&self, base: &RetryPolicy) -> RetryPolicy {
        let n = self.0.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        base.clone().seeded(base.seed ^ n)
    }
}

/// What a client learned of its server while running: the endpoints it answered 404 (or
/// 405/501) for, announced as [`Notice::Fallback`]. Later calls go straight to what works
/// instead of asking again, so an undeclared reseller without `list-by-condition` costs
/// one failed request per client, not one per call.
///
/// It also remembers whether the server ever answered this client: until it has, a port
/// that refuses or a server that lets exchanges time out is taken for a server that is
/// down (or a wrong URL) and a call fails fast; once it has, the same failures are ridden
/// out as a passing fault (see [`RetryPolicy::connect_patience`](crate::plan::RetryPolicy::connect_patience)).
#[derive(Debug, Default)]
pub(crate) struct Learned {
    missing: std::sync::Mutex<Vec<&'static str>>,
    heard: std::sync::atomic::AtomicBool,
}

impl Learned {
    /// Notes that the server answered (any status).
    pub(crate) fn heard(&self) {
        self.heard.store(true, Ordering::Relaxed);
    }

    /// Whether the server ever answered this client.
    pub(crate) fn has_heard(&self) -> bool {
        self.heard.load(Ordering::Relaxed)
    }

    pub(crate) fn note(&self, notice: &Notice) {
        if let Notice::Fallback { missing, .. } = notice {
            let mut missing_ones = self.missing.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if !missing_ones.contains(missing) {
                missing_ones.push(missing);
            }
        }
    }

    /// True when the server answered that it lacks `endpoint`.
    pub(crate) fn lacks(&self, endpoint: &str) -> bool {
        self.missing.lock().unwrap_or_else(std::sync::PoisonError::into_inner).contains(&endpoint)
    }
}

/// The host (and port) `request` goes to: the configured server's, or another one's (a
/// download from a CDN), so that an error names the host that failed.
pub(crate) fn host_of(request: &crate::HttpRequest, configured: &str) -> String {
    match request.uri().authority() {
        Some(a) => match a.port_u16() {
            Some(port) => format!("{}:{port}", a.host()),
            None => a.host().to_owned(),
        },
        None => configured.to_owned(),
    }
}

/// `error` naming `host`, unless the transport already named one.
pub(crate) fn named(error: crate::TransportError, host: &str) -> crate::TransportError {
    if error.host().is_some() || host.is_empty() { error } else { error.with_host(host) }
}

/// What is known of a task the moment its submit is answered: its id and token, told to
/// `on_progress` before waiting starts so that a cancelled wait can be resumed.
pub(crate) fn first_sight(submitted: &Submitted, token: &str) -> Task {
    let status = match submitted.outcome {
        SubmitOutcome::Queued { .. } => TaskStatus::NotStart,
        _ => TaskStatus::Submitted,
    };
    Task { id: submitted.task_id.clone(), status, state: Some(token.to_owned()), ..Task::default() }
}

/// What clones of a client share: the configuration, settings, jitter seeds and what
/// was learned of the server.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: crate::Config,
    pub(crate) settings: Settings,
    pub(crate) seeds: Seeds,
    pub(crate) learned: Arc<Learned>,
    /// Ids of the tasks this client submitted lately (the last [`RECENT`]): a wait on one
    /// of them gets the full not-found grace, since a server may list a new task late; a
    /// wait on any other id gets the short one.
    recent: std::sync::Mutex<std::collections::VecDeque<String>>,
}

/// How many submitted task ids a client remembers for the not-found grace.
const RECENT: usize = 256;

impl Shared {
    pub(crate) fn new(config: crate::Config, settings: Settings, learned: Arc<Learned>) -> Arc<Self> {
        Arc::new(Self { seeds: Seeds::new(settings.seed), config, settings, learned, recent: Default::default() })
    }

    /// The retry policy for one call: its own jitter seed, and whether the server is
    /// known to be alive (it answered this client before).
    pub(crate) fn policy(&self) -> RetryPolicy {
        let mut policy = self.seeds.policy(&self.settings.retry);
        policy.server_known = self.learned.has_heard();
        policy
    }

    /// Notes the tasks a submit created.
    pub(crate) fn submitted(&self, submitted: &Submitted) {
        let mut recent = self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        for id in std::iter::once(&submitted.task_id).chain(&submitted.task_ids) {
            if !recent.contains(id) {
                if recent.len() == RECENT {
                    recent.pop_front();
                }
                recent.push_back(id.clone());
            }
        }
    }

    /// The wait options for `id`: the short not-found grace unless this client just
    /// submitted it.
    pub(crate) fn wait_options(&self, id: &str) -> crate::plan::WaitOptions {
        let mut options = self.settings.wait.clone();
        if !self.just_submitted(id) {
            options.not_found_grace = options.not_found_grace.min(options.unknown_id_grace);
        }
        options
    }

    /// The watch options for `ids`: the short not-found grace unless this client just
    /// submitted one of them.
    pub(crate) fn watch_options(&self, ids: &[String]) -> crate::plan::WatchOptions {
        let mut options = self.settings.watch.clone();
        if !ids.iter().any(|id| self.just_submitted(id)) {
            options.not_found_grace = options.not_found_grace.min(options.unknown_id_grace);
        }
        options
    }

    fn just_submitted(&self, id: &str) -> bool {
        self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().any(|r| r == id)
    }

    /// The exactly-once plan for `request`, skipping the lookups the server lacks, ending
    /// at `deadline`.
    pub(crate) fn submit_plan<S: crate::endpoint::Submit>(
        &self,
        request: S,
        deadline: Option<Instant>,
    ) -> crate::plan::SubmitPlan<'_, S> {
        crate::plan::SubmitPlan::new(&self.config, request, self.policy(), self.settings.submit.clone())
            .lacking(|e| self.learned.lacks(e))
            .until(deadline)
    }

    /// A plan's notice: traced, learned from, told to the observer.
    pub(crate) fn notice(&self, notice: &Notice) {
        trace::notice(notice);
        self.learned.note(notice);
        self.settings.observer.notify(notice);
    }

    /// A plan's result. Errors the plan built itself (a failed task, a timed-out wait)
    /// carry what the server sent: the key is scrubbed here, once, for every plan.
    pub(crate) fn finish<T>(&self, result: Result<T, crate::Error>) -> Result<T, crate::Error> {
        let result = result.map_err(|e| self.config.redact(e));
        trace::done(&result);
        result
    }
}

/// Builds a client step by step; see `Client::builder`.
///
/// ```
/// use std::time::Duration;
/// use mj_proto::{Client, ServerProfile};
/// # #[derive(Default)] struct MyTransport;
/// # impl mj_proto::Transport for MyTransport {
/// #     fn send(&self, _: mj_proto::HttpRequest) -> Result<mj_proto::HttpResponse, mj_proto::TransportError> { unimplemented!() }
/// #     fn sleep(&self, _: Duration) {}
/// # }
///
/// let client: Client<MyTransport> = Client::builder()
///     .base_url("https://api.example.com")
///     .api_key("sk-...")
///     .profile(ServerProfile::Gateway)
///     .deadline(Duration::from_secs(300))
///     .build()?;
/// assert_eq!(client.config().profile(), Some(ServerProfile::Gateway));
/// # Ok::<(), mj_proto::ConfigError>(())
/// ```
#[derive(Debug)]
#[must_use = "call .build() to get the client"]
pub struct ClientBuilder<C> {
    base_url: Option<String>,
    config: Option<crate::Config>,
    api_key: Option<String>,
    auth: Option<crate::AuthStyle>,
    profile: Option<crate::ServerProfile>,
    mode: Option<crate::SpeedMode>,
    headers: Vec<(String, String)>,
    settings: Settings,
    make: fn(crate::Config, Settings) -> C,
}

impl<C> ClientBuilder<C> {
    pub(crate) fn new(make: fn(crate::Config, Settings) -> C) -> Self {
        Self {
            base_url: None,
            config: None,
            api_key: None,
            auth: None,
            profile: None,
            mode: None,
            headers: Vec::new(),
            settings: Settings::default(),
            make,
        }
    }

    /// The server: everything before `/mj` (see [`Config::new`](crate::Config::new)).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Starts from a whole configuration instead (a base URL set here replaces its own).
    pub fn config(mut self, config: crate::Config) -> Self {
        self.config = Some(config);
        self
    }

    /// The API key.
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// How the key travels (after the profile's choice, which it overrides).
    pub fn auth_style(mut self, auth: crate::AuthStyle) -> Self {
        self.auth = Some(auth);
        self
    }

    /// The server family (see [`Config::with_profile`](crate::Config::with_profile)).
    pub fn profile(mut self, profile: crate::ServerProfile) -> Self {
        self.profile = Some(profile);
        self
    }

    /// A speed-mode path prefix.
    pub fn mode(mut self, mode: crate::SpeedMode) -> Self {
        self.mode = Some(mode);
        self
    }

    /// An extra header (see [`Config::with_header`](crate::Config::with_header)).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// All settings at once.
    pub fn settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Bounds every call (see [`Settings::deadline`]).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.settings.deadline = Some(deadline);
        self
    }

    /// Calls `observe` with every [`Notice`] (see [`Settings::observer`]).
    pub fn observer(mut self, observe: impl Fn(&Notice) + Send + Sync + 'static) -> Self {
        self.settings = self.settings.observer(observe);
        self
    }

    /// The client, or the first configuration error (a missing or bad base URL, a key a
    /// header cannot carry, a bad header).
    pub fn build(self) -> Result<C, crate::ConfigError> {
        let mut config = match (self.config, self.base_url) {
            (_, Some(url)) => crate::Config::new(&url)?,
            (Some(config), None) => config,
            (None, None) => return Err(crate::ConfigError::InvalidBaseUrl { reason: "no base URL was given" }),
        };
        if let Some(profile) = self.profile {
            config = config.with_profile(profile);
        }
        if let Some(auth) = self.auth {
            config = config.with_auth_style(auth);
        }
        if let Some(key) = self.api_key {
            config = config.with_api_key(key)?;
        }
        if let Some(mode) = self.mode {
            config = config.with_mode(Some(mode));
        }
        for (name, value) in &self.headers {
            config = config.with_header(name, value)?;
        }
        Ok((self.make)(config, self.settings))
    }
}

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
            shared: std::sync::Arc<$crate::client::Shared>,
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                Self { transport: self.transport.clone(), shared: self.shared.clone() }
            }
        }

        impl<T: $transport + Default> $name<T> {
            /// A client for the server in `config` over a default-configured transport
            /// (`mj_ureq::Client::new(config)`, `mj_reqwest::Client::new(config)`).
            pub fn new(config: $crate::Config) -> Self {
                Self::with_transport(T::default(), config)
            }

            /// Builds a client over a default-configured transport step by step:
            /// `Client::builder().base_url(url).api_key(key).build()?`.
            pub fn builder() -> $crate::client::ClientBuilder<Self> {
                $crate::client::ClientBuilder::new(|config, settings| Self::new(config).with_settings(settings))
            }
        }

        impl<T: $transport> $name<T> {
            /// A client for the server in `config`, over `transport`, with default
            /// [`Settings`]($crate::client::Settings).
            pub fn with_transport(transport: T, config: $crate::Config) -> Self {
                Self {
                    transport: std::sync::Arc::new(transport),
                    shared: $crate::client::Shared::new(config, $crate::client::Settings::default(), Default::default()),
                }
            }

            /// The same client with other settings (what it learned of the server is kept).
            pub fn with_settings(self, settings: $crate::client::Settings) -> Self {
                let shared = $crate::client::Shared::new(self.shared.config.clone(), settings, self.shared.learned.clone());
                Self { transport: self.transport, shared }
            }

            /// The instant a call starting now must end by, from [`Settings::deadline`]($crate::client::Settings::deadline)
            /// and [`Settings::ends_at`]($crate::client::Settings::ends_at).
            fn call_deadline(&self) -> Option<std::time::Instant> {
                let own = self.shared.settings.deadline.map(|d| self.transport.now() + d);
                match (own, self.shared.settings.ends_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                }
            }

            /// The settings.
            pub fn settings(&self) -> &$crate::client::Settings {
                &self.shared.settings
            }

            /// The server configuration.
            pub fn config(&self) -> &$crate::Config {
                &self.shared.config
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
            let plan = $crate::plan::RetryPlan::new(&self.shared.config, endpoint, self.shared.policy())
                .until(self.call_deadline());
            self.drive_as(endpoint.name(), plan, |_| {}) $($await)*
        }

        /// Submits a task exactly once (see [`SubmitPlan`](crate::plan::SubmitPlan)): a lost
        /// answer is resolved by looking the task up by its `state` token, never by a
        /// blind re-send.
        pub $($async)? fn submit<S: $crate::endpoint::Submit>(&self, request: S) -> Result<$crate::Submitted, $crate::Error> {
            let name = request.name();
            let plan = self.shared.submit_plan(request, self.call_deadline());
            let submitted = self.drive_as(name, plan, |_| {}) $($await)*;
            if let Ok(submitted) = &submitted {
                self.shared.submitted(submitted);
            }
            submitted
        }

        /// Completes a submit that an earlier run sent, or may have sent, with the token in
        /// `request`'s `state`, and whose answer it never recorded, `lost_for` ago (see
        /// [`SubmitPlan::resumed`](crate::plan::SubmitPlan::resumed)): the task is found by
        /// the token, and the request goes out again only when the server provably has none.
        pub $($async)? fn resume_submit<S: $crate::endpoint::Submit>(&self, request: S, lost_for: std::time::Duration) -> Result<$crate::Submitted, $crate::Error> {
            let name = request.name();
            let plan = self.shared.submit_plan(request, self.call_deadline()).resumed(lost_for, self.transport.now());
            let submitted = self.drive_as(name, plan, |_| {}) $($await)*;
            if let Ok(submitted) = &submitted {
                self.shared.submitted(submitted);
            }
            submitted
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

        /// `/submit/edits`, or `/submit/retexture` for [`Edits::retexture`]($crate::endpoint::Edits::retexture) (exactly once).
        pub $($async)? fn edits(&self, request: $crate::endpoint::Edits) -> Result<$crate::Submitted, $crate::Error> {
            self.submit(request) $($await)*
        }

        /// InsightFace swap (exactly once).
        pub $($async)? fn swap_face(&self, request: $crate::endpoint::SwapFace) -> Result<$crate::Submitted, $crate::Error> {
            self.submit(request) $($await)*
        }

        /// Video face swap, with the video as a link or an upload (exactly once).
        pub $($async)? fn video_swap(&self, request: $crate::endpoint::VideoSwap) -> Result<$crate::Submitted, $crate::Error> {
            self.submit(request) $($await)*
        }

        /// Downloads a result image or video (retried within the call's deadline; see
        /// [`Download`]($crate::endpoint::Download) for the checks). Save it with
        /// `mj_ureq::save` or `mj_reqwest::save`, which write whole files or none.
        pub $($async)? fn download(&self, url: &str) -> Result<$crate::endpoint::Media, $crate::Error> {
            self.execute(&$crate::endpoint::Download::new(url)) $($await)*
        }

        /// Uploads images and returns their CDN URLs.
        pub $($async)? fn upload(&self, request: $crate::endpoint::UploadDiscordImages) -> Result<Vec<String>, $crate::Error> {
            self.execute(&request) $($await)*
        }

        /// One task, or `None` when the server does not know it.
        pub $($async)? fn fetch(&self, id: &str) -> Result<Option<$crate::Task>, $crate::Error> {
            self.execute(&$crate::endpoint::Fetch::new(id)) $($await)*
        }

        /// Many tasks in one request (`list-by-condition`); unknown ids are left out. On a
        /// server without that endpoint, one `GET fetch` per id instead (announced as a
        /// [`Notice::Fallback`]($crate::plan::Notice::Fallback)).
        pub $($async)? fn tasks<I: Into<String>>(&self, ids: impl IntoIterator<Item = I>) -> Result<Vec<$crate::Task>, $crate::Error> {
            let mut plan = $crate::plan::TasksPlan::new(&self.shared.config, ids, self.shared.policy())
                .until(self.call_deadline());
            if self.shared.learned.lacks("list-by-condition") {
                plan = plan.per_id();
            }
            self.drive_as("tasks", plan, |_| {}) $($await)*
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
        pub $($async)? fn wait_with(&self, id: &str, on_progress: impl FnMut(&$crate::Task)) -> Result<$crate::Task, $crate::Error> {
            self.wait_until(id, self.call_deadline(), on_progress) $($await)*
        }

        $($async)? fn wait_until(
            &self,
            id: &str,
            deadline: Option<std::time::Instant>,
            mut on_progress: impl FnMut(&$crate::Task),
        ) -> Result<$crate::Task, $crate::Error> {
            let plan = $crate::plan::WaitPlan::new(
                &self.shared.config,
                id,
                self.shared.wait_options(id),
                self.shared.policy(),
            )
            .until(deadline);
            self.drive_as("wait", plan, |task| {
                $crate::client::trace::task(&task);
                on_progress(&task)
            }) $($await)*
        }

        /// Follows many tasks with one `list-by-condition` request per batch per round,
        /// calling `on_update` with every change.
        pub $($async)? fn watch<I: Into<String>>(
            &self,
            ids: impl IntoIterator<Item = I>,
            mut on_update: impl FnMut(&$crate::Task),
        ) -> Result<$crate::plan::WatchReport, $crate::Error> {
            let ids: Vec<String> = ids.into_iter().map(Into::into).collect();
            let options = self.shared.watch_options(&ids);
            let plan = $crate::plan::WatchPlan::new(
                &self.shared.config,
                ids,
                options,
                self.shared.policy(),
            )
            .until(self.call_deadline());
            let plan = if self.shared.learned.lacks("list-by-condition") { plan.per_id() } else { plan };
            self.drive_as("watch", plan, |task| {
                $crate::client::trace::task(&task);
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
        pub $($async)? fn submit_and_wait<S: $crate::endpoint::Submit>(
            &self,
            request: S,
            mut on_progress: impl FnMut(&$crate::Task),
        ) -> Result<$crate::Task, $crate::Error> {
            let deadline = self.call_deadline();
            let name = request.name();
            let plan = self.shared.submit_plan(request, deadline);
            let token = plan.token().to_owned();
            let submitted = self.drive_as(name, plan, |_| {}) $($await)* ?;
            self.shared.submitted(&submitted);
            on_progress(&$crate::client::first_sight(&submitted, &token));
            self.wait_until(&submitted.task_id, deadline, on_progress) $($await)*
        }

        /// Presses the first button of `kind` on `task` (exactly once). On a task with no
        /// buttons at all (novicezk), U1-U4, V1-V4 and reroll go through `/submit/change`.
        pub $($async)? fn press(&self, task: &$crate::Task, kind: &$crate::ButtonKind) -> Result<$crate::Submitted, $crate::Error> {
            let press = $crate::endpoint::Press::new(task, kind, self.shared.config.profile()).map_err(|e| self.shared.config.redact(e))?;
            self.submit(press) $($await)*
        }

        /// Presses the first button of `kind` on `task` and waits for the new task.
        pub $($async)? fn press_and_wait(
            &self,
            task: &$crate::Task,
            kind: &$crate::ButtonKind,
            on_progress: impl FnMut(&$crate::Task),
        ) -> Result<$crate::Task, $crate::Error> {
            let press = $crate::endpoint::Press::new(task, kind, self.shared.config.profile()).map_err(|e| self.shared.config.redact(e))?;
            self.submit_and_wait(press, on_progress) $($await)*
        }
    };
}
pub(crate) use client_methods;
