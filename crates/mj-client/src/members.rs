//! The servers a client talks to, one or several, and the bookkeeping a pool needs,
//! kept by the client itself: each server's health (learned from every call's outcome),
//! its load (a task counts from its submit, or from the first sight of it running, until
//! it is seen ending), and which server owns each task.
//!
//! Both clients use it the same way: pick the server ([`Members::owner`],
//! [`Members::route`]), build the plan on its [`Lane`], drive it, and hand the outcome
//! back ([`Members::learn`], [`Members::seen`], [`Members::placed`]).

use std::collections::HashSet;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use mj_proto::model::{Submitted, Task, TaskHandle};
use mj_proto::plan::{MemberStatus, Pool};
use mj_proto::{ConfigError, EndpointName, Error};

use crate::pacer::Pacer;
use crate::shared::{Learned, Shared};
use crate::{Hooks, Settings};

/// The most tasks the client counts as running at once (a server listing endless tasks
/// cannot grow the set past it; tasks past it are not counted).
const MOST_COUNTED: usize = 65_536;

/// One server of a client: its index in the pool, its name, and what calls to it share.
#[derive(Debug)]
pub(crate) struct Lane {
    pub(crate) index: usize,
    pub(crate) name: String,
    pub(crate) shared: Arc<Shared>,
}

impl Lane {
    /// This server as pacing sees it.
    pub(crate) fn seat(&self) -> crate::pacer::Seat<'_> {
        crate::pacer::Seat { name: &self.name, config: &self.shared.config }
    }
}

