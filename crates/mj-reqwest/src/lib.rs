//! # mj-reqwest: the async transport for mj
//!
//! [`ReqwestTransport`] sends mj's requests with [reqwest] on tokio and hands the answers
//! back untouched: one exchange per call, statuses never turned into errors, no
//! redirects, no retries (the client's plans decide those), connect and overall timeouts,
//! and a cap on the body read so a hostile server cannot exhaust memory. [`Client`] is
//! mj's async client over it; reqwest is re-exported for custom clients.
//!
//! ```no_run
//! use mj_reqwest::prelude::*;
//!
//! # async fn run() -> mj_reqwest::Result<()> {
//! let client = Client::new(Config::new("https://api.example.com")?.with_api_key("sk-...")?);
//! let grid = client.submit_and_wait(Imagine::new("a red fox in the snow"), |t| {
//!     println!("{} {:?}", t.status, t.progress_percent());
//! }).await?;
//! // Clones are cheap and share everything: move one into each spawned task.
//! let worker = client.clone();
//! let upscale = worker.press_and_wait(&grid, &ButtonKind::Upscale(1), |_| {}).await?;
//! println!("{:?}", upscale.result_image_urls());
//! # Ok(()) }
//! ```
//!
//! # Knowing the instant a task finishes: webhooks
//!
//! A server POSTs the task to a submit's `notifyHook` on every change. Give the client
//! [`Hooks`] and every submit carries their URL, every wait wakes the moment a callback
//! arrives, and polling drops to a safety net for callbacks that go missing (a reported
//! end is confirmed by one fetch, since callbacks are unsigned). The receiver is the
//! `mj-hooks` crate's (a listener of its own, or a route for your axum app), so this
//! crate builds no server: `Settings::default().hooks(receiver.hooks())`.
//!
//! A wait's stream is owned (`'static` and `Send`), so it moves to another task as any
//! owned future does:
//!
//! ```no_run
//! use mj_reqwest::prelude::*;
//!
//! # async fn run() -> Result<(), Report> {
//! let client = Client::new(Config::new("http://127.0.0.1:8080")?);
//! let mut updates = client.submit_and_wait_stream(Imagine::new("a red fox in the snow"));
//! while let Some(update) = updates.next().await {
//!     match update {
//!         Ok(task) => println!("{} {:?}", task.status, task.progress_percent()),
//!         Err(e) => eprintln!("{e}"),
//!     }
//! }
//! let grid = updates.output();
//! # Ok(()) }
//! ```
//!
//! Without a client's waits, [`webhook::parse`] reads one callback body in any framework.
//!
//! # Cargo features
//!
#![doc = document_features::document_features!()]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

use std::time::Duration;

use mj_proto::{
    AsyncTransport, DEFAULT_MAX_BODY, FromOptions, HttpRequest, HttpResponse, RequestTimeout, TransportBuilder,
    TransportError, TransportErrorKind, TransportOptions, http,
};

mod checked;
mod saves;

pub use mj_client;
pub use mj_client::Hooks;
pub use mj_files::SaveError;
pub use mj_proto;
pub use mj_proto::{Error, Result, webhook};
pub use reqwest;
pub use saves::{Save, SaveImages};

/// Everything most programs need: mj's prelude, with `Client` meaning this crate's
/// async client (`Client::new(config)` needs no type annotation).
///
/// ```no_run
/// use mj_reqwest::prelude::*;
///
/// # async fn run() -> mj_reqwest::Result<()> {
/// let c = Client::new(Config::new("https://api.example.com")?);
/// let task = c.clone().fetch("1747190313867714").await?;
/// # Ok(()) }
/// ```
pub mod prelude {
    pub use mj_proto::prelude::*;

    pub use mj_client::{Hooks, Settings};

    pub use mj_proto::plan::{Member, Pool};

    pub use crate::{Client, ReqwestTransport, Save, SaveImages};
}

/// mj's async client over reqwest, for one server or a pool of several.
///
/// ```no_run
/// use mj_reqwest::prelude::*;
///
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// let pool = Pool::new(vec![
///     Member::new("eu", Config::new("https://eu.example.com")?.with_profile(ServerProfile::Plus))?,
///     Member::new("us", Config::new("https://us.example.com")?.with_profile(ServerProfile::Trueai))?,
/// ])?;
/// let client = Client::new(pool);
/// let grid = client.submit_and_wait(Imagine::new("a red fox"), |_| {}).await?;
/// println!("{}: {:?}", grid.handle(), grid.image_url);
/// # Ok(()) }
/// ```
pub type Client = mj_client::AsyncClient<ReqwestTransport>;

