//! A member a server sent in a shape mj does not read: kept, reported, never fatal.

use serde_json::Value;

/// One member whose value had a shape mj did not expect (an object where a string was
/// expected, text where a number was). Decoding is total: such a member never costs the
/// task, list or callback it stands in. Its typed field stays unset, the value is kept (a
/// task's own members in [`Task::extra`](super::Task::extra), under their name, so that
/// serializing writes them back as sent), and it is listed here so that nothing is
/// dropped in silence.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Quirk {
    /// Where the member is, as a JSON path from the task: `emoji` of the third button is
    /// `buttons[2].emoji`.
    pub path: String,
    /// What mj expected there, in serde's words (`invalid type: map, expected a string`).
    pub expected: String,
    /// The value as the server sent it.
    pub value: Value,
}

impl Quirk {
    pub(crate) fn new(path: impl Into<String>, expected: impl Into<String>, value: Value) -> Self {
        let quirk = Self { path: path.into(), expected: expected.into(), value };
        #[cfg(feature = "tracing")]
        tracing::warn!(target: "mj", path = %quirk.path, expected = %quirk.expected, "a member in an unexpected shape was kept as sent");
        quirk
    }

    /// The same quirk one level down: `emoji` inside `buttons[2]`, or `status` inside the
    /// list entry `[3]`.
    pub(crate) fn within(mut self, parent: &str) -> Self {
        self.path = if self.path.starts_with('[') {
            format!("{parent}{}", self.path)
        } else {
            format!("{parent}.{}", self.path)
        };
        self
    }
}

impl std::fmt::Display for Quirk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` kept as sent ({}): {}", self.path, self.expected, self.value)
    }
}
