//! `POST /mj/submit/action`: press a button of a finished task.

use serde::Serialize;

use super::submit::{SubmitOptions, submit_endpoint};
use crate::error::BuildError;
use crate::model::{Button, ButtonKind, Task};
use crate::profile::ServerProfile;
use crate::validate;

/// Presses the button `custom_id` of task `task_id` (spec §5.8). Get one ready-made from
/// [`Task::upscale`](crate::Task::upscale), [`Task::press`](crate::Task::press) and friends.
///
/// Custom Zoom, Vary (Region) and PicReader buttons answer code 21: the new task waits in
/// MODAL for a [`Modal`](super::Modal).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Action {
    /// The task whose button is pressed.
    pub task_id: String,
    /// The button's `customId`.
    pub custom_id: String,
    /// Run on the channel of the parent task (PLUS).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub choose_same_channel: Option<bool>,
    /// Open the remix window instead of running at once (trueai `enableRemix`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enable_remix: Option<bool>,
    /// Vary (Strong) rather than Subtle for remixed variations (trueai `strong`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strong: Option<bool>,
    /// The shared optional fields.
    #[serde(flatten)]
    pub options: SubmitOptions,
}

impl Action {
    /// Presses `custom_id` on `task_id`.
    pub fn new(task_id: impl Into<String>, custom_id: impl Into<String>) -> Self {
        Self {
            task_id: task_id.into(),
            custom_id: custom_id.into(),
            choose_same_channel: None,
            enable_remix: None,
            strong: None,
            options: SubmitOptions::default(),
        }
    }

    /// Asks PLUS to run the action on the parent's channel.
    pub fn same_channel(mut self, yes: bool) -> Self {
        self.choose_same_channel = Some(yes);
        self
    }

    /// Asks trueai to open the remix window (`enableRemix`).
    pub fn remix(mut self, yes: bool) -> Self {
        self.enable_remix = Some(yes);
        self
    }

    /// Asks trueai for the strong variant (`strong`).
    pub fn strong(mut self, yes: bool) -> Self {
        self.strong = Some(yes);
        self
    }

    fn check(&self, _profile: Option<ServerProfile>) -> Result<(), BuildError> {
        validate::non_empty("taskId", &self.task_id)?;
        validate::non_empty("customId", &self.custom_id)
    }
}

submit_endpoint!(Action, "action", "/submit/action");

/// The requests that press a task's buttons: built here, beside the endpoint they use, so
/// that the model stays below the endpoints.
impl Task {
    /// The request that presses `button` on this task.
    pub fn press(&self, button: &Button) -> Action {
        Action::new(self.id.clone(), button.custom_id.clone())
    }

    /// The request that presses the first button of `kind`, if the task has one.
    pub fn action(&self, kind: &ButtonKind) -> Option<Action> {
        self.button(kind).map(|b| self.press(b))
    }

    /// U`n`: upscale image `n` (1-4) of the grid.
    pub fn upscale(&self, n: u8) -> Option<Action> {
        self.action(&ButtonKind::Upscale(n))
    }

    /// V`n`: variations of image `n` (1-4) of the grid.
    pub fn variation(&self, n: u8) -> Option<Action> {
        self.action(&ButtonKind::Variation(n))
    }

    /// 🔄: run the prompt again.
    pub fn reroll(&self) -> Option<Action> {
        self.action(&ButtonKind::Reroll)
    }
}
