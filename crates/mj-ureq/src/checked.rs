//! Downloads that go only where they may: a request carrying an
//! [`AddressCheck`](mj_proto::AddressCheck) is sent through an agent whose resolver
//! refuses the name when any address it resolves to is not permitted (a result URL whose
//! name stands for 127.0.0.1, a private address or the cloud metadata service). The check
//! is on the addresses the connection is then made to, so a name that answers one address
//! to a first lookup and another to the next gains nothing.

use std::io;
use std::sync::OnceLock;

use mj_proto::AddressCheck;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// The text every refusal starts with, so that the transport reports it as such.
pub(crate) const REFUSAL: &str = "refusing to connect";

/// A resolver that refuses what `check` does not permit.
#[derive(Debug)]
struct CheckedResolver {
    check: AddressCheck,
    inner: DefaultResolver,
}

impl Resolver for CheckedResolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addresses = self.inner.resolve(uri, config, timeout)?;
        // Any one refused address refuses the name: the connection could go to any.
        match addresses.iter().find(|a| !self.check.permits(a.ip())) {
            Some(refused) => {
                Err(ureq::Error::Io(io::Error::new(io::ErrorKind::PermissionDenied, self.check.refusal(refused.ip()))))
            }
            None => Ok(addresses),
        }
    }
}

/// The agents that check addresses, made from the transport's own agent's configuration
/// (its timeouts, proxy and TLS) the first time a request needs one.
#[derive(Debug, Default)]
pub(crate) struct CheckedAgents {
    strict: OnceLock<ureq::Agent>,
    local: OnceLock<ureq::Agent>,
}

impl CheckedAgents {
    /// The agent for `check`, configured as `agent`; `None` when `agent` sends through a
    /// proxy, which resolves the name itself (see [`check_before_sending`]).
    pub(crate) fn agent(&self, agent: &ureq::Agent, check: AddressCheck) -> Option<&ureq::Agent> {
        if agent.config().proxy().is_some() {
            return None;
        }
        let cell = if check.allow_local { &self.local } else { &self.strict };
        Some(cell.get_or_init(|| {
            let resolver = CheckedResolver { check, inner: DefaultResolver::default() };
            ureq::Agent::with_parts(agent.config().clone(), DefaultConnector::new(), resolver)
        }))
    }
}

/// For an agent that sends through a proxy (which resolves the name itself): looks
/// `host` up here and checks the answers before the request is sent (a name whose answers
/// change between this lookup and the proxy's could slip through).
pub(crate) fn check_before_sending(check: AddressCheck, host: &str, port: u16) -> Result<(), String> {
    use std::net::ToSocketAddrs;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addresses: Vec<std::net::SocketAddr> = match host.parse::<std::net::IpAddr>() {
        Ok(ip) => vec![std::net::SocketAddr::new(ip, port)],
        Err(_) => {
            (host, port).to_socket_addrs().map_err(|e| format!("cannot resolve the host: {}", e.kind()))?.collect()
        }
    };
    match addresses.iter().find(|a| !check.permits(a.ip())) {
        Some(refused) => Err(check.refusal(refused.ip())),
        None => Ok(()),
    }
}

/// The refusal text of `error`, when the checked resolver refused the name.
pub(crate) fn refusal(error: &ureq::Error) -> Option<String> {
    match error {
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::PermissionDenied => {
            let text = io.get_ref().map(ToString::to_string)?;
            text.starts_with(REFUSAL).then_some(text)
        }
        _ => None,
    }
}
