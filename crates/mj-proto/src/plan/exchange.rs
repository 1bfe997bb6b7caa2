//! What every plan that makes one exchange at a time shares: where it stands (ready to
//! send, sleeping, waiting for an answer, finished), what its `poll` does in each of those
//! places, and how a built request becomes a [`Step::Send`] (or a build error the end).

use std::ops::ControlFlow;
use std::time::Instant;

use super::{Step, bounded};
use crate::error::Error;
use crate::wire::HttpRequest;

/// Where a plan stands. `N` names the exchange that comes next (a submit or a lookup);
/// plans with one kind of exchange use `()`.
#[derive(Debug)]
pub(crate) enum Phase<T, N = ()> {
    /// Ready to send `N` now.
    Ready(N),
    /// Asleep until the instant, then ready to send `N`.
    Sleeping(Instant, N),
    /// Waiting for the answer to `N`.
    Waiting(N),
    /// Done; the result until `poll` hands it out (boxed: a finished plan is rare, a big
    /// result would make every phase as big).
    Finished(Option<Box<Result<T, Error>>>),
}

impl<T, N: Copy> Phase<T, N> {
    /// A finished phase holding `result`.
    pub(crate) fn done(result: Result<T, Error>) -> Self {
        Self::Finished(Some(Box::new(result)))
    }

    /// The exchange due at `now`, or the step `poll` returns instead: a sleep not yet over,
    /// the finished result (once), or [`Error::PlanMisuse`] for a poll while an answer is
    /// awaited or after the result was taken.
    pub(crate) fn due<E>(&mut self, now: Instant) -> ControlFlow<Step<T, E>, N> {
        match self {
            Self::Sleeping(until, _) if now < *until => ControlFlow::Break(Step::Sleep(*until)),
            Self::Ready(next) | Self::Sleeping(_, next) => ControlFlow::Continue(*next),
            Self::Waiting(_) => ControlFlow::Break(Step::Done(Err(Error::PlanMisuse))),
            Self::Finished(result) => {
                ControlFlow::Break(Step::Done(result.take().map_or(Err(Error::PlanMisuse), |r| *r)))
            }
        }
    }

    /// The exchange whose answer is awaited, if one is.
    pub(crate) fn awaited(&self) -> Option<N> {
        match self {
            Self::Waiting(next) => Some(*next),
            _ => None,
        }
    }

    /// Sends `built` for `next`, its exchange cut at `deadline`; a request that could not
    /// be built ends the plan with that error.
    pub(crate) fn send<E>(
        &mut self,
        next: N,
        built: Result<HttpRequest, Error>,
        now: Instant,
        deadline: Option<Instant>,
    ) -> Step<T, E> {
        match built {
            Ok(request) => {
                *self = Self::Waiting(next);
                Step::Send(bounded(request, now, deadline))
            }
            Err(e) => {
                *self = Self::Finished(None);
                Step::Done(Err(e))
            }
        }
    }
}
