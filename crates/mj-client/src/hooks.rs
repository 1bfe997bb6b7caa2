//! A client's webhook: the [`Hub`] its receivers feed, shared by every wait of the client
//! and its clones, and the bell that wakes those waits when a callback arrives.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use mj_proto::model::Task;
use mj_proto::plan::{Callback, Hub, Interest, Plan};

use crate::HookBus;

/// How often a blocking wait looks for callbacks while it sleeps: a blocking transport
/// can only sleep, so a wait with hooks sleeps in naps this long.
pub(crate) const NAP: Duration = Duration::from_millis(10);

/// Where a client's tasks call back, and what they said.
///
/// Give one to [`Settings::hooks`](crate::Settings::hooks): every submit of the client
/// then carries the hook's URL as `notifyHook` (unless the request names its own), and
/// every wait and watch takes what callbacks report beside its polls, which slow down to
/// a safety net while callbacks arrive. Feed it from any web server with
/// [`accept`](Self::accept), or run the receivers of mj-ureq (a listener thread) and
/// mj-reqwest (an axum route, or a standalone server).
///
/// Cloning is cheap; clones share the hub.
#[derive(Clone)]
pub struct Hooks {
    inner: Arc<Inner>,
}

struct Inner {
    hub: Mutex<Hub>,
    url: String,
    path: String,
    shown: String,
    /// The hub's generation after the last update that moved a task.
    rung: AtomicU64,
    /// The async waits asleep until a callback about what they follow, by [`Key`]: a
    /// callback wakes only the waits it concerns.
    wakers: Mutex<HashMap<Key, Vec<Waker>>>,
    /// The hooks of each scope ([`Hooks::scoped`]) by name, called back under this path.
    scopes: Mutex<HashMap<String, Hooks>>,
    /// The scope's name, for the hooks of a scope.
    scope: Option<String>,
    /// Where accepted callbacks are passed on to other processes ([`Hooks::with_bus`]):
    /// one for the hooks and all their scopes.
    bus: Arc<Mutex<Option<Arc<dyn HookBus>>>>,
}

/// An [`Interest`] owned: what a sleeping wait follows, and what a callback names.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Key {
    Task(String),
    Token(String),
}

impl Key {
    fn of(interest: &Interest<'_>) -> Option<Self> {
        match interest {
            Interest::Task(id) => Some(Self::Task((*id).to_owned())),
            Interest::Token(token) => Some(Self::Token((*token).to_owned())),
            // An interest these hooks cannot route yet: its plan polls.
            _ => None,
        }
    }

