//! What `--json` prints on stdout: one object per line, each with a `type`: `progress`
//! (a task changed), `result` (exactly one per command, last but for an error) and
//! `error` (why the command failed, with its exit code). Human output lives in `render`.

use serde::Serialize;
use serde_json::{Map, Value, json};

/// A progress line: `{"type":"progress","task":{…}}`.
pub(crate) fn progress<T: Serialize>(task: &T) -> String {
    json!({"type": "progress", "task": task}).to_string()
}

/// A batch's progress line: `{"type":"progress","batch":{…counts}}`.
pub(crate) fn batch_progress(counts: Value) -> String {
    json!({"type": "progress", "batch": counts}).to_string()
}

/// Prints the command's result: `{"type":"result", …fields}`.
pub(crate) fn result(fields: Value) {
    let mut line = Map::new();
    line.insert("type".into(), json!("result"));
    if let Value::Object(fields) = fields {
        line.extend(fields);
    }
    println!("{}", Value::Object(line));
}

/// The error line: `{"type":"error","exit":3,"message":"…"}`.
pub(crate) fn error(exit: u8, message: &str) -> String {
    json!({"type": "error", "exit": exit, "message": message}).to_string()
}
