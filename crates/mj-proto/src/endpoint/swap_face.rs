//! `POST /mj/insight-face/swap`: put the face of one image onto another.

use serde::Serialize;

use super::submit::{SubmitOptions, submit_endpoint};
use crate::error::BuildError;
use crate::profile::ServerProfile;
use crate::validate;

/// InsightFace swap (spec §5.13). Data URLs go in `*Base64` (what new-api requires),
/// http(s) URLs in `*Url` (trueai).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SwapFace {
    /// The face, as a data URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_base64: Option<String>,
    /// The face, as a URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// The image that receives it, as a data URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_base64: Option<String>,
    /// The image that receives it, as a URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_url: Option<String>,
    /// The fields every submit takes (`state`, `notifyHook`, `botType`, `accountFilter`).
    #[serde(flatten)]
    pub options: SubmitOptions,
}

impl SwapFace {
    /// Swaps the face of `source` onto `target` (each a data URL or an http(s) URL).
    pub fn new(source: impl Into<String>, target: impl Into<String>) -> Self {
        let (source_base64, source_url) = split(source.into());
        let (target_base64, target_url) = split(target.into());
        Self { source_base64, source_url, target_base64, target_url, options: SubmitOptions::default() }
    }

    fn check(&self, profile: Option<ServerProfile>) -> Result<(), BuildError> {
        let gateway = matches!(profile, Some(ServerProfile::Gateway | ServerProfile::Reseller));
        for (field, data, url) in [
            ("sourceBase64", &self.source_base64, &self.source_url),
            ("targetBase64", &self.target_base64, &self.target_url),
        ] {
            match (data, url) {
                (Some(data), _) => validate::image(profile, field, 0, data)?,
                // new-api requires both images as base64 (sour_base64_and_target_base64_is_required).
                (None, Some(_)) if gateway => {
                    let reason = "new-api and one-hub take both faces as data URLs only";
                    return Err(BuildError::Image { field, index: 0, reason });
                }
                (None, Some(url)) => validate::url(field, url)?,
                (None, None) => return Err(BuildError::Empty { field }),
            }
        }
        Ok(())
    }
}

fn split(image: String) -> (Option<String>, Option<String>) {
    if image.starts_with("http://") || image.starts_with("https://") {
        (None, Some(image))
    } else {
        (Some(image), None)
    }
}

submit_endpoint!(SwapFace, crate::EndpointName::SWAP_FACE, "/insight-face/swap");
