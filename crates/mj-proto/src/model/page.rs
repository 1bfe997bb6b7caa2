//! One page of the paged task query (`/mj/task/query`, a Spring Data `Page`).

use std::fmt;

use serde::de::{DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Task;
use crate::model::lenient::{self, CowStr};

/// A page of results (spec §5.19). Page numbers are 0-based, as the servers count.
///
/// Read from Spring Data's classic `Page` (`content`, `number`, `size`, `totalElements`,
/// `totalPages`, `last` at the top) and from its `PagedModel`, the shape Spring Boot 3.3
/// steers to (the counts inside `page`). Decoding is total: an entry of `content` that is
/// not an item costs only itself, and a count in a shape mj cannot read counts as 0.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Page<T = Task> {
    /// The items on this page.
    pub content: Vec<T>,
    /// This page's number, from 0.
    pub number: u64,
    /// The page size the server used (it may cap what was asked).
    pub size: u64,
    /// Items on all pages.
    pub total_elements: u64,
    /// Number of pages.
    pub total_pages: u64,
    /// Whether this is the last page (when the server says; see [`Page::is_last`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last: Option<bool>,
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

impl<'de, T: DeserializeOwned> Deserialize<'de> for Page<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(PageVisitor(std::marker::PhantomData))
    }
}

struct PageVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: DeserializeOwned> Visitor<'de> for PageVisitor<T> {
    type Value = Page<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a page object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page<T>, A::Error> {
        let mut page = Page { content: Vec::new(), number: 0, size: 0, total_elements: 0, total_pages: 0, last: None };
        // PagedModel's `page` member: used where the top level does not say.
        let mut nested: Option<Value> = None;
        let mut said = [false; 4];
        while let Some(CowStr(key)) = map.next_key()? {
            match &*key {
                "content" => {
                    let entries: Vec<Value> = lenient::vec_or_null(LaxValue(map.next_value()?)).unwrap_or_default();
                    page.content = entries.into_iter().filter_map(|v| T::deserialize(v).ok()).collect();
                }
                "number" => (page.number, said[0]) = (count(map.next_value()?), true),
                "size" => (page.size, said[1]) = (count(map.next_value()?), true),
                "totalElements" => (page.total_elements, said[2]) = (count(map.next_value()?), true),
                "totalPages" => (page.total_pages, said[3]) = (count(map.next_value()?), true),
                "last" => page.last = lenient::flag(map.next_value::<Value>()?).ok(),
                "page" => nested = Some(map.next_value()?),
                _ => lenient::skip_value(&mut map)?,
            }
        }
        if let Some(Value::Object(inner)) = nested {
            let get = |k: &str| inner.get(k).cloned().map_or(0, count);
            if !said[0] {
                page.number = get("number");
            }
            if !said[1] {
                page.size = get("size");
            }
            if !said[2] {
                page.total_elements = get("totalElements");
            }
            if !said[3] {
                page.total_pages = get("totalPages");
            }
        }
        Ok(page)
    }
}

/// A count as a number or numeric string; anything else counts as 0.
fn count(value: Value) -> u64 {
    lenient::u64_or_zero(value).unwrap_or(0)
}

/// A buffered value handed to a lenient helper as a deserializer.
struct LaxValue(Value);

impl<'de> Deserializer<'de> for LaxValue {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.0.deserialize_any(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.0.deserialize_option(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paged_model_counts_are_read_from_page() {
        let body = r#"{"content":[{"id":"1"},"junk",{"status":"SUCCESS"},{"id":"2"}],
            "page":{"size":2,"number":0,"totalElements":7,"totalPages":4}}"#;
        let page: Page<Task> = serde_json::from_str(body).expect("decodes");
        assert_eq!(page.content.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(), ["1", "2"]);
        assert_eq!((page.number, page.size, page.total_elements, page.total_pages), (0, 2, 7, 4));
        assert!(!page.is_last());
        let odd: Page<Task> = serde_json::from_str(r#"{"content":{"x":1},"totalPages":"many"}"#).expect("total");
        assert!(odd.content.is_empty() && odd.total_pages == 0);
    }
}
