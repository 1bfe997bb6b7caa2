//! `POST /mj/submit/imagine`: a new grid from a prompt and optional reference images.

use serde::Serialize;

use super::submit::{SubmitOptions, submit_endpoint};
use crate::error::BuildError;
use crate::profile::ServerProfile;
use crate::validate;

/// `/imagine`: a 2x2 grid from `prompt` (spec §5.2).
///
/// ```
/// use mj_proto::prelude::*;
///
/// let imagine = Imagine::new("a red fox in the snow --ar 3:2")
///     .image("https://example.com/reference.png")
///     .state("order-17");
/// let request = Config::new("http://127.0.0.1:8080")?.build(&imagine)?;
/// assert_eq!(request.uri().path(), "/mj/submit/imagine");
/// # Ok::<(), mj_proto::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Imagine {
    /// The prompt, with any `--` parameters.
    pub prompt: String,
    /// Reference images: data URLs or http(s) URLs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub base64_array: Vec<String>,
    /// The fields every submit takes (`state`, `notifyHook`, `botType`, `accountFilter`).
    #[serde(flatten)]
    pub options: SubmitOptions,
}

impl Imagine {
    /// An imagine of `prompt`.
    pub fn new(prompt: impl Into<String>) -> Self {
        Self { prompt: prompt.into(), base64_array: Vec::new(), options: SubmitOptions::default() }
    }

    /// Adds a reference image (a data URL, see [`crate::data_url::encode`], or a URL).
    pub fn image(mut self, image: impl Into<String>) -> Self {
        self.base64_array.push(image.into());
        self
    }

    fn check(&self, profile: Option<ServerProfile>) -> Result<(), BuildError> {
        validate::non_empty("prompt", &self.prompt)?;
        validate::images(profile, "base64Array", &self.base64_array, 0, usize::MAX)
    }
}

submit_endpoint!(Imagine, crate::EndpointName::IMAGINE, "/submit/imagine");
