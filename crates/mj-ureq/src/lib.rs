//! # mj-ureq: the blocking transport for mj
//!
//! [`UreqTransport`] sends mj's requests with [ureq] and hands the answers back untouched:
//! one exchange per call, statuses never turned into errors, no redirects, no retries
//! (the client's plans decide those), connect and overall timeouts, and a cap on the body
//! read so a hostile server cannot exhaust memory. [`Client`] is mj's blocking client
//! over it; ureq is re-exported for custom agents.
//!
//! ```no_run
//! use mj_ureq::prelude::*;
//!
//! let client = Client::new(Config::new("https://api.example.com")?.with_api_key("sk-...")?);
//! let grid = client.submit_and_wait(Imagine::new("a red fox in the snow"), |t| {
//!     println!("{} {:?}", t.status, t.progress_percent());
//! })?;
//! // Clones are cheap and share everything: one per thread.
//! let worker = client.clone();
//! let upscale = std::thread::spawn(move || worker.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {}))
//!     .join()
//!     .expect("no panic")?;
//! println!("{:?}", upscale.result_image_urls());
//!
//! // Or step by step:
//! let client = Client::builder().base_url("https://api.example.com").api_key("sk-...").build()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Cargo features
//!
#![doc = document_features::document_features!()]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::io;
use std::time::Duration;

use mj_proto::{
    DEFAULT_MAX_BODY, FromOptions, HttpRequest, HttpResponse, RequestTimeout, Transport, TransportBuilder,
    TransportError, TransportErrorKind, TransportOptions,
};

mod checked;
mod saves;

pub use mj_client;
pub use mj_client::Hooks;
pub use mj_files::SaveError;
pub use mj_proto;
pub use mj_proto::{Error, Result, webhook};
pub use saves::{Save, SaveImages};
pub use ureq;

/// Everything most programs need: mj's prelude, with `Client` meaning this crate's
/// blocking client (`Client::new(config)` needs no type annotation).
///
/// ```no_run
/// use mj_ureq::prelude::*;
///
/// let c = Client::new(Config::new("https://api.example.com")?);
/// let task = c.clone().fetch("1747190313867714")?;
/// # Ok::<(), mj_ureq::Error>(())
/// ```
pub mod prelude {
    pub use mj_proto::prelude::*;

    pub use mj_client::{Hooks, Settings};

    pub use mj_proto::plan::{Member, Pool};

    pub use crate::{Client, Save, SaveImages, UreqTransport};
}

/// mj's blocking client over ureq, for one server or a pool of several.
///
/// ```no_run
/// use mj_ureq::prelude::*;
///
/// // Two servers of different families; `us` gets twice the share.
/// let pool = Pool::new(vec![
///     Member::new("eu", Config::new("https://eu.example.com")?.with_profile(ServerProfile::Plus))?,
///     Member::new("us", Config::new("https://us.example.com")?.with_profile(ServerProfile::Trueai))?.weight(2),
/// ])?;
/// let client = Client::new(pool);
/// let grid = client.submit_and_wait(Imagine::new("a red fox"), |task| {
///     println!("{} {} {:?}", task.handle(), task.status, task.progress_percent()); // us:1747190313867714 …
/// })?;
/// // The upscale is made where the grid lives.
/// let upscaled = client.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {})?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type Client = mj_client::Client<UreqTransport>;

/// A blocking [`Transport`] over a ureq [`Agent`](ureq::Agent).
#[derive(Clone, Debug)]
pub struct UreqTransport {
    agent: ureq::Agent,
    /// The agents for requests that must not reach some addresses (downloads from hosts
    /// other than the configured server's).
    checked: std::sync::Arc<checked::CheckedAgents>,
    max_body: u64,
    /// The agent's overall timeout, when mj configured it; a request's
    /// [`RequestTimeout`](mj_proto::RequestTimeout) can only shorten it.
    timeout: Option<Duration>,
}

impl Default for UreqTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl UreqTransport {
    /// Connect timeout 10 s, overall timeout 30 s, 32 MiB body cap, proxy from the
    /// environment (`HTTPS_PROXY`, `ALL_PROXY`, …).
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Starts a configuration: `UreqTransport::builder().timeout(d).build()`.
    pub fn builder() -> TransportBuilder<Self> {
        TransportBuilder::default()
    }

