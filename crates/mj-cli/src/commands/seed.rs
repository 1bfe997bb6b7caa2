//! `mj seed TASK`: the seed of a finished task.

use serde_json::json;

use crate::cli::SeedArgs;
use crate::exit::{self, Failure};
use crate::output;
use crate::session::Session;

/// Runs `mj seed`.
pub(crate) fn run(s: &Session, args: SeedArgs) -> Result<u8, Failure> {
    let SeedArgs { task_id } = args;
    let at = s.locate(&task_id)?;
    let seed = s.client().image_seed(&at)?;
    if s.json {
        output::result(json!({"taskId": at.id, "server": at.server, "seed": seed}));
    } else {
        println!("{seed}");
    }
    Ok(exit::OK)
}
