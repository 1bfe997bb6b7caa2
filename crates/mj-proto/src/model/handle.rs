//! A task as a pool knows it: the server that owns it and its id there.

use std::fmt;
use std::str::FromStr;

/// A task and the pool member that owns it, shown as `name:id`.
///
/// Task ids are only unique per server, and only the server that created a task can
/// answer for it: fetch, wait, press and download go to [`server`](Self::server).
///
/// ```
/// use mj_proto::model::TaskHandle;
///
/// let handle: TaskHandle = "eu-1:1747190313867714".parse()?;
/// assert_eq!((handle.server.as_str(), handle.id.as_str()), ("eu-1", "1747190313867714"));
/// assert_eq!(handle.to_string(), "eu-1:1747190313867714");
/// assert!("1747190313867714".parse::<TaskHandle>().is_err(), "a bare id names no server");
/// # Ok::<(), mj_proto::model::BadHandle>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaskHandle {
    /// The member's name.
    pub server: String,
    /// The task's id on that member.
    pub id: String,
}

/// Why a text is not a `name:id` handle.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("`{text}` is not a task handle (name:id): {reason}")]
pub struct BadHandle {
    /// The text, shortened.
    pub text: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl TaskHandle {
    /// The handle of task `id` on member `server`.
    pub fn new(server: impl Into<String>, id: impl Into<String>) -> Self {
        Self { server: server.into(), id: id.into() }
    }
}

/// True for a name a pool member may have: 1 to 32 ASCII letters, digits, `-` or `_`.
pub fn is_server_name(name: &str) -> bool {
    (1..=32).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl FromStr for TaskHandle {
    type Err = BadHandle;

    fn from_str(text: &str) -> Result<Self, BadHandle> {
        let bad = |reason| BadHandle { text: text.chars().take(80).collect(), reason };
        let (server, id) = text.split_once(':').ok_or_else(|| bad("it names no server"))?;
        if !is_server_name(server) {
            return Err(bad("a server name is 1 to 32 letters, digits, `-` or `_`"));
        }
        if id.is_empty() || id.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(bad("the id is empty or holds spaces or control characters"));
        }
        Ok(Self::new(server, id))
    }
}

impl fmt::Display for TaskHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.server, self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_round_trip_and_refuse_what_names_no_server() {
        let handle: TaskHandle = "a_1-b:17:x".parse().expect("the id may hold a colon");
        assert_eq!((handle.server.as_str(), handle.id.as_str()), ("a_1-b", "17:x"));
        assert_eq!(handle.to_string().parse::<TaskHandle>(), Ok(handle));
        for bad in ["17", ":17", "a b:17", "a:", "a:1 7", "a:\u{1b}[2J", &format!("{}:1", "n".repeat(33))] {
            assert!(bad.parse::<TaskHandle>().is_err(), "{bad}");
        }
    }
}
