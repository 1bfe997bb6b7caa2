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
pub fn say(line: impl std::fmt::Display) {
    eprintln!("mj: {line}");
    *last_said() = Instant::now();
}

/// A transport that remembers when its exchange started, so that a watcher thread can say
/// "still waiting" while a server takes its time.
#[derive(Clone)]
pub struct Watched<T> {
    inner: T,
    inflight: Arc<Mutex<Option<Instant>>>,
}

impl<T> Watched<T> {
    /// Watches `inner`; a background thread speaks up after every [`QUIET`] spell of an
    /// unanswered exchange, naming when it will be given up: after the per-exchange
    /// `limit`, or at the command's `deadline` when that comes first.
    pub fn new(inner: T, limit: Duration, deadline: Instant) -> Self {
        let inflight = Arc::new(Mutex::new(None::<Instant>));
        let watched = Arc::clone(&inflight);
        let _ = std::thread::Builder::new().name("mj-watchdog".into()).spawn(move || {
            loop {
                std::thread::sleep(Duration::from_millis(250));
                let since = *watched.lock().unwrap_or_else(|p| p.into_inner());
                let Some(since) = since else { continue };
                let quiet = last_said().elapsed();
                if since.elapsed() >= QUIET && quiet >= QUIET {
                    let ends = (since + limit).min(deadline);
                    say(format!(
                        "no answer from the server yet after {} s (given up in {} s{})",
                        since.elapsed().as_secs(),
                        ends.saturating_duration_since(Instant::now()).as_secs(),
                        if ends == deadline { ", when --timeout runs out" } else { "" }
                    ));
                }
            }
        });
        Self { inner, inflight }
    }
}

impl<T: Transport> Transport for Watched<T> {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        *self.inflight.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        let result = self.inner.send(request);
        *self.inflight.lock().unwrap_or_else(|p| p.into_inner()) = None;
        result
    }

    fn sleep(&self, duration: Duration) {
        self.inner.sleep(duration);
    }
}
