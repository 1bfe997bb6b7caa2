//! Many servers behind one client: who they are, how each is doing, and which should take
//! the next submit.
//!
//! A [`Pool`] learns its members' health from the traffic the clients see: exchanges in a
//! row that got no answer (no connection, no answer in time, a dropped connection) put a
//! member in a cooldown that doubles each time (1 s to 60 s), so that a member that hangs
//! gets no new work as surely as one that is down; any answer brings it back; a member that says its queue is full is given a
//! quarter of its share for a while. A submit goes to the member with the most room for
//! its weight among those that are healthy, not full, and whose profile offers the
//! endpoint ([`route`](Pool::route)).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::config_error::ConfigError;
use crate::error::{Error, ErrorKind};
use crate::model::is_server_name;

/// The first cooldown after a connection failure; each failure in a row doubles it.
const FIRST_COOLDOWN: Duration = Duration::from_secs(1);
/// The longest cooldown.
const LONGEST_COOLDOWN: Duration = Duration::from_secs(60);
/// How long a member that said "queue full" gets a quarter of its share.
const CROWDED_FOR: Duration = Duration::from_secs(15);

/// One server of a pool.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Member {
    /// Its name in handles (`name:id`) and messages.
    pub name: String,
    /// Where it is and how to reach it.
    pub config: Config,
    /// Its share of the submits against the others' (1 by default).
    pub weight: u32,
    /// The most tasks it is given at once (10 by default: a Midjourney account runs 3
    /// and queues about 10).
    pub max_in_flight: usize,
}

impl Member {
    /// Member `name` (1 to 32 letters, digits, `-` or `_`) for the server in `config`.
    pub fn new(name: impl Into<String>, config: Config) -> Result<Self, ConfigError> {
        let name = name.into();
        if !is_server_name(&name) {
            return Err(ConfigError::InvalidServerName { name: name.chars().take(40).collect() });
        }
        Ok(Self { name, config, weight: 1, max_in_flight: 10 })
    }

    /// Sets its share of the submits (at least 1).
    pub fn weight(mut self, weight: u32) -> Self {
        self.weight = weight.max(1);
        self
    }

    /// Sets the most tasks it is given at once (at least 1).
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }
}

/// How a member is doing, as the pool learned it.
#[derive(Clone, Debug, Default)]
struct Health {
    in_flight: usize,
    unanswered: u32,
    cooling_until: Option<Instant>,
    crowded_until: Option<Instant>,
}

/// A member's state for a person to read (`mj servers`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemberStatus {
    /// The member's name.
    pub name: String,
    /// Tasks placed on it and not yet released.
    pub in_flight: usize,
    /// Exchanges in a row that got no answer: no connection, no answer in time, or a
    /// dropped connection.
    pub unanswered: u32,
    /// How long it still sits out after exchanges that got no answer.
    pub cooling_for: Option<Duration>,
    /// Whether it said its queue was full lately.
    pub crowded: bool,
}

impl From<Config> for Pool {
    /// [`Pool::single`]: a client over one server is a pool of one.
    fn from(config: Config) -> Self {
        Self::single(config)
    }
}

/// The members of a pool and their health.
#[derive(Debug)]
pub struct Pool {
    members: Arc<[Member]>,
    health: Vec<Health>,
    /// Whether clients name tasks by their member (`name:id`): a pool made of named
    /// servers is; the pool of one a client makes of a lone [`Config`] is not.
    named: bool,
}

impl Pool {
    /// A pool of `members`: at least one, each name once.
    pub fn new(members: Vec<Member>) -> Result<Self, ConfigError> {
        if members.is_empty() {
            return Err(ConfigError::EmptyPool);
        }
        for (i, member) in members.iter().enumerate() {
            if members[..i].iter().any(|m| m.name == member.name) {
                return Err(ConfigError::DuplicateServerName { name: member.name.clone() });
            }
        }
        let health = vec![Health::default(); members.len()];
        Ok(Self { members: members.into(), health, named: true })
    }

    /// The pool of one unnamed server: what a client over one [`Config`] runs on. Its
    /// tasks are named by their bare ids.
    pub fn single(config: Config) -> Self {
        let member = Member { name: "server".to_owned(), config, weight: 1, max_in_flight: usize::MAX };
        Self { members: vec![member].into(), health: vec![Health::default()], named: false }
    }

    /// Whether clients name this pool's tasks by their member (`name:id`): true unless the
    /// pool is [`Pool::single`].
    pub fn is_named(&self) -> bool {
        self.named
    }

    /// The members, in the order given (cheap to clone: plans borrow it).
    pub fn members(&self) -> Arc<[Member]> {
        Arc::clone(&self.members)
    }