/// Where a task argument leads: to the server that owns it, or, for a bare id over
/// several servers, to every server, to be asked in turn.
pub(crate) enum Owner<'m> {
    /// The owner.
    On(&'m Lane),
    /// Any of these (a bare id over several servers).
    AnyOf(&'m [Lane]),
}

/// The servers of a client and the pool's health and load, shared by its clones.
#[derive(Debug, Clone)]
pub(crate) struct Members {
    lanes: Arc<[Lane]>,
    pool: Arc<Mutex<Pool>>,
    /// Tasks are named by their server (`name:id`).
    named: bool,
    /// Tasks counted against their server's room, as (pool index, id).
    running: Arc<Mutex<HashSet<(usize, String)>>>,
    /// Each server's pacing rules applied, over the store of their tallies.
    pub(crate) pacer: Pacer,
}

impl Members {
    /// The servers of `pool`, each with `settings` (and, when they are named, a hooks
    /// scope of its own: task ids are unique per server only).
    pub(crate) fn new(pool: Pool, settings: Settings) -> Self {
        let named = pool.is_named();
        let lanes = pool
            .members()
            .iter()
            .enumerate()
            .map(|(index, member)| Lane {
                index,
                name: member.name.clone(),
                shared: Shared::new(
                    member.config.clone(),
                    scoped(&settings, named, &member.name),
                    Arc::default(),
                    None,
                ),
            })
            .collect();
        let pacer = Pacer::new(settings.pacing_store.as_ref().map(|s| s.0.clone()), named, settings.budget);
        Self { lanes, pool: Arc::new(Mutex::new(pool)), named, running: Arc::default(), pacer }
    }

    /// The same servers with other settings, or ending every call by `ends_at`; what was
    /// learned of each server, and the pool's health and load, are shared.
    pub(crate) fn rebuilt(&self, settings: Option<&Settings>, ends_at: Option<Instant>) -> Self {
        let lanes = self
            .lanes
            .iter()
            .map(|lane| {
                let settings =
                    settings.map_or_else(|| lane.shared.settings.clone(), |s| scoped(s, self.named, &lane.name));
                let ends_at = match (lane.shared.ends_at, ends_at) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    (a, b) => a.or(b),
                };
                let learned: Arc<Learned> = lane.shared.learned.clone();
                Lane {
                    index: lane.index,
                    name: lane.name.clone(),
                    shared: Shared::new(lane.shared.config.clone(), settings, learned, ends_at),
                }
            })
            .collect();
        // Settings that name a pacing store move the tallies there; others keep the store.
        let pacer = match settings.filter(|s| s.pacing_store.is_some() || s.budget.is_some()) {
            Some(s) => Pacer::new(s.pacing_store.as_ref().map(|store| store.0.clone()), self.named, s.budget),
            None => self.pacer.clone(),
        };
        Self { lanes, pacer, ..self.clone() }
    }

    /// A view of server `name` alone, sharing the pool's health and load.
    pub(crate) fn only(&self, name: &str) -> Option<Self> {
        let lane = self.lanes.iter().find(|l| l.name == name)?;
        let lane = Lane { index: lane.index, name: lane.name.clone(), shared: lane.shared.clone() };
        Some(Self { lanes: vec![lane].into(), ..self.clone() })
    }

    pub(crate) fn lanes(&self) -> &[Lane] {
        &self.lanes
    }

    /// The first server: the one a client of one server has, and the one whose clock and
    /// settings a client of several runs generic calls with.
    pub(crate) fn first(&self) -> &Lane {
        // A pool has at least one member (`Pool::new` refuses none), and views keep one.
        &self.lanes[0]
    }

    /// The only server, when there is one.
    pub(crate) fn single(&self) -> Option<&Lane> {
        match &*self.lanes {
            [only] => Some(only),
            _ => None,
        }
    }

    /// The one server of a client made of a lone `Config`: its submits take the plain
    /// exactly-once plan; named servers (a pool, or a member alone) take the pool's.
    pub(crate) fn lone(&self) -> Option<&Lane> {
        self.single().filter(|_| !self.named)
    }

    pub(crate) fn is_named(&self) -> bool {
        self.named
    }

    fn pool(&self) -> MutexGuard<'_, Pool> {
        self.pool.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The server that owns `handle`'s task.
    pub(crate) fn owner(&self, handle: &TaskHandle) -> Result<Owner<'_>, Error> {
        match (&handle.server, &*self.lanes) {
            (Some(name), lanes) => match lanes.iter().find(|l| l.name == *name) {
                Some(lane) => Ok(Owner::On(lane)),
                None => Err(ConfigError::UnknownServer { name: name.chars().take(40).collect() }.into()),
            },
            (None, [only]) => Ok(Owner::On(only)),
            (None, lanes) => Ok(Owner::AnyOf(lanes)),
        }
    }

    /// The server whose host a download from `url` goes to, else the first: a result
    /// is usually on the server that made it, or on a CDN any of them may fetch from.
    pub(crate) fn for_url(&self, url: &str) -> &Lane {
        let host =
            url.parse::<mj_proto::http::Uri>().ok().and_then(|uri| uri.authority().map(crate::shared::host_port));
        let on = |lane: &&Lane| host.as_deref().is_some_and(|host| lane.shared.config.host() == host);
        self.lanes.iter().find(on).unwrap_or_else(|| self.first())
    }

    /// The servers a submit to `endpoint` would go to now, best first.
    pub(crate) fn route(&self, endpoint: EndpointName, now: Instant) -> Vec<&Lane> {
        let route = self.pool().route(endpoint, now);
        route.iter().filter_map(|&i| self.lanes.iter().find(|l| l.index == i)).collect()
    }

    /// The route of a submit as pool indices, its first choice counted as taken at once
    /// so that concurrent submits spread.
    pub(crate) fn reserve(&self, endpoint: EndpointName, now: Instant) -> (Vec<usize>, Option<usize>) {
        let mut pool = self.pool();
        let route: Vec<usize> =
            pool.route(endpoint, now).into_iter().filter(|i| self.lanes.iter().any(|l| l.index == *i)).collect();
        let reserved = route.first().copied();
        if let Some(i) = reserved {
            pool.took(i);
        }
        (route, reserved)
    }

    /// The pool's members (plans borrow them).
    pub(crate) fn pool_members(&self) -> Arc<[mj_proto::plan::Member]> {
        self.pool().members()
    }

    /// Learns how a call to `lane` went: a refused connection or no answer cools it down.
    pub(crate) fn learn<R>(&self, lane: &Lane, result: &Result<R, Error>, now: Instant) {
        self.pool().learn(lane.index, result.as_ref().map(|_| ()), now);
    }

    /// Learns every refusal of a pool submit, by pool index.
    pub(crate) fn refused(&self, refusals: &[(usize, Error)], now: Instant) {
        let mut pool = self.pool();
        for (i, refusal) in refusals {
            pool.learn(*i, Err(refusal), now);
        }
    }

    /// Gives back a reservation made by [`reserve`](Self::reserve).
    pub(crate) fn unreserve(&self, reserved: Option<usize>) {
        if let Some(i) = reserved {
            self.pool().released(i);
        }
    }

    /// A submit to `lane` answered: the new task counts against its room, its server is
    /// named on it, and the lane remembers it for the not-found grace.
    pub(crate) fn placed(&self, lane: &Lane, mut submitted: Submitted) -> Submitted {
        lane.shared.submitted(&submitted);
        self.count(lane.index, &submitted.task_id);
        submitted.server = self.named.then(|| lane.name.clone());
        submitted
    }

    /// A task seen from `lane`: named by its server, counted while it runs and given back
    /// once it ended (a moderated end is a strike against the server).
    pub(crate) fn seen(&self, lane: &Lane, mut task: Task) -> Task {
        if task.is_terminal() {
            if self.uncount(lane.index, &task.id) {
                self.pacer.settle(lane.seat(), &task, outcome(&task));
                if task.is_moderated() {
                    self.pacer.strike(lane.seat());
                }
            }
        } else {
            self.count(lane.index, &task.id);
        }
        task.server = self.named.then(|| lane.name.clone());
        task
    }

    /// A wait on `id` ended with `result`: unless its deadline passed, the task stops
    /// counting, and a moderated end is a strike against the server.
    pub(crate) fn ended(&self, lane: &Lane, id: &str, result: &Result<Task, Error>) {
        if matches!(result, Err(Error::WaitTimeout { .. })) {
            return;
        }
        if self.uncount(lane.index, id) {
            let ended = match result {
                Ok(task) => Some(task),
                Err(Error::TaskFailed(task) | Error::NeedsInput(task)) => Some(&**task),
                Err(_) => None,
            };
            if let Some(task) = ended.filter(|t| t.is_terminal()) {
                self.pacer.settle(lane.seat(), task, outcome(task));
            }
            if result.as_ref().err().is_some_and(Error::is_moderation) {
                self.pacer.strike(lane.seat());
            }
        }
    }

    fn count(&self, index: usize, id: &str) {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if running.len() < MOST_COUNTED && running.insert((index, id.to_owned())) {
            self.pool().took(index);
        }
    }

    /// Stops counting a task; true when it was counted.
    fn uncount(&self, index: usize, id: &str) -> bool {
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        let removed = running.remove(&(index, id.to_owned()));
        if removed {
            self.pool().released(index);
        }
        removed
    }

    /// Every server's health and load at `now`, for this client's servers.
    pub(crate) fn status(&self, now: Instant) -> Vec<MemberStatus> {
        let all = self.pool().status(now);
        all.into_iter().filter(|s| self.lanes.iter().any(|l| l.name == s.name)).collect()
    }
}

