//! `POST /mj/task/query`: the paged, filtered task search (PLUS and resellers).

use http::Method;
use serde::Serialize;

use super::{Endpoint, shapes};
use crate::config::Config;
use crate::error::Error;
use crate::model::{Page, Task, TaskAction, TaskStatus};
use crate::validate;
use crate::wire::{HttpRequest, HttpResponse};

/// One page of a task search (spec §5.19). Pages count from 0.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Query {
    /// The page, from 0.
    pub page_number: u32,
    /// Tasks per page (1-100).
    pub page_size: u32,
    /// Spring sort, e.g. `submitTime,desc`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sort: Option<String>,
    /// Only tasks with one of these ids.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ids: Vec<String>,
    /// Only tasks with this action.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<TaskAction>,
    /// Only tasks in one of these statuses.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub status_set: Vec<TaskStatus>,
    /// Only tasks whose `state` is this (how mj finds a submit whose answer was lost).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    /// Only tasks whose prompt contains this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
}

/// Tasks per page unless set.
pub(super) const DEFAULT_PAGE_SIZE: u32 = 10;

impl Query {
    /// The first page of all tasks, newest first.
    pub fn new() -> Self {
        Self {
            page_number: 0,
            page_size: DEFAULT_PAGE_SIZE,
            sort: Some("submitTime,desc".to_owned()),
            ids: Vec::new(),
            action: None,
            status_set: Vec::new(),
            state: None,
            prompt: None,
        }
    }

    /// Page `number` (from 0) of `size` tasks.
    pub fn page(mut self, number: u32, size: u32) -> Self {
        self.page_number = number;
        self.page_size = size;
        self
    }

    /// Only tasks in `status`.
    pub fn status(mut self, status: TaskStatus) -> Self {
        self.status_set.push(status);
        self
    }

    /// Only tasks whose `state` is `state`.
    pub fn with_state(mut self, state: impl Into<String>) -> Self {
        self.state = Some(state.into());
        self
    }

    /// The same query for the next page.
    pub fn next_page(&self) -> Self {
        let mut next = self.clone();
        next.page_number = next.page_number.saturating_add(1);
        next
    }
}

impl Default for Query {
    fn default() -> Self {
        Self::new()
    }
}

impl Endpoint for Query {
    type Output = Page<Task>;

    fn name(&self) -> crate::EndpointName {
        crate::EndpointName::QUERY
    }
    fn is_idempotent(&self) -> bool {
        true
    }
    fn build(&self, config: &Config, _: crate::endpoint::Door) -> Result<HttpRequest, Error> {
        validate::range("pageSize", i64::from(self.page_size), 1, 100)?;
        config.request(Method::POST, "/task/query", Some(self))
    }
    fn parse(&self, response: HttpResponse, _: crate::endpoint::Door) -> Result<Page<Task>, Error> {
        shapes::page(response)
    }
}
