//! `mj cancel TASK`: cancel a queued or running task.

use serde_json::json;

use crate::cli::CancelArgs;
use crate::exit::{self, Failure};
use crate::output;
use crate::session::Session;

/// Runs `mj cancel`.
pub(crate) fn run(s: &Session, args: CancelArgs) -> Result<u8, Failure> {
    let CancelArgs { task_id } = args;
    let at = s.locate(&task_id)?;
    s.client().cancel(&at)?;
    if s.json {
        output::result(json!({"taskId": at.id, "server": at.server, "cancelled": true}));
    } else {
        println!("cancelled task {task_id}");
    }
    Ok(exit::OK)
}
