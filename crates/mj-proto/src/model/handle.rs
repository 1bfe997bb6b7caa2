//! A task as a pool knows it: the server that owns it and its id there.

use std::fmt;
use std::str::FromStr;

/// A task as a client knows it: its id, and the server that owns it when the client has
/// several (shown `name:id`; a client over one server shows the bare id).
///
/// Task ids are only unique per server, and only the server that created a task can
/// answer for it: a client sends fetch, wait, press and cancel to [`server`](Self::server).
/// Every method that takes a task takes `impl Into<TaskHandle>`: a `&str` id, a
/// [`Task`](super::Task) or [`Submitted`](super::Submitted) the client returned (which
/// remember their server), or a parsed handle.
///
/// ```
/// use mj_proto::model::TaskHandle;
///
/// let handle: TaskHandle = "eu-1:1747190313867714".parse()?;
/// assert_eq!((handle.server.as_deref(), handle.id.as_str()), (Some("eu-1"), "1747190313867714"));
/// assert_eq!(handle.to_string(), "eu-1:1747190313867714");
/// let bare: TaskHandle = "1747190313867714".parse()?;
/// assert_eq!(bare.server, None, "a bare id names no server");
/// assert_eq!(TaskHandle::from("a:1"), TaskHandle::bare("a:1"), "a &str is an id, never split");
/// # Ok::<(), mj_proto::model::BadHandle>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaskHandle {
    /// The name of the server that owns the task, when the client has several.
    pub server: Option<String>,
    /// The task's id on that server.
    pub id: String,
}

/// Why a text is not a task handle.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a task handle (an id, or name:id): {reason}")]
pub struct BadHandle {
    /// The text, shortened.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl TaskHandle {
    /// The handle of task `id` on server `server`.
    pub fn new(server: impl Into<String>, id: impl Into<String>) -> Self {
        Self { server: Some(server.into()), id: id.into() }
    }

    /// The handle of task `id` on a client's only server.
    pub fn bare(id: impl Into<String>) -> Self {
        Self { server: None, id: id.into() }
    }
}

/// True for a name a pool member may have: 1 to 32 ASCII letters, digits, `-` or `_`.
pub fn is_server_name(name: &str) -> bool {
    (1..=32).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `name:id` when `name` is a server name, else the bare id `text`.
impl FromStr for TaskHandle {
    type Err = BadHandle;

    fn from_str(text: &str) -> Result<Self, BadHandle> {
        let bad = |reason| BadHandle { text: text.chars().take(80).collect(), reason };
        let (server, id) = match text.split_once(':') {
            Some((server, id)) if is_server_name(server) => (Some(server), id),
            _ => (None, text),
        };
        if id.is_empty() || id.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(bad("the id is empty or holds spaces or control characters"));
        }
        Ok(Self { server: server.map(str::to_owned), id: id.to_owned() })
    }
}

impl fmt::Display for TaskHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.server {
            Some(server) => write!(f, "{server}:{}", self.id),
            None => f.write_str(&self.id),
        }
    }
}

/// A handle equals the text it displays as (`"eu:17"`, or `"17"` for a bare id).
impl PartialEq<str> for TaskHandle {
    fn eq(&self, text: &str) -> bool {
        match &self.server {
            Some(server) => {
                text.strip_prefix(server.as_str()).and_then(|rest| rest.strip_prefix(':')) == Some(&self.id)
            }
            None => self.id == text,
        }
    }
}

impl PartialEq<&str> for TaskHandle {
    fn eq(&self, text: &&str) -> bool {
        *self == **text
    }
}

impl From<&str> for TaskHandle {
    fn from(id: &str) -> Self {
        Self::bare(id)
    }
}

impl From<String> for TaskHandle {
    fn from(id: String) -> Self {
        Self::bare(id)
    }
}

impl From<&String> for TaskHandle {
    fn from(id: &String) -> Self {
        Self::bare(id.as_str())
    }
}

impl From<&TaskHandle> for TaskHandle {
    fn from(handle: &TaskHandle) -> Self {
        handle.clone()
    }
}

impl From<&super::Task> for TaskHandle {
    fn from(task: &super::Task) -> Self {
        task.handle()
    }
}

impl From<&super::Submitted> for TaskHandle {
    fn from(submitted: &super::Submitted) -> Self {
        submitted.handle()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_round_trip_and_refuse_bad_ids() {
        let handle: TaskHandle = "a_1-b:17:x".parse().expect("the id may hold a colon");
        assert_eq!((handle.server.as_deref(), handle.id.as_str()), (Some("a_1-b"), "17:x"));
        assert_eq!(handle.to_string().parse::<TaskHandle>(), Ok(handle));
        assert_eq!("17".parse::<TaskHandle>(), Ok(TaskHandle::bare("17")));
        assert_eq!(":17".parse::<TaskHandle>(), Ok(TaskHandle::bare(":17")), "no name: the whole text is the id");
        for bad in ["", "a:", "a:1 7", "a:\u{1b}[2J", "1 7"] {
            assert!(bad.parse::<TaskHandle>().is_err(), "{bad}");
        }
    }
}
