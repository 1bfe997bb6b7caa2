//! Pushed updates: where a server must POST a task's changes, and which waiting task each
//! callback belongs to.
//!
//! A [`Hub`] makes the `notifyHook` URL for a client's submits: a public base (what the
//! server can reach) and an unguessable path, so that a callback on any other path is
//! refused without being read. It takes each callback as it arrives (the path and the
//! body, from whatever web server the program runs) and keeps, per task, the most advanced
//! state any callback reported: servers send the same update twice and updates out of
//! order, and a SUCCESS followed by a late IN_PROGRESS must not move a task backwards. A
//! callback may arrive before the submit's answer does; it is then found by its
//! correlation token (`state`).
//!
//! The hub does no I/O: the receivers (a route in an axum app, a small listener thread)
//! feed it, and waits read it beside their polls.
//!
//! Callbacks are unsigned: whoever knows the path can report anything. A reported end is
//! therefore only a reason for a wait to fetch the task at once; the server's answer
//! decides. A forged end on the right path leaves that task's later callbacks looking
//! stale to the hub, so its wait goes on by polling: slower, never wrong.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::config_error::ConfigError;
use crate::error::Error;
use crate::model::{Task, TaskStatus};

/// The most tasks a hub remembers: past it, the one updated longest ago is forgotten, so
/// that callbacks for tasks nobody waits for (other clients' tasks, or forged ids on a
/// leaked path) cannot grow a long-running client without bound.
pub const REMEMBERED: usize = 4096;

/// The tasks callbacks reported, keyed by task id, and the path they must come to.
#[derive(Debug)]
pub struct Hub {
    base: String,
    path: String,
    tasks: HashMap<String, Known>,
    tokens: HashMap<String, String>,
    /// Task ids by the generation of their last update, oldest first (for forgetting).
    by_age: BTreeMap<u64, String>,
    /// Counts the updates taken; each task remembers the one that last moved it.
    generation: u64,
}

/// A task as callbacks last reported it, and the generation of that report.
#[derive(Debug)]
struct Known {
    task: Task,
    generation: u64,
}

/// What became of one callback.
#[derive(Debug)]
#[non_exhaustive]
pub enum Callback {
    /// A task that moved forward (a new status, more progress or a new preview): wake what
    /// waits for it.
    Advanced(Box<Task>),
    /// A repeat, or an update older than what is known: nothing changes.
    Stale {
        /// The task it was about.
        id: String,
    },
    /// Not on the hook's path: answer 404 and do not read the body.
    WrongPath,
    /// On the hook's path, but not a task: answer 400.
    Bad(Error),
}

impl Callback {
    /// The HTTP status a receiver answers with: 204 for a task (new or not), 400 for a body
    /// that is not one, 404 for a wrong path.
    pub fn status(&self) -> u16 {
        match self {
            Self::Advanced(_) | Self::Stale { .. } => 204,
            Self::Bad(_) => 400,
            Self::WrongPath => 404,
        }
    }
}

impl Hub {
    /// A hub whose callbacks come to `public_base` (everything before the path, as the
    /// server must reach it: `https://me.example.com`, `http://127.0.0.1:9000`) under a
    /// path made from `secret`. The caller draws `secret` from the OS's randomness (the
    /// core draws none); 128 bits make the path unguessable.
    pub fn new(public_base: &str, secret: u128) -> Result<Self, ConfigError> {
        let base = public_base.trim().trim_end_matches('/');
        let uri: http::Uri = base.parse().map_err(|_| ConfigError::InvalidBaseUrl { reason: "not a URL" })?;
        if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.authority().is_none() {
            return Err(ConfigError::InvalidBaseUrl { reason: "it needs http:// or https:// and a host" });
        }
        Ok(Self {
            base: base.to_owned(),
            path: format!("/mj-hook/{secret:032x}"),
            tasks: HashMap::new(),
            tokens: HashMap::new(),
            by_age: BTreeMap::new(),
            generation: 0,
        })
    }

    /// A hub for scope `name` of this one: called back under this hub's path plus
    /// `/name`, with no tasks yet (see [`Hooks::scoped`](crate::Hooks::scoped)).
    pub fn scoped(&self, name: &str) -> Self {
        Self {
            base: self.base.clone(),
            path: format!("{}/{name}", self.path),
            tasks: HashMap::new(),
            tokens: HashMap::new(),
            by_age: BTreeMap::new(),
            generation: 0,
        }
    }

