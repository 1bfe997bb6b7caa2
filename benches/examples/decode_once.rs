//! Decodes the 10 000-task corpus once with one decoder, for instruction counts that are
//! stable where wall-clock timings are not (`valgrind --tool=callgrind`):
//!
//! ```text
//! cargo build --release -p mj-benches --example decode_once
//! valgrind --tool=callgrind target/release/examples/decode_once <none|floor|value|untagged|owned|borrowed>
//! ```
//! Subtract the `none` run (corpus generation) from the others.

use mj_benches::naive::NaiveTask;
use serde::de::IgnoredAny;
use std::hint::black_box;

fn main() {
    let decoder = std::env::args().nth(1).unwrap_or_else(|| "owned".to_owned());
    let body = mj_benches::task_array(10_000, 42);
    let count = match decoder.as_str() {
        "none" => 0,
        "floor" => serde_json::from_slice::<IgnoredAny>(&body).map(|_| 1).unwrap_or(0),
        "value" => serde_json::from_slice::<serde_json::Value>(&body)
            .map(|v| black_box(v).as_array().map_or(0, Vec::len))
            .unwrap_or(0),
        "untagged" => serde_json::from_slice::<Vec<NaiveTask>>(&body).map(|v| black_box(v).len()).unwrap_or(0),
        "borrowed" => mj_proto::task_views(&body).map(|v| black_box(v).len()).unwrap_or(0),
        _ => mj_proto::tasks_from_slice(&body).map(|v| black_box(v).len()).unwrap_or(0),
    };
    println!("{decoder}: {count}");
}
