//! A member a server sent in a shape mj does not read: kept, reported, never fatal.

use serde::de::MapAccess;
use serde_json::Value;

use crate::model::tolerant::{Member, Read, Tolerant};

/// One member whose value had a shape mj did not expect (an object where a string was
/// expected, text where a number was). Decoding is total: such a member never costs the
/// task, list or callback it stands in. Its typed field stays unset and it is listed here
/// with its value, so that nothing is dropped in silence. A task's own members are also
/// kept in [`Task::extra`](super::Task::extra), under their name, so that serializing
/// writes them back as sent ([`kept`](Self::kept)); a member of a button is only here.
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
    /// Whether the value is also in the task ([`Task::extra`](super::Task::extra)), and so
    /// in what serializing it writes; false for a member of a button or of a submit
    /// answer, which only this quirk holds.
    pub kept: bool,
}

impl Quirk {
    pub(crate) fn new(path: impl Into<String>, expected: impl Into<String>, value: Value) -> Self {
        let quirk = Self { path: path.into(), expected: expected.into(), value, kept: false };
        #[cfg(feature = "tracing")]
        tracing::warn!(target: "mj", path = %quirk.path, expected = %quirk.expected, "a member in an unexpected shape was not read");
        quirk
    }

    /// The same quirk one level down: `emoji` inside `buttons[2]`, or `status` inside the
    /// list entry `[3]`.
    pub fn within(mut self, parent: &str) -> Self {
        self.path = if self.path.starts_with('[') {
            format!("{parent}{}", self.path)
        } else {
            format!("{parent}.{}", self.path)
        };
        self
    }
}

/// Reads the value of member `key` as `T`; a value of another shape reads as `None` and is
/// recorded in `quirks`. For visitors that keep odd values only as quirks (a button, a
/// submit answer); a task also keeps its own in [`Task::extra`](super::Task::extra).
// Inlined into each visitor: it runs for every member of every button, and as a call it
// cost bulk decoding 2% more instructions (callgrind, `decode_once owned`).
#[inline(always)]
pub(crate) fn read<'de, A: MapAccess<'de>, T: Member<'de>>(
    map: &mut A,
    key: &str,
    quirks: &mut Vec<Quirk>,
) -> Result<Option<T>, A::Error> {
    Ok(match map.next_value::<Tolerant<T>>()?.0 {
        Read::Typed(value) => Some(value),
        Read::Odd(value, expected) => {
            quirks.push(Quirk::new(key, expected, value));
            None
        }
    })
}

impl std::fmt::Display for Quirk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.kept {
            write!(f, "`{}` kept as sent ({}): {}", self.path, self.expected, self.value)
        } else {
            write!(f, "`{}` left out, not read ({}): {}", self.path, self.expected, self.value)
        }
    }
}
