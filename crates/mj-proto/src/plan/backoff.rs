//! When to try again, and how long to wait first.

use std::time::Duration;

use crate::error::{Error, ErrorKind};
use crate::model::ReturnCode;
use crate::profile::ServerProfile;

/// Retry limits and pacing for one request. Retries back off exponentially with
/// decorrelated jitter, honour the server's `Retry-After` (clamped), and stop at either
/// cap or at the call's deadline (mj-client's `Settings::deadline`).
///
/// Waits and watches use only the pacing: they ride out transient errors until their
/// own deadline, however many there are.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Tries in all, the first one included.
    pub max_attempts: u32,
    /// No retry starts after this much time since the first try.
    pub max_elapsed: Duration,
    /// The first pause; later ones grow from it.
    pub initial_backoff: Duration,
    /// The largest pause of mj's own choosing.
    pub max_backoff: Duration,
    /// The largest `Retry-After` honoured.
    pub max_retry_after: Duration,
    /// How long a server that refuses connections (or cannot be resolved) is tried before
    /// the call gives up, while it has never answered the client: a port that refuses from
    /// the start is a server that is down or a wrong URL, which retrying for minutes does
    /// not mend. (A server that answered before and then refuses is restarting: that is
    /// ridden out within the other caps.)
    pub connect_patience: Duration,
    /// Exchanges in a row that may time out before the call gives up, while the server
    /// has never answered the client: a server that let two requests go unanswered for the
    /// whole request timeout from the start will not answer a third.
    pub max_timeouts: u32,
    /// Seeds the jitter (clients derive it per call from mj-client's `Settings::seed`).
    pub seed: u64,
    /// Set by the clients when the server answered them before: then refusals and
    /// timeouts are a passing fault, ridden out within the other caps, not a dead server.
    pub(crate) server_known: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 20,
            max_elapsed: Duration::from_secs(300),
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(15),
            max_retry_after: Duration::from_secs(60),
            connect_patience: Duration::from_secs(10),
            max_timeouts: 2,
            seed: 0x6d6a_2d72_6574_7279,
            server_known: false,
        }
    }
}

impl RetryPolicy {
    /// Never retries.
    pub fn none() -> Self {
        Self { max_attempts: 1, ..Self::default() }
    }

    /// Sets the number of tries.
    pub fn attempts(mut self, max_attempts: u32) -> Self {
        self.max_attempts = max_attempts.max(1);
        self
    }

    /// Sets the time cap.
    pub fn elapsed(mut self, max_elapsed: Duration) -> Self {
        self.max_elapsed = max_elapsed;
        self
    }

    /// Sets the smallest and the largest pause of mj's own choosing.
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }

    /// Sets the largest `Retry-After` honoured.
    pub fn max_retry_after(mut self, max: Duration) -> Self {
        self.max_retry_after = max;
        self
    }

    /// Sets how long refused connections are tried before the call gives up.
    pub fn connect_patience(mut self, patience: Duration) -> Self {
        self.connect_patience = patience;
        self
    }

    /// Sets how many exchanges in a row may time out before the call gives up (at least 1).
    pub fn max_timeouts(mut self, timeouts: u32) -> Self {
        self.max_timeouts = timeouts.max(1);
        self
    }

    /// Sets the jitter seed.
    pub fn seeded(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
}

/// What an error means for another try.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Safe to send again, after the server's delay if it gave one.
    Retry(Option<Duration>),
    /// The request may have been handled: sending it again could do it twice.
    Ambiguous,
    /// Trying again cannot help.
    GiveUp,
}

/// Judges `error` for a request that is (or is not) idempotent, on a server of `profile`
/// (which decides how a code 9 reads).
pub(crate) fn judge(error: &Error, idempotent: bool, profile: Option<ServerProfile>) -> Verdict {
    let after = error.retry_after();
    match error {
        Error::Rejected(r) if r.code == ReturnCode::Failure => {
            return if ServerProfile::failure_is_transient(profile, &r.description) {
                Verdict::Retry(after)
            } else {
                Verdict::GiveUp
            };
        }
        _ => {}
    }
    match error.kind() {
        // Nothing reached the server, or it refused before handling.
        ErrorKind::Connect | ErrorKind::RateLimited => Verdict::Retry(after),
        ErrorKind::Rejected => match error.code() {
            Some(ReturnCode::QueueRejected | ReturnCode::RateLimited) => Verdict::Retry(after),
            Some(ReturnCode::GatewayError) if idempotent => Verdict::Retry(after),
            Some(ReturnCode::GatewayError) => Verdict::Ambiguous,
            _ => Verdict::GiveUp,
        },
        ErrorKind::Timeout | ErrorKind::Interrupted | ErrorKind::Server if idempotent => Verdict::Retry(after),
        ErrorKind::Timeout | ErrorKind::Interrupted | ErrorKind::Server => Verdict::Ambiguous,
        _ => Verdict::GiveUp,
    }
}

