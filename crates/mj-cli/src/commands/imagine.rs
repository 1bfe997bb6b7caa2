//! `mj imagine PROMPT`: a 2x2 grid from a prompt (and reference images).

use mj_proto::prelude::*;

use super::finish::{check_finish, complete, hooked, image_ref};
use crate::cli::ImagineArgs;
use crate::exit::Failure;
use crate::session::Session;

/// Runs `mj imagine`.
pub(crate) fn run(s: &Session, args: ImagineArgs) -> Result<u8, Failure> {
    let ImagineArgs { prompt, images, finish, hook } = args;
    check_finish(&finish)?;
    let mut imagine = Imagine::new(prompt);
    for image in images {
        imagine = imagine.image(image_ref(&image)?);
    }
    complete(s, s.client().submit(hooked(imagine, &hook))?, &finish)
}
