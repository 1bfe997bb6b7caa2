//! `mj action TASK BUTTON`: press a button of a finished task, through the SDK's [`Press`].

use mj_proto::endpoint::Press;

use super::finish::{check_finish, complete, hooked};
use crate::cli::ActionArgs;
use crate::exit::Failure;
use crate::session::Session;

/// Runs `mj action`.
pub(crate) fn run(s: &Session, args: ActionArgs) -> Result<u8, Failure> {
    let ActionArgs { task_id, button, finish, hook } = args;
    check_finish(&finish)?;
    // The button is pressed on the server that has the task.
    let at = s.locate(&task_id)?;
    let owner = s.owner(&at);
    let task = owner.fetch(&at)?.ok_or_else(|| {
        Failure::refused(format!("the server does not know task {}", crate::terminal::clean(&task_id)))
    })?;
    // A label, emoji or customId on the task; or U1-U4, V1-V4 or reroll, which a server
    // without buttons takes through `/submit/change`.
    let press = Press::named(&task, &button, owner.config().profile()).map_err(|e| match e {
        mj_proto::Error::Build(mj_proto::BuildError::NoSuchButton { available, .. }) => Failure::usage(format!(
            "task {} has no button `{}`; it has: {available}",
            crate::terminal::clean(&task.id),
            crate::terminal::clean(&button)
        )),
        e => e.into(),
    })?;
    let submitted = owner.submit(hooked(press, &hook))?;
    complete(s, submitted, &finish)
}