    /// The `notifyHook` URL to submit with.
    pub fn url(&self) -> String {
        format!("{}{}", self.base, self.path)
    }

    /// The path callbacks must come to (what a receiver routes).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Takes one callback: the request's path and its body.
    pub fn accept(&mut self, path: &str, body: &[u8]) -> Callback {
        // The query string, if any, is not part of the secret.
        let path = path.split('?').next().unwrap_or(path);
        if path != self.path {
            return Callback::WrongPath;
        }
        let task = match crate::webhook::parse(body) {
            Ok(task) => task,
            Err(e) => return Callback::Bad(e),
        };
        match self.tasks.get(&task.id) {
            Some(known) if !advances(&known.task, &task) => Callback::Stale { id: task.id },
            _ => {
                self.remember(task.clone());
                Callback::Advanced(Box::new(task))
            }
        }
    }

    fn remember(&mut self, task: Task) {
        self.generation += 1;
        if let Some(token) = task.state.as_deref().filter(|t| !t.is_empty()) {
            self.tokens.insert(token.to_owned(), task.id.clone());
        }
        let id = task.id.clone();
        self.by_age.insert(self.generation, id.clone());
        if let Some(old) = self.tasks.insert(id, Known { task, generation: self.generation }) {
            self.by_age.remove(&old.generation);
        }
        while self.tasks.len() > REMEMBERED {
            let Some((_, id)) = self.by_age.pop_first() else { break };
            self.forget(&id);
        }
    }

    /// How many updates the hub took so far: a driver that remembers it asks
    /// [`changed_since`](Self::changed_since) for only what moved after.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The most advanced state callbacks reported for task `id`, if it moved after
    /// generation `since`.
    pub fn changed_since(&self, id: &str, since: u64) -> Option<&Task> {
        self.tasks.get(id).filter(|k| k.generation > since).map(|k| &k.task)
    }

    /// The most advanced state callbacks reported for task `id`.
    pub fn latest(&self, id: &str) -> Option<&Task> {
        self.tasks.get(id).map(|k| &k.task)
    }

    /// The task whose submit carried correlation token `token`, once a callback named it
    /// (it may arrive before the submit's own answer, or instead of a lost one).
    pub fn by_token(&self, token: &str) -> Option<&Task> {
        self.tokens.get(token).and_then(|id| self.latest(id))
    }

    /// Forgets task `id` (a wait that ended), so that a long-running client's hub does not
    /// grow without bound.
    pub fn forget(&mut self, id: &str) {
        if let Some(known) = self.tasks.remove(id) {
            self.by_age.remove(&known.generation);
            if let Some(token) = known.task.state {
                self.tokens.remove(&token);
            }
        }
    }
}

impl fmt::Display for Hub {
    /// The base only: the path is the secret, and logs must not carry it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/mj-hook/[secret]", self.base)
    }
}

/// A task that will not change on its own again: finished, or waiting for modal input.
pub(crate) fn settled(task: &Task) -> bool {
    task.is_terminal() || task.needs_input()
}

/// True when a report of a task tells nothing new against `known` (the same or an older
/// state), so it must not move the task backwards. A settled task is never behind: an end
/// is always taken (the waits confirm it by a fetch before they believe it).
pub(crate) fn behind(known: Option<&Task>, new: &Task) -> bool {
    !settled(new) && known.is_some_and(|known| !advances(known, new))
}

/// True when `new` tells more than `known`: a later stage, or the same stage with more
/// progress or a new preview. A terminal task never moves again.
fn advances(known: &Task, new: &Task) -> bool {
    let (a, b) = (stage(&known.status), stage(&new.status));
    if a != b {
        return b > a && a < TERMINAL;
    }
    if a >= TERMINAL {
        return false;
    }
    let (p, q) = (known.progress_percent().unwrap_or(0), new.progress_percent().unwrap_or(0));
    q > p || (q == p && new.image_url.is_some() && new.image_url != known.image_url)
}