/// For one request that failed with `error`: when to send it again and the notice that
/// says so, or the error back when another try is unsafe or the budget is spent.
pub(crate) fn retry_or_give_up(
    budget: &mut Budget,
    now: std::time::Instant,
    endpoint: crate::EndpointName,
    idempotent: bool,
    profile: Option<ServerProfile>,
    error: Error,
) -> Result<(std::time::Instant, super::Notice), Error> {
    let Verdict::Retry(delay) = judge(&error, idempotent, profile) else { return Err(error) };
    if budget.hopeless(now, &error) {
        return Err(error);
    }
    let Some(at) = budget.retry_at(now, delay).map(|at| budget.within_patience(at)) else { return Err(error) };
    let notice =
        super::Notice::Retry { endpoint, attempt: budget.attempts(), reason: error.to_string(), delay: at - now };
    Ok((at, notice))
}

/// Decorrelated-jitter backoff: each pause is random between the initial pause and three
/// times the previous one, capped.
#[derive(Clone, Debug)]
pub(crate) struct Backoff {
    state: u64,
    previous: Duration,
}

impl Backoff {
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed | 1, previous: Duration::ZERO }
    }

    fn next_u64(&mut self) -> u64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        self.state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Random 64 bits (for correlation tokens).
    pub(crate) fn token(&mut self) -> u64 {
        self.next_u64()
    }

    /// The next pause: the server's delay (clamped) when it gave one, else jittered.
    pub(crate) fn next(&mut self, policy: &RetryPolicy, server_delay: Option<Duration>) -> Duration {
        if let Some(delay) = server_delay {
            let delay = delay.min(policy.max_retry_after);
            self.previous = delay;
            return delay;
        }
        let low = policy.initial_backoff.as_millis() as u64;
        let high = (self.previous.as_millis() as u64).saturating_mul(3).max(low + 1);
        let pick = low + self.next_u64() % (high - low);
        let pause = Duration::from_millis(pick).min(policy.max_backoff);
        self.previous = pause;
        pause
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_jittered_and_capped() {
        let policy = RetryPolicy::default();
        let mut b = Backoff::new(7);
        let pauses: Vec<Duration> = (0..12).map(|_| b.next(&policy, None)).collect();
        assert!(pauses.iter().all(|p| *p >= policy.initial_backoff && *p <= policy.max_backoff), "{pauses:?}");
        assert!(pauses.iter().skip(6).any(|p| *p > Duration::from_secs(2)), "grows: {pauses:?}");
        let mut same = Backoff::new(7);
        assert_eq!(pauses, (0..12).map(|_| same.next(&policy, None)).collect::<Vec<_>>(), "seeded");
        assert_eq!(b.next(&policy, Some(Duration::from_secs(2))), Duration::from_secs(2));
        assert_eq!(b.next(&policy, Some(Duration::from_secs(3600))), policy.max_retry_after);
    }
}

/// Attempts and time spent, against a [`RetryPolicy`] and the call's deadline.
#[derive(Clone, Debug)]
pub(crate) struct Budget {
    policy: RetryPolicy,
    backoff: Backoff,
    attempts: u32,
    started: Option<std::time::Instant>,
    deadline: Option<std::time::Instant>,
    /// Since when every exchange failed to connect (the current streak).
    refused_since: Option<std::time::Instant>,
    /// Exchanges in a row that timed out.
    timeouts: u32,
    /// Whether the server answered at all during this call.
    answered: bool,
}

impl Budget {
    pub(crate) fn new(policy: RetryPolicy) -> Self {
        Self {
            backoff: Backoff::new(policy.seed),
            policy,
            attempts: 0,
            started: None,
            deadline: None,
            refused_since: None,
            timeouts: 0,
            answered: false,
        }
    }

    /// Replaces the retry policy, keeping the deadline and what is known of the server (a
    /// plan's `retry` setter, in whatever order its setters are called).
    pub(crate) fn set_policy(&mut self, policy: RetryPolicy) {
        let server_known = self.policy.server_known;
        self.backoff = Backoff::new(policy.seed);
        self.policy = RetryPolicy { server_known, ..policy };
    }

    /// Takes what a driver learned of the server: once it answered, refusals and timeouts
    /// are a passing fault.
    pub(crate) fn knowing(&mut self, facts: &super::ServerFacts) {
        self.policy.server_known = facts.answered();
    }

