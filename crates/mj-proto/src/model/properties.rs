//! The free-form `properties` map of tasks and submit results, with typed getters.

use serde::de::Deserializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The `properties` object. Servers put different keys here (spec §4.5) with different
/// value types, so it is kept as JSON; the getters read the common keys leniently.
/// Null or absent is an empty map.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct Properties(Map<String, Value>);

impl Properties {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The raw value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// The value under `key` as text: strings as they are, numbers and bools as their JSON
    /// text; null, `""`, objects and arrays give `None`.
    pub fn text(&self, key: &str) -> Option<std::borrow::Cow<'_, str>> {
        match self.0.get(key)? {
            Value::String(s) if !s.is_empty() => Some(s.as_str().into()),
            Value::Number(n) => Some(n.to_string().into()),
            Value::Bool(b) => Some(b.to_string().into()),
            _ => None,
        }
    }

    /// The value under `key` as an integer (a number or a numeric string).
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.0.get(key)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value under `key` as a flag (a bool, `0`/`1`, or `"true"`/`"false"`).
    pub fn flag(&self, key: &str) -> Option<bool> {
        match self.0.get(key)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => n.as_i64().map(|n| n != 0),
            Value::String(s) => match s.trim() {
                "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key)?.as_str().filter(|s| !s.is_empty())
    }

    /// `finalPrompt`: the prompt Discord ran; the result text of describe and shorten.
    pub fn final_prompt(&self) -> Option<&str> {
        self.str("finalPrompt")
    }

    /// `finalZhPrompt`: the Chinese translation of the final prompt (PLUS, new-api).
    pub fn final_zh_prompt(&self) -> Option<&str> {
        self.str("finalZhPrompt")
    }

    /// `notifyHook`: the callback URL the server stored with the task.
    pub fn notify_hook(&self) -> Option<&str> {
        self.str("notifyHook")
    }

    /// `discordInstanceId`, else trueai's `discordChannelId`: the account that ran the task.
    pub fn discord_instance_id(&self) -> Option<&str> {
        self.str("discordInstanceId").or_else(|| self.str("discordChannelId"))
    }

    /// `messageId`: the Discord message of the result.
    pub fn message_id(&self) -> Option<&str> {
        self.str("messageId")
    }

    /// `messageHash`: the job hash that the result's button customIds end with.
    pub fn message_hash(&self) -> Option<&str> {
        self.str("messageHash")
    }

    /// `botType`: `MID_JOURNEY`, `NIJI_JOURNEY` or `INSIGHT_FACE`.
    pub fn bot_type(&self) -> Option<&str> {
        self.str("botType")
    }

    /// `flags`: Discord message flags.
    pub fn flags(&self) -> Option<i64> {
        self.int("flags")
    }

    /// `numberOfQueues`: tasks ahead in the queue (submit code 22).
    pub fn number_of_queues(&self) -> Option<u32> {
        self.int("numberOfQueues").and_then(|n| u32::try_from(n).ok())
    }

    /// `promptEn`: the translated prompt (submit code 24).
    pub fn prompt_en(&self) -> Option<&str> {
        self.str("promptEn")
    }

    /// `bannedWord`: the word that got the prompt refused (submit code 24).
    pub fn banned_word(&self) -> Option<&str> {
        self.str("bannedWord")
    }

    /// `remix`: whether the modal is a remix prompt (trueai code 21).
    pub fn remix(&self) -> Option<bool> {
        self.flag("remix")
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Iterates over the keys and values.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.0.iter()
    }

    /// Sets `key` (for tests, simulators and webhook rewriting).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        self.0.insert(key.into(), value.into())
    }

    /// Replaces `secret` in every string value (keys stay as they are).
    pub(crate) fn scrub(&mut self, secret: &str) {
        fn walk(value: &mut Value, secret: &str) {
            match value {
                Value::String(s) => crate::secret::scrub_text(s, secret),
                Value::Array(items) => items.iter_mut().for_each(|v| walk(v, secret)),
                Value::Object(map) => map.values_mut().for_each(|v| walk(v, secret)),
                _ => {}
            }
        }
        self.0.values_mut().for_each(|v| walk(v, secret));
    }

    /// The underlying JSON map.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }
}

impl From<Map<String, Value>> for Properties {
    fn from(map: Map<String, Value>) -> Self {
        Self(map)
    }
}

impl<'de> Deserialize<'de> for Properties {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self(Option::<Map<String, Value>>::deserialize(d)?.unwrap_or_default()))
    }
}
