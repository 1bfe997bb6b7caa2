//! One page of the paged task query (`/mj/task/query`, a Spring Data `Page`).

use serde::{Deserialize, Serialize};

use super::Task;
use crate::lenient;

/// A page of results (spec §5.19). Page numbers are 0-based, as the servers count.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
#[non_exhaustive]
pub struct Page<T = Task> {
    /// The items on this page.
    #[serde(default = "Vec::new", deserialize_with = "lenient::vec_or_null")]
    pub content: Vec<T>,
    /// This page's number, from 0.
    #[serde(default, deserialize_with = "lenient::u64_or_zero")]
    pub number: u64,
    /// The requested page size.
    #[serde(default, deserialize_with = "lenient::u64_or_zero")]
    pub size: u64,
    /// Items on all pages.
    #[serde(default, deserialize_with = "lenient::u64_or_zero")]
    pub total_elements: u64,
    /// Number of pages.
    #[serde(default, deserialize_with = "lenient::u64_or_zero")]
    pub total_pages: u64,
    /// Whether this is the last page (when the server says; see [`Page::is_last`]).
    #[serde(default, deserialize_with = "opt_flag", skip_serializing_if = "Option::is_none")]
    pub last: Option<bool>,
}

fn opt_flag<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    lenient::flag(d).map(Some)
}

impl<T> Page<T> {
    /// True when no page follows: the server's `last`, else derived from the counts.
    pub fn is_last(&self) -> bool {
        match self.last {
            Some(last) => last,
            None => self.content.is_empty() || self.number.saturating_add(1) >= self.total_pages,
        }
    }

    /// The number of the next page, if there is one.
    pub fn next_number(&self) -> Option<u64> {
        (!self.is_last()).then(|| self.number.saturating_add(1))
    }
}
