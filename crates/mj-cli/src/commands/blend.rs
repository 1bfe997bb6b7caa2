//! `mj blend IMAGE...`: blend two to five images.

use mj_proto::prelude::*;

use super::finish::{check_finish, complete, hooked, image_ref};
use crate::cli::{BlendArgs, DimensionsArg};
use crate::exit::Failure;
use crate::session::Session;

/// Runs `mj blend`.
pub(crate) fn run(s: &Session, args: BlendArgs) -> Result<u8, Failure> {
    let BlendArgs { images, dimensions, finish, hook } = args;
    check_finish(&finish)?;
    let images = images.iter().map(|i| image_ref(i)).collect::<Result<Vec<_>, _>>()?;
    let dimensions = match dimensions {
        DimensionsArg::Portrait => BlendDimensions::Portrait,
        DimensionsArg::Square => BlendDimensions::Square,
        DimensionsArg::Landscape => BlendDimensions::Landscape,
    };
    complete(s, s.client().submit(hooked(Blend::new(images).dimensions(dimensions), &hook))?, &finish)
}
