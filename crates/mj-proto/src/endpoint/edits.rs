//! `POST /mj/submit/edits`: edit an image with a prompt (trueai, new-api).

use serde::Serialize;

use super::submit::{SubmitOptions, submit_endpoint};
use crate::error::BuildError;
use crate::validate;

/// `/edits` (spec §5.11).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Edits {
    /// What to change.
    pub prompt: String,
    /// The image: a data URL or an http(s) URL.
    pub image: String,
    /// The shared optional fields.
    #[serde(flatten)]
    pub options: SubmitOptions,
}

impl Edits {
    /// Edits `image` as `prompt` says.
    pub fn new(prompt: impl Into<String>, image: impl Into<String>) -> Self {
        Self { prompt: prompt.into(), image: image.into(), options: SubmitOptions::default() }
    }

    fn check(&self) -> Result<(), BuildError> {
        validate::non_empty("prompt", &self.prompt)?;
        validate::image("image", 0, &self.image)
    }
}

submit_endpoint!(Edits, "edits", "/submit/edits");
