//! A submit's pacing along its route: which server's rules admit it now, what to wait for,
//! and what its outcome gives back or counts (through the client's `Pacer`).

use std::time::{Duration, Instant};

use mj_proto::pacing::Held;
use mj_proto::{Error, Submitted};

use crate::members::{Lane, Members};
use crate::pacer::{Claim, Hold, time_left};

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
            match self.pacer.claim(lane.seat(), images, action, lane.shared.seeds.next()) {
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
            self.pacer.sent(lane.seat());
        }
        let e = match result {
            Ok(submitted) => {
                if let Some(claim) = &claim {
                    for id in submitted.task_ids.iter().chain([&submitted.task_id]).take(1) {
                        self.pacer.record(lane.seat(), claim, id);
                    }
                }
                return;
            }
            Err(e) => e,
        };
        if e.is_moderation() {
            self.pacer.strike(lane.seat());
        } else if let Some(claim) = claim.filter(|_| e.created_nothing()) {
            self.pacer.release(lane.seat(), claim);
        }
    }
}

impl Members {
    /// What pacing counted: each paced server's counts for today, and the client's own
    /// budget with what it spent.
    pub(crate) fn spending(&self) -> crate::Spending {
        let today =
            self.lanes().iter().filter_map(|lane| Some((lane.name.clone(), self.pacer.today(lane.seat())?))).collect();
        let (budget, spent) = self.pacer.run();
        crate::Spending { today, budget, spent }
    }
}
