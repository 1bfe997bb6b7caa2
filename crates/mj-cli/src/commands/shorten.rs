//! `mj shorten PROMPT`: shorter versions of a prompt.

use mj_proto::prelude::*;

use super::finish::{complete, hooked};
use crate::cli::{Finish, ShortenArgs};
use crate::exit::Failure;
use crate::session::Session;

/// Runs `mj shorten`.
pub(crate) fn run(s: &Session, args: ShortenArgs) -> Result<u8, Failure> {
    let ShortenArgs { prompt, wait, hook } = args;
    complete(s, s.client().submit(hooked(Shorten::new(prompt), &hook))?, &Finish { wait, out: None, split: false })
}
