//! `GET /mj/task/list` and `GET /mj/task/queue`: the server's recent and pending tasks.

use http::Method;

use super::{Endpoint, shapes};
use crate::config::Config;
use crate::error::Error;
use crate::model::Task;
use crate::wire::{HttpRequest, HttpResponse};

/// Every stored task, newest first (novicezk), or the latest 100 (trueai) (spec §5.16).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListTasks;

/// The queued and running tasks, oldest first (novicezk, PLUS) (spec §5.16).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Queue;

impl ListTasks {
    /// The request (it takes no input).
    pub fn new() -> Self {
        Self
    }
}

impl Queue {
    /// The request (it takes no input).
    pub fn new() -> Self {
        Self
    }
}

impl Endpoint for ListTasks {
    type Output = Vec<Task>;

    fn name(&self) -> crate::EndpointName {
        crate::EndpointName::LIST
    }
    fn is_idempotent(&self) -> bool {
        true
    }
    fn build(&self, config: &Config, _: crate::endpoint::Door) -> Result<HttpRequest, Error> {
        config.request::<()>(Method::GET, "/task/list", None)
    }
    fn parse(&self, response: HttpResponse, _: crate::endpoint::Door) -> Result<Vec<Task>, Error> {
        shapes::task_list(response, "task list")
    }
}

impl Endpoint for Queue {
    type Output = Vec<Task>;

    fn name(&self) -> crate::EndpointName {
        crate::EndpointName::QUEUE
    }
    fn is_idempotent(&self) -> bool {
        true
    }
    fn build(&self, config: &Config, _: crate::endpoint::Door) -> Result<HttpRequest, Error> {
        config.request::<()>(Method::GET, "/task/queue", None)
    }
    fn parse(&self, response: HttpResponse, _: crate::endpoint::Door) -> Result<Vec<Task>, Error> {
        shapes::task_list(response, "task queue")
    }
}
