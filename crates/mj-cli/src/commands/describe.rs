//! `mj describe IMAGE`: four prompts for an image.

use mj_proto::prelude::*;

use super::finish::{complete, hooked, image_ref};
use crate::cli::{DescribeArgs, Finish};
use crate::exit::Failure;
use crate::session::Session;

/// Runs `mj describe`.
pub(crate) fn run(s: &Session, args: DescribeArgs) -> Result<u8, Failure> {
    let DescribeArgs { image, wait, hook } = args;
    complete(
        s,
        s.client().submit(hooked(Describe::new(image_ref(&image)?), &hook))?,
        &Finish { wait, out: None, split: false },
    )
}
