//! The members of a task that mj does not type, kept in the order the server sent them.

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::Value;

/// Every member of a task object that [`Task`](super::Task) has no field for (trueai alone
/// sends some fifty: `jobId`, `thumbnailUrl`, `videoDuration`, `partnerTaskInfo`, …),
/// in the server's order. Serializing a task writes them back under their own names, so
/// nothing a server sent is lost.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ExtraMembers(Vec<(String, Value)>);

impl ExtraMembers {
    /// The member `key` as sent, if the server sent one mj has no field for.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value under `key` as text: a non-empty string.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
    }

    /// The value under `key` as an integer (a number or a numeric string).
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.get(key)? {
            Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value under `key` as a flag (a bool, `0`/`1`, `"true"`/`"false"`).
    pub fn flag(&self, key: &str) -> Option<bool> {
        match self.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => n.as_i64().map(|n| n != 0),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// The members, in the server's order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// How many there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when the server sent nothing beyond the typed fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Keeps `value` under `key`; a repeated key keeps its first place and its last value.
    pub(crate) fn put(&mut self, key: String, value: Value) {
        match self.0.iter_mut().find(|(k, _)| *k == key) {
            Some((_, old)) => *old = value,
            None => self.0.push((key, value)),
        }
    }
}

/// As a JSON object's members (the task's `#[serde(flatten)]` writes them inline).
impl Serialize for ExtraMembers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}
