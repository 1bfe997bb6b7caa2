//! Never leave a person in silence: a line for every retry, and a line every couple of
//! seconds while one exchange goes unanswered.

use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use mj_proto::{HttpRequest, HttpResponse, Transport, TransportError};

/// How long a person may go without a word from mj while it waits on the network.
const QUIET: Duration = Duration::from_secs(2);

/// When mj last wrote to stderr.
fn last_said() -> MutexGuard<'static, Instant> {
    static LAST: OnceLock<Mutex<Instant>> = OnceLock::new();
    LAST.get_or_init(|| Mutex::new(Instant::now())).lock().unwrap_or_else(|p| p.into_inner())
}

/// Writes `line` to stderr, noting the time.
pub(crate) fn say(line: impl std::fmt::Display) {
    eprintln!("mj: {line}");
    *last_said() = Instant::now();
}

/// A transport that remembers when each of its exchanges started and where it went, so
/// that a watcher thread can say "still waiting", naming the server, while one takes its
/// time (over a pool, one member may hang while the others answer).
#[derive(Clone)]
pub(crate) struct Watched<T> {
    inner: T,
    inflight: Arc<Mutex<InFlight>>,
}

/// The exchanges under way, and the names of the servers they may go to.
#[derive(Default)]
struct InFlight {
    next: u64,
    open: std::collections::BTreeMap<u64, (Instant, String)>,
    /// A pool member's name by the host (and port) of its base URL.
    names: Vec<(String, String)>,
}

impl InFlight {
    fn lock(this: &Mutex<Self>) -> MutexGuard<'_, Self> {
        this.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl<T> Watched<T> {
    /// Watches `inner`; a background thread speaks up after every [`QUIET`] spell of an
    /// unanswered exchange, naming the server and when it will be given up: after the
    /// per-exchange `limit`, or at the command's `deadline` when that comes first.
    pub(crate) fn new(inner: T, limit: Duration, deadline: Instant) -> Self {
        let inflight = Arc::new(Mutex::new(InFlight::default()));
        let watched = Arc::clone(&inflight);
        let _ = std::thread::Builder::new().name("mj-watchdog".into()).spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(250));
                let oldest = InFlight::lock(&watched).open.values().min_by_key(|(since, _)| *since).cloned();
                let Some((since, who)) = oldest else { continue };
                let quiet = last_said().elapsed();
                if since.elapsed() >= QUIET && quiet >= QUIET {
                    let ends = (since + limit).min(deadline);
                    say(format!(
                        "no answer from {who} yet after {} s (given up in {} s{})",
                        since.elapsed().as_secs(),
                        ends.saturating_duration_since(Instant::now()).as_secs(),
                        if ends == deadline { ", when --timeout runs out" } else { "" }
                    ));
                }
            }
        });
        Self { inner, inflight }
    }

    /// Names each pool member in what the watcher says: `(name, base URL)` pairs.
    pub(crate) fn naming<'a>(self, members: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let names = members
            .into_iter()
            .filter_map(|(name, base)| Some((authority(&base.parse::<mj_proto::http::Uri>().ok()?)?, name.to_owned())))
            .collect();
        InFlight::lock(&self.inflight).names = names;
        self
    }
}

/// The host and port of `uri`.
fn authority(uri: &mj_proto::http::Uri) -> Option<String> {
    uri.authority().map(|a| a.as_str().rsplit('@').next().unwrap_or_default().to_ascii_lowercase())
}

impl<T: Transport> Transport for Watched<T> {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let id = {
            let mut inflight = InFlight::lock(&self.inflight);
            let host = authority(request.uri()).unwrap_or_default();
            let who = match inflight.names.iter().find(|(at, _)| *at == host) {
                Some((_, name)) => format!("server `{name}`"),
                None if inflight.names.is_empty() => "the server".to_owned(),
                None => crate::terminal::clean(&host),
            };
            inflight.next += 1;
            let id = inflight.next;
            inflight.open.insert(id, (Instant::now(), who));
            id
        };
        let result = self.inner.send(request);
        InFlight::lock(&self.inflight).open.remove(&id);
        result
    }

    fn sleep(&self, duration: Duration) {
        self.inner.sleep(duration);
    }
}
