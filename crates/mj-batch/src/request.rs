//! What a job sends: the request built (an imagine, or the upscale of its grid), the
//! token it is sent with, and how long ago it was sent (for the resume of a lost answer).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mj_proto::endpoint::{Imagine, Press};
use mj_proto::{Config, Error, Task};

use crate::journal::{Job, JobKey};

/// What a job sends.
#[derive(Clone)]
pub(crate) enum Request {
    Imagine(Imagine),
    /// An upscale: the grid's button, or novicezk's change.
    Press(Press),
}

/// The imagine of grid job `job`, checked against `config` here (empty, too long, a bad
/// image) rather than refused by the server.
pub(crate) fn imagine(config: &Config, job: &Job) -> Result<Request, Error> {
    let mut imagine = Imagine::new(job.prompt.clone());
    for image in &job.images {
        imagine = imagine.image(image.clone());
    }
    config.build(&imagine)?;
    Ok(Request::Imagine(imagine))
}

/// The upscale U`step` of `grid` (task `grid_id`), as `client.press` sends it: its button,
/// or on a server whose tasks carry no buttons, `/submit/change`.
pub(crate) fn upscale(grid: &Task, grid_id: &str, step: u8) -> Result<Request, Error> {
    if grid.id != grid_id {
        return Err(Error::Build(mj_proto::BuildError::Http(format!(
            "asked for grid {grid_id}, the server answered with another task"
        ))));
    }
    Ok(Request::Press(grid.upscale(step)?))
}

/// How long ago job `job`'s submit was sent, for the resume of its lost answer.
pub(crate) fn lost_for(job: &Job) -> Duration {
    Duration::from_millis(now_ms().saturating_sub(job.sent_at_ms.unwrap_or_else(now_ms)))
}

/// A correlation token unique to this job and send.
pub(crate) fn new_token(key: JobKey) -> String {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("mjb-{}-{}-{:x}{:x}", key.item, key.step, std::process::id(), nanos & 0xffff_ffff_ffff)
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}
