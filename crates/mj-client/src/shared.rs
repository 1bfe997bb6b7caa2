//! What clones of a client share and learn while they run: the configuration and
//! settings, jitter seeds, the server's missing endpoints, the ids just submitted.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::{Settings, trace};
use mj_proto::model::{SubmitOutcome, Submitted, Task, TaskStatus};
use mj_proto::plan::{Notice, RetryPolicy, ServerFacts};

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

    /// A fresh random number for a correlation token.
    pub(crate) fn next(&self) -> u64 {
        let n = self.0.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        // splitmix64's finaliser, so that consecutive tokens share no digits.
        let mut z = n ^ (n >> 30);
        z = z.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub(crate) fn policy(&self, base: &RetryPolicy) -> RetryPolicy {
        let n = self.0.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed);
        base.clone().seeded(base.seed ^ n)
    }
}

/// What a client learned of its server while running ([`ServerFacts`]), shared by its
/// clones: the endpoints it answered 404 (or 405/501) for, announced as
/// [`Notice::Fallback`], so that later calls go straight to what works (an undeclared
/// reseller without `list-by-condition` costs one failed request per client, not one per
/// call); and whether the server ever answered, so that a refused connection or a timeout
/// is taken for a server that is down only until it has.
#[derive(Debug, Default)]
pub(crate) struct Learned(std::sync::Mutex<ServerFacts>);

impl Learned {
    fn facts_mut(&self) -> std::sync::MutexGuard<'_, ServerFacts> {
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Notes that the server answered (any status).
    pub(crate) fn heard(&self) {
        self.facts_mut().heard();
    }

    pub(crate) fn note(&self, notice: &Notice) {
        self.facts_mut().learn(notice);
    }

    /// What was learned so far, for a new plan.
    pub(crate) fn facts(&self) -> ServerFacts {
        self.facts_mut().clone()
    }

    /// The endpoints the server answered that it lacks.
    pub(crate) fn missing(&self) -> Vec<mj_proto::EndpointName> {
        self.facts_mut().missing().to_vec()
    }
}

/// The host (and port) `request` goes to: the configured server's, or another one's (a
/// download from a CDN), so that an error names the host that failed.
pub(crate) fn host_of(request: &mj_proto::HttpRequest, configured: &str) -> String {
    request.uri().authority().map_or_else(|| configured.to_owned(), host_port)
}

/// `host` or `host:port`, as [`Config::host`](mj_proto::Config::host) spells a server.
pub(crate) fn host_port(authority: &mj_proto::http::uri::Authority) -> String {
    match authority.port_u16() {
        Some(port) => format!("{}:{port}", authority.host()),
        None => authority.host().to_owned(),
    }
}

/// `error` naming `host`, unless the transport already named one.
pub(crate) fn named(error: mj_proto::TransportError, host: &str) -> mj_proto::TransportError {
    if error.host().is_some() || host.is_empty() { error } else { error.with_host(host) }
}

/// What is known of a task the moment its submit is answered: its id and token, told to
/// `on_progress` before waiting starts so that a cancelled wait can be resumed.
pub(crate) fn first_sight(submitted: &Submitted, token: &str) -> Task {
    let status = match submitted.outcome {
        SubmitOutcome::Queued { .. } => TaskStatus::NotStart,
        _ => TaskStatus::Submitted,
    };
    let mut task = Task::default();
    (task.id, task.status, task.state) = (submitted.task_id.clone(), status, Some(token.to_owned()));
    task
}

/// What clones of a client share: the configuration, settings, jitter seeds and what
/// was learned of the server.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) config: mj_proto::Config,
    pub(crate) settings: Settings,
    pub(crate) seeds: Seeds,
    pub(crate) learned: Arc<Learned>,
    /// Every call ends by this instant (on the transport's clock) whatever
    /// [`Settings::deadline`] says: the end of a run of many calls (`Client::until`).
    pub(crate) ends_at: Option<Instant>,
    /// Ids of the tasks this client submitted lately (the last [`RECENT`]): a wait on one
    /// of them gets the full not-found grace, since a server may list a new task late; a
    /// wait on any other id gets the short one.
    recent: std::sync::Mutex<std::collections::VecDeque<String>>,
}

/// How many submitted task ids a client remembers for the not-found grace.
const RECENT: usize = 256;

impl Shared {
    pub(crate) fn new(
        config: mj_proto::Config,
        settings: Settings,
        learned: Arc<Learned>,
        ends_at: Option<Instant>,
    ) -> Arc<Self> {
        let seeds = Seeds::new(settings.seed);
        Arc::new(Self { seeds, config, settings, learned, ends_at, recent: Default::default() })
    }

    /// The retry policy for one call: its own jitter seed.
    pub(crate) fn policy(&self) -> RetryPolicy {
        self.seeds.policy(&self.settings.retry)
    }