    /// What callbacks reported of it after generation `seen`.
    fn news<'h>(&self, hub: &'h Hub, seen: u64) -> Option<&'h Task> {
        match self {
            Self::Task(id) => hub.changed_since(id, seen),
            Self::Token(token) => hub.by_token(token).and_then(|task| hub.changed_since(&task.id, seen)),
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hooks {
    /// Shares `hub` with a client's waits.
    pub fn new(hub: Hub) -> Self {
        Self::with_parts(hub, None, Arc::default())
    }

    fn with_parts(hub: Hub, scope: Option<String>, bus: Arc<Mutex<Option<Arc<dyn HookBus>>>>) -> Self {
        let (url, path, shown) = (hub.url(), hub.path().to_owned(), hub.to_string());
        let inner = Inner {
            hub: Mutex::new(hub),
            url,
            path,
            shown,
            rung: AtomicU64::new(0),
            wakers: Mutex::default(),
            scopes: Mutex::default(),
            scope,
            bus,
        };
        Self { inner: Arc::new(inner) }
    }

    /// The hooks of scope `name` (a pool member): called back at this hook's URL plus
    /// `/name`, fed by the same receiver, with tasks of their own. Task ids are only
    /// unique per server, so each server of a pool gets a scope: a callback from one never
    /// speaks for a task of another that has the same id. Asking twice for one name gives
    /// the same hooks.
    ///
    /// Scopes share the secret: a server of the pool that wanted to could post to another
    /// one's scope. What it could claim is limited to progress; an end is believed only
    /// once a fetch from the task's own server confirms it (unless
    /// [`trust_pushes`](mj_proto::plan::WaitOptions::trust_pushes)).
    pub fn scoped(&self, name: &str) -> Self {
        let mut scopes = lock(&self.inner.scopes);
        if let Some(scope) = scopes.get(name) {
            return scope.clone();
        }
        let hub = lock(&self.inner.hub).scoped(name);
        let scope = Self::with_parts(hub, Some(name.to_owned()), self.inner.bus.clone());
        scopes.insert(name.to_owned(), scope.clone());
        scope
    }

    /// The scope a callback to `route` (a path without its query) is for.
    fn scope_of(&self, route: &str) -> Option<Self> {
        let name = route.strip_prefix(self.inner.path.as_str())?.strip_prefix('/')?;
        lock(&self.inner.scopes).get(name).cloned()
    }

    /// Whether a callback to `path` is for these hooks or one of their scopes: what a
    /// receiver checks before it reads a body.
    pub fn routes(&self, path: &str) -> bool {
        let route = path.split('?').next().unwrap_or(path);
        route == self.inner.path || self.scope_of(route).is_some()
    }

    /// The hooks of a receiver listening on `addr`, called back at `public_url` (the base
    /// the server must reach) or, without one, at `http://` and `addr`; `secret` makes
    /// the path (see [`Hub::new`]).
    pub fn listening(
        addr: std::net::SocketAddr,
        public_url: Option<&str>,
        secret: u128,
    ) -> Result<Self, mj_proto::ConfigError> {
        if public_url.is_none() && addr.ip().is_unspecified() {
            // `http://0.0.0.0:PORT` reaches no one: the server needs an address it can reach.
            return Err(mj_proto::ConfigError::InvalidBaseUrl {
                reason: "a receiver on every interface (0.0.0.0 or [::]) needs the public URL the server reaches it at",
            });
        }
        let base = public_url.map_or_else(|| format!("http://{addr}"), str::to_owned);
        Ok(Self::new(Hub::new(&base, secret)?))
    }

    /// The secret part of the hook's path, which must never be shown.
    fn secret(&self) -> &str {
        // `/mj-hook/<secret>`, and `/<scope>` after it for a scope.
        self.inner.path.split('/').skip_while(|part| *part != "mj-hook").nth(1).unwrap_or(&self.inner.path)
    }

    /// `task` with the hook's secret (the path a server may echo, as new-api's
    /// `properties.notifyHook` does) replaced by `[redacted]` in every field and spelling,
    /// for anything a person or a log sees. Scopes share their hooks' secret.
    pub fn redact_task(&self, mut task: Task) -> Task {
        task.scrub(self.secret());
        task
    }

    /// `error` with the hook's secret scrubbed from its messages and the tasks it carries.
    pub(crate) fn redact_error(&self, error: mj_proto::Error) -> mj_proto::Error {
        error.redacted(self.secret())
    }

    /// `text` with the hook's secret replaced by `[redacted]` in every spelling.
    pub fn redact_text(&self, text: &str) -> String {
        let mut text = text.to_owned();
        mj_proto::scrub_text(&mut text, self.secret());
        text
    }

    /// The `notifyHook` URL submits carry. It holds the hook's secret path: do not log it
    /// (this type's `Display` and `Debug` show the base only).
    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The path callbacks must come to: what a receiver routes.
    pub fn path(&self) -> &str {
        &self.inner.path
    }

    /// Passes every callback these hooks (and their scopes) accept on to `bus`, so that
    /// the other processes of a deployment learn of it; they take it with
    /// [`deliver`](Self::deliver). Replicas behind one load balancer share the hook's
    /// public URL and secret, so whichever replica a callback reaches accepts it.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use mj_client::{HookBus, Hooks};
    /// use mj_client::mj_proto::plan::Hub;
    ///
    /// #[derive(Debug)]
    /// struct Log;
    /// impl HookBus for Log {
    ///     fn publish(&self, scope: Option<&str>, body: &[u8]) -> std::io::Result<()> {
    ///         println!("{scope:?}: {} bytes for the other replicas", body.len());
    ///         Ok(())
    ///     }
    /// }
    ///
    /// let hooks = Hooks::new(Hub::new("https://me.example.com", 7)?).with_bus(Arc::new(Log));
    /// # Ok::<(), mj_client::mj_proto::ConfigError>(())
    /// ```
    pub fn with_bus(self, bus: Arc<dyn HookBus>) -> Self {
        *lock(&self.inner.bus) = Some(bus);
        self
    }

    /// Takes a callback another process accepted and published on the bus (its scope and
    /// body), as if it had come here, and wakes the waits it concerns; it is not published
    /// again. A scope these hooks do not have is ignored ([`Callback::WrongPath`]).
    pub fn deliver(&self, scope: Option<&str>, body: &[u8]) -> Callback {
        let hooks = match scope {
            None => self.clone(),
            Some(name) => match lock(&self.inner.scopes).get(name) {
                Some(hooks) => hooks.clone(),
                None => return Callback::WrongPath,
            },
        };
        hooks.take(&hooks.inner.path, body)
    }

    /// Takes one callback (the request's path and body) and wakes the waits it concerns.
    /// Answer the caller with [`Callback::status`]. With a [bus](Self::with_bus), a
    /// callback that moved a task is published before this returns; a bus that fails
    /// leaves the callback taken here (the other processes' polls still find the end).
    pub fn accept(&self, path: &str, body: &[u8]) -> Callback {
        if let Some(scope) = self.scope_of(path.split('?').next().unwrap_or(path)) {
            return scope.accept(path, body);
        }
        let callback = self.take(path, body);
        let bus = lock(&self.inner.bus).clone();
        if let Some(bus) = bus.filter(|_| matches!(callback, Callback::Advanced(_))) {
            // The secret path stays here: a server may echo it (new-api's
            // `properties.notifyHook`), and what is published is stored by the bus.
            let body = match std::str::from_utf8(body) {
                Ok(text) => std::borrow::Cow::Owned(self.redact_text(text).into_bytes()),
                Err(_) => std::borrow::Cow::Borrowed(body),
            };
            if let Err(e) = bus.publish(self.inner.scope.as_deref(), &body) {
                super::trace::bus_failed(&e);
            }
        }
        callback
    }

    /// Takes one callback here, without publishing it.
    fn take(&self, path: &str, body: &[u8]) -> Callback {
        let (callback, generation) = {
            let mut hub = lock(&self.inner.hub);
            let callback = hub.accept(path, body);
            (callback, hub.generation())
        };
        super::trace::callback(&callback);
        if let Callback::Advanced(task) = &callback {
            self.inner.rung.store(generation, Ordering::SeqCst);
            let mut keys = vec![Key::Task(task.id.clone())];
            keys.extend(task.state.clone().map(Key::Token));
            let woken: Vec<Waker> = {
                let mut wakers = lock(&self.inner.wakers);
                keys.iter().filter_map(|k| wakers.remove(k)).flatten().collect()
            };
            woken.into_iter().for_each(Waker::wake);
        }
        callback
    }

    /// The most advanced state callbacks reported for task `id`.
    pub fn latest(&self, id: &str) -> Option<Task> {
        lock(&self.inner.hub).latest(id).cloned()
    }

    /// A number that changes whenever a callback moves a task forward.
    pub(crate) fn generation(&self) -> u64 {
        self.inner.rung.load(Ordering::SeqCst)
    }

    /// Hands `plan` what callbacks reported of its interests after generation `seen`;
    /// returns the generation it has now seen.
    pub(crate) fn feed<P: Plan>(&self, plan: &mut P, seen: u64, now: Instant) -> u64 {
        let generation = self.generation();
        if generation == seen {
            return seen;
        }
        let keys: Vec<Key> = plan.interests().iter().filter_map(Key::of).collect();
        let reports: Vec<Task> = {
            let hub = lock(&self.inner.hub);
            keys.iter().filter_map(|key| key.news(&hub, seen)).cloned().collect()
        };
        for task in &reports {
            plan.pushed(task, now);
        }
        generation
    }

    /// Completes once a callback reports news of `interests` after generation `seen`.
    pub(crate) fn rung_after<'h>(&'h self, interests: &[Interest<'_>], seen: u64) -> Rung<'h> {
        Rung { hooks: self, keys: interests.iter().filter_map(Key::of).collect(), seen, registered: None }
    }
}

/// The future of [`Hooks::rung_after`].
pub(crate) struct Rung<'a> {
    hooks: &'a Hooks,
    /// What the sleeping plan follows.
    keys: Vec<Key>,
    seen: u64,
    /// The waker it left under its keys, taken back when it is dropped.
    registered: Option<Waker>,
}

impl Rung<'_> {
    /// Whether a callback reported news of the keys after `seen`.
    fn news(&self) -> bool {
        if self.hooks.generation() == self.seen {
            return false;
        }
        let hub = lock(&self.hooks.inner.hub);
        self.keys.iter().any(|key| key.news(&hub, self.seen).is_some())
    }
}