/// What became of an ended task, in the ledger's words.
fn outcome(task: &Task) -> &'static str {
    match task.status {
        _ if task.is_moderated() => "moderated",
        mj_proto::TaskStatus::Success => "success",
        mj_proto::TaskStatus::Cancel => "cancel",
        _ => "failure",
    }
}

/// `settings` for server `name`: its hooks scope of its own when servers are named.
fn scoped(settings: &Settings, named: bool, name: &str) -> Settings {
    let mut settings = settings.clone();
    if named {
        settings.hooks = settings.hooks.map(|hooks: Hooks| hooks.scoped(name));
    }
    settings
}

impl Members {
    /// The lane of pool index `index`.
    pub(crate) fn at(&self, index: usize) -> Option<&Lane> {
        self.lanes.iter().find(|l| l.index == index)
    }

    /// The server whose settings drive a pool submit along `route`: its first choice.
    pub(crate) fn driver(&self, route: &[usize]) -> &Lane {
        route.first().and_then(|&i| self.at(i)).unwrap_or_else(|| self.first())
    }

    /// `lane` without hooks: a pool submit listens to its servers' scopes itself.
    pub(crate) fn deaf(&self, lane: &Lane) -> Lane {
        let shared = &lane.shared;
        let settings = Settings { hooks: None, ..shared.settings.clone() };
        Lane {
            index: lane.index,
            name: lane.name.clone(),
            shared: Shared::new(shared.config.clone(), settings, shared.learned.clone(), shared.ends_at),
        }
    }

    /// By pool index: each server's `notifyHook` for `request` (unless it names its own),
    /// and each server's hooks scope to listen to while the submit is on it.
    pub(crate) fn scopes<S: mj_proto::endpoint::Submit>(
        &self,
        request: &S,
    ) -> (Vec<Option<String>>, Vec<Option<Hooks>>) {
        let own_hook = request.options().notify_hook.is_some();
        let count = self.pool().members().len();
        let hooks = (0..count).map(|i| self.at(i).and_then(|l| l.shared.settings.hooks.clone()));
        let scopes: Vec<Option<Hooks>> = hooks.collect();
        let urls = scopes.iter().map(|h| h.as_ref().filter(|_| !own_hook).map(|h| h.url().to_owned())).collect();
        (urls, scopes)
    }

    /// A pool submit ended: every refusal learned, the server that took it counted.
    pub(crate) fn placed_in_pool<S: mj_proto::endpoint::Submit + Clone>(
        &self,
        result: Result<mj_proto::plan::Placed, Error>,
        plan: &mj_proto::plan::PoolSubmitPlan<'_, S>,
        now: Instant,
    ) -> Result<Submitted, Error> {
        self.refused(plan.refusals(), now);
        match result {
            Ok(placed) => match self.at(placed.member) {
                Some(lane) => {
                    self.learn::<()>(lane, &Ok(()), now);
                    Ok(self.placed(lane, placed.submitted))
                }
                None => Ok(placed.submitted),
            },
            Err(e) => {
                if let Some(lane) = plan.member().and_then(|i| self.at(i)) {
                    self.pool().learn(lane.index, Err(&e), now);
                }
                Err(e)
            }
        }
    }