    /// What this client learned of its server, for a new plan's `knowing`.
    pub(crate) fn facts(&self) -> ServerFacts {
        self.learned.facts()
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
    pub(crate) fn wait_options(&self, id: &str) -> mj_proto::plan::WaitOptions {
        let mut options = self.settings.wait.clone();
        if !self.just_submitted(id) {
            options.not_found_grace = options.not_found_grace.min(options.unknown_id_grace);
        }
        options
    }

    /// The watch options for `ids`: the short not-found grace unless this client just
    /// submitted one of them.
    pub(crate) fn watch_options(&self, ids: &[String]) -> mj_proto::plan::WatchOptions {
        let mut options = self.settings.watch.clone();
        if !ids.iter().any(|id| self.just_submitted(id)) {
            options.not_found_grace = options.not_found_grace.min(options.unknown_id_grace);
        }
        options
    }

    fn just_submitted(&self, id: &str) -> bool {
        self.recent.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().any(|r| r == id)
    }

    /// Gives `request` this client's hook as its `notifyHook`, unless it names its own.
    pub(crate) fn hook<S: mj_proto::endpoint::Submit>(&self, request: &mut S) {
        if let Some(hooks) = &self.settings.hooks {
            request.options_mut().notify_hook.get_or_insert_with(|| hooks.url().to_owned());
        }
    }

    /// Whether callbacks are expected for task `id`: the client has hooks and just
    /// submitted it.
    pub(crate) fn expects_pushes(&self, id: &str) -> bool {
        self.settings.hooks.is_some() && self.just_submitted(id)
    }

    /// The exactly-once plan for `request`, skipping the lookups the server lacks, ending
    /// at `deadline`.
    pub(crate) fn submit_plan<S: mj_proto::endpoint::Submit>(
        &self,
        request: S,
        deadline: Option<Instant>,
    ) -> mj_proto::plan::SubmitPlan<'_, S> {
        mj_proto::plan::SubmitPlan::new(&self.config, request)
            .retry(self.policy())
            .policy(self.settings.submit.clone())
            .knowing(&self.facts())
            .until(deadline)
    }

    /// The instant a call starting `now` must end by, from [`Settings::deadline`] and the
    /// end of the run (`Client::until`).
    pub(crate) fn call_deadline(&self, now: Instant) -> Option<Instant> {
        match (now.checked_add(self.settings.deadline), self.ends_at) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The plan of one call to `endpoint` starting `now`, retrying only what is safe.
    pub(crate) fn retry_plan<'a, E: mj_proto::Endpoint>(
        &'a self,
        endpoint: &'a E,
        now: Instant,
    ) -> mj_proto::plan::RetryPlan<'a, E> {
        self.retry_plan_with(endpoint, self.policy(), now)
    }

    /// [`retry_plan`](Self::retry_plan) with another retry policy.
    pub(crate) fn retry_plan_with<'a, E: mj_proto::Endpoint>(
        &'a self,
        endpoint: &'a E,
        policy: RetryPolicy,
        now: Instant,
    ) -> mj_proto::plan::RetryPlan<'a, E> {
        mj_proto::plan::RetryPlan::new(&self.config, endpoint, policy)
            .knowing(&self.facts())
            .until(self.call_deadline(now))
    }

    /// The plan of fetching tasks `ids` in as few requests as the server allows.
    pub(crate) fn tasks_plan(&self, ids: Vec<String>, now: Instant) -> mj_proto::plan::TasksPlan<'_> {
        mj_proto::plan::TasksPlan::new(&self.config, ids, self.policy())
            .knowing(&self.facts())
            .until(self.call_deadline(now))
    }

    /// The plan of waiting for task `id` until `deadline`. A task this client just
    /// submitted with its hooks is expected to call back, so its first poll waits one
    /// interval.
    pub(crate) fn wait_plan(&self, id: &str, deadline: Option<Instant>) -> mj_proto::plan::WaitPlan<'_> {
        let plan = mj_proto::plan::WaitPlan::new(&self.config, id)
            .options(self.wait_options(id))
            .retry(self.policy())
            .knowing(&self.facts())
            .until(deadline);
        if self.expects_pushes(id) { plan.expecting_pushes() } else { plan }
    }

    /// The plan of watching tasks `ids` together.
    pub(crate) fn watch_plan(&self, ids: Vec<String>, now: Instant) -> mj_proto::plan::WatchPlan<'_> {
        let options = self.watch_options(&ids);
        mj_proto::plan::WatchPlan::new(&self.config, ids)
            .options(options)
            .retry(self.policy())
            .knowing(&self.facts())
            .until(self.call_deadline(now))
    }

    /// The request that presses the first button of `kind` on `task` on this server (its
    /// profile decides novicezk's `/submit/change`), with the key scrubbed from a refusal.
    pub(crate) fn press(
        &self,
        task: &Task,
        kind: &mj_proto::ButtonKind,
    ) -> Result<mj_proto::endpoint::Press, mj_proto::Error> {
        mj_proto::endpoint::Press::new(task, kind, self.config.profile()).map_err(|e| self.config.redact(e))
    }

    /// The correlation token of `request`: its `state`, or a new one set there.
    pub(crate) fn token<S: mj_proto::endpoint::Submit>(&self, request: &mut S) -> String {
        let state = &mut request.options_mut().state;
        state.get_or_insert_with(|| format!("mj-{:016x}", self.seeds.next())).clone()
    }

    /// A plan's notice: traced, learned from, told to the observer.
    pub(crate) fn notice(&self, notice: &Notice) {
        trace::notice(notice);
        self.learned.note(notice);
        self.settings.observer.notify(notice);
    }

    /// A plan's result. Errors the plan built itself (a failed task, a timed-out wait)
    /// carry what the server sent: the key and the hook's secret (a server may echo its
    /// callback URL) are scrubbed here, once, for every plan, before it is traced.
    pub(crate) fn finish<T>(&self, result: Result<T, mj_proto::Error>) -> Result<T, mj_proto::Error> {
        let result = result.map_err(|e| {
            let e = self.config.redact(e);
            match &self.settings.hooks {
                Some(hooks) => hooks.redact_error(e),
                None => e,
            }
        });
        trace::done(&result);
        result
    }
}