/// An async [`AsyncTransport`] over a [`reqwest::Client`].
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    client: reqwest::Client,
    /// The clients for requests that must not reach some addresses (downloads from hosts
    /// other than the configured server's); `None` for the caller's own client, whose
    /// requests are checked by a lookup before sending.
    checked: Option<checked::CheckedClients>,
    max_body: u64,
    /// The client's overall timeout, when mj configured it; a request's
    /// [`RequestTimeout`] can only shorten it.
    timeout: Option<Duration>,
}

impl Default for ReqwestTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl ReqwestTransport {
    /// Connect timeout 10 s, overall timeout 30 s, 32 MiB body cap, no redirects.
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// Starts a configuration: `ReqwestTransport::builder().timeout(d).build()`.
    pub fn builder() -> TransportBuilder<Self> {
        TransportBuilder::default()
    }

    /// Uses your own client (its timeouts, proxy and TLS). Build it with
    /// `redirect(reqwest::redirect::Policy::none())`: a followed redirect would hide the
    /// server's real answer from mj.
    pub fn from_client(client: reqwest::Client) -> Self {
        Self { client, checked: None, max_body: DEFAULT_MAX_BODY, timeout: None }
    }

    /// Sets the body cap.
    pub fn max_body(mut self, bytes: u64) -> Self {
        self.max_body = bytes;
        self
    }

    /// The transport for `options`, or the reason reqwest refuses them (a bad proxy URL,
    /// a TLS backend that cannot start).
    pub fn try_from_options(options: &TransportOptions) -> Result<Self, TransportError> {
        let proxy = match &options.proxy {
            Some(proxy) => Some(
                reqwest::Proxy::all(proxy)
                    .map_err(|_| TransportError::new(TransportErrorKind::Other, "the proxy URL is not valid"))?,
            ),
            None => None,
        };
        let builder = || {
            let builder = reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(options.connect_timeout)
                .timeout(options.timeout)
                .user_agent(mj_proto::DEFAULT_USER_AGENT);
            match &proxy {
                Some(proxy) => builder.proxy(proxy.clone()),
                None => builder,
            }
        };
        let client = builder().build().map_err(map_error)?;
        // Through a proxy, the connection is to the proxy's address: the target's are
        // checked by a lookup before sending instead.
        let checked = match checked::proxied(options) {
            false => Some(checked::CheckedClients::new(builder).map_err(map_error)?),
            true => None,
        };
        Ok(Self { client, checked, max_body: options.max_body, timeout: Some(options.timeout) })
    }
}

impl FromOptions for ReqwestTransport {
    /// Falls back to reqwest's defaults (keeping mj's rules: no redirects, the body cap)
    /// when [`ReqwestTransport::try_from_options`] fails.
    fn from_options(options: &TransportOptions) -> Self {
        Self::try_from_options(options).unwrap_or_else(|_| Self {
            client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap_or_default(),
            checked: None,
            max_body: options.max_body,
            timeout: Some(options.timeout),
        })
    }
}

#[async_trait::async_trait]
impl AsyncTransport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let https = request.uri().scheme_str() == Some("https");
        let asked = RequestTimeout::of(&request);
        // A download from another host goes through a client that checks the addresses
        // its name resolves to.
        let check = mj_proto::AddressCheck::of(&request);
        let client = match (check, &self.checked) {
            (Some(check), Some(checked)) => checked.client(check),
            (Some(check), None) => {
                checked::check_before_sending(check, request.uri().host().unwrap_or_default()).await?;
                &self.client
            }
            (None, _) => &self.client,
        };
        let mut request = reqwest::Request::try_from(request)
            .map_err(|_| TransportError::new(TransportErrorKind::Other, "invalid request URL"))?;
        // A request's own timeout replaces the client's in reqwest, so take the shorter.
        if let Some(asked) = asked {
            *request.timeout_mut() = Some(self.timeout.map_or(asked, |own| own.min(asked)));
        }
        let mut response = client.execute(request).await.map_err(|e| {
            let handshake = https && is_handshake_failure(&e);
            let error = map_error(e);
            if handshake { error.in_tls_handshake() } else { error }
        })?;
        if response.content_length().is_some_and(|n| n > self.max_body) {
            return Err(TransportError::body_too_large(self.max_body));
        }
        let mut builder = http::Response::builder().status(response.status().as_u16()).version(response.version());
        for (name, value) in response.headers() {
            builder = builder.header(name.as_str(), value.as_bytes());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(map_error)? {
            if (body.len() + chunk.len()) as u64 > self.max_body {
                return Err(TransportError::body_too_large(self.max_body));
            }
            body.extend_from_slice(&chunk);
        }
        builder
            .body(body)
            .map_err(|_| TransportError::new(TransportErrorKind::Other, "the answer's head could not be copied"))
    }

    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// A connect failure that a plain-HTTP server causes on an https URL: the connection was