    /// The index of member `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.members.iter().position(|m| m.name == name)
    }

    /// The members that may take a submit to `endpoint` at `now`, best first: healthy (not
    /// cooling down after exchanges that got no answer), with room under `max_in_flight`, offering
    /// the endpoint when their profile is known, ordered by load for their weight (a
    /// crowded member counts four times its load).
    pub fn route(&self, endpoint: crate::EndpointName, now: Instant) -> Vec<usize> {
        let mut able: Vec<(u64, usize)> = (0..self.members.len())
            .filter(|&i| {
                let (member, health) = (&self.members[i], &self.health[i]);
                health.cooling_until.is_none_or(|until| now >= until)
                    && health.in_flight < member.max_in_flight
                    && member.config.profile().is_none_or(|p| p.offers(endpoint))
            })
            .map(|i| {
                let (member, health) = (&self.members[i], &self.health[i]);
                let crowded = health.crowded_until.is_some_and(|until| now < until);
                let load = (health.in_flight as u64).saturating_add(1).saturating_mul(if crowded { 4 } else { 1 });
                (load.saturating_mul(1_000_000) / u64::from(member.weight.max(1)), i)
            })
            .collect();
        able.sort_unstable();
        able.into_iter().map(|(_, i)| i).collect()
    }

    /// Notes a task placed on member `i`.
    pub fn took(&mut self, i: usize) {
        if let Some(health) = self.health.get_mut(i) {
            health.in_flight += 1;
        }
    }

    /// Notes that a task on member `i` ended (or is no longer followed).
    pub fn released(&mut self, i: usize) {
        if let Some(health) = self.health.get_mut(i) {
            health.in_flight = health.in_flight.saturating_sub(1);
        }
    }

    /// Learns from one call to member `i` at `now`: `Ok` when it answered (whatever it
    /// said), or the error the call ended with.
    pub fn learn(&mut self, i: usize, outcome: Result<(), &Error>, now: Instant) {
        let Some(health) = self.health.get_mut(i) else { return };
        match outcome {
            // A member that hangs (no answer in time, a submit's answer lost beyond every
            // lookup) or drops connections is as unfit for new work as one that refuses them.
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::Connect | ErrorKind::Timeout | ErrorKind::Interrupted | ErrorKind::OutcomeUnknown
                ) =>
            {
                health.unanswered += 1;
                let doubling = 2u32.saturating_pow(health.unanswered.saturating_sub(1).min(16));
                health.cooling_until = Some(now + FIRST_COOLDOWN.saturating_mul(doubling).min(LONGEST_COOLDOWN));
            }
            Err(e) if e.is_backpressure() => {
                (health.unanswered, health.cooling_until) = (0, None);
                health.crowded_until = Some(now + CROWDED_FOR);
            }
            _ => (health.unanswered, health.cooling_until) = (0, None),
        }
    }

    /// Every member's state at `now`.
    pub fn status(&self, now: Instant) -> Vec<MemberStatus> {
        self.members
            .iter()
            .zip(&self.health)
            .map(|(member, health)| MemberStatus {
                name: member.name.clone(),
                in_flight: health.in_flight,
                unanswered: health.unanswered,
                cooling_for: health.cooling_until.map(|u| u.saturating_duration_since(now)).filter(|d| !d.is_zero()),
                crowded: health.crowded_until.is_some_and(|until| now < until),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ServerProfile;

    fn member(name: &str, profile: Option<ServerProfile>) -> Member {
        let config = Config::new("http://127.0.0.1:9").expect("config");
        Member::new(
            name,
            match profile {
                Some(p) => config.with_profile(p),
                None => config,
            },
        )
        .expect("member")
    }

    #[test]
    fn submits_go_by_load_for_weight_to_members_that_offer_the_endpoint() {
        let mut pool = Pool::new(vec![
            member("a", None),
            member("b", None).weight(2),
            member("n", Some(ServerProfile::Novicezk)).max_in_flight(1),
        ])
        .expect("pool");
        let t0 = Instant::now();
        assert_eq!(pool.route(crate::EndpointName::IMAGINE, t0), [1, 0, 2], "b has twice the share");
        assert_eq!(pool.route(crate::EndpointName::ACTION, t0), [1, 0], "novicezk has no action endpoint");
        pool.took(1);
        pool.took(1);
        pool.took(2);
        assert_eq!(pool.route(crate::EndpointName::IMAGINE, t0), [0, 1], "n is full; b at 3/2 loses to a at 1");
        pool.released(2);
        assert!(Pool::new(vec![member("a", None), member("a", None)]).is_err());
        assert!(Pool::new(Vec::new()).is_err());
        assert!(Member::new("a b", Config::new("http://127.0.0.1:9").expect("config")).is_err());
    }

    #[test]
    fn unanswered_exchanges_cool_a_member_down_and_an_answer_brings_it_back() {
        let mut pool = Pool::new(vec![member("a", None), member("b", None)]).expect("pool");
        let t0 = Instant::now();
        let refused = Error::Transport(crate::TransportError::new(crate::TransportErrorKind::Connect, "refused"));
        pool.learn(0, Err(&refused), t0);
        assert_eq!(pool.route(crate::EndpointName::IMAGINE, t0), [1]);
        assert_eq!(
            pool.route(crate::EndpointName::IMAGINE, t0 + Duration::from_secs(1)),
            [0, 1],
            "one cooldown of 1 s"
        );
        pool.learn(0, Err(&refused), t0);
        pool.learn(0, Err(&refused), t0);
        assert_eq!(pool.status(t0)[0].cooling_for, Some(Duration::from_secs(4)), "doubling");
        pool.learn(0, Ok(()), t0);
        assert_eq!(pool.route(crate::EndpointName::IMAGINE, t0), [0, 1]);
        assert!(refused.created_nothing());
        // A member that accepts and never answers, or drops the connection, cools down too.
        for kind in [crate::TransportErrorKind::Timeout, crate::TransportErrorKind::Interrupted] {
            let mut pool = Pool::new(vec![member("a", None), member("b", None)]).expect("pool");
            pool.learn(1, Err(&Error::Transport(crate::TransportError::new(kind, "no answer"))), t0);
            assert_eq!(pool.route(crate::EndpointName::IMAGINE, t0), [0], "{kind:?}");
            assert_eq!(pool.status(t0)[1].unanswered, 1);
        }
    }
}
