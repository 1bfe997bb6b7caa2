//! `POST /mj/submit/change` and `/simple-change`: the pre-button way to upscale, vary or
//! reroll (novicezk and gateways; PLUS and trueai use [`Action`](super::Action)).

use serde::Serialize;

use super::submit::{SubmitOptions, submit_endpoint};
use crate::error::BuildError;
use crate::profile::ServerProfile;
use crate::validate;

/// What a change does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ChangeAction {
    /// U1-U4.
    Upscale,
    /// V1-V4.
    Variation,
    /// 🔄.
    Reroll,
}

/// `/submit/change` (spec §5.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Change {
    /// The grid task whose image is upscaled or varied.
    pub task_id: String,
    /// What to do.
    pub action: ChangeAction,
    /// Which image, 1-4. Rerolls send 1: new-api refuses a missing index even there, and
    /// novicezk ignores it.
    pub index: u8,
    /// The fields every submit takes (`state`, `notifyHook`, `botType`, `accountFilter`).
    #[serde(flatten)]
    pub options: SubmitOptions,
}

impl Change {
    /// U`index` of `task_id`.
    pub fn upscale(task_id: impl Into<String>, index: u8) -> Self {
        Self::new(task_id, ChangeAction::Upscale, index)
    }

    /// V`index` of `task_id`.
    pub fn variation(task_id: impl Into<String>, index: u8) -> Self {
        Self::new(task_id, ChangeAction::Variation, index)
    }

    /// Reroll of `task_id`.
    pub fn reroll(task_id: impl Into<String>) -> Self {
        Self::new(task_id, ChangeAction::Reroll, 1)
    }

    fn new(task_id: impl Into<String>, action: ChangeAction, index: u8) -> Self {
        Self { task_id: task_id.into(), action, index, options: SubmitOptions::default() }
    }

    fn check(&self, _profile: Option<ServerProfile>) -> Result<(), BuildError> {
        validate::non_empty("taskId", &self.task_id)?;
        validate::range("index", i64::from(self.index), 1, 4)
    }
}

submit_endpoint!(Change, |_change| crate::EndpointName::CHANGE, |_change| "/submit/change", |_change| None, |change| {
    if change.action == ChangeAction::Upscale { 1 } else { 4 }
});

/// `/submit/simple-change`: the same as [`Change`] written as `"<taskId> U1"` (spec §5.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SimpleChange {
    /// `"<taskId> <U1..U4|V1..V4|R>"`.
    pub content: String,
    /// The fields every submit takes (`state`, `notifyHook`, `botType`, `accountFilter`).
    #[serde(flatten)]
    pub options: SubmitOptions,
}

impl SimpleChange {
    /// The content for `action` (and `index`, for U/V) on `task_id`.
    pub fn new(task_id: &str, action: ChangeAction, index: u8) -> Self {
        let content = match action {
            ChangeAction::Upscale => format!("{task_id} U{index}"),
            ChangeAction::Variation => format!("{task_id} V{index}"),
            ChangeAction::Reroll => format!("{task_id} R"),
        };
        Self { content, options: SubmitOptions::default() }
    }

    fn check(&self, _profile: Option<ServerProfile>) -> Result<(), BuildError> {
        let mut parts = self.content.split(' ');
        let (Some(id), Some(op), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(BuildError::Empty { field: "content" });
        };
        validate::non_empty("content", id)?;
        match op.as_bytes() {
            [b'R' | b'r'] => Ok(()),
            [b'U' | b'u' | b'V' | b'v', n] => validate::range("index", i64::from(*n) - i64::from(b'0'), 1, 4),
            _ => Err(BuildError::Empty { field: "content" }),
        }
    }
}

submit_endpoint!(
    SimpleChange,
    |_change| crate::EndpointName::SIMPLE_CHANGE,
    |_change| "/submit/simple-change",
    |_change| None,
    // `"<taskId> U2"`: an upscale makes one image.
    |change| if change.content.split_whitespace().nth(1).is_some_and(|b| b.starts_with(['U', 'u'])) { 1 } else { 4 }
);