impl Future for Rung<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // Registered before looking: a callback after the look finds the waker (it wakes
        // after updating the hub), one before it is seen by the look.
        if !self.registered.as_ref().is_some_and(|w| w.will_wake(cx.waker())) {
            let mut wakers = lock(&self.hooks.inner.wakers);
            for k in &self.keys {
                let list = wakers.entry(k.clone()).or_default();
                if !list.iter().any(|w| w.will_wake(cx.waker())) {
                    list.push(cx.waker().clone());
                }
            }
            drop(wakers);
            self.registered = Some(cx.waker().clone());
        }
        if self.news() { Poll::Ready(()) } else { Poll::Pending }
    }
}

impl Drop for Rung<'_> {
    fn drop(&mut self) {
        let Some(own) = self.registered.take() else { return };
        let mut wakers = lock(&self.hooks.inner.wakers);
        for k in &self.keys {
            if let Some(list) = wakers.get_mut(k) {
                list.retain(|w| !w.will_wake(&own));
                if list.is_empty() {
                    wakers.remove(k);
                }
            }
        }
    }
}

/// Sleeps with `sleep`, or less when a callback moves a task forward after `seen`.
pub(crate) async fn sleep_or_ring(
    sleep: impl Future<Output = ()>,
    hooks: Option<&Hooks>,
    interests: &[Interest<'_>],
    seen: u64,
) {
    let Some(hooks) = hooks else { return sleep.await };
    let mut sleep = std::pin::pin!(sleep);
    let mut rung = std::pin::pin!(hooks.rung_after(interests, seen));
    std::future::poll_fn(|cx| if rung.as_mut().poll(cx).is_ready() { Poll::Ready(()) } else { sleep.as_mut().poll(cx) })
        .await
}

/// Two handles are equal when they share one hub.
impl PartialEq for Hooks {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for Hooks {}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks").field("url", &self.inner.shown).finish_non_exhaustive()
    }
}

