//! `GET /mj/task/{id}/image-seed`: the Midjourney seed of a finished task.

use http::Method;

use super::{Endpoint, shapes};
use crate::config::Config;
use crate::error::Error;
use crate::validate;
use crate::wire::{self, HttpRequest, HttpResponse};

/// Looks up the seed (spec §5.18); the answer's `result` is the seed as text.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ImageSeed {
    /// The finished task whose seed is asked for.
    pub id: String,
}

impl ImageSeed {
    /// The seed of task `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

impl Endpoint for ImageSeed {
    type Output = String;

    fn name(&self) -> crate::EndpointName {
        crate::EndpointName::IMAGE_SEED
    }
    fn is_idempotent(&self) -> bool {
        true
    }
    fn build(&self, config: &Config, _: crate::endpoint::Door) -> Result<HttpRequest, Error> {
        validate::non_empty("id", &self.id)?;
        let path = format!("/task/{}/image-seed", wire::segment(&self.id));
        config.request::<()>(Method::GET, &path, None)
    }
    fn parse(&self, response: HttpResponse, _: crate::endpoint::Door) -> Result<String, Error> {
        shapes::result_text(response)
    }
}
