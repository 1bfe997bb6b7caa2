//! What a batch runs on: one client ([`mj_client::Client`]), or a pool of servers
//! ([`mj_client::PoolClient`]), whose jobs each remember their member in the journal.

use std::sync::Arc;
use std::time::{Duration, Instant};

use mj_client::{Client, PoolClient};
use mj_proto::endpoint::Submit;
use mj_proto::model::TaskHandle;
use mj_proto::{Error, Submitted, Transport};

/// The servers a [`Batch`](crate::Batch) sends its jobs to: a [`Client`] (one server; its
/// jobs name no member) or a [`PoolClient`] (each job is sent to a member the pool routes
/// it to, written in the journal before the send, and followed, pressed and resumed on
/// that member only). Implemented for those two only.
///
/// Each server's requests are made by a thread of its own, so the clients are shared
/// between threads (`Sync`).
pub trait Servers: sealed::Sealed + Sync {
    /// The transport of the clients jobs are followed with.
    type Transport: Transport + Send + Sync;

    /// The client for the jobs of member `server` (`None`: the only server), or `None`
    /// when there is no such member.
    fn client(&self, server: Option<&str>) -> Option<&Client<Self::Transport>>;

    /// The client whose clock, settings and checks the run uses.
    fn lead(&self) -> &Client<Self::Transport>;

    /// Every member's client with its name (`None` for the only server).
    fn all(&self) -> Vec<(Option<String>, &Client<Self::Transport>)>;

    /// The members a new submit to `endpoint` goes to, best first (healthy, with room).
    fn route(&self, endpoint: mj_proto::EndpointName) -> Vec<Option<String>>;

    /// True for a pool: a refusal that proves nothing was created sends the job back to
    /// wait for another member, instead of failing it.
    fn pooled(&self) -> bool;

    /// Submits `request` to `server` (exactly once there).
    fn submit<S: Submit + Clone>(&self, server: Option<&str>, request: S) -> Result<Submitted, Error>;

    /// Completes a submit sent to `server` earlier, by its token.
    fn resume<S: Submit + Clone>(
        &self,
        server: Option<&str>,
        request: S,
        lost_for: Duration,
    ) -> Result<Submitted, Error>;

    /// Learns how a call the run made to `server` went.
    fn learn(&self, server: Option<&str>, outcome: Result<(), &Error>);

    /// Counts running task `id` of `server` (from an earlier run) against its room.
    fn adopt(&self, server: Option<&str>, id: &str);

    /// Stops counting task `id` of `server` against its room.
    fn release(&self, server: Option<&str>, id: &str);

    /// The same servers with every call ending by `deadline` at the latest, sharing this
    /// one's pool health and load: what a run with a deadline sends with.
    fn until(&self, deadline: Instant) -> Self
    where
        Self: Sized;

    /// `text` with every member's API key, and its hook's secret path, scrubbed from it.
    fn redact(&self, text: String) -> String {
        self.all().iter().fold(text, |text, (_, client)| {
            let text = client.config().redact_text(text);
            match &client.settings().hooks {
                Some(hooks) => hooks.redact_text(&text),
                None => text,
            }
        })
    }
}

mod sealed {
    pub trait Sealed {}
    impl<T> Sealed for mj_client::Client<T> {}
    impl<T> Sealed for mj_client::PoolClient<T> {}
}

impl<T: Transport + Send + Sync> Servers for Client<T> {
    type Transport = T;

    fn client(&self, server: Option<&str>) -> Option<&Client<T>> {
        server.is_none().then_some(self)
    }

    fn lead(&self) -> &Client<T> {
        self
    }

    fn all(&self) -> Vec<(Option<String>, &Client<T>)> {
        vec![(None, self)]
    }

    fn route(&self, _: mj_proto::EndpointName) -> Vec<Option<String>> {
        vec![None]
    }

    fn pooled(&self) -> bool {
        false
    }

    fn submit<S: Submit + Clone>(&self, _: Option<&str>, request: S) -> Result<Submitted, Error> {
        Client::submit(self, request)
    }

    fn resume<S: Submit + Clone>(&self, _: Option<&str>, request: S, lost_for: Duration) -> Result<Submitted, Error> {
        self.resume_submit(request, lost_for)
    }

    fn until(&self, deadline: Instant) -> Self {
        Client::until(self, deadline)
    }

    fn learn(&self, _: Option<&str>, _: Result<(), &Error>) {}

    fn adopt(&self, _: Option<&str>, _: &str) {}

    fn release(&self, _: Option<&str>, _: &str) {}
}

impl<T: Transport + Send + Sync> Servers for PoolClient<T> {
    type Transport = Arc<T>;

    fn client(&self, server: Option<&str>) -> Option<&Client<Arc<T>>> {
        self.member(server?)
    }

    fn lead(&self) -> &Client<Arc<T>> {
        // A pool has at least one member (`Pool::new` refuses none).
        self.members()[0].1
    }

    fn all(&self) -> Vec<(Option<String>, &Client<Arc<T>>)> {
        self.members().into_iter().map(|(name, client)| (Some(name), client)).collect()
    }

    fn route(&self, endpoint: mj_proto::EndpointName) -> Vec<Option<String>> {
        PoolClient::route(self, endpoint).into_iter().map(Some).collect()
    }

    fn pooled(&self) -> bool {
        true
    }

    fn submit<S: Submit + Clone>(&self, server: Option<&str>, request: S) -> Result<Submitted, Error> {
        let placed = match server {
            Some(server) => self.submit_to(server, request),
            None => PoolClient::submit(self, request),
        };
        placed.map(|p| p.submitted)
    }

    fn resume<S: Submit + Clone>(
        &self,
        server: Option<&str>,
        request: S,
        lost_for: Duration,
    ) -> Result<Submitted, Error> {
        let Some(server) = server else { return Err(Error::PlanMisuse) };
        self.resume_submit(server, request, lost_for).map(|p| p.submitted)
    }

    fn until(&self, deadline: Instant) -> Self {
        PoolClient::until(self, deadline)
    }

    fn learn(&self, server: Option<&str>, outcome: Result<(), &Error>) {
        if let Some(server) = server {
            PoolClient::learn(self, server, outcome);
        }
    }

    fn adopt(&self, server: Option<&str>, id: &str) {
        if let Some(server) = server {
            PoolClient::adopt(self, &TaskHandle::new(server, id));
        }
    }

    fn release(&self, server: Option<&str>, id: &str) {
        if let Some(server) = server {
            PoolClient::release(self, &TaskHandle::new(server, id));
        }
    }
}
