//! `POST /mj/submit/describe`: four prompts for an image.

use serde::Serialize;

use super::submit::{SubmitOptions, submit_endpoint};
use crate::error::BuildError;
use crate::profile::ServerProfile;
use crate::validate;

/// `/describe` (spec §5.5). The prompts land in the task's `properties.finalPrompt`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Describe {
    /// The image as a data URL (every server).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base64: Option<String>,
    /// The image as an http(s) URL (trueai).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// Translate the result (trueai, e.g. `zh`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// The fields every submit takes (`state`, `notifyHook`, `botType`, `accountFilter`).
    #[serde(flatten)]
    pub options: SubmitOptions,
}

impl Describe {
    /// Describes an image given as a data URL (see [`crate::data_url::encode`]) or, for
    /// servers that take links, an http(s) URL.
    pub fn new(image: impl Into<String>) -> Self {
        let image = image.into();
        let is_link = image.starts_with("http://") || image.starts_with("https://");
        let (base64, link) = if is_link { (None, Some(image)) } else { (Some(image), None) };
        Self { base64, link, language: None, options: SubmitOptions::default() }
    }

    fn check(&self, profile: Option<ServerProfile>) -> Result<(), BuildError> {
        match (&self.base64, &self.link) {
            (Some(data), _) => validate::image(profile, "base64", 0, data),
            (None, Some(link)) => validate::url("link", link),
            (None, None) => Err(BuildError::Empty { field: "base64" }),
        }
    }
}

submit_endpoint!(Describe, crate::EndpointName::DESCRIBE, "/submit/describe");