    /// Uses your own agent. mj still turns off status errors and redirects for its own
    /// requests, whatever the agent says; timeouts, proxy and TLS stay yours.
    pub fn from_agent(agent: ureq::Agent) -> Self {
        Self { agent, checked: Default::default(), max_body: DEFAULT_MAX_BODY, timeout: None }
    }

    /// Sets the body cap.
    pub fn max_body(mut self, bytes: u64) -> Self {
        self.max_body = bytes;
        self
    }

    /// The ureq agent underneath, for settings mj does not wrap.
    pub fn agent(&self) -> &ureq::Agent {
        &self.agent
    }
}

impl FromOptions for UreqTransport {
    /// An unparsable proxy URL is ignored (the environment's proxy applies); check it
    /// first with [`ureq::Proxy::new`] if that matters.
    fn from_options(options: &TransportOptions) -> Self {
        let mut config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_connect(Some(options.connect_timeout))
            .timeout_global(Some(options.timeout))
            .user_agent(mj_proto::DEFAULT_USER_AGENT);
        if let Some(proxy) = options.proxy.as_deref().and_then(|p| ureq::Proxy::new(p).ok()) {
            config = config.proxy(Some(proxy));
        }
        #[cfg(all(feature = "native-tls", not(feature = "rustls")))]
        {
            config =
                config.tls_config(ureq::tls::TlsConfig::builder().provider(ureq::tls::TlsProvider::NativeTls).build());
        }
        UreqTransport {
            agent: config.build().new_agent(),
            checked: Default::default(),
            max_body: options.max_body,
            timeout: Some(options.timeout),
        }
    }
}

impl Transport for UreqTransport {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let https = request.uri().scheme_str() == Some("https");
        let limit = match (RequestTimeout::of(&request), self.timeout) {
            (Some(asked), Some(own)) => Some(asked.min(own)),
            (asked, own) => asked.or(own),
        };
        // A download from another host goes through an agent that checks the addresses
        // its name resolves to (with a proxy, the proxy resolves it: unchecked).
        let agent = match mj_proto::AddressCheck::of(&request) {
            Some(check) => match self.checked.agent(&self.agent, check) {
                Some(agent) => agent,
                None => {
                    let port = request.uri().port_u16().unwrap_or(if https { 443 } else { 80 });
                    checked::check_before_sending(check, request.uri().host().unwrap_or_default(), port)
                        .map_err(|refusal| TransportError::new(TransportErrorKind::Other, refusal))?;
                    &self.agent
                }
            },
            None => &self.agent,
        };
        let mut configured = agent.configure_request(request).http_status_as_error(false).max_redirects(0);
        if let Some(limit) = limit {
            configured = configured.timeout_global(Some(limit));
        }
        let response = agent.run(configured.build()).map_err(|e| {
            let handshake = https && is_handshake_failure(&e);
            let error = map_error(e);
            if handshake { error.in_tls_handshake() } else { error }
        })?;
        let (parts, mut body) = response.into_parts();
        if let Some(length) = body.content_length()
            && length > self.max_body
        {
            return Err(TransportError::body_too_large(self.max_body));
        }
        let bytes = body.with_config().limit(self.max_body).read_to_vec().map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => TransportError::body_too_large(self.max_body),
            other => map_error(other),
        })?;
        Ok(http::Response::from_parts(parts, bytes))
    }

    fn sleep(&self, duration: Duration) {
        std::thread::sleep(duration);
    }
}

use mj_proto::http;

/// ureq's error as a transport error: a kind, a message that holds no URL, and ureq's
/// error as the source where its text holds no URL either.
fn map_error(error: ureq::Error) -> TransportError {
    if let ureq::Error::Io(io) = &error
        && is_dns_failure(io)
    {
        return TransportError::host_not_found().with_source(error);
    }
    if let Some(refusal) = checked::refusal(&error) {
        return TransportError::new(TransportErrorKind::Other, refusal);
    }
    let (kind, message) = match &error {
        // Nothing was sent while resolving or connecting: safe to retry, even a submit.
        ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
            (TransportErrorKind::Connect, "connecting timed out".to_owned())
        }
        ureq::Error::Timeout(_) => (TransportErrorKind::Timeout, "no answer in time".to_owned()),
        ureq::Error::HostNotFound => return TransportError::host_not_found().with_source(error),
        ureq::Error::ConnectionFailed => (TransportErrorKind::Connect, "connection failed".to_owned()),
        ureq::Error::BodyExceedsLimit(limit) => (TransportErrorKind::BodyTooLarge, format!("body over {limit} bytes")),
        ureq::Error::Io(io) => (io_kind(io), format!("i/o error: {}", io.kind())),
        ureq::Error::Protocol(p) => (TransportErrorKind::Interrupted, format!("protocol error: {p}")),
        ureq::Error::Tls(reason) => (TransportErrorKind::Tls, format!("tls: {reason}")),
        ureq::Error::BadUri(_) | ureq::Error::Http(_) => (TransportErrorKind::Other, "invalid request URL".to_owned()),
        other => (TransportErrorKind::Other, strip_urls(&other.to_string())),
    };
    let described = TransportError::new(kind, message);
    match error {
        ureq::Error::Io(_) | ureq::Error::Tls(_) | ureq::Error::Protocol(_) | ureq::Error::Timeout(_) => {
            described.with_source(error)
        }
        _ => described,
    }
}

