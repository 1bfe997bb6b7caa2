//! `mj video PROMPT`: a video from an image, or a video extended.

use mj_proto::model::VideoMotion;
use mj_proto::prelude::*;

use super::finish::{complete, hooked, image_ref};
use crate::cli::{Finish, MotionArg, VideoArgs};
use crate::exit::Failure;
use crate::session::Session;

/// Runs `mj video`.
pub(crate) fn run(s: &Session, args: VideoArgs) -> Result<u8, Failure> {
    let VideoArgs { prompt, image, extend, index, motion, wait, hook } = args;
    let video = match (image, extend) {
        (_, Some(task)) => Video::extend(prompt, task, index),
        (Some(image), None) => Video::new(prompt, image_ref(&image)?),
        (None, None) => return Err(Failure::usage("give --image FILE|URL or --extend TASK_ID")),
    };
    let motion = if motion == MotionArg::High { VideoMotion::High } else { VideoMotion::Low };
    complete(s, s.client().submit(hooked(video.motion(motion), &hook))?, &Finish { wait, out: None, split: false })
}
