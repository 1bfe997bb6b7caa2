//! The error bodies servers send instead of the expected answer (spec §9, §10.7).

use serde_json::Value;

use super::ReturnCode;

/// A recognised error body.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorEnvelope {
    /// `{"code": n, "description": …}`: a submit answer or a gateway's MJ-style error
    /// (`type` is `upstream_error`, `new_api_error`, `one_hub_error`, …).
    Mj {
        /// The `code` member: why the server refused.
        code: ReturnCode,
        /// The description, trimmed (new-api appends a space).
        description: String,
        /// The gateway's `type`, when present.
        kind: Option<String>,
    },
    /// `{"error": {"message": …, "type": …}}` (OpenAI-style gateway auth errors) or
    /// `{"error": "…"}` (new-api's image proxy, Spring's default error page).
    Gateway {
        /// The `message` (or `msg`) member.
        message: String,
        /// The error type, when present.
        kind: Option<String>,
    },
    /// trueai's `{"success": false, "code": …, "message": …}`.
    Failure {
        /// The code, when numeric.
        code: Option<i64>,
        /// The text of the `error` member, or of its `message`/`description`.
        message: String,
    },
}

impl ErrorEnvelope {
    /// Recognises an error body; `None` when the bytes are not one of the known shapes.
    pub fn parse(body: &[u8]) -> Option<Self> {
        let value: Value = serde_json::from_slice(body).ok()?;
        Self::from_value(&value)
    }

    fn from_value(value: &Value) -> Option<Self> {
        let obj = value.as_object()?;
        let text = |key: &str| obj.get(key).and_then(value_text);
        if let Some(error) = obj.get("error") {
            let (message, kind) = match error {
                // `{"error": {"message" | "description": …, "type": …}}`: OpenAI-style
                // gateways, and one-hub's relay errors.
                Value::Object(inner) => (
                    inner.get("message").and_then(value_text).or_else(|| inner.get("description").and_then(value_text)),
                    inner.get("type").and_then(value_text),
                ),
                // `{"error": "quota_exceeded", "message": "…"}`: the string is the error's
                // type, the sibling its words; both are kept.
                other => {
                    match (value_text(other), text("message").or_else(|| text("msg")).or_else(|| text("description"))) {
                        (Some(code), Some(words)) if code != words => (Some(format!("{code}: {words}")), Some(code)),
                        (code, words) => (code.or(words), None),
                    }
                }
            };
            if let Some(message) = message.or_else(|| text("message")).or_else(|| text("msg")) {
                return Some(Self::Gateway { message, kind });
            }
        }
        if obj.get("success") == Some(&Value::Bool(true)) {
            return None;
        }
        if obj.get("success") == Some(&Value::Bool(false)) {
            return Some(Self::Failure {
                code: obj.get("code").and_then(value_int),
                message: text("message").unwrap_or_default(),
            });
        }
        let code = obj.get("code").and_then(value_int)?;
        Some(Self::Mj {
            code: ReturnCode::from_i64(code),
            description: text("description").or_else(|| text("message")).or_else(|| text("msg")).unwrap_or_default(),
            kind: text("type"),
        })
    }

    /// The error's type (`upstream_error`, `insufficient_quota`, `quota_exceeded`), when
    /// it has one.
    pub fn kind(&self) -> Option<&str> {
        match self {
            Self::Mj { kind, .. } | Self::Gateway { kind, .. } => kind.as_deref(),
            Self::Failure { .. } => None,
        }
    }

    /// The message a person should read, whichever member carried it.
    pub fn message(&self) -> &str {
        match self {
            Self::Mj { description, .. } => description,
            Self::Gateway { message, .. } | Self::Failure { message, .. } => message,
        }
    }
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| t.to_owned())
        }
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn value_int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_every_shape_of_spec_section_9() {
        let mj = ErrorEnvelope::parse(br#"{"description":"task_no_found ","type":"upstream_error","code":4}"#);
        assert_eq!(
            mj,
            Some(ErrorEnvelope::Mj {
                code: ReturnCode::ValidationError,
                description: "task_no_found".into(),
                kind: Some("upstream_error".into())
            })
        );
        let openai = ErrorEnvelope::parse(br#"{"error":{"message":"bad token","type":"new_api_error","code":""}}"#);
        assert_eq!(openai.as_ref().map(ErrorEnvelope::message), Some("bad token"));
        let plain = ErrorEnvelope::parse(br#"{"error":"midjourney_task_not_found"}"#);
        assert_eq!(plain.as_ref().map(ErrorEnvelope::message), Some("midjourney_task_not_found"));
        let ta = ErrorEnvelope::parse(r#"{"success":false,"code":-1,"message":"操作失败","timestamp":"1"}"#.as_bytes());
        assert_eq!(ta, Some(ErrorEnvelope::Failure { code: Some(-1), message: "操作失败".into() }));
        let nested = ErrorEnvelope::parse(br#"{"error":{"code":500,"description":"upstream down","type":"x"}}"#);
        assert_eq!(nested.as_ref().map(ErrorEnvelope::message), Some("upstream down"));
        let msg = ErrorEnvelope::parse(br#"{"code":404,"msg":"API 404 Not Found","data":null}"#);
        assert_eq!(msg.as_ref().map(ErrorEnvelope::message), Some("API 404 Not Found"));
        assert_eq!(ErrorEnvelope::parse(br#"{"id":"1"}"#), None);
        assert_eq!(ErrorEnvelope::parse(b"<html>"), None);
        assert_eq!(ErrorEnvelope::parse(b"[1]"), None);
    }
}