    /// Counts `error` in the failure streaks and says whether they show a server that will
    /// not heal within this call: one that never answered, and has refused connections for
    /// [`RetryPolicy::connect_patience`] or let [`RetryPolicy::max_timeouts`] exchanges in a
    /// row time out. Any answer from the server (an error status included) ends both
    /// streaks for good.
    pub(crate) fn hopeless(&mut self, now: std::time::Instant, error: &Error) -> bool {
        if self.ever_answered() {
            return false;
        }
        match error.kind() {
            ErrorKind::Connect => {
                self.timeouts = 0;
                let since = *self.refused_since.get_or_insert(now);
                now.saturating_duration_since(since) >= self.policy.connect_patience
            }
            ErrorKind::Timeout => {
                self.refused_since = None;
                self.timeouts += 1;
                self.timeouts >= self.policy.max_timeouts
            }
            ErrorKind::Interrupted => false,
            _ => {
                self.heard();
                false
            }
        }
    }

    /// `at`, or the end of the connect patience when that comes first: a server that
    /// refuses from the start gets its last try when its patience ends, not a backoff later.
    pub(crate) fn within_patience(&self, at: std::time::Instant) -> std::time::Instant {
        match self.refused_since {
            Some(since) if !self.ever_answered() => at.min(since + self.policy.connect_patience),
            _ => at,
        }
    }

    /// Notes that the server answered: the failure streaks end.
    pub(crate) fn heard(&mut self) {
        self.refused_since = None;
        self.timeouts = 0;
        self.answered = true;
    }

    /// Whether the policy allows any retry at all (`RetryPolicy::none()` does not).
    pub(crate) fn retries_allowed(&self) -> bool {
        self.policy.max_attempts > 1
    }

    /// Whether the server answered at all, in this call or to this client before.
    pub(crate) fn ever_answered(&self) -> bool {
        self.answered || self.policy.server_known
    }

    /// Caps every retry at `deadline`.
    pub(crate) fn until(&mut self, deadline: Option<std::time::Instant>) {
        self.deadline = deadline;
    }

    /// The call's deadline.
    pub(crate) fn deadline(&self) -> Option<std::time::Instant> {
        self.deadline
    }

    /// The earlier of `own` (a wait's or watch's own timeout) and the call's deadline.
    pub(crate) fn capped(&self, own: std::time::Instant) -> std::time::Instant {
        self.deadline.map_or(own, |d| d.min(own))
    }

    /// Tries counted so far.
    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    /// A pause that ignores the attempt and time caps (waits, lookups, a full queue),
    /// but not the deadline: `None` when the pause would end past it.
    pub(crate) fn pause_until(
        &mut self,
        now: std::time::Instant,
        server_delay: Option<Duration>,
    ) -> Option<std::time::Instant> {
        let at = now + self.backoff.next(&self.policy, server_delay);
        self.within_deadline(at)
    }

    /// The next try of a poll that rides out transient errors until `deadline` (a wait's
    /// or a watch's): when to try (jittered, never past `deadline`), and the notice that
    /// announces it.
    pub(crate) fn ride_out(
        &mut self,
        now: std::time::Instant,
        deadline: std::time::Instant,
        endpoint: crate::EndpointName,
        attempt: u32,
        error: &Error,
    ) -> (std::time::Instant, super::Notice) {
        let at = self.pause_until(now, error.retry_after()).map_or(deadline, |at| at.min(deadline));
        let delay = at.saturating_duration_since(now);
        (at, super::Notice::Retry { endpoint, attempt, reason: error.to_string(), delay })
    }

    /// `at`, or `None` when it is past the deadline.
    pub(crate) fn within_deadline(&self, at: std::time::Instant) -> Option<std::time::Instant> {
        match self.deadline {
            Some(deadline) if at >= deadline => None,
            _ => Some(at),
        }
    }

    /// Starts the time cap over at `now` (time spent looking a lost submit up is not time
    /// spent retrying it); the attempts so far still count.
    pub(crate) fn restart_clock(&mut self, now: std::time::Instant) {
        self.started = Some(now);
    }

    /// Forgets the backoff growth and the failure streaks after a success (a wait's pacing
    /// starts over).
    pub(crate) fn calm(&mut self) {
        self.backoff.previous = Duration::ZERO;
        self.heard();
    }

    /// Counts a try starting at `now`.
    pub(crate) fn attempt(&mut self, now: std::time::Instant) {
        self.started.get_or_insert(now);
        self.attempts += 1;
    }

    /// When to try again, or `None` when the budget is spent.
    pub(crate) fn retry_at(
        &mut self,
        now: std::time::Instant,
        server_delay: Option<Duration>,
    ) -> Option<std::time::Instant> {
        if self.attempts >= self.policy.max_attempts {
            return None;
        }
        let pause = self.backoff.next(&self.policy, server_delay);
        let at = now + pause;
        let started = *self.started.get_or_insert(now);
        if at.saturating_duration_since(started) > self.policy.max_elapsed {
            return None;
        }
        self.within_deadline(at)
    }

    /// Random 64 bits from the jitter source.
    pub(crate) fn random(&mut self) -> u64 {
        self.backoff.token()
    }
}
