//! trueai's older webhooks sent enums as numbers (action, status, bot type, mode): the
//! flavor that imitates them rewrites a task's names into those numbers.

use serde_json::{Value, json};

/// trueai's enums in C# declaration order, as its webhooks wrote them before v5.8.16.
/// Written out here, not borrowed from mj-proto: the simulator plays the server, and a
/// shared table would let a wrong one pass the tests on both sides.
const ACTIONS: [&str; 15] = [
    "IMAGINE",
    "UPSCALE",
    "VARIATION",
    "REROLL",
    "DESCRIBE",
    "BLEND",
    "ACTION",
    "PAN",
    "OUTPAINT",
    "INPAINT",
    "ZOOM",
    "SHOW",
    "SHORTEN",
    "SWAP_FACE",
    "SWAP_VIDEO_FACE",
];
const STATUSES: [(&str, u64); 7] = [
    ("NOT_START", 0),
    ("SUBMITTED", 1),
    ("IN_PROGRESS", 3),
    ("FAILURE", 4),
    ("SUCCESS", 5),
    ("MODAL", 6),
    ("CANCEL", 7),
];
const BOT_TYPES: [&str; 3] = ["MID_JOURNEY", "NIJI_JOURNEY", "INSIGHT_FACE"];
const MODES: [&str; 3] = ["RELAX", "FAST", "TURBO"];

/// Rewrites a rendered task's enums as old trueai webhooks sent them: integers.
pub(super) fn enums_as_numbers(task: &mut Value) {
    let index = |names: &[&str], v: &Value| v.as_str().and_then(|s| names.iter().position(|n| *n == s));
    if let Some(n) = index(&ACTIONS, &task["action"]) {
        task["action"] = json!(n);
    }
    if let Some((_, n)) = STATUSES.iter().find(|(name, _)| task["status"].as_str() == Some(*name)) {
        task["status"] = json!(n);
    }
    for key in ["botType", "realBotType"] {
        if let Some(n) = index(&BOT_TYPES, &task[key]) {
            task[key] = json!(n);
        }
    }
    for key in ["mode", "requestMode"] {
        if let Some(n) = index(&MODES, &task[key]) {
            task[key] = json!(n);
        }
    }
}
