//! Downloads that go only where they may: a request carrying an
//! [`AddressCheck`](mj_proto::AddressCheck) is sent through a client whose resolver
//! refuses the name when any address it resolves to is not permitted (a result URL whose
//! name stands for 127.0.0.1, a private address or the cloud metadata service). The check
//! is on the addresses the connection is then made to, so a name that answers one address
//! to a first lookup and another to the next gains nothing.
//!
//! A transport made from your own [`reqwest::Client`] cannot be given a resolver, and one
//! that sends through a proxy connects to the proxy's address: either looks the name up
//! itself and checks the answers before sending (a name whose answers change
//! between that lookup and reqwest's could slip through; build the transport from
//! [`TransportOptions`](mj_proto::TransportOptions) to close that gap).

use std::net::SocketAddr;
use std::sync::Arc;

use mj_proto::{AddressCheck, TransportError, TransportErrorKind};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The text every refusal starts with, so that the transport reports it as such.
pub(crate) const REFUSAL: &str = "refusing to connect";

/// A resolver that refuses what `check` does not permit.
struct CheckedResolver {
    check: AddressCheck,
}

impl Resolve for CheckedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let check = self.check;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addresses = checked(check, &host).await.map_err(|e| -> Box<dyn std::error::Error + Send + Sync> {
                Box::new(std::io::Error::new(std::io::ErrorKind::PermissionDenied, e.to_string()))
            })?;
            let addresses: Addrs = Box::new(addresses.into_iter());
            Ok(addresses)
        })
    }
}

/// What `host` resolves to, when `check` permits every address.
async fn checked(check: AddressCheck, host: &str) -> Result<Vec<SocketAddr>, TransportError> {
    let addresses: Vec<SocketAddr> =
        tokio::net::lookup_host((host, 0)).await.map_err(|_| TransportError::host_not_found())?.collect();
    // Any one refused address refuses the name: the connection could go to any.
    match addresses.iter().find(|a| !check.permits(a.ip())) {
        Some(refused) => Err(TransportError::new(TransportErrorKind::Other, check.refusal(refused.ip()))),
        None if addresses.is_empty() => Err(TransportError::host_not_found()),
        None => Ok(addresses),
    }
}

/// The clients that check addresses: one that allows loopback and private addresses, one
/// that does not; `None` for a transport made from the caller's own client.
#[derive(Clone, Debug)]
pub(crate) struct CheckedClients {
    strict: reqwest::Client,
    local: reqwest::Client,
}

impl CheckedClients {
    /// The two clients, each made by `builder` with a checking resolver.
    pub(crate) fn new(builder: impl Fn() -> reqwest::ClientBuilder) -> Result<Self, reqwest::Error> {
        let with = |allow_local| {
            builder().dns_resolver(Arc::new(CheckedResolver { check: AddressCheck { allow_local } })).build()
        };
        Ok(Self { strict: with(false)?, local: with(true)? })
    }

    /// The client for `check`.
    pub(crate) fn client(&self, check: AddressCheck) -> &reqwest::Client {
        if check.allow_local { &self.local } else { &self.strict }
    }
}

/// Whether requests go through a proxy (given, or from the environment, as reqwest
/// reads it).
pub(crate) fn proxied(options: &mj_proto::TransportOptions) -> bool {
    options.proxy.is_some()
        || ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]
            .iter()
            .any(|var| std::env::var_os(var).is_some_and(|v| !v.is_empty()))
}

/// For a transport without checking clients: looks `host` up and checks the answers
/// before the request is sent.
pub(crate) async fn check_before_sending(check: AddressCheck, host: &str) -> Result<(), TransportError> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return if check.permits(ip) {
            Ok(())
        } else {
            Err(TransportError::new(TransportErrorKind::Other, check.refusal(ip)))
        };
    }
    checked(check, host).await.map(|_| ())
}

/// The refusal in the text of an error's causes, when the checking resolver refused.
pub(crate) fn refusal(chain: &str) -> Option<String> {
    let at = chain.find(REFUSAL)?;
    Some(chain[at..].split(" [").next().unwrap_or_default().trim().to_owned())
}