    /// The server that took `submitted`.
    pub(crate) fn owner_of(&self, submitted: &Submitted) -> &Lane {
        let named = submitted.server.as_deref().and_then(|name| self.lanes.iter().find(|l| l.name == name));
        named.unwrap_or_else(|| self.first())
    }

    /// `task` named by `lane`'s server (no bookkeeping: a snapshot shown on the way).
    pub(crate) fn named_task(&self, lane: &Lane, mut task: Task) -> Task {
        task.server = self.named.then(|| lane.name.clone());
        task
    }

    /// A wait's result with its task (finished or failed) named by `lane`'s server.
    pub(crate) fn named_result(&self, lane: &Lane, result: Result<Task, Error>) -> Result<Task, Error> {
        match result {
            Ok(task) => Ok(self.named_task(lane, task)),
            Err(Error::TaskFailed(task)) => Err(Error::TaskFailed(Box::new(self.named_task(lane, *task)))),
            Err(Error::NeedsInput(task)) => Err(Error::NeedsInput(Box::new(self.named_task(lane, *task)))),
            Err(e) => Err(e),
        }
    }

    /// `handles` grouped by the server that owns them (a bare id over several servers is
    /// asked of each).
    pub(crate) fn by_owner(
        &self,
        handles: impl Iterator<Item = TaskHandle>,
    ) -> Result<Vec<(&Lane, Vec<String>)>, Error> {
        let mut groups: Vec<(&Lane, Vec<String>)> = Vec::new();
        for handle in handles {
            let lanes: &[Lane] = match self.owner(&handle)? {
                Owner::On(lane) => std::slice::from_ref(lane),
                Owner::AnyOf(lanes) => lanes,
            };
            for lane in lanes {
                match groups.iter_mut().find(|(l, _)| l.index == lane.index) {
                    Some((_, ids)) => ids.push(handle.id.clone()),
                    None => groups.push((lane, vec![handle.id.clone()])),
                }
            }
        }
        Ok(groups)
    }

    /// The same page of every server, as one: their tasks named, their counts summed, the
    /// last when every server's is.
    pub(crate) fn merge_pages(&self, pages: Vec<(&Lane, mj_proto::model::Page<Task>)>) -> mj_proto::model::Page<Task> {
        let mut merged: Option<mj_proto::model::Page<Task>> = None;
        for (lane, page) in pages {
            let last = page.is_last();
            let mut page = page;
            page.content = std::mem::take(&mut page.content).into_iter().map(|t| self.named_task(lane, t)).collect();
            merged = Some(match merged {
                None => {
                    page.last = Some(last);
                    page
                }
                Some(mut m) => {
                    m.content.extend(page.content);
                    m.size += page.size;
                    m.total_elements += page.total_elements;
                    m.total_pages = m.total_pages.max(page.total_pages);
                    m.last = Some(m.last.unwrap_or(true) && last);
                    m
                }
            });
        }
        merged.unwrap_or_default()
    }

    /// A watch's report with its tasks named and counted: running ones against their
    /// server's room, finished ones given back.
    pub(crate) fn watched(&self, mut report: mj_proto::plan::WatchReport) -> mj_proto::plan::WatchReport {
        let lane_of = |task: &Task| match &task.server {
            Some(name) => self.lanes.iter().find(|l| l.name == *name),
            None => self.single(),
        };
        for task in report.finished.iter_mut().chain(report.unfinished.iter_mut()) {
            if let Some(lane) = lane_of(task) {
                *task = self.seen(lane, std::mem::take(task));
            }
        }
        if let Some(lane) = self.single().filter(|_| self.named) {
            for handle in report.unknown.iter_mut().chain(report.unseen.iter_mut()) {
                handle.server.get_or_insert_with(|| lane.name.clone());
            }
        }
        report
    }

    /// `text` with every server's API key and the hooks' secret path scrubbed.
    pub(crate) fn redact_text(&self, text: &str) -> String {
        self.lanes.iter().fold(text.to_owned(), |text, lane| {
            let text = lane.shared.config.redact_text(text);
            match &lane.shared.settings.hooks {
                Some(hooks) => hooks.redact_text(&text),
                None => text,
            }
        })
    }

    /// `task` with every server's API key and the hooks' secret path scrubbed.
    pub(crate) fn redact_task(&self, task: Task) -> Task {
        self.lanes.iter().fold(task, |task, lane| {
            let task = lane.shared.config.redact_task(task);
            match &lane.shared.settings.hooks {
                Some(hooks) => hooks.redact_task(task),
                None => task,
            }
        })
    }
}
