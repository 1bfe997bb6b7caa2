//! The tools an agent sees: names, one-line descriptions, argument schemas and hints.
//!
//! An agent pays for this list on every turn, so each description is a sentence and each
//! schema names only what the tool takes. The arguments are checked again when a call
//! comes (`arguments.rs`): a schema is a hint to the agent, not a guard.

use serde_json::{Value, json};

/// A tool as listed: what the handler turns into the protocol's tool type.
#[derive(Debug)]
pub(crate) struct ToolSpec {
    /// The tool's name, as the agent calls it.
    pub name: &'static str,
    /// One sentence an agent reads to choose it.
    pub description: &'static str,
    /// The JSON schema of its arguments.
    pub schema: Value,
    /// Whether it creates tasks the account pays for (refused in read-only mode).
    pub spends: bool,
    /// Whether it changes nothing anywhere (no task, no file): the protocol's read-only
    /// hint.
    pub read_only: bool,
}

/// The tools that create paid tasks: refused in read-only mode.
pub(crate) const SPENDING: [&str; 5] = ["imagine", "action", "describe", "blend", "video"];

/// The arguments every spending tool takes after its own.
fn spending(mut properties: Value, required: &[&str], images: bool) -> Value {
    if let Some(map) = properties.as_object_mut() {
        map.insert(
            "request_id".into(),
            json!({"type": "string", "description": "Reuse on retry: same task, never paid twice"}),
        );
        map.insert("wait".into(), json!({"type": "boolean", "description": "Wait for it (default true)"}));
        map.insert("timeout_s".into(), timeout());
        if images {
            map.insert("download".into(), download());
        }
    }
    json!({"type": "object", "properties": properties, "required": required})
}

fn timeout() -> Value {
    json!({"type": "integer", "minimum": 1, "description": "Most seconds to wait (default 50), then the task is returned running"})
}

fn download() -> Value {
    json!({"type": "boolean", "description": "Save the files (default true)"})
}

fn task() -> Value {
    json!({"type": "string", "description": "The task: SERVER:ID or ID"})
}

fn image() -> Value {
    json!({"type": "string", "description": "A URL, or a file in an allowed folder"})
}

/// Every tool, in the order they are listed.
pub(crate) fn tools() -> Vec<ToolSpec> {
    let spends = |name, description, schema| ToolSpec { name, description, schema, spends: true, read_only: false };
    vec![
        spends(
            "imagine",
            "Create a 2x2 image grid from a Midjourney prompt.",
            spending(json!({"prompt": {"type": "string"}}), &["prompt"], true),
        ),
        spends(
            "action",
            "Press a button of a finished task (U1-U4 upscale, V1-V4 vary, reroll, or a label, emoji or custom id).",
            spending(json!({"task": task(), "button": {"type": "string"}}), &["task", "button"], true),
        ),
        spends(
            "describe",
            "Write four prompts that describe an image.",
            spending(json!({"image": image()}), &["image"], false),
        ),
        spends(
            "blend",
            "Blend 2 to 5 images into one grid.",
            spending(
                json!({"images": {"type": "array", "items": image(), "minItems": 2, "maxItems": 5},
                       "dimensions": {"enum": ["portrait", "square", "landscape"]}}),
                &["images"],
                true,
            ),
        ),
        spends(
            "video",
            "Make a video from a prompt and a start image, or extend a video task.",
            spending(
                json!({"prompt": {"type": "string"}, "image": image(),
                       "extend": {"type": "string", "description": "A video task to extend: SERVER:ID or ID"},
                       "motion": {"enum": ["low", "high"]}}),
                &["prompt"],
                false,
            ),
        ),
        ToolSpec {
            name: "task",
            description: "Fetch a task's status, progress, images and buttons.",
            schema: json!({"type": "object", "properties": {"task": task()}, "required": ["task"]}),
            spends: false,
            read_only: true,
        },
        ToolSpec {
            name: "wait",
            description: "Wait for a task to finish, with progress; saves its images.",
            schema: json!({"type": "object", "properties": {"task": task(), "timeout_s": timeout(), "download": download()}, "required": ["task"]}),
            spends: false,
            read_only: false,
        },
        ToolSpec {
            name: "tasks",
            description: "List recent tasks, newest first.",
            schema: json!({"type": "object", "properties": {
                "limit": {"type": "integer", "minimum": 1, "maximum": 50, "description": "How many (default 10)"},
                "status": {"enum": ["NOT_START", "SUBMITTED", "IN_PROGRESS", "MODAL", "SUCCESS", "FAILURE", "CANCEL"]}}}),
            spends: false,
            read_only: true,
        },
        ToolSpec {
            name: "download",
            description: "Save a finished task's images or video under the output folder.",
            schema: json!({"type": "object", "properties": {"task": task()}, "required": ["task"]}),
            spends: false,
            read_only: false,
        },
        ToolSpec {
            name: "servers",
            description: "Each server's health and load, today's task counts, spend and what is left of the budget.",
            schema: json!({"type": "object", "properties": {}}),
            spends: false,
            read_only: true,
        },
    ]
}

/// The properties a tool's schema names: the only arguments it takes.
pub(crate) fn accepted(schema: &Value) -> Vec<&str> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .map(|p| p.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spending_tool_is_listed_as_spending_and_no_other() {
        for tool in tools() {
            assert_eq!(tool.spends, SPENDING.contains(&tool.name), "{}", tool.name);
            assert!(!(tool.spends && tool.read_only), "{}", tool.name);
            if tool.spends {
                assert!(accepted(&tool.schema).contains(&"request_id"), "{} takes a request_id", tool.name);
            }
        }
    }
}
