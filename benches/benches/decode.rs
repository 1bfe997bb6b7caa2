//! Bulk decoding of task arrays, against the cost of reading the JSON at all.
//!
//! ```text
//! cargo bench -p mj-benches --bench decode
//! ```
//!
//! For N = 1, 100 and 10 000 generated tasks (fixed seed) it measures, in one run:
//! `floor` (serde_json into `IgnoredAny`: validation only), `value` (`serde_json::Value`,
//! what a user would do without mj), `untagged` (derived structs with
//! `#[serde(untagged)]` int-or-string), `owned` (mj's `Task`, through the same list decode
//! the client uses) and `borrowed` (mj's `TaskView` over the body). It then counts allocations and retained heap per task with a counting allocator, prints
//! the tables with the goals and writes `target/criterion/decode-summary.json`.
#![allow(missing_docs)] // criterion macros generate undocumented items

use std::alloc::System;
use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput};
use mj_benches::naive::NaiveTask;
use mj_benches::summary::{self, DECODERS, Measure, Row};
use mj_benches::task_array;
use serde::de::IgnoredAny;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const SIZES: [u64; 3] = [1, 100, 10_000];

/// Decodes `body` with decoder `name`, keeping the result alive for `inspect`.
fn decode_with(name: &str, body: &[u8], inspect: &mut dyn FnMut()) -> usize {
    match name {
        "floor" => serde_json::from_slice::<IgnoredAny>(body).map(|_| {
            inspect();
            1
        }),
        "value" => serde_json::from_slice::<serde_json::Value>(body).map(|v| {
            inspect();
            black_box(&v).as_array().map_or(0, Vec::len)
        }),
        "untagged" => serde_json::from_slice::<Vec<NaiveTask>>(body).map(|v| {
            inspect();
            black_box(&v).len()
        }),
        "owned" => mj_proto::tasks_from_slice(body)
            .map(|v| {
                inspect();
                black_box(&v).len()
            })
            .map_err(serde::de::Error::custom),
        "borrowed" => mj_proto::task_views(body)
            .map(|v| {
                inspect();
                black_box(&v).len()
            })
            .map_err(serde::de::Error::custom),
        other => panic!("no decoder {other}"),
    }
    .unwrap_or_else(|e: serde_json::Error| panic!("{name} cannot decode the corpus: {e}"))
}

fn throughput(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    for n in SIZES {
        let body = task_array(n, 42);
        group.throughput(Throughput::Bytes(body.len() as u64));
        if n >= 10_000 {
            group.sample_size(20).measurement_time(Duration::from_secs(6));
        }
        for name in DECODERS {
            group.bench_with_input(BenchmarkId::new(name, n), &body, |b, body| {
                b.iter(|| decode_with(name, black_box(body), &mut || {}))
            });
        }
    }
    group.finish();
}

/// Allocations and retained heap per task of one decode, with the value still alive.
fn allocations(name: &str, body: &[u8], n: u64) -> (f64, f64) {
    let region = Region::new(GLOBAL);
    let mut seen = None;
    decode_with(name, body, &mut || seen = Some(region.change()));
    let stats = seen.unwrap_or_else(|| region.change());
    let allocs = (stats.allocations + stats.reallocations) as f64 / n as f64;
    let retained =
        (stats.bytes_allocated as f64 + stats.bytes_reallocated as f64 - stats.bytes_deallocated as f64) / n as f64;
    (allocs, retained)
}

fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    throughput(&mut criterion);
    criterion.final_summary();

    let rows: Vec<Row> = SIZES
        .iter()
        .map(|&n| {
            let body = task_array(n, 42);
            let decoders = DECODERS
                .iter()
                .map(|&name| {
                    let mean = summary::mean_ns("decode", name, &n.to_string());
                    let (allocs, retained) = allocations(name, &body, n);
                    let measure = Measure {
                        mb_per_s: mean.map(|ns| body.len() as f64 / ns * 1_000.0),
                        allocations_per_task: Some(allocs),
                        retained_bytes_per_task: Some(retained),
                    };
                    (name.to_owned(), measure)
                })
                .collect();
            Row { tasks: n, bytes: body.len() as u64, decoders }
        })
        .collect();
    summary::report(&rows);
}
