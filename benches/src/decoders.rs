//! The decoders the decode benchmark compares, in one place for the timing run and the
//! allocation count.

use mj_proto::Task;
use mj_proto::model::TaskView;
use serde::de::IgnoredAny;

use crate::naive::NaiveTask;

/// What one decoder made of the corpus, kept alive until the caller drops it (the
/// allocation count reads the heap while it is alive).
pub enum Decoded<'a> {
    /// `IgnoredAny`: the JSON read and nothing kept.
    Floor,
    /// `serde_json::Value`.
    Value(serde_json::Value),
    /// Derived structs with `#[serde(untagged)]`.
    Untagged(Vec<NaiveTask>),
    /// mj's owned tasks.
    Owned(Vec<Task>),
    /// mj's borrowed views.
    Borrowed(Vec<TaskView<'a>>),
}

impl Decoded<'_> {
    /// How many tasks were decoded (1 for the floor).
    pub fn len(&self) -> usize {
        match self {
            Self::Floor => 1,
            Self::Value(v) => v.as_array().map_or(0, Vec::len),
            Self::Untagged(v) => v.len(),
            Self::Owned(v) => v.len(),
            Self::Borrowed(v) => v.len(),
        }
    }

    /// True when nothing was decoded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Decodes `body` with decoder `name` (one of [`crate::summary::DECODERS`]).
///
/// # Panics
/// On an unknown decoder, or a corpus a decoder cannot read: the benchmark would be
/// measuring nothing.
pub fn decode<'a>(name: &str, body: &'a [u8]) -> Decoded<'a> {
    let decoded = match name {
        "floor" => serde_json::from_slice::<IgnoredAny>(body).map(|_| Decoded::Floor).map_err(|e| e.to_string()),
        "value" => serde_json::from_slice(body).map(Decoded::Value).map_err(|e| e.to_string()),
        "untagged" => serde_json::from_slice(body).map(Decoded::Untagged).map_err(|e| e.to_string()),
        "owned" => mj_proto::tasks_from_slice(body).map(Decoded::Owned).map_err(|e| e.to_string()),
        "borrowed" => mj_proto::task_views(body).map(Decoded::Borrowed).map_err(|e| e.to_string()),
        other => panic!("no decoder {other}"),
    };
    decoded.unwrap_or_else(|e| panic!("{name} cannot decode the corpus: {e}"))
}
