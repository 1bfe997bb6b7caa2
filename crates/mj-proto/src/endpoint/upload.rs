//! `POST /mj/submit/upload-discord-images`: host images on Discord's CDN.

use http::Method;
use serde::Serialize;

use super::{Endpoint, shapes};
use crate::config::Config;
use crate::error::Error;
use crate::model::AccountFilter;
use crate::validate;
use crate::wire::{HttpRequest, HttpResponse};

/// Uploads images and answers their CDN URLs (spec §5.12). Creates no task.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct UploadDiscordImages {
    /// The images, as data URLs.
    pub base64_array: Vec<String>,
    /// Which account uploads (trueai).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_filter: Option<AccountFilter>,
}

impl UploadDiscordImages {
    /// Uploads `images`.
    pub fn new<I: Into<String>>(images: impl IntoIterator<Item = I>) -> Self {
        Self { base64_array: images.into_iter().map(Into::into).collect(), account_filter: None }
    }
}

impl Endpoint for UploadDiscordImages {
    type Output = Vec<String>;

    fn name(&self) -> crate::EndpointName {
        crate::EndpointName::UPLOAD_DISCORD_IMAGES
    }
    fn is_idempotent(&self) -> bool {
        false
    }
    fn build(&self, config: &Config, _: crate::endpoint::Door) -> Result<HttpRequest, Error> {
        validate::images(config.profile(), "base64Array", &self.base64_array, 1, usize::MAX)?;
        config.request(Method::POST, "/submit/upload-discord-images", Some(self))
    }
    fn parse(&self, response: HttpResponse, _: crate::endpoint::Door) -> Result<Vec<String>, Error> {
        shapes::result_urls(response)
    }
}
