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

/// The most callback bytes a hub keeps tasks of (each counted by its body's length, a
/// summary as 1 KiB; see [`crate::webhook::RETAINED_WHOLE`]): past it, the tasks updated
/// longest ago are forgotten. A flood of large callbacks on the right path keeps a client
/// small.
pub(super) const RETAINED_BYTES: usize = 4 * 1024 * 1024;

/// What a summary of a large callback is counted as.
const SUMMARY_COST: usize = 1024;

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
    /// The callback bytes the remembered tasks count for.
    retained: usize,
}

/// A task as callbacks last reported it, the generation of that report, and the bytes it
/// counts for.
#[derive(Debug)]
struct Known {
    task: Task,
    generation: u64,
    cost: usize,
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
            retained: 0,
        })
    }

    /// A hub for scope `name` of this one: called back under this hub's path plus
    /// `/name`, with no tasks yet (see mj-client's `Hooks::scoped`).
    pub fn scoped(&self, name: &str) -> Self {
        Self {
            base: self.base.clone(),
            path: format!("{}/{name}", self.path),
            tasks: HashMap::new(),
            tokens: HashMap::new(),
            by_age: BTreeMap::new(),
            generation: 0,
            retained: 0,
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
        let task = match crate::webhook::retained(body) {
            Ok(task) => task,
            Err(e) => return Callback::Bad(e),
        };
        match self.tasks.get(&task.id) {
            Some(known) if !advances(&known.task, &task) => Callback::Stale { id: task.id },
            _ => {
                let cost = if crate::webhook::is_summary(&task) { SUMMARY_COST } else { body.len() };
                self.remember(task.clone(), cost);
                Callback::Advanced(Box::new(task))
            }
        }
    }

    /// Keeps `task` (its callback counted as `cost` bytes) in place of what was known of
    /// it, with one token: a task's earlier token no longer finds it.
    fn remember(&mut self, task: Task, cost: usize) {
        self.generation += 1;
        let id = task.id.clone();
        let token = task.state.clone().filter(|t| !t.is_empty());
        if let Some(old) = self.tasks.remove(&id) {
            self.by_age.remove(&old.generation);
            self.retained = self.retained.saturating_sub(old.cost);
            if let Some(old_token) = old.task.state.filter(|t| Some(t) != token.as_ref()) {
                self.drop_token(&old_token, &id);
            }
        }
        if let Some(token) = token {
            self.tokens.insert(token, id.clone());
        }
        self.by_age.insert(self.generation, id.clone());
        self.retained = self.retained.saturating_add(cost);
        self.tasks.insert(id, Known { task, generation: self.generation, cost });
        while self.tasks.len() > REMEMBERED || (self.retained > RETAINED_BYTES && self.tasks.len() > 1) {
            let Some((_, id)) = self.by_age.pop_first() else { break };
            self.forget(&id);
        }
    }

    /// Forgets `token` if it still names task `id`.
    fn drop_token(&mut self, token: &str, id: &str) {
        if self.tokens.get(token).is_some_and(|named| named == id) {
            self.tokens.remove(token);
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
            self.retained = self.retained.saturating_sub(known.cost);
            if let Some(token) = known.task.state {
                self.drop_token(&token, id);
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

    #[test]
    fn large_callbacks_are_kept_as_summaries_and_the_bytes_kept_are_bounded() {
        let mut hub = hub();
        let path = hub.path().to_owned();
        let filler = "[0".to_owned() + &",0".repeat(512 * 1024) + "]";
        for n in 0..24u32 {
            let body = format!(
                r#"{{"id":"{n}","status":"IN_PROGRESS","progress":"{}%","state":"tok-{n}","x":{filler},"prompt":"p"}}"#,
                n % 100
            );
            assert!(body.len() > 1024 * 1024);
            let Callback::Advanced(task) = hub.accept(&path, body.as_bytes()) else { panic!("a task") };
            assert!(crate::webhook::is_summary(&task) && task.extra.is_empty() && task.prompt.is_none());
            assert_eq!(task.state.as_deref(), Some(format!("tok-{n}").as_str()));
        }
        assert!(hub.retained <= RETAINED_BYTES, "{}", hub.retained);
        // Whole tasks of a few KiB each: the budget forgets the oldest.
        let whole =
            format!(r#"{{"id":"w","status":"IN_PROGRESS","progress":"1%","prompt":"{}"}}"#, "p".repeat(15 * 1024));
        for n in 0..400 {
            hub.accept(&path, whole.replace(r#""w""#, &format!(r#""w{n}""#)).as_bytes());
        }
        assert!(hub.retained <= RETAINED_BYTES, "{}", hub.retained);
        assert!(hub.latest("w399").is_some() && hub.latest("w0").is_none());
        assert!(hub.latest("w399").is_some_and(|t| !crate::webhook::is_summary(t)));
    }

    #[test]
    fn a_task_keeps_one_token_each_new_one_replacing_the_last() {
        let mut hub = hub();
        let path = hub.path().to_owned();
        for n in 0..50 {
            let body = format!(r#"{{"id":"7","status":"IN_PROGRESS","progress":"{n}%","state":"tok-{n}"}}"#);
            hub.accept(&path, body.as_bytes());
        }
        assert_eq!(hub.tokens.len(), 1, "one token per task");
        assert!(hub.by_token("tok-49").is_some() && hub.by_token("tok-0").is_none());
        hub.forget("7");
        assert!(hub.tokens.is_empty());
    }
}
