//! The free-form `properties` map of tasks and submit results, with typed getters.

use std::borrow::Cow;
use std::fmt;
use std::sync::OnceLock;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::{Map, Value};

use super::raw::RawJson;

/// The `properties` object. Servers put different keys here (spec §4.5) with different
/// value types, so it is kept as JSON; the getters read the common keys leniently.
/// Null or absent is an empty map.
///
/// Decoding keeps the object's raw text (one allocation) and parses it into a map on
/// first access, so bulk decoding pays for properties only when someone reads them. An
/// object serde_json cannot build (nested deeper than its 128-level limit) reads as empty.
#[derive(Default)]
pub struct Properties {
    raw: Option<Box<str>>,
    map: OnceLock<Map<String, Value>>,
}

impl Properties {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// The parsed map (parsed once, on first use).
    fn map(&self) -> &Map<String, Value> {
        self.map.get_or_init(|| {
            // The raw text was checked to be a JSON object when it was decoded.
            self.raw.as_deref().and_then(|raw| serde_json::from_str(raw).ok()).unwrap_or_default()
        })
    }

    /// Takes the map out (parsing the raw text if needed) to change it; put it back with
    /// [`Properties::put`].
    fn take(&mut self) -> Map<String, Value> {
        let raw = self.raw.take();
        std::mem::take(&mut self.map)
            .into_inner()
            .unwrap_or_else(|| raw.and_then(|raw| serde_json::from_str(&raw).ok()).unwrap_or_default())
    }

    fn put(&mut self, map: Map<String, Value>) {
        self.map = OnceLock::from(map);
    }

    /// The raw value under `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.map().get(key)
    }

    /// The value under `key` as text: strings as they are, numbers and bools as their JSON
    /// text; null, `""`, objects and arrays give `None`.
    pub fn text(&self, key: &str) -> Option<Cow<'_, str>> {
        match self.map().get(key)? {
            Value::String(s) if !s.is_empty() => Some(s.as_str().into()),
            Value::Number(n) => Some(n.to_string().into()),
            Value::Bool(b) => Some(b.to_string().into()),
            _ => None,
        }
    }

    /// The value under `key` as an integer (a number or a numeric string).
    pub fn int(&self, key: &str) -> Option<i64> {
        match self.map().get(key)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// The value under `key` as a flag (a bool, `0`/`1`, or `"true"`/`"false"`).
    pub fn flag(&self, key: &str) -> Option<bool> {
        match self.map().get(key)? {
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
        self.map().get(key)?.as_str().filter(|s| !s.is_empty())
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
        self.map().len()
    }

    /// True when there are no keys.
    pub fn is_empty(&self) -> bool {
        self.map().is_empty()
    }

    /// Iterates over the keys and values.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.map().iter()
    }

    /// Sets `key` (for tests, simulators and webhook rewriting).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        let mut map = self.take();
        let previous = map.insert(key.into(), value.into());
        self.put(map);
        previous
    }

    /// The members as sent, for anything the typed accessors do not cover.
    pub fn as_map(&self) -> &Map<String, Value> {
        self.map()
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
        let mut map = self.take();
        map.values_mut().for_each(|v| walk(v, secret));
        self.put(map);
    }
}

impl Clone for Properties {
    fn clone(&self) -> Self {
        let map = OnceLock::new();
        if let Some(parsed) = self.map.get() {
            let _ = map.set(parsed.clone());
        }
        Self { raw: self.raw.clone(), map }
    }
}

impl PartialEq for Properties {
    fn eq(&self, other: &Self) -> bool {
        self.map() == other.map()
    }
}

impl fmt::Debug for Properties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Properties").field(self.map()).finish()
    }
}

impl From<Map<String, Value>> for Properties {
    fn from(map: Map<String, Value>) -> Self {
        Self { raw: None, map: OnceLock::from(map) }
    }
}

impl Serialize for Properties {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.map().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Properties {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Option::<RawJson<'de>>::deserialize(d)?;
        if let Some(raw) = &raw
            && !raw.get().starts_with('{')
        {
            return Err(de::Error::invalid_type(de::Unexpected::Other(raw_kind(raw.get())), &"an object or null"));
        }
        Ok(Self { raw: raw.map(|raw| raw.into_cow().into_owned().into_boxed_str()), map: OnceLock::new() })
    }
}

impl Properties {
    /// Properties from a member's raw text: an object (or null) is read; any other value
    /// comes back as it is, for the caller to keep as an odd member.
    pub(crate) fn from_raw(raw: Option<RawJson<'_>>) -> Result<Self, Value> {
        match raw {
            // A null that reached here as raw text (through a buffering deserializer).
            Some(raw) if raw.get().trim() == "null" => Ok(Self::default()),
            // Any other value is handed back to be kept; one a `Value` cannot hold (a number
            // out of range, `1e400`) is kept as its text.
            Some(raw) if !raw.get().starts_with('{') => {
                Err(serde_json::from_str(raw.get()).unwrap_or_else(|_| Value::String(raw.get().to_owned())))
            }
            raw => Ok(Self { raw: raw.map(|raw| raw.into_cow().into_owned().into_boxed_str()), map: OnceLock::new() }),
        }
    }
}

/// What a non-object JSON value is, for the error message.
fn raw_kind(text: &str) -> &'static str {
    match text.as_bytes().first() {
        Some(b'[') => "an array",
        Some(b'"') => "a string",
        Some(b't' | b'f') => "a boolean",
        _ => "a number",
    }
}
