//! `POST /mj/task/list-by-condition`: many tasks by id in one request.

use http::Method;
use serde::Serialize;

use super::{Endpoint, shapes};
use crate::config::Config;
use crate::error::{BuildError, Error};
use crate::model::Task;
use crate::validate;
use crate::wire::{HttpRequest, HttpResponse};

/// The batch lookup (spec §5.15). Servers leave out ids they do not know and promise no
/// order: match the answer by `id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ListByCondition {
    /// The ids asked for; the answer holds only these, each once.
    pub ids: Vec<String>,
}

impl ListByCondition {
    /// Looks up `ids`.
    pub fn new<I: Into<String>>(ids: impl IntoIterator<Item = I>) -> Self {
        Self { ids: ids.into_iter().map(Into::into).collect() }
    }
}

impl Endpoint for ListByCondition {
    type Output = Vec<Task>;

    fn name(&self) -> crate::EndpointName {
        crate::EndpointName::LIST_BY_CONDITION
    }
    fn is_idempotent(&self) -> bool {
        true
    }
    fn build(&self, config: &Config, _: crate::endpoint::Door) -> Result<HttpRequest, Error> {
        if self.ids.is_empty() {
            return Err(BuildError::Count { field: "ids", min: 1, max: usize::MAX, got: 0 }.into());
        }
        self.ids.iter().try_for_each(|id| validate::non_empty("ids", id))?;
        config.request(Method::POST, "/task/list-by-condition", Some(self))
    }
    /// Keeps only the tasks asked for, each once (the first the server listed): a server
    /// is untrusted input, and a task nobody asked for, or one listed twice, must not be
    /// shown, waited on or counted.
    fn parse(&self, response: HttpResponse, _: crate::endpoint::Door) -> Result<Vec<Task>, Error> {
        let mut tasks = shapes::task_list(response, "task list")?;
        let mut unseen: std::collections::HashSet<&str> = self.ids.iter().map(String::as_str).collect();
        tasks.retain(|t| unseen.remove(t.id.as_str()));
        Ok(tasks)
    }
}
