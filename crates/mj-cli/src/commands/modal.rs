//! `mj modal TASK`: confirm a modal (Vary Region, Custom Zoom) with a prompt or a mask.

use mj_proto::prelude::*;

use super::finish::{check_finish, complete, file_data_url, hooked};
use crate::cli::ModalArgs;
use crate::exit::Failure;
use crate::session::Session;

/// Runs `mj modal`.
pub(crate) fn run(s: &Session, args: ModalArgs) -> Result<u8, Failure> {
    let ModalArgs { task_id, prompt, mask, finish, hook } = args;
    check_finish(&finish)?;
    // The modal is confirmed on the server whose task asks for it.
    let at = s.locate(&task_id)?;
    let owner = s.owner(&at);
    let mut modal = Modal::new(at.id);
    if let Some(prompt) = prompt {
        modal = modal.prompt(prompt);
    }
    if let Some(mask) = mask {
        modal = modal.mask(file_data_url(&mask)?);
    }
    let submitted = owner.submit(hooked(modal, &hook))?;
    complete(s, submitted, &finish)
}
