//! `mj action TASK BUTTON`: press a button of a finished task, through the SDK's [`Press`].

use mj_proto::endpoint::Press;
use mj_proto::prelude::*;

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
    let press = press(&task, &button, owner.config().profile())?;
    let submitted = owner.submit(hooked(press, &hook))?;
    complete(s, submitted, &finish)
}

/// `request` with `--notify-hook`, when given.
/// The request that presses `button` (a label, emoji or customId on the task; or U1-U4,
/// V1-V4 or reroll, which a server without buttons takes through `/submit/change`), built
/// by the SDK's [`Press`].
fn press(task: &Task, button: &str, profile: Option<ServerProfile>) -> Result<Press, Failure> {
    let named = match button.trim().to_ascii_lowercase().as_str() {
        "reroll" | "🔄" => Some(ButtonKind::Reroll),
        text => match (text.get(..1), text.get(1..).and_then(|n| n.parse::<u8>().ok())) {
            (Some("u"), Some(n @ 1..=4)) => Some(ButtonKind::Upscale(n)),
            (Some("v"), Some(n @ 1..=4)) => Some(ButtonKind::Variation(n)),
            _ => None,
        },
    };
    match (task.find_button(button), named) {
        (Some(found), _) if found.kind() == ButtonKind::Other => Ok(task.press_button(found)),
        (Some(found), _) => Ok(Press::new(task, &found.kind(), profile)?),
        (None, Some(kind)) => Ok(Press::new(task, &kind, profile)?),
        (None, None) => {
            let names: Vec<&str> = task.buttons.iter().map(mj_proto::Button::display_name).collect();
            let has = if names.is_empty() { "no buttons (is it finished?)".to_owned() } else { names.join("  ") };
            Err(Failure::usage(format!("task {} has no button `{button}`; it has: {has}", task.id)))
        }
    }
}
