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
use mj_proto::{ConfigError, Error, Submitted};

use std::time::Instant;

use crate::members::{Lane, Members};

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
    /// `moderated` or `cancel`.
    fn settle(&self, server: &str, task_id: &str, outcome: &str) -> std::io::Result<()> {
        let _ = (server, task_id, outcome);
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

    /// Claims a submit of `images` images priced as `action` on `lane` now; `Ok(None)`
    /// when the server has no rules or prices.
    pub(crate) fn claim(
        &self,
        lane: &Lane,
        images: u32,
        action: &'static str,
        draw: u64,
    ) -> Result<Option<Claim>, Hold> {
        let pacing = lane.shared.config.pacing();
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
            self.update(lane, &mut |tally| held = tally.held(Rule::RunBudget { budget }, None, now))?;
            return Err(Hold::Rule(held.on(lane.name.clone())));
        }
        let mut outcome = Ok(());
        self.update(lane, &mut |tally| outcome = pacing.claim(tally, now, images, cost, draw))?;
        match outcome {
            Ok(()) => {
                run.1 = run.1.plus(cost);
                Ok(Some(Claim { images, cost, action, day: now.day() }))
            }
            Err(held) => Err(Hold::Rule(held.on(lane.name.clone()))),
        }
    }

    /// Records the task `submitted` created under `claim` in the store's ledger.
    pub(crate) fn record(&self, lane: &Lane, claim: &Claim, task_id: &str) {
        let now = wall(lane.shared.config.pacing());
        let entry = LedgerEntry::new(now.unix_ms, claim.day, self.key(lane), task_id).priced(
            claim.action,
            claim.images,
            claim.cost,
        );
        let _ = self.store.record(&entry);
    }

    /// Records what became of task `id` on `lane`'s server.
    pub(crate) fn settle(&self, lane: &Lane, id: &str, outcome: &str) {
        if lane.shared.config.pacing().is_active() {
            let _ = self.store.settle(&self.key(lane), id, outcome);
        }
    }

    /// Notes that `lane`'s claimed submit's exchange ended now: the interval counts from
    /// here.
    pub(crate) fn sent(&self, lane: &Lane) {
        let pacing = lane.shared.config.pacing();
        let now = wall(pacing);
        let _ = self.update(lane, &mut |tally| pacing.sent(tally, now));
    }

    /// Gives `claim` back: its submit provably created nothing.
    pub(crate) fn release(&self, lane: &Lane, claim: Claim) {
        let pacing = lane.shared.config.pacing();
        let _ = self.update(lane, &mut |tally| pacing.release(tally, claim.images, claim.cost));
        let mut run = self.run.lock().unwrap_or_else(PoisonError::into_inner);
        run.1 = run.1.minus(claim.cost);
    }

    /// Counts a moderation strike against `lane`'s server, when it has pacing rules.
    pub(crate) fn strike(&self, lane: &Lane) {
        let pacing = lane.shared.config.pacing();
        if pacing.is_active() {
            let now = wall(pacing);
            let _ = self.update(lane, &mut |tally| {
                pacing.strike(tally, now);
            });
        }
    }

    /// The name `lane`'s server is kept under: its member name, or a lone server's base URL.
    fn key(&self, lane: &Lane) -> String {
        if self.named { lane.name.clone() } else { lane.shared.config.base_url().to_owned() }
    }

    fn update(&self, lane: &Lane, change: &mut dyn FnMut(&mut Tally)) -> Result<(), Hold> {
        self.store.update(&self.key(lane), change).map_err(|e| {
            Hold::Store(
                ConfigError::PacingStore { server: lane.name.as_str().into(), reason: e.to_string().into() }.into(),
            )
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

/// What a submit must do before it is sent, as its server's pacing says.
pub(crate) enum Pace {
    /// Send it on these servers (pool indexes, in order), with the claim to give back if
    /// it creates nothing.
    Go(Vec<usize>, Option<Claim>),
    /// Wait this long for the hold that ends first, then ask again.
    Wait(Duration, Held),
    /// Do not send it: a hold beyond the deadline, or a store that cannot be read.
    Fail(Error),
}

impl Members {
    /// What a submit of `images` images along `route` (pool indexes, best first) must do
    /// first, at `now` within `deadline`. Without pacing rules on the route, it goes as
    /// routed. With rules, it goes to the first server that admits it, alone: a failover
    /// would reach a server whose rules it had not claimed.
    pub(crate) fn pace(
        &self,
        route: &[usize],
        (images, action): (u32, &'static str),
        now: Instant,
        deadline: Option<Instant>,
    ) -> Pace {
        let lanes: Vec<&Lane> = route.iter().filter_map(|&i| self.at(i)).collect();
        if lanes.iter().all(|lane| !lane.shared.config.pacing().is_active()) {
            return Pace::Go(route.to_vec(), None);
        }
        let (mut soonest, mut failure): (Option<(Duration, Held)>, Option<Error>) = (None, None);
        for lane in lanes {
            match self.pacer.claim(lane, images, action, lane.shared.seeds.next()) {
                Ok(claim) => return Pace::Go(vec![lane.index], claim),
                Err(Hold::Store(e)) => failure = failure.or(Some(e)),
                Err(Hold::Rule(held)) => match time_left(&held) {
                    Some(wait) if deadline.is_none_or(|d| now + wait <= d) => {
                        if soonest.as_ref().is_none_or(|(w, _)| wait < *w) {
                            soonest = Some((wait.max(Duration::from_millis(1)), held));
                        }
                    }
                    _ => failure = failure.or(Some(Error::Paced(Box::new(held)))),
                },
            }
        }
        match (soonest, failure) {
            (Some((wait, held)), _) => Pace::Wait(wait, held),
            (None, Some(e)) => Pace::Fail(e),
            (None, None) => Pace::Fail(Error::PlanMisuse),
        }
    }

    /// After a paced submit on `lane`: a claim whose submit provably created nothing is
    /// given back, and a moderation refusal is a strike.
    pub(crate) fn after_submit(&self, lane: &Lane, claim: Option<Claim>, result: &Result<Submitted, Error>) {
        if claim.is_some() {
            self.pacer.sent(lane);
        }
        let e = match result {
            Ok(submitted) => {
                if let Some(claim) = &claim {
                    for id in submitted.task_ids.iter().chain([&submitted.task_id]).take(1) {
                        self.pacer.record(lane, claim, id);
                    }
                }
                return;
            }
            Err(e) => e,
        };
        if e.is_moderation() {
            self.pacer.strike(lane);
        } else if let Some(claim) = claim.filter(|_| e.created_nothing()) {
            self.pacer.release(lane, claim);
        }
    }
}
