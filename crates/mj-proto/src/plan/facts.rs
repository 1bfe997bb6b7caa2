//! What a driver learned of a server from earlier calls, the one input it hands each new
//! plan so that the plan does not learn it again.

use super::Notice;
use crate::EndpointName;

/// What a driver learned of one server from earlier calls.
///
/// Plans start knowing nothing; a driver that keeps one of these per server and passes it
/// with `knowing(&facts)` saves the requests that would learn it again:
///
/// - **whether the server ever answered**: until it has, a refused connection or a timeout
///   from the start means a server that is down or a wrong URL, and a call fails fast
///   ([`RetryPolicy::connect_patience`](super::RetryPolicy::connect_patience)); once it
///   has, the same failures are a passing fault, ridden out;
/// - **the endpoints it lacks** (it answered 404, 405 or 501, announced as
///   [`Notice::Fallback`]): later plans go straight to what works (one `fetch` per id
///   instead of `list-by-condition`, the task list instead of a missing query).
///
/// ```
/// use mj_proto::plan::{Notice, Plan, RetryPolicy, ServerFacts, Step, TasksPlan};
/// use mj_proto::{Config, EndpointName};
///
/// let mut facts = ServerFacts::default();
/// facts.heard();
/// facts.learn(&Notice::Fallback { missing: EndpointName::LIST_BY_CONDITION, using: Some(EndpointName::FETCH) });
/// assert!(facts.answered() && facts.lacks(EndpointName::LIST_BY_CONDITION));
///
/// let config = Config::new("https://api.example.com")?;
/// // Starts with one fetch per id: no list-by-condition request that would fail again.
/// let mut plan = TasksPlan::new(&config, ["1", "2"], RetryPolicy::default()).knowing(&facts);
/// let Step::Send(first) = plan.poll(std::time::Instant::now()) else { panic!("a request first") };
/// assert_eq!(first.uri().path(), "/mj/task/1/fetch");
/// # Ok::<(), mj_proto::ConfigError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerFacts {
    answered: bool,
    missing: Vec<EndpointName>,
}

impl ServerFacts {
    /// Notes that the server answered (any status).
    pub fn heard(&mut self) {
        self.answered = true;
    }

    /// Notes what `notice` teaches: a [`Notice::Fallback`] names an endpoint the server
    /// lacks. Other notices teach nothing.
    pub fn learn(&mut self, notice: &Notice) {
        if let Notice::Fallback { missing, .. } = notice
            && !self.missing.contains(missing)
        {
            self.missing.push(*missing);
        }
    }

    /// Whether the server ever answered.
    pub fn answered(&self) -> bool {
        self.answered
    }

    /// Whether the server answered that it lacks `endpoint` (an [`Endpoint::name`](crate::Endpoint::name)).
    pub fn lacks(&self, endpoint: EndpointName) -> bool {
        self.missing.contains(&endpoint)
    }

    /// The endpoints the server answered that it lacks, in the order learned.
    pub fn missing(&self) -> &[EndpointName] {
        &self.missing
    }
}
