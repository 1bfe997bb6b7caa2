//! What a client is told: how it retries, resolves lost submits, waits, watches and
//! reports, and its time limit.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use mj_proto::plan::{Notice, RetryPolicy, SubmitPolicy, WaitOptions, WatchOptions};

/// How a client retries, resolves lost submits, waits, watches and reports.
///
/// Every field has a setter, so settings are built by chaining (the structs are
/// `#[non_exhaustive]`, so `..Default::default()` does not compile outside mj):
///
/// ```
/// use std::time::Duration;
/// use mj_client::Settings;
/// use mj_client::mj_proto::plan::{Lookup, RetryPolicy, SubmitPolicy, WaitOptions, WatchOptions};
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
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// Retry limits and pacing of one request.
    pub retry: RetryPolicy,
    /// How a submit waits out a full queue and resolves a lost answer.
    pub submit: SubmitPolicy,
    /// Polling pace and graces of `wait`.
    pub wait: WaitOptions,
    /// Round pace, batch size and graces of `watch`.
    pub watch: WatchOptions,
    /// The one time limit of a call: it bounds the call as a whole (retries, lookups,
    /// waiting, each exchange); `submit_and_wait` and `press_and_wait` are one call.
    /// [`DEFAULT_DEADLINE`](mj_proto::plan::DEFAULT_DEADLINE) (10 minutes) unless set.
    pub deadline: Duration,
    /// Seeds the backoff jitter and correlation tokens, so that a run can be replayed;
    /// `None` seeds from the clock, so that clients never back off in lockstep.
    pub seed: Option<u64>,
    /// Told of every retry, lookup and re-send.
    pub observer: NoticeObserver,
    /// Where the server calls back: with hooks, submits carry their URL as `notifyHook`,
    /// and waits learn of changes the instant a callback arrives, polling only as a safety
    /// net. `None` (the default) polls.
    pub hooks: Option<super::Hooks>,
    /// Where the servers' pacing tallies live ([`pacing_store`](Self::pacing_store)).
    pub(crate) pacing_store: Option<crate::pacer::SharedStore>,
    /// The most this client's submits may cost together, at their servers' prices
    /// ([`budget`](Self::budget)).
    pub(crate) budget: Option<mj_proto::pacing::Money>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            submit: SubmitPolicy::default(),
            wait: WaitOptions::default(),
            watch: WatchOptions::default(),
            deadline: mj_proto::plan::DEFAULT_DEADLINE,
            seed: None,
            observer: NoticeObserver::default(),
            hooks: None,
            pacing_store: None,
            budget: None,
        }
    }
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

    /// Sets the time limit of each call.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// Seeds jitter and tokens (for reproducible runs).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Keeps the servers' pacing tallies in `store` (see
    /// [`PacingStore`](crate::PacingStore)) instead of this client's memory: a store in a
    /// file or a database paces several processes as one.
    pub fn pacing_store(mut self, store: Arc<dyn crate::PacingStore>) -> Self {
        self.pacing_store = Some(crate::pacer::SharedStore(store));
        self
    }

    /// Stops new submits once this client's tasks would cost more than `budget` together,
    /// at their servers' prices ([`Pacing::prices`](mj_proto::pacing::Pacing::prices)): a
    /// submit past it fails with [`Error::Paced`](mj_proto::Error::Paced) before any
    /// request. Waits and downloads go on.
    pub fn budget(mut self, budget: mj_proto::pacing::Money) -> Self {
        self.budget = Some(budget);
        self
    }

    /// Waits on callbacks to `hooks` (see [`Hooks`](super::Hooks)).
    pub fn hooks(mut self, hooks: super::Hooks) -> Self {
        self.hooks = Some(hooks);
        self
    }

    /// Calls `observe` with every [`Notice`].
    pub fn observer(mut self, observe: impl Fn(&Notice) + Send + Sync + 'static) -> Self {
        self.observer = NoticeObserver(Some(Arc::new(observe)));
        self
    }
}

/// The function told of retries, lookups and re-sends (none by default).
#[derive(Clone, Default)]
pub struct NoticeObserver(Option<Arc<ObserveFn>>);

/// What an [`NoticeObserver`] calls.
type ObserveFn = dyn Fn(&Notice) + Send + Sync;

impl NoticeObserver {
    /// Tells the observer, if there is one.
    pub fn notify(&self, notice: &Notice) {
        if let Some(observe) = &self.0 {
            observe(notice);
        }
    }
}

impl fmt::Debug for NoticeObserver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "NoticeObserver(set)" } else { "NoticeObserver(none)" })
    }
}

/// Two observers are equal when they are the same function (or both absent).
impl PartialEq for NoticeObserver {
    fn eq(&self, other: &Self) -> bool {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            (None, None) => true,
            _ => false,
        }
    }
}

impl Eq for NoticeObserver {}
