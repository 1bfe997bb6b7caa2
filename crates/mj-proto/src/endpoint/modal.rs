//! `POST /mj/submit/modal`: the input a MODAL task waits for.

use serde::Serialize;

use super::submit::{SubmitOptions, submit_endpoint};
use crate::error::BuildError;
use crate::profile::ServerProfile;
use crate::validate;

/// Completes a task in MODAL (spec §5.9): a prompt for Custom Zoom (with `--zoom 1..2`) or
/// remix, a mask for Vary (Region).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Modal {
    /// The task waiting in MODAL (the id from the code-21 answer).
    pub task_id: String,
    /// The prompt; servers fall back to the original one when it is left out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// The Vary (Region) mask as a data URL: black background, selected area white.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mask_base64: Option<String>,
    /// The fields every submit takes (`state`, `notifyHook`, `botType`, `accountFilter`).
    #[serde(flatten)]
    pub options: SubmitOptions,
}

impl Modal {
    /// Confirms the modal of `task_id` with the server's defaults.
    pub fn new(task_id: impl Into<String>) -> Self {
        Self { task_id: task_id.into(), prompt: None, mask_base64: None, options: SubmitOptions::default() }
    }

    /// Sets the prompt.
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    /// Sets the Vary (Region) mask (a data URL).
    pub fn mask(mut self, mask: impl Into<String>) -> Self {
        self.mask_base64 = Some(mask.into());
        self
    }

    fn check(&self, profile: Option<ServerProfile>) -> Result<(), BuildError> {
        validate::non_empty("taskId", &self.task_id)?;
        match &self.mask_base64 {
            Some(mask) => validate::image(profile, "maskBase64", 0, mask),
            None => Ok(()),
        }
    }
}

submit_endpoint!(Modal, crate::EndpointName::MODAL, "/submit/modal", |modal| Some(modal.task_id.as_str()));
