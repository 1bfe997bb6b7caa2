//! Pacing applied: before a submit, the server's rules ([`Config::with_pacing`]) are
//! claimed in the store that keeps its [`Tally`]; a hold is waited out within the call's
//! deadline, or refused with [`Error::Paced`] before anything is sent. A submit that
//! provably created nothing gives its claim back; a moderation refusal or a moderated task
//! counts as a strike.
//!
//! [`Config::with_pacing`]: mj_proto::Config::with_pacing

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mj_proto::pacing::{Held, LedgerEntry, Money, Pacing, Rule, Tally, Wall};
use mj_proto::{Config, ConfigError, Error};

/// Where the servers' pacing tallies live. The client keeps them in memory unless
/// [`Settings::pacing_store`](crate::Settings::pacing_store) names a store that survives
/// the process or is shared by several (`mj` keeps one in a small database in the
/// platform's state directory, so a shell loop of `mj imagine` is paced like a batch).
///
/// `update` must run `change` on server `server`'s tally (a default one when it has none)
/// and store the result atomically: under a lock, or in a write transaction, so that two
/// processes never claim the same slot.
pub trait PacingStore: Send + Sync + fmt::Debug {
    /// Runs `change` on `server`'s tally and stores it, as one atomic step.
    fn update(&self, server: &str, change: &mut dyn FnMut(&mut Tally)) -> std::io::Result<()>;

    /// Records a created task in the ledger (a store without one keeps nothing).
    fn record(&self, entry: &LedgerEntry) -> std::io::Result<()> {
        let _ = entry;
        Ok(())
    }

    /// Records what became of task `task_id` on `server`: `success`, `failure`,
    /// `moderated` or `cancel`, and, for a task priced by the second, what it cost once
    /// its length is known (the ledger's estimate and the day's spend are corrected).
    fn settle(&self, server: &str, task_id: &str, outcome: &str, cost: Option<Money>) -> std::io::Result<()> {
        let _ = (server, task_id, outcome, cost);
        Ok(())
    }
}

/// A store as settings hold it: two settings are equal when they share the store.
#[derive(Clone, Debug)]
pub(crate) struct SharedStore(pub(crate) Arc<dyn PacingStore>);

impl PartialEq for SharedStore {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::addr_eq(Arc::as_ptr(&self.0), Arc::as_ptr(&other.0))
    }
}

impl Eq for SharedStore {}

/// The store of a client that was given none: this process only.
#[derive(Debug, Default)]
pub(crate) struct MemoryStore(Mutex<HashMap<String, Tally>>);

impl PacingStore for MemoryStore {
    fn update(&self, server: &str, change: &mut dyn FnMut(&mut Tally)) -> std::io::Result<()> {
        let mut tallies = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        change(tallies.entry(server.to_owned()).or_default());
        Ok(())
    }
}

/// What pacing counted for a client's servers, for a status page or an agent that asks
/// what is left before a cap or a budget refuses the next submit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Spending {
    /// Each server with pacing rules or prices, and its counts for today in its zone
    /// (tasks, images, spend, strikes), as the pacing store holds them.
    pub today: Vec<(String, Tally)>,
    /// The client's own budget ([`Settings::budget`](crate::Settings::budget)), if set.
    pub budget: Option<Money>,
    /// What this client's submits spent against that budget.
    pub spent: Money,
}

/// A server as pacing sees it: the name its counts are kept under (with the client's
/// naming) and its configuration, whose rules and prices apply.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Seat<'a> {
    pub(crate) name: &'a str,
    pub(crate) config: &'a Config,
}

/// A claim made for one submit, to give back when the submit created nothing.
#[derive(Debug)]
pub(crate) struct Claim {
    images: u32,
    cost: Money,
    action: &'static str,
    /// The day it counted for, in the server's zone.
    day: i64,
}

/// What holds a submit: a rule (until when), or a store that could not be read.
pub(crate) enum Hold {
    Rule(Held),
    Store(Error),
}

/// The client's pacing: one store for all its servers, shared by its clones.
#[derive(Clone, Debug)]
pub(crate) struct Pacer {
    store: Arc<dyn PacingStore>,
    /// Whether the servers are named (a pool): tallies are kept by name, else by base URL.
    named: bool,
    /// This client's budget (`Settings::budget`) and what its claims spent, all servers
    /// together.
    run: Arc<Mutex<(Option<Money>, Money)>>,
}

impl Pacer {
    pub(crate) fn new(store: Option<Arc<dyn PacingStore>>, named: bool, budget: Option<Money>) -> Self {
        let store = store.unwrap_or_else(|| Arc::new(MemoryStore::default()));
        Self { store, named, run: Arc::new(Mutex::new((budget, Money::default()))) }
    }

