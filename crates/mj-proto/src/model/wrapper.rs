//! Generic result wrappers around the answer: a Java fork's `{"code": 200, "description":
//! "请求成功", "result": {…}}`, early novicezk's `Message` (`{"code": 1, "description": "成功",
//! "result": {…task…}}`), GoFrame's `{"code": 0, "message": "", "data": […]}`.
//!
//! Read only after the answer failed to decode as what the endpoint expects, so the common
//! case pays nothing for them.

use serde_json::{Map, Value};

/// A body of the shape `{code, description | message | msg, result | data}`.
#[derive(Debug)]
pub(crate) struct Wrapper {
    /// The `code` member as the server sent it (a number or a text).
    code: Value,
    /// The envelope's own words: `description`, `message` or `msg`.
    pub(crate) words: Option<String>,
    /// What it wraps: `result`, else `data` (`None` when absent or `null`).
    pub(crate) payload: Option<Value>,
}

impl Wrapper {
    /// Reads `body` as a wrapper; `None` for anything without a `code` member.
    pub(crate) fn parse(body: &[u8]) -> Option<Self> {
        match serde_json::from_slice::<Value>(body).ok()? {
            Value::Object(members) => Self::from_members(members),
            _ => None,
        }
    }

    fn from_members(mut members: Map<String, Value>) -> Option<Self> {
        let code = members.remove("code")?;
        let words = ["description", "message", "msg"]
            .iter()
            .find_map(|key| members.get(*key).and_then(Value::as_str).map(str::trim).filter(|w| !w.is_empty()))
            .map(str::to_owned);
        let payload = ["result", "data"].iter().find_map(|key| members.remove(*key)).filter(|p| !p.is_null());
        Some(Self { code, words, payload })
    }

    /// True when the envelope calls itself a success: its code is one the wrappers use for
    /// success (`0`, `1`, `200`, `"success"`, `"ok"`, `"成功"`), or its words say so and do
    /// not also speak of failure.
    pub(crate) fn says_success(&self) -> bool {
        let by_code = match &self.code {
            Value::Number(n) => matches!(n.as_i64(), Some(0 | 1 | 200)),
            Value::String(s) => {
                let s = s.trim().to_ascii_lowercase();
                matches!(s.as_str(), "0" | "1" | "200" | "success" | "ok" | "成功")
            }
            Value::Bool(b) => *b,
            _ => false,
        };
        by_code || self.words.as_deref().is_some_and(words_say_success)
    }

    /// The wrapped object when it is a task (an object with a non-empty `id`).
    pub(crate) fn task(&self) -> Option<&Value> {
        self.payload.as_ref().filter(|p| has_id(p))
    }

    /// The wrapped array of tasks, or a page's `content`, `list`, `records` or `items`.
    pub(crate) fn list(&self) -> Option<&Value> {
        match self.payload.as_ref()? {
            list @ Value::Array(_) => Some(list),
            Value::Object(page) => {
                ["content", "list", "records", "items"].iter().find_map(|k| page.get(*k).filter(|v| v.is_array()))
            }
            _ => None,
        }
    }

    /// The wrapped answer when it is itself a `{code, …}` submit answer.
    pub(crate) fn inner_answer(&self) -> Option<&Value> {
        self.payload.as_ref().filter(|p| p.get("code").is_some())
    }

    /// The code as text, for messages.
    pub(crate) fn code_text(&self) -> String {
        match &self.code {
            Value::String(s) => s.trim().to_owned(),
            other => other.to_string(),
        }
    }
}

fn has_id(value: &Value) -> bool {
    match value.get("id") {
        Some(Value::String(s)) => !s.trim().is_empty(),
        Some(Value::Number(_)) => true,
        _ => false,
    }
}

fn words_say_success(words: &str) -> bool {
    let lower = words.to_lowercase();
    let success = lower.contains("成功") || lower.contains("success") || lower == "ok";
    let failure = ["失败", "fail", "unsuccess", "error", "错误"].iter().any(|w| lower.contains(w));
    success && !failure
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_is_read_from_the_code_or_the_words() {
        let says = |body: &str| Wrapper::parse(body.as_bytes()).expect(body).says_success();
        assert!(says(r#"{"code":200,"description":"请求成功","result":null}"#));
        assert!(says(r#"{"code":0,"message":"","data":[]}"#));
        assert!(says(r#"{"code":1,"description":"成功"}"#));
        assert!(says(r#"{"code":"success","data":{}}"#));
        assert!(says(r#"{"code":"SUCCESS"}"#));
        assert!(says(r#"{"code":10000,"msg":"操作成功"}"#));
        assert!(!says(r#"{"code":50,"message":"internal error","data":null}"#));
        assert!(!says(r#"{"code":3,"description":"数据未找到"}"#));
        assert!(!says(r#"{"code":-1,"msg":"提交成功失败"}"#));
        assert!(!says(r#"{"code":9,"description":"request was not successful: fail"}"#));
        assert!(Wrapper::parse(br#"{"result":{}}"#).is_none());
        assert!(Wrapper::parse(b"[]").is_none());
    }

    #[test]
    fn the_payload_is_a_task_a_list_or_an_answer() {
        let w = Wrapper::parse(br#"{"code":200,"result":{"id":"1"}}"#).expect("wrapper");
        assert!(w.task().is_some());
        let w = Wrapper::parse(br#"{"code":0,"data":{"id":""}}"#).expect("wrapper");
        assert!(w.task().is_none());
        let w = Wrapper::parse(br#"{"code":0,"data":{"list":[{"id":"1"}],"total":1}}"#).expect("wrapper");
        assert_eq!(w.list().and_then(Value::as_array).map(Vec::len), Some(1));
        let w = Wrapper::parse(br#"{"code":200,"result":{"code":1,"result":"7"}}"#).expect("wrapper");
        assert!(w.inner_answer().is_some());
        let w = Wrapper::parse(br#"{"code":0,"message":"","data":null}"#).expect("wrapper");
        assert!(w.payload.is_none() && w.list().is_none());
    }
}