/// reset or closed mid-handshake, or the TLS layer itself failed (not a refused port or a
/// DNS failure).
fn is_handshake_failure(error: &reqwest::Error) -> bool {
    if !error.is_connect() || error.is_timeout() {
        return false;
    }
    let mut chain = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        chain.push_str(&cause.to_string().to_ascii_lowercase());
        chain.push(' ');
        source = cause.source();
    }
    !chain.contains("refused")
        && ["reset by peer", "tls", "handshake", "certificate", "eof", "connection closed"]
            .iter()
            .any(|sign| chain.contains(sign))
}

/// reqwest's error as a transport error: a kind, a short message, and reqwest's error
/// (without its URL) as the source.
fn map_error(error: reqwest::Error) -> TransportError {
    let chain = causes(&error);
    // A connect that timed out sent nothing: a connect failure, safe to retry.
    let error = error.without_url();
    if let Some(refusal) = checked::refusal(&chain) {
        return TransportError::new(TransportErrorKind::Other, refusal);
    }
    let transport = if error.is_connect() {
        if is_dns_failure(&chain) {
            TransportError::host_not_found()
        } else if chain.contains("refused") {
            TransportError::new(TransportErrorKind::Connect, "connection refused")
        } else if error.is_timeout() {
            TransportError::new(TransportErrorKind::Connect, "connecting timed out")
        } else {
            TransportError::new(TransportErrorKind::Connect, "connection failed")
        }
    } else if error.is_timeout() {
        TransportError::new(TransportErrorKind::Timeout, "no answer in time")
    } else if error.is_body() || error.is_decode() {
        TransportError::new(TransportErrorKind::Interrupted, "the body was cut short")
    } else if error.is_request() {
        TransportError::new(TransportErrorKind::Interrupted, "the connection dropped before an answer")
    } else {
        TransportError::new(TransportErrorKind::Other, "transport error")
    };
    transport.with_source(error)
}

/// The lowercase text of every cause under `error`.
fn causes(error: &reqwest::Error) -> String {
    let mut chain = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        chain.push_str(&cause.to_string().to_ascii_lowercase());
        chain.push(' ');
        source = cause.source();
    }
    chain
}

/// The resolver's wording of "no such host", on Linux, macOS and Windows.
fn is_dns_failure(chain: &str) -> bool {
    ["dns error", "failed to lookup address", "name or service not known", "no such host", "nodename nor servname"]
        .iter()
        .any(|sign| chain.contains(sign))
}

/// Reads the image file at `path` as a data URL (its type sniffed from its bytes), for
/// any image field: `Imagine::new("a fox").image(mj_reqwest::read_image("ref.png").await?)`.
/// A file that is not a PNG, JPEG, GIF or WebP is an [`std::io::ErrorKind::InvalidData`] error.
pub async fn read_image(path: impl AsRef<std::path::Path>) -> std::io::Result<String> {
    let bytes = tokio::fs::read(path).await?;
    mj_proto::data_url::from_image(&bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Writes `bytes` (a downloaded [`Media`](mj_proto::endpoint::Media)'s) to `path` whole or
/// not at all: into a temporary file beside it, flushed to disk, then renamed into place,
/// so a crash or a full disk never leaves a half-written file under the final name. The
/// temporary name is unpredictable and created exclusively (a planted symlink is never
/// followed), and the folder is synced after the rename.
///
/// The write runs on tokio's blocking pool ([`mj_files::save`], the one every mj crate uses),
/// so the temporary names and the folder sync are the same as the blocking transport's.
pub async fn save(path: impl AsRef<std::path::Path>, bytes: &[u8]) -> std::io::Result<()> {
    let (path, bytes) = (path.as_ref().to_owned(), bytes.to_vec());
    match tokio::task::spawn_blocking(move || mj_files::save(path, &bytes)).await {
        Ok(saved) => saved,
        Err(e) => Err(std::io::Error::other(format!("the save did not finish: {e}"))),
    }
}

#[cfg(test)]
mod dns {
    /// hyper-util's and the platforms' resolver wordings all read as "no such host".
    #[test]
    fn resolver_wordings_are_recognised() {
        for text in [
            "dns error: failed to lookup address information: name or service not known",
            "dns error: no such host is known. (os error 11001)",
            "failed to lookup address information: nodename nor servname provided, or not known",
        ] {
            assert!(super::is_dns_failure(text), "{text}");
        }
        assert!(!super::is_dns_failure("tcp connect error: connection refused (os error 111)"));
    }
}

/// The crate README's example, compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