/// The stage every status belongs to, in the order a task goes through them.
fn stage(status: &TaskStatus) -> u8 {
    match status {
        TaskStatus::Empty | TaskStatus::Other(_) => 0,
        TaskStatus::NotStart => 1,
        TaskStatus::Submitted => 2,
        TaskStatus::InProgress => 3,
        TaskStatus::Modal => 4,
        TaskStatus::Success | TaskStatus::Failure | TaskStatus::Cancel => TERMINAL,
    }
}

const TERMINAL: u8 = 5;

#[cfg(test)]
mod tests {
    use super::*;

    fn hub() -> Hub {
        Hub::new("http://127.0.0.1:9000/", 0xfeed).expect("hub")
    }

    fn body(id: &str, status: &str, progress: &str) -> Vec<u8> {
        format!(r#"{{"id":"{id}","status":"{status}","progress":"{progress}","state":"tok-{id}"}}"#).into_bytes()
    }

    #[test]
    fn the_url_is_the_base_and_an_unguessable_path() {
        let hub = hub();
        assert_eq!(hub.url(), "http://127.0.0.1:9000/mj-hook/0000000000000000000000000000feed");
        assert_eq!(hub.to_string(), "http://127.0.0.1:9000/mj-hook/[secret]");
        assert!(Hub::new("ftp://x", 1).is_err() && Hub::new("not a url", 1).is_err());
    }

    #[test]
    fn a_wrong_path_is_refused_without_reading_and_a_bad_body_is_reported() {
        let mut hub = hub();
        let forged = hub.accept("/mj-hook/0000000000000000000000000000beef", &body("1", "SUCCESS", "100%"));
        assert!(matches!(forged, Callback::WrongPath) && forged.status() == 404);
        assert!(hub.latest("1").is_none(), "a forged callback changes nothing");
        let path = hub.path().to_owned();
        let bad = hub.accept(&path, b"");
        assert!(matches!(&bad, Callback::Bad(e) if e.to_string().contains("empty")) && bad.status() == 400);
        assert!(matches!(hub.accept(&format!("{path}?x=1"), &body("1", "IN_PROGRESS", "5%")), Callback::Advanced(_)));
    }

    #[test]
    fn duplicates_and_late_updates_never_move_a_task_backwards() {
        let mut hub = hub();
        let path = hub.path().to_owned();
        let mut seen = Vec::new();
        for (status, progress) in [
            ("NOT_START", "0%"),
            ("IN_PROGRESS", "40%"),
            ("IN_PROGRESS", "40%"),
            ("IN_PROGRESS", "20%"),
            ("SUCCESS", "100%"),
            ("IN_PROGRESS", "90%"),
            ("SUCCESS", "100%"),
        ] {
            match hub.accept(&path, &body("7", status, progress)) {
                Callback::Advanced(task) => seen.push(format!("{} {}", task.status, task.progress.unwrap_or_default())),
                Callback::Stale { id } => assert_eq!(id, "7"),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(seen, ["NOT_START 0%", "IN_PROGRESS 40%", "SUCCESS 100%"]);
        assert_eq!(hub.latest("7").map(|t| t.status.clone()), Some(TaskStatus::Success));
        assert_eq!(hub.by_token("tok-7").map(|t| t.id.as_str()), Some("7"), "found by its submit's token");
        assert_eq!(hub.generation(), 3, "one generation per update taken");
        assert!(hub.changed_since("7", 2).is_some() && hub.changed_since("7", 3).is_none());
        hub.forget("7");
        assert!(hub.latest("7").is_none() && hub.by_token("tok-7").is_none());
    }

    #[test]
    fn a_flood_of_unknown_ids_is_bounded_and_forgets_the_oldest() {
        let mut hub = hub();
        let path = hub.path().to_owned();
        for n in 0..REMEMBERED + 10 {
            assert!(matches!(hub.accept(&path, &body(&n.to_string(), "IN_PROGRESS", "1%")), Callback::Advanced(_)));
        }
        assert_eq!(hub.tasks.len(), REMEMBERED);
        assert_eq!(hub.by_age.len(), REMEMBERED);
        assert!(hub.latest("9").is_none() && hub.by_token("tok-9").is_none(), "the oldest went first");
        assert!(hub.latest(&(REMEMBERED + 9).to_string()).is_some());
    }
}
