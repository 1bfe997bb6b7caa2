//! What a call gives the agent: a task as a small JSON object, or a typed tool error
//! (`{"error": KIND, "message": …}`) that the agent reads and can act on.
//!
//! Tool errors are results with `isError` set, never protocol errors: an MCP client shows
//! a protocol error to nobody, and the agent must read why a call was refused (the
//! rule that held it, the argument it got wrong).

use mj_proto::{Error, ErrorKind, Task};
use serde_json::{Value, json};

/// A call that did not do what it was asked: its kind (a word an agent can branch on),
/// what happened, and, for a refusal by the governor, the rule.
#[derive(Debug)]
pub(crate) struct ToolError {
    /// `arguments`, `read_only`, `refused_by_rule`, `task_failed`, `outcome_unknown`, …
    pub kind: &'static str,
    /// What happened, with every key scrubbed.
    pub message: String,
    /// The pacing rule that refused the submit (`daily_budget`, `run_budget`, …).
    pub rule: Option<&'static str>,
    /// The task the call ended with (a failed task).
    pub task: Option<Value>,
}

impl ToolError {
    /// An error of `kind`.
    pub(crate) fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self { kind, message: message.into(), rule: None, task: None }
    }

    /// The call's arguments are wrong: nothing was sent.
    pub(crate) fn arguments(message: impl Into<String>) -> Self {
        Self::new("arguments", message)
    }

    /// `error` from mj, its text scrubbed by `redact` (every server's key), with the
    /// rule of a pacing refusal and the task of a failed one.
    pub(crate) fn from_mj(error: &Error, redact: impl Fn(&str) -> String, task: impl Fn(&Task) -> Value) -> Self {
        let message = redact(&error.to_string());
        match error {
            Error::Paced(held) => Self { rule: Some(rule_name(&held.rule)), ..Self::new("refused_by_rule", message) },
            Error::TaskFailed(failed) => Self { task: Some(task(failed)), ..Self::new("task_failed", message) },
            Error::OutcomeUnknown { .. } => Self::new(
                "outcome_unknown",
                format!(
                    "{message} (nothing else is sent: call again with the same request_id to learn what became of it)"
                ),
            ),
            _ => Self::new(kind_name(error.kind()), message),
        }
    }

    /// The error as the agent reads it.
    pub(crate) fn to_json(&self) -> Value {
        let mut value = json!({"error": self.kind, "message": self.message});
        if let Some(rule) = self.rule {
            value["rule"] = rule.into();
        }
        if let Some(task) = &self.task {
            value["task"] = task.clone();
        }
        value
    }
}

/// The pacing rule's name as a word.
fn rule_name(rule: &mj_proto::pacing::Rule) -> &'static str {
    use mj_proto::pacing::Rule;
    match rule {
        Rule::MinInterval => "min_interval",
        Rule::DailyTasks { .. } => "daily_tasks",
        Rule::DailyImages { .. } => "daily_images",
        Rule::Hours => "hours",
        Rule::Cooldown => "cooldown",
        Rule::DailyBudget { .. } => "daily_budget",
        Rule::RunBudget { .. } => "run_budget",
        _ => "pacing",
    }
}

/// mj's error kind as a word: `Unauthorized` is `unauthorized`, `WaitTimeout` is
/// `wait_timeout`.
fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Config | ErrorKind::Usage => "usage",
        ErrorKind::Build => "request",
        ErrorKind::Connect => "connect",
        ErrorKind::Timeout | ErrorKind::WaitTimeout => "timeout",
        ErrorKind::Unauthorized => "unauthorized",
        ErrorKind::RateLimited => "rate_limited",
        ErrorKind::Quota => "quota",
        ErrorKind::NotConfigured => "not_configured",
        ErrorKind::Rejected => "rejected",
        ErrorKind::TaskNotFound => "task_not_found",
        ErrorKind::NeedsInput => "needs_input",
        ErrorKind::Decode | ErrorKind::Unexpected | ErrorKind::WrongBaseUrl => "bad_answer",
        _ => "server",
    }
}

/// A task as the agent reads it: its handle (what `task`, `wait` and `action` take), its
/// status and progress, what it made (image and video URLs, a describe's prompts), its
/// buttons, why it failed, and the files saved.
pub(crate) fn task_json(task: &Task, files: &[String]) -> Value {
    let mut value = json!({
        "task": task.handle().to_string(),
        "status": task.status.to_string(),
    });
    let mut put = |key: &str, v: Value| {
        if !(v.is_null() || v.as_array().is_some_and(Vec::is_empty)) {
            value[key] = v;
        }
    };
    put("action", task.action.as_ref().map(|a| a.to_string()).into());
    put("progress", task.progress.clone().into());
    put("prompt", task.prompt.clone().into());
    put("images", task.result_image_urls().into());
    put("videos", task.result_video_urls().into());
    if task.produces_text() {
        put("prompts", task.result_prompts().into());
    }
    put("buttons", task.buttons.iter().map(mj_proto::Button::display_name).collect::<Vec<_>>().into());
    put("failReason", task.fail_reason.clone().into());
    put("files", files.into());
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finished_grid_names_its_handle_images_and_buttons() {
        let task = mj_proto::webhook::parse(
            br#"{"id":"17","status":"SUCCESS","action":"IMAGINE","progress":"100%","prompt":"a fox",
                "imageUrl":"https://cdn.example.com/17.png","buttons":[{"customId":"MJ::JOB::upsample::1::x","label":"U1"}]}"#,
        )
        .expect("task");
        let value = task_json(&task, &["/out/17.png".to_owned()]);
        assert_eq!(value["task"], "17");
        assert_eq!(value["status"], "SUCCESS");
        assert_eq!(value["images"][0], "https://cdn.example.com/17.png");
        assert_eq!(value["buttons"][0], "U1");
        assert_eq!(value["files"][0], "/out/17.png");
        assert!(value.get("failReason").is_none(), "empty members are left out: {value}");
    }

    #[test]
    fn a_pacing_refusal_names_its_rule() {
        let held = mj_proto::pacing::Tally::default().held(
            mj_proto::pacing::Rule::RunBudget { budget: mj_proto::pacing::Money::from_units(0.01).expect("money") },
            None,
            mj_proto::pacing::Wall::new(0, 0),
        );
        let error = ToolError::from_mj(&Error::Paced(Box::new(held)), str::to_owned, |_| Value::Null).to_json();
        assert_eq!(error["error"], "refused_by_rule");
        assert_eq!(error["rule"], "run_budget");
        assert!(error["message"].as_str().is_some_and(|m| m.contains("budget of 0.01")), "{error}");
    }
}