impl fmt::Display for Hooks {
    /// The base only: the path is the secret.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.shown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logs_never_show_the_secret_path_and_an_advance_rings_the_bell() {
        let hooks = Hooks::new(Hub::new("http://127.0.0.1:9", 0xfeed_beef).expect("hub"));
        let secret = "000000000000000000000000feedbeef";
        assert!(hooks.url().ends_with(secret) && hooks.path().ends_with(secret));
        for shown in [format!("{hooks}"), format!("{hooks:?}")] {
            assert!(!shown.contains("feedbeef") && shown.contains("[secret]"), "{shown}");
        }
        let before = hooks.generation();
        let path = hooks.path().to_owned();
        let task = br#"{"id":"1","status":"IN_PROGRESS","progress":"10%"}"#;
        assert_eq!(hooks.accept(&path, task).status(), 204);
        assert_ne!(hooks.generation(), before, "an advance wakes the waits");
        let rung = hooks.generation();
        assert_eq!(hooks.accept(&path, task).status(), 204);
        assert_eq!(hooks.generation(), rung, "a repeat wakes nobody");
        assert_eq!(hooks.accept("/elsewhere", task).status(), 404);
        assert_eq!(hooks.generation(), rung);
    }

    #[test]
    fn the_secret_is_scrubbed_from_what_people_see_and_no_hook_is_made_for_every_interface() {
        let hooks = Hooks::new(Hub::new("http://127.0.0.1:9", 0xfeed_beef).expect("hub"));
        let body = format!(r#"{{"id":"1","status":"SUCCESS","properties":{{"notifyHook":"{}/a"}}}}"#, hooks.url());
        let task = mj_proto::webhook::parse(body).expect("task");
        let scope = hooks.scoped("a-member-with-a-long-name");
        let shown = serde_json::to_string(&scope.redact_task(task)).expect("json");
        assert!(!shown.contains("feedbeef") && shown.contains("[redacted]"), "{shown}");
        let text = hooks.redact_text(&format!("echoed {} and {}", hooks.url(), hooks.url().replace('/', "%2F")));
        assert!(!text.contains("feedbeef"), "{text}");
        let anywhere: std::net::SocketAddr = "0.0.0.0:9000".parse().expect("addr");
        assert!(Hooks::listening(anywhere, None, 1).is_err());
        assert!(Hooks::listening(anywhere, Some("http://me.example.com:9000"), 1).is_ok());
    }

    #[test]
    fn each_scope_keeps_its_own_tasks_under_the_same_receiver() {
        let hooks = Hooks::new(Hub::new("http://127.0.0.1:9", 7).expect("hub"));
        let (a, b) = (hooks.scoped("a"), hooks.scoped("b"));
        assert_eq!(hooks.scoped("a"), a, "one scope per name");
        assert_eq!(a.url(), format!("{}/a", hooks.url()));
        assert!(hooks.routes(a.path()) && hooks.routes(&format!("{}?x=1", b.path())));
        assert!(!hooks.routes(&format!("{}/c", hooks.path())), "an unknown scope is not routed");
        let done = br#"{"id":"1","status":"SUCCESS","progress":"100%"}"#;
        let started = br#"{"id":"1","status":"IN_PROGRESS","progress":"5%"}"#;
        assert_eq!(hooks.accept(a.path(), done).status(), 204);
        assert_eq!(hooks.accept(b.path(), started).status(), 204);
        let status = |h: &Hooks| h.latest("1").map(|t| t.status);
        assert_eq!(status(&a), Some(mj_proto::TaskStatus::Success));
        assert_eq!(status(&b), Some(mj_proto::TaskStatus::InProgress), "the same id on another server is its own task");
        assert_eq!(status(&hooks), None);
        assert_eq!(hooks.accept(&format!("{}/c", hooks.path()), done).status(), 404);
    }
}
