//! A call's arguments, checked: each read names the argument it found wrong, and an
//! argument the tool does not take is refused (an agent's typo must not be ignored
//! silently when it would have changed what is paid for).

use serde_json::{Map, Value};

use crate::outcome::ToolError;

/// The longest `request_id` taken: it travels to the server as part of the submit's
/// `state`.
const MAX_REQUEST_ID: usize = 64;

/// The arguments of one call.
#[derive(Debug)]
pub(crate) struct Arguments {
    map: Map<String, Value>,
}

impl Arguments {
    /// `map` for a tool that takes `accepted`: any other argument is an error.
    pub(crate) fn new(map: Option<Map<String, Value>>, accepted: &[&str]) -> Result<Self, ToolError> {
        let map = map.unwrap_or_default();
        if let Some(unknown) = map.keys().find(|k| !accepted.contains(&k.as_str())) {
            return Err(ToolError::arguments(format!(
                "unknown argument `{}`; this tool takes: {}",
                shown(unknown),
                accepted.join(", ")
            )));
        }
        Ok(Self { map })
    }

    /// The text argument `name`, required: trimmed, not empty.
    pub(crate) fn text(&self, name: &str) -> Result<String, ToolError> {
        self.optional_text(name)?.ok_or_else(|| ToolError::arguments(format!("`{name}` is required")))
    }

    /// The text argument `name`, if given: trimmed, not empty.
    pub(crate) fn optional_text(&self, name: &str) -> Result<Option<String>, ToolError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_owned())),
            Some(Value::String(_)) => Err(ToolError::arguments(format!("`{name}` is empty"))),
            Some(other) => Err(ToolError::arguments(format!("`{name}` must be a string, not {}", kind(other)))),
        }
    }

    /// The list of texts `name`, required.
    pub(crate) fn texts(&self, name: &str) -> Result<Vec<String>, ToolError> {
        let wrong = || ToolError::arguments(format!("`{name}` must be a list of strings"));
        match self.map.get(name) {
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).ok_or_else(wrong))
                .collect(),
            None | Some(Value::Null) => Err(ToolError::arguments(format!("`{name}` is required"))),
            Some(_) => Err(wrong()),
        }
    }

    /// The yes/no argument `name`, or `default`.
    pub(crate) fn flag(&self, name: &str, default: bool) -> Result<bool, ToolError> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(Value::String(s)) if s == "true" || s == "false" => Ok(s == "true"),
            Some(other) => Err(ToolError::arguments(format!("`{name}` must be true or false, not {}", kind(other)))),
        }
    }

    /// The whole number `name` from `min` to `max`, or `default`.
    pub(crate) fn number(&self, name: &str, (min, max): (u64, u64), default: u64) -> Result<u64, ToolError> {
        let value = match self.map.get(name) {
            None | Some(Value::Null) => return Ok(default),
            Some(Value::Number(n)) => {
                n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64))
            }
            Some(Value::String(s)) => s.trim().parse().ok(),
            Some(_) => None,
        };
        value
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| ToolError::arguments(format!("`{name}` must be a whole number from {min} to {max}")))
    }

    /// `request_id`, if given: 1 to 64 letters, digits, `.`, `_`, `-` or `:`, so that it
    /// can travel in the submit's `state` and be searched for.
    pub(crate) fn request_id(&self) -> Result<Option<String>, ToolError> {
        let Some(id) = self.optional_text("request_id")? else { return Ok(None) };
        let fine = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | ':');
        if id.len() > MAX_REQUEST_ID || !id.chars().all(fine) {
            return Err(ToolError::arguments(format!(
                "`request_id` takes 1 to {MAX_REQUEST_ID} letters, digits, '.', '_', '-' or ':'"
            )));
        }
        Ok(Some(id))
    }

    /// The arguments as given, for telling two calls with one `request_id` apart.
    pub(crate) fn fingerprint(&self) -> String {
        let mut map = self.map.clone();
        for ephemeral in ["request_id", "wait", "timeout_s", "download"] {
            map.remove(ephemeral);
        }
        Value::Object(map).to_string()
    }
}

/// What kind of JSON value `value` is, for a message.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// An agent's text as a message shows it: control characters escaped, at most 80
/// characters.
pub(crate) fn shown(text: &str) -> String {
    let escaped: String = text.chars().flat_map(char::escape_debug).take(80).collect();
    escaped
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn args(value: Value) -> Arguments {
        Arguments::new(value.as_object().cloned(), &["prompt", "request_id", "timeout_s", "wait"]).expect("accepted")
    }

    #[test]
    fn an_unknown_argument_is_refused_by_name() {
        let e = Arguments::new(json!({"promt": "x"}).as_object().cloned(), &["prompt"]).expect_err("typo");
        assert!(e.message.contains("unknown argument `promt`") && e.message.contains("prompt"), "{}", e.message);
    }

    #[test]
    fn wrong_shapes_name_the_argument() {
        assert!(
            args(json!({"prompt": 3}))
                .text("prompt")
                .expect_err("number")
                .message
                .contains("`prompt` must be a string")
        );
        assert!(args(json!({})).text("prompt").expect_err("missing").message.contains("required"));
        assert_eq!(args(json!({"timeout_s": 30})).number("timeout_s", (1, 600), 50).ok(), Some(30));
        assert!(args(json!({"timeout_s": 0})).number("timeout_s", (1, 600), 50).is_err());
        assert!(args(json!({"timeout_s": -4})).number("timeout_s", (1, 600), 50).is_err());
        assert_eq!(args(json!({"wait": "false"})).flag("wait", true).ok(), Some(false));
    }

    #[test]
    fn a_request_id_is_short_and_plain() {
        assert_eq!(args(json!({"request_id": "fox-1"})).request_id().ok().flatten().as_deref(), Some("fox-1"));
        assert!(args(json!({"request_id": "a b"})).request_id().is_err());
        assert!(args(json!({"request_id": "x".repeat(65)})).request_id().is_err());
        assert!(args(json!({"request_id": "\u{1b}[2J"})).request_id().is_err());
    }

    #[test]
    fn the_fingerprint_ignores_how_the_caller_waits() {
        let a = args(json!({"prompt": "fox", "request_id": "1", "wait": true}));
        let b = args(json!({"prompt": "fox", "request_id": "1", "wait": false, "timeout_s": 5}));
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_ne!(a.fingerprint(), args(json!({"prompt": "owl"})).fingerprint());
    }
}
