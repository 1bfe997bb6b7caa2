//! `POST /mj/submit/blend`: two to five images mixed into one grid.

use serde::Serialize;

use super::submit::{SubmitOptions, submit_endpoint};
use crate::error::BuildError;
use crate::model::BlendDimensions;
use crate::profile::ServerProfile;
use crate::validate;

/// `/blend` of 2-5 images (spec §5.6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Blend {
    /// The images, as data URLs (or http(s) URLs on trueai).
    pub base64_array: Vec<String>,
    /// The result's aspect; always sent, since novicezk refuses a missing one.
    pub dimensions: BlendDimensions,
    /// The fields every submit takes (`state`, `notifyHook`, `botType`, `accountFilter`).
    #[serde(flatten)]
    pub options: SubmitOptions,
}

impl Blend {
    /// A square blend of `images`.
    pub fn new<I: Into<String>>(images: impl IntoIterator<Item = I>) -> Self {
        Self {
            base64_array: images.into_iter().map(Into::into).collect(),
            dimensions: BlendDimensions::default(),
            options: SubmitOptions::default(),
        }
    }

    /// Sets the aspect.
    pub fn dimensions(mut self, dimensions: BlendDimensions) -> Self {
        self.dimensions = dimensions;
        self
    }

    fn check(&self, profile: Option<ServerProfile>) -> Result<(), BuildError> {
        validate::images(profile, "base64Array", &self.base64_array, 2, 5)
    }
}

submit_endpoint!(Blend, crate::EndpointName::BLEND, "/submit/blend");
