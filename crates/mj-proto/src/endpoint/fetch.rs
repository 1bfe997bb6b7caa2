//! `GET /mj/task/{id}/fetch`: one task by id.

use http::Method;

use super::{Endpoint, NoTask, shapes};
use crate::config::Config;
use crate::error::Error;
use crate::model::Task;
use crate::validate;
use crate::wire::{self, HttpRequest, HttpResponse};

/// Fetches one task (spec §5.14). Answers `None` when the server does not know the id,
/// however it says so (200 empty, 204, a `task_no_found` envelope, code 3).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fetch {
    /// The id asked for; an answer for another id is refused.
    pub id: String,
}

impl Fetch {
    /// Fetches task `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self { id: id.into() }
    }

    /// Why a fetch answer reads as "no such task" (`None`), in the form the server used;
    /// `None` when the answer holds a task or is an error. For tools that explain an
    /// answer (`mj parse`); a client only needs the parse's `None`.
    ///
    /// ```
    /// use mj_proto::endpoint::{Fetch, NoTask};
    ///
    /// let answer = mj_proto::http::Response::new(br#"{"status":"SUCCESS"}"#.to_vec());
    /// assert_eq!(Fetch::why_none(answer), Some(NoTask::WithoutId));
    /// ```
    pub fn why_none(response: HttpResponse) -> Option<NoTask> {
        shapes::task_or_absence(response).ok()?.err()
    }
}

impl Endpoint for Fetch {
    type Output = Option<Task>;

    fn name(&self) -> crate::EndpointName {
        crate::EndpointName::FETCH
    }
    fn is_idempotent(&self) -> bool {
        true
    }
    fn build(&self, config: &Config, _: crate::endpoint::Door) -> Result<HttpRequest, Error> {
        validate::non_empty("id", &self.id)?;
        let path = format!("/task/{}/fetch", wire::segment(&self.id));
        config.request::<()>(Method::GET, &path, None)
    }
    /// A task with another id than the one asked for is [`Error::ForeignTask`].
    fn parse(&self, response: HttpResponse, _: crate::endpoint::Door) -> Result<Option<Task>, Error> {
        match shapes::task_or_none(response)? {
            Some(task) if task.id != self.id => {
                Err(Error::ForeignTask { asked: self.id.as_str().into(), got: task.id.into() })
            }
            task => Ok(task),
        }
    }
}
