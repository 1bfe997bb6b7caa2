//! `POST /mj/submit/edits` and `/mj/submit/retexture`: change an image with a prompt
//! (trueai; edits also on new-api).

use serde::Serialize;

use super::submit::{SubmitOptions, submit_endpoint};
use crate::error::BuildError;
use crate::profile::ServerProfile;
use crate::validate;

/// `/edits` or `/retexture` (spec §5.11): both take the same body (trueai's
/// `SubmitEditsDTO`); an edit repaints what the prompt names, a retexture keeps the
/// shapes and redraws the surfaces.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Edits {
    /// What to change.
    pub prompt: String,
    /// The image: a data URL or an http(s) URL (bare base64 too on trueai).
    pub image: String,
    /// The fields every submit takes (`state`, `notifyHook`, `botType`, `accountFilter`).
    #[serde(flatten)]
    pub options: SubmitOptions,
    /// Sent to `/submit/retexture` instead of `/submit/edits`.
    #[serde(skip)]
    retexture: bool,
}

impl Edits {
    /// Edits `image` as `prompt` says (`/submit/edits`, action `EDIT`).
    pub fn new(prompt: impl Into<String>, image: impl Into<String>) -> Self {
        Self { prompt: prompt.into(), image: image.into(), options: SubmitOptions::default(), retexture: false }
    }

    /// Retextures `image` as `prompt` says (`/submit/retexture`, action `RETEXTURE`).
    pub fn retexture(prompt: impl Into<String>, image: impl Into<String>) -> Self {
        Self { retexture: true, ..Self::new(prompt, image) }
    }

    /// True for a retexture.
    pub fn is_retexture(&self) -> bool {
        self.retexture
    }

    /// The endpoint's name and path.
    fn route(&self) -> (crate::EndpointName, &'static str) {
        use crate::EndpointName as N;
        if self.retexture { (N::RETEXTURE, "/submit/retexture") } else { (N::EDITS, "/submit/edits") }
    }

    fn check(&self, profile: Option<ServerProfile>) -> Result<(), BuildError> {
        validate::non_empty("prompt", &self.prompt)?;
        validate::image(profile, "image", 0, &self.image)
    }
}

submit_endpoint!(Edits, |e| e.route().0, |e| e.route().1);