/// A resolver failure, which std reports as an uncategorized I/O error with the
/// resolver's text ("failed to lookup address information: Name or service not known").
fn is_dns_failure(error: &io::Error) -> bool {
    let text = error.to_string().to_ascii_lowercase();
    ["failed to lookup address", "name or service not known", "no such host", "nodename nor servname"]
        .iter()
        .any(|sign| text.contains(sign))
}

/// An https exchange that died before any answer in a way a plain-HTTP server causes (it
/// closes or resets the connection on a ClientHello, or answers with non-TLS bytes).
fn is_handshake_failure(error: &ureq::Error) -> bool {
    use io::ErrorKind as K;
    match error {
        ureq::Error::Tls(_) => true,
        ureq::Error::Io(io) => {
            matches!(io.kind(), K::UnexpectedEof | K::ConnectionReset | K::ConnectionAborted | K::InvalidData)
        }
        _ => false,
    }
}

fn io_kind(error: &io::Error) -> TransportErrorKind {
    use io::ErrorKind as K;
    match error.kind() {
        K::ConnectionRefused | K::NotFound | K::AddrNotAvailable | K::HostUnreachable | K::NetworkUnreachable => {
            TransportErrorKind::Connect
        }
        K::TimedOut | K::WouldBlock => TransportErrorKind::Timeout,
        K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof => TransportErrorKind::Interrupted,
        _ => TransportErrorKind::Other,
    }
}

/// Drops every word that looks like a URL (they can carry credentials).
fn strip_urls(text: &str) -> String {
    text.split_whitespace().map(|w| if w.contains("://") { "<url>" } else { w }).collect::<Vec<_>>().join(" ")
}

/// Reads the image file at `path` as a data URL (its type sniffed from its bytes), for
/// any image field: `Imagine::new("a fox").image(mj_ureq::read_image("ref.png")?)`.
/// A file that is not a PNG, JPEG, GIF or WebP is an [`io::ErrorKind::InvalidData`] error.
pub fn read_image(path: impl AsRef<std::path::Path>) -> io::Result<String> {
    let bytes = std::fs::read(path)?;
    mj_proto::data_url::from_image(&bytes).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Writes `bytes` (a downloaded [`Media`](mj_proto::endpoint::Media)'s) to `path` whole or
/// not at all: into a temporary file beside it, flushed to disk, then renamed into place,
/// so a crash or a full disk never leaves a half-written file under the final name.
///
/// The temporary file has an unpredictable name (`.NAME.PID-RANDOM.part`) and is created
/// only if nothing stands there yet (`O_EXCL`): a file or symlink planted beside the target
/// can neither receive the bytes nor redirect them elsewhere. The folder is synced after
/// the rename, so the new name survives a power cut too.
pub fn save(path: impl AsRef<std::path::Path>, bytes: &[u8]) -> io::Result<()> {
    mj_files::save(path, bytes)
}

#[cfg(test)]
mod dns {
    use super::*;

    /// std reports a resolver failure as an uncategorized I/O error; mj classifies it as
    /// mj-reqwest does: a connect failure (nothing was sent), in one wording.
    #[test]
    fn a_resolver_failure_is_a_connect_failure_in_both_transports_words() {
        let io = io::Error::other("failed to lookup address information: Name or service not known");
        let error = map_error(ureq::Error::Io(io));
        assert_eq!(error.kind(), TransportErrorKind::Connect);
        assert_eq!(error.message(), TransportError::host_not_found().message());
        assert!(std::error::Error::source(&error).is_some());
        assert_eq!(map_error(ureq::Error::HostNotFound).message(), TransportError::host_not_found().message());
    }
}

/// The crate README's example, compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