    /// Claims a submit of `images` images priced as `action` on `seat` now; `Ok(None)`
    /// when the server has no rules or prices.
    pub(crate) fn claim(
        &self,
        seat: Seat<'_>,
        images: u32,
        action: &'static str,
        draw: u64,
    ) -> Result<Option<Claim>, Hold> {
        let pacing = seat.config.pacing();
        if !pacing.is_active() {
            return Ok(None);
        }
        let now = wall(pacing);
        let cost = pacing.prices.estimate(action);
        let mut run = self.run.lock().unwrap_or_else(PoisonError::into_inner);
        if let (Some(budget), spent) = *run
            && spent.plus(cost) > budget
        {
            let mut held = Tally::default().held(Rule::RunBudget { budget }, None, now);
            self.update(seat, &mut |tally| held = tally.held(Rule::RunBudget { budget }, None, now))?;
            return Err(Hold::Rule(held.on(seat.name.to_owned())));
        }
        let mut outcome = Ok(());
        self.update(seat, &mut |tally| outcome = pacing.claim(tally, now, images, cost, draw))?;
        match outcome {
            Ok(()) => {
                run.1 = run.1.plus(cost);
                Ok(Some(Claim { images, cost, action, day: now.day() }))
            }
            Err(held) => Err(Hold::Rule(held.on(seat.name.to_owned()))),
        }
    }

    /// `seat`'s counts for today, when it has pacing rules or prices (read through the
    /// store, which writes them back unchanged).
    pub(crate) fn today(&self, seat: Seat<'_>) -> Option<Tally> {
        let pacing = seat.config.pacing();
        if !pacing.is_active() {
            return None;
        }
        let now = wall(pacing);
        let mut today = None;
        self.update(seat, &mut |tally| today = Some(tally.as_of(now))).ok()?;
        today
    }

    /// This client's budget and what its claims spent.
    pub(crate) fn run(&self) -> (Option<Money>, Money) {
        *self.run.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the task `submitted` created under `claim` in the store's ledger.
    pub(crate) fn record(&self, seat: Seat<'_>, claim: &Claim, task_id: &str) {
        let now = wall(seat.config.pacing());
        let entry = LedgerEntry::new(now.unix_ms, claim.day, self.key(seat), task_id)
            .priced(claim.action, claim.images, claim.cost)
            .mode(seat.config.mode().map(|m| m.path_segment().trim_start_matches("mj-")));
        let _ = self.store.record(&entry);
    }

    /// Records what became of task `id` on `seat`'s server.
    pub(crate) fn settle(&self, seat: Seat<'_>, task: &mj_proto::Task, outcome: &str) {
        let pacing = seat.config.pacing();
        if pacing.is_active() {
            // A video priced by the second costs its seconds: each clip's length times
            // the clips it made.
            let seconds = task
                .video_info()
                .and_then(|info| info.duration)
                .and_then(|d| u64::try_from(d).ok())
                .filter(|_| task.produces_video())
                .map(|d| d.saturating_mul(task.result_video_urls().len().max(1) as u64));
            let cost = seconds.and_then(|s| pacing.prices.cost("video", s));
            let _ = self.store.settle(&self.key(seat), &task.id, outcome, cost);
        }
    }

    /// Notes that `seat`'s claimed submit's exchange ended now: the interval counts from
    /// here.
    pub(crate) fn sent(&self, seat: Seat<'_>) {
        let pacing = seat.config.pacing();
        let now = wall(pacing);
        let _ = self.update(seat, &mut |tally| pacing.sent(tally, now));
    }

    /// Gives `claim` back: its submit provably created nothing.
    pub(crate) fn release(&self, seat: Seat<'_>, claim: Claim) {
        let pacing = seat.config.pacing();
        let _ = self.update(seat, &mut |tally| pacing.release(tally, claim.images, claim.cost));
        let mut run = self.run.lock().unwrap_or_else(PoisonError::into_inner);
        run.1 = run.1.minus(claim.cost);
    }

    /// Counts a moderation strike against `seat`'s server, when it has pacing rules.
    pub(crate) fn strike(&self, seat: Seat<'_>) {
        let pacing = seat.config.pacing();
        if pacing.is_active() {
            let now = wall(pacing);
            let _ = self.update(seat, &mut |tally| {
                pacing.strike(tally, now);
            });
        }
    }

    /// The name `seat`'s server is kept under: its member name, or a lone server's base URL.
    fn key(&self, seat: Seat<'_>) -> String {
        if self.named { seat.name.to_owned() } else { seat.config.base_url().to_owned() }
    }

    fn update(&self, seat: Seat<'_>, change: &mut dyn FnMut(&mut Tally)) -> Result<(), Hold> {
        self.store.update(&self.key(seat), change).map_err(|e| {
            Hold::Store(ConfigError::PacingStore { server: seat.name.into(), reason: e.to_string().into() }.into())
        })
    }
}

/// Now, on the wall clock, in the zone of `pacing`.
fn wall(pacing: &Pacing) -> Wall {
    let ms =
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    pacing.wall(ms)
}

/// How long until `held` ends, on the wall clock; `None` when it never does.
pub(crate) fn time_left(held: &Held) -> Option<Duration> {
    let now = wall(&Pacing::default()).unix_ms;
    held.until_ms.map(|until| Duration::from_millis(u64::try_from(until.saturating_sub(now)).unwrap_or(0)))
}
