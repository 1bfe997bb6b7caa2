//! `POST /mj/task/{id}/cancel` (PLUS, trueai).

use http::Method;

use super::{Endpoint, shapes};
use crate::config::Config;
use crate::error::Error;
use crate::validate;
use crate::wire::{self, HttpRequest, HttpResponse};

/// Cancels a task (spec §5.17). trueai marks it FAILURE, PLUS CANCEL.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Cancel {
    /// The queued or running task to cancel.
    pub id: String,
}

impl Cancel {
    /// Cancels task `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }
}

impl Endpoint for Cancel {
    type Output = ();

    fn name(&self) -> crate::EndpointName {
        crate::EndpointName::CANCEL
    }
    /// Cancelling twice leaves the task as cancelling once does.
    fn is_idempotent(&self) -> bool {
        true
    }
    fn build(&self, config: &Config, _: crate::endpoint::Door) -> Result<HttpRequest, Error> {
        validate::non_empty("id", &self.id)?;
        let path = format!("/task/{}/cancel", wire::segment(&self.id));
        config.request::<()>(Method::POST, &path, None)
    }
    fn parse(&self, response: HttpResponse, _: crate::endpoint::Door) -> Result<(), Error> {
        shapes::ack(response)
    }
}
