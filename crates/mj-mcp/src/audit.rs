//! One line on stderr per call: what was called, for which task, how it ended and how
//! long it took. Never an argument's text (a prompt is the user's), never a key.

use std::time::Duration;

use serde_json::Value;

use crate::arguments::shown;

/// The audit line of a call to `tool` with `request_id`, ended with `result` (the
/// task's JSON or the tool error's) after `took`.
pub(crate) fn line(tool: &str, request_id: Option<&str>, result: &Result<Value, Value>, took: Duration) -> String {
    let (outcome, value) = match result {
        Ok(value) => ("ok".to_owned(), value),
        Err(error) => (format!("error:{}", error.get("error").and_then(Value::as_str).unwrap_or("?")), error),
    };
    let mut line = format!("mj mcp: call={}", shown(tool));
    if let Some(id) = request_id {
        line.push_str(&format!(" request_id={}", shown(id)));
    }
    let task = value.get("task").and_then(|t| t.as_str().or_else(|| t.get("task").and_then(Value::as_str)));
    if let Some(task) = task {
        line.push_str(&format!(" task={}", shown(task)));
    }
    if let Some(status) = value.get("status").and_then(Value::as_str) {
        line.push_str(&format!(" status={}", shown(status)));
    }
    if let Some(rule) = value.get("rule").and_then(Value::as_str) {
        line.push_str(&format!(" rule={rule}"));
    }
    line.push_str(&format!(" outcome={outcome} ms={}", took.as_millis()));
    line
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_line_names_the_call_and_escapes_what_a_server_sent() {
        let ok = line(
            "imagine",
            Some("fox-1"),
            &Ok(json!({"task": "a:1\u{1b}[2J", "status": "SUCCESS"})),
            Duration::from_millis(1200),
        );
        assert_eq!(ok, "mj mcp: call=imagine request_id=fox-1 task=a:1\\u{1b}[2J status=SUCCESS outcome=ok ms=1200");
        let refused =
            line("imagine", None, &Err(json!({"error": "refused_by_rule", "rule": "run_budget"})), Duration::ZERO);
        assert_eq!(refused, "mj mcp: call=imagine rule=run_budget outcome=error:refused_by_rule ms=0");
    }
}
